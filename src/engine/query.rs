//! Reading releases for a face: the latest revision of every release, one
//! release's history, one revision. Records that can't be decoded are
//! passed on by name so a face can say which were skipped.

use crate::chart::Chart;
use crate::chart::coalesce::coalesce_values;
use crate::gotmpl::{Map, Value};
use crate::release::Release;
use crate::storage::Skipped;

use super::{Engine, EngineError};

/// Releases and the records that could not be read.
pub struct Listing {
    pub releases: Vec<Release>,
    pub skipped: Vec<Skipped>,
}

impl Engine {
    /// The latest revision of every release in `namespace` (all when
    /// `None`), sorted by namespace then name.
    pub async fn releases(&self, namespace: Option<&str>) -> Result<Listing, EngineError> {
        let (releases, skipped) = self.storage().latest(namespace).await?;
        Ok(Listing { releases, skipped })
    }

    /// Every revision of one release, oldest first.
    pub async fn history(&self, namespace: &str, name: &str) -> Result<Listing, EngineError> {
        let (releases, skipped) = self.storage().history(namespace, name).await?;
        Ok(Listing { releases, skipped })
    }

    /// One revision, or the latest.
    pub async fn release(
        &self,
        namespace: &str,
        name: &str,
        revision: Option<i64>,
    ) -> Result<Release, EngineError> {
        Ok(self.storage().get(namespace, name, revision).await?)
    }
}

/// One namespace as a browser shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamespaceSummary {
    pub name: String,
    /// Releases, and those failed or pending; `None` when their releases
    /// could not be read (RBAC).
    pub releases: Option<usize>,
    pub failed: usize,
    pub pending: usize,
}

/// Every namespace the user may see, with release counts.
#[derive(Clone, Debug, Default)]
pub struct Namespaces {
    pub namespaces: Vec<NamespaceSummary>,
    /// Why the list is partial (e.g. namespaces may not be listed), if it is.
    pub partial: Option<String>,
}

impl Engine {
    /// Tells of every change to release records in `namespace` (or all)
    /// from now on, where the storage can (see `Driver::changes`); `None`
    /// where it can't.
    pub async fn watch_releases(
        &self,
        namespace: Option<&str>,
    ) -> Result<Option<crate::storage::Changes>, EngineError> {
        Ok(self.storage().changes(namespace).await?)
    }

    /// The namespaces with their release counts. Either may be refused by
    /// RBAC: then the list holds what could be read, and says why it is
    /// partial, instead of failing.
    pub async fn namespaces(&self) -> Namespaces {
        let mut names: Vec<String> = Vec::new();
        let mut partial = None;
        match self.cluster().resource("v1", "Namespace").await {
            Ok(resource) => match self.cluster().list(&resource, "", "").await {
                Ok(items) => names.extend(items.iter().filter_map(|n| {
                    n.pointer("/metadata/name")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_string)
                })),
                Err(e) => partial = Some(format!("namespaces could not be listed: {e}")),
            },
            Err(e) => partial = Some(format!("namespaces could not be listed: {e}")),
        }
        let releases = match self.storage().latest(None).await {
            Ok((releases, _)) => Some(releases),
            Err(e) => {
                partial.get_or_insert_with(|| {
                    format!("releases could not be listed in every namespace: {e}")
                });
                None
            }
        };
        if let Some(releases) = &releases {
            names.extend(releases.iter().map(|r| r.namespace.clone()));
        }
        names.sort();
        names.dedup();
        let namespaces = names
            .into_iter()
            .map(|name| {
                let mine: Vec<&Release> = releases
                    .iter()
                    .flatten()
                    .filter(|r| r.namespace == name)
                    .collect();
                NamespaceSummary {
                    releases: releases.as_ref().map(|_| mine.len()),
                    failed: mine
                        .iter()
                        .filter(|r| r.status() == crate::release::Status::Failed)
                        .count(),
                    pending: mine.iter().filter(|r| r.status().is_pending()).count(),
                    name,
                }
            })
            .collect();
        Namespaces {
            namespaces,
            partial,
        }
    }
}

/// Helm's `CoalesceValues(rel.Chart, rel.Config)`: the user's values over the
/// chart's defaults (records keep no subcharts, so only the top chart's),
/// and the coalescing warnings.
pub fn computed_values(release: &Release) -> Result<(Value, Vec<String>), EngineError> {
    let entries = |map: &serde_json::Map<String, serde_json::Value>| match Value::from_json(
        &serde_json::Value::Object(map.clone()),
    ) {
        Value::Map(m) => m.read().clone(),
        _ => Default::default(),
    };
    let chart = Chart {
        values: release
            .chart
            .as_ref()
            .and_then(|c| c.values.as_ref())
            .map(entries)
            .unwrap_or_default(),
        ..Chart::default()
    };
    let mut warnings = Vec::new();
    let coalesced =
        coalesce_values(&chart, &entries(&release.config), &mut warnings).map_err(|e| {
            EngineError::Invalid(format!(
                "computing the values of release {}: {e}",
                release.name
            ))
        })?;
    Ok((Value::Map(Map::new(coalesced)), warnings))
}

/// One object of a release as it is on the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveObject {
    /// `Kind namespace/name`.
    pub object: String,
    /// `ready`, `missing`, or why it is not ready / has failed.
    pub health: String,
}

impl Engine {
    /// The latest revision's objects with their live health (Helm 3's
    /// readiness rules; Jobs must have completed).
    pub async fn resources(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Vec<LiveObject>, EngineError> {
        use crate::kube::ready::{Readiness, ReadyOptions, readiness};
        let release = self.storage().get(namespace, name, None).await?;
        let objects = super::objects::build(self.cluster(), &release.manifest, namespace).await?;
        let options = ReadyOptions { check_jobs: true };
        let mut out = Vec::new();
        for object in objects {
            let live = self
                .cluster()
                .get(&object.resource, &object.namespace, &object.name)
                .await
                .map_err(|e| {
                    EngineError::cluster(format!("could not read {}", object.describe()), e)
                })?;
            let health = match live.as_ref().map(|l| readiness(l, &options)) {
                None => "missing".to_string(),
                Some(Readiness::Ready) => "ready".to_string(),
                Some(Readiness::Pending(why)) => format!("not ready: {why}"),
                Some(Readiness::Failed(why)) => format!("failed: {why}"),
            };
            out.push(LiveObject {
                object: object.short(),
                health,
            });
        }
        Ok(out)
    }
}
