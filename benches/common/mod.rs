//! The data set the storage and TUI benchmarks share: 1,000 releases x 10
//! revisions (10,000 records) over namespaces bench-0..bench-9, seeded on
//! first use so both benchmarks can run against one sandbox.

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};
use serde_json::json;
use wheelhouse::kube::{Connection, KubeSettings, connect};
use wheelhouse::storage::seed::{SeedPlan, seed};
use wheelhouse::storage::{Driver, Query};

pub const RELEASES: usize = 1_000;
pub const REVISIONS: i64 = 10;
pub const NAMESPACES: usize = 10;

pub fn plan() -> SeedPlan {
    SeedPlan {
        namespaces: (0..NAMESPACES).map(|i| format!("bench-{i}")).collect(),
        releases: RELEASES,
        revisions: REVISIONS,
        concurrency: 16,
    }
}

/// A connection to the sandbox `kubeconfig` names, with the plan's
/// namespaces created (already there from an earlier run is fine).
pub async fn sandbox(kubeconfig: &str) -> Connection {
    let settings = KubeSettings {
        kubeconfig: Some(kubeconfig.into()),
        ..KubeSettings::default()
    };
    let connection = connect(&settings).await.expect("the sandbox's kubeconfig");
    let namespaces: Api<Namespace> = Api::all(connection.client.clone());
    for ns in plan().namespaces {
        let object: Namespace =
            serde_json::from_value(json!({"metadata": {"name": ns}})).expect("a namespace");
        let _ = namespaces.create(&PostParams::default(), &object).await;
    }
    connection
}

/// Seeds the plan unless the first namespace already holds its records.
pub async fn seeded(driver: &dyn Driver) {
    let plan = plan();
    let present = driver
        .query(&Query::namespace(Some(&plan.namespaces[0])))
        .await
        .expect("the backend answers");
    if present.len() >= RELEASES / NAMESPACES * REVISIONS as usize {
        return;
    }
    let written = seed(driver, &plan).await.expect("seeding succeeds");
    eprintln!(
        "seeded {written} records through the {} driver",
        driver.name()
    );
}
