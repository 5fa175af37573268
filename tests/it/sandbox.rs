//! The sandbox API server driven by real clients: kube-rs (typed and dynamic
//! APIs, raw requests for error cases), the real `kubectl`, and real Helm
//! (helm-ref) with its secret and configmap drivers. One server is shared by
//! the module; each test works in its own namespace.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::core::Status;
use serde_json::{Value, json};
use wheelhouse::sandbox::{NEVER_READY_ANNOTATION, Options, Sandbox};

use crate::fixtures::{
    HelmRef, SharedSandbox, create_namespaces, helm_statuses, without_helm, write_chart,
};

static SANDBOX: SharedSandbox = SharedSandbox::new();

fn shared() -> &'static Sandbox {
    SANDBOX.sandbox()
}

fn kubeconfig() -> &'static Path {
    SANDBOX.kubeconfig()
}

async fn client() -> kube::Client {
    SANDBOX.client().await
}

async fn namespace(client: &kube::Client, name: &str) {
    create_namespaces(client, &[name]).await;
}

/// A raw request; Err is the Status of a failure.
async fn raw(
    client: &kube::Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<Value, Status> {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("Content-Type", content_type)
        .body(body)
        .unwrap();
    match client.request_text(req).await {
        Ok(text) => Ok(serde_json::from_str(&text).unwrap_or(Value::String(text))),
        Err(kube::Error::Api(status)) => Err(*status),
        Err(e) => panic!("transport error: {e}"),
    }
}

fn api_err(e: kube::Error) -> Status {
    match e {
        kube::Error::Api(s) => *s,
        other => panic!("expected an API error, got {other}"),
    }
}

#[tokio::test]
async fn typed_crud_with_resource_versions_and_conflicts() {
    let c = client().await;
    namespace(&c, "typed").await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "typed");
    let cm: ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": "one", "labels": {"app": "web"}}, "data": {"k": "v"}
    }))
    .unwrap();
    let created = cms.create(&PostParams::default(), &cm).await.unwrap();
    let meta = &created.metadata;
    assert!(meta.uid.as_deref().is_some_and(|u| u.len() == 36));
    assert!(meta.creation_timestamp.is_some());
    let rv = meta.resource_version.clone().unwrap();

    let again = api_err(cms.create(&PostParams::default(), &cm).await.unwrap_err());
    assert_eq!((again.code, again.reason.as_str()), (409, "AlreadyExists"));
    assert_eq!(again.message, "configmaps \"one\" already exists");

    let mut changed = created.clone();
    changed.data = Some([("k".to_string(), "w".to_string())].into());
    let updated = cms
        .replace("one", &PostParams::default(), &changed)
        .await
        .unwrap();
    assert_ne!(
        updated.metadata.resource_version.as_deref(),
        Some(rv.as_str())
    );
    // The first version is stale now.
    let stale = api_err(
        cms.replace("one", &PostParams::default(), &changed)
            .await
            .unwrap_err(),
    );
    assert_eq!((stale.code, stale.reason.as_str()), (409, "Conflict"));
    assert!(
        stale.message.contains("the object has been modified"),
        "{}",
        stale.message
    );

    let missing = api_err(cms.get("nope").await.unwrap_err());
    assert_eq!((missing.code, missing.reason.as_str()), (404, "NotFound"));
    assert_eq!(missing.message, "configmaps \"nope\" not found");

    let elsewhere: Api<ConfigMap> = Api::namespaced(c.clone(), "no-such-namespace");
    let no_ns = api_err(
        elsewhere
            .create(&PostParams::default(), &cm)
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (no_ns.code, no_ns.message.as_str()),
        (404, "namespaces \"no-such-namespace\" not found")
    );

    cms.delete("one", &DeleteParams::default()).await.unwrap();
    assert_eq!(api_err(cms.get("one").await.unwrap_err()).code, 404);
}

#[tokio::test]
async fn names_secrets_and_dry_runs_are_validated() {
    let c = client().await;
    namespace(&c, "validation").await;
    let secrets: Api<Secret> = Api::namespaced(c.clone(), "validation");
    let bad_name: Secret =
        serde_json::from_value(json!({"metadata": {"name": "Bad_Name"}})).unwrap();
    let e = api_err(
        secrets
            .create(&PostParams::default(), &bad_name)
            .await
            .unwrap_err(),
    );
    assert_eq!((e.code, e.reason.as_str()), (422, "Invalid"));
    assert!(e.message.starts_with("Secret \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"), "{}", e.message);

    let bad_data = br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":"not base64!"}}"#;
    let e = raw(
        &c,
        "POST",
        "/api/v1/namespaces/validation/secrets",
        "application/json",
        bad_data.to_vec(),
    )
    .await
    .unwrap_err();
    assert_eq!((e.code, e.reason.as_str()), (400, "BadRequest"));
    assert!(
        e.message.contains("illegal base64 data at input byte 3"),
        "{}",
        e.message
    );

    let s: Secret = serde_json::from_value(
        json!({"metadata": {"generateName": "gen-"}, "stringData": {"a": "b"}}),
    )
    .unwrap();
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    let planned = secrets.create(&dry, &s).await.unwrap();
    let name = planned.metadata.name.clone().unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");
    assert_eq!(planned.data.unwrap()["a"].0, b"b");
    assert_eq!(
        api_err(secrets.get(&name).await.unwrap_err()).code,
        404,
        "dry run stored nothing"
    );

    let real = secrets.create(&PostParams::default(), &s).await.unwrap();
    assert!(real.string_data.is_none(), "stringData is folded into data");
    assert_eq!(
        real.type_.as_deref(),
        Some("Opaque"),
        "the type defaults to Opaque"
    );
}

#[tokio::test]
async fn label_and_field_selectors_and_paging() {
    let c = client().await;
    namespace(&c, "selectors").await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "selectors");
    for (i, tier) in ["front", "back", "front", "db", "back"].iter().enumerate() {
        let cm: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": format!("cm-{i}"), "labels": {"tier": tier, "rank": i.to_string()}}
        }))
        .unwrap();
        cms.create(&PostParams::default(), &cm).await.unwrap();
    }
    let names = |l: kube::core::ObjectList<ConfigMap>| -> Vec<String> {
        l.items
            .into_iter()
            .map(|c| c.metadata.name.unwrap())
            .collect()
    };
    let cases = [
        ("tier=front", vec!["cm-0", "cm-2"]),
        ("tier!=front", vec!["cm-1", "cm-3", "cm-4"]),
        ("tier in (db,back)", vec!["cm-1", "cm-3", "cm-4"]),
        ("tier notin (db,back),rank>0", vec!["cm-2"]),
        ("rank<2", vec!["cm-0", "cm-1"]),
        (
            "!missing,tier",
            vec!["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"],
        ),
        ("missing", vec![]),
    ];
    for (selector, want) in cases {
        let got = names(
            cms.list(&ListParams::default().labels(selector))
                .await
                .unwrap(),
        );
        assert_eq!(got, want, "{selector}");
    }
    let by_name = cms
        .list(&ListParams::default().fields("metadata.name=cm-3"))
        .await
        .unwrap();
    assert_eq!(names(by_name), vec!["cm-3"]);

    let bad = api_err(
        cms.list(&ListParams::default().labels("tier in (a"))
            .await
            .unwrap_err(),
    );
    assert_eq!((bad.code, bad.reason.as_str()), (400, "BadRequest"));
    let bad_field = api_err(
        cms.list(&ListParams::default().fields("spec.x=1"))
            .await
            .unwrap_err(),
    );
    assert_eq!(bad_field.code, 400);

    let first = cms.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let token = first.metadata.continue_.clone().unwrap();
    assert_eq!(first.metadata.remaining_item_count, Some(3));
    let second = cms
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(names(second), vec!["cm-2", "cm-3"]);

    // Metadata-only reads (kube-rs list_metadata / get_metadata) page and
    // select like full ones and carry no data.
    let meta = cms
        .list_metadata(&ListParams::default().labels("tier=back").limit(1))
        .await
        .unwrap();
    assert_eq!(meta.items.len(), 1);
    assert_eq!(meta.items[0].metadata.name.as_deref(), Some("cm-1"));
    // The apiserver counts the rest only for lists without a selector.
    assert_eq!(meta.metadata.remaining_item_count, None);
    assert!(meta.metadata.continue_.is_some());
    let one = cms.get_metadata("cm-4").await.unwrap();
    assert_eq!(one.metadata.labels.unwrap()["tier"], "back");
}

#[tokio::test]
async fn watches_follow_their_selection_and_bookmark() {
    let c = client().await;
    namespace(&c, "watching").await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "watching");
    let list = cms.list(&ListParams::default()).await.unwrap();
    let rv = list.metadata.resource_version.unwrap();
    let mut stream = cms
        .watch(
            &WatchParams::default().labels("watched=yes").timeout(10),
            &rv,
        )
        .await
        .unwrap()
        .boxed();
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "w", "labels": {"watched": "yes"}}}))
            .unwrap();
    cms.create(&PostParams::default(), &cm).await.unwrap();
    let ignored: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "other"}})).unwrap();
    cms.create(&PostParams::default(), &ignored).await.unwrap();
    cms.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"watched": "no"}}})),
    )
    .await
    .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match stream.try_next().await.unwrap().unwrap() {
            WatchEvent::Added(o) => seen.push(("ADDED", o.metadata.name.unwrap())),
            WatchEvent::Modified(o) => seen.push(("MODIFIED", o.metadata.name.unwrap())),
            // Leaving the selection is a deletion for this watch.
            WatchEvent::Deleted(o) => seen.push(("DELETED", o.metadata.name.unwrap())),
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(
        seen,
        vec![("ADDED", "w".to_string()), ("DELETED", "w".to_string())]
    );

    let mut marked = cms
        .watch(&WatchParams::default().timeout(5), &rv)
        .await
        .unwrap()
        .boxed();
    loop {
        if let WatchEvent::Bookmark(b) = marked.try_next().await.unwrap().unwrap() {
            assert!(!b.metadata.resource_version.is_empty());
            break;
        }
    }
}

#[tokio::test]
async fn watches_from_before_the_history_expire() {
    let sandbox = Sandbox::start(Options {
        watch_history: 3,
        ..Options::default()
    })
    .unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(sandbox.client().await.unwrap(), "default");
    let rv = cms
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let within = |n: u64| (rv.parse::<u64>().unwrap() + n).to_string();
    for i in 0..3 {
        let cm: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": format!("c{i}")}})).unwrap();
        cms.create(&PostParams::default(), &cm).await.unwrap();
    }
    // The last three changes can be replayed; the one before them is gone.
    let mut replay = cms
        .watch(&WatchParams::default().timeout(2), &within(0))
        .await
        .unwrap()
        .boxed();
    match replay.try_next().await.unwrap().unwrap() {
        WatchEvent::Added(o) => assert_eq!(o.metadata.name.as_deref(), Some("c0")),
        other => panic!("expected c0, got {other:?}"),
    }
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "c3"}})).unwrap();
    cms.create(&PostParams::default(), &cm).await.unwrap();
    let mut old = cms
        .watch(&WatchParams::default(), &within(0))
        .await
        .unwrap()
        .boxed();
    match old.try_next().await.unwrap().unwrap() {
        WatchEvent::Error(e) => {
            assert_eq!((e.code, e.reason.as_str()), (410, "Expired"));
            assert!(
                e.message.starts_with("too old resource version"),
                "{}",
                e.message
            );
        }
        other => panic!("expected 410, got {other:?}"),
    }
    sandbox.stop().unwrap();
}

#[tokio::test]
async fn finalizers_hold_deletion_until_removed() {
    let c = client().await;
    namespace(&c, "finalizing").await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "finalizing");
    let cm: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}),
    )
    .unwrap();
    cms.create(&PostParams::default(), &cm).await.unwrap();
    cms.delete("held", &DeleteParams::default()).await.unwrap();
    let held = cms.get("held").await.unwrap();
    assert!(held.metadata.deletion_timestamp.is_some());
    cms.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    assert_eq!(api_err(cms.get("held").await.unwrap_err()).code, 404);

    // Dependents go with their owner (background propagation).
    let owner = cms
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "owner"}})).unwrap(),
        )
        .await
        .unwrap();
    let dependent: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "dependent", "ownerReferences": [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid.unwrap()}
    ]}}))
    .unwrap();
    cms.create(&PostParams::default(), &dependent)
        .await
        .unwrap();
    cms.delete("owner", &DeleteParams::background())
        .await
        .unwrap();
    for _ in 0..100 {
        if cms.get_opt("dependent").await.unwrap().is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the dependent outlived its owner");
}

#[tokio::test]
async fn namespaces_take_their_contents_with_them() {
    let c = client().await;
    namespace(&c, "doomed").await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "doomed");
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap(),
    )
    .await
    .unwrap();
    let nss: Api<Namespace> = Api::all(c.clone());
    nss.delete("doomed", &DeleteParams::default())
        .await
        .unwrap();
    for _ in 0..100 {
        if nss.get_opt("doomed").await.unwrap().is_none() {
            assert_eq!(api_err(cms.get("x").await.unwrap_err()).code, 404);
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("namespace was not deleted");
}

#[tokio::test]
async fn services_get_cluster_ips_and_workloads_become_ready() {
    let c = client().await;
    namespace(&c, "workloads").await;
    let svcs: Api<Service> = Api::namespaced(c.clone(), "workloads");
    let svc: Service = serde_json::from_value(
        json!({"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}),
    )
    .unwrap();
    let svc = svcs.create(&PostParams::default(), &svc).await.unwrap();
    let ip = svc.spec.unwrap().cluster_ip.unwrap();
    assert!(ip.starts_with("10.96."), "{ip}");
    let np: Service = serde_json::from_value(
        json!({"metadata": {"name": "np"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}}),
    )
    .unwrap();
    let np = svcs.create(&PostParams::default(), &np).await.unwrap();
    let port = np.spec.unwrap().ports.unwrap()[0].node_port.unwrap();
    assert!((30000..=32767).contains(&port), "{port}");
    // A port list sent again without nodePort keeps the allocation.
    let resent = svcs
        .patch(
            "np",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"ports": [{"port": 80, "name": "http"}]}})),
        )
        .await
        .unwrap();
    let ports = resent.spec.unwrap().ports.unwrap();
    assert_eq!(
        (ports[0].name.as_deref(), ports[0].node_port),
        (Some("http"), Some(port))
    );

    let deps: Api<Deployment> = Api::namespaced(c.clone(), "workloads");
    let dep = |name: &str, annotations: Value| -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": name, "annotations": annotations},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}
        }))
        .unwrap()
    };
    let ready = deps
        .create(&PostParams::default(), &dep("ready", json!({})))
        .await
        .unwrap();
    let status = ready.status.unwrap();
    assert_eq!(
        (status.available_replicas, status.observed_generation),
        (Some(2), Some(1))
    );
    let stuck = deps
        .create(
            &PostParams::default(),
            &dep("stuck", json!({NEVER_READY_ANNOTATION: "true"})),
        )
        .await
        .unwrap();
    assert_eq!(stuck.status.unwrap().available_replicas, Some(0));
    let scaled = deps
        .patch(
            "ready",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    assert_eq!(scaled.metadata.generation, Some(2));
    assert_eq!(scaled.status.unwrap().observed_generation, Some(2));
}

#[tokio::test]
async fn workloads_wait_for_the_ready_delay() {
    let sandbox = Sandbox::start(Options {
        ready_delay: Duration::from_millis(300),
        ..Options::default()
    })
    .unwrap();
    let c = sandbox.client().await.unwrap();
    let deps: Api<Deployment> = Api::namespaced(c, "default");
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "slow"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}
    }))
    .unwrap();
    let start = std::time::Instant::now();
    let created = deps.create(&PostParams::default(), &d).await.unwrap();
    assert_eq!(created.status.unwrap().available_replicas, Some(0));
    // Ready no sooner than the delay, and soon after it (a loaded machine may
    // run the controllers late, so allow seconds).
    loop {
        let available = deps
            .get("slow")
            .await
            .unwrap()
            .status
            .unwrap()
            .available_replicas;
        if available == Some(1) {
            assert!(
                start.elapsed() >= Duration::from_millis(300),
                "{:?}",
                start.elapsed()
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never became ready"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    sandbox.stop().unwrap();
}

#[tokio::test]
async fn custom_resources_come_and_go_with_their_definition() {
    let c = client().await;
    let crds = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
    ));
    let crd_api: Api<DynamicObject> = Api::all_with(c.clone(), &crds);
    let crd: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": true, "storage": true,
                               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    }))
    .unwrap();
    crd_api.create(&PostParams::default(), &crd).await.unwrap();
    let widgets = ApiResource::from_gvk(&GroupVersionKind::gvk("example.com", "v1", "Widget"));
    let api: Api<DynamicObject> = Api::namespaced_with(c.clone(), "default", &widgets);
    let w: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}
    }))
    .unwrap();
    let created = api.create(&PostParams::default(), &w).await.unwrap();
    assert_eq!(created.data["spec"]["size"], 3);
    assert_eq!(created.metadata.generation, Some(1));
    let listed = api.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    let smp = api_err(
        api.patch(
            "w1",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"size": 4}})),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(
        (smp.code, smp.reason.as_str()),
        (415, "UnsupportedMediaType")
    );

    crd_api
        .delete("widgets.example.com", &DeleteParams::default())
        .await
        .unwrap();
    let gone = raw(
        &c,
        "GET",
        "/apis/example.com/v1/namespaces/default/widgets",
        "application/json",
        Vec::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (gone.code, gone.message.as_str()),
        (404, "the server could not find the requested resource")
    );
}

#[tokio::test]
async fn bad_requests_get_the_apiservers_codes() {
    let c = client().await;
    let path = "/api/v1/namespaces/default/configmaps";
    // (what, method, content type, body, code, reason)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        Vec<u8>,
        u16,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            "POST",
            "application/json",
            b"{not json".to_vec(),
            400,
            "BadRequest",
        ),
        (
            "malformed YAML",
            "POST",
            "application/yaml",
            b"a: [1, 2".to_vec(),
            400,
            "BadRequest",
        ),
        (
            "wrong apiVersion",
            "POST",
            "application/json",
            br#"{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}"#.to_vec(),
            400,
            "BadRequest",
        ),
        (
            "wrong content type",
            "POST",
            "text/plain",
            b"x".to_vec(),
            415,
            "UnsupportedMediaType",
        ),
        (
            "huge body",
            "POST",
            "application/json",
            vec![b' '; wheelhouse::sandbox::MAX_REQUEST_BYTES + 1],
            413,
            "RequestEntityTooLarge",
        ),
        (
            "unknown patch type",
            "PATCH",
            "application/foo",
            b"{}".to_vec(),
            415,
            "UnsupportedMediaType",
        ),
    ];
    for (what, method, ct, body, code, reason) in cases {
        let target = if method == "PATCH" {
            format!("{path}/kube-root")
        } else {
            path.to_string()
        };
        let e = raw(&c, method, &target, ct, body).await.unwrap_err();
        assert_eq!(
            (e.code, e.reason.as_str()),
            (code, reason),
            "{what}: {}",
            e.message
        );
    }
    let unknown = raw(
        &c,
        "GET",
        "/apis/nope.example.com/v1/things",
        "application/json",
        Vec::new(),
    )
    .await
    .unwrap_err();
    assert_eq!((unknown.code, unknown.reason.as_str()), (404, "NotFound"));

    // An object past etcd's limit but within the request limit.
    let big = json!({"metadata": {"name": "big"}, "data": {"a": "x".repeat(wheelhouse::sandbox::MAX_OBJECT_BYTES)}});
    let e = raw(
        &c,
        "POST",
        path,
        "application/json",
        serde_json::to_vec(&big).unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, 422, "{}", e.message);
    let mut big_annotations = json!({"metadata": {"name": "big", "annotations": {}}});
    big_annotations["metadata"]["annotations"]["a"] = json!("x".repeat(300 * 1024));
    let e = raw(
        &c,
        "POST",
        path,
        "application/json",
        serde_json::to_vec(&big_annotations).unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!((e.code, e.reason.as_str()), (422, "Invalid"));
    assert!(
        e.message
            .ends_with("metadata.annotations: Too long: may not be more than 262144 bytes"),
        "{}",
        e.message
    );
    let args: Vec<String> = (0..4).map(|_| "x".repeat(400 * 1024)).collect();
    let big = json!({"metadata": {"name": "big"}, "spec": {
        "selector": {"matchLabels": {"a": "b"}},
        "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i", "args": args}]}}
    }});
    let e = raw(
        &c,
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        "application/json",
        serde_json::to_vec(&big).unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (500, "etcdserver: request is too large")
    );

    let unauthenticated = reqwest_free_get(shared(), "/api/v1/namespaces").await;
    assert_eq!(unauthenticated, 401);
}

/// A GET without credentials, through a client built without the token.
async fn reqwest_free_get(sandbox: &Sandbox, path: &str) -> u16 {
    let kc = sandbox.kubeconfig().replace(
        &format!("token: {}", sandbox.token().unwrap()),
        "token: wrong",
    );
    let kc = kube::config::Kubeconfig::from_yaml(&kc).unwrap();
    let cfg = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
        .await
        .unwrap();
    let c = kube::Client::try_from(cfg).unwrap();
    match raw(&c, "GET", path, "application/json", Vec::new()).await {
        Ok(_) => 200,
        Err(s) => s.code,
    }
}

#[tokio::test]
async fn discovery_answers_plain_and_aggregated() {
    let c = client().await;
    let version = c.apiserver_version().await.unwrap();
    assert_eq!(version.major, "1");
    let groups = c.list_api_groups().await.unwrap();
    let names: Vec<&str> = groups.groups.iter().map(|g| g.name.as_str()).collect();
    for g in [
        "apps",
        "batch",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "policy",
        "autoscaling",
        "storage.k8s.io",
        "coordination.k8s.io",
        "apiextensions.k8s.io",
    ] {
        assert!(names.contains(&g), "{g}");
    }
    let discovery = kube::Discovery::new(c.clone()).run().await.unwrap();
    assert!(discovery.has_group("apps"));
    let req = http::Request::builder()
        .uri("/apis")
        .header(
            "Accept",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
        )
        .body(Vec::new())
        .unwrap();
    let agg: Value = serde_json::from_str(&c.request_text(req).await.unwrap()).unwrap();
    assert_eq!(agg["kind"], "APIGroupDiscoveryList");
}

#[test]
fn state_survives_a_restart_and_corruption_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let opts = || Options {
        state_file: Some(state.clone()),
        tls: false,
        token: None,
        ..Options::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let first = Sandbox::start(opts()).unwrap();
    rt.block_on(async {
        let c = first.client().await.unwrap();
        let cms: Api<ConfigMap> = Api::namespaced(c, "default");
        cms.create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "kept"}, "data": {"a": "1"}}))
                .unwrap(),
        )
        .await
        .unwrap();
    });
    first.stop().unwrap();
    let second = Sandbox::start(opts()).unwrap();
    rt.block_on(async {
        let c = second.client().await.unwrap();
        let cms: Api<ConfigMap> = Api::namespaced(c, "default");
        assert_eq!(cms.get("kept").await.unwrap().data.unwrap()["a"], "1");
    });
    second.stop().unwrap();
    std::fs::write(&state, "{\"kind\": \"WheelhouseSandboxState\", truncated").unwrap();
    let err = Sandbox::start(opts()).unwrap_err().to_string();
    assert!(err.contains("is corrupt"), "{err}");
    assert!(err.contains("state.json"), "{err}");
}

fn kubectl(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    use std::io::Write;
    let mut cmd = Command::new("kubectl");
    cmd.args(args)
        .env("KUBECONFIG", kubeconfig())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd
        .spawn()
        .expect("kubectl is installed (scripts/test installs it)");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn kubectl_drives_the_sandbox() {
    let ok = |args: &[&str], stdin: Option<&str>| {
        let (success, out) = kubectl(args, stdin);
        assert!(success, "kubectl {args:?}: {out}");
        out
    };
    ok(&["create", "namespace", "kubectl"], None);
    ok(
        &[
            "-n",
            "kubectl",
            "create",
            "configmap",
            "conf",
            "--from-literal=a=b",
        ],
        None,
    );
    // kubectl sends these as protobuf.
    ok(
        &[
            "-n",
            "kubectl",
            "create",
            "service",
            "nodeport",
            "np",
            "--tcp=80:8080",
        ],
        None,
    );
    let port = ok(
        &[
            "-n",
            "kubectl",
            "get",
            "service",
            "np",
            "-o",
            "jsonpath={.spec.ports[0].targetPort}/{.spec.ports[0].nodePort}",
        ],
        None,
    );
    assert!(port.starts_with("8080/30"), "{port}");
    ok(
        &[
            "-n",
            "kubectl",
            "create",
            "secret",
            "generic",
            "sec",
            "--from-literal=k=v",
        ],
        None,
    );
    let data = ok(
        &[
            "-n",
            "kubectl",
            "get",
            "secret",
            "sec",
            "-o",
            "jsonpath={.data.k}",
        ],
        None,
    );
    assert_eq!(data.trim(), "dg==");
    let yaml = ok(
        &["-n", "kubectl", "get", "configmap", "conf", "-o", "yaml"],
        None,
    );
    assert!(yaml.contains("a: b") && yaml.contains("uid:"), "{yaml}");
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: kubectl\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1\n";
    assert!(ok(&["apply", "-f", "-"], Some(deployment)).contains("deployment.apps/web created"));
    assert!(ok(&["apply", "-f", "-"], Some(deployment)).contains("unchanged"));
    ok(
        &[
            "-n",
            "kubectl",
            "wait",
            "--for=condition=Available",
            "deployment/web",
            "--timeout=20s",
        ],
        None,
    );
    ok(
        &[
            "-n",
            "kubectl",
            "patch",
            "deployment",
            "web",
            "--type=merge",
            "-p",
            r#"{"spec":{"replicas":3}}"#,
        ],
        None,
    );
    ok(
        &[
            "-n",
            "kubectl",
            "patch",
            "deployment",
            "web",
            "--type=json",
            "-p",
            r#"[{"op":"replace","path":"/spec/replicas","value":1}]"#,
        ],
        None,
    );
    let replicas = ok(
        &[
            "-n",
            "kubectl",
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
        None,
    );
    assert_eq!(replicas.trim(), "1");
    // A strategic merge patch adds a container by its merge key; a later
    // client-side apply (merge keys from /openapi/v3) changes the app's image
    // and keeps the sidecar.
    ok(
        &[
            "-n",
            "kubectl",
            "patch",
            "deployment",
            "web",
            "-p",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}"#,
        ],
        None,
    );
    ok(
        &["apply", "-f", "-"],
        Some(&deployment.replace("nginx:1", "nginx:2")),
    );
    let images = ok(
        &[
            "-n",
            "kubectl",
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[*].image}",
        ],
        None,
    );
    assert_eq!(images.trim(), "busybox nginx:2");
    // The scale subresource.
    ok(
        &[
            "-n",
            "kubectl",
            "scale",
            "deployment",
            "web",
            "--replicas=0",
        ],
        None,
    );
    let replicas = ok(
        &[
            "-n",
            "kubectl",
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
        None,
    );
    assert_eq!(replicas.trim(), "0");
    // Server-side apply, then a conflicting one refused and forced.
    let ssa = deployment.replace("name: web\n", "name: ssa\n");
    assert!(ok(&["apply", "--server-side", "-f", "-"], Some(&ssa)).contains("serverside-applied"));
    ok(
        &[
            "-n",
            "kubectl",
            "scale",
            "deployment",
            "ssa",
            "--replicas=5",
        ],
        None,
    );
    let (applied, conflict) = kubectl(&["apply", "--server-side", "-f", "-"], Some(&ssa));
    assert!(
        !applied && conflict.contains("conflict with \"kubectl\""),
        "{conflict}"
    );
    ok(
        &["apply", "--server-side", "--force-conflicts", "-f", "-"],
        Some(&ssa),
    );
    let replicas = ok(
        &[
            "-n",
            "kubectl",
            "get",
            "deployment",
            "ssa",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
        None,
    );
    assert_eq!(replicas.trim(), "2");
    let resources = ok(&["api-resources"], None);
    assert!(
        resources.contains("deployments") && resources.contains("apps/v1"),
        "{resources}"
    );
    let listing = ok(&["get", "namespaces"], None);
    assert!(listing.contains("kubectl"), "{listing}");
    ok(&["-n", "kubectl", "delete", "deployment", "web"], None);
    let (found, out) = kubectl(&["-n", "kubectl", "get", "deployment", "web"], None);
    assert!(!found && out.contains("NotFound"), "{out}");
}

/// kubectl's client-side-apply upgrade followed by server-side applies: the
/// object keeps what the configuration still sets (it used to lose
/// `spec.template`'s labels and then the template).
#[test]
fn kubectl_moves_from_client_side_to_server_side_apply() {
    let ok = |args: &[&str], stdin: Option<&str>| {
        let (success, out) = kubectl(args, stdin);
        assert!(success, "kubectl {args:?}: {out}");
        out
    };
    ok(&["create", "namespace", "csa-upgrade"], None);
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: csa-upgrade\n  labels: {app: web}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1\n";
    let get = |path: &str| {
        ok(
            &[
                "-n",
                "csa-upgrade",
                "get",
                "deployment",
                "web",
                "-o",
                &format!("jsonpath={path}"),
            ],
            None,
        )
    };
    ok(&["apply", "-f", "-"], Some(deployment));
    for round in 0..2 {
        ok(
            &["apply", "--server-side", "--force-conflicts", "-f", "-"],
            Some(deployment),
        );
        assert_eq!(
            get("{.spec.template.metadata.labels.app}").trim(),
            "web",
            "round {round}"
        );
        assert_eq!(
            get("{.spec.template.spec.containers[*].image}").trim(),
            "nginx:1",
            "round {round}"
        );
        assert_eq!(get("{.metadata.labels.app}").trim(), "web", "round {round}");
        assert_eq!(get("{.spec.replicas}").trim(), "2", "round {round}");
        // kubectl's upgrade hands the client-side entry to "kubectl"; kubectl
        // itself keeps the annotation current as "kubectl-last-applied".
        let managers = get("{.metadata.managedFields[*].manager}");
        let mut managers: Vec<&str> = managers.split_whitespace().collect();
        managers.sort_unstable();
        assert_eq!(
            managers,
            ["kubectl", "kubectl-last-applied"],
            "round {round}"
        );
        let operations = get("{.metadata.managedFields[*].operation}");
        assert!(
            operations.split_whitespace().all(|op| op == "Apply"),
            "round {round}: {operations}"
        );
    }
    // A changed image still rolls through server-side apply.
    ok(
        &["apply", "--server-side", "-f", "-"],
        Some(&deployment.replace("nginx:1", "nginx:2")),
    );
    assert_eq!(
        get("{.spec.template.spec.containers[*].image}").trim(),
        "nginx:2"
    );
    ok(&["delete", "namespace", "csa-upgrade"], None);
}

/// GET `/openapi/v2` with an Accept header; the status code and body.
async fn openapi_v2(client: &kube::Client, accept: &str) -> (u16, Value) {
    let req = http::Request::builder()
        .uri("/openapi/v2")
        .header("Accept", accept)
        .body(Vec::new())
        .unwrap();
    match client.request_text(req).await {
        Ok(text) => (200, serde_json::from_str(&text).unwrap()),
        Err(kube::Error::Api(status)) => (status.code, Value::Null),
        Err(e) => panic!("transport error: {e}"),
    }
}

#[tokio::test]
async fn openapi_v2_is_served_as_json_and_refused_as_protobuf_only() {
    let c = client().await;
    let (code, doc) = openapi_v2(&c, "application/json").await;
    assert_eq!(code, 200);
    assert_eq!(doc["swagger"], "2.0");
    let containers = &doc["definitions"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
    assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
    assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
    assert_eq!(
        doc["definitions"]["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"][0]["kind"],
        "Deployment"
    );
    // kubectl's request: protobuf only, which the sandbox can't produce.
    let protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
    assert_eq!(openapi_v2(&c, protobuf).await.0, 406);
    let (code, doc) = openapi_v2(&c, &format!("{protobuf}, application/json")).await;
    assert_eq!((code, &doc["swagger"]), (200, &json!("2.0")));
}

fn helm(driver: &str, ns: &str, args: &[&str]) -> Result<Value, String> {
    HelmRef::new(kubeconfig(), driver, ns).run(args)
}

const DEMO_CHART: [(&str, &str); 3] = [
    ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
    (
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  a: {{ .Values.a | default \"x\" | quote }}\n",
    ),
    (
        "templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\n  {{- if .Values.neverReady }}\n  annotations:\n    sandbox.wheelhouse.dev/never-ready: \"true\"\n  {{- end }}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1\n",
    ),
];

#[tokio::test]
async fn helm_manages_releases_with_both_drivers() {
    if without_helm() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "demo", &DEMO_CHART);
    let chart = chart.as_str();
    let c = client().await;
    for driver in ["secret", "configmap"] {
        let ns = format!("helm-{driver}");
        let installed = helm(
            driver,
            &ns,
            &[
                "install",
                "r",
                chart,
                "--create-namespace",
                "--wait",
                "--timeout",
                "20",
            ],
        )
        .unwrap();
        assert_eq!(installed["status"], "deployed", "{installed}");
        let cms: Api<ConfigMap> = Api::namespaced(c.clone(), &ns);
        assert_eq!(cms.get("r-cm").await.unwrap().data.unwrap()["a"], "x");

        helm(driver, &ns, &["upgrade", "r", chart, "--set", "a=y"]).unwrap();
        assert_eq!(cms.get("r-cm").await.unwrap().data.unwrap()["a"], "y");
        helm(driver, &ns, &["rollback", "r", "1"]).unwrap();
        assert_eq!(cms.get("r-cm").await.unwrap().data.unwrap()["a"], "x");

        let history = helm(driver, &ns, &["history", "r"]).unwrap();
        let statuses = helm_statuses(&history);
        assert_eq!(
            statuses,
            vec!["superseded", "superseded", "deployed"],
            "{history}"
        );
        // The records are where Helm's driver keeps them, labelled as Helm labels them.
        let records = ListParams::default().labels("owner=helm,name=r");
        let count = if driver == "secret" {
            Api::<Secret>::namespaced(c.clone(), &ns)
                .list(&records)
                .await
                .unwrap()
                .items
                .len()
        } else {
            cms.list(&records).await.unwrap().items.len()
        };
        assert_eq!(count, 3, "{driver}");
        let listed = helm(driver, &ns, &["list"]).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

        helm(driver, &ns, &["uninstall", "r"]).unwrap();
        assert!(cms.get_opt("r-cm").await.unwrap().is_none());
        assert_eq!(helm(driver, &ns, &["list", "-a"]).unwrap(), json!([]));
    }
    // --wait gives up on a workload that never becomes ready.
    let err = helm(
        "secret",
        "helm-wait",
        &[
            "install",
            "stuck",
            chart,
            "--create-namespace",
            "--wait",
            "--timeout",
            "2",
            "--set",
            "neverReady=true",
        ],
    )
    .unwrap_err();
    assert!(err.contains("not ready"), "{err}");
}

#[tokio::test]
async fn the_cli_serves_writes_a_kubeconfig_and_saves_state_on_interrupt() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let state = dir.path().join("state.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--ready-delay", "0"])
        .arg("--write-kubeconfig")
        .arg(&kc)
        .arg("--state")
        .arg(&state)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if kc.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let text = std::fs::read_to_string(&kc).unwrap();
    assert!(
        text.contains("current-context: wheelhouse-sandbox"),
        "{text}"
    );
    assert!(
        text.contains("certificate-authority-data:") && text.contains("token:"),
        "{text}"
    );
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::from_yaml(&text).unwrap(),
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    let c = kube::Client::try_from(config).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(c, "default");
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "from-cli"}})).unwrap(),
    )
    .await
    .unwrap();
    // Ctrl-C stops it and writes the state file.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(
        saved.contains("from-cli"),
        "the state file holds the new object"
    );
}
