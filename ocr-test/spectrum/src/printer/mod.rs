//! Printers attached to the Spectrum.

mod escp;
mod printout;
mod rs232;
mod zx_printer;

pub use escp::{interpret as interpret_escp, EscPOutput};
pub use printout::{DotRow, Printout, BYTES_PER_ROW, DOTS_PER_ROW};
pub use rs232::{SerialOutput, SerialPrinter};
pub use zx_printer::{PrinterKind, ZxPrinter, FAST_DOT_TSTATES, SLOW_DOT_TSTATES};
