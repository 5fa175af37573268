//! Release storage over 1,000 releases x 10 revisions (10,000 records):
//! `Storage::latest` over all namespaces (what `list -A` reads and decodes)
//! and `Storage::history` of one release, on the secret driver (a sandbox
//! reached over HTTPS) and the sql driver (PostgreSQL).
//!
//! The servers come from outside, so that they run in processes of their own
//! as a cluster and a database would: `scripts/bench-storage-vs-helm` starts
//! them, runs this and times Helm on the same records in the same run.
//!   WHEELHOUSE_BENCH_KUBECONFIG  a kubeconfig for the sandbox (required)
//!   WHEELHOUSE_BENCH_POSTGRES    a connection string (the sql cases are
//!                                skipped without it)
//! Records are seeded on first use (namespaces bench-0..bench-9).

// Missing servers or a failed seed should stop the benchmark loudly.
#![allow(clippy::expect_used)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use wheelhouse::storage::{Secrets, Sql, Storage};

mod common;

use common::{RELEASES, REVISIONS, plan, seeded};

async fn secret_storage(kubeconfig: &str) -> Storage {
    let connection = common::sandbox(kubeconfig).await;
    let driver = Secrets::new(connection.client);
    seeded(&driver).await;
    Storage::new(Box::new(driver))
}

async fn sql_storage(connection_string: &str) -> Storage {
    let driver = Sql::open(connection_string)
        .await
        .expect("PostgreSQL answers");
    seeded(&driver).await;
    Storage::new(Box::new(driver))
}

fn bench_backend(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, storage: &Storage) {
    let (namespace, release) = plan().release(0);
    let mut group = c.benchmark_group(format!("storage/{name}"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("list_all", |b| {
        b.iter(|| {
            let (latest, skipped) = rt.block_on(storage.latest(None)).expect("latest");
            assert!(latest.len() >= RELEASES && skipped.is_empty());
            latest
        })
    });
    group.bench_function("history", |b| {
        b.iter(|| {
            let (history, _) = rt
                .block_on(storage.history(&namespace, &release))
                .expect("history");
            assert_eq!(history.len(), REVISIONS as usize);
            history
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let kubeconfig = std::env::var("WHEELHOUSE_BENCH_KUBECONFIG")
        .expect("WHEELHOUSE_BENCH_KUBECONFIG: run scripts/bench-storage-vs-helm");
    let secrets = rt.block_on(secret_storage(&kubeconfig));
    bench_backend(c, &rt, "secret", &secrets);
    match std::env::var("WHEELHOUSE_BENCH_POSTGRES") {
        Ok(connection_string) => {
            let sql = rt.block_on(sql_storage(&connection_string));
            bench_backend(c, &rt, "sql", &sql);
        }
        Err(_) => eprintln!("WHEELHOUSE_BENCH_POSTGRES is not set: the sql cases are skipped"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
