//! `rollback`: Helm's rollback action. A new revision carries the target
//! revision's chart, values, manifest and hooks, and is applied from the
//! latest revision's objects with the same three-way patches as an upgrade;
//! `kubectl scale --replicas=0` after a 3-replica revision is undone.

use std::time::Duration;

use crate::release::{GoTime, Release, Status};

use super::events::{Cancel, Progress};
use super::record::set_status;
use super::upgrade::{Adoption, Apply, Kind, PENDING_MESSAGE, Prepared, ServerSide};
use super::{DEFAULT_TIMEOUT, Engine, EngineError};

/// Options of [`Engine::rollback`].
#[derive(Clone, Debug)]
pub struct RollbackOptions {
    pub release_name: String,
    pub namespace: Option<String>,
    /// The revision to go back to; the one before the latest when `None`.
    pub revision: Option<i64>,
    pub wait: bool,
    pub wait_for_jobs: bool,
    pub timeout: Duration,
    pub no_hooks: bool,
    pub force: bool,
    pub cleanup_on_fail: bool,
    pub history_max: usize,
    pub dry_run: bool,
    pub server_side: ServerSide,
    pub force_conflicts: bool,
}

impl RollbackOptions {
    pub fn new(name: &str) -> RollbackOptions {
        RollbackOptions {
            release_name: name.to_string(),
            namespace: None,
            revision: None,
            wait: false,
            wait_for_jobs: false,
            timeout: DEFAULT_TIMEOUT,
            no_hooks: false,
            force: false,
            cleanup_on_fail: false,
            history_max: super::upgrade::DEFAULT_HISTORY_MAX,
            dry_run: false,
            server_side: ServerSide::Auto,
            force_conflicts: false,
        }
    }
}

impl Engine {
    pub async fn rollback(
        &self,
        options: &RollbackOptions,
        progress: &Progress,
        cancel: &Cancel,
    ) -> Result<Release, EngineError> {
        let prepared = self.prepare_rollback(options).await?;
        if options.dry_run {
            return Ok(prepared.next);
        }
        let description = prepared
            .next
            .info
            .as_ref()
            .map(|i| i.description.clone())
            .unwrap_or_default();
        let settings = Apply {
            force: options.force,
            wait: options.wait || options.wait_for_jobs,
            wait_for_jobs: options.wait_for_jobs,
            timeout: options.timeout,
            no_hooks: options.no_hooks,
            cleanup_on_fail: options.cleanup_on_fail,
            atomic: false,
            history_max: options.history_max,
            description,
            kind: Kind::Rollback,
        };
        self.apply_revision(prepared, &settings, progress, cancel)
            .await
    }

    /// The rollback's new revision and both sides, writing nothing.
    pub async fn prepare_rollback(
        &self,
        options: &RollbackOptions,
    ) -> Result<Prepared, EngineError> {
        let namespace = options
            .namespace
            .clone()
            .unwrap_or_else(|| self.namespace().to_string());
        let name = options.release_name.as_str();
        crate::chart::name::validate_release_name(name).map_err(|_| {
            EngineError::Invalid(format!("prepareRollback: Release name is invalid: {name}"))
        })?;
        if options.revision.is_some_and(|r| r < 0) {
            return Err(EngineError::Invalid(
                "invalid release revision number".into(),
            ));
        }
        let current = self.storage().get(&namespace, name, None).await?;
        if current.status().is_pending() {
            return Err(EngineError::Invalid(PENDING_MESSAGE.into()));
        }
        let wanted = match options.revision {
            Some(r) if r > 0 => r,
            _ => current.version - 1,
        };
        let revisions = self.storage().revisions(&namespace, name).await?;
        if !revisions.iter().any(|h| h.version == wanted) {
            return Err(EngineError::Invalid(format!(
                "release has no {wanted} version"
            )));
        }
        let target = self.storage().get(&namespace, name, Some(wanted)).await?;
        let method = options
            .server_side
            .resolve(&target.apply_method, options.force_conflicts);
        let mut next = Release {
            name: name.to_string(),
            namespace: current.namespace.clone(),
            chart: target.chart.clone(),
            config: target.config.clone(),
            info: Some(crate::release::Info {
                first_deployed: current
                    .info
                    .as_ref()
                    .map(|i| i.first_deployed)
                    .unwrap_or_default(),
                last_deployed: GoTime::now(),
                notes: target
                    .info
                    .as_ref()
                    .map(|i| i.notes.clone())
                    .unwrap_or_default(),
                ..Default::default()
            }),
            version: current.version + 1,
            labels: target.labels.clone(),
            manifest: target.manifest.clone(),
            hooks: target.hooks.clone(),
            apply_method: method.record_name().to_string(),
            stored_as: None,
        };
        set_status(
            &mut next,
            Status::PendingRollback,
            &format!("Rollback to {wanted}"),
        );
        let (originals, targets) = if options.dry_run {
            (Vec::new(), Vec::new())
        } else {
            self.both_sides(&current, &next, Adoption::Unchecked)
                .await?
        };
        Ok(Prepared {
            rendered_manifest: next.manifest.clone(),
            current,
            next,
            method,
            originals,
            targets,
        })
    }
}
