//! The in-memory object store: every object by resource, namespace and name, one
//! cluster-wide resourceVersion counter, and the recent history of changes that
//! watches replay from.
//!
//! Owns ordering and notification only. Validation, defaulting and the meaning of
//! a write belong to the handlers; controllers write through the same calls.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

/// Changes kept by default for watches that resume from a resourceVersion;
/// older ones get 410 Expired, as from a compacted etcd.
pub const WATCH_HISTORY: usize = 10_000;
/// Events buffered per watcher before a slow watcher is cut off (it re-watches).
pub const WATCH_BUFFER: usize = 8_192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

/// One change, as watchers see it.
#[derive(Debug, Clone)]
pub struct Event {
    pub rv: u64,
    pub kind: EventType,
    /// The resource's store key (`group/plural`).
    pub resource: String,
    pub object: Arc<Value>,
    /// The object before this change (selector watches turn a change that
    /// leaves or enters their selection into DELETED or ADDED).
    pub prev: Option<Arc<Value>>,
}

/// Objects of one resource, by (namespace, name); cluster-scoped ones use "".
pub type Objects = BTreeMap<(String, String), Arc<Value>>;

#[derive(Debug)]
pub struct Store {
    objects: BTreeMap<String, Objects>,
    rv: u64,
    history: VecDeque<Arc<Event>>,
    /// The resourceVersion just before the oldest retained event.
    history_floor: u64,
    history_limit: usize,
    events: broadcast::Sender<Arc<Event>>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new(WATCH_HISTORY)
    }
}

impl Store {
    /// An empty store keeping the last `history_limit` changes for watches.
    pub fn new(history_limit: usize) -> Store {
        let (events, _) = broadcast::channel(WATCH_BUFFER);
        Store {
            objects: BTreeMap::new(),
            rv: 1,
            history: VecDeque::new(),
            history_floor: 1,
            history_limit: history_limit.max(1),
            events,
        }
    }

    /// The latest resourceVersion (what a list reports).
    pub fn revision(&self) -> u64 {
        self.rv
    }

    pub fn get(&self, resource: &str, ns: &str, name: &str) -> Option<&Arc<Value>> {
        self.objects
            .get(resource)?
            .get(&(ns.to_string(), name.to_string()))
    }

    /// The objects of a resource, in one namespace or (None) all of them, in
    /// (namespace, name) order as etcd returns them.
    pub fn list<'a>(
        &'a self,
        resource: &str,
        ns: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a (String, String), &'a Arc<Value>)> + 'a {
        self.list_after(resource, ns, None)
    }

    /// [`Store::list`] from just after the key `after` (a continue token's
    /// position): pages start where the last one ended instead of walking
    /// the keys before them again.
    pub fn list_after<'a>(
        &'a self,
        resource: &str,
        ns: Option<&'a str>,
        after: Option<&(String, String)>,
    ) -> impl Iterator<Item = (&'a (String, String), &'a Arc<Value>)> + 'a {
        let from = match (after, ns) {
            (Some(key), _) => Bound::Excluded(key.clone()),
            (None, Some(ns)) => Bound::Included((ns.to_owned(), String::new())),
            (None, None) => Bound::Unbounded,
        };
        self.objects
            .get(resource)
            .into_iter()
            .flat_map(move |m| m.range((from.clone(), Bound::Unbounded)))
            .take_while(move |((n, _), _)| ns.is_none_or(|want| want == n))
    }

    pub fn resources(&self) -> impl Iterator<Item = (&String, &Objects)> {
        self.objects.iter()
    }

    /// Stores `object` (its metadata.resourceVersion is set here) and notifies
    /// watchers. Returns the stored object.
    pub fn put(
        &mut self,
        resource: &str,
        ns: &str,
        name: &str,
        mut object: Value,
        kind: EventType,
    ) -> Arc<Value> {
        self.rv += 1;
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(self.rv.to_string()));
        }
        let object = Arc::new(object);
        let prev = self
            .objects
            .entry(resource.to_string())
            .or_default()
            .insert((ns.to_string(), name.to_string()), object.clone());
        self.record(resource, kind, object.clone(), prev);
        object
    }

    /// Removes an object; the DELETED event carries it with a new resourceVersion.
    pub fn remove(&mut self, resource: &str, ns: &str, name: &str) -> Option<Arc<Value>> {
        let old = self
            .objects
            .get_mut(resource)?
            .remove(&(ns.to_string(), name.to_string()))?;
        self.rv += 1;
        let mut gone = (*old).clone();
        if let Some(meta) = gone.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(self.rv.to_string()));
        }
        let gone = Arc::new(gone);
        self.record(resource, EventType::Deleted, gone.clone(), Some(old));
        Some(gone)
    }

    /// Drops a whole resource (its CRD went away) without events per object.
    pub fn drop_resource(&mut self, resource: &str) {
        self.objects.remove(resource);
    }

    fn record(
        &mut self,
        resource: &str,
        kind: EventType,
        object: Arc<Value>,
        prev: Option<Arc<Value>>,
    ) {
        let event = Arc::new(Event {
            rv: self.rv,
            kind,
            resource: resource.to_string(),
            object,
            prev,
        });
        if self.history.len() >= self.history_limit
            && let Some(old) = self.history.pop_front()
        {
            self.history_floor = old.rv;
        }
        self.history.push_back(event.clone());
        // No receivers is fine: nobody watches.
        let _ = self.events.send(event);
    }

    /// Events after `rv` for replay, or None when `rv` is older than the history.
    pub fn since(&self, rv: u64) -> Option<Vec<Arc<Event>>> {
        if rv < self.history_floor {
            return None;
        }
        Some(self.history.iter().filter(|e| e.rv > rv).cloned().collect())
    }

    /// The oldest resourceVersion a watch can still start from.
    pub fn oldest_watchable(&self) -> u64 {
        self.history_floor
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    /// Restores state saved by [`Store::snapshot`] (no events are sent).
    pub fn restore(&mut self, rv: u64, objects: Vec<(String, String, String, Value)>) {
        for (resource, ns, name, obj) in objects {
            self.objects
                .entry(resource)
                .or_default()
                .insert((ns, name), Arc::new(obj));
        }
        self.rv = rv.max(self.rv);
        self.history.clear();
        self.history_floor = self.rv;
    }

    /// Every object with its keys, for persisting.
    pub fn snapshot(&self) -> Vec<(String, String, String, Arc<Value>)> {
        self.objects
            .iter()
            .flat_map(|(r, m)| {
                m.iter()
                    .map(move |((ns, n), v)| (r.clone(), ns.clone(), n.clone(), v.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_bump_the_revision_and_notify() {
        let mut s = Store::default();
        let mut rx = s.subscribe();
        let o = s.put(
            "/secrets",
            "default",
            "a",
            json!({"metadata": {"name": "a"}}),
            EventType::Added,
        );
        assert_eq!(o["metadata"]["resourceVersion"], "2");
        assert_eq!(rx.try_recv().unwrap().kind, EventType::Added);
        let gone = s.remove("/secrets", "default", "a").unwrap();
        assert_eq!(gone["metadata"]["resourceVersion"], "3");
        assert_eq!(s.since(2).unwrap().len(), 1);
        assert!(s.get("/secrets", "default", "a").is_none());
    }

    #[test]
    fn history_is_bounded_at_the_limit() {
        let mut s = Store::default();
        for i in 0..WATCH_HISTORY {
            s.put(
                "/configmaps",
                "",
                &i.to_string(),
                json!({"metadata": {}}),
                EventType::Added,
            );
        }
        assert!(s.since(1).is_some(), "the whole history is still there");
        s.put(
            "/configmaps",
            "",
            "one-more",
            json!({"metadata": {}}),
            EventType::Added,
        );
        assert!(s.since(1).is_none(), "the first event fell out");
        assert!(s.since(2).is_some());
    }
}
