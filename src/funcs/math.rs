//! Sprig's math functions. The integer ones convert every argument with cast's
//! `ToInt64` and compute with Go's wrapping int64 arithmetic; the float ones
//! (`addf`, `subf`, `mulf`, `divf`, `add1f`) go through shopspring/decimal, so
//! `addf 0.1 0.2` is exactly 0.3: each float becomes the shortest decimal that
//! reads back as it, the arithmetic is exact (division rounds to 16 places),
//! and the result is the float nearest to the exact decimal.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::gotmpl::{Error, Func, FuncMap, Param, Value};

use super::cast::{to_float64, to_int64};

/// A function body of this family.
type Body = fn(&[Value]) -> Result<Value, Error>;

pub(super) fn register(funcs: &mut FuncMap) {
    use Param::Any;
    // Name, fixed parameters, variadic parameter, body: Sprig's Go signatures.
    let table: [(&str, &[Param], Option<Param>, Body); 20] = [
        ("add", &[], Some(Any), add),
        ("add1", &[Any], None, |a| {
            Ok(int64(to_int64(&a[0]).wrapping_add(1)))
        }),
        ("sub", &[Any, Any], None, |a| {
            Ok(int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
        }),
        ("mul", &[Any], Some(Any), mul),
        ("div", &[Any, Any], None, div),
        ("mod", &[Any, Any], None, modulo),
        ("max", &[Any], Some(Any), max),
        ("biggest", &[Any], Some(Any), max),
        ("min", &[Any], Some(Any), min),
        ("maxf", &[Any], Some(Any), |a| Ok(fold_floats(a, go_max))),
        ("minf", &[Any], Some(Any), |a| Ok(fold_floats(a, go_min))),
        ("floor", &[Any], None, |a| {
            Ok(float(to_float64(&a[0]).floor()))
        }),
        ("ceil", &[Any], None, |a| {
            Ok(float(to_float64(&a[0]).ceil()))
        }),
        ("round", &[Any, Param::Int], Some(Param::Float64), round),
        ("randInt", &[Param::Int, Param::Int], None, rand_int),
        // `addf` starts from 0 and `add1f` adds the int 1, as Sprig writes them.
        ("addf", &[], Some(Any), |a| {
            decimal_op(&Value::Float(0.0), a, Decimal::add)
        }),
        ("add1f", &[Any], None, |a| {
            decimal_op(&a[0], &[Value::int(1)], Decimal::add)
        }),
        ("subf", &[Any], Some(Any), |a| {
            decimal_op(&a[0], &a[1..], Decimal::sub)
        }),
        ("mulf", &[Any], Some(Any), |a| {
            decimal_op(&a[0], &a[1..], Decimal::mul)
        }),
        ("divf", &[Any], Some(Any), |a| {
            decimal_op(&a[0], &a[1..], Decimal::div)
        }),
    ];
    for (name, params, variadic, body) in table {
        funcs.insert(name.into(), Func::pure(params, variadic, body));
    }
}

fn add(args: &[Value]) -> Result<Value, Error> {
    Ok(int64(args.iter().map(to_int64).fold(0, i64::wrapping_add)))
}

fn mul(args: &[Value]) -> Result<Value, Error> {
    Ok(int64(args.iter().map(to_int64).fold(1, i64::wrapping_mul)))
}

/// Go's integer division truncates toward zero, and MinInt64 / -1 wraps.
fn div(args: &[Value]) -> Result<Value, Error> {
    match to_int64(&args[1]) {
        0 => Err(divide_by_zero()),
        b => Ok(int64(to_int64(&args[0]).wrapping_div(b))),
    }
}

/// Go's `%`: the sign of the dividend.
fn modulo(args: &[Value]) -> Result<Value, Error> {
    match to_int64(&args[1]) {
        0 => Err(divide_by_zero()),
        b => Ok(int64(to_int64(&args[0]).wrapping_rem(b))),
    }
}

fn max(args: &[Value]) -> Result<Value, Error> {
    Ok(int64(args.iter().map(to_int64).max().unwrap_or_default()))
}

fn min(args: &[Value]) -> Result<Value, Error> {
    Ok(int64(args.iter().map(to_int64).min().unwrap_or_default()))
}

/// `maxf`/`minf`: the first value against each of the rest, with `math.Max` or
/// `math.Min`.
fn fold_floats(args: &[Value], pick: fn(f64, f64) -> f64) -> Value {
    float(
        args[1..]
            .iter()
            .map(to_float64)
            .fold(to_float64(&args[0]), pick),
    )
}

fn int64(i: i64) -> Value {
    Value::int64(i)
}

fn float(f: f64) -> Value {
    Value::Float(f)
}

/// The panic Go's runtime raises for an integer division by zero, as the
/// template executor reports it.
fn divide_by_zero() -> Error {
    Error::msg("runtime error: integer divide by zero")
}

/// Go's `math.Max`: NaN wins, and +0 is bigger than -0.
fn go_max(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() { y } else { x }
    } else if x > y {
        x
    } else {
        y
    }
}

/// Go's `math.Min`: NaN wins, and -0 is smaller than +0.
fn go_min(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() { x } else { y }
    } else if x < y {
        x
    } else {
        y
    }
}

/// Sprig's `round VALUE PLACES [ROUND_ON]`: scale by 10^PLACES, take the ceiling
/// when the fractional part is at least ROUND_ON (0.5 by default), the floor
/// otherwise, and scale back. The fractional part of a negative number is
/// negative, so negative numbers always go down: `round -2.3 0` is -3.
fn round(args: &[Value]) -> Result<Value, Error> {
    let round_on = match args.get(2) {
        Some(Value::Float(f)) => *f,
        _ => 0.5,
    };
    let value = to_float64(&args[0]);
    let places = to_int64(&args[1]) as f64;
    let pow = go_pow(10.0, places);
    let digit = pow * value;
    let fraction = digit - digit.trunc();
    let rounded = if fraction >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    Ok(float(rounded / pow))
}

/// Go's `math.Pow` for the integral exponents `round` gives it, with Go's
/// algorithm (repeated squaring), so results agree to the last bit.
fn go_pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if y.is_infinite() {
        return if x == -1.0 {
            1.0
        } else if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if (-128.0..=127.0).contains(&y) {
        // Go's fast path for exponents that fit an int8.
        let mut n = y.abs() as u8;
        let mut r = 1.0;
        while n > 1 {
            let mut tmp = x;
            let mut c = 1u8;
            while c <= n / 2 {
                tmp *= tmp;
                c *= 2;
            }
            n -= c;
            r *= tmp;
        }
        for _ in 0..n {
            r *= x;
        }
        return if y < 0.0 { 1.0 / r } else { r };
    }
    let yi = y.abs().trunc();
    if yi >= 9_223_372_036_854_775_808.0 {
        return if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    // x = x1 * 2^xe with x1 in [0.5, 1): square x1, collecting powers of two.
    let (mut x1, mut xe) = frexp(x);
    let (mut a1, mut ae) = (1.0, 0i64);
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

/// Go's `math.Frexp` for finite non-zero x: x = frac * 2^exp, |frac| in [0.5, 1).
fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (mut x, mut exp) = (x, 0);
    if x.abs() < f64::MIN_POSITIVE {
        x *= (1u64 << 52) as f64;
        exp = -52;
    }
    let bits = x.to_bits();
    exp += ((bits >> 52) & 0x7ff) as i64 - 1022;
    let frac = f64::from_bits(bits & !(0x7ff << 52) | (1022 << 52));
    (frac, exp)
}

/// Go's `math.Ldexp`: frac * 2^exp, rounding once when the result is denormal.
fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || !frac.is_finite() {
        return frac;
    }
    let (frac, e) = frexp(frac);
    let exp = exp + e;
    if exp > 1024 {
        return frac.signum() * f64::INFINITY;
    }
    if exp < -1075 {
        return 0.0_f64.copysign(frac);
    }
    // Two exact steps of at most 2^1023 each, then one rounding step at the end.
    let (first, second) = (exp / 2, exp - exp / 2);
    frac * 2f64.powi(first as i32) * 2f64.powi(second as i32)
}

/// Sprig's `randInt MIN MAX`: Go's `rand.Intn(MAX-MIN) + MIN`, which panics
/// unless MAX is above MIN.
fn rand_int(args: &[Value]) -> Result<Value, Error> {
    let (min, max) = (to_int64(&args[0]), to_int64(&args[1]));
    let n = max.wrapping_sub(min);
    if n <= 0 {
        return Err(Error::msg("invalid argument to Intn"));
    }
    let n = n as u64;
    // Rejection sampling keeps every result equally likely.
    let zone = u64::MAX - u64::MAX % n;
    let r = loop {
        let r = next_random();
        if r < zone {
            break r % n;
        }
    };
    Ok(Value::int((r as i64).wrapping_add(min)))
}

/// A splitmix64 stream seeded once per process from the OS-randomised hasher
/// keys, like Go's top-level `math/rand` functions (randomly seeded since 1.20).
fn next_random() -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    if STATE.load(Ordering::Relaxed) == 0 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(std::process::id().into());
        let _ =
            STATE.compare_exchange(0, hasher.finish() | 1, Ordering::Relaxed, Ordering::Relaxed);
    }
    let mut z = STATE
        .fetch_add(GAMMA, Ordering::Relaxed)
        .wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Sprig's `execDecimalOp`: folds `op` over the first value and the rest, each
/// converted with cast's `ToFloat64` and then to a decimal.
fn decimal_op(
    first: &Value,
    rest: &[Value],
    op: fn(Decimal, Decimal) -> Result<Decimal, Error>,
) -> Result<Value, Error> {
    let mut acc = Decimal::from_f64(to_float64(first))?;
    for value in rest {
        acc = op(acc, Decimal::from_f64(to_float64(value))?)?;
    }
    Ok(float(acc.to_f64()))
}

/// An exact decimal number: `digits` × 10^`exp`, as shopspring/decimal keeps it.
/// The digits are most significant first, without leading zeros (none for 0).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exp: i64,
}

/// shopspring/decimal's `DivisionPrecision`: quotients keep 16 decimal places.
const DIVISION_PLACES: i64 = 16;

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_f64(f: f64) -> Result<Decimal, Error> {
        if !f.is_finite() {
            let shown = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            return Err(Error::msg(format!("Cannot create a Decimal from {shown}")));
        }
        if f == 0.0 {
            return Ok(Decimal::zero());
        }
        // Rust's `{:e}` is the shortest round-trip form, as Go's `roundShortest`.
        let text = format!("{:e}", f.abs());
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let digits: Vec<u8> = mantissa
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        let exponent: i64 = exponent.parse().unwrap_or(0);
        let exp = exponent - (digits.len() as i64 - 1);
        Ok(Decimal {
            negative: f < 0.0,
            digits: trim_leading_zeros(digits),
            exp,
        })
    }

    fn zero() -> Decimal {
        Decimal {
            negative: false,
            digits: Vec::new(),
            exp: 0,
        }
    }

    /// `Decimal.Float64`: the float nearest to the exact value (ties to even),
    /// which Rust's parser finds for a decimal string of any length.
    fn to_f64(&self) -> f64 {
        if self.digits.is_empty() {
            return 0.0;
        }
        let mut text = String::with_capacity(self.digits.len() + 24);
        if self.negative {
            text.push('-');
        }
        text.extend(self.digits.iter().map(|d| char::from(b'0' + d)));
        text.push('e');
        text.push_str(&self.exp.to_string());
        text.parse().unwrap_or(f64::NAN)
    }

    fn add(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        let exp = a.exp.min(b.exp);
        let x = shifted(&a.digits, a.exp - exp);
        let y = shifted(&b.digits, b.exp - exp);
        let (negative, digits) = if a.negative == b.negative {
            (a.negative, add_mag(&x, &y))
        } else if cmp_mag(&x, &y).is_ge() {
            (a.negative, sub_mag(&x, &y))
        } else {
            (b.negative, sub_mag(&y, &x))
        };
        Ok(Decimal::new(negative, digits, exp))
    }

    fn sub(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        let negated = Decimal {
            negative: !b.negative,
            ..b
        };
        Decimal::add(a, negated)
    }

    fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        Ok(Decimal::new(
            a.negative != b.negative,
            mul_mag(&a.digits, &b.digits),
            a.exp + b.exp,
        ))
    }

    /// `Decimal.Div`: the quotient rounded to 16 decimal places, halves away
    /// from zero.
    fn div(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        if b.digits.is_empty() {
            return Err(Error::msg("decimal division by 0"));
        }
        // a/b × 10^16 = (a.digits × 10^e) / b.digits, or a.digits / (b.digits × 10^-e).
        let e = a.exp - b.exp + DIVISION_PLACES;
        let (numerator, denominator) = if e >= 0 {
            (shifted(&a.digits, e), b.digits.clone())
        } else {
            (a.digits.clone(), shifted(&b.digits, -e))
        };
        let (mut quotient, remainder) = div_mag(&numerator, &denominator);
        if cmp_mag(&add_mag(&remainder, &remainder), &denominator).is_ge() {
            quotient = add_mag(&quotient, &[1]);
        }
        Ok(Decimal::new(
            a.negative != b.negative,
            quotient,
            -DIVISION_PLACES,
        ))
    }

    fn new(negative: bool, digits: Vec<u8>, exp: i64) -> Decimal {
        let digits = trim_leading_zeros(digits);
        Decimal {
            negative: negative && !digits.is_empty(),
            digits,
            exp,
        }
    }
}

fn trim_leading_zeros(mut digits: Vec<u8>) -> Vec<u8> {
    let zeros = digits.iter().take_while(|&&d| d == 0).count();
    digits.drain(..zeros);
    digits
}

/// `digits` × 10^`by`.
fn shifted(digits: &[u8], by: i64) -> Vec<u8> {
    let mut out = digits.to_vec();
    if !out.is_empty() {
        out.resize(out.len() + by as usize, 0);
    }
    out
}

fn cmp_mag(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let a = &a[a.iter().take_while(|&&d| d == 0).count()..];
    let b = &b[b.iter().take_while(|&&d| d == 0).count()..];
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn add_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let (mut ia, mut ib, mut carry) = (a.iter().rev(), b.iter().rev(), 0);
    loop {
        let (x, y) = (ia.next(), ib.next());
        if x.is_none() && y.is_none() {
            break;
        }
        let sum = x.copied().unwrap_or(0) + y.copied().unwrap_or(0) + carry;
        out.push(sum % 10);
        carry = sum / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out.reverse();
    trim_leading_zeros(out)
}

/// a - b, for a ≥ b.
fn sub_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let mut ib = b.iter().rev();
    let mut borrow = 0;
    for &x in a.iter().rev() {
        let y = ib.next().copied().unwrap_or(0) + borrow;
        if x >= y {
            out.push(x - y);
            borrow = 0;
        } else {
            out.push(x + 10 - y);
            borrow = 1;
        }
    }
    out.reverse();
    trim_leading_zeros(out)
}

fn mul_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    // Little-endian columns; each holds at most 81 × min(len) before carrying.
    let mut columns = vec![0u64; a.len() + b.len()];
    for (i, &x) in a.iter().rev().enumerate() {
        for (j, &y) in b.iter().rev().enumerate() {
            columns[i + j] += u64::from(x) * u64::from(y);
        }
    }
    let mut carry = 0;
    let mut out: Vec<u8> = columns
        .into_iter()
        .map(|c| {
            let total = c + carry;
            carry = total / 10;
            (total % 10) as u8
        })
        .collect();
    while carry > 0 {
        out.push((carry % 10) as u8);
        carry /= 10;
    }
    out.reverse();
    trim_leading_zeros(out)
}

/// Long division: (quotient, remainder), truncating.
fn div_mag(a: &[u8], b: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut quotient = Vec::with_capacity(a.len());
    let mut remainder: Vec<u8> = Vec::with_capacity(b.len() + 1);
    for &d in a {
        remainder.push(d);
        remainder = trim_leading_zeros(remainder);
        let mut q = 0;
        while cmp_mag(&remainder, b).is_ge() {
            remainder = sub_mag(&remainder, b);
            q += 1;
        }
        quotient.push(q);
    }
    (trim_leading_zeros(quotient), remainder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(f: fn(Decimal, Decimal) -> Result<Decimal, Error>, a: f64, b: f64) -> f64 {
        decimal_op(&Value::Float(a), &[Value::Float(b)], f)
            .map(|v| match v {
                Value::Float(f) => f,
                _ => f64::NAN,
            })
            .unwrap_or(f64::NAN)
    }

    #[test]
    fn decimal_arithmetic_is_exact() {
        assert_eq!(op(Decimal::add, 0.1, 0.2), 0.3);
        assert_eq!(op(Decimal::sub, 0.3, 0.1), 0.2);
        assert_eq!(op(Decimal::mul, 1.1, 1.1), 1.21);
        assert_eq!(op(Decimal::sub, 1.0, 1.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(op(Decimal::add, -0.5, 0.25), -0.25);
        assert_eq!(op(Decimal::add, 1e300, 1e-300), 1e300);
        assert_eq!(op(Decimal::mul, 1e300, 1e300), f64::INFINITY);
    }

    // Expected values printed by Helm (helm-ref) for the same divisions.
    #[test]
    fn decimal_division_rounds_to_16_places() {
        assert_eq!(op(Decimal::div, 1.0, 3.0), 0.3333333333333333);
        assert_eq!(op(Decimal::div, 2.0, 3.0), 0.6666666666666667);
        assert_eq!(op(Decimal::div, 10.0, 3.0), 3.3333333333333335);
        assert_eq!(op(Decimal::div, -2.0, 3.0), -0.6666666666666667);
        assert_eq!(op(Decimal::div, 1e20, 3.0), 3.333333333333333e19);
        assert_eq!(op(Decimal::div, 1.0, 7e-20), 1.4285714285714287e19);
        assert_eq!(op(Decimal::div, 1e-20, 3.0), 0.0);
        assert!(op(Decimal::div, 1.0, 0.0).is_nan());
    }

    #[test]
    fn pow_matches_exact_powers_of_ten() {
        for n in -22..=22 {
            assert_eq!(
                go_pow(10.0, f64::from(n)),
                format!("1e{n}").parse::<f64>().unwrap_or(0.0)
            );
        }
        assert_eq!(go_pow(10.0, 400.0), f64::INFINITY);
        assert_eq!(go_pow(10.0, -400.0), 0.0);
    }

    #[test]
    fn max_and_min_follow_go() {
        assert!(go_max(1.0, f64::NAN).is_nan());
        assert!(go_max(-0.0, 0.0).is_sign_positive());
        assert!(go_min(0.0, -0.0).is_sign_negative());
    }

    #[test]
    fn rand_int_stays_in_range() {
        for (min, max) in [(0, 1), (-5, 5), (10, 13), (i64::MIN, i64::MIN + 3)] {
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..500 {
                let Ok(Value::Int(r, _)) = rand_int(&[Value::int(min), Value::int(max)]) else {
                    panic!("randInt failed")
                };
                assert!((min..max).contains(&r), "{r} not in {min}..{max}");
                seen.insert(r);
            }
            // 500 draws miss one of at most 10 values with negligible probability.
            assert_eq!(seen.len() as i64, max.wrapping_sub(min));
        }
        assert!(rand_int(&[Value::int(3), Value::int(3)]).is_err());
        assert!(rand_int(&[Value::int(i64::MIN), Value::int(i64::MAX)]).is_err());
    }
}
