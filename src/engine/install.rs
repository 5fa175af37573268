//! `install`: Helm's install action. Name check, CRDs first, render with the
//! server's capabilities, refuse objects owned by someone else, record
//! `pending-install`, pre-install hooks, create, wait, post-install hooks,
//! record `deployed` — or `failed`, and with `--atomic` uninstall again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::chart::{self, Capabilities, ReleaseOptions};
use crate::gotmpl::Entries;
use crate::kube::cluster::{Patch, Propagation, WriteOptions};
use crate::kube::ready::ReadyOptions;
use crate::release::{Release, Status};
use crate::render::post::PostRenderer;
use crate::render::sort::HookEvent;
use crate::storage::SYSTEM_LABELS;

use super::apply::{Applier, ApplyMethod};
use super::events::{Cancel, Event, Progress};
use super::objects::{self, Object};
use super::record::{self, NewRelease, set_status};
use super::render::{RenderRequest, render_chart};
use super::uninstall::UninstallOptions;
use super::{DEFAULT_TIMEOUT, Engine, EngineError, hooks, wait};

/// `--dry-run`: nothing is written; `Client` doesn't ask the cluster at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DryRun {
    #[default]
    None,
    Client,
    Server,
}

/// Options of [`Engine::install`], Helm's flags by name.
#[derive(Clone)]
pub struct InstallOptions {
    pub release_name: String,
    pub chart: PathBuf,
    /// The user's values (`-f`, `--set`…).
    pub values: Entries,
    /// `-n`; the engine's namespace when `None`.
    pub namespace: Option<String>,
    pub create_namespace: bool,
    pub dry_run: DryRun,
    pub wait: bool,
    pub wait_for_jobs: bool,
    pub timeout: Duration,
    /// `--atomic`: uninstall when the install fails.
    pub atomic: bool,
    pub description: String,
    /// `--labels`: stored with the record, never on objects.
    pub labels: BTreeMap<String, String>,
    pub skip_crds: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    pub skip_schema_validation: bool,
    pub post_renderer: Option<Arc<dyn PostRenderer + Send + Sync>>,
    /// Server-side apply (Helm 4's default) instead of Helm 3's create.
    pub server_side: bool,
    pub force_conflicts: bool,
}

impl InstallOptions {
    /// Helm's defaults for installing `chart` as `name`.
    pub fn new(name: &str, chart: impl Into<PathBuf>) -> InstallOptions {
        InstallOptions {
            release_name: name.to_string(),
            chart: chart.into(),
            values: Entries::default(),
            namespace: None,
            create_namespace: false,
            dry_run: DryRun::None,
            wait: false,
            wait_for_jobs: false,
            timeout: DEFAULT_TIMEOUT,
            atomic: false,
            description: String::new(),
            labels: BTreeMap::new(),
            skip_crds: false,
            no_hooks: false,
            skip_schema_validation: false,
            post_renderer: None,
            server_side: false,
            force_conflicts: false,
        }
    }

    fn method(&self) -> ApplyMethod {
        if self.server_side {
            ApplyMethod::ServerSide {
                force_conflicts: self.force_conflicts,
            }
        } else {
            ApplyMethod::ClientSide
        }
    }
}

/// Refuses custom labels that collide with the storage's own.
pub fn check_labels(labels: &BTreeMap<String, String>) -> Result<(), EngineError> {
    if labels.keys().any(|k| SYSTEM_LABELS.contains(&k.as_str())) {
        return Err(EngineError::Invalid(format!(
            "user supplied labels contains system reserved label name. System labels: [{}]",
            SYSTEM_LABELS.join(" ")
        )));
    }
    Ok(())
}

impl Engine {
    /// Installs a chart as a new release (revision 1).
    pub async fn install(
        &self,
        options: &InstallOptions,
        progress: &Progress,
        cancel: &Cancel,
    ) -> Result<Release, EngineError> {
        let namespace = options
            .namespace
            .clone()
            .unwrap_or_else(|| self.namespace().to_string());
        let name = options.release_name.as_str();
        chart::name::validate_release_name(name).map_err(|e| {
            EngineError::Invalid(format!(
                "release name check failed: release name {name:?}: {e}"
            ))
        })?;
        if options.dry_run == DryRun::None {
            let history = self.storage().revisions(&namespace, name).await?;
            if !history.is_empty() {
                return Err(EngineError::Invalid(
                    "release name check failed: cannot reuse a name that is still in use".into(),
                ));
            }
        }
        check_labels(&options.labels)?;
        let method = options.method();
        let applier = Applier {
            cluster: self.cluster(),
            method,
            field_manager: self.field_manager(),
            force_replace: false,
            dry_run: options.dry_run != DryRun::None,
            progress,
            cancel,
        };

        progress.emit(Event::Rendering {
            release: name.to_string(),
        });
        let loaded = chart::load(&options.chart).map_err(|e| EngineError::Render(e.into()))?;
        let crds = loaded.crd_objects();
        if options.dry_run == DryRun::None && !options.skip_crds && !crds.is_empty() {
            self.install_crds(&crds, &applier, options.timeout).await?;
        }
        let capabilities = if options.dry_run == DryRun::Client {
            Capabilities::client_only()
        } else {
            self.capabilities().await?
        };
        let request = RenderRequest {
            values: &options.values,
            release: ReleaseOptions {
                name: name.to_string(),
                namespace: namespace.clone(),
                revision: 1,
                is_install: true,
                is_upgrade: false,
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
        let mut release = NewRelease {
            name,
            namespace: &namespace,
            version: 1,
            chart: &rendered.chart,
            config: record::config(&options.values),
            manifest: rendered.manifest.clone(),
            hooks: record::hooks(&rendered.hooks),
            notes: rendered.notes.clone(),
            labels: options.labels.clone(),
            apply_method: method.record_name(),
            first_deployed: None,
        }
        .build();
        set_status(
            &mut release,
            Status::PendingInstall,
            "Initial install underway",
        );
        if options.dry_run == DryRun::Client {
            set_status(&mut release, Status::PendingInstall, "Dry run complete");
            return Ok(release);
        }

        let mut targets = objects::build(self.cluster(), &release.manifest, &namespace).await?;
        for t in &mut targets {
            objects::set_ownership(&mut t.body, name, &namespace);
        }
        let adopted = self.adoptable(&targets, name, &namespace).await?;
        if options.dry_run == DryRun::Server {
            set_status(&mut release, Status::PendingInstall, "Dry run complete");
            return Ok(release);
        }
        if options.create_namespace {
            self.create_namespace(&namespace, &applier).await?;
        }
        release.stored_as = self.storage().create(&release, 0).await?;
        progress.emit(Event::Recorded {
            revision: 1,
            status: Status::PendingInstall.as_str().to_string(),
        });

        let outcome = self
            .perform_install(&mut release, &targets, &adopted, options, &applier)
            .await;
        match outcome {
            Ok(()) => Ok(release),
            Err(error) => Err(self.fail_install(release, error, options, progress).await),
        }
    }

    async fn perform_install(
        &self,
        release: &mut Release,
        targets: &[Object],
        adopted: &[Object],
        options: &InstallOptions,
        applier: &Applier<'_>,
    ) -> Result<(), EngineError> {
        if !options.no_hooks {
            hooks::run(
                self,
                applier,
                release,
                HookEvent::PreInstall,
                options.timeout,
            )
            .await
            .map_err(|e| EngineError::Failed(format!("failed pre-install: {e}")))?;
        }
        if adopted.is_empty() {
            applier.create_all(targets).await?;
        } else {
            applier.update(adopted, targets).await?;
        }
        if options.wait || options.wait_for_jobs {
            let ready = ReadyOptions {
                check_jobs: options.wait_for_jobs,
            };
            wait::until_ready(
                self.cluster(),
                targets,
                &ready,
                options.timeout,
                applier.progress,
                applier.cancel,
            )
            .await?;
        }
        if !options.no_hooks {
            hooks::run(
                self,
                applier,
                release,
                HookEvent::PostInstall,
                options.timeout,
            )
            .await
            .map_err(|e| EngineError::Failed(format!("failed post-install: {e}")))?;
        }
        let description = if options.description.is_empty() {
            "Install complete"
        } else {
            &options.description
        };
        set_status(release, Status::Deployed, description);
        release.stored_as = self.storage().update(release).await?;
        applier.progress.emit(Event::Recorded {
            revision: release.version,
            status: Status::Deployed.as_str().to_string(),
        });
        Ok(())
    }

    /// Helm's `failRelease` for install: record `failed`; with `--atomic`,
    /// uninstall instead and say so.
    async fn fail_install(
        &self,
        mut release: Release,
        error: EngineError,
        options: &InstallOptions,
        progress: &Progress,
    ) -> EngineError {
        let name = release.name.clone();
        set_status(
            &mut release,
            Status::Failed,
            &format!("Release {name:?} failed: {error}"),
        );
        if options.atomic {
            let uninstall = UninstallOptions {
                no_hooks: options.no_hooks,
                timeout: options.timeout,
                namespace: Some(release.namespace.clone()),
                ..UninstallOptions::new(&name)
            };
            // A fresh Cancel: the uninstall must run even when the install
            // was cancelled.
            return match self.uninstall(&uninstall, progress, &Cancel::new()).await {
                Ok(_) => EngineError::Failed(format!(
                    "release {name} failed, and has been uninstalled due to atomic being set: {error}"
                )),
                Err(e) => EngineError::Failed(format!(
                    "an error occurred while uninstalling the release. original install error: {error}: {e}"
                )),
            };
        }
        if self.storage().update(&release).await.is_ok() {
            progress.emit(Event::Recorded {
                revision: release.version,
                status: Status::Failed.as_str().to_string(),
            });
        }
        error
    }

    /// Existing objects this release may take over; an object owned by
    /// anyone else stops the install (Helm's `existingResourceConflict`).
    pub(crate) async fn adoptable(
        &self,
        targets: &[Object],
        release: &str,
        namespace: &str,
    ) -> Result<Vec<Object>, EngineError> {
        let lives = futures_util::future::join_all(
            targets
                .iter()
                .map(|t| self.cluster().get(&t.resource, &t.namespace, &t.name)),
        )
        .await;
        let mut adopted = Vec::new();
        for (target, live) in targets.iter().zip(lives) {
            let live = live.map_err(|e| {
                EngineError::cluster(
                    format!(
                        "unable to continue with install: could not get information about the resource {}",
                        target.describe()
                    ),
                    e,
                )
            })?;
            let Some(live) = live else { continue };
            if let Some(problem) = objects::ownership_problem(&live, release, namespace) {
                return Err(EngineError::Invalid(format!(
                    "unable to continue with install: {} exists and cannot be imported into the current release: {problem}",
                    target.describe()
                )));
            }
            adopted.push(target.clone());
        }
        Ok(adopted)
    }

    /// `--create-namespace`: a namespace labelled with its name, as Helm
    /// makes it; one that exists already is fine.
    async fn create_namespace(
        &self,
        namespace: &str,
        applier: &Applier<'_>,
    ) -> Result<(), EngineError> {
        let resource = self
            .cluster()
            .resource("v1", "Namespace")
            .await
            .map_err(|e| {
                EngineError::cluster(format!("failed to create namespace {namespace:?}"), e)
            })?;
        let body = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {"name": namespace}},
        });
        let options = WriteOptions {
            field_manager: applier.field_manager.to_string(),
            dry_run: false,
        };
        let result = match applier.method {
            ApplyMethod::ClientSide => self.cluster().create(&resource, "", &body, &options).await,
            ApplyMethod::ServerSide { .. } => {
                self.cluster()
                    .patch(
                        &resource,
                        "",
                        namespace,
                        &Patch::Apply {
                            object: body,
                            force: false,
                        },
                        &options,
                    )
                    .await
            }
        };
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.is_already_exists() => Ok(()),
            Err(e) => Err(EngineError::cluster(
                format!("failed to create namespace {namespace:?}"),
                e,
            )),
        }
    }

    /// Helm's `installCRDs`: create every CRD of `crds/` (existing ones are
    /// left alone) and wait until the server serves their kinds.
    async fn install_crds(
        &self,
        crds: &[(String, Vec<u8>)],
        applier: &Applier<'_>,
        timeout: Duration,
    ) -> Result<(), EngineError> {
        let mut created = Vec::new();
        let mut all = Vec::new();
        for (path, data) in crds {
            let text = String::from_utf8_lossy(data);
            let built = objects::build(self.cluster(), &text, self.namespace())
                .await
                .map_err(|e| EngineError::Failed(format!("failed to install CRD {path}: {e}")))?;
            all.extend(built);
        }
        applier
            .progress
            .emit(Event::InstallingCrds { count: all.len() });
        for crd in &all {
            match self
                .cluster()
                .create(
                    &crd.resource,
                    &crd.namespace,
                    &crd.body,
                    &WriteOptions {
                        field_manager: applier.field_manager.to_string(),
                        dry_run: false,
                    },
                )
                .await
            {
                Ok(_) => created.push(crd.clone()),
                Err(e) if e.is_already_exists() => {}
                Err(e) => {
                    return Err(EngineError::cluster(
                        format!("failed to install CRD {}", crd.name),
                        e,
                    ));
                }
            }
        }
        if created.is_empty() {
            return Ok(());
        }
        wait::until_ready(
            self.cluster(),
            &created,
            &ReadyOptions::default(),
            timeout,
            applier.progress,
            applier.cancel,
        )
        .await
    }

    /// Deletes what an install or upgrade created before it failed
    /// (`--cleanup-on-fail`).
    pub(crate) async fn cleanup(&self, created: &[Object], applier: &Applier<'_>) -> Vec<String> {
        match applier.delete_all(created, Propagation::Background).await {
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        }
    }
}
