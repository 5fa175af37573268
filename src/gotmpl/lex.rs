//! The template lexer: splits template text into Go's items, with Go's trim markers,
//! comments, line counting and error messages.
//!
//! It runs on demand (one item per call) like Go's, because the parser changes what
//! it accepts as it goes: `break` and `continue` are keywords only where no function
//! of that name exists.

use std::borrow::Cow;
use std::fmt;

use super::unicode::{is_digit as is_go_digit, is_letter as is_go_letter};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords.
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            ItemType::Block
                | ItemType::Break
                | ItemType::Continue
                | ItemType::Dot
                | ItemType::Define
                | ItemType::Else
                | ItemType::End
                | ItemType::If
                | ItemType::Nil
                | ItemType::Range
                | ItemType::Template
                | ItemType::With
        )
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "." => ItemType::Dot,
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

/// One token. `val` is the item's text (borrowed from the template), or the
/// message for an error item.
#[derive(Clone, Debug)]
pub(crate) struct Item<'a> {
    pub typ: ItemType,
    pub pos: usize,
    pub val: Cow<'a, str>,
    pub line: usize,
}

impl fmt::Display for Item<'_> {
    /// Go's `item.String()`, which parse errors quote.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.typ {
            ItemType::Eof => f.write_str("EOF"),
            ItemType::Error => f.write_str(&self.val),
            t if t.is_keyword() => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let head: String = self.val.chars().take(10).collect();
                write!(f, "{}...", super::fmt::quote(&head))
            }
            _ => f.write_str(&super::fmt::quote(&self.val)),
        }
    }
}

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
const TRIM_MARKER: u8 = b'-';
const TRIM_MARKER_LEN: usize = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
    Done,
}

pub(crate) struct Lexer<'a> {
    input: &'a str,
    state: State,
    pos: usize,
    start: usize,
    /// Byte width of the last rune read, so `backup` can step over it.
    width: usize,
    paren_depth: usize,
    line: usize,
    start_line: usize,
    pub break_ok: bool,
    pub continue_ok: bool,
}

const EOF: Option<char> = None;

fn is_space(r: Option<char>) -> bool {
    matches!(r, Some(' ' | '\t' | '\r' | '\n'))
}

fn is_alphanumeric(r: Option<char>) -> bool {
    matches!(r, Some(c) if c == '_' || is_go_letter(c) || is_go_digit(c))
}

fn has_left_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == TRIM_MARKER && matches!(s[1], b' ' | b'\t' | b'\r' | b'\n')
}

fn has_right_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && matches!(s[0], b' ' | b'\t' | b'\r' | b'\n') && s[1] == TRIM_MARKER
}

fn is_space_byte(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn right_trim_length(s: &str) -> usize {
    s.len() - s.trim_end_matches([' ', '\t', '\r', '\n']).len()
}

fn left_trim_length(s: &str) -> usize {
    s.bytes().take_while(is_space_byte).count()
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Lexer<'a> {
        Lexer {
            input,
            state: State::Text,
            pos: 0,
            start: 0,
            width: 0,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            break_ok: true,
            continue_ok: true,
        }
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn next(&mut self) -> Option<char> {
        match self.rest().chars().next() {
            None => {
                self.width = 0;
                EOF
            }
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                if c == '\n' {
                    self.line += 1;
                }
                Some(c)
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.rest().chars().next()
    }

    fn backup(&mut self) {
        if self.width > 0 {
            self.pos -= self.width;
            if self.width == 1 && self.input.as_bytes()[self.pos] == b'\n' {
                self.line -= 1;
            }
        }
    }

    fn item(&mut self, typ: ItemType) -> Item<'a> {
        let item = Item {
            typ,
            pos: self.start,
            val: Cow::Borrowed(&self.input[self.start..self.pos]),
            line: self.start_line,
        };
        self.start = self.pos;
        self.start_line = self.line;
        item
    }

    fn ignore(&mut self) {
        self.line += self.input[self.start..self.pos].matches('\n').count();
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while matches!(self.next(), Some(c) if valid.contains(c)) {}
        self.backup();
    }

    fn error(&mut self, message: String) -> Item<'a> {
        self.state = State::Done;
        Item {
            typ: ItemType::Error,
            pos: self.start,
            val: Cow::Owned(message),
            line: self.start_line,
        }
    }

    /// The next item. After EOF or an error, keeps returning EOF.
    pub fn next_item(&mut self) -> Item<'a> {
        loop {
            let produced = match self.state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Space => self.lex_space(),
                State::Identifier => self.lex_identifier(),
                State::Field => self.lex_field_or_variable(ItemType::Field),
                State::Variable => self.lex_variable(),
                State::Char => self.lex_quoted('\'', "unterminated character constant"),
                State::Number => self.lex_number(),
                State::Quote => self.lex_quoted('"', "unterminated quoted string"),
                State::RawQuote => self.lex_raw_quote(),
                State::Done => Some(Item {
                    typ: ItemType::Eof,
                    pos: self.pos,
                    val: Cow::Borrowed(""),
                    line: self.line,
                }),
            };
            if let Some(item) = produced {
                return item;
            }
        }
    }

    fn lex_text(&mut self) -> Option<Item<'a>> {
        self.width = 0;
        if let Some(x) = memchr::memmem::find(self.rest().as_bytes(), LEFT_DELIM.as_bytes()) {
            let delim_at = self.pos + x;
            let trim =
                if has_left_trim_marker(&self.input.as_bytes()[delim_at + LEFT_DELIM.len()..]) {
                    right_trim_length(&self.input[self.start..delim_at])
                } else {
                    0
                };
            self.pos = delim_at - trim;
            let text = if self.pos > self.start {
                self.line += self.input[self.start..self.pos].matches('\n').count();
                Some(self.item(ItemType::Text))
            } else {
                None
            };
            self.pos += trim;
            self.ignore();
            self.state = State::LeftDelim;
            return text;
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.line += self.input[self.start..self.pos].matches('\n').count();
            return Some(self.item(ItemType::Text));
        }
        self.state = State::Done;
        Some(self.item(ItemType::Eof))
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest().as_bytes();
        if has_right_trim_marker(rest)
            && rest[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM.as_bytes())
        {
            return (true, true);
        }
        (rest.starts_with(RIGHT_DELIM.as_bytes()), false)
    }

    fn lex_left_delim(&mut self) -> Option<Item<'a>> {
        self.pos += LEFT_DELIM.len();
        let trim = has_left_trim_marker(self.rest().as_bytes());
        let after_marker = if trim { TRIM_MARKER_LEN } else { 0 };
        if self.input[self.pos + after_marker..].starts_with(LEFT_COMMENT) {
            self.pos += after_marker;
            self.ignore();
            self.state = State::Comment;
            return None;
        }
        let item = self.item(ItemType::LeftDelim);
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        self.state = State::InsideAction;
        Some(item)
    }

    fn lex_comment(&mut self) -> Option<Item<'a>> {
        self.pos += LEFT_COMMENT.len();
        let Some(i) = self.rest().find(RIGHT_COMMENT) else {
            return Some(self.error("unclosed comment".into()));
        };
        self.pos += i + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return Some(self.error("comment ends before closing delimiter".into()));
        }
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += RIGHT_DELIM.len();
        if trim {
            self.pos += left_trim_length(self.rest());
        }
        self.ignore();
        self.state = State::Text;
        None
    }

    fn lex_right_delim(&mut self) -> Option<Item<'a>> {
        let trim = has_right_trim_marker(self.rest().as_bytes());
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        let item = self.item(ItemType::RightDelim);
        if trim {
            self.pos += left_trim_length(self.rest());
            self.ignore();
        }
        self.state = State::Text;
        Some(item)
    }

    fn lex_inside_action(&mut self) -> Option<Item<'a>> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                self.state = State::RightDelim;
                return None;
            }
            return Some(self.error("unclosed left paren".into()));
        }
        let r = self.next();
        let Some(c) = r else {
            return Some(self.error("unclosed action".into()));
        };
        let item = match c {
            _ if is_space(r) => {
                self.backup();
                self.state = State::Space;
                return None;
            }
            '=' => self.item(ItemType::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return Some(self.error("expected :=".into()));
                }
                self.item(ItemType::Declare)
            }
            '|' => self.item(ItemType::Pipe),
            '"' => return self.goto(State::Quote),
            '`' => return self.goto(State::RawQuote),
            '$' => return self.goto(State::Variable),
            '\'' => return self.goto(State::Char),
            '.' if self.pos < self.input.len()
                && !self.rest().starts_with(|d: char| d.is_ascii_digit()) =>
            {
                return self.goto(State::Field);
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.backup();
                return self.goto(State::Number);
            }
            _ if is_alphanumeric(r) => {
                self.backup();
                return self.goto(State::Identifier);
            }
            '(' => {
                self.paren_depth += 1;
                self.item(ItemType::LeftParen)
            }
            ')' => {
                if self.paren_depth == 0 {
                    return Some(self.error("unexpected right paren".into()));
                }
                self.paren_depth -= 1;
                self.item(ItemType::RightParen)
            }
            _ if c.is_ascii() && !c.is_ascii_control() => self.item(ItemType::Char),
            _ => {
                return Some(self.error(format!(
                    "unrecognized character in action: {}",
                    super::fmt::sprintf("%#U", &[super::Value::int(c as i64)])
                )));
            }
        };
        Some(item)
    }

    fn goto(&mut self, state: State) -> Option<Item<'a>> {
        self.state = state;
        None
    }

    fn lex_space(&mut self) -> Option<Item<'a>> {
        let mut spaces = 0;
        while is_space(self.peek()) {
            self.next();
            spaces += 1;
        }
        // A space may belong to a trim-marked right delimiter (" -}}").
        let before = &self.input.as_bytes()[self.pos - 1..];
        if has_right_trim_marker(before)
            && before[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM.as_bytes())
        {
            self.pos -= 1;
            if self.input.as_bytes()[self.pos] == b'\n' {
                self.line -= 1;
            }
            if spaces == 1 {
                self.state = State::RightDelim;
                return None;
            }
        }
        self.state = State::InsideAction;
        Some(self.item(ItemType::Space))
    }

    fn bad_character(&mut self, r: Option<char>) -> Item<'a> {
        let code = r.map_or(-1, |c| c as i64);
        let shown = super::fmt::sprintf("%#U", &[super::Value::Int(code, super::IntType::Int32)]);
        self.error(format!("bad character {shown}"))
    }

    fn lex_identifier(&mut self) -> Option<Item<'a>> {
        loop {
            let r = self.next();
            if is_alphanumeric(r) {
                continue;
            }
            self.backup();
            if !self.at_terminator() {
                return Some(self.bad_character(r));
            }
            let word = &self.input[self.start..self.pos];
            let typ = match keyword(word) {
                Some(ItemType::Break) if !self.break_ok => ItemType::Identifier,
                Some(ItemType::Continue) if !self.continue_ok => ItemType::Identifier,
                Some(k) => k,
                None if word == "true" || word == "false" => ItemType::Bool,
                None => ItemType::Identifier,
            };
            self.state = State::InsideAction;
            return Some(self.item(typ));
        }
    }

    fn lex_variable(&mut self) -> Option<Item<'a>> {
        if self.at_terminator() {
            self.state = State::InsideAction;
            return Some(self.item(ItemType::Variable));
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Option<Item<'a>> {
        if self.at_terminator() {
            self.state = State::InsideAction;
            let typ = if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            };
            return Some(self.item(typ));
        }
        let mut r;
        loop {
            r = self.next();
            if !is_alphanumeric(r) {
                self.backup();
                break;
            }
        }
        if !self.at_terminator() {
            return Some(self.bad_character(r));
        }
        self.state = State::InsideAction;
        Some(self.item(typ))
    }

    fn at_terminator(&mut self) -> bool {
        let r = self.peek();
        if is_space(r) {
            return true;
        }
        matches!(r, None | Some('.' | ',' | '|' | ':' | ')' | '(' | '}'))
    }

    /// Scans a `"` string or `'` character constant; the parser checks its syntax.
    fn lex_quoted(&mut self, quote: char, unterminated: &str) -> Option<Item<'a>> {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    None | Some('\n') => return Some(self.error(unterminated.into())),
                    Some(_) => {}
                },
                None | Some('\n') => return Some(self.error(unterminated.into())),
                Some(c) if c == quote => break,
                Some(_) => {}
            }
        }
        self.state = State::InsideAction;
        let typ = if quote == '"' {
            ItemType::String
        } else {
            ItemType::CharConstant
        };
        Some(self.item(typ))
    }

    fn lex_raw_quote(&mut self) -> Option<Item<'a>> {
        loop {
            match self.next() {
                None => return Some(self.error("unterminated raw quoted string".into())),
                Some('`') => break,
                Some(_) => {}
            }
        }
        self.state = State::InsideAction;
        Some(self.item(ItemType::RawString))
    }

    fn lex_number(&mut self) -> Option<Item<'a>> {
        if !self.scan_number() {
            let text = self.input[self.start..self.pos].to_string();
            return Some(self.error(format!("bad number syntax: {}", super::fmt::quote(&text))));
        }
        if matches!(self.peek(), Some('+' | '-')) {
            // A complex constant such as 1+2i: no spaces, ends in 'i'.
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let text = self.input[self.start..self.pos].to_string();
                return Some(
                    self.error(format!("bad number syntax: {}", super::fmt::quote(&text))),
                );
            }
            self.state = State::InsideAction;
            return Some(self.item(ItemType::Complex));
        }
        self.state = State::InsideAction;
        Some(self.item(ItemType::Number))
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if is_alphanumeric(self.peek()) {
            self.next();
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &str) -> Vec<(ItemType, String)> {
        let mut lexer = Lexer::new(input);
        let mut out = Vec::new();
        loop {
            let item = lexer.next_item();
            let done = matches!(item.typ, ItemType::Eof | ItemType::Error);
            out.push((item.typ, item.val.into_owned()));
            if done {
                return out;
            }
        }
    }

    #[test]
    fn trim_markers_eat_surrounding_space() {
        let got = items("a  \n{{- 3 -}}\n\t b");
        let texts: Vec<_> = got
            .iter()
            .filter(|(t, _)| *t == ItemType::Text)
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(texts, ["a", "b"]);
    }

    #[test]
    fn minus_without_space_is_a_number() {
        let got = items("{{-3}}");
        assert_eq!(got[1], (ItemType::Number, "-3".into()));
    }

    #[test]
    fn fields_split_at_dots() {
        let got = items("{{.a.b}}");
        assert_eq!(got[1], (ItemType::Field, ".a".into()));
        assert_eq!(got[2], (ItemType::Field, ".b".into()));
    }

    #[test]
    fn comments_vanish() {
        let got = items("x{{/* c */}}y");
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn unclosed_action_is_an_error() {
        let got = items("{{ .a");
        assert_eq!(got.last().map(|(t, _)| *t), Some(ItemType::Error));
        assert_eq!(got.last().map(|(_, v)| v.as_str()), Some("unclosed action"));
    }

    #[test]
    fn unicode_digits_follow_go() {
        assert!(is_go_digit('٣')); // ARABIC-INDIC DIGIT THREE, category Nd
        assert!(!is_go_digit('½')); // category No
        assert!(!is_go_digit('Ⅻ')); // category Nl
    }
}
