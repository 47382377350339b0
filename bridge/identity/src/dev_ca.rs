//! A development CA kept in the bridge's state directory, for running without a mesh CA.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SanType, PKCS_ECDSA_P256_SHA256,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

use crate::error::{IdentityError, Part};
use crate::files::{certs_pem, write_atomic, write_pem_files, IdentityPaths, Layout};
use crate::identity::{parse_cert, Identity};
use crate::spiffe_id::{self, SpiffeId, TrustDomain};

const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca-key.pem";
/// Long enough that a development setup never sees its CA expire.
const CA_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Leaves start this far in the past so a peer whose clock is a little behind accepts them.
const BACKDATE: Duration = Duration::from_secs(60);

/// A self-signed ECDSA P-256 CA for one trust domain, stored as `ca/ca.pem` and
/// `ca/ca-key.pem` under the state directory.
pub struct DevCa {
    dir: PathBuf,
    trust_domain: TrustDomain,
    root: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl DevCa {
    /// Loads the CA in `state_dir/ca`, creating it on first run (directory 0700, key 0600).
    ///
    /// A CA that is there but unusable (one file missing, unparsable, key not matching, for
    /// another trust domain, expired) is an error: replacing it would silently invalidate every
    /// identity it issued, so that is left to the operator.
    pub fn load_or_create(
        state_dir: &Path,
        trust_domain: &TrustDomain,
    ) -> Result<DevCa, IdentityError> {
        let dir = state_dir.join("ca");
        let (cert_path, key_path) = (dir.join(CA_CERT), dir.join(CA_KEY));
        match (cert_path.exists(), key_path.exists()) {
            (false, false) => {
                create(&dir, trust_domain)?;
                tracing::info!(dir = %dir.display(), %trust_domain, "created development CA");
            }
            (true, false) | (false, true) => {
                let (present, absent) = match cert_path.exists() {
                    true => (&cert_path, &key_path),
                    false => (&key_path, &cert_path),
                };
                return Err(corrupt(
                    &dir,
                    format!(
                        "{} is there but {} is not; restore it, or delete {} to create a new CA",
                        present.display(),
                        absent.display(),
                        dir.display()
                    ),
                ));
            }
            (true, true) => {}
        }
        load(&dir, trust_domain)
    }

    pub fn trust_domain(&self) -> &TrustDomain {
        &self.trust_domain
    }

    /// The directory holding `ca.pem` and `ca-key.pem`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate: the trust root of every identity it issues.
    pub fn root(&self) -> &CertificateDer<'static> {
        &self.root
    }

    pub fn root_pem(&self) -> String {
        certs_pem(std::slice::from_ref(&self.root))
    }

    /// Issues `id` a fresh ECDSA P-256 leaf valid from a minute ago until `lifetime` from now,
    /// with `id` as its URI SAN, `dns_names` as DNS SANs, and serverAuth + clientAuth usage.
    pub fn issue(
        &self,
        id: &SpiffeId,
        dns_names: &[String],
        lifetime: Duration,
    ) -> Result<Identity, IdentityError> {
        let fail = |detail: String| IdentityError::Issue {
            id: id.to_string(),
            detail,
        };
        if id.trust_domain() != &self.trust_domain {
            return Err(fail(format!(
                "the development CA speaks for trust domain {}, not {}",
                self.trust_domain,
                id.trust_domain()
            )));
        }
        if lifetime.is_zero() {
            return Err(fail("the lifetime is zero".into()));
        }
        let now = SystemTime::now();
        let mut params = CertificateParams::default();
        // Empty subject, as Istio issues: the SAN is the identity (and rcgen marks it critical).
        params.distinguished_name = DistinguishedName::new();
        params.subject_alt_names.push(SanType::URI(
            id.to_string()
                .try_into()
                .map_err(|e| fail(format!("URI SAN: {e}")))?,
        ));
        for name in dns_names {
            let dns = name
                .clone()
                .try_into()
                .map_err(|e| fail(format!("DNS name {name:?}: {e}")))?;
            params.subject_alt_names.push(SanType::DnsName(dns));
        }
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        params.not_before = OffsetDateTime::from(now - BACKDATE);
        params.not_after = OffsetDateTime::from(now + lifetime);
        // A fresh key per leaf, like istio-agent; rcgen derives the serial from it, so serials
        // do not repeat.
        let key =
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| fail(e.to_string()))?;
        let leaf = params
            .signed_by(&key, &self.issuer)
            .map_err(|e| fail(e.to_string()))?;
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Identity::new(vec![leaf.der().clone()], key_der, vec![self.root.clone()])
    }

    /// Writes `identity` as PEM files; see [`write_pem_files`](crate::write_pem_files).
    pub fn write_pem_files(
        identity: &Identity,
        dir: &Path,
        layout: Layout,
    ) -> Result<IdentityPaths, IdentityError> {
        write_pem_files(identity, dir, layout)
    }
}

impl std::fmt::Debug for DevCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevCa")
            .field("dir", &self.dir)
            .field("trust_domain", &self.trust_domain)
            .finish_non_exhaustive()
    }
}

fn create(dir: &Path, trust_domain: &TrustDomain) -> Result<(), IdentityError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| IdentityError::io(dir, "create directory", e))?;
    // `mode` is ignored for a directory that already existed, and umask may have narrowed it.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| IdentityError::io(dir, "set permissions of", e))?;

    let fail = |e: rcgen::Error| corrupt(dir, format!("cannot generate the CA: {e}"));
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(fail)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "retromesh");
    params.distinguished_name.push(
        DnType::CommonName,
        format!("retromesh development CA for {trust_domain}"),
    );
    // SPIFFE lets a CA carry its trust domain's ID; it is how `load` tells which domain it is for.
    let td_uri = trust_domain.id().to_string();
    params.subject_alt_names.push(SanType::URI(
        td_uri
            .try_into()
            .map_err(|e| corrupt(dir, format!("URI SAN: {e}")))?,
    ));
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = SystemTime::now();
    params.not_before = OffsetDateTime::from(now - BACKDATE);
    params.not_after = OffsetDateTime::from(now + CA_LIFETIME);
    let cert = params.self_signed(&key).map_err(fail)?;

    // Key first: a crash in between leaves a key without a certificate, which `load_or_create`
    // reports rather than guessing.
    write_atomic(&dir.join(CA_KEY), key.serialize_pem().as_bytes(), 0o600)?;
    write_atomic(&dir.join(CA_CERT), cert.pem().as_bytes(), 0o644)
}

fn load(dir: &Path, trust_domain: &TrustDomain) -> Result<DevCa, IdentityError> {
    let (cert_path, key_path) = (dir.join(CA_CERT), dir.join(CA_KEY));
    let fix = format!("restore it, or delete {} to create a new CA", dir.display());
    let read = |path: &Path| fs::read(path).map_err(|e| IdentityError::io(path, "read", e));

    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&read(&cert_path)?)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            corrupt(
                dir,
                format!("{} is not PEM ({e}); {fix}", cert_path.display()),
            )
        })?;
    let [root] = <[_; 1]>::try_from(certs).map_err(|certs| {
        corrupt(
            dir,
            format!(
                "{} holds {} certificates, not one; {fix}",
                cert_path.display(),
                certs.len()
            ),
        )
    })?;
    let parsed = parse_cert(&root, Part::Roots, 0)
        .map_err(|e| corrupt(dir, format!("{}: {e}; {fix}", cert_path.display())))?;
    if !parsed.is_ca() {
        return Err(corrupt(
            dir,
            format!("{} is not a CA certificate; {fix}", cert_path.display()),
        ));
    }
    let found = spiffe_id::from_cert(&parsed).map_err(|_| {
        corrupt(
            dir,
            format!(
                "{} carries no single spiffe://<trust-domain> URI SAN, so it was not made by retromesh; {fix}",
                cert_path.display()
            ),
        )
    })?;
    if found.trust_domain() != trust_domain {
        return Err(corrupt(
            dir,
            format!(
                "{} is for trust domain {}, not {trust_domain}; use another state directory, or delete {} to create a CA for {trust_domain}",
                cert_path.display(),
                found.trust_domain(),
                dir.display()
            ),
        ));
    }
    if !parsed.validity().is_valid() {
        return Err(corrupt(
            dir,
            format!(
                "{} is outside its validity ({} to {}); delete {} to create a new CA",
                cert_path.display(),
                parsed.validity().not_before,
                parsed.validity().not_after,
                dir.display()
            ),
        ));
    }

    let key_der = PrivateKeyDer::from_pem_slice(&read(&key_path)?).map_err(|e| {
        corrupt(
            dir,
            format!(
                "{} is not a PEM private key ({e}); {fix}",
                key_path.display()
            ),
        )
    })?;
    let key = KeyPair::try_from(&key_der).map_err(|e| {
        corrupt(
            dir,
            format!("{} is not a usable key ({e}); {fix}", key_path.display()),
        )
    })?;
    if key.subject_public_key_info() != parsed.public_key().raw {
        return Err(corrupt(
            dir,
            format!(
                "{} does not belong to {}; restore the matching pair, or delete {} to create a new CA",
                key_path.display(),
                cert_path.display(),
                dir.display()
            ),
        ));
    }
    let issuer = Issuer::from_ca_cert_der(&root, key)
        .map_err(|e| corrupt(dir, format!("{}: {e}; {fix}", cert_path.display())))?;
    Ok(DevCa {
        dir: dir.to_owned(),
        trust_domain: trust_domain.clone(),
        root,
        issuer,
    })
}

fn corrupt(dir: &Path, detail: String) -> IdentityError {
    IdentityError::DevCa {
        dir: dir.to_owned(),
        detail,
    }
}
