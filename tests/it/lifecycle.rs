//! The stories every storage driver must tell the same way, run against
//! memory, secret and configmap (tests/it/storage.rs) and sql
//! (tests/it/sql.rs): one at the driver's level (records, labels, conflicts,
//! scans), one at `Storage`'s (history, latest, deployed, history-max).

use std::collections::BTreeMap;

use serde_json::json;
use wheelhouse::release::{GoTime, Info, Release, Status};
use wheelhouse::storage::seed::sample_release;
use wheelhouse::storage::{Driver, Query, Storage, StorageError};

#[derive(Clone, Copy)]
pub enum Story {
    Driver,
    Storage,
}

impl Story {
    /// Runs the story in namespaces `a` and `b` (which must exist where the
    /// driver needs them to).
    pub async fn run(self, driver: Box<dyn Driver>, a: &str, b: &str) {
        match self {
            Story::Driver => driver_story(driver, a, b).await,
            Story::Storage => storage_story(driver, a, b).await,
        }
    }
}

pub fn labelled(mut release: Release) -> Release {
    release.labels = BTreeMap::from([("team".to_owned(), "blue".to_owned())]);
    release
}

pub fn versions(releases: &[Release]) -> Vec<(String, String, i64)> {
    releases
        .iter()
        .map(|r| (r.namespace.clone(), r.name.clone(), r.version))
        .collect()
}

/// The story every driver must tell the same way.
async fn driver_story(driver: Box<dyn Driver>, a: &str, b: &str) {
    for v in 1..=3 {
        let status = if v == 3 {
            Status::Deployed
        } else {
            Status::Superseded
        };
        driver
            .create(&labelled(sample_release(a, "web", v, status)))
            .await
            .unwrap();
    }
    driver
        .create(&sample_release(b, "web", 1, Status::Deployed))
        .await
        .unwrap();
    driver
        .create(&sample_release(b, "db", 1, Status::Failed))
        .await
        .unwrap();
    let again = driver
        .create(&sample_release(a, "web", 3, Status::Deployed))
        .await
        .unwrap_err();
    assert!(
        matches!(&again, StorageError::Exists { key } if key == "sh.helm.release.v1.web.v3"),
        "{again}"
    );
    assert_eq!(again.to_string(), "release: already exists");

    let second = driver.get(a, "web", 2).await.unwrap();
    assert_eq!(
        second,
        Release {
            stored_as: second.stored_as.clone(),
            ..labelled(sample_release(a, "web", 2, Status::Superseded))
        },
        "a record reads back as written, custom labels included"
    );
    assert!(second.stored_as.is_some());

    // Two writers read revision 3; the first update wins, the second is refused.
    let mut first_writer = driver.get(a, "web", 3).await.unwrap();
    let mut second_writer = first_writer.clone();
    first_writer.info.as_mut().unwrap().status = Status::Superseded;
    driver.update(&first_writer).await.unwrap();
    second_writer.info.as_mut().unwrap().description = "Rollback to 1".into();
    let conflict = driver.update(&second_writer).await.unwrap_err();
    assert!(
        matches!(&conflict, StorageError::Conflict { key } if key == "sh.helm.release.v1.web.v3"),
        "{conflict}"
    );
    assert_eq!(
        driver.get(a, "web", 3).await.unwrap().status(),
        Status::Superseded
    );
    // Without a stored version the update is unconditional, as Helm's.
    second_writer.stored_as = None;
    driver.update(&second_writer).await.unwrap();
    let overwritten = driver.get(a, "web", 3).await.unwrap();
    assert_eq!(
        overwritten.info.as_ref().unwrap().description,
        "Rollback to 1"
    );
    assert_eq!(overwritten.labels["team"], "blue");
    let missing = labelled(sample_release(a, "web", 9, Status::Deployed));
    assert!(driver.update(&missing).await.unwrap_err().is_not_found());

    let storage = Storage::new(driver);
    let (latest, skipped) = storage.latest(Some(a)).await.unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(versions(&latest), vec![(a.into(), "web".into(), 3)]);
    let (latest, _) = storage.latest(Some(b)).await.unwrap();
    assert_eq!(
        versions(&latest),
        vec![(b.into(), "db".into(), 1), (b.into(), "web".into(), 1)]
    );
    let (everywhere, skipped) = storage.latest(None).await.unwrap();
    assert!(skipped.iter().all(|s| s.namespace != a && s.namespace != b));
    let ours: Vec<_> = versions(&everywhere)
        .into_iter()
        .filter(|(ns, _, _)| ns == a || ns == b)
        .collect();
    assert_eq!(
        ours,
        vec![
            (a.into(), "web".into(), 3),
            (b.into(), "db".into(), 1),
            (b.into(), "web".into(), 1)
        ]
    );

    let (history, _) = storage.history(a, "web").await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.version).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    // The unconditional update wrote the second writer's copy back: deployed.
    let headers = storage.revisions(a, "web").await.unwrap();
    assert_eq!(
        headers.iter().map(|h| h.status.clone()).collect::<Vec<_>>(),
        vec![Status::Superseded, Status::Superseded, Status::Deployed]
    );
    assert_eq!(storage.get(a, "web", None).await.unwrap().version, 3);
    // Helm's `Deployed` query: by name and status label.
    let deployed = Query {
        status: Some(Status::Deployed),
        ..Query::release(a, "web")
    };
    let found = storage.driver().query(&deployed).await.unwrap();
    assert_eq!(
        found.iter().map(|r| r.header.version).collect::<Vec<_>>(),
        vec![3]
    );
    let failed = Query {
        namespace: None,
        status: Some(Status::Failed),
        ..Query::default()
    };
    let found = storage.driver().query(&failed).await.unwrap();
    assert!(
        found
            .iter()
            .any(|r| r.header.namespace == b && r.header.name == "db")
    );
    assert!(found.iter().all(|r| r.header.status == Status::Failed));

    let deleted = storage.driver().delete(a, "web", 3).await.unwrap();
    assert_eq!(deleted.version, 3);
    assert!(
        storage
            .driver()
            .get(a, "web", 3)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        storage
            .driver()
            .delete(a, "web", 3)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(storage.get(a, "web", None).await.unwrap().version, 2);
    assert!(
        storage
            .get(a, "nope", None)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(storage.history(a, "nope").await.unwrap().0.is_empty());
}

pub fn story_release(namespace: &str, name: &str, version: i64, status: Status) -> Release {
    Release {
        name: name.into(),
        namespace: namespace.into(),
        version,
        manifest: format!("---\nkind: ConfigMap\nmetadata:\n  name: {name}-v{version}\n"),
        // Helm's list and history read the chart's metadata of every record.
        chart: Some(
            serde_json::from_value(json!({
                "metadata": {"apiVersion": "v2", "name": "demo", "version": "0.1.0", "appVersion": "1.0"}
            }))
            .unwrap(),
        ),
        info: Some(Info {
            status,
            description: format!("revision {version}"),
            last_deployed: GoTime::parse("2026-11-22T07:17:56.5+01:00").unwrap(),
            ..Info::default()
        }),
        ..Release::default()
    }
}

fn statuses(releases: &[Release]) -> Vec<(String, i64, Status)> {
    releases
        .iter()
        .map(|r| (r.name.clone(), r.version, r.status()))
        .collect()
}

/// The lifecycle every driver passes: create, Exists, get, update with a
/// stale read refused, history, latest, deployed, labels, history-max
/// pruning that keeps the deployed revision, delete.
async fn storage_story(driver: Box<dyn Driver>, a: &str, b: &str) {
    let storage = Storage::new(driver);
    let mut first = story_release(a, "shop", 1, Status::Deployed);
    first.labels = BTreeMap::from([("team".to_owned(), "a".to_owned())]);
    storage.create(&first, 0).await.unwrap();
    let err = storage.create(&first, 0).await.unwrap_err();
    assert!(matches!(err, StorageError::Exists { .. }), "{err}");
    assert_eq!(err.to_string(), "release: already exists");

    let read = storage.get(a, "shop", Some(1)).await.unwrap();
    assert_eq!(read.manifest, first.manifest);
    assert_eq!(read.labels, first.labels);
    assert!(read.stored_as.is_some());

    // Two writers read revision 1; the second to write is refused.
    let mut superseded = read.clone();
    superseded.info.as_mut().unwrap().status = Status::Superseded;
    let mut failed = read.clone();
    failed.info.as_mut().unwrap().status = Status::Failed;
    storage.update(&superseded).await.unwrap();
    let err = storage.update(&failed).await.unwrap_err();
    assert!(matches!(err, StorageError::Conflict { .. }), "{err}");
    // Without a read version the update is unconditional, as in Helm.
    failed.stored_as = None;
    storage.update(&failed).await.unwrap();
    storage
        .update(&superseded_again(&storage, a).await)
        .await
        .unwrap();

    for v in 2..=4 {
        let status = if v == 4 {
            Status::Failed
        } else {
            Status::Superseded
        };
        storage
            .create(&story_release(a, "shop", v, status), 0)
            .await
            .unwrap();
    }
    storage
        .update(&story_release(a, "shop", 3, Status::Deployed))
        .await
        .unwrap();
    storage
        .create(&story_release(a, "cache", 1, Status::Deployed), 0)
        .await
        .unwrap();
    storage
        .create(&story_release(b, "shop", 1, Status::PendingInstall), 0)
        .await
        .unwrap();

    let (history, skipped) = storage.history(a, "shop").await.unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(
        history.iter().map(|r| r.version).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(history[0].labels["team"], "a");
    let (latest, _) = storage.latest(Some(a)).await.unwrap();
    assert_eq!(
        statuses(&latest),
        vec![
            ("cache".to_owned(), 1, Status::Deployed),
            ("shop".to_owned(), 4, Status::Failed)
        ]
    );
    // Across all namespaces (other tests' records may share the backend).
    let (all, _) = storage.latest(None).await.unwrap();
    let ours: Vec<&Release> = all
        .iter()
        .filter(|r| r.namespace == a || r.namespace == b)
        .collect();
    assert_eq!(ours.len(), 3);
    assert_eq!(ours[2].namespace, b);
    assert_eq!(storage.deployed(a, "shop").await.unwrap().version, 3);
    let deployed = storage
        .driver()
        .query(&Query {
            status: Some(Status::Deployed),
            ..Query::default()
        })
        .await
        .unwrap();
    let ours = deployed
        .iter()
        .filter(|r| r.header.namespace == a || r.header.namespace == b);
    assert_eq!(ours.count(), 2);

    // History max 2: the oldest go, but never the deployed revision 3.
    storage
        .create(&story_release(a, "shop", 5, Status::PendingUpgrade), 2)
        .await
        .unwrap();
    let kept: Vec<i64> = storage
        .revisions(a, "shop")
        .await
        .unwrap()
        .iter()
        .map(|h| h.version)
        .collect();
    assert!(
        kept.contains(&3) && kept.contains(&5) && !kept.contains(&1),
        "{kept:?}"
    );

    let gone = storage.delete(a, "shop", 5).await.unwrap();
    assert_eq!(gone.version, 5);
    let err = storage.get(a, "shop", Some(5)).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = storage.delete(a, "shop", 5).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = storage
        .update(&story_release(a, "nope", 1, Status::Deployed))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

/// Revision 1 read afresh and marked superseded again.
async fn superseded_again(storage: &Storage, a: &str) -> Release {
    let mut read = storage.get(a, "shop", Some(1)).await.unwrap();
    read.info.as_mut().unwrap().status = Status::Superseded;
    read
}
