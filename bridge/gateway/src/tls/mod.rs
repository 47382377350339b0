//! Mutual TLS in front of the `/v1` API, as an Istio sidecar would terminate it.
//!
//! Each micro is a workload with its own SPIFFE identity; mesh clients call it over mTLS and
//! check the served certificate's URI SAN against the micro's service account. The pieces:
//!
//! - [`policy`]: protocol versions, the ECDSA P-256 crypto provider, ALPN;
//! - [`verify`]: client certificates: chain against the trust bundle, then the SPIFFE ID;
//! - [`sni`]: which micro's certificate a handshake gets;
//! - `store`: current `ServerConfig`s, rebuilt when an identity or the bundle changes;
//! - `stream`: the server side of a connection on rustls' unbuffered API, holding no buffers
//!   while it waits;
//! - `records`: a TLS 1.3 connection's records once rustls' connection object is let go;
//! - [`listener`]: STRICT / PERMISSIVE listeners serving the API with the caller's identity.
//!
//! Identities and the bundle arrive through `watch` channels: a new value applies to the next
//! handshake; open connections keep the session they have.

pub mod listener;
pub mod policy;
mod records;
pub mod sni;
mod store;
mod stream;
pub mod verify;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub use listener::{serve_tls, Limits, MtlsMode, TlsListener, TlsSettings};
pub use policy::{TlsPolicy, ALPN_PROTOCOLS};
pub use sni::{service_host, IdentityChoice, SniMap};
pub use verify::{
    leaf_spiffe_id, spiffe_id_of, SanError, SpiffeClientVerifier, SpiffeServerVerifier,
    UntrustedPeer, WrongPeer,
};

/// A micro's certificate: leaf first, then any intermediates, and its private key.
#[derive(Debug)]
pub struct ServerIdentity {
    /// The leaf's URI SAN, e.g. `spiffe://cluster.local/ns/retromesh/sa/speccy`.
    pub spiffe_id: String,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

/// The CAs whose client certificates are accepted, and the one trust domain they speak for.
#[derive(Clone, Debug)]
pub struct TrustBundle {
    pub roots: Vec<CertificateDer<'static>>,
    /// e.g. `cluster.local`.
    pub trust_domain: String,
}

/// Why a TLS listener or configuration could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("no identity for micro \"{0}\": give it a certificate or drop it from the SNI map")]
    NoIdentity(String),
    #[error("identity of micro \"{micro}\" is not usable: {why}")]
    BadIdentity { micro: String, why: String },
    #[error("trust bundle for {trust_domain} is not usable: {why}")]
    BadBundle { trust_domain: String, why: String },
    #[error("SNI name \"{name}\" is claimed by both micro \"{first}\" and micro \"{second}\"")]
    SniConflict {
        name: String,
        first: String,
        second: String,
    },
    #[error(transparent)]
    Rustls(#[from] rustls::Error),
}
