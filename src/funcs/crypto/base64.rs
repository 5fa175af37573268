//! Go's `base64.StdEncoding` as the crypto functions use it: encoding, and
//! decoding with Go's error text and the size of Go's decode buffer (which
//! `decryptAES`'s failures reveal).

pub(super) const ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(super) fn encode(data: &[u8]) -> String {
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
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 0x3F) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn value(c: u8) -> Option<u8> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u8)
}

fn corrupt(at: usize) -> String {
    format!("illegal base64 data at input byte {at}")
}

fn is_newline(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}

/// `DecodeString`, returning the bytes and the capacity of Go's buffer.
pub(super) fn decode_with_capacity(text: &str) -> Result<(Vec<u8>, usize), String> {
    let src = text.as_bytes();
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let (next, bytes) = decode_quantum(src, si)?;
        out.extend_from_slice(&bytes);
        si = next;
        if bytes.len() < 3 {
            break;
        }
    }
    Ok((out, src.len() / 4 * 3))
}

/// One group of four symbols (newlines skipped), the way Go reads it.
fn decode_quantum(src: &[u8], mut si: usize) -> Result<(usize, Vec<u8>), String> {
    let mut buf = [0u8; 4];
    let mut len = 4;
    let mut j = 0;
    while j < 4 {
        if si == src.len() {
            if j == 0 {
                return Ok((si, Vec::new()));
            }
            return Err(corrupt(si - j));
        }
        let c = src[si];
        si += 1;
        if let Some(v) = value(c) {
            buf[j] = v;
            j += 1;
            continue;
        }
        if is_newline(c) {
            continue;
        }
        if c != b'=' || j < 2 {
            return Err(corrupt(si - 1));
        }
        if j == 2 {
            while si < src.len() && is_newline(src[si]) {
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
        while si < src.len() && is_newline(src[si]) {
            si += 1;
        }
        if si < src.len() {
            return Err(corrupt(si));
        }
        len = j;
        break;
    }
    let n = (u32::from(buf[0]) << 18)
        | (u32::from(buf[1]) << 12)
        | (u32::from(buf[2]) << 6)
        | u32::from(buf[3]);
    let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
    Ok((si, bytes[..len - 1].to_vec()))
}
