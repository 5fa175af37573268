//! What the read-only release commands share: a runtime for their storage
//! calls, Helm's `releaseContent` (latest or one revision, with the labels
//! Helm's drivers attach), label sets as Kubernetes prints them, and the
//! warning for records that could not be read.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};

use crate::chart::name::validate_release_name;
use crate::release::Release;
use crate::storage::{OWNER, Query, RecordHeader, Skipped, Storage, StorageError, StoredRecord};

/// A runtime for one command's storage and cluster calls.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Records that could not be decoded are named on stderr; the command goes
/// on with the others (Helm skips them silently).
pub(crate) fn warn_skipped(skipped: &[Skipped]) {
    for s in skipped {
        eprintln!(
            "wheelhouse: skipped release record {} in namespace {}: {}",
            s.key, s.namespace, s.error
        );
    }
}

/// Which of Helm's driver calls a release came back from: the labels on it
/// depend on both the call and the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LabelsFrom {
    /// `List` (what `helm list --selector` matches).
    List,
    /// `Query` (how `Last` finds the latest revision).
    Query,
}

/// The labels Helm's driver `driver` attaches to a release it read through
/// `call`: Secrets and ConfigMaps hand over every label of the object, the
/// SQL driver its custom labels plus name, owner, status and version when
/// listing (custom labels only when querying), the memory driver the
/// release's own labels.
pub(crate) fn record_labels(
    header: &RecordHeader,
    driver: &str,
    call: LabelsFrom,
) -> BTreeMap<String, String> {
    let mut labels = header.labels.clone();
    let kube_object = matches!(driver, "Secret" | "ConfigMap");
    if kube_object || (driver == "SQL" && call == LabelsFrom::List) {
        labels.insert("name".into(), header.name.clone());
        labels.insert("owner".into(), OWNER.into());
        labels.insert("status".into(), header.status.to_string());
        labels.insert("version".into(), header.version.to_string());
    }
    if kube_object {
        if let Some(at) = header.created_at {
            labels.insert("createdAt".into(), at.to_string());
        }
        if let Some(at) = header.modified_at {
            labels.insert("modifiedAt".into(), at.to_string());
        }
    }
    labels
}

/// `labels.Set.String()`: `k=v` pairs sorted by key, joined by commas.
pub(crate) fn labels_string(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Helm's `releaseContent`: the latest revision when `revision` is 0 or
/// less, else that one. The latest comes from a query, so like Helm's it
/// carries every label of its record; one revision read by key carries only
/// the release's own labels.
pub(crate) async fn release_content(
    storage: &Storage,
    namespace: &str,
    name: &str,
    revision: i64,
) -> anyhow::Result<Release> {
    if validate_release_name(name).is_err() {
        bail!("releaseContent: Release name is invalid: {name}");
    }
    if revision > 0 {
        return Ok(storage.driver().get(namespace, name, revision).await?);
    }
    let records = storage
        .driver()
        .query(&Query::release(namespace, name))
        .await?;
    if records.is_empty() {
        return Err(StorageError::NotFound {
            key: crate::storage::record_key(name, 0),
        }
        .into());
    }
    let (found, skipped) = highest_readable(records);
    warn_skipped(&skipped);
    match found {
        Some((header, mut release)) => {
            release.labels = record_labels(&header, storage.driver().name(), LabelsFrom::Query);
            Ok(release)
        }
        None => bail!("no revision for release {name:?}"),
    }
}

/// The highest revision among `records` that decodes, as Helm's `Last`
/// finds it (records that don't decode are passed over and returned).
pub(crate) fn highest_readable(
    mut records: Vec<StoredRecord>,
) -> (Option<(RecordHeader, Release)>, Vec<Skipped>) {
    records.sort_by_key(|r| std::cmp::Reverse(r.header.version));
    let mut skipped = Vec::new();
    for record in records {
        match record.decode() {
            Ok(release) => return (Some((record.header, release)), skipped),
            Err(error) => skipped.push(Skipped {
                key: record.header.key.clone(),
                namespace: record.header.namespace.clone(),
                error,
            }),
        }
    }
    (None, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::Status;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn record_labels_are_what_each_helm_driver_attaches() {
        let header = RecordHeader {
            key: "sh.helm.release.v1.web.v2".into(),
            name: "web".into(),
            namespace: "apps".into(),
            version: 2,
            status: Status::Deployed,
            created_at: None,
            modified_at: Some(1_700_000_000),
            labels: labels(&[("team", "a")]),
        };
        let shown = |driver, call| labels_string(&record_labels(&header, driver, call));
        assert_eq!(
            shown("Secret", LabelsFrom::Query),
            "modifiedAt=1700000000,name=web,owner=helm,status=deployed,team=a,version=2"
        );
        assert_eq!(
            shown("Secret", LabelsFrom::List),
            shown("ConfigMap", LabelsFrom::Query)
        );
        assert_eq!(
            shown("SQL", LabelsFrom::List),
            "name=web,owner=helm,status=deployed,team=a,version=2"
        );
        assert_eq!(shown("SQL", LabelsFrom::Query), "team=a");
        assert_eq!(shown("Memory", LabelsFrom::List), "team=a");
    }
}
