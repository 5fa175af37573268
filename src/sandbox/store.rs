//! The in-memory object store: every object by resource, namespace and name, one
//! cluster-wide resourceVersion counter, and the recent history of changes that
//! watches replay from.
//!
//! Owns ordering and notification only. Validation, defaulting and the meaning of
//! a write belong to the handlers; controllers write through the same calls.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::ops::{Bound, Deref};
use std::sync::{Arc, OnceLock};

use serde_json::Value;
use tokio::sync::broadcast;

/// Changes kept by default for watches that resume from a resourceVersion;
/// older ones get 410 Expired, as from a compacted etcd.
pub const WATCH_HISTORY: usize = 10_000;
/// Events buffered per watcher before a slow watcher is cut off (it re-watches).
pub const WATCH_BUFFER: usize = 8_192;

/// Encodings one stored object keeps (a list as metadata and a list of
/// whole objects, the two a release listing asks for).
pub const ENCODINGS_KEPT: usize = 2;

/// A stored object with the JSON encodings lists have served it in, made
/// the first time each is asked for. A write stores a new object and never
/// changes one in place, so an encoding once made stays true; a list of
/// thousands of unchanged objects then copies bytes instead of walking
/// every object's maps again.
///
/// Its labels are also kept packed in one buffer: a selector run over
/// thousands of objects then reads one allocation per object instead of
/// chasing a pointer per map key (the time of a selective list went there).
#[derive(Debug, Default)]
pub struct Stored {
    value: Value,
    encodings: [OnceLock<Encoding>; ENCODINGS_KEPT],
    /// `key NUL value NUL ...`; `None` when a label holds a NUL (Kubernetes
    /// refuses such labels, but the store holds whatever it is given).
    labels: Option<Box<str>>,
}

/// What an encoding shows (a view's name) and its bytes.
type Encoding = (Box<str>, Box<[u8]>);

impl Stored {
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The value of the label `key`, if the object has it.
    pub fn label(&self, key: &str) -> Option<&str> {
        match &self.labels {
            Some(packed) => {
                let mut parts = packed.split('\0');
                while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
                    if k == key {
                        return Some(v);
                    }
                }
                None
            }
            None => self
                .value
                .get("metadata")
                .and_then(|m| m.get("labels"))
                .and_then(|l| l.get(key))
                .and_then(Value::as_str),
        }
    }

    /// The object encoded as `view` names it, made by `encode` unless kept
    /// from an earlier call with the same `view`.
    pub fn encoded(&self, view: &str, encode: impl Fn(&Value) -> Vec<u8>) -> Cow<'_, [u8]> {
        for slot in &self.encodings {
            let (kept, bytes) = slot.get_or_init(|| (view.into(), encode(&self.value).into()));
            if **kept == *view {
                return Cow::Borrowed(bytes);
            }
        }
        Cow::Owned(encode(&self.value))
    }
}

impl From<Value> for Stored {
    fn from(value: Value) -> Stored {
        Stored {
            labels: packed_labels(&value),
            value,
            encodings: Default::default(),
        }
    }
}

fn packed_labels(value: &Value) -> Option<Box<str>> {
    let mut packed = String::new();
    let labels = value
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object);
    for (key, value) in labels.into_iter().flatten() {
        // A label whose value is not a string matches nothing, as before.
        let Some(value) = value.as_str() else {
            continue;
        };
        if key.contains('\0') || value.contains('\0') {
            return None;
        }
        packed.push_str(key);
        packed.push('\0');
        packed.push_str(value);
        packed.push('\0');
    }
    Some(packed.into())
}

impl Deref for Stored {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.value
    }
}

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
    pub object: Arc<Stored>,
    /// The object before this change (selector watches turn a change that
    /// leaves or enters their selection into DELETED or ADDED).
    pub prev: Option<Arc<Stored>>,
}

/// Objects of one resource, by (namespace, name); cluster-scoped ones use "".
pub type Objects = BTreeMap<(String, String), Arc<Stored>>;

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

    pub fn get(&self, resource: &str, ns: &str, name: &str) -> Option<&Arc<Stored>> {
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
    ) -> impl Iterator<Item = (&'a (String, String), &'a Arc<Stored>)> + 'a {
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
    ) -> impl Iterator<Item = (&'a (String, String), &'a Arc<Stored>)> + 'a {
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
    ) -> Arc<Stored> {
        self.rv += 1;
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(self.rv.to_string()));
        }
        let object = Arc::new(Stored::from(object));
        let prev = self
            .objects
            .entry(resource.to_string())
            .or_default()
            .insert((ns.to_string(), name.to_string()), object.clone());
        self.record(resource, kind, object.clone(), prev);
        object
    }

    /// Removes an object; the DELETED event carries it with a new resourceVersion.
    pub fn remove(&mut self, resource: &str, ns: &str, name: &str) -> Option<Arc<Stored>> {
        let old = self
            .objects
            .get_mut(resource)?
            .remove(&(ns.to_string(), name.to_string()))?;
        self.rv += 1;
        let mut gone = old.value().clone();
        if let Some(meta) = gone.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(self.rv.to_string()));
        }
        let gone = Arc::new(Stored::from(gone));
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
        object: Arc<Stored>,
        prev: Option<Arc<Stored>>,
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
                .insert((ns, name), Arc::new(Stored::from(obj)));
        }
        self.rv = rv.max(self.rv);
        self.history.clear();
        self.history_floor = self.rv;
    }

    /// Every object with its keys, for persisting.
    pub fn snapshot(&self) -> Vec<(String, String, String, Arc<Stored>)> {
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
    fn encodings_are_kept_per_view_up_to_the_limit() {
        let stored = Stored::from(json!({"metadata": {"name": "a"}}));
        let calls = std::cell::Cell::new(0);
        let encode = |tag: &'static str| {
            let calls = &calls;
            move |v: &Value| {
                calls.set(calls.get() + 1);
                format!("{tag}:{}", v["metadata"]["name"]).into_bytes()
            }
        };
        for _ in 0..2 {
            assert_eq!(&*stored.encoded("meta", encode("m")), b"m:\"a\"");
            assert_eq!(&*stored.encoded("v1/Secret", encode("s")), b"s:\"a\"");
        }
        assert_eq!(calls.get(), ENCODINGS_KEPT, "each view encoded once");
        // Past the kept views, encodings are made each time and still right.
        for _ in 0..2 {
            assert_eq!(&*stored.encoded("v2/Other", encode("o")), b"o:\"a\"");
        }
        assert_eq!(calls.get(), ENCODINGS_KEPT + 2);
    }

    #[test]
    fn labels_are_found_as_in_the_object() {
        let stored = Stored::from(json!({"metadata": {"labels": {
            "app": "web", "empty": "", "owner": "helm", "count": 3,
        }}}));
        assert_eq!(stored.label("app"), Some("web"));
        assert_eq!(stored.label("empty"), Some(""));
        assert_eq!(stored.label("owner"), Some("helm"));
        assert_eq!(stored.label("count"), None, "not a string: no value");
        assert_eq!(stored.label("missing"), None);
        assert_eq!(stored.label(""), None);
        assert_eq!(Stored::from(json!({"metadata": {}})).label("app"), None);
        assert_eq!(Stored::from(json!("not an object")).label("app"), None);
        // A NUL can't be packed; the object's own map answers.
        let odd = Stored::from(json!({"metadata": {"labels": {"a": "x\0y", "b": "z"}}}));
        assert_eq!(odd.label("a"), Some("x\0y"));
        assert_eq!(odd.label("b"), Some("z"));
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
