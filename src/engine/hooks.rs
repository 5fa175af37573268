//! Running a release's hooks for one event, as Helm's `execHook`: by weight
//! then name; each hook's old objects deleted first under
//! `before-hook-creation` (the default policy), created, watched until its
//! Jobs and Pods finish, its last run recorded in the release; afterwards
//! deleted by `hook-succeeded` (in reverse order) or `hook-failed`.

use std::time::Duration;

use crate::kube::cluster::Propagation;
use crate::release::{GoTime, HookExecution, Release};
use crate::render::sort::HookEvent;

use super::apply::Applier;
use super::events::Event;
use super::objects::{self, Object};
use super::{Engine, EngineError, wait};

pub const BEFORE_HOOK_CREATION: &str = "before-hook-creation";
pub const HOOK_SUCCEEDED: &str = "hook-succeeded";
pub const HOOK_FAILED: &str = "hook-failed";

/// Runs every hook of `release` for `event`, recording each run.
pub async fn run(
    engine: &Engine,
    applier: &Applier<'_>,
    release: &mut Release,
    event: HookEvent,
    timeout: Duration,
) -> Result<(), EngineError> {
    let mut order: Vec<usize> = (0..release.hooks.len())
        .filter(|&i| release.hooks[i].events.iter().any(|e| e == event.as_str()))
        .collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&release.hooks[a], &release.hooks[b]);
        (a.weight, &a.name).cmp(&(b.weight, &b.name))
    });
    let mut built: Vec<Vec<Object>> = Vec::new();
    for (n, &i) in order.iter().enumerate() {
        if release.hooks[i].delete_policies.is_empty() {
            release.hooks[i].delete_policies = vec![BEFORE_HOOK_CREATION.to_string()];
        }
        let hook = release.hooks[i].clone();
        let hook_objects = objects::build(engine.cluster(), &hook.manifest, &release.namespace)
            .await
            .map_err(|e| {
                EngineError::Failed(format!(
                    "unable to build kubernetes object for {} hook {}: {e}",
                    event.as_str(),
                    hook.path
                ))
            })?;
        if hook
            .delete_policies
            .iter()
            .any(|p| p == BEFORE_HOOK_CREATION)
        {
            delete_hook(engine, applier, &hook.kind, &hook_objects, timeout).await?;
        }
        release.hooks[i].last_run = HookExecution {
            started_at: GoTime::now(),
            completed_at: GoTime::default(),
            phase: "Running".into(),
        };
        release.stored_as = engine.storage().update(release).await?;
        applier.progress.emit(Event::Hook {
            event: event.as_str().into(),
            name: hook.name.clone(),
            kind: hook.kind.clone(),
            phase: "running".into(),
        });
        release.hooks[i].last_run.phase = "Unknown".into();
        let mut outcome = Ok(());
        for object in &hook_objects {
            if let Err(e) = applier.create(object).await {
                outcome = Err(EngineError::Failed(format!(
                    "warning: Hook {} {} failed: {e}",
                    event.as_str(),
                    hook.path
                )));
                break;
            }
        }
        if outcome.is_ok() {
            outcome = wait::until_hook_done(
                engine.cluster(),
                &hook_objects,
                timeout,
                applier.progress,
                applier.cancel,
            )
            .await;
        }
        release.hooks[i].last_run.completed_at = GoTime::now();
        let phase = if outcome.is_ok() {
            "Succeeded"
        } else {
            "Failed"
        };
        release.hooks[i].last_run.phase = phase.into();
        applier.progress.emit(Event::Hook {
            event: event.as_str().into(),
            name: hook.name.clone(),
            kind: hook.kind.clone(),
            phase: phase.to_lowercase(),
        });
        if let Err(e) = outcome {
            if hook.delete_policies.iter().any(|p| p == HOOK_FAILED) {
                // The hook's own failure is what the user needs to see.
                let _ = delete_hook(engine, applier, &hook.kind, &hook_objects, timeout).await;
            }
            for (earlier, &j) in built.iter().zip(&order[..n]) {
                let h = &release.hooks[j];
                if h.delete_policies.iter().any(|p| p == HOOK_SUCCEEDED) {
                    delete_hook(engine, applier, &h.kind, earlier, timeout).await?;
                }
            }
            return Err(e);
        }
        built.push(hook_objects);
    }
    for (objects, &i) in built.iter().zip(&order).rev() {
        let hook = &release.hooks[i];
        if hook.delete_policies.iter().any(|p| p == HOOK_SUCCEEDED) {
            delete_hook(engine, applier, &hook.kind, objects, timeout).await?;
        }
    }
    Ok(())
}

/// Deletes a hook's objects and waits until they are gone; CRD hooks are
/// never deleted, as in Helm.
async fn delete_hook(
    engine: &Engine,
    applier: &Applier<'_>,
    kind: &str,
    objects: &[Object],
    timeout: Duration,
) -> Result<(), EngineError> {
    if kind == "CustomResourceDefinition" || objects.is_empty() {
        return Ok(());
    }
    applier
        .delete_all(objects, Propagation::Background)
        .await
        .map_err(|errors| EngineError::Failed(errors.join("; ")))?;
    if applier.dry_run {
        return Ok(());
    }
    wait::until_deleted(
        engine.cluster(),
        objects,
        timeout,
        applier.progress,
        applier.cancel,
    )
    .await
}
