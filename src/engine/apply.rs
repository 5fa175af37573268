//! Sending objects to the cluster the way Helm's kube client does: create
//! (install), update from the previous release's objects to the new ones
//! (upgrade, rollback, adoption) and delete (uninstall, objects dropped by an
//! upgrade). Objects of one kind go out together, kinds in the order given,
//! as Helm's `batchPerform`.
//!
//! Client-side apply computes Helm 3's three-way patch (previous manifest,
//! live object, new manifest): strategic merge for built-in kinds, JSON merge
//! from the previous manifest for custom resources. Server-side apply (Helm
//! 4's mode) sends the whole object under Helm's field manager.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde_json::Value;

use crate::kube::cluster::{Cluster, ClusterError, Patch, Propagation, WriteOptions};
use crate::patch::{self, Gvk};

use super::EngineError;
use super::events::{Cancel, Change, Event, Progress};
use super::objects::{KEEP_POLICY, Object, RESOURCE_POLICY_ANNOTATION};

/// Requests in flight at once within one kind.
pub const MAX_PARALLEL_WRITES: usize = 16;

/// How changes reach existing objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyMethod {
    /// Helm 3: three-way patches computed here (recorded as `csa`).
    ClientSide,
    /// Helm 4: server-side apply (recorded as `ssa`).
    ServerSide { force_conflicts: bool },
}

impl ApplyMethod {
    /// The release record's `apply_method`.
    pub fn record_name(self) -> &'static str {
        match self {
            ApplyMethod::ClientSide => "csa",
            ApplyMethod::ServerSide { .. } => "ssa",
        }
    }
}

/// Everything a write needs besides the objects.
#[derive(Clone)]
pub struct Applier<'a> {
    pub cluster: &'a Cluster,
    pub method: ApplyMethod,
    pub field_manager: &'a str,
    /// `--force`: replace changed objects instead of patching them.
    pub force_replace: bool,
    pub dry_run: bool,
    pub progress: &'a Progress,
    pub cancel: &'a Cancel,
}

/// What an update did, for cleanup on failure.
#[derive(Default, Debug)]
pub struct Outcome {
    /// Objects created by this update (deleted again by `--cleanup-on-fail`).
    pub created: Vec<Object>,
    pub changes: Vec<(String, Change)>,
}

/// The patch an update sends for one object, and whether it changes anything.
#[derive(Clone, Debug)]
pub struct PlannedPatch {
    pub patch: Patch,
    pub empty: bool,
}

impl<'a> Applier<'a> {
    fn write_options(&self) -> WriteOptions {
        WriteOptions {
            field_manager: self.field_manager.to_string(),
            dry_run: self.dry_run,
        }
    }

    fn check_cancel(&self) -> Result<(), EngineError> {
        if self.cancel.is_cancelled() {
            Err(EngineError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Creates objects that don't exist yet (install).
    pub async fn create_all(&self, objects: &[Object]) -> Result<(), EngineError> {
        let total = objects.len();
        let mut done = 0;
        for batch in kind_batches(objects) {
            self.check_cancel()?;
            let results: Vec<String> = stream::iter(batch.iter())
                .map(|object| async move {
                    self.create(object).await?;
                    Ok::<_, EngineError>(object.short())
                })
                .buffered(MAX_PARALLEL_WRITES)
                .try_collect()
                .await?;
            for object in results {
                done += 1;
                self.progress.emit(Event::Applied {
                    index: done,
                    total,
                    object,
                    change: Change::Created,
                });
            }
        }
        Ok(())
    }

    /// Creates one object (server-side apply in that mode, as Helm 4).
    pub async fn create(&self, object: &Object) -> Result<Value, EngineError> {
        let result = match self.method {
            ApplyMethod::ClientSide => {
                self.cluster
                    .create(
                        &object.resource,
                        &object.namespace,
                        &object.body,
                        &self.write_options(),
                    )
                    .await
            }
            ApplyMethod::ServerSide { force_conflicts } => {
                self.cluster
                    .patch(
                        &object.resource,
                        &object.namespace,
                        &object.name,
                        &Patch::Apply {
                            object: object.body.clone(),
                            force: force_conflicts,
                        },
                        &self.write_options(),
                    )
                    .await
            }
        };
        result
            .map_err(|e| EngineError::cluster(format!("failed to create {}", object.describe()), e))
    }

    /// Helm's `Update`: every target is created when missing or changed from
    /// its original (the previous release's object, else the live one);
    /// originals no longer wanted are deleted unless kept by policy.
    pub async fn update(
        &self,
        originals: &[Object],
        targets: &[Object],
    ) -> Result<Outcome, EngineError> {
        let mut outcome = Outcome::default();
        let total = targets.len();
        let mut done = 0;
        let mut failures = Vec::new();
        for batch in kind_batches(targets) {
            self.check_cancel()?;
            let results: Vec<Result<(Object, Change), EngineError>> = stream::iter(batch.iter())
                .map(|target| async move {
                    let original = originals.iter().find(|o| o.same_as(target));
                    let change = self.update_one(original, target).await?;
                    Ok((target.clone(), change))
                })
                .buffered(MAX_PARALLEL_WRITES)
                .collect()
                .await;
            for result in results {
                match result {
                    Ok((target, change)) => {
                        done += 1;
                        self.progress.emit(Event::Applied {
                            index: done,
                            total,
                            object: target.short(),
                            change,
                        });
                        outcome.changes.push((target.short(), change));
                        if change == Change::Created {
                            outcome.created.push(target);
                        }
                    }
                    // Helm creates what it can and reports every failed update.
                    Err(e @ EngineError::Cluster { .. }) => failures.push(e.to_string()),
                    Err(e) => return Err(e),
                }
            }
        }
        if !failures.is_empty() {
            return Err(EngineError::Apply {
                message: failures.join(" && "),
                created: outcome.created,
            });
        }
        let dropped: Vec<&Object> = originals
            .iter()
            .filter(|o| !targets.iter().any(|t| t.same_as(o)))
            .collect();
        for original in dropped {
            self.check_cancel()?;
            let live = self
                .cluster
                .get(&original.resource, &original.namespace, &original.name)
                .await
                .ok()
                .flatten();
            let Some(live) = live else { continue };
            let change = if super::objects::annotation(&live, RESOURCE_POLICY_ANNOTATION)
                == Some(KEEP_POLICY)
            {
                Change::Kept
            } else {
                match self
                    .cluster
                    .delete(
                        &original.resource,
                        &original.namespace,
                        &original.name,
                        Propagation::Background,
                        self.dry_run,
                    )
                    .await
                {
                    Ok(_) => Change::Deleted,
                    Err(e) => {
                        failures.push(format!(
                            "failed to delete resource namespace={}, name={}, kind={}: {e}",
                            original.namespace, original.name, original.resource.kind
                        ));
                        continue;
                    }
                }
            };
            self.progress.emit(Event::Applied {
                index: done,
                total,
                object: original.short(),
                change,
            });
            outcome.changes.push((original.short(), change));
        }
        if !failures.is_empty() {
            return Err(EngineError::Apply {
                message: failures.join(" && "),
                created: outcome.created,
            });
        }
        Ok(outcome)
    }

    async fn update_one(
        &self,
        original: Option<&Object>,
        target: &Object,
    ) -> Result<Change, EngineError> {
        let live = self
            .cluster
            .get(&target.resource, &target.namespace, &target.name)
            .await
            .map_err(|e| {
                EngineError::cluster("could not get information about the resource".into(), e)
            })?;
        let Some(live) = live else {
            self.create(target)
                .await
                .map_err(|e| EngineError::Cluster {
                    context: "failed to create resource".into(),
                    message: e.to_string(),
                })?;
            return Ok(Change::Created);
        };
        let original_body = original.map_or(&live, |o| &o.body);
        if self.force_replace {
            self.cluster
                .replace(
                    &target.resource,
                    &target.namespace,
                    &target.name,
                    &target.body,
                    &self.write_options(),
                )
                .await
                .map_err(|e| EngineError::cluster("failed to replace object".into(), e))?;
            return Ok(Change::Replaced);
        }
        let planned = plan_patch(self.method, original_body, &target.body, &live, target)?;
        if planned.empty {
            return Ok(Change::Unchanged);
        }
        self.cluster
            .patch(
                &target.resource,
                &target.namespace,
                &target.name,
                &planned.patch,
                &self.write_options(),
            )
            .await
            .map_err(|e| match self.method {
                ApplyMethod::ClientSide => EngineError::cluster(
                    format!(
                        "cannot patch {:?} with kind {}",
                        target.name, target.resource.kind
                    ),
                    e,
                ),
                ApplyMethod::ServerSide { .. } => EngineError::cluster(
                    format!(
                        "{} for object {}/{} {}",
                        if e.is_conflict() {
                            "conflict occurred while applying"
                        } else {
                            "server-side apply failed"
                        },
                        target.namespace,
                        target.name,
                        gvk_string(target)
                    ),
                    e,
                ),
            })?;
        Ok(Change::Patched)
    }

    /// Deletes objects in the given order, kind by kind; objects already
    /// gone count as deleted. Every failure is reported, none stops the rest.
    pub async fn delete_all(
        &self,
        objects: &[Object],
        propagation: Propagation,
    ) -> Result<Vec<Object>, Vec<String>> {
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        let total = objects.len();
        for batch in kind_batches(objects) {
            let results: Vec<(&Object, Result<bool, ClusterError>)> = stream::iter(batch.iter())
                .map(|object| async move {
                    let r = self
                        .cluster
                        .delete(
                            &object.resource,
                            &object.namespace,
                            &object.name,
                            propagation,
                            self.dry_run,
                        )
                        .await;
                    (object, r)
                })
                .buffered(MAX_PARALLEL_WRITES)
                .collect()
                .await;
            for (object, result) in results {
                match result {
                    Ok(existed) => {
                        deleted.push(object.clone());
                        if existed {
                            self.progress.emit(Event::Applied {
                                index: deleted.len(),
                                total,
                                object: object.short(),
                                change: Change::Deleted,
                            });
                        }
                    }
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
        if errors.is_empty() {
            Ok(deleted)
        } else {
            Err(errors)
        }
    }
}

/// `apps/v1, Kind=Deployment`, as Go prints a GroupVersionKind.
fn gvk_string(object: &Object) -> String {
    format!(
        "{}, Kind={}",
        object.resource.api_version, object.resource.kind
    )
}

/// The patch an update sends to move `live` from `original` to `target`.
pub fn plan_patch(
    method: ApplyMethod,
    original: &Value,
    target_body: &Value,
    live: &Value,
    target: &Object,
) -> Result<PlannedPatch, EngineError> {
    if let ApplyMethod::ServerSide { force_conflicts } = method {
        return Ok(PlannedPatch {
            patch: Patch::Apply {
                object: target_body.clone(),
                force: force_conflicts,
            },
            empty: false,
        });
    }
    let gvk = Gvk::from_api_version(&target.resource.api_version, &target.resource.kind);
    let built_in = patch::schema::root_type(&gvk).is_some();
    let failed = |e: patch::PatchError| EngineError::Cluster {
        context: format!("failed to create patch for {}", target.describe()),
        message: e.to_string(),
    };
    let (patch, body) = if built_in {
        let p = patch::create_three_way_strategic(original, target_body, live, &gvk, true)
            .map_err(failed)?;
        (Patch::Strategic(p.clone()), p)
    } else {
        let empty = serde_json::Map::new();
        let as_map = |v: &'_ Value| v.as_object().cloned().unwrap_or_else(|| empty.clone());
        let p = Value::Object(patch::create_merge_patch(
            &as_map(original),
            &as_map(target_body),
        ));
        (Patch::Merge(p.clone()), p)
    };
    let empty = body.as_object().is_some_and(|m| m.is_empty());
    Ok(PlannedPatch { patch, empty })
}

/// Consecutive runs of one kind, in the order given (Helm's `batchPerform`).
fn kind_batches(objects: &[Object]) -> Vec<&[Object]> {
    let mut batches = Vec::new();
    let mut start = 0;
    for i in 1..=objects.len() {
        if i == objects.len() || objects[i].resource.kind != objects[start].resource.kind {
            if i > start {
                batches.push(&objects[start..i]);
            }
            start = i;
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::cluster::Resource;
    use serde_json::json;

    fn object(kind: &str, name: &str) -> Object {
        Object {
            resource: Resource {
                api_version: if kind == "Deployment" {
                    "apps/v1"
                } else {
                    "example.com/v1"
                }
                .into(),
                kind: kind.into(),
                plural: "x".into(),
                namespaced: true,
            },
            name: name.into(),
            namespace: "default".into(),
            body: json!({}),
        }
    }

    #[test]
    fn batches_follow_kind_runs() {
        let objects = [
            object("Deployment", "a"),
            object("Deployment", "b"),
            object("Widget", "c"),
            object("Deployment", "d"),
        ];
        let sizes: Vec<usize> = kind_batches(&objects).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, vec![2, 1, 1]);
        assert!(kind_batches(&[]).is_empty());
    }

    #[test]
    fn a_scaled_down_deployment_is_restored_by_the_three_way_patch() {
        let manifest = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"}, "spec": {"replicas": 3}});
        let mut live = manifest.clone();
        live["spec"]["replicas"] = json!(0);
        let target = object("Deployment", "web");
        let planned = plan_patch(
            ApplyMethod::ClientSide,
            &manifest,
            &manifest,
            &live,
            &target,
        )
        .unwrap();
        assert!(!planned.empty);
        match planned.patch {
            Patch::Strategic(p) => assert_eq!(p, json!({"spec": {"replicas": 3}})),
            other => panic!("{other:?}"),
        }
        let same = plan_patch(
            ApplyMethod::ClientSide,
            &manifest,
            &manifest,
            &manifest,
            &target,
        )
        .unwrap();
        assert!(same.empty);
    }

    #[test]
    fn custom_resources_get_a_merge_patch_from_the_previous_manifest() {
        let old = json!({"spec": {"size": 1, "color": "red"}});
        let new = json!({"spec": {"size": 2}});
        let live = json!({"spec": {"size": 5, "color": "red", "extra": true}});
        let planned = plan_patch(
            ApplyMethod::ClientSide,
            &old,
            &new,
            &live,
            &object("Widget", "w"),
        )
        .unwrap();
        match planned.patch {
            Patch::Merge(p) => assert_eq!(p, json!({"spec": {"size": 2, "color": null}})),
            other => panic!("{other:?}"),
        }
    }
}
