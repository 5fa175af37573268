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
