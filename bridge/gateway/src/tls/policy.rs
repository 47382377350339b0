//! The TLS policy, in one place: what every gateway handshake may negotiate.
//!
//! - TLS 1.3 only, unless [`TlsPolicy::allow_tls12`] is set (as linkerd2-proxy does).
//! - ECDSA P-256 only: certificates, handshake signatures and key exchange (`secp256r1`).
//!   Istio's own CA issues RSA keys unless told otherwise: mesh workloads calling a micro need
//!   ECDSA certificates (`ECC_SIGNATURE_ALGORITHM=ECDSA` on the sidecars).
//! - ALPN in [`ALPN_PROTOCOLS`] order, never `istio-peer-exchange`: that one carries Istio's
//!   metadata framing, which the gateway does not speak. A client offering only protocols
//!   outside the list fails the handshake with `no_application_protocol`.
//! - No session resumption: a resumed session would skip the client-certificate check, so a
//!   certificate that expired or a CA dropped from the bundle could still get in.

use std::sync::Arc;

use rustls::crypto::ring::{cipher_suite, kx_group};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::ClientCertVerifier;
use rustls::server::NoServerSessionStorage;
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{ServerConfig, SignatureAlgorithm, SignatureScheme, SupportedProtocolVersion};

use super::{ServerIdentity, TlsError};
use crate::api::HttpVersion;

/// ALPN protocols the gateway accepts, most preferred first (the server's order wins).
pub const ALPN_PROTOCOLS: [&[u8]; 5] =
    [b"istio-http/1.1", b"istio-h2", b"istio", b"h2", b"http/1.1"];

/// Protocol-version knobs; everything else is fixed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlsPolicy {
    /// Accept TLS 1.2 (ECDHE-ECDSA AEAD suites only) besides TLS 1.3.
    pub allow_tls12: bool,
}

static ECDSA_P256_ONLY: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[webpki::ring::ECDSA_P256_SHA256],
    mapping: &[(
        SignatureScheme::ECDSA_NISTP256_SHA256,
        &[webpki::ring::ECDSA_P256_SHA256],
    )],
};

impl TlsPolicy {
    /// The *ring* provider cut down to this policy.
    pub fn provider(&self) -> Arc<CryptoProvider> {
        let mut suites = vec![
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS13_AES_256_GCM_SHA384,
            cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        ];
        if self.allow_tls12 {
            suites.extend([
                cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            ]);
        }
        Arc::new(CryptoProvider {
            cipher_suites: suites,
            kx_groups: vec![kx_group::SECP256R1],
            signature_verification_algorithms: ECDSA_P256_ONLY,
            ..rustls::crypto::ring::default_provider()
        })
    }

    pub fn versions(&self) -> &'static [&'static SupportedProtocolVersion] {
        static TLS13_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];
        static TLS13_AND_12: &[&SupportedProtocolVersion] =
            &[&rustls::version::TLS13, &rustls::version::TLS12];
        if self.allow_tls12 {
            TLS13_AND_12
        } else {
            TLS13_ONLY
        }
    }

    /// A server config presenting `identity` and checking clients with `verifier`.
    pub fn server_config(
        &self,
        provider: &Arc<CryptoProvider>,
        micro: &str,
        identity: &ServerIdentity,
        verifier: Arc<dyn ClientCertVerifier>,
    ) -> Result<ServerConfig, TlsError> {
        let bad = |why: String| TlsError::BadIdentity {
            micro: micro.to_string(),
            why,
        };
        let leaf = identity
            .chain
            .first()
            .ok_or_else(|| bad("empty certificate chain".into()))?;
        // Istio clients match this SAN against the micro's service account: catch a mix-up
        // here rather than as a handshake failure on the client's side.
        let served = super::verify::leaf_spiffe_id(leaf).map_err(|e| bad(e.to_string()))?;
        if served != identity.spiffe_id {
            return Err(bad(format!(
                "certificate is for {served}, expected {}",
                identity.spiffe_id
            )));
        }
        let key = provider
            .key_provider
            .load_private_key(identity.key.clone_key())
            .map_err(|e| bad(format!("private key: {e}")))?;
        if key.algorithm() != SignatureAlgorithm::ECDSA
            || key
                .choose_scheme(&[SignatureScheme::ECDSA_NISTP256_SHA256])
                .is_none()
        {
            return Err(bad(format!(
                "private key is {:?}, the policy allows ECDSA P-256 only",
                key.algorithm()
            )));
        }
        let certified = CertifiedKey::new(identity.chain.clone(), key);
        certified
            .keys_match()
            .map_err(|e| bad(format!("private key does not match the certificate: {e}")))?;

        let mut config = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(self.versions())?
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(Arc::new(SingleCertAndKey::from(certified)));
        config.alpn_protocols = ALPN_PROTOCOLS.iter().map(|p| p.to_vec()).collect();
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
        // TLS 1.3 records are then sealed and opened outside rustls' connection object, which
        // is dropped after the handshake to save its memory (see `records`).
        config.enable_secret_extraction = true;
        Ok(config)
    }
}

impl TlsPolicy {
    /// A client config presenting `identity` (the micro's own) and checking the server with
    /// `verifier`. No resumption: every connection checks the peer's identity afresh.
    pub fn client_config(
        &self,
        provider: &Arc<CryptoProvider>,
        identity: &ServerIdentity,
        verifier: Arc<dyn rustls::client::danger::ServerCertVerifier>,
    ) -> Result<rustls::ClientConfig, TlsError> {
        let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(self.versions())?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
            .map_err(|e| TlsError::BadIdentity {
                micro: identity.spiffe_id.clone(),
                why: e.to_string(),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config.resumption = rustls::client::Resumption::disabled();
        Ok(config)
    }
}

/// The HTTP version an ALPN result calls for; no ALPN leaves it to the preface.
pub fn http_version(alpn: Option<&[u8]>) -> HttpVersion {
    match alpn {
        Some(b"istio-h2" | b"h2") => HttpVersion::Http2,
        Some(_) => HttpVersion::Http1,
        None => HttpVersion::Auto,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_maps_to_http_versions_and_never_lists_peer_exchange() {
        assert!(!ALPN_PROTOCOLS.contains(&&b"istio-peer-exchange"[..]));
        assert_eq!(http_version(Some(b"istio-h2")), HttpVersion::Http2);
        assert_eq!(http_version(Some(b"h2")), HttpVersion::Http2);
        assert_eq!(http_version(Some(b"istio-http/1.1")), HttpVersion::Http1);
        assert_eq!(http_version(Some(b"istio")), HttpVersion::Http1);
        assert_eq!(http_version(Some(b"http/1.1")), HttpVersion::Http1);
        assert_eq!(http_version(None), HttpVersion::Auto);
    }

    #[test]
    fn provider_is_p256_only_and_tls12_is_opt_in() {
        let strict = TlsPolicy::default();
        let p = strict.provider();
        assert_eq!(p.kx_groups.len(), 1);
        assert!(p.cipher_suites.iter().all(|s| s.tls13().is_some()));
        assert_eq!(strict.versions().len(), 1);
        let lax = TlsPolicy { allow_tls12: true };
        assert_eq!(lax.provider().cipher_suites.len(), 6);
        assert_eq!(lax.versions().len(), 2);
    }
}
