//! Coalescing a chart's default values with the user's, as Helm's
//! `CoalesceValues` does for a chart without subcharts.
//!
//! Owns the rules users rely on: the user's values win, maps merge key by key, a
//! user `null` deletes a default, and `null`s among the defaults are dropped.
//! Subcharts and globals come with subchart support. Helm's warnings for
//! table/non-table conflicts are not printed yet.

use std::sync::Arc;

use crate::gotmpl::{Entries, List, Map, Value};

/// Returns the values a chart's templates see: `user` coalesced over `defaults`.
/// Neither input is changed.
pub fn coalesce_values(defaults: &Entries, user: &Entries) -> Entries {
    let mut out = deep_copy_entries(user);
    for (key, default) in defaults {
        match out.get(key) {
            Some(Value::Nil) => {
                out.remove(key);
            }
            Some(Value::Map(dest)) => {
                if let Value::Map(src) = default {
                    let mut src = deep_copy_entries(&src.read());
                    clean_nil_values(&mut src);
                    coalesce_tables(&mut dest.write(), src);
                }
            }
            Some(_) => {}
            None => match default {
                Value::Nil => {}
                Value::Map(m) => {
                    let mut copy = deep_copy_entries(&m.read());
                    clean_nil_values(&mut copy);
                    out.insert(key.clone(), Value::Map(Map::new(copy)));
                }
                other => {
                    out.insert(key.clone(), deep_copy(other));
                }
            },
        }
    }
    out
}

/// Helm's `coalesceTablesFullKey` without merge: fills `dst` from `src`.
fn coalesce_tables(dst: &mut Entries, mut src: Entries) {
    let src_non_nil: Vec<Arc<str>> = src
        .iter()
        .filter(|(_, v)| !v.is_nil())
        .map(|(k, _)| k.clone())
        .collect();
    for (key, value) in dst.iter() {
        if matches!(value, Value::Nil) {
            src.insert(key.clone(), Value::Nil);
        }
    }
    for (key, value) in src {
        match dst.get(&key) {
            Some(Value::Nil) if src_non_nil.contains(&key) => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, value);
            }
            Some(Value::Map(d)) => {
                if let Value::Map(s) = value {
                    let s = s.read().clone();
                    coalesce_tables(&mut d.write(), s);
                }
            }
            Some(_) => {}
        }
    }
}

fn clean_nil_values(m: &mut Entries) {
    m.retain(|_, v| !matches!(v, Value::Nil));
    for v in m.values() {
        if let Value::Map(sub) = v {
            clean_nil_values(&mut sub.write());
        }
    }
}

/// A copy sharing nothing mutable with the original (Go's `copystructure.Copy`).
pub fn deep_copy(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(Map::typed(deep_copy_entries(&m.read()), m.elem(), named(m))),
        Value::List(l) => Value::List(List::typed(
            l.items().iter().map(deep_copy).collect(),
            l.elem(),
        )),
        other => other.clone(),
    }
}

fn named(m: &Map) -> Option<&'static str> {
    (m.type_name() == "common.Values").then_some("common.Values")
}

pub fn deep_copy_entries(e: &Entries) -> Entries {
    e.iter().map(|(k, v)| (k.clone(), deep_copy(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::yaml::load_values;

    /// What Go's `%v` prints for the values, as Helm's `printf "%v"` shows them.
    fn show(e: &Entries) -> String {
        crate::gotmpl::fmt::sprint(&[Value::Map(Map::new(e.clone()))])
    }

    /// Expectations are Helm's `{{ printf "%v" .Values }}` for the same files.
    #[test]
    fn user_values_win_and_null_deletes() {
        let defaults = load_values(
            "a: 1\nb: {x: 1, y: 2, z: null}\nc: 3\nd: {p: 1}\ne: null\nf: {q: 1}\ng: {n: 1}",
        )
        .unwrap();
        let user = load_values("a: 9\nb: {y: null, w: 5}\nc: null\nd: 7\nf: {q: null, r: null}\nh: null\ng: {m: {k: 1}}")
            .unwrap();
        assert_eq!(
            show(&coalesce_values(&defaults, &user)),
            "map[a:9 b:map[w:5 x:1] d:7 f:map[r:<nil>] g:map[false:1 m:map[k:1]] h:<nil>]"
        );
    }
}
