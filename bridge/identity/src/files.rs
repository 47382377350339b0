//! Identities as PEM files, in the layouts Istio and cert-manager's csi-driver-spiffe write.

use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{IdentityError, Part, Problem};
use crate::identity::Identity;
use crate::spiffe_id::SpiffeId;

/// Which file names a directory of identity files uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// istio-agent's `OUTPUT_CERTS`: `cert-chain.pem`, `key.pem`, `root-cert.pem`.
    IstioOutputCerts,
    /// cert-manager csi-driver-spiffe: `tls.crt`, `tls.key`, `ca.crt`.
    CsiDriverSpiffe,
}

impl Layout {
    pub const ALL: [Layout; 2] = [Layout::IstioOutputCerts, Layout::CsiDriverSpiffe];

    /// The file names for the chain, key and roots, in that order.
    pub fn file_names(self) -> [&'static str; 3] {
        match self {
            Layout::IstioOutputCerts => ["cert-chain.pem", "key.pem", "root-cert.pem"],
            Layout::CsiDriverSpiffe => ["tls.crt", "tls.key", "ca.crt"],
        }
    }

    pub fn paths(self, dir: &Path) -> IdentityPaths {
        let [chain, key, roots] = self.file_names().map(|name| dir.join(name));
        IdentityPaths { chain, key, roots }
    }

    /// The layout whose three files are all in `dir`. Neither, or both, is an error that
    /// lists both layouts and what is missing.
    pub fn detect(dir: &Path) -> Result<Layout, IdentityError> {
        let missing = |layout: Layout| -> Vec<&'static str> {
            let names = layout.file_names();
            names
                .into_iter()
                .filter(|name| !dir.join(name).exists())
                .collect()
        };
        let complete: Vec<Layout> = Layout::ALL
            .into_iter()
            .filter(|&l| missing(l).is_empty())
            .collect();
        match complete.as_slice() {
            [one] => Ok(*one),
            [] => {
                let lacks = Layout::ALL
                    .map(|l| format!("{l} (missing {})", missing(l).join(", ")))
                    .join(" or ");
                Err(IdentityError::Layout {
                    dir: dir.to_owned(),
                    detail: format!("no identity files; expected {lacks}"),
                })
            }
            _ => Err(IdentityError::Layout {
                dir: dir.to_owned(),
                detail: format!(
                    "holds both {} and {}; remove one set so it is clear which identity to serve",
                    Layout::IstioOutputCerts,
                    Layout::CsiDriverSpiffe
                ),
            }),
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Layout::IstioOutputCerts => "Istio output-certs",
            Layout::CsiDriverSpiffe => "csi-driver-spiffe",
        };
        write!(f, "{name} ({})", self.file_names().join(", "))
    }
}

/// Where an identity's chain, key and roots are.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdentityPaths {
    pub chain: PathBuf,
    pub key: PathBuf,
    pub roots: PathBuf,
}

impl IdentityPaths {
    pub fn of(&self, part: Part) -> &Path {
        match part {
            Part::Chain => &self.chain,
            Part::Key => &self.key,
            Part::Roots => &self.roots,
        }
    }
}

/// Loads the identity in `dir`, whichever [`Layout`] it uses, and validates it now. The SPIFFE
/// ID is the leaf's; if `expected` is given it must be that.
pub fn load_dir(dir: &Path, expected: Option<&SpiffeId>) -> Result<Identity, IdentityError> {
    load(&Layout::detect(dir)?.paths(dir), expected)
}

/// [`load_dir`] for files named explicitly.
pub fn load(paths: &IdentityPaths, expected: Option<&SpiffeId>) -> Result<Identity, IdentityError> {
    FileSet::read(paths)?.identity(paths, expected, SystemTime::now())
}

/// The three files' bytes, read together so a change can be told from no change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileSet {
    chain: Vec<u8>,
    key: Vec<u8>,
    roots: Vec<u8>,
}

impl FileSet {
    pub(crate) fn read(paths: &IdentityPaths) -> Result<FileSet, IdentityError> {
        let read = |path: &Path| fs::read(path).map_err(|e| IdentityError::io(path, "read", e));
        Ok(FileSet {
            chain: read(&paths.chain)?,
            key: read(&paths.key)?,
            roots: read(&paths.roots)?,
        })
    }

    /// Parses and validates; errors name the file at fault.
    pub(crate) fn identity(
        &self,
        paths: &IdentityPaths,
        expected: Option<&SpiffeId>,
        now: SystemTime,
    ) -> Result<Identity, IdentityError> {
        let checked = || -> Result<Identity, IdentityError> {
            let identity = Identity::from_pem(&self.chain, &self.key, &self.roots)?;
            if let Some(expected) = expected.filter(|&e| *e != identity.id) {
                return Err(Problem::IdMismatch {
                    expected: expected.clone(),
                    found: identity.id.clone(),
                }
                .into());
            }
            identity.validate(now)?;
            Ok(identity)
        };
        checked().map_err(|e| e.in_files(paths))
    }
}

/// Writes `identity` into `dir` under `layout`'s names: the key mode 0600, the certificates
/// 0644. Each file is replaced atomically (write aside, then rename), so a reader sees the
/// old file or the new one, never half of one.
pub fn write_pem_files(
    identity: &Identity,
    dir: &Path,
    layout: Layout,
) -> Result<IdentityPaths, IdentityError> {
    fs::create_dir_all(dir).map_err(|e| IdentityError::io(dir, "create directory", e))?;
    let paths = layout.paths(dir);
    // Roots first and chain last: a watcher mid-way sees new roots with the old leaf, which
    // still validates while the CA is unchanged.
    write_atomic(&paths.roots, certs_pem(&identity.roots).as_bytes(), 0o644)?;
    write_atomic(&paths.key, key_pem(&identity.key).as_bytes(), 0o600)?;
    write_atomic(&paths.chain, certs_pem(&identity.chain).as_bytes(), 0o644)?;
    Ok(paths)
}

pub(crate) fn certs_pem(certs: &[CertificateDer<'_>]) -> String {
    certs
        .iter()
        .map(|der| pem_block("CERTIFICATE", der.as_ref()))
        .collect()
}

pub(crate) fn key_pem(key: &PrivateKeyDer<'_>) -> String {
    let tag = match key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    };
    pem_block(tag, key.secret_der())
}

fn pem_block(tag: &str, der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(tag, der), config)
}

/// Writes `path` through a temporary file beside it and a rename.
pub(crate) fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), IdentityError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        // `mode` applies only on creation; a leftover temp file keeps its old bits.
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        IdentityError::io(path, "write", e)
    })
}
