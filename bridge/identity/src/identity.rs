//! A workload's identity: SPIFFE ID, certificate chain, key and trust roots, and the checks
//! that they belong together.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::time::ASN1Time;

use crate::error::{IdentityError, Part, Problem};
use crate::spiffe_id::{self, SpiffeId};

/// One workload's X.509-SVID with the roots to check its peers against.
///
/// Built by [`DevCa::issue`](crate::DevCa::issue), [`load_dir`](crate::load_dir) or
/// [`Identity::new`]; only the first two promise it passed [`Identity::validate`].
pub struct Identity {
    /// The leaf's SPIFFE ID.
    pub id: SpiffeId,
    /// Leaf first, then any intermediates.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key.
    pub key: PrivateKeyDer<'static>,
    /// The CA certificates that peers' chains (and this one) lead to.
    pub roots: Vec<CertificateDer<'static>>,
    /// The leaf's validity.
    pub not_before: SystemTime,
    pub not_after: SystemTime,
}

impl Identity {
    /// Takes the SPIFFE ID and validity from the leaf; checks nothing else (see
    /// [`validate`](Self::validate)).
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        roots: Vec<CertificateDer<'static>>,
    ) -> Result<Identity, IdentityError> {
        let leaf_der = chain.first().ok_or(Problem::EmptyChain)?;
        let leaf = parse_cert(leaf_der, Part::Chain, 0)?;
        let id = spiffe_id::from_cert(&leaf)?;
        let validity = leaf.validity();
        let (not_before, not_after) = (
            system_time(validity.not_before),
            system_time(validity.not_after),
        );
        Ok(Identity {
            id,
            chain,
            key,
            roots,
            not_before,
            not_after,
        })
    }

    /// [`Identity::new`] from the PEM text of the three parts.
    pub fn from_pem(chain: &[u8], key: &[u8], roots: &[u8]) -> Result<Identity, IdentityError> {
        Identity::new(
            certs_from_pem(chain, Part::Chain)?,
            key_from_pem(key)?,
            certs_from_pem(roots, Part::Roots)?,
        )
    }

    /// Checks that this is an identity a TLS listener can serve at `now`: a chain whose leaf
    /// carries `id` and matches `key`, every certificate of it within its validity, and a path
    /// from the leaf to one of `roots` with every signature checked.
    pub fn validate(&self, now: SystemTime) -> Result<(), IdentityError> {
        let leaf_der = self.chain.first().ok_or(Problem::EmptyChain)?;
        if self.roots.is_empty() {
            return Err(Problem::NoRoots.into());
        }
        let chain = self
            .chain
            .iter()
            .enumerate()
            .map(|(i, der)| parse_cert(der, Part::Chain, i))
            .collect::<Result<Vec<_>, _>>()?;
        let roots = self
            .roots
            .iter()
            .enumerate()
            .map(|(i, der)| parse_cert(der, Part::Roots, i))
            .collect::<Result<Vec<_>, _>>()?;

        let found = spiffe_id::from_cert(&chain[0])?;
        if found != self.id {
            return Err(Problem::IdMismatch {
                expected: self.id.clone(),
                found,
            }
            .into());
        }
        self.check_key(chain[0].public_key().raw)?;
        let at = unix_secs(now);
        for (index, cert) in chain.iter().enumerate() {
            let validity = cert.validity();
            if at < validity.not_before.timestamp() {
                let not_before = validity.not_before.to_string();
                return Err(Problem::NotYetValid { index, not_before }.into());
            }
            if at > validity.not_after.timestamp() {
                let not_after = validity.not_after.to_string();
                return Err(Problem::Expired { index, not_after }.into());
            }
        }
        check_path(leaf_der, &chain, &self.roots, &roots)
    }

    /// Time left before the leaf expires; zero once it has.
    pub fn expires_in(&self, now: SystemTime) -> Duration {
        self.not_after.duration_since(now).unwrap_or(Duration::ZERO)
    }

    /// The leaf's whole validity period.
    pub fn lifetime(&self) -> Duration {
        self.not_after
            .duration_since(self.not_before)
            .unwrap_or(Duration::ZERO)
    }

    /// The chain and key as rustls serves them (ring provider). Parsing the key is not free:
    /// build this once per published identity, not per handshake.
    pub fn certified_key(&self) -> Result<Arc<CertifiedKey>, IdentityError> {
        let signer = signing_key(&self.key)?;
        Ok(Arc::new(CertifiedKey::new(self.chain.clone(), signer)))
    }

    fn check_key(&self, leaf_spki: &[u8]) -> Result<(), IdentityError> {
        let signer = signing_key(&self.key)?;
        match signer.public_key() {
            Some(spki) if spki.as_ref() == leaf_spki => Ok(()),
            Some(_) => Err(Problem::KeyMismatch.into()),
            None => Err(Problem::BadKey("its public key cannot be derived".into()).into()),
        }
    }
}

impl Clone for Identity {
    fn clone(&self) -> Identity {
        Identity {
            id: self.id.clone(),
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            roots: self.roots.clone(),
            not_before: self.not_before,
            not_after: self.not_after,
        }
    }
}

/// Leaves the key out: logs must never carry it.
impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("id", &self.id)
            .field("chain", &self.chain.len())
            .field("roots", &self.roots.len())
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

fn signing_key(
    key: &PrivateKeyDer<'_>,
) -> Result<Arc<dyn rustls::sign::SigningKey>, IdentityError> {
    rustls::crypto::ring::sign::any_supported_type(key)
        .map_err(|e| Problem::BadKey(e.to_string()).into())
}

/// Walks leaf → issuer → … until a certificate is one of the roots or signed by one.
fn check_path(
    leaf_der: &CertificateDer<'_>,
    chain: &[X509Certificate<'_>],
    root_ders: &[CertificateDer<'_>],
    roots: &[X509Certificate<'_>],
) -> Result<(), IdentityError> {
    if root_ders.contains(leaf_der) {
        return Ok(());
    }
    for (index, cert) in chain.iter().enumerate() {
        if roots.iter().any(|root| signed_by(cert, root)) {
            return Ok(());
        }
        match chain.get(index + 1) {
            Some(next) if signed_by(cert, next) => {}
            Some(_) => {
                let issuer = cert.issuer().to_string();
                return Err(Problem::BrokenChain { index, issuer }.into());
            }
            None => {
                let issuer = cert.issuer().to_string();
                return Err(Problem::Untrusted {
                    roots: roots.len(),
                    issuer,
                }
                .into());
            }
        }
    }
    unreachable!("the loop returns at the chain's last certificate")
}

fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    cert.issuer().as_raw() == issuer.subject().as_raw()
        && cert.verify_signature(Some(issuer.public_key())).is_ok()
}

pub(crate) fn parse_cert<'a>(
    der: &'a [u8],
    part: Part,
    index: usize,
) -> Result<X509Certificate<'a>, IdentityError> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(Problem::BadCertificate {
            part,
            index,
            detail: "trailing bytes after the certificate".into(),
        }
        .into()),
        Err(e) => Err(Problem::BadCertificate {
            part,
            index,
            detail: e.to_string(),
        }
        .into()),
    }
}

pub(crate) fn certs_from_pem(
    pem: &[u8],
    part: Part,
) -> Result<Vec<CertificateDer<'static>>, IdentityError> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            Problem::Pem {
                part,
                detail: e.to_string(),
            }
            .into()
        })
}

pub(crate) fn key_from_pem(pem: &[u8]) -> Result<PrivateKeyDer<'static>, IdentityError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        Problem::Pem {
            part: Part::Key,
            detail: e.to_string(),
        }
        .into()
    })
}

/// A trust root's subject and end of validity, for expiry reports.
pub fn root_validity(der: &CertificateDer<'_>) -> Result<(String, SystemTime), IdentityError> {
    let cert = parse_cert(der, Part::Roots, 0)?;
    Ok((
        cert.subject().to_string(),
        system_time(cert.validity().not_after),
    ))
}

fn system_time(t: ASN1Time) -> SystemTime {
    let secs = t.timestamp();
    match u64::try_from(secs) {
        Ok(after) => UNIX_EPOCH + Duration::from_secs(after),
        Err(_) => UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()),
    }
}

/// Whole seconds, as X.509 times count them.
fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    }
}
