//! Sprig's certificate builders: `genCA`, `genSelfSignedCert`,
//! `genSignedCert`, their `WithKey` forms (a PEM private key instead of a
//! fresh RSA 2048 one) and `buildCustomCert`. Each returns Sprig's
//! `certificate` struct (`Cert` and `Key` PEM strings), which `genSignedCert`
//! takes back as its CA.
//!
//! Certificates are encoded as Go's `x509.CreateCertificate` encodes Sprig's
//! template: the same fields, extensions in Go's order, Go's signature
//! algorithm for the signing key, and the subject key identifier Go derives
//! for CAs (SHA-256 of the public key cut to 20 bytes, as Go 1.25 does).
//!
//! Not supported: DSA keys and the P-224 and P-521 curves, which Sprig reads
//! but no key type here holds. Key parsing failures have Go's texts for a key
//! in another format and for a wrong outermost ASN.1 element; deeper ASN.1
//! damage gets a generic text where Go names the exact field.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::Signer as _;
use rand_core::{OsRng, RngCore};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};

use super::super::str_arg;
use super::int_arg;
use super::keys::{self, PrivateKey};
use super::{base64, der, pem};
use crate::gotmpl::{Error, Func, FuncMap, Object, Param, Value};

const CERT_TYPE: &str = "sprig.certificate";

pub(super) fn register(funcs: &mut FuncMap) {
    funcs.insert(
        "genCA".into(),
        Func::pure(&[Param::String, Param::Int], None, |args| {
            let key = fresh_key()?;
            ca(str_arg(&args[0]), int_arg(&args[1]), key)
        }),
    );
    funcs.insert(
        "genCAWithKey".into(),
        Func::pure(&[Param::String, Param::Int, Param::String], None, |args| {
            let key = key_arg(&args[2])?;
            ca(str_arg(&args[0]), int_arg(&args[1]), key)
        }),
    );
    funcs.insert(
        "genSelfSignedCert".into(),
        Func::pure(&LEAF_PARAMS, None, |args| {
            let key = fresh_key()?;
            self_signed(&args[..4], key)
        }),
    );
    funcs.insert(
        "genSelfSignedCertWithKey".into(),
        Func::pure(&with_key(&LEAF_PARAMS), None, |args| {
            let key = key_arg(&args[4])?;
            self_signed(&args[..4], key)
        }),
    );
    funcs.insert(
        "genSignedCert".into(),
        Func::pure(&SIGNED_PARAMS, None, |args| {
            let key = fresh_key()?;
            signed(&args[..5], key)
        }),
    );
    funcs.insert(
        "genSignedCertWithKey".into(),
        Func::pure(&with_key(&SIGNED_PARAMS), None, |args| {
            let key = key_arg(&args[5])?;
            signed(&args[..5], key)
        }),
    );
    funcs.insert(
        "buildCustomCert".into(),
        Func::pure(&[Param::String, Param::String], None, |args| {
            build_custom(str_arg(&args[0]), str_arg(&args[1])).map(Certificate::into_value)
        }),
    );
}

/// `cn`, `ips`, `alternateDNS`, `daysValid`.
const LEAF_PARAMS: [Param; 4] = [Param::String, Param::List, Param::List, Param::Int];
/// The leaf parameters and the signing CA.
const SIGNED_PARAMS: [Param; 5] = [
    Param::String,
    Param::List,
    Param::List,
    Param::Int,
    Param::Object(CERT_TYPE),
];

fn with_key(params: &[Param]) -> Vec<Param> {
    let mut out = params.to_vec();
    out.push(Param::String);
    out
}

/// The RSA 2048 key Sprig makes when none is given.
fn fresh_key() -> Result<Key, Error> {
    keys::generate_rsa(2048)
        .map(Key::Base)
        .map_err(|_| Error::msg("error generating rsa key: crypto/rsa"))
}

/// A key certificates can be made with: the crypto module's key types, and
/// P-384, which Sprig reads from PEM though `genPrivateKey` never makes it.
enum Key {
    Base(PrivateKey),
    P384(p384::SecretKey),
}

const P384: &[u64] = &[1, 3, 132, 0, 34];
const ECDSA_WITH_SHA384: &[u64] = &[1, 2, 840, 10045, 4, 3, 3];

impl Key {
    /// The key in the PEM block Go's `pemBlockForKey` picks for it.
    fn to_pem(&self) -> String {
        match self {
            Key::Base(k) => k.to_pem(),
            // Go's `MarshalECPrivateKey`: SEC 1 with the curve and public point.
            Key::P384(k) => {
                use p384::elliptic_curve::sec1::ToEncodedPoint;
                let sec1 = der::sequence(&[
                    der::integer(&[1]),
                    der::octet_string(&k.to_bytes()),
                    der::explicit(0, &der::oid(P384)),
                    der::explicit(
                        1,
                        &der::bit_string(k.public_key().to_encoded_point(false).as_bytes(), 0),
                    ),
                ]);
                pem::encode("EC PRIVATE KEY", &sec1)
            }
        }
    }
}

fn key_arg(value: &Value) -> Result<Key, Error> {
    parse_private_key(str_arg(value)).map_err(|e| Error::msg(format!("parsing private key: {e}")))
}

/// Sprig's `certificate`: PEM texts of a certificate and its private key.
#[derive(Clone, Debug)]
pub(super) struct Certificate {
    cert: String,
    key: String,
}

impl Certificate {
    fn into_value(self) -> Value {
        Value::Object(Arc::new(self))
    }
}

impl Object for Certificate {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed(CERT_TYPE)
    }

    fn kind(&self) -> &'static str {
        "struct"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(&self.cert)),
            "Key" => Some(Value::str(&self.key)),
            _ => None,
        }
    }

    fn format_v(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
}

/// What Sprig's `getBaseCertTemplate` sets, plus the CA flag.
struct Template {
    common_name: String,
    ips: Vec<IpAddr>,
    dns_names: Vec<String>,
    days_valid: i64,
    is_ca: bool,
}

impl Template {
    /// Reads the leaf arguments (`cn`, `ips`, `alternateDNS`, `daysValid`).
    fn from_args(args: &[Value]) -> Result<Template, Error> {
        Ok(Template {
            common_name: str_arg(&args[0]).to_string(),
            ips: ip_list(&args[1])?,
            dns_names: dns_list(&args[2])?,
            days_valid: int_arg(&args[3]),
            is_ca: false,
        })
    }
}

fn list_items(value: &Value) -> Vec<Value> {
    match value {
        Value::List(list) => list.items().to_vec(),
        _ => Vec::new(),
    }
}

/// Sprig's `getNetIPs`: each item a string that Go's `net.ParseIP` reads.
fn ip_list(value: &Value) -> Result<Vec<IpAddr>, Error> {
    list_items(value)
        .iter()
        .map(|item| {
            let Some(text) = item.as_str() else {
                return Err(Error::msg(format!(
                    "error parsing ip: {} is not a string",
                    crate::gotmpl::fmt::sprint(&[item])
                )));
            };
            text.parse::<IpAddr>()
                .map_err(|_| Error::msg(format!("error parsing ip: {text}")))
        })
        .collect()
}

/// Sprig's `getAlternateDNSStrs`: each item a string.
fn dns_list(value: &Value) -> Result<Vec<String>, Error> {
    list_items(value)
        .iter()
        .map(|item| match item.as_str() {
            Some(text) => Ok(text.to_string()),
            None => Err(Error::msg(format!(
                "error processing alternate dns name: {} is not a string",
                crate::gotmpl::fmt::sprint(&[item])
            ))),
        })
        .collect()
}

fn ca(cn: &str, days_valid: i64, key: Key) -> Result<Value, Error> {
    let template = Template {
        common_name: cn.to_string(),
        ips: Vec::new(),
        dns_names: Vec::new(),
        days_valid,
        is_ca: true,
    };
    let cert = create(&template, &key, None, &key)?;
    Ok(Certificate {
        cert,
        key: key.to_pem(),
    }
    .into_value())
}

fn self_signed(args: &[Value], key: Key) -> Result<Value, Error> {
    let template = Template::from_args(args)?;
    let cert = create(&template, &key, None, &key)?;
    Ok(Certificate {
        cert,
        key: key.to_pem(),
    }
    .into_value())
}

fn signed(args: &[Value], key: Key) -> Result<Value, Error> {
    let (parent, signer) = signer_of(&args[4])?;
    let template = Template::from_args(args)?;
    let cert = create(&template, &key, Some(&parent), &signer)?;
    Ok(Certificate {
        cert,
        key: key.to_pem(),
    }
    .into_value())
}

/// The CA's parsed certificate and key, with Sprig's messages.
fn signer_of(value: &Value) -> Result<(Parent, Key), Error> {
    let (cert, key) = match value {
        Value::Object(o) => (
            o.field("Cert").unwrap_or(Value::Nil),
            o.field("Key").unwrap_or(Value::Nil),
        ),
        _ => (Value::Nil, Value::Nil),
    };
    let Some((_, der)) = pem_read::decode(str_arg(&cert)) else {
        return Err(Error::msg("unable to decode certificate"));
    };
    let parent = Parent::parse(&der).map_err(|e| {
        Error::msg(format!(
            "error parsing certificate: decodedSignerCert.Bytes: {e}"
        ))
    })?;
    let signer = parse_private_key(str_arg(&key))
        .map_err(|e| Error::msg(format!("error parsing private key: {e}")))?;
    Ok((parent, signer))
}

/// What Go takes from a parent certificate when it signs with it.
struct Parent {
    subject: Vec<u8>,
    public_key: Vec<u8>,
    subject_key_id: Option<Vec<u8>>,
}

const SUBJECT_KEY_ID: &[u64] = &[2, 5, 29, 14];

impl Parent {
    fn parse(der: &[u8]) -> Result<Parent, String> {
        let malformed = |_| "x509: malformed certificate".to_string();
        let cert = x509_cert::Certificate::from_der(der).map_err(malformed)?;
        let tbs = &cert.tbs_certificate;
        let subject = tbs.subject.to_der().map_err(malformed)?;
        let public_key = tbs.subject_public_key_info.to_der().map_err(malformed)?;
        let skid_oid = der::oid(SUBJECT_KEY_ID);
        let subject_key_id = tbs
            .extensions
            .iter()
            .flatten()
            .find(|ext| ext.extn_id.to_der().is_ok_and(|id| id == skid_oid))
            .and_then(|ext| {
                x509_cert::der::asn1::OctetString::from_der(ext.extn_value.as_bytes()).ok()
            })
            .map(|id| id.as_bytes().to_vec());
        Ok(Parent {
            subject,
            public_key,
            subject_key_id,
        })
    }
}

const KEY_USAGE: &[u64] = &[2, 5, 29, 15];
const EXT_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
const BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
const AUTHORITY_KEY_ID: &[u64] = &[2, 5, 29, 35];
const SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];
const COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const SERVER_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 1];
const CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];
const SHA256_WITH_RSA: &[u64] = &[1, 2, 840, 113549, 1, 1, 11];
const ECDSA_WITH_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
const ED25519: &[u64] = &[1, 3, 101, 112];

/// Go's `CreateCertificate` for Sprig's template, PEM-encoded: `signee` is
/// the certificate's key, `parent` the issuer (the template itself when
/// `None`) and `signer` the issuer's key.
fn create(
    template: &Template,
    signee: &Key,
    parent: Option<&Parent>,
    signer: &Key,
) -> Result<String, Error> {
    let failed = |e: String| Error::msg(format!("error creating certificate: {e}"));
    let public_key = public_key_der(signee)
        .map_err(|e| Error::msg(format!("error retrieving public key from signee key: {e}")))?;
    let subject = name(&template.common_name);
    let issuer = parent.map_or_else(|| subject.clone(), |p| p.subject.clone());
    if let Some(parent) = parent {
        let signer_public = public_key_der(signer).map_err(failed)?;
        if signer_public != parent.public_key {
            return Err(failed(
                "x509: provided PrivateKey doesn't match parent's PublicKey".to_string(),
            ));
        }
    }
    // Go names the issuer's key only when the issuer is another subject.
    let authority_key_id = parent
        .filter(|p| p.subject != subject)
        .and_then(|p| p.subject_key_id.clone());
    let subject_key_id = template
        .is_ca
        .then(|| subject_key_id(&public_key))
        .transpose()
        .map_err(failed)?;
    let extensions = extensions(
        template,
        subject == name(""),
        subject_key_id.as_deref(),
        authority_key_id.as_deref(),
    )
    .map_err(failed)?;
    let algorithm = signature_algorithm(signer);
    let now = now_nanos();
    let not_after = now + i128::from(template.days_valid.wrapping_mul(DAY_NANOS));
    let tbs = der::sequence(&[
        der::explicit(0, &der::integer(&[2])),
        der::integer(&serial_number()),
        algorithm.clone(),
        issuer,
        der::sequence(&[asn1_time(now), asn1_time(not_after)]),
        subject,
        public_key,
        der::explicit(3, &der::sequence(&extensions)),
    ]);
    let signature = sign(signer, &tbs).map_err(failed)?;
    let cert = der::sequence(&[tbs, algorithm, der::bit_string(&signature, 0)]);
    Ok(pem::encode("CERTIFICATE", &cert))
}

/// A random serial below 2^128, as Sprig draws it.
fn serial_number() -> [u8; 16] {
    let mut serial = [0u8; 16];
    OsRng.fill_bytes(&mut serial);
    serial
}

/// A `pkix.Name` holding only a common name (none when it is empty), with
/// Go's choice of PrintableString or UTF8String.
fn name(common_name: &str) -> Vec<u8> {
    if common_name.is_empty() {
        return der::sequence(&[]);
    }
    let tag = if common_name.bytes().all(is_printable) {
        0x13
    } else {
        0x0C
    };
    let attribute = der::sequence(&[der::oid(COMMON_NAME), der::tlv(tag, common_name.as_bytes())]);
    der::sequence(&[der::tlv(0x31, &attribute)])
}

/// ASN.1's PrintableString alphabet (Go's encoder rejects the `*` and `&`
/// its decoder tolerates).
fn is_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)
}

/// Go's extensions for the template, in Go's order.
fn extensions(
    template: &Template,
    subject_is_empty: bool,
    subject_key_id: Option<&[u8]>,
    authority_key_id: Option<&[u8]>,
) -> Result<Vec<Vec<u8>>, String> {
    // Digital signature and key encipherment; CAs add certificate signing.
    let key_usage = if template.is_ca {
        der::bit_string(&[0xA4], 2)
    } else {
        der::bit_string(&[0xA0], 5)
    };
    let mut out = vec![
        extension(KEY_USAGE, true, &key_usage),
        extension(
            EXT_KEY_USAGE,
            false,
            &der::sequence(&[der::oid(SERVER_AUTH), der::oid(CLIENT_AUTH)]),
        ),
    ];
    let constraints = if template.is_ca {
        der::sequence(&[der::tlv(0x01, &[0xFF])])
    } else {
        der::sequence(&[])
    };
    out.push(extension(BASIC_CONSTRAINTS, true, &constraints));
    if let Some(id) = subject_key_id {
        out.push(extension(SUBJECT_KEY_ID, false, &der::octet_string(id)));
    }
    if let Some(id) = authority_key_id {
        out.push(extension(
            AUTHORITY_KEY_ID,
            false,
            &der::sequence(&[der::tlv(0x80, id)]),
        ));
    }
    if !template.dns_names.is_empty() || !template.ips.is_empty() {
        out.push(extension(
            SUBJECT_ALT_NAME,
            subject_is_empty,
            &subject_alt_names(template)?,
        ));
    }
    Ok(out)
}

fn extension(id: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![der::oid(id)];
    if critical {
        parts.push(der::tlv(0x01, &[0xFF]));
    }
    parts.push(der::octet_string(value));
    der::sequence(&parts)
}

/// DNS names then IP addresses, IPv4 ones (mapped ones too) in 4 bytes.
fn subject_alt_names(template: &Template) -> Result<Vec<u8>, String> {
    let mut names = Vec::new();
    for dns in &template.dns_names {
        if !dns.is_ascii() {
            return Err(format!(
                "x509: {} cannot be encoded as an IA5String",
                crate::gotmpl::fmt::quote(dns)
            ));
        }
        names.push(der::tlv(0x82, dns.as_bytes()));
    }
    for ip in &template.ips {
        let bytes = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets().to_vec(),
                None => v6.octets().to_vec(),
            },
        };
        names.push(der::tlv(0x87, &bytes));
    }
    Ok(der::sequence(&names))
}

/// Go's key identifier for a CA: SHA-256 of the subjectPublicKey bits, cut
/// to 160 bits.
fn subject_key_id(spki: &[u8]) -> Result<Vec<u8>, String> {
    let info = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(spki)
        .map_err(|e| format!("x509: {e}"))?;
    let digest = Sha256::digest(info.subject_public_key.raw_bytes());
    Ok(digest[..20].to_vec())
}

/// The SubjectPublicKeyInfo of a key's public half.
fn public_key_der(key: &Key) -> Result<Vec<u8>, String> {
    let doc = match key {
        Key::Base(PrivateKey::Rsa(k)) => k.to_public_key().to_public_key_der(),
        Key::Base(PrivateKey::P256(k)) => k.public_key().to_public_key_der(),
        Key::P384(k) => k.public_key().to_public_key_der(),
        Key::Base(PrivateKey::Ed25519(k)) => {
            return Ok(der::sequence(&[
                der::sequence(&[der::oid(ED25519)]),
                der::bit_string(k.verifying_key().as_bytes(), 0),
            ]));
        }
    };
    doc.map(|d| d.as_bytes().to_vec())
        .map_err(|e| e.to_string())
}

/// The AlgorithmIdentifier Go signs with for the key.
fn signature_algorithm(key: &Key) -> Vec<u8> {
    match key {
        Key::Base(PrivateKey::Rsa(_)) => {
            der::sequence(&[der::oid(SHA256_WITH_RSA), der::tlv(0x05, &[])])
        }
        Key::Base(PrivateKey::P256(_)) => der::sequence(&[der::oid(ECDSA_WITH_SHA256)]),
        Key::P384(_) => der::sequence(&[der::oid(ECDSA_WITH_SHA384)]),
        Key::Base(PrivateKey::Ed25519(_)) => der::sequence(&[der::oid(ED25519)]),
    }
}

fn sign(key: &Key, message: &[u8]) -> Result<Vec<u8>, String> {
    match key {
        Key::Base(PrivateKey::Rsa(k)) => k
            .sign_with_rng(
                &mut OsRng,
                rsa::Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(message),
            )
            .map_err(|e| e.to_string()),
        Key::Base(PrivateKey::P256(k)) => {
            let signer = p256::ecdsa::SigningKey::from(k);
            let signature: p256::ecdsa::Signature = signer.sign(message);
            Ok(signature.to_der().as_bytes().to_vec())
        }
        Key::Base(PrivateKey::Ed25519(k)) => Ok(k.sign(message).to_bytes().to_vec()),
        Key::P384(k) => {
            let signer = p384::ecdsa::SigningKey::from(k);
            let signature: p384::ecdsa::Signature = signer.sign(message);
            Ok(signature.to_der().as_bytes().to_vec())
        }
    }
}

const DAY_NANOS: i64 = 24 * 3600 * 1_000_000_000;

fn now_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// UTCTime from 1950 to 2049, GeneralizedTime otherwise, to the second.
fn asn1_time(nanos: i128) -> Vec<u8> {
    let secs = nanos.div_euclid(1_000_000_000) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let clock = format!(
        "{month:02}{day:02}{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if (1950..2050).contains(&year) {
        der::tlv(0x17, format!("{:02}{clock}", year % 100).as_bytes())
    } else {
        der::tlv(0x18, format!("{year:04}{clock}").as_bytes())
    }
}

/// The proleptic Gregorian date of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Sprig's `buildCustomCertificate`: checks both base64 PEM texts and
/// returns them decoded.
fn build_custom(b64cert: &str, b64key: &str) -> Result<Certificate, Error> {
    let cert = base64::decode_with_capacity(b64cert)
        .map_err(|_| Error::msg("unable to decode base64 certificate"))?
        .0;
    let key = base64::decode_with_capacity(b64key)
        .map_err(|_| Error::msg("unable to decode base64 private key"))?
        .0;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let Some((_, der)) = pem_read::decode(&cert) else {
        return Err(Error::msg("unable to decode certificate"));
    };
    Parent::parse(&der)
        .map_err(|e| Error::msg(format!("error parsing certificate: decodedCert.Bytes: {e}")))?;
    parse_private_key(&key).map_err(|e| Error::msg(format!("error parsing private key: {e}")))?;
    Ok(Certificate { cert, key })
}

/// Sprig's `parsePrivateKeyPEM`: the key in the first PEM block of `text`,
/// with Go's messages.
fn parse_private_key(text: &str) -> Result<Key, String> {
    let Some((kind, bytes)) = pem_read::decode(text) else {
        return Err("no PEM data in input".to_string());
    };
    if kind == "PRIVATE KEY" {
        return parse_pkcs8(&bytes).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(prefix) = kind.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {kind}"));
    };
    match prefix {
        "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&bytes)
            .map(|k| Key::Base(PrivateKey::Rsa(Box::new(k))))
            .map_err(|_| {
                format!(
                    "parsing RSA private key from PEM: {}",
                    misparsed(&bytes, &asn1_failure(&bytes, "pkcs1PrivateKey"))
                )
            }),
        "EC" => parse_sec1(&bytes).ok_or(()).map_err(|_| {
            format!(
                "parsing EC private key from PEM: {}",
                misparsed(
                    &bytes,
                    &format!(
                        "x509: failed to parse EC private key: {}",
                        asn1_failure(&bytes, "ecPrivateKey")
                    )
                )
            )
        }),
        "DSA" => Err(format!(
            "parsing DSA private key from PEM: {}",
            outer_tag_mismatch(&bytes, "DSAKeyFormat")
                .unwrap_or_else(|| "DSA keys are not supported".to_string())
        )),
        _ => Err(format!("invalid private key type {kind}")),
    }
}

/// A SEC 1 EC key on a curve this crate signs with.
fn parse_sec1(bytes: &[u8]) -> Option<Key> {
    if let Ok(k) = p256::SecretKey::from_sec1_der(bytes) {
        return Some(Key::Base(PrivateKey::P256(k)));
    }
    p384::SecretKey::from_sec1_der(bytes).ok().map(Key::P384)
}

fn parse_pkcs8(bytes: &[u8]) -> Result<Key, String> {
    if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(bytes) {
        return Ok(Key::Base(PrivateKey::Rsa(Box::new(k))));
    }
    if let Ok(k) = p256::SecretKey::from_pkcs8_der(bytes) {
        return Ok(Key::Base(PrivateKey::P256(k)));
    }
    if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(bytes) {
        return Ok(Key::Base(PrivateKey::Ed25519(Box::new(k))));
    }
    if let Ok(k) = p384::SecretKey::from_pkcs8_der(bytes) {
        return Ok(Key::P384(k));
    }
    Err(misparsed(bytes, &asn1_failure(bytes, "pkcs8")))
}

/// Go's hint when the bytes are a key in another format, else `otherwise`.
fn misparsed(bytes: &[u8], otherwise: &str) -> String {
    let hint = |parser: &str| {
        format!("x509: failed to parse private key (use {parser} instead for this key format)")
    };
    let pkcs8 = rsa::RsaPrivateKey::from_pkcs8_der(bytes).is_ok()
        || p256::SecretKey::from_pkcs8_der(bytes).is_ok()
        || ed25519_dalek::SigningKey::from_pkcs8_der(bytes).is_ok()
        || p384::SecretKey::from_pkcs8_der(bytes).is_ok();
    if rsa::RsaPrivateKey::from_pkcs1_der(bytes).is_ok() {
        hint("ParsePKCS1PrivateKey")
    } else if parse_sec1(bytes).is_some() {
        hint("ParseECPrivateKey")
    } else if pkcs8 {
        hint("ParsePKCS8PrivateKey")
    } else {
        otherwise.to_string()
    }
}

/// Go's `asn1.Unmarshal` failure for bytes that are not the structure
/// `type_name`, where it can be told from the outermost element; otherwise
/// a generic text.
fn asn1_failure(bytes: &[u8], type_name: &str) -> String {
    outer_tag_mismatch(bytes, type_name)
        .unwrap_or_else(|| "x509: malformed private key".to_string())
}

/// Go's message when the outermost element is not a SEQUENCE (or missing).
fn outer_tag_mismatch(bytes: &[u8], type_name: &str) -> Option<String> {
    let Some(&first) = bytes.first() else {
        return Some("asn1: syntax error: sequence truncated".to_string());
    };
    let (class, compound, tag) = (first >> 6, first & 0x20 != 0, first & 0x1F);
    // Long-form tags are left to the generic text.
    if tag == 0x1F {
        return None;
    }
    let Some(&len_byte) = bytes.get(1) else {
        return Some("asn1: syntax error: truncated tag or length".to_string());
    };
    let (length, offset) = if len_byte & 0x80 == 0 {
        (usize::from(len_byte), 2)
    } else {
        let count = usize::from(len_byte & 0x7F);
        let digits = bytes.get(2..2 + count)?;
        if count == 0 || digits[0] == 0 || count > 4 {
            return None;
        }
        let length = digits.iter().fold(0usize, |n, &d| n << 8 | usize::from(d));
        if length < 0x80 {
            return None;
        }
        (length, 2 + count)
    };
    if class == 0 && compound && tag == 16 {
        return None;
    }
    Some(format!(
        "asn1: structure error: tags don't match (16 vs {{class:{class} tag:{tag} length:{length} isCompound:{compound}}}) {GO_DEFAULT_FIELD_PARAMS} {type_name} @{offset}"
    ))
}

/// Go's `%+v` of `asn1`'s zero field parameters.
const GO_DEFAULT_FIELD_PARAMS: &str = "{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}";

/// Go's `pem.Decode`, which the crypto module's PEM writer lacks.
mod pem_read {
    use super::base64;

    /// The first well-formed block in `text`, like `pem.Decode`: its type and bytes.
    /// Headers (`Key: value` lines before a blank line) are skipped.
    pub(super) fn decode(text: &str) -> Option<(String, Vec<u8>)> {
        let mut rest = text;
        loop {
            let start = find_line_start(rest, "-----BEGIN ")?;
            let after = &rest[start + "-----BEGIN ".len()..];
            let line_end = after.find('\n').unwrap_or(after.len());
            let type_line = after[..line_end].trim_end_matches([' ', '\t', '\r']);
            rest = &after[line_end.min(after.len())..];
            let Some(kind) = type_line.strip_suffix("-----") else {
                continue;
            };
            let end_marker = format!("-----END {kind}-----");
            let Some(end) = find_line_start(rest, &end_marker) else {
                continue;
            };
            let body = &rest[..end];
            if let Some(bytes) = decode_body(body) {
                return Some((kind.to_string(), bytes));
            }
        }
    }

    /// Where `marker` starts a line of `text` (the first line included).
    fn find_line_start(text: &str, marker: &str) -> Option<usize> {
        if text.starts_with(marker) {
            return Some(0);
        }
        text.match_indices(marker)
            .map(|(i, _)| i)
            .find(|&i| i > 0 && text.as_bytes()[i - 1] == b'\n')
    }

    fn decode_body(body: &str) -> Option<Vec<u8>> {
        let lines: Vec<&str> = body.lines().collect();
        // Headers run up to the first blank line when the first line has a colon.
        let skip = if lines.iter().any(|l| l.contains(':')) {
            lines
                .iter()
                .position(|l| l.trim().is_empty())
                .map_or(0, |p| p + 1)
        } else {
            0
        };
        let joined: String = lines[skip..]
            .concat()
            .chars()
            .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
            .collect();
        base64::decode_with_capacity(&joined)
            .ok()
            .map(|(bytes, _)| bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gotmpl::List;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectAltName};

    fn small_rsa() -> Key {
        // 2048-bit keys are slow in debug builds; the encoding is the same.
        Key::Base(keys::generate_rsa(1024).unwrap())
    }

    fn fields(value: &Value) -> (String, String) {
        let Value::Object(o) = value else {
            panic!("not an object")
        };
        assert_eq!(o.type_name(), CERT_TYPE);
        assert_eq!(o.kind(), "struct");
        let get = |name| o.field(name).unwrap().as_str().unwrap().to_string();
        (get("Cert"), get("Key"))
    }

    fn decode(cert_pem: &str) -> x509_cert::Certificate {
        let (kind, der) = pem_read::decode(cert_pem).unwrap();
        assert_eq!(kind, "CERTIFICATE");
        x509_cert::Certificate::from_der(&der).unwrap()
    }

    fn extension<'a, T: Decode<'a>>(cert: &'a x509_cert::Certificate, oid: &[u64]) -> Option<T> {
        let wanted = der::oid(oid);
        cert.tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id.to_der().unwrap() == wanted)
            .map(|e| T::from_der(e.extn_value.as_bytes()).unwrap())
    }

    fn common_name(cert: &x509_cert::Certificate) -> String {
        cert.tbs_certificate.subject.to_string()
    }

    fn validity_days(cert: &x509_cert::Certificate) -> i64 {
        let v = &cert.tbs_certificate.validity;
        let from = v.not_before.to_unix_duration().as_secs() as i64;
        let to = v.not_after.to_unix_duration().as_secs() as i64;
        let now = (now_nanos() / 1_000_000_000) as i64;
        assert!((now - from).abs() <= 5);
        (to - from) / 86_400
    }

    fn strings(items: &[&str]) -> Value {
        Value::List(List::new(items.iter().map(|s| Value::str(s)).collect()))
    }

    fn leaf_args(cn: &str, ips: &[&str], dns: &[&str], days: i64) -> Vec<Value> {
        vec![Value::str(cn), strings(ips), strings(dns), Value::int(days)]
    }

    fn verifies(cert: &x509_cert::Certificate, issuer_key: &Key) -> bool {
        let Key::Base(PrivateKey::Rsa(k)) = issuer_key else {
            panic!("not rsa")
        };
        let key = VerifyingKey::<Sha256>::new(k.to_public_key());
        let tbs = cert.tbs_certificate.to_der().unwrap();
        let sig = Signature::try_from(cert.signature.raw_bytes()).unwrap();
        key.verify(&tbs, &sig).is_ok()
    }

    #[test]
    fn ca_is_a_self_signed_ca_with_cert_signing() {
        let key = small_rsa();
        let key_pem = key.to_pem();
        let (cert_pem, out_key) = fields(&ca("my CA", 365, key).unwrap());
        assert_eq!(out_key, key_pem);
        let cert = decode(&cert_pem);
        assert_eq!(common_name(&cert), "CN=my CA");
        assert_eq!(cert.tbs_certificate.issuer, cert.tbs_certificate.subject);
        assert_eq!(validity_days(&cert), 365);
        let constraints: BasicConstraints = extension(&cert, BASIC_CONSTRAINTS).unwrap();
        assert!(constraints.ca);
        let usage: KeyUsage = extension(&cert, KEY_USAGE).unwrap();
        assert!(usage.key_cert_sign() && usage.digital_signature() && usage.key_encipherment());
        assert!(extension::<SubjectAltName>(&cert, SUBJECT_ALT_NAME).is_none());
        let parsed = parse_private_key(&out_key).unwrap();
        assert!(verifies(&cert, &parsed));
        assert!(cert.tbs_certificate.serial_number.as_bytes().len() <= 17);
    }

    #[test]
    fn self_signed_has_sans_and_is_not_a_ca() {
        let args = leaf_args(
            "héllo",
            &["10.0.0.1", "::1", "::ffff:1.2.3.4"],
            &["a.example", "*.b.example"],
            -3,
        );
        let key = small_rsa();
        let (cert_pem, key_pem) = fields(&self_signed(&args, key).unwrap());
        assert!(key_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let cert = decode(&cert_pem);
        assert_eq!(common_name(&cert), "CN=héllo");
        assert_eq!(validity_days(&cert), -3);
        let constraints: BasicConstraints = extension(&cert, BASIC_CONSTRAINTS).unwrap();
        assert!(!constraints.ca);
        let usage: KeyUsage = extension(&cert, KEY_USAGE).unwrap();
        assert!(!usage.key_cert_sign());
        let sans: SubjectAltName = extension(&cert, SUBJECT_ALT_NAME).unwrap();
        let names: Vec<String> = sans
            .0
            .iter()
            .map(|n| match n {
                GeneralName::DnsName(d) => d.to_string(),
                GeneralName::IpAddress(ip) => format!("{:?}", ip.as_bytes()),
                _ => panic!("unexpected name"),
            })
            .collect();
        assert_eq!(
            names,
            [
                "a.example",
                "*.b.example",
                "[10, 0, 0, 1]",
                "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]",
                "[1, 2, 3, 4]"
            ]
        );
        assert!(verifies(&cert, &parse_private_key(&key_pem).unwrap()));
    }

    #[test]
    fn signed_cert_verifies_against_its_ca() {
        let ca_value = ca("the CA", 10, small_rsa()).unwrap();
        let (ca_pem, ca_key_pem) = fields(&ca_value);
        let mut args = leaf_args("leaf", &["127.0.0.1"], &["leaf.example"], 5);
        args.push(ca_value);
        let (cert_pem, key_pem) = fields(&signed(&args, small_rsa()).unwrap());
        assert_ne!(key_pem, ca_key_pem);
        let ca_cert = decode(&ca_pem);
        let cert = decode(&cert_pem);
        assert_eq!(common_name(&cert), "CN=leaf");
        assert_eq!(cert.tbs_certificate.issuer, ca_cert.tbs_certificate.subject);
        assert_eq!(validity_days(&cert), 5);
        assert!(verifies(&cert, &parse_private_key(&ca_key_pem).unwrap()));
        assert!(!verifies(&cert, &parse_private_key(&key_pem).unwrap()));
        // The leaf names its CA's key.
        let skid: x509_cert::der::asn1::OctetString = extension(&ca_cert, SUBJECT_KEY_ID).unwrap();
        let akid: x509_cert::ext::pkix::AuthorityKeyIdentifier =
            extension(&cert, AUTHORITY_KEY_ID).unwrap();
        assert_eq!(akid.key_identifier.unwrap(), skid);
    }

    #[test]
    fn ec_and_ed25519_keys_sign_certificates() {
        for key in [
            Key::Base(PrivateKey::P256(p256::SecretKey::random(&mut OsRng))),
            Key::Base(PrivateKey::Ed25519(Box::new(
                ed25519_dalek::SigningKey::generate(&mut OsRng),
            ))),
            Key::P384(p384::SecretKey::random(&mut OsRng)),
        ] {
            let key_pem = key.to_pem();
            let (cert_pem, out_key) = fields(&ca("ca", 1, key).unwrap());
            assert_eq!(out_key, key_pem);
            let cert = decode(&cert_pem);
            assert_eq!(
                cert.signature_algorithm.to_der().unwrap(),
                signature_algorithm(&parse_private_key(&out_key).unwrap())
            );
        }
    }

    #[test]
    fn build_custom_round_trips_and_rejects_bad_input() {
        let (cert_pem, key_pem) = fields(&ca("x", 1, small_rsa()).unwrap());
        let built = build_custom(
            &base64::encode(cert_pem.as_bytes()),
            &base64::encode(key_pem.as_bytes()),
        )
        .unwrap();
        assert_eq!((built.cert, built.key), (cert_pem, key_pem));
        assert!(build_custom("!", "").is_err());
    }

    #[test]
    fn times_switch_to_generalized_after_2049() {
        let at = |secs: i128| asn1_time(secs * 1_000_000_000);
        assert_eq!(at(0), der::tlv(0x17, b"700101000000Z"));
        assert_eq!(at(2_524_608_000), der::tlv(0x18, b"20500101000000Z"));
        assert_eq!(at(-631_152_001), der::tlv(0x18, b"19491231235959Z"));
    }

    #[test]
    fn p384_keys_round_trip_through_go_s_sec1() {
        let key = Key::P384(p384::SecretKey::random(&mut OsRng));
        let text = key.to_pem();
        assert!(text.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        let parsed = parse_private_key(&text).unwrap();
        assert_eq!(parsed.to_pem(), text);
        assert!(matches!(parsed, Key::P384(_)));
    }
}
