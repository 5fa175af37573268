//! The patch library as its two users drive it: the engine creates Helm's
//! three-way patches and the sandbox applies them; server-side apply and
//! update bookkeeping hand managed fields from one request to the next.

use serde_json::{Value, json};
use wheelhouse::patch::{
    ApplyError, Gvk, apply_json_patch, apply_merge_patch, apply_strategic_merge_patch,
    create_three_way_json_merge, create_three_way_strategic, record_update, schema,
    server_side_apply,
};

fn deployment(replicas: u64, containers: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": containers}
            }
        }
    })
}

fn gvk_of(object: &Value) -> Gvk<'_> {
    Gvk::from_api_version(
        object["apiVersion"].as_str().unwrap(),
        object["kind"].as_str().unwrap(),
    )
}

/// Upgrade, `kubectl scale`, sidecar injection and rollback, each as Helm
/// sends it: release manifests are the original and modified documents.
#[test]
fn helm_upgrade_and_rollback_keep_what_others_did_and_undo_drift() {
    let rev1 = deployment(3, json!([{"name": "app", "image": "app:1"}]));
    let rev2 = deployment(3, json!([{"name": "app", "image": "app:2"}]));
    let gvk = gvk_of(&rev1);

    let mut live = rev1.clone();
    live["spec"]["template"]["spec"]["containers"] = json!([
        {"name": "app", "image": "app:1"},
        {"name": "sidecar", "image": "sidecar:1"}
    ]);
    let patch = create_three_way_strategic(&rev1, &rev2, &live, &gvk, true).unwrap();
    live = apply_strategic_merge_patch(&live, &patch, &gvk).unwrap();
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"],
        json!([{"name": "app", "image": "app:2"}, {"name": "sidecar", "image": "sidecar:1"}])
    );

    live = apply_merge_patch(&live, &json!({"spec": {"replicas": 0}})).unwrap();
    let patch = create_three_way_strategic(&rev2, &rev1, &live, &gvk, true).unwrap();
    live = apply_strategic_merge_patch(&live, &patch, &gvk).unwrap();
    assert_eq!(live["spec"]["replicas"], json!(3));
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"],
        json!([{"name": "app", "image": "app:1"}, {"name": "sidecar", "image": "sidecar:1"}])
    );
}

#[test]
fn custom_resources_use_json_merge_and_refuse_strategic_merge() {
    let widget = |size: u64| {
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
               "spec": {"size": size, "tags": ["a"]}})
    };
    let first = widget(1);
    let gvk = gvk_of(&first);
    let err = apply_strategic_merge_patch(&widget(1), &json!({}), &gvk).unwrap_err();
    assert_eq!(
        (err.status_code(), err.reason()),
        (415, "UnsupportedMediaType")
    );

    let mut live = widget(1);
    live["status"] = json!({"ready": true});
    let patch = create_three_way_json_merge(&widget(1), &widget(2), &live).unwrap();
    assert_eq!(patch, json!({"spec": {"size": 2}}));
    let live = apply_merge_patch(&live, &patch).unwrap();
    assert_eq!(live["status"], json!({"ready": true}));
}

#[test]
fn json_patch_failures_carry_the_apiservers_status() {
    let err =
        apply_json_patch(&json!({"a": 1}), &json!([{"op": "remove", "path": "/b"}])).unwrap_err();
    assert_eq!((err.status_code(), err.reason()), (422, "Invalid"));
    assert_eq!(
        err.to_string(),
        "the server rejected our request due to an error in our request"
    );
}

#[test]
fn server_side_apply_after_an_update_conflicts_then_forces() {
    let gvk = Gvk::new("apps", "v1", "Deployment");
    let applied = deployment(2, json!([{"name": "app", "image": "app:1"}]));
    let created =
        server_side_apply(None, &applied, "helm", false, &gvk, "2026-01-01T00:00:00Z").unwrap();
    let mut scaled = created.clone();
    scaled["spec"]["replicas"] = json!(5);
    record_update(Some(&created), &mut scaled, "hpa", "2026-01-01T00:01:00Z");

    match server_side_apply(
        Some(&scaled),
        &applied,
        "helm",
        false,
        &gvk,
        "2026-01-01T00:02:00Z",
    ) {
        Err(ApplyError::Conflict(conflicts)) => {
            assert_eq!(conflicts.len(), 1);
            assert_eq!(conflicts[0].manager, "\"hpa\" using apps/v1");
            assert_eq!(conflicts[0].path, ".spec.replicas");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let forced = server_side_apply(
        Some(&scaled),
        &applied,
        "helm",
        true,
        &gvk,
        "2026-01-01T00:02:00Z",
    )
    .unwrap();
    assert_eq!(forced["spec"]["replicas"], json!(2));
}

#[test]
fn the_schema_table_serves_openapi_extensions() {
    let mut with_merge_keys = 0;
    for (gvk, root) in schema::kinds() {
        assert_eq!(schema::root_type(&gvk).map(|d| d.id), Some(root.id));
    }
    for def in schema::types() {
        for field in def.fields {
            if !field.merge_key.is_empty() {
                with_merge_keys += 1;
                assert!(
                    field.patch_strategy.contains("merge"),
                    "{}.{}",
                    def.id,
                    field.name
                );
            }
        }
    }
    assert!(with_merge_keys > 20, "{with_merge_keys}");
}
