//! The values a template sees: Go's dynamic types, as Helm hands them to templates.
//!
//! Helm's data is JSON-shaped (`map[string]interface {}`, `[]interface {}`, strings,
//! bools, float64 numbers, nil), template literals and functions add Go's integer
//! types, and a few built-in objects (`.Files`, `.Capabilities`, certificates) are Go
//! structs with fields and methods. Each variant keeps the Go type name it prints as
//! with `%T`, because users see those names in output and in error messages.
//!
//! Containers are reference-counted so that passing `.Values` around a template is a
//! pointer copy. Maps are shared and mutable like Go maps (Sprig's `set` and `unset`
//! change a map that every holder sees); lists are immutable once built, as no
//! template function changes a slice in place.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A Go value of one of the dynamic types templates handle.
#[derive(Clone, Default)]
pub enum Value {
    /// A nil interface: a JSON `null`, or a missing map key under `missingkey=zero`.
    #[default]
    Nil,
    Bool(bool),
    /// A signed integer of the given Go type (`int` for template literals).
    Int(i64, IntType),
    /// An unsigned integer of the given Go type (`uint8` from indexing a string).
    Uint(u64, UintType),
    /// A float64: every number that comes from values files or JSON.
    Float(f64),
    Str(Arc<str>),
    List(List),
    Map(Map),
    /// A Go struct or pointer with fields and methods (`.Files`, `.Capabilities`, ...).
    Object(Arc<dyn Object>),
}

/// Go's signed integer types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntType {
    Int,
    Int8,
    Int16,
    Int32,
    Int64,
}

/// Go's unsigned integer types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UintType {
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uintptr,
}

impl IntType {
    pub fn name(self) -> &'static str {
        match self {
            IntType::Int => "int",
            IntType::Int8 => "int8",
            IntType::Int16 => "int16",
            IntType::Int32 => "int32",
            IntType::Int64 => "int64",
        }
    }
}

impl UintType {
    pub fn name(self) -> &'static str {
        match self {
            UintType::Uint => "uint",
            UintType::Uint8 => "uint8",
            UintType::Uint16 => "uint16",
            UintType::Uint32 => "uint32",
            UintType::Uint64 => "uint64",
            UintType::Uintptr => "uintptr",
        }
    }
}

/// The static element type of a Go slice or map, which decides its `%T` name and how
/// an element behaves before it is unwrapped (`interface {}` elements can be nil).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemType {
    Interface,
    String,
    Int,
    Int64,
    Float64,
    Bool,
}

impl ElemType {
    pub fn name(self) -> &'static str {
        match self {
            ElemType::Interface => "interface {}",
            ElemType::String => "string",
            ElemType::Int => "int",
            ElemType::Int64 => "int64",
            ElemType::Float64 => "float64",
            ElemType::Bool => "bool",
        }
    }
}

/// A Go slice. Cloning shares the items.
#[derive(Clone)]
pub struct List {
    items: Arc<Vec<Value>>,
    elem: ElemType,
}

impl List {
    /// A `[]interface {}`.
    pub fn new(items: Vec<Value>) -> List {
        List::typed(items, ElemType::Interface)
    }

    pub fn typed(items: Vec<Value>, elem: ElemType) -> List {
        List {
            items: Arc::new(items),
            elem,
        }
    }

    pub fn elem(&self) -> ElemType {
        self.elem
    }

    pub fn items(&self) -> &[Value] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&Value> {
        self.items.get(i)
    }

    pub fn type_name(&self) -> String {
        format!("[]{}", self.elem.name())
    }
}

/// The entries of a Go map with string keys, in Go's printing order (sorted by key).
pub type Entries = BTreeMap<Arc<str>, Value>;

/// A Go map with string keys. Cloning shares the map, as assigning a Go map does.
#[derive(Clone)]
pub struct Map {
    data: Arc<MapData>,
    elem: ElemType,
    /// The name of a named map type, such as Helm's `common.Values`.
    name: Option<&'static str>,
}

/// A map's entries. Almost every map is built once and only read, and reading
/// is the hot path of template execution, so the entries as built are read
/// without a lock; the first change (Sprig's `set`, `unset`, `merge`) moves the
/// map to a locked copy for good.
struct MapData {
    initial: Entries,
    changed: AtomicBool,
    current: RwLock<Entries>,
}

/// Read access to a map's entries.
pub enum MapRead<'a> {
    Unchanged(&'a Entries),
    Changed(RwLockReadGuard<'a, Entries>),
}

impl Deref for MapRead<'_> {
    type Target = Entries;

    fn deref(&self) -> &Entries {
        match self {
            MapRead::Unchanged(entries) => entries,
            MapRead::Changed(guard) => guard,
        }
    }
}

impl Map {
    /// A `map[string]interface {}`.
    pub fn new(entries: Entries) -> Map {
        Map::typed(entries, ElemType::Interface, None)
    }

    pub fn typed(entries: Entries, elem: ElemType, name: Option<&'static str>) -> Map {
        Map {
            data: Arc::new(MapData {
                initial: entries,
                changed: AtomicBool::new(false),
                current: RwLock::new(Entries::new()),
            }),
            elem,
            name,
        }
    }

    pub fn elem(&self) -> ElemType {
        self.elem
    }

    /// The same map seen through another named type, as a Go conversion such as
    /// `common.Values(m)` gives: both handles share the entries.
    pub fn renamed(&self, name: Option<&'static str>) -> Map {
        Map {
            data: self.data.clone(),
            elem: self.elem,
            name,
        }
    }

    /// Reads the entries. Reading the same map again while holding this (a map
    /// that contains itself) is fine; don't hold it across template execution, as
    /// a `set` inside the template would wait for it forever.
    pub fn read(&self) -> MapRead<'_> {
        if self.data.changed.load(Ordering::Acquire) {
            MapRead::Changed(self.data.current.read_recursive())
        } else {
            MapRead::Unchanged(&self.data.initial)
        }
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Entries> {
        let mut current = self.data.current.write();
        if !self.data.changed.load(Ordering::Acquire) {
            *current = self.data.initial.clone();
            self.data.changed.store(true, Ordering::Release);
        }
        current
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.read().get(key).cloned()
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// The keys in sorted order, taken at once so that the map may change afterwards.
    pub fn keys(&self) -> Vec<Arc<str>> {
        self.read().keys().cloned().collect()
    }

    /// Whether two handles share one map (Go's map identity).
    pub fn same(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }

    /// An address identifying the map, for `%p`.
    pub fn address(&self) -> usize {
        Arc::as_ptr(&self.data) as usize
    }

    pub fn type_name(&self) -> String {
        match self.name {
            Some(name) => name.to_string(),
            None => format!("map[string]{}", self.elem.name()),
        }
    }
}

/// A Go struct (or pointer to one) exposed to templates: fields and methods by name.
pub trait Object: Send + Sync {
    /// The Go type name `%T` prints, such as `*chart.Metadata`.
    fn type_name(&self) -> Cow<'_, str>;

    /// Go's `reflect.Kind` name of the type: `"ptr"` for a pointer to a struct
    /// (the usual case), `"struct"`, or `"slice"` or `"map"` for a named slice or
    /// map type with methods. Sprig's `kindOf`, `kindIs` and its error messages show it.
    fn kind(&self) -> &'static str {
        "ptr"
    }

    /// An exported field, or `None` when there is no such field. For a map
    /// kind (see [`Object::kind`]) this is the key lookup that `index` and
    /// `.key` do, giving the element type's zero value for a missing key.
    fn field(&self, name: &str) -> Option<Value>;

    /// A method bound to this object, or `None` when there is no such method. Go
    /// looks methods up before fields, and so does the executor.
    fn method(&self, name: &str) -> Option<super::func::Func> {
        let _ = name;
        None
    }

    /// What `%v` prints for the object.
    fn format_v(&self) -> String;

    /// What an action (`{{ .X }}`) prints, when that differs from `%v`. Go's
    /// executor takes the address of a struct reached through a pointer, so a
    /// `String` method with a pointer receiver applies there but not in `printf`.
    fn format_action(&self) -> Option<String> {
        None
    }

    /// A nil pointer of the object's type: false in `if`, an error on field access.
    fn is_nil(&self) -> bool {
        false
    }

    /// For a named Go map or slice type (Helm's `engine.files`, a `[]byte`): its
    /// length, which `len` returns and `if` tests, as an empty one is false.
    fn go_len(&self) -> Option<usize> {
        None
    }

    /// For a named Go map type with methods (Helm's `engine.files`): its
    /// entries, which `range` visits.
    fn entries(&self) -> Option<Map> {
        None
    }

    /// For a Go `[]byte`: its bytes as a string, which Go's `%s`, `%q` and `%x`
    /// print and Sprig's `strval` (`toString`, `quote`, ...) returns, where `%v`
    /// prints the numbers.
    fn text(&self) -> Option<String> {
        None
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    /// A Go `int`.
    pub fn int(i: i64) -> Value {
        Value::Int(i, IntType::Int)
    }

    /// A Go `int64`.
    pub fn int64(i: i64) -> Value {
        Value::Int(i, IntType::Int64)
    }

    pub fn is_nil(&self) -> bool {
        match self {
            Value::Nil => true,
            Value::Object(o) => o.is_nil(),
            _ => false,
        }
    }

    /// Go's `%T` name of the dynamic type (`<nil>` for nil).
    pub fn type_name(&self) -> Cow<'static, str> {
        match self {
            Value::Nil => Cow::Borrowed("<nil>"),
            Value::Bool(_) => Cow::Borrowed("bool"),
            Value::Int(_, t) => Cow::Borrowed(t.name()),
            Value::Uint(_, t) => Cow::Borrowed(t.name()),
            Value::Float(_) => Cow::Borrowed("float64"),
            Value::Str(_) => Cow::Borrowed("string"),
            Value::List(l) => Cow::Owned(l.type_name()),
            Value::Map(m) => Cow::Owned(m.type_name()),
            Value::Object(o) => Cow::Owned(o.type_name().into_owned()),
        }
    }

    /// Go's truthiness, as `if`, `with`, `and`, `or` and `not` see it: false, 0,
    /// nil, and empty strings, slices and maps are false. Structs are always true.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i, _) => *i != 0,
            Value::Uint(u, _) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => !o.is_nil() && o.go_len() != Some(0),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Converts parsed JSON the way Helm's values arrive: every number a float64.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(items) => {
                Value::List(List::new(items.iter().map(Value::from_json).collect()))
            }
            serde_json::Value::Object(map) => Value::Map(Map::new(
                map.iter()
                    .map(|(k, v)| (Arc::from(k.as_str()), Value::from_json(v)))
                    .collect(),
            )),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Arc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::List(List::new(items))
    }
}

impl From<Entries> for Value {
    fn from(entries: Entries) -> Value {
        Value::Map(Map::new(entries))
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i, t) => write!(f, "{}({i})", t.name()),
            Value::Uint(u, t) => write!(f, "{}({u})", t.name()),
            Value::Float(x) => write!(f, "float64({x:?})"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(l) => f.debug_list().entries(l.items()).finish(),
            Value::Map(m) => f.debug_map().entries(m.read().iter()).finish(),
            Value::Object(o) => write!(f, "{}", o.type_name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_become_float64() {
        let v = Value::from_json(&serde_json::json!({"a": 3, "b": [1, "x", null]}));
        let Value::Map(m) = &v else {
            panic!("not a map")
        };
        assert!(matches!(m.get("a"), Some(Value::Float(f)) if f == 3.0));
        assert_eq!(v.type_name(), "map[string]interface {}");
        let Some(Value::List(l)) = m.get("b") else {
            panic!("not a list")
        };
        assert_eq!(l.type_name(), "[]interface {}");
        assert!(l.items()[2].is_nil());
    }

    #[test]
    fn truthiness_follows_go() {
        assert!(!Value::Nil.is_true());
        assert!(!Value::int(0).is_true());
        assert!(Value::Float(-0.5).is_true());
        assert!(!Value::str("").is_true());
        assert!(!Value::from(Vec::new()).is_true());
        assert!(!Value::from(Entries::new()).is_true());
        assert!(Value::Uint(1, UintType::Uint8).is_true());
    }

    #[test]
    fn maps_are_shared_like_go_maps() {
        let m = Map::new(Entries::new());
        let alias = m.clone();
        alias.write().insert(Arc::from("k"), Value::Bool(true));
        assert!(m.same(&alias));
        assert!(matches!(m.get("k"), Some(Value::Bool(true))));
    }
}
