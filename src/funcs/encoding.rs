//! Sprig's encodings and checksums: `b64enc`, `b64dec`, `b32enc`, `b32dec`,
//! `sha1sum`, `sha256sum`, `sha512sum` and `adler32sum`.
//!
//! Owns Go's standard base64 and base32 codecs as Sprig calls them, decoding
//! included: line breaks are skipped, and a failure returns Go's error text
//! (`illegal base64 data at input byte N`, with Go's N) as the function's
//! result instead of failing the template. Decoded bytes that are not UTF-8
//! become U+FFFD, since template strings are UTF-8 here (Go keeps the bytes).

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use crate::gotmpl::{Func, FuncMap, Param, Value};

pub(super) const BASE64: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(super) fn register(funcs: &mut FuncMap) {
    let mut add = |name: &str, body: fn(&str) -> String| {
        funcs.insert(
            name.into(),
            Func::pure(&[Param::String], None, move |args| {
                Ok(Value::from(body(args[0].as_str().unwrap_or_default())))
            }),
        );
    };
    add("b64enc", |s| base64_encode(s.as_bytes()));
    add("b64dec", |s| text_or_error(base64_decode(s.as_bytes())));
    add("b32enc", |s| base32_encode(s.as_bytes()));
    add("b32dec", |s| text_or_error(base32_decode(s.as_bytes())));
    add("sha1sum", |s| hex(&Sha1::digest(s.as_bytes())));
    add("sha256sum", |s| hex(&Sha256::digest(s.as_bytes())));
    add("sha512sum", |s| hex(&Sha512::digest(s.as_bytes())));
    add("adler32sum", |s| adler32(s.as_bytes()).to_string());
}

/// Sprig returns the decoder's error message in place of the decoded text.
fn text_or_error(decoded: Result<Vec<u8>, String>) -> String {
    match decoded {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(message) => message,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Go's `hash/adler32.Checksum`.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the most bytes that can be summed before `b` could overflow.
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// `base64.StdEncoding.EncodeToString`.
pub(super) fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 0x3F) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_value(c: u8) -> Option<u8> {
    BASE64.iter().position(|&a| a == c).map(|p| p as u8)
}

/// `base64.StdEncoding.DecodeString`: quanta of four characters, `\r` and
/// `\n` skipped anywhere, padding required, and Go's offsets in the error.
pub(super) fn base64_decode(src: &[u8]) -> Result<Vec<u8>, String> {
    let corrupt = |at: usize| format!("illegal base64 data at input byte {at}");
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4;
        let mut trailing_garbage = None;
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(corrupt(si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = base64_value(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' || j < 2 {
                return Err(corrupt(si - 1));
            }
            if j == 2 {
                // "==" is expected; the first "=" is read.
                while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                    si += 1;
                }
                if si == src.len() {
                    return Err(corrupt(src.len()));
                }
                if src[si] != b'=' {
                    return Err(corrupt(si - 1));
                }
                si += 1;
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing_garbage = Some(si);
            }
            dlen = j;
            break;
        }
        let val = (u32::from(dbuf[0]) << 18)
            | (u32::from(dbuf[1]) << 12)
            | (u32::from(dbuf[2]) << 6)
            | u32::from(dbuf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(at) = trailing_garbage {
            return Err(corrupt(at));
        }
        if dlen < 4 {
            break;
        }
    }
    Ok(out)
}

/// `base32.StdEncoding.EncodeToString`.
fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let n = block.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        // Characters that carry input bits; the rest of the eight are padding.
        let used = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < used {
                out.push(char::from(BASE32[((n >> (35 - 5 * i)) & 0x1F) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `base32.StdEncoding.DecodeString`: line breaks are removed first, so the
/// offsets in errors count without them; padding is required, and input after
/// a padded quantum is ignored.
fn base32_decode(input: &[u8]) -> Result<Vec<u8>, String> {
    let corrupt = |at: usize| format!("illegal base32 data at input byte {at}");
    let src: Vec<u8> = input
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    let olen = src.len();
    let mut rest = &src[..];
    let mut out = Vec::with_capacity(olen / 8 * 5);
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut dbuf = [0u8; 8];
        let mut dlen = 8;
        let mut j = 0;
        while j < 8 {
            let Some((&c, tail)) = rest.split_first() else {
                return Err(corrupt(olen - j));
            };
            rest = tail;
            if c == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return Err(corrupt(olen));
                }
                for k in 0..7 - j {
                    if rest.len() > k && rest[k] != b'=' {
                        return Err(corrupt(olen - rest.len() + k - 1));
                    }
                }
                dlen = j;
                end = true;
                if matches!(dlen, 1 | 3 | 6) {
                    return Err(corrupt(olen - rest.len() - 1));
                }
                break;
            }
            let Some(v) = BASE32.iter().position(|&a| a == c) else {
                return Err(corrupt(olen - rest.len() - 1));
            };
            dbuf[j] = v as u8;
            j += 1;
        }
        let n = dbuf.iter().fold(0u64, |acc, &d| (acc << 5) | u64::from(d));
        let bytes = n.to_be_bytes();
        let count = match dlen {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => 0,
        };
        out.extend_from_slice(&bytes[3..3 + count]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_reports_go_offsets() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(
                base64_decode(base64_encode(s.as_bytes()).as_bytes()),
                Ok(s.into())
            );
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_decode(b"Zm9v\r\nYmFy"), Ok(b"foobar".to_vec()));
        assert_eq!(
            base64_decode(b"Zm9"),
            Err("illegal base64 data at input byte 0".into())
        );
        assert_eq!(
            base64_decode(b"Zm9v!"),
            Err("illegal base64 data at input byte 4".into())
        );
        assert_eq!(
            base64_decode(b"QQ==QQ=="),
            Err("illegal base64 data at input byte 4".into())
        );
    }

    #[test]
    fn base32_round_trips() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(
                base32_decode(base32_encode(s.as_bytes()).as_bytes()),
                Ok(s.into())
            );
        }
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI======");
        assert_eq!(
            base32_decode(b"MZXW6"),
            Err("illegal base32 data at input byte 0".into())
        );
    }

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(adler32(b"Wikipedia"), 300_286_872);
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
