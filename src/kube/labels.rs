//! Kubernetes labels as `k8s.io/apimachinery` checks and selects them:
//! label keys (qualified names) and values, DNS-1123 labels and subdomains,
//! and label selectors (`key`, `!key`, `=`, `==`, `!=`, `in`, `notin`, `<`,
//! `>` joined by commas). One implementation serves the sandbox's API
//! server, the storage drivers' label queries and `list --selector`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::gotmpl::fmt::quote as go_quote;

/// The longest label value (and name part of a key) Kubernetes accepts.
pub const MAX_LABEL_VALUE: usize = 63;

/// A DNS-1123 label: lowercase alphanumerics and `-`, alphanumeric at both ends.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A DNS-1123 subdomain: dot-separated DNS labels (length checked by callers).
pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_dns_label)
}

/// The name part of a qualified name, which is also a non-empty label value.
fn is_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_LABEL_VALUE
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A label key: `prefix/name` with a DNS subdomain prefix, or a bare name part.
pub fn is_qualified_name(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_name_part(name),
        None => is_name_part(s),
    }
}

/// A label value: empty, or up to 63 alphanumerics, `-`, `_`, `.` with
/// alphanumerics at both ends.
pub fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_name_part(s)
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Exists,
    DoesNotExist,
    Equals,
    NotEquals,
    In,
    NotIn,
    Gt,
    Lt,
}

#[derive(Debug, Clone, PartialEq)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Not,
    Eq,
    DoubleEq,
    NotEq,
    Gt,
    Lt,
    Open,
    Close,
    Comma,
    In,
    NotIn,
}

fn is_special(c: char) -> bool {
    matches!(c, '!' | '=' | '<' | '>' | '(' | ')' | ',')
}

fn lex(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        let (tok, len) = match (c, next) {
            ('!', Some('=')) => (Token::NotEq, 2),
            ('!', _) => (Token::Not, 1),
            ('=', Some('=')) => (Token::DoubleEq, 2),
            ('=', _) => (Token::Eq, 1),
            ('<', _) => (Token::Lt, 1),
            ('>', _) => (Token::Gt, 1),
            ('(', _) => (Token::Open, 1),
            (')', _) => (Token::Close, 1),
            (',', _) => (Token::Comma, 1),
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !is_special(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push(match word.as_str() {
                    "in" => Token::In,
                    "notin" => Token::NotIn,
                    _ => Token::Ident(word),
                });
                continue;
            }
        };
        out.push(tok);
        i += len;
    }
    out
}

fn check_key(key: &str) -> Result<(), String> {
    if is_qualified_name(key) {
        Ok(())
    } else {
        Err(format!(
            "unable to parse requirement: key: Invalid value: {}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            go_quote(key)
        ))
    }
}

fn check_value(i: usize, key: &str, value: &str) -> Result<(), String> {
    if is_label_value(value) {
        Ok(())
    } else {
        Err(format!(
            "unable to parse requirement: values[{i}][{key}]: Invalid value: {}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            go_quote(value)
        ))
    }
}

impl LabelSelector {
    /// Parses `text`; the error is the message the apiserver returns (400).
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let tokens = lex(text);
        let mut reqs = Vec::new();
        let mut pos = 0;
        let at = |p: usize| tokens.get(p);
        while pos < tokens.len() {
            let negated = at(pos) == Some(&Token::Not);
            if negated {
                pos += 1;
            }
            let Some(Token::Ident(key)) = at(pos) else {
                return Err(format!(
                    "found '{}', expected: identifier",
                    describe(at(pos))
                ));
            };
            let key = key.clone();
            check_key(&key)?;
            pos += 1;
            if negated {
                reqs.push(Requirement {
                    key,
                    op: Op::DoesNotExist,
                    values: Vec::new(),
                });
            } else {
                match at(pos) {
                    None | Some(Token::Comma) => reqs.push(Requirement {
                        key,
                        op: Op::Exists,
                        values: Vec::new(),
                    }),
                    Some(
                        t @ (Token::Eq | Token::DoubleEq | Token::NotEq | Token::Gt | Token::Lt),
                    ) => {
                        let op = match t {
                            Token::Eq | Token::DoubleEq => Op::Equals,
                            Token::NotEq => Op::NotEquals,
                            Token::Gt => Op::Gt,
                            _ => Op::Lt,
                        };
                        pos += 1;
                        let value = match at(pos) {
                            Some(Token::Ident(v)) => {
                                pos += 1;
                                v.clone()
                            }
                            // `key=` selects an empty value.
                            None | Some(Token::Comma)
                                if matches!(op, Op::Equals | Op::NotEquals) =>
                            {
                                String::new()
                            }
                            other => {
                                return Err(format!(
                                    "found '{}', expected: identifier",
                                    describe(other)
                                ));
                            }
                        };
                        if matches!(op, Op::Gt | Op::Lt) && value.parse::<i64>().is_err() {
                            return Err(format!(
                                "unable to parse requirement: values[0]: Invalid value: {}: for 'Gt', 'Lt' operators, the value must be an integer",
                                go_quote(&value)
                            ));
                        }
                        check_value(0, &key, &value)?;
                        reqs.push(Requirement {
                            key,
                            op,
                            values: vec![value],
                        });
                    }
                    Some(t @ (Token::In | Token::NotIn)) => {
                        let op = if *t == Token::In { Op::In } else { Op::NotIn };
                        pos += 1;
                        if at(pos) != Some(&Token::Open) {
                            return Err(format!("found '{}', expected: '('", describe(at(pos))));
                        }
                        pos += 1;
                        let mut values = Vec::new();
                        loop {
                            match at(pos) {
                                Some(Token::Ident(v)) => {
                                    values.push(v.clone());
                                    pos += 1;
                                }
                                Some(Token::Comma) | Some(Token::Close) => {
                                    values.push(String::new())
                                }
                                other => {
                                    return Err(format!(
                                        "found '{}', expected: ',', ')' or identifier",
                                        describe(other)
                                    ));
                                }
                            }
                            match at(pos) {
                                Some(Token::Comma) => pos += 1,
                                Some(Token::Close) => {
                                    pos += 1;
                                    break;
                                }
                                other => {
                                    return Err(format!(
                                        "found '{}', expected: ',' or ')'",
                                        describe(other)
                                    ));
                                }
                            }
                        }
                        // `in ()` is read as one empty value; the apiserver accepts it.
                        for (i, v) in values.iter().enumerate() {
                            check_value(i, &key, v)?;
                        }
                        values.sort();
                        values.dedup();
                        reqs.push(Requirement { key, op, values });
                    }
                    other => {
                        return Err(format!(
                            "found '{}', expected: in, notin, =, ==, !=, gt, lt",
                            describe(other)
                        ));
                    }
                }
            }
            match at(pos) {
                None => break,
                Some(Token::Comma) => {
                    pos += 1;
                    if pos == tokens.len() {
                        return Err("found '', expected: identifier after ','".into());
                    }
                }
                other => {
                    return Err(format!(
                        "found '{}', expected: ',' or 'end of string'",
                        describe(other)
                    ));
                }
            }
        }
        Ok(LabelSelector { requirements: reqs })
    }

    /// Whether this selects everything (no requirements).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Matches an object's `metadata.labels` (absent labels are an empty set).
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        self.matches_with(|key| labels.and_then(|l| l.get(key)).and_then(Value::as_str))
    }

    /// Matches a label set.
    pub fn matches_map(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_with(|key| labels.get(key).map(String::as_str))
    }

    /// Matches the labels `value_of` looks up by key.
    pub fn matches_with<'a>(&self, value_of: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.requirements.iter().all(|r| {
            let value = value_of(&r.key);
            match r.op {
                Op::Exists => value.is_some(),
                Op::DoesNotExist => value.is_none(),
                Op::Equals | Op::In => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
                Op::NotEquals | Op::NotIn => value.is_none_or(|v| r.values.iter().all(|x| x != v)),
                Op::Gt | Op::Lt => {
                    let (Some(have), Some(want)) = (
                        value.and_then(|v| v.parse::<i64>().ok()),
                        r.values.first().and_then(|v| v.parse::<i64>().ok()),
                    ) else {
                        return false;
                    };
                    if r.op == Op::Gt {
                        have > want
                    } else {
                        have < want
                    }
                }
            }
        })
    }
}

fn describe(t: Option<&Token>) -> String {
    match t {
        None => String::new(),
        Some(Token::Ident(s)) => s.clone(),
        Some(Token::Not) => "!".into(),
        Some(Token::Eq) => "=".into(),
        Some(Token::DoubleEq) => "==".into(),
        Some(Token::NotEq) => "!=".into(),
        Some(Token::Gt) => ">".into(),
        Some(Token::Lt) => "<".into(),
        Some(Token::Open) => "(".into(),
        Some(Token::Close) => ")".into(),
        Some(Token::Comma) => ",".into(),
        Some(Token::In) => "in".into(),
        Some(Token::NotIn) => "notin".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn every_operator_matches_like_kubernetes() {
        let l = labels(json!({"app": "web", "tier": "front", "rev": "7"}));
        let yes = [
            "",
            "app",
            "!missing",
            "app=web",
            "app==web",
            "app!=api",
            "missing!=x",
            "tier in (front,back)",
            "tier notin (back)",
            "missing notin (x)",
            "rev>5",
            "rev<8",
            "app=web,tier=front",
            " app = web , rev > 6 ",
        ];
        for s in yes {
            assert!(LabelSelector::parse(s).unwrap().matches(Some(&l)), "{s}");
        }
        let no = [
            "missing",
            "!app",
            "app=api",
            "app!=web",
            "tier in (back)",
            "tier notin (front)",
            "rev>7",
            "missing>1",
            "rev<7",
        ];
        for s in no {
            assert!(!LabelSelector::parse(s).unwrap().matches(Some(&l)), "{s}");
        }
        assert!(LabelSelector::parse("app").unwrap().matches(Some(&l)));
        assert!(!LabelSelector::parse("app").unwrap().matches(None));
        assert!(
            LabelSelector::parse("x=")
                .unwrap()
                .matches(Some(&labels(json!({"x": ""}))))
        );
    }

    #[test]
    fn malformed_selectors_are_errors() {
        for s in [
            "app=a b",
            "app in (a",
            "app in a",
            "=x",
            "app>x",
            "app,",
            "a b c",
            "bad key!",
        ] {
            assert!(LabelSelector::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn label_sets_match_like_objects() {
        let set: BTreeMap<String, String> = [("team", "a"), ("status", "deployed")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert!(
            LabelSelector::parse("team=a,status in (deployed,failed)")
                .unwrap()
                .matches_map(&set)
        );
        assert!(!LabelSelector::parse("team!=a").unwrap().matches_map(&set));
    }

    #[test]
    fn names_and_values_follow_apimachinery() {
        assert!(is_qualified_name("app.kubernetes.io/name"));
        assert!(!is_qualified_name("-x"));
        assert!(is_label_value(""));
        assert!(!is_label_value("a b"));
        assert!(is_label_value(&"x".repeat(MAX_LABEL_VALUE)));
        assert!(!is_label_value(&"x".repeat(MAX_LABEL_VALUE + 1)));
        assert!(is_dns_subdomain("a.b-c.d") && !is_dns_subdomain("A.b"));
    }
}
