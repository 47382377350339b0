//! One SPIFFE identity per micro, as an Istio sidecar would hold it.
//!
//! Each micro behind the bridge is a mesh workload with its own SPIFFE ID
//! (`spiffe://<trust-domain>/ns/<ns>/sa/<sa>`), certificate chain, private key and trust roots.
//! An [`Identity`] comes from one of three places:
//!
//! - a development CA ([`DevCa`]) kept in the bridge's state directory, which issues short-lived
//!   ECDSA P-256 leaves and re-issues them before half their lifetime is gone;
//! - PEM files written by someone else, in Istio's `output-certs` layout or cert-manager
//!   csi-driver-spiffe's ([`Layout`]), re-read when they change;
//! - the SPIFFE Workload API of a SPIRE agent on a unix socket
//!   ([`IdentitySource::WorkloadApi`]), which pushes each rotated SVID.
//!
//! Whichever, callers get a `watch::Receiver<Arc<Identity>>` ([`IdentitySource::start`]): a new
//! identity is published only once it validates, so the TLS listener can apply whatever it
//! receives to the next handshake.

mod dev_ca;
mod error;
mod files;
mod identity;
mod spiffe_id;
mod watcher;
mod workload_api;

pub use dev_ca::DevCa;
pub use error::{IdentityError, Part, Problem};
pub use files::{load, load_dir, write_pem_files, IdentityPaths, Layout};
pub use identity::{root_validity, Identity};
pub use spiffe_id::{SpiffeId, SpiffeIdError, SpiffeIdErrorKind, TrustDomain};
pub use watcher::{IdentitySource, IdentityWatcher};
pub use workload_api::WORKLOAD_API_SOCKET_ENV;

/// Re-exported so callers name the same DER types as [`Identity`]'s fields.
pub use rustls_pki_types::{CertificateDer, PrivateKeyDer};
