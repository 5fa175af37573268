//! Building and updating release records the way Helm's actions do: the
//! chart as the record keeps it, hooks from the render, statuses with
//! their descriptions, and the write that ends every action.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::chart::schema::{to_json, to_json_map};
use crate::chart::{Chart, metadata};
use crate::gotmpl::Entries;
use crate::release::{self, GoTime, Info, Release, ReleaseChart, Status};
use crate::render::sort;

/// The chart as Helm records it: metadata, templates, default values,
/// schema and other files of the top chart.
pub fn release_chart(chart: &Chart) -> ReleaseChart {
    let file = |f: &crate::chart::ChartFile| release::File {
        name: f.name.clone(),
        data: f.data.clone(),
        modtime: go_time(f.modtime),
    };
    ReleaseChart {
        metadata: Some(release_metadata(&chart.metadata)),
        lock: None,
        templates: Some(chart.templates.iter().map(file).collect()),
        values: Some(as_map(to_json_map(&chart.values))),
        schema: chart.schema.clone(),
        schemamodtime: go_time(chart.schema_modtime),
        files: Some(chart.files.iter().map(file).collect()),
        modtime: go_time(chart.modtime),
    }
}

/// A file time as Go's `time.Time` (UTC); the zero time when unknown.
fn go_time(time: Option<std::time::SystemTime>) -> GoTime {
    time.map_or(GoTime::default(), |t| {
        let utc: chrono::DateTime<chrono::Utc> = t.into();
        GoTime::from_datetime(utc.fixed_offset())
    })
}

fn release_metadata(m: &metadata::Metadata) -> release::Metadata {
    release::Metadata {
        name: m.name.clone(),
        home: m.home.clone(),
        sources: m.sources.clone(),
        version: m.version.clone(),
        description: m.description.clone(),
        keywords: m.keywords.clone(),
        maintainers: m
            .maintainers
            .iter()
            .flatten()
            .map(|x| release::Maintainer {
                name: x.name.clone(),
                email: x.email.clone(),
                url: x.url.clone(),
            })
            .collect(),
        icon: m.icon.clone(),
        api_version: m.api_version.clone(),
        condition: m.condition.clone(),
        tags: m.tags.clone(),
        app_version: m.app_version.clone(),
        deprecated: m.deprecated,
        annotations: m.annotations.clone(),
        kube_version: m.kube_version.clone(),
        dependencies: m
            .deps()
            .map(|d| release::Dependency {
                name: d.name.clone(),
                version: d.version.clone(),
                repository: d.repository.clone(),
                condition: d.condition.clone(),
                tags: d.tags.clone(),
                enabled: d.enabled,
                import_values: d.import_values.iter().map(to_json).collect(),
                alias: d.alias.clone(),
            })
            .collect(),
        chart_type: m.r#type.clone(),
    }
}

/// The user's values as the record's `config`.
pub fn config(values: &Entries) -> Map<String, Value> {
    as_map(to_json_map(values))
}

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Hooks as the record keeps them, not yet run.
pub fn hooks(rendered: &[sort::Hook]) -> Vec<release::Hook> {
    rendered
        .iter()
        .map(|h| release::Hook {
            name: h.name.clone(),
            kind: h.kind.clone(),
            path: h.path.clone(),
            manifest: h.manifest.clone(),
            events: h.events.iter().map(|e| e.as_str().to_string()).collect(),
            last_run: release::HookExecution::default(),
            weight: h.weight,
            delete_policies: h.delete_policies.clone(),
            output_log_policies: h.output_log_policies.clone(),
        })
        .collect()
}

/// What every new revision starts from.
pub struct NewRelease<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub version: i64,
    pub chart: &'a Chart,
    pub config: Map<String, Value>,
    pub manifest: String,
    pub hooks: Vec<release::Hook>,
    pub notes: String,
    pub labels: BTreeMap<String, String>,
    pub apply_method: &'a str,
    pub first_deployed: Option<GoTime>,
}

impl NewRelease<'_> {
    /// The record, with status `unknown` until the action sets one.
    pub fn build(self) -> Release {
        let now = GoTime::now();
        Release {
            name: self.name.to_string(),
            info: Some(Info {
                first_deployed: self.first_deployed.unwrap_or(now),
                last_deployed: now,
                status: Status::Unknown,
                notes: self.notes,
                ..Info::default()
            }),
            chart: Some(release_chart(self.chart)),
            config: self.config,
            manifest: self.manifest,
            hooks: self.hooks,
            version: self.version,
            namespace: self.namespace.to_string(),
            labels: self.labels,
            apply_method: self.apply_method.to_string(),
            stored_as: None,
        }
    }
}

/// Helm's `SetStatus`: status and description together.
pub fn set_status(release: &mut Release, status: Status, description: &str) {
    let info = release.info.get_or_insert_with(Info::default);
    info.status = status;
    info.description = description.to_string();
}
