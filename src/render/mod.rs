//! Rendering a chart's templates the way Helm's engine does: one template set for
//! every file, partials skipped, `<no value>` removed, errors in Helm's words.

use std::collections::BTreeMap;

use crate::gotmpl::Value;

mod engine;
pub mod files;
pub mod post;
pub mod sort;

pub use engine::RenderError;

/// One template file of a chart tree, with the data its chart's templates see.
pub struct TemplateFile {
    /// Helm's template name: `CHART/templates/PATH`, or
    /// `PARENT/charts/CHILD/templates/PATH` for a subchart.
    pub name: String,
    pub source: String,
    /// The top-level object (`.Values`, `.Release`, `.Chart`, ...) for this file's
    /// chart. Must be a map: `.Template` is added to it while the file renders.
    pub data: Value,
    /// `.Template.BasePath`: the chart's `templates` directory, as Helm names it.
    pub base_path: String,
}

/// How templates are executed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Helm's `--strict`: a missing value is an error instead of an empty string.
    pub strict: bool,
    /// Stops a runaway render after this many template steps (see
    /// `gotmpl::Options::step_limit`); off by default, as in Helm.
    pub step_limit: Option<u64>,
}

/// A chart's templates, each with the data its templates see (what
/// `chart::to_render_values` built for the chart).
pub fn chart_templates(chart: &crate::chart::Chart, data: &Value) -> Vec<TemplateFile> {
    chart
        .template_sources()
        .map(|t| TemplateFile {
            name: t.name,
            source: t.source,
            data: data.clone(),
            base_path: t.base_path,
        })
        .collect()
}

/// Renders every file, returning each non-partial file's output by template name.
pub fn render(
    files: &[TemplateFile],
    options: &Options,
) -> Result<BTreeMap<String, String>, RenderError> {
    engine::render(files, options)
}
