//! Client certificates: webpki checks the chain against the trust bundle, then the leaf's
//! SPIFFE ID is read here, because rustls does not look at URI SANs.
//!
//! An X.509-SVID carries exactly one `spiffe://` URI SAN; the caller's ID must be in the
//! bundle's trust domain. Every rejection is logged with the reason and the certificate's
//! SPIFFE ID or subject, inside the connection's span (peer, SNI).

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, OtherError, RootCertStore,
    SignatureScheme,
};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use super::{TlsError, TrustBundle};

/// Why a leaf's SPIFFE ID could not be read or is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SanError {
    #[error("is not a parsable X.509 certificate: {0}")]
    Unparsable(String),
    #[error("has no spiffe:// URI SAN")]
    NoSpiffeUri,
    #[error("has {} spiffe:// URI SANs ({}): an SVID has exactly one", .0.len(), .0.join(", "))]
    SeveralSpiffeUris(Vec<String>),
    #[error("has a malformed SPIFFE ID {uri}: {why}")]
    Malformed { uri: String, why: &'static str },
    #[error("is for {id}, outside trust domain {expected}")]
    WrongTrustDomain { id: String, expected: String },
}

/// The leaf's one SPIFFE ID, in any trust domain.
pub fn leaf_spiffe_id(leaf: &CertificateDer<'_>) -> Result<String, SanError> {
    let (_, cert) =
        X509Certificate::from_der(leaf).map_err(|e| SanError::Unparsable(e.to_string()))?;
    let san = cert
        .subject_alternative_name()
        .map_err(|e| SanError::Unparsable(e.to_string()))?;
    let uris: Vec<String> = san
        .iter()
        .flat_map(|s| s.value.general_names.iter())
        .filter_map(|n| match n {
            GeneralName::URI(u) if u.len() >= 9 && u[..9].eq_ignore_ascii_case("spiffe://") => {
                Some(u.to_string())
            }
            _ => None,
        })
        .collect();
    match uris.as_slice() {
        [] => Err(SanError::NoSpiffeUri),
        [one] => {
            check_spiffe_id(one)?;
            Ok(one.clone())
        }
        _ => Err(SanError::SeveralSpiffeUris(uris)),
    }
}

/// The leaf's SPIFFE ID if it is in `trust_domain`.
pub fn spiffe_id_of(leaf: &CertificateDer<'_>, trust_domain: &str) -> Result<String, SanError> {
    let id = leaf_spiffe_id(leaf)?;
    let domain = id["spiffe://".len()..].split('/').next().unwrap_or("");
    if domain != trust_domain {
        return Err(SanError::WrongTrustDomain {
            id,
            expected: trust_domain.to_string(),
        });
    }
    Ok(id)
}

/// The SPIFFE ID format: lowercase `spiffe` scheme, a trust domain of `[a-z0-9._-]`, a path of
/// non-empty `[A-Za-z0-9._-]` segments other than `.` and `..`.
pub(crate) fn check_spiffe_id(uri: &str) -> Result<(), SanError> {
    let bad = |why| {
        Err(SanError::Malformed {
            uri: uri.to_string(),
            why,
        })
    };
    let Some(rest) = uri.strip_prefix("spiffe://") else {
        return bad("the scheme must be lowercase spiffe");
    };
    let (domain, path) = rest.split_once('/').unwrap_or((rest, ""));
    if domain.is_empty() {
        return bad("no trust domain");
    }
    if !domain
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return bad("the trust domain may hold only a-z 0-9 . - _");
    }
    if path.is_empty() {
        return bad("no path: a workload ID names its workload");
    }
    for seg in path.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." {
            return bad("empty, . or .. path segment");
        }
        if !seg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return bad("the path may hold only A-Z a-z 0-9 . - _ and /");
        }
    }
    Ok(())
}

/// webpki's client verifier plus the SPIFFE ID check, for one trust bundle.
#[derive(Debug)]
pub struct SpiffeClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    trust_domain: String,
}

impl SpiffeClientVerifier {
    /// Client certificates are mandatory: the gateway has no one-way TLS mode.
    pub fn new(bundle: &TrustBundle, provider: Arc<CryptoProvider>) -> Result<Self, TlsError> {
        let bad = |why: String| TlsError::BadBundle {
            trust_domain: bundle.trust_domain.clone(),
            why,
        };
        let mut roots = RootCertStore::empty();
        for (i, root) in bundle.roots.iter().enumerate() {
            roots
                .add(root.clone())
                .map_err(|e| bad(format!("root {i}: {e}")))?;
        }
        let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(SpiffeClientVerifier {
            inner,
            trust_domain: bundle.trust_domain.clone(),
        })
    }
}

impl ClientCertVerifier for SpiffeClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let who = Who(end_entity);
        if let Err(e) = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)
        {
            tracing::warn!(
                "client certificate rejected: {} ({who})",
                chain_reason(&e, end_entity)
            );
            return Err(e);
        }
        match spiffe_id_of(end_entity, &self.trust_domain) {
            Ok(_) => Ok(ClientCertVerified::assertion()),
            Err(why) => {
                tracing::warn!("client certificate rejected: it {why} ({who})");
                Err(Error::InvalidCertificate(CertificateError::Other(
                    OtherError(Arc::new(why)),
                )))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The upstream presented another workload's certificate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("presented {found}, expected {expected}")]
pub struct WrongPeer {
    pub expected: String,
    pub found: String,
}

/// Server certificates of mesh services the bridge calls: webpki checks the chain against the
/// bundle, then the leaf's SPIFFE ID must be exactly the one the service table names. Host
/// names are not checked: in a mesh the SPIFFE ID is the identity.
#[derive(Debug)]
pub struct SpiffeServerVerifier {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    expected: String,
}

impl SpiffeServerVerifier {
    pub fn new(
        bundle: &TrustBundle,
        provider: Arc<CryptoProvider>,
        expected: &str,
    ) -> Result<Self, TlsError> {
        let bad = |why: String| TlsError::BadBundle {
            trust_domain: bundle.trust_domain.clone(),
            why,
        };
        let mut roots = RootCertStore::empty();
        for (i, root) in bundle.roots.iter().enumerate() {
            roots
                .add(root.clone())
                .map_err(|e| bad(format!("root {i}: {e}")))?;
        }
        let inner =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| bad(e.to_string()))?;
        Ok(SpiffeServerVerifier {
            inner,
            expected: expected.to_string(),
        })
    }
}

impl rustls::client::danger::ServerCertVerifier for SpiffeServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, Error> {
        // webpki checks the name after the chain, so a name error means the chain was good.
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Ok(_)
            | Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => {}
            Err(e) => {
                let why = chain_reason(&e, end_entity);
                return Err(Error::InvalidCertificate(CertificateError::Other(
                    OtherError(Arc::new(UntrustedPeer(why))),
                )));
            }
        }
        let found = leaf_spiffe_id(end_entity).map_err(|e| {
            Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))
        })?;
        if found != self.expected {
            return Err(Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(WrongPeer {
                    expected: self.expected.clone(),
                    found,
                })),
            )));
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The upstream's chain does not lead to the bundle, in words (expired, unknown CA, ...).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UntrustedPeer(pub String);

/// webpki's verdict in words an operator can act on.
fn chain_reason(e: &Error, leaf: &CertificateDer<'_>) -> String {
    let parsed = X509Certificate::from_der(leaf).ok().map(|(_, c)| c);
    match e {
        Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => match &parsed {
            Some(c) => format!("expired at {}", c.validity().not_after),
            None => "expired".into(),
        },
        Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        ) => match &parsed {
            Some(c) => format!("not valid before {}", c.validity().not_before),
            None => "not valid yet".into(),
        },
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => match &parsed {
            Some(c) => format!("signed by an unknown CA (issuer {})", c.issuer()),
            None => "signed by an unknown CA".into(),
        },
        Error::InvalidCertificate(CertificateError::BadSignature) => {
            "bad signature: the chain must be ECDSA P-256 with SHA-256".into()
        }
        other => other.to_string(),
    }
}

/// Names a certificate in logs: its SPIFFE ID if it has one, else its subject.
struct Who<'a>(&'a CertificateDer<'a>);

impl fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Ok(id) = leaf_spiffe_id(self.0) {
            return write!(f, "{id}");
        }
        match X509Certificate::from_der(self.0) {
            Ok((_, c)) => write!(f, "subject {}", c.subject()),
            Err(_) => f.write_str("unparsable certificate"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spiffe_id_format() {
        assert!(check_spiffe_id("spiffe://cluster.local/ns/retromesh/sa/speccy").is_ok());
        for bad in [
            "SPIFFE://cluster.local/ns/a",
            "spiffe://",
            "spiffe://cluster.local",
            "spiffe://cluster.local/",
            "spiffe://Cluster.local/ns/a",
            "spiffe://cluster.local/ns//a",
            "spiffe://cluster.local/ns/../a",
            "spiffe://cluster.local/ns/a?x=1",
            "spiffe://user@cluster.local/ns/a",
            "spiffe://cluster.local:8443/ns/a",
        ] {
            assert!(check_spiffe_id(bad).is_err(), "{bad}");
        }
    }
}
