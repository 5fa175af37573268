//! YAML read the way Helm reads it: go-yaml v2 under sigs.k8s.io/yaml.
//!
//! Owns turning YAML text into JSON-shaped data with Helm's exact rules: YAML 1.1
//! scalar resolution (`yes`/`no`/`on`/`off`/`y`/`n` are booleans, `~` is null,
//! `0x1F` and `017` are integers), later duplicate keys winning, `<<` merge keys
//! applied where they stand, non-string keys turned into strings, a bound on alias
//! expansion, and every number ending as a float64 (through JSON). The event parser
//! comes from `saphyr-parser`; what a scalar means is decided here, because a
//! YAML 1.2 resolver would read `yes` as a string where Helm reads `true`.
//!
//! Knows nothing of charts: [`load_values`] is Helm's reader for values files and
//! [`parse`] reads one document for callers that decode it into a Go struct.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};

use crate::gotmpl::{Entries, List, Map, Value};

mod block;

/// Deepest nesting of collections accepted, as go-yaml's parser bounds it.
pub const MAX_DEPTH: usize = 10_000;

/// Alias expansion is checked only once this many nodes came from aliases...
const ALIAS_CHECK_MIN_ALIASED: u64 = 100;
/// ...and this many nodes were decoded in all.
const ALIAS_CHECK_MIN_DECODED: u64 = 1_000;
/// Up to this many decoded nodes, 99% of them may come from aliases.
const ALIAS_RATIO_RANGE_LOW: u64 = 400_000;
/// From this many decoded nodes on, only 10% may come from aliases; in between
/// the allowed share shrinks linearly. These are go-yaml's numbers, so a document
/// Helm accepts is accepted here and a "billion laughs" document is refused early.
const ALIAS_RATIO_RANGE_HIGH: u64 = 4_000_000;

/// A YAML document could not be read as Helm would read it. The messages follow
/// Helm's (`error converting YAML to JSON: yaml: ...`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum YamlError {
    /// go-yaml leaves the line out for errors on the first line.
    #[error("error converting YAML to JSON: yaml: {}{message}", line_prefix(*.line))]
    Syntax { line: usize, message: String },
    #[error("error converting YAML to JSON: yaml: document contains excessive aliasing")]
    ExcessiveAliasing,
    #[error("error converting YAML to JSON: yaml: anchor '{0}' value contains itself")]
    RecursiveAlias(String),
    #[error("error converting YAML to JSON: yaml: unknown anchor '{0}' referenced")]
    UnknownAnchor(String),
    #[error("error converting YAML to JSON: yaml: exceeded max depth of {MAX_DEPTH}")]
    TooDeep,
    #[error("error converting YAML to JSON: yaml: cannot decode {found} `{value}` as a {tag}")]
    WrongTag {
        found: &'static str,
        value: String,
        tag: String,
    },
    #[error("error converting YAML to JSON: yaml: !!binary value contains invalid base64 data")]
    Base64,
    #[error(
        "error converting YAML to JSON: yaml: map merge requires map or sequence of maps as the value"
    )]
    Merge,
    #[error("error converting YAML to JSON: yaml: invalid map key: {0}")]
    InvalidKey(String),
    #[error("error converting YAML to JSON: unsupported map key of type: {type_name}, key: {key}")]
    UnsupportedKey {
        type_name: &'static str,
        key: String,
    },
    #[error("error converting YAML to JSON: json: unsupported value: {0}")]
    UnsupportedValue(String),
    #[error("error reading yaml document: invalid Yaml document separator: {0}")]
    Separator(String),
    /// One document of a multi-document values file failed.
    #[error("cannot unmarshal yaml document")]
    Document(#[source] Box<YamlError>),
    #[error(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {found} into Go value of type {target}"
    )]
    NotAMap {
        found: &'static str,
        target: &'static str,
    },
}

fn line_prefix(line: usize) -> String {
    if line > 1 {
        format!("line {line}: ")
    } else {
        String::new()
    }
}

/// A JSON value as sigs.k8s.io/yaml hands it to `json.Unmarshal`: map keys are
/// strings, numbers keep the Go type go-yaml gave them until a target decides.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Json>),
    /// Sorted by key, as `json.Marshal` writes maps.
    Map(BTreeMap<String, Json>),
}

impl Json {
    /// The JSON kind `encoding/json` names in its type errors.
    pub fn json_kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Int(_) | Json::Uint(_) | Json::Float(_) => "number",
            Json::Str(_) => "string",
            Json::Seq(_) => "array",
            Json::Map(_) => "object",
        }
    }

    /// The value a template sees after `json.Unmarshal` into `interface{}`: every
    /// number a float64. NaN and infinities can't be written as JSON, so Helm fails.
    pub fn to_value(&self) -> Result<Value, YamlError> {
        Ok(match self {
            Json::Null => Value::Nil,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => Value::Float(*i as f64),
            Json::Uint(u) => Value::Float(*u as f64),
            Json::Float(f) => Value::Float(json_float(*f)?),
            Json::Str(s) => Value::str(s),
            Json::Seq(items) => Value::List(List::new(
                items.iter().map(Json::to_value).collect::<Result<_, _>>()?,
            )),
            Json::Map(map) => Value::Map(Map::new(to_entries(map)?)),
        })
    }
}

fn json_float(f: f64) -> Result<f64, YamlError> {
    if f.is_finite() {
        Ok(f)
    } else if f.is_nan() {
        Err(YamlError::UnsupportedValue("NaN".into()))
    } else if f > 0.0 {
        Err(YamlError::UnsupportedValue("+Inf".into()))
    } else {
        Err(YamlError::UnsupportedValue("-Inf".into()))
    }
}

fn to_entries(map: &BTreeMap<String, Json>) -> Result<Entries, YamlError> {
    map.iter()
        .map(|(k, v)| Ok((Arc::from(k.as_str()), v.to_value()?)))
        .collect()
}

/// Reads a values file as Helm's `loader.LoadValues` does: the text is cut into
/// documents at lines starting with `---`, each document must be a map (or empty),
/// and later documents are merged over earlier ones.
pub fn load_values(text: &str) -> Result<Entries, YamlError> {
    let mut values = Entries::new();
    for doc in split_documents(text)? {
        let in_doc = |e| YamlError::Document(Box::new(e));
        match build_direct::<Value>(&doc) {
            Some(None) => continue,
            Some(Some(Value::Map(map))) => {
                merge_maps(&mut values, map.read().clone());
                continue;
            }
            // Other roots are errors, which the full path words.
            Some(Some(_)) | None => {}
        }
        match parse(&doc).map_err(in_doc)? {
            Json::Null => {}
            Json::Map(map) => merge_maps(&mut values, to_entries(&map).map_err(in_doc)?),
            other => {
                return Err(in_doc(YamlError::NotAMap {
                    found: other.json_kind(),
                    target: "map[string]interface {}",
                }));
            }
        }
    }
    Ok(values)
}

/// Helm's `MergeMaps`: maps merge recursively, anything else is replaced.
pub fn merge_maps(base: &mut Entries, over: Entries) {
    for (k, v) in over {
        if let (Value::Map(over_map), Some(Value::Map(base_map))) = (&v, base.get(&k)) {
            let mut merged = base_map.read().clone();
            merge_maps(&mut merged, over_map.read().clone());
            base.insert(k, Value::Map(Map::new(merged)));
            continue;
        }
        base.insert(k, v);
    }
}

/// Cuts a YAML stream into documents the way k8s.io's `YAMLReader` does: a line
/// that starts with `---` ends the current document (and must carry nothing after
/// it but a comment); a leading `---` stays with its document.
fn split_documents(text: &str) -> Result<Vec<String>, YamlError> {
    let text: std::borrow::Cow<'_, str> = if !text.is_empty() && !text.ends_with('\n') {
        format!("{text}\n").into()
    } else {
        text.into()
    };
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim_matches(is_go_space);
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(YamlError::Separator(rest.to_string()));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
                continue;
            }
        }
        buf.push_str(line);
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

/// Go's `unicode.IsSpace`, which `strings.TrimSpace` uses.
pub fn is_go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{85}' | '\u{A0}'
    ) || (c > '\u{FF}' && c.is_whitespace())
}

/// Reads the first YAML document of `text` into JSON-shaped data, as
/// sigs.k8s.io/yaml does before `json.Unmarshal`. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Json, YamlError> {
    match build_direct::<Json>(text) {
        Some(direct) => Ok(direct.unwrap_or(Json::Null)),
        None => parse_full(text),
    }
}

/// [`parse`] through the node graph, for every document.
fn parse_full(text: &str) -> Result<Json, YamlError> {
    let Some(root) = build(text)? else {
        return Ok(Json::Null);
    };
    let mut decoder = Decoder::default();
    decoder.count(false)?;
    let go = decoder.decode(&root, 0)?;
    to_json(go)
}

// ---------------------------------------------------------------------------
// The direct path. Most documents have no anchors, aliases, tags, merge keys or
// keys that are not strings; those are built into their final form straight from
// the parser's events, skipping the node graph and go-yaml's typed values. Any
// document outside that subset, and any error, takes the full path below, so
// results and error messages stay exactly the full path's.
// ---------------------------------------------------------------------------

/// Deepest nesting the direct path builds; deeper documents take the full path,
/// which bounds depth as go-yaml does.
const DIRECT_MAX_DEPTH: usize = 512;

/// A final form the direct path can build a document into.
trait Shape: Sized {
    type Table;
    /// A value scalar, or `None` when only the full path can tell what it becomes.
    fn scalar(text: Cow<'_, str>, meaning: Scalar) -> Option<Self>;
    fn seq(items: Vec<Self>) -> Self;
    fn new_map() -> Self::Table;
    /// A later duplicate key replaces the earlier value, as in go-yaml.
    fn insert(map: &mut Self::Table, key: Cow<'_, str>, value: Self);
    fn map(map: Self::Table) -> Self;
}

impl Shape for Json {
    type Table = BTreeMap<String, Json>;

    fn scalar(text: Cow<'_, str>, meaning: Scalar) -> Option<Json> {
        Some(match meaning {
            Scalar::Null => Json::Null,
            Scalar::Bool(b) => Json::Bool(b),
            Scalar::Int(i) => Json::Int(i),
            Scalar::Uint(u) => Json::Uint(u),
            Scalar::Float(f) => Json::Float(f),
            Scalar::Text => Json::Str(text.into_owned()),
        })
    }

    fn seq(items: Vec<Json>) -> Json {
        Json::Seq(items)
    }

    fn new_map() -> Self::Table {
        BTreeMap::new()
    }

    fn insert(map: &mut Self::Table, key: Cow<'_, str>, value: Json) {
        map.insert(key.into_owned(), value);
    }

    fn map(map: Self::Table) -> Json {
        Json::Map(map)
    }
}

/// A template's value, as [`Json::to_value`] makes it: every number a float64.
impl Shape for Value {
    type Table = Entries;

    fn scalar(text: Cow<'_, str>, meaning: Scalar) -> Option<Value> {
        Some(match meaning {
            Scalar::Null => Value::Nil,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Float(i as f64),
            Scalar::Uint(u) => Value::Float(u as f64),
            // NaN and infinities are errors, worded by the full path.
            Scalar::Float(f) if !f.is_finite() => return None,
            Scalar::Float(f) => Value::Float(f),
            Scalar::Text => Value::str(&text),
        })
    }

    fn seq(items: Vec<Value>) -> Value {
        Value::List(List::new(items))
    }

    fn new_map() -> Entries {
        Entries::new()
    }

    fn insert(map: &mut Entries, key: Cow<'_, str>, value: Value) {
        map.insert(Arc::from(key.as_ref()), value);
    }

    fn map(map: Entries) -> Value {
        Value::Map(Map::new(map))
    }
}

enum Frame<'t, S: Shape> {
    Seq(Vec<S>),
    /// A map and the key read for the value to come.
    Map(S::Table, Option<Cow<'t, str>>),
}

/// Builds a document's final form from a stream of nodes, for both readers of
/// the direct path: the block reader ([`block`]) and saphyr's events. Every
/// method answers `None` when only the full path can build the document.
struct Builder<'t, S: Shape> {
    stack: Vec<Frame<'t, S>>,
    root: Option<S>,
}

impl<'t, S: Shape> Builder<'t, S> {
    fn new() -> Self {
        Builder {
            stack: Vec::new(),
            root: None,
        }
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map(_, None)))
    }

    /// An untagged scalar without an anchor; `plain` when it was unquoted.
    fn scalar(&mut self, value: Cow<'t, str>, plain: bool) -> Option<()> {
        let meaning = if plain {
            implicit(&value).1
        } else {
            Scalar::Text
        };
        if self.expects_key() {
            // `<<` is a merge key; a plain `<<` resolves as text.
            if !matches!(meaning, Scalar::Text) || (plain && value == "<<") {
                return None;
            }
            if let Some(Frame::Map(_, key)) = self.stack.last_mut() {
                *key = Some(value);
            }
            return Some(());
        }
        let node = S::scalar(value, meaning)?;
        self.place(node)
    }

    /// The start of a sequence (`seq`) or a map.
    fn open(&mut self, seq: bool) -> Option<()> {
        if self.expects_key() || self.stack.len() >= DIRECT_MAX_DEPTH {
            return None;
        }
        self.stack.push(if seq {
            Frame::Seq(Vec::new())
        } else {
            Frame::Map(S::new_map(), None)
        });
        Some(())
    }

    /// The end of the innermost open collection.
    fn close(&mut self) -> Option<()> {
        let node = match self.stack.pop()? {
            Frame::Seq(items) => S::seq(items),
            Frame::Map(map, _) => S::map(map),
        };
        self.place(node)
    }

    fn place(&mut self, node: S) -> Option<()> {
        match self.stack.last_mut() {
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map(map, key)) => S::insert(map, key.take()?, node),
            None => self.root = Some(node),
        }
        Some(())
    }

    /// The document, `None` for an empty one.
    fn finish(self) -> Option<Option<S>> {
        self.stack.is_empty().then_some(self.root)
    }
}

/// The direct path for the first document of `text`: the block reader when
/// the document is in its subset, else saphyr's events.
fn build_direct<S: Shape>(text: &str) -> Option<Option<S>> {
    block::read(text).or_else(|| build_from_events(text))
}

/// Whether the block reader, where it reads `text` at all, builds what saphyr's
/// events build. For the unit tests and the `yaml_readers` fuzz target.
#[doc(hidden)]
pub fn block_reader_agrees(text: &str) -> bool {
    block::read::<Json>(text).is_none_or(|ours| Some(ours) == build_from_events::<Json>(text))
}

/// Builds the first document of `text` from saphyr's events, `Some(None)` for
/// an empty stream, or `None` when the document needs the full path.
fn build_from_events<S: Shape>(text: &str) -> Option<Option<S>> {
    let mut builder = Builder::new();
    let mut in_document = false;
    for event in Parser::new_from_str(text) {
        let (event, _) = event.ok()?;
        match event {
            Event::DocumentStart(_) => in_document = true,
            Event::DocumentEnd | Event::StreamEnd => {
                if in_document {
                    break;
                }
            }
            Event::Nothing | Event::StreamStart => {}
            Event::Alias(_) => return None,
            Event::Scalar(value, style, anchor, tag) => {
                if anchor > 0 || tag.is_some() {
                    return None;
                }
                builder.scalar(value, style == ScalarStyle::Plain)?;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if anchor > 0 || tag.is_some() {
                    return None;
                }
                builder.open(matches!(event, Event::SequenceStart(..)))?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                builder.close()?;
            }
        }
    }
    builder.finish()
}

// ---------------------------------------------------------------------------
// Building a node graph from parser events (aliases share their anchor's node).
// ---------------------------------------------------------------------------

#[derive(Debug)]
enum Node {
    Scalar {
        value: String,
        plain: bool,
        tag: TagKind,
    },
    Seq(Vec<Rc<Node>>),
    Map(Vec<(Rc<Node>, Rc<Node>)>),
    Alias(Rc<Node>),
}

impl Node {
    /// The node an alias stands for.
    fn target(&self) -> &Node {
        match self {
            Node::Alias(target) => target.target(),
            other => other,
        }
    }
}

/// The tags go-yaml gives meaning to; any other tag leaves a scalar a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    None,
    Str,
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
    Binary,
    Merge,
    /// A tag go-yaml does not resolve (`!foo`, `!`, `!!map` on a scalar...).
    Other,
}

impl TagKind {
    fn of(tag: Option<&Tag>) -> TagKind {
        let Some(tag) = tag else {
            return TagKind::None;
        };
        if !tag.is_yaml_core_schema() {
            return TagKind::Other;
        }
        match tag.suffix.as_str() {
            "str" => TagKind::Str,
            "bool" => TagKind::Bool,
            "int" => TagKind::Int,
            "float" => TagKind::Float,
            "null" => TagKind::Null,
            "timestamp" => TagKind::Timestamp,
            "binary" => TagKind::Binary,
            "merge" => TagKind::Merge,
            _ => TagKind::Other,
        }
    }

    fn short(self) -> &'static str {
        match self {
            TagKind::Str | TagKind::None | TagKind::Other => "!!str",
            TagKind::Bool => "!!bool",
            TagKind::Int => "!!int",
            TagKind::Float => "!!float",
            TagKind::Null => "!!null",
            TagKind::Timestamp => "!!timestamp",
            TagKind::Binary => "!!binary",
            TagKind::Merge => "!!merge",
        }
    }
}

enum Open {
    Seq(Vec<Rc<Node>>, usize),
    Map(Vec<Rc<Node>>, usize),
}

fn syntax(err: &ScanError, text: &str) -> YamlError {
    let info = err.info();
    if info.contains("unknown anchor") {
        return YamlError::UnknownAnchor(alias_name_at(text, err.marker().index()));
    }
    YamlError::Syntax {
        line: err.marker().line(),
        message: info.to_string(),
    }
}

/// The name of the alias (`*name`) starting at character `index` of `text`.
fn alias_name_at(text: &str, index: usize) -> String {
    text.chars()
        .skip(index)
        .skip_while(|c| *c == '*')
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .collect()
}

/// Builds the first document's node graph, or `None` for an empty stream.
fn build(text: &str) -> Result<Option<Rc<Node>>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut root = None;
    let mut in_document = false;
    for event in &mut parser {
        let (event, span): (Event, Span) = event.map_err(|e| syntax(&e, text))?;
        let node = match event {
            Event::DocumentStart(_) => {
                in_document = true;
                continue;
            }
            Event::DocumentEnd | Event::StreamEnd => {
                if in_document {
                    break;
                }
                continue;
            }
            Event::Nothing | Event::StreamStart => continue,
            Event::Alias(id) => match anchors.get(&id) {
                Some(target) => Rc::new(Node::Alias(Rc::clone(target))),
                // The parser knows the anchor but its node is still open: the
                // alias sits inside the value it names.
                None => {
                    let name = alias_name_at(text, span.start.index());
                    return Err(YamlError::RecursiveAlias(name));
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                let node = Rc::new(Node::Scalar {
                    value: value.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag: TagKind::of(tag.as_deref()),
                });
                if anchor > 0 {
                    anchors.insert(anchor, Rc::clone(&node));
                }
                node
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError::TooDeep);
                }
                stack.push(Open::Seq(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError::TooDeep);
                }
                stack.push(Open::Map(Vec::new(), anchor));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Open::Seq(items, anchor)) => (Node::Seq(items), anchor),
                    Some(Open::Map(items, anchor)) => {
                        let mut pairs = Vec::with_capacity(items.len() / 2);
                        let mut it = items.into_iter();
                        while let (Some(k), Some(v)) = (it.next(), it.next()) {
                            pairs.push((k, v));
                        }
                        (Node::Map(pairs), anchor)
                    }
                    None => continue,
                };
                let node = Rc::new(node);
                if anchor > 0 {
                    anchors.insert(anchor, Rc::clone(&node));
                }
                node
            }
        };
        match stack.last_mut() {
            Some(Open::Seq(items, _) | Open::Map(items, _)) => items.push(node),
            None => {
                root = Some(node);
            }
        }
    }
    Ok(root)
}

// ---------------------------------------------------------------------------
// Decoding into go-yaml v2's `interface{}` values.
// ---------------------------------------------------------------------------

/// A value as go-yaml v2 decodes into `interface{}`.
#[derive(Debug, Clone)]
enum Go {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Go>),
    /// `map[interface{}]interface{}`, in first-insertion order.
    Map(GoMap),
}

/// A map whose keys compare like Go interface values (type and value).
#[derive(Debug, Clone, Default)]
struct GoMap {
    entries: Vec<(Go, Go)>,
    index: HashMap<KeyRepr, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyRepr {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(String),
}

impl GoMap {
    /// Sets a key; a key already present keeps its place and takes the new value.
    fn insert(&mut self, key: Go, value: Go) -> Result<(), YamlError> {
        let repr = match &key {
            Go::Null => KeyRepr::Null,
            Go::Bool(b) => KeyRepr::Bool(*b),
            Go::Int(i) => KeyRepr::Int(*i),
            Go::Uint(u) => KeyRepr::Uint(*u),
            Go::Float(f) => KeyRepr::Float(f.to_bits()),
            Go::Str(s) => KeyRepr::Str(s.clone()),
            Go::Seq(_) | Go::Map(_) => {
                return Err(YamlError::InvalidKey(go_syntax(&key)));
            }
        };
        match self.index.get(&repr) {
            Some(&i) => self.entries[i].1 = value,
            None => {
                self.index.insert(repr, self.entries.len());
                self.entries.push((key, value));
            }
        }
        Ok(())
    }
}

/// Roughly Go's `%#v` of a decoded value, for error messages.
fn go_syntax(v: &Go) -> String {
    match v {
        Go::Null => "interface {}(nil)".into(),
        Go::Bool(b) => b.to_string(),
        Go::Int(i) => i.to_string(),
        Go::Uint(u) => format!("0x{u:x}"),
        Go::Float(f) => f.to_string(),
        Go::Str(s) => format!("{s:?}"),
        Go::Seq(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_syntax).collect::<Vec<_>>().join(", ")
        ),
        Go::Map(m) => format!(
            "map[interface {{}}]interface {{}}{{{}}}",
            m.entries
                .iter()
                .map(|(k, v)| format!("{}:{}", go_syntax(k), go_syntax(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[derive(Default)]
struct Decoder {
    decoded: u64,
    aliased: u64,
    alias_depth: usize,
}

impl Decoder {
    /// Counts one decoded node, refusing documents that expand aliases too much.
    fn count(&mut self, aliased: bool) -> Result<(), YamlError> {
        self.decoded += 1;
        if aliased || self.alias_depth > 0 {
            self.aliased += 1;
        }
        if self.aliased > ALIAS_CHECK_MIN_ALIASED
            && self.decoded > ALIAS_CHECK_MIN_DECODED
            && self.aliased as f64 / self.decoded as f64 > allowed_alias_ratio(self.decoded)
        {
            return Err(YamlError::ExcessiveAliasing);
        }
        Ok(())
    }

    fn decode(&mut self, node: &Node, depth: usize) -> Result<Go, YamlError> {
        if depth > MAX_DEPTH {
            return Err(YamlError::TooDeep);
        }
        self.count(false)?;
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match node {
            Node::Scalar { value, plain, tag } => resolve(value, *plain, *tag),
            Node::Alias(target) => {
                self.alias_depth += 1;
                let out = self.decode(target, depth + 1);
                self.alias_depth -= 1;
                out
            }
            Node::Seq(items) => Ok(Go::Seq(
                items
                    .iter()
                    .map(|item| self.decode(item, depth + 1))
                    .collect::<Result<_, _>>()?,
            )),
            Node::Map(pairs) => {
                let mut map = GoMap::default();
                self.fill_map(&mut map, pairs, depth)?;
                Ok(Go::Map(map))
            }
        })
    }

    fn fill_map(
        &mut self,
        map: &mut GoMap,
        pairs: &[(Rc<Node>, Rc<Node>)],
        depth: usize,
    ) -> Result<(), YamlError> {
        for (key, value) in pairs {
            if is_merge_key(key) {
                self.merge(map, value, depth)?;
                continue;
            }
            let k = self.decode(key, depth + 1)?;
            let v = self.decode(value, depth + 1)?;
            map.insert(k, v)?;
        }
        Ok(())
    }

    /// Applies a `<<` merge into the map being built, where the key stands: keys
    /// merged in replace keys set before them (go-yaml v2 does exactly this).
    fn merge(&mut self, map: &mut GoMap, value: &Node, depth: usize) -> Result<(), YamlError> {
        match value {
            Node::Map(..) | Node::Alias(..) => self.merge_one(map, value, depth),
            Node::Seq(items) => {
                // Earlier maps in the list take precedence, so apply them last.
                for item in items.iter().rev() {
                    if !matches!(item.target(), Node::Map(..)) {
                        return Err(YamlError::Merge);
                    }
                    self.merge_one(map, item, depth)?;
                }
                Ok(())
            }
            Node::Scalar { .. } => Err(YamlError::Merge),
        }
    }

    fn merge_one(&mut self, map: &mut GoMap, node: &Node, depth: usize) -> Result<(), YamlError> {
        self.count(false)?;
        match node {
            Node::Map(pairs) => self.fill_map(map, pairs, depth + 1),
            Node::Alias(target) => {
                if !matches!(target.target(), Node::Map(..)) {
                    return Err(YamlError::Merge);
                }
                self.alias_depth += 1;
                let out = self.merge_one(map, target, depth + 1);
                self.alias_depth -= 1;
                out
            }
            _ => Err(YamlError::Merge),
        }
    }
}

fn allowed_alias_ratio(decoded: u64) -> f64 {
    if decoded <= ALIAS_RATIO_RANGE_LOW {
        0.99
    } else if decoded >= ALIAS_RATIO_RANGE_HIGH {
        0.10
    } else {
        let range = (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW) as f64;
        0.99 - 0.89 * ((decoded - ALIAS_RATIO_RANGE_LOW) as f64 / range)
    }
}

fn is_merge_key(node: &Node) -> bool {
    matches!(node, Node::Scalar { value, plain, tag, .. }
        if value == "<<" && ((*plain && *tag == TagKind::None) || *tag == TagKind::Merge))
}

/// YAML 1.1 scalar resolution, as go-yaml v2 does it for an `interface{}` target.
fn resolve(value: &str, plain: bool, tag: TagKind) -> Result<Go, YamlError> {
    if tag == TagKind::None && !plain {
        return Ok(Go::Str(value.to_string()));
    }
    match tag {
        TagKind::Binary => {
            let bytes = decode_base64(value).ok_or(YamlError::Base64)?;
            return Ok(Go::Str(String::from_utf8_lossy(&bytes).into_owned()));
        }
        TagKind::Other | TagKind::Merge => return Ok(Go::Str(value.to_string())),
        _ => {}
    }
    let (found, out) = if tag == TagKind::Str {
        (TagKind::Str, Go::Str(value.to_string()))
    } else {
        let (found, scalar) = implicit(value);
        (found, scalar.to_go(value))
    };
    if tag == TagKind::None || tag == found || (tag == TagKind::Timestamp && found == TagKind::Str)
    {
        return Ok(out);
    }
    if tag == TagKind::Float {
        match out {
            Go::Int(i) => return Ok(Go::Float(i as f64)),
            Go::Float(_) => return Ok(out),
            _ => {}
        }
    }
    if tag == TagKind::Int && matches!(out, Go::Uint(_)) {
        return Ok(out);
    }
    Err(YamlError::WrongTag {
        found: found.short(),
        value: value.to_string(),
        tag: tag.short().to_string(),
    })
}

/// A plain scalar's meaning; a string is the scalar's own text, which the
/// caller holds, so resolving allocates nothing.
#[derive(Debug, Clone, Copy)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Text,
}

impl Scalar {
    fn to_go(self, text: &str) -> Go {
        match self {
            Scalar::Null => Go::Null,
            Scalar::Bool(b) => Go::Bool(b),
            Scalar::Int(i) => Go::Int(i),
            Scalar::Uint(u) => Go::Uint(u),
            Scalar::Float(f) => Go::Float(f),
            Scalar::Text => Go::Str(text.to_string()),
        }
    }
}

/// What an untagged plain scalar means in YAML 1.1 as go-yaml reads it.
fn implicit(s: &str) -> (TagKind, Scalar) {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return (TagKind::Str, Scalar::Text),
    };
    if let Some(known) = known_word(s) {
        return known;
    }
    match hint {
        b'.' => {
            if let Some(f) = parse_go_float(s) {
                return (TagKind::Float, Scalar::Float(f));
            }
        }
        b'D' | b'S' => {
            let plain = s.replace('_', "");
            if let Some(i) = parse_go_int(&plain) {
                return (TagKind::Int, Scalar::Int(i));
            }
            if let Some(u) = parse_go_uint(&plain) {
                return (TagKind::Int, Scalar::Uint(u));
            }
            if is_yaml_style_float(&plain)
                && let Some(f) = parse_go_float(&plain)
            {
                return (TagKind::Float, Scalar::Float(f));
            }
            if let Some(bits) = plain.strip_prefix("0b") {
                if let Some(i) = parse_radix_i64(bits, 2, false) {
                    return (TagKind::Int, Scalar::Int(i));
                }
                if let Some(u) = parse_radix_u64(bits, 2) {
                    return (TagKind::Int, Scalar::Uint(u));
                }
            } else if let Some(bits) = plain.strip_prefix("-0b")
                && let Some(i) = parse_radix_i64(bits, 2, true)
            {
                return (TagKind::Int, Scalar::Int(i));
            }
        }
        _ => {}
    }
    (TagKind::Str, Scalar::Text)
}

/// The words YAML 1.1 gives a meaning (booleans, nulls, infinities, NaN).
fn known_word(s: &str) -> Option<(TagKind, Scalar)> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            (TagKind::Bool, Scalar::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            (TagKind::Bool, Scalar::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => (TagKind::Null, Scalar::Null),
        ".nan" | ".NaN" | ".NAN" => (TagKind::Float, Scalar::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            (TagKind::Float, Scalar::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => (TagKind::Float, Scalar::Float(f64::NEG_INFINITY)),
        "<<" => (TagKind::Merge, Scalar::Text),
        _ => return None,
    })
}

/// go-yaml's float pattern, `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`:
/// what reads as a float, and so what `toYaml` must quote to keep a string.
pub(crate) fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal forms: out-of-range is an error.
fn parse_go_float(s: &str) -> Option<f64> {
    let ok = s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !ok {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's `strconv.ParseInt(s, 0, 64)` (underscores already removed).
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (digits, radix) = go_base_prefix(rest)?;
    parse_radix_i64(digits, radix, neg)
}

/// Go's `strconv.ParseUint(s, 0, 64)`: no sign allowed.
fn parse_go_uint(s: &str) -> Option<u64> {
    let (digits, radix) = go_base_prefix(s)?;
    parse_radix_u64(digits, radix)
}

/// Splits off Go's base prefix: `0x`, `0o`, `0b`, or a bare leading `0` (octal).
fn go_base_prefix(s: &str) -> Option<(&str, u32)> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    if b[0] != b'0' {
        return Some((s, 10));
    }
    if b.len() >= 3 {
        match b[1].to_ascii_lowercase() {
            b'b' => return Some((&s[2..], 2)),
            b'o' => return Some((&s[2..], 8)),
            b'x' => return Some((&s[2..], 16)),
            _ => {}
        }
    }
    Some((&s[1..], 8))
}

fn parse_radix_u64(digits: &str, radix: u32) -> Option<u64> {
    let mut n: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(36)?;
        if d >= radix {
            return None;
        }
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

fn parse_radix_i64(digits: &str, radix: u32, neg: bool) -> Option<i64> {
    if digits.is_empty() && radix != 8 {
        return None;
    }
    let u = parse_radix_u64(digits, radix)?;
    if neg {
        if u > 1 << 63 {
            return None;
        }
        Some((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).ok()
    }
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut pad = 0;
    let mut seen = 0;
    for c in s.bytes() {
        if c == b'\n' || c == b'\r' {
            continue;
        }
        seen += 1;
        if c == b'=' {
            pad += 1;
            continue;
        }
        if pad > 0 {
            return None;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if seen % 4 != 0 || pad > 2 {
        return None;
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// sigs.k8s.io/yaml's conversion to something JSON can hold.
// ---------------------------------------------------------------------------

fn to_json(go: Go) -> Result<Json, YamlError> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        Ok(match go {
            Go::Null => Json::Null,
            Go::Bool(b) => Json::Bool(b),
            Go::Int(i) => Json::Int(i),
            Go::Uint(u) => Json::Uint(u),
            Go::Float(f) => Json::Float(f),
            Go::Str(s) => Json::Str(s),
            Go::Seq(items) => Json::Seq(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
            Go::Map(map) => {
                let mut out = BTreeMap::new();
                for (k, v) in map.entries {
                    out.insert(key_string(&k, &v)?, to_json(v)?);
                }
                Json::Map(out)
            }
        })
    })
}

/// A YAML key as a JSON key: numbers and booleans are written out as go-yaml
/// would print them (floats at float32 precision, as sigs.k8s.io/yaml does).
fn key_string(key: &Go, value: &Go) -> Result<String, YamlError> {
    Ok(match key {
        Go::Str(s) => s.clone(),
        Go::Int(i) => i.to_string(),
        Go::Bool(b) => b.to_string(),
        Go::Float(f) => {
            if f.is_nan() {
                ".nan".into()
            } else if f.is_infinite() {
                if *f > 0.0 { ".inf" } else { "-.inf" }.into()
            } else {
                format_float32_g(*f)
            }
        }
        Go::Null => {
            return Err(YamlError::UnsupportedKey {
                type_name: "%!s(<nil>)",
                key: format!("<nil>, value: {}", go_syntax(value)),
            });
        }
        Go::Uint(u) => {
            return Err(YamlError::UnsupportedKey {
                type_name: "uint64",
                key: format!("0x{u:x}, value: {}", go_syntax(value)),
            });
        }
        Go::Seq(_) | Go::Map(_) => {
            return Err(YamlError::UnsupportedKey {
                type_name: "[]interface {}",
                key: go_syntax(key),
            });
        }
    })
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest digits that identify
/// the float32 nearest `f`, in `%e` form when the exponent is < -4 or >= 6.
pub fn format_float32_g(f: f64) -> String {
    let x = f as f32;
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // Rust's `{:e}` prints the shortest round-tripping digits: `d.ddddde<exp>`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    let body = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders values the way `helm-ref values` prints them (compact JSON), so
    /// expectations can be pasted from Helm's own output.
    fn json_of(v: &Value) -> String {
        match v {
            Value::Nil => "null".into(),
            Value::Bool(b) => b.to_string(),
            // Go's JSON writes integral floats below 1e21 in full.
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f}"),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => serde_json::Value::String(s.to_string()).to_string(),
            Value::List(l) => format!(
                "[{}]",
                l.items().iter().map(json_of).collect::<Vec<_>>().join(",")
            ),
            Value::Map(m) => format!(
                "{{{}}}",
                m.read()
                    .iter()
                    .map(|(k, v)| format!("{:?}:{}", k.as_ref(), json_of(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            other => format!("{other:?}"),
        }
    }

    fn values(text: &str) -> String {
        match load_values(text).map_err(|e| match e {
            YamlError::Document(inner) => *inner,
            other => other,
        }) {
            Ok(entries) => json_of(&Value::Map(Map::new(entries))),
            Err(e) => format!("Error: {e}"),
        }
    }

    // Every expectation below is what `helm-ref values CHART -f FILE` printed.

    #[test]
    fn yaml_1_1_scalars() {
        let text = "a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: Y\nh: NO\ni: True\nj: t\n\
                    k: ~\nl: null\nm: Null\nn2:\no: 0x1F\np: 017\nq: 0o17\nr: 08\ns: 1_000\n\
                    t: 1e3\nu: .5\nv: 1.\nw: 0b101\nx: -0b11\ny: +12\nz: 9223372036854775808\n\
                    aa: 18446744073709551616\nab: 2001-12-14\nac: 12:30\nad: \"yes\"\n\
                    ae: !!str 12\naf: !!int \"12\"\nag: 0.1e1\nai: 1__0\naj: 0x_1F\nak: 1:20\n\
                    al: 0.\nam: -0\nan: 1e400\nao: 0b2\nap: 0xFFFFFFFFFFFFFFFF\n";
        assert_eq!(
            values(text),
            r#"{"a":true,"aa":18446744073709552000,"ab":"2001-12-14","ac":"12:30","ad":"yes","ae":"12","af":12,"ag":1,"ai":10,"aj":31,"ak":"1:20","al":0,"am":0,"an":"1e400","ao":"0b2","ap":18446744073709552000,"b":false,"c":true,"d":false,"e":true,"f":false,"g":true,"h":false,"i":true,"j":"t","k":null,"l":null,"m":null,"n2":null,"o":31,"p":15,"q":15,"r":8,"s":1000,"t":1000,"true":12,"u":0.5,"v":1,"w":5,"x":-3,"z":9223372036854776000}"#
        );
    }

    #[test]
    fn later_duplicate_keys_win() {
        assert_eq!(values("a: 1\na: 2"), r#"{"a":2}"#);
    }

    #[test]
    fn merge_keys_apply_where_they_stand() {
        let text = "b: &x {p: 1, q: 2}\nc:\n  q: 9\n  <<: *x\nd:\n  <<: [{r: 1}, {r: 2, s: 3}]\n  s: 4\ne: *x";
        assert_eq!(
            values(text),
            r#"{"b":{"p":1,"q":2},"c":{"p":1,"q":2},"d":{"r":1,"s":4},"e":{"p":1,"q":2}}"#
        );
        assert_eq!(values("<<: {x: 1}\ny: 2"), r#"{"true":2,"x":1}"#);
    }

    #[test]
    fn non_string_keys_become_strings() {
        let text = "1.5: a\n2: b\ntrue: c\n1e3: d\n0.1: e\n123456789: f\n1.23456789: g";
        assert_eq!(
            values(text),
            r#"{"0.1":"e","1.2345679":"g","1.5":"a","1000":"d","123456789":"f","2":"b","true":"c"}"#
        );
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            values("a: .nan"),
            "Error: error converting YAML to JSON: json: unsupported value: NaN"
        );
        assert!(values("~: a").starts_with(
            "Error: error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>"
        ));
        assert!(values("? [a]\n: b").contains("invalid map key: []interface {}{\"a\"}"));
        assert!(values("a: &a [*a]").ends_with("yaml: anchor 'a' value contains itself"));
        assert!(values("a: *nope").ends_with("yaml: unknown anchor 'nope' referenced"));
        assert!(
            values("a:\n  <<: 5")
                .ends_with("map merge requires map or sequence of maps as the value")
        );
        assert!(
            values("a: b: c").ends_with("yaml: mapping values are not allowed in this context")
        );
        assert!(values("a: !!int 1.5").ends_with("cannot decode !!float `1.5` as a !!int"));
        assert_eq!(
            values("- a"),
            "Error: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
    }

    #[test]
    fn tags() {
        assert_eq!(values("a: !!binary aGVsbG8="), r#"{"a":"hello"}"#);
        assert_eq!(values("a: !!float 1"), r#"{"a":1}"#);
        assert_eq!(values("a: !foo bar"), r#"{"a":"bar"}"#);
        assert_eq!(values("a: !!str\nb: !!null \"\""), r#"{"a":"","b":null}"#);
    }

    #[test]
    fn quoting_and_block_scalars() {
        let text = "a: \"\\u00e9\\x41\"\nb: >\n  folded\n  text\nc: |-\n  lit\nd: 'it''s'";
        assert_eq!(
            values(text),
            r#"{"a":"éA","b":"folded text\n","c":"lit","d":"it's"}"#
        );
    }

    #[test]
    fn documents_are_merged() {
        assert_eq!(values(""), "{}");
        assert_eq!(values("---\n---\na: 1"), r#"{"a":1}"#);
        assert_eq!(
            values("a: {x: 1, z: 2}\n---\nb: 2\n---\na: {z: 3}\n"),
            r#"{"a":{"x":1,"z":3},"b":2}"#
        );
        assert_eq!(
            values("a: 1\n--- x\n"),
            "Error: error reading yaml document: invalid Yaml document separator: x"
        );
        assert_eq!(values("a: 1\n--- # note\nb: 2"), r#"{"a":1,"b":2}"#);
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], refs));
        }
        assert_eq!(
            load_values(&text).err().map(|e| e.to_string()),
            Some("cannot unmarshal yaml document".to_string())
        );
        // A hundred aliases of a ten-item list is fine for Helm, so it is here.
        let many = format!(
            "a: &a [1,2,3,4,5,6,7,8,9,10]\nb: [{}]\n",
            vec!["*a"; 100].join(",")
        );
        assert!(load_values(&many).is_ok());
    }

    /// The direct path builds what the full path builds, and leaves to it every
    /// document it can't build exactly.
    #[test]
    fn direct_path_agrees_with_the_full_path() {
        let direct = [
            "a: 1\nb: [x, 'y', \"z\", 0x1F, 1e3, ~, yes]\nc: {d: {e: .5}}\n",
            "a: 1\na: 2\n\"<<\": q\n'1': one\n",
            "- 1\n- [2, {k: v}]\n",
            "plain",
            "",
            "# only a comment\n",
            "a: |\n  block\nb: >-\n  folded\n",
            "a: 1\n---\nb: 2\n",
        ];
        for text in direct {
            assert!(build_direct::<Json>(text).is_some(), "{text:?}");
            assert_eq!(parse(text), parse_full(text), "{text:?}");
            let values = build_direct::<Value>(text)
                .flatten()
                .map(|v| json_of(&v))
                .unwrap_or_else(|| "null".into());
            let through_json = parse_full(text)
                .and_then(|j| j.to_value())
                .map(|v| json_of(&v))
                .unwrap_or_default();
            assert_eq!(values, through_json, "{text:?}");
        }
        let full = [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "<<: {x: 1}\n",
            "1: a\n\"1\": b\n1: c\n",
            "? [a]\n: b\n",
            "~: a\n",
            "a: b: c\n",
            "a: [1, 2\n",
        ];
        for text in full {
            assert!(build_direct::<Json>(text).is_none(), "{text:?}");
        }
        // JSON can't hold NaN: the full path words the error.
        assert!(build_direct::<Json>("a: .nan").is_some());
        assert!(build_direct::<Value>("a: .nan").is_none());
    }

    #[test]
    fn float32_keys_format_like_go() {
        assert_eq!(format_float32_g(1.0), "1");
        assert_eq!(format_float32_g(1.10), "1.1");
        assert_eq!(format_float32_g(1e6), "1e+06");
        assert_eq!(format_float32_g(123456.0), "123456");
        assert_eq!(format_float32_g(1234567.0), "1.234567e+06");
        assert_eq!(format_float32_g(1.23456789), "1.2345679");
        assert_eq!(format_float32_g(0.0001), "0.0001");
        assert_eq!(format_float32_g(0.00001), "1e-05");
        assert_eq!(format_float32_g(-2.5), "-2.5");
    }
}
