//! Applying a strategic merge patch, with the semantics of
//! k8s.io/apimachinery/pkg/util/strategicpatch as kube-apiserver runs it:
//! lists merge by their merge key or are replaced per the field's patch
//! strategy, primitive merge lists are unioned, and the directives `$patch`,
//! `$retainKeys`, `$setElementOrder/<list>` and
//! `$deleteFromPrimitiveList/<list>` are honoured. Errors are worded and
//! classified (400/422/500) as the apiserver does.

use serde_json::{Map, Value};

use super::PatchError;
use super::schema::Ty;
use crate::gotmpl::fmt::format_float;

pub(crate) const DIRECTIVE: &str = "$patch";
pub(crate) const RETAIN_KEYS: &str = "$retainKeys";
pub(crate) const SET_ELEMENT_ORDER: &str = "$setElementOrder";
pub(crate) const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";

// Sentinel errors of k8s.io/apimachinery/pkg/util/mergepatch.
const NO_LIST_OF_LISTS: &str = "lists of lists are not supported";
const BAD_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";
const BAD_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
const BAD_SET_ELEMENT_ORDER: &str = "invalid patch format of setElementOrder list";

/// How a merge treats nulls and parallel lists; applying a patch uses
/// [`MergeOptions::APPLY`], merging two patches [`MergeOptions::COMBINE`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct MergeOptions {
    /// Apply `$deleteFromPrimitiveList` lists (rather than carry them).
    pub merge_parallel_list: bool,
    /// Drop nulls that match nothing (rather than keep them as deletions).
    pub ignore_unmatched_nulls: bool,
}

impl MergeOptions {
    pub const APPLY: MergeOptions = MergeOptions {
        merge_parallel_list: true,
        ignore_unmatched_nulls: true,
    };
    pub const COMBINE: MergeOptions = MergeOptions {
        merge_parallel_list: false,
        ignore_unmatched_nulls: false,
    };
}

/// Applies `patch` to `original`, an object of the struct type `schema`.
pub(crate) fn apply(original: &Value, patch: &Value, schema: Ty) -> Result<Value, PatchError> {
    let (Value::Object(original), Value::Object(patch)) = (original, patch) else {
        return Err(PatchError::BadRequest {
            message: "invalid JSON document".to_string(),
        });
    };
    let mut merged = merge_map(original.clone(), patch.clone(), schema, MergeOptions::APPLY)?;
    strip_leftover_directives(&mut merged);
    Ok(Value::Object(merged))
}

/// The apiserver decodes the merged map into its Go type, which drops
/// directive keys the algorithm leaves in values it copies wholesale.
fn strip_leftover_directives(map: &mut Map<String, Value>) {
    map.retain(|k, _| !is_directive_key(k));
    for value in map.values_mut() {
        strip_value(value);
    }
}

fn strip_value(value: &mut Value) {
    match value {
        Value::Object(map) => strip_leftover_directives(map),
        Value::Array(items) => items.iter_mut().for_each(strip_value),
        _ => {}
    }
}

fn is_directive_key(key: &str) -> bool {
    let prefixed = |prefix: &str| {
        key.strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    key == DIRECTIVE
        || key == RETAIN_KEYS
        || prefixed(SET_ELEMENT_ORDER)
        || prefixed(DELETE_FROM_PRIMITIVE_LIST)
}

pub(crate) fn internal(message: impl Into<String>) -> PatchError {
    PatchError::Internal {
        message: message.into(),
    }
}

fn bad_request(message: &str) -> PatchError {
    PatchError::BadRequest {
        message: message.to_string(),
    }
}

/// The patch metadata of a field: its strategies and merge key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PatchMeta {
    pub strategy: &'static str,
    pub merge_key: &'static str,
}

impl PatchMeta {
    /// The strategy other than `retainKeys` (strategicpatch's
    /// `extractRetainKeysPatchStrategy`).
    pub fn strategy(&self) -> Result<&'static str, PatchError> {
        let parts: Vec<&'static str> = self.strategy.split(',').collect();
        match parts.as_slice() {
            [single] if *single == "retainKeys" => Ok(""),
            [single] => Ok(single),
            [a, b] if *a == "retainKeys" => Ok(b),
            [a, b] if *b == "retainKeys" => Ok(a),
            _ => Err(internal(format!(
                "unexpected patch strategy: [{}]",
                parts.join(" ")
            ))),
        }
    }
}

/// The type and patch metadata of field `key` of the struct `schema`.
pub(crate) fn lookup_struct(schema: Ty, key: &str) -> Result<(Ty, PatchMeta), PatchError> {
    let def = match schema {
        Ty::Struct(_) => schema.struct_def(),
        Ty::Opaque(name) => {
            return Err(internal(format!(
                "unable to find api field in struct {name} for the json field {key:?}"
            )));
        }
        other => {
            return Err(internal(format!(
                "merging an object in json but data type is not struct, instead is: {}",
                other.go_kind()
            )));
        }
    };
    let Some(def) = def else {
        return Err(internal(format!(
            "unable to find api field for the json field {key:?}"
        )));
    };
    let field = def.field(key).ok_or_else(|| {
        internal(format!(
            "unable to find api field in struct {} for the json field {key:?}",
            def.name
        ))
    })?;
    Ok((
        field.ty,
        PatchMeta {
            strategy: field.patch_strategy,
            merge_key: field.merge_key,
        },
    ))
}

/// The element type and patch metadata of the list field `key`.
pub(crate) fn lookup_slice(schema: Ty, key: &str) -> Result<(Ty, PatchMeta), PatchError> {
    let (ty, meta) = lookup_struct(schema, key)?;
    match ty {
        Ty::List(Ty::List(_)) => Err(internal("unexpected slice of slice")),
        Ty::List(elem) => Ok((*elem, meta)),
        _ => Err(internal(format!(
            "expected slice or array type, but got: {}",
            schema.go_kind()
        ))),
    }
}

/// Merges `patch` into `original` (strategicpatch's `mergeMap`).
pub(crate) fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: Ty,
    options: MergeOptions,
) -> Result<Map<String, Value>, PatchError> {
    if let Some(directive) = patch.get(DIRECTIVE) {
        return match directive.as_str() {
            Some("replace") => {
                patch.remove(DIRECTIVE);
                Ok(patch)
            }
            Some("delete") => Ok(Map::new()),
            _ => Err(bad_patch_type(directive, &patch)),
        };
    }
    apply_retain_keys(&mut original, &mut patch, options)?;
    merge_set_element_order(&mut original, &mut patch, schema, options)?;

    for (key, patch_value) in patch {
        let mut key = key;
        let mut is_delete_list = false;
        if key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
            if !options.merge_parallel_list {
                original.insert(key, patch_value);
                continue;
            }
            key = extract_key(&key, DELETE_FROM_PRIMITIVE_LIST)?;
            is_delete_list = true;
        }

        if patch_value.is_null() {
            original.remove(&key);
            if options.ignore_unmatched_nulls {
                continue;
            }
        }

        let Some(original_value) = original.remove(&key) else {
            if !is_delete_list {
                insert_patch_value(&mut original, key, patch_value, options);
            }
            continue;
        };

        let merged = match (original_value, patch_value) {
            (Value::Object(o), Value::Object(p)) => {
                let (sub, meta) = lookup_struct(schema, &key)?;
                if meta.strategy()? == "replace" {
                    Value::Object(p)
                } else {
                    Value::Object(merge_map(o, p, sub, options)?)
                }
            }
            (Value::Array(o), Value::Array(p)) => {
                let (sub, meta) = lookup_slice(schema, &key)?;
                if meta.strategy()? == "merge" || is_delete_list {
                    Value::Array(merge_slice(
                        o,
                        p,
                        sub,
                        meta.merge_key,
                        options,
                        is_delete_list,
                    )?)
                } else {
                    Value::Array(p)
                }
            }
            (original_value, patch_value) => {
                if same_go_type(&original_value, &patch_value) {
                    patch_value
                } else if is_delete_list {
                    original.insert(key, original_value);
                    continue;
                } else {
                    insert_patch_value(&mut original, key, patch_value, options);
                    continue;
                }
            }
        };
        original.insert(key, merged);
    }
    Ok(original)
}

/// Takes a patch value for a key the original lacks (or has with another
/// type): nulls inside dropped, directive-bearing maps left out.
fn insert_patch_value(
    original: &mut Map<String, Value>,
    key: String,
    mut value: Value,
    options: MergeOptions,
) {
    if options.ignore_unmatched_nulls {
        discard_nulls(&mut value);
    }
    if let Some(value) = remove_directives(value) {
        original.insert(key, value);
    }
}

/// Whether Go's `reflect.TypeOf` of the decoded values is the same
/// (integers and floats decode to different Go types).
fn same_go_type(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.is_f64() == y.is_f64(),
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

fn discard_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(discard_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_nulls),
        _ => {}
    }
}

/// Drops maps carrying `$patch` (and list items that are such maps);
/// `None` when `value` itself is one.
pub(crate) fn remove_directives(value: Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            if map.contains_key(DIRECTIVE) {
                return None;
            }
            Some(Value::Object(
                map.into_iter()
                    .filter_map(|(k, v)| remove_directives(v).map(|v| (k, v)))
                    .collect(),
            ))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(remove_directives).collect(),
        )),
        other => Some(other),
    }
}

fn bad_patch_type(directive: &Value, map: &Map<String, Value>) -> PatchError {
    internal(format!(
        "unknown patch type: {} in map: {}",
        go_format(directive),
        go_format_map(map)
    ))
}

/// The list key of a `$prefix/key` directive.
fn extract_key(key: &str, prefix: &str) -> Result<String, PatchError> {
    match key.split_once('/') {
        Some((head, rest)) if head == prefix => Ok(rest.to_string()),
        _ if prefix == DELETE_FROM_PRIMITIVE_LIST => Err(bad_request(BAD_PRIMITIVE_LIST)),
        _ => Err(bad_request(BAD_SET_ELEMENT_ORDER)),
    }
}

/// `$retainKeys`: clears the original's keys not listed, after checking
/// that the patch only sets listed keys.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    options: MergeOptions,
) -> Result<(), PatchError> {
    let Some(retain) = patch.remove(RETAIN_KEYS) else {
        return Ok(());
    };
    if !options.merge_parallel_list {
        match original.get(RETAIN_KEYS) {
            Some(existing) if *existing != retain => {
                return Err(internal(format!(
                    "{} and {} are not deep equal: this may happen when calculating the 3-way diff patch",
                    go_format(existing),
                    go_format(&retain)
                )));
            }
            Some(_) => {}
            None => {
                original.insert(RETAIN_KEYS.to_string(), retain);
            }
        }
        return Ok(());
    }
    let Value::Array(retain) = retain else {
        return Err(bad_request(BAD_RETAIN_KEYS));
    };
    let retained = |key: &str| retain.iter().any(|v| v.as_str() == Some(key));
    for (key, value) in patch.iter() {
        if value.is_null()
            || key.starts_with(DELETE_FROM_PRIMITIVE_LIST)
            || key.starts_with(SET_ELEMENT_ORDER)
        {
            continue;
        }
        if !retained(key) {
            return Err(bad_request(BAD_RETAIN_KEYS));
        }
    }
    original.retain(|key, _| retained(key));
    Ok(())
}

/// `$setElementOrder/<list>`: merges that list now and orders the result
/// by the directive, then the patch, then the live list.
fn merge_set_element_order(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Ty,
    options: MergeOptions,
) -> Result<(), PatchError> {
    let order_keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER))
        .cloned()
        .collect();
    for order_key in order_keys {
        let Some(order) = patch.remove(&order_key) else {
            continue;
        };
        if !options.merge_parallel_list {
            match original.get(&order_key) {
                Some(existing) if *existing != order => {
                    return Err(bad_request(BAD_SET_ELEMENT_ORDER));
                }
                Some(_) => {}
                None => {
                    original.insert(order_key.clone(), order.clone());
                }
            }
        }
        let Value::Array(order) = order else {
            return Err(bad_arg_type("[]interface {}", &order));
        };
        let list_key = extract_key(&order_key, SET_ELEMENT_ORDER)?;
        let original_list = match original.get(&list_key) {
            None => None,
            Some(Value::Array(items)) => Some(items.clone()),
            Some(other) => return Err(bad_arg_type("[]interface {}", other)),
        };
        let patch_list = match patch.get(&list_key) {
            None => None,
            Some(Value::Array(items)) => Some(items.clone()),
            Some(other) => return Err(bad_arg_type("[]interface {}", other)),
        };
        let (sub, meta) = lookup_slice(schema, &list_key)?;
        let strategy = meta.strategy()?;
        let merge_key = meta.merge_key;
        validate_patch_with_order(patch_list.as_deref().unwrap_or(&[]), &order, merge_key)?;

        let merged = match (&original_list, &patch_list) {
            (Some(o), None) => o.clone(),
            (None, Some(p)) => match remove_directives(Value::Array(p.clone())) {
                Some(Value::Array(items)) => items,
                _ => continue,
            },
            (Some(o), Some(p)) => {
                if strategy == "merge" {
                    merge_slice(o.clone(), p.clone(), sub, merge_key, options, false)?
                } else {
                    p.clone()
                }
            }
            (None, None) => continue,
        };
        let (patch_items, server_only) = if merge_key.is_empty() {
            partition_primitives(merged, &order)
        } else {
            partition_maps(merged, &order, merge_key)?
        };
        let original_items = original_list.unwrap_or_default();
        let kind = element_kind(&[&original_items, patch_list.as_deref().unwrap_or(&[])])?;
        let server_order = match &patch_list {
            Some(p) if strategy == "merge" && kind == ElementKind::Map => {
                go_aliased_original(&original_items, p, merge_key)
            }
            _ => original_items.clone(),
        };
        let ordered = normalize_element_order(
            patch_items,
            server_only,
            &order,
            &server_order,
            merge_key,
            kind,
        )?;
        original.insert(list_key.clone(), Value::Array(ordered));
        patch.remove(&list_key);
    }
    Ok(())
}

/// The live list as Kubernetes sees it after merging a patch list into it:
/// its Go slice shares storage with the merge, so deletions shift items
/// left (the last slot keeping a stale copy) and additions overwrite the
/// freed slots. That view is the server order `$setElementOrder` falls back
/// to, and it decides where live-only items land.
fn go_aliased_original(original: &[Value], patch: &[Value], merge_key: &str) -> Vec<Value> {
    let mut backing = original.to_vec();
    let mut len = backing.len();
    let key_is = |item: &Value, value: &Value| item.get(merge_key) == Some(value);
    let mut replace = false;
    for item in patch {
        match item.get(DIRECTIVE).and_then(Value::as_str) {
            Some("delete") => {
                let Some(value) = item.get(merge_key) else {
                    continue;
                };
                while let Some(index) = backing[..len].iter().position(|v| key_is(v, value)) {
                    if index + 1 < len {
                        // Later items shift left; the vacated last slot
                        // keeps a copy of the item that was there.
                        backing[index..len].rotate_left(1);
                        backing[len - 1] = backing[len - 2].clone();
                    }
                    len -= 1;
                }
            }
            Some("replace") => replace = true,
            _ => {}
        }
    }
    if replace {
        return backing;
    }
    for item in patch.iter().filter(|v| v.get(DIRECTIVE).is_none()) {
        let Some(value) = item.get(merge_key) else {
            continue;
        };
        if backing[..len].iter().any(|v| key_is(v, value)) {
            continue;
        }
        if len == backing.len() {
            // Go reallocates: later appends no longer touch the live list.
            break;
        }
        backing[len] = item.clone();
        len += 1;
    }
    backing
}

/// Checks that the patch list's items appear in the order list, in order.
fn validate_patch_with_order(
    patch_list: &[Value],
    order: &[Value],
    merge_key: &str,
) -> Result<(), PatchError> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let non_delete: Vec<&Value> = if merge_key.is_empty() {
        patch_list.iter().collect()
    } else {
        let mut kept = Vec::new();
        for item in patch_list {
            let Value::Object(map) = item else {
                return Err(bad_arg_type("map[string]interface {}", item));
            };
            if map.get(DIRECTIVE).and_then(Value::as_str) != Some("delete") {
                kept.push(item);
            }
        }
        kept
    };
    let (mut p, mut o) = (0, 0);
    while p < non_delete.len() && o < order.len() {
        if non_delete[p].get(DIRECTIVE).is_some() {
            p += 1;
            continue;
        }
        if merge_key_equal(non_delete[p], &order[o], merge_key)? {
            p += 1;
        }
        o += 1;
    }
    if p < non_delete.len() && o >= order.len() {
        return Err(internal(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER} list:\n{}\n",
            go_format_list(patch_list),
            go_format_list(order)
        )));
    }
    Ok(())
}

fn merge_key_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool, PatchError> {
    if merge_key.is_empty() {
        return Ok(left == right);
    }
    let (Value::Object(l), Value::Object(r)) = (left, right) else {
        let odd = if left.is_object() { right } else { left };
        return Err(bad_arg_type("map[string]interface {}", odd));
    };
    let lv = l.get(merge_key).ok_or_else(|| no_merge_key(l, merge_key))?;
    let rv = r.get(merge_key).ok_or_else(|| no_merge_key(r, merge_key))?;
    Ok(lv == rv)
}

pub(crate) fn no_merge_key(map: &Map<String, Value>, merge_key: &str) -> PatchError {
    internal(format!(
        "map: {} does not contain declared merge key: {merge_key}",
        go_format_map(map)
    ))
}

fn bad_arg_type(expected: &str, actual: &Value) -> PatchError {
    let actual = match actual {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    };
    internal(format!("expected a {expected}, but received a {actual}"))
}

/// The kind of a list's elements, as strategicpatch's `sliceElementType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ElementKind {
    Map,
    Scalar,
}

pub(crate) fn element_kind(lists: &[&[Value]]) -> Result<ElementKind, PatchError> {
    let mut first: Option<&Value> = None;
    for item in lists.iter().flat_map(|l| l.iter()) {
        match first {
            None => {
                if item.is_array() {
                    return Err(PatchError::Invalid {
                        message: NO_LIST_OF_LISTS.to_string(),
                    });
                }
                if item.is_null() {
                    return Err(internal("list element types are not identical: <nil>"));
                }
                first = Some(item);
            }
            Some(prev) if !same_go_type(prev, item) => {
                let all: Vec<String> = lists.iter().map(|l| go_format_list(l)).collect();
                return Err(internal(format!(
                    "list element types are not identical: [{}]",
                    all.join(" ")
                )));
            }
            Some(_) => {}
        }
    }
    match first {
        None => Err(internal("no elements in any of the given slices")),
        Some(Value::Object(_)) => Ok(ElementKind::Map),
        Some(_) => Ok(ElementKind::Scalar),
    }
}

/// Merges two lists with the `merge` strategy (strategicpatch's `mergeSlice`).
pub(crate) fn merge_slice(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: Ty,
    merge_key: &str,
    options: MergeOptions,
    is_delete_list: bool,
) -> Result<Vec<Value>, PatchError> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let kind = element_kind(&[&original, &patch])?;
    let (original, patch, merged) = if kind == ElementKind::Scalar {
        if options.merge_parallel_list && is_delete_list {
            return Ok(original
                .into_iter()
                .filter(|v| !patch.contains(v))
                .collect());
        }
        let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
        for item in original.iter().chain(patch.iter()) {
            if !merged.contains(item) {
                merged.push(item.clone());
            }
        }
        (original, patch, merged)
    } else {
        if merge_key.is_empty() {
            return Err(internal(format!(
                "cannot merge lists without merge key for {}",
                schema.go_kind()
            )));
        }
        let (original, patch) = merge_special_elements(original, patch, merge_key)?;
        let merged = merge_plain_elements(original.clone(), &patch, merge_key, schema, options)?;
        (original, patch, merged)
    };
    let (patch_items, server_only) = if merge_key.is_empty() {
        partition_primitives(merged, &patch)
    } else {
        partition_maps(merged, &patch, merge_key)?
    };
    normalize_element_order(patch_items, server_only, &patch, &original, merge_key, kind)
}

/// Applies the `$patch: delete|replace` items of a merge list; returns the
/// original left and the patch items without directives.
fn merge_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut plain = Vec::new();
    let mut replace = false;
    for item in patch {
        let Value::Object(map) = &item else {
            return Err(bad_arg_type("map[string]interface {}", &item));
        };
        let Some(directive) = map.get(DIRECTIVE) else {
            plain.push(item);
            continue;
        };
        match directive.as_str() {
            Some("delete") => {
                let value = map
                    .get(merge_key)
                    .ok_or_else(|| no_merge_key(map, merge_key))?;
                for existing in &original {
                    if !existing.is_object() {
                        return Err(internal("value for key 0 is not a map"));
                    }
                }
                original.retain(|v| v.get(merge_key) != Some(value));
            }
            Some("replace") => replace = true,
            Some("merge") => {
                return Err(internal(
                    "merging lists cannot yet be specified in the patch",
                ));
            }
            _ => return Err(bad_patch_type(directive, map)),
        }
    }
    if replace {
        return Ok((plain, Vec::new()));
    }
    Ok((original, plain))
}

/// Merges each patch item into the original item with the same merge key
/// value, or appends it.
fn merge_plain_elements(
    mut original: Vec<Value>,
    patch: &[Value],
    merge_key: &str,
    schema: Ty,
    options: MergeOptions,
) -> Result<Vec<Value>, PatchError> {
    for item in patch {
        let Value::Object(map) = item else {
            return Err(bad_arg_type("map[string]interface {}", item));
        };
        let value = map
            .get(merge_key)
            .ok_or_else(|| no_merge_key(map, merge_key))?;
        match find_by_key(&original, merge_key, value)? {
            Some(index) => {
                let Value::Object(existing) = std::mem::take(&mut original[index]) else {
                    return Err(internal(format!("value for key {index} is not a map")));
                };
                original[index] = Value::Object(merge_map(existing, map.clone(), schema, options)?);
            }
            None => original.push(item.clone()),
        }
    }
    Ok(original)
}

/// The index of the map whose `merge_key` is `value`.
pub(crate) fn find_by_key(
    list: &[Value],
    merge_key: &str,
    value: &Value,
) -> Result<Option<usize>, PatchError> {
    for (index, item) in list.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(internal(format!("value for key {index} is not a map")));
        };
        if map.get(merge_key) == Some(value) {
            return Ok(Some(index));
        }
    }
    Ok(None)
}

fn partition_primitives(merged: Vec<Value>, by: &[Value]) -> (Vec<Value>, Vec<Value>) {
    merged.into_iter().partition(|v| by.contains(v))
}

fn partition_maps(
    merged: Vec<Value>,
    by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut in_patch = Vec::new();
    let mut server_only = Vec::new();
    for item in merged {
        let Value::Object(map) = &item else {
            return Err(bad_arg_type("map[string]interface {}", &item));
        };
        let value = map
            .get(merge_key)
            .ok_or_else(|| no_merge_key(map, merge_key))?;
        if find_by_key(by, merge_key, value)?.is_some() {
            in_patch.push(item);
        } else {
            server_only.push(item);
        }
    }
    Ok((in_patch, server_only))
}

/// Orders patch items by `patch_order` and server-only items by
/// `server_order`, then interleaves them keeping both relative orders.
fn normalize_element_order(
    patch_items: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: ElementKind,
) -> Result<Vec<Value>, PatchError> {
    let patch_items = sort_by_order(patch_items, patch_order, merge_key, kind)?;
    let server_only = sort_by_order(server_only, server_order, merge_key, kind)?;
    Ok(merge_sorted(
        server_only,
        patch_items,
        server_order,
        merge_key,
        kind,
    ))
}

fn position(list: &[Value], item: &Value, merge_key: &str, kind: ElementKind) -> Option<usize> {
    let key_of = |v: &Value| -> Option<Value> {
        match kind {
            ElementKind::Map => Some(v.as_object()?.get(merge_key)?.clone()),
            ElementKind::Scalar => Some(v.clone()),
        }
    };
    let wanted = key_of(item);
    list.iter().position(|v| key_of(v) == wanted)
}

fn sort_by_order(
    items: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    kind: ElementKind,
) -> Result<Vec<Value>, PatchError> {
    let (mut items, to_delete) = if kind == ElementKind::Map {
        for item in items.iter().chain(order.iter()) {
            let Value::Object(map) = item else {
                return Err(bad_arg_type("map[string]interface {}", item));
            };
            if !map.contains_key(merge_key) {
                return Err(no_merge_key(map, merge_key));
            }
        }
        items
            .into_iter()
            .partition(|v| v.get(DIRECTIVE).and_then(Value::as_str) != Some("delete"))
    } else {
        (items, Vec::new())
    };
    items.sort_by_key(|v| position(order, v, merge_key, kind).unwrap_or(usize::MAX));
    items.extend(to_delete);
    Ok(items)
}

/// Inserts the `left` items among the `right` ones: a left item goes first
/// when both are found in `server_order` and it comes earlier there.
fn merge_sorted(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: &str,
    kind: ElementKind,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => {
                match (
                    position(server_order, l, merge_key, kind),
                    position(server_order, r, merge_key, kind),
                ) {
                    (Some(li), Some(ri)) => li < ri,
                    _ => false,
                }
            }
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

/// Go's `%v` of a decoded JSON value.
pub(crate) fn go_format(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => format_float(f, 'g', -1),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => go_format_list(items),
        Value::Object(map) => go_format_map(map),
    }
}

fn go_format_list(items: &[Value]) -> String {
    let parts: Vec<String> = items.iter().map(go_format).collect();
    format!("[{}]", parts.join(" "))
}

fn go_format_map(map: &Map<String, Value>) -> String {
    let parts: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{k}:{}", go_format(v)))
        .collect();
    format!("map[{}]", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use crate::patch::{Gvk, PatchError, apply_strategic_merge_patch};
    use serde_json::{Value, json};

    const POD: Gvk<'static> = Gvk {
        group: "",
        version: "v1",
        kind: "Pod",
    };

    fn pod(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
    }

    fn apply_spec(spec: Value, patch_spec: Value) -> Result<Value, PatchError> {
        apply_strategic_merge_patch(&pod(spec), &json!({"spec": patch_spec}), &POD)
            .map(|v| v["spec"].clone())
    }

    #[test]
    fn directives_and_strategies() {
        let cases = [
            (
                "merge list by name keeps unpatched items",
                json!({"containers": [{"name": "app", "image": "v1"}, {"name": "sidecar", "image": "s"}]}),
                json!({"containers": [{"name": "app", "image": "v2"}]}),
                json!({"containers": [{"name": "app", "image": "v2"}, {"name": "sidecar", "image": "s"}]}),
            ),
            (
                "new merge-list items come before server-only ones",
                json!({"containers": [{"name": "a"}]}),
                json!({"containers": [{"name": "b"}]}),
                json!({"containers": [{"name": "b"}, {"name": "a"}]}),
            ),
            (
                "$setElementOrder decides the order",
                json!({"containers": [{"name": "a"}, {"name": "b", "image": "x"}]}),
                json!({"$setElementOrder/containers": [{"name": "a"}, {"name": "c"}, {"name": "b"}], "containers": [{"name": "c"}]}),
                json!({"containers": [{"name": "a"}, {"name": "c"}, {"name": "b", "image": "x"}]}),
            ),
            (
                "$patch: delete removes a merge-list item",
                json!({"containers": [{"name": "a"}, {"name": "b"}]}),
                json!({"containers": [{"name": "b", "$patch": "delete"}]}),
                json!({"containers": [{"name": "a"}]}),
            ),
            (
                "$patch: replace replaces a merge list",
                json!({"containers": [{"name": "a", "image": "1"}, {"name": "b"}]}),
                json!({"containers": [{"name": "a"}, {"$patch": "replace"}]}),
                json!({"containers": [{"name": "a"}]}),
            ),
            (
                "$patch: replace replaces a map",
                json!({"nodeSelector": {"a": "1", "b": "2"}}),
                json!({"nodeSelector": {"c": "3", "$patch": "replace"}}),
                json!({"nodeSelector": {"c": "3"}}),
            ),
            (
                "$patch: delete empties a map",
                json!({"securityContext": {"runAsUser": 1}, "hostname": "h"}),
                json!({"securityContext": {"$patch": "delete"}}),
                json!({"securityContext": {}, "hostname": "h"}),
            ),
            (
                "null deletes a field",
                json!({"hostname": "h", "subdomain": "s"}),
                json!({"hostname": null, "nodeName": null}),
                json!({"subdomain": "s"}),
            ),
            (
                "$retainKeys clears the other keys of a volume",
                json!({"volumes": [{"name": "v", "emptyDir": {}}]}),
                json!({"volumes": [{"name": "v", "$retainKeys": ["configMap", "name"], "configMap": {"name": "cm"}}]}),
                json!({"volumes": [{"name": "v", "configMap": {"name": "cm"}}]}),
            ),
            (
                "atomic lists are replaced",
                json!({"containers": [{"name": "a", "args": ["x", "y"]}]}),
                json!({"containers": [{"name": "a", "args": ["z"]}]}),
                json!({"containers": [{"name": "a", "args": ["z"]}]}),
            ),
            (
                "ports merge by containerPort",
                json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 443}]}]}),
                json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "web"}]}]}),
                json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "web"}, {"containerPort": 443}]}]}),
            ),
            (
                "live-only items keep their slot when an item is deleted and one added",
                json!({"containers": [{"name": "x"}, {"name": "web", "image": "w"}, {"name": "log", "image": "l"}]}),
                json!({
                    "$setElementOrder/containers": [{"name": "web"}, {"name": "new"}],
                    "containers": [{"name": "new"}, {"name": "x", "$patch": "delete"}]
                }),
                json!({"containers": [{"name": "web", "image": "w"}, {"name": "log", "image": "l"}, {"name": "new"}]}),
            ),
            (
                "nulls inside new values are dropped and directive maps left out",
                json!({}),
                json!({"nodeSelector": {"a": "1", "b": null}, "containers": [{"name": "a"}, {"name": "x", "$patch": "delete"}]}),
                json!({"nodeSelector": {"a": "1"}, "containers": [{"name": "a"}]}),
            ),
        ];
        for (name, spec, patch, want) in cases {
            let got = apply_spec(spec, patch);
            assert_eq!(got.ok(), Some(want), "{name}");
        }
    }

    #[test]
    fn primitive_merge_lists() {
        let doc = json!({"metadata": {"name": "p", "finalizers": ["a", "b"]}});
        let cases = [
            (
                json!({"metadata": {"finalizers": ["c"]}}),
                json!(["c", "a", "b"]),
            ),
            (
                json!({"metadata": {"finalizers": ["b", "c"]}}),
                json!(["a", "b", "c"]),
            ),
            (
                json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}),
                json!(["b"]),
            ),
            (
                json!({"metadata": {"$setElementOrder/finalizers": ["b", "c", "a"], "finalizers": ["c"]}}),
                json!(["b", "c", "a"]),
            ),
        ];
        for (patch, want) in cases {
            let got = apply_strategic_merge_patch(&doc, &patch, &POD).expect("patch applies");
            assert_eq!(got["metadata"]["finalizers"], want, "{patch}");
        }
    }

    #[test]
    fn errors_are_classified_like_the_apiserver() {
        let cases = [
            (
                json!({"containers": [{"name": "a"}]}),
                json!({"containers": [{"image": "x"}]}),
                500,
                "map: map[image:x] does not contain declared merge key: name",
            ),
            (
                json!({"containers": [{"name": "a"}]}),
                json!({"containers": [{"name": "a", "$patch": "merge"}]}),
                500,
                "merging lists cannot yet be specified in the patch",
            ),
            (
                json!({"containers": [{"name": "a"}]}),
                json!({"containers": [{"name": "a", "$patch": "bogus"}]}),
                500,
                "unknown patch type: bogus in map: map[$patch:bogus name:a]",
            ),
            (
                json!({"volumes": [{"name": "v", "emptyDir": {}}]}),
                json!({"volumes": [{"name": "v", "$retainKeys": ["name"], "configMap": {"name": "cm"}}]}),
                400,
                "invalid patch format of retainKeys",
            ),
            (
                json!({"volumes": [{"name": "v"}]}),
                json!({"volumes": [{"name": "v", "$retainKeys": "name"}]}),
                400,
                "invalid patch format of retainKeys",
            ),
            (
                json!({"containers": []}),
                json!({"containers": [["a"]]}),
                422,
                "lists of lists are not supported",
            ),
            (
                json!({"containers": [{"name": "a"}]}),
                json!({"containers": ["a"]}),
                500,
                "list element types are not identical: [[map[name:a]] [a]]",
            ),
            (
                json!({"bogus": {"a": 1}}),
                json!({"bogus": {"b": 1}}),
                500,
                "unable to find api field in struct PodSpec for the json field \"bogus\"",
            ),
            (
                json!({"containers": [{"name": "a"}]}),
                json!({"$setElementOrder/containers": [{"name": "b"}], "containers": [{"name": "a"}]}),
                500,
                "The order in patch list:\n[map[name:a]]\n doesn't match $setElementOrder list:\n[map[name:b]]\n",
            ),
        ];
        for (spec, patch, status, message) in cases {
            let err = apply_spec(spec, patch.clone()).expect_err(&patch.to_string());
            assert_eq!(
                (err.status_code(), err.to_string().as_str()),
                (status, message),
                "{patch}"
            );
        }
        let err = apply_strategic_merge_patch(
            &json!({"metadata": {"finalizers": ["a"]}}),
            &json!({"metadata": {"$deleteFromPrimitiveList": ["a"]}}),
            &POD,
        )
        .expect_err("directive without a list name");
        assert_eq!(
            (err.status_code(), err.to_string()),
            (400, "invalid patch format of primitive list".to_string())
        );
    }

    #[test]
    fn custom_resources_get_415() {
        let gvk = Gvk::new("example.com", "v1", "Widget");
        let err = apply_strategic_merge_patch(&json!({}), &json!({}), &gvk).expect_err("CR");
        assert_eq!(
            (err.status_code(), err.reason()),
            (415, "UnsupportedMediaType")
        );
        assert_eq!(
            err.to_string(),
            "the body of the request was in an unknown format - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
        );
    }

    #[test]
    fn non_object_patches_are_bad_requests() {
        let err =
            apply_strategic_merge_patch(&pod(json!({})), &json!([1]), &POD).expect_err("array");
        assert_eq!(err.status_code(), 400);
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
    }
}
