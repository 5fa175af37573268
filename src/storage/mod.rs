//! Where release records live: the [`Driver`] trait Helm's four backends
//! implement, chosen by `HELM_DRIVER`, and [`Storage`], the queries the
//! engine and the UI ask of any of them.
//!
//! Drivers answer queries with [`StoredRecord`]s: what the labels or columns
//! say (name, revision, status) plus the still-encoded body. Decoding, the
//! expensive part, happens only for the records a view actually shows, and in
//! parallel.

mod kube_records;
mod memory;
pub mod migrate;
mod record;
pub mod seed;
pub mod sql;

use std::collections::BTreeMap;

use async_trait::async_trait;
use thiserror::Error;

use crate::release::codec::CodecError;
use crate::release::{Release, Status};

pub use kube_records::{
    ConfigMaps, KubeRecords, MAX_RECORD_BYTES, PAGE_SIZE, RecordObject, Secrets,
};
pub use memory::Memory;
pub use record::{
    RecordHeader, StoredRecord, decode_all, decode_each, parse_record_key, placed_by_labels,
};
pub use sql::Sql;

/// The prefix of every record's key (Secret/ConfigMap name, SQL `key`).
pub const KEY_PREFIX: &str = "sh.helm.release.v1";

/// The `type` Helm gives its Secrets and SQL rows.
pub const RECORD_TYPE: &str = "helm.sh/release.v1";

/// The `owner` label/column of every Helm record.
pub const OWNER: &str = "helm";

/// Labels the drivers set themselves; a release's custom labels may not use them.
pub const SYSTEM_LABELS: [&str; 6] = [
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];

/// `sh.helm.release.v1.NAME.vREVISION`.
pub fn record_key(name: &str, version: i64) -> String {
    format!("{KEY_PREFIX}.{name}.v{version}")
}

/// The custom labels of a label set: everything but [`SYSTEM_LABELS`].
pub fn custom_labels(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels
        .iter()
        .filter(|(k, _)| !SYSTEM_LABELS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The backends `HELM_DRIVER` may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverKind {
    Secret,
    ConfigMap,
    Memory,
    Sql,
}

impl DriverKind {
    /// Reads `HELM_DRIVER` as Helm does: empty means `secret`, plurals are
    /// accepted, and anything else is an error naming the choices.
    pub fn parse(value: &str) -> Result<DriverKind, StorageError> {
        match value {
            "" | "secret" | "secrets" => Ok(DriverKind::Secret),
            "configmap" | "configmaps" => Ok(DriverKind::ConfigMap),
            "memory" => Ok(DriverKind::Memory),
            "sql" => Ok(DriverKind::Sql),
            other => Err(StorageError::UnknownDriver(other.to_owned())),
        }
    }
}

#[derive(Debug, Error)]
pub enum StorageError {
    #[error(
        "unknown storage driver {0:?} in HELM_DRIVER; use secret (the default), configmap, memory or sql"
    )]
    UnknownDriver(String),
    /// Helm's `ErrReleaseNotFound`, worded as Helm prints it.
    #[error("release: not found")]
    NotFound { key: String },
    /// Helm's `ErrReleaseExists`.
    #[error("release: already exists")]
    Exists { key: String },
    #[error(
        "release record {key} changed since it was read (another helm or wheelhouse wrote it); read it again and retry"
    )]
    Conflict { key: String },
    #[error("release record {key} in namespace {namespace:?} cannot be decoded: {source}")]
    Corrupt {
        key: String,
        namespace: String,
        #[source]
        source: CodecError,
    },
    #[error(
        "release record {key} is {size} bytes encoded, over the {limit}-byte limit of the {driver} driver; lower the chart's size (large files in the chart are stored in every revision)"
    )]
    TooLarge {
        key: String,
        driver: &'static str,
        size: usize,
        limit: usize,
    },
    /// Helm's `ErrNoDeployedReleases`.
    #[error("{name:?} has no deployed releases")]
    NoDeployed { name: String },
    #[error("invalid release: {0}")]
    InvalidRelease(String),
    #[error("{driver} driver: {message}")]
    Backend {
        driver: &'static str,
        message: String,
    },
}

impl StorageError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::NotFound { .. })
    }
}

/// Which records a query wants. `namespace: None` means every namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub status: Option<Status>,
}

impl Query {
    pub fn namespace(namespace: Option<&str>) -> Query {
        Query {
            namespace: namespace.map(str::to_owned),
            ..Query::default()
        }
    }

    pub fn release(namespace: &str, name: &str) -> Query {
        Query {
            namespace: Some(namespace.to_owned()),
            name: Some(name.to_owned()),
            status: None,
        }
    }

    /// Whether a record's header satisfies the query (for drivers that filter
    /// in memory).
    pub fn matches(&self, header: &RecordHeader) -> bool {
        self.namespace
            .as_ref()
            .is_none_or(|ns| *ns == header.namespace)
            && self.name.as_ref().is_none_or(|n| *n == header.name)
            && self.status.as_ref().is_none_or(|s| *s == header.status)
    }
}

/// What [`Driver::changes`] yields: one item per change seen.
pub type Changes = futures_util::stream::BoxStream<'static, ()>;

/// One storage backend, as Helm's `driver.Driver`. Every method names the
/// release's namespace; drivers never assume one.
#[async_trait]
pub trait Driver: Send + Sync {
    /// Helm's driver name: `Secret`, `ConfigMap`, `Memory`, `SQL`.
    fn name(&self) -> &'static str;

    /// Stores a new revision; [`StorageError::Exists`] if it is there
    /// already. Returns the stored version of what was written (what
    /// `Release::stored_as` must be for a guarded update next).
    async fn create(&self, release: &Release) -> Result<Option<String>, StorageError>;

    /// Replaces a stored revision. When `release.stored_as` is set, refuses
    /// with [`StorageError::Conflict`] if the record changed since. Returns
    /// the stored version of what was written.
    async fn update(&self, release: &Release) -> Result<Option<String>, StorageError>;

    /// Removes one revision and returns what it held.
    async fn delete(
        &self,
        namespace: &str,
        name: &str,
        version: i64,
    ) -> Result<Release, StorageError>;

    /// Reads and decodes one revision.
    async fn get(&self, namespace: &str, name: &str, version: i64)
    -> Result<Release, StorageError>;

    /// Hands every record matching `query` to `visit`, bodies still encoded,
    /// page by page where the backend pages, so a caller that keeps few of
    /// them never holds them all. Records whose labels/columns are unusable
    /// are left out, never the whole answer.
    async fn scan(
        &self,
        query: &Query,
        visit: &mut (dyn FnMut(StoredRecord) + Send),
    ) -> Result<(), StorageError>;

    /// Every record matching `query`.
    async fn query(&self, query: &Query) -> Result<Vec<StoredRecord>, StorageError> {
        let mut records = Vec::new();
        self.scan(query, &mut |record| records.push(record)).await?;
        Ok(records)
    }

    /// A stream that yields whenever a release record in `namespace` (or
    /// any namespace) is written or deleted, from now on, for backends that
    /// can tell (a Kubernetes watch); `None` for those that can't, whose
    /// callers poll instead. The stream ends when the backend stops telling
    /// (a watch timing out); callers ask again.
    async fn changes(&self, namespace: Option<&str>) -> Result<Option<Changes>, StorageError> {
        let _ = namespace;
        Ok(None)
    }

    /// The highest revision of every release matching `query`. Backends that
    /// can ask for this directly (SQL) override it.
    async fn latest(&self, query: &Query) -> Result<Vec<StoredRecord>, StorageError> {
        let mut latest: BTreeMap<(String, String), StoredRecord> = BTreeMap::new();
        self.scan(query, &mut |record| {
            let id = (record.header.namespace.clone(), record.header.name.clone());
            match latest.get(&id) {
                Some(seen) if seen.header.version >= record.header.version => {}
                _ => {
                    latest.insert(id, record);
                }
            }
        })
        .await?;
        Ok(latest.into_values().collect())
    }
}

/// A record that could not be read, reported beside the ones that could.
#[derive(Debug)]
pub struct Skipped {
    pub key: String,
    pub namespace: String,
    pub error: StorageError,
}

/// The release queries the engine and UI ask, over any driver.
pub struct Storage {
    driver: Box<dyn Driver>,
}

impl Storage {
    pub fn new(driver: Box<dyn Driver>) -> Storage {
        Storage { driver }
    }

    pub fn driver(&self) -> &dyn Driver {
        self.driver.as_ref()
    }

    /// See [`Driver::changes`].
    pub async fn changes(&self, namespace: Option<&str>) -> Result<Option<Changes>, StorageError> {
        self.driver.changes(namespace).await
    }

    /// The latest revision of every release in `namespace` (all when
    /// `None`), chosen from the headers; only those bodies are decoded.
    /// Sorted by namespace then name.
    pub async fn latest(
        &self,
        namespace: Option<&str>,
    ) -> Result<(Vec<Release>, Vec<Skipped>), StorageError> {
        let mut latest = self.driver.latest(&Query::namespace(namespace)).await?;
        latest.sort_by(|a, b| {
            (&a.header.namespace, &a.header.name).cmp(&(&b.header.namespace, &b.header.name))
        });
        Ok(decode_all(latest))
    }

    /// Every revision of one release, oldest first.
    pub async fn history(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<(Vec<Release>, Vec<Skipped>), StorageError> {
        let mut records = self.driver.query(&Query::release(namespace, name)).await?;
        records.sort_by_key(|r| r.header.version);
        Ok(decode_all(records))
    }

    /// The revision headers of one release, oldest first, without decoding.
    pub async fn revisions(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Vec<RecordHeader>, StorageError> {
        let mut headers: Vec<RecordHeader> = self
            .driver
            .query(&Query::release(namespace, name))
            .await?
            .into_iter()
            .map(|r| r.header)
            .collect();
        headers.sort_by_key(|h| h.version);
        Ok(headers)
    }

    /// Stores a new revision. With `history_max > 0`, first prunes the
    /// oldest revisions so that at most `history_max` remain afterwards —
    /// never the latest deployed one (Helm's `removeLeastRecent`).
    /// Returns the stored version of what was written (see [`Driver::create`]).
    pub async fn create(
        &self,
        release: &Release,
        history_max: usize,
    ) -> Result<Option<String>, StorageError> {
        if history_max > 0 {
            self.prune(&release.namespace, &release.name, history_max - 1)
                .await?;
        }
        self.driver.create(release).await
    }

    /// Returns the stored version of what was written; a caller that writes
    /// the same release again sets it as `stored_as` first.
    pub async fn update(&self, release: &Release) -> Result<Option<String>, StorageError> {
        self.driver.update(release).await
    }

    pub async fn delete(
        &self,
        namespace: &str,
        name: &str,
        version: i64,
    ) -> Result<Release, StorageError> {
        self.driver.delete(namespace, name, version).await
    }

    /// Deletes the oldest revisions until `keep` remain, sparing the highest
    /// deployed revision. Decides from headers alone.
    async fn prune(&self, namespace: &str, name: &str, keep: usize) -> Result<(), StorageError> {
        let headers = self.revisions(namespace, name).await?;
        if headers.len() <= keep {
            return Ok(());
        }
        let deployed = last_deployed(&headers);
        let doomed: Vec<i64> = headers
            .iter()
            .map(|h| h.version)
            .filter(|v| Some(*v) != deployed)
            .take(headers.len() - keep)
            .collect();
        for version in doomed {
            match self.driver.delete(namespace, name, version).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The highest revision whose status is `deployed` (Helm's `Deployed`).
    pub async fn deployed(&self, namespace: &str, name: &str) -> Result<Release, StorageError> {
        let headers = self.revisions(namespace, name).await?;
        let version = last_deployed(&headers).ok_or_else(|| StorageError::NoDeployed {
            name: name.to_owned(),
        })?;
        self.driver.get(namespace, name, version).await
    }

    /// One revision, or the latest when `version` is `None`.
    pub async fn get(
        &self,
        namespace: &str,
        name: &str,
        version: Option<i64>,
    ) -> Result<Release, StorageError> {
        let version = match version {
            Some(v) => v,
            None => self
                .revisions(namespace, name)
                .await?
                .last()
                .map(|h| h.version)
                .ok_or_else(|| StorageError::NotFound {
                    key: record_key(name, 0),
                })?,
        };
        self.driver.get(namespace, name, version).await
    }
}

fn last_deployed(headers: &[RecordHeader]) -> Option<i64> {
    headers
        .iter()
        .filter(|h| h.status == Status::Deployed)
        .map(|h| h.version)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::Info;

    fn revision(version: i64, status: Status) -> Release {
        Release {
            name: "web".into(),
            namespace: "apps".into(),
            version,
            info: Some(Info {
                status,
                ..Info::default()
            }),
            ..Release::default()
        }
    }

    #[tokio::test]
    async fn history_max_prunes_oldest_but_never_the_deployed_revision() {
        let storage = Storage::new(Box::new(Memory::new()));
        storage
            .create(&revision(1, Status::Deployed), 0)
            .await
            .unwrap();
        for v in 2..=4 {
            storage
                .create(&revision(v, Status::Failed), 0)
                .await
                .unwrap();
        }
        // Five would exceed three: two go, but never v1, the deployed one.
        storage
            .create(&revision(5, Status::Failed), 3)
            .await
            .unwrap();
        let left: Vec<i64> = storage
            .revisions("apps", "web")
            .await
            .unwrap()
            .iter()
            .map(|h| h.version)
            .collect();
        assert_eq!(left, vec![1, 4, 5]);
        assert_eq!(storage.deployed("apps", "web").await.unwrap().version, 1);
        // At the limit exactly nothing more is pruned than needed.
        storage
            .create(&revision(6, Status::Failed), 4)
            .await
            .unwrap();
        assert_eq!(storage.revisions("apps", "web").await.unwrap().len(), 4);
        let err = storage.deployed("apps", "db").await.unwrap_err();
        assert_eq!(err.to_string(), "\"db\" has no deployed releases");
    }

    #[test]
    fn driver_names_are_read_as_helm_reads_them() {
        assert_eq!(DriverKind::parse("").unwrap(), DriverKind::Secret);
        assert_eq!(DriverKind::parse("secrets").unwrap(), DriverKind::Secret);
        assert_eq!(
            DriverKind::parse("configmaps").unwrap(),
            DriverKind::ConfigMap
        );
        assert_eq!(DriverKind::parse("memory").unwrap(), DriverKind::Memory);
        assert_eq!(DriverKind::parse("sql").unwrap(), DriverKind::Sql);
        let err = DriverKind::parse("etcd").unwrap_err().to_string();
        assert!(
            err.contains("\"etcd\"") && err.contains("HELM_DRIVER"),
            "{err}"
        );
    }

    #[test]
    fn keys_and_custom_labels_follow_helm() {
        assert_eq!(record_key("web", 12), "sh.helm.release.v1.web.v12");
        let labels: BTreeMap<String, String> =
            [("name", "web"), ("team", "a"), ("modifiedAt", "1")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        assert_eq!(
            custom_labels(&labels).into_iter().collect::<Vec<_>>(),
            vec![("team".to_owned(), "a".to_owned())]
        );
    }
}
