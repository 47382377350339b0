//! The bridge's HTTP front: the versioned `/v1` API that mesh services call to reach a micro.
//!
//! [`api`] serves the API over plain HTTP on a listener it is given; [`tls`] puts Istio-style
//! mutual TLS in front of the same router, each micro with its own SPIFFE identity.

pub mod api;
pub mod authz;
pub mod drain;
pub mod outbound;
pub mod tls;

pub use api::{
    serve, serve_connection, Api, ApiTelemetry, Caller, HttpLimits, HttpVersion, MicroView,
    RecentError, ScreenRenderer, ViewFuture,
};
pub use drain::{Drain, Drained};
pub use tls::{
    serve_tls, IdentityChoice, Limits, MtlsMode, ServerIdentity, SniMap, TlsError, TlsListener,
    TlsPolicy, TlsSettings, TrustBundle,
};
