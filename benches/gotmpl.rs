//! Template engine throughput on a template-heavy chart (`benches/charts/heavy`):
//! values, `range`, `if`, `with`, `define`/`template`, `printf`, `index`, `eq`.
//!
//! Each iteration does what Helm's `render` does once a chart is loaded: build the
//! render values (coalescing the chart's values), parse every template into one
//! set, execute every file. `scripts/bench-vs-helm` runs this beside Helm's engine
//! on the same chart and prints the ratio; with `HELM_RENDER_JSON=FILE` (Helm's
//! `render` output) set, the bench first checks that both produce the same bytes.

// A broken fixture should stop the benchmark loudly.
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wheelhouse::chart::{self, Capabilities, Chart, ReleaseOptions};
use wheelhouse::gotmpl::Entries;
use wheelhouse::render::{self, Options};

fn load() -> Chart {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/charts/heavy");
    chart::load_dir(&dir).expect("the benchmark chart loads")
}

fn render_once(chart: &Chart, caps: &Arc<Capabilities>) -> BTreeMap<String, String> {
    let release = ReleaseOptions {
        name: "release-name".into(),
        namespace: "default".into(),
        revision: 1,
        is_install: true,
        is_upgrade: false,
        skip_schema_validation: false,
    };
    let data = chart::to_render_values(
        chart,
        &Entries::new(),
        &release,
        caps.clone(),
        &mut Vec::new(),
    )
    .expect("the workload's values coalesce");
    let files = render::chart_templates(chart, &data);
    render::render(&files, &Options::default(), &render::Preparsed::default())
        .expect("the workload renders")
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
    let chart = load();
    let caps = Arc::new(Capabilities::client_only());
    let rendered = render_once(&chart, &caps);
    check_against_helm(&rendered);
    let bytes: usize = rendered.values().map(String::len).sum();
    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("heavy", |b| b.iter(|| render_once(&chart, &caps)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
