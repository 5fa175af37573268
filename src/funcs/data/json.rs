//! Go's `encoding/json`, as far as template values need it.
//!
//! Owns writing a value as `json.Marshal` does (map keys in byte order, floats
//! in Go's JSON form such as `1e+21` and `1e-7`, `<`, `>` and `&` escaped as
//! `\u003c` unless asked not to, NaN and infinities refused), `MarshalIndent`'s
//! layout, and reading JSON as `json.Unmarshal` does: the whole text is checked
//! first by Go's scanner, so a syntax error carries Go's exact message, then
//! decoded with every number a float64.

use std::collections::HashSet;
use std::sync::Arc;

use crate::gotmpl::fmt::{format_float, quote};
use crate::gotmpl::{Entries, List, Map, Value};

/// Go's `json.Marshal` errors, with their messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MarshalError {
    /// `UnsupportedValueError`: NaN, infinities, and cyclic maps.
    #[error("json: unsupported value: {0}")]
    UnsupportedValue(String),
    /// A value wheelhouse can't turn into JSON (a built-in Go struct such as
    /// `.Capabilities`).
    #[error("json: unsupported type: {0}")]
    UnsupportedType(String),
}

/// Go's encoder starts looking for cycles once this many maps are open.
const CYCLE_CHECK_DEPTH: usize = 1000;

/// Tracks the maps on the current path, as Go's encoder does past a depth.
#[derive(Default)]
pub(super) struct CycleGuard {
    depth: usize,
    seen: HashSet<usize>,
}

impl CycleGuard {
    /// Enters a map; fails when the map is already open further up.
    pub fn enter(&mut self, map: &Map) -> Result<(), MarshalError> {
        self.depth += 1;
        if self.depth > CYCLE_CHECK_DEPTH && !self.seen.insert(map.address()) {
            return Err(MarshalError::UnsupportedValue(format!(
                "encountered a cycle via {}",
                map.type_name()
            )));
        }
        Ok(())
    }

    pub fn leave(&mut self, map: &Map) {
        if self.depth > CYCLE_CHECK_DEPTH {
            self.seen.remove(&map.address());
        }
        self.depth -= 1;
    }
}

/// `json.Marshal(v)`, or with `escape_html` false an `Encoder` with
/// `SetEscapeHTML(false)` (without its final newline).
pub(super) fn marshal(v: &Value, escape_html: bool) -> Result<String, MarshalError> {
    let mut out = String::new();
    write_value(&mut out, v, escape_html, &mut CycleGuard::default())?;
    Ok(out)
}

/// `json.MarshalIndent(v, "", "  ")`.
pub(super) fn marshal_indent(v: &Value) -> Result<String, MarshalError> {
    let compact = marshal(v, true)?;
    Ok(indent(&compact, "  "))
}

fn write_value(
    out: &mut String,
    v: &Value,
    escape_html: bool,
    guard: &mut CycleGuard,
) -> Result<(), MarshalError> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match v {
        Value::Nil => {
            out.push_str("null");
            Ok(())
        }
        Value::Bool(b) => {
            out.push_str(if *b { "true" } else { "false" });
            Ok(())
        }
        Value::Int(i, _) => {
            out.push_str(&i.to_string());
            Ok(())
        }
        Value::Uint(u, _) => {
            out.push_str(&u.to_string());
            Ok(())
        }
        Value::Float(f) => {
            out.push_str(&float(*f)?);
            Ok(())
        }
        Value::Str(s) => {
            write_string(out, s, escape_html);
            Ok(())
        }
        Value::List(list) => {
            out.push('[');
            for (i, item) in list.items().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, escape_html, guard)?;
            }
            out.push(']');
            Ok(())
        }
        Value::Map(map) => {
            guard.enter(map)?;
            out.push('{');
            let entries: Vec<(Arc<str>, Value)> = map
                .read()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k, escape_html);
                out.push(':');
                write_value(out, v, escape_html, guard)?;
            }
            out.push('}');
            guard.leave(map);
            Ok(())
        }
        Value::Object(o) if o.is_nil() => {
            out.push_str("null");
            Ok(())
        }
        Value::Object(o) => Err(MarshalError::UnsupportedType(o.type_name().into_owned())),
    })
}

/// A float64 the way Go's JSON encoder writes it: `strconv` 'f' form, or 'e'
/// form below 1e-6 and from 1e21 on, with a one-digit negative exponent
/// (`1e-7`, not `1e-07`).
pub(crate) fn float(f: f64) -> Result<String, MarshalError> {
    if !f.is_finite() {
        return Err(MarshalError::UnsupportedValue(format_float(f, 'g', -1)));
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut s = format_float(f, 'e', -1);
        let n = s.len();
        if n >= 4 && s.as_bytes()[n - 4] == b'e' && &s[n - 3..n - 1] == "-0" {
            s.remove(n - 2);
        }
        Ok(s)
    } else {
        Ok(format_float(f, 'f', -1))
    }
}

/// A JSON string literal as Go writes it: control characters as `\n`, `\t`,
/// `\b`, `\f`, `\r` or `\u00XX`, U+2028 and U+2029 escaped, and `<`, `>`, `&`
/// escaped when `escape_html` is set.
pub(super) fn write_string(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if escape_html => push_u00(out, c as u8, HEX),
            c if (c as u32) < 0x20 => push_u00(out, c as u8, HEX),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn push_u00(out: &mut String, b: u8, hex: &[u8; 16]) {
    out.push_str("\\u00");
    out.push(char::from(hex[usize::from(b >> 4)]));
    out.push(char::from(hex[usize::from(b & 0xF)]));
}

/// Go's `json.Indent` of compact JSON with an empty prefix: a newline and
/// indentation after every `[`, `{` and `,`, `": "` between key and value, and
/// empty arrays and objects kept as `[]` and `{}`.
fn indent(compact: &str, unit: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut need_indent = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(unit);
        }
    };
    for c in compact.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if need_indent && c != ']' && c != '}' {
            need_indent = false;
            depth += 1;
            newline(&mut out, depth);
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                need_indent = true;
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '}' | ']' => {
                if need_indent {
                    // An empty object or array stays on one line.
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Reading: Go's scanner for the syntax check, then a decoder over valid text.
// ---------------------------------------------------------------------------

/// Go's scanner bounds nesting at this depth.
const MAX_NESTING_DEPTH: usize = 10_000;

/// A `json.Unmarshal` failure, with Go's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(super) struct UnmarshalError(pub String);

/// The Go type a document is decoded into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// `interface {}`: any JSON value.
    Any,
    /// `map[string]interface {}`: null leaves it empty.
    Map,
    /// `[]interface {}`: null makes it nil.
    Slice,
}

/// `json.Unmarshal(text, &target)`: the decoded value (for `Map` and `Slice`,
/// what the target holds afterwards) and the error Go returns, if any. A
/// syntax error leaves the target untouched; a type error (a number out of
/// float64's range, a document of the wrong kind) doesn't stop the decoding of
/// the rest, as in Go.
pub(super) fn unmarshal(text: &str, target: Target) -> (Option<Value>, Option<UnmarshalError>) {
    if let Err(e) = check_valid(text.as_bytes()) {
        return (None, Some(e));
    }
    let mut decoder = Decoder {
        data: text.as_bytes(),
        pos: 0,
        error: None,
    };
    decoder.skip_space();
    let kind = match decoder.data.get(decoder.pos) {
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "bool",
        Some(b'n') => "null",
        _ => "number",
    };
    let type_error = |go_type: &str| {
        UnmarshalError(format!(
            "json: cannot unmarshal {kind} into Go value of type {go_type}"
        ))
    };
    match (target, kind) {
        (Target::Map, "null") => (Some(Value::Map(Map::new(Entries::new()))), None),
        (Target::Slice, "null") => (Some(Value::List(List::new(Vec::new()))), None),
        (Target::Map, "object") | (Target::Slice, "array") | (Target::Any, _) => {
            let value = decoder.value();
            (Some(value), decoder.error.map(UnmarshalError))
        }
        (Target::Map, _) => (
            Some(Value::Map(Map::new(Entries::new()))),
            Some(type_error("map[string]interface {}")),
        ),
        (Target::Slice, _) => (
            Some(Value::List(List::new(Vec::new()))),
            Some(type_error("[]interface {}")),
        ),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside `true`, `false` or `null`: the rest of the word to read.
    Literal(&'static [u8], &'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// The message Go's `json.Unmarshal` gives for a syntax error in `data`, if
/// any; for readers outside the function library (values.schema.json).
pub(crate) fn syntax_error(data: &[u8]) -> Option<String> {
    check_valid(data).err().map(|e| e.0)
}

/// Go's `checkValid`: runs the scanner over every byte, then its end-of-input
/// step (a space), and reports the first error in Go's words.
fn check_valid(data: &[u8]) -> Result<(), UnmarshalError> {
    let mut scanner = Scanner {
        step: Step::BeginValue,
        stack: Vec::new(),
        end_top: false,
        error: None,
    };
    for &c in data {
        scanner.step(c);
        if let Some(e) = scanner.error.take() {
            return Err(UnmarshalError(e));
        }
    }
    if scanner.end_top {
        return Ok(());
    }
    scanner.step(b' ');
    if let Some(e) = scanner.error.take() {
        return Err(UnmarshalError(e));
    }
    if scanner.end_top {
        return Ok(());
    }
    Err(UnmarshalError("unexpected end of JSON input".into()))
}

struct Scanner {
    step: Step,
    stack: Vec<Parse>,
    end_top: bool,
    error: Option<String>,
}

impl Scanner {
    fn fail(&mut self, c: u8, context: &str) {
        self.error = Some(format!("invalid character {} {context}", quote_char(c)));
    }

    fn push(&mut self, c: u8, state: Parse) {
        self.stack.push(state);
        if self.stack.len() > MAX_NESTING_DEPTH {
            self.fail(c, "exceeded max depth");
        }
    }

    fn pop(&mut self) {
        self.stack.pop();
        if self.stack.is_empty() {
            self.step = Step::EndTop;
            self.end_top = true;
        } else {
            self.step = Step::EndValue;
        }
    }

    fn step(&mut self, c: u8) {
        let space = matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        match self.step {
            Step::BeginValueOrEmpty if space => {}
            Step::BeginValueOrEmpty if c == b']' => self.end_value(c),
            Step::BeginValueOrEmpty | Step::BeginValue => self.begin_value(c),
            Step::BeginStringOrEmpty if space => {}
            Step::BeginStringOrEmpty if c == b'}' => {
                if let Some(top) = self.stack.last_mut() {
                    *top = Parse::ObjectValue;
                }
                self.end_value(c);
            }
            Step::BeginStringOrEmpty | Step::BeginString => {
                if space {
                } else if c == b'"' {
                    self.step = Step::InString;
                } else {
                    self.fail(c, "looking for beginning of object key string");
                }
            }
            Step::EndValue => self.end_value(c),
            Step::EndTop => {
                if !space {
                    self.fail(c, "after top-level value");
                }
            }
            Step::InString => match c {
                b'"' => self.step = Step::EndValue,
                b'\\' => self.step = Step::InStringEsc,
                c if c < 0x20 => self.fail(c, "in string literal"),
                _ => {}
            },
            Step::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.step = Step::InString
                }
                b'u' => self.step = Step::InStringEscU(0),
                _ => self.fail(c, "in string escape code"),
            },
            Step::InStringEscU(n) => {
                if c.is_ascii_hexdigit() {
                    self.step = if n == 3 {
                        Step::InString
                    } else {
                        Step::InStringEscU(n + 1)
                    };
                } else {
                    self.fail(c, "in \\u hexadecimal character escape");
                }
            }
            Step::Neg => match c {
                b'0' => self.step = Step::Zero,
                b'1'..=b'9' => self.step = Step::One,
                _ => self.fail(c, "in numeric literal"),
            },
            Step::One if c.is_ascii_digit() => {}
            Step::One | Step::Zero => match c {
                b'.' => self.step = Step::Dot,
                b'e' | b'E' => self.step = Step::E,
                _ => self.end_value(c),
            },
            Step::Dot => {
                if c.is_ascii_digit() {
                    self.step = Step::Dot0;
                } else {
                    self.fail(c, "after decimal point in numeric literal");
                }
            }
            Step::Dot0 => match c {
                b'0'..=b'9' => {}
                b'e' | b'E' => self.step = Step::E,
                _ => self.end_value(c),
            },
            Step::E if c == b'+' || c == b'-' => self.step = Step::ESign,
            Step::E | Step::ESign => {
                if c.is_ascii_digit() {
                    self.step = Step::E0;
                } else {
                    self.fail(c, "in exponent of numeric literal");
                }
            }
            Step::E0 if c.is_ascii_digit() => {}
            Step::E0 => self.end_value(c),
            Step::Literal(rest, word) => {
                if rest.first() == Some(&c) {
                    self.step = if rest.len() == 1 {
                        Step::EndValue
                    } else {
                        Step::Literal(&rest[1..], word)
                    };
                } else {
                    let expecting = rest.first().copied().map_or('?', char::from);
                    self.fail(c, &format!("in literal {word} (expecting '{expecting}')"));
                }
            }
        }
    }

    fn begin_value(&mut self, c: u8) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {}
            b'{' => {
                self.step = Step::BeginStringOrEmpty;
                self.push(c, Parse::ObjectKey);
            }
            b'[' => {
                self.step = Step::BeginValueOrEmpty;
                self.push(c, Parse::ArrayValue);
            }
            b'"' => self.step = Step::InString,
            b'-' => self.step = Step::Neg,
            b'0' => self.step = Step::Zero,
            b't' => self.step = Step::Literal(b"rue", "true"),
            b'f' => self.step = Step::Literal(b"alse", "false"),
            b'n' => self.step = Step::Literal(b"ull", "null"),
            b'1'..=b'9' => self.step = Step::One,
            _ => self.fail(c, "looking for beginning of value"),
        }
    }

    fn end_value(&mut self, c: u8) {
        let Some(&top) = self.stack.last() else {
            self.step = Step::EndTop;
            self.end_top = true;
            if !matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
                self.fail(c, "after top-level value");
            }
            return;
        };
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            self.step = Step::EndValue;
            return;
        }
        match top {
            Parse::ObjectKey if c == b':' => {
                if let Some(t) = self.stack.last_mut() {
                    *t = Parse::ObjectValue;
                }
                self.step = Step::BeginValue;
            }
            Parse::ObjectKey => self.fail(c, "after object key"),
            Parse::ObjectValue if c == b',' => {
                if let Some(t) = self.stack.last_mut() {
                    *t = Parse::ObjectKey;
                }
                self.step = Step::BeginString;
            }
            Parse::ObjectValue if c == b'}' => self.pop(),
            Parse::ObjectValue => self.fail(c, "after object key:value pair"),
            Parse::ArrayValue if c == b',' => self.step = Step::BeginValue,
            Parse::ArrayValue if c == b']' => self.pop(),
            Parse::ArrayValue => self.fail(c, "after array element"),
        }
    }
}

/// Go's `quoteChar`: the byte as a rune, quoted Go-style in single quotes.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        c => {
            let q = quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// Decodes text the scanner accepted, into `interface {}` values.
struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
    /// The first type error, which Go saves and returns after decoding.
    error: Option<String>,
}

impl Decoder<'_> {
    fn skip_space(&mut self) {
        while matches!(self.data.get(self.pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Value {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            self.skip_space();
            match self.data.get(self.pos) {
                Some(b'{') => self.object(),
                Some(b'[') => self.array(),
                Some(b'"') => Value::from(self.string()),
                Some(b't') => {
                    self.pos += 4;
                    Value::Bool(true)
                }
                Some(b'f') => {
                    self.pos += 5;
                    Value::Bool(false)
                }
                Some(b'n') => {
                    self.pos += 4;
                    Value::Nil
                }
                _ => self.number(),
            }
        })
    }

    fn object(&mut self) -> Value {
        self.pos += 1;
        let mut entries = Entries::new();
        loop {
            self.skip_space();
            match self.data.get(self.pos) {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                Some(b'"') => {}
                _ => break,
            }
            let key = self.string();
            self.skip_space();
            self.pos += 1; // ':'
            let value = self.value();
            entries.insert(Arc::from(key.as_str()), value);
        }
        Value::Map(Map::new(entries))
    }

    fn array(&mut self) -> Value {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.data.get(self.pos) {
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                None => break,
                _ => items.push(self.value()),
            }
        }
        Value::List(List::new(items))
    }

    fn number(&mut self) -> Value {
        let start = self.pos;
        while matches!(
            self.data.get(self.pos),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.pos += 1;
        }
        let text = String::from_utf8_lossy(&self.data[start..self.pos]);
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Value::Float(f),
            _ => {
                if self.error.is_none() {
                    self.error = Some(format!(
                        "json: cannot unmarshal number {text} into Go value of type float64"
                    ));
                }
                Value::Nil
            }
        }
    }

    /// A string literal, with Go's unquoting: `\u` escapes joined into
    /// surrogate pairs where they form one, U+FFFD where they don't.
    fn string(&mut self) -> String {
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(&b) = self.data.get(self.pos) {
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.data.get(self.pos) else {
                        break;
                    };
                    self.pos += 1;
                    let simple = match e {
                        b'b' => Some(b'\x08'),
                        b'f' => Some(b'\x0c'),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        other => Some(other),
                    };
                    if let Some(s) = simple {
                        out.push(s);
                        continue;
                    }
                    let c = self.unicode_escape();
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                b => out.push(b),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The character of a `\uXXXX` escape whose `\u` was just read.
    fn unicode_escape(&mut self) -> char {
        let first = self.hex4();
        if (0xD800..0xDC00).contains(&first)
            && self.data.get(self.pos) == Some(&b'\\')
            && self.data.get(self.pos + 1) == Some(&b'u')
        {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4();
            if (0xDC00..0xE000).contains(&second) {
                let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return char::from_u32(c).unwrap_or('\u{FFFD}');
            }
            // Not a pair: the second escape is read on its own.
            self.pos = save;
            return '\u{FFFD}';
        }
        char::from_u32(first).unwrap_or('\u{FFFD}')
    }

    fn hex4(&mut self) -> u32 {
        let end = (self.pos + 4).min(self.data.len());
        let digits = std::str::from_utf8(&self.data[self.pos..end]).unwrap_or("0");
        self.pos = end;
        u32::from_str_radix(digits, 16).unwrap_or(0xFFFD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_the_json_way() {
        let cases = [
            (1e6, "1000000"),
            (1.5, "1.5"),
            (1e-7, "1e-7"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (-0.0, "-0"),
            (1.234e-10, "1.234e-10"),
        ];
        for (f, want) in cases {
            assert_eq!(float(f).unwrap(), want);
        }
        assert!(float(f64::NAN).is_err());
    }

    #[test]
    fn indent_keeps_empty_collections_inline() {
        assert_eq!(
            indent(r#"{"a":[],"b":{},"c":[1,{"d":"x,y"}]}"#, "  "),
            "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": \"x,y\"\n    }\n  ]\n}"
        );
    }

    #[test]
    fn syntax_errors_carry_go_messages() {
        let err = |s: &str| check_valid(s.as_bytes()).unwrap_err().0;
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("{"), "unexpected end of JSON input");
        assert_eq!(
            err("1."),
            "invalid character ' ' after decimal point in numeric literal"
        );
        assert_eq!(
            err("{a}"),
            "invalid character 'a' looking for beginning of object key string"
        );
        assert_eq!(err("[1 2]"), "invalid character '2' after array element");
        assert_eq!(
            err("tru"),
            "invalid character ' ' in literal true (expecting 'e')"
        );
        assert_eq!(err("{} x"), "invalid character 'x' after top-level value");
        assert!(check_valid(b" [1, {\"a\": null}] ").is_ok());
    }

    #[test]
    fn surrogates_are_joined_or_replaced() {
        let (v, _) = unmarshal(r#""\ud83d\ude00 \ud83d x""#, Target::Any);
        assert_eq!(v.unwrap().as_str(), Some("\u{1F600} \u{FFFD} x"));
    }
}
