//! When a live object counts as ready, by Helm 3's rules (`ReadyChecker`,
//! the `--wait` Helm 3 and Helm 4's legacy strategy use), and when a hook's
//! Job or Pod has finished (`WatchUntilReady`). Pure functions over the
//! objects the API server returns.
//!
//! One deliberate difference: Helm judges a Deployment by its newest
//! ReplicaSet; here the Deployment's own status stands in for it
//! (`updatedReplicas` and `readyReplicas`, which the Deployment controller
//! copies from that ReplicaSet), so no ReplicaSet list is needed.

use serde_json::Value;

/// Kubernetes' default `spec.backoffLimit` of a Job.
pub const DEFAULT_BACKOFF_LIMIT: i64 = 6;

/// Options of the readiness check.
#[derive(Clone, Debug, Default)]
pub struct ReadyOptions {
    /// `--wait-for-jobs`: Jobs must have completed.
    pub check_jobs: bool,
}

/// A verdict on one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Not yet; says why, naming the object.
    Pending(String),
    /// Will not become ready (a failed Job).
    Failed(String),
}

/// Whether a hook object has finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HookState {
    Running,
    Succeeded,
    Failed(String),
}

fn int(obj: &Value, pointer: &str) -> Option<i64> {
    obj.pointer(pointer).and_then(Value::as_i64)
}

fn text<'a>(obj: &'a Value, pointer: &str) -> Option<&'a str> {
    obj.pointer(pointer).and_then(Value::as_str)
}

fn name_of(obj: &Value) -> String {
    format!(
        "{}/{}",
        text(obj, "/metadata/namespace").unwrap_or_default(),
        text(obj, "/metadata/name").unwrap_or_default()
    )
}

/// Whether a condition of `type` has `status`.
fn condition<'a>(obj: &'a Value, kind: &str, status: &str) -> Option<&'a Value> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| text(c, "/type") == Some(kind) && text(c, "/status") == Some(status))
}

/// `observedGeneration` has caught up with `generation`.
fn observed(obj: &Value) -> bool {
    int(obj, "/status/observedGeneration") == Some(int(obj, "/metadata/generation").unwrap_or(0))
}

/// Helm's `IsReady` for one live object.
pub fn readiness(obj: &Value, options: &ReadyOptions) -> Readiness {
    let kind = text(obj, "/kind").unwrap_or_default();
    let pending =
        |why: String| Readiness::Pending(format!("{kind} is not ready: {}. {why}", name_of(obj)));
    match kind {
        "Pod" => {
            if condition(obj, "Ready", "True").is_some() {
                Readiness::Ready
            } else {
                pending("Pod is not ready".into())
            }
        }
        "Job" if options.check_jobs => job_ready(obj),
        "Deployment" => deployment_ready(obj).map_or(Readiness::Ready, pending),
        "PersistentVolumeClaim" => {
            if text(obj, "/status/phase") == Some("Bound") {
                Readiness::Ready
            } else {
                pending("PersistentVolumeClaim is not bound".into())
            }
        }
        "Service" => service_ready(obj).map_or(Readiness::Ready, pending),
        "DaemonSet" => daemon_set_ready(obj).map_or(Readiness::Ready, pending),
        "CustomResourceDefinition" => {
            if condition(obj, "Established", "True").is_some()
                || condition(obj, "NamesAccepted", "False").is_some()
            {
                Readiness::Ready
            } else {
                pending("CustomResourceDefinition is not established".into())
            }
        }
        "StatefulSet" => stateful_set_ready(obj).map_or(Readiness::Ready, pending),
        "ReplicaSet" | "ReplicationController" => {
            let want = int(obj, "/spec/replicas").unwrap_or(1);
            let ready = int(obj, "/status/readyReplicas").unwrap_or(0);
            if !observed(obj) {
                pending("its status is not up to date".into())
            } else if ready < want {
                pending(format!("{ready} out of {want} expected pods are ready"))
            } else {
                Readiness::Ready
            }
        }
        _ => Readiness::Ready,
    }
}

fn job_ready(obj: &Value) -> Readiness {
    let failed = int(obj, "/status/failed").unwrap_or(0);
    let limit = int(obj, "/spec/backoffLimit").unwrap_or(DEFAULT_BACKOFF_LIMIT);
    if failed > limit {
        return Readiness::Failed(format!("job is failed: {}", name_of(obj)));
    }
    if let Some(completions) = int(obj, "/spec/completions") {
        let succeeded = int(obj, "/status/succeeded").unwrap_or(0);
        if succeeded < completions {
            return Readiness::Pending(format!(
                "Job is not ready: {}. {succeeded} out of {completions} expected completions",
                name_of(obj)
            ));
        }
    }
    Readiness::Ready
}

/// Why a Deployment is not ready, or `None` when it is.
fn deployment_ready(obj: &Value) -> Option<String> {
    if obj.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        // Helm's default: a paused Deployment counts as ready.
        return None;
    }
    if !observed(obj) {
        return Some("its status is not up to date".into());
    }
    let replicas = int(obj, "/spec/replicas").unwrap_or(1);
    let updated = int(obj, "/status/updatedReplicas").unwrap_or(0);
    if updated < replicas {
        return Some(format!("{updated} out of {replicas} pods are updated"));
    }
    let expected = replicas - max_unavailable(obj, replicas);
    let ready = int(obj, "/status/readyReplicas").unwrap_or(0);
    (ready < expected).then(|| format!("{ready} out of {expected} expected pods are ready"))
}

/// `deploymentutil.MaxUnavailable`: the rolling update's `maxUnavailable`
/// (25% by default, rounded down) resolved against `maxSurge` (rounded up)
/// as Kubernetes' fenceposts: both zero means one may be unavailable.
fn max_unavailable(obj: &Value, replicas: i64) -> i64 {
    let strategy = text(obj, "/spec/strategy/type").unwrap_or("RollingUpdate");
    if strategy != "RollingUpdate" || replicas == 0 {
        return 0;
    }
    let scaled = |pointer: &str, round_up: bool| -> i64 {
        match obj.pointer(pointer) {
            Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
            Some(Value::String(s)) => percent(s, replicas, round_up),
            _ => percent("25%", replicas, round_up),
        }
    };
    let surge = scaled("/spec/strategy/rollingUpdate/maxSurge", true);
    let mut unavailable = scaled("/spec/strategy/rollingUpdate/maxUnavailable", false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    unavailable.min(replicas)
}

/// `intstr.GetScaledValueFromIntOrPercent` for a string value.
fn percent(value: &str, total: i64, round_up: bool) -> i64 {
    let Some(p) = value.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) else {
        return value.parse().unwrap_or(0);
    };
    let scaled = p * total;
    if round_up {
        (scaled + 99) / 100
    } else {
        scaled / 100
    }
}

fn service_ready(obj: &Value) -> Option<String> {
    let kind = text(obj, "/spec/type").unwrap_or("ClusterIP");
    if kind == "ExternalName" {
        return None;
    }
    if text(obj, "/spec/clusterIP").unwrap_or_default().is_empty() {
        return Some("Service has no cluster IP yet".into());
    }
    if kind == "LoadBalancer" {
        let external = obj
            .pointer("/spec/externalIPs")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if !external && obj.pointer("/status/loadBalancer/ingress").is_none() {
            return Some("Service has no load balancer ingress yet".into());
        }
    }
    None
}

fn daemon_set_ready(obj: &Value) -> Option<String> {
    if !observed(obj) {
        return Some("its status is not up to date".into());
    }
    if text(obj, "/spec/updateStrategy/type").unwrap_or("RollingUpdate") != "RollingUpdate" {
        return None;
    }
    let desired = int(obj, "/status/desiredNumberScheduled").unwrap_or(0);
    let updated = int(obj, "/status/updatedNumberScheduled").unwrap_or(0);
    if updated != desired {
        return Some(format!("{updated} out of {desired} pods are updated"));
    }
    let unavailable = match obj.pointer("/spec/updateStrategy/rollingUpdate/maxUnavailable") {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(desired),
        Some(Value::String(s)) => percent(s, desired, true),
        _ => percent("1", desired, true),
    };
    let expected = desired - unavailable;
    let ready = int(obj, "/status/numberReady").unwrap_or(0);
    (ready < expected).then(|| format!("{ready} out of {expected} expected pods are ready"))
}

fn stateful_set_ready(obj: &Value) -> Option<String> {
    if !observed(obj) {
        return Some("its status is not up to date".into());
    }
    if text(obj, "/spec/updateStrategy/type").unwrap_or("RollingUpdate") != "RollingUpdate" {
        return None;
    }
    let partition = int(obj, "/spec/updateStrategy/rollingUpdate/partition").unwrap_or(0);
    let replicas = int(obj, "/spec/replicas").unwrap_or(1);
    let updated = int(obj, "/status/updatedReplicas").unwrap_or(0);
    if updated < replicas - partition {
        return Some(format!(
            "{updated} out of {} expected pods have been scheduled",
            replicas - partition
        ));
    }
    let ready = int(obj, "/status/readyReplicas").unwrap_or(0);
    if ready != replicas {
        return Some(format!("{ready} out of {replicas} expected pods are ready"));
    }
    if partition == 0 && text(obj, "/status/currentRevision") != text(obj, "/status/updateRevision")
    {
        return Some("not all pods run the latest revision".into());
    }
    None
}

/// Whether a hook object has finished: a Job by its `Complete`/`Failed`
/// condition, a Pod by its phase; other kinds at once.
pub fn hook_state(obj: &Value) -> HookState {
    let name = text(obj, "/metadata/name").unwrap_or_default();
    match text(obj, "/kind").unwrap_or_default() {
        "Job" => {
            if condition(obj, "Complete", "True").is_some() {
                HookState::Succeeded
            } else if let Some(failed) = condition(obj, "Failed", "True") {
                HookState::Failed(format!(
                    "job {name} failed: {}",
                    text(failed, "/reason").unwrap_or_default()
                ))
            } else {
                HookState::Running
            }
        }
        "Pod" => match text(obj, "/status/phase") {
            Some("Succeeded") => HookState::Succeeded,
            Some("Failed") => HookState::Failed(format!("pod {name} failed")),
            _ => HookState::Running,
        },
        _ => HookState::Succeeded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(replicas: i64, ready: i64, generation: i64, observed: i64) -> Value {
        json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "apps", "generation": generation},
            "spec": {"replicas": replicas},
            "status": {"observedGeneration": observed, "updatedReplicas": replicas, "readyReplicas": ready}})
    }

    #[test]
    fn deployments_need_their_pods_and_an_observed_generation() {
        let opts = ReadyOptions::default();
        assert_eq!(readiness(&deployment(3, 3, 2, 2), &opts), Readiness::Ready);
        assert_eq!(
            readiness(&deployment(3, 2, 2, 2), &opts),
            Readiness::Pending(
                "Deployment is not ready: apps/web. 2 out of 3 expected pods are ready".into()
            )
        );
        assert!(matches!(
            readiness(&deployment(3, 3, 3, 2), &opts),
            Readiness::Pending(_)
        ));
        // maxUnavailable lets some be missing: 10 replicas, 25% → 2.
        assert_eq!(readiness(&deployment(10, 8, 1, 1), &opts), Readiness::Ready);
        assert!(matches!(
            readiness(&deployment(10, 7, 1, 1), &opts),
            Readiness::Pending(_)
        ));
        let mut paused = deployment(3, 0, 1, 1);
        paused["spec"]["paused"] = json!(true);
        assert_eq!(readiness(&paused, &opts), Readiness::Ready);
    }

    #[test]
    fn fenceposts_follow_kubernetes() {
        let d = |surge: Value, unavailable: Value| json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}}});
        assert_eq!(max_unavailable(&d(json!(0), json!(0)), 3), 1);
        assert_eq!(max_unavailable(&d(json!("50%"), json!("50%")), 3), 1);
        assert_eq!(max_unavailable(&d(json!(1), json!(5)), 3), 3);
        assert_eq!(
            max_unavailable(&json!({"spec": {"strategy": {"type": "Recreate"}}}), 3),
            0
        );
        assert_eq!(max_unavailable(&json!({}), 4), 1);
    }

    #[test]
    fn jobs_count_only_when_asked_and_fail_past_their_backoff() {
        let job = json!({"kind": "Job", "metadata": {"name": "j", "namespace": "a"},
            "spec": {"completions": 1, "backoffLimit": 1}, "status": {"failed": 2}});
        assert_eq!(readiness(&job, &ReadyOptions::default()), Readiness::Ready);
        let with_jobs = ReadyOptions { check_jobs: true };
        assert_eq!(
            readiness(&job, &with_jobs),
            Readiness::Failed("job is failed: a/j".into())
        );
        let running = json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"completions": 2}, "status": {"succeeded": 1}});
        assert!(matches!(
            readiness(&running, &with_jobs),
            Readiness::Pending(_)
        ));
    }

    #[test]
    fn services_claims_pods_and_crds() {
        let opts = ReadyOptions::default();
        let svc = |spec: Value, status: Value| json!({"kind": "Service", "metadata": {"name": "s"}, "spec": spec, "status": status});
        assert_eq!(
            readiness(&svc(json!({"clusterIP": "10.0.0.1"}), json!({})), &opts),
            Readiness::Ready
        );
        assert!(matches!(
            readiness(&svc(json!({}), json!({})), &opts),
            Readiness::Pending(_)
        ));
        assert!(matches!(
            readiness(
                &svc(
                    json!({"type": "LoadBalancer", "clusterIP": "10.0.0.1"}),
                    json!({})
                ),
                &opts
            ),
            Readiness::Pending(_)
        ));
        assert_eq!(
            readiness(&svc(json!({"type": "ExternalName"}), json!({})), &opts),
            Readiness::Ready
        );
        let pvc = json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}});
        assert!(matches!(readiness(&pvc, &opts), Readiness::Pending(_)));
        let pod =
            json!({"kind": "Pod", "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        assert_eq!(readiness(&pod, &opts), Readiness::Ready);
        let crd = json!({"kind": "CustomResourceDefinition", "status": {"conditions": [{"type": "Established", "status": "True"}]}});
        assert_eq!(readiness(&crd, &opts), Readiness::Ready);
        assert_eq!(
            readiness(&json!({"kind": "ConfigMap"}), &opts),
            Readiness::Ready
        );
    }

    #[test]
    fn stateful_sets_and_daemon_sets() {
        let opts = ReadyOptions::default();
        let sts = json!({"kind": "StatefulSet", "metadata": {"generation": 1}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "updatedReplicas": 2, "readyReplicas": 2, "currentRevision": "a", "updateRevision": "b"}});
        assert!(matches!(readiness(&sts, &opts), Readiness::Pending(_)));
        let mut done = sts.clone();
        done["status"]["currentRevision"] = json!("b");
        assert_eq!(readiness(&done, &opts), Readiness::Ready);
        let ds = json!({"kind": "DaemonSet", "metadata": {"generation": 1},
            "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberReady": 1}});
        assert!(matches!(readiness(&ds, &opts), Readiness::Pending(_)));
    }

    #[test]
    fn hooks_finish_by_job_condition_or_pod_phase() {
        let job = |kind: &str| json!({"kind": "Job", "metadata": {"name": "h"}, "status": {"conditions": [{"type": kind, "status": "True", "reason": "BackoffLimitExceeded"}]}});
        assert_eq!(hook_state(&job("Complete")), HookState::Succeeded);
        assert_eq!(
            hook_state(&job("Failed")),
            HookState::Failed("job h failed: BackoffLimitExceeded".into())
        );
        assert_eq!(
            hook_state(&json!({"kind": "Job", "status": {}})),
            HookState::Running
        );
        let pod = |phase: &str| json!({"kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": phase}});
        assert_eq!(hook_state(&pod("Succeeded")), HookState::Succeeded);
        assert_eq!(
            hook_state(&pod("Failed")),
            HookState::Failed("pod p failed".into())
        );
        assert_eq!(hook_state(&pod("Running")), HookState::Running);
        assert_eq!(
            hook_state(&json!({"kind": "ConfigMap"})),
            HookState::Succeeded
        );
    }
}
