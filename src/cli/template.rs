//! `wheelhouse template`: render a chart locally and print what `helm template`
//! prints.
//!
//! Owns the `template` flags, their validation, and the steps `helm template`
//! takes in Helm's order (locate the chart, read `-f` files, load the chart, check
//! the release name, render, sort, print), with Helm's error messages. Until an
//! engine module exists, the rendering steps live in [`render_template`].

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::chart::capabilities::KubeVersion;
use crate::chart::dependencies::{check_dependencies, process_dependencies};
use crate::chart::name::validate_release_name;
use crate::chart::yaml::{load_values, merge_maps};
use crate::chart::{self, Capabilities, ReleaseOptions};
use crate::funcs::semver::is_compatible_range;
use crate::gotmpl::Entries;
use crate::gotmpl::Template;
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
}

/// Validated `template` options: everything needed to render, nothing raw.
#[derive(Clone)]
pub struct TemplateOptions {
    pub release_name: String,
    pub chart: PathBuf,
    pub value_files: Vec<String>,
    pub namespace: String,
    pub is_upgrade: bool,
    pub stream: StreamOptions,
    /// `--include-crds`: the charts' `crds/` files first in the output.
    pub include_crds: bool,
    pub capabilities: Capabilities,
    /// `--output-dir` (with the release name appended for `--release-name`).
    pub output_dir: Option<PathBuf>,
    /// `--debug`: Helm drops its hint about `--debug` when it is already on.
    pub debug: bool,
}

impl TemplateArgs {
    /// Helm's `NameAndChart` as `helm template` calls it: one argument is the
    /// chart (the name defaults to "release-name", or comes from
    /// `--name-template`), two are name and chart.
    pub fn validate(self, settings: &Settings) -> anyhow::Result<TemplateOptions> {
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
        let mut capabilities = Capabilities::client_only();
        if let Some(v) = &self.kube_version {
            let parsed = KubeVersion::parse(v)
                .map_err(|e| anyhow::anyhow!("invalid kube version '{v}': {e}"))?;
            capabilities = capabilities.with_kube_version(parsed);
        }
        capabilities = capabilities.with_extra_api_versions(self.api_versions);
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
            value_files: self.values,
            namespace: settings.namespace.clone(),
            is_upgrade: self.is_upgrade,
            stream: StreamOptions {
                show_only: self.show_only,
                no_hooks: self.no_hooks,
                skip_tests: self.skip_tests,
            },
            include_crds: self.include_crds,
            capabilities,
            output_dir,
            debug: settings.debug,
        })
    }
}

/// Helm's `TemplateName`: `--name-template` run as a template with no data.
fn name_from_template(text: &str) -> anyhow::Result<String> {
    let mut t = Template::new("name-template").with_library(render::library());
    t.parse("name-template", text)?;
    Ok(t.execute("name-template", &crate::gotmpl::Value::Nil)?)
}

pub fn run(args: TemplateArgs, settings: &Settings) -> anyhow::Result<()> {
    let options = args.validate(settings)?;
    let rendered = render_template(&options)?;
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

/// What `helm template` produced: the text it prints, and the files it writes
/// with `--output-dir` (path in the chart, text, whether it adds to a file
/// written before).
pub struct Rendered {
    pub stream: String,
    pub files: Vec<(String, String, bool)>,
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

/// Renders a chart into what `helm template` prints or writes.
pub fn render_template(options: &TemplateOptions) -> anyhow::Result<Rendered> {
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
    let caps = Arc::new(options.capabilities.clone());
    let data = chart::to_render_values(&chart, &user_values, &release, caps, &mut warnings);
    print_warnings(&mut warnings);
    let data = data?;

    let kube_version = options.capabilities.kube_version();
    let required = &chart.metadata.kube_version;
    if !required.is_empty() && !is_compatible_range(required, kube_version.string()) {
        return Err(hinted(
            anyhow::anyhow!(
                "chart requires kubeVersion: {required} which is incompatible with Kubernetes {}",
                kube_version.version()
            ),
            options.debug,
        ));
    }

    let files = render::chart_templates(&chart, &data);
    let mut rendered: BTreeMap<String, String> =
        render::render(&files, &render::Options::default())
            .map_err(|e| hinted(e, options.debug))?;

    let _notes = sort::take_notes(&mut rendered, chart.name());
    let (hooks, manifests) =
        sort::sort_manifests(&rendered).map_err(|e| hinted(e, options.debug))?;
    let crds = if options.include_crds {
        chart.crd_objects()
    } else {
        Vec::new()
    };
    if options.output_dir.is_some() {
        return Ok(Rendered {
            stream: String::new(),
            files: output_files(&crds, &hooks, &manifests, &options.stream),
        });
    }
    let crd_text: String = crds
        .iter()
        .map(|(name, data)| format!("---\n# Source: {name}\n{}\n", String::from_utf8_lossy(data)))
        .collect();
    Ok(Rendered {
        stream: sort::template_stream(&crd_text, &hooks, &manifests, &options.stream)?,
        files: Vec::new(),
    })
}

/// The files `--output-dir` gets, in Helm's order: CRDs, manifests, then hooks
/// (tests skipped on request). A path seen before is appended to.
fn output_files(
    crds: &[(String, Vec<u8>)],
    hooks: &[sort::Hook],
    manifests: &[sort::Manifest],
    stream: &StreamOptions,
) -> Vec<(String, String, bool)> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut push = |name: &str, text: String| {
        let append = !seen.insert(name.to_string());
        out.push((name.to_string(), text, append));
    };
    for (name, data) in crds {
        push(name, String::from_utf8_lossy(data).into_owned());
    }
    for m in manifests {
        push(&m.name, m.content.clone());
    }
    if !stream.no_hooks {
        for h in hooks {
            if !(stream.skip_tests && h.is_test()) {
                push(&h.path, h.manifest.clone());
            }
        }
    }
    out
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
