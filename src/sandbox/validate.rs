//! Validation the API server applies to every object before storing it: names
//! (DNS-1123 subdomain, DNS-1123 label or DNS-1035 label depending on the kind),
//! `generateName`, and the typed checks wheelhouse's clients rely on (Secret
//! `data` must be base64). Messages are apimachinery's validation messages.

use serde_json::Value;

use super::status::FieldError;
use crate::kube::labels::{is_dns_label, is_dns_subdomain, is_label_value, is_qualified_name};

/// Longest DNS-1123 subdomain (most object names).
pub const DNS1123_SUBDOMAIN_MAX: usize = 253;
/// Longest DNS label (namespaces, Services).
pub const DNS_LABEL_MAX: usize = 63;
/// Annotations of one object hold at most this many bytes (keys and values).
pub const MAX_ANNOTATION_BYTES: usize = 256 * 1024;
/// Secrets and ConfigMaps hold at most this many bytes of data, as the apiserver's
/// validation allows.
pub const MAX_SECRET_BYTES: usize = 1024 * 1024;

const LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const SUBDOMAIN_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1035_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";

/// Which rule a kind's names follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    Subdomain,
    Label,
    Dns1035,
    /// RBAC objects and a few others accept any path segment name.
    PathSegment,
}

/// The name rule the apiserver uses for a built-in resource (custom resources
/// use subdomains).
pub fn name_rule(group: &str, resource: &str) -> NameRule {
    match (group, resource) {
        ("", "namespaces") => NameRule::Label,
        ("", "services") => NameRule::Dns1035,
        ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let shown: Vec<String> = examples.iter().map(|e| format!("'{e}'")).collect();
    format!(
        "{msg} (e.g. {}, regex used for validation is '{fmt}')",
        shown.join(" or ")
    )
}

fn is_dns1035(s: &str) -> bool {
    is_dns_label(s) && s.as_bytes()[0].is_ascii_lowercase()
}

/// The problems apimachinery reports for `name` under `rule` (empty when valid).
pub fn name_problems(name: &str, rule: NameRule) -> Vec<String> {
    let mut errs = Vec::new();
    match rule {
        NameRule::Subdomain => {
            if name.len() > DNS1123_SUBDOMAIN_MAX {
                errs.push(format!(
                    "must be no more than {DNS1123_SUBDOMAIN_MAX} characters"
                ));
            }
            if !is_dns_subdomain(name) {
                errs.push(regex_error(
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                    SUBDOMAIN_FMT,
                    &["example.com"],
                ));
            }
        }
        NameRule::Label => {
            if name.len() > DNS_LABEL_MAX {
                errs.push(format!("must be no more than {DNS_LABEL_MAX} characters"));
            }
            if !is_dns_label(name) {
                if is_dns_subdomain(name) {
                    errs.push("must not contain dots".into());
                } else {
                    errs.push(regex_error(
                        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                        LABEL_FMT,
                        &["my-name", "123-abc"],
                    ));
                }
            }
        }
        NameRule::Dns1035 => {
            if name.len() > DNS_LABEL_MAX {
                errs.push(format!("must be no more than {DNS_LABEL_MAX} characters"));
            }
            if !is_dns1035(name) {
                errs.push(regex_error(
                    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
                    DNS1035_FMT,
                    &["my-name", "abc-123"],
                ));
            }
        }
        NameRule::PathSegment => {
            if name == "." || name == ".." {
                errs.push(format!("may not be '{name}'"));
            }
            for bad in ["/", "%"] {
                if name.contains(bad) {
                    errs.push(format!("may not contain '{bad}'"));
                }
            }
        }
    }
    errs
}

/// Field errors for an object's name (after generateName was applied).
pub fn validate_name(name: &str, rule: NameRule) -> Vec<FieldError> {
    if name.is_empty() {
        return vec![FieldError::required(
            "metadata.name",
            "name or generateName is required",
        )];
    }
    name_problems(name, rule)
        .iter()
        .map(|p| FieldError::invalid("metadata.name", name, p))
        .collect()
}

/// Label keys and values the way `ValidateLabels` checks them.
pub fn validate_labels(meta: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(labels) = meta.get("labels").and_then(Value::as_object) else {
        return errs;
    };
    for (k, v) in labels {
        if !is_qualified_name(k) {
            errs.push(FieldError::invalid(
                "metadata.labels",
                k,
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ));
        }
        match v.as_str() {
            Some(s) if is_label_value(s) => {}
            Some(s) => errs.push(FieldError::invalid(
                "metadata.labels",
                s,
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            )),
            None => errs.push(FieldError::invalid(
                "metadata.labels",
                &v.to_string(),
                "label values must be strings",
            )),
        }
    }
    errs
}

/// The total size of annotations, as `ValidateAnnotations` bounds it.
pub fn validate_annotations(meta: &Value) -> Vec<FieldError> {
    let size: usize = meta
        .get("annotations")
        .and_then(Value::as_object)
        .map(|a| {
            a.iter()
                .map(|(k, v)| k.len() + v.as_str().map(str::len).unwrap_or_default())
                .sum()
        })
        .unwrap_or_default();
    if size > MAX_ANNOTATION_BYTES {
        vec![FieldError::too_long(
            "metadata.annotations",
            MAX_ANNOTATION_BYTES,
        )]
    } else {
        Vec::new()
    }
}

/// Decodes standard padded base64 as Go's `encoding/json` does for `[]byte`
/// (CR and LF are skipped). The error names the first bad byte like Go does.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut quad = [0u8; 4];
    let mut n = 0;
    let mut pad = 0;
    let mut quad_start = 0;
    for (i, c) in text.bytes().enumerate() {
        if c == b'\r' || c == b'\n' {
            continue;
        }
        if n == 0 {
            quad_start = i;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' if n >= 2 => {
                pad += 1;
                0
            }
            _ => return Err(format!("illegal base64 data at input byte {i}")),
        };
        if pad > 0 && c != b'=' {
            return Err(format!("illegal base64 data at input byte {i}"));
        }
        quad[n] = v;
        n += 1;
        if n == 4 {
            let bytes = [
                (quad[0] << 2) | (quad[1] >> 4),
                (quad[1] << 4) | (quad[2] >> 2),
                (quad[2] << 6) | quad[3],
            ];
            out.extend_from_slice(&bytes[..3 - pad.min(2)]);
            if pad > 0 {
                // Padding ends the data: anything after it is an error.
                if let Some(j) = text[i + 1..].bytes().position(|b| b != b'\r' && b != b'\n') {
                    return Err(format!("illegal base64 data at input byte {}", i + 1 + j));
                }
                return Ok(out);
            }
            n = 0;
        }
    }
    if n != 0 {
        return Err(format!("illegal base64 data at input byte {quad_start}"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomain_names() {
        assert!(name_problems("web-1.example", NameRule::Subdomain).is_empty());
        let errs = name_problems("Bad_Name", NameRule::Subdomain);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("a lowercase RFC 1123 subdomain"));
        assert!(errs[0].ends_with("(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
    }

    #[test]
    fn length_limits_at_and_past() {
        let at = "a".repeat(DNS1123_SUBDOMAIN_MAX);
        assert!(name_problems(&at, NameRule::Subdomain).is_empty());
        let past = "a".repeat(DNS1123_SUBDOMAIN_MAX + 1);
        assert_eq!(
            name_problems(&past, NameRule::Subdomain),
            vec!["must be no more than 253 characters".to_string()]
        );
        assert!(name_problems(&"a".repeat(DNS_LABEL_MAX), NameRule::Label).is_empty());
        assert_eq!(
            name_problems(&"a".repeat(DNS_LABEL_MAX + 1), NameRule::Label).len(),
            1
        );
    }

    #[test]
    fn labels_reject_dots_with_their_own_message() {
        assert_eq!(
            name_problems("a.b", NameRule::Label),
            vec!["must not contain dots".to_string()]
        );
        assert!(!name_problems("1abc", NameRule::Dns1035).is_empty());
        assert!(name_problems("abc-1", NameRule::Dns1035).is_empty());
    }

    #[test]
    fn empty_name_is_required() {
        let e = validate_name("", NameRule::Subdomain);
        assert_eq!(
            e[0].body,
            "Required value: name or generateName is required"
        );
    }

    #[test]
    fn base64_like_go() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert_eq!(
            decode_base64("aGVsbG8").unwrap_err(),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            decode_base64("a$==").unwrap_err(),
            "illegal base64 data at input byte 1"
        );
        assert!(decode_base64("aGVsbG8=x").is_err());
    }

    #[test]
    fn annotations_are_bounded_at_the_limit() {
        let with = |n: usize| serde_json::json!({"annotations": {"k": "x".repeat(n)}});
        assert!(validate_annotations(&with(MAX_ANNOTATION_BYTES - 1)).is_empty());
        let past = validate_annotations(&with(MAX_ANNOTATION_BYTES));
        assert_eq!(past[0].body, "Too long: may not be more than 262144 bytes");
    }
}
