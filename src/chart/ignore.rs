//! `.helmignore` rules, as Helm's `pkg/ignore` reads and applies them.
//!
//! Owns parsing a rules file (comments, blank lines, `!` negation, trailing
//! `/` for directories, leading `/` for root-anchored rules, `**` refused),
//! Go's `filepath.Match` glob semantics, Helm's default rule that hides dot
//! files directly under `templates/`, and Helm's errors for bad rules. It
//! decides about one path at a time; walking a directory is `dir.rs`'s job.
//!
//! Helm's quirks are kept on purpose, since charts are written against them:
//! rules are tried in order and the first decisive one wins, and a negated
//! rule ignores every path it does *not* match while what it does match goes
//! on to the next rule (so `!keep.txt` alone ignores everything but files
//! named `keep.txt`, and does not protect them from a later `*.txt`).

/// The name of the rules file at a chart's root.
pub const HELMIGNORE: &str = ".helmignore";

/// The longest line Helm reads from a rules file: Go's `bufio.Scanner` gives up
/// on a line of this many bytes or more (`bufio.MaxScanTokenSize`).
pub const MAX_LINE_LENGTH: usize = 64 * 1024;

/// Helm's default rule: dot files and dot directories directly in `templates/`.
const DEFAULT_RULE: &[u8] = b"templates/.?*";

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// An ordered set of ignore rules.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The glob, without its `!`, leading `/` or trailing `/`.
    glob: Vec<u8>,
    scope: Scope,
    negate: bool,
    must_be_dir: bool,
}

/// What part of a path a rule's glob is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// A rule without `/`: the path's last element only.
    BaseName,
    /// A rule with `/` inside, or anchored with a leading `/`: the whole path.
    WholePath,
}

/// A rules file Helm would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IgnoreError {
    #[error("line {line}: double-star (**) syntax is not supported (rule {rule:?})")]
    DoubleStar { line: usize, rule: String },
    #[error("line {line}: syntax error in pattern {rule:?}")]
    BadPattern { line: usize, rule: String },
    #[error(
        "line {line}: bufio.Scanner: token too long (lines must be shorter than {MAX_LINE_LENGTH} bytes)"
    )]
    LineTooLong { line: usize },
}

impl Rules {
    /// Rules that ignore nothing.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses a rules file's bytes, one rule per line.
    pub fn parse(text: &[u8]) -> Result<Self, IgnoreError> {
        let mut rules = Self::empty();
        for (index, line) in scan_lines(text).enumerate() {
            let number = index + 1;
            let line = line.map_err(|()| IgnoreError::LineTooLong { line: number })?;
            let line = if index == 0 {
                line.strip_prefix(UTF8_BOM).unwrap_or(line)
            } else {
                line
            };
            rules.add_rule(line, number)?;
        }
        Ok(rules)
    }

    /// Appends Helm's default rules (after the file's own, as Helm does).
    pub fn add_defaults(&mut self) {
        // The default rule is well formed; the line number is never shown.
        let _ = self.add_rule(DEFAULT_RULE, 0);
    }

    /// Whether `path` (relative to the chart root, `/`-separated) is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            if p.negate {
                if p.must_be_dir && !is_dir {
                    return true;
                }
                if !p.matches(path) {
                    return true;
                }
                continue;
            }
            if p.must_be_dir && !is_dir {
                continue;
            }
            if p.matches(path) {
                return true;
            }
        }
        false
    }

    fn add_rule(&mut self, line: &[u8], number: usize) -> Result<(), IgnoreError> {
        let rule = trim_space(line);
        if rule.is_empty() || rule.starts_with(b"#") {
            return Ok(());
        }
        let shown = || String::from_utf8_lossy(rule).into_owned();
        if rule.windows(2).any(|w| w == b"**") {
            return Err(IgnoreError::DoubleStar {
                line: number,
                rule: shown(),
            });
        }
        // Helm checks the raw rule (with its `!` and slashes) against a
        // non-empty name, which reports any malformed part of the pattern.
        if glob_match(rule, b"abc").is_err() {
            return Err(IgnoreError::BadPattern {
                line: number,
                rule: shown(),
            });
        }
        let (negate, rest) = match rule.strip_prefix(b"!") {
            Some(rest) => (true, rest),
            None => (false, rule),
        };
        let (must_be_dir, rest) = match rest.strip_suffix(b"/") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let (scope, glob) = if let Some(anchored) = rest.strip_prefix(b"/") {
            (Scope::WholePath, anchored)
        } else if rest.contains(&b'/') {
            (Scope::WholePath, rest)
        } else {
            (Scope::BaseName, rest)
        };
        self.patterns.push(Pattern {
            glob: glob.to_vec(),
            scope,
            negate,
            must_be_dir,
        });
        Ok(())
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        let subject = match self.scope {
            Scope::WholePath => path,
            Scope::BaseName => base_name(path),
        };
        // A pattern that became malformed once stripped of `!` or `/` never
        // matches (Helm logs and moves on).
        glob_match(&self.glob, subject.as_bytes()).unwrap_or(false)
    }
}

/// Go's `filepath.Base` for the relative, slash-separated names seen here.
fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// Splits like Go's `bufio.ScanLines`: on `\n`, dropping one trailing `\r`,
/// with a final unterminated line kept; a line too long for Go's scanner is
/// an error.
fn scan_lines(text: &[u8]) -> impl Iterator<Item = Result<&[u8], ()>> {
    let mut rest = Some(text).filter(|t| !t.is_empty());
    std::iter::from_fn(move || {
        let current = rest?;
        let (line, next) = match memchr::memchr(b'\n', current) {
            Some(i) => (
                &current[..i],
                Some(&current[i + 1..]).filter(|t| !t.is_empty()),
            ),
            None => (current, None),
        };
        if line.len() >= MAX_LINE_LENGTH {
            rest = None;
            return Some(Err(()));
        }
        rest = next;
        Some(Ok(line.strip_suffix(b"\r").unwrap_or(line)))
    })
}

/// Go's `strings.TrimSpace` on bytes that may not be valid UTF-8: Unicode
/// white space is trimmed from both ends, stopping at any invalid byte.
fn trim_space(mut b: &[u8]) -> &[u8] {
    while let Some((c, len)) = first_char(b) {
        if !c.is_whitespace() {
            break;
        }
        b = &b[len..];
    }
    while let Some((c, len)) = last_char(b) {
        if !c.is_whitespace() {
            break;
        }
        b = &b[..b.len() - len];
    }
    b
}

fn first_char(b: &[u8]) -> Option<(char, usize)> {
    let valid = b.utf8_chunks().next()?.valid();
    valid.chars().next().map(|c| (c, c.len_utf8()))
}

fn last_char(b: &[u8]) -> Option<(char, usize)> {
    (1..=b.len().min(4)).find_map(|len| {
        let s = std::str::from_utf8(&b[b.len() - len..]).ok()?;
        let mut chars = s.chars();
        let c = chars.next()?;
        chars.next().is_none().then_some((c, len))
    })
}

/// The pattern is malformed (Go's `filepath.ErrBadPattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BadPattern;

/// Go's `filepath.Match` on Unix: `*` and `?` never cross `/`, `[...]` classes
/// with ranges and `^`, `\` escapes; the whole of `name` must match. A
/// malformed pattern is an error even where the match already failed.
fn glob_match(pattern: &[u8], name: &[u8]) -> Result<bool, BadPattern> {
    let mut pattern = pattern;
    let mut name = name;
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing star matches the rest of the name unless it has a `/`.
            return Ok(!name.contains(&b'/'));
        }
        match match_chunk(chunk, name)? {
            Some(t) if t.is_empty() || !pattern.is_empty() => {
                name = t;
                continue;
            }
            _ => {}
        }
        if star {
            // Let the star swallow more of the name, never a `/`.
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                if let Some(t) = match_chunk(chunk, &name[i + 1..])? {
                    // The last chunk must use up the name.
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        // No match: still report a malformed remainder, as Go does.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Splits off the next run of non-star pattern, with whether stars led it.
fn scan_chunk(pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let star_count = pattern.iter().take_while(|&&b| b == b'*').count();
    let pattern = &pattern[star_count..];
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star_count > 0, &pattern[..i], &pattern[i..])
}

/// Matches one chunk at the start of `s`, returning what is left of `s`. The
/// whole chunk is always scanned so a malformed class is reported.
fn match_chunk<'s>(chunk: &[u8], s: &'s [u8]) -> Result<Option<&'s [u8]>, BadPattern> {
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        failed |= s.is_empty();
        match c {
            b'[' => {
                let mut r = 0;
                if !failed {
                    let (rr, n) = decode_rune(s);
                    r = rr;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = class_char(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        let (h, rest) = class_char(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    matched |= lo <= r && r <= hi;
                    ranges += 1;
                }
                failed |= matched == negated;
            }
            b'?' => {
                if !failed {
                    failed = s[0] == b'/';
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return Err(BadPattern);
                    }
                }
                if !failed {
                    failed = chunk[0] != s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    Ok((!failed).then_some(s))
}

/// One possibly escaped character of a class; the class must go on after it.
fn class_char(chunk: &[u8]) -> Result<(u32, &[u8]), BadPattern> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return Err(BadPattern),
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(BadPattern);
            }
        }
        Some(_) => {}
    }
    let (r, n) = decode_rune(chunk);
    let rest = &chunk[n..];
    if (r == REPLACEMENT && n == 1) || rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((r, rest))
}

const REPLACEMENT: u32 = char::REPLACEMENT_CHARACTER as u32;

/// Go's `utf8.DecodeRune`: an invalid or empty sequence is U+FFFD of width 1
/// (0 for empty input).
fn decode_rune(s: &[u8]) -> (u32, usize) {
    if s.is_empty() {
        return (REPLACEMENT, 0);
    }
    match first_char(&s[..s.len().min(4)]) {
        Some((c, len)) => (c as u32, len),
        None => (REPLACEMENT, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Rules {
        Rules::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn go_filepath_match() {
        // Cases from Go's documented semantics of filepath.Match.
        let cases: &[(&str, &str, Result<bool, BadPattern>)] = &[
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^b-d]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("a[^a][^a][^a]b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("a*b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "x", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("[\\-x]", "x", Ok(true)),
            ("[\\-x]", "-", Ok(true)),
            ("[\\-x]", "a", Ok(false)),
            ("[]a]", "]", Err(BadPattern)),
            ("[-]", "-", Err(BadPattern)),
            ("[x-]", "x", Err(BadPattern)),
            ("[x-]", "-", Err(BadPattern)),
            ("[x-]", "z", Err(BadPattern)),
            ("[-x]", "x", Err(BadPattern)),
            ("[-x]", "-", Err(BadPattern)),
            ("[-x]", "a", Err(BadPattern)),
            ("\\", "a", Err(BadPattern)),
            ("[a-b-c]", "a", Err(BadPattern)),
            ("[", "a", Err(BadPattern)),
            ("[^", "a", Err(BadPattern)),
            ("[^bc", "a", Err(BadPattern)),
            ("a[", "a", Err(BadPattern)),
            ("a[", "ab", Err(BadPattern)),
            ("a[", "x", Err(BadPattern)),
            ("a/b[", "x", Err(BadPattern)),
            ("*x", "xxx", Ok(true)),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(
                glob_match(pattern.as_bytes(), name.as_bytes()),
                *want,
                "Match({pattern:?}, {name:?})"
            );
        }
    }

    #[test]
    fn rule_forms() {
        let r = rules("# comment\n\n  *.txt  \nmydir/\n/rooted.yaml\ndocs/*.md\na[b-d].cfg\n");
        assert!(r.ignore("notes.txt", false));
        assert!(
            r.ignore("deep/in/notes.txt", false),
            "basename rules match anywhere"
        );
        assert!(r.ignore("mydir", true));
        assert!(r.ignore("sub/mydir", true));
        assert!(!r.ignore("mydir", false), "a trailing / wants a directory");
        assert!(r.ignore("rooted.yaml", false));
        assert!(
            !r.ignore("sub/rooted.yaml", false),
            "a leading / anchors at the root"
        );
        assert!(r.ignore("docs/a.md", false));
        assert!(!r.ignore("docs/sub/a.md", false), "* does not cross /");
        assert!(!r.ignore("x/docs/a.md", false));
        assert!(r.ignore("ac.cfg", false));
        assert!(!r.ignore("ae.cfg", false));
        assert!(!r.ignore("# comment", false));
        assert!(!r.ignore("values.yaml", false));
    }

    #[test]
    fn negation_is_helms() {
        // A negated rule ignores what it does not match, and hands what it
        // does match on to the next rules.
        let r = rules("!keep.txt\n");
        assert!(!r.ignore("keep.txt", false));
        assert!(r.ignore("other.txt", false));
        assert!(r.ignore("values.yaml", false));

        let r = rules("!keep.txt\n*.txt\n");
        assert!(
            r.ignore("keep.txt", false),
            "matched, so the next rule decides"
        );

        let r = rules("*.txt\n!keep.txt\n");
        assert!(r.ignore("keep.txt", false), "the first decisive rule wins");
        assert!(r.ignore("values.yaml", false));

        let r = rules("!templates/\n");
        assert!(
            r.ignore("values.yaml", false),
            "a negated directory rule ignores files"
        );
        assert!(!r.ignore("templates", true));
        assert!(r.ignore("charts", true));
    }

    #[test]
    fn default_rule_hides_dot_files_in_templates() {
        let mut r = Rules::empty();
        r.add_defaults();
        assert!(r.ignore("templates/.hidden", false));
        assert!(r.ignore("templates/.git", true));
        assert!(!r.ignore("templates/a.yaml", false));
        assert!(!r.ignore("templates/sub/.hidden", false));
        assert!(!r.ignore(".hidden", false));
        assert!(!r.ignore("templates/.", false));
    }

    #[test]
    fn never_ignores_the_root() {
        let r = rules("*\n");
        assert!(!r.ignore("", true));
        assert!(!r.ignore(".", true));
        assert!(!r.ignore("./", true));
        assert!(r.ignore("a", false));
    }

    #[test]
    fn helms_errors() {
        let err = Rules::parse(b"ok\nfoo/**/bar\n").unwrap_err();
        assert_eq!(
            err,
            IgnoreError::DoubleStar {
                line: 2,
                rule: "foo/**/bar".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "line 2: double-star (**) syntax is not supported (rule \"foo/**/bar\")"
        );
        let err = Rules::parse(b"[\n").unwrap_err();
        assert_eq!(err.to_string(), "line 1: syntax error in pattern \"[\"");
        assert!(Rules::parse(b"a\\").is_err());
        assert!(Rules::parse(b"!a[").is_err());
        // Malformed only once stripped of its `/`: accepted, never matches.
        let r = rules("x\\/\n");
        assert!(!r.ignore("x\\", true));
        assert!(!r.ignore("x", true));
    }

    #[test]
    fn lines_like_bufio_scanner() {
        let r = rules("\u{feff}*.bak\r\nfoo\u{a0}\n\t bar \t");
        assert!(r.ignore("x.bak", false), "BOM and CR dropped");
        assert!(r.ignore("foo", false), "Unicode space trimmed");
        assert!(r.ignore("bar", false), "last line without newline");
        // A BOM is only special on the first line.
        let r = rules("a\n\u{feff}b\n");
        assert!(!r.ignore("b", false));
        // Invalid UTF-8 is kept byte for byte.
        let r = Rules::parse(b"x\xff\n").unwrap();
        assert!(!r.ignore("x", false));
    }

    #[test]
    fn line_length_limit() {
        let at = "a".repeat(MAX_LINE_LENGTH - 1);
        assert!(Rules::parse(format!("{at}\n").as_bytes()).is_ok());
        assert!(Rules::parse(at.as_bytes()).is_ok());
        let past = "a".repeat(MAX_LINE_LENGTH);
        let err = Rules::parse(format!("x\n{past}\n").as_bytes()).unwrap_err();
        assert_eq!(err, IgnoreError::LineTooLong { line: 2 });
        assert!(Rules::parse(past.as_bytes()).is_err());
    }
}
