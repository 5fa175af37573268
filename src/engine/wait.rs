//! `--wait`, `--wait-for-jobs` and hook watching: poll the live objects until
//! every one is ready (or a hook has finished, or it is gone), fail at the
//! first failure, give up at the timeout, stop on cancel. Readiness rules
//! are Helm 3's (`kube::ready`).

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::kube::cluster::Cluster;
use crate::kube::ready::{HookState, Readiness, ReadyOptions, hook_state, readiness};

use super::EngineError;
use super::events::{Cancel, Event, Progress};
use super::objects::Object;

/// How often live objects are read again while waiting.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What one look at one object says.
enum Verdict {
    Done,
    Waiting(String),
    Failed(String),
}

/// Waits until every object is ready.
pub async fn until_ready(
    cluster: &Cluster,
    objects: &[Object],
    options: &ReadyOptions,
    timeout: Duration,
    progress: &Progress,
    cancel: &Cancel,
) -> Result<(), EngineError> {
    let verdict = |object: &Object, live: Option<&Value>| match live.map(|l| readiness(l, options))
    {
        Some(Readiness::Ready) => Verdict::Done,
        Some(Readiness::Pending(why)) => Verdict::Waiting(why),
        Some(Readiness::Failed(why)) => Verdict::Failed(why),
        None => Verdict::Waiting(format!("{} does not exist yet", object.short())),
    };
    poll(cluster, objects, timeout, progress, cancel, verdict).await?;
    progress.emit(Event::Ready);
    Ok(())
}

/// Waits until hook objects have finished: Jobs complete, Pods succeed.
pub async fn until_hook_done(
    cluster: &Cluster,
    objects: &[Object],
    timeout: Duration,
    progress: &Progress,
    cancel: &Cancel,
) -> Result<(), EngineError> {
    let verdict = |object: &Object, live: Option<&Value>| match live.map(hook_state) {
        // A hook deleted by its own policy counts as finished.
        None | Some(HookState::Succeeded) => Verdict::Done,
        Some(HookState::Failed(why)) => Verdict::Failed(why),
        Some(HookState::Running) => {
            Verdict::Waiting(format!("{} has not finished", object.short()))
        }
    };
    poll(cluster, objects, timeout, progress, cancel, verdict).await
}

/// Waits until the objects are gone (after deleting hooks or a release).
pub async fn until_deleted(
    cluster: &Cluster,
    objects: &[Object],
    timeout: Duration,
    progress: &Progress,
    cancel: &Cancel,
) -> Result<(), EngineError> {
    let verdict = |object: &Object, live: Option<&Value>| match live {
        None => Verdict::Done,
        Some(_) => Verdict::Waiting(format!("{} is still being deleted", object.short())),
    };
    poll(cluster, objects, timeout, progress, cancel, verdict).await
}

/// Reads the objects still waiting until `verdict` says every one is done,
/// reporting why the first of them waits.
async fn poll(
    cluster: &Cluster,
    objects: &[Object],
    timeout: Duration,
    progress: &Progress,
    cancel: &Cancel,
    verdict: impl Fn(&Object, Option<&Value>) -> Verdict,
) -> Result<(), EngineError> {
    let deadline = Instant::now() + timeout;
    let mut waiting: Vec<&Object> = objects.iter().collect();
    loop {
        if cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let mut still = Vec::new();
        let mut why = String::new();
        for object in waiting {
            let live = cluster
                .get(&object.resource, &object.namespace, &object.name)
                .await
                .map_err(|e| {
                    EngineError::cluster(format!("could not read {}", object.describe()), e)
                })?;
            match verdict(object, live.as_ref()) {
                Verdict::Done => {}
                Verdict::Failed(message) => return Err(EngineError::Failed(message)),
                Verdict::Waiting(message) => {
                    if why.is_empty() {
                        why = message;
                    }
                    still.push(object);
                }
            }
        }
        waiting = still;
        if waiting.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(EngineError::Timeout(why));
        }
        progress.emit(Event::Waiting { pending: why });
        tokio::select! {
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = cancel.cancelled() => return Err(EngineError::Cancelled),
        }
    }
}
