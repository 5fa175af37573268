//! RFC 7386 JSON merge patch, applied the way kube-apiserver applies
//! `application/merge-patch+json` (evanphx/json-patch v4 `MergePatch`).
//!
//! Quirks kept on purpose: nulls are pruned from objects the patch
//! introduces (also inside arrays), but null array elements stay; an array
//! patch against an object document yields the array itself.

use serde_json::{Map, Value};

use super::PatchError;

/// The library's message for a patch that is not a JSON object or array.
pub const BAD_JSON_PATCH: &str = "Invalid JSON Patch";
/// The library's message for a document that is `null`.
pub const BAD_JSON_DOC: &str = "Invalid JSON Document";

/// Applies a JSON merge patch to `doc`.
pub fn apply_merge_patch(doc: &Value, patch: &Value) -> Result<Value, PatchError> {
    if doc.is_null() {
        return Err(PatchError::Internal {
            message: BAD_JSON_DOC.to_string(),
        });
    }
    match (doc, patch) {
        (Value::Object(doc), Value::Object(patch)) => {
            let mut merged = doc.clone();
            merge_objects(&mut merged, patch);
            Ok(Value::Object(merged))
        }
        // The document is not an object: the library takes the patch as is.
        (_, Value::Object(patch)) => {
            let mut patch = patch.clone();
            prune_object_nulls(&mut patch);
            Ok(Value::Object(patch))
        }
        (_, Value::Array(items)) => {
            let mut items = items.clone();
            prune_array_nulls(&mut items);
            Ok(Value::Array(items))
        }
        _ => Err(PatchError::BadRequest {
            message: BAD_JSON_PATCH.to_string(),
        }),
    }
}

/// RFC 7386's MergePatch for two objects, in place.
pub(crate) fn merge_objects(doc: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            doc.remove(key);
            continue;
        }
        match doc.get_mut(key) {
            Some(current) if !current.is_null() => merge_value(current, value),
            _ => {
                let mut value = value.clone();
                prune_nulls(&mut value);
                doc.insert(key.clone(), value);
            }
        }
    }
}

fn merge_value(current: &mut Value, patch: &Value) {
    match (current.is_object(), patch) {
        (true, Value::Object(patch_map)) => {
            if let Value::Object(current_map) = current {
                merge_objects(current_map, patch_map);
            }
        }
        // A non-object patch value replaces an object as it is, unpruned.
        (true, _) => *current = patch.clone(),
        (false, _) => {
            let mut patch = patch.clone();
            prune_nulls(&mut patch);
            *current = patch;
        }
    }
}

fn prune_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => prune_object_nulls(map),
        Value::Array(items) => prune_array_nulls(items),
        _ => {}
    }
}

fn prune_object_nulls(map: &mut Map<String, Value>) {
    map.retain(|_, v| !v.is_null());
    map.values_mut().for_each(prune_nulls);
}

fn prune_array_nulls(items: &mut [Value]) {
    items.iter_mut().for_each(prune_nulls);
}

/// The JSON merge patch from `original` to `modified` (evanphx
/// `CreateMergePatch`): numbers compare by value, as Go decodes them all to
/// float64; removed keys become null.
pub fn create_merge_patch(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
) -> Map<String, Value> {
    let mut patch = Map::new();
    for (key, new) in modified {
        let Some(old) = original.get(key) else {
            patch.insert(key.clone(), new.clone());
            continue;
        };
        match (old, new) {
            (Value::Object(old), Value::Object(new)) => {
                let sub = create_merge_patch(old, new);
                if !sub.is_empty() {
                    patch.insert(key.clone(), Value::Object(sub));
                }
            }
            _ if json_matches(old, new) => {}
            _ => {
                patch.insert(key.clone(), new.clone());
            }
        }
    }
    for key in original.keys() {
        if !modified.contains_key(key) {
            patch.insert(key.clone(), Value::Null);
        }
    }
    patch
}

/// Equality of decoded JSON with every number a float64.
fn json_matches(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_matches(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && y.iter()
                    .all(|(k, bv)| x.get(k).is_some_and(|av| json_matches(av, bv)))
        }
        _ => a == b,
    }
}

/// Keeps only the nulls of a patch (`keep_null`), or everything but them
/// (apimachinery jsonmergepatch's `keepOrDeleteNullInObj`).
fn keep_or_delete_nulls(patch: &Map<String, Value>, keep_null: bool) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in patch {
        match value {
            Value::Null if keep_null => {
                out.insert(key.clone(), Value::Null);
            }
            Value::Null => {}
            // An explicitly empty map is a value, not an empty patch.
            Value::Object(map) if map.is_empty() => {
                if !keep_null {
                    out.insert(key.clone(), value.clone());
                }
            }
            Value::Object(map) => {
                let sub = keep_or_delete_nulls(map, keep_null);
                if !sub.is_empty() {
                    out.insert(key.clone(), Value::Object(sub));
                }
            }
            _ => {
                if !keep_null {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
    out
}

/// mergepatch's `HasConflicts` for JSON merge patches.
fn has_conflicts(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => l
            .iter()
            .any(|(k, lv)| r.get(k).is_some_and(|rv| has_conflicts(lv, rv))),
        (Value::Object(_), _) => true,
        (Value::Array(l), Value::Array(r)) => {
            l.len() != r.len() || l.iter().zip(r).any(|(a, b)| has_conflicts(a, b))
        }
        (Value::Array(_), _) => true,
        _ => left != right,
    }
}

/// The three-way JSON merge patch Helm sends for custom resources
/// (apimachinery's `CreateThreeWayJSONMergePatch` with Helm's preconditions:
/// apiVersion, kind and metadata.name must not change).
pub fn create_three_way_json_merge(
    original: &Value,
    modified: &Value,
    current: &Value,
) -> Result<Value, PatchError> {
    let empty = Map::new();
    let as_map = |v: &Value| -> Result<Map<String, Value>, PatchError> {
        match v {
            Value::Object(map) => Ok(map.clone()),
            Value::Null => Ok(empty.clone()),
            _ => Err(PatchError::Internal {
                message: BAD_JSON_DOC.to_string(),
            }),
        }
    };
    let (original, modified, current) = (as_map(original)?, as_map(modified)?, as_map(current)?);
    let add_and_change = keep_or_delete_nulls(&create_merge_patch(&current, &modified), false);
    let deletions = keep_or_delete_nulls(&create_merge_patch(&original, &modified), true);
    let (add_and_change, deletions) = (Value::Object(add_and_change), Value::Object(deletions));
    if has_conflicts(&add_and_change, &deletions) {
        return Err(PatchError::Conflict {
            message: format!(
                "patch:\n{add_and_change}\nconflicts with changes made from original to current:\n{deletions}\n"
            ),
        });
    }
    let patch = apply_merge_patch(&deletions, &add_and_change)?;
    let changes_identity = patch.get("apiVersion").is_some()
        || patch.get("kind").is_some()
        || patch.pointer("/metadata/name").is_some();
    if changes_identity {
        return Err(PatchError::PreconditionFailed {
            message: format!(
                "precondition failed for: {}",
                super::strategic::go_format(&patch)
            ),
        });
    }
    Ok(patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc7386_cases_and_library_quirks() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"a": 1, "e": null}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
            // Null elements of a new array stay; nulls inside its objects go.
            (
                json!({}),
                json!({"a": [null, {"x": null, "y": 1}]}),
                json!({"a": [null, {"y": 1}]}),
            ),
            // Replacing an object by an array keeps the array's inner nulls.
            (
                json!({"a": {"k": 1}}),
                json!({"a": [{"x": null}]}),
                json!({"a": [{"x": null}]}),
            ),
            (
                json!({"a": [1]}),
                json!({"a": [{"x": null}]}),
                json!({"a": [{}]}),
            ),
            (
                json!({"a": null}),
                json!({"a": {"b": null, "c": 1}}),
                json!({"a": {"c": 1}}),
            ),
            (json!({"a": 1}), json!({}), json!({"a": 1})),
            (
                json!({"a": 1}),
                json!([1, null, {"b": null}]),
                json!([1, null, {}]),
            ),
            (json!([1]), json!({"a": null, "b": 2}), json!({"b": 2})),
        ];
        for (doc, patch, want) in cases {
            let got = apply_merge_patch(&doc, &patch);
            assert_eq!(got.ok(), Some(want), "doc {doc} patch {patch}");
        }
    }

    #[test]
    fn non_object_patches_are_bad_requests() {
        for patch in [json!(null), json!(1), json!("s"), json!(true)] {
            let err = apply_merge_patch(&json!({"a": 1}), &patch).expect_err("scalar patch");
            assert_eq!(err.status_code(), 400, "{patch}");
            assert_eq!(err.reason(), "BadRequest");
            assert_eq!(err.to_string(), "Invalid JSON Patch");
        }
    }

    #[test]
    fn a_null_document_is_an_internal_error() {
        let err = apply_merge_patch(&json!(null), &json!({})).expect_err("null doc");
        assert_eq!(err.status_code(), 500);
        assert_eq!(err.to_string(), "Invalid JSON Document");
    }
}

#[cfg(test)]
mod three_way_tests {
    use super::*;
    use serde_json::json;

    fn widget(spec: Value) -> Value {
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec})
    }

    #[test]
    fn deletions_from_the_chart_and_drift_corrections() {
        let original = widget(json!({"a": 1, "b": 2, "list": [1, 2]}));
        let modified = widget(json!({"a": 1, "c": 3, "list": [1]}));
        let live = widget(json!({"a": 5, "b": 2, "x": 9, "list": [1, 2]}));
        let patch = create_three_way_json_merge(&original, &modified, &live).expect("patch");
        assert_eq!(
            patch,
            json!({"spec": {"a": 1, "b": null, "c": 3, "list": [1]}})
        );
        let result = apply_merge_patch(&live, &patch).expect("applies");
        assert_eq!(result["spec"], json!({"a": 1, "c": 3, "x": 9, "list": [1]}));
    }

    #[test]
    fn numbers_compare_by_value_and_empty_maps_are_values() {
        let original = widget(json!({"n": 1, "m": {"k": 1}}));
        let modified = widget(json!({"n": 1.0, "m": {}}));
        let patch = create_three_way_json_merge(&original, &modified, &original).expect("patch");
        assert_eq!(patch, json!({"spec": {"m": {"k": null}}}));
    }

    #[test]
    fn identity_changes_fail_the_preconditions() {
        let original = widget(json!({}));
        let mut modified = original.clone();
        modified["metadata"]["name"] = json!("other");
        let err = create_three_way_json_merge(&original, &modified, &original).expect_err("rename");
        assert_eq!(
            err.to_string(),
            "precondition failed for: map[metadata:map[name:other]]"
        );
        let patch = create_three_way_json_merge(&original, &original, &Value::Null);
        assert!(
            matches!(patch, Err(PatchError::PreconditionFailed { .. })),
            "{patch:?}"
        );
    }
}
