//! Helm's `renderResources`: a loaded chart and the user's values in, the
//! release's parts out — hooks, sorted manifests, the release manifest
//! (post-rendered when asked) and the top chart's notes. `template`,
//! `install`, `upgrade` and the previews all render through here, so they
//! render the same bytes.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context as _;

use crate::chart::dependencies::{check_dependencies, process_dependencies};
use crate::chart::name::validate_release_name;
use crate::chart::{self, Capabilities, Chart, ReleaseOptions};
use crate::funcs::semver::is_compatible_range;
use crate::gotmpl::Entries;
use crate::render;
use crate::render::post::PostRenderer;
use crate::render::sort::{self, Hook, Manifest};

/// What a render needs besides the chart.
pub struct RenderRequest<'a> {
    /// The user's values (`-f`, `--set`…), before coalescing with the chart's.
    pub values: &'a Entries,
    pub release: ReleaseOptions,
    pub capabilities: Capabilities,
    /// Put the charts' `crds/` files at the head of the release manifest.
    pub include_crds: bool,
    /// Runs over the release manifest (CRDs and manifests; hooks excluded,
    /// as Helm 3) and replaces it.
    pub post_renderer: Option<Arc<dyn PostRenderer + Send + Sync>>,
    /// `--debug`: Helm drops its hint about `--debug` when it is already on.
    pub debug: bool,
}

/// A rendered release.
pub struct RenderedChart {
    /// The chart after dependency processing (what the record keeps).
    pub chart: Chart,
    pub hooks: Vec<Hook>,
    /// Plain manifests in install order, as rendered.
    pub manifests: Vec<Manifest>,
    /// The charts' `crds/` files (path, bytes), always listed.
    pub crds: Vec<(String, Vec<u8>)>,
    /// The release manifest before post-rendering.
    pub rendered_manifest: String,
    /// The release manifest Helm records and applies (post-rendered).
    pub manifest: String,
    pub notes: String,
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

/// Renders `chart` with Helm's steps in Helm's order: installability and
/// dependency checks, release name, dependency processing, render values
/// (schema validation included), the chart's `kubeVersion`, templates,
/// NOTES, sorting into hooks and manifests, CRDs, post-rendering.
pub fn render_chart(
    mut chart: Chart,
    request: &RenderRequest,
    warn: &mut dyn FnMut(&str),
) -> anyhow::Result<RenderedChart> {
    let user_values = request.values;
    chart.check_installable()?;
    if chart.metadata.deprecated {
        warn("this chart is deprecated");
    }
    check_dependencies(&chart)?;
    let name = &request.release.name;
    validate_release_name(name)
        .with_context(|| format!("release name check failed: release name {name:?}"))?;
    // The templates parse on another core while values are prepared.
    let texts = render::template_texts(&chart);
    let (data, preparsed) = render::parse_while(texts, || {
        let mut warnings = Vec::new();
        let processed = process_dependencies(&mut chart, user_values, &mut warnings);
        for w in warnings.drain(..) {
            warn(&w);
        }
        processed.context("chart dependencies processing failed")?;

        let caps = Arc::new(request.capabilities.clone());
        let data =
            chart::to_render_values(&chart, user_values, &request.release, caps, &mut warnings);
        for w in warnings.drain(..) {
            warn(&w);
        }
        anyhow::Ok(data?)
    });
    let data = data?;

    let kube_version = request.capabilities.kube_version();
    let required = &chart.metadata.kube_version;
    if !required.is_empty() && !is_compatible_range(required, kube_version.string()) {
        return Err(hinted(
            anyhow::anyhow!(
                "chart requires kubeVersion: {required} which is incompatible with Kubernetes {}",
                kube_version.version()
            ),
            request.debug,
        ));
    }

    let files = render::chart_templates(&chart, &data);
    let mut rendered: BTreeMap<String, String> =
        render::render(&files, &render::Options::default(), &preparsed)
            .map_err(|e| hinted(e, request.debug))?;
    let notes = sort::take_notes(&mut rendered, chart.name());
    let (hooks, manifests) =
        sort::sort_manifests(&rendered).map_err(|e| hinted(e, request.debug))?;
    let crds = chart.crd_objects();
    let mut rendered_manifest = String::new();
    if request.include_crds {
        for (name, data) in &crds {
            rendered_manifest.push_str(&format!(
                "---\n# Source: {name}\n{}\n",
                String::from_utf8_lossy(data)
            ));
        }
    }
    rendered_manifest.push_str(&sort::release_manifest(&manifests));
    let manifest = match &request.post_renderer {
        Some(post) => post
            .run(rendered_manifest.clone())
            .context("error while running post render on files")
            .map_err(|e| hinted(e, request.debug))?,
        None => rendered_manifest.clone(),
    };
    render::cores::drop_later((data, files, preparsed, rendered));
    Ok(RenderedChart {
        chart,
        hooks,
        manifests,
        crds,
        rendered_manifest,
        manifest,
        notes,
    })
}
