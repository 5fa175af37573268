//! Writes as kube-apiserver's generic registry carries them out: create,
//! update (and the update half of patch), delete with finalizers and
//! propagation, system metadata (uid, resourceVersion, generation,
//! creationTimestamp), validation and the size limits, on the [`Cluster`].

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::api::{Cluster, DeleteOptions, INITIAL_NAMESPACES, MAX_OBJECT_BYTES};
use super::controllers;
use super::patching;
use super::resources::ResourceType;
use super::status::{self, ApiError, FieldError};
use super::store::{EventType, Stored};
use super::validate;

/// Current time as Kubernetes writes timestamps (RFC 3339, seconds, UTC).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// A random UUID (version 4) for metadata.uid.
pub fn new_uid() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The five characters generateName appends (k8s.io/apiserver's alphabet
/// without vowels and look-alikes).
pub(super) fn name_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut b = [0u8; 5];
    let _ = getrandom::fill(&mut b);
    b.iter()
        .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
        .collect()
}

/// The object's metadata map, made an empty map first if it is missing or not
/// a map. `obj` must be a JSON object (every caller decoded one).
pub(super) fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    let entry = &mut obj["metadata"];
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(m) => m,
        _ => unreachable!("metadata was just made a map"),
    }
}

pub(super) fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

/// The spec-like content of an object: everything but metadata and status.
pub(super) fn spec_part(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
        m.remove("apiVersion");
        m.remove("kind");
    }
    v
}

pub(super) fn namespace_exists(c: &Cluster, ns: &str) -> Result<(), ApiError> {
    match c.store.get("/namespaces", "", ns) {
        None => Err(ApiError::not_found("", "namespaces", ns)),
        Some(_) => Ok(()),
    }
}

pub(super) fn namespace_terminating(c: &Cluster, ns: &str) -> bool {
    c.store
        .get("/namespaces", "", ns)
        .is_some_and(|n| n.pointer("/metadata/deletionTimestamp").is_some())
}

impl Cluster {
    /// Creates an object as the generic registry does; returns what was stored
    /// (or would be, for a dry run).
    pub fn create_object(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        mut obj: Value,
        dry: bool,
        manager: Option<&str>,
    ) -> Result<Arc<Stored>, ApiError> {
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        let meta = meta_mut(&mut obj);
        if rt.namespaced {
            match meta.get("namespace").and_then(Value::as_str) {
                Some(given) if !given.is_empty() && given != ns => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => {
                    meta.insert("namespace".into(), json!(ns));
                }
            }
        } else {
            meta.remove("namespace");
        }
        for system in [
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "uid",
            "selfLink",
            "generation",
        ] {
            meta.remove(system);
        }
        if meta
            .get("resourceVersion")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
        {
            return Err(ApiError::unclassified(
                "resourceVersion should not be set on objects to be created",
            ));
        }
        meta.remove("resourceVersion");
        let mut name = meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if name.is_empty()
            && let Some(prefix) = meta
                .get("generateName")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
        {
            name = format!("{prefix}{}", name_suffix());
            meta.insert("name".into(), json!(name));
        }
        self.validate(rt, &mut obj, &name)?;
        if rt.namespaced {
            namespace_exists(self, ns)?;
            if namespace_terminating(self, ns) {
                return Err(ApiError::forbidden(
                    &rt.group,
                    &rt.plural,
                    &name,
                    &format!(
                        "unable to create new content in namespace {ns} because it is being terminated"
                    ),
                ));
            }
        }
        let key = rt.store_key();
        let store_ns = if rt.namespaced { ns } else { "" };
        if self.store.get(&key, store_ns, &name).is_some() {
            return Err(ApiError::already_exists(&rt.group, &rt.plural, &name));
        }
        let meta = meta_mut(&mut obj);
        meta.insert("uid".into(), json!(new_uid()));
        meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
        if rt.has_generation {
            meta.insert("generation".into(), json!(1));
        }
        let now = now_rfc3339();
        controllers::on_write(self, rt, &mut obj, None, dry);
        if let Some(manager) = manager {
            patching::record_update(None, &mut obj, manager, &now);
        }
        check_size(&obj)?;
        if rt.plural == "customresourcedefinitions" && rt.group == "apiextensions.k8s.io" && !dry {
            self.registry.register_crd(&obj).map_err(|e| {
                ApiError::invalid(
                    &rt.group,
                    &rt.kind,
                    &name,
                    &[FieldError::required(e.split(':').next().unwrap_or(""), "")],
                )
            })?;
            established(&mut obj);
        }
        if dry {
            return Ok(Arc::new(Stored::from(obj)));
        }
        let stored = self.store.put(&key, store_ns, &name, obj, EventType::Added);
        controllers::after_write(self, rt, &stored);
        Ok(stored)
    }

    /// Name, labels and kind-specific validation; normalises Secret stringData.
    fn validate(&self, rt: &ResourceType, obj: &mut Value, name: &str) -> Result<(), ApiError> {
        let rule = validate::name_rule(&rt.group, &rt.plural);
        let mut errs = validate::validate_name(name, rule);
        let meta = obj.get("metadata").unwrap_or(&Value::Null);
        errs.extend(validate::validate_labels(meta));
        errs.extend(validate::validate_annotations(meta));
        if rt.group.is_empty() && rt.plural == "secrets" {
            secret_data(obj, &mut errs)?;
        }
        if rt.group.is_empty() && rt.plural == "configmaps" {
            let size: usize = ["data", "binaryData"]
                .iter()
                .filter_map(|f| obj.get(*f).and_then(Value::as_object))
                .flat_map(|m| m.iter())
                .map(|(k, v)| k.len() + v.as_str().map(str::len).unwrap_or_default())
                .sum();
            if size > validate::MAX_SECRET_BYTES {
                errs.push(FieldError::too_long("", validate::MAX_SECRET_BYTES));
            }
        }
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            if let Err(e) = super::resources::crd_types(obj) {
                let field = e.split(':').next().unwrap_or_default();
                errs.push(FieldError::required(field, ""));
            }
            let group = obj
                .pointer("/spec/group")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let plural = obj
                .pointer("/spec/names/plural")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let want = format!("{plural}.{group}");
            if name != want {
                errs.push(FieldError::invalid(
                    "metadata.name",
                    name,
                    "must be spec.names.plural+\".\"+spec.group",
                ));
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(&rt.group, &rt.kind, name, &errs))
        }
    }

    /// Replaces an object (PUT), or its status for the status subresource.
    #[allow(clippy::too_many_arguments)]
    pub fn update_object(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        mut obj: Value,
        status_only: bool,
        dry: bool,
        manager: &str,
    ) -> Result<Arc<Stored>, ApiError> {
        let body_name = meta_str(&obj, "name").unwrap_or_default().to_string();
        if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        if rt.namespaced
            && let Some(given) = meta_str(&obj, "namespace").filter(|g| !g.is_empty())
            && given != ns
        {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        let old = self
            .store
            .get(&rt.store_key(), ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        if let Some(rv) = meta_str(&obj, "resourceVersion").filter(|r| !r.is_empty())
            && Some(rv) != meta_str(&old, "resourceVersion")
        {
            return Err(ApiError::stale(&rt.group, &rt.plural, name));
        }
        if let Some(uid) = meta_str(&obj, "uid").filter(|u| !u.is_empty()) {
            let have = meta_str(&old, "uid").unwrap_or_default();
            if uid != have {
                return Err(ApiError::conflict(
                    &rt.group,
                    &rt.plural,
                    name,
                    &format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {have}"
                    ),
                ));
            }
        }
        self.write_update(
            rt,
            ns,
            name,
            &old,
            &mut obj,
            status_only,
            dry,
            Some(manager),
        )
    }

    /// The common tail of update and patch: system fields, status handling,
    /// generation, validation, controllers, and the write itself.
    #[allow(clippy::too_many_arguments)]
    pub fn write_update(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        old: &Arc<Stored>,
        obj: &mut Value,
        status_only: bool,
        dry: bool,
        manager: Option<&str>,
    ) -> Result<Arc<Stored>, ApiError> {
        if status_only {
            let status = obj.get("status").cloned();
            let mut merged = (**old).clone();
            match status {
                Some(s) => merged["status"] = s,
                None => {
                    if let Some(m) = merged.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            if let (Some(mf), Some(meta)) = (
                obj.pointer("/metadata/managedFields").cloned(),
                merged.get_mut("metadata"),
            ) {
                meta["managedFields"] = mf;
            }
            *obj = merged;
        } else if rt.has_status {
            match old.get("status") {
                Some(s) => obj["status"] = s.clone(),
                None => {
                    if let Some(m) = obj.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
        }
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        let old_meta = old.get("metadata").cloned().unwrap_or_else(|| json!({}));
        let meta = meta_mut(obj);
        for system in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
        ] {
            match old_meta.get(system) {
                Some(v) => meta.insert(system.into(), v.clone()),
                None => meta.remove(system),
            };
        }
        meta.insert("name".into(), json!(name));
        if rt.namespaced {
            meta.insert("namespace".into(), json!(ns));
        } else {
            meta.remove("namespace");
        }
        meta.insert(
            "resourceVersion".into(),
            old_meta
                .get("resourceVersion")
                .cloned()
                .unwrap_or(Value::Null),
        );
        if old_meta.get("deletionTimestamp").is_some() {
            // Finalizers may only be removed once deletion started.
            let had: Vec<Value> = old_meta
                .get("finalizers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let now: Vec<Value> = meta
                .get("finalizers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if now.iter().any(|f| !had.contains(f)) {
                return Err(ApiError::forbidden(
                    &rt.group,
                    &rt.plural,
                    name,
                    "no new finalizers can be added if the object is being deleted",
                ));
            }
        }
        if rt.has_generation && spec_part(old) != spec_part(obj) {
            let g = old_meta
                .get("generation")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                + 1;
            meta_mut(obj).insert("generation".into(), json!(g));
        }
        self.validate(rt, obj, name)?;
        let now = now_rfc3339();
        controllers::on_write(self, rt, obj, Some(old), dry);
        if let Some(manager) = manager {
            patching::record_update(Some(old), obj, manager, &now);
        }
        if without_volatile(obj) == without_volatile(old) {
            // No change: the apiserver does not write, the resourceVersion stays.
            return Ok(old.clone());
        }
        check_size(obj)?;
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" && !dry {
            let _ = self.registry.register_crd(obj);
        }
        if dry {
            return Ok(Arc::new(Stored::from(obj.clone())));
        }
        let key = rt.store_key();
        let deleting = obj.pointer("/metadata/deletionTimestamp").is_some();
        let finalizers_left = obj
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty());
        if deleting && !finalizers_left {
            let stored = self
                .store
                .put(&key, ns, name, obj.clone(), EventType::Modified);
            self.finish_delete(rt, ns, name);
            return Ok(stored);
        }
        let stored = self
            .store
            .put(&key, ns, name, obj.clone(), EventType::Modified);
        controllers::after_write(self, rt, &stored);
        Ok(stored)
    }

    /// Removes an object for good, with what its kind's removal implies.
    pub fn finish_delete(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
    ) -> Option<Arc<Stored>> {
        let gone = self.store.remove(&rt.store_key(), ns, name)?;
        self.gc_needed = true;
        self.pending_ready
            .remove(&(rt.store_key(), ns.to_string(), name.to_string()));
        if rt.group == "apiextensions.k8s.io"
            && rt.plural == "customresourcedefinitions"
            && let Some(types) = self.registry.unregister_crd(name)
            && let Some(t) = types.first()
        {
            self.store.drop_resource(&t.store_key());
        }
        Some(gone)
    }

    /// DELETE of one object: finalizers and propagation as the registry does.
    pub fn delete_object(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<(u16, Value), ApiError> {
        let old = self
            .store
            .get(&rt.store_key(), ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        let uid = meta_str(&old, "uid").unwrap_or_default().to_string();
        if let Some(want) = &opts.uid
            && *want != uid
        {
            return Err(ApiError::conflict(
                &rt.group,
                &rt.plural,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {want}, UID in object meta: {uid}"
                ),
            ));
        }
        if let Some(want) = &opts.resource_version {
            let have = meta_str(&old, "resourceVersion").unwrap_or_default();
            if want != have {
                return Err(ApiError::conflict(
                    &rt.group,
                    &rt.plural,
                    name,
                    &format!(
                        "Precondition failed: ResourceVersion in precondition: {want}, ResourceVersion in object meta: {have}"
                    ),
                ));
            }
        }
        let mut obj = (*old).clone();
        let mut finalizers: Vec<Value> = obj
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let is_namespace = rt.group.is_empty() && rt.plural == "namespaces";
        match opts.propagation.as_deref() {
            Some("Foreground") if !finalizers.contains(&json!("foregroundDeletion")) => {
                finalizers.push(json!("foregroundDeletion"))
            }
            Some("Orphan") if !finalizers.contains(&json!("orphan")) => {
                finalizers.push(json!("orphan"))
            }
            _ => {}
        }
        if is_namespace && INITIAL_NAMESPACES.contains(&name) && name != "kube-node-lease" {
            return Err(ApiError::forbidden(
                "",
                "namespaces",
                name,
                "this namespace may not be deleted",
            ));
        }
        let graceful = is_namespace || !finalizers.is_empty();
        if graceful {
            if obj.pointer("/metadata/deletionTimestamp").is_none() {
                let meta = meta_mut(&mut obj);
                meta.insert("deletionTimestamp".into(), json!(now_rfc3339()));
                meta.insert("deletionGracePeriodSeconds".into(), json!(0));
                if !finalizers.is_empty() {
                    meta.insert("finalizers".into(), Value::Array(finalizers));
                }
                if is_namespace {
                    obj["status"] = json!({"phase": "Terminating"});
                }
                if opts.dry {
                    return Ok((200, obj));
                }
                let stored = self
                    .store
                    .put(&rt.store_key(), ns, name, obj, EventType::Modified);
                self.gc_needed = true;
                return Ok((200, (*stored).clone()));
            }
            return Ok((200, obj));
        }
        if opts.dry {
            return Ok((200, status::success(name, &rt.group, &rt.plural, &uid)));
        }
        let gone = self.finish_delete(rt, ns, name);
        if rt.group.is_empty() && rt.plural == "pods" {
            return Ok((200, gone.map(|g| (*g).clone()).unwrap_or(Value::Null)));
        }
        Ok((200, status::success(name, &rt.group, &rt.plural, &uid)))
    }
}

/// An object without what changes on every write, to detect no-op updates.
pub(super) fn without_volatile(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
        if let Some(Value::Array(entries)) = meta.get_mut("managedFields") {
            for e in entries {
                if let Some(e) = e.as_object_mut() {
                    e.remove("time");
                }
            }
        }
    }
    v
}

/// The CRD's status once it serves its kinds.
pub(super) fn established(crd: &mut Value) {
    let names = crd.pointer("/spec/names").cloned().unwrap_or(Value::Null);
    let stored: Vec<Value> = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
                .filter_map(|v| v.get("name").cloned())
                .collect()
        })
        .unwrap_or_default();
    let now = now_rfc3339();
    crd["status"] = json!({
        "acceptedNames": names,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now},
        ],
        "storedVersions": stored,
    });
}

/// Secret `data` must be base64 (a decode error, 400); `stringData` is folded
/// into `data` as the apiserver's conversion does; the total is bounded.
pub(super) fn secret_data(obj: &mut Value, errs: &mut Vec<FieldError>) -> Result<(), ApiError> {
    let mut size = 0usize;
    if let Some(data) = obj.get("data") {
        let Some(map) = data.as_object() else {
            if data.is_null() {
                return Ok(());
            }
            return Err(ApiError::bad_request(
                "Secret in version \"v1\" cannot be handled as a Secret: json: cannot unmarshal into Go struct field Secret.data of type map[string][]uint8",
            ));
        };
        for v in map.values() {
            let text = v.as_str().ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Secret in version \"v1\" cannot be handled as a Secret: json: cannot unmarshal {} into Go struct field Secret.data of type []uint8",
                    json_kind(v)
                ))
            })?;
            let bytes = validate::decode_base64(text).map_err(|e| {
                ApiError::bad_request(format!(
                    "Secret in version \"v1\" cannot be handled as a Secret: {e}"
                ))
            })?;
            size += bytes.len();
        }
    }
    if let Some(string_data) = obj.get("stringData").and_then(Value::as_object).cloned() {
        let encoded: Vec<(String, Value)> = string_data
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    json!(base64_encode(v.as_str().unwrap_or_default().as_bytes())),
                )
            })
            .collect();
        if !obj.get("data").is_some_and(Value::is_object) {
            obj["data"] = json!({});
        }
        if let Some(data) = obj.get_mut("data").and_then(Value::as_object_mut) {
            for (k, v) in encoded {
                size += v.as_str().map(|s| s.len() / 4 * 3).unwrap_or_default();
                data.insert(k, v);
            }
        }
        if let Some(m) = obj.as_object_mut() {
            m.remove("stringData");
        }
    }
    if size > validate::MAX_SECRET_BYTES {
        errs.push(FieldError::too_long("data", validate::MAX_SECRET_BYTES));
    }
    Ok(())
}

pub(super) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Standard padded base64.
pub fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(super) fn check_size(obj: &Value) -> Result<(), ApiError> {
    let size = serde_json::to_vec(obj)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_OBJECT_BYTES {
        return Err(ApiError::etcd_too_large());
    }
    Ok(())
}
