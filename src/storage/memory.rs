//! The `memory` driver: records in this process only, for tests and dry runs.
//! It stores encoded bodies like the other drivers, so it exercises the
//! codec and the same header/body split.

use std::collections::BTreeMap;

use async_trait::async_trait;
use parking_lot::Mutex;

use crate::release::{GoTime, Release, codec};

use super::{Driver, Query, RecordHeader, StorageError, StoredRecord, record_key};

/// In-process records, keyed by (namespace, key).
#[derive(Default)]
pub struct Memory {
    records: Mutex<BTreeMap<(String, String), StoredRecord>>,
    /// Bumped on every write; a record's `stored_as` is the value at its write.
    writes: Mutex<u64>,
}

impl Memory {
    pub fn new() -> Memory {
        Memory::default()
    }

    fn to_record(
        &self,
        release: &Release,
        created_at: Option<i64>,
    ) -> Result<StoredRecord, StorageError> {
        if release.name.is_empty() || release.namespace.is_empty() {
            return Err(StorageError::InvalidRelease(
                "a release needs a name and a namespace to be stored".into(),
            ));
        }
        let body = codec::encode(release).map_err(|e| StorageError::Backend {
            driver: "Memory",
            message: e.to_string(),
        })?;
        let mut writes = self.writes.lock();
        *writes += 1;
        let now = GoTime::now().unix_seconds();
        Ok(StoredRecord {
            header: RecordHeader {
                key: record_key(&release.name, release.version),
                name: release.name.clone(),
                namespace: release.namespace.clone(),
                version: release.version,
                status: release.status(),
                created_at,
                modified_at: created_at.is_none().then_some(now),
                labels: release.labels.clone(),
            },
            body,
            stored_as: Some(writes.to_string()),
        })
    }
}

#[async_trait]
impl Driver for Memory {
    fn name(&self) -> &'static str {
        "Memory"
    }

    async fn create(&self, release: &Release) -> Result<Option<String>, StorageError> {
        let record = self.to_record(release, Some(GoTime::now().unix_seconds()))?;
        let stored_as = record.stored_as.clone();
        let mut records = self.records.lock();
        let id = (record.header.namespace.clone(), record.header.key.clone());
        if records.contains_key(&id) {
            return Err(StorageError::Exists { key: id.1 });
        }
        records.insert(id, record);
        Ok(stored_as)
    }

    async fn update(&self, release: &Release) -> Result<Option<String>, StorageError> {
        let record = self.to_record(release, None)?;
        let stored_as = record.stored_as.clone();
        let mut records = self.records.lock();
        let id = (record.header.namespace.clone(), record.header.key.clone());
        let Some(current) = records.get(&id) else {
            return Err(StorageError::NotFound { key: id.1 });
        };
        if release.stored_as.is_some() && release.stored_as != current.stored_as {
            return Err(StorageError::Conflict { key: id.1 });
        }
        records.insert(id, record);
        Ok(stored_as)
    }

    async fn delete(
        &self,
        namespace: &str,
        name: &str,
        version: i64,
    ) -> Result<Release, StorageError> {
        let key = record_key(name, version);
        let removed = self
            .records
            .lock()
            .remove(&(namespace.to_owned(), key.clone()));
        match removed {
            Some(record) => record.decode(),
            None => Err(StorageError::NotFound { key }),
        }
    }

    async fn get(
        &self,
        namespace: &str,
        name: &str,
        version: i64,
    ) -> Result<Release, StorageError> {
        let key = record_key(name, version);
        let record = self
            .records
            .lock()
            .get(&(namespace.to_owned(), key.clone()))
            .cloned();
        match record {
            Some(record) => record.decode(),
            None => Err(StorageError::NotFound { key }),
        }
    }

    async fn scan(
        &self,
        query: &Query,
        visit: &mut (dyn FnMut(StoredRecord) + Send),
    ) -> Result<(), StorageError> {
        let matching: Vec<StoredRecord> = self
            .records
            .lock()
            .values()
            .filter(|r| query.matches(&r.header))
            .cloned()
            .collect();
        matching.into_iter().for_each(visit);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{Info, Status};
    use crate::storage::Storage;

    fn release(name: &str, version: i64, status: Status) -> Release {
        Release {
            name: name.into(),
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
    async fn create_get_update_delete_with_conflicts() {
        let memory = Memory::new();
        memory
            .create(&release("web", 1, Status::Deployed))
            .await
            .unwrap();
        let err = memory
            .create(&release("web", 1, Status::Deployed))
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::Exists { .. }), "{err}");

        let mut first = memory.get("apps", "web", 1).await.unwrap();
        let mut second = first.clone();
        first.info.as_mut().unwrap().status = Status::Superseded;
        first.stored_as = memory.update(&first).await.unwrap();
        // A writer that keeps what each write returns may write again.
        first.stored_as = memory.update(&first).await.unwrap();
        assert!(first.stored_as.is_some());
        second.info.as_mut().unwrap().status = Status::Failed;
        let err = memory.update(&second).await.unwrap_err();
        assert!(matches!(err, StorageError::Conflict { .. }), "{err}");
        assert_eq!(
            memory.get("apps", "web", 1).await.unwrap().status(),
            Status::Superseded
        );

        memory.delete("apps", "web", 1).await.unwrap();
        assert!(
            memory
                .get("apps", "web", 1)
                .await
                .unwrap_err()
                .is_not_found()
        );
    }

    #[tokio::test]
    async fn latest_and_history_come_from_headers() {
        let memory = Memory::new();
        for v in 1..=3 {
            memory
                .create(&release("web", v, Status::Superseded))
                .await
                .unwrap();
        }
        memory
            .create(&release("db", 1, Status::Deployed))
            .await
            .unwrap();
        let storage = Storage::new(Box::new(memory));
        let (latest, skipped) = storage.latest(None).await.unwrap();
        assert!(skipped.is_empty());
        let got: Vec<(String, i64)> = latest.iter().map(|r| (r.name.clone(), r.version)).collect();
        assert_eq!(got, vec![("db".to_owned(), 1), ("web".to_owned(), 3)]);
        let (history, _) = storage.history("apps", "web").await.unwrap();
        assert_eq!(
            history.iter().map(|r| r.version).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(storage.get("apps", "web", None).await.unwrap().version, 3);
        assert!(
            storage
                .get("apps", "nope", None)
                .await
                .unwrap_err()
                .is_not_found()
        );
    }
}
