//! The JSONPath templates of `helm show values --jsonpath` (Kubernetes'
//! `client-go/util/jsonpath`), for the forms people filter values with.
//!
//! Owns parsing a template (text with `{...}` actions) and printing what it
//! selects from the chart's values as that package prints it: strings as
//! they are, numbers and booleans as Go's `fmt` prints them, null as
//! `<nil>`, maps and lists as compact JSON, several results of one action
//! separated by a space. An action may use `.field` (with `\` escapes),
//! `['key']`, `[n]`, `[start:end:step]`, `[*]`, `.*`, `@`/`$` and quoted
//! text. Recursive descent (`..`), filters (`[?(...)]`), unions (`[a,b]`),
//! `range`/`end` and literals are refused with an error naming them.
//!
//! Like Helm, a path that selects nothing (a missing key, an index out of
//! range) prints nothing at all: Helm ignores the package's error, and the
//! package fails before printing anything.

use crate::gotmpl::{Map, Template, Value};

/// One step of an action.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Text(String),
    Field(String),
    Wildcard,
    /// `[start:end:step]`; `[n]` is `n:n+1`.
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        /// The end was not written but derived from a single index.
        derived_end: bool,
        step: Option<i64>,
    },
}

/// A part of a template: literal text, or an action's steps.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Action(Vec<Step>),
}

/// A parsed template.
#[derive(Debug)]
pub struct JsonPath(Vec<Part>);

/// A template could not be parsed (or uses a form not implemented here).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct JsonPathError(String);

fn err<T>(message: impl Into<String>) -> Result<T, JsonPathError> {
    Err(JsonPathError(message.into()))
}

impl JsonPath {
    pub fn parse(template: &str) -> Result<JsonPath, JsonPathError> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let (steps, after) = parse_action(&rest[open + 1..])?;
            parts.push(Part::Action(steps));
            rest = after;
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(JsonPath(parts))
    }

    /// What the template prints for `data`.
    pub fn execute(&self, data: &Value) -> String {
        let mut results = Vec::new();
        for part in &self.0 {
            match part {
                Part::Text(text) => results.push(vec![Value::str(text)]),
                Part::Action(steps) => match select(data, steps) {
                    Some(found) => results.push(found),
                    None => return String::new(),
                },
            }
        }
        results
            .iter()
            .map(|values| values.iter().map(print).collect::<Vec<_>>().join(" "))
            .collect()
    }
}

/// Parses an action up to its `}`, returning the steps and the text after it.
fn parse_action(text: &str) -> Result<(Vec<Step>, &str), JsonPathError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    loop {
        let Some(&(at, c)) = chars.get(i) else {
            return err("unclosed action");
        };
        let rest = &text[at..];
        if rest.starts_with("[?(") {
            return err("filters ([?(...)]) are not supported by wheelhouse");
        }
        if rest.starts_with("..") {
            return err("recursive descent (..) is not supported by wheelhouse");
        }
        match c {
            '}' => return Ok((steps, &text[at + 1..])),
            '\r' | '\n' => return err("unclosed action"),
            ' ' | '@' | '$' => i += 1,
            '.' => {
                i += 1;
                let mut name = String::new();
                while let Some(&(_, c)) = chars.get(i) {
                    if c == '\\' {
                        if let Some(&(_, escaped)) = chars.get(i + 1) {
                            name.push(escaped);
                        }
                        i += 2;
                        continue;
                    }
                    if is_terminator(c) {
                        break;
                    }
                    name.push(c);
                    i += 1;
                }
                steps.push(if name == "*" {
                    Step::Wildcard
                } else {
                    Step::Field(name)
                });
            }
            '[' => {
                let close = rest
                    .find([']', '\n'])
                    .filter(|&n| rest.as_bytes()[n] == b']');
                let Some(close) = close else {
                    return err("unterminated array");
                };
                steps.push(parse_brackets(&rest[1..close])?);
                let end = at + close + 1;
                i = chars.partition_point(|&(pos, _)| pos < end);
            }
            '"' | '\'' => {
                let close = rest[1..].find(c).map(|n| n + 1);
                let Some(close) = close else {
                    return err("unterminated quoted string");
                };
                let quoted = &rest[1..close];
                if quoted.contains('\\') {
                    return err(format!(
                        "escapes in quoted text ({quoted}) are not supported by wheelhouse"
                    ));
                }
                steps.push(Step::Text(quoted.to_string()));
                let end = at + close + 1;
                i = chars.partition_point(|&(pos, _)| pos < end);
            }
            c if c == '+' || c == '-' || c.is_ascii_digit() => {
                return err("number literals are not supported by wheelhouse");
            }
            c if c == '_' || c.is_alphanumeric() => {
                return err(
                    "identifiers (range, end, true, false) are not supported by wheelhouse",
                );
            }
            other => {
                return err(format!(
                    "unrecognized character in action: U+{:04X} '{other}'",
                    u32::from(other)
                ));
            }
        }
    }
}

fn is_terminator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
    )
}

/// The inside of `[...]`: `*`, a quoted key, or an index or slice.
fn parse_brackets(text: &str) -> Result<Step, JsonPathError> {
    let text = if text == "*" { ":" } else { text };
    if text.contains(',') {
        return err("unions ([a,b]) are not supported by wheelhouse");
    }
    if let Some(key) = text
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .filter(|k| !k.contains('\''))
    {
        return Ok(Step::Field(key.to_string()));
    }
    let fields: Vec<&str> = text.split(':').collect();
    let number = |s: &str| -> Result<Option<i64>, JsonPathError> {
        if s.is_empty() {
            return Ok(None);
        }
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return err(format!("invalid array index {text}"));
        }
        s.parse()
            .map(Some)
            .map_err(|_| JsonPathError(format!("array index {s} is not a number")))
    };
    match fields.as_slice() {
        [start] => {
            let start = number(start)?;
            Ok(Step::Slice {
                start,
                end: Some(start.unwrap_or(0) + 1),
                derived_end: true,
                step: None,
            })
        }
        [start, end] => Ok(Step::Slice {
            start: number(start)?,
            end: number(end)?,
            derived_end: false,
            step: None,
        }),
        [start, end, step] => Ok(Step::Slice {
            start: number(start)?,
            end: number(end)?,
            derived_end: false,
            step: number(step)?,
        }),
        _ => err(format!("invalid array index {text}")),
    }
}

/// The values an action selects, or `None` when the package would fail.
fn select(data: &Value, steps: &[Step]) -> Option<Vec<Value>> {
    let mut current = vec![data.clone()];
    for step in steps {
        current = match step {
            Step::Text(text) => vec![Value::str(text)],
            Step::Field(name) => {
                let found: Vec<Value> = current
                    .iter()
                    .filter_map(|v| match v {
                        Value::Map(m) => m.get(name),
                        _ => None,
                    })
                    .collect();
                if found.is_empty() {
                    return None;
                }
                found
            }
            Step::Wildcard => current
                .iter()
                .flat_map(|v| match v {
                    Value::Map(m) => m.read().values().cloned().collect(),
                    Value::List(l) => l.items().to_vec(),
                    _ => Vec::new(),
                })
                .collect(),
            Step::Slice {
                start,
                end,
                derived_end,
                step,
            } => {
                let mut out = Vec::new();
                for value in &current {
                    match value {
                        Value::Nil => continue,
                        Value::List(list) => {
                            out.extend(slice(list.items(), *start, *end, *derived_end, *step)?)
                        }
                        _ => return None,
                    }
                }
                out
            }
        };
    }
    Some(current)
}

/// The package's array selection, with its bounds checks.
fn slice(
    items: &[Value],
    start: Option<i64>,
    end: Option<i64>,
    derived_end: bool,
    step: Option<i64>,
) -> Option<Vec<Value>> {
    let len = items.len() as i64;
    let mut start = start.unwrap_or(0);
    if start < 0 {
        start += len;
    }
    let mut end = end.unwrap_or(len);
    if end < 0 || (end == 0 && derived_end) {
        end += len;
    }
    if start == end {
        return Some(Vec::new());
    }
    if start >= len || start < 0 || end > len || end < 0 || start > end {
        return None;
    }
    let step = match step {
        Some(s) if s <= 0 => return None,
        Some(s) => s as usize,
        None => 1,
    };
    Some(
        items[start as usize..end as usize]
            .iter()
            .step_by(step)
            .cloned()
            .collect(),
    )
}

/// One result as the package prints it.
fn print(value: &Value) -> String {
    match value {
        Value::Str(s) => s.to_string(),
        Value::Map(_) | Value::List(_) => to_json(value),
        other => crate::gotmpl::fmt::sprint(std::slice::from_ref(other)),
    }
}

/// Go's `json.Marshal`, through the function library's `toJson`.
fn to_json(value: &Value) -> String {
    let mut template = Template::new("jsonpath").with_funcs(crate::funcs::registry());
    let data = Value::Map(Map::new(
        [(std::sync::Arc::from("v"), value.clone())].into(),
    ));
    template
        .parse("jsonpath", "{{ toJson .v }}")
        .and_then(|()| template.execute("jsonpath", &data))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::yaml::load_values;

    fn run(template: &str, yaml: &str) -> String {
        let values = Value::Map(Map::new(load_values(yaml).unwrap()));
        JsonPath::parse(template).unwrap().execute(&values)
    }

    const VALUES: &str = "image:\n  repository: nginx\n  tag: \"1.25\"\nreplicas: 3\nbig: 1000000\n\
                          enabled: true\nnothing: null\nports: [80, 443, 8080]\n\
                          hosts:\n- name: a\n  tls: true\n- name: b\nodd.key: x\nhtml: \"<b>\"\n";

    // Expectations follow client-go's jsonpath printing rules (read from its
    // source): text as is, scalars through fmt.Fprint, maps and lists as JSON.
    #[test]
    fn fields_and_scalars() {
        assert_eq!(run("{.image.repository}", VALUES), "nginx");
        assert_eq!(run("{$.image.tag}", VALUES), "1.25");
        assert_eq!(run("{.replicas}", VALUES), "3");
        assert_eq!(run("{.big}", VALUES), "1e+06");
        assert_eq!(run("{.enabled}", VALUES), "true");
        assert_eq!(run("{.nothing}", VALUES), "<nil>");
        assert_eq!(run("{['odd.key']}", VALUES), "x");
        assert_eq!(run(r"{.odd\.key}", VALUES), "x");
        assert_eq!(
            run("repo={.image.repository} tag={.image.tag}", VALUES),
            "repo=nginx tag=1.25"
        );
        assert_eq!(
            run("{.image.repository}{\"\t\"}{.replicas}", VALUES),
            "nginx\t3"
        );
        assert_eq!(run("plain", VALUES), "plain");
    }

    #[test]
    fn maps_and_lists_print_as_json() {
        assert_eq!(
            run("{.image}", VALUES),
            r#"{"repository":"nginx","tag":"1.25"}"#
        );
        assert_eq!(run("{.ports}", VALUES), "[80,443,8080]");
        assert_eq!(run("{.html}", VALUES), "<b>");
        assert_eq!(run("{.hosts[0]}", VALUES), r#"{"name":"a","tls":true}"#);
    }

    #[test]
    fn arrays() {
        assert_eq!(run("{.ports[1]}", VALUES), "443");
        assert_eq!(run("{.ports[-1]}", VALUES), "8080");
        assert_eq!(run("{.ports[*]}", VALUES), "80 443 8080");
        assert_eq!(run("{.ports[0:2]}", VALUES), "80 443");
        assert_eq!(run("{.ports[::2]}", VALUES), "80 8080");
        assert_eq!(run("{.hosts[*].name}", VALUES), "a b");
        // Only the hosts that have the key count; none at all fails.
        assert_eq!(run("{.hosts[*].tls}", VALUES), "true");
        assert_eq!(run("{.image.*}", VALUES), "nginx 1.25");
    }

    #[test]
    fn selecting_nothing_prints_nothing() {
        assert_eq!(run("before {.missing} after", VALUES), "");
        assert_eq!(run("{.image.repository}{.ports[9]}", VALUES), "");
        assert_eq!(run("{.image[0]}", VALUES), "");
        assert_eq!(run("{.nothing.deeper}", VALUES), "");
    }

    #[test]
    fn unsupported_and_bad_templates() {
        for (template, message) in [
            ("{.a", "unclosed action"),
            ("{.a[0}", "unterminated array"),
            ("{.a[x]}", "invalid array index x"),
            (
                "{..name}",
                "recursive descent (..) is not supported by wheelhouse",
            ),
            (
                "{.a[?(@.x)]}",
                "filters ([?(...)]) are not supported by wheelhouse",
            ),
            (
                "{.a[0,1]}",
                "unions ([a,b]) are not supported by wheelhouse",
            ),
            (
                "{range .a[*]}{end}",
                "identifiers (range, end, true, false) are not supported by wheelhouse",
            ),
        ] {
            let got = JsonPath::parse(template).unwrap_err().to_string();
            assert_eq!(got, message, "{template}");
        }
    }
}
