//! `wheelhouse template`: render a chart locally and print what `helm template`
//! prints.
//!
//! Owns the `template` flags, their validation, and the steps `helm template`
//! takes in Helm's order (locate the chart, read `-f` files, load the chart, check
//! the release name, render, sort, print), with Helm's error messages. Until an
//! engine module exists, the rendering steps live in [`render_template`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::chart::dependencies::{check_dependencies, process_dependencies};
use crate::chart::name::validate_release_name;
use crate::chart::yaml::{load_values, merge_maps};
use crate::chart::{self, Capabilities, ReleaseOptions};
use crate::gotmpl::Entries;
use crate::render;
use crate::render::sort::{self, StreamOptions};

use super::Settings;

/// The release name `helm template` uses when none is given.
pub const DEFAULT_RELEASE_NAME: &str = "release-name";

/// Raw `template` flags, as typed.
#[derive(Debug, clap::Args)]
#[command(override_usage = "wheelhouse template [NAME] CHART [OPTIONS]")]
pub struct TemplateArgs {
    /// `[NAME] CHART`: the release name (default "release-name") and the chart directory
    #[arg(value_name = "CHART", required = true, num_args = 1..)]
    pub args: Vec<String>,
    /// Specify values in a YAML file (can specify multiple)
    #[arg(
        short = 'f',
        long = "values",
        value_name = "FILE",
        value_delimiter = ','
    )]
    pub values: Vec<String>,
    /// Only show manifests rendered from the given templates
    #[arg(short = 's', long = "show-only", value_name = "PATH")]
    pub show_only: Vec<String>,
    /// Prevent hooks from running during install
    #[arg(long)]
    pub no_hooks: bool,
    /// Skip tests from templated output
    #[arg(long)]
    pub skip_tests: bool,
    /// Set .Release.IsUpgrade instead of .Release.IsInstall
    #[arg(long)]
    pub is_upgrade: bool,
}

/// Validated `template` options: everything needed to render, nothing raw.
#[derive(Debug, Clone)]
pub struct TemplateOptions {
    pub release_name: String,
    pub chart: PathBuf,
    pub value_files: Vec<String>,
    pub namespace: String,
    pub is_upgrade: bool,
    pub stream: StreamOptions,
    /// `--debug`: Helm drops its hint about `--debug` when it is already on.
    pub debug: bool,
}

impl TemplateArgs {
    /// Helm's `NameAndChart`: one argument is the chart, two are name and chart.
    pub fn validate(self, settings: &Settings) -> anyhow::Result<TemplateOptions> {
        let (release_name, chart) = match self.args.as_slice() {
            [chart] => (DEFAULT_RELEASE_NAME.to_string(), chart.clone()),
            [name, chart] => (name.clone(), chart.clone()),
            [_, _, rest @ ..] => bail!(
                "expected at most two arguments, unexpected arguments: {}",
                rest.join(", ")
            ),
            [] => bail!("\"wheelhouse template\" requires at least 1 argument"),
        };
        Ok(TemplateOptions {
            release_name,
            chart: PathBuf::from(chart),
            value_files: self.values,
            namespace: settings.namespace.clone(),
            is_upgrade: self.is_upgrade,
            stream: StreamOptions {
                show_only: self.show_only,
                no_hooks: self.no_hooks,
                skip_tests: self.skip_tests,
            },
            debug: settings.debug,
        })
    }
}

pub fn run(args: TemplateArgs, settings: &Settings) -> anyhow::Result<()> {
    let options = args.validate(settings)?;
    let out = render_template(&options)?;
    super::print_stdout(&out)
}

/// An error from rendering or sorting, which Helm follows with a hint about
/// `--debug` (it prints the broken output in that mode).
#[derive(Debug, thiserror::Error)]
#[error("{0:#}\n\nUse --debug flag to render out invalid YAML")]
struct WithDebugHint(anyhow::Error);

fn hinted(err: impl Into<anyhow::Error>, debug: bool) -> anyhow::Error {
    let err = err.into();
    if debug {
        err
    } else {
        WithDebugHint(err).into()
    }
}

/// Renders a chart directory into the text `helm template` prints.
pub fn render_template(options: &TemplateOptions) -> anyhow::Result<String> {
    // Helm locates the chart before it reads any values file.
    if std::fs::metadata(&options.chart).is_err() {
        bail!("path {:?} not found", options.chart.display().to_string());
    }
    let user_values = read_value_files(&options.value_files)?;
    let mut chart = chart::load(&options.chart)?;
    chart.check_installable()?;
    if chart.metadata.deprecated {
        warn("this chart is deprecated");
    }
    check_dependencies(&chart)?;
    validate_release_name(&options.release_name).with_context(|| {
        format!(
            "release name check failed: release name {:?}",
            options.release_name
        )
    })?;
    let mut warnings = Vec::new();
    let processed = process_dependencies(&mut chart, &user_values, &mut warnings);
    print_warnings(&mut warnings);
    processed.context("chart dependencies processing failed")?;

    let release = ReleaseOptions {
        name: options.release_name.clone(),
        namespace: options.namespace.clone(),
        revision: 1,
        is_install: !options.is_upgrade,
        is_upgrade: options.is_upgrade,
    };
    let caps = Arc::new(Capabilities::client_only());
    let data = chart::to_render_values(&chart, &user_values, &release, caps, &mut warnings);
    print_warnings(&mut warnings);
    let data = data?;
    let files = render::chart_templates(&chart, &data);
    let mut rendered: BTreeMap<String, String> =
        render::render(&files, &render::Options::default())
            .map_err(|e| hinted(e, options.debug))?;

    let _notes = sort::take_notes(&mut rendered, chart.name());
    let (hooks, manifests) =
        sort::sort_manifests(&rendered).map_err(|e| hinted(e, options.debug))?;
    Ok(sort::template_stream(&hooks, &manifests, &options.stream)?)
}

/// Helm logs through Go's standard logger: a timestamp (local time, which is
/// UTC here as everywhere in wheelhouse), then the message.
fn warn(message: &str) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let now = chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
    eprintln!("{} {message}", now.format("%Y/%m/%d %H:%M:%S"));
}

fn print_warnings(warnings: &mut Vec<String>) {
    for w in warnings.drain(..) {
        warn(&w);
    }
}

/// Reads `-f` files in order and merges them as Helm does (`-` is stdin).
fn read_value_files(paths: &[String]) -> anyhow::Result<Entries> {
    let mut values = Entries::new();
    for path in paths {
        let text = if path.trim() == "-" {
            std::io::read_to_string(std::io::stdin()).context("reading values from stdin")?
        } else {
            std::fs::read_to_string(Path::new(path)).map_err(|e| {
                let reason = match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                    _ => e.to_string(),
                };
                anyhow::anyhow!("open {path}: {reason}")
            })?
        };
        let file_values = load_values(&text).with_context(|| format!("failed to parse {path}"))?;
        merge_maps(&mut values, file_values);
    }
    Ok(values)
}
