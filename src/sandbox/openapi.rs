//! OpenAPI documents: `/openapi/v3` (the index of group-version documents) and
//! one document per group version. Clients read them for two things: which
//! operations accept the `fieldValidation` parameter (Helm and kubectl then
//! validate on the server instead of downloading `/openapi/v2`), and each
//! kind's schema. Paths carry the `x-kubernetes-group-version-kind` and
//! `x-kubernetes-action` extensions client-go looks operations up by.

use serde_json::{Map, Value, json};

use super::resources::{Registry, ResourceType};

fn info() -> Value {
    json!({"title": "Kubernetes", "version": format!("v{}.{}.0", super::discovery::KUBE_MAJOR, super::discovery::KUBE_MINOR)})
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: where each group version's document is.
pub fn v3_index(registry: &Registry) -> Value {
    let mut paths = Map::new();
    let mut gvs = vec![(String::new(), vec!["v1".to_string()])];
    gvs.extend(registry.group_versions());
    for (g, vs) in gvs {
        for v in vs {
            let p = gv_path(&g, &v);
            paths.insert(
                p.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{p}")}),
            );
        }
    }
    json!({"paths": paths})
}

fn query_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": {"type": "string", "uniqueItems": true}})
}

fn write_params() -> Vec<Value> {
    vec![
        query_param(
            "dryRun",
            "When present, indicates that modifications should not be persisted.",
        ),
        query_param(
            "fieldManager",
            "fieldManager is a name associated with the actor or entity that is making these changes.",
        ),
        query_param(
            "fieldValidation",
            "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.",
        ),
    ]
}

fn schema_name(rt: &ResourceType) -> String {
    let group = if rt.group.is_empty() {
        "core".to_string()
    } else {
        rt.group.clone()
    };
    format!("io.wheelhouse.sandbox.{group}.{}.{}", rt.version, rt.kind)
}

fn operation(rt: &ResourceType, action: &str, params: Vec<Value>) -> Value {
    let reference = json!({"$ref": format!("#/components/schemas/{}", schema_name(rt))});
    json!({
        "operationId": format!("{action}{}", rt.kind),
        "parameters": params,
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": reference}}}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
    })
}

fn paths_for(rt: &ResourceType, paths: &mut Map<String, Value>) {
    let base = format!("/{}", gv_path(&rt.group, &rt.version));
    let collection = if rt.namespaced {
        format!("{base}/namespaces/{{namespace}}/{}", rt.plural)
    } else {
        format!("{base}/{}", rt.plural)
    };
    let item = format!("{collection}/{{name}}");
    let mut patch_params = write_params();
    patch_params.push(query_param(
        "force",
        "Force is going to \"force\" Apply requests.",
    ));
    paths.insert(
        collection,
        json!({
            "get": operation(rt, "list", Vec::new()),
            "post": operation(rt, "post", write_params()),
            "delete": operation(rt, "deletecollection", Vec::new()),
        }),
    );
    paths.insert(
        item,
        json!({
            "get": operation(rt, "get", Vec::new()),
            "put": operation(rt, "put", write_params()),
            "patch": operation(rt, "patch", patch_params),
            "delete": operation(rt, "delete", Vec::new()),
        }),
    );
}

fn kind_schema(rt: &ResourceType) -> Value {
    json!({
        "type": "object",
        "description": format!("{} ({})", rt.kind, rt.api_version()),
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        },
        "x-kubernetes-preserve-unknown-fields": true,
        "x-kubernetes-group-version-kind": [{"group": rt.group, "version": rt.version, "kind": rt.kind}],
    })
}

/// `/openapi/v3/api/v1`, `/openapi/v3/apis/GROUP/VERSION`.
pub fn v3_document(registry: &Registry, path: &str) -> Option<Value> {
    let parts: Vec<&str> = path.split('/').collect();
    let (group, version) = match parts.as_slice() {
        ["api", v] => ("", *v),
        ["apis", g, v] => (*g, *v),
        _ => return None,
    };
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for rt in registry.in_group_version(group, version) {
        paths_for(rt, &mut paths);
        schemas.insert(schema_name(rt), kind_schema(rt));
    }
    if paths.is_empty() {
        return None;
    }
    Some(
        json!({"openapi": "3.0.0", "info": info(), "paths": paths, "components": {"schemas": schemas}}),
    )
}

/// `/openapi/v2` as JSON, for clients that accept it (kubectl asks for
/// protobuf only and is told it is not served).
pub fn v2(registry: &Registry) -> Value {
    let _ = registry;
    json!({"swagger": "2.0", "info": info(), "paths": {}, "definitions": {}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_operations_declare_field_validation() {
        let r = Registry::new();
        let doc = v3_document(&r, "apis/apps/v1").unwrap();
        let op = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(op["x-kubernetes-action"], "patch");
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert!(
            op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        assert!(v3_document(&r, "apis/apps/v9").is_none());
        let index = v3_index(&r);
        assert_eq!(
            index["paths"]["api/v1"]["serverRelativeURL"],
            "/openapi/v3/api/v1"
        );
    }
}
