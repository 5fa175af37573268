//! The `secret` and `configmap` drivers: one release revision per Kubernetes
//! object, exactly as Helm's `Secrets` and `ConfigMaps` drivers keep them.
//!
//! Both share this one core; [`RecordObject`] says only how a body sits in
//! the object (a Secret's `data.release` bytes, a ConfigMap's
//! `data.release` string). Names, labels, size limit, paging and the
//! mapping of API answers to [`StorageError`]s are common.
//!
//! What Helm does and this copies: the object is named
//! `sh.helm.release.v1.NAME.vREV`; labels are the release's custom labels
//! plus `name`, `owner=helm`, `status`, `version`, with `createdAt` on
//! create and `modifiedAt` on update (an update replaces the labels, so
//! `createdAt` is gone afterwards, as with Helm); delete reads and decodes the
//! record first and fails without deleting when it cannot be decoded.
//! What it adds: updates and deletes carry the resourceVersion the record was
//! read at, so a concurrent writer is detected instead of overwritten; lists
//! are paged; records are sized before sending; the latest revision of each
//! release is chosen from a metadata-only listing, so only the bodies shown
//! are transferred.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::marker::PhantomData;

use async_trait::async_trait;
use futures_util::stream::{self, StreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{ByteString, NamespaceResourceScope};
use kube::api::{
    Api, DeleteParams, ListParams, PostParams, Preconditions, WatchEvent, WatchParams,
};
use kube::core::Status as ApiStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::kube::labels::is_label_value;
use crate::release::{GoTime, Release, Status, codec};

use super::{
    Changes, Driver, OWNER, Query, RECORD_TYPE, RecordHeader, StorageError, StoredRecord,
    parse_record_key, placed_by_labels, record_key,
};

/// How many body requests `latest` has in flight after choosing by label.
pub const FETCH_CONCURRENCY: usize = 16;

/// Release names per `name in (...)` body query, which keeps its URL short
/// (names are at most 53 characters).
pub const NAMES_PER_QUERY: usize = 100;

/// Kubernetes refuses a Secret or ConfigMap whose data values add up to more
/// than this (`MaxSecretSize`, also the ConfigMap limit). A record's data is
/// its one encoded body, so this bounds the body's length.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// Objects asked for per list request. A page's bodies are the most a scan
/// holds at once beyond what its caller keeps.
pub const PAGE_SIZE: u32 = 500;

/// The key of a record's body in the object's `data`.
const DATA_KEY: &str = "release";

/// How long one watch of [`Driver::changes`] asks the server to last
/// (kube-apiserver caps watches at a few minutes anyway; callers ask again).
const WATCH_SECONDS: u32 = 290;

/// How one kind of object holds a record.
pub trait RecordObject:
    kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
    + Clone
    + Debug
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    /// Helm's driver name, which is also the kind: `Secret`, `ConfigMap`.
    const DRIVER: &'static str;

    /// A new object holding `body` under `metadata`.
    fn with_body(metadata: ObjectMeta, body: String) -> Self;

    /// The object's metadata and its body as text (empty when missing, which
    /// then fails to decode and is reported like any corrupt record).
    fn into_parts(self) -> (ObjectMeta, String);
}

impl RecordObject for Secret {
    const DRIVER: &'static str = "Secret";

    fn with_body(metadata: ObjectMeta, body: String) -> Secret {
        Secret {
            metadata,
            type_: Some(RECORD_TYPE.to_owned()),
            // The body's base64 text is the Secret's data, so Kubernetes
            // base64-encodes it once more on the wire, as with Helm.
            data: Some(BTreeMap::from([(
                DATA_KEY.to_owned(),
                ByteString(body.into_bytes()),
            )])),
            ..Secret::default()
        }
    }

    fn into_parts(self) -> (ObjectMeta, String) {
        let body = self
            .data
            .and_then(|mut data| data.remove(DATA_KEY))
            .map(|bytes| {
                String::from_utf8(bytes.0)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            })
            .unwrap_or_default();
        (self.metadata, body)
    }
}

impl RecordObject for ConfigMap {
    const DRIVER: &'static str = "ConfigMap";

    fn with_body(metadata: ObjectMeta, body: String) -> ConfigMap {
        ConfigMap {
            metadata,
            data: Some(BTreeMap::from([(DATA_KEY.to_owned(), body)])),
            ..ConfigMap::default()
        }
    }

    fn into_parts(self) -> (ObjectMeta, String) {
        let body = self
            .data
            .and_then(|mut data| data.remove(DATA_KEY))
            .unwrap_or_default();
        (self.metadata, body)
    }
}

/// A metadata-only list page, read for names and labels alone: the rest
/// (managedFields above all) is skipped while parsing instead of built,
/// and strings are borrowed from the page's text where they can be.
#[derive(Deserialize)]
struct LabelsPage<'a> {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default, borrow)]
    items: Vec<LabelsItem<'a>>,
}

#[derive(Default, Deserialize)]
struct PageMeta {
    #[serde(rename = "continue")]
    continue_token: Option<String>,
}

#[derive(Deserialize)]
struct LabelsItem<'a> {
    #[serde(default, borrow)]
    metadata: ItemMeta<'a>,
}

#[derive(Default, Deserialize)]
struct ItemMeta<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    namespace: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    labels: PageLabels<'a>,
}

/// An item's labels as the page lists them: a handful each, so a list
/// searched in place costs less than a map built and dropped per item.
#[derive(Default)]
struct PageLabels<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'de: 'a, 'a> Deserialize<'de> for PageLabels<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = PageLabels<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of labels or null")
            }

            fn visit_unit<E>(self) -> Result<PageLabels<'a>, E> {
                Ok(PageLabels::default())
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<PageLabels<'a>, M::Error> {
                let mut labels = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry::<BorrowedCow<'a>, BorrowedCow<'a>>()? {
                    labels.push((entry.0.0, entry.1.0));
                }
                Ok(PageLabels(labels))
            }
        }
        deserializer.deserialize_any(Visitor(PhantomData))
    }
}

/// A string borrowed from the page unless it has escapes.
#[derive(Deserialize)]
struct BorrowedCow<'a>(#[serde(borrow)] Cow<'a, str>);

impl ItemMeta<'_> {
    fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .0
            .iter()
            .rev() // a key given twice means its last value, as in a map
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    fn owned_labels(&self) -> BTreeMap<String, String> {
        self.labels
            .0
            .iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
            .collect()
    }
}

/// Bodies `latest` asks for: one record by name, or the chosen records of
/// several releases that share a namespace and revision.
enum Fetch {
    One(RecordHeader),
    Batch {
        namespace: String,
        version: i64,
        keys: Vec<String>,
        names: Vec<String>,
    },
}

/// Releases kept in objects of kind `K`, in whichever namespace each call names.
pub struct KubeRecords<K> {
    client: kube::Client,
    kind: PhantomData<fn() -> K>,
}

/// Helm's `secret` driver (the default).
pub type Secrets = KubeRecords<Secret>;

/// Helm's `configmap` driver. Bodies are only base64, readable by anyone who
/// may read ConfigMaps in the namespace.
pub type ConfigMaps = KubeRecords<ConfigMap>;

impl<K: RecordObject> KubeRecords<K> {
    pub fn new(client: kube::Client) -> KubeRecords<K> {
        KubeRecords {
            client,
            kind: PhantomData,
        }
    }

    fn api(&self, namespace: &str) -> Api<K> {
        Api::namespaced(self.client.clone(), namespace)
    }

    /// The object for a release, labelled as Helm labels it, and its body's
    /// size; `stamp` is `createdAt` or `modifiedAt`, `resource_version` the
    /// version an update must find.
    fn object(
        release: &Release,
        stamp: &str,
        resource_version: Option<String>,
    ) -> Result<(K, usize), StorageError> {
        if release.name.is_empty() || release.namespace.is_empty() {
            return Err(StorageError::InvalidRelease(
                "a release needs a name and a namespace to be stored".into(),
            ));
        }
        let key = record_key(&release.name, release.version);
        let body = codec::encode(release).map_err(|e| StorageError::Backend {
            driver: K::DRIVER,
            message: format!("cannot encode {key}: {e}"),
        })?;
        check_size::<K>(&key, body.len())?;
        let mut labels = release.labels.clone();
        // Helm sets the stamp before applying the custom labels again, so a
        // custom label of the same name wins.
        labels
            .entry(stamp.to_owned())
            .or_insert_with(|| GoTime::now().unix_seconds().to_string());
        labels.insert("name".into(), release.name.clone());
        labels.insert("owner".into(), OWNER.into());
        labels.insert("status".into(), release.status().as_str().to_owned());
        labels.insert("version".into(), release.version.to_string());
        let metadata = ObjectMeta {
            name: Some(key),
            namespace: Some(release.namespace.clone()),
            labels: Some(labels),
            resource_version,
            ..ObjectMeta::default()
        };
        let size = body.len();
        Ok((K::with_body(metadata, body), size))
    }

    /// The records one [`Fetch`] names, as they are now.
    async fn fetch(&self, fetch: Fetch) -> Result<Vec<StoredRecord>, StorageError> {
        match fetch {
            Fetch::One(header) => Ok(self
                .read(&header.namespace, &header.key)
                .await?
                .map(|o| stored(o, &header.namespace))
                .into_iter()
                .collect()),
            Fetch::Batch {
                namespace,
                version,
                keys,
                names,
            } => {
                let selector = format!(
                    "owner={OWNER},version={version},name in ({})",
                    names.join(",")
                );
                let list = self
                    .api(&namespace)
                    .list(&ListParams::default().labels(&selector))
                    .await
                    .map_err(|e| failure::<K>(Op::List, None, &namespace, 0, e))?;
                // Labels could claim more than the chosen objects; keep those.
                Ok(list
                    .items
                    .into_iter()
                    .map(|o| stored(o, &namespace))
                    .filter(|r| keys.contains(&r.header.key))
                    .collect())
            }
        }
    }

    /// Reads one object; `None` when it does not exist.
    async fn read(&self, namespace: &str, key: &str) -> Result<Option<K>, StorageError> {
        self.api(namespace)
            .get_opt(key)
            .await
            .map_err(|e| failure::<K>(Op::Read, Some(key), namespace, 0, e))
    }
}

/// The error for a failed API call on `key` (or on the list when `key`
/// is `None`).
fn failure<K: RecordObject>(
    op: Op,
    key: Option<&str>,
    namespace: &str,
    size: usize,
    error: kube::Error,
) -> StorageError {
    let owned_key = || key.unwrap_or_default().to_owned();
    let status = match error {
        kube::Error::Api(status) => status,
        other => return backend::<K>(op, key, namespace, &crate::kube::with_causes(&other)),
    };
    match (op, status.code, status.reason.as_str()) {
        (Op::Read | Op::Update | Op::Delete, 404, _) => StorageError::NotFound { key: owned_key() },
        (Op::Create, 409, "AlreadyExists") => StorageError::Exists { key: owned_key() },
        (Op::Update | Op::Delete, 409, _) => StorageError::Conflict { key: owned_key() },
        (Op::Create | Op::Update, 422, _) if is_too_long(&status) => StorageError::TooLarge {
            key: owned_key(),
            driver: K::DRIVER,
            size,
            limit: MAX_RECORD_BYTES,
        },
        _ => backend::<K>(op, key, namespace, &status.message),
    }
}

fn backend<K: RecordObject>(
    op: Op,
    key: Option<&str>,
    namespace: &str,
    message: &str,
) -> StorageError {
    let what = match key {
        Some(key) => format!("{} {key}", K::DRIVER),
        None => format!("{}s", K::DRIVER),
    };
    let place = if namespace.is_empty() {
        "in all namespaces".to_owned()
    } else {
        format!("in namespace {namespace:?}")
    };
    StorageError::Backend {
        driver: K::DRIVER,
        message: format!("cannot {} {what} {place}: {message}", op.verb()),
    }
}

/// Which call failed, to tell what an API answer means for it.
#[derive(Clone, Copy)]
enum Op {
    Read,
    List,
    Create,
    Update,
    Delete,
}

impl Op {
    fn verb(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::List => "list",
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// Refuses a body Kubernetes would refuse, before anything is sent.
fn check_size<K: RecordObject>(key: &str, size: usize) -> Result<(), StorageError> {
    if size > MAX_RECORD_BYTES {
        return Err(StorageError::TooLarge {
            key: key.to_owned(),
            driver: K::DRIVER,
            size,
            limit: MAX_RECORD_BYTES,
        });
    }
    Ok(())
}

/// The API server's "data too long" refusal (422 with a FieldValueTooLong cause).
fn is_too_long(status: &ApiStatus) -> bool {
    let cause = status.details.as_ref().is_some_and(|details| {
        details
            .causes
            .iter()
            .any(|cause| cause.reason == "FieldValueTooLong")
    });
    cause || status.message.contains("Too long")
}

/// The label selector for a query, as Helm's `List` and `Query` build it.
fn selector(query: &Query) -> Result<String, StorageError> {
    let mut selector = format!("owner={OWNER}");
    let wanted = [
        ("name", query.name.as_deref()),
        ("status", query.status.as_ref().map(Status::as_str)),
    ];
    for (label, value) in wanted {
        let Some(value) = value else { continue };
        if !is_label_value(value) {
            return Err(StorageError::InvalidRelease(format!(
                "invalid label value: {value:?}: a release {label} must be 63 characters or fewer of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
            )));
        }
        selector.push_str(&format!(",{label}={value}"));
    }
    Ok(selector)
}

/// What a record's labels say about it, or (see [`RecordHeader::from_key`])
/// what its object name says.
fn header(key: &str, namespace: &str, labels: &BTreeMap<String, String>) -> RecordHeader {
    RecordHeader::from_labels(key, namespace, labels)
        .unwrap_or_else(|| RecordHeader::from_key(key, namespace, labels))
}

/// An object as a record: header from its labels, body still encoded.
fn stored<K: RecordObject>(object: K, fallback_namespace: &str) -> StoredRecord {
    let (metadata, body) = object.into_parts();
    let key = metadata.name.unwrap_or_default();
    let namespace = metadata
        .namespace
        .unwrap_or_else(|| fallback_namespace.to_owned());
    let labels = metadata.labels.unwrap_or_default();
    StoredRecord {
        header: header(&key, &namespace, &labels),
        body,
        stored_as: metadata.resource_version,
    }
}

#[async_trait]
impl<K: RecordObject> Driver for KubeRecords<K> {
    fn name(&self) -> &'static str {
        K::DRIVER
    }

    async fn create(&self, release: &Release) -> Result<Option<String>, StorageError> {
        let (object, size) = Self::object(release, "createdAt", None)?;
        let key = record_key(&release.name, release.version);
        let written = self
            .api(&release.namespace)
            .create(&PostParams::default(), &object)
            .await
            .map_err(|e| failure::<K>(Op::Create, Some(&key), &release.namespace, size, e))?;
        Ok(written.meta().resource_version.clone())
    }

    async fn update(&self, release: &Release) -> Result<Option<String>, StorageError> {
        let (object, size) = Self::object(release, "modifiedAt", release.stored_as.clone())?;
        let key = record_key(&release.name, release.version);
        let written = self
            .api(&release.namespace)
            .replace(&key, &PostParams::default(), &object)
            .await
            .map_err(|e| failure::<K>(Op::Update, Some(&key), &release.namespace, size, e))?;
        Ok(written.meta().resource_version.clone())
    }

    async fn delete(
        &self,
        namespace: &str,
        name: &str,
        version: i64,
    ) -> Result<Release, StorageError> {
        let key = record_key(name, version);
        let object = self
            .read(namespace, &key)
            .await?
            .ok_or_else(|| StorageError::NotFound { key: key.clone() })?;
        let record = stored(object, namespace);
        let release = record.decode()?;
        // Only the version just read and decoded is deleted.
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                resource_version: record.stored_as.clone(),
                uid: None,
            }),
            ..DeleteParams::default()
        };
        self.api(namespace)
            .delete(&key, &params)
            .await
            .map_err(|e| failure::<K>(Op::Delete, Some(&key), namespace, 0, e))?;
        Ok(release)
    }

    async fn get(
        &self,
        namespace: &str,
        name: &str,
        version: i64,
    ) -> Result<Release, StorageError> {
        let key = record_key(name, version);
        match self.read(namespace, &key).await? {
            Some(object) => stored(object, namespace).decode(),
            None => Err(StorageError::NotFound { key }),
        }
    }

    async fn scan(
        &self,
        query: &Query,
        visit: &mut (dyn FnMut(StoredRecord) + Send),
    ) -> Result<(), StorageError> {
        let selector = selector(query)?;
        let namespace = query.namespace.clone().unwrap_or_default();
        let api: Api<K> = match &query.namespace {
            Some(namespace) => self.api(namespace),
            None => Api::all(self.client.clone()),
        };
        let mut params = ListParams::default().labels(&selector).limit(PAGE_SIZE);
        loop {
            let page = api
                .list(&params)
                .await
                .map_err(|e| failure::<K>(Op::List, None, &namespace, 0, e))?;
            for object in page.items {
                visit(stored(object, &namespace));
            }
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => params = params.continue_token(&token),
                _ => return Ok(()),
            }
        }
    }

    /// A watch on the records' objects (label `owner=helm`) from the
    /// current resourceVersion, so no existing record is sent; any write or
    /// delete is a change. The stream ends with the watch (the server's
    /// timeout, an error such as an expired resourceVersion).
    async fn changes(&self, namespace: Option<&str>) -> Result<Option<Changes>, StorageError> {
        let api: Api<K> = match namespace {
            Some(namespace) => self.api(namespace),
            None => Api::all(self.client.clone()),
        };
        let place = namespace.unwrap_or_default();
        let selector = format!("owner={OWNER}");
        let now = api
            .list_metadata(&ListParams::default().labels(&selector).limit(1))
            .await
            .map_err(|e| failure::<K>(Op::List, None, place, 0, e))?;
        let version = now.metadata.resource_version.unwrap_or_default();
        let events = api
            .watch(
                &WatchParams::default()
                    .labels(&selector)
                    .timeout(WATCH_SECONDS),
                &version,
            )
            .await
            .map_err(|e| failure::<K>(Op::List, None, place, 0, e))?;
        let changes = events
            .take_while(|event| {
                std::future::ready(matches!(
                    event,
                    Ok(WatchEvent::Added(_) | WatchEvent::Modified(_) | WatchEvent::Deleted(_))
                        | Ok(WatchEvent::Bookmark(_))
                ))
            })
            .filter_map(|event| {
                std::future::ready(match event {
                    Ok(WatchEvent::Bookmark(_)) => None,
                    _ => Some(()),
                })
            })
            .boxed();
        Ok(Some(changes))
    }

    /// Chooses each release's highest revision from a metadata-only listing
    /// (labels, no bodies), then fetches just those objects. Helm lists and
    /// decodes every revision; this moves a tenth of the bytes for releases
    /// with ten revisions.
    async fn latest(&self, query: &Query) -> Result<Vec<StoredRecord>, StorageError> {
        let selector = selector(query)?;
        let namespace = query.namespace.clone().unwrap_or_default();
        let url = K::url_path(&(), query.namespace.as_deref());
        // Per namespace and release: the highest revision's header, and
        // whether its labels (not just its object name) placed it, so a label
        // query finds it. A header is built only when it beats the one kept.
        let mut chosen: BTreeMap<String, BTreeMap<String, (RecordHeader, bool)>> = BTreeMap::new();
        let mut params = ListParams::default().labels(&selector).limit(PAGE_SIZE);
        loop {
            let request = kube::core::Request::new(url.as_str())
                .list_metadata(&params)
                .map_err(|e| {
                    failure::<K>(Op::List, None, &namespace, 0, kube::Error::BuildRequest(e))
                })?;
            let text = self
                .client
                .request_text(request)
                .await
                .map_err(|e| failure::<K>(Op::List, None, &namespace, 0, e))?;
            let page: LabelsPage = serde_json::from_str(&text).map_err(|e| {
                failure::<K>(Op::List, None, &namespace, 0, kube::Error::SerdeError(e))
            })?;
            for object in &page.items {
                let meta = &object.metadata;
                let key = meta.name.as_deref().unwrap_or_default();
                let ns = meta.namespace.as_deref().unwrap_or(&namespace);
                let by_labels = placed_by_labels(|k| meta.label(k));
                let (name, version) = by_labels
                    .or_else(|| parse_record_key(key))
                    .unwrap_or((key, 0));
                let releases = match chosen.get_mut(ns) {
                    Some(releases) => releases,
                    None => chosen.entry(ns.to_owned()).or_default(),
                };
                if releases
                    .get(name)
                    .is_some_and(|(seen, _)| seen.version >= version)
                {
                    continue;
                }
                let header = RecordHeader::build(key, ns, &meta.owned_labels(), name, version);
                releases.insert(name.to_owned(), (header, by_labels.is_some()));
            }
            match page.metadata.continue_token {
                Some(token) if !token.is_empty() => params = params.continue_token(&token),
                _ => break,
            }
        }

        // Bodies: releases at the same revision in a namespace come in one
        // label query (`version=V,name in (...)`), a few requests instead of
        // one per release; records only their object name places are read
        // one by one.
        let mut batches: BTreeMap<(String, i64), Vec<RecordHeader>> = BTreeMap::new();
        let mut singles = Vec::new();
        for (header, labelled) in chosen.into_values().flat_map(BTreeMap::into_values) {
            match labelled {
                true => batches
                    .entry((header.namespace.clone(), header.version))
                    .or_default()
                    .push(header),
                false => singles.push(header),
            }
        }
        let mut fetches: Vec<Fetch> = singles.into_iter().map(Fetch::One).collect();
        for ((ns, version), headers) in batches {
            for chunk in headers.chunks(NAMES_PER_QUERY) {
                fetches.push(Fetch::Batch {
                    namespace: ns.clone(),
                    version,
                    keys: chunk.iter().map(|h| h.key.clone()).collect(),
                    names: chunk.iter().map(|h| h.name.clone()).collect(),
                });
            }
        }
        let fetched: Vec<Result<Vec<StoredRecord>, StorageError>> = stream::iter(fetches)
            .map(|fetch| self.fetch(fetch))
            .buffered(FETCH_CONCURRENCY)
            .collect()
            .await;
        let mut records = Vec::new();
        for batch in fetched {
            // A record deleted since the listing is simply gone.
            records.extend(batch?);
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::labels::MAX_LABEL_VALUE;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn sizes_at_the_limit_pass_and_past_it_are_refused() {
        assert!(check_size::<Secret>("k", MAX_RECORD_BYTES).is_ok());
        assert!(check_size::<ConfigMap>("k", MAX_RECORD_BYTES).is_ok());
        let err =
            check_size::<ConfigMap>("sh.helm.release.v1.big.v1", MAX_RECORD_BYTES + 1).unwrap_err();
        assert!(
            matches!(
                err,
                StorageError::TooLarge {
                    driver: "ConfigMap",
                    size,
                    limit: MAX_RECORD_BYTES,
                    ..
                } if size == MAX_RECORD_BYTES + 1
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("sh.helm.release.v1.big.v1"),
            "{err}"
        );
    }

    #[test]
    fn list_pages_read_labels_borrowed_escaped_null_or_missing() {
        let text = r#"{"apiVersion": "meta.k8s.io/v1", "items": [
            {"metadata": {"name": "a", "namespace": "x", "labels": {"name": "web", "version": "2", "version": "3"},
                          "managedFields": [{"fieldsV1": {"f:metadata": {}}}]}},
            {"metadata": {"name": "b", "labels": {"te\u0061m": "a\/b"}}},
            {"metadata": {"name": "c", "labels": null}},
            {"metadata": {"name": "d"}},
            {}
        ], "kind": "PartialObjectMetadataList", "metadata": {"continue": "next"}}"#;
        let page: LabelsPage = serde_json::from_str(text).unwrap();
        assert_eq!(page.metadata.continue_token.as_deref(), Some("next"));
        let metas: Vec<&ItemMeta> = page.items.iter().map(|i| &i.metadata).collect();
        assert_eq!(metas[0].label("name"), Some("web"));
        assert_eq!(
            metas[0].label("version"),
            Some("3"),
            "the last of a repeated key"
        );
        assert_eq!(metas[0].owned_labels()["version"], "3");
        assert!(matches!(metas[0].labels.0[0].0, Cow::Borrowed(_)));
        assert_eq!(metas[1].label("team"), Some("a/b"));
        assert_eq!(metas[1].namespace, None);
        assert!(metas[2].labels.0.is_empty() && metas[3].labels.0.is_empty());
        assert_eq!(metas[4].name, None);
        assert!(
            serde_json::from_str::<LabelsPage>(r#"{"items": [{"metadata": {"labels": 7}}]}"#)
                .is_err()
        );
    }

    #[test]
    fn headers_fall_back_to_the_object_name_then_to_revision_zero() {
        let good = labels(&[
            ("name", "web"),
            ("owner", "helm"),
            ("status", "deployed"),
            ("version", "3"),
            ("team", "a"),
        ]);
        let h = header("sh.helm.release.v1.web.v3", "apps", &good);
        assert_eq!((h.name.as_str(), h.version), ("web", 3));
        assert_eq!(h.labels, labels(&[("team", "a")]));

        let no_version = labels(&[("owner", "helm"), ("status", "failed")]);
        let h = header("sh.helm.release.v1.web.v4", "apps", &no_version);
        assert_eq!((h.name.as_str(), h.version), ("web", 4));
        assert_eq!(h.status, Status::Failed);

        let h = header("hand-made", "apps", &no_version);
        assert_eq!((h.name.as_str(), h.version), ("hand-made", 0));
    }

    #[test]
    fn selectors_follow_helm_and_refuse_unselectable_values() {
        assert_eq!(selector(&Query::namespace(None)).unwrap(), "owner=helm");
        let query = Query {
            namespace: Some("apps".into()),
            name: Some("web".into()),
            status: Some(Status::PendingUpgrade),
        };
        assert_eq!(
            selector(&query).unwrap(),
            "owner=helm,name=web,status=pending-upgrade"
        );
        for bad in ["a,b", "-a", "a b", &"x".repeat(MAX_LABEL_VALUE + 1)] {
            let err = selector(&Query::release("apps", bad)).unwrap_err();
            assert!(err.to_string().contains("invalid label value"), "{err}");
        }
        assert!(selector(&Query::release("apps", &"x".repeat(MAX_LABEL_VALUE))).is_ok());
    }

    fn api_error(code: u16, reason: &str, message: &str, cause: Option<&str>) -> kube::Error {
        let causes: Vec<serde_json::Value> = cause
            .map(|c| serde_json::json!({"reason": c, "message": message, "field": "data"}))
            .into_iter()
            .collect();
        let status: ApiStatus = serde_json::from_value(serde_json::json!({
            "status": "Failure", "code": code, "reason": reason, "message": message,
            "details": {"causes": causes},
        }))
        .unwrap();
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn api_answers_become_storage_errors() {
        let key = Some("sh.helm.release.v1.web.v1");
        let fail = |op, code, reason, message, cause| {
            failure::<Secret>(op, key, "apps", 10, api_error(code, reason, message, cause))
        };
        assert!(fail(Op::Read, 404, "NotFound", "gone", None).is_not_found());
        assert!(matches!(
            fail(Op::Create, 409, "AlreadyExists", "exists", None),
            StorageError::Exists { .. }
        ));
        assert!(matches!(
            fail(
                Op::Update,
                409,
                "Conflict",
                "the object has been modified",
                None
            ),
            StorageError::Conflict { .. }
        ));
        assert!(matches!(
            fail(Op::Delete, 409, "Conflict", "Precondition failed", None),
            StorageError::Conflict { .. }
        ));
        let too_long =
            "Secret \"x\" is invalid: data: Too long: may not be more than 1048576 bytes";
        assert!(matches!(
            fail(
                Op::Update,
                422,
                "Invalid",
                too_long,
                Some("FieldValueTooLong")
            ),
            StorageError::TooLarge {
                size: 10,
                limit: MAX_RECORD_BYTES,
                driver: "Secret",
                ..
            }
        ));
        // A missing namespace on create is not a missing release.
        let err = fail(
            Op::Create,
            404,
            "NotFound",
            "namespaces \"apps\" not found",
            None,
        );
        assert_eq!(
            err.to_string(),
            "Secret driver: cannot create Secret sh.helm.release.v1.web.v1 in namespace \"apps\": namespaces \"apps\" not found"
        );
        let err = failure::<ConfigMap>(
            Op::List,
            None,
            "",
            0,
            api_error(403, "Forbidden", "configmaps is forbidden", None),
        );
        assert_eq!(
            err.to_string(),
            "ConfigMap driver: cannot list ConfigMaps in all namespaces: configmaps is forbidden"
        );
    }

    #[derive(Debug, thiserror::Error)]
    #[error("client error (Connect)")]
    struct Opaque(#[source] std::io::Error);

    #[test]
    fn transport_errors_keep_their_causes() {
        let refused =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let error = kube::Error::Service(Box::new(Opaque(refused)));
        let text = failure::<Secret>(Op::Read, Some("k"), "apps", 0, error).to_string();
        assert_eq!(
            text,
            "Secret driver: cannot read Secret k in namespace \"apps\": ServiceError: client error (Connect): connection refused"
        );
    }

    #[test]
    fn objects_hold_the_body_where_helm_puts_it() {
        let meta = ObjectMeta {
            name: Some("sh.helm.release.v1.web.v1".into()),
            ..ObjectMeta::default()
        };
        let secret = Secret::with_body(meta.clone(), "Ym9keQ==".into());
        assert_eq!(secret.type_.as_deref(), Some(RECORD_TYPE));
        let json = serde_json::to_value(&secret).unwrap();
        // Helm's body is base64 text, base64-encoded again as Secret data.
        assert_eq!(json["data"]["release"], "WW05a2VRPT0=");
        assert_eq!(secret.into_parts().1, "Ym9keQ==");

        let cm = ConfigMap::with_body(meta, "Ym9keQ==".into());
        assert_eq!(
            serde_json::to_value(&cm).unwrap()["data"]["release"],
            "Ym9keQ=="
        );
        assert_eq!(cm.into_parts().1, "Ym9keQ==");
        assert_eq!(Secret::default().into_parts().1, "");
    }
}
