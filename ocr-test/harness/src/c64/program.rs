//! A C64 program file, read and checked: machine code (`.prg`, or ca65 assembly built with
//! ld65) or BASIC text for the ROM path.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

static ASSEMBLED: AtomicUsize = AtomicUsize::new(0);

/// Where assembly is linked (and run from): the 4K above the BASIC area's usual programs.
pub const ASM_START: u16 = 0x1000;

/// A C64 program, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum C64Program {
    /// A .prg of machine code: called at `entry` like SYS.
    MachineCode { prg: Vec<u8>, entry: u16 },
    /// A tokenised BASIC program (.prg at $0801) to RUN on the real ROMs.
    Basic { prg: Vec<u8> },
}

/// A C64 program that cannot be run, and why; the message names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum C64ProgramError {
    #[error("{path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
    #[error("{path}: cannot read the file: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "{path}: unknown file type for machine = \"c64\": use .prg, .s or .asm (ca65), or .bas"
    )]
    UnknownType { path: PathBuf },
}

impl C64Program {
    /// Reads `path` by its extension. `entry` overrides where machine code starts (default:
    /// its load address).
    pub fn read(path: &Path, entry: Option<u16>) -> Result<C64Program, C64ProgramError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let invalid = |problem: String| C64ProgramError::Invalid {
            path: path.into(),
            problem,
        };
        let read = || {
            std::fs::read(path).map_err(|e| C64ProgramError::Unreadable {
                path: path.into(),
                reason: e.to_string(),
            })
        };
        match ext.as_deref() {
            Some("prg") => machine_code(read()?, entry).map_err(invalid),
            Some("s" | "asm") => {
                let prg = assemble(path).map_err(invalid)?;
                machine_code(prg, entry).map_err(invalid)
            }
            Some("bas") => {
                let text = String::from_utf8(read()?).map_err(|e| {
                    invalid(format!(
                        "not UTF-8 text ({e}): save the BASIC source as UTF-8"
                    ))
                })?;
                let prg =
                    retromesh_c64::basic::tokenise(&text).map_err(|e| invalid(e.to_string()))?;
                Ok(C64Program::Basic { prg })
            }
            _ => Err(C64ProgramError::UnknownType { path: path.into() }),
        }
    }

    pub fn needs_roms(&self) -> bool {
        matches!(self, C64Program::Basic { .. })
    }
}

/// Checks the .prg the way loading it would, so a bad file is a spec error, not a crash.
fn machine_code(prg: Vec<u8>, entry: Option<u16>) -> Result<C64Program, String> {
    let (load, data) = retromesh_c64::prg::parse(&prg).map_err(|e| e.to_string())?;
    let end = usize::from(load) + data.len();
    let entry = entry.unwrap_or(load);
    if !(usize::from(load)..end).contains(&usize::from(entry)) {
        return Err(format!(
            "entry ${entry:04X} is outside the program (${load:04X}-${:04X}); set entry to an address inside it",
            end - 1
        ));
    }
    Ok(C64Program::MachineCode { prg, entry })
}

/// Assembles ca65 source and links it with ld65 (cc65's `c64-asm.cfg`) at [`ASM_START`].
pub fn assemble(path: &Path) -> Result<Vec<u8>, String> {
    let stem = std::env::temp_dir().join(format!(
        "retromesh-c64-{}-{}",
        std::process::id(),
        ASSEMBLED.fetch_add(1, Ordering::Relaxed)
    ));
    let object = stem.with_extension("o");
    let out = stem.with_extension("prg");
    let result = run_tool(
        "ca65",
        std::process::Command::new("ca65")
            .args(["-t", "c64", "-o"])
            .arg(&object)
            .arg(path),
    )
    .and_then(|()| {
        run_tool(
            "ld65",
            std::process::Command::new("ld65")
                .args(["-C", "c64-asm.cfg", "--start-addr"])
                .arg(ASM_START.to_string())
                .arg("-o")
                .arg(&out)
                .arg(&object)
                .arg("c64.lib"),
        )
    });
    let prg =
        result.and_then(|()| std::fs::read(&out).map_err(|e| format!("ld65 wrote no .prg: {e}")));
    let _ = std::fs::remove_file(&object);
    let _ = std::fs::remove_file(&out);
    prg
}

fn run_tool(name: &str, command: &mut std::process::Command) -> Result<(), String> {
    let output = match command.output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "assembling needs {name} (cc65): install it with `apt-get install cc65`"
            ))
        }
        Err(e) => return Err(format!("cannot run {name}: {e}")),
    };
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(format!("{name} failed: {}", stderr.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prg_starts_at_its_load_address_unless_told() {
        let prg = vec![0x00, 0x10, 0x60, 0xEA];
        assert_eq!(
            machine_code(prg.clone(), None),
            Ok(C64Program::MachineCode {
                prg: prg.clone(),
                entry: 0x1000
            })
        );
        assert!(machine_code(prg, Some(0x2000))
            .unwrap_err()
            .contains("outside"));
    }
}
