//! Private keys as Sprig makes them (`genPrivateKey`), in Go's PEM block
//! types: `RSA PRIVATE KEY` (PKCS #1), `EC PRIVATE KEY` (SEC 1, P-256) and
//! `PRIVATE KEY` (PKCS #8, Ed25519).
//!
//! Not supported: DSA keys (`genPrivateKey "dsa"` returns a failure text
//! where Sprig makes a key).

use p256::elliptic_curve::sec1::ToEncodedPoint;
use rand_core::OsRng;
use rsa::pkcs1::EncodeRsaPrivateKey;

use super::{der, pem};
use crate::gotmpl::{Func, FuncMap, Param, Value};

pub(super) fn register(funcs: &mut FuncMap) {
    funcs.insert(
        "genPrivateKey".into(),
        Func::pure(&[Param::String], None, |args| {
            let kind = args[0].as_str().unwrap_or_default();
            Ok(Value::from(match generate_by_name(kind) {
                Ok(key) => key.to_pem(),
                Err(message) => message,
            }))
        }),
    );
}

pub(super) enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::SecretKey),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

/// OIDs of the algorithms and curves used here.
const P256: &[u64] = &[1, 2, 840, 10045, 3, 1, 7];
const ED25519: &[u64] = &[1, 3, 101, 112];

/// `genPrivateKey`'s key types; the error is the text Sprig returns instead.
fn generate_by_name(kind: &str) -> Result<PrivateKey, String> {
    match kind {
        "" | "rsa" => generate_rsa(4096),
        "ecdsa" => Ok(PrivateKey::P256(p256::SecretKey::random(&mut OsRng))),
        "ed25519" => Ok(PrivateKey::Ed25519(Box::new(
            ed25519_dalek::SigningKey::generate(&mut OsRng),
        ))),
        "dsa" => Err("failed to generate dsa params: DSA keys are not supported".to_string()),
        _ => Err(format!("Unknown type {kind}")),
    }
}

/// An RSA key of `bits` bits (Sprig's certificates use 2048).
pub(super) fn generate_rsa(bits: usize) -> Result<PrivateKey, String> {
    rsa::RsaPrivateKey::new(&mut OsRng, bits)
        .map(|k| PrivateKey::Rsa(Box::new(k)))
        .map_err(|e| format!("failed to generate private key: {e}"))
}

impl PrivateKey {
    /// The key in the PEM block Go's `pemBlockForKey` picks for it.
    pub(super) fn to_pem(&self) -> String {
        match self {
            PrivateKey::Rsa(k) => match k.to_pkcs1_der() {
                Ok(doc) => pem::encode("RSA PRIVATE KEY", doc.as_bytes()),
                Err(_) => String::new(),
            },
            PrivateKey::P256(k) => pem::encode(
                "EC PRIVATE KEY",
                &ec_private_key(
                    &k.to_bytes(),
                    P256,
                    k.public_key().to_encoded_point(false).as_bytes(),
                ),
            ),
            PrivateKey::Ed25519(k) => pem::encode("PRIVATE KEY", &ed25519_pkcs8(k)),
        }
    }
}

/// Go's `MarshalECPrivateKey`: SEC 1 with the curve's OID and the public
/// point, which RustCrypto's encoder leaves out.
fn ec_private_key(secret: &[u8], curve: &[u64], public: &[u8]) -> Vec<u8> {
    der::sequence(&[
        der::integer(&[1]),
        der::octet_string(secret),
        der::explicit(0, &der::oid(curve)),
        der::explicit(1, &der::bit_string(public, 0)),
    ])
}

/// Go's `MarshalPKCS8PrivateKey` for Ed25519: version 0, the algorithm, and
/// the seed in an OCTET STRING inside the privateKey OCTET STRING.
fn ed25519_pkcs8(key: &ed25519_dalek::SigningKey) -> Vec<u8> {
    der::sequence(&[
        der::integer(&[0]),
        der::sequence(&[der::oid(ED25519)]),
        der::octet_string(&der::octet_string(&key.to_bytes())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;

    /// The bytes of the only PEM block of `text`, checking its type.
    fn pem_body(text: &str, kind: &str) -> Vec<u8> {
        let begin = format!("-----BEGIN {kind}-----\n");
        let end = format!("-----END {kind}-----\n");
        let body = text
            .strip_prefix(&begin)
            .unwrap()
            .strip_suffix(&end)
            .unwrap();
        assert!(body.lines().all(|l| l.len() <= 64));
        let joined: String = body.lines().collect();
        super::super::base64::decode_with_capacity(&joined)
            .unwrap()
            .0
    }

    #[test]
    fn ecdsa_key_is_sec1_with_curve_and_public_point() {
        let text = generate_by_name("ecdsa").unwrap().to_pem();
        let der = pem_body(&text, "EC PRIVATE KEY");
        assert_eq!(der.len(), 121);
        assert!(p256::SecretKey::from_sec1_der(&der).is_ok());
    }

    #[test]
    fn ed25519_key_is_pkcs8_v1() {
        let text = generate_by_name("ed25519").unwrap().to_pem();
        let der = pem_body(&text, "PRIVATE KEY");
        assert_eq!(der.len(), 48);
        assert!(ed25519_dalek::SigningKey::from_pkcs8_der(&der).is_ok());
    }

    #[test]
    fn rsa_key_is_pkcs1() {
        // 4096 bits is slow in debug builds; the encoding does not depend on size.
        let text = generate_rsa(1024).unwrap().to_pem();
        let der = pem_body(&text, "RSA PRIVATE KEY");
        let key = rsa::RsaPrivateKey::from_pkcs1_der(&der).unwrap();
        assert_eq!(rsa::traits::PublicKeyParts::size(&key), 128);
    }

    #[test]
    fn unknown_and_dsa_types_are_texts() {
        assert_eq!(generate_by_name("foo").err().unwrap(), "Unknown type foo");
        assert!(generate_by_name("dsa").is_err());
    }
}
