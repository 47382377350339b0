//! User-supplied Commodore ROMs. They are copyrighted: never shipped, never downloaded.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// The environment variable naming a folder with the three ROM images.
pub const ROMS_ENV: &str = "RETROMESH_C64_ROMS";

pub const BASIC_SIZE: usize = 8192;
pub const KERNAL_SIZE: usize = 8192;
pub const CHARGEN_SIZE: usize = 4096;

/// BASIC V2 (8K at $A000), KERNAL (8K at $E000), character generator (4K at $D000).
#[derive(Clone, PartialEq, Eq)]
pub struct Roms {
    pub basic: Vec<u8>,
    pub kernal: Vec<u8>,
    pub chargen: Vec<u8>,
}

impl std::fmt::Debug for Roms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Roms { basic 8K, kernal 8K, chargen 4K }")
    }
}

#[derive(Debug, Error)]
pub enum RomError {
    #[error("ROM folder {0} does not exist or is not a folder; point {ROMS_ENV} at the folder holding the C64 ROM images")]
    NotAFolder(PathBuf),
    #[error("no {what} ROM in {dir}: expected a file named {names} ({size} bytes); copy it from your own C64 or VICE installation")]
    Missing {
        what: &'static str,
        dir: PathBuf,
        names: &'static str,
        size: usize,
    },
    #[error(
        "{path} is {found} bytes but a {what} ROM is {size}; use an unmodified {size}-byte dump"
    )]
    WrongSize {
        what: &'static str,
        path: PathBuf,
        found: usize,
        size: usize,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

struct Kind {
    what: &'static str,
    prefixes: &'static [&'static str],
    names: &'static str,
    size: usize,
}

const KINDS: [Kind; 3] = [
    Kind {
        what: "BASIC",
        prefixes: &["basic"],
        names: "basic-901226-01.bin or basic*",
        size: BASIC_SIZE,
    },
    Kind {
        what: "KERNAL",
        prefixes: &["kernal"],
        names: "kernal-901227-03.bin or kernal*",
        size: KERNAL_SIZE,
    },
    Kind {
        what: "character",
        prefixes: &["chargen", "characters"],
        names: "characters-901225-01.bin, chargen or chargen*",
        size: CHARGEN_SIZE,
    },
];

impl Roms {
    /// Reads `basic*`, `kernal*` and `chargen*`/`characters*` from `dir` (VICE's names work).
    pub fn from_dir(dir: &Path) -> Result<Roms, RomError> {
        if !dir.is_dir() {
            return Err(RomError::NotAFolder(dir.to_path_buf()));
        }
        let io = |path: &Path, source| RomError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        names.sort();
        let mut images = Vec::new();
        for kind in &KINDS {
            let path = names
                .iter()
                .find(|p| {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().to_ascii_lowercase())
                        .unwrap_or_default();
                    kind.prefixes.iter().any(|pre| name.starts_with(pre))
                })
                .ok_or_else(|| RomError::Missing {
                    what: kind.what,
                    dir: dir.to_path_buf(),
                    names: kind.names,
                    size: kind.size,
                })?;
            let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
            if bytes.len() != kind.size {
                return Err(RomError::WrongSize {
                    what: kind.what,
                    path: path.clone(),
                    found: bytes.len(),
                    size: kind.size,
                });
            }
            images.push(bytes);
        }
        let chargen = images.pop().unwrap_or_default();
        let kernal = images.pop().unwrap_or_default();
        let basic = images.pop().unwrap_or_default();
        Ok(Roms {
            basic,
            kernal,
            chargen,
        })
    }

    /// `None` when RETROMESH_C64_ROMS is unset or empty.
    pub fn from_env() -> Option<Result<Roms, RomError>> {
        let dir = std::env::var_os(ROMS_ENV).filter(|d| !d.is_empty())?;
        Some(Roms::from_dir(Path::new(&dir)))
    }
}
