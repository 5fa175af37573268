//! Opening release storage as Helm's commands do: the driver from
//! `HELM_DRIVER` (`secret` by default), the cluster and namespace from the
//! kubeconfig and `-n`.

use anyhow::Context as _;

use crate::kube::{KubeError, KubeSettings, connect};
use crate::storage::sql::CONNECTION_STRING_VARIABLE;
use crate::storage::{ConfigMaps, Driver, DriverKind, Memory, Secrets, Sql, Storage};

use super::Settings;

/// The storage and the namespace commands act in.
pub(crate) struct Opened {
    pub storage: Storage,
    pub namespace: String,
}

/// Opens the storage `HELM_DRIVER` names (read once, here).
pub(crate) async fn open_storage(settings: &Settings) -> anyhow::Result<Opened> {
    let driver = std::env::var("HELM_DRIVER").unwrap_or_default();
    let kind = DriverKind::parse(&driver)?;
    open_driver(kind, settings).await
}

/// Opens one driver by kind (`storage migrate` opens two).
pub(crate) async fn open_driver(kind: DriverKind, settings: &Settings) -> anyhow::Result<Opened> {
    let kube_settings = KubeSettings {
        kubeconfig: settings.kubeconfig.clone().map(Into::into),
        context: settings.kube_context.clone(),
        namespace: settings.namespace_flag.clone(),
    };
    match kind {
        DriverKind::Memory => Ok(Opened {
            storage: Storage::new(Box::new(Memory::new())),
            namespace: settings.namespace.clone(),
        }),
        DriverKind::Secret => in_cluster(&kube_settings, |c| Box::new(Secrets::new(c))).await,
        DriverKind::ConfigMap => in_cluster(&kube_settings, |c| Box::new(ConfigMaps::new(c))).await,
        DriverKind::Sql => {
            // Helm takes only the namespace from the kubeconfig here; with no
            // kubeconfig at all it is `default`.
            let namespace = match connect(&kube_settings).await {
                Ok(connection) => connection.namespace,
                Err(KubeError::NoKubeconfig) => settings.namespace.clone(),
                Err(error) => return Err(error).context("reading the kubeconfig"),
            };
            let connection_string = std::env::var(CONNECTION_STRING_VARIABLE).unwrap_or_default();
            let sql = Sql::open(&connection_string).await?;
            Ok(Opened {
                storage: Storage::new(Box::new(sql)),
                namespace,
            })
        }
    }
}

/// A driver that keeps records in the cluster the kubeconfig names.
async fn in_cluster(
    kube_settings: &KubeSettings,
    driver: impl FnOnce(kube::Client) -> Box<dyn Driver>,
) -> anyhow::Result<Opened> {
    let connection = connect(kube_settings)
        .await
        .context("connecting to the cluster")?;
    Ok(Opened {
        storage: Storage::new(driver(connection.client)),
        namespace: connection.namespace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{Options, Sandbox};

    fn settings(kubeconfig: &std::path::Path) -> Settings {
        Settings {
            namespace: "apps".into(),
            namespace_flag: Some("apps".into()),
            kube_context: None,
            kubeconfig: Some(kubeconfig.display().to_string()),
            debug: false,
        }
    }

    #[test]
    fn helm_driver_names_open_their_drivers_on_the_kubeconfig_cluster() {
        let sandbox = Sandbox::start(Options::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        sandbox.write_kubeconfig(&kubeconfig).unwrap();
        let settings = settings(&kubeconfig);
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let names = [
                ("", "Secret"),
                ("secret", "Secret"),
                ("secrets", "Secret"),
                ("configmap", "ConfigMap"),
                ("configmaps", "ConfigMap"),
                ("memory", "Memory"),
            ];
            for (helm_driver, name) in names {
                let kind = DriverKind::parse(helm_driver).unwrap();
                let opened = open_driver(kind, &settings).await.unwrap();
                assert_eq!(opened.storage.driver().name(), name, "{helm_driver:?}");
                assert_eq!(opened.namespace, "apps");
                let (releases, skipped) = opened.storage.latest(Some("apps")).await.unwrap();
                assert!(releases.is_empty() && skipped.is_empty());
            }
        });
        sandbox.stop().unwrap();
        // The cluster is gone now: opening sends nothing, the first query fails readably.
        runtime.block_on(async {
            let opened = open_driver(DriverKind::ConfigMap, &settings).await.unwrap();
            let err = opened.storage.latest(None).await.unwrap_err().to_string();
            assert!(
                err.starts_with("ConfigMap driver: cannot list ConfigMaps in all namespaces: ")
                    && err.to_lowercase().contains("connect"),
                "{err}"
            );
        });
    }
}
