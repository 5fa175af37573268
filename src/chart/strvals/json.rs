//! One JSON value read from the front of a `--set-json` value, as Helm reads it
//! with Go's `json.Decoder.Decode` into an `interface {}`.
//!
//! Owns the decoder's stream behaviour: only the first value is read and
//! anything after it is left for the strvals parser (`a=1 b=2` sets both);
//! syntax errors carry the Go scanner's messages (`invalid character 'x'
//! looking for beginning of value`), a value cut short is `unexpected EOF`, a
//! number out of float64's range is Go's type error, every number is a
//! float64, and a lone UTF-16 surrogate escape decodes to U+FFFD.

use std::sync::Arc;

use crate::gotmpl::fmt::quote;
use crate::gotmpl::{Entries, List, Map, Value};

/// Go's JSON scanner refuses objects and arrays nested deeper than this.
pub const MAX_JSON_DEPTH: usize = 10_000;

/// Reads the JSON value at the start of `text` (after JSON whitespace) and
/// returns it with the number of bytes it took, as Go's `InputOffset` counts
/// them: a number, string or literal stops before the byte that ended it.
pub fn decode_prefix(text: &str) -> Result<(Value, usize), String> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        type_error: None,
    };
    reader.skip_space();
    let value = reader.value()?;
    match reader.type_error {
        Some(e) => Err(e),
        None => Ok((value, reader.pos)),
    }
}

/// A whole JSON document, as `json.Unmarshal` reads it: nothing but JSON
/// whitespace may follow the value, and a cut-short document is `unexpected
/// end of JSON input`.
pub fn decode_document(text: &str) -> Result<Value, String> {
    let (value, used) = decode_prefix(text).map_err(|e| {
        if e == UNEXPECTED_EOF {
            "unexpected end of JSON input".to_string()
        } else {
            e
        }
    })?;
    match text.as_bytes()[used..]
        .iter()
        .find(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    {
        Some(&c) => Err(invalid(c, "after top-level value")),
        None => Ok(value),
    }
}

const UNEXPECTED_EOF: &str = "unexpected EOF";

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Go decodes the whole value and then returns the first type error.
    type_error: Option<String>,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The next byte, or `unexpected EOF` when the value is cut short.
    fn next_byte(&mut self) -> Result<u8, String> {
        let c = self.peek().ok_or_else(|| UNEXPECTED_EOF.to_string())?;
        self.pos += 1;
        Ok(c)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    /// The next byte after JSON whitespace, consumed.
    fn next_non_space(&mut self) -> Result<u8, String> {
        self.skip_space();
        self.next_byte()
    }

    fn value(&mut self) -> Result<Value, String> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            let c = self.next_non_space()?;
            match c {
                b'{' => self.object(),
                b'[' => self.array(),
                b'"' => Ok(Value::from(self.string()?)),
                b'-' | b'0'..=b'9' => self.number(c),
                b't' => self.literal(b"rue", "true", Value::Bool(true)),
                b'f' => self.literal(b"alse", "false", Value::Bool(false)),
                b'n' => self.literal(b"ull", "null", Value::Nil),
                _ => Err(invalid(c, "looking for beginning of value")),
            }
        })
    }

    fn enter(&mut self, c: u8) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_JSON_DEPTH {
            return Err(invalid(c, "exceeded max depth"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, String> {
        self.enter(b'{')?;
        let mut entries = Entries::new();
        let mut c = self.next_non_space()?;
        if c != b'}' {
            loop {
                if c != b'"' {
                    return Err(invalid(c, "looking for beginning of object key string"));
                }
                let key = self.string()?;
                let colon = self.next_non_space()?;
                if colon != b':' {
                    return Err(invalid(colon, "after object key"));
                }
                let value = self.value()?;
                entries.insert(Arc::from(key), value);
                match self.next_non_space()? {
                    b',' => c = self.next_non_space()?,
                    b'}' => break,
                    other => return Err(invalid(other, "after object key:value pair")),
                }
            }
        }
        self.depth -= 1;
        Ok(Value::Map(Map::new(entries)))
    }

    fn array(&mut self) -> Result<Value, String> {
        self.enter(b'[')?;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                items.push(self.value()?);
                match self.next_non_space()? {
                    b',' => {}
                    b']' => break,
                    other => return Err(invalid(other, "after array element")),
                }
            }
        }
        self.depth -= 1;
        Ok(Value::List(List::new(items)))
    }

    fn literal(&mut self, rest: &[u8], word: &str, value: Value) -> Result<Value, String> {
        for &want in rest {
            let c = self.next_byte()?;
            if c != want {
                let context = format!("in literal {word} (expecting '{}')", char::from(want));
                return Err(invalid(c, &context));
            }
        }
        Ok(value)
    }

    /// A number's text as Go's scanner delimits it; the byte after it is left
    /// unread. At the end of the input a complete number simply ends.
    fn number(&mut self, first: u8) -> Result<Value, String> {
        let start = self.pos - 1;
        let lead = if first == b'-' {
            let c = self.next_byte()?;
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in numeric literal"));
            }
            c
        } else {
            first
        };
        if lead != b'0' {
            self.skip_digits();
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let c = self.next_byte()?;
            if !c.is_ascii_digit() {
                return Err(invalid(c, "after decimal point in numeric literal"));
            }
            self.skip_digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            let mut c = self.next_byte()?;
            if c == b'+' || c == b'-' {
                c = self.next_byte()?;
            }
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in exponent of numeric literal"));
            }
            self.skip_digits();
        }
        let text = String::from_utf8_lossy(&self.bytes[start..self.pos]);
        // Rust's parse rounds correctly, as Go's ParseFloat does; only
        // overflow is an error in Go (underflow quietly gives zero).
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => {
                self.type_error.get_or_insert_with(|| {
                    format!("json: cannot unmarshal number {text} into Go value of type float64")
                });
                Ok(Value::Nil)
            }
        }
    }

    fn skip_digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// A string's contents after its opening quote, through the closing one.
    fn string(&mut self) -> Result<String, String> {
        let mut out: Vec<u8> = Vec::new();
        loop {
            match self.next_byte()? {
                b'"' => break,
                b'\\' => match self.next_byte()? {
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    c @ (b'\\' | b'/' | b'"') => out.push(c),
                    b'u' => {
                        let c = self.unicode_escape()?;
                        let mut buf = [0; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    c => return Err(invalid(c, "in string escape code")),
                },
                c if c < 0x20 => return Err(invalid(c, "in string literal")),
                c => out.push(c),
            }
        }
        // The input is a `str` and escapes are written as UTF-8, so this
        // never replaces anything; it only avoids a fallible conversion.
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// The character of a `\uXXXX` escape (after the `u`), joining a UTF-16
    /// surrogate pair when the next escape completes it, as Go does; a lone
    /// surrogate becomes U+FFFD.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let unit = self.hex4()?;
        if !(0xD800..0xE000).contains(&unit) {
            return Ok(char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        if (0xD800..0xDC00).contains(&unit)
            && let Some(low) = self.peek_low_surrogate()
        {
            self.pos += 6;
            let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            return Ok(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        Ok(char::REPLACEMENT_CHARACTER)
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut unit = 0;
        for _ in 0..4 {
            let c = self.next_byte()?;
            let digit = char::from(c)
                .to_digit(16)
                .ok_or_else(|| invalid(c, "in \\u hexadecimal character escape"))?;
            unit = unit * 16 + digit;
        }
        Ok(unit)
    }

    /// A well-formed `\uDC00`–`\uDFFF` escape right here, not consumed.
    fn peek_low_surrogate(&self) -> Option<u32> {
        let rest = self.bytes.get(self.pos..self.pos + 6)?;
        let hex = rest.strip_prefix(b"\\u")?;
        let hex = std::str::from_utf8(hex).ok()?;
        if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let unit = u32::from_str_radix(hex, 16).ok()?;
        (0xDC00..0xE000).contains(&unit).then_some(unit)
    }
}

/// Go's scanner error: the offending byte quoted as a character (a byte of a
/// multi-byte character shows as its Latin-1 reading, as Go prints it).
fn invalid(c: u8, context: &str) -> String {
    let shown = match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        c => {
            let q = quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    };
    format!("invalid character {shown} {context}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (String, usize) {
        let (v, n) = decode_prefix(text).unwrap();
        (crate::gotmpl::fmt::sprintf("%#v", &[v]), n)
    }

    fn err(text: &str) -> String {
        decode_prefix(text).unwrap_err()
    }

    #[test]
    fn reads_one_value_and_stops_where_go_stops() {
        assert_eq!(ok("1,b").1, 1);
        assert_eq!(ok("1x").1, 1);
        assert_eq!(ok("  true,").1, 6);
        assert_eq!(ok("\"a\"b").1, 3);
        assert_eq!(ok("{\"a\":[1,2]} x").1, 11);
        assert_eq!(ok("01").1, 1);
    }

    #[test]
    fn numbers_are_float64() {
        let (v, _) = decode_prefix("-0").unwrap();
        assert!(matches!(v, Value::Float(f) if f == 0.0 && f.is_sign_negative()));
        let (v, _) = decode_prefix("9007199254740993").unwrap();
        assert!(matches!(v, Value::Float(f) if f == 9007199254740992.0));
        assert_eq!(
            err("1e400"),
            "json: cannot unmarshal number 1e400 into Go value of type float64"
        );
        let (v, _) = decode_prefix("1e-400").unwrap();
        assert!(matches!(v, Value::Float(f) if f == 0.0));
    }

    #[test]
    fn syntax_errors_have_go_messages() {
        assert_eq!(
            err("x"),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            err("é"),
            "invalid character 'Ã' looking for beginning of value"
        );
        assert_eq!(err("[01]"), "invalid character '1' after array element");
        assert_eq!(
            err("[1,]"),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(
            err("{\"a\":1,}"),
            "invalid character '}' looking for beginning of object key string"
        );
        assert_eq!(err("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(
            err("{\"a\":1 2}"),
            "invalid character '2' after object key:value pair"
        );
        assert_eq!(
            err("tx"),
            "invalid character 'x' in literal true (expecting 'r')"
        );
        assert_eq!(err("-x"), "invalid character 'x' in numeric literal");
        assert_eq!(
            err("1.x"),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            err("1e+x"),
            "invalid character 'x' in exponent of numeric literal"
        );
        assert_eq!(
            err("\"\\x\""),
            "invalid character 'x' in string escape code"
        );
        assert_eq!(
            err("\"\\u12x4\""),
            "invalid character 'x' in \\u hexadecimal character escape"
        );
        assert_eq!(err("\"a\nb\""), "invalid character '\\n' in string literal");
        assert_eq!(err("\"'"), "unexpected EOF");
        assert_eq!(
            err("'"),
            "invalid character '\\'' looking for beginning of value"
        );
        for cut in ["tru", "1.", "[1", "{\"a\"", "\"abc", "-", "1e"] {
            assert_eq!(err(cut), "unexpected EOF", "{cut}");
        }
    }

    #[test]
    fn a_document_is_one_value_and_nothing_else() {
        assert!(decode_document(" {\"a\": 1}\n ").is_ok());
        assert_eq!(
            decode_document("{} x").unwrap_err(),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(
            decode_document("{\"a\":").unwrap_err(),
            "unexpected end of JSON input"
        );
    }

    #[test]
    fn a_syntax_error_wins_over_a_range_error() {
        assert_eq!(
            err("[1e400,x]"),
            "invalid character 'x' looking for beginning of value"
        );
    }

    #[test]
    fn surrogates_pair_up_or_become_replacement_characters() {
        let s = |text: &str| match decode_prefix(text).unwrap().0 {
            Value::Str(s) => s.to_string(),
            _ => panic!("not a string"),
        };
        assert_eq!(s(r#""\ud83d\ude00""#), "😀");
        assert_eq!(s(r#""\ud800""#), "\u{FFFD}");
        assert_eq!(s(r#""\ud800\u0041""#), "\u{FFFD}A");
        assert_eq!(s(r#""\udc00""#), "\u{FFFD}");
    }

    #[test]
    fn depth_limit_at_and_past() {
        // Dropping a value this deep takes more than a test thread's 2 MiB
        // of stack in a debug build (a main thread's 8 MiB is plenty).
        let run = || {
            let nested = |n: usize| format!("{}1{}", "[{\"a\":".repeat(n / 2), "}]".repeat(n / 2));
            assert!(decode_prefix(&nested(MAX_JSON_DEPTH)).is_ok());
            assert_eq!(
                err(&format!("[{}", nested(MAX_JSON_DEPTH))),
                "invalid character '{' exceeded max depth"
            );
        };
        std::thread::Builder::new()
            .stack_size(32 << 20)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
    }
}
