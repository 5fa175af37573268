//! Opening release storage as Helm's commands do: the driver from
//! `HELM_DRIVER` (`secret` by default), the cluster and namespace from the
//! kubeconfig and `-n`.

use anyhow::Context as _;

use crate::kube::{KubeError, KubeSettings, connect};
use crate::storage::sql::CONNECTION_STRING_VARIABLE;
use crate::storage::{DriverKind, Memory, Sql, Storage};

use super::{DEFAULT_NAMESPACE, Settings};

/// The storage and the namespace commands act in.
pub(crate) struct Opened {
    pub storage: Storage,
    pub namespace: String,
}

/// Opens the storage `HELM_DRIVER` names (read once, here).
pub(crate) async fn open_storage(settings: &Settings) -> anyhow::Result<Opened> {
    let driver = std::env::var("HELM_DRIVER").unwrap_or_default();
    let kind = DriverKind::parse(&driver)?;
    let kube_settings = KubeSettings {
        kubeconfig: settings.kubeconfig.clone().map(Into::into),
        context: settings.kube_context.clone(),
        namespace: settings.namespace_flag.clone(),
    };
    match kind {
        DriverKind::Memory => Ok(Opened {
            storage: Storage::new(Box::new(Memory::new())),
            namespace: settings
                .namespace_flag
                .clone()
                .unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
        }),
        DriverKind::Sql => {
            // Helm takes only the namespace from the kubeconfig here; with no
            // kubeconfig at all it is `default`.
            let namespace = match connect(&kube_settings).await {
                Ok(connection) => connection.namespace,
                Err(KubeError::NoKubeconfig) => settings
                    .namespace_flag
                    .clone()
                    .filter(|ns| !ns.is_empty())
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
                Err(error) => return Err(error).context("reading the kubeconfig"),
            };
            let connection_string = std::env::var(CONNECTION_STRING_VARIABLE).unwrap_or_default();
            let sql = Sql::open(&connection_string).await?;
            Ok(Opened {
                storage: Storage::new(Box::new(sql)),
                namespace,
            })
        }
        DriverKind::Secret | DriverKind::ConfigMap => {
            let connection = connect(&kube_settings)
                .await
                .context("connecting to the cluster")?;
            let _ = connection;
            anyhow::bail!("HELM_DRIVER={driver}: this driver is not built yet")
        }
    }
}
