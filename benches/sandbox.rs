//! Sandbox load: 10,000 Secrets created through kube-rs over TLS (16 requests in
//! flight), then listed by label selector (1,000 of the 10,000 match). Reports
//! objects created per second, list latency, and the process's peak resident
//! memory (server and client share the process) after the load.

// A sandbox that does not start should stop the benchmark loudly.
#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::{StreamExt, stream};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams, PostParams};
use serde_json::json;
use wheelhouse::sandbox::{Options, Sandbox};

const SECRETS: usize = 10_000;
const IN_FLIGHT: usize = 16;

async fn create_secrets(api: &Api<Secret>, n: usize) {
    stream::iter(0..n)
        .map(|i| {
            let api = api.clone();
            async move {
                let s: Secret = serde_json::from_value(json!({
                    "metadata": {"name": format!("s-{i:05}"), "labels": {"app": "bench", "shard": (i % 10).to_string()}},
                    "data": {"payload": "aGVsbG8gd29ybGQ="},
                }))
                .expect("a valid Secret");
                api.create(&PostParams::default(), &s).await.expect("created");
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<()>()
        .await;
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let mut group = c.benchmark_group("sandbox");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));

    group.throughput(Throughput::Elements(SECRETS as u64));
    group.bench_function("create_10000_secrets", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let sandbox = Sandbox::start(Options::default()).expect("sandbox starts");
                rt.block_on(async {
                    let api: Api<Secret> =
                        Api::namespaced(sandbox.client().await.expect("client"), "default");
                    let start = Instant::now();
                    create_secrets(&api, SECRETS).await;
                    total += start.elapsed();
                });
                sandbox.stop().expect("sandbox stops");
            }
            total
        })
    });

    let sandbox = Sandbox::start(Options::default()).expect("sandbox starts");
    let api: Api<Secret> = rt.block_on(async {
        let api = Api::namespaced(sandbox.client().await.expect("client"), "default");
        create_secrets(&api, SECRETS).await;
        api
    });
    if let Some(mib) = peak_rss_mib() {
        println!("sandbox: peak resident memory after {SECRETS} Secrets: {mib:.1} MiB");
    }
    group.throughput(Throughput::Elements(1));
    group.bench_function("list_1000_of_10000_by_label", |b| {
        b.iter(|| {
            let list = rt
                .block_on(api.list(&ListParams::default().labels("app=bench,shard=3")))
                .expect("listed");
            assert_eq!(list.items.len(), SECRETS / 10);
        })
    });
    group.finish();
    sandbox.stop().expect("sandbox stops");
}

criterion_group!(benches, bench);
criterion_main!(benches);
