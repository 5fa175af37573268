//! Sprig's regex functions, with Go's `regexp` (RE2 syntax) semantics.
//!
//! Patterns are checked and translated from Go's syntax into the `regex`
//! crate's before compiling: Go's `\d`, `\w`, `\s` and `\b` are ASCII-only
//! where the crate's are Unicode, Go accepts `\Q...\E`, octal escapes, a `{`
//! that starts no repetition, capture names starting with digits and repeated
//! names, and rejects things the crate allows (stacked repetitions, repeat
//! counts over 1000, `(?x)`). Invalid patterns get Go's exact error text. The
//! iteration over matches (`FindAll`, `Split`, `ReplaceAll`) and `$` expansion
//! in replacements are Go's algorithms, run on the crate's matcher.

use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;
use rustc_hash::FxHashMap;

use crate::gotmpl::fmt::quote;
use crate::gotmpl::{ElemType, Error, Func, FuncMap, List, Param, Value};

use super::str_arg as text;
use super::strings::{is_digit, is_letter};

pub(super) fn register(funcs: &mut FuncMap) {
    let mut add = |name: &str, func: Func| {
        funcs.insert(name.to_string(), func);
    };
    use Param::{Int, String as Str};

    add(
        "regexMatch",
        Func::pure(&[Str, Str], None, |args| {
            Ok(Value::Bool(
                compile(text(&args[0])).is_ok_and(|re| re.is_match(text(&args[1]))),
            ))
        }),
    );
    add(
        "mustRegexMatch",
        Func::pure(&[Str, Str], None, |args| {
            Ok(Value::Bool(checked(&args[0])?.is_match(text(&args[1]))))
        }),
    );
    add(
        "regexFindAll",
        Func::pure(&[Str, Str, Int], None, |args| {
            Ok(find_all(&*must(&args[0])?, text(&args[1]), int(&args[2])))
        }),
    );
    add(
        "mustRegexFindAll",
        Func::pure(&[Str, Str, Int], None, |args| {
            Ok(find_all(
                &*checked(&args[0])?,
                text(&args[1]),
                int(&args[2]),
            ))
        }),
    );
    add(
        "regexFind",
        Func::pure(&[Str, Str], None, |args| {
            Ok(find(&*must(&args[0])?, text(&args[1])))
        }),
    );
    add(
        "mustRegexFind",
        Func::pure(&[Str, Str], None, |args| {
            Ok(find(&*checked(&args[0])?, text(&args[1])))
        }),
    );
    add(
        "regexReplaceAll",
        Func::pure(&[Str, Str, Str], None, |args| {
            Ok(Value::from(
                must(&args[0])?.replace_all(text(&args[1]), text(&args[2])),
            ))
        }),
    );
    add(
        "mustRegexReplaceAll",
        Func::pure(&[Str, Str, Str], None, |args| {
            Ok(Value::from(
                checked(&args[0])?.replace_all(text(&args[1]), text(&args[2])),
            ))
        }),
    );
    add(
        "regexReplaceAllLiteral",
        Func::pure(&[Str, Str, Str], None, |args| {
            Ok(Value::from(
                must(&args[0])?.replace_all_literal(text(&args[1]), text(&args[2])),
            ))
        }),
    );
    add(
        "mustRegexReplaceAllLiteral",
        Func::pure(&[Str, Str, Str], None, |args| {
            let re = checked(&args[0])?;
            Ok(Value::from(
                re.replace_all_literal(text(&args[1]), text(&args[2])),
            ))
        }),
    );
    add(
        "regexSplit",
        Func::pure(&[Str, Str, Int], None, |args| {
            Ok(string_list(
                must(&args[0])?.split(text(&args[1]), int(&args[2])),
            ))
        }),
    );
    add(
        "mustRegexSplit",
        Func::pure(&[Str, Str, Int], None, |args| {
            Ok(string_list(
                checked(&args[0])?.split(text(&args[1]), int(&args[2])),
            ))
        }),
    );
    add(
        "regexQuoteMeta",
        Func::pure(&[Str], None, |args| {
            Ok(Value::from(quote_meta(text(&args[0]))))
        }),
    );
}

/// The value of an `int` argument (the signature guarantees one).
fn int(value: &Value) -> i64 {
    match value {
        Value::Int(i, _) => *i,
        _ => 0,
    }
}

/// A Go `[]string`.
fn string_list(items: Vec<&str>) -> Value {
    Value::List(List::typed(
        items.into_iter().map(Value::str).collect(),
        ElemType::String,
    ))
}

/// `regexp.Compile`, for the `must*` functions: the error is returned as is.
fn checked(pattern: &Value) -> Result<Arc<GoRegex>, Error> {
    compile(text(pattern)).map_err(Error::msg)
}

/// `regexp.MustCompile`, for the plain functions: Go panics, and the template
/// reports the panic's text.
fn must(pattern: &Value) -> Result<Arc<GoRegex>, Error> {
    let pattern = text(pattern);
    compile(pattern).map_err(|err| {
        Error::msg(format!(
            "regexp: Compile({}): {err}",
            quote_pattern(pattern)
        ))
    })
}

/// How `regexp` quotes a pattern in its panic message: in backquotes when
/// `strconv.CanBackquote` allows, else as a Go string literal.
fn quote_pattern(pattern: &str) -> String {
    let can_backquote = pattern
        .chars()
        .all(|c| !matches!(c, '`' | '\u{7F}' | '\u{FEFF}') && (c >= ' ' || c == '\t'));
    if can_backquote {
        format!("`{pattern}`")
    } else {
        quote(pattern)
    }
}

/// `FindAllString(s, n)`: nil (printed `[]`) when nothing matches.
fn find_all(re: &GoRegex, s: &str, n: i64) -> Value {
    let limit = if n < 0 { s.len() as u64 + 1 } else { n as u64 };
    string_list(
        re.all_matches(s, limit)
            .into_iter()
            .map(|(a, b)| &s[a..b])
            .collect(),
    )
}

/// `FindString(s)`: "" when nothing matches.
fn find(re: &GoRegex, s: &str) -> Value {
    Value::str(re.regex.find(s).map_or("", |m| m.as_str()))
}

/// Go's `regexp.QuoteMeta`: a backslash before each of `\.+*?()|[]{}^$`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A compiled Go pattern: the crate's matcher and Go's capture names, by
/// group number (Go allows names the crate doesn't, so the translation leaves
/// every group unnamed).
struct GoRegex {
    regex: regex::Regex,
    names: Vec<Option<String>>,
}

impl GoRegex {
    fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }

    /// Go's `allMatches`: successive non-overlapping matches, at most `limit`,
    /// skipping an empty match right after the previous match.
    fn all_matches(&self, s: &str, limit: u64) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut pos = 0;
        let mut prev_end = None;
        while (out.len() as u64) < limit && pos <= s.len() {
            let Some(m) = self.regex.find_at(s, pos) else {
                break;
            };
            let mut accept = true;
            if m.end() == pos {
                if Some(m.start()) == prev_end {
                    accept = false;
                }
                pos += s[pos..].chars().next().map_or(1, char::len_utf8);
            } else {
                pos = m.end();
            }
            prev_end = Some(m.end());
            if accept {
                out.push((m.start(), m.end()));
            }
        }
        out
    }

    /// Go's `Split(s, n)`.
    fn split<'a>(&self, s: &'a str, n: i64) -> Vec<&'a str> {
        if n == 0 {
            return Vec::new();
        }
        if !self.regex.as_str().is_empty() && s.is_empty() {
            return vec![""];
        }
        let limit = if n < 0 { s.len() as u64 + 1 } else { n as u64 };
        let mut parts = Vec::new();
        let (mut begin, mut end) = (0, 0);
        for (start, stop) in self.all_matches(s, limit) {
            if n > 0 && parts.len() as i64 >= n - 1 {
                break;
            }
            end = start;
            if stop != 0 {
                parts.push(&s[begin..end]);
            }
            begin = stop;
        }
        if end != s.len() {
            parts.push(&s[begin..]);
        }
        parts
    }

    /// Go's `ReplaceAllString`: `$1`, `${1}`, `$name`, `${name}` and `$$` in
    /// `repl` are expanded.
    fn replace_all(&self, s: &str, repl: &str) -> String {
        self.replace(s, repl, repl.contains('$'))
    }

    /// Go's `ReplaceAllLiteralString`.
    fn replace_all_literal(&self, s: &str, repl: &str) -> String {
        self.replace(s, repl, false)
    }

    /// Go's `replaceAll`: no replacement for an empty match right after a
    /// match, and the search always moves on by at least one character.
    fn replace(&self, s: &str, repl: &str, expand: bool) -> String {
        let mut locs = self.regex.capture_locations();
        let mut out = String::with_capacity(s.len());
        let mut last_end = 0;
        let mut search = 0;
        while search <= s.len() {
            let found = if expand {
                self.regex.captures_read_at(&mut locs, s, search)
            } else {
                self.regex.find_at(s, search)
            };
            let Some(m) = found else { break };
            out.push_str(&s[last_end..m.start()]);
            if m.end() > last_end || m.start() == 0 {
                if expand {
                    self.expand(&mut out, repl, s, &locs);
                } else {
                    out.push_str(repl);
                }
            }
            last_end = m.end();
            let width = s[search..].chars().next().map_or(0, char::len_utf8);
            if search + width > m.end() {
                search += width;
            } else if search + 1 > m.end() {
                search += 1;
            } else {
                search = m.end();
            }
        }
        out.push_str(&s[last_end..]);
        out
    }

    /// Go's `Regexp.expand`: a name is as long as possible (`$1x` is the group
    /// named `1x`); unknown or unmatched groups give nothing; a `$` that starts
    /// no valid reference is kept.
    fn expand(&self, out: &mut String, template: &str, s: &str, locs: &regex::CaptureLocations) {
        let mut t = template;
        while let Some(i) = t.find('$') {
            out.push_str(&t[..i]);
            t = &t[i + 1..];
            if let Some(rest) = t.strip_prefix('$') {
                out.push('$');
                t = rest;
                continue;
            }
            let Some((name, num, rest)) = extract_reference(t) else {
                out.push('$');
                continue;
            };
            t = rest;
            let group = match num {
                Some(num) => locs.get(num),
                None => self
                    .names
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.as_deref() == Some(name))
                    .find_map(|(i, _)| locs.get(i)),
            };
            if let Some((a, b)) = group {
                out.push_str(&s[a..b]);
            }
        }
        out.push_str(t);
    }
}

/// Go's `extract`: the name of a `$name` or `${name}` reference (the `$`
/// already gone), its group number when it is all digits without a leading
/// zero, and the text after it.
fn extract_reference(s: &str) -> Option<(&str, Option<usize>, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(body) => (true, body),
        None => (false, s),
    };
    let len = body
        .char_indices()
        .find(|&(_, c)| !(is_letter(c) || is_digit(c) || c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let mut rest = &body[len..];
    if brace {
        rest = rest.strip_prefix('}')?;
    }
    let mut num = Some(0usize);
    for b in name.bytes() {
        num = match num {
            Some(n) if b.is_ascii_digit() && n < 100_000_000 => {
                Some(n * 10 + usize::from(b - b'0'))
            }
            _ => None,
        };
    }
    if name.len() > 1 && name.starts_with('0') {
        num = None;
    }
    Some((name, num, rest))
}

/// Compiled patterns by source text, or Go's error for them. Charts call the
/// same few patterns over and over, often in loops.
type Compiled = Result<Arc<GoRegex>, String>;

static CACHE: LazyLock<Mutex<FxHashMap<String, Compiled>>> = LazyLock::new(Default::default);

/// Enough for any chart's patterns; past it the cache starts over.
const CACHE_CAPACITY: usize = 512;

/// Go's `regexp.Compile`: the compiled pattern, or Go's error message.
fn compile(pattern: &str) -> Result<Arc<GoRegex>, String> {
    if let Some(found) = CACHE.lock().get(pattern) {
        return found.clone();
    }
    let compiled = compile_uncached(pattern);
    let mut cache = CACHE.lock();
    if cache.len() >= CACHE_CAPACITY {
        cache.clear();
    }
    cache.insert(pattern.to_string(), compiled.clone());
    compiled
}

fn compile_uncached(pattern: &str) -> Result<Arc<GoRegex>, String> {
    let (translated, names) = Translator::run(pattern)?;
    let regex = regex::RegexBuilder::new(&translated)
        .size_limit(256 << 20)
        .dfa_size_limit(64 << 20)
        .nest_limit(1000)
        .build()
        .map_err(|err| match err {
            regex::Error::CompiledTooBig(_) => go_error("expression too large", pattern),
            _ if err.to_string().contains("nest limit") => {
                go_error("expression nests too deeply", pattern)
            }
            _ => go_error("invalid or unsupported Perl syntax", pattern),
        })?;
    Ok(Arc::new(GoRegex { regex, names }))
}

/// Go's `syntax.Error` text.
fn go_error(code: &str, expr: &str) -> String {
    format!("error parsing regexp: {code}: `{expr}`")
}

/// The largest count Go allows in `x{n,m}`, also for nested counts multiplied.
const MAX_REPEAT: i64 = 1000;

/// A counted repetition (`x{min,max}`, max -1 when open) and the counted
/// repetitions inside it: what Go's `repeatIsValid` walks.
#[derive(Clone, Debug)]
struct Repeat {
    min: i64,
    max: i64,
    inner: Vec<Repeat>,
}

/// Go's `repeatIsValid`: nested counts must not multiply past `n`.
fn repeat_is_valid(rep: &Repeat, mut n: i64) -> bool {
    if rep.max == 0 {
        return true;
    }
    let m = if rep.max < 0 { rep.min } else { rep.max };
    if m > n {
        return false;
    }
    if m > 0 {
        n /= m;
    }
    rep.inner.iter().all(|inner| repeat_is_valid(inner, n))
}

/// One open group (or the whole pattern) while translating.
#[derive(Default)]
struct Frame {
    /// Counted repetitions inside the group's finished items.
    repeats: Vec<Repeat>,
    /// The item a repetition operator would apply to: its counted repetitions
    /// and where its translation ends in the output.
    last: Option<(Vec<Repeat>, usize)>,
}

/// Go's parser, reduced to checking the pattern the way Go does (same errors,
/// found in the same order) while writing the equivalent pattern for the
/// `regex` crate.
struct Translator<'a> {
    whole: &'a str,
    out: String,
    names: Vec<Option<String>>,
    frames: Vec<Frame>,
}

/// Go's `\d`, `\s`, `\w` (ASCII only), as the inside of a class.
const PERL_CLASSES: [(&str, &str); 3] =
    [("d", "0-9"), ("s", r"\t\n\x0C\r\x20"), ("w", "0-9A-Za-z_")];

const POSIX_CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

impl<'a> Translator<'a> {
    fn run(pattern: &'a str) -> Result<(String, Vec<Option<String>>), String> {
        let mut tr = Translator {
            whole: pattern,
            out: String::with_capacity(pattern.len() * 2),
            names: vec![None],
            frames: vec![Frame::default()],
        };
        let mut t = pattern;
        // Go's `lastRepeat`: the pattern from the previous item's repetition
        // operator on, when that item was one.
        let mut last_repeat: Option<&str> = None;
        while let Some(c) = t.chars().next() {
            let before = t;
            let mut is_repeat = false;
            match c {
                '(' if t.starts_with("(?") => t = tr.perl_flags(t)?,
                '(' => {
                    tr.open_group("(", None);
                    t = &t[1..];
                }
                '|' => {
                    tr.bar();
                    t = &t[1..];
                }
                ')' => {
                    tr.close_group()?;
                    t = &t[1..];
                }
                '^' | '$' | '.' => {
                    tr.atom(&t[..1], Vec::new());
                    t = &t[1..];
                }
                '[' => t = tr.class(t)?,
                '*' | '+' | '?' => {
                    t = tr.repeat(before, &t[1..], None, last_repeat)?;
                    is_repeat = true;
                }
                '{' => match parse_repeat(t) {
                    None => {
                        tr.literal('{');
                        t = &t[1..];
                    }
                    Some((min, max, after)) => {
                        let op = &t[..t.len() - after.len()];
                        if !(0..=MAX_REPEAT).contains(&min)
                            || max > MAX_REPEAT
                            || max >= 0 && min > max
                        {
                            return Err(go_error("invalid repeat count", op));
                        }
                        t = tr.repeat(before, after, Some((min, max)), last_repeat)?;
                        is_repeat = true;
                    }
                },
                '\\' => t = tr.escape(t)?,
                _ => {
                    tr.literal(c);
                    t = &t[c.len_utf8()..];
                }
            }
            last_repeat = is_repeat.then_some(before);
        }
        if tr.frames.len() != 1 {
            return Err(go_error("missing closing )", pattern));
        }
        Ok((tr.out, tr.names))
    }
}

impl<'a> Translator<'a> {
    fn frame(&mut self) -> &mut Frame {
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    /// Appends an item that a repetition operator can apply to.
    fn atom(&mut self, translation: &str, repeats: Vec<Repeat>) {
        self.out.push_str(translation);
        let end = self.out.len();
        let frame = self.frame();
        if let Some((reps, _)) = frame.last.take() {
            frame.repeats.extend(reps);
        }
        frame.last = Some((repeats, end));
    }

    /// A literal character, escaped so that the crate reads nothing else
    /// into it (inside or outside a class).
    fn literal(&mut self, c: char) {
        self.atom(&escape_char(c), Vec::new());
    }

    fn bar(&mut self) {
        let frame = self.frame();
        if let Some((reps, _)) = frame.last.take() {
            frame.repeats.extend(reps);
        }
        self.out.push('|');
    }

    fn open_group(&mut self, opening: &str, name: Option<&str>) {
        if opening == "(" {
            self.names.push(name.map(str::to_string));
        }
        self.out.push_str(opening);
        self.frames.push(Frame::default());
    }

    fn close_group(&mut self) -> Result<(), String> {
        if self.frames.len() < 2 {
            return Err(go_error("unexpected )", self.whole));
        }
        let Some(mut frame) = self.frames.pop() else {
            return Err(go_error("unexpected )", self.whole));
        };
        if let Some((reps, _)) = frame.last.take() {
            frame.repeats.extend(reps);
        }
        self.atom(")", frame.repeats);
        Ok(())
    }

    /// Go's `repeat`: `before` is the pattern from the operator on, `after`
    /// what follows the operator; a following `?` makes it non-greedy.
    fn repeat(
        &mut self,
        before: &'a str,
        after: &'a str,
        counts: Option<(i64, i64)>,
        last_repeat: Option<&str>,
    ) -> Result<&'a str, String> {
        let after = after.strip_prefix('?').unwrap_or(after);
        if let Some(last) = last_repeat {
            return Err(go_error(
                "invalid nested repetition operator",
                &last[..last.len() - after.len()],
            ));
        }
        let op = &before[..before.len() - after.len()];
        let frame = self.frame();
        let Some((inner, end)) = frame.last.take() else {
            return Err(go_error("missing argument to repetition operator", op));
        };
        let repeats = match counts {
            Some((min, max)) => {
                let rep = Repeat { min, max, inner };
                if (min >= 2 || max >= 2) && !repeat_is_valid(&rep, MAX_REPEAT) {
                    return Err(go_error("invalid repeat count", op));
                }
                vec![rep]
            }
            None => inner,
        };
        // Flag groups (`a(?i)*`) push nothing in Go, so the operator applies
        // to the item before them: it goes right after that item here.
        self.out.insert_str(end, op);
        self.frame().last = Some((repeats, end + op.len()));
        Ok(after)
    }

    /// Go's `parsePerlFlags`: named groups, non-capturing groups and flags.
    fn perl_flags(&mut self, s: &'a str) -> Result<&'a str, String> {
        let bytes = s.as_bytes();
        let starts_with_p = bytes.len() > 4 && bytes[2] == b'P' && bytes[3] == b'<';
        let starts_with_name = bytes.len() > 3 && bytes[2] == b'<';
        if starts_with_p || starts_with_name {
            let name_start = if starts_with_p { 4 } else { 3 };
            let Some(end) = s.find('>') else {
                return Err(go_error("invalid named capture", s));
            };
            let name = &s[name_start..end];
            if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
                return Err(go_error("invalid named capture", &s[..=end]));
            }
            self.open_group("(", Some(name));
            return Ok(&s[end + 1..]);
        }

        // i, m, s, U: Some(true) when set, Some(false) when cleared.
        let mut flags: [(char, Option<bool>); 4] =
            [('i', None), ('m', None), ('s', None), ('U', None)];
        let mut t = &s[2..];
        let mut negated = false;
        let mut saw_flag = false;
        while let Some(c) = t.chars().next() {
            t = &t[c.len_utf8()..];
            match c {
                'i' | 'm' | 's' | 'U' => {
                    for flag in flags.iter_mut().filter(|(f, _)| *f == c) {
                        flag.1 = Some(!negated);
                    }
                    saw_flag = true;
                }
                '-' if !negated => {
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' if !negated || saw_flag => {
                    let on: String = flags
                        .iter()
                        .filter(|f| f.1 == Some(true))
                        .map(|f| f.0)
                        .collect();
                    let off: String = flags
                        .iter()
                        .filter(|f| f.1 == Some(false))
                        .map(|f| f.0)
                        .collect();
                    let mut spec = on;
                    if !off.is_empty() {
                        spec.push('-');
                        spec.push_str(&off);
                    }
                    if c == ':' {
                        self.open_group(&format!("(?{spec}:"), None);
                    } else if !spec.is_empty() {
                        self.out.push_str(&format!("(?{spec})"));
                    }
                    return Ok(t);
                }
                _ => break,
            }
        }
        Err(go_error(
            "invalid or unsupported Perl syntax",
            &s[..s.len() - t.len()],
        ))
    }

    /// A backslash outside a class.
    fn escape(&mut self, t: &'a str) -> Result<&'a str, String> {
        match t.as_bytes().get(1) {
            Some(b'A') => {
                self.atom(r"\A", Vec::new());
                return Ok(&t[2..]);
            }
            Some(b'z') => {
                self.atom(r"\z", Vec::new());
                return Ok(&t[2..]);
            }
            // Go's word boundaries know only ASCII word characters.
            Some(b'b') => {
                self.atom(r"(?-u:\b)", Vec::new());
                return Ok(&t[2..]);
            }
            Some(b'B') => {
                self.atom(r"(?-u:\B)", Vec::new());
                return Ok(&t[2..]);
            }
            Some(b'C') => return Err(go_error("invalid escape sequence", &t[..2])),
            Some(b'Q') => {
                let body = &t[2..];
                let (lit, rest) = match body.find(r"\E") {
                    Some(i) => (&body[..i], &body[i + 2..]),
                    None => (body, ""),
                };
                for c in lit.chars() {
                    self.literal(c);
                }
                return Ok(rest);
            }
            _ => {}
        }
        if let Some((class, rest)) = unicode_class(t)? {
            self.atom(&class, Vec::new());
            return Ok(rest);
        }
        if let Some((inside, negated)) = perl_class(t) {
            let caret = if negated { "^" } else { "" };
            self.atom(&format!("[{caret}{inside}]"), Vec::new());
            return Ok(&t[2..]);
        }
        let (c, rest) = parse_escape(t)?;
        match c {
            Some(c) => self.literal(c),
            // A surrogate code point: Go accepts it, and it matches nothing.
            None => self.atom(NOTHING, Vec::new()),
        }
        Ok(rest)
    }

    /// Go's `parseClass`: `[...]` at the start of `s`.
    fn class(&mut self, s: &'a str) -> Result<&'a str, String> {
        let mut t = &s[1..];
        let mut out = String::from("[");
        if let Some(rest) = t.strip_prefix('^') {
            out.push('^');
            t = rest;
        }
        let mut first = true;
        while t.is_empty() || !t.starts_with(']') || first {
            first = false;
            if t.len() > 2
                && t.starts_with("[:")
                && let Some((name, rest)) = posix_class(t)?
            {
                out.push_str(name);
                t = rest;
                continue;
            }
            if let Some((class, rest)) = unicode_class(t)? {
                out.push_str(&class);
                t = rest;
                continue;
            }
            if let Some((inside, negated)) = perl_class(t) {
                if negated {
                    out.push_str(&format!("[^{inside}]"));
                } else {
                    out.push_str(inside);
                }
                t = &t[2..];
                continue;
            }
            let range = t;
            let (lo, rest) = class_char(t, s)?;
            t = rest;
            let mut hi = lo;
            if t.len() >= 2 && t.starts_with('-') && !t[1..].starts_with(']') {
                let (h, rest) = class_char(&t[1..], s)?;
                t = rest;
                hi = h;
                if hi < lo {
                    return Err(go_error(
                        "invalid character class range",
                        &range[..range.len() - t.len()],
                    ));
                }
            }
            push_range(&mut out, lo, hi);
        }
        out.push(']');
        self.atom(&out, Vec::new());
        Ok(&t[1..])
    }
}

/// A class that matches nothing, for code points no UTF-8 text contains.
const NOTHING: &str = r"[^\x{0}-\x{10FFFF}]";

/// A character as the crate reads it literally in or out of a class: ASCII
/// letters, digits and all non-ASCII characters as themselves, the rest as a
/// hex escape.
fn escape_char(c: char) -> String {
    if c.is_ascii_alphanumeric() || !c.is_ascii() {
        c.to_string()
    } else {
        format!(r"\x{{{:X}}}", c as u32)
    }
}

/// Appends the range `lo-hi` (code points, possibly surrogates) to a class.
fn push_range(out: &mut String, lo: u32, hi: u32) {
    // Surrogates are no characters: keep the rest of the range.
    let lo = if (0xD800..=0xDFFF).contains(&lo) {
        0xE000
    } else {
        lo
    };
    let hi = if (0xD800..=0xDFFF).contains(&hi) {
        0xD7FF
    } else {
        hi
    };
    let (Some(lo_c), Some(hi_c)) = (char::from_u32(lo), char::from_u32(hi)) else {
        return;
    };
    if lo > hi {
        // Nothing left (a range of surrogates only): a class item that
        // matches nothing keeps the class well-formed.
        out.push_str(NOTHING);
        return;
    }
    if lo == hi {
        out.push_str(&escape_char(lo_c));
    } else {
        out.push_str(&format!("{}-{}", escape_char(lo_c), escape_char(hi_c)));
    }
}

/// Go's `parseClassChar`: a character or escape inside a class, as a code
/// point (surrogates included).
fn class_char<'a>(t: &'a str, whole_class: &str) -> Result<(u32, &'a str), String> {
    let Some(c) = t.chars().next() else {
        return Err(go_error("missing closing ]", whole_class));
    };
    if c == '\\' {
        let (code, rest) = parse_escape_code(t)?;
        return Ok((code, rest));
    }
    Ok((c as u32, &t[c.len_utf8()..]))
}

/// Go's Perl class escapes `\d \D \s \S \w \W`: the inside of the class and
/// whether it is negated.
fn perl_class(t: &str) -> Option<(&'static str, bool)> {
    let b = *t.as_bytes().get(1)?;
    if !t.starts_with('\\') {
        return None;
    }
    let name = char::from(b.to_ascii_lowercase()).to_string();
    let (_, inside) = PERL_CLASSES.iter().find(|(n, _)| *n == name)?;
    Some((inside, b.is_ascii_uppercase()))
}

/// Go's `parseNamedClass`: `[:name:]` or `[:^name:]` at the start of `t`, with
/// the rest after it; `None` when `t` has no `:]` at all.
fn posix_class(t: &str) -> Result<Option<(&str, &str)>, String> {
    let Some(i) = t[2..].find(":]") else {
        return Ok(None);
    };
    let end = i + 4;
    let name = &t[..end];
    let bare = name[2..end - 2]
        .strip_prefix('^')
        .unwrap_or(&name[2..end - 2]);
    if !POSIX_CLASSES.contains(&bare) {
        return Err(go_error("invalid character class range", name));
    }
    Ok(Some((name, &t[end..])))
}

/// Go's `parseUnicodeClass`: `\pL`, `\p{Name}`, `\PL`, `\p{^Name}` at the start
/// of `t`, as the crate's syntax, with the rest after it.
fn unicode_class(t: &str) -> Result<Option<(String, &str)>, String> {
    let negated = match t.as_bytes() {
        [b'\\', b'p', ..] => false,
        [b'\\', b'P', ..] => true,
        _ => return Ok(None),
    };
    let after = &t[2..];
    let (seq, name, rest) = match after.chars().next() {
        Some('{') => {
            let Some(end) = t.find('}') else {
                return Err(go_error("invalid character class range", t));
            };
            (&t[..=end], &t[3..end], &t[end + 1..])
        }
        Some(c) => {
            let len = 2 + c.len_utf8();
            (&t[..len], &t[2..len], &t[len..])
        }
        None => (t, "", ""),
    };
    let (negated, name) = match name.strip_prefix('^') {
        Some(name) => (!negated, name),
        None => (negated, name),
    };
    if !is_go_unicode_class(name) {
        return Err(go_error("invalid character class range", seq));
    }
    let p = if negated { 'P' } else { 'p' };
    Ok(Some((format!(r"\{p}{{{name}}}"), rest)))
}

/// Whether Go's `unicodeTable` knows the name: a general category, a script,
/// a category's long name, `Any`, `Assigned` or `ASCII`, matched ignoring
/// case (after the first letter), spaces, `_` and `-`.
fn is_go_unicode_class(name: &str) -> bool {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_- ".contains(c))
    {
        return false;
    }
    let canonical: String = name
        .chars()
        .filter(|c| !"_- ".contains(*c))
        .collect::<String>()
        .to_ascii_lowercase();
    if ["any", "assigned", "ascii"].contains(&canonical.as_str()) {
        return true;
    }
    let known = |query: String| regex::Regex::new(&query).is_ok();
    known(format!(r"\p{{gc={name}}}")) || known(format!(r"\p{{sc={name}}}"))
}

/// Go's `parseRepeat`: `{min}`, `{min,}` or `{min,max}` at the start of `s`
/// (max -1 when open, min -1 when a number is too big), with the rest.
fn parse_repeat(s: &str) -> Option<(i64, i64, &str)> {
    let s = s.strip_prefix('{')?;
    let (mut min, s) = parse_int(s)?;
    let (max, s) = match s.strip_prefix(',') {
        None => (min, s),
        Some(s) if s.starts_with('}') => (-1, s),
        Some(s) => {
            let (max, s) = parse_int(s)?;
            if max < 0 {
                min = -1;
            }
            (max, s)
        }
    };
    let rest = s.strip_prefix('}')?;
    Some((min, max, rest))
}

/// Go's `parseInt` for repeat counts: no leading zeros, -1 when too big.
fn parse_int(s: &str) -> Option<(i64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits >= 2 && s.starts_with('0') {
        return None;
    }
    let mut n: i64 = 0;
    for b in s[..digits].bytes() {
        if n >= 100_000_000 {
            n = -1;
            break;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    Some((n, &s[digits..]))
}

/// Go's `parseEscape` outside a class: the character, or `None` for a
/// surrogate code point.
fn parse_escape(t: &str) -> Result<(Option<char>, &str), String> {
    let (code, rest) = parse_escape_code(t)?;
    Ok((char::from_u32(code), rest))
}

/// Go's `parseEscape`: `\` followed by punctuation, an octal or hex code,
/// or one of `\a \f \n \r \t \v`; anything else is an invalid escape.
fn parse_escape_code(s: &str) -> Result<(u32, &str), String> {
    let t = &s[1..];
    let Some(c) = t.chars().next() else {
        return Err(go_error("trailing backslash at end of expression", ""));
    };
    let mut t = &t[c.len_utf8()..];
    let invalid = |t: &str| Err(go_error("invalid escape sequence", &s[..s.len() - t.len()]));
    let octal = |b: Option<&u8>| matches!(b, Some(b'0'..=b'7'));
    match c {
        '1'..='7' if !octal(t.as_bytes().first()) => invalid(t),
        '0'..='7' => {
            let mut r = c as u32 - '0' as u32;
            for _ in 1..3 {
                let Some(&b) = t.as_bytes().first().filter(|b| octal(Some(b))) else {
                    break;
                };
                r = r * 8 + u32::from(b - b'0');
                t = &t[1..];
            }
            Ok((r, t))
        }
        'x' => {
            let Some(c) = t.chars().next() else {
                return invalid(t);
            };
            t = &t[c.len_utf8()..];
            if c == '{' {
                let mut r: u32 = 0;
                let mut digits = 0;
                loop {
                    let Some(c) = t.chars().next() else {
                        return invalid(t);
                    };
                    t = &t[c.len_utf8()..];
                    if c == '}' {
                        break;
                    }
                    let Some(v) = c.to_digit(16) else {
                        return invalid(t);
                    };
                    r = r * 16 + v;
                    if r > 0x10FFFF {
                        return invalid(t);
                    }
                    digits += 1;
                }
                if digits == 0 {
                    return invalid(t);
                }
                return Ok((r, t));
            }
            let Some(y) = t.chars().next() else {
                return invalid(t);
            };
            t = &t[y.len_utf8()..];
            match (c.to_digit(16), y.to_digit(16)) {
                (Some(x), Some(y)) => Ok((x * 16 + y, t)),
                _ => invalid(t),
            }
        }
        'a' => Ok((0x07, t)),
        'f' => Ok((0x0C, t)),
        'n' => Ok((0x0A, t)),
        'r' => Ok((0x0D, t)),
        't' => Ok((0x09, t)),
        'v' => Ok((0x0B, t)),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((c as u32, t)),
        _ => invalid(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Patterns made of regex syntax soup must give a matcher or Go's error,
    /// never a panic or a translation the crate rejects without a Go error.
    #[test]
    fn arbitrary_patterns_never_panic() {
        let pieces = [
            "(", ")", "(?", "(?P<", "(?<", ">", "[", "]", "[^", "[:", ":]", "alpha", "^", "$", "|",
            "*", "+", "?", "{", "}", "{2", ",", "3}", "\\", "\\d", "\\W", "\\b", "\\Q", "\\E",
            "\\p", "\\p{", "Greek", "\\x{", "41", "\\0", "\\7", "-", "a", "é", "日", "i", "s:",
            "U", "1001", ".", "\\z", "$1", "_",
        ];
        // A fixed linear congruential sequence keeps the test deterministic.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % bound
        };
        for _ in 0..20_000 {
            let len = next(8) + 1;
            let pattern: String = (0..len).map(|_| pieces[next(pieces.len())]).collect();
            match compile_uncached(&pattern) {
                Ok(re) => {
                    let _ = re.replace_all("ab日本 aé1", "<$1>");
                    let _ = re.split("ab日本 aé1", -1);
                }
                Err(err) => assert!(
                    err.starts_with("error parsing regexp: "),
                    "{pattern}: {err}"
                ),
            }
        }
    }

    #[test]
    fn go_syntax_is_translated() {
        let translate = |p: &str| Translator::run(p).map(|(out, _)| out);
        assert_eq!(translate(r"\d").unwrap(), "[0-9]");
        assert_eq!(translate(r"a{,2}").unwrap(), r"a\x{7B}\x{2C}2\x{7D}");
        assert_eq!(translate(r"(?ii)a").unwrap(), "(?i)a");
        assert_eq!(translate(r"a(?i)*").unwrap(), "a*(?i)");
        assert!(translate(r"a**").is_err());
        let names = Translator::run(r"(?P<1a>x)(y)").unwrap().1;
        assert_eq!(names, vec![None, Some("1a".to_string()), None]);
    }

    #[test]
    fn compile_errors_read_like_go() {
        assert_eq!(
            compile("[a").err().unwrap(),
            "error parsing regexp: missing closing ]: `[a`"
        );
        assert_eq!(
            compile("a)").err().unwrap(),
            "error parsing regexp: unexpected ): `a)`"
        );
        assert_eq!(
            compile("x{1001}").err().unwrap(),
            "error parsing regexp: invalid repeat count: `{1001}`"
        );
    }
}
