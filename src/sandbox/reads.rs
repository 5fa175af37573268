//! Reads: list (selectors, paging, server-side tables), watch planning, and
//! deletecollection, which lists before it deletes.

use std::time::Duration;

use serde_json::{Value, json};

use super::api::{ApiRequest, ApiResponse, Cluster, DeleteOptions, served};
use super::registry::base64_encode;
use super::resources::ResourceType;
use super::selector::{FieldSelector, LabelSelector};
use super::status::{self, ApiError};
use super::validate;
use super::watch::{WatchFilter, WatchPlan};

pub(super) fn selectors(req: &ApiRequest) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let labels = LabelSelector::parse(req.param("labelSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let fields = FieldSelector::parse(req.param("fieldSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    Ok((labels, fields))
}

pub(super) fn matches(obj: &Value, labels: &LabelSelector, fields: &FieldSelector) -> bool {
    let l = obj.pointer("/metadata/labels").and_then(Value::as_object);
    labels.matches(l) && fields.matches(obj)
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
    for (key, obj) in c.store.list(&rt.store_key(), ns) {
        if start.as_ref().is_some_and(|s| key <= s) {
            continue;
        }
        if !matches(obj, &labels, &fields) {
            continue;
        }
        if limit > 0 && items.len() == limit {
            if next.is_none() {
                next = items
                    .last()
                    .map(|(k, _): &((String, String), Value)| k.clone());
            }
            remaining += 1;
            continue;
        }
        items.push((key.clone(), served(rt, obj)));
    }
    let items: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
    if req.wants_table() {
        return Ok(ApiResponse::json(200, table(&items, rv)));
    }
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some((n, name)) = next {
        meta["continue"] = json!(encode_continue(&n, &name));
        meta["remainingItemCount"] = json!(remaining);
    }
    Ok(ApiResponse::json(
        200,
        json!({
            "kind": format!("{}List", rt.kind),
            "apiVersion": rt.api_version(),
            "metadata": meta,
            "items": items,
        }),
    ))
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

/// The server-side printing kubectl asks for: name and age, as for custom
/// resources without printer columns.
pub(super) fn table(items: &[Value], rv: u64) -> Value {
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let meta = o.get("metadata").cloned().unwrap_or_else(|| json!({}));
            json!({
                "cells": [meta.get("name").cloned().unwrap_or(Value::Null), meta.get("creationTimestamp").cloned().unwrap_or(Value::Null)],
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta},
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv.to_string()},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0},
            {"name": "Created At", "type": "date", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0},
        ],
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
