//! The glob patterns of `.Files.Glob`: gobwas/glob v0.2.3, the library Helm
//! compiles them with, with `/` as the only separator.
//!
//! Owns the pattern syntax as that library reads it, quirks included, because
//! a quirk decides which files a chart sees: `*` and `?` stop at `/` while
//! `**` does not; `[...]` is either one `lo-hi` range or a list of characters
//! (`[a-zA-Z]` is a syntax error); an unclosed `{` is accepted; `\` escapes.
//! A pattern the library rejects is an error here too, and `.Files.Glob` then
//! matches every file, as Helm falls back to `**`. Matching runs on a regular
//! expression built from the parsed pattern, so it takes linear time whatever
//! the pattern.
//!
//! The matching is the pattern's meaning, which is what the library's
//! compiled matchers give for the patterns charts use (checked against Helm
//! with realistic patterns and 800 random ones). Where the library's
//! optimised matchers are wrong, this is not: a `?` or class that meets a
//! multi-byte character inside a fixed-length run (`data/?.json` never matches
//! `data/ü.json` in Helm), `b***` not matching `b`, an alternative holding a
//! `*` followed by more pattern (`{a*,?b}?`), and empty or unclosed trailing
//! braces (`x{}`, `a{`), with which the library may even panic.

use regex::Regex;

/// The one path separator Helm gives the library.
const SEPARATOR: char = '/';

/// A compiled pattern.
#[derive(Debug)]
pub struct Glob(Regex);

/// Why the library would reject a pattern (its own words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GlobError(String);

impl Glob {
    pub fn compile(pattern: &str) -> Result<Glob, GlobError> {
        let tokens = lex(pattern)?;
        let regex = to_regex(&tokens)?;
        Regex::new(&regex)
            .map(Glob)
            .map_err(|e| GlobError(e.to_string()))
    }

    pub fn is_match(&self, name: &str) -> bool {
        self.0.is_match(name)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Text(String),
    /// `*`
    Any,
    /// `**`
    Super,
    /// `?`
    Single,
    RangeOpen,
    Not,
    RangeLo(char),
    RangeHi(char),
    RangeClose,
    /// `{`
    TermsOpen,
    /// `,` inside braces
    Separator,
    /// `}` inside braces
    TermsClose,
}

/// The library's lexer. A character it cannot read (it takes U+FFFD for a
/// decoding failure) and an unfinished `[...]` are errors.
fn lex(pattern: &str) -> Result<Vec<Token>, GlobError> {
    if pattern.contains(char::REPLACEMENT_CHARACTER) {
        return Err(GlobError("could not read rune".into()));
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut terms_level = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '{' => {
                terms_level += 1;
                tokens.push(Token::TermsOpen);
            }
            ',' if terms_level > 0 => tokens.push(Token::Separator),
            '}' if terms_level > 0 => {
                terms_level -= 1;
                tokens.push(Token::TermsClose);
            }
            '[' => {
                tokens.push(Token::RangeOpen);
                i = lex_range(&chars, i, &mut tokens)?;
            }
            '?' => tokens.push(Token::Single),
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                tokens.push(Token::Super);
            }
            '*' => tokens.push(Token::Any),
            _ => {
                let in_terms = terms_level > 0;
                let breaks = |c: char| {
                    matches!(c, '?' | '*' | '[' | '{') || (in_terms && matches!(c, '}' | ','))
                };
                let (text, next) = lex_text(&chars, i - 1, breaks);
                i = next;
                if !text.is_empty() {
                    tokens.push(Token::Text(text));
                }
            }
        }
    }
    Ok(tokens)
}

/// Reads the inside of `[...]` from `i` (just past the `[`): an optional `!`,
/// then either `lo-hi` or a list of characters, then `]`.
fn lex_range(chars: &[char], mut i: usize, tokens: &mut Vec<Token>) -> Result<usize, GlobError> {
    let unexpected_end = || GlobError("unexpected end of input".into());
    let mut seen_not = false;
    loop {
        let c = *chars.get(i).ok_or_else(unexpected_end)?;
        if !seen_not && c == '!' {
            tokens.push(Token::Not);
            seen_not = true;
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'-') {
            let hi = *chars.get(i + 2).ok_or_else(unexpected_end)?;
            tokens.push(Token::RangeLo(c));
            tokens.push(Token::RangeHi(hi));
            i += 3;
        } else {
            let (text, next) = lex_text(chars, i, |c| c == ']');
            if !text.is_empty() {
                tokens.push(Token::Text(text));
            }
            i = next;
        }
        return match chars.get(i) {
            None => Err(unexpected_end()),
            Some(']') => {
                tokens.push(Token::RangeClose);
                Ok(i + 1)
            }
            Some(_) => Err(GlobError("expected close range character".into())),
        };
    }
}

/// Literal text from `i` up to an unescaped breaking character; `\` escapes the
/// character after it, and a `\` at the very end is dropped.
fn lex_text(chars: &[char], mut i: usize, breaks: impl Fn(char) -> bool) -> (String, usize) {
    let mut text = String::new();
    let mut escaped = false;
    while let Some(&c) = chars.get(i) {
        if !escaped {
            if c == '\\' {
                escaped = true;
                i += 1;
                continue;
            }
            if breaks(c) {
                break;
            }
        }
        escaped = false;
        text.push(c);
        i += 1;
    }
    (text, i)
}

/// The library's parser, writing the regular expression as it goes. Braces
/// left open at the end are closed, as the library's tree simply ends there.
fn to_regex(tokens: &[Token]) -> Result<String, GlobError> {
    let sep = regex::escape(&SEPARATOR.to_string());
    let mut out = String::from("^(?:");
    let mut open_terms = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Text(text) => out.push_str(&regex::escape(text)),
            Token::Any => out.push_str(&format!("[^{sep}]*")),
            Token::Super => out.push_str("(?s:.*)"),
            Token::Single => out.push_str(&format!("[^{sep}]")),
            Token::TermsOpen => {
                open_terms += 1;
                out.push_str("(?:");
            }
            Token::Separator => out.push('|'),
            Token::TermsClose => {
                open_terms -= 1;
                out.push(')');
            }
            Token::RangeOpen => {
                let (class, next) = range_class(tokens, i + 1)?;
                out.push_str(&class);
                i = next;
                continue;
            }
            other => return Err(GlobError(format!("unexpected token: {other:?}"))),
        }
        i += 1;
    }
    out.push_str(&")".repeat(open_terms));
    out.push_str(")$");
    Ok(out)
}

/// One `[...]` as a character class, from the tokens after `RangeOpen`.
fn range_class(tokens: &[Token], mut i: usize) -> Result<(String, usize), GlobError> {
    let mut not = false;
    let mut range: Option<(char, char)> = None;
    let mut list = String::new();
    loop {
        match tokens.get(i) {
            None => return Err(GlobError("unexpected end".into())),
            Some(Token::Not) => not = true,
            Some(Token::RangeLo(lo)) => range = Some((*lo, *lo)),
            Some(Token::RangeHi(hi)) => {
                let lo = range.map_or('\0', |r| r.0);
                if *hi < lo {
                    return Err(GlobError(format!(
                        "hi character '{hi}' should be greater than lo '{lo}'"
                    )));
                }
                range = Some((lo, *hi));
            }
            Some(Token::Text(text)) => list = text.clone(),
            Some(Token::RangeClose) => break,
            Some(other) => return Err(GlobError(format!("unexpected token: {other:?}"))),
        }
        i += 1;
    }
    // The library tells a range from a list by non-zero bounds.
    let range = range.filter(|(lo, hi)| *lo != '\0' && *hi != '\0');
    let negate = if not { "^" } else { "" };
    let class = match (range, list.is_empty()) {
        (Some((lo, hi)), true) => format!(
            "[{negate}{}-{}]",
            regex::escape(&lo.to_string()),
            regex::escape(&hi.to_string())
        ),
        (None, false) => {
            let chars: String = list
                .chars()
                .map(|c| regex::escape(&c.to_string()))
                .collect();
            format!("[{negate}{chars}]")
        }
        _ => return Err(GlobError("could not parse range".into())),
    };
    Ok((class, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, name: &str) -> bool {
        Glob::compile(pattern).unwrap().is_match(name)
    }

    #[test]
    fn stars_and_separators() {
        assert!(matches("*.txt", "a.txt"));
        assert!(!matches("*.txt", "dir/a.txt"));
        assert!(matches("**.txt", "dir/sub/a.txt"));
        assert!(matches("dir/**", "dir/sub/a.txt"));
        assert!(!matches("dir/**/a.txt", "dir/a.txt"));
        assert!(matches("dir/*/a.txt", "dir/x/a.txt"));
        assert!(matches("?.txt", "a.txt"));
        assert!(!matches("?.txt", "/.txt"));
        assert!(!matches("a", "ab"));
        assert!(matches("", ""));
        assert!(!matches("", "a"));
    }

    #[test]
    fn classes_and_alternatives() {
        assert!(matches("[ab].txt", "b.txt"));
        assert!(!matches("[!ab].txt", "b.txt"));
        assert!(matches("[!ab].txt", "c.txt"));
        assert!(matches("[a-c].txt", "b.txt"));
        assert!(matches("[!a-c].txt", "d.txt"));
        // A list keeps `-` literal unless it follows the first character.
        assert!(matches("[ab-].txt", "-.txt"));
        // Classes match the separator too; only `*` and `?` stop at it.
        assert!(matches("a[/]b", "a/b"));
        assert!(matches("{a,b/*}.yaml", "b/c.yaml"));
        assert!(matches("x{a,{b,c}}", "xc"));
        assert!(matches("x{a,}", "x"));
        // An unclosed brace is accepted and closed at the end.
        assert!(matches("{a,b", "b"));
        // Outside braces `,` and `}` are text.
        assert!(matches("a,b}", "a,b}"));
        assert!(matches(r"\*\[x\]", "*[x]"));
        assert!(matches(r"a\", "a"));
        assert!(matches("[\\]]", "]"));
        assert!(matches("a.(b)+$", "a.(b)+$"));
    }

    #[test]
    fn the_library_refuses_what_helm_then_matches_with_everything() {
        for bad in [
            "[a-zA-Z]",
            "[]",
            "[!]",
            "[a",
            "[a-",
            "[z-a]",
            "[ab",
            "x\u{FFFD}",
        ] {
            assert!(Glob::compile(bad).is_err(), "{bad}");
        }
    }
}
