//! Reads: list (selectors, paging, server-side tables), watch planning, and
//! deletecollection, which lists before it deletes.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::api::{
    ApiRequest, ApiResponse, Cluster, DeleteOptions, ItemView, ListBody, META_V1, served,
};
use super::registry::base64_encode;
use super::resources::ResourceType;
use super::selector::FieldSelector;
use super::status::{self, ApiError};
use super::store::Stored;
use super::validate;
use super::watch::{WatchFilter, WatchPlan};
use crate::kube::labels::LabelSelector;

pub(super) fn selectors(req: &ApiRequest) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let labels = LabelSelector::parse(req.param("labelSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let fields = FieldSelector::parse(req.param("fieldSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    Ok((labels, fields))
}

pub(super) fn matches(obj: &Stored, labels: &LabelSelector, fields: &FieldSelector) -> bool {
    labels.matches_with(|key| obj.label(key)) && fields.matches(obj)
}

pub(super) fn list(
    c: &Cluster,
    req: &ApiRequest,
    rt: &ResourceType,
    ns: Option<&str>,
) -> Result<ApiResponse, ApiError> {
    let (labels, fields) = selectors(req)?;
    let limit: usize = match req.param("limit") {
        None | Some("") => 0,
        Some(l) => l
            .parse::<i64>()
            .map_err(|_| {
                ApiError::bad_request(format!("limit: Invalid value: {}", status::go_quote(l)))
            })?
            .max(0) as usize,
    };
    let rv = c.store.revision();
    let start: Option<(String, String)> = match req.param("continue").filter(|s| !s.is_empty()) {
        None => None,
        Some(token) => Some(decode_continue(token)?),
    };
    let mut items = Vec::new();
    let mut next = None;
    let mut remaining = 0usize;
    // Like the apiserver, remainingItemCount is only given for unselective
    // lists; with a selector the page ends as soon as it is full.
    let selective = !labels.is_empty() || !fields.is_empty();
    for (key, obj) in c.store.list_after(&rt.store_key(), ns, start.as_ref()) {
        if !matches(obj, &labels, &fields) {
            continue;
        }
        if limit > 0 && items.len() == limit {
            if next.is_none() {
                next = items
                    .last()
                    .map(|(k, _): &(&(String, String), &Arc<Stored>)| (*k).clone());
            }
            if selective {
                break;
            }
            remaining += 1;
            continue;
        }
        items.push((key, obj));
    }
    let metadata_only = req.wants_metadata();
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some((n, name)) = next {
        meta["continue"] = json!(encode_continue(&n, &name));
        if !selective {
            meta["remainingItemCount"] = json!(remaining);
        }
    }
    let (kind, api_version) = match metadata_only {
        true => ("PartialObjectMetadataList".to_owned(), META_V1.to_owned()),
        false => (format!("{}List", rt.kind), rt.api_version()),
    };
    if req.wants_table() {
        let items: Vec<Value> = items
            .into_iter()
            .map(|(_, obj)| match metadata_only {
                true => partial_metadata(obj),
                false => served(rt, obj),
            })
            .collect();
        return Ok(ApiResponse::json(200, table(rt, &items, rv)));
    }
    // The items are shared with the store and written out after the lock
    // is released: a list of thousands copies nothing.
    Ok(ApiResponse::List(Box::new(ListBody {
        kind,
        api_version,
        metadata: meta,
        items: items.into_iter().map(|(_, obj)| Arc::clone(obj)).collect(),
        view: match metadata_only {
            true => ItemView::Metadata,
            false => ItemView::Served {
                api_version: Value::String(rt.api_version()),
                kind: Value::String(rt.kind.clone()),
            },
        },
    })))
}

/// A JSON object from owned parts. `json!` would copy every interpolated
/// value once more (it serialises them), which for a list of thousands of
/// objects is most of the time the request takes.
fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// An object reduced to its metadata, as the apiserver answers
/// `as=PartialObjectMetadata`.
pub(super) fn partial_metadata(obj: &Value) -> Value {
    object([
        ("kind", Value::from("PartialObjectMetadata")),
        ("apiVersion", Value::from(META_V1)),
        (
            "metadata",
            obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
        ),
    ])
}

/// Continue tokens name the last key served (the sandbox keeps no snapshots, so
/// later pages see the current state).
pub(super) fn encode_continue(ns: &str, name: &str) -> String {
    base64_encode(
        json!({"v": "meta.k8s.io/v1", "start": [ns, name]})
            .to_string()
            .as_bytes(),
    )
}

pub(super) fn decode_continue(token: &str) -> Result<(String, String), ApiError> {
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: illegal base64 data or unrecognized continue key",
        )
    };
    let bytes = validate::decode_base64(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let ns = v
        .pointer("/start/0")
        .and_then(Value::as_str)
        .ok_or_else(bad)?;
    let name = v
        .pointer("/start/1")
        .and_then(Value::as_str)
        .ok_or_else(bad)?;
    Ok((ns.to_string(), name.to_string()))
}

/// How old a timestamp is, as kubectl's AGE column prints it (`45s`, `12m`,
/// `3h`, `5d`).
fn age(created: Option<&str>) -> String {
    let Some(t) = created.and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok()) else {
        return "<unknown>".into();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let secs = (now - t.timestamp()).max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 3 * 3600 => format!("{}m", s / 60),
        s if s < 2 * 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

fn int_at(o: &Value, ptr: &str) -> i64 {
    o.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

fn str_at<'a>(o: &'a Value, ptr: &str) -> &'a str {
    o.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

fn count_at(o: &Value, ptr: &str) -> usize {
    o.pointer(ptr)
        .and_then(Value::as_object)
        .map(|m| m.len())
        .unwrap_or(0)
}

/// The columns (after NAME) kubectl shows for the kinds release management
/// touches most, and each row's cells for them.
fn columns(rt: &ResourceType) -> Vec<&'static str> {
    match (rt.group.as_str(), rt.plural.as_str()) {
        ("", "namespaces") => vec!["Status"],
        ("", "pods") => vec!["Ready", "Status"],
        ("", "services") => vec!["Type", "Cluster-IP", "Port(s)"],
        ("", "configmaps") => vec!["Data"],
        ("", "secrets") => vec!["Type", "Data"],
        ("apps", "deployments") => vec!["Ready", "Up-to-date", "Available"],
        ("apps", "statefulsets") => vec!["Ready"],
        ("batch", "jobs") => vec!["Status", "Completions"],
        _ => Vec::new(),
    }
}

fn cells(rt: &ResourceType, o: &Value) -> Vec<Value> {
    match (rt.group.as_str(), rt.plural.as_str()) {
        ("", "namespaces") => vec![json!(str_at(o, "/status/phase"))],
        ("", "pods") => {
            let containers = o
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let ready = str_at(o, "/status/phase") == "Running";
            vec![
                json!(format!(
                    "{}/{containers}",
                    if ready { containers } else { 0 }
                )),
                json!(str_at(o, "/status/phase")),
            ]
        }
        ("", "services") => {
            let ports: Vec<String> = o
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            let node = p
                                .get("nodePort")
                                .and_then(Value::as_i64)
                                .map(|n| format!(":{n}"))
                                .unwrap_or_default();
                            format!("{}{node}/{}", int_at(p, "/port"), str_at(p, "/protocol"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            vec![
                json!(str_at(o, "/spec/type")),
                json!(str_at(o, "/spec/clusterIP")),
                json!(if ports.is_empty() {
                    "<none>".to_string()
                } else {
                    ports.join(",")
                }),
            ]
        }
        ("", "configmaps") => vec![json!(count_at(o, "/data") + count_at(o, "/binaryData"))],
        ("", "secrets") => vec![json!(str_at(o, "/type")), json!(count_at(o, "/data"))],
        ("apps", "deployments") => vec![
            json!(format!(
                "{}/{}",
                int_at(o, "/status/readyReplicas"),
                o.pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1)
            )),
            json!(int_at(o, "/status/updatedReplicas")),
            json!(int_at(o, "/status/availableReplicas")),
        ],
        ("apps", "statefulsets") => vec![json!(format!(
            "{}/{}",
            int_at(o, "/status/readyReplicas"),
            o.pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1)
        ))],
        ("batch", "jobs") => {
            let done = int_at(o, "/status/succeeded");
            let want = o
                .pointer("/spec/completions")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            vec![
                json!(if done >= want { "Complete" } else { "Running" }),
                json!(format!("{done}/{want}")),
            ]
        }
        _ => Vec::new(),
    }
}

/// The server-side printing kubectl asks for: NAME, the kind's usual columns
/// for the common kinds, and AGE (other kinds get NAME and AGE, as custom
/// resources without printer columns do).
pub(super) fn table(rt: &ResourceType, items: &[Value], rv: u64) -> Value {
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let meta = o.get("metadata").cloned().unwrap_or_else(|| json!({}));
            let mut row = vec![meta.get("name").cloned().unwrap_or(Value::Null)];
            row.extend(cells(rt, o));
            row.push(json!(age(meta.get("creationTimestamp").and_then(Value::as_str))));
            json!({
                "cells": row,
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta},
            })
        })
        .collect();
    let mut defs = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
    ];
    for c in columns(rt) {
        defs.push(
            json!({"name": c, "type": "string", "format": "", "description": c, "priority": 0}),
        );
    }
    defs.push(json!({"name": "Age", "type": "string", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}));
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv.to_string()},
        "columnDefinitions": defs,
        "rows": rows,
    })
}

pub(super) fn delete_collection(
    c: &mut Cluster,
    req: &ApiRequest,
    rt: &ResourceType,
    ns: &str,
    opts: &DeleteOptions,
) -> Result<ApiResponse, ApiError> {
    let (labels, fields) = selectors(req)?;
    let ns_filter = if rt.namespaced { Some(ns) } else { None };
    let names: Vec<(String, String)> = c
        .store
        .list(&rt.store_key(), ns_filter)
        .filter(|(_, o)| matches(o, &labels, &fields))
        .map(|(k, _)| k.clone())
        .collect();
    let mut items = Vec::new();
    for (n, name) in names {
        if let Some(obj) = c.store.get(&rt.store_key(), &n, &name).cloned() {
            c.delete_object(rt, &n, &name, opts)?;
            items.push(served(rt, &obj));
        }
    }
    Ok(ApiResponse::json(
        200,
        json!({
            "kind": format!("{}List", rt.kind),
            "apiVersion": rt.api_version(),
            "metadata": {"resourceVersion": c.store.revision().to_string()},
            "items": items,
        }),
    ))
}

/// How often a watch that allows bookmarks gets one.
pub const BOOKMARK_INTERVAL: Duration = Duration::from_secs(1);

pub(super) fn watch(
    c: &Cluster,
    req: &ApiRequest,
    rt: &ResourceType,
    ns: Option<&str>,
) -> Result<WatchPlan, ApiError> {
    let (labels, fields) = selectors(req)?;
    let filter = WatchFilter {
        resource: rt.clone(),
        namespace: ns.map(str::to_string),
        labels,
        fields,
    };
    let rx = c.store.subscribe();
    let timeout = req
        .param("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs);
    let bookmarks = req.flag("allowWatchBookmarks");
    let initial_events = req.param("sendInitialEvents").map(|v| v == "true");
    let rv_param = req.param("resourceVersion").unwrap_or_default();
    let mut initial = Vec::new();
    let current = c.store.revision();
    let synthetic = initial_events.unwrap_or(rv_param.is_empty() || rv_param == "0");
    let mut start_rv = current;
    if synthetic {
        for (_, obj) in c.store.list(&rt.store_key(), ns) {
            if filter.selects(obj) {
                initial.push(WatchPlan::event("ADDED", served(rt, obj)));
            }
        }
        if initial_events == Some(true) {
            let mut mark = WatchPlan::bookmark(rt, current);
            mark["object"]["metadata"]["annotations"] =
                json!({"k8s.io/initial-events-end": "true"});
            initial.push(mark);
        }
    } else {
        let from: u64 = rv_param
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv_param}")))?;
        match c.store.since(from) {
            None => {
                let e = ApiError::expired(format!(
                    "too old resource version: {from} ({})",
                    c.store.oldest_watchable() + 1
                ));
                initial.push(WatchPlan::event("ERROR", e.to_status()));
                return Ok(WatchPlan {
                    initial,
                    rx: None,
                    filter,
                    bookmarks: false,
                    timeout,
                    start_rv: from,
                });
            }
            Some(events) => {
                for e in events {
                    if let Some(ev) = filter.translate(&e) {
                        initial.push(ev);
                    }
                }
                start_rv = from.max(current);
            }
        }
    }
    Ok(WatchPlan {
        initial,
        rx: Some(rx),
        filter,
        bookmarks,
        timeout,
        start_rv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::resources::Registry;

    #[test]
    fn shared_list_items_serialise_as_the_copied_answer_did() {
        let secret = json!({
            "type": "helm.sh/release.v1",
            "data": {"release": "SDRzSQ=="},
            "metadata": {"name": "sh.helm.release.v1.web.v1", "labels": {"owner": "helm"}},
        });
        let meta = json!({"resourceVersion": "7"});
        // One stored object shown both ways, twice in each list.
        let item: Arc<Stored> = Arc::new(secret.clone().into());
        let list = |view| ListBody {
            kind: "SecretList".into(),
            api_version: "v1".into(),
            metadata: meta.clone(),
            items: vec![item.clone(), item.clone()],
            view,
        };
        let served = list(ItemView::Served {
            api_version: json!("v1"),
            kind: json!("Secret"),
        });
        let mut whole = secret.clone();
        whole["apiVersion"] = json!("v1");
        whole["kind"] = json!("Secret");
        let expected = json!({"apiVersion": "v1", "items": [whole, whole], "kind": "SecretList", "metadata": meta});
        // The second answer comes from the encodings the first one kept.
        for _ in 0..2 {
            assert_eq!(
                String::from_utf8(served.to_json().unwrap()).unwrap(),
                serde_json::to_string(&expected).unwrap()
            );
        }
        let metadata = list(ItemView::Metadata);
        let expected = json!({
            "apiVersion": "v1",
            "items": [partial_metadata(&secret), partial_metadata(&secret)],
            "kind": "SecretList",
            "metadata": meta,
        });
        for _ in 0..2 {
            assert_eq!(
                String::from_utf8(metadata.to_json().unwrap()).unwrap(),
                serde_json::to_string(&expected).unwrap()
            );
        }
    }

    #[test]
    fn tables_show_the_usual_columns() {
        let r = Registry::new();
        let deps = r.find("apps", "v1", "deployments").unwrap();
        let d = json!({"metadata": {"name": "web", "creationTimestamp": "2020-01-01T00:00:00Z"},
                       "spec": {"replicas": 2}, "status": {"readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1}});
        let t = table(deps, &[d], 7);
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            vec!["Name", "Ready", "Up-to-date", "Available", "Age"]
        );
        let cells = &t["rows"][0]["cells"];
        assert_eq!(cells[0], "web");
        assert_eq!(cells[1], "1/2");
        assert!(cells[4].as_str().unwrap().ends_with('d'));
        let widgets = r.find("", "v1", "events").unwrap();
        assert_eq!(
            table(widgets, &[], 1)["columnDefinitions"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(age(None), "<unknown>");
        assert_eq!(age(Some("not a time")), "<unknown>");
    }
}
