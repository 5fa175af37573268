//! The engine both faces drive: Helm's actions on charts and releases, the
//! Rust counterpart of Helm's Go SDK (`pkg/action`).
//!
//! An [`Engine`] holds the release storage (any `HELM_DRIVER`), a
//! [`Cluster`] and the namespace actions default to. Each action takes its
//! options, a [`Progress`] to report on and a [`Cancel`] to stop it, and
//! leaves a release record Helm can read whatever happens.
//!
//! Installing a chart on a sandbox cluster, with releases kept in memory:
//!
//! ```
//! use wheelhouse::engine::{Cancel, Engine, InstallOptions, Progress};
//! use wheelhouse::kube::cluster::Cluster;
//! use wheelhouse::sandbox::{Options, Sandbox};
//! use wheelhouse::storage::{Memory, Storage};
//!
//! # fn main() -> anyhow::Result<()> {
//! let chart = std::env::temp_dir().join(format!("wheelhouse-doc-{}", std::process::id()));
//! std::fs::create_dir_all(chart.join("templates"))?;
//! std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: web\nversion: 1.0.0\n")?;
//! std::fs::write(
//!     chart.join("templates/cm.yaml"),
//!     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
//! )?;
//!
//! let sandbox = Sandbox::start(Options::default())?;
//! let runtime = tokio::runtime::Runtime::new()?;
//! runtime.block_on(async {
//!     let storage = Storage::new(Box::new(Memory::new()));
//!     let engine = Engine::new(storage, Cluster::new(sandbox.client().await?), "default");
//!     let (progress, mut events) = Progress::channel();
//!     let release = engine
//!         .install(&InstallOptions::new("web", &chart), &progress, &Cancel::new())
//!         .await?;
//!     assert_eq!(release.status().as_str(), "deployed");
//!     drop(progress);
//!     while let Some(event) = events.recv().await {
//!         println!("{event:?}");
//!     }
//!     anyhow::Ok(())
//! })?;
//! # std::fs::remove_dir_all(&chart)?;
//! # Ok(()) }
//! ```

pub mod apply;
pub mod events;
pub mod hooks;
pub mod install;
pub mod objects;
pub mod plan;
pub mod query;
pub mod record;
pub mod recover;
pub mod render;
pub mod rollback;
pub mod template;
pub mod uninstall;
pub mod upgrade;
pub mod wait;

use std::time::Duration;

use tokio::sync::OnceCell;

use crate::chart::Capabilities;
use crate::chart::capabilities::KubeVersion;
use crate::kube::cluster::{Cluster, ClusterError};
use crate::storage::{Storage, StorageError};

pub use apply::ApplyMethod;
pub use events::{Cancel, Change, Event, Progress};
pub use install::InstallOptions;
pub use objects::Object;
pub use plan::{Plan, PlannedObject};
pub use rollback::RollbackOptions;
pub use template::{Rendered, TemplateOptions, render_template};
pub use uninstall::UninstallOptions;
pub use upgrade::UpgradeOptions;

/// The field manager Helm's CLI writes with; sharing it lets Helm and
/// wheelhouse take turns on a release under server-side apply.
pub const DEFAULT_FIELD_MANAGER: &str = "helm";

/// Helm's default `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Why an action failed. Messages follow Helm's where Helm has one.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The manifest could not be turned into objects.
    #[error("{0}")]
    Manifest(String),
    /// The cluster refused or could not be reached.
    #[error("{context}: {message}")]
    Cluster { context: String, message: String },
    /// Some objects could not be applied; `created` were created before.
    #[error("{message}")]
    Apply {
        message: String,
        created: Vec<Object>,
    },
    /// The user cancelled (Ctrl-C, Esc).
    #[error("operation cancelled")]
    Cancelled,
    /// `--wait` or a hook ran past `--timeout`.
    #[error("timed out waiting for the condition: {0}")]
    Timeout(String),
    /// A hook or waited-for object failed.
    #[error("{0}")]
    Failed(String),
    /// The request itself is wrong (name in use, release busy, bad flag).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Loading, rendering or post-rendering the chart failed.
    #[error("{0:#}")]
    Render(anyhow::Error),
}

impl EngineError {
    pub fn cluster(context: String, error: ClusterError) -> EngineError {
        EngineError::Cluster {
            context,
            message: error.to_string(),
        }
    }
}

/// Storage, cluster and defaults every action shares.
pub struct Engine {
    storage: Storage,
    cluster: Cluster,
    namespace: String,
    field_manager: String,
    capabilities: OnceCell<Capabilities>,
}

impl Engine {
    pub fn new(storage: Storage, cluster: Cluster, namespace: &str) -> Engine {
        Engine {
            storage,
            cluster,
            namespace: namespace.to_string(),
            field_manager: DEFAULT_FIELD_MANAGER.to_string(),
            capabilities: OnceCell::new(),
        }
    }

    /// Writes under another field manager than Helm's CLI (`helm`).
    pub fn with_field_manager(mut self, manager: &str) -> Engine {
        self.field_manager = manager.to_string();
        self
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn field_manager(&self) -> &str {
        &self.field_manager
    }

    /// What the server offers (Helm's `getCapabilities`): its version and
    /// every group/version and group/version/kind. Asked once per engine.
    pub async fn capabilities(&self) -> Result<Capabilities, EngineError> {
        self.capabilities
            .get_or_try_init(|| async {
                let (version, api_versions) = self.cluster.api_versions().await.map_err(|e| {
                    EngineError::cluster("could not get apiVersions from Kubernetes".into(), e)
                })?;
                let kube_version = KubeVersion::parse(&version).map_err(|e| {
                    EngineError::Invalid(format!("the server's version {version:?}: {e}"))
                })?;
                Ok(Capabilities::client_only()
                    .with_kube_version(kube_version)
                    .with_api_versions(api_versions))
            })
            .await
            .cloned()
    }
}
