//! Made-up releases in bulk, written through any [`Driver`]: the data set of
//! storage tests and benchmarks (so many releases times so many revisions,
//! as upgrades leave them). The records are complete enough for Helm to list,
//! show and roll back to: chart metadata and a template, user values, a
//! manifest holding one ConfigMap, Helm's descriptions and timestamps.

use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Map, Value, json};

use crate::release::{File, GoTime, Info, Metadata, Release, ReleaseChart, Status};

use super::{Driver, StorageError};

/// Lines of filler in each manifest, so bodies are the size of a small
/// real chart's (about 1.5 KiB encoded) rather than trivially small.
const FILLER_LINES: usize = 40;

/// When every sample release was first installed (2026-01-01, Unix
/// seconds); revision N was deployed N minutes later.
const FIRST_DEPLOYED: i64 = 1_767_225_600;

/// The chart every sample release was installed from.
const CHART_TEMPLATE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  revision: {{ .Values.revision | quote }}\n";

/// What [`seed`] writes: `releases` releases spread round-robin over
/// `namespaces` (which must exist for cluster drivers), each with revisions
/// `1..=revisions`: the last `deployed`, the others `superseded`.
#[derive(Clone, Debug)]
pub struct SeedPlan {
    pub namespaces: Vec<String>,
    pub releases: usize,
    pub revisions: i64,
    /// Writes in flight at once.
    pub concurrency: usize,
}

impl SeedPlan {
    /// The namespace and name of release number `index`.
    pub fn release(&self, index: usize) -> (String, String) {
        let namespace = self
            .namespaces
            .get(index % self.namespaces.len().max(1))
            .cloned()
            .unwrap_or_else(|| "default".to_owned());
        (namespace, format!("rel-{index:05}"))
    }
}

/// One revision of a sample release, as Helm would have recorded it.
pub fn sample_release(namespace: &str, name: &str, version: i64, status: Status) -> Release {
    let minutes = |m: i64| {
        chrono::DateTime::from_timestamp(FIRST_DEPLOYED + m * 60, 0)
            .map_or(GoTime::ZERO, |t| GoTime::from_datetime(t.fixed_offset()))
    };
    let first = minutes(0);
    let filler: String = (0..FILLER_LINES)
        .map(|i| {
            format!(
                "  key-{i:02}: \"value {} of {name}\"\n",
                (i * 7919 + 13) % 10007
            )
        })
        .collect();
    let manifest = format!(
        "---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-cm\ndata:\n  revision: \"{version}\"\n{filler}\n"
    );
    let mut config = Map::new();
    config.insert("revision".into(), json!(version.to_string()));
    Release {
        name: name.to_owned(),
        namespace: namespace.to_owned(),
        version,
        info: Some(Info {
            first_deployed: minutes(0),
            last_deployed: minutes(version),
            description: if version == 1 {
                "Install complete".into()
            } else {
                "Upgrade complete".into()
            },
            status,
            ..Info::default()
        }),
        chart: Some(ReleaseChart {
            metadata: Some(Metadata {
                name: "demo".into(),
                version: "0.1.0".into(),
                app_version: "1.0.0".into(),
                api_version: "v2".into(),
                ..Metadata::default()
            }),
            templates: Some(vec![File {
                name: "templates/cm.yaml".into(),
                data: CHART_TEMPLATE.as_bytes().to_vec(),
                modtime: first,
            }]),
            values: Some(Map::from_iter([("revision".to_owned(), Value::from("0"))])),
            modtime: first,
            ..ReleaseChart::default()
        }),
        config,
        manifest,
        apply_method: "csa".into(),
        ..Release::default()
    }
}

/// Writes every revision of the plan through `driver`, `concurrency` at a
/// time; returns how many records were written.
pub async fn seed(driver: &dyn Driver, plan: &SeedPlan) -> Result<usize, StorageError> {
    let records = (0..plan.releases).flat_map(|index| {
        let (namespace, name) = plan.release(index);
        (1..=plan.revisions).map(move |version| {
            let status = if version == plan.revisions {
                Status::Deployed
            } else {
                Status::Superseded
            };
            sample_release(&namespace, &name, version, status)
        })
    });
    stream::iter(records)
        .map(|release| async move { driver.create(&release).await })
        .buffer_unordered(plan.concurrency.max(1))
        .try_fold(0, |written, _| async move { Ok(written + 1) })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::codec;
    use crate::storage::{Memory, Storage};

    #[tokio::test]
    async fn seeds_every_revision_with_the_last_deployed() {
        let memory = Memory::new();
        let plan = SeedPlan {
            namespaces: vec!["a".into(), "b".into()],
            releases: 5,
            revisions: 3,
            concurrency: 4,
        };
        assert_eq!(seed(&memory, &plan).await.unwrap(), 15);
        let storage = Storage::new(Box::new(memory));
        let (latest, skipped) = storage.latest(None).await.unwrap();
        assert!(skipped.is_empty());
        assert_eq!(latest.len(), 5);
        assert!(
            latest
                .iter()
                .all(|r| r.version == 3 && r.status() == Status::Deployed)
        );
        let (a, _) = storage.latest(Some("a")).await.unwrap();
        assert_eq!(a.len(), 3, "releases 0, 2 and 4 are in the first namespace");
    }

    #[test]
    fn sample_bodies_are_the_size_of_a_small_chart() {
        let body = codec::encode(&sample_release("ns", "rel-00001", 7, Status::Deployed)).unwrap();
        assert!((1000..4000).contains(&body.len()), "{}", body.len());
    }
}
