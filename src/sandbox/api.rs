//! The REST API's front: the cluster state, request and response types,
//! routing of a path to discovery or to a verb on a resource, body decoding
//! (JSON, YAML, protobuf) and request options, answering every failure with a
//! `Status`.
//!
//! The verbs themselves live in `registry` (writes) and `reads` (list, watch,
//! deletecollection), patches in `patching`; HTTP plumbing in `server`,
//! streaming in `watch`, background behaviour in `controllers`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::{Value, json};

use super::discovery;
use super::openapi;
use super::patching;
use super::protobuf::{self, ProtobufError};
use super::reads;
use super::resources::{Registry, ResourceType};
use super::status::{self, ApiError, FieldError};
use super::store::{Store, Stored};
use super::watch::WatchPlan;

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
            next_node_port: super::controllers::NODE_PORT_FIRST,
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
    pub(super) fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn flag(&self, key: &str) -> bool {
        matches!(self.param(key), Some("true" | "1" | "True" | "TRUE"))
    }

    pub(super) fn wants_table(&self) -> bool {
        self.first_accepted_contains("as=Table")
    }

    /// `as=PartialObjectMetadata[List]`: only each object's metadata (what
    /// kube-rs's `list_metadata` and client-go's metadata client ask for).
    pub(super) fn wants_metadata(&self) -> bool {
        self.first_accepted_contains("as=PartialObjectMetadata")
    }

    fn first_accepted_contains(&self, needle: &str) -> bool {
        self.accept.as_deref().is_some_and(|a| {
            a.split(',')
                .next()
                .is_some_and(|first| first.contains(needle))
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
    /// A list whose items are the store's own objects, shared, not copied:
    /// serialised once the cluster's lock is released.
    List(Box<ListBody>),
}

/// The body of a list answer: `{"apiVersion", "items", "kind", "metadata"}`
/// with each item shown as `view` says.
#[derive(Debug)]
pub struct ListBody {
    pub kind: String,
    pub api_version: String,
    pub metadata: Value,
    pub items: Vec<Arc<Stored>>,
    pub view: ItemView,
}

/// How a list shows each stored object.
#[derive(Debug)]
pub enum ItemView {
    /// `as=PartialObjectMetadata`: only the metadata.
    Metadata,
    /// The whole object, with the apiVersion and kind it is served as
    /// (JSON strings, made once per list).
    Served { api_version: Value, kind: Value },
}

impl ListBody {
    /// The answer's JSON, keys in the order a `serde_json::Map` keeps them
    /// (sorted), so the bytes are those of the same answer built as a
    /// `Value`. Each item's encoding is kept with the stored object for the
    /// next list.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let view = match &self.view {
            ItemView::Metadata => "PartialObjectMetadata".to_owned(),
            ItemView::Served { api_version, kind } => format!("{api_version}/{kind}"),
        };
        let encode = |object: &Value| {
            serde_json::to_vec(&Item {
                object,
                view: &self.view,
            })
            .unwrap_or_default()
        };
        let items: Vec<Cow<'_, [u8]>> = self
            .items
            .iter()
            .map(|object| object.encoded(&view, encode))
            .collect();
        // Room for the items, their commas and the few fields around them,
        // so the answer is written without growing.
        let mut out = Vec::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 256);
        out.extend_from_slice(b"{\"apiVersion\":");
        serde_json::to_writer(&mut out, &self.api_version)?;
        out.extend_from_slice(b",\"items\":[");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(item);
        }
        out.extend_from_slice(b"],\"kind\":");
        serde_json::to_writer(&mut out, &self.kind)?;
        out.extend_from_slice(b",\"metadata\":");
        serde_json::to_writer(&mut out, &self.metadata)?;
        out.push(b'}');
        Ok(out)
    }
}

/// One stored object as a list shows it.
struct Item<'a> {
    object: &'a Value,
    view: &'a ItemView,
}

impl serde::Serialize for Item<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let empty = serde_json::Map::new();
        let fields = self.object.as_object().unwrap_or(&empty);
        match self.view {
            ItemView::Metadata => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("apiVersion", META_V1)?;
                map.serialize_entry("kind", "PartialObjectMetadata")?;
                match fields.get("metadata") {
                    Some(metadata) => map.serialize_entry("metadata", metadata)?,
                    None => map.serialize_entry("metadata", &empty)?,
                }
                map.end()
            }
            ItemView::Served { api_version, kind } => {
                let own = fields
                    .iter()
                    .filter(|(k, _)| k.as_str() != "apiVersion" && k.as_str() != "kind");
                let mut entries: Vec<(&str, &Value)> = own.map(|(k, v)| (k.as_str(), v)).collect();
                entries.push(("apiVersion", api_version));
                entries.push(("kind", kind));
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// The group/version of `PartialObjectMetadata` and its list.
pub const META_V1: &str = "meta.k8s.io/v1";

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
                return Ok(ApiResponse::json(200, reads::table(&rt, &[obj], rv)));
            }
            if req.wants_metadata() {
                return Ok(ApiResponse::json(200, reads::partial_metadata(&obj)));
            }
            Ok(ApiResponse::json(200, obj))
        }
        ("GET", None) if req.flag("watch") => {
            let ns = p.namespace.as_deref();
            reads::watch(&c, req, &rt, ns).map(|plan| ApiResponse::Watch(Box::new(plan)))
        }
        ("GET", None) => reads::list(&c, req, &rt, p.namespace.as_deref()),
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
            reads::delete_collection(&mut c, req, &rt, &ns, &opts)
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
pub(super) fn served(rt: &ResourceType, obj: &Value) -> Value {
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
        if let Some(p) = &o.propagation
            && !matches!(p.as_str(), "Orphan" | "Background" | "Foreground")
        {
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
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::reads::{decode_continue, encode_continue};
    use crate::sandbox::registry::{base64_encode, new_uid, now_rfc3339};
    use crate::sandbox::validate;

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
