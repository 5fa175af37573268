//! Server-side apply and `metadata.managedFields` bookkeeping, after
//! sigs.k8s.io/structured-merge-diff as kube-apiserver runs it: each
//! manager owns a set of fields; an apply merges the configuration by list
//! and map types, conflicts with other owners whose values it changes
//! (unless forced), and removes the fields it applied before and no longer
//! does when nobody else owns them; updates take over the fields they
//! change.
//!
//! Simplified where the apiserver leans on Go's typed zero objects: a new
//! struct field is not recorded as a node of its own (pointer structs are,
//! in Kubernetes), and `status` is never owned through the main resource.

use serde_json::{Map, Value};

use super::fieldset::{self, FieldSet, Path};
use super::schema::{self, StructDef};
use super::typed::{self, Shape};
use super::{Gvk, PatchError};
use crate::gotmpl::fmt::quote;

/// One field another manager owns with a different value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The manager as the apiserver prints it: `"kubectl"` for an applier,
    /// `"kubectl" using apps/v1` for an updater.
    pub manager: String,
    /// The field path in structured-merge-diff's notation, e.g.
    /// `.spec.containers[name="app"].image`.
    pub path: String,
}

/// Why a server-side apply failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApplyError {
    /// Fields owned by other managers would change; `force` takes them over.
    #[error("{}", conflict_message(.0))]
    Conflict(Vec<Conflict>),
    /// The applied configuration itself is unusable.
    #[error(transparent)]
    Patch(#[from] PatchError),
}

impl ApplyError {
    /// The HTTP status kube-apiserver answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            ApplyError::Conflict(_) => 409,
            ApplyError::Patch(err) => err.status_code(),
        }
    }

    /// The `reason` of the apiserver's `Status`.
    pub fn reason(&self) -> &'static str {
        match self {
            ApplyError::Conflict(_) => "Conflict",
            ApplyError::Patch(err) => err.reason(),
        }
    }
}

/// The apiserver's conflict message: one conflict on one line, several
/// grouped by manager in sorted order.
fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [only] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            only.manager, only.path
        );
    }
    let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
    managers.sort_unstable();
    managers.dedup();
    let mut lines = Vec::new();
    for manager in managers {
        lines.push(format!("conflicts with {manager}:"));
        for conflict in conflicts.iter().filter(|c| c.manager == manager) {
            lines.push(format!("- {}", conflict.path));
        }
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// The manager recorded for fields an object had before its first apply.
pub const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// The most update entries an object keeps; older ones are merged.
pub const MAX_UPDATE_MANAGERS: usize = 10;

/// The manager the oldest update entries are merged into.
pub const ANCIENT_CHANGES: &str = "ancient-changes";

/// Metadata paths no manager owns (the apiserver's strip set).
const STRIPPED_METADATA: &[&str] = &[
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "clusterName",
    "generation",
    "managedFields",
    "resourceVersion",
];

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    subresource: String,
    time: Option<String>,
    set: FieldSet,
}

impl Entry {
    fn is(&self, manager: &str, operation: &str, api_version: &str) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource.is_empty()
            && (operation == "Apply" || self.api_version == api_version)
    }

    /// The manager as conflict messages print it.
    fn printed(&self) -> String {
        let mut out = quote(&self.manager);
        if !self.subresource.is_empty() {
            out.push_str(&format!(" with subresource {}", quote(&self.subresource)));
        }
        if self.operation == "Update" {
            out.push_str(&format!(" using {}", self.api_version));
        }
        out
    }

    fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("manager".into(), Value::String(self.manager.clone()));
        map.insert("operation".into(), Value::String(self.operation.clone()));
        map.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        if let Some(time) = &self.time {
            map.insert("time".into(), Value::String(time.clone()));
        }
        map.insert("fieldsType".into(), Value::String("FieldsV1".into()));
        map.insert("fieldsV1".into(), fieldset::to_fields_v1(&self.set));
        if !self.subresource.is_empty() {
            map.insert(
                "subresource".into(),
                Value::String(self.subresource.clone()),
            );
        }
        Value::Object(map)
    }
}

fn bad_request(message: String) -> ApplyError {
    ApplyError::Patch(PatchError::BadRequest { message })
}

fn string_at(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The entries recorded on an object (unreadable ones are dropped).
fn read_entries(object: &Value) -> Vec<Entry> {
    let Some(entries) = object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    entries
        .iter()
        .filter(|e| e.get("fieldsType").and_then(Value::as_str) == Some("FieldsV1"))
        .map(|e| Entry {
            manager: string_at(e, "manager"),
            operation: string_at(e, "operation"),
            api_version: string_at(e, "apiVersion"),
            subresource: string_at(e, "subresource"),
            time: e.get("time").and_then(Value::as_str).map(str::to_string),
            set: fieldset::from_fields_v1(e.get("fieldsV1").unwrap_or(&Value::Null)),
        })
        .collect()
}

/// Writes the non-empty entries, in the apiserver's order (operation, time,
/// manager, apiVersion).
fn write_entries(object: &mut Value, mut entries: Vec<Entry>) {
    entries.retain(|e| !e.set.is_empty());
    entries.sort_by(|a, b| {
        (&a.operation, &a.time, &a.manager, &a.api_version).cmp(&(
            &b.operation,
            &b.time,
            &b.manager,
            &b.api_version,
        ))
    });
    let Value::Object(map) = object else { return };
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(metadata) = metadata else {
        return;
    };
    if entries.is_empty() {
        metadata.remove("managedFields");
    } else {
        metadata.insert(
            "managedFields".into(),
            Value::Array(entries.iter().map(Entry::to_json).collect()),
        );
    }
}

/// The root type of an object's kind and whether its status is reset on the
/// main resource (built-in kinds with a status).
fn root_of(object: &Value, gvk: Option<&Gvk>) -> Option<&'static StructDef> {
    match gvk {
        Some(gvk) => schema::root_type(gvk),
        None => {
            let api_version = object.get("apiVersion").and_then(Value::as_str)?;
            let kind = object.get("kind").and_then(Value::as_str)?;
            schema::root_type(&Gvk::from_api_version(api_version, kind))
        }
    }
}

/// The fields managers may own: no identity metadata, no status of
/// built-in kinds.
fn owned_fields(mut set: FieldSet, root: Option<&StructDef>) -> FieldSet {
    let resets_status = root.is_some_and(|def| def.field("status").is_some());
    set.retain(|path| {
        let first = path.first().map(String::as_str);
        match first {
            Some("f:apiVersion") | Some("f:kind") => false,
            Some("f:metadata") => match path.get(1) {
                None => false,
                Some(second) => !STRIPPED_METADATA
                    .iter()
                    .any(|m| second.strip_prefix("f:") == Some(m)),
            },
            Some("f:status") => !resets_status,
            _ => true,
        }
    });
    set
}

/// Server-side apply of `applied` by `manager` onto `live` (`None` creates).
/// Returns the new object including `metadata.managedFields`; `now` is the
/// RFC 3339 time recorded for the manager.
///
/// `kubectl` upgrading from client-side apply does not conflict on fields
/// whose live values still match its last-applied annotation, as with the
/// apiserver.
pub fn server_side_apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    gvk: &Gvk,
    now: &str,
) -> Result<Value, ApplyError> {
    match apply_once(live, applied, manager, force, gvk, now) {
        Err(Failure::Conflicts(conflicts)) if manager == "kubectl" => {
            let allowed = live
                .and_then(|l| fields_of_last_applied(l, gvk))
                .unwrap_or_default();
            let rest: Vec<(Path, Conflict)> = conflicts
                .into_iter()
                .filter(|(path, _)| !allowed.contains(path))
                .collect();
            if rest.is_empty() {
                apply_once(live, applied, manager, true, gvk, now).map_err(Failure::into_error)
            } else {
                Err(Failure::Conflicts(rest).into_error())
            }
        }
        other => other.map_err(Failure::into_error),
    }
}

/// Why one apply attempt failed: conflicts keep their raw paths so the
/// client-side-apply upgrade can forgive some of them.
enum Failure {
    Conflicts(Vec<(Path, Conflict)>),
    Error(ApplyError),
}

impl Failure {
    fn into_error(self) -> ApplyError {
        match self {
            Failure::Conflicts(conflicts) => {
                let mut conflicts: Vec<Conflict> = conflicts.into_iter().map(|(_, c)| c).collect();
                conflicts.sort_by(|a, b| (&a.manager, &a.path).cmp(&(&b.manager, &b.path)));
                ApplyError::Conflict(conflicts)
            }
            Failure::Error(err) => err,
        }
    }
}

impl From<ApplyError> for Failure {
    fn from(err: ApplyError) -> Self {
        Failure::Error(err)
    }
}

/// The fields client-side apply's annotation set that still hold the
/// annotated values live (the apiserver's `allowedConflictsFromLastApplied`).
fn fields_of_last_applied(live: &Value, gvk: &Gvk) -> Option<FieldSet> {
    let text = live
        .pointer("/metadata/annotations")?
        .get(LAST_APPLIED_ANNOTATION)?
        .as_str()?;
    let last_applied: Value = serde_json::from_str(text).ok()?;
    if !last_applied.is_object() || string_at(&last_applied, "apiVersion") != api_version_of(gvk) {
        return None;
    }
    let shape = Shape::root(schema::root_type(gvk));
    let mut set = typed::field_set(&last_applied, shape);
    let comparison = typed::compare(&last_applied, live, shape);
    set.retain(|p| !comparison.changed.contains(p) && !comparison.removed.contains(p));
    Some(set)
}

fn api_version_of(gvk: &Gvk) -> String {
    if gvk.group.is_empty() {
        gvk.version.to_string()
    } else {
        format!("{}/{}", gvk.group, gvk.version)
    }
}

fn apply_once(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    gvk: &Gvk,
    now: &str,
) -> Result<Value, Failure> {
    let Value::Object(applied_map) = applied else {
        return Err(ApplyError::Patch(PatchError::BadRequest {
            message: super::json_patch::go_type_error(applied, "map[string]interface {}"),
        })
        .into());
    };
    let expected = api_version_of(gvk);
    let api_version = string_at(applied, "apiVersion");
    if api_version != expected {
        return Err(bad_request(format!(
            "Incorrect version specified in apply patch. Specified patch version: {api_version}, expected: {expected}"
        ))
        .into());
    }
    if applied
        .pointer("/metadata/managedFields")
        .is_some_and(|v| !v.is_null())
    {
        return Err(bad_request("metadata.managedFields must be nil".to_string()).into());
    }
    let root = root_of(applied, Some(gvk));
    let shape = Shape::root(root);
    let mut config = applied_map.clone();
    if root.is_some_and(|def| def.field("status").is_some()) {
        config.remove("status");
    }
    let config = Value::Object(config);
    let mut entries = live.map(read_entries).unwrap_or_default();
    // Managed fields are bookkeeping, not content to merge or compare.
    let mut live_plain = live.cloned().unwrap_or_else(|| Value::Object(Map::new()));
    if let Some(Value::Object(metadata)) = live_plain.get_mut("metadata") {
        metadata.remove("managedFields");
    }
    let live_value = &live_plain;
    if live.is_some() && entries.is_empty() {
        entries.push(Entry {
            manager: BEFORE_FIRST_APPLY.to_string(),
            operation: "Update".to_string(),
            api_version: string_at(live_value, "apiVersion"),
            subresource: String::new(),
            time: None,
            set: owned_fields(
                typed::compare(&Value::Object(Map::new()), live_value, shape).changed,
                root,
            ),
        });
    }
    let applied_set = owned_fields(typed::field_set(&config, shape), root);
    let mut merged = typed::merge(live_value, &config, shape);
    let previous = entries
        .iter()
        .position(|e| e.is(manager, "Apply", ""))
        .map(|i| entries.remove(i));
    if let Some(previous) = &previous {
        let managed: FieldSet = entries
            .iter()
            .flat_map(|e| e.set.iter())
            .chain(&applied_set)
            .cloned()
            .collect();
        merged = prune(merged, &previous.set, &managed, shape);
    }
    let comparison = typed::compare(live_value, &merged, shape);
    let changed = owned_fields(comparison.changed, root);
    let removed = owned_fields(comparison.removed, root);

    let mut conflicts = Vec::new();
    for entry in entries.iter_mut() {
        let taken: Vec<_> = entry.set.intersection(&changed).cloned().collect();
        if force || taken.is_empty() {
            entry
                .set
                .retain(|p| !changed.contains(p) && !removed.contains(p));
        } else {
            conflicts.extend(taken.iter().map(|path| {
                let conflict = Conflict {
                    manager: entry.printed(),
                    path: fieldset::display(path),
                };
                (path.clone(), conflict)
            }));
        }
    }
    if !conflicts.is_empty() {
        return Err(Failure::Conflicts(conflicts));
    }

    // The apiserver stamps the time unless the apply changed nothing.
    let time = match &previous {
        Some(p) if live.is_some() && merged == live_plain => p.time.clone(),
        _ => Some(now.to_string()),
    };
    entries.push(Entry {
        manager: manager.to_string(),
        operation: "Apply".to_string(),
        api_version,
        subresource: String::new(),
        time,
        set: applied_set,
    });
    if manager == "kubectl" {
        sync_last_applied(&mut merged, applied);
    }
    write_entries(&mut merged, entries);
    Ok(merged)
}

/// Removes from `merged` what the applier owned before (`last`) and no
/// manager owns now (`managed`, the applier's new set included), as
/// structured-merge-diff's `prune` does: drop everything `last` names, add
/// back whatever is owned or was never in `last`, and keep the declared
/// fields around owned ones, so fields other managers hold under a map the
/// applier owned (kubectl's client-side-apply upgrade hands it `.` nodes)
/// survive.
fn prune(merged: Value, last: &FieldSet, managed: &FieldSet, shape: Shape) -> Value {
    if last.is_empty() {
        return merged;
    }
    let named = |set: &FieldSet| typed::with_named_fields(set, shape);
    let last = named(last);
    let merged_set = named(&typed::field_set(&merged, shape));

    let mut without_last = merged.clone();
    typed::remove_items(&mut without_last, &last, shape);
    let mut kept: FieldSet = named(&typed::field_set(&without_last, shape));
    kept.extend(named(managed));
    let mut owned_back = merged.clone();
    typed::remove_items(
        &mut owned_back,
        &merged_set.difference(&kept).cloned().collect(),
        shape,
    );

    // Only what `last` names may go: an unowned entry the applier never
    // named, removed above with its parent, comes back if the parent stays.
    let owned_back_set = named(&typed::field_set(&owned_back, shape));
    let dropped: FieldSet = merged_set
        .difference(&owned_back_set)
        .filter(|path| last.contains(*path))
        .cloned()
        .collect();
    let mut out = merged;
    typed::remove_items(&mut out, &dropped, shape);
    out
}

/// The annotation client-side `kubectl apply` keeps its configuration in.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// After `kubectl apply --server-side`, an object that carries client-side
/// apply's annotation gets it rewritten to the configuration just applied
/// (JSON with a trailing newline, the annotation itself left out), so a
/// later client-side apply starts from it.
fn sync_last_applied(object: &mut Value, applied: &Value) {
    let has_annotation = object
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED_ANNOTATION))
        .and_then(Value::as_str)
        .is_some_and(|v| !v.is_empty());
    if !has_annotation {
        return;
    }
    let mut config = applied.clone();
    if let Some(Value::Object(annotations)) = config.pointer_mut("/metadata/annotations") {
        annotations.remove(LAST_APPLIED_ANNOTATION);
    }
    let text = format!("{config}\n");
    if let Some(Value::Object(annotations)) = object.pointer_mut("/metadata/annotations") {
        annotations.insert(LAST_APPLIED_ANNOTATION.to_string(), Value::String(text));
    }
}

/// Records in `new.metadata.managedFields` the fields `manager` changed from
/// `old` (`None` on create) with operation `Update`, as the apiserver does
/// for create, update and non-apply patches: the manager gains the fields
/// it added or changed and loses those it removed; other managers lose the
/// fields it changed. A request that sets `managedFields` itself replaces
/// the recorded entries (an empty list clears them).
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, now: &str) {
    let root = root_of(new, None);
    let shape = Shape::root(root);
    let requested = new.pointer("/metadata/managedFields").cloned();
    let recorded = old.map(read_entries).unwrap_or_default();
    let old_fields = old
        .and_then(|o| o.pointer("/metadata/managedFields"))
        .cloned();
    let mut entries = match &requested {
        Some(Value::Array(items)) if items.is_empty() && old_fields.is_some() => {
            write_entries(new, Vec::new());
            return;
        }
        Some(requested) if Some(requested) != old_fields.as_ref() => read_entries(new),
        // Objects that exist untracked stay untracked until their first apply.
        _ if old.is_some() && recorded.is_empty() => return,
        _ => recorded,
    };
    let empty = Value::Object(Map::new());
    let comparison = typed::compare(old.unwrap_or(&empty), new, shape);
    let changed = owned_fields(comparison.changed, root);
    let removed = owned_fields(comparison.removed, root);
    let api_version = string_at(new, "apiVersion");

    // Every entry, the updater's own included, loses what changed or went
    // away; the updater then gains what it changed.
    for entry in entries.iter_mut() {
        entry
            .set
            .retain(|p| !changed.contains(p) && !removed.contains(p));
    }
    if !changed.is_empty() {
        let previous = entries
            .iter()
            .position(|e| e.is(manager, "Update", &api_version))
            .map(|i| entries.remove(i));
        let mut set = previous.map(|p| p.set).unwrap_or_default();
        set.extend(changed);
        entries.push(Entry {
            manager: manager.to_string(),
            operation: "Update".to_string(),
            api_version,
            subresource: String::new(),
            time: Some(now.to_string()),
            set,
        });
    }
    cap_update_managers(&mut entries);
    write_entries(new, entries);
}

/// Merges the oldest update entries, per API version, into
/// [`ANCIENT_CHANGES`] entries until at most [`MAX_UPDATE_MANAGERS`] update
/// entries are left (the apiserver's `capManagersManager`).
fn cap_update_managers(entries: &mut Vec<Entry>) {
    let mut updaters: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].operation == "Update")
        .collect();
    if updaters.len() <= MAX_UPDATE_MANAGERS {
        return;
    }
    updaters.sort_by(|&a, &b| {
        let (a, b) = (&entries[a], &entries[b]);
        (&a.time, &a.manager, &a.api_version).cmp(&(&b.time, &b.manager, &b.api_version))
    });
    let mut remaining = updaters.len();
    let mut first_by_version: Vec<(String, usize)> = Vec::new();
    let mut merged_away = vec![false; entries.len()];
    for index in updaters {
        if remaining <= MAX_UPDATE_MANAGERS {
            break;
        }
        let version = entries[index].api_version.clone();
        let Some(&(_, first)) = first_by_version.iter().find(|(v, _)| *v == version) else {
            first_by_version.push((version, index));
            continue;
        };
        let bucket = (0..entries.len())
            .find(|&i| !merged_away[i] && entries[i].is(ANCIENT_CHANGES, "Update", &version))
            .unwrap_or_else(|| {
                entries[first].manager = ANCIENT_CHANGES.to_string();
                first
            });
        let merged = std::mem::take(&mut entries[index].set);
        entries[bucket].set.extend(merged);
        entries[bucket].time = entries[index].time.clone();
        merged_away[index] = true;
        remaining -= 1;
    }
    let mut index = 0;
    entries.retain(|_| {
        index += 1;
        !merged_away[index - 1]
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEPLOYMENT: Gvk<'static> = Gvk {
        group: "apps",
        version: "v1",
        kind: "Deployment",
    };
    const T0: &str = "2026-01-01T00:00:00Z";
    const T1: &str = "2026-01-01T00:01:00Z";

    fn deployment(replicas: i64, image: &str) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "app", "image": image}]}
                }
            }
        })
    }

    fn managers(object: &Value) -> Vec<(String, String)> {
        object["metadata"]["managedFields"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| (string_at(e, "manager"), string_at(e, "operation")))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A Deployment as the apiserver holds it after `kubectl apply` (with
    /// its defaults) and kubectl's client-side-apply upgrade, which renames
    /// the `kubectl-client-side-apply` update entry into a `kubectl` apply
    /// entry, map nodes (`.`) included (client-go's csaupgrade).
    fn upgraded_from_client_side_apply() -> Value {
        let mut live = deployment(2, "app:1");
        live["metadata"]["annotations"] =
            json!({LAST_APPLIED_ANNOTATION: format!("{}\n", deployment(2, "app:1"))});
        live["spec"]["progressDeadlineSeconds"] = json!(600);
        live["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
        live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] =
            json!("IfNotPresent");
        live["spec"]["template"]["spec"]["restartPolicy"] = json!("Always");
        live["metadata"]["managedFields"] = json!([{
            "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {
                    "f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}},
                    "f:labels": {".": {}, "f:app": {}}
                },
                "f:spec": {
                    "f:progressDeadlineSeconds": {},
                    "f:replicas": {},
                    "f:selector": {},
                    "f:strategy": {"f:rollingUpdate": {".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}}, "f:type": {}},
                    "f:template": {
                        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                        "f:spec": {
                            "f:containers": {"k:{\"name\":\"app\"}": {
                                ".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {}
                            }},
                            "f:restartPolicy": {}
                        }
                    }
                }
            }
        }]);
        live
    }

    #[test]
    fn server_side_apply_after_the_client_side_upgrade_keeps_what_it_still_applies() {
        let live = upgraded_from_client_side_apply();
        let config = deployment(2, "app:1");
        let first = server_side_apply(Some(&live), &config, "kubectl", true, &DEPLOYMENT, T1)
            .expect("first server-side apply");
        assert_eq!(first["spec"]["template"], config["spec"]["template"]);
        assert_eq!(first["metadata"]["labels"], json!({"app": "web"}));
        // Fields only the upgraded entry held and the configuration leaves out
        // are pruned, as structured-merge-diff does (defaulting refills them).
        assert!(first["spec"].get("progressDeadlineSeconds").is_none());
        assert!(first["spec"].get("strategy").is_none());
        let second = server_side_apply(Some(&first), &config, "kubectl", true, &DEPLOYMENT, T1)
            .expect("second server-side apply");
        assert_eq!(second["spec"]["template"], config["spec"]["template"]);
        assert_eq!(managers(&second), [("kubectl".into(), "Apply".into())]);
    }

    #[test]
    fn a_map_node_the_applier_drops_keeps_entries_other_managers_own() {
        let mut live = upgraded_from_client_side_apply();
        live["metadata"]["labels"]["team"] = json!("x");
        live["metadata"]["managedFields"]
            .as_array_mut()
            .expect("entries")
            .push(json!({
                "manager": "labeller", "operation": "Update", "apiVersion": "apps/v1",
                "time": T0, "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}}}}
            }));
        let mut config = deployment(2, "app:1");
        config["metadata"]
            .as_object_mut()
            .map(|m| m.remove("labels"));
        let result = server_side_apply(Some(&live), &config, "kubectl", true, &DEPLOYMENT, T1)
            .expect("apply");
        assert_eq!(result["metadata"]["labels"], json!({"team": "x"}));
        assert_eq!(result["spec"]["template"], config["spec"]["template"]);
    }

    #[test]
    fn create_by_apply_records_the_applied_fields() {
        let applied = deployment(3, "app:1");
        let object =
            server_side_apply(None, &applied, "helm", false, &DEPLOYMENT, T0).expect("apply");
        let mut without = object.clone();
        without["metadata"]
            .as_object_mut()
            .map(|m| m.remove("managedFields"));
        assert_eq!(without, applied);
        assert_eq!(
            object["metadata"]["managedFields"],
            json!([{
                "manager": "helm", "operation": "Apply", "apiVersion": "apps/v1", "time": T0,
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {
                        "f:replicas": {},
                        "f:selector": {},
                        "f:template": {
                            "f:metadata": {"f:labels": {"f:app": {}}},
                            "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {
                                ".": {}, "f:image": {}, "f:name": {}
                            }}}
                        }
                    }
                }
            }])
        );
    }

    #[test]
    fn a_changed_field_owned_by_an_updater_conflicts_unless_forced() {
        let first = server_side_apply(
            None,
            &deployment(3, "app:1"),
            "helm",
            false,
            &DEPLOYMENT,
            T0,
        )
        .expect("create");
        let mut scaled = first.clone();
        scaled["spec"]["replicas"] = json!(0);
        record_update(Some(&first), &mut scaled, "kubectl", T1);
        assert_eq!(
            managers(&scaled),
            [
                ("helm".into(), "Apply".into()),
                ("kubectl".into(), "Update".into())
            ]
        );

        let err = server_side_apply(
            Some(&scaled),
            &deployment(3, "app:1"),
            "helm",
            false,
            &DEPLOYMENT,
            T1,
        )
        .expect_err("conflict");
        assert_eq!((err.status_code(), err.reason()), (409, "Conflict"));
        assert_eq!(
            err.to_string(),
            "Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas"
        );
        let forced = server_side_apply(
            Some(&scaled),
            &deployment(3, "app:1"),
            "helm",
            true,
            &DEPLOYMENT,
            T1,
        )
        .expect("forced");
        assert_eq!(forced["spec"]["replicas"], json!(3));
        // kubectl owned nothing else, so its entry goes away.
        assert_eq!(managers(&forced), [("helm".into(), "Apply".into())]);
    }

    #[test]
    fn the_same_value_is_shared_without_conflict() {
        let first = server_side_apply(None, &deployment(3, "app:1"), "a", false, &DEPLOYMENT, T0)
            .expect("a");
        let second = server_side_apply(
            Some(&first),
            &deployment(3, "app:1"),
            "b",
            false,
            &DEPLOYMENT,
            T1,
        )
        .expect("b shares");
        assert_eq!(
            managers(&second),
            [("a".into(), "Apply".into()), ("b".into(), "Apply".into())]
        );
    }

    #[test]
    fn fields_no_longer_applied_are_removed_unless_someone_else_owns_them() {
        let mut with_labels = deployment(1, "app:1");
        with_labels["metadata"]["labels"] = json!({"app": "web", "tier": "front", "team": "x"});
        let first = server_side_apply(None, &with_labels, "a", false, &DEPLOYMENT, T0).expect("a");
        let mut b_config = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"team": "x"}}});
        b_config["metadata"]["namespace"] = json!("default");
        let shared =
            server_side_apply(Some(&first), &b_config, "b", false, &DEPLOYMENT, T1).expect("b");
        let result = server_side_apply(
            Some(&shared),
            &deployment(1, "app:1"),
            "a",
            false,
            &DEPLOYMENT,
            T1,
        )
        .expect("a drops labels");
        assert_eq!(
            result["metadata"]["labels"],
            json!({"app": "web", "team": "x"})
        );
    }

    #[test]
    fn map_lists_merge_by_key_and_keep_other_managers_items() {
        let first = server_side_apply(
            None,
            &deployment(1, "app:1"),
            "helm",
            false,
            &DEPLOYMENT,
            T0,
        )
        .expect("create");
        let mut injected = first.clone();
        injected["spec"]["template"]["spec"]["containers"] = json!([
            {"name": "app", "image": "app:1"},
            {"name": "proxy", "image": "proxy:1"}
        ]);
        record_update(Some(&first), &mut injected, "injector", T0);
        let upgraded = server_side_apply(
            Some(&injected),
            &deployment(1, "app:2"),
            "helm",
            false,
            &DEPLOYMENT,
            T1,
        )
        .expect("no conflict on helm's own fields");
        assert_eq!(
            upgraded["spec"]["template"]["spec"]["containers"],
            json!([{"name": "app", "image": "app:2"}, {"name": "proxy", "image": "proxy:1"}])
        );
    }

    #[test]
    fn custom_resources_have_atomic_lists() {
        let gvk = Gvk::new("example.com", "v1", "Widget");
        let widget = |items: Value| {
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w"}, "spec": {"items": items, "size": 1}})
        };
        let first =
            server_side_apply(None, &widget(json!([1, 2])), "a", false, &gvk, T0).expect("a");
        assert_eq!(
            first["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:spec": {"f:items": {}, "f:size": {}}})
        );
        let err = server_side_apply(
            Some(&first),
            &widget(json!([1, 2, 3])),
            "b",
            false,
            &gvk,
            T1,
        )
        .expect_err("atomic list conflict");
        assert_eq!(
            err.to_string(),
            "Apply failed with 1 conflict: conflict with \"a\": .spec.items"
        );
    }

    #[test]
    fn several_conflicts_are_grouped_by_manager() {
        let first = server_side_apply(None, &deployment(1, "app:1"), "a", false, &DEPLOYMENT, T0)
            .expect("a");
        let err = server_side_apply(
            Some(&first),
            &deployment(2, "app:2"),
            "b",
            false,
            &DEPLOYMENT,
            T1,
        )
        .expect_err("two conflicts");
        assert_eq!(
            err.to_string(),
            "Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.replicas\n\
             - .spec.template.spec.containers[name=\"app\"].image"
        );
    }

    #[test]
    fn objects_created_before_apply_belong_to_before_first_apply() {
        let live = deployment(1, "app:1");
        let err = server_side_apply(
            Some(&live),
            &deployment(2, "app:1"),
            "helm",
            false,
            &DEPLOYMENT,
            T0,
        )
        .expect_err("conflict");
        assert_eq!(
            err.to_string(),
            "Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.replicas"
        );
    }

    #[test]
    fn updates_record_added_maps_as_nodes_and_can_be_reset() {
        let mut created = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "labels": {"a": "1"}}, "data": {"k": "v"}});
        record_update(None, &mut created, "kubectl-create", T0);
        assert_eq!(
            created["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:data": {".": {}, "f:k": {}}, "f:metadata": {"f:labels": {".": {}, "f:a": {}}}})
        );
        let mut edited = created.clone();
        edited["data"] = json!({"k2": "v"});
        record_update(Some(&created), &mut edited, "kubectl-edit", T1);
        assert_eq!(
            managers(&edited),
            [
                ("kubectl-create".into(), "Update".into()),
                ("kubectl-edit".into(), "Update".into())
            ]
        );
        assert_eq!(
            edited["metadata"]["managedFields"][1]["fieldsV1"],
            json!({"f:data": {"f:k2": {}}})
        );
        let mut reset = edited.clone();
        reset["metadata"]["managedFields"] = json!([]);
        record_update(Some(&edited), &mut reset, "x", T1);
        assert!(reset["metadata"].get("managedFields").is_none());
    }

    #[test]
    fn a_no_op_apply_keeps_the_time_and_a_change_stamps_it() {
        let first = server_side_apply(
            None,
            &deployment(1, "app:1"),
            "helm",
            false,
            &DEPLOYMENT,
            T0,
        )
        .expect("create");
        let again = server_side_apply(
            Some(&first),
            &deployment(1, "app:1"),
            "helm",
            false,
            &DEPLOYMENT,
            T1,
        )
        .expect("no-op");
        assert_eq!(again, first);
        let changed = server_side_apply(
            Some(&first),
            &deployment(2, "app:1"),
            "helm",
            false,
            &DEPLOYMENT,
            T1,
        )
        .expect("change");
        assert_eq!(changed["metadata"]["managedFields"][0]["time"], json!(T1));
    }

    #[test]
    fn bad_apply_configurations_are_400() {
        let mut stale = deployment(1, "app:1");
        stale["apiVersion"] = json!("apps/v1beta1");
        let err =
            server_side_apply(None, &stale, "m", false, &DEPLOYMENT, T0).expect_err("version");
        assert_eq!((err.status_code(), err.reason()), (400, "BadRequest"));
        assert_eq!(
            err.to_string(),
            "Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1"
        );
        let mut with_fields = deployment(1, "app:1");
        with_fields["metadata"]["managedFields"] = json!([]);
        let err =
            server_side_apply(None, &with_fields, "m", false, &DEPLOYMENT, T0).expect_err("fields");
        assert_eq!(err.to_string(), "metadata.managedFields must be nil");
    }

    #[test]
    fn an_update_that_changes_nothing_records_nothing() {
        let mut created = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
        record_update(None, &mut created, "a", T0);
        let mut same = created.clone();
        record_update(Some(&created), &mut same, "b", T1);
        assert_eq!(same, created);
    }

    #[test]
    fn update_entries_are_capped_by_merging_the_oldest() {
        let configmap = |n: usize| {
            let mut data = Map::new();
            for i in 0..n {
                data.insert(format!("k{i}"), json!("v"));
            }
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data})
        };
        let mut object = configmap(1);
        record_update(None, &mut object, "m0", "2026-01-01T00:00:00Z");
        let mut counts = Vec::new();
        for n in 1..=MAX_UPDATE_MANAGERS {
            let mut next = configmap(n + 1);
            next["metadata"]["managedFields"] = object["metadata"]["managedFields"].clone();
            record_update(
                Some(&object),
                &mut next,
                &format!("m{n}"),
                &format!("2026-01-01T00:{n:02}:00Z"),
            );
            object = next;
            counts.push(managers(&object).len());
        }
        // Ten updaters fit; the eleventh merges the two oldest.
        assert_eq!(counts[MAX_UPDATE_MANAGERS - 2], MAX_UPDATE_MANAGERS);
        assert_eq!(counts[MAX_UPDATE_MANAGERS - 1], MAX_UPDATE_MANAGERS);
        let names: Vec<String> = managers(&object).into_iter().map(|(m, _)| m).collect();
        assert!(
            !names.contains(&"m0".to_string()) && !names.contains(&"m1".to_string()),
            "{names:?}"
        );
        let ancient = object["metadata"]["managedFields"]
            .as_array()
            .and_then(|entries| entries.iter().find(|e| e["manager"] == ANCIENT_CHANGES))
            .expect("a bucket of old changes");
        assert_eq!(
            ancient["fieldsV1"]["f:data"],
            json!({".": {}, "f:k0": {}, "f:k1": {}})
        );
        assert_eq!(ancient["time"], json!("2026-01-01T00:01:00Z"));
    }

    #[test]
    fn untracked_objects_stay_untracked_until_applied() {
        let old = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
        let mut new = old.clone();
        new["data"]["a"] = json!("2");
        record_update(Some(&old), &mut new, "kubectl", T0);
        assert!(new["metadata"].get("managedFields").is_none());
    }

    #[test]
    fn kubectl_server_side_apply_refreshes_the_client_side_annotation() {
        let mut live = deployment(1, "app:1");
        live["metadata"]["annotations"] = json!({LAST_APPLIED_ANNOTATION: "{}\n", "other": "x"});
        let created = server_side_apply(None, &live, "seed", false, &DEPLOYMENT, T0).expect("seed");
        let applied = deployment(1, "app:1");
        let result = server_side_apply(Some(&created), &applied, "kubectl", true, &DEPLOYMENT, T1)
            .expect("apply");
        let annotation = result["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
            .as_str()
            .expect("annotation kept");
        assert_eq!(annotation, format!("{applied}\n"));
        let other = server_side_apply(Some(&created), &applied, "helm", true, &DEPLOYMENT, T1)
            .expect("apply");
        assert_eq!(
            other["metadata"]["annotations"][LAST_APPLIED_ANNOTATION],
            json!("{}\n")
        );
    }

    #[test]
    fn kubectl_upgrades_from_client_side_apply_without_conflicts() {
        let mut csa = deployment(2, "app:1");
        let annotation = format!("{}\n", deployment(2, "app:1"));
        csa["metadata"]["annotations"] = json!({LAST_APPLIED_ANNOTATION: annotation});
        let mut live = csa.clone();
        record_update(None, &mut live, "kubectl-client-side-apply", T0);

        let mut ssa = deployment(2, "app:2");
        ssa["metadata"]["annotations"] = json!({});
        let upgraded = server_side_apply(Some(&live), &ssa, "kubectl", false, &DEPLOYMENT, T1)
            .expect("fields matching the annotation are taken over");
        assert_eq!(
            upgraded["spec"]["template"]["spec"]["containers"][0]["image"],
            json!("app:2")
        );
        // Another manager gets the conflict.
        let err = server_side_apply(Some(&live), &ssa, "helm", false, &DEPLOYMENT, T1)
            .expect_err("conflict");
        assert!(
            err.to_string().contains("kubectl-client-side-apply"),
            "{err}"
        );
        // A field changed since the annotation was written still conflicts.
        let mut drifted = live.clone();
        drifted["spec"]["replicas"] = json!(7);
        let mut scaled = drifted.clone();
        record_update(Some(&live), &mut scaled, "kubectl-client-side-apply", T1);
        let err = server_side_apply(Some(&scaled), &ssa, "kubectl", false, &DEPLOYMENT, T1)
            .expect_err("replicas drifted");
        assert_eq!(
            err.to_string(),
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
        );
    }
}
