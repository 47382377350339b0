//! Which ROM the machine boots.

use std::path::{Path, PathBuf};

use crate::Model;

pub const ROM_SIZE: usize = 0x4000;
pub type RomImage = [u8; ROM_SIZE];

// Amstrad allows these ROMs to be distributed with emulators.
static SINCLAIR_48: &RomImage = include_bytes!("../roms/48.rom");
static SINCLAIR_128_0: &RomImage = include_bytes!("../roms/128-0.rom");
static SINCLAIR_128_1: &RomImage = include_bytes!("../roms/128-1.rom");

/// Where Debian's `opense-basic` package puts its ROM.
pub const OPENSE_PATH: &str = "/usr/share/spectrum-roms/opense.rom";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum RomSource {
    /// The Sinclair ROMs bundled with retromesh.
    #[default]
    Sinclair,
    /// OpenSE BASIC, the free 48K ROM from Debian's `opense-basic`.
    OpenSe,
    /// A ROM file: 16K for the 48K, 32K (ROM 0 then ROM 1) for the 128K.
    File(PathBuf),
}

impl RomSource {
    /// Parses a `--rom` value: `sinclair`, `opense` or a path.
    pub fn parse(value: &str) -> Self {
        match value {
            "sinclair" | "" => RomSource::Sinclair,
            "opense" => RomSource::OpenSe,
            path => RomSource::File(PathBuf::from(path)),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            RomSource::Sinclair => "sinclair".into(),
            RomSource::OpenSe => "opense".into(),
            RomSource::File(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RomError {
    #[error("ROM file {path} not found: {hint}")]
    Missing { path: PathBuf, hint: String },
    #[error("ROM file {path} cannot be read: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("ROM file {path} is {size} bytes; the {model} needs {expected}")]
    WrongSize {
        path: PathBuf,
        size: usize,
        model: &'static str,
        expected: &'static str,
    },
    #[error("OpenSE BASIC is a 48K ROM: use --machine 48k with --rom opense")]
    OpenSeNot128,
}

/// Loads the ROM images for `model`: one for the 48K, ROM 0 and ROM 1 for the 128K.
pub fn load_roms(model: Model, source: &RomSource) -> Result<Vec<RomImage>, RomError> {
    match (source, model) {
        (RomSource::Sinclair, Model::Spectrum48K) => Ok(vec![*SINCLAIR_48]),
        (RomSource::Sinclair, Model::Spectrum128K) => Ok(vec![*SINCLAIR_128_0, *SINCLAIR_128_1]),
        (RomSource::OpenSe, Model::Spectrum48K) => read_rom_file(
            Path::new(OPENSE_PATH),
            model,
            "install it with `apt-get install opense-basic`",
        ),
        (RomSource::OpenSe, Model::Spectrum128K) => Err(RomError::OpenSeNot128),
        (RomSource::File(path), _) => read_rom_file(path, model, "check the --rom path"),
    }
}

fn read_rom_file(path: &Path, model: Model, hint: &str) -> Result<Vec<RomImage>, RomError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => RomError::Missing {
            path: path.into(),
            hint: hint.into(),
        },
        _ => RomError::Unreadable {
            path: path.into(),
            reason: e.to_string(),
        },
    })?;
    let (count, model_name, expected) = match model {
        Model::Spectrum48K => (1, "48K", "16384 bytes"),
        Model::Spectrum128K => (2, "128K", "32768 bytes (ROM 0 then ROM 1)"),
    };
    if bytes.len() != count * ROM_SIZE {
        return Err(RomError::WrongSize {
            path: path.into(),
            size: bytes.len(),
            model: model_name,
            expected,
        });
    }
    Ok(bytes
        .chunks_exact(ROM_SIZE)
        .map(|chunk| chunk.try_into().expect("chunks are ROM_SIZE"))
        .collect())
}
