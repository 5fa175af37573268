//! `helm template`'s whole pipeline, end to end, on a large chart: load the chart
//! tree from disk, process dependencies, coalesce values, render every template,
//! sort and print. `scripts/bench-template-vs-helm` generates the chart
//! (`benches/gen-large-chart.py`), checks wheelhouse prints what Helm prints, runs
//! this and Helm's engine in the same run, and prints the ratio.
//!
//! The chart comes from `WHEELHOUSE_BENCH_CHART` (default: the committed
//! `benches/charts/heavy`).

// A broken fixture should stop the benchmark loudly.
#![allow(clippy::expect_used)]

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wheelhouse::chart::Capabilities;
use wheelhouse::engine::{TemplateOptions, render_template};
use wheelhouse::gotmpl::Entries;
use wheelhouse::render::sort::StreamOptions;

fn options() -> TemplateOptions {
    let chart = std::env::var_os("WHEELHOUSE_BENCH_CHART")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/charts/heavy"));
    TemplateOptions {
        release_name: "release-name".into(),
        chart,
        values: Entries::new(),
        namespace: "default".into(),
        is_upgrade: false,
        stream: StreamOptions::default(),
        skip_schema_validation: false,
        include_crds: false,
        capabilities: Capabilities::client_only(),
        post_renderer: None,
        output_dir: None,
        debug: false,
    }
}

fn bench(c: &mut Criterion) {
    let options = options();
    let once = || render_template(&options, &mut |_| {}).expect("the chart renders");
    let bytes = once().stream.len();
    let mut group = c.benchmark_group("template");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("chart", |b| b.iter(once));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
