//! Timestamps as Go's `time.Time` marshals them in JSON: RFC 3339 with the
//! writer's UTC offset and up to nine fraction digits, trailing zeros dropped
//! (`RFC3339Nano`). Helm writes local time, so the offset is kept as read.

use std::fmt;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A point in time with the offset it was written with; `GoTime::ZERO` is Go's
/// zero time (`0001-01-01T00:00:00Z`), which Helm omits from most fields.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GoTime(Option<DateTime<FixedOffset>>);

impl GoTime {
    /// Go's zero `time.Time`.
    pub const ZERO: GoTime = GoTime(None);

    /// The current time, in UTC (Helm writes the machine's local zone; the
    /// instant is what every reader compares).
    pub fn now() -> GoTime {
        GoTime(Some(
            DateTime::<Utc>::from(std::time::SystemTime::now()).fixed_offset(),
        ))
    }

    pub fn from_datetime(time: DateTime<FixedOffset>) -> GoTime {
        GoTime(Some(time))
    }

    /// The time, or `None` for Go's zero time.
    pub fn datetime(&self) -> Option<DateTime<FixedOffset>> {
        self.0
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_none()
    }

    /// Seconds since the Unix epoch (Helm's `modifiedAt` label); Go's zero
    /// time is year 1, long before the epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.0.map_or(GO_ZERO_UNIX_SECONDS, |t| t.timestamp())
    }

    /// Parses RFC 3339 as Go's `time.Time.UnmarshalJSON` accepts it.
    pub fn parse(text: &str) -> Result<GoTime, String> {
        if text == "0001-01-01T00:00:00Z" {
            return Ok(GoTime::ZERO);
        }
        DateTime::parse_from_rfc3339(text)
            .map(GoTime::from_datetime)
            .map_err(|e| format!("parsing time {text:?}: {e}"))
    }

    /// `time.RFC3339Nano`: the fraction has no trailing zeros and vanishes when
    /// zero; a zero offset is written `Z`.
    pub fn rfc3339_nano(&self) -> String {
        let Some(time) = self.0 else {
            return "0001-01-01T00:00:00Z".to_owned();
        };
        let full = time.to_rfc3339_opts(SecondsFormat::Nanos, true);
        // "...:SS.nnnnnnnnnZ" or "...:SS.nnnnnnnnn+HH:MM": trim the fraction.
        let Some(dot) = full.find('.') else {
            return full;
        };
        let zone_at = full[dot..]
            .find(['Z', '+', '-'])
            .map_or(full.len(), |i| dot + i);
        let fraction = full[dot + 1..zone_at].trim_end_matches('0');
        let mut out = String::with_capacity(full.len());
        out.push_str(&full[..dot]);
        if !fraction.is_empty() {
            out.push('.');
            out.push_str(fraction);
        }
        out.push_str(&full[zone_at..]);
        out
    }
}

/// `time.Time{}.Unix()` in Go.
const GO_ZERO_UNIX_SECONDS: i64 = -62_135_596_800;

impl Default for GoTime {
    fn default() -> GoTime {
        GoTime::ZERO
    }
}

impl fmt::Debug for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339_nano())
    }
}

impl fmt::Display for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339_nano())
    }
}

impl Serialize for GoTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339_nano())
    }
}

impl<'de> Deserialize<'de> for GoTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GoTime, D::Error> {
        deserializer.deserialize_any(GoTimeVisitor)
    }
}

struct GoTimeVisitor;

impl Visitor<'_> for GoTimeVisitor {
    type Value = GoTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 time string")
    }

    // Helm's Info and HookExecution read an empty string or null as "no time".
    fn visit_str<E: de::Error>(self, text: &str) -> Result<GoTime, E> {
        if text.is_empty() {
            return Ok(GoTime::ZERO);
        }
        GoTime::parse(text).map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<GoTime, E> {
        Ok(GoTime::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go_rfc3339_nano() {
        for text in [
            "2026-11-22T07:17:56.123456789Z",
            "2026-11-22T07:17:56.1Z",
            "2026-11-22T07:17:56Z",
            "2026-11-22T08:17:56.5+01:00",
            "2026-11-22T02:17:56.000001-05:00",
        ] {
            assert_eq!(GoTime::parse(text).unwrap().rfc3339_nano(), text);
        }
        assert_eq!(
            GoTime::parse("2026-11-22T07:17:56.120000000Z")
                .unwrap()
                .rfc3339_nano(),
            "2026-11-22T07:17:56.12Z"
        );
    }

    #[test]
    fn zero_time_round_trips_and_empty_reads_as_zero() {
        assert!(GoTime::ZERO.is_zero());
        assert_eq!(GoTime::ZERO.rfc3339_nano(), "0001-01-01T00:00:00Z");
        let t: GoTime = serde_json::from_str("\"\"").unwrap();
        assert!(t.is_zero());
        let t: GoTime = serde_json::from_str("null").unwrap();
        assert!(t.is_zero());
        assert!(serde_json::from_str::<GoTime>("\"yesterday\"").is_err());
        assert!(!GoTime::now().is_zero());
    }
}
