//! `helm template`: a client-only dry-run install that renders a chart and
//! returns what Helm prints or writes, with Helm's steps in Helm's order.
//!
//! Owns the pipeline from a chart path and the user's merged values to the text:
//! load, installability and dependency checks, release name check, dependency
//! processing, render values, the chart's `kubeVersion`, rendering, NOTES,
//! sorting into hooks and manifests, CRDs and `--output-dir` files. Flags and
//! printing belong to the CLI.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use crate::chart::{self, Capabilities, ReleaseOptions};
use crate::gotmpl::Entries;
use crate::render::post::PostRenderer;
use crate::render::sort::{self, StreamOptions};

use super::render::{RenderRequest, render_chart};

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

/// Renders a chart into what `helm template` prints or writes.
pub fn render_template(
    options: &TemplateOptions,
    warn: &mut dyn FnMut(&str),
) -> anyhow::Result<Rendered> {
    let chart = chart::load(&options.chart)?;
    let request = RenderRequest {
        values: &options.values,
        release: ReleaseOptions {
            name: options.release_name.clone(),
            namespace: options.namespace.clone(),
            revision: 1,
            is_install: !options.is_upgrade,
            is_upgrade: options.is_upgrade,
            skip_schema_validation: options.skip_schema_validation,
        },
        capabilities: options.capabilities.clone(),
        include_crds: options.include_crds,
        // `--output-dir` writes the files as rendered, never post-rendered.
        post_renderer: if options.output_dir.is_some() {
            None
        } else {
            options.post_renderer.clone()
        },
        debug: options.debug,
    };
    let rendered = render_chart(chart, &request, warn)?;
    let out = if options.output_dir.is_some() {
        Rendered {
            stream: String::new(),
            files: output_files(
                if options.include_crds {
                    &rendered.crds
                } else {
                    &[]
                },
                &rendered.hooks,
                &rendered.manifests,
                &options.stream,
            ),
        }
    } else {
        Rendered {
            stream: sort::template_stream(&rendered.manifest, &rendered.hooks, &options.stream)?,
            files: Vec::new(),
        }
    };
    crate::render::cores::drop_later(rendered);
    Ok(out)
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
