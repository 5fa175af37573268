//! `helm template`: a client-only dry-run install that renders a chart and
//! returns what Helm prints or writes, with Helm's steps in Helm's order.
//!
//! Owns the pipeline from a chart path and the user's merged values to the text:
//! load, installability and dependency checks, release name check, dependency
//! processing, render values, the chart's `kubeVersion`, rendering, NOTES,
//! sorting into hooks and manifests, CRDs and `--output-dir` files. Flags and
//! printing belong to the CLI.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::chart::dependencies::{check_dependencies, process_dependencies};
use crate::chart::name::validate_release_name;
use crate::chart::{self, Capabilities, ReleaseOptions};
use crate::funcs::semver::is_compatible_range;
use crate::gotmpl::Entries;
use crate::render;
use crate::render::post::PostRenderer;
use crate::render::sort::{self, StreamOptions};

/// Validated `template` options: everything needed to render, nothing raw.
#[derive(Clone)]
pub struct TemplateOptions {
    pub release_name: String,
    pub chart: PathBuf,
    /// The user's values, merged from `-f` and the `--set` family.
    pub values: Entries,
    pub namespace: String,
    pub is_upgrade: bool,
    pub stream: StreamOptions,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--include-crds`: the charts' `crds/` files first in the output.
    pub include_crds: bool,
    pub capabilities: Capabilities,
    /// `--post-renderer`: runs over the manifest stream (CRDs and manifests,
    /// hooks excluded), replacing it.
    pub post_renderer: Option<Arc<dyn PostRenderer + Send + Sync>>,
    /// `--output-dir` (with the release name appended for `--release-name`).
    pub output_dir: Option<PathBuf>,
    /// `--debug`: Helm drops its hint about `--debug` when it is already on.
    pub debug: bool,
}

/// What `helm template` produced: the text it prints, and the files it writes
/// with `--output-dir` (path in the chart, text, whether it adds to a file
/// written before).
pub struct Rendered {
    pub stream: String,
    pub files: Vec<(String, String, bool)>,
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
pub fn render_template(
    options: &TemplateOptions,
    warn: &mut dyn FnMut(&str),
) -> anyhow::Result<Rendered> {
    let user_values = &options.values;
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
    let processed = process_dependencies(&mut chart, user_values, &mut warnings);
    for w in warnings.drain(..) {
        warn(&w);
    }
    processed.context("chart dependencies processing failed")?;

    let release = ReleaseOptions {
        name: options.release_name.clone(),
        namespace: options.namespace.clone(),
        revision: 1,
        is_install: !options.is_upgrade,
        is_upgrade: options.is_upgrade,
        skip_schema_validation: options.skip_schema_validation,
    };
    let caps = Arc::new(options.capabilities.clone());
    let data = chart::to_render_values(&chart, user_values, &release, caps, &mut warnings);
    for w in warnings.drain(..) {
        warn(&w);
    }
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
    let mut manifest: String = crds
        .iter()
        .map(|(name, data)| format!("---\n# Source: {name}\n{}\n", String::from_utf8_lossy(data)))
        .collect();
    manifest.push_str(&sort::release_manifest(&manifests));
    if let Some(post) = &options.post_renderer {
        manifest = post
            .run(manifest)
            .context("error while running post render on files")
            .map_err(|e| hinted(e, options.debug))?;
    }
    Ok(Rendered {
        stream: sort::template_stream(&manifest, &hooks, &options.stream)?,
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
    let mut seen = HashSet::new();
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
