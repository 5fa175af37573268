//! Looking values up by dotted path, as Helm's `Values.Table` and
//! `Values.PathValue` do (conditions, import-values, subchart sections).

use crate::gotmpl::{Map, Value};

/// Helm's `Values.Table`: the map at a dotted path, if every step is a map.
pub fn table(root: &Map, path: &str) -> Option<Map> {
    let mut table = root.clone();
    for key in path.split('.') {
        table = match table.get(key) {
            Some(Value::Map(m)) => m,
            _ => return None,
        };
    }
    Some(table)
}

/// Helm's `Values.PathValue`: the non-map value at a dotted path. `None` is
/// Helm's `ErrNoValue` (missing, or a map).
pub fn path_value(root: &Map, path: &str) -> Option<Value> {
    let (parent, key) = match path.rsplit_once('.') {
        Some((parent, key)) => (table(root, parent)?, key),
        None => (root.clone(), path),
    };
    match parent.get(key) {
        Some(Value::Map(_)) | None => None,
        Some(v) => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::yaml::load_values;

    #[test]
    fn walks_maps_only() {
        let root = Map::new(load_values("a: {b: {c: true}, s: x}\nt: 1").unwrap());
        assert!(table(&root, "a.b").is_some());
        assert!(table(&root, "a.s").is_none());
        assert!(table(&root, "zz").is_none());
        assert_eq!(path_value(&root, "a.b.c").map(|v| v.is_true()), Some(true));
        assert!(path_value(&root, "a.b").is_none());
        assert_eq!(
            path_value(&root, "t").and_then(|v| v.as_str().map(str::to_string)),
            None
        );
        assert!(path_value(&root, "t").is_some());
        assert!(path_value(&root, "a.missing").is_none());
    }
}
