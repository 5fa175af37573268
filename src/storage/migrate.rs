//! Moving release records from one driver to another (`wheelhouse storage
//! migrate`), which Helm leaves to users. Nothing in the source is touched
//! until every record has been written to the target and read back equal.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::release::Release;

use super::{Driver, Query, Skipped, StorageError, decode_all, record_key};

/// What to move and how far to go.
#[derive(Clone, Debug, Default)]
pub struct MigrateOptions {
    /// Namespaces to move; empty means every namespace.
    pub namespaces: Vec<String>,
    /// Plan only: read both sides, write nothing.
    pub dry_run: bool,
    /// Remove the source records once all are verified in the target.
    pub delete_source: bool,
}

/// One record's fate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Copied (or, in a dry run, would be).
    Copy,
    /// The target already holds the same record; nothing to write.
    AlreadyThere,
}

/// What a migration did (or, dry, would do), record by record.
#[derive(Debug, Default)]
pub struct MigrateReport {
    /// (namespace, key, step) in source order.
    pub steps: Vec<(String, String, Step)>,
    /// Source records that could not be decoded; left where they are.
    pub unreadable: Vec<Skipped>,
    /// How many source records were deleted.
    pub deleted: usize,
}

#[derive(Debug, Error)]
pub enum MigrateError {
    #[error("reading the {driver} source: {source}")]
    Source {
        driver: &'static str,
        #[source]
        source: StorageError,
    },
    #[error("the {driver} target: {source}")]
    Target {
        driver: &'static str,
        #[source]
        source: StorageError,
    },
    #[error(
        "the {driver} target already holds {key} in namespace {namespace:?} with different contents; nothing was migrated (remove one of the two first)"
    )]
    Differs {
        driver: &'static str,
        namespace: String,
        key: String,
    },
    #[error(
        "{key} in namespace {namespace:?} reads back from the {driver} target differently from the source; the source was left untouched"
    )]
    NotVerified {
        driver: &'static str,
        namespace: String,
        key: String,
    },
}

/// Copies every readable record in the chosen namespaces from `from` to
/// `to`, verifies each by reading it back, then deletes the source records
/// only if asked and only if every copy verified.
pub async fn migrate(
    from: &dyn Driver,
    to: &dyn Driver,
    options: &MigrateOptions,
) -> Result<MigrateReport, MigrateError> {
    let source_error = |source| MigrateError::Source {
        driver: from.name(),
        source,
    };
    let target_error = |source| MigrateError::Target {
        driver: to.name(),
        source,
    };

    let mut records = Vec::new();
    for query in queries(&options.namespaces) {
        records.extend(from.query(&query).await.map_err(source_error)?);
    }
    records.sort_by(|a, b| {
        (&a.header.namespace, &a.header.name, a.header.version).cmp(&(
            &b.header.namespace,
            &b.header.name,
            b.header.version,
        ))
    });
    let (releases, unreadable) = decode_all(records);

    // Plan against what the target holds before writing anything, so a
    // clash stops the migration with both sides as they were.
    let mut report = MigrateReport {
        unreadable,
        ..MigrateReport::default()
    };
    for release in &releases {
        let key = record_key(&release.name, release.version);
        let step = match to
            .get(&release.namespace, &release.name, release.version)
            .await
        {
            Ok(mut existing) => {
                if !same_record(&mut existing, release) {
                    return Err(MigrateError::Differs {
                        driver: to.name(),
                        namespace: release.namespace.clone(),
                        key,
                    });
                }
                Step::AlreadyThere
            }
            Err(e) if e.is_not_found() => Step::Copy,
            Err(e) => return Err(target_error(e)),
        };
        report.steps.push((release.namespace.clone(), key, step));
    }
    if options.dry_run {
        return Ok(report);
    }

    for (release, (_, _, step)) in releases.iter().zip(&report.steps) {
        if *step == Step::Copy {
            let mut copy = release.clone();
            copy.stored_as = None;
            to.create(&copy).await.map_err(target_error)?;
        }
    }
    for release in &releases {
        let mut back = to
            .get(&release.namespace, &release.name, release.version)
            .await
            .map_err(target_error)?;
        if !same_record(&mut back, release) {
            return Err(MigrateError::NotVerified {
                driver: to.name(),
                namespace: release.namespace.clone(),
                key: record_key(&release.name, release.version),
            });
        }
    }

    if options.delete_source {
        for release in &releases {
            from.delete(&release.namespace, &release.name, release.version)
                .await
                .map_err(source_error)?;
            report.deleted += 1;
        }
    }
    Ok(report)
}

fn queries(namespaces: &[String]) -> Vec<Query> {
    if namespaces.is_empty() {
        return vec![Query::default()];
    }
    let unique: BTreeSet<&String> = namespaces.iter().collect();
    unique
        .into_iter()
        .map(|ns| Query::namespace(Some(ns)))
        .collect()
}

/// Equal in everything Helm stores (the backend's version marker aside).
fn same_record(read: &mut Release, expected: &Release) -> bool {
    read.stored_as.clone_from(&expected.stored_as);
    read == expected
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{Info, Status};
    use crate::storage::Memory;

    fn release(namespace: &str, name: &str, version: i64) -> Release {
        Release {
            name: name.into(),
            namespace: namespace.into(),
            version,
            manifest: format!("# {name} v{version}\n"),
            labels: [("team".to_owned(), "a".to_owned())].into(),
            info: Some(Info {
                status: Status::Deployed,
                ..Info::default()
            }),
            ..Release::default()
        }
    }

    async fn seeded() -> Memory {
        let memory = Memory::new();
        for (ns, name, v) in [("a", "web", 1), ("a", "web", 2), ("b", "db", 1)] {
            memory.create(&release(ns, name, v)).await.unwrap();
        }
        memory
    }

    async fn count(driver: &dyn Driver) -> usize {
        driver.query(&Query::default()).await.unwrap().len()
    }

    #[tokio::test]
    async fn copies_verifies_and_deletes_only_when_asked() {
        let (from, to) = (seeded().await, Memory::new());
        let dry = MigrateOptions {
            dry_run: true,
            ..MigrateOptions::default()
        };
        let report = migrate(&from, &to, &dry).await.unwrap();
        assert_eq!(report.steps.len(), 3);
        assert_eq!(count(&to).await, 0, "a dry run writes nothing");

        let report = migrate(&from, &to, &MigrateOptions::default())
            .await
            .unwrap();
        assert!(report.steps.iter().all(|(_, _, s)| *s == Step::Copy));
        assert_eq!((count(&from).await, count(&to).await), (3, 3));
        let copied = to.get("a", "web", 2).await.unwrap();
        assert_eq!(copied.labels.get("team").map(String::as_str), Some("a"));

        let again = MigrateOptions {
            delete_source: true,
            ..MigrateOptions::default()
        };
        let report = migrate(&from, &to, &again).await.unwrap();
        assert!(
            report
                .steps
                .iter()
                .all(|(_, _, s)| *s == Step::AlreadyThere)
        );
        assert_eq!(report.deleted, 3);
        assert_eq!((count(&from).await, count(&to).await), (0, 3));
    }

    #[tokio::test]
    async fn selects_namespaces_and_stops_on_a_clash_before_writing() {
        let (from, to) = (seeded().await, Memory::new());
        let only_b = MigrateOptions {
            namespaces: vec!["b".into()],
            ..MigrateOptions::default()
        };
        let report = migrate(&from, &to, &only_b).await.unwrap();
        assert_eq!(
            report.steps,
            vec![("b".into(), record_key("db", 1), Step::Copy)]
        );

        let clash = Memory::new();
        let mut other = release("a", "web", 2);
        other.manifest = "# someone else's\n".into();
        clash.create(&other).await.unwrap();
        let err = migrate(&from, &clash, &MigrateOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, MigrateError::Differs { .. }), "{err}");
        assert_eq!(count(&clash).await, 1, "nothing written on a clash");
    }
}
