//! The REST API: routes a request to discovery or to a verb on a resource, and
//! carries out the verb against the store the way kube-apiserver's generic
//! registry does (system metadata, optimistic concurrency, namespaces,
//! finalizers, dry runs), answering every failure with a `Status`.
//!
//! Owns request semantics. HTTP plumbing lives in `server`, streaming watches in
//! `watch`, background behaviour in `controllers`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::{Map, Value, json};

use super::controllers;
use super::discovery;
use super::openapi;
use super::patching;
use super::protobuf::{self, ProtobufError};
use super::resources::{Registry, ResourceType};
use super::selector::{FieldSelector, LabelSelector};
use super::status::{self, ApiError, FieldError};
use super::store::{EventType, Store};
use super::validate;
use super::watch::{WatchFilter, WatchPlan};

/// Largest request body the apiserver reads (its `MaxRequestBodyBytes`).
pub const MAX_REQUEST_BYTES: usize = 3 * 1024 * 1024;
/// Largest object etcd stores (its default `--max-request-bytes`, 1.5 MiB).
pub const MAX_OBJECT_BYTES: usize = 1024 * 1024 + 512 * 1024;

/// Namespaces every cluster starts with.
pub const INITIAL_NAMESPACES: &[&str] =
    &["default", "kube-node-lease", "kube-public", "kube-system"];

/// How the sandbox's simulated cluster behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long after a change workloads report ready.
    pub ready_delay: Duration,
    /// The address clients reach the server at (for `/api`).
    pub server_address: String,
    /// Changes kept for watches resuming from a resourceVersion.
    pub watch_history: usize,
}

/// Everything the server knows: objects, kinds, and controller bookkeeping.
#[derive(Debug)]
pub struct Cluster {
    pub store: Store,
    pub registry: Registry,
    pub settings: Settings,
    /// Workloads waiting to become ready: (resource, namespace, name) → when.
    pub pending_ready: BTreeMap<(String, String, String), Instant>,
    /// Deletions happened since the garbage collector last looked.
    pub gc_needed: bool,
    /// The next ClusterIP to hand out (host part within 10.96.0.0/12).
    pub next_cluster_ip: u32,
    /// The next NodePort to hand out, in the apiserver's default range.
    pub next_node_port: u32,
}

impl Cluster {
    pub fn new(settings: Settings) -> Cluster {
        let mut c = Cluster {
            store: Store::new(settings.watch_history),
            registry: Registry::new(),
            settings,
            pending_ready: BTreeMap::new(),
            gc_needed: false,
            next_cluster_ip: 10,
            next_node_port: controllers::NODE_PORT_FIRST,
        };
        for ns in INITIAL_NAMESPACES {
            let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            let (rt, _) = c.resource("", "v1", "namespaces");
            if let Err(e) = c.create_object(&rt, "", obj, false, None) {
                // The initial namespaces are valid by construction.
                debug_assert!(false, "{e}");
            }
        }
        c.kubernetes_service();
        c
    }

    /// The `kubernetes` Service in `default`, as every cluster has.
    fn kubernetes_service(&mut self) {
        let (rt, _) = self.resource("", "v1", "services");
        let svc = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], "type": "ClusterIP"}
        });
        let _ = self.create_object(&rt, "default", svc, false, None);
    }

    fn resource(&self, group: &str, version: &str, plural: &str) -> (ResourceType, bool) {
        match self.registry.find(group, version, plural) {
            Some(rt) => (rt.clone(), true),
            None => (
                ResourceType {
                    group: group.into(),
                    version: version.into(),
                    kind: String::new(),
                    plural: plural.into(),
                    singular: String::new(),
                    namespaced: false,
                    short_names: Vec::new(),
                    categories: Vec::new(),
                    has_status: false,
                    has_generation: false,
                    custom: false,
                },
                false,
            ),
        }
    }
}

/// One HTTP request, reduced to what the API looks at.
#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub accept: Option<String>,
    pub user_agent: Option<String>,
    pub body: Vec<u8>,
}

impl ApiRequest {
    fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.param(key), Some("true" | "1" | "True" | "TRUE"))
    }

    fn wants_table(&self) -> bool {
        self.accept.as_deref().is_some_and(|a| {
            a.split(',')
                .next()
                .is_some_and(|first| first.contains("as=Table"))
        })
    }
}

/// What to send back.
#[derive(Debug)]
pub enum ApiResponse {
    Json {
        code: u16,
        body: Value,
        content_type: String,
    },
    Text {
        code: u16,
        body: String,
    },
    Watch(Box<WatchPlan>),
}

impl ApiResponse {
    pub fn json(code: u16, body: Value) -> ApiResponse {
        ApiResponse::Json {
            code,
            body,
            content_type: "application/json".into(),
        }
    }

    pub fn error(e: &ApiError) -> ApiResponse {
        ApiResponse::json(e.code, e.to_status())
    }
}

/// Serves one request against the shared cluster.
pub fn handle(cluster: &Arc<Mutex<Cluster>>, req: &ApiRequest) -> ApiResponse {
    match route(cluster, req) {
        Ok(r) => r,
        Err(e) => ApiResponse::error(&e),
    }
}

/// Percent-decodes a query string into pairs (`+` is a space).
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where a resource path points.
#[derive(Debug, Clone, PartialEq)]
struct ResourcePath {
    group: String,
    version: String,
    namespace: Option<String>,
    resource: String,
    name: Option<String>,
    subresource: Option<String>,
}

fn parse_resource_path(group: &str, version: &str, rest: &[&str]) -> Option<ResourcePath> {
    let (namespace, parts) = if rest.first() == Some(&"namespaces")
        && rest.len() >= 3
        && !(rest.len() == 3 && matches!(rest[2], "status" | "finalize"))
    {
        (Some(rest[1].to_string()), &rest[2..])
    } else {
        (None, rest)
    };
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    Some(ResourcePath {
        group: group.into(),
        version: version.into(),
        namespace,
        resource: parts[0].into(),
        name: parts.get(1).map(|s| s.to_string()),
        subresource: parts.get(2).map(|s| s.to_string()),
    })
}

fn route(cluster: &Arc<Mutex<Cluster>>, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let aggregated = req
        .accept
        .as_deref()
        .and_then(discovery::aggregated_version);
    let is_get = req.method == "GET";
    match segs.as_slice() {
        ["version"] if is_get => Ok(ApiResponse::json(200, discovery::version())),
        ["healthz" | "livez" | "readyz", ..] if is_get => Ok(ApiResponse::Text {
            code: 200,
            body: "ok".into(),
        }),
        ["api"] if is_get => {
            let c = cluster.lock();
            Ok(match aggregated {
                Some(v) => ApiResponse::Json {
                    code: 200,
                    body: discovery::aggregated(&c.registry, true, v),
                    content_type: discovery::aggregated_content_type(v),
                },
                None => {
                    ApiResponse::json(200, discovery::core_versions(&c.settings.server_address))
                }
            })
        }
        ["apis"] if is_get => {
            let c = cluster.lock();
            Ok(match aggregated {
                Some(v) => ApiResponse::Json {
                    code: 200,
                    body: discovery::aggregated(&c.registry, false, v),
                    content_type: discovery::aggregated_content_type(v),
                },
                None => ApiResponse::json(200, discovery::group_list(&c.registry)),
            })
        }
        ["openapi", "v2"] if is_get => {
            let c = cluster.lock();
            Ok(ApiResponse::json(200, openapi::v2(&c.registry)))
        }
        ["openapi", "v3"] if is_get => {
            let c = cluster.lock();
            Ok(ApiResponse::json(200, openapi::v3_index(&c.registry)))
        }
        ["openapi", "v3", rest @ ..] if is_get => {
            let c = cluster.lock();
            let path = rest.join("/");
            openapi::v3_document(&c.registry, &path)
                .map(|doc| ApiResponse::json(200, doc))
                .ok_or_else(ApiError::no_route)
        }
        ["apis", group] if is_get => {
            let c = cluster.lock();
            discovery::group(&c.registry, group)
                .map(|g| ApiResponse::json(200, g))
                .ok_or_else(ApiError::no_route)
        }
        ["api", "v1"] if is_get => {
            let c = cluster.lock();
            discovery::resource_list(&c.registry, "", "v1")
                .map(|l| ApiResponse::json(200, l))
                .ok_or_else(ApiError::no_route)
        }
        ["apis", group, version] if is_get => {
            let c = cluster.lock();
            discovery::resource_list(&c.registry, group, version)
                .map(|l| ApiResponse::json(200, l))
                .ok_or_else(ApiError::no_route)
        }
        ["api", "v1", rest @ ..] => {
            let p = parse_resource_path("", "v1", rest).ok_or_else(ApiError::no_route)?;
            resource_request(cluster, req, &p)
        }
        ["apis", group, version, rest @ ..] => {
            let p = parse_resource_path(group, version, rest).ok_or_else(ApiError::no_route)?;
            resource_request(cluster, req, &p)
        }
        _ => Err(ApiError::no_route()),
    }
}

fn resource_request(
    cluster: &Arc<Mutex<Cluster>>,
    req: &ApiRequest,
    p: &ResourcePath,
) -> Result<ApiResponse, ApiError> {
    if req.body.len() > MAX_REQUEST_BYTES {
        return Err(ApiError::entity_too_large(MAX_REQUEST_BYTES));
    }
    let mut c = cluster.lock();
    let (rt, known) = c.resource(&p.group, &p.version, &p.resource);
    if !known {
        return Err(ApiError::no_route());
    }
    // Cluster-scoped kinds have no namespaced paths; namespaced kinds are read
    // across namespaces without one but written only inside one.
    if p.namespace.is_some() && !rt.namespaced {
        return Err(ApiError::no_route());
    }
    let ns = p.namespace.clone().unwrap_or_default();
    if p.subresource.as_deref() == Some("scale") && scalable(&rt) && rt.namespaced {
        let name = p.name.as_deref().unwrap_or_default();
        return patching::scale(&mut c, req, &rt, &ns, name);
    }
    let status_sub = match p.subresource.as_deref() {
        None => false,
        Some("status") if rt.has_status => true,
        Some("finalize") if rt.plural == "namespaces" && req.method == "PUT" => true,
        Some(_) => return Err(ApiError::no_route()),
    };
    let needs_ns = rt.namespaced && p.namespace.is_none();
    match (req.method.as_str(), p.name.as_deref()) {
        ("GET", Some(name)) => {
            if needs_ns {
                return Err(ApiError::no_route());
            }
            let obj = c
                .store
                .get(&rt.store_key(), &ns, name)
                .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
            let obj = served(&rt, obj);
            if req.wants_table() {
                let rv = c.store.revision();
                return Ok(ApiResponse::json(200, table(&[obj], rv)));
            }
            Ok(ApiResponse::json(200, obj))
        }
        ("GET", None) if req.flag("watch") => {
            let ns = p.namespace.as_deref();
            watch(&c, req, &rt, ns).map(|plan| ApiResponse::Watch(Box::new(plan)))
        }
        ("GET", None) => list(&c, req, &rt, p.namespace.as_deref()),
        ("POST", None) if !needs_ns => {
            let body = decode_object(req, &rt)?;
            let manager = field_manager(req);
            let obj = c.create_object(&rt, &ns, body, dry_run(req)?, Some(&manager))?;
            Ok(ApiResponse::json(201, served(&rt, &obj)))
        }
        ("PUT", Some(name)) if !needs_ns => {
            let body = decode_object(req, &rt)?;
            let manager = field_manager(req);
            let obj = c.update_object(&rt, &ns, name, body, status_sub, dry_run(req)?, &manager)?;
            Ok(ApiResponse::json(200, served(&rt, &obj)))
        }
        ("PATCH", Some(name)) if !needs_ns => {
            let (code, obj) = patching::patch(&mut c, req, &rt, &ns, name, status_sub)?;
            Ok(ApiResponse::json(code, served(&rt, &obj)))
        }
        ("DELETE", Some(name)) if !needs_ns => {
            let opts = DeleteOptions::from_request(req)?;
            let (code, body) = c.delete_object(&rt, &ns, name, &opts)?;
            Ok(ApiResponse::json(code, body))
        }
        ("DELETE", None) if !needs_ns || !rt.namespaced => {
            let opts = DeleteOptions::from_request(req)?;
            delete_collection(&mut c, req, &rt, &ns, &opts)
        }
        ("POST" | "PUT" | "PATCH" | "DELETE", _) => Err(ApiError::no_route()),
        (method, _) => Err(ApiError::method_not_supported(
            &rt.group, &rt.plural, method,
        )),
    }
}

/// Kinds with a `scale` subresource (kubectl scale, HPAs).
pub fn scalable(rt: &ResourceType) -> bool {
    matches!(
        (rt.group.as_str(), rt.plural.as_str()),
        ("apps", "deployments" | "statefulsets" | "replicasets") | ("", "replicationcontrollers")
    )
}

/// An object as served for the requested version: custom resources stored under
/// another version are relabelled (the sandbox does no conversion).
fn served(rt: &ResourceType, obj: &Value) -> Value {
    let mut obj = obj.clone();
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), json!(rt.api_version()));
        m.insert("kind".into(), json!(rt.kind));
    }
    obj
}

pub fn field_manager(req: &ApiRequest) -> String {
    if let Some(m) = req.param("fieldManager").filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    // The apiserver names a manager after the client's user agent up to its first '/'.
    req.user_agent
        .as_deref()
        .map(|ua| ua.split('/').next().unwrap_or(ua).to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

pub fn dry_run(req: &ApiRequest) -> Result<bool, ApiError> {
    let values: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "dryRun")
        .map(|(_, v)| v.as_str())
        .collect();
    for v in &values {
        if *v != "All" {
            return Err(ApiError::invalid(
                "meta.k8s.io",
                "CreateOptions",
                "",
                &[FieldError {
                    field: "dryRun".into(),
                    cause: "FieldValueNotSupported",
                    body: format!(
                        "Unsupported value: {}: supported values: \"All\"",
                        status::go_quote(v)
                    ),
                }],
            ));
        }
    }
    Ok(!values.is_empty())
}

fn media_type(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// YAML read as sigs.k8s.io/yaml reads it, turned into JSON.
pub fn yaml_to_json(text: &str) -> Result<Value, String> {
    use crate::chart::yaml::{Json, parse};
    fn conv(j: Json) -> Value {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Int(i) => json!(i),
            Json::Uint(u) => json!(u),
            Json::Float(f) => serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Json::Str(s) => Value::String(s),
            Json::Seq(items) => Value::Array(items.into_iter().map(conv).collect()),
            Json::Map(m) => Value::Object(m.into_iter().map(|(k, v)| (k, conv(v))).collect()),
        }
    }
    parse(text).map(conv).map_err(|e| e.to_string())
}

fn summarize(body: &[u8]) -> String {
    const MAX: usize = 30;
    let text = String::from_utf8_lossy(body);
    if text.chars().count() > MAX {
        let head: String = text.chars().take(MAX).collect();
        format!("{head} ...")
    } else {
        text.into_owned()
    }
}

/// Reads a create/update body (JSON or YAML) and checks it names this kind.
fn decode_object(req: &ApiRequest, rt: &ResourceType) -> Result<Value, ApiError> {
    let accepted = ["application/json", "application/yaml", protobuf::MEDIA_TYPE];
    let ct = req
        .content_type
        .as_deref()
        .map(media_type)
        .unwrap_or_else(|| "application/json".into());
    let parsed = match ct.as_str() {
        protobuf::MEDIA_TYPE => match protobuf::decode(&req.body) {
            Ok(v) => Ok(v),
            Err(ProtobufError::Unsupported(_)) => {
                return Err(ApiError::unsupported_media_type(&accepted[..2]));
            }
            Err(ProtobufError::Malformed(m)) => Err(m),
        },
        "application/json" | "" | "*/*" => {
            serde_json::from_slice::<Value>(&req.body).map_err(|e| e.to_string())
        }
        "application/yaml" => std::str::from_utf8(&req.body)
            .map_err(|e| e.to_string())
            .and_then(yaml_to_json),
        _ => return Err(ApiError::unsupported_media_type(&accepted)),
    };
    let obj = match parsed {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) | Err(_) => {
            let why = parsed
                .err()
                .unwrap_or_else(|| "cannot unmarshal into an object".into());
            return Err(ApiError::bad_request(format!(
                "the object provided is unrecognized (must be of type {}): couldn't get version/kind; json parse error: {why} ({})",
                rt.kind,
                summarize(&req.body)
            )));
        }
    };
    check_type(&obj, rt)?;
    Ok(obj)
}

/// The body's apiVersion and kind, when given, must be this resource's.
pub fn check_type(obj: &Value, rt: &ResourceType) -> Result<(), ApiError> {
    let api_version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    if !api_version.is_empty() {
        let (group, _) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let same_group = group == rt.group;
        let served = same_group
            && (api_version == rt.api_version()
                || rt.custom && api_version.rsplit_once('/').is_some());
        if !served {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({api_version}) does not match the expected API version ({})",
                rt.api_version()
            )));
        }
    }
    if !kind.is_empty() && kind != rt.kind {
        let version = api_version.rsplit('/').next().unwrap_or(&rt.version);
        return Err(ApiError::bad_request(format!(
            "{kind} in version {} cannot be handled as a {}: no kind {} is registered for version {}",
            status::go_quote(version),
            rt.kind,
            status::go_quote(kind),
            status::go_quote(&rt.api_version())
        )));
    }
    Ok(())
}

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
fn name_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut b = [0u8; 5];
    let _ = getrandom::fill(&mut b);
    b.iter()
        .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
        .collect()
}

/// The object's metadata map, made an empty map first if it is missing or not
/// a map. `obj` must be a JSON object (every caller decoded one).
fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    let entry = &mut obj["metadata"];
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(m) => m,
        _ => unreachable!("metadata was just made a map"),
    }
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

/// The spec-like content of an object: everything but metadata and status.
fn spec_part(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
        m.remove("apiVersion");
        m.remove("kind");
    }
    v
}

fn namespace_exists(c: &Cluster, ns: &str) -> Result<(), ApiError> {
    match c.store.get("/namespaces", "", ns) {
        None => Err(ApiError::not_found("", "namespaces", ns)),
        Some(_) => Ok(()),
    }
}

fn namespace_terminating(c: &Cluster, ns: &str) -> bool {
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
    ) -> Result<Arc<Value>, ApiError> {
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
        if name.is_empty() {
            if let Some(prefix) = meta
                .get("generateName")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
            {
                name = format!("{prefix}{}", name_suffix());
                meta.insert("name".into(), json!(name));
            }
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
            return Ok(Arc::new(obj));
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
    ) -> Result<Arc<Value>, ApiError> {
        let body_name = meta_str(&obj, "name").unwrap_or_default().to_string();
        if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        if rt.namespaced {
            if let Some(given) = meta_str(&obj, "namespace").filter(|g| !g.is_empty()) {
                if given != ns {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
            }
        }
        let old = self
            .store
            .get(&rt.store_key(), ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        if let Some(rv) = meta_str(&obj, "resourceVersion").filter(|r| !r.is_empty()) {
            if Some(rv) != meta_str(&old, "resourceVersion") {
                return Err(ApiError::stale(&rt.group, &rt.plural, name));
            }
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
        old: &Arc<Value>,
        obj: &mut Value,
        status_only: bool,
        dry: bool,
        manager: Option<&str>,
    ) -> Result<Arc<Value>, ApiError> {
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
            return Ok(Arc::new(obj.clone()));
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
    pub fn finish_delete(&mut self, rt: &ResourceType, ns: &str, name: &str) -> Option<Arc<Value>> {
        let gone = self.store.remove(&rt.store_key(), ns, name)?;
        self.gc_needed = true;
        self.pending_ready
            .remove(&(rt.store_key(), ns.to_string(), name.to_string()));
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            if let Some(types) = self.registry.unregister_crd(name) {
                if let Some(t) = types.first() {
                    self.store.drop_resource(&t.store_key());
                }
            }
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
        if let Some(want) = &opts.uid {
            if *want != uid {
                return Err(ApiError::conflict(
                    &rt.group,
                    &rt.plural,
                    name,
                    &format!(
                        "Precondition failed: UID in precondition: {want}, UID in object meta: {uid}"
                    ),
                ));
            }
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
fn without_volatile(obj: &Value) -> Value {
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
fn established(crd: &mut Value) {
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
fn secret_data(obj: &mut Value, errs: &mut Vec<FieldError>) -> Result<(), ApiError> {
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

fn json_kind(v: &Value) -> &'static str {
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

fn check_size(obj: &Value) -> Result<(), ApiError> {
    let size = serde_json::to_vec(obj)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_OBJECT_BYTES {
        return Err(ApiError::etcd_too_large());
    }
    Ok(())
}

/// Delete options from the query and an optional DeleteOptions body.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub propagation: Option<String>,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub dry: bool,
}

impl DeleteOptions {
    fn from_request(req: &ApiRequest) -> Result<DeleteOptions, ApiError> {
        let mut o = DeleteOptions {
            propagation: req.param("propagationPolicy").map(str::to_string),
            dry: dry_run(req)?,
            ..DeleteOptions::default()
        };
        if !req.body.is_empty() {
            let protobuf = req.content_type.as_deref().map(media_type).as_deref()
                == Some(protobuf::MEDIA_TYPE);
            let body: Value = if protobuf {
                protobuf::decode(&req.body).map_err(|e| ApiError::bad_request(e.to_string()))?
            } else {
                serde_json::from_slice(&req.body)
                    .map_err(|e| ApiError::bad_request(format!("json: {e}")))?
            };
            if let Some(p) = body.get("propagationPolicy").and_then(Value::as_str) {
                o.propagation = Some(p.to_string());
            }
            if body.get("orphanDependents").and_then(Value::as_bool) == Some(true) {
                o.propagation = Some("Orphan".into());
            }
            o.uid = body
                .pointer("/preconditions/uid")
                .and_then(Value::as_str)
                .map(str::to_string);
            o.resource_version = body
                .pointer("/preconditions/resourceVersion")
                .and_then(Value::as_str)
                .map(str::to_string);
            if body
                .get("dryRun")
                .and_then(Value::as_array)
                .is_some_and(|d| !d.is_empty())
            {
                o.dry = true;
            }
        }
        if let Some(p) = &o.propagation {
            if !matches!(p.as_str(), "Orphan" | "Background" | "Foreground") {
                return Err(ApiError::invalid(
                    "meta.k8s.io",
                    "DeleteOptions",
                    "",
                    &[FieldError {
                        field: "propagationPolicy".into(),
                        cause: "FieldValueNotSupported",
                        body: format!(
                            "Unsupported value: {}: supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                            status::go_quote(p)
                        ),
                    }],
                ));
            }
        }
        Ok(o)
    }
}

fn selectors(req: &ApiRequest) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let labels = LabelSelector::parse(req.param("labelSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let fields = FieldSelector::parse(req.param("fieldSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    Ok((labels, fields))
}

fn matches(obj: &Value, labels: &LabelSelector, fields: &FieldSelector) -> bool {
    let l = obj.pointer("/metadata/labels").and_then(Value::as_object);
    labels.matches(l) && fields.matches(obj)
}

fn list(
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
fn encode_continue(ns: &str, name: &str) -> String {
    base64_encode(
        json!({"v": "meta.k8s.io/v1", "start": [ns, name]})
            .to_string()
            .as_bytes(),
    )
}

fn decode_continue(token: &str) -> Result<(String, String), ApiError> {
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
fn table(items: &[Value], rv: u64) -> Value {
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

fn delete_collection(
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

fn watch(
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

    #[test]
    fn paths_resolve_namespaces_and_subresources() {
        let p = parse_resource_path("", "v1", &["namespaces", "foo", "secrets", "x"]).unwrap();
        assert_eq!(
            (
                p.namespace.as_deref(),
                p.resource.as_str(),
                p.name.as_deref()
            ),
            (Some("foo"), "secrets", Some("x"))
        );
        let p = parse_resource_path("", "v1", &["namespaces", "foo", "status"]).unwrap();
        assert_eq!(
            (p.namespace, p.resource.as_str(), p.subresource.as_deref()),
            (None, "namespaces", Some("status"))
        );
        let p = parse_resource_path("", "v1", &["namespaces", "foo"]).unwrap();
        assert_eq!(
            (p.resource.as_str(), p.name.as_deref()),
            ("namespaces", Some("foo"))
        );
        assert!(parse_resource_path("", "v1", &["a", "b", "c", "d"]).is_none());
    }

    #[test]
    fn query_strings_are_percent_decoded() {
        let q = parse_query("labelSelector=app%3Dweb%2Ctier+in+%28a%29&watch=1&x");
        assert_eq!(q[0], ("labelSelector".into(), "app=web,tier in (a)".into()));
        assert_eq!(q[2], ("x".into(), String::new()));
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn base64_round_trips_and_continue_tokens() {
        for s in ["", "a", "ab", "abc", "abcd"] {
            assert_eq!(
                validate::decode_base64(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
        let t = encode_continue("ns", "name");
        assert_eq!(decode_continue(&t).unwrap(), ("ns".into(), "name".into()));
        assert_eq!(decode_continue("!!").unwrap_err().code, 400);
    }

    fn cluster() -> Cluster {
        Cluster::new(Settings {
            ready_delay: Duration::ZERO,
            server_address: "127.0.0.1:0".into(),
            watch_history: 100,
        })
    }

    fn rt(c: &Cluster, group: &str, version: &str, plural: &str) -> ResourceType {
        c.registry.find(group, version, plural).unwrap().clone()
    }

    #[test]
    fn no_op_updates_keep_the_resource_version() {
        let mut c = cluster();
        let cms = rt(&c, "", "v1", "configmaps");
        let obj = json!({"metadata": {"name": "a"}, "data": {"k": "v"}});
        let created = c
            .create_object(&cms, "default", obj, false, Some("test"))
            .unwrap();
        let same = (*created).clone();
        let updated = c
            .update_object(&cms, "default", "a", same, false, false, "test")
            .unwrap();
        assert_eq!(
            updated.pointer("/metadata/resourceVersion"),
            created.pointer("/metadata/resourceVersion")
        );
        let mut changed = (*created).clone();
        changed["data"]["k"] = json!("w");
        let updated = c
            .update_object(&cms, "default", "a", changed, false, false, "test")
            .unwrap();
        assert_ne!(
            updated.pointer("/metadata/resourceVersion"),
            created.pointer("/metadata/resourceVersion")
        );
    }

    #[test]
    fn terminating_namespaces_refuse_new_content() {
        let mut c = cluster();
        let nss = rt(&c, "", "v1", "namespaces");
        let cms = rt(&c, "", "v1", "configmaps");
        c.create_object(&nss, "", json!({"metadata": {"name": "t"}}), false, None)
            .unwrap();
        c.delete_object(&nss, "", "t", &DeleteOptions::default())
            .unwrap();
        let e = c
            .create_object(&cms, "t", json!({"metadata": {"name": "x"}}), false, None)
            .unwrap_err();
        assert_eq!((e.code, e.reason), (403, "Forbidden"));
        assert!(
            e.message.ends_with(
                "unable to create new content in namespace t because it is being terminated"
            ),
            "{}",
            e.message
        );
        let e = c
            .delete_object(&nss, "", "default", &DeleteOptions::default())
            .unwrap_err();
        assert_eq!(e.code, 403);
    }

    #[test]
    fn generation_follows_spec_changes_only() {
        let mut c = cluster();
        let deps = rt(&c, "apps", "v1", "deployments");
        let d = json!({"metadata": {"name": "d"}, "spec": {"replicas": 1}});
        let created = c.create_object(&deps, "default", d, false, None).unwrap();
        assert_eq!(created.pointer("/metadata/generation"), Some(&json!(1)));
        let mut labelled = (*created).clone();
        labelled["metadata"]["labels"] = json!({"a": "b"});
        let o = c
            .update_object(&deps, "default", "d", labelled, false, false, "m")
            .unwrap();
        assert_eq!(o.pointer("/metadata/generation"), Some(&json!(1)));
        let mut scaled = (*o).clone();
        scaled["spec"]["replicas"] = json!(3);
        let o = c
            .update_object(&deps, "default", "d", scaled, false, false, "m")
            .unwrap();
        assert_eq!(o.pointer("/metadata/generation"), Some(&json!(2)));
    }

    #[test]
    fn dry_run_deletes_keep_the_object() {
        let mut c = cluster();
        let cms = rt(&c, "", "v1", "configmaps");
        c.create_object(
            &cms,
            "default",
            json!({"metadata": {"name": "a"}}),
            false,
            None,
        )
        .unwrap();
        let dry = DeleteOptions {
            dry: true,
            ..DeleteOptions::default()
        };
        let (code, body) = c.delete_object(&cms, "default", "a", &dry).unwrap();
        assert_eq!((code, body["status"].as_str()), (200, Some("Success")));
        assert!(c.store.get("/configmaps", "default", "a").is_some());
        let stale = DeleteOptions {
            uid: Some("other".into()),
            ..DeleteOptions::default()
        };
        assert_eq!(
            c.delete_object(&cms, "default", "a", &stale)
                .unwrap_err()
                .code,
            409
        );
    }

    #[test]
    fn objects_past_the_etcd_limit_are_refused() {
        let mut c = cluster();
        let leases = rt(&c, "coordination.k8s.io", "v1", "leases");
        let at = |n: usize| json!({"metadata": {"name": "l"}, "spec": {"holderIdentity": "x".repeat(n)}});
        // What the stored form adds around the holder identity.
        let mut stored = at(0);
        stored["apiVersion"] = json!("coordination.k8s.io/v1");
        stored["kind"] = json!("Lease");
        stored["metadata"] = json!({"name": "l", "namespace": "default", "uid": new_uid(), "creationTimestamp": now_rfc3339()});
        let fits = MAX_OBJECT_BYTES - serde_json::to_vec(&stored).unwrap().len();
        let e = c
            .create_object(&leases, "default", at(fits + 1), false, None)
            .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (500, "etcdserver: request is too large")
        );
        c.create_object(&leases, "default", at(fits), false, None)
            .unwrap();
    }

    #[test]
    fn uids_are_version_4() {
        let u = new_uid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, new_uid());
    }
}
