//! What the commands that change releases share: opening the engine on the
//! kubeconfig's cluster and `HELM_DRIVER`'s storage, running an action with
//! its progress on stderr and Ctrl-C as cancel, the flags install and
//! upgrade have in common, and printing the resulting release as Helm does.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::engine::events::{Cancel, Progress};
use crate::engine::{Engine, EngineError};
use crate::kube::cluster::Cluster;
use crate::kube::{KubeSettings, connect};
use crate::release::Release;
use crate::render::post::{Exec, PostRenderer};

use super::output::{Format, Palette};
use super::status::{Detail, render_structured, render_table};
use super::{Settings, print_stdout};

/// Overrides the field manager wheelhouse writes with (default `helm`, what
/// Helm's CLI uses), to share server-side-applied fields with a Helm built
/// into another program (Helm names its manager after the program).
pub const FIELD_MANAGER_VARIABLE: &str = "WHEELHOUSE_FIELD_MANAGER";

/// Opens the engine: storage from `HELM_DRIVER`, cluster from the kubeconfig.
pub(crate) async fn open_engine(settings: &Settings) -> anyhow::Result<Engine> {
    let opened = super::connect::open_storage(settings).await?;
    let kube_settings = KubeSettings {
        kubeconfig: settings.kubeconfig.clone().map(Into::into),
        context: settings.kube_context.clone(),
        namespace: settings.namespace_flag.clone(),
    };
    let connection = connect(&kube_settings)
        .await
        .context("connecting to the cluster")?;
    let mut engine = Engine::new(
        opened.storage,
        Cluster::new(connection.client),
        &opened.namespace,
    );
    if let Ok(manager) = std::env::var(FIELD_MANAGER_VARIABLE)
        && !manager.is_empty()
    {
        engine = engine.with_field_manager(&manager);
    }
    Ok(engine)
}

/// Runs an action on a fresh runtime: progress lines go to stderr when it
/// is a terminal or with `--debug`; the first Ctrl-C cancels the action
/// (which then records its failure), a second one exits at once.
pub(crate) fn run_action<T, F, Fut>(settings: &Settings, action: F) -> anyhow::Result<T>
where
    F: FnOnce(Engine, Progress, Cancel) -> Fut,
    Fut: std::future::Future<Output = Result<T, EngineError>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let show = settings.debug || std::io::stderr().is_terminal();
    runtime.block_on(async {
        let engine = open_engine(settings).await?;
        let (progress, mut events) = Progress::channel();
        let cancel = Cancel::new();
        let printer = tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if show {
                    eprintln!("{event}");
                }
            }
        });
        let interrupt = {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("wheelhouse: cancelling; press Ctrl-C again to exit at once");
                    cancel.cancel();
                    if tokio::signal::ctrl_c().await.is_ok() {
                        std::process::exit(130);
                    }
                }
            })
        };
        let result = action(engine, progress, cancel).await;
        interrupt.abort();
        // Every sender is gone once the action returns; the printer drains.
        let _ = printer.await;
        result.map_err(anyhow::Error::from)
    })
}

/// Flags `install` and `upgrade` share, as Helm spells them.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Create the release namespace if not present
    #[arg(long)]
    pub create_namespace: bool,
    /// Simulate an install/upgrade: "client" renders without asking the cluster, "server" (or no value) asks it without writing
    #[arg(long, value_name = "STRATEGY", num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<String>,
    /// Wait until all Pods, PVCs, Services, and minimum number of Pods of a Deployment, StatefulSet, or ReplicaSet are in a ready state before marking the release as successful
    #[arg(long)]
    pub wait: bool,
    /// If set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful
    #[arg(long)]
    pub wait_for_jobs: bool,
    /// Time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_name = "DURATION", value_parser = parse_go_duration)]
    pub timeout: Duration,
    /// If set, the operation is rolled back (upgrade) or uninstalled (install) on failure; --wait is set too
    #[arg(long, visible_alias = "rollback-on-failure")]
    pub atomic: bool,
    /// Add a custom description
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Labels that would be added to release metadata. Should be divided by comma
    #[arg(short = 'l', long, value_name = "KEY=VALUE", value_delimiter = ',')]
    pub labels: Vec<String>,
    /// If set, no CRDs will be installed
    #[arg(long)]
    pub skip_crds: bool,
    /// Prevent hooks from running
    #[arg(long)]
    pub no_hooks: bool,
    /// If set, disables JSON schema validation
    #[arg(long)]
    pub skip_schema_validation: bool,
    #[command(flatten)]
    pub post_rendering: PostRendererArgs,
    /// Force server-side apply conflicts to be taken over
    #[arg(long)]
    pub force_conflicts: bool,
    /// Prints the output in the specified format
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// `--dry-run`'s value.
pub(crate) fn dry_run(value: &Option<String>) -> anyhow::Result<crate::engine::install::DryRun> {
    use crate::engine::install::DryRun;
    Ok(match value.as_deref() {
        None | Some("none") | Some("false") => DryRun::None,
        Some("client") | Some("true") => DryRun::Client,
        Some("server") => DryRun::Server,
        Some(other) => {
            bail!("invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"")
        }
    })
}

/// `--labels` as a map; each item must be `KEY=VALUE`.
pub(crate) fn labels(items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    items
        .iter()
        .filter(|i| !i.is_empty())
        .map(|item| match item.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => bail!("invalid label {item:?} in --labels: must be KEY=VALUE"),
        })
        .collect()
}

/// `--post-renderer` and `--post-renderer-args`, as `install`, `upgrade`,
/// `template` and the TUI take them.
#[derive(Debug, Clone, clap::Args)]
pub struct PostRendererArgs {
    /// The path to an executable to be used for post rendering. If it exists in $PATH, the binary will be used, otherwise it will try to look for the executable at the given path
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

impl PostRendererArgs {
    /// The post-renderer named, if any.
    pub(crate) fn build(&self) -> anyhow::Result<Option<Arc<dyn PostRenderer + Send + Sync>>> {
        Ok(match &self.post_renderer {
            Some(binary) => Some(
                Arc::new(Exec::new(binary, self.post_renderer_args.clone())?)
                    as Arc<dyn PostRenderer + Send + Sync>,
            ),
            None => None,
        })
    }
}

/// Go's `time.ParseDuration` for `--timeout` (`300s`, `5m0s`, `1h2m`,
/// `1.5s`, `250ms`); a bare number is refused, as in Go.
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration {text:?}");
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() || rest.starts_with('-') {
        return Err(invalid());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("time: missing unit in duration {text:?}"))?;
        let number: f64 = rest[..number_end].parse().map_err(|_| invalid())?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            unit => return Err(format!("time: unknown unit {unit:?} in duration {text:?}")),
        };
        total += number * seconds;
        rest = &rest[unit_end..];
    }
    Ok(Duration::from_secs_f64(total))
}

/// Prints a release the way Helm's install, upgrade and status do.
pub(crate) fn print_release(release: &Release, format: Format, debug: bool) -> anyhow::Result<()> {
    let text = match format {
        Format::Table => {
            let mut shown = release.clone();
            // The chart's defaults are only shown as computed values.
            if !debug {
                shown.chart = None;
            }
            render_table(
                &shown,
                &Default::default(),
                Detail {
                    debug,
                    show_metadata: false,
                },
                Palette::PLAIN,
            )?
        }
        other => render_structured(other, release)?,
    };
    print_stdout(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("5m0s"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_go_duration("1h2m3s"), Ok(Duration::from_secs(3723)));
        assert_eq!(parse_go_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("0"), Ok(Duration::ZERO));
        assert_eq!(
            parse_go_duration("300"),
            Err("time: missing unit in duration \"300\"".into())
        );
        assert!(parse_go_duration("5x").is_err());
        assert!(parse_go_duration("-1s").is_err());
    }

    #[test]
    fn labels_need_key_and_value() {
        let parsed = labels(&["a=1".into(), "b=".into()]).unwrap();
        assert_eq!(parsed.get("a").map(String::as_str), Some("1"));
        assert_eq!(parsed.get("b").map(String::as_str), Some(""));
        assert!(labels(&["nope".into()]).is_err());
    }

    #[test]
    fn dry_run_values() {
        use crate::engine::install::DryRun;
        assert_eq!(dry_run(&None).unwrap(), DryRun::None);
        assert_eq!(dry_run(&Some("client".into())).unwrap(), DryRun::Client);
        assert_eq!(dry_run(&Some("server".into())).unwrap(), DryRun::Server);
        assert!(dry_run(&Some("maybe".into())).is_err());
    }
}
