//! A program file, read and checked, ready to put into a machine.

use std::path::{Path, PathBuf};

use retromesh_spectrum::basic::{tokenise, TokeniseOptions};
use retromesh_spectrum::formats::tap::{basic_program_tape, code_tape, parse_tap, Tape};
use retromesh_spectrum::formats::{sna::parse_sna, z80::parse_z80, Snapshot};
use retromesh_spectrum::{MachineError, Spectrum};

static ASSEMBLED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Where a raw binary goes and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinPlacement {
    pub load_address: u16,
    pub entry: u16,
}

/// A program file, parsed.
#[derive(Debug, Clone)]
pub enum Program {
    /// `.bas` (tokenised here), `.tap`, or a `.bin` wrapped in a BASIC loader.
    Tape(Tape),
    Snapshot(Box<Snapshot>),
}

/// A file that cannot be run, and why; the message names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgramError {
    #[error("{path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
    #[error("{path}: cannot read the file: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}: unknown file type: use .bas, .tap, .sna, .z80, .asm or .bin")]
    UnknownType { path: PathBuf },
    #[error("{path}: a .bin needs a load address: pass --load-address ADDR (and --entry ADDR if it does not start there)")]
    BinNeedsAddress { path: PathBuf },
    #[error(transparent)]
    Machine(#[from] MachineError),
}

impl Program {
    /// Reads `path`, choosing the format by its extension.
    pub fn read(path: &Path, bin: Option<BinPlacement>) -> Result<Program, ProgramError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let bytes = std::fs::read(path).map_err(|e| ProgramError::Unreadable {
            path: path.into(),
            reason: e.to_string(),
        })?;
        let invalid = |problem: String| ProgramError::Invalid {
            path: path.into(),
            problem,
        };
        match ext.as_deref() {
            Some("bas") => {
                let source = String::from_utf8(bytes).map_err(|e| {
                    invalid(format!(
                        "not UTF-8 text ({e}): save the BASIC source as UTF-8"
                    ))
                })?;
                Program::from_basic(&source).map_err(invalid)
            }
            Some("tap") => parse_tap(&bytes)
                .map(Program::Tape)
                .map_err(|e| invalid(e.to_string())),
            Some("sna") => parse_sna(&bytes)
                .map(|s| Program::Snapshot(Box::new(s)))
                .map_err(|e| invalid(e.to_string())),
            Some("z80") => parse_z80(&bytes)
                .map(|s| Program::Snapshot(Box::new(s)))
                .map_err(|e| invalid(e.to_string())),
            Some("asm") => Program::from_assembly(path).map_err(invalid),
            Some("bin") => {
                let place =
                    bin.ok_or_else(|| ProgramError::BinNeedsAddress { path: path.into() })?;
                Program::from_binary(&bytes, place).map_err(invalid)
            }
            _ => Err(ProgramError::UnknownType { path: path.into() }),
        }
    }

    /// Tokenises BASIC text (zmakebas syntax) into a tape that runs from its first line.
    pub fn from_basic(source: &str) -> Result<Program, String> {
        let program = tokenise(source, &TokeniseOptions::default()).map_err(|e| e.to_string())?;
        let Some(first_line) = program
            .bytes
            .get(..2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
        else {
            return Err("the program has no lines: write at least one numbered BASIC line".into());
        };
        Ok(Program::Tape(basic_program_tape(
            "program",
            &program.bytes,
            Some(first_line),
        )))
    }

    /// Assembles Z80 source with pasmo into a tape with a BASIC loader that runs the code
    /// from its END address (pasmo --tapbas).
    pub fn from_assembly(path: &Path) -> Result<Program, String> {
        let out = std::env::temp_dir().join(format!(
            "retromesh-{}-{}.tap",
            std::process::id(),
            ASSEMBLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let result = std::process::Command::new("pasmo")
            .arg("--tapbas")
            .arg(path)
            .arg(&out)
            .output();
        let output = match result {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(
                    "assembling needs pasmo: install it with `apt-get install pasmo`".into(),
                )
            }
            Err(e) => return Err(format!("cannot run pasmo: {e}")),
        };
        let tape = std::fs::read(&out);
        let _ = std::fs::remove_file(&out);
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!("pasmo could not assemble it: {}", stderr.trim()));
        }
        let bytes = tape.map_err(|e| format!("pasmo wrote no tape: {e}"))?;
        parse_tap(&bytes)
            .map(Program::Tape)
            .map_err(|e| format!("pasmo's tape: {e}"))
    }

    /// Wraps machine code in the usual BASIC loader: CLEAR below it, LOAD ""CODE, RANDOMIZE USR.
    pub fn from_binary(code: &[u8], place: BinPlacement) -> Result<Program, String> {
        let end = place.load_address as usize + code.len();
        if code.is_empty() {
            return Err("the binary is empty".into());
        }
        if place.load_address < 0x5D00 || end > 0x10000 {
            return Err(format!(
                "{} bytes at {:#06x} do not fit between the BASIC area (0x5D00) and the top of memory",
                code.len(),
                place.load_address
            ));
        }
        let source = format!(
            "10 CLEAR {}: LOAD \"\"CODE: RANDOMIZE USR {}\n",
            place.load_address - 1,
            place.entry
        );
        let loader = tokenise(
            &source,
            &TokeniseOptions {
                autostart: Some(10),
            },
        )
        .map_err(|e| format!("building the loader: {e}"))?;
        let mut tape = basic_program_tape("loader", &loader.bytes, loader.autostart);
        tape.blocks
            .extend(code_tape("code", place.load_address, code).blocks);
        Ok(Program::Tape(tape))
    }

    /// Adds `code` for the program to `LOAD "" CODE` from the tape after it; a snapshot gets
    /// it in memory at `address` instead, as if loaded before the snapshot was taken.
    pub fn with_code(self, name: &str, address: u16, code: &[u8]) -> Program {
        match self {
            Program::Tape(mut tape) => {
                tape.blocks.extend(code_tape(name, address, code).blocks);
                Program::Tape(tape)
            }
            Program::Snapshot(mut s) => {
                s.poke_block(address, code);
                Program::Snapshot(s)
            }
        }
    }

    /// Puts the program into a booted machine and starts it.
    pub fn start(self, machine: &mut Spectrum) -> Result<(), ProgramError> {
        match self {
            Program::Tape(tape) => machine.load_tape(tape),
            Program::Snapshot(snapshot) => machine.load_snapshot(&snapshot)?,
        }
        Ok(())
    }
}
