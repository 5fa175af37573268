//! The engine as a library on the sandbox: progress events in order,
//! cancellation leaving a failed record that the next upgrade gets past,
//! and server-side apply recorded and written under Helm's field manager.

use std::time::Duration;

use serde_json::Value;
use wheelhouse::engine::events::{Cancel, Change, Event, Progress};
use wheelhouse::engine::{Engine, InstallOptions, UpgradeOptions};
use wheelhouse::kube::cluster::Cluster;
use wheelhouse::release::Status;
use wheelhouse::storage::{Memory, Storage};

use crate::fixtures::{SharedSandbox, create_namespaces, write_chart};

static SANDBOX: SharedSandbox = SharedSandbox::new();

fn chart(dir: &std::path::Path, never_ready: bool) -> String {
    let annotation = if never_ready {
        "  annotations:\n    sandbox.wheelhouse.dev/never-ready: \"true\"\n"
    } else {
        ""
    };
    let deployment = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n{annotation}spec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:{{{{ .Values.tag }}}}\n"
    );
    write_chart(
        dir,
        if never_ready { "stuck" } else { "web" },
        &[
            ("Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n"),
            ("values.yaml", "tag: \"1\"\n"),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n",
            ),
            ("templates/deploy.yaml", &deployment),
        ],
    )
}

async fn engine(namespace: &str) -> Engine {
    let client = SANDBOX.client().await;
    Engine::new(
        Storage::new(Box::new(Memory::new())),
        Cluster::new(client),
        namespace,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn install_reports_each_step_in_order() {
    create_namespaces(&SANDBOX.client().await, &["engine-events"]).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine("engine-events").await;
    let (progress, mut events) = Progress::channel();
    let release = engine
        .install(
            &InstallOptions::new("web", chart(dir.path(), false)),
            &progress,
            &Cancel::new(),
        )
        .await
        .unwrap();
    drop(progress);
    let mut seen = Vec::new();
    while let Some(e) = events.recv().await {
        seen.push(e);
    }
    assert_eq!(release.status(), Status::Deployed);
    assert!(
        matches!(&seen[0], Event::Rendering { release } if release == "web"),
        "{seen:?}"
    );
    assert!(
        matches!(&seen[1], Event::Recorded { revision: 1, status } if status == "pending-install"),
        "{seen:?}"
    );
    let applied: Vec<(usize, usize, String, Change)> = seen
        .iter()
        .filter_map(|e| match e {
            Event::Applied {
                index,
                total,
                object,
                change,
            } => Some((*index, *total, object.clone(), *change)),
            _ => None,
        })
        .collect();
    assert_eq!(
        applied,
        [
            (
                1,
                2,
                "ConfigMap engine-events/web".to_string(),
                Change::Created
            ),
            (
                2,
                2,
                "Deployment engine-events/web".to_string(),
                Change::Created
            ),
        ]
    );
    assert!(
        matches!(seen.last(), Some(Event::Recorded { revision: 1, status }) if status == "deployed"),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_wait_leaves_a_failed_record_and_the_next_upgrade_proceeds() {
    create_namespaces(&SANDBOX.client().await, &["engine-cancel"]).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine("engine-cancel").await;
    let mut options = InstallOptions::new("web", chart(dir.path(), true));
    options.wait = true;
    options.timeout = Duration::from_secs(60);
    let cancel = Cancel::new();
    let (progress, mut events) = Progress::channel();
    let canceller = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            // Cancel as soon as the action says it is waiting.
            while let Some(e) = events.recv().await {
                if matches!(e, Event::Waiting { .. }) {
                    cancel.cancel();
                }
            }
        })
    };
    let error = engine
        .install(&options, &progress, &cancel)
        .await
        .unwrap_err();
    drop(progress);
    canceller.await.unwrap();
    assert_eq!(error.to_string(), "operation cancelled");
    let recorded = engine
        .storage()
        .get("engine-cancel", "web", None)
        .await
        .unwrap();
    assert_eq!(recorded.status(), Status::Failed);
    assert_eq!(
        recorded.info.unwrap().description,
        "Release \"web\" failed: operation cancelled"
    );

    // The failed install is no obstacle to an upgrade (Helm's rules).
    let upgraded = engine
        .upgrade(
            &UpgradeOptions::new("web", chart(dir.path(), false)),
            &Progress::default(),
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!((upgraded.version, upgraded.status()), (2, Status::Deployed));
}

#[tokio::test(flavor = "multi_thread")]
async fn server_side_apply_is_recorded_and_followed_by_upgrades() {
    create_namespaces(&SANDBOX.client().await, &["engine-ssa"]).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine("engine-ssa").await;
    let mut options = InstallOptions::new("web", chart(dir.path(), false));
    options.server_side = true;
    let installed = engine
        .install(&options, &Progress::default(), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(installed.apply_method, "ssa");
    let mut upgrade = UpgradeOptions::new("web", chart(dir.path(), false));
    upgrade.values =
        wheelhouse::chart::strvals::parse("tag=2", wheelhouse::chart::strvals::Mode::Typed)
            .unwrap();
    let upgraded = engine
        .upgrade(&upgrade, &Progress::default(), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(
        upgraded.apply_method, "ssa",
        "auto follows the recorded method"
    );

    let client = SANDBOX.client().await;
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        client,
        "engine-ssa",
        &kube::discovery::ApiResource::erase::<k8s_openapi::api::apps::v1::Deployment>(&()),
    );
    let live = serde_json::to_value(api.get("web").await.unwrap()).unwrap();
    let managers: Vec<(&str, &str)> = live["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["manager"].as_str().unwrap(),
                m["operation"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(managers, [("helm", "Apply")]);
    assert_eq!(
        live.pointer("/spec/template/spec/containers/0/image")
            .and_then(Value::as_str),
        Some("nginx:2")
    );
}
