//! Walking objects with server-side apply's schema: which paths a value
//! sets, how an applied configuration merges into a live object, and which
//! paths differ between two objects (structured-merge-diff's `ToFieldSet`,
//! `Merge` and `Compare`, simplified). Kinds without a described schema
//! are walked as structured-merge-diff's deduced schema: maps granular,
//! lists atomic.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::fieldset::{self, FieldSet, Path, PathElement};
use super::schema::{FieldDef, ListType, StructDef, Ty};

/// How a value is merged and owned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    Struct(&'static StructDef),
    /// A granular map with string keys.
    Map(&'static Ty),
    /// An associative list (keyed items) or a set.
    List {
        elem: &'static Ty,
        keys: &'static [&'static str],
        set: bool,
    },
    /// Owned and replaced as a whole.
    Atomic,
    /// No schema: objects granular, lists atomic.
    Deduced,
}

impl Shape {
    pub fn root(def: Option<&'static StructDef>) -> Shape {
        def.map_or(Shape::Deduced, Shape::Struct)
    }

    fn of_field(field: &'static FieldDef) -> Shape {
        match field.ty {
            Ty::List(elem) => match field.list_type {
                ListType::Map => Shape::List {
                    elem,
                    keys: field.list_map_keys,
                    set: false,
                },
                ListType::Set => Shape::List {
                    elem,
                    keys: &[],
                    set: true,
                },
                ListType::Atomic | ListType::None => Shape::Atomic,
            },
            _ if field.map_atomic => Shape::Atomic,
            _ => Shape::of_ty(&field.ty),
        }
    }

    fn of_ty(ty: &Ty) -> Shape {
        match ty {
            Ty::Scalar | Ty::List(_) => Shape::Atomic,
            Ty::Struct(_) => match ty.struct_def() {
                Some(def) if def.atomic => Shape::Atomic,
                Some(def) => Shape::Struct(def),
                None => Shape::Deduced,
            },
            Ty::Map(elem) => Shape::Map(elem),
            Ty::Opaque(_) => Shape::Deduced,
        }
    }

    /// The shape of member `key` of an object of this shape.
    fn member(&self, key: &str) -> Shape {
        match self {
            Shape::Struct(def) => def.field(key).map_or(Shape::Deduced, Shape::of_field),
            Shape::Map(elem) => Shape::of_ty(elem),
            _ => Shape::Deduced,
        }
    }

    /// Whether `key` is a declared field rather than a map entry. Objects
    /// of unknown kinds are taken as described by a structural schema
    /// (what a v1 CustomResourceDefinition requires).
    fn is_declared(&self, key: &str) -> bool {
        match self {
            Shape::Struct(def) => def.field(key).is_some(),
            Shape::Deduced => true,
            _ => false,
        }
    }

    fn item(&self) -> Shape {
        match self {
            Shape::List { elem, .. } => Shape::of_ty(elem),
            _ => Shape::Deduced,
        }
    }

    fn granular_object(&self) -> bool {
        matches!(self, Shape::Struct(_) | Shape::Map(_) | Shape::Deduced)
    }
}

/// The path element of a list item: its key fields, or its value in a set.
pub(crate) fn item_element(shape: &Shape, item: &Value) -> PathElement {
    match shape {
        Shape::List { set: true, .. } => fieldset::value(item),
        Shape::List { keys, .. } => {
            let mut fields = Map::new();
            for key in keys.iter() {
                match item.get(*key) {
                    Some(v) => {
                        fields.insert(key.to_string(), v.clone());
                    }
                    // The one defaulted key of the built-in map lists.
                    None if *key == "protocol" => {
                        fields.insert(key.to_string(), Value::String("TCP".to_string()));
                    }
                    None => {}
                }
            }
            fieldset::key(&fields)
        }
        _ => fieldset::value(item),
    }
}

/// The paths `value` sets (structured-merge-diff's `ToFieldSet`).
pub(crate) fn field_set(value: &Value, shape: Shape) -> FieldSet {
    let mut set = FieldSet::new();
    collect(value, shape, &[], &mut set);
    set
}

fn collect(value: &Value, shape: Shape, path: &[PathElement], set: &mut FieldSet) {
    match (shape, value) {
        (Shape::Struct(_) | Shape::Map(_) | Shape::Deduced, Value::Object(map)) => {
            for (key, member) in map {
                let here = fieldset::child(path, fieldset::field(key));
                collect(member, shape.member(key), &here, set);
                let empty = member.is_null() || member.as_object().is_some_and(Map::is_empty);
                if empty || !shape.is_declared(key) {
                    set.insert(here);
                }
            }
        }
        (Shape::List { .. }, Value::Array(items)) => {
            for item in items {
                let here = fieldset::child(path, item_element(&shape, item));
                if let Shape::List { set: false, .. } = shape {
                    collect(item, shape.item(), &here, set);
                }
                set.insert(here);
            }
        }
        _ => {
            set.insert(path.to_vec());
        }
    }
}

/// Merges an applied configuration into a live value.
pub(crate) fn merge(live: &Value, applied: &Value, shape: Shape) -> Value {
    match (shape, live, applied) {
        (_, Value::Object(l), Value::Object(r)) if shape.granular_object() => {
            let mut out = l.clone();
            for (key, rv) in r {
                let merged = match l.get(key) {
                    Some(lv) => merge(lv, rv, shape.member(key)),
                    None => rv.clone(),
                };
                out.insert(key.clone(), merged);
            }
            Value::Object(out)
        }
        (Shape::List { .. }, Value::Array(l), Value::Array(r)) => {
            Value::Array(merge_list(l, r, shape))
        }
        _ => applied.clone(),
    }
}

/// structured-merge-diff's list merge: shared items in the applied order,
/// live-only items kept where they were.
fn merge_list(lhs: &[Value], rhs: &[Value], shape: Shape) -> Vec<Value> {
    let item_shape = shape.item();
    let lhs_pes: Vec<PathElement> = lhs.iter().map(|v| item_element(&shape, v)).collect();
    let rhs_pes: Vec<PathElement> = rhs.iter().map(|v| item_element(&shape, v)).collect();
    // A key the live list holds twice matches no live item.
    let mut observed_lhs: BTreeMap<&str, Option<&Value>> = BTreeMap::new();
    for (pe, v) in lhs_pes.iter().zip(lhs) {
        observed_lhs
            .entry(pe)
            .and_modify(|seen| *seen = None)
            .or_insert(Some(v));
    }
    let mut observed_rhs: BTreeMap<&str, &Value> = BTreeMap::new();
    for (pe, v) in rhs_pes.iter().zip(rhs) {
        observed_rhs.entry(pe).or_insert(v);
    }
    let mut shared = rhs_pes
        .iter()
        .filter(|pe| observed_lhs.contains_key(pe.as_str()))
        .map(String::as_str);
    let mut next_shared = shared.next();
    let mut merged_rhs: BTreeSet<&str> = BTreeSet::new();
    let merge_item = |l: Option<&Value>, r: Option<&Value>| -> Option<Value> {
        match (l, r) {
            (Some(l), Some(r)) => Some(merge(l, r, item_shape)),
            (None, Some(r)) => Some(r.clone()),
            (Some(l), None) => Some(l.clone()),
            (None, None) => None,
        }
    };
    let mut out = Vec::with_capacity(lhs.len().max(rhs.len()));
    let (mut li, mut ri) = (0, 0);
    while li < lhs.len() || ri < rhs.len() {
        if li < lhs.len() && ri < rhs.len() {
            let pe = lhs_pes[li].as_str();
            if pe == rhs_pes[ri] {
                merged_rhs.insert(pe);
                out.extend(merge_item(
                    observed_lhs.get(pe).copied().flatten(),
                    observed_rhs.get(pe).copied(),
                ));
                li += 1;
                ri += 1;
                next_shared = shared.next();
                continue;
            }
            if observed_rhs.contains_key(pe) && next_shared.is_some_and(|n| n != pe) {
                li += 1;
                continue;
            }
        }
        if li < lhs.len() {
            let pe = lhs_pes[li].as_str();
            if !observed_rhs.contains_key(pe) {
                out.extend(merge_item(Some(&lhs[li]), None));
                li += 1;
                continue;
            } else if merged_rhs.contains(pe) {
                li += 1;
            }
        }
        if ri < rhs.len() {
            let pe = rhs_pes[ri].as_str();
            merged_rhs.insert(pe);
            out.extend(merge_item(
                observed_lhs.get(pe).copied().flatten(),
                observed_rhs.get(pe).copied(),
            ));
            ri += 1;
            if next_shared == Some(pe) {
                next_shared = shared.next();
            }
        }
    }
    out
}

/// Paths that differ from `old` to `new`.
#[derive(Debug, Default)]
pub(crate) struct Comparison {
    /// Added or modified.
    pub changed: FieldSet,
    pub removed: FieldSet,
}

pub(crate) fn compare(old: &Value, new: &Value, shape: Shape) -> Comparison {
    let mut out = Comparison::default();
    compare_at(Some(old), Some(new), shape, &[], &mut out);
    out
}

fn compare_at(
    old: Option<&Value>,
    new: Option<&Value>,
    shape: Shape,
    path: &[PathElement],
    out: &mut Comparison,
) {
    // Structs exist (empty) in Go's zero objects, so only maps and list
    // items appear as added nodes of their own.
    let own_node = !matches!(shape, Shape::Struct(_)) && !path.is_empty();
    match (old, new) {
        (None, None) => {}
        (None, Some(n)) => {
            added(n, shape, path, &mut out.changed);
            if own_node {
                out.changed.insert(path.to_vec());
            }
        }
        (Some(o), None) => {
            collect(o, shape, path, &mut out.removed);
            if !path.is_empty() {
                out.removed.insert(path.to_vec());
            }
        }
        (Some(o), Some(n)) => match (shape, o, n) {
            (_, Value::Object(om), Value::Object(nm)) if shape.granular_object() => {
                let keys: BTreeSet<&String> = om.keys().chain(nm.keys()).collect();
                for key in keys {
                    let here = fieldset::child(path, fieldset::field(key));
                    compare_at(om.get(key), nm.get(key), shape.member(key), &here, out);
                }
            }
            (Shape::List { .. }, Value::Array(ol), Value::Array(nl)) => {
                let index = |items: &[Value]| -> BTreeMap<PathElement, Value> {
                    let mut map = BTreeMap::new();
                    for item in items {
                        map.entry(item_element(&shape, item))
                            .or_insert_with(|| item.clone());
                    }
                    map
                };
                let (oi, ni) = (index(ol), index(nl));
                let pes: BTreeSet<&PathElement> = oi.keys().chain(ni.keys()).collect();
                for pe in pes {
                    let here = fieldset::child(path, pe.clone());
                    let item_shape = match shape {
                        Shape::List { set: true, .. } => Shape::Atomic,
                        _ => shape.item(),
                    };
                    match (oi.get(pe), ni.get(pe)) {
                        (Some(a), Some(b)) if item_shape.granular_object() => {
                            compare_at(Some(a), Some(b), item_shape, &here, out);
                        }
                        (Some(a), Some(b)) => {
                            if a != b {
                                out.changed.insert(here);
                            }
                        }
                        (a, b) => {
                            let was_new = a.is_none();
                            compare_at(a, b, item_shape, &here, out);
                            let target = if was_new {
                                &mut out.changed
                            } else {
                                &mut out.removed
                            };
                            target.insert(fieldset::child(path, pe.clone()));
                        }
                    }
                }
            }
            _ => {
                if o != n {
                    out.changed.insert(path.to_vec());
                }
            }
        },
    }
}

/// The paths of a newly added value: its fields as [`collect`] finds them,
/// plus every map and list item below it as a node of its own.
fn added(value: &Value, shape: Shape, path: &[PathElement], set: &mut FieldSet) {
    match (shape, value) {
        (Shape::Struct(_) | Shape::Map(_) | Shape::Deduced, Value::Object(map))
            if !map.is_empty() =>
        {
            for (key, member) in map {
                let here = fieldset::child(path, fieldset::field(key));
                let member_shape = shape.member(key);
                added(member, member_shape, &here, set);
                let empty = member.is_null() || member.as_object().is_some_and(Map::is_empty);
                if empty || !matches!(member_shape, Shape::Struct(_)) {
                    set.insert(here);
                }
            }
        }
        (Shape::List { set: false, .. }, Value::Array(items)) => {
            for item in items {
                let here = fieldset::child(path, item_element(&shape, item));
                added(item, shape.item(), &here, set);
                set.insert(here);
            }
        }
        _ => collect(value, shape, path, set),
    }
}

/// The set with every declared field that has members below it made a
/// member itself (structured-merge-diff's `EnsureNamedFieldsAreMembers`):
/// owning `.spec.template.metadata.labels.app` protects the `labels`,
/// `metadata` and `template` fields around it, but not a list item or map
/// entry around it.
pub(crate) fn with_named_fields(set: &FieldSet, shape: Shape) -> FieldSet {
    let mut out = set.clone();
    for path in set {
        let mut here = shape;
        for (depth, element) in path.iter().enumerate().take(path.len().saturating_sub(1)) {
            here = match element.strip_prefix("f:") {
                Some(name) => {
                    if here.is_declared(name) {
                        out.insert(path[..=depth].to_vec());
                    }
                    here.member(name)
                }
                None => here.item(),
            };
        }
    }
    out
}

/// Removes every node of `set` from `value` (structured-merge-diff's
/// `RemoveItems`); a removed node takes everything below it along.
pub(crate) fn remove_items(value: &mut Value, set: &FieldSet, shape: Shape) {
    // Ordered sets list a node before the paths below it, which are then
    // already gone.
    for path in set {
        remove_path(value, path, shape);
    }
}

/// Removes the node at `path` from `value`, if it is there.
pub(crate) fn remove_path(value: &mut Value, path: &Path, shape: Shape) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if let Some(name) = first.strip_prefix("f:") {
        let Value::Object(map) = value else { return };
        if rest.is_empty() {
            map.remove(name);
        } else if let Some(member) = map.get_mut(name) {
            remove_path(member, &rest.to_vec(), shape.member(name));
        }
        return;
    }
    let Value::Array(items) = value else { return };
    let Some(index) = items
        .iter()
        .position(|item| item_element(&shape, item) == *first)
    else {
        return;
    };
    if rest.is_empty() {
        items.remove(index);
    } else {
        remove_path(&mut items[index], &rest.to_vec(), shape.item());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::{Gvk, schema};
    use serde_json::json;

    #[test]
    fn associative_lists_merge_in_structured_merge_diffs_order() {
        let shape = Shape::List {
            elem: &Ty::Opaque("item"),
            keys: &["key", "id"],
            set: false,
        };
        let cases = [
            // A different key value is another item.
            (
                json!([{"key": "a", "id": 1, "v": {"a": "a"}}]),
                json!([{"key": "a", "id": 2, "v": {"a": "a"}}]),
                json!([{"key": "a", "id": 1, "v": {"a": "a"}}, {"key": "a", "id": 2, "v": {"a": "a"}}]),
            ),
            (
                json!([{"key": "b", "id": 2}]),
                json!([{"key": "a", "id": 1}, {"key": "b", "id": 2}, {"key": "c", "id": 3}]),
                json!([{"key": "a", "id": 1}, {"key": "b", "id": 2}, {"key": "c", "id": 3}]),
            ),
            // Applied items take the applied order; live-only ones keep their place.
            (
                json!([{"key": "x", "id": 1}, {"key": "y", "id": 2}, {"key": "z", "id": 3}]),
                json!([{"key": "z", "id": 3}, {"key": "y", "id": 2}]),
                json!([{"key": "x", "id": 1}, {"key": "z", "id": 3}, {"key": "y", "id": 2}]),
            ),
            (
                json!([{"key": "x", "id": 1}, {"key": "y", "id": 2}, {"key": "z", "id": 3}]),
                json!([{"key": "z", "id": 3}, {"key": "x", "id": 1}]),
                json!([{"key": "y", "id": 2}, {"key": "z", "id": 3}, {"key": "x", "id": 1}]),
            ),
            // A key held twice live is replaced by the applied item alone.
            (
                json!([{"key": "a", "id": 1, "b": true}, {"key": "b", "id": 2}, {"key": "a", "id": 1, "n": 2}]),
                json!([{"key": "a", "id": 1, "n": 3}, {"key": "c", "id": 3}, {"key": "b", "id": 2}]),
                json!([{"key": "a", "id": 1, "n": 3}, {"key": "c", "id": 3}, {"key": "b", "id": 2}]),
            ),
        ];
        for (live, applied, want) in cases {
            assert_eq!(merge(&live, &applied, shape), want, "{live} + {applied}");
        }
    }

    #[test]
    fn declared_fields_above_owned_ones_become_members_but_items_do_not() {
        let root = Shape::root(schema::root_type(&Gvk::new("apps", "v1", "Deployment")));
        let path = |elements: &[&str]| -> Path { elements.iter().map(|e| e.to_string()).collect() };
        let set: FieldSet = [
            path(&["f:spec", "f:template", "f:metadata", "f:labels", "f:app"]),
            path(&[
                "f:spec",
                "f:template",
                "f:spec",
                "f:containers",
                r#"k:{"name":"app"}"#,
                "f:image",
            ]),
        ]
        .into_iter()
        .collect();
        let named = with_named_fields(&set, root);
        let want: FieldSet = [
            path(&["f:spec"]),
            path(&["f:spec", "f:template"]),
            path(&["f:spec", "f:template", "f:metadata"]),
            path(&["f:spec", "f:template", "f:metadata", "f:labels"]),
            path(&["f:spec", "f:template", "f:spec"]),
            path(&["f:spec", "f:template", "f:spec", "f:containers"]),
        ]
        .into_iter()
        .chain(set.iter().cloned())
        .collect();
        assert_eq!(named, want);

        let mut value = json!({"spec": {"template": {
            "metadata": {"labels": {"app": "web", "tier": "x"}},
            "spec": {"containers": [{"name": "app", "image": "a"}, {"name": "side", "image": "b"}]}
        }}});
        remove_items(&mut value, &named, root);
        assert_eq!(value, json!({}));
        let mut value = json!({"spec": {"template": {
            "metadata": {"labels": {"app": "web", "tier": "x"}},
            "spec": {"containers": [{"name": "app", "image": "a"}, {"name": "side", "image": "b"}]}
        }}});
        remove_items(&mut value, &set, root);
        assert_eq!(
            value,
            json!({"spec": {"template": {
                "metadata": {"labels": {"tier": "x"}},
                "spec": {"containers": [{"name": "app"}, {"name": "side", "image": "b"}]}
            }}})
        );
    }
}
