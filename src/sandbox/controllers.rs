//! Just enough of Kubernetes' controllers for release management: workloads
//! report ready after a configurable delay (or never, per object, through
//! [`NEVER_READY_ANNOTATION`]), Services get a ClusterIP, claims bind,
//! namespaces being deleted lose their contents, and the garbage collector
//! follows ownerReferences and the deletion propagation finalizers.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use super::api::{Cluster, DeleteOptions};
use super::resources::ResourceType;
use super::store::{EventType, Stored};

/// An object carrying this annotation with value "true" never becomes ready.
pub const NEVER_READY_ANNOTATION: &str = "sandbox.wheelhouse.dev/never-ready";

/// A Job or run-to-completion Pod carrying this annotation with value "true"
/// fails when it would have succeeded (for hook failure paths).
pub const FAIL_ANNOTATION: &str = "sandbox.wheelhouse.dev/fail";

/// The NodePort range the apiserver allocates from by default (30000-32767).
pub const NODE_PORT_FIRST: u32 = 30000;
pub const NODE_PORT_LAST: u32 = 32767;

/// Resources whose status this module simulates.
fn workload(rt: &ResourceType) -> bool {
    matches!(
        (rt.group.as_str(), rt.plural.as_str()),
        (
            "apps",
            "deployments" | "statefulsets" | "daemonsets" | "replicasets"
        ) | ("batch", "jobs")
            | ("", "pods")
    )
}

fn fails(obj: &Value) -> bool {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(FAIL_ANNOTATION))
        .and_then(Value::as_str)
        == Some("true")
}

fn never_ready(obj: &Value) -> bool {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(NEVER_READY_ANNOTATION))
        .and_then(Value::as_str)
        == Some("true")
}

fn generation(obj: &Value) -> i64 {
    obj.pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

fn replicas(obj: &Value) -> i64 {
    obj.pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// Defaults and immediate status for an object about to be stored.
pub fn on_write(
    c: &mut Cluster,
    rt: &ResourceType,
    obj: &mut Value,
    old: Option<&Arc<Stored>>,
    dry: bool,
) {
    match (rt.group.as_str(), rt.plural.as_str()) {
        ("", "namespaces") => {
            let name = obj
                .pointer("/metadata/name")
                .cloned()
                .unwrap_or(Value::Null);
            obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            if obj.pointer("/spec/finalizers").is_none() {
                obj["spec"]["finalizers"] = json!(["kubernetes"]);
            }
            if obj.pointer("/status/phase").is_none() {
                obj["status"] = json!({"phase": "Active"});
            }
        }
        ("", "services") => service_defaults(c, obj, old, dry),
        // The apiserver's defaulting: a Secret without a type is Opaque.
        ("", "secrets")
            if obj
                .get("type")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty) =>
        {
            obj["type"] = json!("Opaque");
        }
        ("", "persistentvolumeclaims") if obj.pointer("/status/phase").is_none() => {
            obj["status"]["phase"] = json!("Bound");
        }
        _ => {}
    }
    if workload(rt) {
        let changed = old.is_none_or(|o| generation(o) != generation(obj));
        if changed {
            let ready = c.settings.ready_delay.is_zero() && !never_ready(obj);
            obj["status"] = status(rt, obj, ready);
        }
    }
}

/// Schedules readiness for a stored workload that is not ready yet.
pub fn after_write(c: &mut Cluster, rt: &ResourceType, obj: &Value) {
    if !workload(rt) || never_ready(obj) || is_ready(rt, obj) {
        return;
    }
    let ns = obj
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    c.pending_ready.insert(
        (rt.store_key(), ns.to_string(), name.to_string()),
        Instant::now() + c.settings.ready_delay,
    );
}

fn is_ready(rt: &ResourceType, obj: &Value) -> bool {
    obj.get("status")
        .is_some_and(|s| *s == status(rt, obj, true))
}

fn service_defaults(c: &mut Cluster, obj: &mut Value, old: Option<&Arc<Stored>>, dry: bool) {
    if obj.pointer("/spec/type").is_none() {
        obj["spec"]["type"] = json!("ClusterIP");
    }
    let kind = obj
        .pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if kind == "ExternalName" {
        return;
    }
    let kept = old.and_then(|o| o.pointer("/spec/clusterIP")).cloned();
    let ip = match obj.pointer("/spec/clusterIP").and_then(Value::as_str) {
        Some(ip) if !ip.is_empty() => ip.to_string(),
        _ => match kept.as_ref().and_then(Value::as_str) {
            Some(ip) => ip.to_string(),
            None => {
                let n = c.next_cluster_ip;
                if !dry {
                    c.next_cluster_ip += 1;
                }
                format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff)
            }
        },
    };
    obj["spec"]["clusterIP"] = json!(ip);
    obj["spec"]["clusterIPs"] = json!([ip]);
    if obj.pointer("/spec/sessionAffinity").is_none() {
        obj["spec"]["sessionAffinity"] = json!("None");
    }
    let node_ports = matches!(kind.as_str(), "NodePort" | "LoadBalancer");
    let old_ports: Vec<Value> = old
        .and_then(|o| o.pointer("/spec/ports"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(ports) = obj.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
        for p in ports {
            if p.get("protocol").is_none() {
                p["protocol"] = json!("TCP");
            }
            if p.get("targetPort").is_none() {
                p["targetPort"] = p.get("port").cloned().unwrap_or(Value::Null);
            }
            if node_ports && p.get("nodePort").is_none_or(Value::is_null) {
                // An update keeps the port's earlier allocation.
                let kept = old_ports
                    .iter()
                    .find(|o| {
                        o.get("port") == p.get("port") && o.get("protocol") == p.get("protocol")
                    })
                    .and_then(|o| o.get("nodePort"))
                    .cloned();
                p["nodePort"] = match kept {
                    Some(n) => n,
                    None => {
                        let n = c.next_node_port;
                        if !dry {
                            c.next_node_port = if n >= NODE_PORT_LAST {
                                NODE_PORT_FIRST
                            } else {
                                n + 1
                            };
                        }
                        json!(n)
                    }
                };
            }
        }
    }
    if kind == "LoadBalancer" && obj.pointer("/status/loadBalancer/ingress").is_none() {
        obj["status"] =
            json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ipMode": "VIP"}]}});
    }
}

/// The status a controller would report, ready or still progressing.
fn status(rt: &ResourceType, obj: &Value, ready: bool) -> Value {
    let g = generation(obj);
    let r = replicas(obj);
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let now = obj
        .pointer("/metadata/creationTimestamp")
        .cloned()
        .unwrap_or(Value::Null);
    let done = if ready { r } else { 0 };
    match rt.plural.as_str() {
        "deployments" => {
            let (avail, reason, message) = if ready {
                (
                    "True",
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                )
            } else {
                (
                    "False",
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.",
                )
            };
            let (preason, pmessage) = if ready {
                (
                    "NewReplicaSetAvailable",
                    format!("ReplicaSet \"{name}\" has successfully progressed."),
                )
            } else {
                (
                    "ReplicaSetUpdated",
                    format!("ReplicaSet \"{name}\" is progressing."),
                )
            };
            let mut s = json!({
                "observedGeneration": g, "replicas": r, "updatedReplicas": r,
                "readyReplicas": done, "availableReplicas": done,
                "conditions": [
                    {"type": "Available", "status": avail, "reason": reason, "message": message, "lastUpdateTime": now, "lastTransitionTime": now},
                    {"type": "Progressing", "status": "True", "reason": preason, "message": pmessage, "lastUpdateTime": now, "lastTransitionTime": now},
                ],
            });
            if !ready && r > 0 {
                s["unavailableReplicas"] = json!(r);
            }
            s
        }
        "statefulsets" => {
            let rev = format!("{name}-{g}");
            json!({
                "observedGeneration": g, "replicas": r, "readyReplicas": done, "availableReplicas": done,
                "currentReplicas": r, "updatedReplicas": r,
                "currentRevision": if ready { rev.clone() } else { format!("{name}-{}", g - 1) },
                "updateRevision": rev, "collisionCount": 0,
            })
        }
        "daemonsets" => {
            let n = i64::from(ready);
            let mut s = json!({
                "observedGeneration": g, "desiredNumberScheduled": 1, "currentNumberScheduled": 1,
                "updatedNumberScheduled": 1, "numberReady": n, "numberAvailable": n, "numberMisscheduled": 0,
            });
            if !ready {
                s["numberUnavailable"] = json!(1);
            }
            s
        }
        "replicasets" => json!({
            "observedGeneration": g, "replicas": r, "fullyLabeledReplicas": r,
            "readyReplicas": done, "availableReplicas": done,
        }),
        "jobs" => {
            let completions = obj
                .pointer("/spec/completions")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            if ready && fails(obj) {
                let limit = obj
                    .pointer("/spec/backoffLimit")
                    .and_then(Value::as_i64)
                    .unwrap_or(6);
                json!({
                    "startTime": now, "failed": limit + 1, "ready": 0, "terminating": 0,
                    "uncountedTerminatedPods": {},
                    "conditions": [
                        {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now},
                        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now},
                    ],
                })
            } else if ready {
                json!({
                    "startTime": now, "completionTime": now, "succeeded": completions, "ready": 0, "terminating": 0,
                    "uncountedTerminatedPods": {},
                    "conditions": [
                        {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now},
                        {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now},
                    ],
                })
            } else {
                json!({"startTime": now, "active": 1, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {}})
            }
        }
        _ => {
            // Pods: run-to-completion pods (hooks, tests) succeed; others run.
            let once = matches!(
                obj.pointer("/spec/restartPolicy").and_then(Value::as_str),
                Some("Never" | "OnFailure")
            );
            match (ready, once) {
                (false, _) => {
                    json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": now}]})
                }
                (true, true) if fails(obj) => {
                    json!({"phase": "Failed", "startTime": now, "conditions": [
                        {"type": "Ready", "status": "False", "reason": "PodFailed", "lastTransitionTime": now},
                        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                    ]})
                }
                (true, true) => json!({"phase": "Succeeded", "startTime": now, "conditions": [
                    {"type": "Ready", "status": "False", "reason": "PodCompleted", "lastTransitionTime": now},
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                ]}),
                (true, false) => {
                    json!({"phase": "Running", "startTime": now, "podIP": "10.244.0.10", "conditions": [
                        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
                        {"type": "Ready", "status": "True", "lastTransitionTime": now},
                        {"type": "ContainersReady", "status": "True", "lastTransitionTime": now},
                        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                    ]})
                }
            }
        }
    }
}

/// One round of the controllers; returns whether anything changed.
pub fn tick(c: &mut Cluster) -> bool {
    let mut changed = readiness(c);
    changed |= terminate_namespaces(c);
    if c.gc_needed {
        c.gc_needed = false;
        changed |= collect_garbage(c);
    }
    changed
}

fn readiness(c: &mut Cluster) -> bool {
    let now = Instant::now();
    let due: Vec<(String, String, String)> = c
        .pending_ready
        .iter()
        .filter(|(_, at)| **at <= now)
        .map(|(k, _)| k.clone())
        .collect();
    let mut changed = false;
    for key in due {
        c.pending_ready.remove(&key);
        let (resource, ns, name) = &key;
        let Some(obj) = c.store.get(resource, ns, name).cloned() else {
            continue;
        };
        let Some(rt) = resource_of(c, &obj) else {
            continue;
        };
        if never_ready(&obj) {
            continue;
        }
        let mut obj = (*obj).clone();
        obj["status"] = status(&rt, &obj, true);
        c.store.put(resource, ns, name, obj, EventType::Modified);
        changed = true;
    }
    changed
}

fn resource_of(c: &Cluster, obj: &Value) -> Option<ResourceType> {
    let api_version = obj.get("apiVersion")?.as_str()?;
    let kind = obj.get("kind")?.as_str()?;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    c.registry.by_kind(group, version, kind).cloned()
}

fn terminate_namespaces(c: &mut Cluster) -> bool {
    let terminating: Vec<Arc<Stored>> = c
        .store
        .list("/namespaces", None)
        .filter(|(_, o)| o.pointer("/metadata/deletionTimestamp").is_some())
        .map(|(_, o)| o.clone())
        .collect();
    let mut changed = false;
    let background = DeleteOptions {
        propagation: Some("Background".into()),
        ..DeleteOptions::default()
    };
    for ns_obj in terminating {
        let ns = ns_obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let types: Vec<ResourceType> = c.registry.all().filter(|t| t.namespaced).cloned().collect();
        let mut remaining = 0;
        for rt in &types {
            let names: Vec<(String, bool)> = c
                .store
                .list(&rt.store_key(), Some(&ns))
                .map(|((_, n), o)| {
                    (
                        n.clone(),
                        o.pointer("/metadata/deletionTimestamp").is_some(),
                    )
                })
                .collect();
            for (name, deleting) in names {
                remaining += 1;
                if !deleting {
                    changed |= c.delete_object(rt, &ns, &name, &background).is_ok();
                }
            }
        }
        if remaining > 0 {
            continue;
        }
        let Some(ns_rt) = c.registry.find("", "v1", "namespaces").cloned() else {
            continue;
        };
        let metadata_finalizers = ns_obj
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty());
        if metadata_finalizers {
            if ns_obj
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .is_some_and(|f| !f.is_empty())
            {
                let mut o = (*ns_obj).clone();
                o["spec"]["finalizers"] = json!([]);
                c.store.put("/namespaces", "", &ns, o, EventType::Modified);
                changed = true;
            }
            continue;
        }
        c.finish_delete(&ns_rt, "", &ns);
        changed = true;
    }
    changed
}

/// Deletes dependents whose owners are gone, and carries out the foreground
/// and orphan propagation finalizers.
fn collect_garbage(c: &mut Cluster) -> bool {
    let mut changed = false;
    // Repeat until stable: deleting a dependent may orphan its own dependents.
    loop {
        let uids: HashSet<String> = c
            .store
            .resources()
            .flat_map(|(_, objs)| objs.values())
            .filter_map(|o| {
                o.pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        let deleting: Vec<(String, Vec<String>)> = c
            .store
            .resources()
            .flat_map(|(_, objs)| objs.values())
            .filter(|o| o.pointer("/metadata/deletionTimestamp").is_some())
            .filter_map(|o| {
                let uid = o.pointer("/metadata/uid")?.as_str()?.to_string();
                let fins = o.pointer("/metadata/finalizers")?.as_array()?;
                Some((
                    uid,
                    fins.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                ))
            })
            .collect();
        let mut work: Vec<(ResourceType, String, String, Action)> = Vec::new();
        for (_, objs) in c.store.resources() {
            for ((ns, name), o) in objs {
                let Some(refs) = o
                    .pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
                else {
                    continue;
                };
                if refs.is_empty() {
                    continue;
                }
                let owner_uids: Vec<&str> =
                    refs.iter().filter_map(|r| r.get("uid")?.as_str()).collect();
                let Some(rt) = resource_of(c, o) else {
                    continue;
                };
                if owner_uids.iter().all(|u| !uids.contains(*u)) {
                    work.push((rt, ns.clone(), name.clone(), Action::Delete));
                    continue;
                }
                for (uid, fins) in &deleting {
                    if !owner_uids.contains(&uid.as_str()) {
                        continue;
                    }
                    if fins.iter().any(|f| f == "orphan") {
                        work.push((
                            rt.clone(),
                            ns.clone(),
                            name.clone(),
                            Action::Orphan(uid.clone()),
                        ));
                    } else if fins.iter().any(|f| f == "foregroundDeletion") {
                        work.push((rt.clone(), ns.clone(), name.clone(), Action::Delete));
                    }
                }
            }
        }
        let mut round = false;
        for (rt, ns, name, action) in work {
            match action {
                Action::Delete => {
                    let bg = DeleteOptions {
                        propagation: Some("Background".into()),
                        ..DeleteOptions::default()
                    };
                    let already = c
                        .store
                        .get(&rt.store_key(), &ns, &name)
                        .is_some_and(|o| o.pointer("/metadata/deletionTimestamp").is_some());
                    if !already && c.delete_object(&rt, &ns, &name, &bg).is_ok() {
                        round = true;
                    }
                }
                Action::Orphan(owner) => {
                    if let Some(o) = c.store.get(&rt.store_key(), &ns, &name).cloned() {
                        let mut o = (*o).clone();
                        if let Some(refs) = o
                            .pointer_mut("/metadata/ownerReferences")
                            .and_then(Value::as_array_mut)
                        {
                            refs.retain(|r| {
                                r.get("uid").and_then(Value::as_str) != Some(owner.as_str())
                            });
                        }
                        c.store
                            .put(&rt.store_key(), &ns, &name, o, EventType::Modified);
                        round = true;
                    }
                }
            }
        }
        round |= release_propagation_finalizers(c);
        if !round {
            return changed;
        }
        changed = true;
    }
}

enum Action {
    Delete,
    Orphan(String),
}

/// Owners waiting on `foregroundDeletion` or `orphan` whose dependents are
/// handled lose that finalizer (and go, if it was the last).
fn release_propagation_finalizers(c: &mut Cluster) -> bool {
    let owners: Vec<(ResourceType, String, String, String)> = c
        .store
        .resources()
        .flat_map(|(_, objs)| objs.iter())
        .filter(|(_, o)| o.pointer("/metadata/deletionTimestamp").is_some())
        .filter(|(_, o)| {
            o.pointer("/metadata/finalizers")
                .and_then(Value::as_array)
                .is_some_and(|f| f.iter().any(|x| x == "foregroundDeletion" || x == "orphan"))
        })
        .filter_map(|((ns, name), o)| {
            let uid = o.pointer("/metadata/uid")?.as_str()?.to_string();
            Some((resource_of(c, o)?, ns.clone(), name.clone(), uid))
        })
        .collect();
    let mut changed = false;
    for (rt, ns, name, uid) in owners {
        let has_dependents = c
            .store
            .resources()
            .flat_map(|(_, objs)| objs.values())
            .any(|o| {
                o.pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
                    .is_some_and(|refs| {
                        refs.iter()
                            .any(|r| r.get("uid").and_then(Value::as_str) == Some(uid.as_str()))
                    })
            });
        if has_dependents {
            continue;
        }
        let Some(o) = c.store.get(&rt.store_key(), &ns, &name).cloned() else {
            continue;
        };
        let mut o = (*o).clone();
        if let Some(f) = o
            .pointer_mut("/metadata/finalizers")
            .and_then(Value::as_array_mut)
        {
            f.retain(|x| x != "foregroundDeletion" && x != "orphan");
        }
        let empty = o
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_none_or(|f| f.is_empty());
        c.store
            .put(&rt.store_key(), &ns, &name, o, EventType::Modified);
        if empty {
            c.finish_delete(&rt, &ns, &name);
        }
        changed = true;
    }
    changed
}
