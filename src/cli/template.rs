//! `wheelhouse template`: render a chart locally and print what `helm template`
//! prints.
//!
//! Owns the `template` flags and their validation in Helm's order (the kube
//! version, name and chart arguments, locating the chart, reading the values),
//! then hands the work to [`crate::engine::template`] and prints or writes what
//! it returns, with Helm's messages.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::chart::Capabilities;
use crate::chart::capabilities::KubeVersion;
use crate::engine::{TemplateOptions, render_template};
use crate::gotmpl::Template;
use crate::render;
use crate::render::sort::StreamOptions;

use super::Settings;
use super::values::ValueArgs;

/// The release name `helm template` uses when none is given.
pub const DEFAULT_RELEASE_NAME: &str = "release-name";

/// Raw `template` flags, as typed.
#[derive(Debug, clap::Args)]
#[command(override_usage = "wheelhouse template [NAME] CHART [OPTIONS]")]
pub struct TemplateArgs {
    /// `[NAME] CHART`: the release name (default "release-name") and the chart directory
    #[arg(value_name = "CHART", required = true, num_args = 1..)]
    pub args: Vec<String>,
    #[command(flatten)]
    pub values: ValueArgs,
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
    /// If set, disables JSON schema validation
    #[arg(long)]
    pub skip_schema_validation: bool,
    /// Include CRDs in the templated output
    #[arg(long)]
    pub include_crds: bool,
    /// If set, no CRDs will be installed (no effect on template output)
    #[arg(long)]
    pub skip_crds: bool,
    /// Kubernetes version used for Capabilities.KubeVersion
    #[arg(long, value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// Kubernetes api versions used for Capabilities.APIVersions (multiple can be specified)
    #[arg(
        short = 'a',
        long = "api-versions",
        value_name = "VERSION",
        value_delimiter = ','
    )]
    pub api_versions: Vec<String>,
    /// Writes the executed templates to files in output-dir instead of stdout
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Use release name in the output-dir path
    #[arg(long)]
    pub release_name: bool,
    /// Generate the name (and omit the NAME parameter)
    #[arg(short = 'g', long)]
    pub generate_name: bool,
    /// Specify template used to name the release
    #[arg(long, value_name = "TEMPLATE")]
    pub name_template: Option<String>,
    #[command(flatten)]
    pub post_rendering: super::act::PostRendererArgs,
}

impl TemplateArgs {
    /// Helm's `NameAndChart` as `helm template` calls it: one argument is the
    /// chart (the name defaults to "release-name", or comes from
    /// `--name-template`), two are name and chart.
    pub fn validate(self, settings: &Settings) -> anyhow::Result<TemplateOptions> {
        let mut capabilities = Capabilities::client_only();
        if let Some(v) = &self.kube_version {
            let parsed = KubeVersion::parse(v)
                .map_err(|e| anyhow::anyhow!("invalid kube version '{v}': {e}"))?;
            capabilities = capabilities.with_kube_version(parsed);
        }
        let (release_name, chart) = match self.args.as_slice() {
            [_, _, rest @ ..] if !rest.is_empty() => bail!(
                "expected at most two arguments, unexpected arguments: {}",
                rest.join(", ")
            ),
            [name, chart] => {
                if self.generate_name {
                    bail!("cannot set --generate-name and also specify a name");
                }
                if self.name_template.is_some() {
                    bail!("cannot set --name-template and also specify a name");
                }
                (name.clone(), chart.clone())
            }
            [chart] => match &self.name_template {
                Some(t) if !t.is_empty() => (name_from_template(t)?, chart.clone()),
                _ => (DEFAULT_RELEASE_NAME.to_string(), chart.clone()),
            },
            _ => bail!("\"wheelhouse template\" requires at least 1 argument"),
        };
        capabilities = capabilities.with_extra_api_versions(self.api_versions);
        // Helm locates the chart before it reads any values file.
        if std::fs::metadata(&chart).is_err() {
            bail!("path {chart:?} not found");
        }
        let post_renderer = self.post_rendering.build()?;
        let output_dir = self.output_dir.map(|dir| {
            if self.release_name {
                dir.join(&release_name)
            } else {
                dir
            }
        });
        Ok(TemplateOptions {
            release_name,
            chart: PathBuf::from(chart),
            values: self.values.merge()?,
            namespace: settings.namespace.clone(),
            is_upgrade: self.is_upgrade,
            stream: StreamOptions {
                show_only: self.show_only,
                no_hooks: self.no_hooks,
                skip_tests: self.skip_tests,
            },
            skip_schema_validation: self.skip_schema_validation,
            include_crds: self.include_crds,
            capabilities,
            post_renderer,
            output_dir,
            debug: settings.debug,
        })
    }
}

/// Helm's `TemplateName`: `--name-template` run as a template with no data.
pub(crate) fn name_from_template(text: &str) -> anyhow::Result<String> {
    let mut t = Template::new("name-template").with_library(render::library());
    t.parse("name-template", text)?;
    Ok(t.execute("name-template", &crate::gotmpl::Value::Nil)?)
}

pub fn run(args: TemplateArgs, settings: &Settings) -> anyhow::Result<()> {
    let options = args.validate(settings)?;
    let rendered = render_template(&options, &mut warn)?;
    match &options.output_dir {
        None => super::print_stdout(&rendered.stream),
        Some(dir) => {
            for (name, text, append) in &rendered.files {
                let path = write_to_file(dir, name, text, *append)?;
                super::print_stdout(&format!("wrote {}\n", path.display()))?;
            }
            Ok(())
        }
    }
}

/// Helm's `writeToFile`: `DIR/NAME` gets a `---` and `# Source:` header before
/// the text, replacing the file or adding to one this run wrote.
fn write_to_file(dir: &Path, name: &str, text: &str, append: bool) -> anyhow::Result<PathBuf> {
    let path = PathBuf::from(format!("{}/{name}", dir.display()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating directory {}", parent.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    write!(file, "---\n# Source: {name}\n{text}\n")
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
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
