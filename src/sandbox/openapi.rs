//! OpenAPI documents: `/openapi/v3` (the index of group-version documents),
//! one document per group version, and the whole-cluster Swagger 2.0
//! document at `/openapi/v2` (JSON only). Clients read them for two things: which
//! operations accept the `fieldValidation` parameter (Helm and kubectl then
//! validate on the server instead of downloading `/openapi/v2`), and each
//! kind's schema, whose `x-kubernetes-patch-merge-key`,
//! `x-kubernetes-patch-strategy`, `x-kubernetes-list-type`,
//! `x-kubernetes-list-map-keys` and `x-kubernetes-map-type` extensions kubectl
//! builds client-side apply patches with. Schemas of built-in kinds come from
//! the patch module's metadata table ([`crate::patch::schema`]); custom
//! resources get an open object. Paths carry the
//! `x-kubernetes-group-version-kind` and `x-kubernetes-action` extensions
//! client-go looks operations up by.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::resources::{Registry, ResourceType};
use crate::patch::Gvk;
use crate::patch::schema::{self, StructDef, Ty};

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

/// The OpenAPI name Kubernetes gives a Go type of the table
/// (`apps/v1.Deployment` → `io.k8s.api.apps.v1.Deployment`).
fn component_name(id: &str) -> String {
    let (package, name) = id.split_once('.').unwrap_or(("", id));
    let dotted = package.replace('/', ".");
    match package {
        "meta/v1" => format!("io.k8s.apimachinery.pkg.apis.meta.v1.{name}"),
        p if p.starts_with("apiextensions/") => {
            format!("io.k8s.apiextensions-apiserver.pkg.apis.{dotted}.{name}")
        }
        _ => format!("io.k8s.api.{dotted}.{name}"),
    }
}

fn schema_name(rt: &ResourceType) -> String {
    match builtin_root(rt) {
        Some(def) => component_name(def.id),
        None => {
            let reversed: Vec<&str> = rt.group.split('.').rev().collect();
            format!("{}.{}.{}", reversed.join("."), rt.version, rt.kind)
        }
    }
}

fn builtin_root(rt: &ResourceType) -> Option<&'static StructDef> {
    if rt.custom {
        return None;
    }
    schema::root_type(&Gvk::new(&rt.group, &rt.version, &rt.kind))
}

/// Which document a schema is written for: they differ in where schemas
/// live and how a field refers to one.
#[derive(Clone, Copy)]
enum Spec {
    /// Swagger 2.0: `#/definitions/NAME`, referenced directly.
    V2,
    /// OpenAPI 3: `#/components/schemas/NAME`, wrapped in `allOf` as
    /// Kubernetes does so a field's own extensions can sit beside it.
    V3,
}

impl Spec {
    fn ref_to(self, name: &str) -> Value {
        match self {
            Spec::V2 => json!({"$ref": format!("#/definitions/{name}")}),
            Spec::V3 => json!({"$ref": format!("#/components/schemas/{name}")}),
        }
    }

    fn field_ref(self, id: &str) -> Value {
        let target = self.ref_to(&component_name(id));
        match self {
            Spec::V2 => target,
            Spec::V3 => json!({"allOf": [target]}),
        }
    }
}

/// The schema of one field's value; structs it names are queued in `todo`.
fn type_schema(ty: &Ty, spec: Spec, todo: &mut Vec<&'static str>) -> Value {
    match ty {
        Ty::Scalar => json!({}),
        Ty::Opaque(_) => json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
        Ty::Struct(id) => {
            todo.push(id);
            spec.field_ref(id)
        }
        Ty::List(inner) => json!({"type": "array", "items": type_schema(inner, spec, todo)}),
        Ty::Map(inner) => {
            json!({"type": "object", "additionalProperties": type_schema(inner, spec, todo)})
        }
    }
}

fn struct_schema(def: &StructDef, spec: Spec, todo: &mut Vec<&'static str>) -> Value {
    let mut props = Map::new();
    for f in def.fields {
        let mut p = type_schema(&f.ty, spec, todo);
        for (name, value) in f.openapi_extensions() {
            p[name] = value;
        }
        props.insert(f.name.to_string(), p);
    }
    let mut out = json!({"type": "object", "properties": props});
    for (name, value) in def.openapi_extensions() {
        out[name] = value;
    }
    out
}

/// Adds the schema of a built-in kind and every struct it reaches.
fn add_builtin(
    rt: &ResourceType,
    root: &'static StructDef,
    spec: Spec,
    schemas: &mut Map<String, Value>,
) {
    let mut todo = vec![root.id];
    let mut done = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !done.insert(id) {
            continue;
        }
        let Some(def) = schema::struct_def(id) else {
            continue;
        };
        let s = schemas
            .entry(component_name(id))
            .or_insert_with(|| struct_schema(def, spec, &mut todo));
        if id == root.id {
            // A type may be reached as a field before it is served as a kind,
            // and the whole-cluster v2 document can serve one type as several.
            let gvk = json!({"group": rt.group, "version": rt.version, "kind": rt.kind});
            let kinds = s.as_object_mut().map(|m| {
                m.entry("x-kubernetes-group-version-kind")
                    .or_insert(json!([]))
            });
            if let Some(Value::Array(kinds)) = kinds
                && !kinds.contains(&gvk)
            {
                kinds.push(gvk);
            }
        }
    }
}

fn operation(rt: &ResourceType, action: &str, params: Vec<Value>) -> Value {
    let reference = Spec::V3.ref_to(&schema_name(rt));
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
    // kubectl builds a strategic merge patch only where the patch operation
    // lists that media type.
    let mut patch_types = vec![
        "application/json-patch+json",
        "application/merge-patch+json",
    ];
    if !rt.custom {
        patch_types.push("application/strategic-merge-patch+json");
    }
    patch_types.push("application/apply-patch+yaml");
    let body: Map<String, Value> = patch_types
        .iter()
        .map(|t| (t.to_string(), json!({"schema": {"type": "object"}})))
        .collect();
    let mut patch = operation(rt, "patch", Vec::new());
    patch["requestBody"] = json!({"content": body});
    let mut patch_params = write_params();
    patch_params.push(query_param(
        "force",
        "Force is going to \"force\" Apply requests.",
    ));
    patch["parameters"] = Value::Array(patch_params);
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
            "patch": patch,
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
        match builtin_root(rt) {
            Some(root) => add_builtin(rt, root, Spec::V3, &mut schemas),
            None => {
                schemas.insert(schema_name(rt), kind_schema(rt));
            }
        }
    }
    if paths.is_empty() {
        return None;
    }
    Some(
        json!({"openapi": "3.0.0", "info": info(), "paths": paths, "components": {"schemas": schemas}}),
    )
}

/// The Swagger 2.0 operation of `action` on a kind; query parameters are
/// typed in place rather than through a schema.
fn v2_operation(rt: &ResourceType, action: &str, params: &[Value]) -> Value {
    let params: Vec<Value> = params
        .iter()
        .map(|p| {
            json!({"name": p["name"], "in": "query", "description": p["description"],
                "type": "string", "uniqueItems": true})
        })
        .collect();
    json!({
        "operationId": format!("{action}{}", rt.kind),
        "parameters": params,
        "produces": ["application/json", "application/yaml"],
        "responses": {"200": {"description": "OK", "schema": Spec::V2.ref_to(&schema_name(rt))}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
    })
}

fn v2_paths_for(rt: &ResourceType, paths: &mut Map<String, Value>) {
    let base = format!("/{}", gv_path(&rt.group, &rt.version));
    let collection = if rt.namespaced {
        format!("{base}/namespaces/{{namespace}}/{}", rt.plural)
    } else {
        format!("{base}/{}", rt.plural)
    };
    let mut patch = v2_operation(rt, "patch", &write_params());
    let mut consumes = vec![
        "application/json-patch+json",
        "application/merge-patch+json",
    ];
    if !rt.custom {
        consumes.push("application/strategic-merge-patch+json");
    }
    consumes.push("application/apply-patch+yaml");
    patch["consumes"] = json!(consumes);
    paths.insert(
        collection.clone(),
        json!({
            "get": v2_operation(rt, "list", &[]),
            "post": v2_operation(rt, "post", &write_params()),
        }),
    );
    paths.insert(
        format!("{collection}/{{name}}"),
        json!({
            "get": v2_operation(rt, "get", &[]),
            "put": v2_operation(rt, "put", &write_params()),
            "patch": patch,
            "delete": v2_operation(rt, "delete", &[]),
        }),
    );
}

/// `/openapi/v2` as Swagger 2.0 JSON: every served kind's schema under
/// `definitions` (the same table as v3, so the same merge keys, patch
/// strategies and list types) and its item and collection operations.
/// kubectl asks for this document as protobuf only; the router answers it
/// 406 like kube-apiserver, and kubectl goes on with `/openapi/v3`.
pub fn v2(registry: &Registry) -> Value {
    let mut paths = Map::new();
    let mut definitions = Map::new();
    for rt in registry.all() {
        v2_paths_for(rt, &mut paths);
        match builtin_root(rt) {
            Some(root) => add_builtin(rt, root, Spec::V2, &mut definitions),
            None => {
                definitions.insert(schema_name(rt), kind_schema(rt));
            }
        }
    }
    json!({"swagger": "2.0", "info": info(), "paths": paths, "definitions": definitions})
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
        let dep = &doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(
            dep["x-kubernetes-group-version-kind"][0]["kind"],
            "Deployment"
        );
        let pod_spec = &doc["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"];
        let containers = &pod_spec["properties"]["containers"];
        assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
        assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
        assert_eq!(containers["x-kubernetes-list-type"], "map");
        assert_eq!(containers["x-kubernetes-list-map-keys"], json!(["name"]));
        assert_eq!(
            containers["items"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.Container"
        );
        let meta = &doc["components"]["schemas"]["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"];
        assert_eq!(
            meta["properties"]["finalizers"]["x-kubernetes-patch-strategy"],
            "merge"
        );
        // Every reference resolves inside the document.
        let text = doc.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(doc["components"]["schemas"].get(name).is_some(), "{name}");
        }
        let index = v3_index(&r);
        assert_eq!(
            index["paths"]["api/v1"]["serverRelativeURL"],
            "/openapi/v3/api/v1"
        );
    }

    #[test]
    fn the_v2_document_carries_the_same_schemas_as_definitions() {
        let doc = v2(&Registry::new());
        assert_eq!(doc["swagger"], "2.0");
        let defs = &doc["definitions"];
        assert_eq!(
            defs["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"],
            json!([{"group": "apps", "version": "v1", "kind": "Deployment"}])
        );
        assert_eq!(
            defs["io.k8s.api.core.v1.ConfigMap"]["x-kubernetes-group-version-kind"][0]["kind"],
            "ConfigMap"
        );
        let containers = &defs["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
        assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
        assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
        assert_eq!(containers["x-kubernetes-list-type"], "map");
        assert_eq!(
            containers["items"]["$ref"],
            "#/definitions/io.k8s.api.core.v1.Container"
        );
        let spec = &defs["io.k8s.api.apps.v1.Deployment"]["properties"]["spec"];
        assert_eq!(
            spec["$ref"],
            "#/definitions/io.k8s.api.apps.v1.DeploymentSpec"
        );
        let text = doc.to_string();
        assert!(!text.contains("#/components/"));
        for part in text.split("#/definitions/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(defs.get(name).is_some(), "{name}");
        }
        let patch =
            &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(patch["x-kubernetes-action"], "patch");
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(
            patch["consumes"]
                .as_array()
                .unwrap()
                .contains(&json!("application/strategic-merge-patch+json"))
        );
        assert_eq!(
            doc["paths"]["/api/v1/namespaces"]["get"]["x-kubernetes-action"],
            "list"
        );
    }
}
