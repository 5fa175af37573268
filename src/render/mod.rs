//! Rendering a chart's templates the way Helm's engine does: one template set for
//! every file, partials skipped, `<no value>` removed, errors in Helm's words.

use std::collections::BTreeMap;

use std::sync::Arc;

use crate::chart::Chart;
use crate::chart::render_values::VALUES_TYPE;
use crate::chart::table::table;
use crate::gotmpl::{Entries, Map, Value};

pub(crate) mod cores;
mod engine;
pub mod files;
pub mod post;
pub mod sort;

pub use engine::{RenderError, library};

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

/// Every template of a chart tree, each with the data its chart's templates see,
/// as Helm's engine builds them (`recAllTpls`): the root sees `top`'s values, a
/// subchart its section of its parent's, everyone `.Release` and
/// `.Capabilities`, and each chart its own `.Chart` and `.Subcharts`. Library
/// charts contribute only their partials (`_` files).
pub fn chart_templates(chart: &Chart, top: &Value) -> Vec<TemplateFile> {
    let mut out = Vec::new();
    if let Value::Map(top) = top {
        collect_templates(chart, chart.name(), true, top, &mut out);
    }
    out
}

fn collect_templates(
    chart: &Chart,
    full_path: &str,
    is_root: bool,
    parent: &Map,
    out: &mut Vec<TemplateFile>,
) -> Map {
    let values = if is_root {
        parent.get("Values").unwrap_or(Value::Nil)
    } else {
        let section = table(parent, &format!("Values.{}", chart.name()))
            .unwrap_or_else(|| Map::new(Entries::new()));
        Value::Map(section.renamed(Some(VALUES_TYPE)))
    };
    let subcharts = Map::new(Entries::new());
    let next = Map::new(Entries::from([
        (Arc::from("Chart"), chart.metadata.to_value(is_root)),
        (Arc::from("Files"), files::files_value(chart.files.clone())),
        (
            Arc::from("Release"),
            parent.get("Release").unwrap_or(Value::Nil),
        ),
        (
            Arc::from("Capabilities"),
            parent.get("Capabilities").unwrap_or(Value::Nil),
        ),
        (Arc::from("Values"), values),
        (Arc::from("Subcharts"), Value::Map(subcharts.clone())),
    ]));
    for child in &chart.dependencies {
        let child_path = format!("{full_path}/charts/{}", child.name());
        let child_next = collect_templates(child, &child_path, false, &next, out);
        subcharts
            .write()
            .insert(Arc::from(child.name()), Value::Map(child_next));
    }
    let data = Value::Map(next.renamed(Some(VALUES_TYPE)));
    let library = chart.metadata.r#type.eq_ignore_ascii_case("library");
    for file in &chart.templates {
        let base = file.name.rsplit('/').next().unwrap_or(&file.name);
        if library && !base.starts_with('_') {
            continue;
        }
        out.push(TemplateFile {
            name: format!("{full_path}/{}", file.name),
            source: String::from_utf8_lossy(&file.data).into_owned(),
            data: data.clone(),
            base_path: format!("{full_path}/templates"),
        });
    }
    next
}

/// Renders every file, returning each non-partial file's output by template name.
pub fn render(
    files: &[TemplateFile],
    options: &Options,
) -> Result<BTreeMap<String, String>, RenderError> {
    engine::render(files, options)
}
