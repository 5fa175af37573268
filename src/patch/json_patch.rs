//! RFC 6902 JSON patch, applied the way kube-apiserver applies
//! `application/json-patch+json` (it uses evanphx/json-patch v4).
//!
//! That library has quirks clients rely on, kept here on purpose:
//! `replace` of a missing object key adds it; `copy` from a missing object
//! key copies `null`; negative array indices count from the end; a `test` of
//! a missing or null value passes when the operation's value is absent or
//! null. A JSON `null` in the document is treated like an absent node, as the
//! library's decoder does.

use serde_json::{Map, Value};

use super::PatchError;

/// The most operations kube-apiserver accepts in one JSON patch.
pub const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;

/// The most bytes `copy` operations may add to a document in one patch
/// (kube-apiserver's default `JSONPatchMaxCopyBytes`), counted as the
/// copied values' compact JSON.
pub const MAX_JSON_PATCH_COPY_BYTES: usize = 3 * 1024 * 1024;

/// Applies an RFC 6902 patch (a JSON array of operations) to `doc`.
pub fn apply_json_patch(doc: &Value, patch: &Value) -> Result<Value, PatchError> {
    let ops = decode(patch)?;
    if ops.len() > MAX_JSON_PATCH_OPERATIONS {
        return Err(PatchError::TooManyOperations { count: ops.len() });
    }
    let mut doc = doc.clone();
    let mut copied_bytes = 0;
    for op in ops {
        apply_op(&mut doc, op, &mut copied_bytes)
            .map_err(|detail| PatchError::JsonPatchFailed { detail })?;
    }
    Ok(doc)
}

/// An operation as decoded by the library: an object, or `null` (which then
/// has no `op` and fails as an unknown kind).
fn decode(patch: &Value) -> Result<Vec<Option<&Map<String, Value>>>, PatchError> {
    let items = match patch {
        Value::Array(items) => items,
        // Go decodes `null` into an empty patch.
        Value::Null => return Ok(Vec::new()),
        other => {
            return Err(PatchError::BadRequest {
                message: go_type_error(other, "jsonpatch.Patch"),
            });
        }
    };
    items
        .iter()
        .map(|item| match item {
            Value::Object(op) => Ok(Some(op)),
            Value::Null => Ok(None),
            other => Err(PatchError::BadRequest {
                message: go_type_error(other, "jsonpatch.Operation"),
            }),
        })
        .collect()
}

/// Go's `encoding/json` wording for a value of the wrong JSON type.
pub(crate) fn go_type_error(value: &Value, go_type: &str) -> String {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    format!("json: cannot unmarshal {found} into Go value of type {go_type}")
}

fn apply_op(
    doc: &mut Value,
    op: Option<&Map<String, Value>>,
    copied_bytes: &mut usize,
) -> Result<(), String> {
    let kind = op
        .and_then(|op| op.get("op"))
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let op = match op {
        Some(op)
            if matches!(
                kind,
                "add" | "remove" | "replace" | "move" | "copy" | "test"
            ) =>
        {
            op
        }
        _ => return Err(format!("Unexpected kind: {kind}")),
    };
    match kind {
        "add" => add(doc, op),
        "remove" => remove(doc, op),
        "replace" => replace(doc, op),
        "move" => move_op(doc, op),
        "copy" => copy(doc, op, copied_bytes),
        _ => test(doc, op),
    }
}

const MISSING: &str = "missing value";
const INVALID_INDEX: &str = "invalid index referenced";

/// The operation's string field `name`; `None` when absent, null or not a string.
fn string_field<'a>(op: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    op.get(name).and_then(Value::as_str)
}

/// The operation's `value`: absent and `null` both become a null node.
fn value_of(op: &Map<String, Value>) -> Value {
    op.get("value").cloned().unwrap_or(Value::Null)
}

fn add(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = string_field(op, "path")
        .ok_or_else(|| format!("add operation failed to decode path: {MISSING}"))?;
    let (container, key) = find_container(doc, path).ok_or_else(|| {
        format!("add operation does not apply: doc is missing path: \"{path}\": {MISSING}")
    })?;
    container_add(container, &key, value_of(op))
        .map_err(|e| format!("error in add for path: '{path}': {e}"))
}

fn remove(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = string_field(op, "path")
        .ok_or_else(|| format!("remove operation failed to decode path: {MISSING}"))?;
    let (container, key) = find_container(doc, path).ok_or_else(|| {
        format!("remove operation does not apply: doc is missing path: \"{path}\": {MISSING}")
    })?;
    container_remove(container, &key)
        .map(drop)
        .map_err(|e| format!("error in remove for path: '{path}': {e}"))
}

fn replace(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = string_field(op, "path").ok_or_else(|| {
        format!("replace operation failed to decode path: operation missing path field: {MISSING}")
    })?;
    if path.is_empty() {
        let value = value_of(op);
        if !(value.is_object() || value.is_array()) {
            return Err("replace operation value must be object or array".to_string());
        }
        *doc = value;
        return Ok(());
    }
    let (container, key) = find_container(doc, path).ok_or_else(|| {
        format!("replace operation does not apply: doc is missing path: {path}: {MISSING}")
    })?;
    match container {
        // The library never checks that an object key exists before replacing.
        Value::Object(map) => {
            map.insert(key, value_of(op));
            Ok(())
        }
        Value::Array(items) => {
            let index = existing_index(&key, items.len()).map_err(|_| {
                format!("replace operation does not apply: doc is missing key: {path}: {MISSING}")
            })?;
            items[index] = value_of(op);
            Ok(())
        }
        _ => Err(format!(
            "replace operation does not apply: doc is missing path: {path}: {MISSING}"
        )),
    }
}

fn move_op(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let from = string_field(op, "from").ok_or_else(|| {
        format!("move operation failed to decode from: operation, missing from field: {MISSING}")
    })?;
    let (container, key) = find_container(doc, from).ok_or_else(|| {
        format!("move operation does not apply: doc is missing from path: {from}: {MISSING}")
    })?;
    let value = container_remove(container, &key)
        .map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let path = string_field(op, "path").ok_or_else(|| {
        format!("move operation failed to decode path: operation missing path field: {MISSING}")
    })?;
    let (container, key) = find_container(doc, path).ok_or_else(|| {
        format!("move operation does not apply: doc is missing destination path: {path}: {MISSING}")
    })?;
    container_add(container, &key, value)
        .map_err(|e| format!("error in move for path: '{path}': {e}"))
}

fn copy(doc: &mut Value, op: &Map<String, Value>, copied_bytes: &mut usize) -> Result<(), String> {
    let from = string_field(op, "from").ok_or_else(|| {
        format!("copy operation failed to decode from: operation, missing from field: {MISSING}")
    })?;
    let (container, key) = find_container(doc, from).ok_or_else(|| {
        format!("copy operation does not apply: doc is missing from path: {from}: {MISSING}")
    })?;
    let value = container_get(container, &key)
        .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
        .cloned()
        .unwrap_or(Value::Null);
    let path = string_field(op, "path")
        .ok_or_else(|| format!("copy operation failed to decode path: {MISSING}"))?;
    let (container, key) = find_container(doc, path).ok_or_else(|| {
        format!("copy operation does not apply: doc is missing destination path: {path}: {MISSING}")
    })?;
    *copied_bytes += value.to_string().len();
    if *copied_bytes > MAX_JSON_PATCH_COPY_BYTES {
        return Err(format!(
            "Unable to complete the copy, the accumulated size increase of copy is {copied_bytes}, exceeding the limit {MAX_JSON_PATCH_COPY_BYTES}"
        ));
    }
    container_add(container, &key, value)
        .map_err(|e| format!("error while adding value during copy: {e}"))
}

fn test(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = string_field(op, "path").ok_or_else(|| {
        format!("test operation failed to decode path: operation missing path field: {MISSING}")
    })?;
    let failed = || format!("testing value {path} failed: test failed");
    let expected = op.get("value").filter(|v| !v.is_null());
    if path.is_empty() {
        return match expected {
            Some(expected) if expected == doc => Ok(()),
            _ => Err(failed()),
        };
    }
    let (container, key) = find_container(doc, path).ok_or_else(|| {
        format!("test operation does not apply: is missing path: {path}: {MISSING}")
    })?;
    let actual = container_get(container, &key)
        .map_err(|e| format!("error in test for path: '{path}': {e}"))?
        .filter(|v| !v.is_null());
    match (actual, expected) {
        (None, None) => Ok(()),
        (Some(actual), Some(expected)) if actual == expected => Ok(()),
        _ => Err(failed()),
    }
}

/// RFC 6901 unescaping: `~1` first, then `~0`.
fn decode_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The object or array holding the last token of `path`, and that token.
/// `None` where the library reports "doc is missing path": a path without a
/// leading `/`, or an intermediate token that is absent, null, scalar or an
/// invalid index.
fn find_container<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let tokens: Vec<&str> = path.split('/').collect();
    let (last, parents) = tokens.split_last()?;
    let (_, parents) = parents.split_first()?;
    let mut current = doc;
    for token in parents {
        let key = decode_token(token);
        current = match current {
            Value::Object(map) => map.get_mut(&key)?,
            Value::Array(items) => {
                let index = existing_index(&key, items.len()).ok()?;
                &mut items[index]
            }
            _ => return None,
        };
        if !(current.is_object() || current.is_array()) {
            return None;
        }
    }
    Some((current, decode_token(last)))
}

/// Go's `strconv.Atoi` (optional sign, decimal digits, 64-bit range).
fn atoi(key: &str) -> Result<i64, String> {
    let digits = key.strip_prefix(['+', '-']).unwrap_or(key);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {key:?}: invalid syntax"));
    }
    key.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {key:?}: value out of range"))
}

/// An index of an existing element; negative indices count from the end.
fn existing_index(key: &str, len: usize) -> Result<usize, String> {
    let index = atoi(key)?;
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let resolved = if index < 0 { index + len } else { index };
    if resolved < 0 || resolved >= len {
        return Err(format!(
            "Unable to access invalid index: {index}: {INVALID_INDEX}"
        ));
    }
    usize::try_from(resolved).map_err(|_| format!("Unable to access invalid index: {index}"))
}

fn container_get<'a>(container: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    match container {
        Value::Object(map) => Ok(map.get(key)),
        Value::Array(items) => existing_index(key, items.len()).map(|i| items.get(i)),
        _ => Ok(None),
    }
}

fn container_add(container: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match container {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            if key == "-" {
                items.push(value);
                return Ok(());
            }
            let index = atoi(key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            // Inserting may target one past the end; negative indices count
            // from the end of the grown array.
            let grown = i64::try_from(items.len() + 1).unwrap_or(i64::MAX);
            let resolved = if index < 0 { index + grown } else { index };
            if index >= grown || resolved < 0 {
                return Err(format!(
                    "Unable to access invalid index: {index}: {INVALID_INDEX}"
                ));
            }
            let at = usize::try_from(resolved).unwrap_or(items.len());
            items.insert(at.min(items.len()), value);
            Ok(())
        }
        _ => Err(format!(
            "Unable to access invalid index: {key}: {INVALID_INDEX}"
        )),
    }
}

/// Removes and returns the value at `key` (null for a null member).
fn container_remove(container: &mut Value, key: &str) -> Result<Value, String> {
    match container {
        Value::Object(map) => map
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: {MISSING}")),
        Value::Array(items) => {
            let index = existing_index(key, items.len())?;
            Ok(items.remove(index))
        }
        _ => Err(format!(
            "Unable to remove nonexistent key: {key}: {MISSING}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(doc: Value, patch: Value) -> Result<Value, PatchError> {
        apply_json_patch(&doc, &patch)
    }

    fn detail(err: PatchError) -> String {
        match err {
            PatchError::JsonPatchFailed { detail } => detail,
            other => panic!("expected a failed operation, got {other:?}"),
        }
    }

    #[test]
    fn successful_operations() {
        let cases = [
            (
                json!({"a": 1}),
                json!([{"op": "add", "path": "/b", "value": 2}]),
                json!({"a": 1, "b": 2}),
            ),
            (
                json!({"a": [1, 2]}),
                json!([{"op": "add", "path": "/a/-", "value": 3}]),
                json!({"a": [1, 2, 3]}),
            ),
            (
                json!({"a": [1, 2]}),
                json!([{"op": "add", "path": "/a/0", "value": 0}]),
                json!({"a": [0, 1, 2]}),
            ),
            (
                json!({"a": [1, 2]}),
                json!([{"op": "add", "path": "/a/2", "value": 3}]),
                json!({"a": [1, 2, 3]}),
            ),
            // Negative indices count from the end of the grown array.
            (
                json!({"a": [1, 2]}),
                json!([{"op": "add", "path": "/a/-1", "value": 9}]),
                json!({"a": [1, 2, 9]}),
            ),
            (
                json!({"a": [1, 2]}),
                json!([{"op": "add", "path": "/a/-3", "value": 9}]),
                json!({"a": [9, 1, 2]}),
            ),
            (
                json!({"a": 1}),
                json!([{"op": "add", "path": "/a"}]),
                json!({"a": null}),
            ),
            (
                json!({"a": 1, "b": 2}),
                json!([{"op": "remove", "path": "/a"}]),
                json!({"b": 2}),
            ),
            (
                json!({"a": [1, 2, 3]}),
                json!([{"op": "remove", "path": "/a/-1"}]),
                json!({"a": [1, 2]}),
            ),
            (
                json!({"a": 1}),
                json!([{"op": "replace", "path": "/a", "value": 5}]),
                json!({"a": 5}),
            ),
            // evanphx v4: replacing a missing object key adds it.
            (
                json!({"a": 1}),
                json!([{"op": "replace", "path": "/z", "value": 5}]),
                json!({"a": 1, "z": 5}),
            ),
            (
                json!({"a": 1}),
                json!([{"op": "replace", "path": "", "value": {"b": 2}}]),
                json!({"b": 2}),
            ),
            (
                json!({"a": [1, 2]}),
                json!([{"op": "replace", "path": "/a/1", "value": 7}]),
                json!({"a": [1, 7]}),
            ),
            (
                json!({"a": {"x": 1}}),
                json!([{"op": "move", "from": "/a/x", "path": "/b"}]),
                json!({"a": {}, "b": 1}),
            ),
            (
                json!({"a": [1, 2, 3]}),
                json!([{"op": "move", "from": "/a/0", "path": "/a/-"}]),
                json!({"a": [2, 3, 1]}),
            ),
            (
                json!({"a": {"x": 1}}),
                json!([{"op": "copy", "from": "/a", "path": "/b"}]),
                json!({"a": {"x": 1}, "b": {"x": 1}}),
            ),
            // evanphx v4: copying a missing key copies null.
            (
                json!({"a": 1}),
                json!([{"op": "copy", "from": "/nope", "path": "/b"}]),
                json!({"a": 1, "b": null}),
            ),
            (
                json!({"a/b": 1, "m~n": 2}),
                json!([{"op": "replace", "path": "/a~1b", "value": 3}, {"op": "remove", "path": "/m~0n"}]),
                json!({"a/b": 3}),
            ),
            (
                json!({"a": {"b": [{"c": 1}]}}),
                json!([{"op": "test", "path": "/a/b/0/c", "value": 1}]),
                json!({"a": {"b": [{"c": 1}]}}),
            ),
            (
                json!({"a": 1}),
                json!([{"op": "test", "path": "/missing", "value": null}]),
                json!({"a": 1}),
            ),
            (
                json!({"a": null}),
                json!([{"op": "test", "path": "/a"}]),
                json!({"a": null}),
            ),
            (
                json!({"a": 1}),
                json!([{"op": "test", "path": "", "value": {"a": 1}}]),
                json!({"a": 1}),
            ),
            (
                json!({"": 1}),
                json!([{"op": "replace", "path": "/", "value": 2}]),
                json!({"": 2}),
            ),
            (json!({"a": 1}), json!(null), json!({"a": 1})),
            (json!({"a": 1}), json!([]), json!({"a": 1})),
        ];
        for (doc, patch, want) in cases {
            let got = apply(doc.clone(), patch.clone());
            assert_eq!(got.ok(), Some(want), "doc {doc} patch {patch}");
        }
    }

    #[test]
    fn failing_operations_are_422_with_the_library_detail() {
        let cases = [
            (
                json!({"a": 1}),
                json!([{"op": "add", "path": "/x/y", "value": 1}]),
                "add operation does not apply: doc is missing path: \"/x/y\": missing value",
            ),
            (
                json!({"a": 1}),
                json!([{"op": "add", "value": 1}]),
                "add operation failed to decode path: missing value",
            ),
            (
                json!({"a": [1]}),
                json!([{"op": "add", "path": "/a/5", "value": 1}]),
                "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced",
            ),
            (
                json!({"a": [1]}),
                json!([{"op": "add", "path": "/a/-3", "value": 1}]),
                "error in add for path: '/a/-3': Unable to access invalid index: -3: invalid index referenced",
            ),
            (
                json!({"a": [1]}),
                json!([{"op": "add", "path": "/a/x", "value": 1}]),
                "error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
            ),
            (
                json!({"a": 1}),
                json!([{"op": "remove", "path": "/b"}]),
                "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value",
            ),
            (
                json!({"a": [1]}),
                json!([{"op": "remove", "path": "/a/1"}]),
                "error in remove for path: '/a/1': Unable to access invalid index: 1: invalid index referenced",
            ),
            (
                json!({"a": [1]}),
                json!([{"op": "replace", "path": "/a/3", "value": 1}]),
                "replace operation does not apply: doc is missing key: /a/3: missing value",
            ),
            (
                json!({"a": 1}),
                json!([{"op": "replace", "path": "", "value": 1}]),
                "replace operation value must be object or array",
            ),
            (
                json!({"a": 1}),
                json!([{"op": "move", "from": "/b", "path": "/c"}]),
                "error in move for path: 'b': Unable to remove nonexistent key: b: missing value",
            ),
            (
                json!({"a": {}}),
                json!([{"op": "move", "from": "/a", "path": "/a/b"}]),
                "move operation does not apply: doc is missing destination path: /a/b: missing value",
            ),
            (
                json!({"a": 1}),
                json!([{"op": "test", "path": "/a", "value": 2}]),
                "testing value /a failed: test failed",
            ),
            (
                json!({"a": 1}),
                json!([{"op": "test", "path": "/a", "value": 1.0}]),
                "testing value /a failed: test failed",
            ),
            (
                json!({"a": 1}),
                json!([{"op": "test", "path": "/a"}]),
                "testing value /a failed: test failed",
            ),
            (
                json!({"a": 1}),
                json!([{"op": "frobnicate", "path": "/a"}]),
                "Unexpected kind: frobnicate",
            ),
            (
                json!({"a": 1}),
                json!([{"path": "/a"}]),
                "Unexpected kind: unknown",
            ),
            (json!({"a": 1}), json!([null]), "Unexpected kind: unknown"),
            (
                json!({"a": "s"}),
                json!([{"op": "add", "path": "/a/b", "value": 1}]),
                "add operation does not apply: doc is missing path: \"/a/b\": missing value",
            ),
        ];
        for (doc, patch, want) in cases {
            let err = apply(doc.clone(), patch.clone()).expect_err(&format!("{patch}"));
            assert_eq!(err.status_code(), 422);
            assert_eq!(err.reason(), "Invalid");
            assert_eq!(
                err.to_string(),
                "the server rejected our request due to an error in our request"
            );
            assert_eq!(detail(err), want, "patch {patch}");
        }
    }

    #[test]
    fn a_failed_operation_leaves_no_partial_result() {
        let doc = json!({"a": 1});
        let patch =
            json!([{"op": "add", "path": "/b", "value": 2}, {"op": "remove", "path": "/zz"}]);
        assert!(apply_json_patch(&doc, &patch).is_err());
        assert_eq!(doc, json!({"a": 1}));
    }

    #[test]
    fn undecodable_patches_are_400_with_go_wording() {
        let err = apply(json!({}), json!({"op": "add"})).expect_err("object patch");
        assert_eq!(err.status_code(), 400);
        assert_eq!(err.reason(), "BadRequest");
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        );
        let err = apply(json!({}), json!(["add"])).expect_err("string op");
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal string into Go value of type jsonpatch.Operation"
        );
    }

    #[test]
    fn operation_count_limit() {
        let op = json!({"op": "test", "path": "/a", "value": 1});
        let at_limit = Value::Array(vec![op.clone(); MAX_JSON_PATCH_OPERATIONS]);
        assert!(apply(json!({"a": 1}), at_limit).is_ok());
        let past = Value::Array(vec![op; MAX_JSON_PATCH_OPERATIONS + 1]);
        let err = apply(json!({"a": 1}), past).expect_err("past the limit");
        assert_eq!(err.status_code(), 413);
        assert_eq!(err.reason(), "RequestEntityTooLarge");
        assert_eq!(
            err.to_string(),
            "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
        );
    }

    #[test]
    fn copy_size_limit() {
        // A string marshals to its length plus two quotes.
        let doc = |len: usize| json!({"s": "a".repeat(len)});
        let copy = json!([{"op": "copy", "from": "/s", "path": "/t"}]);
        assert!(apply(doc(MAX_JSON_PATCH_COPY_BYTES - 2), copy.clone()).is_ok());
        let err = apply(doc(MAX_JSON_PATCH_COPY_BYTES - 1), copy).expect_err("past the limit");
        assert_eq!(err.status_code(), 422);
        assert_eq!(
            detail(err),
            format!(
                "Unable to complete the copy, the accumulated size increase of copy is {}, exceeding the limit {}",
                MAX_JSON_PATCH_COPY_BYTES + 1,
                MAX_JSON_PATCH_COPY_BYTES
            )
        );
        // The limit is per patch, summed over its copies.
        let half = doc(MAX_JSON_PATCH_COPY_BYTES / 2);
        let twice = json!([
            {"op": "copy", "from": "/s", "path": "/t"},
            {"op": "copy", "from": "/s", "path": "/u"}
        ]);
        assert!(apply(half, twice).is_err());
    }
}
