//! Readiness rules against the sandbox's simulated controllers: workloads
//! it runs become Ready under `kube::ready`, the never-ready one does not.

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, PostParams};
use serde_json::{Value, json};
use wheelhouse::kube::ready::{Readiness, ReadyOptions, readiness};
use wheelhouse::sandbox::NEVER_READY_ANNOTATION;

use crate::fixtures::{SharedSandbox, create_namespaces};

static SANDBOX: SharedSandbox = SharedSandbox::new();

/// Polls per object; the sandbox's delay is far below this many rounds.
const POLL_ROUNDS: usize = 40;

fn workload(kind: &str, name: &str, never_ready: bool) -> Value {
    let annotations = if never_ready {
        json!({ NEVER_READY_ANNOTATION: "true" })
    } else {
        json!({})
    };
    let pod = json!({
        "metadata": {"labels": {"app": name}},
        "spec": {"restartPolicy": if kind == "Job" { "Never" } else { "Always" },
                 "containers": [{"name": "c", "image": "busybox"}]},
    });
    let spec = if kind == "Job" {
        json!({"template": pod})
    } else {
        json!({"replicas": 1, "selector": {"matchLabels": {"app": name}}, "serviceName": name, "template": pod})
    };
    let api_version = if kind == "Job" { "batch/v1" } else { "apps/v1" };
    json!({"apiVersion": api_version, "kind": kind,
           "metadata": {"name": name, "annotations": annotations}, "spec": spec})
}

fn api(client: &kube::Client, kind: &str) -> Api<DynamicObject> {
    let (group, plural) = match kind {
        "Job" => ("batch", "jobs"),
        "StatefulSet" => ("apps", "statefulsets"),
        _ => ("apps", "deployments"),
    };
    let resource =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, "v1", kind), plural);
    Api::namespaced_with(client.clone(), "ready", &resource)
}

async fn poll(api: &Api<DynamicObject>, name: &str, opts: &ReadyOptions) -> Readiness {
    let mut last = Readiness::Pending(String::new());
    for _ in 0..POLL_ROUNDS {
        let live = serde_json::to_value(api.get(name).await.unwrap()).unwrap();
        last = readiness(&live, opts);
        if last == Readiness::Ready {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    last
}

#[tokio::test]
async fn sandbox_workloads_become_ready_and_never_ready_stays_pending() {
    let client = SANDBOX.client().await;
    create_namespaces(&client, &["ready"]).await;
    let opts = ReadyOptions { check_jobs: true };
    let cases = [
        ("Deployment", "web", false),
        ("StatefulSet", "db", false),
        ("Job", "migrate", false),
        ("Deployment", "stuck", true),
    ];
    for (kind, name, never) in cases {
        let obj: DynamicObject = serde_json::from_value(workload(kind, name, never)).unwrap();
        api(&client, kind)
            .create(&PostParams::default(), &obj)
            .await
            .unwrap();
    }
    for (kind, name, never) in cases {
        let state = poll(&api(&client, kind), name, &opts).await;
        if never {
            assert_eq!(
                state,
                Readiness::Pending(format!(
                    "Deployment is not ready: ready/{name}. 0 out of 1 expected pods are ready"
                ))
            );
        } else {
            assert_eq!(state, Readiness::Ready, "{kind} {name}");
        }
    }
}
