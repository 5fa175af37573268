//! Rendering a chart's templates the way Helm's engine does: one template set for
//! every file, partials skipped, `<no value>` removed, errors in Helm's words.

use std::collections::BTreeMap;

use std::sync::Arc;

use crate::chart::render_values::VALUES_TYPE;
use crate::chart::table::table;
use crate::chart::{Chart, ChartFile};
use crate::gotmpl::{Entries, Map, Value};

pub(crate) mod cores;
mod engine;
pub mod files;
pub mod post;
pub mod sort;

pub use engine::{Preparsed, RenderError, library, parse_while};

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
        let child_path = subchart_path(full_path, child);
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
            name: template_name(full_path, file),
            source: template_source(file),
            data: data.clone(),
            base_path: format!("{full_path}/templates"),
        });
    }
    next
}

/// Renders every file, returning each non-partial file's output by template
/// name; files `preparsed` holds as they are now are not parsed again.
pub fn render(
    files: &[TemplateFile],
    options: &Options,
    preparsed: &Preparsed,
) -> Result<BTreeMap<String, String>, RenderError> {
    engine::render(files, options, preparsed)
}

/// Every template's name and text in a chart tree as it stands (before
/// dependencies are processed: a later alias renames, a disabled subchart
/// drops some), for [`parse_while`].
pub fn template_texts(chart: &Chart) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect_texts(chart, chart.name(), &mut out);
    out
}

fn collect_texts(chart: &Chart, full_path: &str, out: &mut Vec<(String, String)>) {
    for child in &chart.dependencies {
        collect_texts(child, &subchart_path(full_path, child), out);
    }
    for file in &chart.templates {
        out.push((template_name(full_path, file), template_source(file)));
    }
}

fn subchart_path(full_path: &str, child: &Chart) -> String {
    format!("{full_path}/charts/{}", child.name())
}

fn template_name(full_path: &str, file: &ChartFile) -> String {
    format!("{full_path}/{}", file.name)
}

fn template_source(file: &ChartFile) -> String {
    String::from_utf8_lossy(&file.data).into_owned()
}
