//! Sprig's crypto functions: `derivePassword` (the Master Password algorithm),
//! `encryptAES`/`decryptAES`, `bcrypt`, `htpasswd`, `genPrivateKey`, and the
//! certificate builders (`genCA`, `genSelfSignedCert`, `genSignedCert`, their
//! `WithKey` forms and `buildCustomCert`, in `cert`).
//!
//! Results follow Sprig v3.3.0 (the version Helm links): functions that Sprig
//! writes as returning only a string put their failure text in the result;
//! those returning an error fail the template. Where Go panics (short
//! ciphertexts in `decryptAES`), the panic's runtime message is the error,
//! as Go's template executor turns a recovered panic into the call's error.

mod base64;
mod cert;
mod der;
mod keys;
mod pem;

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::str_arg;
use crate::gotmpl::{Error, Func, FuncMap, Param, Value};

pub(super) fn register(funcs: &mut FuncMap) {
    funcs.insert(
        "derivePassword".into(),
        // Go's counter is a uint32; `Param` has no such type, and an int
        // literal (the usual argument) converts the same way.
        Func::pure(
            &[
                Param::Int,
                Param::String,
                Param::String,
                Param::String,
                Param::String,
            ],
            None,
            |args| {
                let counter = int_arg(&args[0]) as u32;
                Ok(Value::from(derive_password(
                    counter,
                    str_arg(&args[1]),
                    str_arg(&args[2]),
                    str_arg(&args[3]),
                    str_arg(&args[4]),
                )))
            },
        ),
    );
    funcs.insert(
        "encryptAES".into(),
        Func::pure(&[Param::String, Param::String], None, |args| {
            encrypt_aes(str_arg(&args[0]), str_arg(&args[1])).map(Value::from)
        }),
    );
    funcs.insert(
        "decryptAES".into(),
        Func::pure(&[Param::String, Param::String], None, |args| {
            decrypt_aes(str_arg(&args[0]), str_arg(&args[1])).map(Value::from)
        }),
    );
    funcs.insert(
        "bcrypt".into(),
        Func::pure(&[Param::String], None, |args| {
            Ok(Value::from(bcrypt_hash(str_arg(&args[0]))))
        }),
    );
    funcs.insert(
        "htpasswd".into(),
        Func::pure(&[Param::String, Param::String], None, |args| {
            Ok(Value::from(htpasswd(str_arg(&args[0]), str_arg(&args[1]))))
        }),
    );
    keys::register(funcs);
    cert::register(funcs);
}

fn int_arg(value: &Value) -> i64 {
    match value {
        Value::Int(i, _) => *i,
        _ => 0,
    }
}

const MASTER_PASSWORD_SEED: &[u8] = b"com.lyndir.masterpassword";

/// The Master Password templates Sprig knows, by password type.
fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

/// The characters a template letter stands for.
fn template_characters(class: u8) -> &'static [u8] {
    match class {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// The Master Password algorithm: scrypt of the password salted with the user
/// name, then an HMAC-SHA256 of the site and counter picks a template and its
/// characters.
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(templates) = password_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let salt = scoped(user.as_bytes(), &[]);
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2, 64)
        .map_err(|e| e.to_string())
        .and_then(|params| {
            scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key).map_err(|e| e.to_string())
        });
    if let Err(e) = derived {
        return format!("failed to derive password: {e}");
    }
    let message = scoped(site.as_bytes(), &counter.to_be_bytes());
    let seed = match Hmac::<Sha256>::new_from_slice(&key) {
        Ok(mut mac) => {
            mac.update(&message);
            mac.finalize().into_bytes()
        }
        Err(e) => return format!("failed to derive password: {e}"),
    };
    let template = templates[usize::from(seed[0]) % templates.len()].as_bytes();
    template
        .iter()
        .zip(&seed[1..])
        .map(|(&class, &byte)| {
            let chars = template_characters(class);
            char::from(chars[usize::from(byte) % chars.len()])
        })
        .collect()
}

/// The seed, the big-endian length of `name`, `name` and `suffix`.
fn scoped(name: &[u8], suffix: &[u8]) -> Vec<u8> {
    let mut out = MASTER_PASSWORD_SEED.to_vec();
    out.extend_from_slice(&(name.len() as u32).to_be_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(suffix);
    out
}

type AesCbcEnc = cbc::Encryptor<aes::Aes256>;
type AesCbcDec = cbc::Decryptor<aes::Aes256>;
const AES_BLOCK: usize = 16;

/// Sprig's key: the password's bytes in 32 zero bytes, cut at 32.
fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let bytes = password.as_bytes();
    let n = bytes.len().min(32);
    key[..n].copy_from_slice(&bytes[..n]);
    key
}

/// AES-256-CBC with PKCS#7 padding and a random IV put before the
/// ciphertext, all base64-encoded.
fn encrypt_aes(password: &str, plaintext: &str) -> Result<String, Error> {
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let mut iv = [0u8; AES_BLOCK];
    getrandom::fill(&mut iv).map_err(|e| Error::msg(e.to_string()))?;
    let mut content = plaintext.as_bytes().to_vec();
    let pad = AES_BLOCK - content.len() % AES_BLOCK;
    content.resize(content.len() + pad, pad as u8);
    let mut cipher = AesCbcEnc::new(&aes_key(password).into(), &iv.into());
    for block in content.chunks_exact_mut(AES_BLOCK) {
        cipher.encrypt_block_mut(block.into());
    }
    let mut out = iv.to_vec();
    out.extend_from_slice(&content);
    Ok(base64::encode(&out))
}

/// The inverse of `encrypt_aes`, with Sprig's lack of checks: a short input
/// fails with the runtime panic Go raises, and the padding is cut by the
/// last byte's value without checking it.
fn decrypt_aes(password: &str, text: &str) -> Result<String, Error> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let (mut crypt, capacity) = base64::decode_with_capacity(text).map_err(Error::msg)?;
    // Go slices `crypt[:16]` within the buffer's capacity, so a short input
    // reads zero bytes past its end until the next slice fails.
    if capacity < AES_BLOCK {
        return Err(Error::msg(format!(
            "runtime error: slice bounds out of range [:{AES_BLOCK}] with capacity {capacity}"
        )));
    }
    if crypt.len() < AES_BLOCK {
        return Err(Error::msg(format!(
            "runtime error: slice bounds out of range [{AES_BLOCK}:{}]",
            crypt.len()
        )));
    }
    let mut body = crypt.split_off(AES_BLOCK);
    if body.len() % AES_BLOCK != 0 {
        return Err(Error::msg("crypto/cipher: input not full blocks"));
    }
    let iv: [u8; AES_BLOCK] = crypt.try_into().unwrap_or([0; AES_BLOCK]);
    let mut cipher = AesCbcDec::new(&aes_key(password).into(), &iv.into());
    for block in body.chunks_exact_mut(AES_BLOCK) {
        cipher.decrypt_block_mut(block.into());
    }
    let Some(&last) = body.last() else {
        return Err(Error::msg("runtime error: index out of range [-1]"));
    };
    let end = body.len() as i64 - i64::from(last);
    if end < 0 {
        return Err(Error::msg(format!(
            "runtime error: slice bounds out of range [:{end}]"
        )));
    }
    body.truncate(end as usize);
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Go's bcrypt at its default cost, in its `$2a$` form.
fn bcrypt_hash(input: &str) -> String {
    // Go refuses what bcrypt would silently cut at 72 bytes.
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .to_string();
    }
    match bcrypt::hash_with_result(input, 10) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

fn htpasswd(user: &str, password: &str) -> String {
    if user.contains(':') {
        return format!("invalid username: {user}");
    }
    format!("{user}:{}", bcrypt_hash(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_round_trips_with_a_fresh_iv_each_time() {
        for text in [
            "x",
            "exactly16bytes!!",
            "héllo ✓ unicode, longer than a block",
        ] {
            let a = encrypt_aes("key", text).unwrap();
            let b = encrypt_aes("key", text).unwrap();
            assert_ne!(a, b);
            assert_eq!(decrypt_aes("key", &a).unwrap(), text);
            // IV + padded text, base64-encoded.
            let raw = (text.len() / 16 + 2) * 16;
            assert_eq!(a.len(), raw.div_ceil(3) * 4);
        }
    }

    #[test]
    fn bcrypt_has_gos_format_and_verifies() {
        let hash = bcrypt_hash("pässwörd");
        assert_eq!(hash.len(), 60);
        assert!(hash.starts_with("$2a$10$"));
        assert!(::bcrypt::verify("pässwörd", &hash).unwrap());
        assert!(!::bcrypt::verify("other", &hash).unwrap());
    }

    #[test]
    fn htpasswd_is_user_colon_bcrypt() {
        let line = htpasswd("admin", "pw");
        let hash = line.strip_prefix("admin:").unwrap();
        assert!(hash.starts_with("$2a$10$"));
        assert!(::bcrypt::verify("pw", hash).unwrap());
    }
}
