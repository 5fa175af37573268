//! A reader for the YAML that rendered manifests and values files are mostly
//! written in: block maps and sequences, one-line plain and quoted scalars,
//! `|` and `|-` literals, flow collections closed on their line, comments.
//!
//! saphyr's scanner is general and slow (about 40 MB/s here): parsing values
//! files and the head of every rendered document through it took a quarter of
//! `wheelhouse template`'s time on a large chart. This reader covers the
//! common subset in one pass over lines and answers `None` for anything
//! outside it (tabs, anchors, tags, multi-line plain, quoted or flow nodes,
//! folded and kept literals, document markers, errors), which saphyr then
//! reads. So it never decides anything saphyr would decide differently; the
//! tests and a fuzz target compare both on every document it accepts.

use std::borrow::Cow;

use super::{Builder, Shape};

/// Longest key read here. YAML bounds implicit keys at 1024 characters; longer
/// ones go to saphyr, which words the error.
const MAX_KEY_BYTES: usize = 1000;

/// The first document of `text` built through `Builder`, `Some(None)` when it
/// is empty, or `None` when `text` is outside the subset read here.
pub(super) fn read<S: Shape>(text: &str) -> Option<Option<S>> {
    if !is_plain_text(text) {
        return None;
    }
    let mut reader = Reader {
        text,
        line: 0,
        end: line_end(text, 0),
        builder: Builder::new(),
    };
    reader.skip_blank()?;
    if reader.at_end() {
        return Some(None);
    }
    let indent = reader.indent();
    reader.block_node(indent)?;
    reader.skip_blank()?;
    if !reader.at_end() {
        return None;
    }
    reader.builder.finish()
}

/// Text with none of what this reader leaves to saphyr anywhere: tabs,
/// carriage returns and other control characters, a byte order mark, the
/// Unicode line breaks (NEL, LS, PS), the non-characters U+FFFE and U+FFFF.
fn is_plain_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.iter().any(|&b| (b < 0x20 && b != b'\n') || b == 0x7F) {
        return false;
    }
    if bytes.is_ascii() {
        return true;
    }
    !text.chars().any(|c| {
        matches!(
            c,
            '\u{80}'..='\u{9F}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}'
        )
    })
}

struct Reader<'t, S: Shape> {
    text: &'t str,
    /// Where the current line starts...
    line: usize,
    /// ...and where its line break is (or the text's end).
    end: usize,
    builder: Builder<'t, S>,
}

impl<'t, S: Shape> Reader<'t, S> {
    fn at_end(&self) -> bool {
        self.line >= self.text.len()
    }

    /// The current line without its line break.
    fn current(&self) -> &'t str {
        &self.text[self.line..self.end]
    }

    fn next_line(&mut self) {
        self.line = (self.end + 1).min(self.text.len());
        self.end = line_end(self.text, self.line);
    }

    fn indent(&self) -> usize {
        leading_spaces(self.current())
    }

    /// Moves past blank lines and comment lines; `None` at a document marker
    /// or directive, which saphyr reads.
    fn skip_blank(&mut self) -> Option<()> {
        while !self.at_end() {
            let line = self.current();
            let marker = match line.as_bytes().first() {
                Some(b'-') => line.starts_with("---"),
                Some(b'.') => line.starts_with("..."),
                Some(b'%') => true,
                _ => false,
            };
            if marker {
                return None;
            }
            let content = line.trim_start_matches(' ');
            if !content.is_empty() && !content.starts_with('#') {
                break;
            }
            self.next_line();
        }
        Some(())
    }

    /// A map or sequence whose first line is the current one, indented by
    /// `indent`; a line holding neither (a scalar) goes to saphyr, as
    /// [`Reader::mapping`] finds no key on it.
    fn block_node(&mut self, indent: usize) -> Option<()> {
        if is_entry(&self.current()[indent..]) {
            self.sequence(indent)
        } else {
            self.mapping(indent)
        }
    }

    /// A block sequence whose entries start at column `indent`, the first on
    /// the current line.
    fn sequence(&mut self, indent: usize) -> Option<()> {
        self.builder.open(true)?;
        loop {
            let line = self.current();
            let after_dash = indent + 1;
            let value_at = after_dash + leading_spaces(&line[after_dash..]);
            let value = &line[value_at..];
            if value.is_empty() || value.starts_with('#') {
                self.next_line();
                self.value_below(indent, false)?;
            } else if is_entry(value) {
                return None;
            } else if key(value).is_some() {
                self.mapping(value_at)?;
            } else {
                self.inline_value(value_at, indent)?;
            }
            if self.at_end() {
                break;
            }
            let next = self.indent();
            if next > indent {
                return None;
            }
            if next < indent || !is_entry(&self.current()[indent..]) {
                break;
            }
        }
        self.builder.close()
    }

    /// A block map whose keys start at column `indent`, the first on the
    /// current line (after a sequence entry's dash, for a map in a sequence).
    fn mapping(&mut self, indent: usize) -> Option<()> {
        self.builder.open(false)?;
        loop {
            let line = self.current();
            let (name, plain, colon) = key(&line[indent..])?;
            self.builder.scalar(name, plain)?;
            let value_at = indent + colon + 1;
            let value_at = value_at + leading_spaces(&line[value_at..]);
            let value = &line[value_at..];
            if value.is_empty() || value.starts_with('#') {
                self.next_line();
                self.value_below(indent, true)?;
            } else {
                self.inline_value(value_at, indent)?;
            }
            if self.at_end() {
                break;
            }
            let next = self.indent();
            if next > indent || (next == indent && is_entry(&self.current()[indent..])) {
                return None;
            }
            if next < indent {
                break;
            }
        }
        self.builder.close()
    }

    /// The value of an entry whose line ended after its key or dash: a node on
    /// the lines below, indented deeper than `parent` (a map's value may also
    /// be a sequence at the map's own indentation), or null.
    fn value_below(&mut self, parent: usize, in_map: bool) -> Option<()> {
        self.skip_blank()?;
        if !self.at_end() {
            let indent = self.indent();
            if indent > parent {
                return self.block_node(indent);
            }
            if in_map && indent == parent && is_entry(&self.current()[indent..]) {
                return self.sequence(indent);
            }
        }
        self.builder.scalar(Cow::Borrowed(""), true)
    }

    /// A scalar or a flow collection starting at byte `at` of the current line, in a
    /// collection indented by `parent`. Leaves the reader on the next line
    /// with content, which must not be indented deeper than `parent` (that
    /// would continue a multi-line scalar).
    fn inline_value(&mut self, at: usize, parent: usize) -> Option<()> {
        let value = &self.current()[at..];
        let rest = match *value.as_bytes().first()? {
            b'|' => return self.literal(&value[1..], parent),
            b'"' | b'\'' => {
                let (text, end) = quoted(value)?;
                self.builder.scalar(text, false)?;
                &value[end..]
            }
            b'{' | b'[' => &value[self.flow(value)?..],
            _ => {
                self.builder.scalar(Cow::Borrowed(plain(value)?), true)?;
                ""
            }
        };
        if !is_line_end(rest) {
            return None;
        }
        self.next_line();
        self.skip_blank()?;
        if !self.at_end() && self.indent() > parent {
            return None;
        }
        Some(())
    }

    /// A flow collection closed on its line (`[a, "b"]`, `{k: v, l: [m]}`),
    /// from its opening bracket: the offset after its closing bracket.
    fn flow(&mut self, s: &'t str) -> Option<usize> {
        let seq = s.starts_with('[');
        let close = if seq { b']' } else { b'}' };
        self.builder.open(seq)?;
        let bytes = s.as_bytes();
        let mut at = 1 + leading_spaces(&s[1..]);
        if bytes.get(at) == Some(&close) {
            self.builder.close()?;
            return Some(at + 1);
        }
        loop {
            if !seq {
                let quoted = matches!(bytes.get(at), Some(b'"' | b'\''));
                at += self.flow_scalar(&s[at..], true)?;
                // A quoted key needs no space after its colon, as in JSON.
                let colon = if quoted { ":" } else { ": " };
                at += s[at..].strip_prefix(colon).map(|_| colon.len())?;
                at += leading_spaces(&s[at..]);
            }
            at += match bytes.get(at)? {
                b'[' | b'{' => self.flow(&s[at..])?,
                _ => self.flow_scalar(&s[at..], false)?,
            };
            at += leading_spaces(&s[at..]);
            match bytes.get(at)? {
                b',' => at += 1 + leading_spaces(&s[at + 1..]),
                &b if b == close => {
                    self.builder.close()?;
                    return Some(at + 1);
                }
                _ => return None,
            }
        }
    }

    /// A quoted or plain scalar in a flow collection, a map's `key` when a
    /// `: ` ends it: the offset after it. Plain scalars holding a colon, a
    /// `#` or a bracket go to saphyr, as does an empty entry.
    fn flow_scalar(&mut self, s: &'t str, key: bool) -> Option<usize> {
        let (text, plain, end) = match *s.as_bytes().first()? {
            b'"' | b'\'' => {
                let (text, end) = quoted(s)?;
                (text, false, end)
            }
            _ => {
                // In a flow, a dash starts a plain scalar only before a
                // character that could continue one.
                let bytes = s.as_bytes();
                let dash_alone = bytes[0] == b'-'
                    && matches!(
                        bytes.get(1),
                        None | Some(b',' | b'[' | b']' | b'{' | b'}' | b'#')
                    );
                if dash_alone || starts_with_indicator(s) {
                    return None;
                }
                let mut end = bytes.len();
                for (i, &b) in bytes.iter().enumerate() {
                    match b {
                        b',' | b']' | b'}' => {
                            end = i;
                            break;
                        }
                        b':' if key && bytes.get(i + 1) == Some(&b' ') => {
                            end = i;
                            break;
                        }
                        b'[' | b'{' | b'#' | b':' => return None,
                        // saphyr refuses ` -` right before the flow's next
                        // indicator.
                        b'-' if i > 0
                            && bytes[i - 1] == b' '
                            && matches!(bytes.get(i + 1), None | Some(b',' | b']' | b'}')) =>
                        {
                            return None;
                        }
                        _ => {}
                    }
                }
                let text = s[..end].trim_end_matches(' ');
                if text.is_empty() {
                    return None;
                }
                (Cow::Borrowed(text), true, end)
            }
        };
        self.builder.scalar(text, plain)?;
        Some(end)
    }

    /// A `|` or `|-` literal whose header follows the `|` in `header`, in a
    /// collection indented by `parent`.
    fn literal(&mut self, header: &str, parent: usize) -> Option<()> {
        let (strip, rest) = match header.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, header),
        };
        // `+`, indentation indicators and comments without a space go to saphyr.
        if !is_line_end(rest) {
            return None;
        }
        self.next_line();
        let mut text = String::new();
        // Leading empty lines, then the first line with content sets the
        // indentation; a literal without content goes to saphyr.
        let mut leading_spaces_max = 0;
        let indent = loop {
            if self.at_end() {
                return None;
            }
            let line = self.current();
            let spaces = leading_spaces(line);
            if spaces < line.len() {
                break spaces;
            }
            leading_spaces_max = leading_spaces_max.max(spaces);
            text.push('\n');
            self.next_line();
        };
        if indent <= parent || leading_spaces_max > indent {
            return None;
        }
        let mut breaks = 0;
        let mut first = true;
        while !self.at_end() {
            let line = self.current();
            let spaces = leading_spaces(line);
            // saphyr reads spaces ending the text as one more line break.
            if spaces > 0 && spaces == line.len() && self.end == self.text.len() {
                return None;
            }
            if spaces == line.len() && spaces <= indent {
                breaks += 1;
            } else if spaces < indent {
                break;
            } else {
                if !first {
                    breaks += 1;
                }
                text.extend(std::iter::repeat_n('\n', breaks));
                text.push_str(&line[indent..]);
                breaks = 0;
                first = false;
            }
            self.next_line();
        }
        // Clipping keeps one line break, even where the text ends without one.
        if !strip {
            text.push('\n');
        }
        self.builder.scalar(Cow::Owned(text), false)?;
        self.skip_blank()
    }
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |end| from + end)
}

fn leading_spaces(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

/// A sequence entry: a dash followed by a space or the line's end.
fn is_entry(s: &str) -> bool {
    s == "-" || s.starts_with("- ")
}

/// Nothing left on the line but spaces and a comment.
fn is_line_end(rest: &str) -> bool {
    let content = rest.trim_start_matches(' ');
    content.is_empty() || (content.starts_with('#') && content.len() < rest.len())
}

/// Whether `s` starts with a map key (`name:` then a space or the line's
/// end): the key, whether it was plain, and the colon's offset.
fn key(s: &str) -> Option<(Cow<'_, str>, bool, usize)> {
    let (name, plain, colon) = match *s.as_bytes().first()? {
        b'"' | b'\'' => {
            let (name, end) = quoted(s)?;
            (name, false, end)
        }
        _ => {
            if starts_with_indicator(s) {
                return None;
            }
            let colon = separator(s)?;
            (Cow::Borrowed(s[..colon].trim_end_matches(' ')), true, colon)
        }
    };
    let after = s.as_bytes().get(colon + 1);
    let is_key = s.as_bytes().get(colon) == Some(&b':') && matches!(after, None | Some(b' '));
    (is_key && !name.is_empty() && name.len() <= MAX_KEY_BYTES).then_some((name, plain, colon))
}

/// The first `: ` (or `:` ending the line) before any comment.
fn separator(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b':' if matches!(bytes.get(i + 1), None | Some(b' ')) => return Some(i),
            b'#' if i > 0 && bytes[i - 1] == b' ' => return None,
            _ => {}
        }
    }
    None
}

/// Whether `s` starts with one of YAML's indicators, which can't start a plain
/// scalar. `-` counts only before a space or the line's end; `?` and `:` count
/// always, leaving their rarer uses to saphyr.
fn starts_with_indicator(s: &str) -> bool {
    let bytes = s.as_bytes();
    match bytes.first() {
        None => false,
        Some(b'-') => matches!(bytes.get(1), None | Some(b' ')),
        Some(b'?' | b':') => true,
        Some(
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`',
        ) => true,
        Some(_) => false,
    }
}

/// A one-line plain scalar value: up to a comment, trailing spaces dropped.
/// `None` when it holds a `: ` (a map saphyr words the error for).
fn plain(s: &str) -> Option<&str> {
    if starts_with_indicator(s) {
        return None;
    }
    let bytes = s.as_bytes();
    let mut end = bytes.len();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b':' if matches!(bytes.get(i + 1), None | Some(b' ')) => return None,
            b'#' if i > 0 && bytes[i - 1] == b' ' => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    Some(s[..end].trim_end_matches(' '))
}

/// A double- or single-quoted scalar closed on its line (by the quote `s`
/// starts with), and the offset after its closing quote.
fn quoted(s: &str) -> Option<(Cow<'_, str>, usize)> {
    if s.starts_with('"') {
        double_quoted(s)
    } else {
        single_quoted(s)
    }
}

/// A double-quoted scalar closed on its line, and the offset after its closing
/// quote. Escapes other than the common ones go to saphyr.
fn double_quoted(s: &str) -> Option<(Cow<'_, str>, usize)> {
    let body = &s[1..];
    let special = body.find(['"', '\\'])?;
    if body.as_bytes()[special] == b'"' {
        return Some((Cow::Borrowed(&body[..special]), special + 2));
    }
    let mut out = String::from(&body[..special]);
    let mut chars = body[special..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((Cow::Owned(out), special + i + 2)),
            '\\' => {
                let (_, escape) = chars.next()?;
                let hex_digits = match escape {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    _ => {
                        out.push(match escape {
                            '0' => '\0',
                            'a' => '\x07',
                            'b' => '\x08',
                            't' => '\t',
                            'n' => '\n',
                            'v' => '\x0B',
                            'f' => '\x0C',
                            'r' => '\r',
                            'e' => '\x1B',
                            '"' => '"',
                            '/' => '/',
                            '\\' => '\\',
                            _ => return None,
                        });
                        continue;
                    }
                };
                let mut code = 0;
                for _ in 0..hex_digits {
                    code = code * 16 + chars.next()?.1.to_digit(16)?;
                }
                out.push(char::from_u32(code)?);
            }
            c => out.push(c),
        }
    }
    None
}

/// A single-quoted scalar closed on its line (`''` is a quote), and the
/// offset after its closing quote.
fn single_quoted(s: &str) -> Option<(Cow<'_, str>, usize)> {
    let body = &s[1..];
    let mut out: Option<String> = None;
    let mut from = 0;
    loop {
        let quote = from + body[from..].find('\'')?;
        if body.as_bytes().get(quote + 1) == Some(&b'\'') {
            out.get_or_insert_with(String::new)
                .push_str(&body[from..=quote]);
            from = quote + 2;
            continue;
        }
        let text = match out {
            Some(mut out) => {
                out.push_str(&body[from..quote]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(&body[..quote]),
        };
        return Some((text, quote + 2));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Json, build_from_events};
    use super::*;
    use crate::gotmpl::Value;

    /// `text` is read here, exactly as from saphyr's events, in both shapes.
    fn assert_read(text: &str) {
        let ours = read::<Json>(text);
        assert!(ours.is_some(), "not read here: {text:?}");
        assert_eq!(ours, build_from_events::<Json>(text), "{text:?}");
        let values = read::<Value>(text).map(|v| v.map(|v| format!("{v:?}")));
        let events = build_from_events::<Value>(text).map(|v| v.map(|v| format!("{v:?}")));
        assert_eq!(values, events, "{text:?}");
    }

    /// Whatever is read here agrees with saphyr; `None` is always allowed.
    fn assert_agrees(text: &str) {
        if !super::super::block_reader_agrees(text) {
            let events = build_from_events::<Json>(text);
            panic!(
                "{text:?}\nread here: {:?}\nsaphyr: {events:?}",
                read::<Json>(text)
            );
        }
    }

    #[test]
    fn the_block_subset_reads_as_saphyr_reads_it() {
        for text in [
            "",
            "\n\n# only comments\n  # indented\n",
            "a: 1\nb: two\nc:\nd: ~\ne: yes\nf: 0x1F\ng: -1.5e3\nh: .inf\n",
            "a: 1\na: 2\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    helm.sh/hook: pre-install\n    \"quoted\": 'v'\n",
            "a:\n  b:\n    c: d\n  e: f\ng: h",
            "list:\n- a\n- b: 1\n  c: 2\n-\n",
            "list:\n  - a\n  -   b: 1\n      c: 2\n  -\n    nested: x\nafter: 1\n",
            "- 1\n- two\n-\n  - x\n  - y\n",
            "a: {}\nb: []\nc:\n- {}\n- []  # comment\n",
            "url: http://example.com:8080/x?y=1#frag\nimage: nginx:1.25\nargs: --a={b,c}\n",
            "k: value # comment: not a key\nk2: a#b\n'k 3': x\n",
            "\"dq\": \"esc \\\" \\\\ \\n \\t \\u00e9 \\x41 \\/ \\U0001F600\"\n'sq': 'it''s'\n",
            "key   : spaced\n",
            "u: héllo wörld ✓\n",
            "lit: |\n  line 1\n    indented\n\n  line 3\nnext: 1\n",
            "lit: |-\n  stripped\n\nnext: 1\n",
            "lit: |\n  at the end",
            "lit: |\n  at the end\n",
            "lit: |\n  trailing empty lines\n\n\n",
            "lit: |  # comment\n\n  after an empty line\n",
            "lit: |\n  a\n  # not a comment\n # a comment\nb: 1\n",
            "- |\n  in a list\n- |-\n  x\n",
            "m:\n- |\n  indentless\n- y\n",
            "- a: |\n    in a compact map\n  b: 2\n",
            "  indented: root\n  second: 2\n",
            "a: 'x'  # c\nb: \"y\" # c\n",
            "z: 2\nw: 1\nlong: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
            "a:\n\n  # comment between\n\n  b: 1\n",
            "-k: x\n",
            "lit: |\n  a\n    \n  b\n",
            "lit: |\n  a\n    \n",
            "lit: |-\n  a\n \n\n",
            "args: [\"--port=8080\", '--x', plain text, 1, ~, yes]\n",
            "limits: {cpu: \"1\", memory: 128Mi}  # c\n",
            "nest: [[a, [b]], {k: [v, {w: x}]}, [], {}]\n",
            "s: [ a , b ]\nt: { k : v }\nu: [ ]\nv: { }\n",
            "- [a, b]\n- {c: d}\n",
            "f: {\"quoted\": 'key', 'k2': \"v\"}\n",
            "affinity: {\"zone\":\"b\",\"n\":1,'s':[x]}\n",
        ] {
            assert_read(text);
        }
    }

    #[test]
    fn the_rest_goes_to_saphyr() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a:\tb\n",
            "a: b\r\n",
            "a: [1, 2\n",
            "a: [1, 2,]\n",
            "a: [1,, 2]\n",
            "a: [b: c]\n",
            "a: [b:c]\n",
            "a: [b#c]\n",
            "a: {b}\n",
            "a: {b:c}\n",
            "a: {b: }\n",
            "a: [b] c\n",
            "a: [b]# c\n",
            "a: [x, -, y]\n",
            "a: [-]\n",
            "a: [x -]\n",
            "a: {k: x -, l: y}\n",
            "a: >\n  folded\n",
            "a: |+\n  kept\n",
            "a: |2\n   indicated\n",
            "a: |\n",
            "a: |\n  \n",
            "a: plain\n  continued\n",
            "a: \"open\n  quote\"\n",
            "a: 'open\n",
            "a: b: c\n",
            "a: b:\n",
            "a: - b\n",
            "- - a\n",
            "? a\n: b\n",
            "---\na: 1\n",
            "a: 1\n---\nb: 2\n",
            "a: 1\n...\n",
            "%YAML 1.2\n---\na: 1\n",
            "plain root\n",
            "a: 1\n- b\n",
            "a:\n    b: 1\n  c: 2\n",
            "a: 1\n  b: 2\n",
            "\"a\" : 1\n",
            "a: \"x\"y\n",
            "a: \"\\N\"\n",
            "a: \"\\ud800\"\n",
            "\u{FEFF}a: 1\n",
            "a: \u{85}\n",
            "@a: 1\n",
            "a: `b`\n",
            "a: |\n\n   \n  less indented than a leading empty line\n",
            "a: |\n  x\n  ",
            "a: |\n  x\n ",
        ] {
            assert!(read::<Json>(text).is_none(), "read here: {text:?}");
        }
        let long_key = format!("{}: 1\n", "k".repeat(MAX_KEY_BYTES + 1));
        assert!(read::<Json>(&long_key).is_none());
        assert_read(&format!("{}: 1\n", "k".repeat(MAX_KEY_BYTES)));
    }

    /// The builder still refuses what only the full path builds.
    #[test]
    fn merge_keys_and_typed_keys_are_refused() {
        for text in ["<<: 1\n", "1: a\n", "true: a\n", "a:\n  ~: b\n"] {
            assert!(read::<Json>(text).is_none(), "{text:?}");
        }
        assert!(read::<Value>("a: .nan\n").is_none());
    }

    #[test]
    fn deep_nesting_stops_at_the_direct_limit() {
        let depth = super::super::DIRECT_MAX_DEPTH;
        let nested = |levels: usize| {
            (0..levels)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect::<String>()
                + &" ".repeat(levels)
                + "leaf: 1\n"
        };
        assert!(read::<Json>(&nested(depth - 1)).is_some());
        assert!(read::<Json>(&nested(depth)).is_none());
    }

    /// Random lines from fragments that are in the subset and just outside
    /// it: wherever the reader answers, saphyr answers the same.
    #[test]
    fn random_documents_agree_with_saphyr() {
        const PREFIXES: &[&str] = &["", "", "", "- ", "- ", "-   ", "- - ", "-", "# c"];
        const KEYS: &[&str] = &[
            "a",
            "b",
            "name",
            "k y",
            "\"q\"",
            "'s'",
            "a#b",
            "x:y",
            "",
            "<<",
            "1",
            "yes",
            "ä",
            "\"e\\tx\"",
        ];
        const SEPARATORS: &[&str] = &[": ", ": ", ":", " : ", ":  ", ""];
        const VALUES: &[&str] = &[
            "",
            "1",
            "v",
            "v # c",
            "v #",
            "'s''q'",
            "\"d\\n\"",
            "\"open",
            "|",
            "|-",
            "|+",
            ">",
            "{}",
            "[]",
            "[1]",
            "a: b",
            "http://x",
            "- x",
            "#c",
            "~",
            "&a x",
            "*a",
            "!t x",
            "v  ",
            "  ",
            "-1",
            "0x1F",
            "1e3",
            "'",
            "text with spaces",
            "\"\\u00e9\"",
            "-",
            "[a, b]",
            "[ 'x' , \"y\" ]",
            "{a: 1, b: [c]}",
            "[a,]",
            "[a: b]",
            "{a}",
            "[a:b]",
            "{\"k\": v}",
            "[{a: 1}]",
            "[a b]",
            "[ ]",
            "{ }",
            "[yes, 1, ~]",
            "{1: a}",
            "[a] b",
            "{a: b, a: c}",
            "[a #c]",
            "[- a]",
            "{<<: a}",
            "{\"k\":\"v\"}",
            "{'k':v}",
            "{\"k\":}",
            "{\"k\" :v}",
            "{k:v}",
            "[a, -, b]",
            "[-]",
            "{-: a}",
            "[-1, -a]",
            "[a -]",
            "[a -x, b -]",
            "[a-]",
            "x -",
        ];
        const INDENTS: &[usize] = &[0, 0, 0, 2, 2, 2, 4, 4, 6, 1, 3];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut pick = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let (mut read_here, runs) = (0, 40_000);
        for _ in 0..runs {
            let mut text = String::new();
            for _ in 0..=pick(10) {
                text.push_str(&" ".repeat(INDENTS[pick(INDENTS.len())]));
                text.push_str(PREFIXES[pick(PREFIXES.len())]);
                text.push_str(KEYS[pick(KEYS.len())]);
                let separator = SEPARATORS[pick(SEPARATORS.len())];
                text.push_str(separator);
                if !separator.is_empty() {
                    text.push_str(VALUES[pick(VALUES.len())]);
                }
                text.push('\n');
            }
            if pick(4) == 0 {
                text.pop();
            }
            if read::<Json>(&text).is_some() {
                read_here += 1;
            }
            assert_agrees(&text);
        }
        // Enough of them are read here for the comparison to mean something.
        assert!(read_here > runs / 20, "{read_here} of {runs}");
    }

    /// Every chart file, values file and Helm output the tests hold, whole and
    /// cut into documents as releases are; nearly all of Helm's documents are
    /// read here.
    #[test]
    fn the_test_corpus_agrees_with_saphyr() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![root.join("tests/golden"), root.join("benches/charts")];
        let (mut documents, mut read_here) = (0, 0);
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                assert_agrees(&text);
                for doc in crate::render::sort::split_manifests(&text) {
                    assert_agrees(doc);
                    // Helm's output: what a release's documents look like.
                    if doc.starts_with("# Source: ") {
                        documents += 1;
                        read_here += usize::from(read::<Json>(doc).is_some());
                    }
                }
            }
        }
        assert!(
            documents > 300 && read_here * 10 > documents * 9,
            "{read_here} of {documents}"
        );
    }
}
