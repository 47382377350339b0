//! A headless, deterministic Commodore 64: a 6502 (`mos6502`), CIA1/CIA2 with the user port,
//! a SwiftLink 6551, and serial peers. Without Commodore ROMs a trap KERNAL serves the
//! standard jump table; with user-supplied ROMs the real KERNAL and BASIC run and IEC
//! device 4 is captured by traps, as VICE does for its virtual printers.

pub mod acia;
pub mod basic;
pub mod cia;
pub mod kernal;
pub mod machine;
pub mod prg;
pub mod printer;
pub mod roms;
pub mod serial;
pub mod userport;

pub use machine::{BootError, C64Config, RunEnd, C64};
pub use prg::{Prg, PrgError};
pub use roms::{RomError, Roms};
pub use serial::{SerialPeer, SerialPort};
pub use userport::{UserPortDevice, UserPortIn, UserPortOut};

/// A PAL C64's CPU clock.
pub const PAL_CLOCK_HZ: u64 = 985_248;

/// Cycles between peer exchanges: one emulated millisecond.
pub const EXCHANGE_CYCLES: u64 = 985;
