//! The ZX Spectrum Next's UART, as the Z80 sees it.
//!
//! IN 0x133B: bit 0 = RX FIFO has data, bit 1 = TX busy. OUT 0x133B: send a byte (lost and
//! counted if TX is busy). IN 0x143B: pop the RX FIFO (0 if empty). OUT 0x143B: speed index.
//! Bytes are whole here: the UART does the framing in hardware, so only byte times matter.

use std::collections::VecDeque;

use super::uart::{bit_tstates, FrameTx};
use super::{SerialConfig, SerialStats};

const STATUS_PORT: u16 = 0x133B;
const DATA_PORT: u16 = 0x143B;
const RX_READY: u8 = 0x01;
const TX_BUSY: u8 = 0x02;
const FIFO_BYTES: usize = 256;
/// Speeds selected by OUT 0x143B, by index.
pub const SPEEDS: [u32; 7] = [115_200, 57_600, 38_400, 19_200, 9_600, 4_800, 2_400];

#[derive(Debug, Clone)]
pub struct NextUart {
    clock_hz: u64,
    bits_per_byte: u32,
    byte_tstates: u64,
    /// The remote's bytes on their way into the FIFO, one per byte time, no flow control.
    incoming: FrameTx,
    fifo: VecDeque<u8>,
    /// The byte shifting out and when it is done.
    shifting: Option<(u8, u64)>,
    sent: Vec<u8>,
    stats: SerialStats,
}

impl NextUart {
    pub fn new(config: &SerialConfig, clock_hz: u64) -> Self {
        let bit = bit_tstates(clock_hz, config.baud);
        let bits_per_byte = 9 + config.stop_bits.max(1) as u32;
        NextUart {
            clock_hz,
            bits_per_byte,
            byte_tstates: (bit * bits_per_byte as f64).round() as u64,
            incoming: FrameTx::new(bit, config.stop_bits, true),
            fifo: VecDeque::with_capacity(FIFO_BYTES),
            shifting: None,
            sent: Vec::new(),
            stats: SerialStats::default(),
        }
    }

    pub fn read(&mut self, port: u16, now: u64) -> Option<u8> {
        match port {
            STATUS_PORT => {
                self.sync(now);
                let rx = if self.fifo.is_empty() { 0 } else { RX_READY };
                let tx = if self.shifting.is_some() { TX_BUSY } else { 0 };
                Some(rx | tx)
            }
            DATA_PORT => {
                self.sync(now);
                Some(self.fifo.pop_front().unwrap_or(0))
            }
            _ => None,
        }
    }

    /// Whether the port was the UART's.
    pub fn write(&mut self, port: u16, value: u8, now: u64) -> bool {
        match port {
            STATUS_PORT => {
                self.sync(now);
                if self.shifting.is_some() {
                    self.stats.tx_lost += 1;
                } else {
                    self.shifting = Some((value, now + self.byte_tstates));
                }
            }
            DATA_PORT => {
                self.sync(now);
                // Bytes already on the wire keep their speed; other values are not speeds and
                // leave it as it was.
                if let Some(&baud) = SPEEDS.get(value as usize) {
                    let bit = bit_tstates(self.clock_hz, baud);
                    self.byte_tstates = (bit * self.bits_per_byte as f64).round() as u64;
                    self.incoming.set_bit_tstates(bit);
                }
            }
            _ => return false,
        }
        true
    }

    pub fn send(&mut self, bytes: &[u8], now: u64) {
        self.incoming.queue(bytes, now);
    }

    pub fn sync(&mut self, now: u64) {
        let (fifo, stats) = (&mut self.fifo, &mut self.stats);
        self.incoming.advance(now, |byte| {
            if fifo.len() < FIFO_BYTES {
                fifo.push_back(byte);
                stats.to_micro += 1;
            } else {
                stats.overruns += 1;
            }
        });
        if let Some((byte, done)) = self.shifting {
            if done <= now {
                self.shifting = None;
                self.sent.push(byte);
                self.stats.from_micro += 1;
            }
        }
    }

    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.sent)
    }

    pub fn pending(&self) -> usize {
        self.incoming.pending()
    }

    pub fn stats(&self) -> SerialStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serial::SerialHardware;

    const CLOCK: u64 = 3_500_000;

    fn uart(baud: u32) -> NextUart {
        NextUart::new(&SerialConfig::new(SerialHardware::NextUart, baud), CLOCK)
    }

    #[test]
    fn bytes_arrive_one_per_byte_time() {
        for (index, baud) in SPEEDS.iter().enumerate() {
            let mut u = uart(115_200);
            u.write(DATA_PORT, index as u8, 0);
            let byte = (CLOCK as f64 / *baud as f64 * 10.0).round() as u64;
            u.send(b"xyz", 10);
            assert_eq!(u.read(STATUS_PORT, 10 + byte - 1), Some(0), "{baud}");
            assert_eq!(u.read(STATUS_PORT, 10 + byte), Some(RX_READY), "{baud}");
            assert_eq!(u.read(DATA_PORT, 10 + byte), Some(b'x'));
            assert_eq!(u.read(DATA_PORT, 10 + byte), Some(0), "empty reads 0");
            assert_eq!(u.read(DATA_PORT, 10 + 3 * byte), Some(b'y'));
            assert_eq!(u.read(DATA_PORT, 10 + 3 * byte), Some(b'z'));
            assert_eq!(u.stats().to_micro, 3);
        }
    }

    #[test]
    fn a_speed_change_applies_from_the_next_byte() {
        let mut u = uart(115_200);
        let fast = (CLOCK as f64 / 115_200.0 * 10.0).round() as u64;
        let slow = (CLOCK as f64 / 9_600.0 * 10.0).round() as u64;
        u.send(b"pq", 0);
        assert!(u.write(DATA_PORT, 4, 1), "9600 while 'p' is on the wire");
        assert_eq!(u.read(DATA_PORT, fast), Some(b'p'));
        assert_eq!(u.read(STATUS_PORT, fast + slow - 1), Some(0));
        assert_eq!(u.read(DATA_PORT, fast + slow), Some(b'q'));
    }

    #[test]
    fn a_full_fifo_loses_bytes_and_counts_overruns() {
        let mut u = uart(115_200);
        let data: Vec<u8> = (0..300).map(|i| i as u8).collect();
        u.send(&data, 0);
        u.sync(10_000_000);
        assert_eq!(u.stats().overruns, 44);
        assert_eq!(u.stats().to_micro, 256);
        let popped: Vec<u8> = (0..256)
            .map(|_| u.read(DATA_PORT, 10_000_000).unwrap())
            .collect();
        assert_eq!(popped, data[..256]);
    }

    #[test]
    fn writing_while_busy_loses_the_byte() {
        let mut u = uart(9_600);
        let byte = (CLOCK as f64 / 9_600.0 * 10.0).round() as u64;
        assert!(u.write(STATUS_PORT, b'a', 100));
        assert_eq!(u.read(STATUS_PORT, 101), Some(TX_BUSY));
        u.write(STATUS_PORT, b'b', 100 + byte - 1);
        assert_eq!(u.stats().tx_lost, 1);
        assert_eq!(u.read(STATUS_PORT, 100 + byte), Some(0));
        u.write(STATUS_PORT, b'c', 100 + byte);
        u.sync(100 + 2 * byte);
        assert_eq!(u.take(), b"ac");
        assert_eq!(u.stats().from_micro, 2);
    }

    #[test]
    fn only_its_own_ports_are_decoded() {
        let mut u = uart(115_200);
        assert_eq!(u.read(0x123B, 0), None);
        assert_eq!(u.read(0x133A, 0), None);
        assert!(!u.write(0x143C, 1, 0));
    }
}
