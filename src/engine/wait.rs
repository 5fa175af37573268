//! `--wait`, `--wait-for-jobs` and hook watching: poll the live objects until
//! every one is ready (or a hook has finished), fail at the first failure,
//! give up at the timeout, stop on cancel. Readiness rules are Helm 3's
//! (`kube::ready`).

use std::time::Duration;

use tokio::time::Instant;

use crate::kube::cluster::Cluster;
use crate::kube::ready::{HookState, Readiness, ReadyOptions, hook_state, readiness};

use super::EngineError;
use super::events::{Cancel, Event, Progress};
use super::objects::Object;

/// How often live objects are read again while waiting.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Waits until every object is ready.
pub async fn until_ready(
    cluster: &Cluster,
    objects: &[Object],
    options: &ReadyOptions,
    timeout: Duration,
    progress: &Progress,
    cancel: &Cancel,
) -> Result<(), EngineError> {
    poll_until(objects, timeout, progress, cancel, |current| {
        let cluster = cluster.clone();
        let options = options.clone();
        async move {
            let mut still = Vec::new();
            let mut why = String::new();
            for object in current {
                let live = get(&cluster, object).await?;
                match live.as_ref().map(|l| readiness(l, &options)) {
                    Some(Readiness::Ready) => {}
                    Some(Readiness::Failed(message)) => return Err(EngineError::Failed(message)),
                    Some(Readiness::Pending(message)) => {
                        if why.is_empty() {
                            why = message;
                        }
                        still.push(object);
                    }
                    None => {
                        if why.is_empty() {
                            why = format!("{} does not exist yet", object.short());
                        }
                        still.push(object);
                    }
                }
            }
            Ok((still, why))
        }
    })
    .await
}

/// Waits until hook objects have finished: Jobs complete, Pods succeed.
pub async fn until_hook_done(
    cluster: &Cluster,
    objects: &[Object],
    timeout: Duration,
    progress: &Progress,
    cancel: &Cancel,
) -> Result<(), EngineError> {
    poll_until(objects, timeout, progress, cancel, |current| {
        let cluster = cluster.clone();
        async move {
            let mut still = Vec::new();
            let mut why = String::new();
            for object in current {
                let Some(live) = get(&cluster, object).await? else {
                    // A hook deleted by its own policy counts as finished.
                    continue;
                };
                match hook_state(&live) {
                    HookState::Succeeded => {}
                    HookState::Failed(message) => return Err(EngineError::Failed(message)),
                    HookState::Running => {
                        if why.is_empty() {
                            why = format!("{} has not finished", object.short());
                        }
                        still.push(object);
                    }
                }
            }
            Ok((still, why))
        }
    })
    .await
}

/// Waits until the objects are gone (after deleting hooks or a release).
pub async fn until_deleted(
    cluster: &Cluster,
    objects: &[Object],
    timeout: Duration,
    progress: &Progress,
    cancel: &Cancel,
) -> Result<(), EngineError> {
    poll_until(objects, timeout, progress, cancel, |current| {
        let cluster = cluster.clone();
        async move {
            let mut still = Vec::new();
            let mut why = String::new();
            for object in current {
                if get(&cluster, object).await?.is_some() {
                    if why.is_empty() {
                        why = format!("{} is still being deleted", object.short());
                    }
                    still.push(object);
                }
            }
            Ok((still, why))
        }
    })
    .await
}

async fn get(cluster: &Cluster, object: &Object) -> Result<Option<serde_json::Value>, EngineError> {
    cluster
        .get(&object.resource, &object.namespace, &object.name)
        .await
        .map_err(|e| EngineError::cluster(format!("could not read {}", object.describe()), e))
}

/// Polls `check` until nothing is left waiting; `check` answers the objects
/// still waiting and why the first of them is.
async fn poll_until<'o, F, Fut>(
    objects: &'o [Object],
    timeout: Duration,
    progress: &Progress,
    cancel: &Cancel,
    mut check: F,
) -> Result<(), EngineError>
where
    F: FnMut(Vec<&'o Object>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<&'o Object>, String), EngineError>>,
{
    let deadline = Instant::now() + timeout;
    let mut waiting: Vec<&Object> = objects.iter().collect();
    loop {
        if cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let (still, why) = check(waiting).await?;
        waiting = still;
        if waiting.is_empty() {
            progress.emit(Event::Ready);
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
