//! C64 specs (`machine = "c64"`): a 6502 program (a `.prg`, or ca65 assembly linked by ld65)
//! on the ROM-less trap KERNAL, or a BASIC program on user-supplied ROMs, printing to a
//! virtual printer on the user port (Centronics, through the adapter's capture logic) or on
//! IEC device 4 (a KERNAL trap). The paper is read back like a Spectrum printout: exactly
//! against our PETSCII-style font, or by Tesseract.

pub mod from_spec;
pub mod program;
pub mod run;
pub mod spec_run;

pub use program::{C64Program, C64ProgramError, ASM_START};
pub use run::{
    describe_end, petscii_index, read_c64, run_c64, stop_name, C64PrinterPort, C64Report,
    C64Request, C64RunError, Paper, PrinterFont,
};
