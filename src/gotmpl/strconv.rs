//! Go's `strconv` number parsers, as Go's template parser and Sprig's lenient
//! conversions (spf13/cast) use them: `ParseInt`/`ParseUint` with base 0 (Go
//! literal syntax: prefixes, `_` separators), `ParseFloat` (decimal, hex floats
//! with Go's rounding, infinities and NaN), `Atoi`, and base-8 `ParseInt`.
//! Errors, range errors included, are `None`.

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then decimal, `0x`, `0o`,
/// `0b` or leading-zero octal, with `_` between digits as in Go literals. `None`
/// for bad syntax and for values out of range (where cast gives 0).
pub fn parse_int(s: &str) -> Option<i64> {
    let (negative, unsigned) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_uint(unsigned)?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
pub fn parse_uint(s: &str) -> Option<u64> {
    let bytes = s.as_bytes();
    let (radix, digits) = match bytes {
        [] => return None,
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, &bytes[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, &bytes[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, &bytes[2..]),
        [b'0', ..] => (8, &bytes[1..]),
        _ => (10, bytes),
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        if c == b'_' {
            underscores = true;
            continue;
        }
        let d = char::from(c).to_digit(36)?;
        if d >= radix {
            return None;
        }
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    if underscores && !underscores_ok(s) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.Atoi`: decimal only, with an optional sign. Bad syntax gives
/// `None`; a value out of range gives the nearest bound, as Go returns it beside
/// its range error (and Sprig's `atoi` ignores the error).
pub fn atoi(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bound = if negative { i64::MIN } else { i64::MAX };
    let mut n: i64 = 0;
    for d in digits.bytes().map(|b| i64::from(b - b'0')) {
        let next = n.checked_mul(10).and_then(|n| {
            if negative {
                n.checked_sub(d)
            } else {
                n.checked_add(d)
            }
        });
        match next {
            Some(next) => n = next,
            None => return Some(bound),
        }
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, 8, 64)` as Sprig's `toDecimal` uses it: octal digits
/// with an optional sign, no prefix, no underscores. Errors (range ones too) are
/// `None`.
pub fn parse_octal(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, 8).ok()?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `underscoreOK`: underscores only between digits, or between a base
/// prefix and a digit.
fn underscores_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    // What came last: '^' the start, '0' a digit or base prefix, '_', '!' other.
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1] | 0x20 == b'x';
    }
    for &c in &s[i..] {
        if c.is_ascii_digit() || hex && c.is_ascii_hexdigit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)`: decimal and hexadecimal (`0x1p-2`) floats
/// with `_` separators as in Go literals, and `inf`, `infinity`, `nan` in any
/// case (a sign only before the infinities). `None` for bad syntax and for
/// values beyond the float64 range, where Go reports an error (and cast gives 0).
pub fn parse_float(s: &str) -> Option<f64> {
    if let Some(special) = parse_special(s) {
        return Some(special);
    }
    let bytes = s.as_bytes();
    let (negative, body) = match bytes.first()? {
        b'+' => (false, &bytes[1..]),
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    let hex = body.len() > 2 && body[0] == b'0' && body[1] | 0x20 == b'x';
    let value = if hex {
        parse_hex_float(&body[2..], negative)?
    } else {
        parse_decimal_float(body, negative)?
    };
    if s.contains('_') && !underscores_ok(s) {
        return None;
    }
    value.is_finite().then_some(value)
}

/// Go's `special`: the whole of `s` is an infinity or NaN.
fn parse_special(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first()? {
        b'+' => (1.0, &s[1..]),
        b'-' => (-1.0, &s[1..]),
        _ => (1.0, s),
    };
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        return Some(sign * f64::INFINITY);
    }
    (body.len() == s.len() && body.eq_ignore_ascii_case("nan")).then_some(f64::NAN)
}

/// The decimal syntax of Go's `readFloat` (digits with at most one `.`, at least
/// one digit, an optional `e` exponent with digits), then Rust's correctly
/// rounded parser, which agrees with Go's on every such string.
fn parse_decimal_float(body: &[u8], negative: bool) -> Option<f64> {
    let mut text = String::with_capacity(body.len() + 1);
    if negative {
        text.push('-');
    }
    let mut i = 0;
    let (mut saw_dot, mut saw_digits) = (false, false);
    while let Some(&c) = body.get(i) {
        match c {
            b'_' => {}
            b'.' if !saw_dot => saw_dot = true,
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        if c != b'_' {
            text.push(char::from(c));
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    if let Some(&e) = body.get(i) {
        if e | 0x20 != b'e' {
            return None;
        }
        text.push('e');
        i += 1;
        if let Some(&sign @ (b'+' | b'-')) = body.get(i) {
            text.push(char::from(sign));
            i += 1;
        }
        if !body.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        for &c in &body[i..] {
            match c {
                b'0'..=b'9' => text.push(char::from(c)),
                b'_' => {}
                _ => return None,
            }
        }
    }
    text.parse().ok()
}

/// Go's hexadecimal float syntax and rounding (`readFloat` and `atofHex`): hex
/// digits with at most one `.`, then a required `p` exponent in decimal.
fn parse_hex_float(body: &[u8], negative: bool) -> Option<f64> {
    const MANT_BITS: i64 = 52;
    let mut mantissa: u64 = 0;
    let (mut nd, mut nd_mant, mut dp) = (0i64, 0i64, 0i64);
    let (mut saw_dot, mut saw_digits, mut trunc) = (false, false, false);
    let mut i = 0;
    while let Some(&c) = body.get(i) {
        match c {
            b'_' => {}
            b'.' if !saw_dot => {
                saw_dot = true;
                dp = nd;
            }
            _ if c.is_ascii_hexdigit() => {
                saw_digits = true;
                if c == b'0' && nd == 0 {
                    dp -= 1;
                } else {
                    nd += 1;
                    if nd_mant < 16 {
                        mantissa = mantissa * 16 + u64::from(char::from(c).to_digit(16)?);
                        nd_mant += 1;
                    } else if c != b'0' {
                        trunc = true;
                    }
                }
            }
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    if !saw_dot {
        dp = nd;
    }
    dp *= 4;
    nd_mant *= 4;
    if body.get(i).map(|c| c | 0x20) != Some(b'p') {
        return None;
    }
    i += 1;
    let mut exp_sign = 1;
    if let Some(&sign @ (b'+' | b'-')) = body.get(i) {
        if sign == b'-' {
            exp_sign = -1;
        }
        i += 1;
    }
    if !body.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut e: i64 = 0;
    for &c in &body[i..] {
        match c {
            b'0'..=b'9' if e < 10000 => e = e * 10 + i64::from(c - b'0'),
            b'0'..=b'9' | b'_' => {}
            _ => return None,
        }
    }
    dp += e * exp_sign;
    let mut exp = if mantissa != 0 { dp - nd_mant } else { 0 };

    // atofHex: normalise to 1 + 52 + 2 bits, the last one sticky, then round.
    let (max_exp, min_exp) = (1023, -1022);
    exp += MANT_BITS;
    while mantissa != 0 && mantissa >> (MANT_BITS + 2) == 0 {
        mantissa <<= 1;
        exp -= 1;
    }
    if trunc {
        mantissa |= 1;
    }
    while mantissa >> (1 + MANT_BITS + 2) != 0 {
        mantissa = mantissa >> 1 | mantissa & 1;
        exp += 1;
    }
    while mantissa > 1 && exp < min_exp - 2 {
        mantissa = mantissa >> 1 | mantissa & 1;
        exp += 1;
    }
    let mut round = mantissa & 3;
    mantissa >>= 2;
    round |= mantissa & 1;
    exp += 2;
    if round == 3 {
        mantissa += 1;
        if mantissa == 1 << (1 + MANT_BITS) {
            mantissa >>= 1;
            exp += 1;
        }
    }
    if exp > max_exp {
        return None;
    }
    // Assemble the bits as Go does: no implicit top bit means a denormal.
    let biased = if mantissa >> MANT_BITS == 0 {
        0
    } else {
        exp + 1023
    };
    let value = f64::from_bits((biased as u64) << MANT_BITS | mantissa & ((1 << MANT_BITS) - 1));
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_float_follows_go() {
        assert_eq!(parse_float("1_000"), Some(1000.0));
        assert_eq!(parse_float("1."), Some(1.0));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("0x1p4"), Some(16.0));
        assert_eq!(parse_float("0x1.8p1"), Some(3.0));
        assert_eq!(parse_float("-0X.8P0"), Some(-0.5));
        assert_eq!(parse_float("0x10"), None);
        assert_eq!(parse_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_float("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_float("+nan"), None);
        assert_eq!(parse_float("infin"), None);
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("1e-400"), Some(0.0));
        assert_eq!(parse_float(" 1"), None);
        assert_eq!(parse_float("_1"), None);
        assert_eq!(parse_float("1e"), None);
        assert_eq!(parse_float("."), None);
        assert_eq!(parse_float(""), None);
    }

    #[test]
    fn atoi_clamps_like_go() {
        assert_eq!(atoi("+5"), Some(5));
        assert_eq!(atoi("-12"), Some(-12));
        assert_eq!(atoi("99999999999999999999"), Some(i64::MAX));
        assert_eq!(atoi("-99999999999999999999"), Some(i64::MIN));
        assert_eq!(atoi("1_000"), None);
        assert_eq!(atoi("0x10"), None);
        assert_eq!(atoi("-"), None);
    }

    #[test]
    fn parse_int_takes_go_literal_syntax() {
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("017"), Some(15));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("-0b101"), Some(-5));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("1__0"), None);
        assert_eq!(parse_int("08"), None);
        assert_eq!(parse_int("9223372036854775808"), None);
        assert_eq!(parse_uint("9223372036854775808"), Some(1 << 63));
        assert_eq!(parse_uint("+5"), None);
    }
}
