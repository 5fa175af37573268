//! Objects of any kind on a cluster, as Helm's kube client reaches them:
//! an object's `apiVersion` and `kind` are resolved through discovery to the
//! resource path and scope, then read, created, patched, replaced or deleted
//! as JSON. Discovery answers are cached per group/version for the life of
//! the [`Cluster`]; a kind not found is looked up again next time, because a
//! CRD installed a moment ago adds kinds.

use std::collections::HashMap;
use std::sync::Arc;

use kube::core::Status;
use parking_lot::Mutex;
use serde_json::Value;

/// Where a kind lives on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// `apps/v1`, or `v1` for the core group.
    pub api_version: String,
    pub kind: String,
    /// The plural resource name in URLs (`deployments`).
    pub plural: String,
    pub namespaced: bool,
}

impl Resource {
    /// The collection URL for `namespace` (ignored for cluster-scoped kinds).
    fn collection(&self, namespace: &str) -> String {
        let root = if self.api_version.contains('/') {
            format!("/apis/{}", self.api_version)
        } else {
            format!("/api/{}", self.api_version)
        };
        if self.namespaced {
            format!("{root}/namespaces/{namespace}/{}", self.plural)
        } else {
            format!("{root}/{}", self.plural)
        }
    }

    fn item(&self, namespace: &str, name: &str) -> String {
        format!("{}/{name}", self.collection(namespace))
    }
}

/// How a PATCH body is to be read.
#[derive(Clone, Debug)]
pub enum Patch {
    Strategic(Value),
    Merge(Value),
    Json(Value),
    /// Server-side apply of a whole object; `force` takes fields from other
    /// managers instead of failing with a conflict.
    Apply {
        object: Value,
        force: bool,
    },
}

impl Patch {
    fn content_type(&self) -> &'static str {
        match self {
            Patch::Strategic(_) => "application/strategic-merge-patch+json",
            Patch::Merge(_) => "application/merge-patch+json",
            Patch::Json(_) => "application/json-patch+json",
            Patch::Apply { .. } => "application/apply-patch+yaml",
        }
    }

    fn body(&self) -> &Value {
        match self {
            Patch::Strategic(v) | Patch::Merge(v) | Patch::Json(v) => v,
            Patch::Apply { object, .. } => object,
        }
    }
}

/// How deletion reaches dependents (`--cascade`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

impl Propagation {
    pub fn as_str(self) -> &'static str {
        match self {
            Propagation::Background => "Background",
            Propagation::Foreground => "Foreground",
            Propagation::Orphan => "Orphan",
        }
    }
}

/// Options every write carries.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// The `fieldManager` recorded in managedFields.
    pub field_manager: String,
    /// `dryRun=All`: the server validates and answers, stores nothing.
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Discovery knows no such kind (Helm's "resource mapping not found").
    #[error(
        "resource mapping not found for kind {kind:?} in version {api_version:?}: ensure CRDs are installed first"
    )]
    UnknownKind { api_version: String, kind: String },
    /// The server refused; `message` is the server's.
    #[error("{message}")]
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    /// The server could not be reached or answered garbage.
    #[error("{what}: {message}")]
    Transport { what: String, message: String },
}

impl ClusterError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClusterError::Api { code: 404, .. })
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, ClusterError::Api { code: 409, .. })
    }

    pub fn is_already_exists(&self) -> bool {
        matches!(self, ClusterError::Api { code: 409, reason, .. } if reason == "AlreadyExists")
    }

    fn from_kube(what: impl FnOnce() -> String, error: kube::Error) -> ClusterError {
        match error {
            kube::Error::Api(status) => {
                let Status {
                    code,
                    reason,
                    message,
                    ..
                } = *status;
                ClusterError::Api {
                    code,
                    reason,
                    message,
                }
            }
            other => ClusterError::Transport {
                what: what(),
                message: super::with_causes(&other),
            },
        }
    }
}

type Kinds = Arc<HashMap<String, Resource>>;

/// Requests one [`Cluster`] has in flight at once. The client speaks
/// HTTP/1.1, one request per connection at a time: each request past those
/// open costs a new TLS connection, so a release's hundreds of concurrent
/// reads would otherwise open hundreds of connections (most of an install's
/// time, client and server side).
pub const MAX_IN_FLIGHT: usize = 16;

/// A client for objects of any kind, with a discovery cache.
#[derive(Clone)]
pub struct Cluster {
    client: kube::Client,
    kinds: Arc<Mutex<HashMap<String, Kinds>>>,
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl Cluster {
    pub fn new(client: kube::Client) -> Cluster {
        Cluster {
            client,
            kinds: Arc::default(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
        }
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// Where objects of `kind` in `api_version` live.
    pub async fn resource(&self, api_version: &str, kind: &str) -> Result<Resource, ClusterError> {
        let cached = self.kinds.lock().get(api_version).cloned();
        if let Some(found) = cached.as_ref().and_then(|k| k.get(kind)) {
            return Ok(found.clone());
        }
        let kinds = self.discover(api_version).await?;
        let found = kinds.get(kind).cloned();
        self.kinds.lock().insert(api_version.to_string(), kinds);
        found.ok_or_else(|| ClusterError::UnknownKind {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
        })
    }

    async fn discover(&self, api_version: &str) -> Result<Kinds, ClusterError> {
        let answer = if api_version.contains('/') {
            self.client.list_api_group_resources(api_version).await
        } else {
            self.client.list_core_api_resources(api_version).await
        };
        let list = match answer {
            Ok(list) => list,
            // An unknown group/version is a kind we can't map, not a failure.
            Err(kube::Error::Api(status)) if status.code == 404 => return Ok(Kinds::default()),
            Err(e) => {
                return Err(ClusterError::from_kube(
                    || format!("discovery of {api_version}"),
                    e,
                ));
            }
        };
        let kinds = list
            .resources
            .into_iter()
            .filter(|r| !r.name.contains('/'))
            .map(|r| {
                let resource = Resource {
                    api_version: api_version.to_string(),
                    kind: r.kind.clone(),
                    plural: r.name,
                    namespaced: r.namespaced,
                };
                (r.kind, resource)
            })
            .collect();
        Ok(Arc::new(kinds))
    }

    /// The server's version (`gitVersion`) and every group/version and
    /// group/version/kind it serves, as Helm's `GetVersionSet` lists them.
    /// Fills the discovery cache on the way.
    pub async fn api_versions(&self) -> Result<(String, Vec<String>), ClusterError> {
        let version = self
            .client
            .apiserver_version()
            .await
            .map_err(|e| ClusterError::from_kube(|| "GET /version".into(), e))?;
        let core = self
            .client
            .list_core_api_versions()
            .await
            .map_err(|e| ClusterError::from_kube(|| "GET /api".into(), e))?;
        let groups = self
            .client
            .list_api_groups()
            .await
            .map_err(|e| ClusterError::from_kube(|| "GET /apis".into(), e))?;
        let mut group_versions: Vec<String> = core.versions;
        for group in groups.groups {
            group_versions.extend(group.versions.into_iter().map(|v| v.group_version));
        }
        let answers =
            futures_util::future::join_all(group_versions.iter().map(|gv| self.discover(gv))).await;
        let mut all = Vec::new();
        for (gv, kinds) in group_versions.iter().zip(answers) {
            let kinds = kinds?;
            all.push(gv.clone());
            let mut names: Vec<&String> = kinds.keys().collect();
            names.sort();
            all.extend(names.into_iter().map(|k| format!("{gv}/{k}")));
            self.kinds.lock().insert(gv.clone(), kinds);
        }
        Ok((version.git_version, all))
    }

    /// The live object, or `None` when it does not exist.
    pub async fn get(
        &self,
        resource: &Resource,
        namespace: &str,
        name: &str,
    ) -> Result<Option<Value>, ClusterError> {
        let url = resource.item(namespace, name);
        match self.send(http::Method::GET, &url, None, None).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Objects of a kind in `namespace` matching a label selector.
    pub async fn list(
        &self,
        resource: &Resource,
        namespace: &str,
        label_selector: &str,
    ) -> Result<Vec<Value>, ClusterError> {
        let mut url = resource.collection(namespace);
        if !label_selector.is_empty() {
            url.push_str("?labelSelector=");
            url.push_str(&encode_query(label_selector));
        }
        let mut answer = self.send(http::Method::GET, &url, None, None).await?;
        match answer.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => Ok(items),
            _ => Ok(Vec::new()),
        }
    }

    pub async fn create(
        &self,
        resource: &Resource,
        namespace: &str,
        object: &Value,
        options: &WriteOptions,
    ) -> Result<Value, ClusterError> {
        let url = with_write_params(resource.collection(namespace), options, None);
        self.send(http::Method::POST, &url, Some(object), None)
            .await
    }

    pub async fn replace(
        &self,
        resource: &Resource,
        namespace: &str,
        name: &str,
        object: &Value,
        options: &WriteOptions,
    ) -> Result<Value, ClusterError> {
        let url = with_write_params(resource.item(namespace, name), options, None);
        self.send(http::Method::PUT, &url, Some(object), None).await
    }

    pub async fn patch(
        &self,
        resource: &Resource,
        namespace: &str,
        name: &str,
        patch: &Patch,
        options: &WriteOptions,
    ) -> Result<Value, ClusterError> {
        let force = matches!(patch, Patch::Apply { force: true, .. });
        let url = with_write_params(resource.item(namespace, name), options, Some(force));
        self.send(
            http::Method::PATCH,
            &url,
            Some(patch.body()),
            Some(patch.content_type()),
        )
        .await
    }

    /// Deletes an object; `Ok(false)` when it was already gone.
    pub async fn delete(
        &self,
        resource: &Resource,
        namespace: &str,
        name: &str,
        propagation: Propagation,
        dry_run: bool,
    ) -> Result<bool, ClusterError> {
        let url = resource.item(namespace, name);
        let mut body = serde_json::json!({
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "propagationPolicy": propagation.as_str(),
        });
        if dry_run {
            body["dryRun"] = serde_json::json!(["All"]);
        }
        match self
            .send(http::Method::DELETE, &url, Some(&body), None)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn send(
        &self,
        method: http::Method,
        url: &str,
        body: Option<&Value>,
        content_type: Option<&str>,
    ) -> Result<Value, ClusterError> {
        let what = || format!("{method} {url}");
        let bytes = match body {
            Some(v) => serde_json::to_vec(v).map_err(|e| ClusterError::Transport {
                what: what(),
                message: e.to_string(),
            })?,
            None => Vec::new(),
        };
        let mut request = http::Request::builder().method(method.clone()).uri(url);
        if body.is_some() {
            request = request.header(
                http::header::CONTENT_TYPE,
                content_type.unwrap_or("application/json"),
            );
        }
        let request = request.body(bytes).map_err(|e| ClusterError::Transport {
            what: what(),
            message: e.to_string(),
        })?;
        // The semaphore is never closed, so acquiring only waits.
        let _permit = self.in_flight.acquire().await;
        self.client
            .request::<Value>(request)
            .await
            .map_err(|e| ClusterError::from_kube(what, e))
    }
}

fn with_write_params(mut url: String, options: &WriteOptions, force: Option<bool>) -> String {
    let mut params = Vec::new();
    if !options.field_manager.is_empty() {
        params.push(format!(
            "fieldManager={}",
            encode_query(&options.field_manager)
        ));
    }
    if options.dry_run {
        params.push("dryRun=All".to_string());
    }
    if force == Some(true) {
        params.push("force=true".to_string());
    }
    if !params.is_empty() {
        url.push('?');
        url.push_str(&params.join("&"));
    }
    url
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployments() -> Resource {
        Resource {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
            namespaced: true,
        }
    }

    #[test]
    fn urls_follow_group_and_scope() {
        assert_eq!(
            deployments().item("web", "api"),
            "/apis/apps/v1/namespaces/web/deployments/api"
        );
        let ns = Resource {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            plural: "namespaces".into(),
            namespaced: false,
        };
        assert_eq!(ns.item("ignored", "web"), "/api/v1/namespaces/web");
    }

    #[test]
    fn write_params_carry_manager_dry_run_and_force() {
        let options = WriteOptions {
            field_manager: "helm".into(),
            dry_run: true,
        };
        assert_eq!(
            with_write_params("/x".into(), &options, Some(true)),
            "/x?fieldManager=helm&dryRun=All&force=true"
        );
        assert_eq!(
            with_write_params("/x".into(), &WriteOptions::default(), Some(false)),
            "/x"
        );
        assert_eq!(encode_query("a in (b,c)"), "a%20in%20%28b%2Cc%29");
    }

    /// The most requests a plain-HTTP server saw at once while `requests`
    /// GETs went out together through one `Cluster`.
    async fn peak_in_flight(requests: usize) -> usize {
        use std::sync::atomic::{AtomicUsize, Ordering};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (now_served, peak_served) = (now.clone(), peak.clone());
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (now, peak) = (now_served.clone(), peak_served.clone());
                let service = hyper::service::service_fn(move |_request| {
                    let (now, peak) = (now.clone(), peak.clone());
                    async move {
                        peak.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                        now.fetch_sub(1, Ordering::SeqCst);
                        Ok::<_, std::convert::Infallible>(http::Response::new(
                            http_body_util::Full::new(&b"{}"[..]),
                        ))
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        let config = kube::Config::new(format!("http://{address}").parse().unwrap());
        let cluster = Cluster::new(kube::Client::try_from(config).unwrap());
        let resource = deployments();
        let names: Vec<String> = (0..requests).map(|i| format!("app-{i}")).collect();
        let answers =
            futures_util::future::join_all(names.iter().map(|n| cluster.get(&resource, "web", n)))
                .await;
        assert!(
            answers.iter().all(|a| matches!(a, Ok(Some(_)))),
            "{answers:?}"
        );
        peak.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn requests_in_flight_reach_the_limit_and_stop_there() {
        assert_eq!(peak_in_flight(MAX_IN_FLIGHT).await, MAX_IN_FLIGHT);
        assert_eq!(peak_in_flight(MAX_IN_FLIGHT * 4).await, MAX_IN_FLIGHT);
    }
}
