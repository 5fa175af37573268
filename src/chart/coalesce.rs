//! Coalescing a chart tree's default values with the user's, as Helm's
//! `CoalesceValues` and `MergeValues` do.
//!
//! Owns the rules users rely on: the user's values win, maps merge key by key, a
//! user `null` deletes a default (unless merging), each subchart's section is
//! coalesced with the subchart's defaults, and `global` flows from parent to child.
//! Go maps are shared references and Helm's algorithm depends on that in corner
//! cases (a shallow copy of `global` shares its nested maps); [`Map`] clones share
//! too, so the port keeps Helm's exact results. Helm's warnings are collected for
//! the caller to print.

use std::sync::Arc;

use crate::gotmpl::{Entries, List, Map, Value, fmt};

use super::Chart;

/// The values key Helm shares with every subchart.
pub const GLOBAL_KEY: &str = "global";

/// A subchart's section of its parent's values is not a map.
#[derive(Debug, thiserror::Error)]
#[error("type mismatch on {name}: {shown}")]
pub struct TypeMismatch {
    name: String,
    /// Helm formats the value with Go's `%t`.
    shown: String,
}

/// Helm's `CoalesceValues`: `user` over the chart tree's defaults, `null`s deleting.
pub fn coalesce_values(
    chart: &Chart,
    user: &Entries,
    warnings: &mut Vec<String>,
) -> Result<Entries, TypeMismatch> {
    run(chart, user, false, warnings)
}

/// Helm's `MergeValues`: like [`coalesce_values`] but `null`s are kept.
pub fn merge_values(
    chart: &Chart,
    user: &Entries,
    warnings: &mut Vec<String>,
) -> Result<Entries, TypeMismatch> {
    run(chart, user, true, warnings)
}

fn run(
    chart: &Chart,
    user: &Entries,
    merge: bool,
    warnings: &mut Vec<String>,
) -> Result<Entries, TypeMismatch> {
    let dest = Map::new(deep_copy_entries(user));
    let mut c = Coalescer { merge, warnings };
    c.coalesce(chart, &dest, "")?;
    let out = dest.read().clone();
    Ok(out)
}

/// Helm's `CoalesceTables`: fills `dst` from `src` where `dst` has nothing;
/// a `null` in `dst` deletes the key.
pub fn coalesce_tables(dst: &Map, src: &Map, warnings: &mut Vec<String>) {
    let mut c = Coalescer {
        merge: false,
        warnings,
    };
    c.tables(dst, src, "", true);
}

/// Helm's `MergeTables`: fills `dst` from `src` where `dst` has nothing, `null`s
/// kept; returns `dst`.
pub fn merge_tables(dst: &Map, src: &Map, warnings: &mut Vec<String>) {
    let mut c = Coalescer {
        merge: true,
        warnings,
    };
    c.tables(dst, src, "", true);
}

struct Coalescer<'w> {
    merge: bool,
    warnings: &'w mut Vec<String>,
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

fn as_table(v: Option<&Value>) -> Option<Map> {
    match v {
        Some(Value::Map(m)) => Some(m.clone()),
        _ => None,
    }
}

impl Coalescer<'_> {
    fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    fn coalesce(&mut self, chart: &Chart, dest: &Map, prefix: &str) -> Result<(), TypeMismatch> {
        self.chart_values(chart, dest, prefix);
        self.deps(chart, dest, prefix)
    }

    /// Helm's `coalesceDeps`: each subchart's section, with globals, recursively.
    fn deps(&mut self, chart: &Chart, dest: &Map, prefix: &str) -> Result<(), TypeMismatch> {
        for sub in &chart.dependencies {
            let name = sub.name();
            let section = match dest.get(name) {
                None => {
                    let fresh = Map::new(Entries::new());
                    dest.write()
                        .insert(Arc::from(name), Value::Map(fresh.clone()));
                    fresh
                }
                Some(Value::Map(m)) => m,
                Some(other) => {
                    return Err(TypeMismatch {
                        name: name.to_string(),
                        shown: fmt::sprintf("%t", &[other]),
                    });
                }
            };
            let sub_prefix = concat_prefix(prefix, chart.name());
            self.globals(&section, dest, &sub_prefix);
            self.coalesce(sub, &section, &sub_prefix)?;
        }
        Ok(())
    }

    /// Helm's `coalesceGlobals`: the parent's `global` copied into the child's,
    /// the parent winning.
    fn globals(&mut self, dest: &Map, src: &Map, prefix: &str) {
        let dg = match dest.get(GLOBAL_KEY) {
            None => Map::new(Entries::new()),
            Some(Value::Map(m)) => m,
            Some(_) => {
                self.warn(format!(
                    "warning: skipping globals because destination {GLOBAL_KEY} is not a table."
                ));
                return;
            }
        };
        let sg = match src.get(GLOBAL_KEY) {
            None => Entries::new(),
            Some(Value::Map(m)) => m.read().clone(),
            Some(_) => {
                self.warn(format!(
                    "warning: skipping globals because source {GLOBAL_KEY} is not a table."
                ));
                return;
            }
        };
        for (key, val) in sg {
            if let Value::Map(table) = &val {
                // A shallow copy: nested maps stay shared, as in Helm.
                let copy = Map::new(table.read().clone());
                match dg.get(&key) {
                    None => {
                        dg.write().insert(key, Value::Map(copy));
                    }
                    Some(Value::Map(existing)) => {
                        self.tables(&copy, &existing, &concat_prefix(prefix, &key), true);
                        dg.write().insert(key, Value::Map(copy));
                    }
                    Some(_) => self.warn(format!(
                        "Conflict: cannot merge map onto non-map for {}. Skipping.",
                        fmt::quote(&key)
                    )),
                }
            } else if as_table(dg.get(&key).as_ref()).is_some() {
                self.warn(format!("key {key} is table. Skipping"));
            } else {
                dg.write().insert(key, val);
            }
        }
        dest.write()
            .insert(Arc::from(GLOBAL_KEY), Value::Map(dg.clone()));
    }

    /// Helm's `coalesceValues`: one chart's defaults under the values in `v`.
    fn chart_values(&mut self, chart: &Chart, v: &Map, prefix: &str) {
        let sub_prefix = concat_prefix(prefix, chart.name());
        // Helm copies all of the chart's values first; only the copies that are
        // changed or end up in `v` can be told apart from the originals, and
        // nothing else changes the chart's values, so only those are made.
        for (key, val) in &chart.values {
            match v.get(key) {
                Some(Value::Nil) if !self.merge => {
                    v.write().remove(key);
                }
                Some(Value::Map(dest)) => match val {
                    Value::Map(src) => {
                        let merge =
                            self.merge || chart.dependencies.iter().any(|d| d.name() == &**key);
                        let src = if merge {
                            deep_copy_map(src)
                        } else {
                            deep_copy_without_nils(src)
                        };
                        self.tables(&dest, &src, &concat_prefix(&sub_prefix, key), merge);
                    }
                    Value::Nil => {}
                    _ => self.warn(format!(
                        "warning: skipped value for {sub_prefix}.{key}: Not a table."
                    )),
                },
                Some(_) => {}
                None => {
                    if !self.merge && matches!(val, Value::Nil) {
                        continue;
                    }
                    let val = match val {
                        Value::Map(sub) if !self.merge => Value::Map(deep_copy_without_nils(sub)),
                        other => deep_copy(other),
                    };
                    v.write().insert(key.clone(), val);
                }
            }
        }
    }

    /// Helm's `coalesceTablesFullKey`: fills `dst` from `src`.
    fn tables(&mut self, dst: &Map, src: &Map, prefix: &str, merge: bool) {
        if dst.same(src) {
            // Go would walk a map into itself and change nothing.
            return;
        }
        let src_non_nil: Vec<Arc<str>> = src
            .read()
            .iter()
            .filter(|(_, v)| !v.is_nil())
            .map(|(k, _)| k.clone())
            .collect();
        let dst_nils: Vec<Arc<str>> = dst
            .read()
            .iter()
            .filter(|(_, v)| matches!(v, Value::Nil))
            .map(|(k, _)| k.clone())
            .collect();
        for key in dst_nils {
            src.write().insert(key, Value::Nil);
        }
        let src_entries = src.read().clone();
        for (key, val) in src_entries {
            let full_key = concat_prefix(prefix, &key);
            let dv = dst.get(&key);
            match (&dv, &val) {
                (Some(Value::Nil), _) if !merge && src_non_nil.contains(&key) => {
                    dst.write().remove(&key);
                }
                (None, _) => {
                    dst.write().insert(key, val);
                }
                (Some(Value::Map(d)), Value::Map(s)) => self.tables(d, s, &full_key, merge),
                (Some(_), Value::Map(_)) => self.warn(format!(
                    "warning: cannot overwrite table with non table for {full_key} ({})",
                    fmt::sprint(&[&val])
                )),
                (Some(Value::Map(_)), v) if !v.is_nil() => self.warn(format!(
                    "warning: destination for {full_key} is a table. Ignoring non-table value ({})",
                    fmt::sprint(&[v])
                )),
                _ => {}
            }
        }
    }
}

/// A copy sharing nothing mutable with the original (Go's `copystructure.Copy`).
pub fn deep_copy(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(deep_copy_map(m)),
        Value::List(l) => Value::List(List::typed(
            l.items().iter().map(deep_copy).collect(),
            l.elem(),
        )),
        other => other.clone(),
    }
}

fn deep_copy_map(m: &Map) -> Map {
    Map::typed(deep_copy_entries(&m.read()), m.elem(), named(m))
}

/// [`deep_copy_map`] then Helm's `cleanNilValues` (`null`s dropped from the map
/// and the maps nested in it, not from lists), in one pass: changing a map after
/// building it would copy its entries again.
fn deep_copy_without_nils(m: &Map) -> Map {
    let mut entries = m.read().clone();
    entries.retain(|_, v| !matches!(v, Value::Nil));
    for v in entries.values_mut() {
        match v {
            Value::Map(sub) => *v = Value::Map(deep_copy_without_nils(sub)),
            Value::List(_) => *v = deep_copy(v),
            _ => {}
        }
    }
    Map::typed(entries, m.elem(), named(m))
}

fn named(m: &Map) -> Option<&'static str> {
    (m.type_name() == "common.Values").then_some("common.Values")
}

pub fn deep_copy_entries(e: &Entries) -> Entries {
    // Cloning the tree keeps its shape (no re-sorting); then only the maps and
    // lists in it need copies of their own.
    let mut copy = e.clone();
    for v in copy.values_mut() {
        if matches!(v, Value::Map(_) | Value::List(_)) {
            *v = deep_copy(v);
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::Metadata;
    use crate::chart::yaml::load_values;

    /// What Go's `%v` prints for the values, as Helm's `printf "%v"` shows them.
    fn show(e: &Entries) -> String {
        crate::gotmpl::fmt::sprint(&[Value::Map(Map::new(e.clone()))])
    }

    fn chart(name: &str, values: &str, dependencies: Vec<Chart>) -> Chart {
        Chart {
            metadata: Metadata {
                name: name.into(),
                ..Metadata::default()
            },
            values: load_values(values).unwrap(),
            values_file: None,
            templates: Vec::new(),
            files: Default::default(),
            schema: None,
            dependencies,
            modtime: None,
            schema_modtime: None,
        }
    }

    /// Expectations are Helm's `{{ printf "%v" .Values }}` for the same files.
    #[test]
    fn user_values_win_and_null_deletes() {
        let c = chart(
            "c",
            "a: 1\nb: {x: 1, y: 2, z: null}\nc: 3\nd: {p: 1}\ne: null\nf: {q: 1}\ng: {n: 1}",
            Vec::new(),
        );
        let user = load_values("a: 9\nb: {y: null, w: 5}\nc: null\nd: 7\nf: {q: null, r: null}\nh: null\ng: {m: {k: 1}}")
            .unwrap();
        let mut warnings = Vec::new();
        assert_eq!(
            show(&coalesce_values(&c, &user, &mut warnings).unwrap()),
            "map[a:9 b:map[w:5 x:1] d:7 f:map[r:<nil>] g:map[false:1 m:map[k:1]] h:<nil>]"
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn subcharts_get_their_section_and_globals() {
        let sub = chart("sub", "x: 1\nglobal: {g: child, own: 1}", Vec::new());
        let parent = chart("top", "global: {g: parent}\nsub: {w: 2}", vec![sub]);
        let user = load_values("sub: {x: 5}").unwrap();
        let mut warnings = Vec::new();
        let out = coalesce_values(&parent, &user, &mut warnings).unwrap();
        assert_eq!(
            show(&out),
            "map[global:map[g:parent] sub:map[global:map[g:parent own:1] w:2 x:5]]"
        );
    }

    /// Only copies are changed or handed out, so the chart's defaults stay as
    /// loaded and coalescing again gives the same result (Helm's `printf "%v"`).
    #[test]
    fn coalescing_leaves_the_chart_values_alone() {
        let sub = chart("sub", "x: {q: null, z: 1}\nglobal: {g: {h: 1}}", Vec::new());
        let parent = chart(
            "top",
            "a: {b: null, c: {d: null}}\nl: [{k: null}]\nsub: {x: {w: null}}\nglobal: {g: {i: 2}}",
            vec![sub],
        );
        let before = (show(&parent.values), show(&parent.dependencies[0].values));
        let user = load_values("a: {e: null, c: {f: null}}\nsub: {x: {q: 2}}").unwrap();
        let mut warnings = Vec::new();
        let first = show(&coalesce_values(&parent, &user, &mut warnings).unwrap());
        let merged = show(&merge_values(&parent, &user, &mut warnings).unwrap());
        assert_eq!(
            (show(&parent.values), show(&parent.dependencies[0].values)),
            before
        );
        assert_eq!(
            show(&coalesce_values(&parent, &user, &mut warnings).unwrap()),
            first
        );
        assert_eq!(
            first,
            "map[a:map[c:map[f:<nil>] e:<nil>] global:map[g:map[i:2]] l:[map[k:<nil>]] \
             sub:map[global:map[g:map[h:1 i:2]] x:map[q:2 w:<nil> z:1]]]"
        );
        assert_eq!(
            show(&merge_values(&parent, &user, &mut warnings).unwrap()),
            merged
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn warns_as_helm_does() {
        let c = chart("c", "a: {b: {c: 1}}\nd: 1", Vec::new());
        let user = load_values("a: {b: 5}\nd: {e: 1}").unwrap();
        let mut warnings = Vec::new();
        coalesce_values(&c, &user, &mut warnings).unwrap();
        assert_eq!(
            warnings,
            [
                "warning: cannot overwrite table with non table for c.a.b (map[c:1])",
                "warning: skipped value for c.d: Not a table.",
            ]
        );
    }

    #[test]
    fn a_scalar_where_a_subchart_section_belongs_is_an_error() {
        let parent = chart("top", "", vec![chart("sub", "", Vec::new())]);
        let user = load_values("sub: hello").unwrap();
        let err = coalesce_values(&parent, &user, &mut Vec::new()).unwrap_err();
        assert_eq!(err.to_string(), "type mismatch on sub: %!t(string=hello)");
    }
}
