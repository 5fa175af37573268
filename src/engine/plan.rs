//! Previews: what an upgrade or rollback would really do, per object, before
//! anything is written. The patch is the one the action would send, and the
//! state after it is the server's own answer to that patch sent as a dry
//! run, so defaults, admission and merge keys are the server's — what the
//! preview shows is what the action sends.

use serde_json::{Map, Value};

use crate::diff::objects::{ObjectDiffOptions, object_diff, object_yaml};
use crate::diff::{Colors, UnifiedOptions, mask_secret_pair, unified};

use crate::kube::cluster::{Patch, WriteOptions};

use super::apply::{ApplyMethod, plan_patch};
use super::objects::{KEEP_POLICY, Object, RESOURCE_POLICY_ANNOTATION, annotation};
use super::rollback::RollbackOptions;
use super::upgrade::{Adoption, Prepared, UpgradeOptions};
use super::{Engine, EngineError, Progress};

/// What will happen to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Patch,
    Unchanged,
    /// `--force`: deleted and created again.
    Replace,
    Delete,
    /// Dropped by the chart but kept by `helm.sh/resource-policy: keep`.
    Keep,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Patch => "patch",
            Action::Unchanged => "unchanged",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Keep => "keep",
        }
    }
}

/// One object of a plan.
#[derive(Clone, Debug)]
pub struct PlannedObject {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub action: Action,
    /// The object as it is on the cluster now.
    pub live: Option<Value>,
    /// The object as the server would store it after the action.
    pub after: Option<Value>,
    /// The previous release's manifest object, and the new one.
    pub original: Option<Value>,
    pub target: Option<Value>,
    /// The patch that would be sent (client-side apply).
    pub patch: Option<Value>,
}

/// A whole preview.
#[derive(Clone, Debug)]
pub struct Plan {
    pub release: String,
    pub namespace: String,
    /// The revision the change starts from, and the one it would create.
    pub from_revision: i64,
    pub to_revision: i64,
    pub objects: Vec<PlannedObject>,
    /// The release manifest as rendered, and after post-rendering.
    pub rendered_manifest: String,
    pub manifest: String,
    /// User values of the current and the next revision.
    pub old_values: Map<String, Value>,
    pub new_values: Map<String, Value>,
}

/// How a plan is shown as text.
#[derive(Clone, Copy, Debug)]
pub struct PreviewOptions {
    /// Unchanged lines around each change.
    pub context: usize,
    pub show_secrets: bool,
    pub colors: Colors,
}

impl Plan {
    /// The preview as text: a line per object with its action, each change
    /// as a unified diff of the live object against the object after, then
    /// the post-renderer's changes (when there are any) and the values.
    pub fn render_text(&self, action: &str, options: &PreviewOptions) -> String {
        let mut out = format!(
            "Release {:?} in namespace {:?}: {action} from revision {} to {}\n",
            self.release, self.namespace, self.from_revision, self.to_revision
        );
        for o in &self.objects {
            out.push_str(&format!(
                "  {:<9} {} {} {}\n",
                o.action.as_str(),
                o.api_version,
                o.kind,
                qualified(&o.namespace, &o.name)
            ));
        }
        let diff_options = ObjectDiffOptions {
            context: options.context,
            show_secrets: options.show_secrets,
            color: options.colors.on,
        };
        for o in &self.objects {
            if matches!(o.action, Action::Unchanged | Action::Keep) {
                continue;
            }
            let title = format!(
                "{} {} {}",
                o.api_version,
                o.kind,
                qualified(&o.namespace, &o.name)
            );
            out.push_str(&object_diff(
                &format!("live {title}"),
                &format!("after {action} {title}"),
                o.live.as_ref(),
                o.after.as_ref(),
                &diff_options,
            ));
        }
        let unified_options = UnifiedOptions {
            context: options.context,
            colors: options.colors,
        };
        if self.rendered_manifest != self.manifest {
            let (rendered, post) = if options.show_secrets {
                (self.rendered_manifest.clone(), self.manifest.clone())
            } else {
                mask_secret_pair(&self.rendered_manifest, &self.manifest)
            };
            out.push_str(&unified(
                "rendered manifest",
                "post-rendered manifest",
                &rendered,
                &post,
                unified_options,
            ));
        }
        let values = |v: &Map<String, Value>| {
            if v.is_empty() {
                String::new()
            } else {
                object_yaml(&Value::Object(v.clone()))
            }
        };
        out.push_str(&unified(
            &format!("values of revision {}", self.from_revision),
            &format!("values of revision {}", self.to_revision),
            &values(&self.old_values),
            &values(&self.new_values),
            unified_options,
        ));
        out
    }

    /// Whether anything would change on the cluster.
    pub fn has_changes(&self) -> bool {
        self.objects
            .iter()
            .any(|o| !matches!(o.action, Action::Unchanged | Action::Keep))
    }
}

impl Engine {
    /// What `upgrade` with these options would do.
    pub async fn plan_upgrade(&self, options: &UpgradeOptions) -> Result<Plan, EngineError> {
        let namespace = options
            .namespace
            .clone()
            .unwrap_or_else(|| self.namespace().to_string());
        let prepared = self
            .prepare_upgrade(options, &namespace, &Progress::default(), false)
            .await?;
        self.plan(prepared, options.force).await
    }

    /// What `rollback` with these options would do.
    pub async fn plan_rollback(&self, options: &RollbackOptions) -> Result<Plan, EngineError> {
        let options = RollbackOptions {
            dry_run: false,
            ..options.clone()
        };
        let prepared = self.prepare_rollback(&options).await?;
        self.plan(prepared, options.force).await
    }

    /// Drift: what was changed by hand on the deployed revision's objects.
    /// It is the plan of re-applying that revision as it is: every object
    /// whose live state the three-way patch would change (a scaled
    /// Deployment, an edited ConfigMap) or that is missing.
    pub async fn drift(&self, namespace: &str, name: &str) -> Result<Plan, EngineError> {
        let deployed = self.storage().deployed(namespace, name).await?;
        let (originals, targets) = self
            .both_sides(&deployed, &deployed, Adoption::Unchecked)
            .await?;
        let method = if deployed.apply_method == "ssa" {
            ApplyMethod::ServerSide {
                force_conflicts: false,
            }
        } else {
            ApplyMethod::ClientSide
        };
        let prepared = Prepared {
            rendered_manifest: deployed.manifest.clone(),
            current: deployed.clone(),
            next: deployed,
            method,
            originals,
            targets,
        };
        self.plan(prepared, false).await
    }

    async fn plan(&self, prepared: Prepared, force: bool) -> Result<Plan, EngineError> {
        let dry = WriteOptions {
            field_manager: self.field_manager().to_string(),
            dry_run: true,
        };
        let mut planned = Vec::new();
        for target in &prepared.targets {
            let original = prepared.originals.iter().find(|o| o.same_as(target));
            planned.push(
                self.plan_one(original, target, prepared.method, force, &dry)
                    .await?,
            );
        }
        for original in &prepared.originals {
            if prepared.targets.iter().any(|t| t.same_as(original)) {
                continue;
            }
            let live = self.live(original).await?;
            let Some(live) = live else { continue };
            let action = if annotation(&live, RESOURCE_POLICY_ANNOTATION) == Some(KEEP_POLICY) {
                Action::Keep
            } else {
                Action::Delete
            };
            planned.push(PlannedObject {
                after: (action == Action::Keep).then(|| live.clone()),
                live: Some(live),
                action,
                original: Some(original.body.clone()),
                target: None,
                patch: None,
                ..describe(original)
            });
        }
        Ok(Plan {
            release: prepared.next.name.clone(),
            namespace: prepared.next.namespace.clone(),
            from_revision: prepared.current.version,
            to_revision: prepared.next.version,
            objects: planned,
            rendered_manifest: prepared.rendered_manifest.clone(),
            manifest: prepared.next.manifest.clone(),
            old_values: prepared.current.config.clone(),
            new_values: prepared.next.config.clone(),
        })
    }

    async fn live(&self, object: &Object) -> Result<Option<Value>, EngineError> {
        self.cluster()
            .get(&object.resource, &object.namespace, &object.name)
            .await
            .map_err(|e| EngineError::cluster(format!("could not read {}", object.describe()), e))
    }

    async fn plan_one(
        &self,
        original: Option<&Object>,
        target: &Object,
        method: ApplyMethod,
        force: bool,
        dry: &WriteOptions,
    ) -> Result<PlannedObject, EngineError> {
        let refused =
            |e| EngineError::cluster(format!("dry run of {} refused", target.describe()), e);
        let live = self.live(target).await?;
        let Some(live) = live else {
            let after = self
                .cluster()
                .create(&target.resource, &target.namespace, &target.body, dry)
                .await
                .map_err(refused)?;
            return Ok(PlannedObject {
                action: Action::Create,
                live: None,
                after: Some(after),
                original: original.map(|o| o.body.clone()),
                target: Some(target.body.clone()),
                patch: None,
                ..describe(target)
            });
        };
        if force {
            let after = self
                .cluster()
                .replace(
                    &target.resource,
                    &target.namespace,
                    &target.name,
                    &target.body,
                    dry,
                )
                .await
                .map_err(refused)?;
            return Ok(PlannedObject {
                action: Action::Replace,
                live: Some(live),
                after: Some(after),
                original: original.map(|o| o.body.clone()),
                target: Some(target.body.clone()),
                patch: None,
                ..describe(target)
            });
        }
        let original_body = original.map_or(&live, |o| &o.body);
        let planned = plan_patch(method, original_body, &target.body, &live, target)?;
        let (action, after) = if planned.empty {
            (Action::Unchanged, live.clone())
        } else {
            let after = self
                .cluster()
                .patch(
                    &target.resource,
                    &target.namespace,
                    &target.name,
                    &planned.patch,
                    dry,
                )
                .await
                .map_err(refused)?;
            let action = if strip_volatile(&after) == strip_volatile(&live) {
                Action::Unchanged
            } else {
                Action::Patch
            };
            (action, after)
        };
        let patch = match &planned.patch {
            Patch::Strategic(p) | Patch::Merge(p) | Patch::Json(p) => Some(p.clone()),
            Patch::Apply { .. } => None,
        };
        Ok(PlannedObject {
            action,
            live: Some(live),
            after: Some(after),
            original: original.map(|o| o.body.clone()),
            target: Some(target.body.clone()),
            patch,
            ..describe(target)
        })
    }
}

fn qualified(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

/// The object without what every write changes (resourceVersion,
/// managedFields timestamps, generation), to tell a real change from a
/// no-op patch.
fn strip_volatile(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(meta) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["resourceVersion", "managedFields", "generation"] {
            meta.remove(key);
        }
    }
    copy
}

fn describe(object: &Object) -> PlannedObject {
    PlannedObject {
        api_version: object.resource.api_version.clone(),
        kind: object.resource.kind.clone(),
        name: object.name.clone(),
        namespace: object.namespace.clone(),
        action: Action::Unchanged,
        live: None,
        after: None,
        original: None,
        target: None,
        patch: None,
    }
}
