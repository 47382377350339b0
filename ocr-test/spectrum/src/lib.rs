//! A headless, deterministic ZX Spectrum 48K/128K for tests.
//!
//! The CPU is `rustzx-z80`; the machine around it (memory, ULA ports, keyboard, interrupts and
//! the peripherals) is ours, so every peripheral sees time in T-states.

pub mod basic;
pub mod charset;
pub mod formats;
pub mod keyboard;
pub mod machine;
pub mod printer;
pub mod rom;
pub mod screen;
pub mod serial;

pub use machine::{
    MachineConfig, MachineError, RunOutcome, Spectrum, StopReason, StopWhen, Timing,
};
pub use rom::RomSource;
pub use serial::{SerialConfig, SerialHardware, SerialPeer, SerialStats};

/// Which Spectrum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Model {
    #[default]
    Spectrum48K,
    Spectrum128K,
}
