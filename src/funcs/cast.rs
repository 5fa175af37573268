//! The lenient conversions of spf13/cast (v1.7.0, the version Helm builds with),
//! which Sprig uses for numeric arguments: anything that isn't a number becomes 0
//! rather than an error (Go's `strconv` parsers underneath are `gotmpl::strconv`),
//! and Sprig's `strval`/`strslice`, which several families use to turn values into
//! strings.

pub(super) use crate::gotmpl::strconv::{atoi, parse_float, parse_int, parse_octal};
use crate::gotmpl::{ElemType, List, Value, fmt};

/// `cast.ToInt`. Go's `int` is 64 bits wide on every platform Helm ships for, so
/// this is `cast.ToInt64`.
pub(super) fn to_int(value: &Value) -> i64 {
    to_int64(value)
}

/// `cast.ToInt64`: ints and uints as they are (uints wrap), floats truncated the
/// way Go converts them, numeric strings parsed with Go's integer syntax (after
/// dropping a `.000` tail), booleans 1 or 0, anything else 0.
pub(super) fn to_int64(value: &Value) -> i64 {
    match value {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        Value::Float(f) => float_to_int64(*f),
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => parse_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// `cast.ToFloat64`: numbers converted, strings parsed with Go's `ParseFloat`,
/// booleans 1 or 0, anything else 0.
pub(super) fn to_float64(value: &Value) -> f64 {
    match value {
        Value::Int(i, _) => *i as f64,
        Value::Uint(u, _) => *u as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => parse_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Go's `int64(f)` on amd64: truncation toward zero, and the "integer indefinite"
/// value (the minimum int64) for NaN and anything out of range, where Rust's `as`
/// would saturate.
pub(super) fn float_to_int64(f: f64) -> i64 {
    // 2^63 is exact as a float; every float below it (and at or above -2^63) fits.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Sprig's `strval` (`toString`): a string as it is, a `[]byte` as its text,
/// anything else as `%v` prints it. (Go's `%v` already calls `String` and
/// `Error` methods, as strval does.)
pub(super) fn to_string(value: &Value) -> String {
    match value {
        Value::Str(s) => s.to_string(),
        Value::Object(o) => o
            .text()
            .unwrap_or_else(|| fmt::sprint(std::slice::from_ref(value))),
        other => fmt::sprint(std::slice::from_ref(other)),
    }
}

/// Sprig's `strslice` (`toStrings`, and the list argument of `join`): a `[]string`
/// as it is; the items of any other list through `strval`, nil items dropped; nil
/// an empty list; any other value a one-item list.
pub(super) fn to_strings(value: &Value) -> List {
    match value {
        Value::List(list) if list.elem() == ElemType::String => list.clone(),
        Value::List(list) => List::typed(
            list.items()
                .iter()
                .filter(|item| !item.is_nil())
                .map(|item| Value::from(to_string(item)))
                .collect(),
            ElemType::String,
        ),
        Value::Nil => List::typed(Vec::new(), ElemType::String),
        other => List::typed(vec![Value::from(to_string(other))], ElemType::String),
    }
}

/// cast's `trimZeroDecimal`: a trailing `.` followed only by zeros (at least
/// one) is cut, so `"12.000"` is `"12"`; anything else is unchanged (`"12."`).
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, b) in s.bytes().enumerate().rev() {
        match b {
            b'.' if found_zero => return &s[..i],
            b'.' => {}
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_int_is_lenient_like_cast() {
        assert_eq!(to_int(&Value::str("12")), 12);
        assert_eq!(to_int(&Value::str("12.00")), 12);
        assert_eq!(to_int(&Value::str("12.")), 0);
        assert_eq!(to_int(&Value::str("0x1f")), 31);
        assert_eq!(to_int(&Value::str("010")), 8);
        assert_eq!(to_int(&Value::str("08")), 0);
        assert_eq!(to_int(&Value::str("1_000")), 1000);
        assert_eq!(to_int(&Value::str("1__0")), 0);
        assert_eq!(to_int(&Value::str("-0b101")), -5);
        assert_eq!(to_int(&Value::str("1.5")), 0);
        assert_eq!(to_int(&Value::str("x")), 0);
        assert_eq!(to_int(&Value::str("-9223372036854775808")), i64::MIN);
        assert_eq!(to_int(&Value::str("9223372036854775808")), 0);
        assert_eq!(to_int(&Value::Float(2.9)), 2);
        assert_eq!(to_int(&Value::Float(-2.9)), -2);
        assert_eq!(to_int(&Value::Float(1e300)), i64::MIN);
        assert_eq!(to_int(&Value::Float(f64::NAN)), i64::MIN);
        assert_eq!(to_int(&Value::Bool(true)), 1);
        assert_eq!(to_int(&Value::Nil), 0);
    }

    #[test]
    fn strval_and_strslice() {
        assert_eq!(to_string(&Value::Float(1e6)), "1e+06");
        assert_eq!(to_string(&Value::Nil), "<nil>");
        let list = to_strings(&Value::from(vec![Value::int(1), Value::Nil, "a".into()]));
        assert_eq!(list.type_name(), "[]string");
        assert_eq!(list.len(), 2);
        assert!(to_strings(&Value::Nil).is_empty());
    }
}
