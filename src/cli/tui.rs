//! `wheelhouse` with no command: the TUI, on the kubeconfig's cluster and
//! `HELM_DRIVER`'s storage, or on a demo sandbox when there is no
//! kubeconfig at all.

use std::io::IsTerminal as _;

use anyhow::{Context as _, bail};

use crate::kube::{KubeError, KubeSettings, connect};
use crate::tui::{self, Start, demo};

use super::Settings;

pub fn run(settings: &Settings) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() {
        bail!("the TUI needs a terminal; for scripts use the commands (`wheelhouse --help`)");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let kube_settings = KubeSettings {
        kubeconfig: settings.kubeconfig.clone().map(Into::into),
        context: settings.kube_context.clone(),
        namespace: settings.namespace_flag.clone(),
    };
    let no_kubeconfig = matches!(
        runtime.block_on(connect(&kube_settings)),
        Err(KubeError::NoKubeconfig)
    );
    // The demo's sandbox must outlive the TUI.
    let mut demo_sandbox = None;
    let start = if no_kubeconfig {
        let started = runtime
            .block_on(demo::start())
            .context("starting the demo sandbox")?;
        demo_sandbox = Some((started.sandbox, started.chart));
        Start {
            engine: started.engine,
            namespace: Some(demo::DEMO_NAMESPACE.to_string()),
            banner: Some(demo::BANNER.to_string()),
        }
    } else {
        let engine = runtime.block_on(super::act::open_engine(settings))?;
        let namespace = Some(engine.namespace().to_string());
        Start {
            engine,
            namespace,
            banner: None,
        }
    };
    let result = tui::run(start);
    drop(demo_sandbox);
    // The kube client's connection tasks live on this runtime.
    drop(runtime);
    result
}
