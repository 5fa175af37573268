//! Field sets of server-side apply: paths into an object, their
//! `fieldsV1` JSON encoding (`f:` fields, `k:` map-list keys, `v:` set
//! values, `i:` indices, `.` for the node itself) and structured-merge-diff's
//! printed form (`.spec.containers[name="app"].image`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// One step of a path, encoded as in `fieldsV1` (`f:name`, `k:{"name":"a"}`,
/// `v:"x"`, `i:0`); the encoding orders and compares path elements.
pub(crate) type PathElement = String;
pub(crate) type Path = Vec<PathElement>;
pub(crate) type FieldSet = BTreeSet<Path>;

pub(crate) fn field(name: &str) -> PathElement {
    format!("f:{name}")
}

pub(crate) fn key(fields: &Map<String, Value>) -> PathElement {
    format!("k:{}", Value::Object(fields.clone()))
}

pub(crate) fn value(v: &Value) -> PathElement {
    format!("v:{v}")
}

pub(crate) fn child(path: &[PathElement], element: PathElement) -> Path {
    let mut out = path.to_vec();
    out.push(element);
    out
}

#[derive(Default)]
struct Node {
    member: bool,
    children: BTreeMap<PathElement, Node>,
}

/// The `fieldsV1` object of a set.
pub(crate) fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Node::default();
    for path in set {
        let mut node = &mut root;
        for element in path {
            node = node.children.entry(element.clone()).or_default();
        }
        node.member = true;
    }
    encode(&root)
}

fn encode(node: &Node) -> Value {
    let mut out = Map::new();
    if node.member && !node.children.is_empty() {
        out.insert(".".to_string(), Value::Object(Map::new()));
    }
    for (element, child) in &node.children {
        out.insert(element.clone(), encode(child));
    }
    Value::Object(out)
}

/// The set a `fieldsV1` object describes; unreadable parts are skipped.
pub(crate) fn from_fields_v1(fields: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    if let Value::Object(map) = fields {
        decode(map, &[], &mut set);
    }
    set
}

fn decode(map: &Map<String, Value>, path: &[PathElement], set: &mut FieldSet) {
    for (element, inner) in map {
        if element == "." {
            set.insert(path.to_vec());
            continue;
        }
        let here = child(path, element.clone());
        match inner {
            Value::Object(children) if !children.is_empty() => decode(children, &here, set),
            _ => {
                set.insert(here);
            }
        }
    }
}

/// structured-merge-diff's printed path: `.spec.containers[name="app"].image`.
pub(crate) fn display(path: &[PathElement]) -> String {
    let mut out = String::new();
    for element in path {
        let (kind, rest) = element.split_at(2.min(element.len()));
        match kind {
            "f:" => {
                out.push('.');
                out.push_str(rest);
            }
            "k:" => {
                let fields: Vec<String> = match serde_json::from_str::<Value>(rest) {
                    Ok(Value::Object(map)) => map.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                    _ => vec![rest.to_string()],
                };
                out.push_str(&format!("[{}]", fields.join(",")));
            }
            "v:" => out.push_str(&format!("[={rest}]")),
            "i:" => out.push_str(&format!("[{rest}]")),
            _ => out.push_str(element),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(elements: &[&str]) -> Path {
        elements.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn fields_v1_round_trip_with_member_markers() {
        let set: FieldSet = [
            p(&["f:metadata", "f:labels"]),
            p(&["f:metadata", "f:labels", "f:app"]),
            p(&["f:spec", "f:containers", r#"k:{"name":"app"}"#]),
            p(&["f:spec", "f:containers", r#"k:{"name":"app"}"#, "f:image"]),
            p(&["f:spec", "f:replicas"]),
        ]
        .into_iter()
        .collect();
        let encoded = to_fields_v1(&set);
        assert_eq!(
            encoded,
            json!({
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {
                    "f:containers": {r#"k:{"name":"app"}"#: {".": {}, "f:image": {}}},
                    "f:replicas": {}
                }
            })
        );
        assert_eq!(from_fields_v1(&encoded), set);
    }

    #[test]
    fn printed_paths() {
        let cases = [
            (p(&["f:spec", "f:replicas"]), ".spec.replicas"),
            (
                p(&["f:spec", "f:containers", r#"k:{"name":"app"}"#, "f:image"]),
                r#".spec.containers[name="app"].image"#,
            ),
            (
                p(&["f:ports", r#"k:{"containerPort":80,"protocol":"TCP"}"#]),
                r#".ports[containerPort=80,protocol="TCP"]"#,
            ),
            (
                p(&["f:metadata", "f:finalizers", r#"v:"a""#]),
                r#".metadata.finalizers[="a"]"#,
            ),
        ];
        for (path, want) in cases {
            assert_eq!(display(&path), want);
        }
    }
}
