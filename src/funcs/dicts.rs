//! Sprig's dict functions: building maps (`dict`), reading them (`get`,
//! `hasKey`, `pluck`, `dig`, `keys`, `values`), changing them in place (`set`,
//! `unset`), deriving new ones (`pick`, `omit`), deep merges with
//! dario.cat/mergo's rules (`merge`, `mergeOverwrite`) and deep copies
//! (`deepCopy`, after mitchellh/copystructure).
//!
//! Maps are shared like Go maps: `set`, `unset` and the merges change the map
//! they are given, and every holder of it (a variable, `.Values`, a map nested in
//! another) sees the change. A nil map (the literal `nil`) reads as empty, as in
//! Go, and can't be written to.
//!
//! Go iterates maps in random order, so `keys` and `values` have no defined
//! order in Helm; here they follow the sorted keys of each map, so output is
//! reproducible. Charts that care sort them (`keys . | sortAlpha`).

use std::sync::Arc;

use crate::gotmpl::{ElemType, Entries, Error, Func, FuncMap, List, Map, Param, Value};

use super::cast::to_string as strval;
use super::str_arg;

pub(super) fn register(funcs: &mut FuncMap) {
    use Param::{Any, String};
    let mut add = |names: &[&str], params: &[Param], variadic: Option<Param>, body: Body| {
        for name in names {
            funcs.insert((*name).into(), Func::pure(params, variadic, body));
        }
    };
    add(&["dict"], &[], Some(Any), dict);
    add(&["get"], &[Param::Map, String], None, get);
    add(&["set"], &[Param::Map, String, Any], None, set);
    add(&["unset"], &[Param::Map, String], None, unset);
    add(&["hasKey"], &[Param::Map, String], None, has_key);
    add(&["pluck"], &[String], Some(Param::Map), pluck);
    add(&["dig"], &[], Some(Any), dig);
    add(&["keys"], &[], Some(Param::Map), keys);
    add(&["values"], &[Param::Map], None, values);
    add(&["pick"], &[Param::Map], Some(String), pick);
    add(&["omit"], &[Param::Map], Some(String), omit);
    add(
        &["merge", "mustMerge"],
        &[Param::Map],
        Some(Param::Map),
        merge,
    );
    add(
        &["mergeOverwrite", "mustMergeOverwrite"],
        &[Param::Map],
        Some(Param::Map),
        merge_overwrite,
    );
    add(&["deepCopy", "mustDeepCopy"], &[Any], None, deep_copy);
}

type Body = fn(&[Value]) -> Result<Value, Error>;

/// A `map[string]interface {}` argument: `None` for a nil map.
fn map_arg(value: &Value) -> Option<&Map> {
    match value {
        Value::Map(map) => Some(map),
        _ => None,
    }
}

fn new_map(entries: Entries) -> Result<Value, Error> {
    Ok(Value::Map(Map::new(entries)))
}

/// `dict KEY VALUE ...`: keys of any type become strings through `strval`; a key
/// without a value gets the empty string; a repeated key keeps its last value.
fn dict(args: &[Value]) -> Result<Value, Error> {
    let entries = args
        .chunks(2)
        .map(|pair| {
            let value = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
            (Arc::from(strval(&pair[0])), value)
        })
        .collect();
    new_map(entries)
}

/// `get MAP KEY`: the value, or the empty string when the key is absent.
fn get(args: &[Value]) -> Result<Value, Error> {
    let value = map_arg(&args[0]).and_then(|m| m.get(str_arg(&args[1])));
    Ok(value.unwrap_or_else(|| Value::str("")))
}

/// `set MAP KEY VALUE`: stores the value in the map itself, and returns the map.
fn set(args: &[Value]) -> Result<Value, Error> {
    let Some(map) = map_arg(&args[0]) else {
        return Err(Error::msg("assignment to entry in nil map"));
    };
    map.write()
        .insert(Arc::from(str_arg(&args[1])), args[2].clone());
    Ok(args[0].clone())
}

/// `unset MAP KEY`: deletes the key from the map itself, and returns the map.
fn unset(args: &[Value]) -> Result<Value, Error> {
    let Some(map) = map_arg(&args[0]) else {
        return new_map(Entries::new());
    };
    let key = str_arg(&args[1]);
    if map.read().contains_key(key) {
        map.write().remove(key);
    }
    Ok(args[0].clone())
}

fn has_key(args: &[Value]) -> Result<Value, Error> {
    let key = str_arg(&args[1]);
    let found = map_arg(&args[0]).is_some_and(|m| m.read().contains_key(key));
    Ok(Value::Bool(found))
}

/// `pluck KEY MAP...`: the key's value in each map that has it.
fn pluck(args: &[Value]) -> Result<Value, Error> {
    let key = str_arg(&args[0]);
    let found = args[1..]
        .iter()
        .filter_map(map_arg)
        .filter_map(|m| m.get(key))
        .collect();
    Ok(Value::List(List::new(found)))
}

/// `dig KEY... DEFAULT MAP`: the value at the path of keys, or DEFAULT when a key
/// is missing on the way. Sprig type-asserts what it walks through, so the map,
/// every map on the path and every key must be exactly a `map[string]interface
/// {}` or a string; anything else (`.Values` itself, whose Go type is
/// `common.Values`, or a string halfway down) is Go's failed-assertion error.
fn dig(args: &[Value]) -> Result<Value, Error> {
    const MAP: &str = "map[string]interface {}";
    fn assert_map(value: &Value) -> Result<&Map, Error> {
        match value {
            Value::Map(map) if map.type_name() == MAP => Ok(map),
            other => Err(conversion_error(other, MAP)),
        }
    }
    const TOO_FEW: &str = "dig needs at least three arguments";
    let [keys @ .., default, dict] = args else {
        return Err(Error::msg(TOO_FEW));
    };
    if keys.is_empty() {
        return Err(Error::msg(TOO_FEW));
    }
    let mut map = assert_map(dict)?.clone();
    let keys = keys
        .iter()
        .map(|key| key.as_str().ok_or_else(|| conversion_error(key, "string")))
        .collect::<Result<Vec<&str>, Error>>()?;
    let Some((last, path)) = keys.split_last() else {
        return Err(Error::msg(TOO_FEW));
    };
    for key in path {
        let Some(step) = map.get(key) else {
            return Ok(default.clone());
        };
        map = assert_map(&step)?.clone();
    }
    Ok(map.get(last).unwrap_or_else(|| default.clone()))
}

/// Go's message for a failed type assertion from `interface {}`.
fn conversion_error(value: &Value, wanted: &str) -> Error {
    let got = match value {
        Value::Nil => "nil".into(),
        other => other.type_name(),
    };
    Error::msg(format!(
        "interface conversion: interface {{}} is {got}, not {wanted}"
    ))
}

/// `keys MAP...`: the keys of every map, as a `[]string`: each map's in sorted
/// order (Go's are in random order), one map after the other, repeats kept.
fn keys(args: &[Value]) -> Result<Value, Error> {
    let keys = args
        .iter()
        .filter_map(map_arg)
        .flat_map(|m| m.keys())
        .map(Value::Str)
        .collect();
    Ok(Value::List(List::typed(keys, ElemType::String)))
}

/// `values MAP`: the values, in the order of their sorted keys (Go's are in
/// random order).
fn values(args: &[Value]) -> Result<Value, Error> {
    let values = map_arg(&args[0])
        .map(|m| m.read().values().cloned().collect())
        .unwrap_or_default();
    Ok(Value::List(List::new(values)))
}

/// `pick MAP KEY...`: a new map of the given keys that the map has.
fn pick(args: &[Value]) -> Result<Value, Error> {
    let mut picked = Entries::new();
    if let Some(map) = map_arg(&args[0]) {
        let entries = map.read();
        for key in &args[1..] {
            if let Some((k, v)) = entries.get_key_value(str_arg(key)) {
                picked.insert(k.clone(), v.clone());
            }
        }
    }
    new_map(picked)
}

/// `omit MAP KEY...`: a new map of the entries whose key isn't given.
fn omit(args: &[Value]) -> Result<Value, Error> {
    let omitted: Vec<&str> = args[1..].iter().map(str_arg).collect();
    let kept = map_arg(&args[0])
        .map(|m| {
            m.read()
                .iter()
                .filter(|(k, _)| !omitted.contains(&&***k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    new_map(kept)
}

/// `merge DST SRC...`: fills DST in place from each SRC in turn (mergo's
/// `Merge`), and returns DST. See [`merge_into`] for the rules.
fn merge(args: &[Value]) -> Result<Value, Error> {
    merge_all(args, false)
}

/// `mergeOverwrite DST SRC...`: like `merge`, but SRC wins (mergo's `Merge` with
/// `WithOverride`).
fn merge_overwrite(args: &[Value]) -> Result<Value, Error> {
    merge_all(args, true)
}

fn merge_all(args: &[Value], overwrite: bool) -> Result<Value, Error> {
    // mergo gives a nil destination a new map, which Sprig returns.
    let dst = match &args[0] {
        Value::Map(map) => map.clone(),
        _ => Map::new(Entries::new()),
    };
    for src in args[1..].iter().filter_map(map_arg) {
        merge_into(&dst, src, overwrite, &mut Vec::new())?;
    }
    Ok(Value::Map(dst))
}

/// mergo's deep merge of `src` into `dst` (both `map[string]interface {}`),
/// reduced to what it does on template values. For each key of `src`:
///
/// - a nil value is skipped, or with `overwrite` stored as nil (even for a key
///   `dst` lacks);
/// - a map meeting a map in `dst` is merged into that map, in place, by the same
///   rules; if `dst`'s map is still empty afterwards it is replaced by `src`'s;
/// - anything else (scalars, lists, a map meeting a non-map) is stored when
///   `dst` lacks the key, when `dst`'s value is empty (Go's zero values: `""`,
///   0, false, nil, empty lists and maps), or always with `overwrite`; so
///   `mergeOverwrite` does overwrite with `""`, 0 and false.
///
/// Values are stored, not copied: a map from `src` is then shared by both.
/// (Go values that are structs, such as `.Capabilities`, are treated as plain
/// values here; mergo would merge their fields.)
///
/// A map that contains itself would make mergo recurse until Go's stack runs
/// out and the process dies; here it is an error.
fn merge_into(
    dst: &Map,
    src: &Map,
    overwrite: bool,
    path: &mut Vec<(usize, usize)>,
) -> Result<(), Error> {
    let pair = (dst.address(), src.address());
    if path.contains(&pair) {
        return Err(Error::msg("cannot merge a map that contains itself"));
    }
    path.push(pair);
    // A snapshot, as `dst` and `src` may be the same map.
    let entries: Vec<(Arc<str>, Value)> = src
        .read()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, value) in entries {
        let current = dst.get(&key);
        let store = match (&value, &current) {
            (Value::Nil, _) => overwrite,
            (Value::Map(from), Some(Value::Map(into))) => {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    merge_into(into, from, overwrite, path)
                })?;
                into.is_empty()
            }
            (_, None) => true,
            (_, Some(existing)) => overwrite || !existing.is_true(),
        };
        if store {
            dst.write().insert(key, value);
        }
    }
    path.pop();
    Ok(())
}

/// `deepCopy VALUE`: a copy sharing no map or list with VALUE, with the same Go
/// types. Nil makes copystructure ask reflect for the type of nothing, which
/// Go reports as below.
fn deep_copy(args: &[Value]) -> Result<Value, Error> {
    if matches!(args[0], Value::Nil) {
        return Err(Error::msg(
            "reflect: call of reflect.Value.Type on zero Value",
        ));
    }
    copy_value(&args[0], &mut Vec::new())
}

/// The copy itself. A map that contains itself would make copystructure recurse
/// until Go's stack runs out and the process dies; here it is an error.
fn copy_value(value: &Value, path: &mut Vec<usize>) -> Result<Value, Error> {
    Ok(match value {
        Value::Map(map) => {
            if path.contains(&map.address()) {
                return Err(Error::msg("cannot copy a map that contains itself"));
            }
            path.push(map.address());
            let mut entries = Entries::new();
            for (key, item) in map.read().iter() {
                let copied =
                    stacker::maybe_grow(64 * 1024, 1024 * 1024, || copy_value(item, path))?;
                entries.insert(key.clone(), copied);
            }
            path.pop();
            Value::Map(Map::typed(entries, map.elem(), map_type_name(map)))
        }
        Value::List(list) => {
            let items = list
                .items()
                .iter()
                .map(|item| copy_value(item, path))
                .collect::<Result<Vec<Value>, Error>>()?;
            Value::List(List::typed(items, list.elem()))
        }
        other => other.clone(),
    })
}

/// The name of a named map type, kept by copies: Helm's `.Values` is a
/// `common.Values`, the only named map a template meets.
fn map_type_name(map: &Map) -> Option<&'static str> {
    const VALUES: &str = "common.Values";
    (map.type_name() == VALUES).then_some(VALUES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gotmpl::fmt::sprint;

    fn map(pairs: &[(&str, Value)]) -> Map {
        Map::new(
            pairs
                .iter()
                .map(|(k, v)| (Arc::from(*k), v.clone()))
                .collect(),
        )
    }

    fn show(value: &Value) -> String {
        sprint(std::slice::from_ref(value))
    }

    #[test]
    fn merge_follows_mergo() {
        let nested = map(&[("x", Value::int(1))]);
        let dst = map(&[
            ("keep", Value::str("d")),
            ("empty", Value::str("")),
            ("m", Value::Map(nested.clone())),
        ]);
        let src = Value::Map(map(&[
            ("keep", Value::str("s")),
            ("empty", Value::str("s")),
            ("nil", Value::Nil),
            (
                "m",
                Value::Map(map(&[("x", Value::int(2)), ("y", Value::int(3))])),
            ),
        ]));
        let merged = merge(&[Value::Map(dst.clone()), src.clone()]);
        assert_eq!(
            merged.as_ref().map(show),
            Ok("map[empty:s keep:d m:map[x:1 y:3]]".to_string())
        );
        // In place, nested maps included.
        assert_eq!(show(&Value::Map(nested)), "map[x:1 y:3]");
        let over = merge_overwrite(&[Value::Map(dst), src]);
        assert_eq!(
            over.as_ref().map(show),
            Ok("map[empty:s keep:s m:map[x:2 y:3] nil:<nil>]".to_string())
        );
    }

    #[test]
    fn self_containing_maps_are_errors_not_crashes() {
        let m = map(&[]);
        m.write().insert("self".into(), Value::Map(m.clone()));
        assert!(deep_copy(&[Value::Map(m.clone())]).is_err());
        assert!(merge(&[Value::Map(m.clone()), Value::Map(m.clone())]).is_err());
        m.write().clear();
    }

    #[test]
    fn deep_copy_keeps_types_and_shares_nothing() {
        let inner = map(&[("k", Value::int(1))]);
        let values = Map::typed(
            [(Arc::from("m"), Value::Map(inner.clone()))]
                .into_iter()
                .collect(),
            ElemType::Interface,
            Some("common.Values"),
        );
        let Ok(Value::Map(copy)) = deep_copy(&[Value::Map(values)]) else {
            panic!("not a map")
        };
        assert_eq!(copy.type_name(), "common.Values");
        let Some(Value::Map(inner_copy)) = copy.get("m") else {
            panic!("not a map")
        };
        assert!(!inner_copy.same(&inner));
    }
}
