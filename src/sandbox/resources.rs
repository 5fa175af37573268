//! The kinds the sandbox serves: the built-in API groups wheelhouse's clients use,
//! plus kinds registered at run time by CustomResourceDefinitions.
//!
//! Owns the catalogue (group, version, kind, plural, scope, short names, verbs,
//! subresources) that discovery publishes and the router resolves paths with.

use std::collections::BTreeMap;

use serde_json::Value;

/// One served resource of one group version.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// The `status` subresource exists: main-resource writes keep the old status.
    pub has_status: bool,
    /// Writes to `spec` bump `metadata.generation`.
    pub has_generation: bool,
    /// Registered by a CRD (stored unstructured, list items keep kind/apiVersion).
    pub custom: bool,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The key objects are stored under: group and resource, independent of version.
    pub fn store_key(&self) -> String {
        format!("{}/{}", self.group, self.plural)
    }

    pub fn verbs(&self) -> Vec<&'static str> {
        vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ]
    }
}

/// Built-in resources: (group, version, kind, plural, namespaced, short names,
/// has status subresource, has generation).
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    bool,
    bool,
);

const BUILTINS: &[Builtin] = &[
    (
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        true,
        &["cm"],
        false,
        false,
    ),
    (
        "",
        "v1",
        "Endpoints",
        "endpoints",
        true,
        &["ep"],
        false,
        false,
    ),
    ("", "v1", "Event", "events", true, &["ev"], false, false),
    (
        "",
        "v1",
        "LimitRange",
        "limitranges",
        true,
        &["limits"],
        false,
        false,
    ),
    (
        "",
        "v1",
        "Namespace",
        "namespaces",
        false,
        &["ns"],
        true,
        false,
    ),
    ("", "v1", "Node", "nodes", false, &["no"], true, false),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
        true,
        false,
    ),
    (
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        false,
        &["pv"],
        true,
        false,
    ),
    ("", "v1", "Pod", "pods", true, &["po"], true, false),
    (
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
        &["rc"],
        true,
        true,
    ),
    (
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        true,
        &["quota"],
        true,
        false,
    ),
    ("", "v1", "Secret", "secrets", true, &[], false, false),
    (
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        true,
        &["sa"],
        false,
        false,
    ),
    ("", "v1", "Service", "services", true, &["svc"], true, false),
    (
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        true,
        &[],
        false,
        false,
    ),
    (
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        true,
        &["ds"],
        true,
        true,
    ),
    (
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        true,
        true,
    ),
    (
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
        true,
        true,
    ),
    (
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
        &["sts"],
        true,
        true,
    ),
    (
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        true,
        &["cj"],
        true,
        true,
    ),
    ("batch", "v1", "Job", "jobs", true, &[], true, true),
    (
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        false,
        &[],
        false,
        false,
    ),
    (
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        &["ing"],
        true,
        true,
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
        false,
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
        false,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
        false,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
        false,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        &[],
        false,
        false,
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
        true,
        true,
    ),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        &["hpa"],
        true,
        false,
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
        &["sc"],
        false,
        false,
    ),
    (
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        true,
        &[],
        false,
        false,
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
        true,
        true,
    ),
];

/// The groups in the order `/apis` lists them (core is served under `/api`).
pub const BUILTIN_GROUPS: &[(&str, &str)] = &[
    ("apps", "v1"),
    ("batch", "v1"),
    ("networking.k8s.io", "v1"),
    ("rbac.authorization.k8s.io", "v1"),
    ("policy", "v1"),
    ("autoscaling", "v2"),
    ("storage.k8s.io", "v1"),
    ("coordination.k8s.io", "v1"),
    ("apiextensions.k8s.io", "v1"),
];

/// The categories `kubectl get all` expands to.
fn categories(group: &str, plural: &str) -> Vec<String> {
    let all = matches!(
        (group, plural),
        ("", "pods" | "services" | "replicationcontrollers")
            | (
                "apps",
                "deployments" | "daemonsets" | "replicasets" | "statefulsets"
            )
            | ("batch", "jobs" | "cronjobs")
            | ("autoscaling", "horizontalpodautoscalers")
    );
    if all { vec!["all".into()] } else { Vec::new() }
}

/// Every resource currently served, built-in and custom.
#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<ResourceType>,
    /// Custom kinds by the name of the CRD that defines them.
    custom: BTreeMap<String, Vec<ResourceType>>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Registry {
    pub fn new() -> Registry {
        let types = BUILTINS
            .iter()
            .map(
                |&(group, version, kind, plural, namespaced, short, status, generation)| {
                    ResourceType {
                        group: group.into(),
                        version: version.into(),
                        kind: kind.into(),
                        plural: plural.into(),
                        singular: kind.to_ascii_lowercase(),
                        namespaced,
                        short_names: short.iter().map(|s| s.to_string()).collect(),
                        categories: categories(group, plural),
                        has_status: status,
                        has_generation: generation,
                        custom: false,
                    }
                },
            )
            .collect();
        Registry {
            types,
            custom: BTreeMap::new(),
        }
    }

    pub fn all(&self) -> impl Iterator<Item = &ResourceType> {
        self.types.iter().chain(self.custom.values().flatten())
    }

    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.all()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    /// The resource of a kind in a group version (used to resolve ownerReferences
    /// and objects named by kind).
    pub fn by_kind(&self, group: &str, version: &str, kind: &str) -> Option<&ResourceType> {
        self.all()
            .find(|t| t.group == group && t.version == version && t.kind == kind)
    }

    /// Every group version served, core first, then built-in groups, then custom
    /// groups by name.
    pub fn group_versions(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = BUILTIN_GROUPS
            .iter()
            .map(|(g, v)| (g.to_string(), vec![v.to_string()]))
            .collect();
        for t in self.custom.values().flatten() {
            match out.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, versions)) => {
                    if !versions.contains(&t.version) {
                        versions.push(t.version.clone());
                    }
                }
                None => out.push((t.group.clone(), vec![t.version.clone()])),
            }
        }
        out
    }

    pub fn in_group_version<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a ResourceType> + 'a {
        self.all()
            .filter(move |t| t.group == group && t.version == version)
    }

    /// Registers (or re-registers) the kinds a CRD serves; returns a problem
    /// message when the CRD is malformed.
    pub fn register_crd(&mut self, crd: &Value) -> Result<(), String> {
        let types = crd_types(crd)?;
        let name = crd
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.custom.insert(name, types);
        Ok(())
    }

    pub fn unregister_crd(&mut self, name: &str) -> Option<Vec<ResourceType>> {
        self.custom.remove(name)
    }
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

/// The resource types a CustomResourceDefinition (apiextensions.k8s.io/v1) serves.
pub fn crd_types(crd: &Value) -> Result<Vec<ResourceType>, String> {
    let group = str_at(crd, "/spec/group").ok_or("spec.group: Required value")?;
    let plural = str_at(crd, "/spec/names/plural").ok_or("spec.names.plural: Required value")?;
    let kind = str_at(crd, "/spec/names/kind").ok_or("spec.names.kind: Required value")?;
    let singular = str_at(crd, "/spec/names/singular")
        .map(str::to_string)
        .unwrap_or_else(|| kind.to_ascii_lowercase());
    let namespaced = str_at(crd, "/spec/scope") != Some("Cluster");
    let list = |ptr: &str| -> Vec<String> {
        crd.pointer(ptr)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .ok_or("spec.versions: Required value")?;
    let mut out = Vec::new();
    for v in versions {
        if v.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let Some(version) = v.get("name").and_then(Value::as_str) else {
            continue;
        };
        out.push(ResourceType {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            singular: singular.clone(),
            namespaced,
            short_names: list("/spec/names/shortNames"),
            categories: list("/spec/names/categories"),
            has_status: v.pointer("/subresources/status").is_some(),
            has_generation: true,
            custom: true,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtins_resolve_by_path_and_kind() {
        let r = Registry::new();
        let d = r.find("apps", "v1", "deployments").unwrap();
        assert_eq!(d.kind, "Deployment");
        assert!(d.namespaced && d.has_status && d.has_generation);
        assert_eq!(
            r.by_kind("", "v1", "Namespace").unwrap().plural,
            "namespaces"
        );
        assert!(r.find("apps", "v1beta1", "deployments").is_none());
    }

    #[test]
    fn crds_register_and_unregister_kinds() {
        let mut r = Registry::new();
        let crd = json!({
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Cluster",
                     "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
                     "versions": [{"name": "v1", "served": true, "storage": true},
                                  {"name": "v0", "served": false}]}
        });
        r.register_crd(&crd).unwrap();
        let w = r.find("example.com", "v1", "widgets").unwrap();
        assert!(!w.namespaced && w.custom);
        assert_eq!(w.short_names, vec!["wd"]);
        assert!(r.find("example.com", "v0", "widgets").is_none());
        assert!(r.group_versions().iter().any(|(g, _)| g == "example.com"));
        r.unregister_crd("widgets.example.com");
        assert!(r.find("example.com", "v1", "widgets").is_none());
    }
}
