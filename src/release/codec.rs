//! The body of a stored release: base64(gzip(JSON)), as every Helm driver
//! writes it. Bodies without gzip (older Helm) are read too.

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use thiserror::Error;

use super::Release;

/// The largest JSON a body may inflate to. Kubernetes keeps objects under
/// 1.5 MiB, and Helm's JSON compresses about tenfold; anything far past that
/// is a decompression bomb, refused before it fills memory.
pub const MAX_DECODED_RELEASE_BYTES: usize = 64 << 20;

const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

#[derive(Debug, Error)]
pub enum CodecError {
    #[error("release body is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("release body is not valid gzip: {0}")]
    Gzip(std::io::Error),
    #[error(
        "release body inflates past {limit} bytes (the limit for one record); it is corrupt or not a Helm release"
    )]
    TooLarge { limit: usize },
    #[error("release body is not a Helm release record: {0}")]
    Json(#[from] serde_json::Error),
}

/// Encodes a release as Helm does: JSON, gzip at best compression, base64.
pub fn encode(release: &Release) -> Result<String, CodecError> {
    let json = to_go_json(release)?;
    let mut gz = GzEncoder::new(Vec::with_capacity(json.len() / 4), Compression::best());
    gz.write_all(&json).map_err(CodecError::Gzip)?;
    let compressed = gz.finish().map_err(CodecError::Gzip)?;
    Ok(STANDARD.encode(compressed))
}

/// JSON as Go's `encoding/json` writes it: compact, with `<`, `>`, `&`,
/// U+2028 and U+2029 escaped as `\u003c`-style sequences, so the bytes match
/// what Helm would have stored.
pub fn to_go_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, GoEscaping);
    value.serialize(&mut serializer)?;
    Ok(out)
}

struct GoEscaping;

impl serde_json::ser::Formatter for GoEscaping {
    /// Go's float64 encoding: `3`, not `3.0`; exponents past 1e21 and below
    /// 1e-6. Values a template saw as float64 are recorded as Helm records them.
    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> std::io::Result<()> {
        let text = crate::funcs::data::json::float(value)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        writer.write_all(text.as_bytes())
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escape = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(escape.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Decodes a stored body into a release (labels are the driver's to fill).
pub fn decode(body: &str) -> Result<Release, CodecError> {
    let json = decode_json(body.as_bytes(), MAX_DECODED_RELEASE_BYTES)?;
    Ok(serde_json::from_slice(&json)?)
}

/// The JSON inside a body, inflated up to `limit` bytes.
pub fn decode_json(body: &[u8], limit: usize) -> Result<Vec<u8>, CodecError> {
    let raw = STANDARD.decode(body)?;
    if raw.len() <= GZIP_MAGIC.len() || raw[..GZIP_MAGIC.len()] != GZIP_MAGIC {
        if raw.len() > limit {
            return Err(CodecError::TooLarge { limit });
        }
        return Ok(raw);
    }
    let mut json = Vec::with_capacity(raw.len().saturating_mul(8).min(limit));
    // Read one byte past the limit to tell "exactly at" from "past".
    GzDecoder::new(raw.as_slice())
        .take(limit as u64 + 1)
        .read_to_end(&mut json)
        .map_err(CodecError::Gzip)?;
    if json.len() > limit {
        return Err(CodecError::TooLarge { limit });
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{GoTime, Info, Status};

    #[test]
    fn floats_are_written_as_go_writes_float64() {
        let values =
            serde_json::json!({"whole": 3.0, "half": 0.5, "tiny": 1e-7, "huge": 1e21, "int": 7});
        assert_eq!(
            String::from_utf8(to_go_json(&values).unwrap()).unwrap(),
            r#"{"half":0.5,"huge":1e+21,"int":7,"tiny":1e-7,"whole":3}"#
        );
    }

    fn sample() -> Release {
        Release {
            name: "web".into(),
            namespace: "apps".into(),
            version: 3,
            manifest: "---\nkind: ConfigMap\n".into(),
            info: Some(Info {
                status: Status::Deployed,
                last_deployed: GoTime::parse("2026-11-22T07:17:56.5+01:00").unwrap(),
                description: "Upgrade complete".into(),
                ..Info::default()
            }),
            ..Release::default()
        }
    }

    #[test]
    fn round_trips_through_gzip_and_plain_bodies() {
        let release = sample();
        let body = encode(&release).unwrap();
        let raw = STANDARD.decode(&body).unwrap();
        assert_eq!(raw[..3], GZIP_MAGIC);
        assert_eq!(decode(&body).unwrap(), release);
        let plain = STANDARD.encode(serde_json::to_vec(&release).unwrap());
        assert_eq!(decode(&plain).unwrap(), release);
    }

    #[test]
    fn escapes_html_characters_as_go_does() {
        let release = Release {
            manifest: "a<b>&c\u{2028}é".into(),
            ..Release::default()
        };
        let json = String::from_utf8(to_go_json(&release).unwrap()).unwrap();
        assert_eq!(json, r#"{"manifest":"a\u003cb\u003e\u0026c\u2028é"}"#);
        assert_eq!(serde_json::from_str::<Release>(&json).unwrap(), release);
    }

    #[test]
    fn refuses_a_body_that_inflates_past_the_limit() {
        let json = format!("{{\"name\":\"{}\"}}", "a".repeat(1000));
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(json.as_bytes()).unwrap();
        let body = STANDARD.encode(gz.finish().unwrap());
        assert!(decode_json(body.as_bytes(), json.len()).is_ok());
        let err = decode_json(body.as_bytes(), json.len() - 1).unwrap_err();
        assert!(matches!(err, CodecError::TooLarge { .. }), "{err}");
        let plain = STANDARD.encode(json.as_bytes());
        assert!(decode_json(plain.as_bytes(), json.len()).is_ok());
        assert!(decode_json(plain.as_bytes(), json.len() - 1).is_err());
    }

    #[test]
    fn names_what_is_wrong_with_a_corrupt_body() {
        assert!(matches!(decode("not base64!"), Err(CodecError::Base64(_))));
        let truncated = STANDARD.encode([0x1f, 0x8b, 0x08, 0, 0, 0]);
        assert!(matches!(decode(&truncated), Err(CodecError::Gzip(_))));
        let not_json = STANDARD.encode(b"hello");
        assert!(matches!(decode(&not_json), Err(CodecError::Json(_))));
    }
}
