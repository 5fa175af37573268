//! Template engine throughput on a template-heavy chart (`benches/charts/heavy`):
//! values, `range`, `if`, `with`, `define`/`template`, `printf`, `index`, `eq`.
//!
//! Each iteration does what Helm's `render` does after loading a chart: build the
//! values tree, parse every template into one set, execute every file.
//! `scripts/bench-vs-helm` runs this beside Helm's engine on the same chart and
//! prints the ratio; with `HELM_RENDER_JSON=FILE` (Helm's `render` output) set, the
//! bench first checks that both engines produce the same bytes.

// A broken fixture should stop the benchmark loudly.
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wheelhouse::gotmpl::{ElemType, Entries, Map, Value};
use wheelhouse::render::{self, Options, TemplateFile};

const CHART: &str = "heavy";

struct Workload {
    templates: Vec<(String, String)>,
    values: serde_json::Value,
}

fn chart_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/charts")
        .join(CHART)
}

fn load() -> Workload {
    let dir = chart_dir();
    let values_text = std::fs::read_to_string(dir.join("values.yaml")).expect("values.yaml");
    // The values file is JSON (which is YAML) after one comment line.
    let json: String = values_text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect();
    let values = serde_json::from_str(&json).expect("values.yaml is JSON");
    let mut templates: Vec<(String, String)> = std::fs::read_dir(dir.join("templates"))
        .expect("templates/")
        .map(|entry| {
            let path = entry.expect("dir entry").path();
            let name = format!(
                "{CHART}/templates/{}",
                path.file_name().expect("file name").to_string_lossy()
            );
            (name, std::fs::read_to_string(&path).expect("template"))
        })
        .collect();
    templates.sort();
    Workload { templates, values }
}

fn entries(pairs: Vec<(&str, Value)>) -> Entries {
    pairs.into_iter().map(|(k, v)| (Arc::from(k), v)).collect()
}

fn render_once(w: &Workload) -> BTreeMap<String, String> {
    let Value::Map(values) = Value::from_json(&w.values) else {
        panic!("values must be a map")
    };
    let values = Map::typed(
        values.read().clone(),
        ElemType::Interface,
        Some("common.Values"),
    );
    let release = entries(vec![
        ("Name", Value::str("release-name")),
        ("Namespace", Value::str("default")),
        ("IsInstall", Value::Bool(true)),
        ("IsUpgrade", Value::Bool(false)),
        ("Revision", Value::int(1)),
        ("Service", Value::str("Helm")),
    ]);
    let top = Value::Map(Map::typed(
        entries(vec![
            ("Values", Value::Map(values)),
            ("Release", release.into()),
        ]),
        ElemType::Interface,
        Some("common.Values"),
    ));
    let files: Vec<TemplateFile> = w
        .templates
        .iter()
        .map(|(name, source)| TemplateFile {
            name: name.clone(),
            source: source.clone(),
            data: top.clone(),
            base_path: format!("{CHART}/templates"),
        })
        .collect();
    render::render(&files, &Options::default()).expect("the workload renders")
}

/// Compares with Helm's output when the comparison script provides it.
fn check_against_helm(rendered: &BTreeMap<String, String>) {
    let Ok(path) = std::env::var("HELM_RENDER_JSON") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("HELM_RENDER_JSON file");
    let helm: BTreeMap<String, String> = serde_json::from_str(&text).expect("helm render JSON");
    let helm: BTreeMap<String, String> = helm
        .into_iter()
        .filter(|(name, _)| !name.rsplit('/').next().unwrap_or("").starts_with('_'))
        .collect();
    assert!(
        *rendered == helm,
        "wheelhouse and Helm render the workload differently"
    );
    eprintln!("checked: output identical to Helm's ({} files)", helm.len());
}

fn bench(c: &mut Criterion) {
    let workload = load();
    let rendered = render_once(&workload);
    check_against_helm(&rendered);
    let bytes: usize = rendered.values().map(String::len).sum();
    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(CHART, |b| b.iter(|| render_once(&workload)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
