//! The `format` checks whose failure messages Helm users see worded by Go:
//! santhosh-tekuri/jsonschema v6 checks `ipv4`, `date`, `time`, `date-time`
//! and `uri` with Go's `strconv`, `time` and `net/url` packages, and boon's
//! own checks word the same failures differently (or, for `uri`, refuse what
//! Go takes). Every other format is boon's.

use std::error::Error;

use boon::Format;
use serde_json::Value;

use crate::funcs::url::parse_url;

/// The formats registered over boon's, with Go's wording.
pub(super) fn go_formats() -> [Format; 5] {
    [
        Format {
            name: "ipv4",
            func: ipv4,
        },
        Format {
            name: "date",
            func: date,
        },
        Format {
            name: "time",
            func: time,
        },
        Format {
            name: "date-time",
            func: date_time,
        },
        Format {
            name: "uri",
            func: uri,
        },
    ]
}

type Check = Result<(), Box<dyn Error>>;

/// Four decimals from 0 to 255, without leading zeros.
fn ipv4(v: &Value) -> Check {
    let Value::String(s) = v else { return Ok(()) };
    let groups: Vec<&str> = s.split('.').collect();
    if groups.len() != 4 {
        return Err("expected four decimals".into());
    }
    for group in groups {
        if group.len() > 1 && group.starts_with('0') {
            return Err("leading zeros".into());
        }
        let n = go_atoi(group.as_bytes())
            .map_err(|reason| format!("strconv.Atoi: parsing {}: {reason}", go_quote(group)))?;
        if !(0..=255).contains(&n) {
            return Err("decimal must be between 0 and 255".into());
        }
    }
    Ok(())
}

/// Go's `strconv.Atoi`: an optional sign, then decimal digits only.
fn go_atoi(s: &[u8]) -> Result<i64, &'static str> {
    let (negative, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err("invalid syntax");
    }
    let mut n: i64 = 0;
    for d in digits {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(i64::from(d - b'0')))
            .ok_or("value out of range")?;
    }
    Ok(if negative { -n } else { n })
}

/// `time.Parse("2006-01-02", s)`, with Go's error messages.
fn date(v: &Value) -> Check {
    let Value::String(s) = v else { return Ok(()) };
    parse_date(s).map_err(Into::into)
}

const DATE_LAYOUT: &str = "2006-01-02";

fn parse_date(s: &str) -> Result<(), String> {
    let elem_error = |layout_elem: &str, value_elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(s),
            time_quote(DATE_LAYOUT),
            time_quote(value_elem),
            time_quote(layout_elem)
        )
    };
    let range_error = |what: &str| format!("parsing time {}: {what} out of range", time_quote(s));
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    // Year: four bytes, the first a digit, all of them a number.
    if b.len() < 4 || !digit(0) || !(1..4).all(digit) {
        return Err(elem_error("2006", s));
    }
    let year: i64 = s[..4].parse().map_err(|_| elem_error("2006", s))?;
    let mut rest = &s[4..];
    let two_digits = |rest: &mut &str, layout_elem: &str| -> Result<u32, String> {
        let r = rest.as_bytes();
        if !r.first().is_some_and(u8::is_ascii_digit) || !r.get(1).is_some_and(u8::is_ascii_digit) {
            return Err(elem_error(layout_elem, rest));
        }
        let n = u32::from(r[0] - b'0') * 10 + u32::from(r[1] - b'0');
        *rest = &rest[2..];
        Ok(n)
    };
    let separator = |rest: &mut &str| -> Result<(), String> {
        match rest.strip_prefix('-') {
            Some(after) => {
                *rest = after;
                Ok(())
            }
            None => Err(elem_error("-", rest)),
        }
    };
    separator(&mut rest)?;
    let month = two_digits(&mut rest, "01")?;
    if !(1..=12).contains(&month) {
        return Err(range_error("month"));
    }
    separator(&mut rest)?;
    let day = two_digits(&mut rest, "02")?;
    if !rest.is_empty() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            time_quote(s),
            time_quote(rest)
        ));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(range_error("day"));
    }
    Ok(())
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The `time` package's own quoting: bytes outside printable ASCII as `\x..`.
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c.is_ascii() && c >= ' ' {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        }
    }
    out.push('"');
    out
}

fn go_quote(s: &str) -> String {
    crate::gotmpl::fmt::quote(s)
}

/// RFC 3339 `full-time`, as the Go library checks it.
fn time(v: &Value) -> Check {
    let Value::String(s) = v else { return Ok(()) };
    check_time(s.as_bytes()).map_err(Into::into)
}

fn check_time(s: &[u8]) -> Result<(), &'static str> {
    if s.len() < 9 {
        return Err("less than 9 characters long");
    }
    if s[2] != b':' || s[5] != b':' {
        return Err("missing colon in correct place");
    }
    let mut hms = [0i64; 3];
    for (slot, token) in hms.iter_mut().zip(s[..8].splitn(3, |&b| b == b':')) {
        let n = go_atoi(token).map_err(|_| "invalid hour/min/sec")?;
        if n < 0 {
            return Err("non-positive hour/min/sec");
        }
        *slot = n;
    }
    let [mut h, mut m, sec] = hms;
    if h > 23 || m > 59 || sec > 60 {
        return Err("hour/min/sec out of range");
    }
    let mut rest = &s[8..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Err("no digits in second fraction");
        }
        rest = &fraction[digits..];
    }
    if rest != b"z" && rest != b"Z" {
        if rest.len() != 6 {
            return Err("offset must be 6 characters long");
        }
        let sign = match rest[0] {
            b'+' => -1,
            b'-' => 1,
            _ => return Err("offset must begin with plus/minus"),
        };
        let offset = &rest[1..];
        if offset[2] != b':' {
            return Err("missing colon in offset in correct place");
        }
        let mut zhm = [0i64; 2];
        for (slot, token) in zhm.iter_mut().zip(offset.splitn(2, |&b| b == b':')) {
            let n = go_atoi(token).map_err(|_| "invalid hour/min in offset")?;
            if n < 0 {
                return Err("non-positive hour/min in offset");
            }
            *slot = n;
        }
        let [zh, zm] = zhm;
        if zh > 23 || zm > 59 {
            return Err("hour/min in offset out of range");
        }
        let mut minutes = h * 60 + m + sign * (zh * 60 + zm);
        if minutes < 0 {
            minutes += 24 * 60;
        }
        (h, m) = (minutes / 60, minutes % 60);
    }
    if sec >= 60 && (h != 23 || m != 59) {
        return Err("invalid leap second");
    }
    Ok(())
}

/// RFC 3339 `date-time`: a date, `T`, a time.
fn date_time(v: &Value) -> Check {
    let Value::String(s) = v else { return Ok(()) };
    let b = s.as_bytes();
    if b.len() < 20 {
        return Err("less than 20 characters long".into());
    }
    if b[10] != b't' && b[10] != b'T' {
        return Err("11th character must be t or T".into());
    }
    // Go slices bytes; a split character makes both halves invalid.
    let date_part = String::from_utf8_lossy(&b[..10]);
    parse_date(&date_part).map_err(|e| format!("invalid date element: {e}"))?;
    check_time(&b[11..]).map_err(|e| format!("invalid time element: {e}"))?;
    Ok(())
}

/// An absolute URL as Go's `url.Parse` reads one (santhosh-tekuri's `uri`
/// format): parsed, with a scheme.
fn uri(v: &Value) -> Check {
    let Value::String(s) = v else { return Ok(()) };
    let url = parse_url(s.as_bytes())?;
    if url.scheme.is_empty() {
        return Err("relative url".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(f: fn(&Value) -> Check, s: &str) -> String {
        f(&Value::String(s.into()))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn uri_in_go_words() {
        assert_eq!(msg(uri, "https://example.com/a?b#c"), "");
        assert_eq!(msg(uri, "mailto:ops@example.com"), "");
        assert_eq!(msg(uri, "not a uri"), "relative url");
        assert_eq!(msg(uri, "/just/a/path"), "relative url");
        assert_eq!(msg(uri, ":x"), "parse \":x\": missing protocol scheme");
        assert_eq!(
            msg(uri, "a b:c"),
            "parse \"a b:c\": first path segment in URL cannot contain colon"
        );
        assert_eq!(
            msg(uri, "http://x/%zz"),
            "parse \"http://x/%zz\": invalid URL escape \"%zz\""
        );
        assert_eq!(
            msg(uri, "http://x/#%4"),
            "parse \"http://x/#%4\": invalid URL escape \"%4\""
        );
        assert_eq!(
            msg(uri, "http://x/\u{7f}"),
            "parse \"http://x/\\x7f\": net/url: invalid control character in URL"
        );
    }

    #[test]
    fn ipv4_in_go_words() {
        assert_eq!(msg(ipv4, "10.0.0.1"), "");
        assert_eq!(msg(ipv4, "10.0.0"), "expected four decimals");
        assert_eq!(msg(ipv4, "10.01.0.1"), "leading zeros");
        assert_eq!(msg(ipv4, "256.1.1.1"), "decimal must be between 0 and 255");
        assert_eq!(msg(ipv4, "-1.1.1.1"), "decimal must be between 0 and 255");
        assert_eq!(
            msg(ipv4, "a.1.1.1"),
            "strconv.Atoi: parsing \"a\": invalid syntax"
        );
        assert_eq!(
            msg(ipv4, "99999999999999999999.1.1.1"),
            "strconv.Atoi: parsing \"99999999999999999999\": value out of range"
        );
        assert_eq!(
            msg(ipv4, ".1.1.1"),
            "strconv.Atoi: parsing \"\": invalid syntax"
        );
    }

    #[test]
    fn date_in_go_words() {
        assert_eq!(msg(date, "2024-02-29"), "");
        assert_eq!(
            msg(date, "2024-13-01"),
            "parsing time \"2024-13-01\": month out of range"
        );
        assert_eq!(
            msg(date, "2023-02-29"),
            "parsing time \"2023-02-29\": day out of range"
        );
        assert_eq!(
            msg(date, "2023-02-00"),
            "parsing time \"2023-02-00\": day out of range"
        );
        assert_eq!(
            msg(date, "2023/02/01"),
            "parsing time \"2023/02/01\" as \"2006-01-02\": cannot parse \"/02/01\" as \"-\""
        );
        assert_eq!(
            msg(date, "23-02-01"),
            "parsing time \"23-02-01\" as \"2006-01-02\": cannot parse \"23-02-01\" as \"2006\""
        );
        assert_eq!(
            msg(date, "2023-2-01"),
            "parsing time \"2023-2-01\" as \"2006-01-02\": cannot parse \"2-01\" as \"01\""
        );
        assert_eq!(
            msg(date, "2023-02-01x"),
            "parsing time \"2023-02-01x\": extra text: \"x\""
        );
        assert_eq!(
            msg(date, "2023-02-0é"),
            "parsing time \"2023-02-0\\xc3\\xa9\" as \"2006-01-02\": cannot parse \"0\\xc3\\xa9\" as \"02\""
        );
    }

    #[test]
    fn time_and_date_time_in_go_words() {
        assert_eq!(msg(time, "23:59:60Z"), "");
        assert_eq!(msg(time, "12:00:60Z"), "invalid leap second");
        assert_eq!(
            msg(time, "12:00:00+0100"),
            "offset must be 6 characters long"
        );
        assert_eq!(
            msg(time, "12:00:00+01-00"),
            "missing colon in offset in correct place"
        );
        assert_eq!(msg(date_time, "2024-01-01T10:00:00Z"), "");
        assert_eq!(
            msg(date_time, "2024-01-01 10:00"),
            "less than 20 characters long"
        );
        assert_eq!(
            msg(date_time, "2024-13-01T10:00:00Z"),
            "invalid date element: parsing time \"2024-13-01\": month out of range"
        );
    }
}
