//! What can go wrong with an identity, worded so an operator knows which file to fix and how.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::files::IdentityPaths;
use crate::spiffe_id::{SpiffeId, SpiffeIdError};

/// Which of an identity's three inputs a [`Problem`] is in, so a loader can name the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The leaf certificate and any intermediates (`cert-chain.pem`, `tls.crt`).
    Chain,
    /// The leaf's private key (`key.pem`, `tls.key`).
    Key,
    /// The trust roots (`root-cert.pem`, `ca.crt`).
    Roots,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Chain => "certificate chain",
            Part::Key => "private key",
            Part::Roots => "trust roots",
        })
    }
}

/// Why a certificate chain, key and roots do not make a usable identity. Each message ends
/// with what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("{part} is not usable PEM ({detail}); expected {}", expected_pem(*part))]
    Pem { part: Part, detail: String },
    #[error("no certificate; put the leaf certificate first, then any intermediates, as PEM CERTIFICATE blocks")]
    EmptyChain,
    #[error(
        "no trust root; put the CA certificate(s) the leaf chains to as PEM CERTIFICATE blocks"
    )]
    NoRoots,
    #[error("{} is not a valid X.509 certificate ({detail}); replace it with the PEM the CA issued", cert_name(*part, *index))]
    BadCertificate {
        part: Part,
        index: usize,
        detail: String,
    },
    #[error("the private key is not usable ({0}); expected an ECDSA P-256/P-384, RSA or Ed25519 key as PKCS#8, SEC1 or PKCS#1 PEM")]
    BadKey(String),
    #[error("the leaf certificate has no spiffe:// URI SAN{}; issue it with the workload's SPIFFE ID as a URI subjectAltName", others(other_uris))]
    NoSpiffeId { other_uris: Vec<String> },
    #[error("the leaf certificate has {} spiffe:// URI SANs ({}); an X.509-SVID carries exactly one, so re-issue it with one", .0.len(), .0.join(", "))]
    SeveralSpiffeIds(Vec<String>),
    #[error("the leaf certificate's URI SAN is not a valid SPIFFE ID: {0}")]
    BadSpiffeId(SpiffeIdError),
    #[error("the leaf certificate is for {found}, not the expected {expected}; install the certificate issued for {expected}, or change the expected identity")]
    IdMismatch { expected: SpiffeId, found: SpiffeId },
    #[error("the private key does not match the leaf certificate's public key; install the key that was generated with this certificate")]
    KeyMismatch,
    #[error("{} expired at {not_after}; renew it", cert_name(Part::Chain, *index))]
    Expired { index: usize, not_after: String },
    #[error("{} is not valid until {not_before}; check this machine's clock, or wait", cert_name(Part::Chain, *index))]
    NotYetValid { index: usize, not_before: String },
    #[error("{} (issuer {issuer}) is not signed by certificate #{} of the chain; put the chain in order: leaf first, then each issuer", cert_name(Part::Chain, *index), index + 1)]
    BrokenChain { index: usize, issuer: String },
    #[error("the chain does not lead to any of the {roots} trust root(s) (last issuer {issuer}); install the root of the CA that issued the leaf, or a leaf issued by one of these roots")]
    Untrusted { roots: usize, issuer: String },
}

impl Problem {
    /// The input the problem is in.
    pub fn part(&self) -> Part {
        match self {
            Problem::Pem { part, .. } | Problem::BadCertificate { part, .. } => *part,
            Problem::BadKey(_) | Problem::KeyMismatch => Part::Key,
            Problem::NoRoots | Problem::Untrusted { .. } => Part::Roots,
            Problem::EmptyChain
            | Problem::NoSpiffeId { .. }
            | Problem::SeveralSpiffeIds(_)
            | Problem::BadSpiffeId(_)
            | Problem::IdMismatch { .. }
            | Problem::Expired { .. }
            | Problem::NotYetValid { .. }
            | Problem::BrokenChain { .. } => Part::Chain,
        }
    }
}

fn expected_pem(part: Part) -> &'static str {
    match part {
        Part::Chain | Part::Roots => "one or more CERTIFICATE blocks",
        Part::Key => "one PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block",
    }
}

fn cert_name(part: Part, index: usize) -> String {
    match (part, index) {
        (Part::Chain, 0) => "the leaf certificate".to_owned(),
        (Part::Roots, _) => format!("trust root #{index}"),
        (_, _) => format!("certificate #{index} of the chain"),
    }
}

fn others(uris: &[String]) -> String {
    match uris {
        [] => String::new(),
        _ => format!(" (other URIs: {})", uris.join(", ")),
    }
}

/// Everything this crate can fail with.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The chain, key and roots do not make a usable identity; `file` is set when they came
    /// from files.
    #[error("{}{problem}", file_prefix(file.as_deref()))]
    Invalid {
        file: Option<PathBuf>,
        problem: Problem,
    },
    #[error(transparent)]
    SpiffeId(#[from] SpiffeIdError),
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    /// A directory holds neither layout of identity files (or both).
    #[error("{}: {detail}", dir.display())]
    Layout { dir: PathBuf, detail: String },
    /// The development CA on disk cannot be used; it is never replaced without being asked.
    #[error("development CA in {}: {detail}", dir.display())]
    DevCa { dir: PathBuf, detail: String },
    #[error("cannot issue a certificate for {id}: {detail}")]
    Issue { id: String, detail: String },
    /// The SPIFFE Workload API at `socket` gave no usable identity; `problem` is set when the
    /// SVID it sent does not validate.
    #[error("SPIFFE Workload API at {socket}: {detail}")]
    WorkloadApi {
        socket: String,
        detail: String,
        problem: Option<Box<Problem>>,
    },
    #[error("no SPIFFE Workload API socket: give one (unix:///path/to/agent.sock) or set SPIFFE_ENDPOINT_SOCKET, as SPIRE does")]
    NoWorkloadApiSocket,
}

impl IdentityError {
    /// The identity problem behind this error, if it is one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            IdentityError::Invalid { problem, .. } => Some(problem),
            IdentityError::WorkloadApi { problem, .. } => problem.as_deref(),
            _ => None,
        }
    }

    /// Names the file a problem is in, now that it is known where the parts came from.
    pub(crate) fn in_files(self, paths: &IdentityPaths) -> IdentityError {
        match self {
            IdentityError::Invalid {
                file: None,
                problem,
            } => IdentityError::Invalid {
                file: Some(paths.of(problem.part()).to_owned()),
                problem,
            },
            other => other,
        }
    }

    pub(crate) fn io(path: &Path, action: &'static str, source: io::Error) -> IdentityError {
        IdentityError::Io {
            path: path.to_owned(),
            action,
            source,
        }
    }
}

impl From<Problem> for IdentityError {
    fn from(problem: Problem) -> IdentityError {
        IdentityError::Invalid {
            file: None,
            problem,
        }
    }
}

fn file_prefix(file: Option<&Path>) -> String {
    file.map(|f| format!("{}: ", f.display()))
        .unwrap_or_default()
}
