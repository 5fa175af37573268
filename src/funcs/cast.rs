//! The lenient conversions of spf13/cast, which Sprig uses for numeric arguments:
//! anything that isn't a number becomes 0 rather than an error.

use crate::gotmpl::Value;

/// `cast.ToInt`: ints and uints as they are, floats truncated, numeric strings
/// parsed (Go syntax, a trailing `.0` allowed), booleans 1 or 0, anything else 0.
pub(super) fn to_int(value: &Value) -> i64 {
    match value {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => parse_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// cast's `trimZeroDecimal`: `"12.000"` → `"12"`, anything else unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    match s.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        _ => s,
    }
}

/// `strconv.ParseInt(s, 0, 0)`: an optional sign, then decimal, `0x`, `0o`, `0b`
/// or leading-zero octal, with `_` separators after a prefix.
fn parse_int(s: &str) -> Option<i64> {
    let (negative, body) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.replace('_', ""))
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.replace('_', ""))
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.replace('_', ""))
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].replace('_', ""))
    } else {
        (10, lower.clone())
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(&digits, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_int_is_lenient_like_cast() {
        assert_eq!(to_int(&Value::str("12")), 12);
        assert_eq!(to_int(&Value::str("12.00")), 12);
        assert_eq!(to_int(&Value::str("0x1f")), 31);
        assert_eq!(to_int(&Value::str("1.5")), 0);
        assert_eq!(to_int(&Value::str("x")), 0);
        assert_eq!(to_int(&Value::Float(2.9)), 2);
        assert_eq!(to_int(&Value::Bool(true)), 1);
        assert_eq!(to_int(&Value::Nil), 0);
    }
}
