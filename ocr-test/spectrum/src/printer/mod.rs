//! Printers attached to the Spectrum.

mod printout;
mod zx_printer;

pub use printout::{DotRow, Printout, BYTES_PER_ROW, DOTS_PER_ROW};
pub use zx_printer::{PrinterKind, ZxPrinter, FAST_DOT_TSTATES, SLOW_DOT_TSTATES};
