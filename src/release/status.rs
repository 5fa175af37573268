//! A release's status, spelt as Helm stores it in records and labels.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Helm's `common.Status`. Go keeps any string here, so a value this version
/// doesn't know is kept as [`Status::Other`] and written back unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Status {
    #[default]
    Unknown,
    Deployed,
    Uninstalled,
    Superseded,
    Failed,
    Uninstalling,
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
    Other(String),
}

impl Status {
    /// Every status Helm defines, in its declaration order.
    pub const ALL: [Status; 9] = [
        Status::Unknown,
        Status::Deployed,
        Status::Uninstalled,
        Status::Superseded,
        Status::Failed,
        Status::Uninstalling,
        Status::PendingInstall,
        Status::PendingUpgrade,
        Status::PendingRollback,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
            Status::Other(other) => other,
        }
    }

    /// Helm's `IsPending`: an operation is under way (or crashed midway).
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }
}

impl FromStr for Status {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Status, Self::Err> {
        Ok(Status::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .unwrap_or_else(|| Status::Other(text.to_owned())))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Status, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let Ok(status) = text.parse();
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_and_unknown_text_is_kept() {
        for status in Status::ALL {
            let Ok(parsed) = status.as_str().parse::<Status>();
            assert_eq!(parsed, status);
        }
        let Ok(other) = "archived".parse::<Status>();
        assert_eq!(other, Status::Other("archived".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"archived\"");
        assert!(Status::PendingRollback.is_pending());
        assert!(!Status::Failed.is_pending());
    }
}
