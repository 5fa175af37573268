//! TOML the way Helm's `toToml` and `fromToml` see it: BurntSushi/toml v1's
//! encoder, and its decoder into `map[string]interface {}`.
//!
//! Owns the encoder's layout (plain keys before tables, keys sorted by bytes,
//! `[table]` headers indented by depth with a blank line before each top-level
//! one, `[[array]]` tables for lists of maps, inline `{k = v}` tables inside
//! arrays, floats always with a decimal point or exponent) and its errors.

use std::sync::Arc;

use crate::gotmpl::fmt::format_float;
use crate::gotmpl::{Entries, Map, Value};

/// BurntSushi/toml's encoding errors, with its messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum EncodeError {
    #[error("toml: cannot encode array with nil element")]
    ArrayNilElement,
    #[error("toml: top-level values must be Go maps or structs")]
    NoKey,
    /// Go's reflection fails on a nil interface before the encoder starts.
    #[error("reflect: call of reflect.Value.Type on zero Value")]
    Nil,
    /// A value wheelhouse can't encode (a built-in Go struct).
    #[error("toml: unsupported type: {0}")]
    Unsupported(String),
}

/// The TOML type the encoder assigns a value, as far as layout needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A nil interface: no TOML type.
    None,
    Plain,
    /// A map.
    Hash,
    /// A non-empty list whose items are all maps.
    ArrayHash,
}

/// `toml.NewEncoder(w).Encode(v)`: the document, or the encoder's error.
pub(super) fn encode(v: &Value) -> Result<String, EncodeError> {
    let mut enc = Encoder { out: String::new() };
    match v {
        Value::Nil => return Err(EncodeError::Nil),
        Value::Map(map) => enc.table(&[], map)?,
        Value::List(_) if kind(v)? == Kind::ArrayHash => return Err(EncodeError::NoKey),
        other => enc.element(other)?,
    }
    Ok(enc.out)
}

/// `tomlTypeOfGo`: lists are checked item by item (all the way down through
/// nested lists), and a nil item is an error.
fn kind(v: &Value) -> Result<Kind, EncodeError> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match v {
        Value::Nil => Ok(Kind::None),
        Value::Map(_) => Ok(Kind::Hash),
        Value::List(list) => {
            let mut all_maps = !list.is_empty();
            for item in list.items() {
                match kind(item)? {
                    Kind::None => return Err(EncodeError::ArrayNilElement),
                    Kind::Hash => {}
                    _ => all_maps = false,
                }
            }
            Ok(if all_maps {
                Kind::ArrayHash
            } else {
                Kind::Plain
            })
        }
        Value::Object(o) if o.is_nil() => Ok(Kind::None),
        Value::Object(o) => Err(EncodeError::Unsupported(o.type_name().into_owned())),
        _ => Ok(Kind::Plain),
    })
}

struct Encoder {
    out: String,
}

impl Encoder {
    /// The encoder writes a newline only once something has been written.
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(&mut self, key: &[String]) {
        for _ in 1..key.len() {
            self.out.push_str("  ");
        }
    }

    /// `encode` for a value under `key` in a table.
    fn encode(&mut self, key: &[String], v: &Value) -> Result<(), EncodeError> {
        match v {
            Value::Map(map) => self.table(key, map),
            Value::List(list) if kind(v)? == Kind::ArrayHash => {
                for item in list.items() {
                    if let Value::Map(map) = item {
                        self.newline();
                        self.indent(key);
                        self.out.push_str(&format!("[[{}]]", dotted(key)));
                        self.newline();
                        self.map(key, map, false)?;
                    }
                }
                Ok(())
            }
            other => self.key_value(key, other, false),
        }
    }

    fn table(&mut self, key: &[String], map: &Map) -> Result<(), EncodeError> {
        if key.len() == 1 {
            // A blank line between top-level tables.
            self.newline();
        }
        if !key.is_empty() {
            self.indent(key);
            self.out.push_str(&format!("[{}]", dotted(key)));
            self.newline();
        }
        self.map(key, map, false)
    }

    /// `eMap`: keys without sub-tables first, each group sorted by bytes; nil
    /// values are skipped.
    fn map(&mut self, key: &[String], map: &Map, inline: bool) -> Result<(), EncodeError> {
        let entries: Entries = map.read().clone();
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, v) in &entries {
            match kind(v)? {
                Kind::Hash | Kind::ArrayHash => sub.push((k.clone(), v)),
                _ => direct.push((k.clone(), v)),
            }
        }
        if inline {
            self.out.push('{');
        }
        let trailing_comma = !sub.is_empty();
        self.map_keys(key, &direct, inline, trailing_comma)?;
        self.map_keys(key, &sub, inline, false)?;
        if inline {
            self.out.push('}');
        }
        Ok(())
    }

    fn map_keys(
        &mut self,
        key: &[String],
        entries: &[(Arc<str>, &Value)],
        inline: bool,
        trailing_comma: bool,
    ) -> Result<(), EncodeError> {
        for (i, (k, v)) in entries.iter().enumerate() {
            if v.is_nil() {
                continue;
            }
            if inline {
                self.key_value(&[k.to_string()], v, true)?;
                if trailing_comma || i + 1 != entries.len() {
                    self.out.push_str(", ");
                }
            } else {
                let mut sub_key = key.to_vec();
                sub_key.push(k.to_string());
                self.encode(&sub_key, v)?;
            }
        }
        Ok(())
    }

    fn key_value(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), EncodeError> {
        if let Some(last) = key.last() {
            self.indent(key);
            self.out.push_str(&maybe_quoted(last));
            self.out.push_str(" = ");
        }
        self.element(v)?;
        if !inline && !key.is_empty() {
            self.newline();
        }
        Ok(())
    }

    /// `eElement`: a value in `key = value` position or inside an array.
    fn element(&mut self, v: &Value) -> Result<(), EncodeError> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            match v {
                Value::Str(s) => self.out.push_str(&quoted(s)),
                Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
                Value::Int(i, _) => self.out.push_str(&i.to_string()),
                Value::Uint(u, _) => self.out.push_str(&u.to_string()),
                Value::Float(f) => self.out.push_str(&float(*f)),
                Value::List(list) => {
                    self.out.push('[');
                    for (i, item) in list.items().iter().enumerate() {
                        self.element(item)?;
                        if i + 1 != list.len() {
                            self.out.push_str(", ");
                        }
                    }
                    self.out.push(']');
                }
                Value::Map(map) => self.map(&[], map, true)?,
                Value::Nil => return Err(EncodeError::ArrayNilElement),
                Value::Object(o) => {
                    return Err(EncodeError::Unsupported(o.type_name().into_owned()));
                }
            }
            Ok(())
        })
    }
}

/// A float with a decimal point or an exponent, as TOML requires (`3.0`,
/// `1e+06`), and `nan`/`inf` with their sign.
fn float(f: f64) -> String {
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f.is_nan() {
        return format!("{sign}nan");
    }
    if f.is_infinite() {
        return format!("{sign}inf");
    }
    let s = format_float(f, 'g', -1);
    if s.contains(['e', '.']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// A basic string with BurntSushi's escapes: `"`, `\`, and control characters
/// (`\b \t \n \f \r` by name, the rest and DEL as `\u00XX`).
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0C}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_bare(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn maybe_quoted(part: &str) -> String {
    if is_bare(part) {
        part.to_string()
    } else {
        quoted(part)
    }
}

/// A table's full name, each part quoted when it isn't a bare key.
fn dotted(key: &[String]) -> String {
    key.iter()
        .map(|k| maybe_quoted(k))
        .collect::<Vec<_>>()
        .join(".")
}

/// Helm's `fromToml`: the document as `map[string]interface {}` (integers as
/// int64), or an empty map with the parser's error under `Error`.
///
/// The parser is the `toml` crate's, not BurntSushi's: valid documents read the
/// same, but error messages only share BurntSushi's `toml: line N: ` start, and
/// date-times arrive as their TOML text rather than Go `time.Time` values.
pub(super) fn from_toml(text: &str) -> Value {
    match text.parse::<toml::Table>() {
        Ok(table) => Value::Map(Map::new(table_entries(&table))),
        Err(e) => {
            let line = e.span().map_or(1, |span| {
                text[..span.start.min(text.len())].matches('\n').count() + 1
            });
            let message = e.message().lines().last().unwrap_or_default().to_string();
            let mut entries = Entries::new();
            entries.insert(
                Arc::from("Error"),
                Value::from(format!("toml: line {line}: {message}")),
            );
            Value::Map(Map::new(entries))
        }
    }
}

fn table_entries(table: &toml::Table) -> Entries {
    table
        .iter()
        .map(|(k, v)| (Arc::from(k.as_str()), toml_value(v)))
        .collect()
}

fn toml_value(v: &toml::Value) -> Value {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match v {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::int64(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(items) => Value::List(crate::gotmpl::List::new(
            items.iter().map(toml_value).collect(),
        )),
        toml::Value::Table(t) => Value::Map(Map::new(table_entries(t))),
    })
}
