//! `wheelhouse` with no command: the TUI, on the kubeconfig's cluster and
//! `HELM_DRIVER`'s storage, or on a demo sandbox when there is no
//! kubeconfig at all.

use std::io::IsTerminal as _;

use anyhow::{Context as _, bail};

use crate::kube::{KubeError, KubeSettings, connect};
use crate::tui::worker::{Connect, Setup};
use crate::tui::{self, Start, demo};

use super::Settings;

/// Flags of the TUI itself (no command given).
#[derive(Debug, clap::Args)]
pub struct TuiArgs {
    /// For installs and upgrades made in the TUI: the path to an executable to be used for post rendering (looked up in $PATH when it has no separator); their previews then show the rendered and post-rendered manifests
    #[arg(long, value_name = "PATH")]
    pub post_renderer: Option<String>,
    /// An argument to the post-renderer (can specify multiple)
    #[arg(
        long = "post-renderer-args",
        value_name = "ARG",
        requires = "post_renderer"
    )]
    pub post_renderer_args: Vec<String>,
}

pub fn run(settings: &Settings, args: &TuiArgs) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() {
        bail!("the TUI needs a terminal; for scripts use the commands (`wheelhouse --help`)");
    }
    let post_renderer = super::act::post_renderer(&args.post_renderer, &args.post_renderer_args)?;
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
    let start = match connection {
        Err(KubeError::NoKubeconfig) => {
            let demo = runtime
                .block_on(demo::start())
                .context("starting the demo sandbox")?;
            let engine = demo.engine;
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
            Start {
                engine,
                namespace: Some(demo::DEMO_NAMESPACE.to_string()),
                banner: Some(demo::BANNER.to_string()),
                context: None,
                post_renderer: args.post_renderer.clone(),
                setup: Setup {
                    connect: None,
                    post_renderer,
                },
            }
        }
        connection => {
            let context = connection.ok().map(|c| c.context).filter(|c| !c.is_empty());
            let engine = runtime.block_on(super::act::open_engine(settings))?;
            let namespace = Some(engine.namespace().to_string());
            Start {
                engine,
                namespace,
                banner: None,
                context,
                post_renderer: args.post_renderer.clone(),
                setup: Setup {
                    connect: Some(switch_context(settings)),
                    post_renderer,
                },
            }
        }
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
