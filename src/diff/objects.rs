//! Object diffs for previews: a live object against the same object after
//! an action, as YAML with sorted keys (what `kubectl get -o yaml` shows),
//! without what is never worth reviewing (status, managedFields, uids,
//! resourceVersions, timestamps) and with Secret values masked: a changed
//! value shows as changed, never its content.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::secrets::MASK_PREFIX;
use super::{Colors, UnifiedOptions, unified};

/// Metadata fields every write changes or the server owns.
const NOISY_METADATA: [&str; 8] = [
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Annotations controllers and kubectl keep for themselves.
const NOISY_ANNOTATIONS: [&str; 2] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

/// How an object diff is printed.
#[derive(Clone, Copy, Debug)]
pub struct ObjectDiffOptions {
    pub context: usize,
    pub show_secrets: bool,
    pub color: bool,
}

/// Removes status and the metadata no reviewer needs.
pub fn strip_noise(object: &mut Value) {
    let Some(root) = object.as_object_mut() else {
        return;
    };
    root.remove("status");
    let Some(meta) = root.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    for key in NOISY_METADATA {
        meta.remove(key);
    }
    if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
        for key in NOISY_ANNOTATIONS {
            annotations.remove(key);
        }
        if annotations.is_empty() {
            meta.remove("annotations");
        }
    }
}

/// Both sides without noise, Secret values masked unless shown.
fn prepared(
    before: Option<&Value>,
    after: Option<&Value>,
    show_secrets: bool,
) -> (Option<Value>, Option<Value>) {
    let clean = |v: Option<&Value>| {
        v.map(|v| {
            let mut v = v.clone();
            strip_noise(&mut v);
            v
        })
    };
    let (mut before, mut after) = (clean(before), clean(after));
    if !show_secrets {
        mask_secrets(before.as_mut(), after.as_mut());
    }
    (before, after)
}

/// Whether anything worth reviewing differs.
pub fn changed(before: Option<&Value>, after: Option<&Value>) -> bool {
    let (before, after) = prepared(before, after, true);
    before != after
}

/// YAML of an object as shown in previews (keys sorted).
pub fn object_yaml(object: &Value) -> String {
    let value = crate::gotmpl::Value::from_json(object);
    crate::funcs::data::marshal_yaml(&value).unwrap_or_default()
}

/// The unified diff between two states of one object, headed by the
/// given labels; "" when nothing worth reviewing differs.
pub fn object_diff(
    before_label: &str,
    after_label: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    options: &ObjectDiffOptions,
) -> String {
    let (before, after) = prepared(before, after, options.show_secrets);
    if before == after {
        return String::new();
    }
    let text = |v: &Option<Value>| v.as_ref().map(object_yaml).unwrap_or_default();
    unified(
        before_label,
        after_label,
        &text(&before),
        &text(&after),
        UnifiedOptions {
            context: options.context,
            colors: Colors { on: options.color },
        },
    )
}

/// One object's change for `-o json`: `apiVersion`, `kind`, `namespace`,
/// `name`, `action`, and the object `before` and `after` (null when absent),
/// noise stripped and Secret values masked unless shown.
#[allow(clippy::too_many_arguments)]
pub fn object_change_json(
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
    action: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    show_secrets: bool,
) -> Value {
    let (before, after) = prepared(before, after, show_secrets);
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "action": action,
        "before": before,
        "after": after,
    })
}

/// Replaces every value of a Secret's `data` and `stringData` with a mask
/// naming its size; a value that differs between the sides is marked
/// `before` and `after`, so the change shows but not the content.
fn mask_secrets(before: Option<&mut Value>, after: Option<&mut Value>) {
    let is_secret = |v: &Value| v.get("kind").and_then(Value::as_str) == Some("Secret");
    let before_values = before
        .as_deref()
        .filter(|v| is_secret(v))
        .map(secret_values)
        .unwrap_or_default();
    let after_values = after
        .as_deref()
        .filter(|v| is_secret(v))
        .map(secret_values)
        .unwrap_or_default();
    if let Some(b) = before.filter(|v| is_secret(v)) {
        mask_side(b, &after_values, "before");
    }
    if let Some(a) = after.filter(|v| is_secret(v)) {
        mask_side(a, &before_values, "after");
    }
}

/// The plain bytes of each value, by field and key (`data` is base64).
fn secret_values(secret: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for field in ["data", "stringData"] {
        if let Some(map) = secret.get(field).and_then(Value::as_object) {
            for (key, value) in map {
                out.insert(format!("{field}/{key}"), value.clone());
            }
        }
    }
    out
}

fn mask_side(secret: &mut Value, other: &Map<String, Value>, side: &str) {
    for field in ["data", "stringData"] {
        let Some(map) = secret.get_mut(field).and_then(Value::as_object_mut) else {
            continue;
        };
        for (key, value) in map.iter_mut() {
            let bytes = match (field, value.as_str()) {
                ("data", Some(text)) => STANDARD.decode(text).map_or(text.len(), |b| b.len()),
                (_, Some(text)) => text.len(),
                _ => 0,
            };
            let same = other.get(&format!("{field}/{key}")) == Some(value);
            let note = if same {
                String::new()
            } else {
                format!(", {side}")
            };
            *value = Value::String(format!("{MASK_PREFIX}, {bytes} bytes{note})"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ObjectDiffOptions {
        ObjectDiffOptions {
            context: 1,
            show_secrets: false,
            color: false,
        }
    }

    fn live() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "uid": "u", "resourceVersion": "7", "generation": 2,
                "creationTimestamp": "t", "managedFields": [{"manager": "helm"}],
                "annotations": {"deployment.kubernetes.io/revision": "2"}},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}},
            "status": {"readyReplicas": 3}
        })
    }

    #[test]
    fn noise_is_stripped() {
        let mut v = live();
        strip_noise(&mut v);
        assert_eq!(
            v,
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}})
        );
    }

    #[test]
    fn an_image_change_shows_only_that_line_and_its_context() {
        let mut after = live();
        after["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
        after["metadata"]["resourceVersion"] = json!("8");
        let diff = object_diff("live", "after", Some(&live()), Some(&after), &options());
        let changed: Vec<&str> = diff
            .lines()
            .filter(|l| {
                (l.starts_with('-') || l.starts_with('+'))
                    && !l.starts_with("---")
                    && !l.starts_with("+++")
            })
            .collect();
        assert_eq!(
            changed,
            ["-      - image: nginx:1", "+      - image: nginx:2"],
            "{diff}"
        );
        assert!(changed_lines_only_noise(&live()));
    }

    fn changed_lines_only_noise(v: &Value) -> bool {
        let mut bumped = v.clone();
        bumped["metadata"]["resourceVersion"] = json!("99");
        bumped["status"] = json!({"readyReplicas": 0});
        !changed(Some(v), Some(&bumped))
            && object_diff("a", "b", Some(v), Some(&bumped), &options()).is_empty()
    }

    #[test]
    fn secrets_show_that_a_value_changed_but_not_what_it_was() {
        let before = json!({"kind": "Secret", "metadata": {"name": "s"},
            "data": {"same": "YWJj", "changed": "b2xk"}});
        let after = json!({"kind": "Secret", "metadata": {"name": "s"},
            "data": {"same": "YWJj", "changed": "bmV3IQ=="}});
        let diff = object_diff("live", "after", Some(&before), Some(&after), &options());
        assert!(
            !diff.contains("b2xk") && !diff.contains("bmV3IQ=="),
            "{diff}"
        );
        assert!(
            diff.contains("-  changed: (secret value hidden, 3 bytes, before)"),
            "{diff}"
        );
        assert!(
            diff.contains("+  changed: (secret value hidden, 4 bytes, after)"),
            "{diff}"
        );
        assert!(!diff.contains("-  same"), "{diff}");
        let json_out = object_change_json(
            "v1",
            "Secret",
            "ns",
            "s",
            "patch",
            Some(&before),
            Some(&after),
            false,
        );
        assert!(!json_out.to_string().contains("bmV3IQ=="));
        let shown = object_change_json(
            "v1",
            "Secret",
            "ns",
            "s",
            "patch",
            Some(&before),
            Some(&after),
            true,
        );
        assert_eq!(shown["after"]["data"]["changed"], "bmV3IQ==");
    }

    #[test]
    fn creates_and_deletes_have_one_side() {
        let created = object_diff("live", "after", None, Some(&live()), &options());
        assert!(created.contains("+kind: Deployment"), "{created}");
        let deleted = object_diff("live", "after", Some(&live()), None, &options());
        assert!(deleted.contains("-kind: Deployment"), "{deleted}");
        let coloured = object_diff(
            "live",
            "after",
            None,
            Some(&live()),
            &ObjectDiffOptions {
                color: true,
                ..options()
            },
        );
        assert!(coloured.contains("\u{1b}["), "{coloured}");
    }
}
