//! Helm's `--set` family parser (`pkg/strvals`): `--set`, `--set-string`,
//! `--set-json` (its `key=value` form), `--set-literal` and `--set-file`.
//!
//! Owns the line syntax and its quirks exactly as Helm v4 has them: dotted
//! paths (`a.b=1`), list indexes (`a[0].b=1`, `a[0][1]=x`), `{a,b}` lists,
//! backslash escapes (`\,` `\.` `\=` `\[`), Helm's type inference for `--set`
//! (`true`/`false`/`null` in any case, decimal int64 unless it starts with
//! `0`), Helm's limits (index 65536, 30 nested names) and error messages, and
//! what Helm leaves behind on odd input (`a[0]` alone sets `a: []`, a line
//! cut inside an index is silently ignored). Values come out as the Go values
//! Helm would hand to templates: `int64`, `float64` (JSON), strings, bools,
//! nil, `[]interface {}` and `map[string]interface {}`.
//!
//! Reading files for `--set-file` is the caller's business (a closure), and so
//! is the order the flags apply in (`value_options`).

mod json;

use std::sync::Arc;

use crate::chart::yaml::is_go_space;
use crate::gotmpl::fmt::{quote, sprintf};
use crate::gotmpl::{Entries, IntType, List, Map, Value};

pub use json::MAX_JSON_DEPTH;

/// Helm's `MaxIndex`: the largest list index a line may set.
pub const MAX_INDEX: i64 = 65_536;

/// Helm's `MaxNestedNameLevel`: how many `.`-separated names may follow the first.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// How deeply list indexes may nest (`a[0][0]...`, `a[0].b[0].c...`). Helm has
/// no bound here (Go's stack grows); ours keeps a hostile line from building a
/// value so deep that walking it, or merely dropping it, overflows a thread's
/// stack. No chart's values come near it.
pub const MAX_INDEX_NESTING: usize = 1_000;

/// How a line's values are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `--set`: `true`, `false`, `null` and decimal int64s are typed.
    Typed,
    /// `--set-string`: every value is a string.
    String,
    /// `--set-json` in its `key=JSON` form: each value is one JSON document.
    Json,
    /// `--set-literal`: one key; everything after the first `=` is the value.
    Literal,
}

/// What a `--set-file` reader may fail with; shown as it is.
pub type ReadError = Box<dyn std::error::Error + Send + Sync>;

/// A line Helm would refuse, with Helm's message.
#[derive(Debug, thiserror::Error)]
pub enum StrvalsError {
    #[error("key {} has no value", quote(.0))]
    NoValue(String),
    #[error("key {} has no value (cannot end with ,)", quote(.0))]
    NoValueBeforeComma(String),
    #[error("key map {} has no value", quote(.0))]
    MapHasNoValue(String),
    #[error(
        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
    )]
    NameTooDeep,
    #[error(
        "list indexes are nested deeper than the maximum supported level of {MAX_INDEX_NESTING}"
    )]
    IndexTooDeep,
    #[error("error parsing index: strconv.Atoi: parsing {}: {reason}", quote(.text))]
    BadIndex { text: String, reason: AtoiError },
    #[error("negative {0} index not allowed")]
    NegativeIndex(i64),
    #[error("index of {0} is greater than maximum supported index of {MAX_INDEX}")]
    IndexTooLarge(i64),
    /// Helm prints the runes with `%q`, as a Go list of character literals.
    #[error("unexpected data at end of array index: {}", quote_runes(.0))]
    DataAfterIndex(String),
    #[error("list must terminate with '}}'")]
    UnterminatedList,
    /// A path walks into a value of another type; Helm's message is the Go
    /// runtime's, recovered from a failed type assertion.
    #[error("unable to parse key: interface conversion: interface {{}} is {found}, not {wanted}")]
    NotA { found: String, wanted: &'static str },
    /// A `--set-json` value that isn't JSON, with Go's decoder message.
    #[error("{0}")]
    Json(String),
    /// The `--set-file` reader failed.
    #[error(transparent)]
    Read(ReadError),
}

/// Why `strconv.Atoi` refused an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AtoiError {
    #[error("invalid syntax")]
    Syntax,
    #[error("value out of range")]
    Range,
}

/// Parses a line into a new map.
pub fn parse(line: &str, mode: Mode) -> Result<Entries, StrvalsError> {
    let mut values = Entries::new();
    parse_into(line, &mut values, mode)?;
    Ok(values)
}

/// Parses a line and sets what it names in `dest`, over what is there (Helm's
/// `ParseInto`, `ParseIntoString`, `ParseJSON`, `ParseLiteralInto`). On an
/// error `dest` may hold part of the line, as in Helm, whose callers drop it.
pub fn parse_into(line: &str, dest: &mut Entries, mode: Mode) -> Result<(), StrvalsError> {
    let reader = match mode {
        Mode::Typed => Reader::Typed,
        Mode::String => Reader::String,
        Mode::Json => Reader::Json,
        Mode::Literal => Reader::Literal,
    };
    Parser::new(line, reader).parse(dest)
}

/// Helm's `ParseIntoFile`: each value (after escapes, list elements one by
/// one) is handed to `read`, whose result is set. `--set-file` reads the file
/// it names as a string.
pub fn parse_into_file<F>(line: &str, dest: &mut Entries, mut read: F) -> Result<(), StrvalsError>
where
    F: FnMut(&str) -> Result<Value, ReadError>,
{
    Parser::new(line, Reader::File(&mut read)).parse(dest)
}

/// A whole JSON document, as Helm reads `--set-json '{...}'` with
/// `json.Unmarshal`; the error is Go's message.
pub fn json_document(text: &str) -> Result<Value, String> {
    json::decode_document(text)
}

/// Helm's `typedVal` for `--set`.
pub fn typed_value(text: &str) -> Value {
    if fold_equals(text, "true") {
        Value::Bool(true)
    } else if fold_equals(text, "false") {
        Value::Bool(false)
    } else if fold_equals(text, "null") {
        Value::Nil
    } else if text == "0" {
        Value::int64(0)
    } else if !text.starts_with('0') {
        match atoi(text) {
            Ok(i) => Value::int64(i),
            Err(_) => Value::from(text),
        }
    } else {
        Value::from(text)
    }
}

/// Go's `strings.EqualFold` against a lower-case ASCII word: besides ASCII
/// case, Unicode folds `ſ` (U+017F) to `s`; no other letter of `true`,
/// `false` or `null` has a non-ASCII fold.
fn fold_equals(text: &str, word: &str) -> bool {
    text.chars().count() == word.len()
        && text
            .chars()
            .zip(word.chars())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b) || (a == 'ſ' && b == 's'))
}

/// Go's `strconv.Atoi` (and `ParseInt(s, 10, 64)`), with its verdict: a
/// non-digit is a syntax error unless the digits before it already overflowed.
fn atoi(text: &str) -> Result<i64, AtoiError> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return Err(AtoiError::Syntax);
    }
    let mut n: u64 = 0;
    for c in digits.bytes() {
        if !c.is_ascii_digit() {
            return Err(AtoiError::Syntax);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c - b'0')))
            .ok_or(AtoiError::Range)?;
    }
    if negative {
        0i64.checked_sub_unsigned(n).ok_or(AtoiError::Range)
    } else {
        i64::try_from(n).map_err(|_| AtoiError::Range)
    }
}

/// `%q` of a `[]rune`: `['x' 'y']`.
fn quote_runes(text: &str) -> String {
    let runes: Vec<String> = text
        .chars()
        .map(|c| sprintf("%q", &[Value::Int(i64::from(u32::from(c)), IntType::Int32)]))
        .collect();
    format!("[{}]", runes.join(" "))
}

/// Where each value comes from.
enum Reader<'r> {
    Typed,
    String,
    Json,
    Literal,
    File(&'r mut dyn FnMut(&str) -> Result<Value, ReadError>),
}

/// Why a step stopped: the end of the line (Helm's `io.EOF`, which ends the
/// parse without an error, even when wrapped) or an error.
enum Halt {
    Eof,
    Error(StrvalsError),
}

impl From<StrvalsError> for Halt {
    fn from(e: StrvalsError) -> Halt {
        Halt::Error(e)
    }
}

/// Helm's value-producing failures inside `{...}`.
enum ListHalt {
    /// The line ended right after `=`.
    Eof,
    /// The value doesn't start with `{`.
    NotList,
    Error(StrvalsError),
}

/// The line as Go's `bytes.Buffer` serves it: rune by rune, one unread.
struct Parser<'a, 'r> {
    line: &'a str,
    pos: usize,
    last_len: usize,
    reader: Reader<'r>,
    /// Nested list indexes being parsed (ours, see [`MAX_INDEX_NESTING`]).
    index_depth: usize,
}

impl<'a, 'r> Parser<'a, 'r> {
    fn new(line: &'a str, reader: Reader<'r>) -> Self {
        Parser {
            line,
            pos: 0,
            last_len: 0,
            reader,
            index_depth: 0,
        }
    }

    fn literal(&self) -> bool {
        matches!(self.reader, Reader::Literal)
    }

    fn parse(mut self, data: &mut Entries) -> Result<(), StrvalsError> {
        loop {
            match self.key(data, 0) {
                Ok(()) => {}
                Err(Halt::Eof) => return Ok(()),
                Err(Halt::Error(e)) => return Err(e),
            }
        }
    }

    fn read_rune(&mut self) -> Option<char> {
        let c = self.line[self.pos..].chars().next()?;
        self.last_len = c.len_utf8();
        self.pos += self.last_len;
        Some(c)
    }

    fn unread_rune(&mut self) {
        self.pos -= self.last_len;
        self.last_len = 0;
    }

    /// Runes up to one in `stop` (consumed, returned) or the end (`None`).
    /// Outside `--set-literal` a backslash takes the next rune as it is.
    fn runes_until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let escapes = !self.literal();
        let mut text = String::new();
        loop {
            match self.read_rune() {
                None => return (text, None),
                Some(c) if stop.contains(&c) => return (text, Some(c)),
                Some('\\') if escapes => match self.read_rune() {
                    Some(next) => text.push(next),
                    None => return (text, None),
                },
                Some(c) => text.push(c),
            }
        }
    }

    /// Everything left on the line, for `--set-literal`.
    fn rest(&mut self) -> String {
        let rest = self.line[self.pos..].to_string();
        self.pos = self.line.len();
        rest
    }

    fn key(&mut self, data: &mut Entries, nested_names: usize) -> Result<(), Halt> {
        let stop: &[char] = if self.literal() {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (key, last) = self.runes_until(stop);
        match last {
            None if key.is_empty() => Err(Halt::Eof),
            None => Err(StrvalsError::NoValue(key).into()),
            Some('[') => {
                let index = self.key_index()?;
                let (mut list, existed) = match data.get(key.as_str()) {
                    None => (Vec::new(), false),
                    Some(Value::List(l)) => (l.items().to_vec(), true),
                    Some(other) => return Err(not_a(other, "[]interface {}")),
                };
                let before = list.len();
                let result = self.list_item(&mut list, index, nested_names);
                if !key.is_empty() {
                    set(data, &key, Value::List(List::new(list)));
                } else if existed {
                    // Helm doesn't set an empty key, but writes into the list
                    // found there in place; only growth is lost.
                    list.truncate(before);
                    data.insert(Arc::from(""), Value::List(List::new(list)));
                }
                result
            }
            Some('=') => match self.reader {
                Reader::Literal => {
                    let value = self.rest();
                    set(data, &key, Value::from(value));
                    Ok(())
                }
                Reader::Json => {
                    if self.empty_value() {
                        set(data, &key, Value::Nil);
                        return Ok(());
                    }
                    let value = self.json_value()?;
                    set(data, &key, value);
                    Ok(())
                }
                _ => match self.value_list() {
                    Ok(list) => {
                        set(data, &key, Value::List(List::new(list)));
                        Ok(())
                    }
                    Err(ListHalt::Eof) => {
                        set(data, &key, Value::from(""));
                        Err(Halt::Eof)
                    }
                    Err(ListHalt::NotList) => {
                        let text = self.value_text();
                        let value = self.read(&text)?;
                        set(data, &key, value);
                        Ok(())
                    }
                    Err(ListHalt::Error(e)) => Err(e.into()),
                },
            },
            Some(',') => {
                set(data, &key, Value::from(""));
                Err(StrvalsError::NoValueBeforeComma(key).into())
            }
            Some(_) => {
                let nested_names = nested_names + 1;
                if nested_names > MAX_NESTED_NAME_LEVEL {
                    return Err(StrvalsError::NameTooDeep.into());
                }
                let (mut inner, existed) = match data.get(key.as_str()) {
                    None => (Entries::new(), false),
                    Some(Value::Map(m)) => (m.read().clone(), true),
                    Some(other) => return Err(not_a(other, "map[string]interface {}")),
                };
                let result = self.key(&mut inner, nested_names);
                if result.is_ok() && inner.is_empty() {
                    return Err(StrvalsError::MapHasNoValue(key).into());
                }
                if existed {
                    // Helm changes the map it found in place, even under an
                    // empty key it would not set.
                    data.insert(Arc::from(key.as_str()), Value::Map(Map::new(inner)));
                } else if !inner.is_empty() {
                    set(data, &key, Value::Map(Map::new(inner)));
                }
                result
            }
        }
    }

    /// The index between `[` and `]`. A line ending inside it ends the parse
    /// quietly, as Helm's wrapped `io.EOF` does.
    fn key_index(&mut self) -> Result<i64, Halt> {
        let (text, last) = self.runes_until(&[']']);
        if last.is_none() {
            return Err(Halt::Eof);
        }
        atoi(&text).map_err(|reason| StrvalsError::BadIndex { text, reason }.into())
    }

    fn list_item(
        &mut self,
        list: &mut Vec<Value>,
        index: i64,
        nested_names: usize,
    ) -> Result<(), Halt> {
        self.index_depth += 1;
        let result = if self.index_depth > MAX_INDEX_NESTING {
            Err(StrvalsError::IndexTooDeep.into())
        } else {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                self.list_item_inner(list, index, nested_names)
            })
        };
        self.index_depth -= 1;
        result
    }

    fn list_item_inner(
        &mut self,
        list: &mut Vec<Value>,
        index: i64,
        nested_names: usize,
    ) -> Result<(), Halt> {
        if index < 0 {
            return Err(StrvalsError::NegativeIndex(index).into());
        }
        let (data, last) = self.runes_until(&['[', '.', '=']);
        if !data.is_empty() {
            return Err(StrvalsError::DataAfterIndex(data).into());
        }
        let existing = usize::try_from(index).ok().filter(|&i| i < list.len());
        match last {
            None => Err(Halt::Eof),
            Some('=') => {
                let value = match self.reader {
                    Reader::Literal => Value::from(self.rest()),
                    Reader::Json => {
                        if self.empty_value() {
                            Value::Nil
                        } else {
                            self.json_value()?
                        }
                    }
                    _ => match self.value_list() {
                        Ok(items) => Value::List(List::new(items)),
                        Err(ListHalt::Eof) => Value::from(""),
                        Err(ListHalt::NotList) => {
                            let text = self.value_text();
                            self.read(&text)?
                        }
                        Err(ListHalt::Error(e)) => return Err(e.into()),
                    },
                };
                set_index(list, index, value)
            }
            Some('[') => {
                let next = self.key_index()?;
                match existing.map(|i| &list[i]) {
                    Some(Value::List(l)) => {
                        // Helm's inner slice shares its array with the
                        // element: what is written there stays, even on error.
                        let mut inner = l.items().to_vec();
                        let result = self.list_item(&mut inner, next, nested_names);
                        if let Some(i) = existing {
                            list[i] = Value::List(List::new(inner));
                        }
                        result
                    }
                    None | Some(Value::Nil) => {
                        let mut inner = Vec::new();
                        self.list_item(&mut inner, next, nested_names)?;
                        set_index(list, index, Value::List(List::new(inner)))
                    }
                    Some(other) => Err(not_a(other, "[]interface {}")),
                }
            }
            Some(_) => match existing {
                Some(i) => {
                    // A non-map element is replaced by an empty map first,
                    // which stays even if the rest of the path fails.
                    let mut inner = match &list[i] {
                        Value::Map(m) => m.read().clone(),
                        _ => Entries::new(),
                    };
                    let result = self.key(&mut inner, nested_names);
                    list[i] = Value::Map(Map::new(inner));
                    result
                }
                None => {
                    let mut inner = Entries::new();
                    self.key(&mut inner, nested_names)?;
                    set_index(list, index, Value::Map(Map::new(inner)))
                }
            },
        }
    }

    /// Helm's `emptyVal`: skips spaces; true at the end of the line or at a
    /// comma (consumed), false before anything else (left unread).
    fn empty_value(&mut self) -> bool {
        loop {
            match self.read_rune() {
                None | Some(',') => return true,
                Some(c) if is_go_space(c) => {}
                Some(_) => {
                    self.unread_rune();
                    return false;
                }
            }
        }
    }

    /// One JSON document from here; what follows it is skipped up to and
    /// including a comma.
    fn json_value(&mut self) -> Result<Value, Halt> {
        let (value, used) =
            json::decode_prefix(&self.line[self.pos..]).map_err(StrvalsError::Json)?;
        self.pos += used;
        self.last_len = 0;
        self.empty_value();
        Ok(value)
    }

    /// A plain value: runes up to a comma.
    fn value_text(&mut self) -> String {
        self.runes_until(&[',']).0
    }

    /// Helm's `valList`: `{a,b}` (each element read like a value), or why not.
    fn value_list(&mut self) -> Result<Vec<Value>, ListHalt> {
        match self.read_rune() {
            None => return Err(ListHalt::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread_rune();
                return Err(ListHalt::NotList);
            }
        }
        let mut items = Vec::new();
        loop {
            match self.runes_until(&[',', '}']) {
                (_, None) => return Err(ListHalt::Error(StrvalsError::UnterminatedList)),
                (text, Some('}')) => {
                    match self.read_rune() {
                        Some(',') | None => {}
                        Some(_) => self.unread_rune(),
                    }
                    items.push(self.read(&text).map_err(ListHalt::Error)?);
                    return Ok(items);
                }
                (text, Some(_)) => items.push(self.read(&text).map_err(ListHalt::Error)?),
            }
        }
    }

    /// A plain or `{...}` element's value. JSON and literal lines read
    /// their values elsewhere and never get here; `--set` uses `typedVal`.
    fn read(&mut self, text: &str) -> Result<Value, StrvalsError> {
        match &mut self.reader {
            Reader::String => Ok(Value::from(text)),
            Reader::File(read) => read(text).map_err(StrvalsError::Read),
            Reader::Typed | Reader::Json | Reader::Literal => Ok(typed_value(text)),
        }
    }
}

/// Helm's `set`: an empty key is not set.
fn set(data: &mut Entries, key: &str, value: Value) {
    if !key.is_empty() {
        data.insert(Arc::from(key), value);
    }
}

/// Helm's `setIndex`: grows the list with nils as needed, within the limits.
fn set_index(list: &mut Vec<Value>, index: i64, value: Value) -> Result<(), Halt> {
    if index < 0 {
        return Err(StrvalsError::NegativeIndex(index).into());
    }
    if index > MAX_INDEX {
        return Err(StrvalsError::IndexTooLarge(index).into());
    }
    let i = usize::try_from(index).map_err(|_| StrvalsError::IndexTooLarge(index))?;
    if list.len() <= i {
        list.resize(i + 1, Value::Nil);
    }
    list[i] = value;
    Ok(())
}

/// Helm's recovered panic when a path walks into a value of another type.
fn not_a(found: &Value, wanted: &'static str) -> Halt {
    let found = match found {
        Value::Nil => "nil".to_string(),
        other => other.type_name().into_owned(),
    };
    StrvalsError::NotA { found, wanted }.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::yaml::load_values;

    fn parse_ok(line: &str, mode: Mode) -> Entries {
        parse(line, mode).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    fn parse_err(line: &str, mode: Mode) -> String {
        match parse(line, mode) {
            Ok(v) => panic!("{line:?} parsed: {:?}", v.keys().collect::<Vec<_>>()),
            Err(e) => e.to_string(),
        }
    }

    fn list_len(v: &Entries, key: &str) -> usize {
        match v.get(key) {
            Some(Value::List(l)) => l.len(),
            _ => panic!("{key} is not a list"),
        }
    }

    #[test]
    fn typed_values_follow_typed_val() {
        let cases: &[(&str, &str)] = &[
            ("true", "bool"),
            ("tRUE", "bool"),
            ("falſe", "bool"),
            ("nuLL", "<nil>"),
            ("0", "int64"),
            ("-0", "int64"),
            ("+7", "int64"),
            ("9223372036854775807", "int64"),
            ("9223372036854775808", "string"),
            ("-9223372036854775808", "int64"),
            ("07", "string"),
            ("1.0", "string"),
            ("", "string"),
            ("trueish", "string"),
        ];
        for (text, type_name) in cases {
            assert_eq!(typed_value(text).type_name(), *type_name, "{text:?}");
        }
    }

    #[test]
    fn atoi_tells_syntax_from_range_as_go_does() {
        assert_eq!(atoi("+12"), Ok(12));
        assert_eq!(atoi("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(atoi("-9223372036854775809"), Err(AtoiError::Range));
        assert_eq!(atoi("+"), Err(AtoiError::Syntax));
        assert_eq!(atoi("1x"), Err(AtoiError::Syntax));
        // Overflow is noticed before the bad byte after it.
        assert_eq!(atoi("99999999999999999999x"), Err(AtoiError::Range));
    }

    #[test]
    fn index_limit_at_and_past() {
        let at = parse_ok(&format!("a[{MAX_INDEX}]=x"), Mode::Typed);
        assert_eq!(list_len(&at, "a"), 65_537);
        assert_eq!(
            parse_err(&format!("a[{}]=x", MAX_INDEX + 1), Mode::Typed),
            "index of 65537 is greater than maximum supported index of 65536"
        );
    }

    #[test]
    fn nested_name_limit_at_and_past() {
        let names = |n: usize| {
            (0..=n)
                .map(|i| format!("k{i}"))
                .collect::<Vec<_>>()
                .join(".")
        };
        parse_ok(&format!("{}=x", names(MAX_NESTED_NAME_LEVEL)), Mode::Typed);
        assert_eq!(
            parse_err(
                &format!("{}=x", names(MAX_NESTED_NAME_LEVEL + 1)),
                Mode::Literal
            ),
            "value name nested level is greater than maximum supported nested level of 30"
        );
    }

    #[test]
    fn index_nesting_limit_at_and_past() {
        let line = |n: usize| format!("a{}=x", "[0]".repeat(n));
        parse_ok(&line(MAX_INDEX_NESTING), Mode::Typed);
        assert_eq!(
            parse_err(&line(MAX_INDEX_NESTING + 1), Mode::Typed),
            "list indexes are nested deeper than the maximum supported level of 1000"
        );
        // Indexes and names alternating don't count as nested names in Helm.
        let alternating = |n: usize| format!("{}=x", "a[0].".repeat(n).trim_end_matches('.'));
        parse_ok(&alternating(MAX_INDEX_NESTING), Mode::String);
        assert!(
            parse_err(&alternating(MAX_INDEX_NESTING + 1), Mode::String).contains("level of 1000")
        );
    }

    #[test]
    fn later_lines_write_over_values_files_with_go_type_names() {
        let mut values = load_values("a: 1\nm: {x: 1}\nl: [1, 2]\n").unwrap();
        parse_into("m.y=2,l[2]=3,a=b", &mut values, Mode::Typed).unwrap();
        assert!(matches!(values.get("a"), Some(Value::Str(s)) if &**s == "b"));
        assert_eq!(list_len(&values, "l"), 3);
        match values.get("m") {
            Some(Value::Map(m)) => assert_eq!(m.keys().len(), 2),
            _ => panic!("m is not a map"),
        }
        let mut values = load_values("a: 1\nl: [1]\nz: null\n").unwrap();
        let err = |line: &str, values: &mut Entries| {
            parse_into(line, values, Mode::Typed)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("a.b=1", &mut values),
            "unable to parse key: interface conversion: interface {} is float64, not map[string]interface {}"
        );
        assert_eq!(
            err("l.b=1", &mut values),
            "unable to parse key: interface conversion: interface {} is []interface {}, not map[string]interface {}"
        );
        assert_eq!(
            err("z[0]=1", &mut values),
            "unable to parse key: interface conversion: interface {} is nil, not []interface {}"
        );
    }

    #[test]
    fn an_empty_key_is_never_set_but_what_is_there_changes_in_place() {
        let mut values = load_values("'': {x: 1}\n").unwrap();
        parse_into(".y=2", &mut values, Mode::Typed).unwrap();
        match values.get("") {
            Some(Value::Map(m)) => assert_eq!(m.keys().len(), 2),
            _ => panic!("the empty key's map is gone"),
        }
        // An existing list takes writes within its length; growth is lost.
        let mut values = load_values("'': [1, 2]\n").unwrap();
        parse_into("[0]=x,[5]=y", &mut values, Mode::Typed).unwrap();
        match values.get("") {
            Some(Value::List(l)) => {
                assert_eq!(l.len(), 2);
                assert!(matches!(&l.items()[0], Value::Str(s) if &**s == "x"));
            }
            _ => panic!("the empty key's list is gone"),
        }
        assert!(parse_ok("[0]=a", Mode::Typed).is_empty());
    }

    #[test]
    fn file_reader_gets_each_value_and_its_errors_pass_through() {
        let mut seen = Vec::new();
        let mut values = Entries::new();
        parse_into_file("a=x\\,y,b={p,q},c[1]=r", &mut values, |path| {
            seen.push(path.to_string());
            Ok(Value::from(path.to_uppercase()))
        })
        .unwrap();
        assert_eq!(seen, ["x,y", "p", "q", "r"]);
        assert!(matches!(values.get("a"), Some(Value::Str(s)) if &**s == "X,Y"));
        let err = parse_into_file("a=gone", &mut Entries::new(), |_| {
            Err("open gone: no such file or directory".into())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "open gone: no such file or directory");
    }

    #[test]
    fn runes_after_an_index_are_quoted_as_go_prints_a_rune_slice() {
        assert_eq!(
            parse_err("a[0]x'\n=1", Mode::Typed),
            "unexpected data at end of array index: ['x' '\\'' '\\n']"
        );
    }

    #[test]
    fn json_values_are_float64_and_leave_the_rest_of_the_line() {
        let values = parse_ok("a=[1, {\"b\": 2.5}] ,c=\"d\"", Mode::Json);
        match values.get("a") {
            Some(Value::List(l)) => assert_eq!(l.items()[0].type_name(), "float64"),
            _ => panic!("a is not a list"),
        }
        assert!(matches!(values.get("c"), Some(Value::Str(s)) if &**s == "d"));
    }
}
