//! `wheelhouse` with no command: the TUI, on the kubeconfig's cluster and
//! `HELM_DRIVER`'s storage, or on a demo sandbox when there is no
//! kubeconfig at all.

use std::io::IsTerminal as _;

use anyhow::{Context as _, bail};

use crate::kube::{KubeError, KubeSettings, connect};
use crate::tui::worker::{Connect, Setup};
use crate::tui::{self, Start, demo};

use super::Settings;
use super::act::PostRendererArgs;

/// `post_rendering` applies to the installs and upgrades made in the TUI.
pub fn run(settings: &Settings, post_rendering: &PostRendererArgs) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() {
        bail!("the TUI needs a terminal; for scripts use the commands (`wheelhouse --help`)");
    }
    let post_renderer = post_rendering.build()?;
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
    let connection = runtime.block_on(connect(&kube_settings));
    // The demo's sandbox must outlive the TUI.
    let mut demo_parts = None;
    let (engine, namespace, banner, context, contexts, connect) = match connection {
        Err(KubeError::NoKubeconfig) => {
            let demo = runtime
                .block_on(demo::start())
                .context("starting the demo sandbox")?;
            let chart = demo.chart.0.clone();
            let filler = demo.filler;
            // The releases are made while the TUI shows them arriving.
            let populating = std::thread::Builder::new()
                .name("wheelhouse-demo".into())
                .spawn(move || -> anyhow::Result<()> {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(demo::populate(&filler, &chart))
                })
                .context("starting the demo")?;
            demo_parts = Some((demo.sandbox, demo.chart, populating));
            let namespace = demo::DEMO_NAMESPACE.to_string();
            (
                demo.engine,
                namespace,
                Some(demo::BANNER.to_string()),
                None,
                Vec::new(),
                None,
            )
        }
        connection => {
            let (context, contexts) = connection
                .map(|c| (Some(c.context).filter(|c| !c.is_empty()), c.contexts))
                .unwrap_or_default();
            let engine = runtime.block_on(super::act::open_engine(settings))?;
            let namespace = engine.namespace().to_string();
            let connect = Some(switch_context(settings));
            (engine, namespace, None, context, contexts, connect)
        }
    };
    let start = Start {
        engine,
        namespace: Some(namespace),
        banner,
        context,
        contexts,
        post_renderer: post_rendering.post_renderer.clone(),
        setup: Setup {
            connect,
            post_renderer,
        },
    };
    let result = tui::run(start);
    if let Some((sandbox, chart, populating)) = demo_parts {
        if let Ok(Err(e)) = populating.join() {
            eprintln!("wheelhouse: the demo releases could not all be made: {e:#}");
        }
        drop((sandbox, chart));
    }
    // The kube client's connection tasks live on this runtime.
    drop(runtime);
    result
}

/// `:ctx NAME`: the same settings with another kubeconfig context.
fn switch_context(settings: &Settings) -> Connect {
    let settings = settings.clone();
    Box::new(move |context| {
        let settings = Settings {
            kube_context: Some(context),
            ..settings.clone()
        };
        Box::pin(async move {
            let engine = super::act::open_engine(&settings)
                .await
                .map_err(|e| format!("{e:#}"))?;
            let namespace = engine.namespace().to_string();
            Ok((engine, namespace))
        })
    })
}
