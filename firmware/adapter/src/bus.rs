//! The 8-bit data port and the drivers' error type.
//!
//! embedded-hal 1.0 has no bidirectional or multi-pin bus trait: its pins are single and their
//! direction is fixed by the HAL's type state (0.2's `IoPin` was dropped). The C64 data lines
//! must change direction at the turnaround and all 8 must change in one register write (on the
//! RP2040, SIO `GPIO_OUT` / `GPIO_OE` masks) so the byte the C64 samples is never half old,
//! half new. Hence this small trait, which a board implements over its port registers.

use embedded_hal::digital::ErrorKind;

/// An 8-bit data port that can only be read (Centronics D0-D7).
pub trait BusRead {
    /// The port's error; a digital error so drivers can report its kind.
    type Error: embedded_hal::digital::Error;
    /// The level of the 8 lines (bit 0 = D0/PB0).
    fn read(&mut self) -> Result<u8, Self::Error>;
}

/// An 8-bit bidirectional data port (C64 PB0-PB7 through the 74LVC245).
pub trait Bus: BusRead {
    /// Sets the output latch; the lines show it only while driving.
    fn write(&mut self, value: u8) -> Result<(), Self::Error>;
    /// Enables the outputs (all 8 at once).
    fn drive(&mut self) -> Result<(), Self::Error>;
    /// Disables the outputs: the lines float (pulled up) and can be read.
    fn release(&mut self) -> Result<(), Self::Error>;
}

/// Which signal of a driver failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// The data bus.
    Bus,
    /// /PC2, the C64's strobe.
    Pc2,
    /// PA2, the C64's direction line.
    Pa2,
    /// /FLAG2, the adapter's strobe to the C64.
    Flag2,
    /// DIR of the 74LVC245.
    Dir,
    /// Centronics /STROBE.
    Strobe,
    /// Centronics BUSY.
    Busy,
    /// Centronics /ACK.
    Ack,
    /// UART CTS input.
    Cts,
}

/// A pin or port of a driver reported a hardware error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{signal:?} pin error ({kind:?}): check the HAL pin configuration for this signal")]
pub struct PinError {
    /// The signal whose pin failed.
    pub signal: Signal,
    /// The HAL's error kind.
    pub kind: ErrorKind,
}

/// Maps a HAL error to a [`PinError`] naming the signal.
pub(crate) fn pin_err<E: embedded_hal::digital::Error>(signal: Signal) -> impl Fn(E) -> PinError {
    move |e| PinError {
        signal,
        kind: e.kind(),
    }
}

/// A pin the board does not have: writes do nothing, reads say low. For the 245's DIR when the
/// board wires it to PA2 (jumper JP1 1-2 on the c64-parallel board), /ACK on the C64 geoCable
/// wiring, or a missing CTS.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPin;

impl embedded_hal::digital::ErrorType for NoPin {
    type Error = core::convert::Infallible;
}

impl embedded_hal::digital::OutputPin for NoPin {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl embedded_hal::digital::InputPin for NoPin {
    fn is_high(&mut self) -> Result<bool, Self::Error> {
        Ok(false)
    }
    fn is_low(&mut self) -> Result<bool, Self::Error> {
        Ok(true)
    }
}
