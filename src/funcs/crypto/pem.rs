//! PEM blocks as Go's `encoding/pem` writes them.

use super::base64;

/// `pem.EncodeToMemory` of a block without headers: base64 in 64-column lines.
pub(super) fn encode(kind: &str, der: &[u8]) -> String {
    let body = base64::encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}
