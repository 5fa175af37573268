//! `upgrade`: Helm's upgrade action. The new revision is rendered with the
//! chosen values (new, reused or reset), recorded `pending-upgrade`, and
//! applied with three-way patches from the deployed revision's objects;
//! objects the chart dropped are deleted unless kept. On success the old
//! revision becomes `superseded`; on failure the new one `failed`, with
//! `--cleanup-on-fail` and `--atomic` as in Helm.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::chart::coalesce::{coalesce_tables, coalesce_values};
use crate::chart::{self, ReleaseOptions};
use crate::gotmpl::{Entries, Map, Value};
use crate::kube::ready::ReadyOptions;
use crate::release::{Release, Status};
use crate::render::post::PostRenderer;
use crate::render::sort::HookEvent;
use crate::storage::StorageError;

use super::apply::{Applier, ApplyMethod};
use super::events::{Cancel, Event, Progress};
use super::install::{DryRun, InstallOptions, check_labels};
use super::objects::{self, Object};
use super::record::{self, NewRelease, set_status};
use super::render::{RenderRequest, render_chart};
use super::rollback::RollbackOptions;
use super::{DEFAULT_TIMEOUT, Engine, EngineError, hooks, wait};

/// Helm's message when a release is busy with another operation.
pub const PENDING_MESSAGE: &str = "another operation (install/upgrade/rollback) is in progress";

/// `--server-side`: `auto` follows how the release was last applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ServerSide {
    #[default]
    Auto,
    True,
    False,
}

impl ServerSide {
    pub fn resolve(self, recorded: &str, force_conflicts: bool) -> ApplyMethod {
        let server = match self {
            ServerSide::Auto => recorded == "ssa",
            ServerSide::True => true,
            ServerSide::False => false,
        };
        if server {
            ApplyMethod::ServerSide { force_conflicts }
        } else {
            ApplyMethod::ClientSide
        }
    }
}

/// Options of [`Engine::upgrade`], Helm's flags by name.
#[derive(Clone)]
pub struct UpgradeOptions {
    pub release_name: String,
    pub chart: PathBuf,
    pub values: Entries,
    pub namespace: Option<String>,
    /// `--install`: install when the release doesn't exist.
    pub install: bool,
    pub create_namespace: bool,
    pub reuse_values: bool,
    pub reset_values: bool,
    pub reset_then_reuse_values: bool,
    /// `--history-max` (0: unlimited; Helm's default 10).
    pub history_max: usize,
    pub cleanup_on_fail: bool,
    /// `--force`: replace objects instead of patching them.
    pub force: bool,
    pub atomic: bool,
    pub wait: bool,
    pub wait_for_jobs: bool,
    pub timeout: Duration,
    pub dry_run: DryRun,
    pub description: String,
    pub labels: BTreeMap<String, String>,
    pub no_hooks: bool,
    pub skip_crds: bool,
    pub skip_schema_validation: bool,
    pub post_renderer: Option<Arc<dyn PostRenderer + Send + Sync>>,
    pub server_side: ServerSide,
    pub force_conflicts: bool,
}

/// Helm's default `--history-max`.
pub const DEFAULT_HISTORY_MAX: usize = 10;

impl UpgradeOptions {
    pub fn new(name: &str, chart: impl Into<PathBuf>) -> UpgradeOptions {
        UpgradeOptions {
            release_name: name.to_string(),
            chart: chart.into(),
            values: Entries::default(),
            namespace: None,
            install: false,
            create_namespace: false,
            reuse_values: false,
            reset_values: false,
            reset_then_reuse_values: false,
            history_max: DEFAULT_HISTORY_MAX,
            cleanup_on_fail: false,
            force: false,
            atomic: false,
            wait: false,
            wait_for_jobs: false,
            timeout: DEFAULT_TIMEOUT,
            dry_run: DryRun::None,
            description: String::new(),
            labels: BTreeMap::new(),
            no_hooks: false,
            skip_crds: false,
            skip_schema_validation: false,
            post_renderer: None,
            server_side: ServerSide::Auto,
            force_conflicts: false,
        }
    }

    fn as_install(&self) -> InstallOptions {
        InstallOptions {
            release_name: self.release_name.clone(),
            chart: self.chart.clone(),
            values: self.values.clone(),
            namespace: self.namespace.clone(),
            create_namespace: self.create_namespace,
            dry_run: self.dry_run,
            wait: self.wait,
            wait_for_jobs: self.wait_for_jobs,
            timeout: self.timeout,
            atomic: self.atomic,
            description: self.description.clone(),
            labels: self.labels.clone(),
            skip_crds: self.skip_crds,
            no_hooks: self.no_hooks,
            skip_schema_validation: self.skip_schema_validation,
            post_renderer: self.post_renderer.clone(),
            // As `install`: Helm 3's client-side apply unless asked.
            server_side: self.server_side == ServerSide::True,
            force_conflicts: self.force_conflicts,
        }
    }
}

/// An upgrade or rollback ready to apply: the deployed revision it starts
/// from, the new record, and both sides as objects.
pub struct Prepared {
    pub current: Release,
    pub next: Release,
    pub method: ApplyMethod,
    /// The current revision's objects plus live objects the new revision
    /// adopts.
    pub originals: Vec<Object>,
    pub targets: Vec<Object>,
    /// The new manifest before post-rendering.
    pub rendered_manifest: String,
}

/// What the next revision starts from: the latest record and the deployed
/// one (Helm's choice of `currentRelease`), refusing a busy release.
pub(crate) async fn current_and_last(
    engine: &Engine,
    namespace: &str,
    name: &str,
) -> Result<(Release, Release), EngineError> {
    let last = match engine.storage().get(namespace, name, None).await {
        Ok(r) => r,
        Err(e) if e.is_not_found() => {
            return Err(StorageError::NoDeployed {
                name: name.to_string(),
            }
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    if last.status().is_pending() {
        return Err(EngineError::Invalid(PENDING_MESSAGE.into()));
    }
    if last.status() == Status::Deployed {
        return Ok((last.clone(), last));
    }
    match engine.storage().deployed(namespace, name).await {
        Ok(current) => Ok((current, last)),
        Err(StorageError::NoDeployed { .. })
            if matches!(last.status(), Status::Failed | Status::Superseded) =>
        {
            Ok((last.clone(), last))
        }
        Err(e) => Err(e.into()),
    }
}

/// Helm's `reuseValues`: which user values the new revision gets, and the
/// chart defaults to render with when `--reuse-values` brings back the old.
fn choose_values(
    options: &UpgradeOptions,
    current: &Release,
    chart: &mut chart::Chart,
) -> Result<Entries, EngineError> {
    let old_config = match Value::from_json(&serde_json::Value::Object(current.config.clone())) {
        Value::Map(m) => m,
        _ => Map::new(Entries::default()),
    };
    let mut warnings = Vec::new();
    if options.reset_values {
        return Ok(options.values.clone());
    }
    if options.reuse_values {
        let mut old_chart = chart::Chart::default();
        if let Some(values) = current.chart.as_ref().and_then(|c| c.values.as_ref())
            && let Value::Map(m) = Value::from_json(&serde_json::Value::Object(values.clone()))
        {
            old_chart.values = m.read().clone();
        }
        let old_values = coalesce_values(&old_chart, &old_config.read(), &mut warnings)
            .map_err(|e| EngineError::Invalid(format!("failed to rebuild old values: {e}")))?;
        let merged = Map::new(options.values.clone());
        coalesce_tables(&merged, &old_config, &mut warnings);
        chart.values = old_values;
        return Ok(merged.read().clone());
    }
    if options.reset_then_reuse_values {
        let merged = Map::new(options.values.clone());
        coalesce_tables(&merged, &old_config, &mut warnings);
        return Ok(merged.read().clone());
    }
    if options.values.is_empty() && !current.config.is_empty() {
        return Ok(old_config.read().clone());
    }
    Ok(options.values.clone())
}

impl Engine {
    /// Upgrades a release to a chart (or installs it with `--install`).
    pub async fn upgrade(
        &self,
        options: &UpgradeOptions,
        progress: &Progress,
        cancel: &Cancel,
    ) -> Result<Release, EngineError> {
        let namespace = options
            .namespace
            .clone()
            .unwrap_or_else(|| self.namespace().to_string());
        let name = options.release_name.as_str();
        chart::name::validate_release_name(name)
            .map_err(|e| EngineError::Invalid(format!("release name is invalid: {name}: {e}")))?;
        if options.install {
            let history = self.storage().revisions(&namespace, name).await?;
            let uninstalled = history
                .iter()
                .max_by_key(|h| h.version)
                .is_some_and(|h| h.status == Status::Uninstalled);
            if history.is_empty() {
                return self.install(&options.as_install(), progress, cancel).await;
            }
            if uninstalled {
                // A kept history: the new revision follows it.
                return self
                    .upgrade_from(options, &namespace, progress, cancel, true)
                    .await;
            }
        }
        self.upgrade_from(options, &namespace, progress, cancel, false)
            .await
    }

    async fn upgrade_from(
        &self,
        options: &UpgradeOptions,
        namespace: &str,
        progress: &Progress,
        cancel: &Cancel,
        after_uninstall: bool,
    ) -> Result<Release, EngineError> {
        let prepared = self
            .prepare_upgrade(options, namespace, progress, after_uninstall)
            .await?;
        if options.dry_run != DryRun::None {
            let mut next = prepared.next;
            set_status(&mut next, Status::PendingUpgrade, "Dry run complete");
            return Ok(next);
        }
        let settings = Apply {
            force: options.force,
            wait: options.wait || options.wait_for_jobs,
            wait_for_jobs: options.wait_for_jobs,
            timeout: options.timeout,
            no_hooks: options.no_hooks,
            cleanup_on_fail: options.cleanup_on_fail,
            atomic: options.atomic,
            history_max: options.history_max,
            description: options.description.clone(),
            kind: Kind::Upgrade,
        };
        self.apply_revision(prepared, &settings, progress, cancel)
            .await
    }

    /// Renders the new revision and builds both sides, writing nothing.
    pub async fn prepare_upgrade(
        &self,
        options: &UpgradeOptions,
        namespace: &str,
        progress: &Progress,
        after_uninstall: bool,
    ) -> Result<Prepared, EngineError> {
        let name = options.release_name.as_str();
        let (current, last) = if after_uninstall {
            let last = self.storage().get(namespace, name, None).await?;
            (last.clone(), last)
        } else {
            current_and_last(self, namespace, name).await?
        };
        progress.emit(Event::Rendering {
            release: name.to_string(),
        });
        let mut loaded = chart::load(&options.chart).map_err(|e| EngineError::Render(e.into()))?;
        let values = choose_values(options, &current, &mut loaded)?;
        check_labels(&options.labels)?;
        let revision = last.version + 1;
        let capabilities = if options.dry_run == DryRun::Client {
            chart::Capabilities::client_only()
        } else {
            self.capabilities().await?
        };
        let request = RenderRequest {
            values: &values,
            release: ReleaseOptions {
                name: name.to_string(),
                namespace: namespace.to_string(),
                revision,
                is_install: false,
                is_upgrade: true,
                skip_schema_validation: options.skip_schema_validation,
            },
            capabilities,
            include_crds: false,
            post_renderer: options.post_renderer.clone(),
            debug: false,
        };
        let rendered = render_chart(loaded, &request, &mut |w| {
            progress.emit(Event::Warning(w.to_string()))
        })
        .map_err(EngineError::Render)?;
        let method = options
            .server_side
            .resolve(&last.apply_method, options.force_conflicts);
        let mut labels = last.labels.clone();
        labels.extend(options.labels.clone());
        labels.retain(|_, v| !v.is_empty());
        let mut next = NewRelease {
            name,
            namespace,
            version: revision,
            chart: &rendered.chart,
            config: record::config(&values),
            manifest: rendered.manifest.clone(),
            hooks: record::hooks(&rendered.hooks),
            notes: rendered.notes.clone(),
            labels,
            apply_method: method.record_name(),
            first_deployed: current.info.as_ref().map(|i| i.first_deployed),
        }
        .build();
        set_status(&mut next, Status::PendingUpgrade, "Preparing upgrade");
        let (originals, targets) = if options.dry_run == DryRun::Client {
            (Vec::new(), Vec::new())
        } else {
            self.both_sides(&current, &next, Adoption::Checked).await?
        };
        Ok(Prepared {
            current,
            next,
            method,
            originals,
            targets,
            rendered_manifest: rendered.rendered_manifest,
        })
    }

    /// The objects of `current` and of `next` (stamped with ownership);
    /// new objects that already exist must be this release's to adopt.
    pub(crate) async fn both_sides(
        &self,
        current: &Release,
        next: &Release,
        adoption: Adoption,
    ) -> Result<(Vec<Object>, Vec<Object>), EngineError> {
        let mut originals = objects::build(self.cluster(), &current.manifest, &current.namespace)
            .await
            .map_err(|e| {
                EngineError::Manifest(format!(
                    "unable to build kubernetes objects from current release manifest: {e}"
                ))
            })?;
        let mut targets = objects::build(self.cluster(), &next.manifest, &next.namespace)
            .await
            .map_err(|e| {
                EngineError::Manifest(format!(
                    "unable to build kubernetes objects from new release manifest: {e}"
                ))
            })?;
        for t in &mut targets {
            objects::set_ownership(&mut t.body, &next.name, &next.namespace);
        }
        let fresh: Vec<Object> = targets
            .iter()
            .filter(|t| !originals.iter().any(|o| o.same_as(t)))
            .cloned()
            .collect();
        if adoption == Adoption::Checked {
            let adopted = self
                .adoptable(&fresh, &next.name, &next.namespace)
                .await
                .map_err(|e| match e {
                    EngineError::Invalid(m) => EngineError::Invalid(m.replacen(
                        "unable to continue with install",
                        "Unable to continue with update",
                        1,
                    )),
                    other => other,
                })?;
            originals.extend(adopted);
        }
        Ok((originals, targets))
    }

    /// Records the new revision and applies it (Helm's `releasingUpgrade`
    /// and `performRollback` share this).
    pub(crate) async fn apply_revision(
        &self,
        prepared: Prepared,
        settings: &Apply,
        progress: &Progress,
        cancel: &Cancel,
    ) -> Result<Release, EngineError> {
        if settings.force && matches!(prepared.method, ApplyMethod::ServerSide { .. }) {
            // Helm 4 refuses this pair before writing anything.
            return Err(EngineError::Invalid(
                "invalid operation: cannot use server-side apply and force replace together".into(),
            ));
        }
        let Prepared {
            mut current,
            mut next,
            method,
            originals,
            targets,
            ..
        } = prepared;
        let applier = Applier {
            cluster: self.cluster(),
            method,
            field_manager: self.field_manager(),
            force_replace: settings.force,
            dry_run: false,
            progress,
            cancel,
        };
        next.stored_as = self.storage().create(&next, settings.history_max).await?;
        progress.emit(Event::Recorded {
            revision: next.version,
            status: next.status().as_str().to_string(),
        });
        let result = self
            .perform(&mut next, &originals, &targets, settings, &applier)
            .await;
        match result {
            Ok(()) => {
                self.supersede(&current, &next, settings.kind).await?;
                let description = if settings.description.is_empty() {
                    "Upgrade complete".to_string()
                } else {
                    settings.description.clone()
                };
                set_status(&mut next, Status::Deployed, &description);
                next.stored_as = self.storage().update(&next).await?;
                progress.emit(Event::Recorded {
                    revision: next.version,
                    status: Status::Deployed.as_str().to_string(),
                });
                Ok(next)
            }
            Err((error, created)) => {
                if settings.kind == Kind::Rollback && current.status() == Status::Deployed {
                    let description = current_description(&current);
                    set_status(&mut current, Status::Superseded, &description);
                    self.storage().update(&current).await?;
                }
                Err(self
                    .fail_revision(next, error, created, settings, &applier)
                    .await)
            }
        }
    }

    async fn perform(
        &self,
        next: &mut Release,
        originals: &[Object],
        targets: &[Object],
        settings: &Apply,
        applier: &Applier<'_>,
    ) -> Result<(), (EngineError, Vec<Object>)> {
        let (pre, post) = settings.kind.hooks();
        if !settings.no_hooks {
            hooks::run(self, applier, next, pre, settings.timeout)
                .await
                .map_err(|e| {
                    (
                        EngineError::Failed(format!("{} hooks failed: {e}", pre.as_str())),
                        Vec::new(),
                    )
                })?;
        }
        let outcome = applier
            .update(originals, targets)
            .await
            .map_err(|e| match e {
                EngineError::Apply { message, created } => (EngineError::Failed(message), created),
                other => (other, Vec::new()),
            })?;
        if settings.wait {
            let ready = ReadyOptions {
                check_jobs: settings.wait_for_jobs,
            };
            wait::until_ready(
                self.cluster(),
                targets,
                &ready,
                settings.timeout,
                applier.progress,
                applier.cancel,
            )
            .await
            .map_err(|e| (e, outcome.created.clone()))?;
        }
        if !settings.no_hooks {
            hooks::run(self, applier, next, post, settings.timeout)
                .await
                .map_err(|e| {
                    (
                        EngineError::Failed(format!("{} hooks failed: {e}", post.as_str())),
                        outcome.created.clone(),
                    )
                })?;
        }
        Ok(())
    }

    /// After a successful revision: an upgrade supersedes the revision it
    /// replaced; a rollback every deployed one (Helm's issue #2941).
    async fn supersede(
        &self,
        current: &Release,
        next: &Release,
        kind: Kind,
    ) -> Result<(), EngineError> {
        let mut doomed = Vec::new();
        match kind {
            Kind::Upgrade => {
                if current.version != next.version && current.status() != Status::Uninstalled {
                    doomed.push(current.clone());
                }
            }
            Kind::Rollback => {
                let (history, _) = self.storage().history(&next.namespace, &next.name).await?;
                doomed.extend(
                    history
                        .into_iter()
                        .filter(|r| r.version != next.version && r.status() == Status::Deployed),
                );
            }
        }
        for mut r in doomed {
            let description = current_description(&r);
            set_status(&mut r, Status::Superseded, &description);
            self.storage().update(&r).await?;
        }
        Ok(())
    }

    /// Helm's `failRelease` for upgrades and rollbacks.
    async fn fail_revision(
        &self,
        mut next: Release,
        error: EngineError,
        created: Vec<Object>,
        settings: &Apply,
        applier: &Applier<'_>,
    ) -> EngineError {
        let name = next.name.clone();
        let message = match settings.kind {
            Kind::Upgrade => format!("Upgrade {name:?} failed: {error}"),
            Kind::Rollback => format!("Rollback {name:?} failed: {error}"),
        };
        set_status(&mut next, Status::Failed, &message);
        // The failure is what the user needs to see; a failed write of the
        // failed status leaves `pending-*`, which `recover` resolves.
        let _ = self.storage().update(&next).await;
        applier.progress.emit(Event::Recorded {
            revision: next.version,
            status: Status::Failed.as_str().to_string(),
        });
        if settings.cleanup_on_fail && !created.is_empty() {
            let errors = self.cleanup(&created, applier).await;
            if !errors.is_empty() {
                return EngineError::Failed(format!(
                    "an error occurred while cleaning up resources. original {} error: {error}: {}",
                    settings.kind.noun(),
                    errors.join("; ")
                ));
            }
        }
        if settings.atomic && settings.kind == Kind::Upgrade {
            let history = match self.storage().history(&next.namespace, &name).await {
                Ok((h, _)) => h,
                Err(e) => return e.into(),
            };
            let Some(previous) = history
                .iter()
                .filter(|r| matches!(r.status(), Status::Superseded | Status::Deployed))
                .max_by_key(|r| r.version)
            else {
                return EngineError::Failed(format!(
                    "unable to find a previously successful release when attempting to rollback. original upgrade error: {error}"
                ));
            };
            let rollback = RollbackOptions {
                release_name: name.clone(),
                namespace: Some(next.namespace.clone()),
                revision: Some(previous.version),
                wait: settings.wait,
                wait_for_jobs: settings.wait_for_jobs,
                timeout: settings.timeout,
                no_hooks: settings.no_hooks,
                force: settings.force,
                history_max: settings.history_max,
                ..RollbackOptions::new(&name)
            };
            // Boxed: a rollback applies its revision through here too.
            let fresh = Cancel::new();
            let rolled_back = Box::pin(self.rollback(&rollback, applier.progress, &fresh));
            return match rolled_back.await {
                Ok(_) => EngineError::Failed(format!(
                    "release {name} failed, and has been rolled back due to atomic being set: {error}"
                )),
                Err(e) => EngineError::Failed(format!(
                    "an error occurred while rolling back the release. original upgrade error: {error}: {e}"
                )),
            };
        }
        error
    }
}

fn current_description(release: &Release) -> String {
    release
        .info
        .as_ref()
        .map(|i| i.description.clone())
        .unwrap_or_default()
}

/// Whether objects new to a release must already be its own (upgrade) or
/// are taken over as they are (rollback, as Helm).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Adoption {
    Checked,
    Unchecked,
}

/// Which action applies a revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Upgrade,
    Rollback,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Upgrade => "upgrade",
            Kind::Rollback => "rollback",
        }
    }

    fn hooks(self) -> (HookEvent, HookEvent) {
        match self {
            Kind::Upgrade => (HookEvent::PreUpgrade, HookEvent::PostUpgrade),
            Kind::Rollback => (HookEvent::PreRollback, HookEvent::PostRollback),
        }
    }
}

/// How a revision is applied.
pub(crate) struct Apply {
    pub force: bool,
    pub wait: bool,
    pub wait_for_jobs: bool,
    pub timeout: Duration,
    pub no_hooks: bool,
    pub cleanup_on_fail: bool,
    pub atomic: bool,
    pub history_max: usize,
    pub description: String,
    pub kind: Kind,
}
