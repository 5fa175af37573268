//! Go's standard base64 for the crypto functions: `encoding`'s port, plus the
//! capacity of the buffer Go decodes into, which Go's out-of-range panic
//! messages (that `decryptAES` surfaces) mention.

use super::super::encoding::{base64_decode, base64_encode};

pub(super) fn encode(data: &[u8]) -> String {
    base64_encode(data)
}

/// `DecodeString`, returning the bytes and the capacity of Go's buffer
/// (`DecodedLen`: a quarter of the input, times three).
pub(super) fn decode_with_capacity(text: &str) -> Result<(Vec<u8>, usize), String> {
    let src = text.as_bytes();
    base64_decode(src).map(|bytes| (bytes, src.len() / 4 * 3))
}
