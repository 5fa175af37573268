//! PATCH requests: the four patch media types applied with the algorithms of
//! `crate::patch` (JSON patch, JSON merge patch, strategic merge patch for
//! built-in kinds, server-side apply with managed fields), then written through
//! the same path as an update. Also the `scale` subresource, an
//! autoscaling/v1 Scale view of a workload's replicas that can be read,
//! replaced and patched.

use std::sync::Arc;

use serde_json::Value;

use serde_json::json;

use super::api::{ApiRequest, ApiResponse, Cluster, dry_run, field_manager, yaml_to_json};
use super::registry::now_rfc3339;
use super::resources::ResourceType;
use super::status::{ApiError, FieldError};
use super::store::Stored;
use crate::patch::{self, ApplyError, Gvk, PatchError};

const JSON_PATCH: &str = "application/json-patch+json";
const MERGE_PATCH: &str = "application/merge-patch+json";
const STRATEGIC_PATCH: &str = "application/strategic-merge-patch+json";
const APPLY_PATCH: &str = "application/apply-patch+yaml";

impl From<PatchError> for ApiError {
    fn from(e: PatchError) -> ApiError {
        ApiError::from_parts(e.status_code(), e.reason(), e.to_string())
    }
}

impl From<ApplyError> for ApiError {
    fn from(e: ApplyError) -> ApiError {
        ApiError::from_parts(e.status_code(), e.reason(), e.to_string())
    }
}

/// managedFields bookkeeping for a create, update or non-apply patch.
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, now: &str) {
    patch::record_update(old, new, manager, now);
}

fn accepted(rt: &ResourceType) -> Vec<&'static str> {
    if rt.custom {
        vec![JSON_PATCH, MERGE_PATCH, APPLY_PATCH]
    } else {
        vec![JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH]
    }
}

/// Applies a PATCH; returns the HTTP code (201 when apply created the object)
/// and the stored object.
pub fn patch(
    c: &mut Cluster,
    req: &ApiRequest,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    status_only: bool,
) -> Result<(u16, Arc<Stored>), ApiError> {
    let ct = req
        .content_type
        .as_deref()
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let kinds = accepted(rt);
    if !kinds.contains(&ct.as_str()) {
        return Err(ApiError::unsupported_media_type(&kinds));
    }
    let text = std::str::from_utf8(&req.body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    let body: Value = if ct == APPLY_PATCH {
        yaml_to_json(text).map_err(ApiError::bad_request)?
    } else {
        serde_json::from_str(text)
            .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?
    };
    let dry = req.query.iter().any(|(k, v)| k == "dryRun" && v == "All");
    let manager_param = req
        .query
        .iter()
        .find(|(k, _)| k == "fieldManager")
        .map(|(_, v)| v.clone())
        .filter(|m| !m.is_empty());
    let api_version = rt.api_version();
    let gvk = Gvk::from_api_version(&api_version, &rt.kind);
    let now = now_rfc3339();
    let old = c.store.get(&rt.store_key(), ns, name).cloned();

    if ct == APPLY_PATCH {
        let Some(manager) = manager_param else {
            return Err(ApiError::invalid(
                "meta.k8s.io",
                "PatchOptions",
                "",
                &[FieldError::required(
                    "fieldManager",
                    "is required for apply patch",
                )],
            ));
        };
        if !body.is_object() {
            return Err(ApiError::bad_request(
                "error decoding YAML: the applied configuration is not an object",
            ));
        }
        super::api::check_type(&body, rt)?;
        let force = req.query.iter().any(|(k, v)| k == "force" && v == "true");
        let applied = patch::server_side_apply(
            old.as_deref().map(Stored::value),
            &body,
            &manager,
            force,
            &gvk,
            &now,
        )?;
        return match old {
            None => {
                let mut applied = applied;
                if let Some(meta) = applied.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.insert("name".into(), Value::String(name.into()));
                }
                let stored = c.create_object(rt, ns, applied, dry, None)?;
                Ok((201, stored))
            }
            Some(old) => {
                let mut new = applied;
                let stored =
                    c.write_update(rt, ns, name, &old, &mut new, status_only, dry, None)?;
                Ok((200, stored))
            }
        };
    }

    let old = old.ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
    let mut new = match ct.as_str() {
        JSON_PATCH => patch::apply_json_patch(&old, &body)?,
        MERGE_PATCH => patch::apply_merge_patch(&old, &body)?,
        _ => patch::apply_strategic_merge_patch(&old, &body, &gvk)?,
    };
    let old_rv = old.pointer("/metadata/resourceVersion");
    let new_rv = new.pointer("/metadata/resourceVersion");
    if new_rv.is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty())) && new_rv != old_rv {
        return Err(ApiError::stale(&rt.group, &rt.plural, name));
    }
    if !new.is_object() {
        return Err(ApiError::bad_request("the patch did not produce an object"));
    }
    let manager = manager_param.unwrap_or_else(|| {
        req.user_agent
            .as_deref()
            .and_then(|ua| ua.split('/').next())
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown")
            .to_string()
    });
    let stored = c.write_update(
        rt,
        ns,
        name,
        &old,
        &mut new,
        status_only,
        dry,
        Some(&manager),
    )?;
    Ok((200, stored))
}

/// The autoscaling/v1 Scale of a workload.
fn scale_of(obj: &Value) -> Value {
    let meta = obj.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let pick = |k: &str| meta.get(k).cloned().unwrap_or(Value::Null);
    let selector = obj
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let replicas = obj.pointer("/spec/replicas").cloned().unwrap_or(json!(1));
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": pick("name"), "namespace": pick("namespace"), "uid": pick("uid"),
            "resourceVersion": pick("resourceVersion"), "creationTimestamp": pick("creationTimestamp"),
        },
        "spec": {"replicas": replicas},
        "status": {"replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0)), "selector": selector},
    })
}

/// GET, PUT and PATCH of `/scale`: the new replica count is written to the
/// workload's `spec.replicas` through the update path.
pub fn scale(
    c: &mut Cluster,
    req: &ApiRequest,
    rt: &ResourceType,
    ns: &str,
    name: &str,
) -> Result<ApiResponse, ApiError> {
    let old = c
        .store
        .get(&rt.store_key(), ns, name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
    let current = scale_of(&old);
    let wanted = match req.method.as_str() {
        "GET" => return Ok(ApiResponse::json(200, current)),
        "PUT" => serde_json::from_slice::<Value>(&req.body)
            .map_err(|e| ApiError::bad_request(format!("error decoding Scale: {e}")))?,
        "PATCH" => {
            let ct = req
                .content_type
                .as_deref()
                .and_then(|c| c.split(';').next())
                .map(|c| c.trim().to_ascii_lowercase())
                .unwrap_or_default();
            let body: Value = serde_json::from_slice(&req.body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            match ct.as_str() {
                JSON_PATCH => patch::apply_json_patch(&current, &body)?,
                // A Scale has no lists: a strategic merge patch merges like a JSON merge patch.
                MERGE_PATCH | STRATEGIC_PATCH => patch::apply_merge_patch(&current, &body)?,
                _ => {
                    return Err(ApiError::unsupported_media_type(&[
                        JSON_PATCH,
                        MERGE_PATCH,
                        STRATEGIC_PATCH,
                    ]));
                }
            }
        }
        method => {
            return Err(ApiError::method_not_supported(
                &rt.group,
                &format!("{}/scale", rt.plural),
                method,
            ));
        }
    };
    let rv = wanted
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty());
    if rv.is_some_and(|rv| {
        Some(rv)
            != old
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
    }) {
        return Err(ApiError::stale(&rt.group, &rt.plural, name));
    }
    let Some(replicas) = wanted
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .filter(|r| *r >= 0)
    else {
        return Err(ApiError::invalid(
            "autoscaling",
            "Scale",
            name,
            &[FieldError::invalid(
                "spec.replicas",
                &wanted
                    .pointer("/spec/replicas")
                    .map(Value::to_string)
                    .unwrap_or_default(),
                "must be greater than or equal to 0",
            )],
        ));
    };
    let mut new = (*old).clone();
    new["spec"]["replicas"] = json!(replicas);
    let manager = field_manager(req);
    let stored = c.write_update(
        rt,
        ns,
        name,
        &old,
        &mut new,
        false,
        dry_run(req)?,
        Some(&manager),
    )?;
    Ok(ApiResponse::json(200, scale_of(&stored)))
}
