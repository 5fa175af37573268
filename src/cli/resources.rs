//! The live objects of a release's manifest, as Helm 4's `status` lists
//! them: each object read from the cluster by its apiVersion and kind
//! (resolved through discovery), grouped as `VERSION/Kind`, and printed as
//! kubectl prints the server's tables, one object at a time.
//!
//! The pods a workload selects are listed too, under `v1/Pod(related)`,
//! once per distinct selector, as Helm lists them.

use std::collections::BTreeMap;

use anyhow::Context as _;
use kube::Resource as _;
use kube::api::{DynamicObject, GroupVersionKind};
use kube::discovery::{ApiCapabilities, ApiResource, Scope, pinned_kind};
use serde_json::Value;

use crate::chart::yaml::{self, Json};
use crate::kube::{KubeSettings, connect};
use crate::render::sort::split_manifests;

use super::Settings;

/// What the server's Table printing asks for, in kubectl's order of preference.
const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// kubectl's tabwriter: cells at least 6 wide, 3 spaces of padding.
const TAB_MIN_WIDTH: usize = 6;
const TAB_PADDING: usize = 3;

/// One object named by a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// The labels a workload selects its pods by (Helm's
    /// `getSelectorFromObject`), as the manifest writes them.
    pub selector: Option<BTreeMap<String, String>>,
}

/// Where a kind keeps the labels of the pods it runs; `None` for kinds
/// without pods.
fn selector_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "ReplicaSet" | "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => {
            Some(&["spec", "selector", "matchLabels"])
        }
        "ReplicationController" => Some(&["spec", "selector"]),
        _ => None,
    }
}

/// A map of strings at `path`, or `None` when it is missing or holds
/// anything else (`unstructured.NestedStringMap`).
fn string_map(root: &BTreeMap<String, Json>, path: &[&str]) -> Option<BTreeMap<String, String>> {
    let (last, parents) = path.split_last()?;
    let mut node = root;
    for key in parents {
        match node.get(*key) {
            Some(Json::Map(m)) => node = m,
            _ => return None,
        }
    }
    let Some(Json::Map(map)) = node.get(*last) else {
        return None;
    };
    map.iter()
        .map(|(k, v)| match v {
            Json::Str(s) => Some((k.clone(), s.clone())),
            _ => None,
        })
        .collect()
}

/// The objects of a manifest, in manifest order; documents that are not
/// objects (empty, no kind) are skipped.
pub fn manifest_objects(manifest: &str) -> anyhow::Result<Vec<ObjectRef>> {
    let mut objects = Vec::new();
    for doc in split_manifests(manifest) {
        let json =
            yaml::parse(doc).context("unable to build kubernetes objects from release manifest")?;
        let Json::Map(map) = json else { continue };
        let text = |v: Option<&Json>| match v {
            Some(Json::Str(s)) => s.clone(),
            _ => String::new(),
        };
        let metadata = match map.get("metadata") {
            Some(Json::Map(m)) => Some(m),
            _ => None,
        };
        let object = ObjectRef {
            api_version: text(map.get("apiVersion")),
            kind: text(map.get("kind")),
            name: text(metadata.and_then(|m| m.get("name"))),
            namespace: Some(text(metadata.and_then(|m| m.get("namespace"))))
                .filter(|n| !n.is_empty()),
            selector: selector_path(&text(map.get("kind"))).and_then(|path| string_map(&map, path)),
        };
        if !object.kind.is_empty() && !object.name.is_empty() {
            objects.push(object);
        }
    }
    Ok(objects)
}

/// Live objects grouped by `VERSION/Kind`, in manifest order within a group.
#[derive(Debug, Default)]
pub struct Live {
    groups: BTreeMap<String, Vec<Value>>,
    as_tables: bool,
}

impl Live {
    /// The groups as kubectl prints tables.
    pub fn tables(&self) -> ResourceTables {
        let mut tables = ResourceTables::default();
        if !self.as_tables {
            return tables;
        }
        let mut printer = TablePrinter::default();
        for (group, objects) in &self.groups {
            let text: String = objects.iter().map(|t| printer.print(t)).collect();
            tables.push(group, &text);
        }
        tables
    }

    /// The groups as `info.resources` holds them in JSON and YAML output.
    pub fn objects(&self) -> serde_json::Map<String, Value> {
        self.groups
            .iter()
            .map(|(k, v)| (k.clone(), Value::Array(v.clone())))
            .collect()
    }
}

/// Each group's printed tables, ready for `status`.
#[derive(Debug, Default, PartialEq)]
pub struct ResourceTables {
    groups: Vec<(String, String)>,
}

impl ResourceTables {
    pub fn push(&mut self, group: &str, text: &str) {
        self.groups.push((group.to_owned(), text.to_owned()));
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn groups(&self) -> impl Iterator<Item = (&str, &str)> {
        self.groups.iter().map(|(g, t)| (g.as_str(), t.as_str()))
    }
}

/// A client for the cluster the settings name (the one the release lives in).
pub async fn client(settings: &Settings) -> anyhow::Result<kube::Client> {
    let connection = connect(&KubeSettings {
        kubeconfig: settings.kubeconfig.clone().map(Into::into),
        context: settings.kube_context.clone(),
        namespace: settings.namespace_flag.clone(),
    })
    .await
    .context("connecting to the cluster")?;
    Ok(connection.client)
}

/// Reads every object of the manifest; objects the cluster doesn't have are
/// left out, as Helm leaves them out. `as_tables` asks the server for its
/// table rendering (what `status` prints) instead of the objects.
pub async fn fetch(
    client: &kube::Client,
    namespace: &str,
    manifest: &str,
    as_tables: bool,
) -> anyhow::Result<Live> {
    let mut live = Live {
        as_tables,
        ..Live::default()
    };
    let mut kinds: BTreeMap<(String, String), (ApiResource, ApiCapabilities)> = BTreeMap::new();
    let mut selectors: Vec<BTreeMap<String, String>> = Vec::new();
    for object in manifest_objects(manifest)? {
        let key = (object.api_version.clone(), object.kind.clone());
        if !kinds.contains_key(&key) {
            let (group, version) = match object.api_version.split_once('/') {
                Some((g, v)) => (g, v),
                None => ("", object.api_version.as_str()),
            };
            let gvk = GroupVersionKind::gvk(group, version, &object.kind);
            let found = pinned_kind(client, &gvk).await.with_context(|| {
                format!(
                    "unable to build kubernetes objects from release manifest: resource mapping not found for name: {:?} kind {:?} in version {:?}",
                    object.name, object.kind, object.api_version
                )
            })?;
            kinds.insert(key.clone(), found);
        }
        let Some((resource, capabilities)) = kinds.get(&key) else {
            continue;
        };
        let scope_ns = match capabilities.scope {
            Scope::Namespaced => Some(object.namespace.as_deref().unwrap_or(namespace)),
            Scope::Cluster => None,
        };
        let path = DynamicObject::url_path(resource, scope_ns);
        let request = kube::core::Request::new(path)
            .get(&object.name, &Default::default())
            .context("building a request for a release object")?;
        let request = if as_tables {
            with_table_accept(request)
        } else {
            request
        };
        // Helm notes a failed read in a buffer nobody prints; the object is
        // simply not listed.
        let Ok(found) = client.request::<Value>(request).await else {
            continue;
        };
        let group = format!("{}/{}", resource.version, object.kind);
        live.groups.entry(group).or_default().push(found);
        if let Some(selector) = &object.selector
            && !selectors.contains(selector)
        {
            selectors.push(selector.clone());
            let pods_ns = object.namespace.as_deref().unwrap_or(namespace);
            // Helm only warns when the pods can't be listed.
            if let Ok(pods) = related_pods(client, pods_ns, selector, as_tables).await {
                live.groups
                    .entry(RELATED_PODS.to_owned())
                    .or_default()
                    .extend(pods);
            }
        }
    }
    Ok(live)
}

/// The group Helm lists a workload's pods under.
const RELATED_PODS: &str = "v1/Pod(related)";

/// The pods matching a workload's selector: one server table, or each pod.
async fn related_pods(
    client: &kube::Client,
    namespace: &str,
    selector: &BTreeMap<String, String>,
    as_tables: bool,
) -> anyhow::Result<Vec<Value>> {
    let label_selector = selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let params = kube::api::ListParams::default().labels(&label_selector);
    let request = kube::core::Request::new(format!("/api/v1/namespaces/{namespace}/pods"))
        .list(&params)
        .context("building a request for related pods")?;
    let request = if as_tables {
        with_table_accept(request)
    } else {
        request
    };
    let answer: Value = client.request(request).await?;
    if as_tables {
        return Ok(vec![answer]);
    }
    Ok(answer
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut pod| {
            if let Some(map) = pod.as_object_mut() {
                map.insert("apiVersion".into(), Value::String("v1".into()));
                map.insert("kind".into(), Value::String("Pod".into()));
            }
            pod
        })
        .collect())
}

/// Asks the server for its table rendering.
fn with_table_accept(request: http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let (mut parts, body) = request.into_parts();
    if let Ok(accept) = http::HeaderValue::from_str(TABLE_ACCEPT) {
        parts.headers.insert(http::header::ACCEPT, accept);
    }
    http::Request::from_parts(parts, body)
}

/// kubectl's human-readable printer fed one server table at a time: headers
/// only when the columns change, each call aligned on its own.
#[derive(Debug, Default)]
pub struct TablePrinter {
    last_columns: Option<Value>,
    printed_headers: bool,
}

impl TablePrinter {
    pub fn print(&mut self, table: &Value) -> String {
        let definitions = table
            .get("columnDefinitions")
            .cloned()
            .unwrap_or(Value::Null);
        let has_definitions = definitions.as_array().is_some_and(|d| !d.is_empty());
        let mut no_headers = false;
        if self.printed_headers
            && (!has_definitions || self.last_columns.as_ref() == Some(&definitions))
        {
            no_headers = true;
        }
        let columns = if has_definitions {
            if self.last_columns.as_ref() != Some(&definitions) {
                self.last_columns = Some(definitions.clone());
                self.printed_headers = false;
            }
            definitions
        } else {
            self.last_columns.clone().unwrap_or(Value::Null)
        };
        let rows = table
            .get("rows")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !rows.is_empty() {
            self.printed_headers = true;
        }
        let columns: Vec<&Value> = columns
            .as_array()
            .map(|c| c.iter().collect())
            .unwrap_or_default();
        let shown: Vec<usize> = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.get("priority").and_then(Value::as_i64).unwrap_or(0) == 0)
            .map(|(i, _)| i)
            .collect();
        let mut lines: Vec<Vec<String>> = Vec::new();
        if !no_headers {
            if rows.is_empty() {
                return String::new();
            }
            lines.push(
                shown
                    .iter()
                    .map(|&i| {
                        columns[i]
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_uppercase()
                    })
                    .collect(),
            );
        }
        for row in &rows {
            let cells = row
                .get("cells")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            lines.push(
                shown
                    .iter()
                    .map(|&i| match cells.get(i) {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Null) | None => String::new(),
                        Some(other) => other.to_string(),
                    })
                    .collect(),
            );
        }
        tabwrite(&lines)
    }
}

/// Go's tabwriter over tab-separated cells: every cell but a line's last is
/// padded to its column's width (widest + padding, at least the minimum).
fn tabwrite(lines: &[Vec<String>]) -> String {
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![TAB_MIN_WIDTH; columns];
    for line in lines {
        for (i, cell) in line.iter().enumerate().take(line.len().saturating_sub(1)) {
            widths[i] = widths[i].max(cell.chars().count() + TAB_PADDING);
        }
    }
    let mut out = String::new();
    for line in lines {
        for (i, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < line.len() {
                out.push_str(&" ".repeat(widths[i] - cell.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(name: &str, data: i64) -> Value {
        json!({
            "kind": "Table",
            "columnDefinitions": [
                {"name": "Name", "priority": 0},
                {"name": "Data", "priority": 0},
                {"name": "Hidden", "priority": 1},
                {"name": "Age", "priority": 0},
            ],
            "rows": [{"cells": [name, data, "x", "5s"]}],
        })
    }

    #[test]
    fn prints_headers_once_per_column_set_and_aligns_each_object_alone() {
        let mut printer = TablePrinter::default();
        let first = printer.print(&table("web", 1));
        let second = printer.print(&table("a-much-longer-name", 12));
        assert_eq!(first, "NAME   DATA   AGE\nweb    1      5s\n");
        assert_eq!(second, "a-much-longer-name   12    5s\n");
        let empty = json!({"columnDefinitions": [{"name": "Name", "priority": 0}], "rows": []});
        assert_eq!(TablePrinter::default().print(&empty), "");
    }

    #[test]
    fn manifest_objects_skip_empty_documents() {
        let manifest = "---\n# Source: a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: other\nspec:\n  selector:\n    matchLabels:\n      app: web\n";
        let objects = manifest_objects(manifest).unwrap();
        assert_eq!(
            objects,
            vec![
                ObjectRef {
                    api_version: "v1".into(),
                    kind: "ConfigMap".into(),
                    name: "web".into(),
                    namespace: None,
                    selector: None,
                },
                ObjectRef {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    name: "web".into(),
                    namespace: Some("other".into()),
                    selector: Some([("app".to_owned(), "web".to_owned())].into()),
                },
            ]
        );
    }

    #[test]
    fn selectors_come_from_the_kinds_helm_knows_and_only_as_strings() {
        let objects = manifest_objects(
            "kind: ReplicationController\nmetadata:\n  name: rc\nspec:\n  selector:\n    app: rc\n---\nkind: Job\nmetadata:\n  name: job\nspec:\n  selector:\n    matchLabels:\n      n: 1\n---\nkind: Service\nmetadata:\n  name: svc\nspec:\n  selector:\n    app: svc\n",
        )
        .unwrap();
        let selectors: Vec<_> = objects.iter().map(|o| o.selector.clone()).collect();
        assert_eq!(
            selectors,
            [
                Some([("app".to_owned(), "rc".to_owned())].into()),
                None,
                None
            ]
        );
    }
}
