//! Exit codes, the same for every subcommand.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything ran and passed.
    Ok = 0,
    /// A test failed, or the program did not run to completion (a BASIC error, a non-zero
    /// exit code from the program).
    Failed = 1,
    /// Bad command line or configuration.
    Usage = 2,
    /// An input file is missing or broken: program, tape, snapshot, ROM or spec.
    BadInput = 3,
    /// The emulated-time budget ran out before the program finished.
    Timeout = 4,
    /// Something the machine needs is missing, e.g. Tesseract language data.
    Environment = 5,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  a test failed, or the program did not run to completion
  2  bad command line or configuration
  3  an input file (program, tape, snapshot, ROM, spec) is missing or broken
  4  the emulated-time budget ran out
  5  something the machine needs is missing (e.g. Tesseract language data)";
