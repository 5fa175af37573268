//! Creating strategic merge patches: the two-way diff and Helm's three-way
//! patch, with the semantics of strategicpatch's `diffMaps` and
//! `CreateThreeWayMergePatch` (deletions from original to modified, changes
//! and additions from current to modified, combined; `$setElementOrder`,
//! `$deleteFromPrimitiveList` and `$retainKeys` directives generated where
//! Kubernetes generates them).

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::PatchError;
use super::schema::Ty;
use super::strategic::{
    DELETE_FROM_PRIMITIVE_LIST, DIRECTIVE, ElementKind, MergeOptions, PatchMeta, RETAIN_KEYS,
    SET_ELEMENT_ORDER, element_kind, go_format, internal, lookup_slice, lookup_struct, merge_map,
    no_merge_key,
};

#[derive(Debug, Clone, Copy, Default)]
struct DiffOptions {
    set_element_order: bool,
    ignore_changes_and_additions: bool,
    ignore_deletions: bool,
    build_retain_keys: bool,
}

/// The three-way patch: applied to `current`, it yields `modified`'s values
/// while keeping what others added to `current`, and deletes what
/// `original` had and `modified` dropped. Without `overwrite`, changes that
/// differ from those made between `original` and `current` are refused.
pub(crate) fn three_way(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    current: &Map<String, Value>,
    schema: Ty,
    overwrite: bool,
) -> Result<Map<String, Value>, PatchError> {
    let delta = diff_maps(
        current,
        modified,
        schema,
        DiffOptions {
            ignore_deletions: true,
            set_element_order: true,
            ..DiffOptions::default()
        },
    )?;
    let deletions = diff_maps(
        original,
        modified,
        schema,
        DiffOptions {
            set_element_order: true,
            ignore_changes_and_additions: true,
            ..DiffOptions::default()
        },
    )?;
    let patch = merge_map(deletions, delta, schema, MergeOptions::COMBINE)?;
    if !overwrite {
        let changed = diff_maps(original, current, schema, DiffOptions::default())?;
        if maps_conflict(&patch, &changed, schema)? {
            return Err(PatchError::Conflict {
                message: format!(
                    "patch:\n{}\nconflicts with changes made from original to current:\n{}\n",
                    Value::Object(patch),
                    Value::Object(changed)
                ),
            });
        }
    }
    Ok(patch)
}

/// The two-way patch from `original` to `modified` (`CreateTwoWayMergePatch`).
pub(crate) fn two_way(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    schema: Ty,
) -> Result<Map<String, Value>, PatchError> {
    diff_maps(
        original,
        modified,
        schema,
        DiffOptions {
            set_element_order: true,
            ..DiffOptions::default()
        },
    )
}

fn same_go_type(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.is_f64() == y.is_f64(),
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

fn diff_maps(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    schema: Ty,
    options: DiffOptions,
) -> Result<Map<String, Value>, PatchError> {
    let mut patch = Map::new();
    let mut retain_keys: Vec<Value> = Vec::new();
    for (key, modified_value) in modified {
        if options.build_retain_keys && !modified_value.is_null() {
            retain_keys.push(Value::String(key.clone()));
        }
        let Some(original_value) = original.get(key) else {
            if !options.ignore_changes_and_additions {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        };
        if key == DIRECTIVE {
            let (Some(o), Some(m)) = (original_value.as_str(), modified_value.as_str()) else {
                return Err(internal(format!(
                    "invalid value for special key: {DIRECTIVE}"
                )));
            };
            if o != m {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        }
        if !same_go_type(original_value, modified_value) {
            if !options.ignore_changes_and_additions {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        }
        match (original_value, modified_value) {
            (Value::Object(o), Value::Object(m)) => {
                diff_map_field(key, o, m, &mut patch, schema, options)?;
            }
            (Value::Array(o), Value::Array(m)) => {
                diff_list_field(key, o, m, &mut patch, schema, options)?;
            }
            _ => replace_if_not_equal(key, original_value, modified_value, &mut patch, options),
        }
    }
    if !options.ignore_deletions {
        for key in original.keys() {
            if !modified.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    let has_additional_field = original
        .iter()
        .any(|(k, v)| !v.is_null() && !modified.contains_key(k));
    if !retain_keys.is_empty() && (!patch.is_empty() || has_additional_field) {
        patch.insert(
            RETAIN_KEYS.to_string(),
            Value::Array(sort_scalars(retain_keys)),
        );
    }
    Ok(patch)
}

/// Looks a field up; an unknown field only matters when its values differ.
fn lookup_or_same<T>(found: Result<T, PatchError>, same: bool) -> Result<Option<T>, PatchError> {
    match found {
        Ok(found) => Ok(Some(found)),
        Err(_) if same => Ok(None),
        Err(err) => Err(err),
    }
}

fn diff_map_field(
    key: &str,
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Ty,
    mut options: DiffOptions,
) -> Result<(), PatchError> {
    let found = lookup_or_same(lookup_struct(schema, key), original == modified)?;
    let Some((sub, meta)) = found else {
        return Ok(());
    };
    let (retain, strategy) = split_strategy(&meta)?;
    options.build_retain_keys = retain;
    if strategy == "replace" {
        if !options.ignore_changes_and_additions {
            patch.insert(key.to_string(), Value::Object(modified.clone()));
        }
        return Ok(());
    }
    let sub_patch = diff_maps(original, modified, sub, options)?;
    if !sub_patch.is_empty() {
        patch.insert(key.to_string(), Value::Object(sub_patch));
    }
    Ok(())
}

fn split_strategy(meta: &PatchMeta) -> Result<(bool, &'static str), PatchError> {
    let retain = meta.strategy.split(',').any(|s| s == "retainKeys");
    Ok((retain, meta.strategy()?))
}

fn diff_list_field(
    key: &str,
    original: &[Value],
    modified: &[Value],
    patch: &mut Map<String, Value>,
    schema: Ty,
    mut options: DiffOptions,
) -> Result<(), PatchError> {
    let found = lookup_or_same(lookup_slice(schema, key), original == modified)?;
    let Some((elem, meta)) = found else {
        return Ok(());
    };
    let (retain, strategy) = split_strategy(&meta)?;
    if strategy != "merge" {
        if !options.ignore_changes_and_additions && original != modified {
            patch.insert(key.to_string(), Value::Array(modified.to_vec()));
        }
        return Ok(());
    }
    options.build_retain_keys = retain;
    let (add, delete, order) = diff_lists(original, modified, elem, meta.merge_key, options)?;
    if !add.is_empty() {
        patch.insert(key.to_string(), Value::Array(add));
    }
    if !delete.is_empty() {
        patch.insert(
            format!("{DELETE_FROM_PRIMITIVE_LIST}/{key}"),
            Value::Array(delete),
        );
    }
    if !order.is_empty() {
        patch.insert(format!("{SET_ELEMENT_ORDER}/{key}"), Value::Array(order));
    }
    Ok(())
}

fn replace_if_not_equal(
    key: &str,
    original: &Value,
    modified: &Value,
    patch: &mut Map<String, Value>,
    options: DiffOptions,
) {
    if !options.ignore_changes_and_additions && original != modified {
        patch.insert(key.to_string(), modified.clone());
    }
}

type ListDiff = (Vec<Value>, Vec<Value>, Vec<Value>);

/// The additions/changes, primitive deletions and element order of a merge list.
fn diff_lists(
    original: &[Value],
    modified: &[Value],
    elem: Ty,
    merge_key: &str,
    options: DiffOptions,
) -> Result<ListDiff, PatchError> {
    if original.is_empty() {
        if modified.is_empty() || options.ignore_changes_and_additions {
            return Ok((Vec::new(), Vec::new(), Vec::new()));
        }
        return Ok((modified.to_vec(), Vec::new(), Vec::new()));
    }
    match element_kind(&[original, modified])? {
        ElementKind::Map => {
            let (patch, deletions) =
                diff_lists_of_maps(original, modified, elem, merge_key, options)?;
            let mut patch = sort_patch_by_order(patch, modified, merge_key)?;
            let order_same = order_same(original, modified, merge_key)?;
            patch.extend(deletions);
            let mut order = Vec::new();
            let wants_order = (!options.ignore_changes_and_additions
                && (!patch.is_empty() || !order_same))
                || (!options.ignore_deletions && !patch.is_empty());
            if options.set_element_order && wants_order {
                order = modified
                    .iter()
                    .map(|item| {
                        let mut only_key = Map::new();
                        let value = item.get(merge_key).cloned().unwrap_or(Value::Null);
                        only_key.insert(merge_key.to_string(), value);
                        Value::Object(only_key)
                    })
                    .collect();
            }
            Ok((patch, Vec::new(), order))
        }
        ElementKind::Scalar => {
            let (add, delete) = diff_lists_of_scalars(original, modified, options);
            let add = sort_scalars_by_order(add, modified);
            // Kubernetes compares the original after sorting it in place.
            let sorted_original = sort_scalars(original.to_vec());
            let mut order = Vec::new();
            let wants_order = (!options.ignore_deletions && !delete.is_empty())
                || (!options.ignore_changes_and_additions && sorted_original != modified);
            if options.set_element_order && wants_order {
                order = modified.to_vec();
            }
            Ok((add, delete, order))
        }
    }
}

/// Sorts patch items by their position in `modified` (by merge key).
fn sort_patch_by_order(
    items: Vec<Value>,
    modified: &[Value],
    merge_key: &str,
) -> Result<Vec<Value>, PatchError> {
    for item in items.iter().chain(modified.iter()) {
        let Value::Object(map) = item else {
            return Err(internal(
                "expected a map[string]interface {}, but received a list item",
            ));
        };
        if !map.contains_key(merge_key) {
            return Err(no_merge_key(map, merge_key));
        }
    }
    let (mut keep, deletes): (Vec<Value>, Vec<Value>) = items
        .into_iter()
        .partition(|v| v.get(DIRECTIVE).and_then(Value::as_str) != Some("delete"));
    keep.sort_by_key(|v| {
        modified
            .iter()
            .position(|m| m.get(merge_key) == v.get(merge_key))
            .unwrap_or(usize::MAX)
    });
    keep.extend(deletes);
    Ok(keep)
}

fn sort_scalars_by_order(mut items: Vec<Value>, order: &[Value]) -> Vec<Value> {
    items.sort_by_key(|v| order.iter().position(|o| o == v).unwrap_or(usize::MAX));
    items
}

fn order_same(original: &[Value], modified: &[Value], merge_key: &str) -> Result<bool, PatchError> {
    if original.len() != modified.len() {
        return Ok(false);
    }
    for (o, m) in original.iter().zip(modified) {
        let (Value::Object(o), Value::Object(m)) = (o, m) else {
            return Err(internal("expected a map[string]interface {}"));
        };
        let ov = o.get(merge_key).ok_or_else(|| no_merge_key(o, merge_key))?;
        let mv = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
        if ov != mv {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Go's string order of `%v`, the order strategicpatch sorts scalars and
/// merge keys in.
fn go_string_cmp(a: &Value, b: &Value) -> Ordering {
    go_format(a).cmp(&go_format(b))
}

fn sort_scalars(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by(go_string_cmp);
    items
}

/// strategicpatch's in-place deduplication, which moves the last element
/// into each duplicate's slot.
fn deduplicate_scalars(mut items: Vec<Value>) -> Vec<Value> {
    let mut i = 0;
    while i + 1 < items.len() {
        let mut j = i + 1;
        while j < items.len() {
            if items[i] == items[j] {
                items.swap_remove(j);
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    items
}

fn diff_lists_of_scalars(
    original: &[Value],
    modified: &[Value],
    options: DiffOptions,
) -> (Vec<Value>, Vec<Value>) {
    let original = sort_scalars(original.to_vec());
    let modified = sort_scalars(modified.to_vec());
    let (mut o, mut m) = (0, 0);
    let mut add = Vec::new();
    let mut delete = Vec::new();
    while o < original.len() || m < modified.len() {
        let ordering = match (original.get(o), modified.get(m)) {
            (Some(ov), Some(mv)) => go_string_cmp(ov, mv),
            (Some(_), None) => Ordering::Less,
            (None, _) => Ordering::Greater,
        };
        match ordering {
            Ordering::Equal => {
                o += 1;
                m += 1;
            }
            Ordering::Less => {
                if !options.ignore_deletions {
                    delete.push(original[o].clone());
                }
                o += 1;
            }
            Ordering::Greater => {
                if !options.ignore_changes_and_additions {
                    add.push(modified[m].clone());
                }
                m += 1;
            }
        }
    }
    (add, deduplicate_scalars(delete))
}

fn key_of<'a>(
    item: &'a Value,
    merge_key: &str,
) -> Result<(&'a Map<String, Value>, &'a Value), PatchError> {
    let Value::Object(map) = item else {
        return Err(internal("expected a map[string]interface {}"));
    };
    let value = map
        .get(merge_key)
        .ok_or_else(|| no_merge_key(map, merge_key))?;
    Ok((map, value))
}

fn sort_by_merge_key(items: &[Value], merge_key: &str) -> Vec<Value> {
    let mut items = items.to_vec();
    items.sort_by_cached_key(|v| go_format(v.get(merge_key).unwrap_or(&Value::Null)));
    items
}

fn diff_lists_of_maps(
    original: &[Value],
    modified: &[Value],
    elem: Ty,
    merge_key: &str,
    options: DiffOptions,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let original = sort_by_merge_key(original, merge_key);
    let modified = sort_by_merge_key(modified, merge_key);
    let mut patch = Vec::new();
    let mut deletions = Vec::new();
    let (mut o, mut m) = (0, 0);
    while o < original.len() || m < modified.len() {
        let current_o = original.get(o).map(|v| key_of(v, merge_key)).transpose()?;
        let current_m = modified.get(m).map(|v| key_of(v, merge_key)).transpose()?;
        let ordering = match (&current_o, &current_m) {
            (Some((_, ov)), Some((_, mv))) => go_format(ov).cmp(&go_format(mv)),
            (Some(_), None) => Ordering::Less,
            (None, _) => Ordering::Greater,
        };
        match (ordering, current_o, current_m) {
            (Ordering::Equal, Some((om, _)), Some((mm, mv))) => {
                let mut item = diff_maps(om, mm, elem, options)?;
                if !item.is_empty() {
                    item.insert(merge_key.to_string(), mv.clone());
                    patch.push(Value::Object(item));
                }
                o += 1;
                m += 1;
            }
            (Ordering::Greater, _, Some((mm, _))) => {
                if !options.ignore_changes_and_additions {
                    patch.push(Value::Object(mm.clone()));
                }
                m += 1;
            }
            (_, Some((_, ov)), _) => {
                if !options.ignore_deletions {
                    let mut directive = Map::new();
                    directive.insert(merge_key.to_string(), ov.clone());
                    directive.insert(DIRECTIVE.to_string(), Value::String("delete".to_string()));
                    deletions.push(Value::Object(directive));
                }
                o += 1;
            }
            _ => break,
        }
    }
    Ok((patch, deletions))
}

/// strategicpatch's `MergingMapsHaveConflicts`.
fn maps_conflict(
    left: &Map<String, Value>,
    right: &Map<String, Value>,
    schema: Ty,
) -> Result<bool, PatchError> {
    for (key, left_value) in left {
        if key == DIRECTIVE || key == RETAIN_KEYS {
            continue;
        }
        let Some(right_value) = right.get(key) else {
            continue;
        };
        let (sub, meta) = match left_value {
            Value::Array(_) => {
                let (sub, meta) = lookup_slice(schema, key)?;
                (sub, Some(meta))
            }
            Value::Object(_) => {
                let (sub, meta) = lookup_struct(schema, key)?;
                (sub, Some(meta))
            }
            _ => (schema, None),
        };
        let strategy = meta.map(|m| m.strategy()).transpose()?.unwrap_or("");
        let merge_key = meta.map(|m| m.merge_key).unwrap_or("");
        if fields_conflict(left_value, right_value, sub, strategy, merge_key)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn fields_conflict(
    left: &Value,
    right: &Value,
    schema: Ty,
    strategy: &str,
    merge_key: &str,
) -> Result<bool, PatchError> {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            let (lm, rm) = (l.get(DIRECTIVE), r.get(DIRECTIVE));
            if (lm.is_some() || rm.is_some()) && lm != rm {
                return Ok(true);
            }
            if strategy == "replace" {
                return Ok(false);
            }
            maps_conflict(l, r, schema)
        }
        (Value::Array(l), Value::Array(r)) => lists_conflict(l, r, schema, strategy, merge_key),
        (Value::Object(_), _) | (Value::Array(_), _) => Ok(true),
        _ => Ok(left != right),
    }
}

fn lists_conflict(
    left: &[Value],
    right: &[Value],
    schema: Ty,
    strategy: &str,
    merge_key: &str,
) -> Result<bool, PatchError> {
    let kind = element_kind(&[left, right])?;
    if strategy == "merge" {
        if kind != ElementKind::Map {
            return Ok(false);
        }
        let index = |list: &[Value]| -> Result<Map<String, Value>, PatchError> {
            let mut out = Map::new();
            for item in list {
                let (map, value) = key_of(item, merge_key)?;
                out.insert(go_format(value), Value::Object(map.clone()));
            }
            Ok(out)
        };
        let (l, r) = (index(left)?, index(right)?);
        for (key, lv) in &l {
            if let Some(rv) = r.get(key)
                && fields_conflict(lv, rv, schema, "", "")?
            {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if left.len() != right.len() {
        return Ok(true);
    }
    let (left, right) = if kind == ElementKind::Map {
        (left.to_vec(), right.to_vec())
    } else {
        (
            sort_scalars(deduplicate_scalars(left.to_vec())),
            sort_scalars(deduplicate_scalars(right.to_vec())),
        )
    };
    for (l, r) in left.iter().zip(&right) {
        if fields_conflict(l, r, schema, "", "")? {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use crate::patch::{
        Gvk, PatchError, apply_strategic_merge_patch, create_three_way_strategic,
        create_two_way_strategic,
    };
    use serde_json::{Value, json};

    const DEPLOYMENT: Gvk<'static> = Gvk {
        group: "apps",
        version: "v1",
        kind: "Deployment",
    };

    fn deployment(replicas: i64, containers: Value) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": containers}
                }
            }
        })
    }

    /// Creates Helm's three-way patch and applies it to the live object.
    fn upgrade(original: &Value, modified: &Value, live: &Value) -> (Value, Value) {
        let patch = create_three_way_strategic(original, modified, live, &DEPLOYMENT, true)
            .expect("patch is created");
        let result = apply_strategic_merge_patch(live, &patch, &DEPLOYMENT).expect("patch applies");
        (patch, result)
    }

    #[test]
    fn seed_rollback_restores_replicas_after_kubectl_scale() {
        let manifest = deployment(3, json!([{"name": "app", "image": "app:1"}]));
        let mut live = manifest.clone();
        live["spec"]["replicas"] = json!(0);
        live["status"] = json!({"replicas": 0});
        let (patch, result) = upgrade(&manifest, &manifest, &live);
        assert_eq!(patch, json!({"spec": {"replicas": 3}}));
        assert_eq!(result["spec"]["replicas"], json!(3));
        assert_eq!(result["status"], json!({"replicas": 0}));
    }

    #[test]
    fn seed_injected_sidecar_survives_an_image_change() {
        let original = deployment(3, json!([{"name": "app", "image": "app:1"}]));
        let modified = deployment(3, json!([{"name": "app", "image": "app:2"}]));
        let live = deployment(
            3,
            json!([{"name": "app", "image": "app:1"}, {"name": "istio-proxy", "image": "proxy:1"}]),
        );
        let (patch, result) = upgrade(&original, &modified, &live);
        assert_eq!(
            patch,
            json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "app"}],
                "containers": [{"name": "app", "image": "app:2"}]
            }}}})
        );
        assert_eq!(
            result["spec"]["template"]["spec"]["containers"],
            json!([{"name": "app", "image": "app:2"}, {"name": "istio-proxy", "image": "proxy:1"}])
        );
    }

    #[test]
    fn removed_from_the_chart_is_deleted_and_live_additions_are_kept() {
        let mut original = deployment(1, json!([{"name": "a"}, {"name": "b"}]));
        original["metadata"]["labels"]["tier"] = json!("x");
        original["metadata"]["finalizers"] = json!(["f1", "f2"]);
        let mut modified = deployment(1, json!([{"name": "a"}]));
        modified["metadata"]["finalizers"] = json!(["f1"]);
        let mut live = deployment(
            1,
            json!([{"name": "a"}, {"name": "b"}, {"name": "sidecar"}]),
        );
        live["metadata"]["labels"]["tier"] = json!("x");
        live["metadata"]["labels"]["injected"] = json!("yes");
        live["metadata"]["finalizers"] = json!(["f1", "f2", "f3"]);
        let (patch, result) = upgrade(&original, &modified, &live);
        assert_eq!(
            patch,
            json!({
                "metadata": {
                    "labels": {"tier": null},
                    "$deleteFromPrimitiveList/finalizers": ["f2"],
                    "$setElementOrder/finalizers": ["f1"]
                },
                "spec": {"template": {"spec": {
                    "$setElementOrder/containers": [{"name": "a"}],
                    "containers": [{"name": "b", "$patch": "delete"}]
                }}}
            })
        );
        assert_eq!(
            result["metadata"]["labels"],
            json!({"app": "web", "injected": "yes"})
        );
        assert_eq!(result["metadata"]["finalizers"], json!(["f1", "f3"]));
        assert_eq!(
            result["spec"]["template"]["spec"]["containers"],
            json!([{"name": "a"}, {"name": "sidecar"}])
        );
    }

    #[test]
    fn retain_keys_strategy_clears_a_switched_deployment_strategy() {
        let mut original = deployment(1, json!([{"name": "a"}]));
        original["spec"]["strategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}});
        let mut modified = original.clone();
        modified["spec"]["strategy"] = json!({"type": "Recreate"});
        let (patch, result) = upgrade(&original, &modified, &original);
        assert_eq!(
            patch,
            json!({"spec": {"strategy": {
                "$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": null
            }}})
        );
        assert_eq!(result["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn unchanged_objects_give_an_empty_patch_and_a_missing_live_object_a_full_one() {
        let manifest = deployment(2, json!([{"name": "a", "image": "i"}]));
        let (patch, _) = upgrade(&manifest, &manifest, &manifest);
        assert_eq!(patch, json!({}));
        let patch =
            create_three_way_strategic(&manifest, &manifest, &Value::Null, &DEPLOYMENT, true)
                .expect("patch");
        assert_eq!(patch, manifest);
    }

    #[test]
    fn without_overwrite_a_conflicting_change_is_refused() {
        let original = deployment(3, json!([{"name": "a"}]));
        let modified = deployment(4, json!([{"name": "a"}]));
        let live = deployment(5, json!([{"name": "a"}]));
        let err = create_three_way_strategic(&original, &modified, &live, &DEPLOYMENT, false)
            .expect_err("conflict");
        assert!(matches!(err, PatchError::Conflict { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("patch:\n{\"spec\":{\"replicas\":4}}\nconflicts with")
        );
        assert!(create_three_way_strategic(&original, &modified, &live, &DEPLOYMENT, true).is_ok());
        let untouched = deployment(3, json!([{"name": "a"}]));
        assert!(
            create_three_way_strategic(&original, &modified, &untouched, &DEPLOYMENT, false)
                .is_ok()
        );
    }

    #[test]
    fn two_way_patches_round_trip() {
        let cases = [
            (
                deployment(1, json!([{"name": "a", "image": "1"}, {"name": "b"}])),
                deployment(2, json!([{"name": "c"}, {"name": "a", "image": "2"}])),
            ),
            (
                deployment(1, json!([{"name": "a", "ports": [{"containerPort": 80}]}])),
                deployment(
                    1,
                    json!([{"name": "a", "ports": [{"containerPort": 81}], "args": ["x"]}]),
                ),
            ),
        ];
        for (original, modified) in cases {
            let patch = create_two_way_strategic(&original, &modified, &DEPLOYMENT).expect("diff");
            let applied =
                apply_strategic_merge_patch(&original, &patch, &DEPLOYMENT).expect("apply");
            assert_eq!(applied, modified, "patch {patch}");
        }
    }

    #[test]
    fn custom_resources_have_no_strategic_patch() {
        let gvk = Gvk::new("example.com", "v1", "Widget");
        let err = create_three_way_strategic(&json!({}), &json!({}), &json!({}), &gvk, true)
            .expect_err("CR");
        assert_eq!(err.status_code(), 415);
    }
}
