//! A record as a driver hands it over: its header (labels or columns) and its
//! body, decoded only on request.

use std::collections::BTreeMap;

use crate::release::{Release, Status, codec};

use super::{Skipped, StorageError, record_key};

/// What labels/columns say about a record, readable without its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// The Secret/ConfigMap name or SQL key, `sh.helm.release.v1.NAME.vN`.
    pub key: String,
    pub name: String,
    pub namespace: String,
    pub version: i64,
    pub status: Status,
    /// Unix seconds of the `createdAt`/`modifiedAt` labels, when present.
    pub created_at: Option<i64>,
    pub modified_at: Option<i64>,
    /// Labels other than the system ones.
    pub labels: BTreeMap<String, String>,
}

impl RecordHeader {
    /// Reads the system labels Helm sets; `None` when name or version is
    /// missing or malformed (not a record this driver can place).
    pub fn from_labels(
        key: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Option<RecordHeader> {
        let (name, version) = placed_by_labels(|k| labels.get(k).map(String::as_str))?;
        Some(RecordHeader::build(key, namespace, labels, name, version))
    }

    /// For a record whose labels don't place it: the name and revision its
    /// key spells, else its key at revision 0, so that decoding the body
    /// decides (a readable body is listed, as Helm lists by body; an
    /// unreadable one is reported).
    pub fn from_key(key: &str, namespace: &str, labels: &BTreeMap<String, String>) -> RecordHeader {
        let (name, version) = parse_record_key(key).unwrap_or((key, 0));
        RecordHeader::build(key, namespace, labels, name, version)
    }

    /// The header of a record at `name` and `version`, already placed (by
    /// [`placed_by_labels`] or [`parse_record_key`]).
    pub fn build(
        key: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        name: &str,
        version: i64,
    ) -> RecordHeader {
        let status = labels.get("status").map_or(Status::Unknown, |s| {
            let Ok(status) = s.parse();
            status
        });
        RecordHeader {
            key: key.to_owned(),
            name: name.to_owned(),
            namespace: namespace.to_owned(),
            version,
            status,
            created_at: labels.get("createdAt").and_then(|v| v.parse().ok()),
            modified_at: labels.get("modifiedAt").and_then(|v| v.parse().ok()),
            labels: super::custom_labels(labels),
        }
    }
}

/// The release name and revision a record's labels give, when they give
/// both (`label` looks a label up by key).
pub fn placed_by_labels<'a>(label: impl Fn(&str) -> Option<&'a str>) -> Option<(&'a str, i64)> {
    Some((label("name")?, label("version")?.parse().ok()?))
}

/// `NAME` and `REV` from `sh.helm.release.v1.NAME.vREV`.
pub fn parse_record_key(key: &str) -> Option<(&str, i64)> {
    let rest = key.strip_prefix(super::KEY_PREFIX)?.strip_prefix('.')?;
    let (name, version) = rest.rsplit_once(".v")?;
    Some((name, version.parse().ok()?)).filter(|(name, _)| !name.is_empty())
}

/// A header and the body exactly as stored (base64 of gzip of JSON).
#[derive(Clone, Debug)]
pub struct StoredRecord {
    pub header: RecordHeader,
    pub body: String,
    /// The backend's version of the record (see [`Release::stored_as`]).
    pub stored_as: Option<String>,
}

impl StoredRecord {
    /// Decodes the body; the release gets the header's custom labels and the
    /// record's stored version.
    pub fn decode(&self) -> Result<Release, StorageError> {
        let mut release = codec::decode(&self.body).map_err(|source| StorageError::Corrupt {
            key: self.header.key.clone(),
            namespace: self.header.namespace.clone(),
            source,
        })?;
        release.labels = self.header.labels.clone();
        release.stored_as = self.stored_as.clone();
        Ok(release)
    }

    /// The key this record should have, from its header (drivers check that
    /// a body's name and revision agree with where it was found).
    pub fn expected_key(&self) -> String {
        record_key(&self.header.name, self.header.version)
    }
}

/// Decodes many records on every core, keeping the input order; records
/// that fail are returned beside the rest instead of failing them.
pub fn decode_all(records: Vec<StoredRecord>) -> (Vec<Release>, Vec<Skipped>) {
    let (decoded, skipped) = decode_each(records);
    (
        decoded.into_iter().map(|(_, release)| release).collect(),
        skipped,
    )
}

/// [`decode_all`], each release beside the header it was found under.
pub fn decode_each(records: Vec<StoredRecord>) -> (Vec<(RecordHeader, Release)>, Vec<Skipped>) {
    let decoded = crate::render::cores::map_in_order(&records, StoredRecord::decode);
    let mut releases = Vec::with_capacity(records.len());
    let mut skipped = Vec::new();
    for (record, result) in records.into_iter().zip(decoded) {
        match result {
            Ok(release) => releases.push((record.header, release)),
            Err(error) => skipped.push(Skipped {
                key: record.header.key,
                namespace: record.header.namespace,
                error,
            }),
        }
    }
    (releases, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_names_are_parsed_back() {
        assert_eq!(
            parse_record_key("sh.helm.release.v1.web.v12"),
            Some(("web", 12))
        );
        assert_eq!(
            parse_record_key("sh.helm.release.v1.a.v2.v3"),
            Some(("a.v2", 3)),
            "the last .vN is the revision"
        );
        assert_eq!(
            parse_record_key("sh.helm.release.v1.web.app.v12"),
            Some(("web.app", 12))
        );
        assert_eq!(parse_record_key("sh.helm.release.v1.web.vx"), None);
        assert_eq!(parse_record_key("sh.helm.release.v1..v1"), None);
        assert_eq!(parse_record_key("other.web.v1"), None);
    }
}
