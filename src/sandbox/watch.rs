//! Watches: which changes a watch selects, how each is framed (one JSON event
//! per line, as the apiserver streams `application/json` watches), bookmarks,
//! and the timeout.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::reads::BOOKMARK_INTERVAL;
use super::resources::ResourceType;
use super::selector::FieldSelector;
use super::status::ApiError;
use super::store::{Event, EventType};
use crate::kube::labels::LabelSelector;

/// What a watch selects.
#[derive(Debug)]
pub struct WatchFilter {
    pub resource: ResourceType,
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl WatchFilter {
    pub fn selects(&self, obj: &Value) -> bool {
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if self.namespace.as_deref().is_some_and(|want| want != ns) {
            return false;
        }
        let labels = obj.pointer("/metadata/labels").and_then(Value::as_object);
        self.labels.matches(labels) && self.fields.matches(obj)
    }

    /// The event this watch sees for a change, if any: an object that enters
    /// the selection is ADDED, one that leaves it is DELETED.
    pub fn translate(&self, e: &Event) -> Option<Value> {
        if e.resource != self.resource.store_key() {
            return None;
        }
        let now = self.selects(&e.object);
        let before = e.prev.as_deref().is_some_and(|p| self.selects(p));
        let kind = match e.kind {
            EventType::Added if now => "ADDED",
            EventType::Modified if now && before => "MODIFIED",
            EventType::Modified if now => "ADDED",
            EventType::Modified if before => "DELETED",
            EventType::Deleted if before || now => "DELETED",
            _ => return None,
        };
        let mut obj = (*e.object).clone();
        if let Some(m) = obj.as_object_mut() {
            m.insert("apiVersion".into(), json!(self.resource.api_version()));
            m.insert("kind".into(), json!(self.resource.kind));
        }
        Some(WatchPlan::event(kind, obj))
    }
}

/// A watch ready to stream: events already due, then live ones.
#[derive(Debug)]
pub struct WatchPlan {
    pub initial: Vec<Value>,
    /// Live changes; None when the watch ends after `initial` (an error).
    pub rx: Option<broadcast::Receiver<Arc<Event>>>,
    pub filter: WatchFilter,
    pub bookmarks: bool,
    pub timeout: Option<Duration>,
    /// Changes up to this resourceVersion are already in `initial`.
    pub start_rv: u64,
}

impl WatchPlan {
    pub fn event(kind: &str, object: Value) -> Value {
        json!({"type": kind, "object": object})
    }

    pub fn bookmark(rt: &ResourceType, rv: u64) -> Value {
        WatchPlan::event(
            "BOOKMARK",
            json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": {"resourceVersion": rv.to_string()}}),
        )
    }

    /// Streams the watch into `out`, one JSON document per line, until the
    /// client goes away, the timeout passes, or the server stops.
    pub async fn run(self, out: mpsc::Sender<Vec<u8>>) {
        let line = |v: &Value| {
            let mut b = serde_json::to_vec(v).unwrap_or_default();
            b.push(b'\n');
            b
        };
        for ev in &self.initial {
            if out.send(line(ev)).await.is_err() {
                return;
            }
        }
        let Some(mut rx) = self.rx else {
            return;
        };
        let deadline = tokio::time::sleep(
            self.timeout
                .unwrap_or(Duration::from_secs(u64::from(u32::MAX))),
        );
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(BOOKMARK_INTERVAL);
        ticker.tick().await;
        let mut last_rv = self.start_rv;
        loop {
            tokio::select! {
                received = rx.recv() => match received {
                    Ok(e) => {
                        if e.rv <= self.start_rv {
                            continue;
                        }
                        last_rv = e.rv;
                        if let Some(ev) = self.filter.translate(&e)
                            && out.send(line(&ev)).await.is_err() {
                                return;
                            }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Too slow to keep up: end with 410 so the client relists.
                        let e = ApiError::expired(format!("too old resource version: {last_rv}"));
                        let _ = out.send(line(&WatchPlan::event("ERROR", e.to_status()))).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = ticker.tick(), if self.bookmarks => {
                    if out.send(line(&WatchPlan::bookmark(&self.filter.resource, last_rv))).await.is_err() {
                        return;
                    }
                }
                _ = &mut deadline => return,
                _ = out.closed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::resources::Registry;

    fn filter(selector: &str) -> WatchFilter {
        WatchFilter {
            resource: Registry::new()
                .find("", "v1", "configmaps")
                .unwrap()
                .clone(),
            namespace: Some("ns".into()),
            labels: LabelSelector::parse(selector).unwrap(),
            fields: FieldSelector::default(),
        }
    }

    fn event(kind: EventType, labels: Value, prev_labels: Option<Value>) -> Event {
        let obj = |l: Value| {
            Arc::new(json!({"metadata": {"name": "a", "namespace": "ns", "labels": l}}).into())
        };
        Event {
            rv: 5,
            kind,
            resource: "/configmaps".into(),
            object: obj(labels),
            prev: prev_labels.map(obj),
        }
    }

    #[test]
    fn selection_changes_become_added_and_deleted() {
        let f = filter("w=yes");
        let kind = |e: &Event| {
            f.translate(e)
                .map(|v| v["type"].as_str().unwrap().to_string())
        };
        let yes = json!({"w": "yes"});
        let no = json!({"w": "no"});
        assert_eq!(
            kind(&event(EventType::Added, yes.clone(), None)).as_deref(),
            Some("ADDED")
        );
        assert_eq!(kind(&event(EventType::Added, no.clone(), None)), None);
        assert_eq!(
            kind(&event(EventType::Modified, yes.clone(), Some(yes.clone()))).as_deref(),
            Some("MODIFIED")
        );
        assert_eq!(
            kind(&event(EventType::Modified, yes.clone(), Some(no.clone()))).as_deref(),
            Some("ADDED")
        );
        assert_eq!(
            kind(&event(EventType::Modified, no.clone(), Some(yes.clone()))).as_deref(),
            Some("DELETED")
        );
        assert_eq!(
            kind(&event(EventType::Modified, no.clone(), Some(no.clone()))),
            None
        );
        assert_eq!(
            kind(&event(EventType::Deleted, yes.clone(), Some(yes))).as_deref(),
            Some("DELETED")
        );
        let other_ns = WatchFilter {
            namespace: Some("elsewhere".into()),
            ..filter("")
        };
        assert!(
            other_ns
                .translate(&event(EventType::Added, no, None))
                .is_none()
        );
    }

    #[test]
    fn events_carry_the_watched_version_and_kind() {
        let f = filter("");
        let ev = f
            .translate(&event(EventType::Added, json!({}), None))
            .unwrap();
        assert_eq!(
            (
                ev["object"]["apiVersion"].as_str(),
                ev["object"]["kind"].as_str()
            ),
            (Some("v1"), Some("ConfigMap"))
        );
        let mark = WatchPlan::bookmark(&f.resource, 42);
        assert_eq!(mark["object"]["metadata"]["resourceVersion"], "42");
    }
}
