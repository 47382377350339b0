//! Virtual printers for the emulated C64, and the paper they produce.
//!
//! * [`PetsciiPrinter`]: a Commodore dot-matrix printer in text mode (MPS-803 style). PETSCII
//!   bytes in, a [`C64Printout`] out: 80 columns of 8x8 cells, 640 dots wide, in our own
//!   PETSCII-style [`Font`] (`font.txt`; drawn for retromesh, not Commodore's character ROM).
//! * Where the bytes come from: the KERNAL's device 4 (`C64::printer_output`, captured by a
//!   trap), or the user port wired geoCable-style to a Centronics printer
//!   ([`CentronicsPrinter`]), which is the adapter firmware's own capture logic on virtual pins.
//!
//! The paper is what tests read back: exactly, cell by cell, against [`Font::petscii`], or with
//! Tesseract when the font is not known.

mod centronics;
mod font;
mod page;
mod petscii;
mod petscii_printer;

pub use centronics::{CentronicsPrinter, PrinterHandle};
pub use font::{Cell, Font, MISSING};
pub use page::{C64Printout, DotRow, COLUMNS, DOTS_PER_ROW};
pub use petscii::{glyph_for, Charset};
pub use petscii_printer::PetsciiPrinter;

#[cfg(test)]
mod tests;
