//! The trap KERNAL's RS-232 (device 2): 256-byte receive and transmit buffers like the real
//! KERNAL's, drained and filled at the baud OPEN's control byte sets.

use std::collections::VecDeque;

use crate::serial::{cycles_per_byte, SerialLine};
use crate::PAL_CLOCK_HZ;

/// The KERNAL's buffer size.
pub const BUFFER: usize = 256;

/// RS-232 status ($0297) bits.
pub const ST_OVERRUN: u8 = 0x04;
pub const ST_RX_EMPTY: u8 = 0x08;

/// Baud for control-register bits 0-3. Codes 1-10 are the real KERNAL's; 0 (user-defined
/// on a real C64) is taken as 1200, and 11-15 go beyond the real KERNAL for fast tests.
pub const KERNAL_BAUD: [u32; 16] = [
    1200, 50, 75, 110, 134, 150, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600,
];

#[derive(Debug, Default)]
pub(crate) struct Rs232 {
    pub open: bool,
    rx: VecDeque<u8>,
    tx: VecDeque<u8>,
    /// When the byte at the front of `tx` has been sent.
    tx_front_done: u64,
    wire_free_at: u64,
    pub overruns: u64,
}

impl Rs232 {
    /// OPEN with the control byte (first file-name byte).
    pub fn open(&mut self, control: u8, line: &mut SerialLine) {
        self.open = true;
        line.cycles_per_byte =
            cycles_per_byte(PAL_CLOCK_HZ, KERNAL_BAUD[usize::from(control & 0x0F)]);
    }

    /// Queues a byte to send; false while the buffer is full.
    pub fn send(&mut self, byte: u8, now: u64, line: &SerialLine) -> bool {
        if self.tx.len() >= BUFFER {
            return false;
        }
        if self.tx.is_empty() {
            self.tx_front_done = now.max(self.wire_free_at) + line.cycles_per_byte;
        }
        self.tx.push_back(byte);
        true
    }

    pub fn receive(&mut self) -> Option<u8> {
        self.rx.pop_front()
    }

    /// Moves bytes between the buffers and the line; returns true on a receive overrun.
    pub fn clock(&mut self, now: u64, line: &mut SerialLine) -> bool {
        while self.tx_front_done <= now {
            let Some(b) = self.tx.pop_front() else { break };
            line.sent.push(b);
            self.wire_free_at = self.tx_front_done;
            self.tx_front_done += line.cycles_per_byte;
        }
        let mut overrun = false;
        if self.open {
            while let Some(b) = line.receive(now) {
                if self.rx.len() < BUFFER {
                    self.rx.push_back(b);
                } else {
                    self.overruns += 1;
                    overrun = true;
                }
            }
        }
        overrun
    }
}
