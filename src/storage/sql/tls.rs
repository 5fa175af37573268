//! TLS to PostgreSQL the way lib/pq (Helm's client) does it, on rustls:
//! `prefer`/`require` encrypt without checking the certificate unless a root
//! certificate file is present (then the chain is checked, not the name);
//! `verify-ca` checks the chain; `verify-full` the chain and the host name.
//! Roots come from `sslrootcert`, else `~/.postgresql/root.crt`, else the
//! system's store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use thiserror::Error;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::connection::{ConnectionSettings, SslMode};

#[derive(Debug, Error)]
pub enum TlsSetupError {
    #[error("sslrootcert {path}: {message}")]
    RootCert { path: String, message: String },
    #[error(
        "no trusted root certificates found in the system store for sslmode={mode}; set sslrootcert=FILE"
    )]
    NoSystemRoots { mode: &'static str },
    #[error("TLS set-up: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The TLS connector `settings` call for; `None` when TLS is off.
pub fn connector(
    settings: &ConnectionSettings,
) -> Result<Option<MakeRustlsConnect>, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match settings.ssl_mode {
        SslMode::Disable | SslMode::Allow => return Ok(None),
        SslMode::Prefer | SslMode::Require => match root_file(settings) {
            Some(file) => Arc::new(ChainOnly(webpki(&provider, roots_from_file(&file)?)?)),
            None => Arc::new(AnyCertificate(provider.clone())),
        },
        SslMode::VerifyCa => Arc::new(ChainOnly(webpki(&provider, roots(settings, "verify-ca")?)?)),
        SslMode::VerifyFull => webpki(&provider, roots(settings, "verify-full")?)?,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Some(MakeRustlsConnect::new(config)))
}

/// `sslrootcert` when it names a file, else `~/.postgresql/root.crt` when it exists.
fn root_file(settings: &ConnectionSettings) -> Option<PathBuf> {
    match &settings.ssl_root_cert {
        Some(path) if path.as_os_str() != "system" => Some(path.clone()),
        Some(_) => None,
        None => std::env::var_os("HOME")
            .map(|home| Path::new(&home).join(".postgresql/root.crt"))
            .filter(|path| path.is_file()),
    }
}

fn roots(
    settings: &ConnectionSettings,
    mode: &'static str,
) -> Result<RootCertStore, TlsSetupError> {
    if let Some(file) = root_file(settings) {
        return roots_from_file(&file);
    }
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if store.is_empty() {
        return Err(TlsSetupError::NoSystemRoots { mode });
    }
    Ok(store)
}

fn roots_from_file(path: &Path) -> Result<RootCertStore, TlsSetupError> {
    let error = |message: String| TlsSetupError::RootCert {
        path: path.display().to_string(),
        message,
    };
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| error(e.to_string()))? {
        let cert = cert.map_err(|e| error(e.to_string()))?;
        store.add(cert).map_err(|e| error(e.to_string()))?;
    }
    if store.is_empty() {
        return Err(error("no PEM certificates in the file".into()));
    }
    Ok(store)
}

fn webpki(
    provider: &Arc<CryptoProvider>,
    roots: RootCertStore,
) -> Result<Arc<WebPkiServerVerifier>, TlsSetupError> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| TlsSetupError::Rustls(rustls::Error::General(e.to_string())))
}

/// `require` without a root file: the connection is encrypted, the server's
/// identity is not checked (lib/pq's behaviour). Handshake signatures are
/// still verified.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the name may differ.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
