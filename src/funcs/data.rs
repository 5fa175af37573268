//! Helm's data-format functions (`toYaml`, `toYamlPretty`, `fromYaml`,
//! `fromYamlArray`, `toJson`, `fromJson`, `fromJsonArray`, `toToml`,
//! `fromToml` and their `must` forms) and Sprig's JSON functions that Helm
//! keeps (`toPrettyJson`, `toRawJson`, `mustFromJson`, `mustToPrettyJson`,
//! `mustToRawJson`).
//!
//! Owns the path each function takes through Go's libraries, because that
//! path decides the output: `toYaml` is sigs.k8s.io/yaml's `Marshal` (the value
//! goes through `json.Marshal`, is read back by yaml.v2, so numbers are
//! re-typed, and is printed by yaml.v2), `toYamlPretty` prints the value
//! straight through yaml.v3, and the `from` functions read with Helm's YAML
//! rules (`chart::yaml`) or Go's JSON decoder and put errors where Helm puts
//! them (an `Error` key, or the only item of the list).

pub(crate) mod json;
mod toml;
mod yaml_emit;

use std::sync::Arc;

use crate::chart::yaml::{self as helm_yaml, Json};
use crate::gotmpl::fmt::format_float;
use crate::gotmpl::{Entries, Error, Func, FuncMap, List, Map, Param, Value};

use super::str_arg;
use json::{CycleGuard, MarshalError, Target};
use yaml_emit::{Flavor, Node, Scalar};

pub(super) fn register(funcs: &mut FuncMap) {
    let mut add = |name: &str, param: Param, body: fn(&Value) -> Result<Value, Error>| {
        funcs.insert(
            name.into(),
            Func::pure(&[param], None, move |args| body(&args[0])),
        );
    };
    add("toYaml", Param::Any, |v| {
        Ok(to_yaml(v).unwrap_or_default().into())
    });
    add("mustToYaml", Param::Any, |v| {
        to_yaml(v)
            .map(Value::from)
            .map_err(|e| Error::msg(e.to_string()))
    });
    add("toYamlPretty", Param::Any, |v| {
        Ok(to_yaml_pretty(v).unwrap_or_default().into())
    });
    add("fromYaml", Param::String, |v| Ok(from_yaml(str_arg(v))));
    add("fromYamlArray", Param::String, |v| {
        Ok(from_yaml_array(str_arg(v)))
    });
    add("toJson", Param::Any, |v| {
        Ok(json::marshal(v, true).unwrap_or_default().into())
    });
    add("mustToJson", Param::Any, |v| must(json::marshal(v, true)));
    add("fromJson", Param::String, |v| Ok(from_json(str_arg(v))));
    add("fromJsonArray", Param::String, |v| {
        Ok(from_json_array(str_arg(v)))
    });
    add("toPrettyJson", Param::Any, |v| {
        Ok(json::marshal_indent(v).unwrap_or_default().into())
    });
    add("mustToPrettyJson", Param::Any, |v| {
        must(json::marshal_indent(v))
    });
    // Sprig's toRawJson panics where its must form returns the error; in a
    // template both end as the same error.
    add("toRawJson", Param::Any, |v| must(json::marshal(v, false)));
    add("mustToRawJson", Param::Any, |v| {
        must(json::marshal(v, false))
    });
    add("mustFromJson", Param::String, |v| {
        match json::unmarshal(str_arg(v), Target::Any) {
            (_, Some(e)) => Err(Error::msg(e.0)),
            (value, None) => Ok(value.unwrap_or_default()),
        }
    });
    add("toToml", Param::Any, |v| match toml::encode(v) {
        Ok(text) => Ok(text.into()),
        // Go's reflection panics on a nil interface before the encoder can
        // return an error, so this one fails the template.
        Err(toml::EncodeError::Nil) => Err(Error::msg(toml::EncodeError::Nil.to_string())),
        Err(e) => Ok(e.to_string().into()),
    });
    add("mustToToml", Param::Any, |v| {
        toml::encode(v)
            .map(Value::from)
            .map_err(|e| Error::msg(e.to_string()))
    });
    add("fromToml", Param::String, |v| {
        Ok(toml::from_toml(str_arg(v)))
    });
}

fn must(result: Result<String, MarshalError>) -> Result<Value, Error> {
    result
        .map(Value::from)
        .map_err(|e| Error::msg(e.to_string()))
}

// ---------------------------------------------------------------------------
// toYaml: json.Marshal, read back by yaml.v2, printed by yaml.v2.
// ---------------------------------------------------------------------------

/// Why sigs.k8s.io/yaml's `Marshal` failed: `json.Marshal` refused the value,
/// or yaml.v2 could not read the JSON text back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ToYamlError {
    #[error("error marshaling into JSON: {0}")]
    Json(#[from] MarshalError),
    #[error("yaml: {0}")]
    Reread(String),
}

/// sigs.k8s.io/yaml's `Marshal`, without the final newline (Helm trims it).
fn to_yaml(v: &Value) -> Result<String, ToYamlError> {
    let mut reread = Reread::default();
    let node = via_json(v, &mut CycleGuard::default(), &mut reread)?;
    if reread.refused {
        return Err(ToYamlError::Reread(
            "control characters are not allowed".into(),
        ));
    }
    if let Some(message) = reread.error {
        return Err(ToYamlError::Reread(message));
    }
    Ok(trim_newline(yaml_emit::emit(&node, Flavor::V2)))
}

/// sigs.k8s.io/yaml's `Marshal` with its final newline, as Helm's CLI prints
/// values and records (`output.EncodeYAML`).
pub(crate) fn marshal_yaml(v: &Value) -> Result<String, String> {
    to_yaml(v)
        .map(|text| text + "\n")
        .map_err(|e| e.to_string())
}

/// Go's `json.Marshal` (HTML characters escaped), as Helm's CLI prints values.
pub(crate) fn marshal_json(v: &Value) -> Result<String, String> {
    json::marshal(v, true).map_err(|e| e.to_string())
}

/// What yaml.v2 notices while reading back the JSON text, in text order.
#[derive(Default)]
struct Reread {
    /// NEL characters so far: JSON leaves them unescaped, and YAML counts
    /// them as line breaks.
    lines: usize,
    /// A character YAML's reader refuses. The reader decodes its input well
    /// ahead of the parser, so this error comes before any parsing error.
    refused: bool,
    /// The first parsing error yaml.v2 would meet.
    error: Option<String>,
}

impl Reread {
    /// A JSON string as yaml.v2 reads it back from a double-quoted scalar.
    /// Characters YAML's reader refuses (DEL, C1 controls other than NEL,
    /// U+FFFE, U+FFFF) fail the read; NEL is a line break, folded with the
    /// spaces around it.
    fn string(&mut self, s: &str) -> String {
        let refused = |c: char| matches!(u32::from(c), 0x7F..=0x84 | 0x86..=0x9F | 0xFFFE | 0xFFFF);
        self.refused |= s.chars().any(refused);
        let breaks = s.matches('\u{85}').count();
        if breaks == 0 {
            return s.to_string();
        }
        self.lines += breaks;
        fold_line_breaks(s)
    }

    /// A map key: one that spans lines can't be a flow mapping's key.
    fn key(&mut self, s: &str) -> String {
        let key = self.string(s);
        if self.error.is_none() && s.contains('\u{85}') {
            self.error = Some(format!(
                "line {}: did not find expected ',' or '}}'",
                self.lines
            ));
        }
        key
    }
}

/// go-yaml's folding of a double-quoted scalar where the raw blanks are
/// spaces and NEL: spaces next to a break vanish, a single break becomes a
/// space, and each further break a newline.
fn fold_line_breaks(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let is_blank = |c: char| c == ' ' || c == '\u{85}';
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && !is_blank(chars[i]) {
            out.push(chars[i]);
            i += 1;
        }
        let mut whitespace = String::new();
        let mut breaks = 0usize;
        while i < chars.len() && is_blank(chars[i]) {
            if chars[i] == ' ' {
                if breaks == 0 {
                    whitespace.push(' ');
                }
            } else {
                whitespace.clear();
                breaks += 1;
            }
            i += 1;
        }
        match breaks {
            0 => out.push_str(&whitespace),
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
    }
    out
}

/// The YAML tree yaml.v2 builds from the JSON text `json.Marshal` wrote for
/// `v`: numbers are re-read from that text, so whole floats become integers.
/// Errors are JSON's, found in JSON's order (map keys byte-sorted).
fn via_json(v: &Value, guard: &mut CycleGuard, reread: &mut Reread) -> Result<Node, MarshalError> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        Ok(match v {
            Value::Nil => Node::Scalar(Scalar::plain("null")),
            Value::Bool(b) => Node::Scalar(Scalar::plain(b.to_string())),
            Value::Int(i, _) => Node::Scalar(Scalar::plain(i.to_string())),
            Value::Uint(u, _) => Node::Scalar(Scalar::plain(u.to_string())),
            Value::Float(f) => Node::Scalar(Scalar::plain(reread_json_number(&json::float(*f)?))),
            Value::Str(s) => Node::Scalar(Scalar::string(&reread.string(s))),
            Value::List(list) => Node::Seq(
                list.items()
                    .iter()
                    .map(|item| via_json(item, guard, reread))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Map(map) => {
                guard.enter(map)?;
                let mut entries: Vec<(String, Node)> = Vec::new();
                for (k, v) in map_entries(map) {
                    let key = reread.key(&k);
                    entries.push((key, via_json(&v, guard, reread)?));
                }
                guard.leave(map);
                mapping(entries, Flavor::V2)
            }
            Value::Object(o) if o.is_nil() => Node::Scalar(Scalar::plain("null")),
            Value::Object(o) => {
                return Err(MarshalError::UnsupportedType(o.type_name().into_owned()));
            }
        })
    })
}

/// How yaml.v2 prints a JSON number it read: as an int64 or uint64 when the
/// text is an integer that fits, else as a float64 in `%g` form (`1e+21`,
/// `1.5e+07`).
fn reread_json_number(text: &str) -> String {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return i.to_string();
        }
        if let Ok(u) = text.parse::<u64>() {
            return u.to_string();
        }
    }
    yaml_float(text.parse::<f64>().unwrap_or(f64::NAN))
}

// ---------------------------------------------------------------------------
// toYamlPretty: the value straight through yaml.v3, indent 2.
// ---------------------------------------------------------------------------

fn to_yaml_pretty(v: &Value) -> Result<String, MarshalError> {
    let node = direct(v, &mut CycleGuard::default())?;
    Ok(trim_newline(yaml_emit::emit(&node, Flavor::V3)))
}

fn direct(v: &Value, guard: &mut CycleGuard) -> Result<Node, MarshalError> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        Ok(match v {
            Value::Nil => Node::Scalar(Scalar::plain("null")),
            Value::Bool(b) => Node::Scalar(Scalar::plain(b.to_string())),
            Value::Int(i, _) => Node::Scalar(Scalar::plain(i.to_string())),
            Value::Uint(u, _) => Node::Scalar(Scalar::plain(u.to_string())),
            Value::Float(f) => Node::Scalar(Scalar::plain(yaml_float(*f))),
            Value::Str(s) => Node::Scalar(Scalar::string(s)),
            Value::List(list) => Node::Seq(
                list.items()
                    .iter()
                    .map(|item| direct(item, guard))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Map(map) => {
                guard.enter(map)?;
                let entries = map_entries(map)
                    .into_iter()
                    .map(|(k, v)| Ok((k, direct(&v, guard)?)))
                    .collect::<Result<Vec<_>, MarshalError>>()?;
                guard.leave(map);
                mapping(entries, Flavor::V3)
            }
            Value::Object(o) if o.is_nil() => Node::Scalar(Scalar::plain("null")),
            Value::Object(o) => {
                return Err(MarshalError::UnsupportedType(o.type_name().into_owned()));
            }
        })
    })
}

/// go-yaml's float64: `%g` with the fewest digits, and YAML's names for the
/// special values.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.into()
    } else {
        format_float(f, 'g', -1)
    }
}

/// A map's entries, copied so that no lock is held while converting them.
fn map_entries(map: &Map) -> Vec<(String, Value)> {
    map.read()
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn mapping(mut entries: Vec<(String, Node)>, flavor: Flavor) -> Node {
    yaml_emit::sort_keys(&mut entries, flavor);
    Node::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Scalar::string(&k), v))
            .collect(),
    )
}

fn trim_newline(mut s: String) -> String {
    if s.ends_with('\n') {
        s.pop();
    }
    s
}

// ---------------------------------------------------------------------------
// fromYaml, fromYamlArray: sigs.k8s.io/yaml's Unmarshal, errors kept in the result.
// ---------------------------------------------------------------------------

/// What `yaml.Unmarshal` leaves in a fresh `map[string]interface {}` (or
/// `[]interface {}`), or its error.
fn unmarshal_yaml(text: &str, target: &'static str) -> Result<Value, String> {
    let json = helm_yaml::parse(text).map_err(|e| e.to_string())?;
    // json.Marshal of the whole document comes first, and refuses NaN.
    let value = json.to_value().map_err(|e| e.to_string())?;
    match (&json, target) {
        (Json::Null, "map[string]interface {}") => Ok(Value::Map(Map::new(Entries::new()))),
        (Json::Null, _) => Ok(Value::List(List::new(Vec::new()))),
        (Json::Map(_), "map[string]interface {}") | (Json::Seq(_), "[]interface {}") => Ok(value),
        (other, _) => Err(helm_yaml::YamlError::NotAMap {
            found: other.json_kind(),
            target,
        }
        .to_string()),
    }
}

fn from_yaml(text: &str) -> Value {
    match unmarshal_yaml(text, "map[string]interface {}") {
        Ok(value) => value,
        Err(message) => with_error(Entries::new(), message),
    }
}

fn from_yaml_array(text: &str) -> Value {
    match unmarshal_yaml(text, "[]interface {}") {
        Ok(value) => value,
        Err(message) => Value::List(List::new(vec![Value::from(message)])),
    }
}

/// A map holding what was decoded and, under `Error`, the error's message.
fn with_error(mut entries: Entries, message: String) -> Value {
    entries.insert(Arc::from("Error"), Value::from(message));
    Value::Map(Map::new(entries))
}

// ---------------------------------------------------------------------------
// fromJson, fromJsonArray: encoding/json's Unmarshal, errors kept in the result.
// ---------------------------------------------------------------------------

fn from_json(text: &str) -> Value {
    match json::unmarshal(text, Target::Map) {
        (value, None) => value.unwrap_or_default(),
        (value, Some(e)) => {
            let entries = match value {
                Some(Value::Map(m)) => m.read().clone(),
                _ => Entries::new(),
            };
            with_error(entries, e.0)
        }
    }
}

fn from_json_array(text: &str) -> Value {
    match json::unmarshal(text, Target::Slice) {
        (value, None) => value.unwrap_or_default(),
        (_, Some(e)) => Value::List(List::new(vec![Value::from(e.0)])),
    }
}
