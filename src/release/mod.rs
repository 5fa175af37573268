//! Release records exactly as Helm stores them (`release.v1.Release` JSON):
//! the model, its statuses and timestamps, and the storage codec.
//!
//! Field names, order and omission rules follow Helm's Go struct tags, so a
//! record decoded and encoded again here means to Helm what it meant before.
//! Fields Go would drop (unknown keys) are dropped here too.

mod chart;
pub mod codec;
mod status;
mod time;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use chart::{Dependency, File, Lock, Maintainer, Metadata, ReleaseChart};
pub use status::Status;
pub use time::GoTime;

/// `release.v1.Release`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Release {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ReleaseChart>,
    /// The values the user supplied (`--set`, `-f`), not the chart defaults.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    /// The revision, counting from 1.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Custom labels; kept by the storage driver beside the body, never in it.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// Helm 4's `apply_method`: `csa` (client-side) or `ssa` (server-side).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub apply_method: String,
    /// Which stored version of the record this was read from (a Kubernetes
    /// resourceVersion, an SQL row's fingerprint). A storage update refuses to
    /// overwrite a record that changed since; `None` updates unconditionally,
    /// as Helm does. Never part of the body.
    #[serde(skip)]
    pub stored_as: Option<String>,
}

impl Release {
    /// The status, or `unknown` for a record without info (as Helm shows it).
    pub fn status(&self) -> Status {
        self.info
            .as_ref()
            .map_or(Status::Unknown, |info| info.status.clone())
    }

    pub fn chart_name(&self) -> &str {
        self.chart.as_ref().map_or("", ReleaseChart::name)
    }

    pub fn app_version(&self) -> &str {
        self.chart.as_ref().map_or("", ReleaseChart::app_version)
    }

    /// When this revision was last deployed (Helm's "UPDATED" column).
    pub fn last_deployed(&self) -> GoTime {
        self.info
            .as_ref()
            .map_or(GoTime::ZERO, |info| info.last_deployed)
    }
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// `release.v1.Info`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub first_deployed: GoTime,
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub last_deployed: GoTime,
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub deleted: GoTime,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default = "unset_status", skip_serializing_if = "is_unset_status")]
    pub status: Status,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Live resources (only in `helm status --show-resources` answers).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub resources: Map<String, Value>,
}

/// A missing status is Go's empty string, left out again on writing.
fn unset_status() -> Status {
    Status::Other(String::new())
}

fn is_unset_status(status: &Status) -> bool {
    matches!(status, Status::Other(s) if s.is_empty())
}

/// `release.v1.Hook`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    #[serde(default)]
    pub last_run: HookExecution,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weight: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_log_policies: Vec<String>,
}

/// `release.v1.HookExecution`: `phase` is always written, even empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HookExecution {
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub started_at: GoTime,
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub completed_at: GoTime,
    #[serde(default)]
    pub phase: String,
}
