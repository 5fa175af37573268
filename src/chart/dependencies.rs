//! Dependency processing before a render, as Helm's `ProcessDependencies`:
//! which subcharts are present, aliased, enabled (tags and conditions), and the
//! values they export to their parent (`import-values`).
//!
//! Owns `CheckDependencies` (every declared dependency must be in `charts/`) and
//! the rewriting Helm does on the chart tree: aliased copies of subcharts,
//! disabled subcharts dropped, `Enabled` and `ImportValues` filled in on the
//! metadata, and each parent's values replaced by the merged tree with imports.

use std::collections::HashSet;
use std::sync::Arc;

use crate::funcs::semver::is_compatible_range;
use crate::gotmpl::{ElemType, Entries, Map, Value, fmt};

use super::Chart;
use super::coalesce::{self, TypeMismatch, deep_copy_entries};
use super::metadata::Dependency;
use super::table::{path_value, table};

/// Helm's `CheckDependencies`: the names declared in `Chart.yaml` that have no
/// chart under `charts/`.
#[derive(Debug, thiserror::Error)]
#[error(
    "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
    .0.join(", ")
)]
pub struct MissingDependencies(pub Vec<String>);

pub fn check_dependencies(chart: &Chart) -> Result<(), MissingDependencies> {
    let missing: Vec<String> = chart
        .metadata
        .deps()
        .filter(|d| !chart.dependencies.iter().any(|c| c.name() == d.name))
        .map(|d| d.name.clone())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MissingDependencies(missing))
    }
}

/// Helm's `ProcessDependencies`: resolves aliases, drops disabled subcharts and
/// applies `import-values`, changing `chart` in place.
pub fn process_dependencies(
    chart: &mut Chart,
    user: &Entries,
    warnings: &mut Vec<String>,
) -> Result<(), TypeMismatch> {
    process_enabled(chart, user, "", warnings)?;
    process_import_values(chart, warnings)
}

/// The subchart a dependency names, copied and renamed to its alias.
fn alias_dependency(charts: &[Chart], dep: &Dependency) -> Option<Chart> {
    let found = charts
        .iter()
        .find(|c| c.name() == dep.name && is_compatible_range(&dep.version, &c.metadata.version))?;
    let mut out = found.clone();
    if !dep.alias.is_empty() {
        out.metadata.name = dep.alias.clone();
    }
    Some(out)
}

fn process_enabled(
    chart: &mut Chart,
    values: &Entries,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<(), TypeMismatch> {
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let declared = |c: &Chart| {
        chart
            .metadata
            .deps()
            .any(|d| c.name() == d.name && is_compatible_range(&d.version, &c.metadata.version))
    };
    let mut subcharts: Vec<Chart> = chart
        .dependencies
        .iter()
        .filter(|c| !declared(c))
        .cloned()
        .collect();
    for dep in chart.metadata.dependencies.iter_mut().flatten() {
        if let Some(sub) = alias_dependency(&chart.dependencies, dep) {
            subcharts.push(sub);
        }
        if !dep.alias.is_empty() {
            dep.name = dep.alias.clone();
        }
    }
    chart.dependencies = subcharts;

    for dep in chart.metadata.dependencies.iter_mut().flatten() {
        dep.enabled = true;
    }
    let cvals = Map::new(coalesce::coalesce_values(chart, values, warnings)?);
    process_tags(&mut chart.metadata.dependencies, &cvals, warnings);
    process_conditions(&mut chart.metadata.dependencies, &cvals, path, warnings);

    let disabled: HashSet<String> = chart
        .metadata
        .deps()
        .filter(|d| !d.enabled)
        .map(|d| d.name.clone())
        .collect();
    chart.dependencies.retain(|c| !disabled.contains(c.name()));
    chart
        .metadata
        .dependencies
        .retain(|d| d.as_ref().is_none_or(|d| !disabled.contains(&d.name)));

    let cvals = cvals.read().clone();
    for sub in &mut chart.dependencies {
        let sub_path = format!("{path}{}.", sub.name());
        process_enabled(sub, &cvals, &sub_path, warnings)?;
    }
    Ok(())
}

/// Helm's `processDependencyTags`: a dependency is off when all of its tags
/// that are set are false.
fn process_tags(deps: &mut [Option<Dependency>], cvals: &Map, warnings: &mut Vec<String>) {
    let Some(tags) = table(cvals, "tags") else {
        return;
    };
    for dep in deps.iter_mut().flatten() {
        let (mut has_true, mut has_false) = (false, false);
        for tag in &dep.tags {
            match tags.get(tag) {
                Some(Value::Bool(true)) => has_true = true,
                Some(Value::Bool(false)) => has_false = true,
                Some(_) => warnings.push(format!(
                    "returned non-bool value tag={tag} chart={}",
                    dep.name
                )),
                None => {}
            }
        }
        dep.enabled = has_true || !has_false;
    }
}

/// Helm's `processDependencyConditions`: the first condition path holding a
/// boolean decides.
fn process_conditions(
    deps: &mut [Option<Dependency>],
    cvals: &Map,
    path: &str,
    warnings: &mut Vec<String>,
) {
    for dep in deps.iter_mut().flatten() {
        let conditions = dep.condition.trim().to_string();
        for condition in conditions.split(',').filter(|c| !c.is_empty()) {
            match path_value(cvals, &format!("{path}{condition}")) {
                Some(Value::Bool(b)) => {
                    dep.enabled = b;
                    break;
                }
                Some(_) => warnings.push(format!(
                    "returned non-bool value path={condition} chart={}",
                    dep.name
                )),
                None => {}
            }
        }
    }
}

/// Helm's `processDependencyImportValues` (merge mode), children first.
fn process_import_values(
    chart: &mut Chart,
    warnings: &mut Vec<String>,
) -> Result<(), TypeMismatch> {
    for sub in &mut chart.dependencies {
        process_import_values(sub, warnings)?;
    }
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let cvals = Map::new(coalesce::merge_values(chart, &Entries::new(), warnings)?);
    let imported = Map::new(Entries::new());
    for dep in chart.metadata.dependencies.iter_mut().flatten() {
        let mut rewritten = Vec::new();
        for item in &dep.import_values {
            let (child, parent) = match item {
                Value::Map(m) => {
                    let field = |k: &str| fmt::sprint(&[m.get(k).unwrap_or(Value::Nil)]);
                    (field("child"), field("parent"))
                }
                Value::Str(s) => (format!("exports.{s}"), ".".to_string()),
                _ => continue,
            };
            rewritten.push(string_map(&child, &parent));
            let Some(found) = table(&cvals, &format!("{}.{child}", dep.name)) else {
                warnings.push(format!(
                    "ImportValues missing table from chart chart={} child={child}",
                    dep.name
                ));
                continue;
            };
            coalesce::merge_tables(&imported, &path_to_map(&parent, found), warnings);
        }
        dep.import_values = rewritten;
    }
    if imported.is_empty() {
        // Nothing to merge: Helm's copy would only be thrown away.
        chart.values = cvals.read().clone();
        return Ok(());
    }
    let merged = Map::new(deep_copy_entries(&cvals.read()));
    coalesce::merge_tables(&merged, &imported, warnings);
    chart.values = merged.read().clone();
    Ok(())
}

/// Helm rewrites each import as a `map[string]string` of `child` and `parent`.
fn string_map(child: &str, parent: &str) -> Value {
    let entries = Entries::from([
        (Arc::from("child"), Value::str(child)),
        (Arc::from("parent"), Value::str(parent)),
    ]);
    Value::Map(Map::typed(entries, ElemType::String, None))
}

/// Helm's `pathToMap`: `data` nested under each key of a dotted path.
fn path_to_map(path: &str, data: Map) -> Map {
    if path == "." {
        return data;
    }
    let mut current = data;
    for key in path.split('.').rev() {
        current = Map::new(Entries::from([(Arc::from(key), Value::Map(current))]));
    }
    current
}
