//! Sinclair BASIC from text in zmakebas syntax to tokenised program bytes.

mod tokeniser;

pub use tokeniser::{tokenise, TokeniseError, TokeniseOptions};

/// A tokenised BASIC program, as it sits in memory from PROG up to (not including) VARS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicProgram {
    pub bytes: Vec<u8>,
    /// Line to RUN from when loaded (zmakebas `-a`), if any.
    pub autostart: Option<u16>,
}
