//! A release manifest as Kubernetes objects (Helm's `KubeClient.Build`):
//! every YAML document becomes JSON, its kind is mapped through discovery,
//! and namespaced objects without a namespace get the release's. Also the
//! ownership metadata Helm stamps on what it applies, and the check that
//! refuses to adopt objects another owner made.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::chart::yaml::{self, Json};
use crate::kube::cluster::{Cluster, Resource};
use crate::render::sort::split_manifests;

use super::EngineError;

pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY_HELM: &str = "Helm";
pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";
pub const KEEP_POLICY: &str = "keep";

/// One object of a manifest, mapped to its resource.
#[derive(Clone, Debug)]
pub struct Object {
    pub resource: Resource,
    pub name: String,
    /// The object's namespace; empty for cluster-scoped kinds.
    pub namespace: String,
    /// The document as JSON.
    pub body: Value,
}

impl Object {
    /// Helm's `resourceString`: `Kind "name" in namespace "ns"`.
    pub fn describe(&self) -> String {
        format!(
            "{} {:?} in namespace {:?}",
            self.resource.kind, self.name, self.namespace
        )
    }

    /// `Kind namespace/name` for progress lines.
    pub fn short(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.resource.kind, self.name)
        } else {
            format!("{} {}/{}", self.resource.kind, self.namespace, self.name)
        }
    }

    /// Whether two objects are the same cluster object (Helm's
    /// `isMatchingInfo`: name, namespace, group and kind; versions may differ).
    pub fn same_as(&self, other: &Object) -> bool {
        self.name == other.name
            && self.namespace == other.namespace
            && self.resource.kind == other.resource.kind
            && group(&self.resource.api_version) == group(&other.resource.api_version)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        annotation(&self.body, key)
    }
}

fn group(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

/// An annotation of a JSON object.
pub fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.pointer("/metadata/annotations")?.get(key)?.as_str()
}

/// The documents of a manifest as JSON, skipping empty ones.
pub fn documents(manifest: &str) -> Result<Vec<Value>, EngineError> {
    let mut out = Vec::new();
    for doc in split_manifests(manifest) {
        let json = yaml::parse(doc).map_err(|e| {
            EngineError::Manifest(format!(
                "unable to build kubernetes objects from release manifest: {e}"
            ))
        })?;
        match json {
            Json::Null => {}
            Json::Map(map) if map.is_empty() => {}
            other => out.push(to_json(other)),
        }
    }
    Ok(out)
}

/// Builds the objects of `manifest`, mapping each kind through discovery.
pub async fn build(
    cluster: &Cluster,
    manifest: &str,
    namespace: &str,
) -> Result<Vec<Object>, EngineError> {
    let mut objects = Vec::new();
    for body in documents(manifest)? {
        objects.push(object(cluster, body, namespace).await?);
    }
    Ok(objects)
}

/// One JSON document as an [`Object`].
pub async fn object(
    cluster: &Cluster,
    mut body: Value,
    namespace: &str,
) -> Result<Object, EngineError> {
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    let (Some(api_version), Some(kind)) = (text(&body, "/apiVersion"), text(&body, "/kind")) else {
        return Err(EngineError::Manifest(format!(
            "unable to build kubernetes objects from release manifest: Object 'Kind' is missing in '{}'",
            serde_json::to_string(&body).unwrap_or_default()
        )));
    };
    let resource = cluster.resource(&api_version, &kind).await.map_err(|e| {
        EngineError::Manifest(format!(
            "unable to build kubernetes objects from release manifest: {e}"
        ))
    })?;
    let name = text(&body, "/metadata/name").unwrap_or_default();
    let object_namespace = if resource.namespaced {
        let own = text(&body, "/metadata/namespace").filter(|n| !n.is_empty());
        let ns = own.unwrap_or_else(|| namespace.to_string());
        if let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("namespace".into(), Value::String(ns.clone()));
        }
        ns
    } else {
        String::new()
    };
    Ok(Object {
        resource,
        name,
        namespace: object_namespace,
        body,
    })
}

/// sigs.k8s.io/yaml's JSON: integers stay integers, as Kubernetes decodes them.
pub fn to_json(json: Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Int(i) => Value::from(i),
        Json::Uint(u) => Value::from(u),
        Json::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Json::Str(s) => Value::String(s),
        Json::Seq(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Json::Map(map) => Value::Object(map.into_iter().map(|(k, v)| (k, to_json(v))).collect()),
    }
}

/// Stamps Helm's ownership label and annotations on an object about to be
/// applied (`setMetadataVisitor`).
pub fn set_ownership(body: &mut Value, release: &str, namespace: &str) {
    let Some(root) = body.as_object_mut() else {
        return;
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    let mut put = |field: &str, pairs: &[(&str, &str)]| {
        let map = meta
            .entry(field)
            .or_insert_with(|| Value::Object(Map::new()));
        if !map.is_object() {
            *map = Value::Object(Map::new());
        }
        if let Some(map) = map.as_object_mut() {
            for (k, v) in pairs {
                map.insert((*k).to_string(), Value::String((*v).to_string()));
            }
        }
    };
    put("labels", &[(MANAGED_BY_LABEL, MANAGED_BY_HELM)]);
    put(
        "annotations",
        &[
            (RELEASE_NAME_ANNOTATION, release),
            (RELEASE_NAMESPACE_ANNOTATION, namespace),
        ],
    );
}

/// Helm's `checkOwnership`: why a live object can't belong to this release,
/// or `None` when it can.
pub fn ownership_problem(live: &Value, release: &str, namespace: &str) -> Option<String> {
    let strings = |field: &str| -> BTreeMap<String, String> {
        live.pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (labels, annotations) = (strings("labels"), strings("annotations"));
    let mut problems = Vec::new();
    if let Some(e) = require_value(&labels, MANAGED_BY_LABEL, MANAGED_BY_HELM) {
        problems.push(format!("label validation error: {e}"));
    }
    if let Some(e) = require_value(&annotations, RELEASE_NAME_ANNOTATION, release) {
        problems.push(format!("annotation validation error: {e}"));
    }
    if let Some(e) = require_value(&annotations, RELEASE_NAMESPACE_ANNOTATION, namespace) {
        problems.push(format!("annotation validation error: {e}"));
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "invalid ownership metadata; {}",
            problems.join("; ")
        ))
    }
}

fn require_value(map: &BTreeMap<String, String>, key: &str, want: &str) -> Option<String> {
    match map.get(key) {
        None => Some(format!("missing key {key:?}: must be set to {want:?}")),
        Some(actual) if actual != want => Some(format!(
            "key {key:?} must equal {want:?}: current value is {actual:?}"
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ownership_is_stamped_without_losing_labels() {
        let mut body = json!({"metadata": {"name": "web", "labels": {"app": "web"}}});
        set_ownership(&mut body, "r1", "prod");
        assert_eq!(
            body["metadata"],
            json!({
                "name": "web",
                "labels": {"app": "web", "app.kubernetes.io/managed-by": "Helm"},
                "annotations": {
                    "meta.helm.sh/release-name": "r1",
                    "meta.helm.sh/release-namespace": "prod"
                }
            })
        );
        assert_eq!(ownership_problem(&body, "r1", "prod"), None);
    }

    #[test]
    fn foreign_objects_are_named_in_helms_words() {
        let live = json!({"metadata": {"name": "web", "annotations": {"meta.helm.sh/release-name": "other"}}});
        assert_eq!(
            ownership_problem(&live, "r1", "prod").unwrap(),
            "invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"r1\": current value is \"other\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"prod\""
        );
    }

    #[test]
    fn documents_keep_integers_and_skip_empty_ones() {
        let docs =
            documents("---\n# Source: a\n---\nkind: X\nspec:\n  replicas: 3\n  ratio: 0.5\n")
                .unwrap();
        assert_eq!(
            docs,
            vec![json!({"kind": "X", "spec": {"replicas": 3, "ratio": 0.5}})]
        );
    }
}
