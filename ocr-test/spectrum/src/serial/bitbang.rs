//! A bit-banged RS-232 line (Interface 1, 128K AY): the program drives and samples the levels
//! itself, so all the timing is the program's.

use super::uart::{bit_tstates, FrameTx, UartRx};
use super::{SerialConfig, SerialStats};

#[derive(Debug, Clone)]
pub struct BitBangLine {
    /// Decodes what the micro drives.
    rx: UartRx,
    /// The remote's transmitter, gated by the micro's CTS.
    tx: FrameTx,
}

impl BitBangLine {
    /// A line with the micro's output at mark and CTS deasserted.
    pub fn new(config: &SerialConfig, clock_hz: u64) -> Self {
        let bit = bit_tstates(clock_hz, config.baud);
        BitBangLine {
            rx: UartRx::new(bit),
            tx: FrameTx::new(bit, config.stop_bits, false),
        }
    }

    /// The state the port latch already holds when the line is attached (not an edge).
    pub fn with_initial(mut self, data_from_micro: bool, cts: bool) -> Self {
        self.rx.set_idle_level(data_from_micro);
        self.tx.set_gate(cts, 0, |_| {});
        self
    }

    pub fn data_from_micro(&mut self, level: bool, now: u64) {
        self.rx.set_level(level, now);
    }

    pub fn cts(&mut self, asserted: bool, now: u64) {
        self.tx.set_gate(asserted, now, |_| {});
    }

    /// The level the remote drives at `now`.
    pub fn data_to_micro(&mut self, now: u64) -> bool {
        self.tx.advance(now, |_| {});
        self.tx.level(now)
    }

    pub fn send(&mut self, bytes: &[u8], now: u64) {
        self.tx.queue(bytes, now);
    }

    pub fn sync(&mut self, now: u64) {
        self.rx.advance(now);
        self.tx.advance(now, |_| {});
    }

    pub fn take(&mut self) -> Vec<u8> {
        self.rx.take()
    }

    pub fn pending(&self) -> usize {
        self.tx.pending()
    }

    pub fn stats(&self) -> SerialStats {
        SerialStats {
            to_micro: self.tx.sent(),
            from_micro: self.rx.decoded(),
            framing_errors: self.rx.framing_errors(),
            ..SerialStats::default()
        }
    }
}
