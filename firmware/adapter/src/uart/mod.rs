//! The paced UART path to a micro (Spectrum IF1 / 128K AUX, C64 KERNAL RS-232): bytes from
//! the host go out one at a time with gaps and CTS respected; bytes from the micro pass
//! straight through.

mod pacer;

pub use pacer::{CtsFlow, Pacer, PacingConfig};

use embedded_hal::digital::InputPin;
use embedded_io::{Read, ReadReady, Write};

use crate::bus::{pin_err, PinError, Signal};
use crate::ring::Ring;

/// What failed in [`PacedUart::poll`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UartError {
    /// The UART reported an error (framing, overrun, ...).
    #[error("UART error ({0:?}): check the line's baud rate and wiring")]
    Io(embedded_io::ErrorKind),
    /// The CTS pin failed.
    #[error(transparent)]
    Pin(#[from] PinError),
}

fn io_err<E: embedded_io::Error>(e: E) -> UartError {
    UartError::Io(e.kind())
}

/// A "no CTS pin" placeholder for `PacedUart<U, NoCts>` (never read).
pub type NoCts = crate::bus::NoPin;

/// Counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UartStats {
    /// Bytes written to the micro.
    pub to_micro: u32,
    /// Bytes read from the micro.
    pub from_micro: u32,
    /// Bytes from the micro dropped because the host queue was full.
    pub from_micro_dropped: u32,
}

/// The UART driver with its host queues of `Q` bytes.
#[derive(Debug)]
pub struct PacedUart<U, Cts = NoCts, const Q: usize = 1024> {
    uart: U,
    cts: Option<Cts>,
    pacer: Pacer,
    to_micro: Ring<Q>,
    to_host: Ring<Q>,
    stats: UartStats,
}

impl<U, Cts, const Q: usize> PacedUart<U, Cts, Q>
where
    U: Read + Write + ReadReady,
    Cts: InputPin,
{
    /// A paced UART; `cts` is the CTS input if the micro has one.
    pub fn new(uart: U, cts: Option<Cts>, config: PacingConfig) -> Self {
        PacedUart {
            uart,
            cts,
            pacer: Pacer::new(config),
            to_micro: Ring::new(),
            to_host: Ring::new(),
            stats: UartStats::default(),
        }
    }

    /// Moves received bytes to the host queue and sends the next byte if pacing allows.
    pub fn poll(&mut self, now_us: u64) -> Result<(), UartError> {
        let mut buf = [0u8; 32];
        while self.uart.read_ready().map_err(io_err)? {
            let n = self.uart.read(&mut buf).map_err(io_err)?;
            if n == 0 {
                break;
            }
            self.stats.from_micro += n as u32;
            for &b in &buf[..n] {
                if self.to_host.push(b).is_err() {
                    self.stats.from_micro_dropped += 1;
                }
            }
        }
        let Some(byte) = self.to_micro.peek_at(0) else {
            return Ok(());
        };
        let pin_high = match self.cts.as_mut() {
            Some(pin) => Some(pin.is_high().map_err(pin_err(Signal::Cts))?),
            None => None,
        };
        let cts = self.pacer.cts_asserted(pin_high);
        if self.pacer.may_send(now_us, cts) && self.uart.write(&[byte]).map_err(io_err)? == 1 {
            self.to_micro.pop();
            self.pacer.sent(now_us, byte);
            self.stats.to_micro += 1;
        }
        Ok(())
    }

    /// Bytes from the host waiting for the micro.
    pub fn to_micro(&mut self) -> &mut Ring<Q> {
        &mut self.to_micro
    }

    /// Bytes from the micro waiting for the host.
    pub fn to_host(&mut self) -> &mut Ring<Q> {
        &mut self.to_host
    }

    /// The counters.
    pub fn stats(&self) -> &UartStats {
        &self.stats
    }

    /// The UART itself.
    pub fn uart(&mut self) -> &mut U {
        &mut self.uart
    }

    /// Gives the UART and the CTS pin back.
    pub fn free(self) -> (U, Option<Cts>) {
        (self.uart, self.cts)
    }
}
