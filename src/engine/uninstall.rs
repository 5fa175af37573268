//! `uninstall` (aliases `delete`, `del`, `un`): Helm's uninstall action.
//! The latest revision turns `uninstalling`, pre-delete hooks run, the
//! release's objects are deleted in Helm's uninstall order (those marked
//! `helm.sh/resource-policy: keep` stay), post-delete hooks run, then the
//! history is purged — or kept as `uninstalled` with `--keep-history`.

use std::time::Duration;

use crate::kube::cluster::Propagation;
use crate::release::{GoTime, Release, Status};
use crate::render::sort::{HookEvent, UNINSTALL_ORDER, kind_rank};

use super::apply::{Applier, ApplyMethod};
use super::events::{Cancel, Event, Progress};
use super::objects::{self, KEEP_POLICY, RESOURCE_POLICY_ANNOTATION};
use super::record::set_status;
use super::{DEFAULT_TIMEOUT, Engine, EngineError, hooks, wait};

/// Options of [`Engine::uninstall`].
#[derive(Clone, Debug)]
pub struct UninstallOptions {
    pub release_name: String,
    pub namespace: Option<String>,
    pub keep_history: bool,
    pub wait: bool,
    pub timeout: Duration,
    /// `--cascade`: background (default), foreground or orphan.
    pub cascade: Propagation,
    pub ignore_not_found: bool,
    pub dry_run: bool,
    pub no_hooks: bool,
    pub description: String,
}

impl UninstallOptions {
    pub fn new(name: &str) -> UninstallOptions {
        UninstallOptions {
            release_name: name.to_string(),
            namespace: None,
            keep_history: false,
            wait: false,
            timeout: DEFAULT_TIMEOUT,
            cascade: Propagation::Background,
            ignore_not_found: false,
            dry_run: false,
            no_hooks: false,
            description: String::new(),
        }
    }
}

/// What an uninstall did.
#[derive(Debug)]
pub struct Uninstalled {
    /// The last revision as it ended (`uninstalled`); `None` when nothing
    /// was found and `--ignore-not-found` was given.
    pub release: Option<Release>,
    /// Helm's note about objects kept by policy, or empty.
    pub info: String,
}

impl Engine {
    pub async fn uninstall(
        &self,
        options: &UninstallOptions,
        progress: &Progress,
        cancel: &Cancel,
    ) -> Result<Uninstalled, EngineError> {
        let namespace = options
            .namespace
            .clone()
            .unwrap_or_else(|| self.namespace().to_string());
        let name = options.release_name.as_str();
        crate::chart::name::validate_release_name(name).map_err(|e| {
            EngineError::Invalid(format!("uninstall: Release name is invalid: {name}: {e}"))
        })?;
        let history = match self.storage().history(&namespace, name).await {
            Ok((h, _)) if !h.is_empty() => h,
            Ok(_) | Err(_) if options.ignore_not_found => {
                return Ok(Uninstalled {
                    release: None,
                    info: String::new(),
                });
            }
            Ok(_) => {
                return Err(EngineError::Invalid(format!(
                    "uninstall: Release not loaded: {name}: release: not found"
                )));
            }
            Err(e) => {
                return Err(EngineError::Invalid(format!(
                    "uninstall: Release not loaded: {name}: {e}"
                )));
            }
        };
        let Some(mut release) = history.iter().max_by_key(|r| r.version).cloned() else {
            return Err(EngineError::Invalid(format!(
                "uninstall: Release not loaded: {name}: release: not found"
            )));
        };
        if options.dry_run {
            return Ok(Uninstalled {
                release: Some(release),
                info: String::new(),
            });
        }
        if release.status() == Status::Uninstalled {
            if options.keep_history {
                return Err(EngineError::Invalid(format!(
                    "the release named {name:?} is already deleted"
                )));
            }
            self.purge(&history).await?;
            return Ok(Uninstalled {
                release: Some(release),
                info: String::new(),
            });
        }
        set_status(
            &mut release,
            Status::Uninstalling,
            "Deletion in progress (or silently failed)",
        );
        if let Some(info) = release.info.as_mut() {
            info.deleted = GoTime::now();
        }
        let applier = Applier {
            cluster: self.cluster(),
            method: if release.apply_method == "ssa" {
                ApplyMethod::ServerSide {
                    force_conflicts: false,
                }
            } else {
                ApplyMethod::ClientSide
            },
            field_manager: self.field_manager(),
            force_replace: false,
            dry_run: false,
            progress,
            cancel,
        };
        if !options.no_hooks {
            hooks::run(
                self,
                &applier,
                &mut release,
                HookEvent::PreDelete,
                options.timeout,
            )
            .await
            .map_err(|e| EngineError::Failed(format!("failed pre-delete: {e}")))?;
        }
        release.stored_as = self.storage().update(&release).await.map_err(|e| {
            EngineError::Failed(format!("uninstall: Failed to store updated release: {e}"))
        })?;
        progress.emit(Event::Recorded {
            revision: release.version,
            status: Status::Uninstalling.as_str().to_string(),
        });

        let mut errors = Vec::new();
        let mut targets = objects::build(self.cluster(), &release.manifest, &namespace).await?;
        targets.sort_by(|a, b| {
            kind_rank(&a.resource.kind, UNINSTALL_ORDER)
                .cmp(&kind_rank(&b.resource.kind, UNINSTALL_ORDER))
        });
        let (kept, doomed): (Vec<_>, Vec<_>) = targets
            .into_iter()
            .partition(|o| o.annotation(RESOURCE_POLICY_ANNOTATION) == Some(KEEP_POLICY));
        let mut info = String::new();
        if !kept.is_empty() {
            info.push_str("These resources were kept due to the resource policy:\n");
            for k in &kept {
                info.push_str(&format!("[{}] {}\n", k.resource.kind, k.name));
            }
        }
        let deleted = match applier.delete_all(&doomed, options.cascade).await {
            Ok(deleted) => deleted,
            Err(e) => {
                errors.extend(e);
                Vec::new()
            }
        };
        if options.wait
            && let Err(e) =
                wait::until_deleted(self.cluster(), &deleted, options.timeout, progress, cancel)
                    .await
        {
            errors.push(e.to_string());
        }
        if !options.no_hooks
            && let Err(e) = hooks::run(
                self,
                &applier,
                &mut release,
                HookEvent::PostDelete,
                options.timeout,
            )
            .await
        {
            errors.push(e.to_string());
        }
        let description = if options.description.is_empty() {
            "Uninstallation complete"
        } else {
            &options.description
        };
        set_status(&mut release, Status::Uninstalled, description);
        if options.keep_history {
            self.storage().update(&release).await.map_err(|e| {
                EngineError::Failed(format!("uninstall: Failed to store updated release: {e}"))
            })?;
            progress.emit(Event::Recorded {
                revision: release.version,
                status: Status::Uninstalled.as_str().to_string(),
            });
        } else {
            self.purge(&history).await?;
        }
        if !errors.is_empty() {
            return Err(EngineError::Failed(format!(
                "uninstallation completed with {} error(s): {}",
                errors.len(),
                errors.join("; ")
            )));
        }
        Ok(Uninstalled {
            release: Some(release),
            info,
        })
    }

    /// Deletes every record of a release.
    async fn purge(&self, history: &[Release]) -> Result<(), EngineError> {
        for r in history {
            match self
                .storage()
                .delete(&r.namespace, &r.name, r.version)
                .await
            {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    return Err(EngineError::Failed(format!(
                        "uninstall: Failed to purge the release: {e}"
                    )));
                }
            }
        }
        Ok(())
    }
}
