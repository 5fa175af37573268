//! Reaching a cluster the way Helm and kubectl do: the kubeconfig from
//! `--kubeconfig`, else `$KUBECONFIG` (a list, merged), else `~/.kube/config`;
//! the context from `--kube-context` or the current one; the namespace from
//! `-n`, else the context's, else `default`. Also Kubernetes' label rules
//! ([`labels`]), shared by everything that writes or selects labels.

pub mod cluster;
pub mod labels;
pub mod ready;

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};
use thiserror::Error;

/// Where to connect, as the user said it (flags and environment).
#[derive(Clone, Debug, Default)]
pub struct KubeSettings {
    /// `--kubeconfig`: one path, or a list like `$KUBECONFIG`.
    pub kubeconfig: Option<std::ffi::OsString>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Error)]
pub enum KubeError {
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig { path: String, message: String },
    #[error(
        "no kubeconfig found ($KUBECONFIG is unset and ~/.kube/config does not exist); pass --kubeconfig, or run `wheelhouse sandbox --write-kubeconfig PATH` for a local cluster"
    )]
    NoKubeconfig,
    #[error("kubeconfig {path}: {message}")]
    Client { path: String, message: String },
}

/// A connected client and the namespace commands default to.
pub struct Connection {
    pub client: kube::Client,
    pub namespace: String,
    /// The kubeconfig context in use (empty when the file names none).
    pub context: String,
    /// Every context the kubeconfig names, in the file's order.
    pub contexts: Vec<String>,
}

/// Reads the kubeconfig and builds a client; nothing is sent yet.
pub async fn connect(settings: &KubeSettings) -> Result<Connection, KubeError> {
    let (kubeconfig, path) = read_kubeconfig(settings)?;
    let context = settings
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    let contexts = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let options = KubeConfigOptions {
        context: settings.context.clone(),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| KubeError::Kubeconfig {
            path: path.clone(),
            message: e.to_string(),
        })?;
    let namespace = settings
        .namespace
        .clone()
        .filter(|ns| !ns.is_empty())
        .unwrap_or_else(|| config.default_namespace.clone());
    let client = kube::Client::try_from(config).map_err(|e| KubeError::Client {
        path,
        message: e.to_string(),
    })?;
    Ok(Connection {
        client,
        namespace,
        context,
        contexts,
    })
}

fn read_kubeconfig(settings: &KubeSettings) -> Result<(Kubeconfig, String), KubeError> {
    let list = settings
        .kubeconfig
        .clone()
        .or_else(|| std::env::var_os("KUBECONFIG"))
        .filter(|v| !v.is_empty());
    let paths: Vec<PathBuf> = match list {
        Some(list) => std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        None => {
            let home = std::env::var_os("HOME").ok_or(KubeError::NoKubeconfig)?;
            let path = PathBuf::from(home).join(".kube").join("config");
            if !path.exists() {
                return Err(KubeError::NoKubeconfig);
            }
            vec![path]
        }
    };
    // The first file to set a value wins, as kubectl merges.
    let mut merged = Kubeconfig::default();
    for path in &paths {
        let error = |message: String| KubeError::Kubeconfig {
            path: path.display().to_string(),
            message,
        };
        let next = Kubeconfig::read_from(path).map_err(|e| error(e.to_string()))?;
        merged = merged.merge(next).map_err(|e| error(e.to_string()))?;
    }
    let shown = std::env::join_paths(&paths)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((merged, shown))
}

/// An error and its causes on one line: a transport error's top level
/// ("client error (Connect)") alone doesn't say what went wrong.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let more = next.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = next.source();
    }
    text
}
