//! Go's `html`, `js` and `urlquery` escapers.
//!
//! These are text/template's built-in functions of the same names: Go's
//! `template.HTMLEscapeString`, `template.JSEscapeString` and `url.QueryEscape`,
//! applied to the text `eval_args` makes of the function's arguments.

use super::fmt::{is_print, sprint};
use super::value::Value;

/// What text/template's escaping functions escape: a lone string as it is, anything
/// else as `fmt.Sprint` prints it, with nil arguments as `<no value>`.
pub fn eval_args(args: &[Value]) -> String {
    if let [Value::Str(s)] = args {
        return s.to_string();
    }
    if !args.iter().any(|a| matches!(a, Value::Nil)) {
        return sprint(args);
    }
    // Go turns a nil argument into the string `<no value>` before printing, which
    // also changes where Sprint puts spaces.
    let printable: Vec<Value> = args
        .iter()
        .map(|a| match a {
            Value::Nil => Value::str("<no value>"),
            other => other.clone(),
        })
        .collect();
    sprint(&printable)
}

/// Go's `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    if !s.contains(['"', '\'', '&', '<', '>', '\0']) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`: safe inside a JavaScript string literal and in
/// HTML around it.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            // DEL is ASCII and passes through; other ASCII controls and
            // unprintable non-ASCII runes become \uXXXX.
            c if c < ' ' || (!c.is_ascii() && !is_print(c)) => push_u_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// `\u` and at least four upper-case hex digits, as Go's `%04X` writes them.
fn push_u_escape(out: &mut String, c: char) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push_str("\\u");
    let n = c as u32;
    let digits = if n > 0xffff {
        5 + usize::from(n > 0xfffff)
    } else {
        4
    };
    for i in (0..digits).rev() {
        out.push(HEX[((n >> (4 * i)) & 0xf) as usize] as char);
    }
}

/// Go's `url.QueryEscape`: letters, digits and `-_.~` stay, a space becomes `+`, and
/// every other byte becomes `%XX`.
pub fn url_query_escape(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + 16);
    for &b in s.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0xf)] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! The expected strings are real Go output, from helm-ref: each case was rendered
    //! by Helm's engine as `{{ html ARGS... }}`, `{{ js ARGS... }}` or
    //! `{{ urlquery ARGS... }}`.

    use std::sync::Arc;

    use super::*;
    use crate::gotmpl::value::{Entries, List, Map};

    fn l(items: Vec<Value>) -> Value {
        Value::List(List::new(items))
    }

    fn m(entries: Vec<(&str, Value)>) -> Value {
        let entries: Entries = entries
            .into_iter()
            .map(|(k, v)| (Arc::from(k), v))
            .collect();
        Value::Map(Map::new(entries))
    }

    #[test]
    fn escapers_match_go() {
        let rows: &[(&str, Vec<Value>, &str)] = &[
            (
                "html",
                vec![Value::str("<a href=\"x\">&'\u{0}</a>")],
                "&lt;a href=&#34;x&#34;&gt;&amp;&#39;\u{fffd}&lt;/a&gt;",
            ),
            ("html", vec![Value::str("plain text é")], "plain text é"),
            ("html", vec![Value::str("")], ""),
            (
                "html",
                vec![Value::int(1), Value::int(2), Value::str("x"), Value::Nil],
                "1 2x&lt;no value&gt;",
            ),
            ("html", vec![Value::Nil], "&lt;no value&gt;"),
            (
                "html",
                vec![l(vec![Value::str("<"), Value::int(1)])],
                "[&lt; 1]",
            ),
            ("html", vec![Value::str("a"), Value::str("b")], "ab"),
            ("html", vec![Value::Float(1.5)], "1.5"),
            (
                "js",
                vec![Value::str("\\'\"<>&= \u{1}\u{1f}\u{2028}é\u{7f}")],
                "\\\\\\'\\\"\\u003C\\u003E\\u0026\\u003D \\u0001\\u001F\\u2028é\u{7f}",
            ),
            ("js", vec![Value::str("plain")], "plain"),
            (
                "js",
                vec![Value::str(" \u{200b}\u{feff}󠀁\u{10fffd}😀")],
                "\\u00A0\\u200B\\uFEFF\\uE0001\\u10FFFD😀",
            ),
            (
                "js",
                vec![Value::str("\t\n\u{d}\u{0}")],
                "\\u0009\\u000A\\u000D\\u0000",
            ),
            (
                "js",
                vec![Value::int(1), Value::str("a"), Value::Nil],
                "1a\\u003Cno value\\u003E",
            ),
            ("js", vec![Value::Nil], "\\u003Cno value\\u003E"),
            ("js", vec![Value::str("</script>")], "\\u003C/script\\u003E"),
            (
                "urlquery",
                vec![Value::str("a b&c=d/é~-_.!*")],
                "a+b%26c%3Dd%2F%C3%A9~-_.%21%2A",
            ),
            (
                "urlquery",
                vec![Value::str("$+,:;?@#[]'()%\"<>")],
                "%24%2B%2C%3A%3B%3F%40%23%5B%5D%27%28%29%25%22%3C%3E",
            ),
            ("urlquery", vec![Value::str("AZaz09")], "AZaz09"),
            ("urlquery", vec![Value::str("")], ""),
            (
                "urlquery",
                vec![Value::int(1), Value::int(2), Value::Nil],
                "1+2%3Cno+value%3E",
            ),
            (
                "urlquery",
                vec![Value::str("\u{0}\t\n\u{7f}")],
                "%00%09%0A%7F",
            ),
            (
                "urlquery",
                vec![m(vec![("a", Value::str("b c"))])],
                "map%5Ba%3Ab+c%5D",
            ),
        ];
        let mut failures = Vec::new();
        for (func, args, want) in rows {
            let text = eval_args(args);
            let got = match *func {
                "html" => html_escape(&text),
                "js" => js_escape(&text),
                _ => url_query_escape(&text),
            };
            if got != *want {
                failures.push(format!("{func} {args:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
