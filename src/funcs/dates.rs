//! Sprig's date and duration functions (`now`, `date`, `dateInZone`, `toDate`,
//! `dateModify`, `unixEpoch`, `htmlDate`, `ago`, `duration`, `durationRound`,
//! their aliases and `must` variants), and the Go `time.Time` value they pass
//! around.
//!
//! Go's time package decides every printed character here, so it is followed
//! closely: layouts are Go's reference-time layouts (`2006-01-02`, `Jan _2`,
//! `.000`, `MST`, `Z07:00`, ...), split into elements the way Go's layout
//! scanner splits them, both for formatting and for parsing (with Go's error
//! texts), and durations print as Go's `Duration.String` (`1h2m3s`, `1.5s`).
//!
//! The machine's local zone (`time.Local`) is taken to be UTC, as on the
//! machines Helm and wheelhouse run on here: it prints as `UTC` but is named
//! `Local`. Other zones come from the IANA database compiled into chrono-tz,
//! looked up by their exact (case-sensitive) names as Go looks up zoneinfo
//! files; an unknown name falls back to UTC, as Sprig does.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::{OffsetName, Tz};

use super::str_arg;
use crate::gotmpl::{Error, Func, FuncMap, IntType, List, Object, Param, Value};

pub(super) fn register(funcs: &mut FuncMap) {
    use Param::{Any, String};
    let mut add = |names: &[&str], params: &[Param], body: Body| {
        for name in names {
            funcs.insert((*name).into(), Func::pure(params, None, body));
        }
    };
    add(&["now"], &[], |_| Ok(time_value(GoTime::now())));
    add(&["date"], &[String, Any], |a| {
        Ok(date_in_zone(str_arg(&a[0]), &a[1], "Local").into())
    });
    add(
        &["dateInZone", "date_in_zone"],
        &[String, Any, String],
        |a| Ok(date_in_zone(str_arg(&a[0]), &a[1], str_arg(&a[2])).into()),
    );
    add(&["htmlDate"], &[Any], |a| {
        Ok(date_in_zone("2006-01-02", &a[0], "Local").into())
    });
    add(&["htmlDateInZone"], &[Any, String], |a| {
        Ok(date_in_zone("2006-01-02", &a[0], str_arg(&a[1])).into())
    });
    add(&["dateModify", "date_modify"], &[String, TIME], |a| {
        let t = time_arg(&a[1])?;
        Ok(time_value(match parse_duration(str_arg(&a[0])) {
            Ok(d) => t.add(d),
            Err(_) => t,
        }))
    });
    add(
        &["mustDateModify", "must_date_modify"],
        &[String, TIME],
        |a| {
            let t = time_arg(&a[1])?;
            let d = parse_duration(str_arg(&a[0])).map_err(Error::msg)?;
            Ok(time_value(t.add(d)))
        },
    );
    add(&["toDate"], &[String, String], |a| {
        let t = parse(str_arg(&a[0]), str_arg(&a[1])).unwrap_or_else(|_| GoTime::zero());
        Ok(time_value(t))
    });
    add(&["mustToDate"], &[String, String], |a| {
        let t = parse(str_arg(&a[0]), str_arg(&a[1])).map_err(Error::msg)?;
        Ok(time_value(t))
    });
    add(&["unixEpoch"], &[TIME], |a| {
        Ok(time_arg(&a[0])?.unix.to_string().into())
    });
    add(&["ago"], &[Any], |a| Ok(ago(&a[0]).into()));
    add(&["duration"], &[Any], |a| Ok(duration(&a[0]).into()));
    add(&["durationRound"], &[Any], |a| {
        Ok(duration_round(&a[0]).into())
    });
}

type Body = fn(&[Value]) -> Result<Value, Error>;

/// Go's name for the time type, which `%T` and argument errors show.
const TIME_TYPE: &str = "time.Time";

/// Go's `time.Time` parameter: only a time value fits, as Go checks it.
const TIME: Param = Param::Object(TIME_TYPE);

/// A `time.Time` argument. The engine can't check this parameter type yet, so
/// other values are refused here with the text Go's executor uses.
fn time_arg(value: &Value) -> Result<GoTime, Error> {
    match value {
        Value::Object(o) => GoTime::from_object(o.as_ref()),
        Value::Nil => None,
        _ => None,
    }
    .ok_or_else(|| {
        Error::msg(format!(
            "wrong type for value; expected time.Time; got {}",
            value.type_name()
        ))
    })
}

/// Sprig's `dateInZone`: `time.Time` and Unix seconds as `int`, `int32` or
/// `int64`; anything else (a float64 from values, nil, a string) means now.
fn date_in_zone(layout: &str, date: &Value, zone: &str) -> String {
    let t = match date {
        Value::Int(secs, IntType::Int | IntType::Int32 | IntType::Int64) => GoTime::unix(*secs, 0),
        Value::Object(o) => GoTime::from_object(o.as_ref()).unwrap_or_else(GoTime::now),
        _ => GoTime::now(),
    };
    let zone = load_location(zone).unwrap_or(Zone::Utc);
    t.with_zone(zone).format(layout)
}

/// Sprig's `ago`: the time since a `time.Time` or Unix seconds (`int`,
/// `int64`; not `int32`), to the second; anything else is now, so `0s`.
fn ago(date: &Value) -> String {
    let t = match date {
        Value::Int(secs, IntType::Int | IntType::Int64) => GoTime::unix(*secs, 0),
        Value::Object(o) => GoTime::from_object(o.as_ref()).unwrap_or_else(GoTime::now),
        _ => GoTime::now(),
    };
    duration_string(round_duration(GoTime::now().sub(&t), SECOND))
}

/// Sprig's `duration`: seconds as a string of digits or an `int64` (an `int`
/// or a float64 is ignored: `0s`). The multiplication wraps as Go's does.
fn duration(sec: &Value) -> String {
    let n = match sec {
        Value::Str(s) => parse_int_clamped(s).unwrap_or(0),
        Value::Int(n, IntType::Int64) => *n,
        _ => 0,
    };
    duration_string(n.wrapping_mul(SECOND))
}

/// `strconv.ParseInt(s, 10, 64)` as Sprig uses it, ignoring the error: out of
/// range values come back clamped, syntax errors as `None`.
fn parse_int_clamped(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let magnitude: u128 = digits.bytes().fold(0u128, |acc, c| {
        (acc * 10 + u128::from(c - b'0')).min(u128::from(u64::MAX))
    });
    Some(if neg {
        i64::try_from(-(magnitude as i128)).unwrap_or(i64::MIN)
    } else {
        i64::try_from(magnitude).unwrap_or(i64::MAX)
    })
}

/// Sprig's `durationRound`: a duration string, `int64` nanoseconds, or the
/// time since a `time.Time`, as its largest whole unit (`2h`, `3mo`, `1y`).
fn duration_round(value: &Value) -> String {
    let d = match value {
        Value::Str(s) => parse_duration(s).unwrap_or(0),
        Value::Int(n, IntType::Int64) => *n,
        Value::Object(o) => match GoTime::from_object(o.as_ref()) {
            Some(t) => GoTime::now().sub(&t),
            None => 0,
        },
        _ => 0,
    };
    let u = d.unsigned_abs();
    let hour = HOUR as u64;
    let units = [
        (hour * 24 * 365, "y"),
        (hour * 24 * 30, "mo"),
        (hour * 24, "d"),
        (hour, "h"),
        (MINUTE as u64, "m"),
        (SECOND as u64, "s"),
    ];
    for (size, name) in units {
        if u > size {
            return format!("{}{name}", u / size);
        }
    }
    "0s".to_string()
}

// ---------------------------------------------------------------------------
// Durations: int64 nanoseconds, as Go's time.Duration.

const NANOSECOND: i64 = 1;
const MICROSECOND: i64 = 1000 * NANOSECOND;
const MILLISECOND: i64 = 1000 * MICROSECOND;
const SECOND: i64 = 1000 * MILLISECOND;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

/// Go's `Duration.String`.
fn duration_string(d: i64) -> String {
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < SECOND as u64 {
        let (prec, unit) = match u {
            0 => return "0s".to_string(),
            u if u < MICROSECOND as u64 => (0, "ns"),
            u if u < MILLISECOND as u64 => (3, "µs"),
            _ => (6, "ms"),
        };
        let frac = fraction(&mut u, prec);
        out.push_str(&u.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let frac = fraction(&mut u, 9);
        let secs = u % 60;
        let mins = u / 60;
        if mins > 0 {
            let hours = mins / 60;
            if hours > 0 {
                out.push_str(&format!("{hours}h"));
            }
            out.push_str(&format!("{}m", mins % 60));
        }
        out.push_str(&format!("{secs}{frac}s"));
    }
    if d < 0 {
        out.insert(0, '-');
    }
    out
}

/// Splits the last `prec` decimal digits off `v` as a fraction (`.5`, without
/// trailing zeros; empty when they are all zero), leaving the integer part.
fn fraction(v: &mut u64, prec: u32) -> String {
    let scale = 10u64.pow(prec);
    let digits = *v % scale;
    *v /= scale;
    if digits == 0 {
        return String::new();
    }
    let text = format!("{digits:0width$}", width = prec as usize);
    format!(".{}", text.trim_end_matches('0'))
}

/// Go's `Duration.Round`: half away from zero, saturating on overflow.
fn round_duration(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let r = (d % m).abs();
    let less_than_half = (r as u64) * 2 < m as u64;
    if d < 0 {
        if less_than_half {
            return d + r;
        }
        return d.checked_sub(m - r).unwrap_or(i64::MIN);
    }
    if less_than_half {
        return d - r;
    }
    d.checked_add(m - r).unwrap_or(i64::MAX)
}

/// Go's `time.ParseDuration`, with its error texts.
fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(orig));
    let mut s = orig.as_bytes();
    let mut neg = false;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let before = s.len();
        let mut v: u64 = 0;
        while let Some(&c) = s.first().filter(|c| c.is_ascii_digit()) {
            if v > (1 << 63) / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(c - b'0');
            if v > 1 << 63 {
                return Err(invalid());
            }
            s = &s[1..];
        }
        let pre = before != s.len();
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let before = s.len();
            let mut overflow = false;
            while let Some(&c) = s.first().filter(|c| c.is_ascii_digit()) {
                s = &s[1..];
                if overflow {
                    continue;
                }
                if f > ((1u64 << 63) - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > 1 << 63 {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = before != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", go_quote(orig)));
        }
        let unit_text = String::from_utf8_lossy(&s[..unit_len]);
        s = &s[unit_len..];
        let unit: u64 = match unit_text.as_ref() {
            "ns" => 1,
            "us" | "µs" | "μs" => MICROSECOND as u64,
            "ms" => MILLISECOND as u64,
            "s" => SECOND as u64,
            "m" => MINUTE as u64,
            "h" => HOUR as u64,
            other => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(other),
                    go_quote(orig)
                ));
            }
        };
        if v > (1 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        total += v;
        if total > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((total as i64).wrapping_neg());
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// Go's time-package quoting (in parse and duration errors): bytes outside
/// printable ASCII as `\xNN`, `"` and `\` escaped.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// Civil calendar arithmetic (proleptic Gregorian), on days since 1970-01-01.

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1..=12, day 1..=31) of a day number.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

// ---------------------------------------------------------------------------
// Zones.

/// A Go `*time.Location`.
#[derive(Clone, Debug, PartialEq)]
enum Zone {
    Utc,
    /// `time.Local`, which is UTC on the machines this runs on.
    Local,
    /// `time.FixedZone(name, offset)`, as parsing makes for offsets and
    /// abbreviations that are not the local zone's.
    Fixed(Arc<str>, i32),
    Iana(Tz),
}

impl Zone {
    /// The location's name (`Location.String`).
    fn name(&self) -> Cow<'_, str> {
        match self {
            Zone::Utc => Cow::Borrowed("UTC"),
            Zone::Local => Cow::Borrowed("Local"),
            Zone::Fixed(name, _) => Cow::Borrowed(name),
            Zone::Iana(tz) => Cow::Borrowed(tz.name()),
        }
    }

    /// The zone abbreviation and offset east of UTC in effect at a Unix second.
    fn lookup(&self, unix: i64) -> (Cow<'_, str>, i32) {
        match self {
            Zone::Utc | Zone::Local => (Cow::Borrowed("UTC"), 0),
            Zone::Fixed(name, offset) => (Cow::Borrowed(name), *offset),
            Zone::Iana(tz) => {
                let Some(utc) = DateTime::from_timestamp(unix, 0) else {
                    return (Cow::Borrowed("UTC"), 0);
                };
                let offset = tz.offset_from_utc_datetime(&utc.naive_utc());
                let seconds = offset.fix().local_minus_utc();
                match offset.abbreviation() {
                    Some(abbr) => (Cow::Owned(abbr.to_string()), seconds),
                    None => (Cow::Owned(numeric_abbreviation(seconds)), seconds),
                }
            }
        }
    }
}

/// The abbreviation tzdata gives zones without a name: `+03`, `+0530`.
fn numeric_abbreviation(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.unsigned_abs() / 60;
    if minutes.is_multiple_of(60) {
        format!("{sign}{:02}", minutes / 60)
    } else {
        format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
    }
}

/// Go's `time.LoadLocation`: `""` and `UTC` are UTC, `Local` is local, other
/// names are zoneinfo files, matched exactly.
fn load_location(name: &str) -> Option<Zone> {
    match name {
        "" | "UTC" => Some(Zone::Utc),
        "Local" => Some(Zone::Local),
        _ if name.contains("..") || name.starts_with('/') || name.starts_with('\\') => None,
        _ => name.parse::<Tz>().ok().map(Zone::Iana),
    }
}

/// `t.Format(layout)` for a time Go's JSON decoder read from RFC 3339 text
/// (release records): a zero offset is the local zone (UTC here), any other
/// offset a nameless fixed zone, whose `MST` prints as `+0100`. `None` is Go's
/// zero time.
pub(crate) fn format_parsed_time(instant: Option<(i64, u32, i32)>, layout: &str) -> String {
    let time = match instant {
        None => GoTime::zero(),
        Some((unix, nsec, 0)) => GoTime::unix(unix, nsec),
        Some((unix, nsec, offset)) => GoTime {
            unix,
            nsec,
            zone: Zone::Fixed(Arc::from(""), offset),
            mono: None,
        },
    };
    time.format(layout)
}

// ---------------------------------------------------------------------------
// Go's time.Time.

/// A Go `time.Time`: an instant to the nanosecond, the zone it is shown in, and
/// for `now` the monotonic clock reading Go prints as `m=+0.000123`.
#[derive(Clone, Debug, PartialEq)]
struct GoTime {
    unix: i64,
    nsec: u32,
    zone: Zone,
    mono: Option<i64>,
}

/// The broken-down local time of a `GoTime`.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    yday: i64,
    weekday: usize,
    hour: i64,
    minute: i64,
    second: i64,
}

/// Seconds from 0001-01-01 (Go's zero time) to the Unix epoch.
const ZERO_TIME_UNIX: i64 = -62_135_596_800;

impl GoTime {
    /// `time.Time{}`: January 1, year 1, UTC.
    fn zero() -> GoTime {
        GoTime {
            unix: ZERO_TIME_UNIX,
            nsec: 0,
            zone: Zone::Utc,
            mono: None,
        }
    }

    /// `time.Unix(secs, nsec)`, in the local zone.
    fn unix(secs: i64, nsec: u32) -> GoTime {
        GoTime {
            unix: secs,
            nsec,
            zone: Zone::Local,
            mono: None,
        }
    }

    /// `time.Now()`, with a monotonic reading counted from the first use.
    fn now() -> GoTime {
        static START: OnceLock<Instant> = OnceLock::new();
        let start = *START.get_or_init(Instant::now);
        let (unix, nsec) = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
            Err(_) => (0, 0),
        };
        let mono = i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX);
        GoTime {
            unix,
            nsec,
            zone: Zone::Local,
            mono: Some(mono + 1),
        }
    }

    /// `time.Date(...)` in a fixed-offset zone: out-of-range fields carry over
    /// (month 13 is January of the next year, day 0 the last of the month before).
    #[allow(clippy::too_many_arguments)]
    fn date(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        minute: i64,
        second: i64,
        nsec: i64,
        zone: Zone,
    ) -> GoTime {
        let m0 = month - 1;
        let year = year + m0.div_euclid(12);
        let month = m0.rem_euclid(12) + 1;
        let days = days_from_civil(year, month, 1) + day - 1;
        let secs =
            days * 86_400 + hour * 3600 + minute * 60 + second + nsec.div_euclid(1_000_000_000);
        let (_, offset) = zone.lookup(secs);
        let mut unix = secs - i64::from(offset);
        let (_, actual) = zone.lookup(unix);
        if actual != offset {
            unix = secs - i64::from(actual);
        }
        GoTime {
            unix,
            nsec: nsec.rem_euclid(1_000_000_000) as u32,
            zone,
            mono: None,
        }
    }

    fn with_zone(&self, zone: Zone) -> GoTime {
        GoTime {
            zone,
            mono: None,
            ..self.clone()
        }
    }

    fn civil(&self) -> (Civil, Cow<'_, str>, i32) {
        let (abbr, offset) = self.zone.lookup(self.unix);
        let local = self.unix + i64::from(offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let civil = Civil {
            year,
            month,
            day,
            yday: days - days_from_civil(year, 1, 1) + 1,
            weekday: (days + 4).rem_euclid(7) as usize,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
        };
        (civil, abbr, offset)
    }

    /// `t.Add(d)`, keeping the monotonic reading when it doesn't overflow.
    fn add(&self, d: i64) -> GoTime {
        let total = i128::from(self.nsec) + i128::from(d % SECOND);
        let mut unix = self.unix + d / SECOND;
        let mut nsec = total;
        if nsec >= 1_000_000_000 {
            unix += 1;
            nsec -= 1_000_000_000;
        } else if nsec < 0 {
            unix -= 1;
            nsec += 1_000_000_000;
        }
        GoTime {
            unix,
            nsec: nsec as u32,
            zone: self.zone.clone(),
            mono: self.mono.and_then(|m| m.checked_add(d)),
        }
    }

    /// `t.Sub(u)`, saturating; by the monotonic readings when both have one.
    fn sub(&self, u: &GoTime) -> i64 {
        if let (Some(a), Some(b)) = (self.mono, u.mono) {
            return a.saturating_sub(b);
        }
        let nanos = (i128::from(self.unix) - i128::from(u.unix)) * i128::from(SECOND)
            + i128::from(self.nsec)
            - i128::from(u.nsec);
        i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX })
    }

    fn cmp_instant(&self, u: &GoTime) -> std::cmp::Ordering {
        (self.unix, self.nsec).cmp(&(u.unix, u.nsec))
    }

    /// `t.AddDate(years, months, days)`.
    fn add_date(&self, years: i64, months: i64, days: i64) -> GoTime {
        let (c, _, _) = self.civil();
        GoTime::date(
            c.year + years,
            c.month + months,
            c.day + days,
            c.hour,
            c.minute,
            c.second,
            i64::from(self.nsec),
            self.zone.clone(),
        )
    }

    fn unix_nano(&self) -> i64 {
        self.unix
            .wrapping_mul(SECOND)
            .wrapping_add(i64::from(self.nsec))
    }

    /// `t.String()`.
    fn string(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            let sign = if m < 0 { '-' } else { '+' };
            let m = m.unsigned_abs();
            s.push_str(&format!(
                " m={sign}{}.{:09}",
                m / 1_000_000_000,
                m % 1_000_000_000
            ));
        }
        s
    }

    /// `t.Format(layout)`.
    fn format(&self, layout: &str) -> String {
        let (c, abbr, offset) = self.civil();
        let mut out = String::new();
        let mut rest = layout;
        while !rest.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(rest);
            out.push_str(prefix);
            let Some(std) = std else { break };
            rest = suffix;
            format_std(&mut out, std, &c, &abbr, offset, self.nsec);
        }
        out
    }

    /// Reads a time back from the object `time_value` made.
    fn from_object(object: &dyn Object) -> Option<GoTime> {
        if object.type_name() != TIME_TYPE {
            return None;
        }
        let Some(Value::List(parts)) = object.field(STATE_FIELD) else {
            return None;
        };
        let int = |i: usize| match parts.get(i) {
            Some(Value::Int(n, _)) => Some(*n),
            _ => None,
        };
        let text = |i: usize| parts.get(i).and_then(Value::as_str).map(str::to_string);
        let zone = match text(2)?.as_str() {
            "utc" => Zone::Utc,
            "local" => Zone::Local,
            "fixed" => Zone::Fixed(Arc::from(text(3)?), i32::try_from(int(4)?).ok()?),
            _ => Zone::Iana(text(3)?.parse().ok()?),
        };
        let mono = match parts.get(5) {
            Some(Value::Int(m, _)) => Some(*m),
            _ => None,
        };
        Some(GoTime {
            unix: int(0)?,
            nsec: u32::try_from(int(1)?).ok()?,
            zone,
            mono,
        })
    }
}

fn format_std(out: &mut String, std: Std, c: &Civil, abbr: &str, offset: i32, nsec: u32) {
    let hour12 = if c.hour % 12 == 0 { 12 } else { c.hour % 12 };
    match std {
        Std::Year => out.push_str(&format!("{:02}", c.year.abs() % 100)),
        Std::LongYear => push_padded(out, c.year, 4),
        Std::Month => out.push_str(&LONG_MONTHS[(c.month - 1) as usize][..3]),
        Std::LongMonth => out.push_str(LONG_MONTHS[(c.month - 1) as usize]),
        Std::NumMonth => push_padded(out, c.month, 0),
        Std::ZeroMonth => push_padded(out, c.month, 2),
        Std::WeekDay => out.push_str(&LONG_DAYS[c.weekday][..3]),
        Std::LongWeekDay => out.push_str(LONG_DAYS[c.weekday]),
        Std::Day => push_padded(out, c.day, 0),
        Std::UnderDay => out.push_str(&format!("{:>2}", c.day)),
        Std::ZeroDay => push_padded(out, c.day, 2),
        Std::UnderYearDay => out.push_str(&format!("{:>3}", c.yday)),
        Std::ZeroYearDay => push_padded(out, c.yday, 3),
        Std::Hour => push_padded(out, c.hour, 2),
        Std::Hour12 => push_padded(out, hour12, 0),
        Std::ZeroHour12 => push_padded(out, hour12, 2),
        Std::Minute => push_padded(out, c.minute, 0),
        Std::ZeroMinute => push_padded(out, c.minute, 2),
        Std::Second => push_padded(out, c.second, 0),
        Std::ZeroSecond => push_padded(out, c.second, 2),
        Std::PM => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
        Std::Pm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
        Std::Tz if !abbr.is_empty() => out.push_str(abbr),
        Std::Tz => {
            let minutes = offset / 60;
            out.push(if minutes < 0 { '-' } else { '+' });
            let minutes = minutes.abs();
            out.push_str(&format!("{:02}{:02}", minutes / 60, minutes % 60));
        }
        Std::Offset(shape) => format_offset(out, shape, offset),
        Std::Frac { digits, trim, sep } => format_frac(out, nsec, digits, trim, sep),
    }
}

/// Go's `appendInt`: a minus sign, then at least `width` digits.
fn push_padded(out: &mut String, n: i64, width: usize) {
    if n < 0 {
        out.push('-');
    }
    out.push_str(&format!("{:0width$}", n.unsigned_abs()));
}

fn format_offset(out: &mut String, shape: OffsetShape, offset: i32) {
    if offset == 0 && shape.z {
        out.push('Z');
        return;
    }
    let minutes = offset / 60;
    out.push(if minutes < 0 { '-' } else { '+' });
    let minutes = minutes.abs();
    out.push_str(&format!("{:02}", minutes / 60));
    if shape.colon {
        out.push(':');
    }
    if !shape.short {
        out.push_str(&format!("{:02}", minutes % 60));
    }
    if shape.seconds {
        if shape.colon {
            out.push(':');
        }
        out.push_str(&format!("{:02}", offset.abs() % 60));
    }
}

fn format_frac(out: &mut String, nsec: u32, digits: usize, trim: bool, sep: char) {
    if trim && (digits == 0 || nsec == 0) {
        return;
    }
    let all = format!("{nsec:09}");
    let mut text: String = all.chars().take(digits.min(9)).collect();
    if trim {
        text = text.trim_end_matches('0').to_string();
        if text.is_empty() {
            return;
        }
    }
    out.push(sep);
    out.push_str(&text);
}

// ---------------------------------------------------------------------------
// Layouts.

/// The shape of a numeric zone offset element (`-0700`, `Z07:00:00`, ...).
#[derive(Clone, Copy, Debug, PartialEq)]
struct OffsetShape {
    /// `Z...`: prints `Z` for UTC.
    z: bool,
    colon: bool,
    /// Hours only (`-07`).
    short: bool,
    seconds: bool,
}

/// One element of a Go layout.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    Offset(OffsetShape),
    /// `.000` (all digits) or `.999` (trailing zeros trimmed), with `.` or `,`.
    Frac {
        digits: usize,
        trim: bool,
        sep: char,
    },
}

const OFFSETS: [(&str, OffsetShape); 10] = {
    const fn s(z: bool, colon: bool, short: bool, seconds: bool) -> OffsetShape {
        OffsetShape {
            z,
            colon,
            short,
            seconds,
        }
    }
    [
        ("-070000", s(false, false, false, true)),
        ("-07:00:00", s(false, true, false, true)),
        ("-0700", s(false, false, false, false)),
        ("-07:00", s(false, true, false, false)),
        ("-07", s(false, false, true, false)),
        ("Z070000", s(true, false, false, true)),
        ("Z07:00:00", s(true, true, false, true)),
        ("Z0700", s(true, false, false, false)),
        ("Z07:00", s(true, true, false, false)),
        ("Z07", s(true, false, true, false)),
    ]
};

/// Go's `nextStdChunk`: the text before the first layout element, the element,
/// and the text after it.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|rest| rest.starts_with(s));
    let lower_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_lowercase);
    for i in 0..b.len() {
        let found = |std: Std, len: usize| (&layout[..i], Some(std), &layout[i + len..]);
        match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    return found(Std::LongMonth, 7);
                }
                if !lower_at(i + 3) {
                    return found(Std::Month, 3);
                }
            }
            b'M' => {
                if at(i, "Mon") {
                    if at(i, "Monday") {
                        return found(Std::LongWeekDay, 6);
                    }
                    if !lower_at(i + 3) {
                        return found(Std::WeekDay, 3);
                    }
                }
                if at(i, "MST") {
                    return found(Std::Tz, 3);
                }
            }
            b'0' => {
                if let Some(d @ b'1'..=b'6') = b.get(i + 1) {
                    let std = [
                        Std::ZeroMonth,
                        Std::ZeroDay,
                        Std::ZeroHour12,
                        Std::ZeroMinute,
                        Std::ZeroSecond,
                        Std::Year,
                    ][usize::from(d - b'1')];
                    return found(std, 2);
                }
                if at(i, "002") {
                    return found(Std::ZeroYearDay, 3);
                }
            }
            b'1' => {
                if at(i, "15") {
                    return found(Std::Hour, 2);
                }
                return found(Std::NumMonth, 1);
            }
            b'2' => {
                if at(i, "2006") {
                    return found(Std::LongYear, 4);
                }
                return found(Std::Day, 1);
            }
            b'_' => {
                if at(i, "_2") {
                    if at(i, "_2006") {
                        return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                    }
                    return found(Std::UnderDay, 2);
                }
                if at(i, "__2") {
                    return found(Std::UnderYearDay, 3);
                }
            }
            b'3' => return found(Std::Hour12, 1),
            b'4' => return found(Std::Minute, 1),
            b'5' => return found(Std::Second, 1),
            b'P' if at(i, "PM") => return found(Std::PM, 2),
            b'p' if at(i, "pm") => return found(Std::Pm, 2),
            b'-' | b'Z' => {
                for (text, shape) in OFFSETS {
                    if at(i, text) {
                        return found(Std::Offset(shape), text.len());
                    }
                }
            }
            c @ (b'.' | b',') => {
                if let Some(&ch @ (b'0' | b'9')) = b.get(i + 1) {
                    let mut j = i + 1;
                    while b.get(j) == Some(&ch) {
                        j += 1;
                    }
                    if !b.get(j).is_some_and(u8::is_ascii_digit) {
                        let std = Std::Frac {
                            digits: j - (i + 1),
                            trim: ch == b'9',
                            sep: char::from(c),
                        };
                        return (&layout[..i], Some(std), &layout[j..]);
                    }
                }
            }
            _ => {}
        }
    }
    (layout, None, "")
}

// ---------------------------------------------------------------------------
// Parsing: Go's `time.ParseInLocation(layout, value, time.Local)`.

/// Why one element failed to parse.
enum Bad {
    /// The value doesn't fit the element: Go's "cannot parse" error.
    Syntax,
    /// The value fits but is out of range: `month out of range`, ...
    Range(&'static str),
}

/// The fields parsed so far.
#[derive(Default)]
struct Fields {
    year: i64,
    month: Option<i64>,
    day: Option<i64>,
    yday: Option<i64>,
    hour: i64,
    minute: i64,
    second: i64,
    nsec: i64,
    pm: bool,
    am: bool,
    utc: bool,
    offset: Option<i64>,
    zone_name: String,
}

fn parse(layout: &str, value: &str) -> Result<GoTime, String> {
    let quoted = |s: &str| go_quote(s);
    let cannot = |value_elem: &str, layout_elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quoted(value),
            quoted(layout),
            quoted(value_elem),
            quoted(layout_elem)
        )
    };
    let message = |msg: &str| format!("parsing time {}{msg}", quoted(value));
    let mut f = Fields::default();
    let mut rest_layout = layout;
    let mut rest = value;
    loop {
        let (prefix, std, suffix) = next_std_chunk(rest_layout);
        let std_text = &rest_layout[prefix.len()..rest_layout.len() - suffix.len()];
        rest = skip(rest, prefix).map_err(|at| cannot(at, prefix))?;
        let Some(std) = std else {
            if !rest.is_empty() {
                return Err(message(&format!(": extra text: {}", quoted(rest))));
            }
            break;
        };
        rest_layout = suffix;
        let hold = rest;
        match parse_std(std, &mut rest, rest_layout, &mut f) {
            Ok(()) => {}
            Err(Bad::Range(what)) => {
                return Err(message(&format!(": {what} out of range")));
            }
            Err(Bad::Syntax) => return Err(cannot(hold, std_text)),
        }
    }
    finish(f, &message)
}

/// Go's `skip`: removes the literal `prefix`, a run of spaces matching a run.
/// On failure, the value as it stood where matching stopped (Go's error shows it).
fn skip<'a>(value: &'a str, prefix: &str) -> Result<&'a str, &'a str> {
    let mut value = value;
    let mut prefix = prefix;
    while let Some(p) = prefix.bytes().next() {
        if p == b' ' {
            if !value.is_empty() && !value.starts_with(' ') {
                return Err(value);
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        if value.bytes().next() != Some(p) {
            return Err(value);
        }
        // Literal layout text is matched byte by byte; a multi-byte character
        // matches only whole, so step over it as a unit.
        let width = prefix.chars().next().map_or(1, char::len_utf8);
        match (value.get(width..), prefix.get(..width)) {
            (Some(rest), Some(head)) if value.starts_with(head) => {
                value = rest;
                prefix = &prefix[width..];
            }
            _ => return Err(value),
        }
    }
    Ok(value)
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &mut &str, fixed: bool) -> Result<i64, Bad> {
    let b = s.as_bytes();
    let digit = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| i64::from(c - b'0'))
    };
    let first = digit(0).ok_or(Bad::Syntax)?;
    match digit(1) {
        Some(second) => {
            *s = &s[2..];
            Ok(first * 10 + second)
        }
        None if fixed => Err(Bad::Syntax),
        None => {
            *s = &s[1..];
            Ok(first)
        }
    }
}

/// Go's `getnum3`: one to three digits (exactly three when `fixed`).
fn getnum3(s: &mut &str, fixed: bool) -> Result<i64, Bad> {
    let n = s.bytes().take(3).take_while(u8::is_ascii_digit).count();
    if n == 0 || (fixed && n != 3) {
        return Err(Bad::Syntax);
    }
    let v = s[..n]
        .bytes()
        .fold(0, |acc, c| acc * 10 + i64::from(c - b'0'));
    *s = &s[n..];
    Ok(v)
}

/// Go's `atoi` on a short field: optional sign, then only digits.
fn atoi(s: &str) -> Result<i64, Bad> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Bad::Syntax);
    }
    let v = digits
        .bytes()
        .try_fold(0i64, |acc, c| {
            acc.checked_mul(10)?.checked_add(i64::from(c - b'0'))
        })
        .ok_or(Bad::Syntax)?;
    Ok(if neg { -v } else { v })
}

/// Splits off the first `n` bytes, if there are that many on a char boundary.
fn take<'a>(s: &mut &'a str, n: usize) -> Option<&'a str> {
    let head = s.get(..n)?;
    *s = &s[n..];
    Some(head)
}

/// Go's case-insensitive `lookup` of a name table: the index matched.
fn lookup_name(names: &[&str], s: &mut &str, short: bool) -> Result<i64, Bad> {
    for (i, name) in names.iter().enumerate() {
        let name = if short { &name[..3] } else { name };
        if let Some(head) = s.get(..name.len())
            && head.eq_ignore_ascii_case(name)
        {
            *s = &s[name.len()..];
            return Ok(i as i64);
        }
    }
    Err(Bad::Syntax)
}

/// Go's `parseNanoseconds`: `value[..nbytes]` is a separator then digits.
fn parse_nanoseconds(value: &str, nbytes: usize) -> Result<i64, Bad> {
    if !matches!(value.as_bytes().first(), Some(b'.' | b',')) {
        return Err(Bad::Syntax);
    }
    let nbytes = nbytes.min(10);
    let ns = atoi(value.get(1..nbytes).ok_or(Bad::Syntax)?)?;
    if ns < 0 {
        return Err(Bad::Range("fractional second"));
    }
    Ok(ns * 10i64.pow((10 - nbytes) as u32))
}

fn parse_std(std: Std, s: &mut &str, layout_rest: &str, f: &mut Fields) -> Result<(), Bad> {
    let in_range = |v: i64, ok: bool, what: &'static str| {
        if ok { Ok(v) } else { Err(Bad::Range(what)) }
    };
    match std {
        Std::Year => {
            let p = take(s, 2).ok_or(Bad::Syntax)?;
            let y = atoi(p)?;
            f.year = if y >= 69 { y + 1900 } else { y + 2000 };
        }
        Std::LongYear => {
            if s.len() < 4 || !s.as_bytes()[0].is_ascii_digit() {
                return Err(Bad::Syntax);
            }
            let p = take(s, 4).ok_or(Bad::Syntax)?;
            f.year = atoi(p)?;
        }
        Std::Month => f.month = Some(lookup_name(&LONG_MONTHS, s, true)? + 1),
        Std::LongMonth => f.month = Some(lookup_name(&LONG_MONTHS, s, false)? + 1),
        Std::NumMonth | Std::ZeroMonth => {
            let m = getnum(s, std == Std::ZeroMonth)?;
            f.month = Some(in_range(m, (1..=12).contains(&m), "month")?);
        }
        Std::WeekDay => {
            lookup_name(&LONG_DAYS, s, true)?;
        }
        Std::LongWeekDay => {
            lookup_name(&LONG_DAYS, s, false)?;
        }
        Std::Day | Std::UnderDay | Std::ZeroDay => {
            if std == Std::UnderDay && s.starts_with(' ') {
                *s = &s[1..];
            }
            f.day = Some(getnum(s, std == Std::ZeroDay)?);
        }
        Std::UnderYearDay | Std::ZeroYearDay => {
            for _ in 0..2 {
                if std == Std::UnderYearDay && s.starts_with(' ') {
                    *s = &s[1..];
                }
            }
            f.yday = Some(getnum3(s, std == Std::ZeroYearDay)?);
        }
        Std::Hour => {
            let h = getnum(s, false)?;
            f.hour = in_range(h, h < 24, "hour")?;
        }
        Std::Hour12 | Std::ZeroHour12 => {
            let h = getnum(s, std == Std::ZeroHour12)?;
            f.hour = in_range(h, h <= 12, "hour")?;
        }
        Std::Minute | Std::ZeroMinute => {
            let m = getnum(s, std == Std::ZeroMinute)?;
            f.minute = in_range(m, m < 60, "minute")?;
        }
        Std::Second | Std::ZeroSecond => {
            let sec = getnum(s, std == Std::ZeroSecond)?;
            f.second = in_range(sec, sec < 60, "second")?;
            // A fractional second in the value that the layout doesn't ask for.
            let b = s.as_bytes();
            if b.len() >= 2 && matches!(b[0], b'.' | b',') && b[1].is_ascii_digit() {
                if let (_, Some(Std::Frac { .. }), _) = next_std_chunk(layout_rest) {
                    return Ok(());
                }
                let n = 2 + b[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                f.nsec = parse_nanoseconds(s, n)?;
                *s = &s[n..];
            }
        }
        Std::PM | Std::Pm => {
            let p = take(s, 2).ok_or(Bad::Syntax)?;
            let (pm, am) = if std == Std::PM {
                ("PM", "AM")
            } else {
                ("pm", "am")
            };
            match p {
                _ if p == pm => f.pm = true,
                _ if p == am => f.am = true,
                _ => return Err(Bad::Syntax),
            }
        }
        Std::Offset(shape) => parse_offset(shape, s, f)?,
        Std::Tz => {
            if s.starts_with("UTC") {
                f.utc = true;
                *s = &s[3..];
                return Ok(());
            }
            let n = parse_time_zone(s).ok_or(Bad::Syntax)?;
            f.zone_name = s[..n].to_string();
            *s = &s[n..];
        }
        Std::Frac { digits, trim, .. } => {
            if !trim {
                let ndigit = 1 + digits;
                if s.len() < ndigit {
                    return Err(Bad::Syntax);
                }
                f.nsec = parse_nanoseconds(s, ndigit)?;
                *s = s.get(ndigit..).ok_or(Bad::Syntax)?;
            } else {
                let b = s.as_bytes();
                if b.len() < 2 || !matches!(b[0], b'.' | b',') || !b[1].is_ascii_digit() {
                    return Ok(());
                }
                let n = 1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                f.nsec = parse_nanoseconds(s, n)?;
                *s = &s[n..];
            }
        }
    }
    Ok(())
}

fn parse_offset(shape: OffsetShape, s: &mut &str, f: &mut Fields) -> Result<(), Bad> {
    if shape.z && s.starts_with('Z') {
        *s = &s[1..];
        f.utc = true;
        return Ok(());
    }
    let b = s.as_bytes();
    let need = match (shape.colon, shape.short, shape.seconds) {
        (true, _, true) => 9,
        (true, _, false) => 6,
        (false, true, _) => 3,
        (false, false, true) => 7,
        (false, false, false) => 5,
    };
    if b.len() < need {
        return Err(Bad::Syntax);
    }
    if shape.colon && (b[3] != b':' || (shape.seconds && b[6] != b':')) {
        return Err(Bad::Syntax);
    }
    let field = |start: usize| s.get(start..start + 2).ok_or(Bad::Syntax);
    let (hh, mm, ss) = match (shape.colon, shape.short, shape.seconds) {
        (true, _, true) => (field(1)?, field(4)?, field(7)?),
        (true, _, false) => (field(1)?, field(4)?, "00"),
        (false, true, _) => (field(1)?, "00", "00"),
        (false, false, true) => (field(1)?, field(3)?, field(5)?),
        (false, false, false) => (field(1)?, field(3)?, "00"),
    };
    let sign = b[0];
    *s = s.get(need..).ok_or(Bad::Syntax)?;
    // Go reads the fields in turn, stopping at the first bad one, and checks
    // the ranges of what it read before reporting a syntax error.
    let mut fields = [0i64; 3];
    let mut syntax = false;
    for (slot, text) in fields.iter_mut().zip([hh, mm, ss]) {
        match getnum(&mut { text }, true) {
            Ok(v) => *slot = v,
            Err(_) => {
                syntax = true;
                break;
            }
        }
    }
    let [hr, mi, se] = fields;
    let mut range = None;
    if hr > 24 {
        range = Some("time zone offset hour");
    }
    if mi > 60 {
        range = Some("time zone offset minute");
    }
    if se > 60 {
        range = Some("time zone offset second");
    }
    let offset = (hr * 60 + mi) * 60 + se;
    f.offset = Some(match sign {
        b'+' => offset,
        b'-' => -offset,
        _ => {
            syntax = true;
            offset
        }
    });
    match range {
        Some(what) => Err(Bad::Range(what)),
        None if syntax => Err(Bad::Syntax),
        None => Ok(()),
    }
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start.
fn parse_time_zone(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if let Some(rest) = value.strip_prefix("GMT") {
        return Some(3 + parse_signed_offset(rest).unwrap_or(0));
    }
    if b[0] == b'+' || b[0] == b'-' {
        return parse_signed_offset(value);
    }
    let upper = b
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        3 => Some(3),
        4 if b[3] == b'T' || value.starts_with("WITA") => Some(4),
        5 if b[4] == b'T' => Some(5),
        _ => None,
    }
}

/// Go's `parseSignedOffset`: a sign and an hour of at most 23.
fn parse_signed_offset(value: &str) -> Option<usize> {
    let sign = *value.as_bytes().first()?;
    if sign != b'+' && sign != b'-' {
        return None;
    }
    let digits = value[1..].bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let x = value[1..1 + digits].bytes().try_fold(0u64, |acc, c| {
        acc.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    })?;
    (x <= 23).then_some(1 + digits)
}

/// The end of Go's `parse`: AM/PM, day of year, day validation, and the zone.
fn finish(mut f: Fields, message: &dyn Fn(&str) -> String) -> Result<GoTime, String> {
    if f.pm && f.hour < 12 {
        f.hour += 12;
    } else if f.am && f.hour == 12 {
        f.hour = 0;
    }
    let (month, day) = match f.yday {
        Some(mut yday) => {
            let mut m = 0;
            let mut d = 0;
            if is_leap(f.year) {
                if yday == 31 + 29 {
                    m = 2;
                    d = 29;
                } else if yday > 31 + 29 {
                    yday -= 1;
                }
            }
            if !(1..=365).contains(&yday) {
                return Err(message(": day-of-year out of range"));
            }
            if m == 0 {
                let before =
                    |month: i64| -> i64 { (1..month).map(|k| days_in_month(k, 2001)).sum() };
                m = (yday - 1) / 31 + 1;
                if before(m + 1) < yday {
                    m += 1;
                }
                d = yday - before(m);
            }
            if f.month.is_some_and(|month| month != m) {
                return Err(message(": day-of-year does not match month"));
            }
            if f.day.is_some_and(|day| day != d) {
                return Err(message(": day-of-year does not match day"));
            }
            (m, d)
        }
        None => (f.month.unwrap_or(1), f.day.unwrap_or(1)),
    };
    if day < 1 || day > days_in_month(month, f.year) {
        return Err(message(": day out of range"));
    }
    let at =
        |zone: Zone| GoTime::date(f.year, month, day, f.hour, f.minute, f.second, f.nsec, zone);
    if f.utc {
        return Ok(at(Zone::Utc));
    }
    if let Some(offset) = f.offset {
        let t = at(Zone::Utc);
        let unix = t.unix - offset;
        // The local zone (UTC) is used when the offset and name are its own.
        let zone = if offset == 0 && (f.zone_name.is_empty() || f.zone_name == "UTC") {
            Zone::Local
        } else {
            Zone::Fixed(Arc::from(f.zone_name.as_str()), offset as i32)
        };
        return Ok(GoTime { unix, zone, ..t });
    }
    if !f.zone_name.is_empty() {
        // An abbreviation the local zone doesn't use: recorded with offset
        // zero (GMT+N with N hours), the clock reading kept as it was.
        let t = at(Zone::Utc);
        let mut offset = 0;
        if f.zone_name.len() > 3 && f.zone_name.starts_with("GMT") {
            offset = atoi(&f.zone_name[3..]).unwrap_or(0) * 3600;
        }
        let zone = Zone::Fixed(Arc::from(f.zone_name.as_str()), offset as i32);
        return Ok(GoTime { zone, ..t });
    }
    Ok(at(Zone::Local))
}

// ---------------------------------------------------------------------------
// The template-facing objects.

/// The hidden field through which a `time.Time` object hands its state back
/// to these functions. Not a Go identifier, so templates can't reach it.
const STATE_FIELD: &str = "#state";

fn time_value(t: GoTime) -> Value {
    Value::Object(Arc::new(TimeObject(t)))
}

/// A `time.Time` as templates see it: prints as `String()`, with its common
/// methods.
struct TimeObject(GoTime);

impl Object for TimeObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed(TIME_TYPE)
    }

    fn kind(&self) -> &'static str {
        "struct"
    }

    fn field(&self, name: &str) -> Option<Value> {
        if name != STATE_FIELD {
            return None;
        }
        let t = &self.0;
        let (kind, zone_name, offset) = match &t.zone {
            Zone::Utc => ("utc", String::new(), 0),
            Zone::Local => ("local", String::new(), 0),
            Zone::Fixed(name, offset) => ("fixed", name.to_string(), *offset),
            Zone::Iana(tz) => ("iana", tz.name().to_string(), 0),
        };
        let mono = t.mono.map(Value::int64).unwrap_or(Value::Nil);
        Some(Value::List(List::new(vec![
            Value::int64(t.unix),
            Value::int64(i64::from(t.nsec)),
            Value::str(kind),
            Value::str(&zone_name),
            Value::int64(i64::from(offset)),
            mono,
        ])))
    }

    fn method(&self, name: &str) -> Option<Func> {
        let t = self.0.clone();
        let (c, _, _) = t.civil();
        let simple = |v: Value| Some(Func::pure(&[], None, move |_| Ok(v.clone())));
        match name {
            "Unix" => simple(Value::int64(t.unix)),
            "UnixMilli" => simple(Value::int64(t.unix_nano_div(MILLISECOND))),
            "UnixMicro" => simple(Value::int64(t.unix_nano_div(MICROSECOND))),
            "UnixNano" => simple(Value::int64(t.unix_nano())),
            "Year" => simple(Value::int(c.year)),
            "Month" => simple(named_int(
                "time.Month",
                c.month,
                LONG_MONTHS[(c.month - 1) as usize],
            )),
            "Day" => simple(Value::int(c.day)),
            "Weekday" => simple(named_int(
                "time.Weekday",
                c.weekday as i64,
                LONG_DAYS[c.weekday],
            )),
            "YearDay" => simple(Value::int(c.yday)),
            "Hour" => simple(Value::int(c.hour)),
            "Minute" => simple(Value::int(c.minute)),
            "Second" => simple(Value::int(c.second)),
            "Nanosecond" => simple(Value::int(i64::from(t.nsec))),
            "IsZero" => simple(Value::Bool(t.unix == ZERO_TIME_UNIX && t.nsec == 0)),
            "String" => simple(Value::from(t.string())),
            "UTC" => simple(time_value(t.with_zone(Zone::Utc))),
            "Local" => simple(time_value(t.with_zone(Zone::Local))),
            "Location" => simple(named_int("*time.Location", 0, &t.zone.name())),
            "Format" => Some(Func::pure(&[Param::String], None, move |a| {
                Ok(t.format(str_arg(&a[0])).into())
            })),
            "AddDate" => Some(Func::pure(&[Param::Int; 3], None, move |a| {
                let n = |i: usize| match a[i] {
                    Value::Int(n, _) => n,
                    _ => 0,
                };
                Ok(time_value(t.add_date(n(0), n(1), n(2))))
            })),
            // Go takes a `time.Duration` (an int64 kind): int64 is the nearest.
            "Add" => Some(Func::pure(&[Param::Int64], None, move |a| {
                let d = match a[0] {
                    Value::Int(n, _) => n,
                    _ => 0,
                };
                Ok(time_value(t.add(d)))
            })),
            "Sub" => Some(Func::pure(&[Param::Any], None, move |a| {
                let u = time_arg(&a[0])?;
                Ok(named_int(
                    "time.Duration",
                    t.sub(&u),
                    &duration_string(t.sub(&u)),
                ))
            })),
            "Before" | "After" | "Equal" | "Compare" => {
                let name = name.to_string();
                Some(Func::pure(&[Param::Any], None, move |a| {
                    let order = t.cmp_instant(&time_arg(&a[0])?);
                    Ok(match name.as_str() {
                        "Before" => Value::Bool(order.is_lt()),
                        "After" => Value::Bool(order.is_gt()),
                        "Equal" => Value::Bool(order.is_eq()),
                        _ => Value::int(order as i64),
                    })
                }))
            }
            _ => None,
        }
    }

    fn format_v(&self) -> String {
        self.0.string()
    }
}

impl GoTime {
    /// `UnixMilli`/`UnixMicro`: whole units since the epoch, rounded down.
    fn unix_nano_div(&self, unit: i64) -> i64 {
        let nanos = i128::from(self.unix) * i128::from(SECOND) + i128::from(self.nsec);
        (nanos.div_euclid(i128::from(unit))) as i64
    }
}

/// A Go named type with a `String` method (`time.Month`, `time.Weekday`,
/// `time.Duration`, `*time.Location`): prints as that string.
struct NamedInt {
    type_name: &'static str,
    text: String,
}

fn named_int(type_name: &'static str, _value: i64, text: &str) -> Value {
    Value::Object(Arc::new(NamedInt {
        type_name,
        text: text.to_string(),
    }))
}

impl Object for NamedInt {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.type_name)
    }

    fn kind(&self) -> &'static str {
        match self.type_name {
            "*time.Location" => "ptr",
            "time.Duration" => "int64",
            _ => "int",
        }
    }

    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    fn method(&self, name: &str) -> Option<Func> {
        let text = Value::str(&self.text);
        (name == "String").then(|| Func::pure(&[], None, move |_| Ok(text.clone())))
    }

    fn format_v(&self) -> String {
        self.text.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        for days in [-719_468, -1, 0, 1, 19_737, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(19_737), (2024, 1, 15));
    }

    #[test]
    fn durations_print_as_go() {
        assert_eq!(duration_string(0), "0s");
        assert_eq!(duration_string(1500 * MILLISECOND), "1.5s");
        assert_eq!(duration_string(HOUR + 2 * MINUTE + 3 * SECOND), "1h2m3s");
        assert_eq!(duration_string(-HOUR), "-1h0m0s");
        assert_eq!(duration_string(1500), "1.5µs");
        assert_eq!(duration_string(i64::MIN), "-2562047h47m16.854775808s");
    }

    #[test]
    fn now_is_now_and_local() {
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let t = GoTime::now();
        assert!(t.unix >= before && t.unix - before < 5);
        assert_eq!(t.zone, Zone::Local);
        let s = t.string();
        assert!(s.contains(" +0000 UTC m=+"), "{s}");
    }

    #[test]
    fn ago_of_recent_times_is_small() {
        let now = GoTime::now();
        assert_eq!(ago(&time_value(now.clone())), "0s");
        // Whole seconds against a now with a fraction: either neighbour.
        let past = ago(&Value::int(now.unix - 90));
        assert!(past == "1m30s" || past == "1m31s", "{past}");
        let future = ago(&Value::int64(now.unix + 3600));
        assert!(future == "-1h0m0s" || future == "-59m59s", "{future}");
        assert_eq!(ago(&Value::Float(1.0)), "0s");
    }

    #[test]
    fn duration_round_of_a_past_time() {
        let t = GoTime::now().add(-49 * HOUR);
        assert_eq!(duration_round(&time_value(t)), "2d");
    }

    #[test]
    fn now_functions_are_registered_and_deterministic_in_shape() {
        let mut funcs = FuncMap::default();
        register(&mut funcs);
        let Some(now) = funcs.get("now") else {
            panic!("now missing");
        };
        assert!(now.params.is_empty());
        let date = date_in_zone("2006-01-02", &Value::Nil, "Local");
        assert_eq!(date.len(), 10);
        assert_eq!(date, GoTime::now().format("2006-01-02"));
    }
}
