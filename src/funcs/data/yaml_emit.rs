//! go-yaml's encoder and emitter, for the value trees `toYaml` and
//! `toYamlPretty` print.
//!
//! Owns turning a tree of strings, numbers, sequences and mappings into the
//! exact bytes go-yaml writes: which scalar style each string gets (plain,
//! single-quoted, double-quoted with escapes, literal block), when a long line
//! is folded, how sequences sit under mapping keys, how map keys are ordered,
//! and when a key must be written as a `? ` complex key. Two flavours differ
//! in small ways and both are needed: yaml.v2 (under sigs.k8s.io/yaml, Helm's
//! `toYaml`: folds at 80 columns, sequences flush with their key) and yaml.v3
//! (Helm's `toYamlPretty`: no folding, sequences indented, tabs kept in quotes).
//!
//! Knows nothing of template values: `data` builds the [`Node`] tree with the
//! scalars already rendered as text, then [`emit`] prints it.

use crate::chart::yaml::is_yaml_style_float;
use crate::gotmpl::unicode::{is_digit as is_go_digit, is_letter as is_go_letter};

/// Which go-yaml prints the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flavor {
    /// go.yaml.in/yaml/v2, as sigs.k8s.io/yaml's `Marshal` uses it.
    V2,
    /// go.yaml.in/yaml/v3 through an `Encoder` with `SetIndent(2)`.
    V3,
}

/// The style go-yaml's encoder asks for; the emitter may still fall back to a
/// quoted style when the text can't be written that way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    DoubleQuoted,
    Literal,
}

/// A scalar as the encoder hands it to the emitter.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Scalar {
    pub text: String,
    pub style: Style,
}

impl Scalar {
    pub fn plain(text: impl Into<String>) -> Scalar {
        Scalar {
            text: text.into(),
            style: Style::Plain,
        }
    }

    /// A Go string as go-yaml's encoder marks it: a literal block when it has a
    /// newline, plain when reading it back unquoted gives the same string, and
    /// double-quoted otherwise.
    pub fn string(text: &str) -> Scalar {
        let style = if text.contains('\n') {
            Style::Literal
        } else if plain_reads_back_as_string(text) {
            Style::Plain
        } else {
            Style::DoubleQuoted
        };
        Scalar {
            text: text.to_string(),
            style,
        }
    }
}

/// A document to print. Mapping entries are printed in the order given (see
/// [`sort_keys`] for go-yaml's order).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Node {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Scalar, Node)>),
}

/// Prints one document the way go-yaml's `Marshal` (v2) or `Encoder.Encode`
/// (v3, indent 2) does, final newline included.
pub(super) fn emit(root: &Node, flavor: Flavor) -> String {
    let mut e = Emitter {
        out: String::new(),
        flavor,
        best_indent: 2,
        best_width: match flavor {
            Flavor::V2 => 80,
            // v3 leaves the width unset (-1), which the emitter reads as "never".
            Flavor::V3 => (1 << 31) - 1,
        },
        indent: -1,
        indents: Vec::new(),
        column: 0,
        whitespace: true,
        indention: true,
        flow_level: 0,
        ctx: Context::default(),
    };
    e.node(root, Context::default(), Parent::Other);
    // DOCUMENT-END (implicit): end the last line.
    e.write_indent();
    e.out
}

// ---------------------------------------------------------------------------
// The emitter: libyaml's state machine, written as a walk over the tree. The
// fields are libyaml's, because every byte of the output depends on them.
// ---------------------------------------------------------------------------

/// What libyaml calls the node's context: where it stands in its parent. (Its
/// root and sequence flags change nothing in a single document.)
#[derive(Clone, Copy, Debug, Default)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

/// The state libyaml pushed before emitting a node, as far as it matters: v3
/// indents the first level inside a sequence item by the width of `- `.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parent {
    SequenceItem,
    Other,
}

/// What the emitter learned about a scalar's text (libyaml's `scalar_data`).
#[derive(Clone, Copy, Debug)]
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Written {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

struct Emitter {
    out: String,
    flavor: Flavor,
    best_indent: i64,
    best_width: i64,
    indent: i64,
    indents: Vec<i64>,
    /// Characters (not bytes) since the start of the line.
    column: i64,
    /// The last character written was white space.
    whitespace: bool,
    /// Only indentation has been written on this line.
    indention: bool,
    flow_level: usize,
    ctx: Context,
}

impl Emitter {
    fn node(&mut self, node: &Node, ctx: Context, parent: Parent) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            self.node_inner(node, ctx, parent)
        });
    }

    fn node_inner(&mut self, node: &Node, ctx: Context, parent: Parent) {
        self.ctx = ctx;
        match node {
            Node::Scalar(scalar) => self.scalar(scalar, parent),
            Node::Seq(items) if self.flow_level > 0 || items.is_empty() => {
                self.empty_flow(b'[', b']', parent)
            }
            Node::Seq(items) => self.block_sequence(items, parent),
            Node::Map(entries) if self.flow_level > 0 || entries.is_empty() => {
                self.empty_flow(b'{', b'}', parent)
            }
            Node::Map(entries) => self.block_mapping(entries, parent),
        }
    }

    /// Collections only take the flow style here when they are empty (the
    /// encoder asks for block style, and libyaml switches empty ones to flow).
    fn empty_flow(&mut self, open: u8, close: u8, parent: Parent) {
        self.write_indicator(&[open], true, true, false);
        self.increase_indent(true, false, parent);
        self.flow_level += 1;
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator(&[close], false, false, false);
    }

    fn block_sequence(&mut self, items: &[Node], parent: Parent) {
        // v2 puts a sequence that is a mapping value flush with its key.
        let indentless = self.flavor == Flavor::V2 && self.ctx.mapping && !self.indention;
        self.increase_indent(false, indentless, parent);
        for item in items {
            self.write_indent();
            self.write_indicator(b"-", true, false, true);
            self.node(item, Context::default(), Parent::SequenceItem);
        }
        self.pop_indent();
    }

    fn block_mapping(&mut self, entries: &[(Scalar, Node)], parent: Parent) {
        self.increase_indent(false, false, parent);
        for (key, value) in entries {
            self.write_indent();
            let analysis = self.analyze(&key.text);
            // libyaml's check_simple_key: one line, at most 128 bytes.
            if !analysis.multiline && key.text.len() <= 128 {
                self.ctx = Context {
                    mapping: true,
                    simple_key: true,
                };
                self.scalar(key, Parent::Other);
                self.write_indicator(b":", false, false, false);
            } else {
                self.write_indicator(b"?", true, false, true);
                self.ctx = Context {
                    mapping: true,
                    simple_key: false,
                };
                self.scalar(key, Parent::Other);
                self.write_indent();
                self.write_indicator(b":", true, false, true);
            }
            let ctx = Context {
                mapping: true,
                simple_key: false,
            };
            self.node(value, ctx, Parent::Other);
        }
        self.pop_indent();
    }

    fn scalar(&mut self, scalar: &Scalar, parent: Parent) {
        let analysis = self.analyze(&scalar.text);
        let style = self.select_style(scalar, &analysis);
        self.increase_indent(true, false, parent);
        let chars: Vec<char> = scalar.text.chars().collect();
        let allow_breaks = !self.ctx.simple_key;
        match style {
            Written::Plain => self.write_plain(&chars, allow_breaks),
            Written::SingleQuoted => self.write_single_quoted(&chars, allow_breaks),
            Written::DoubleQuoted => self.write_double_quoted(&chars, allow_breaks),
            Written::Literal => self.write_literal(&chars),
        }
        self.pop_indent();
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool, parent: Parent) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            self.indent = match self.flavor {
                Flavor::V2 => self.indent + self.best_indent,
                // v3 aligns to multiples of the indent, except right after `- `.
                Flavor::V3 if parent == Parent::SequenceItem => self.indent + 2,
                Flavor::V3 => {
                    self.best_indent * ((self.indent + self.best_indent) / self.best_indent)
                }
            };
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    /// libyaml's `yaml_emitter_select_scalar_style`.
    fn select_style(&self, scalar: &Scalar, a: &Analysis) -> Written {
        let mut style = match scalar.style {
            Style::Plain => Written::Plain,
            Style::DoubleQuoted => Written::DoubleQuoted,
            Style::Literal => Written::Literal,
        };
        if self.ctx.simple_key && a.multiline {
            style = Written::DoubleQuoted;
        }
        if style == Written::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = Written::SingleQuoted;
            }
            if scalar.text.is_empty() && (self.flow_level > 0 || self.ctx.simple_key) {
                style = Written::SingleQuoted;
            }
        }
        if style == Written::SingleQuoted && !a.single_quoted_allowed {
            style = Written::DoubleQuoted;
        }
        if style == Written::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.ctx.simple_key)
        {
            style = Written::DoubleQuoted;
        }
        style
    }

    /// libyaml's `yaml_emitter_analyze_scalar`.
    fn analyze(&self, text: &str) -> Analysis {
        if text.is_empty() {
            return Analysis {
                multiline: false,
                flow_plain_allowed: false,
                block_plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        let chars: Vec<char> = text.chars().collect();
        let n = chars.len();
        let mut block_indicators = false;
        let mut flow_indicators = false;
        if text.starts_with("---") || text.starts_with("...") {
            block_indicators = true;
            flow_indicators = true;
        }
        let (mut line_breaks, mut special, mut tabs) = (false, false, false);
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;
        for (i, &c) in chars.iter().enumerate() {
            let followed_by_whitespace = i + 1 >= n || is_blank(chars[i + 1]);
            if i == 0 {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => {
                        flow_indicators = true;
                        block_indicators = true;
                    }
                    '?' | ':' => {
                        flow_indicators = true;
                        block_indicators |= followed_by_whitespace;
                    }
                    '-' if followed_by_whitespace => {
                        flow_indicators = true;
                        block_indicators = true;
                    }
                    _ => {}
                }
            } else {
                match c {
                    ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                    ':' => {
                        flow_indicators = true;
                        block_indicators |= followed_by_whitespace;
                    }
                    '#' if preceded_by_whitespace => {
                        flow_indicators = true;
                        block_indicators = true;
                    }
                    _ => {}
                }
            }
            if self.flavor == Flavor::V3 && c == '\t' {
                tabs = true;
            } else if !is_printable(c) {
                special = true;
            }
            if c == ' ' {
                leading_space |= i == 0;
                trailing_space |= i + 1 == n;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                line_breaks = true;
                leading_break |= i == 0;
                trailing_break |= i + 1 == n;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
        }
        let mut a = Analysis {
            multiline: line_breaks,
            flow_plain_allowed: true,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
        if leading_space || leading_break || trailing_space || trailing_break {
            a.flow_plain_allowed = false;
            a.block_plain_allowed = false;
        }
        if trailing_space {
            a.block_allowed = false;
        }
        if break_space {
            a.flow_plain_allowed = false;
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
        }
        // v3 keeps tabs out of plain and single-quoted scalars, not out of blocks.
        if space_break || tabs || special {
            a.flow_plain_allowed = false;
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
        }
        if space_break || special {
            a.block_allowed = false;
        }
        if line_breaks {
            a.flow_plain_allowed = false;
            a.block_plain_allowed = false;
        }
        if flow_indicators {
            a.flow_plain_allowed = false;
        }
        if block_indicators {
            a.block_plain_allowed = false;
        }
        a
    }

    // -- writing ------------------------------------------------------------

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        if self.flavor == Flavor::V3 {
            self.indention = true;
        }
    }

    /// Copies a line break from the text: `\n` is written as the emitter's
    /// break, any other break character as itself.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
            if self.flavor == Flavor::V3 {
                self.indention = true;
            }
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        if self.flavor == Flavor::V2 {
            self.indention = true;
        }
    }

    fn write_indicator(
        &mut self,
        indicator: &[u8],
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for &b in indicator {
            self.put(char::from(b));
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn write_plain(&mut self, value: &[char], allow_breaks: bool) {
        if !self.whitespace && (self.flavor == Flavor::V2 || !value.is_empty()) {
            self.put(' ');
        }
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in value.iter().enumerate() {
            if c == ' ' {
                let next_is_space = value.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > self.best_width && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if self.flavor == Flavor::V2 || !value.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &[char], allow_breaks: bool) {
        self.write_indicator(b"'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let n = value.len();
        for (i, &c) in value.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i + 1 < n
                    && value[i + 1] != ' '
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator(b"'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &[char], allow_breaks: bool) {
        // libyaml's BOM test looks at the start of the text, whatever the position,
        // so a text that starts with a BOM has every character escaped.
        let starts_with_bom = value.first() == Some(&'\u{FEFF}');
        let mut spaces = false;
        self.write_indicator(b"\"", true, false, false);
        let n = value.len();
        for (i, &c) in value.iter().enumerate() {
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                self.write_escape(c);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i > 0 && i + 1 < n {
                    self.write_indent();
                    if value[i + 1] == ' ' {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator(b"\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// The part of a double-quoted escape after the backslash.
    fn write_escape(&mut self, c: char) {
        let short = match c {
            '\0' => Some('0'),
            '\u{07}' => Some('a'),
            '\u{08}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{0B}' => Some('v'),
            '\u{0C}' => Some('f'),
            '\r' => Some('r'),
            '\u{1B}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{A0}' => Some('_'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        if let Some(s) = short {
            self.put(s);
            return;
        }
        let v = u32::from(c);
        let (prefix, digits) = match v {
            0..=0xFF => ('x', 2),
            0x100..=0xFFFF => ('u', 4),
            _ => ('U', 8),
        };
        self.put(prefix);
        for k in (0..digits).rev() {
            let digit = (v >> (4 * k)) & 0xF;
            self.put(char::from_digit(digit, 16).map_or('0', |d| d.to_ascii_uppercase()));
        }
    }

    fn write_literal(&mut self, value: &[char]) {
        self.write_indicator(b"|", true, false, false);
        self.write_block_scalar_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in value {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    /// The indentation indicator (when the text starts with a space or break)
    /// and the chomping indicator: `-` without a final break, `+` with more than one.
    fn write_block_scalar_hints(&mut self, value: &[char]) {
        if let Some(&first) = value.first()
            && (first == ' ' || is_break(first))
        {
            let hint = [b'0' + self.best_indent as u8];
            self.write_indicator(&hint, false, false, false);
        }
        let chomp = match value {
            [] => Some(b'-'),
            [.., last] if !is_break(*last) => Some(b'-'),
            [_] => Some(b'+'),
            [.., before, _] if is_break(*before) => Some(b'+'),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(&[chomp], false, false, false);
        }
    }
}

/// libyaml's `is_printable` on the character's UTF-8 bytes: characters
/// outside the Basic Multilingual Plane count as unprintable.
fn is_printable(c: char) -> bool {
    matches!(u32::from(c), 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

// ---------------------------------------------------------------------------
// Which strings go-yaml may write unquoted: those that its resolver would read
// back as strings (YAML 1.1: not a bool, null, number or timestamp), and that
// are not YAML 1.1 base-60 numbers.
// ---------------------------------------------------------------------------

/// Whether go-yaml's encoder leaves `s` unquoted (`resolve("", s)` gives `!!str`
/// and `s` is not a base-60 float). yaml.v2 and v3 agree: v3 drops `yes`/`no`
/// from its resolver but quotes them anyway.
pub(super) fn plain_reads_back_as_string(s: &str) -> bool {
    !resolves_to_non_string(s) && !is_base60_float(s)
}

/// (The resolver's table also maps `<<` to the merge tag, but it is only
/// consulted for texts starting with a sign, digit, `.`, `~` or one of
/// `yYnNtTfFoO`, so `<<` stays a plain string.)
fn resolves_to_non_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null",
        "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    if SPECIAL.contains(&s) {
        return true;
    }
    match s.as_bytes().first() {
        Some(b'.') => go_parse_float_ok(s),
        Some(b'0'..=b'9') if is_timestamp(s) => true,
        Some(b'0'..=b'9' | b'+' | b'-') => resolves_to_number(&s.replace('_', "")),
        _ => false,
    }
}

/// The int, uint and float attempts of go-yaml's resolver, on the text with its
/// underscores removed. (Its extra `0b` attempts add nothing: `ParseInt` with
/// base 0 already reads that prefix.)
fn resolves_to_number(plain: &str) -> bool {
    if go_parse_int(plain, true).is_some() || go_parse_int(plain, false).is_some() {
        return true;
    }
    is_yaml_style_float(plain) && plain.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `strconv.ParseInt(s, 0, 64)` (signed) or `ParseUint(s, 0, 64)` succeeding:
/// an optional sign (signed only), then decimal, `0x`, `0o`, `0b` or
/// leading-zero octal digits, in range.
fn go_parse_int(s: &str, signed: bool) -> Option<i128> {
    let (negative, body) = match s.as_bytes().first()? {
        b'+' if signed => (false, &s[1..]),
        b'-' if signed => (true, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    let limit: u128 = match (signed, negative) {
        (false, _) => u128::from(u64::MAX),
        (true, false) => i64::MAX as u128,
        (true, true) => i64::MAX as u128 + 1,
    };
    if magnitude > limit {
        return None;
    }
    let magnitude = magnitude as i128;
    Some(if negative { -magnitude } else { magnitude })
}

/// Whether `strconv.ParseFloat(s, 64)` accepts a text that starts with `.`:
/// decimal digits after the point, an optional exponent, `_` only between
/// digits, and a finite result.
fn go_parse_float_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 1;
    let mut mantissa_digits = 0;
    let mut prev_digit = false;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        if b[i] == b'_' {
            // An underscore must sit between two digits.
            if !prev_digit || !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                return false;
            }
            prev_digit = false;
        } else {
            mantissa_digits += 1;
            prev_digit = true;
        }
        i += 1;
    }
    if mantissa_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len() && s.replace('_', "").parse::<f64>().is_ok_and(f64::is_finite)
}

/// yaml.org's base-60 floats, which go-yaml still quotes:
/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        // [0-5]?[0-9]: one digit, or two with the first in 0-5.
        match (b.get(i), b.get(i + 1)) {
            (Some(d0 @ b'0'..=b'5'), Some(d1)) if d1.is_ascii_digit() => {
                let _ = d0;
                i += 2;
            }
            (Some(d), _) if d.is_ascii_digit() => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Whether go-yaml reads `s` as a timestamp: Go's `time.Parse` succeeding with
/// one of `2006-1-2T15:4:5.999999999Z07:00` (or with `t`),
/// `2006-1-2 15:4:5.999999999` or `2006-1-2`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: i64 = s[..4].parse().unwrap_or(0);
    let mut i = 5;
    // Go's getnum: one digit, or two when a second digit follows.
    let getnum = |i: &mut usize| -> Option<u32> {
        let d0 = *b.get(*i).filter(|d| d.is_ascii_digit())?;
        *i += 1;
        match b.get(*i).filter(|d| d.is_ascii_digit()) {
            Some(&d1) => {
                *i += 1;
                Some(u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'))
            }
            None => Some(u32::from(d0 - b'0')),
        }
    };
    let Some(month) = getnum(&mut i) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = getnum(&mut i) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let separator = b[i];
    if !matches!(separator, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    let mut clock = [0u32; 3];
    for (n, part) in clock.iter_mut().enumerate() {
        if n > 0 {
            if b.get(i) != Some(&b':') {
                return false;
            }
            i += 1;
        }
        let Some(v) = getnum(&mut i) else {
            return false;
        };
        *part = v;
    }
    if clock[0] > 23 || clock[1] > 59 || clock[2] > 59 {
        return false;
    }
    // Optional fraction: a period or comma and at least one digit.
    if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if separator == b' ' {
        return i == b.len();
    }
    // Z07:00: `Z`, or a sign and two-digit hours and minutes.
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let rest = &b[i + 1..];
            rest.len() == 5
                && rest[0].is_ascii_digit()
                && rest[1].is_ascii_digit()
                && rest[2] == b':'
                && rest[3].is_ascii_digit()
                && rest[4].is_ascii_digit()
                && (rest[0] - b'0') * 10 + (rest[1] - b'0') <= 24
                && (rest[3] - b'0') * 10 + (rest[4] - b'0') <= 60
        }
        _ => false,
    }
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------
// Key order: go-yaml sorts map keys "naturally" (runs of digits by value,
// letters after other characters), v3 with one more rule than v2.
// ---------------------------------------------------------------------------

/// Sorts string keys in go-yaml's order.
pub(super) fn sort_keys<T>(entries: &mut Vec<(String, T)>, flavor: Flavor) {
    let taken = std::mem::take(entries);
    let keyed: Vec<(Vec<char>, (String, T))> = taken
        .into_iter()
        .map(|(k, v)| (k.chars().collect(), (k, v)))
        .collect();
    let sorted = merge_sort(keyed, &|a: &Vec<char>, b: &Vec<char>| {
        key_less(a, b, flavor)
    });
    entries.extend(sorted.into_iter().map(|(_, entry)| entry));
}

/// A stable merge sort that tolerates any comparison (go-yaml's isn't provably
/// a total order, and a panicking sort is no answer to a template).
fn merge_sort<K, V>(items: Vec<(K, V)>, less: &dyn Fn(&K, &K) -> bool) -> Vec<(K, V)> {
    if items.len() <= 1 {
        return items;
    }
    let mut left = items;
    let right = left.split_off(left.len() / 2);
    let left = merge_sort(left, less);
    let right = merge_sort(right, less);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_right = match (left.peek(), right.peek()) {
            (Some(l), Some(r)) => less(&r.0, &l.0),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        let next = if take_right {
            right.next()
        } else {
            left.next()
        };
        out.extend(next);
    }
    out
}

/// go-yaml's `keyList.Less` for two string keys.
fn key_less(a: &[char], b: &[char], flavor: Flavor) -> bool {
    let mut digits = false;
    for i in 0..a.len().min(b.len()) {
        if a[i] == b[i] {
            digits = is_go_digit(a[i]);
            continue;
        }
        let al = is_go_letter(a[i]);
        let bl = is_go_letter(b[i]);
        if al && bl {
            return a[i] < b[i];
        }
        if al || bl {
            return if flavor == Flavor::V3 && digits {
                al
            } else {
                bl
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if a[i] == '0' || b[i] == '0' {
            for j in (0..i).rev() {
                if !is_go_digit(a[j]) {
                    break;
                }
                if a[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let run = |s: &[char], n: &mut i64| {
            let mut k = i;
            while k < s.len() && is_go_digit(s[k]) {
                let digit = i64::from(u32::from(s[k]) as i32 - '0' as i32);
                *n = n.wrapping_mul(10).wrapping_add(digit);
                k += 1;
            }
            k
        };
        let ai = run(a, &mut an);
        let bi = run(b, &mut bn);
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, Node)]) -> Node {
        Node::Map(
            entries
                .iter()
                .map(|(k, v)| (Scalar::string(k), v.clone()))
                .collect(),
        )
    }

    fn s(text: &str) -> Node {
        Node::Scalar(Scalar::string(text))
    }

    #[test]
    fn sequences_sit_under_keys_per_flavor() {
        let doc = map(&[(
            "a",
            Node::Seq(vec![s("x"), map(&[("b", s("p")), ("c", s("q"))])]),
        )]);
        assert_eq!(emit(&doc, Flavor::V2), "a:\n- x\n- b: p\n  c: q\n");
        assert_eq!(emit(&doc, Flavor::V3), "a:\n  - x\n  - b: p\n    c: q\n");
    }

    #[test]
    fn strings_that_read_back_as_other_types_are_quoted() {
        for text in [
            "yes",
            "on",
            "1",
            "1e3",
            "null",
            "~",
            "",
            "0x1F",
            "2001-12-14",
            "1:20",
            ".5",
        ] {
            assert_eq!(Scalar::string(text).style, Style::DoubleQuoted, "{text:?}");
        }
        for text in ["hello", "1e", "1.2.3", "2001-13-14", "1e400", "0x", "-"] {
            assert_eq!(Scalar::string(text).style, Style::Plain, "{text:?}");
        }
    }

    #[test]
    fn emitter_falls_back_to_quotes() {
        assert_eq!(emit(&s(" a"), Flavor::V2), "' a'\n");
        assert_eq!(emit(&s("a\tb"), Flavor::V2), "\"a\\tb\"\n");
        assert_eq!(emit(&s("a\tb"), Flavor::V3), "\"a\\tb\"\n");
        assert_eq!(emit(&s("\u{1F600}"), Flavor::V2), "\"\\U0001F600\"\n");
        assert_eq!(emit(&s("a\nb\n"), Flavor::V2), "|\n  a\n  b\n");
        assert_eq!(emit(&s("a\n\n"), Flavor::V2), "|+\n  a\n\n");
    }

    #[test]
    fn keys_sort_naturally() {
        let mut entries: Vec<(String, ())> = ["a10", "a2", "b", "B", "1", "_x", "a"]
            .iter()
            .map(|k| (k.to_string(), ()))
            .collect();
        sort_keys(&mut entries, Flavor::V2);
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["_x", "1", "B", "a", "a2", "a10", "b"]);
    }

    #[test]
    fn timestamps_follow_go_time_parse() {
        assert!(is_timestamp("2001-12-14"));
        assert!(is_timestamp("2001-2-3"));
        assert!(is_timestamp("2001-12-14t21:59:43.10-05:00"));
        assert!(is_timestamp("2001-12-14 21:59:43.10"));
        assert!(is_timestamp("2000-02-29"));
        assert!(!is_timestamp("2001-02-29"));
        assert!(!is_timestamp("2001-12-14 21:59:43.10 -5"));
        assert!(!is_timestamp("20011-12-14"));
    }
}
