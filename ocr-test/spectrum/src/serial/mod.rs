//! Serial ports at the I/O-port level, timed in T-states, so the same Z80 driver runs here and
//! on real hardware. The far end of each line is the "remote" (the bridge), which exchanges
//! whole bytes with the host through [`SerialPeer`].
//!
//! Conventions and timing: `docs/serial-ports.md`.

mod ay128;
mod bitbang;
mod if1;
mod next_uart;
pub(crate) mod uart;

use bitbang::BitBangLine;
use next_uart::NextUart;

pub use next_uart::SPEEDS as NEXT_UART_SPEEDS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SerialHardware {
    /// ZX Interface 1 RS-232, ports 0xF7 and 0xEF (any model).
    If1,
    /// The 128K's RS-232 on AY-3-8912 port A (128K only).
    Ay128,
    /// ZX Spectrum Next UART, ports 0x133B and 0x143B (modelled on any model).
    NextUart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialConfig {
    pub hardware: SerialHardware,
    /// Line speed; for the Next UART, the speed until the program sets one.
    pub baud: u32,
    /// Stop bits the remote sends (the receiver accepts one or more).
    pub stop_bits: u8,
}

impl SerialConfig {
    /// Two stop bits on the bit-banged ports (the Sinclair ROMs' 8N2), one on the Next (8N1).
    pub fn new(hardware: SerialHardware, baud: u32) -> Self {
        let stop_bits = match hardware {
            SerialHardware::If1 | SerialHardware::Ay128 => 2,
            SerialHardware::NextUart => 1,
        };
        SerialConfig {
            hardware,
            baud,
            stop_bits,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SerialStats {
    /// Bytes delivered to the micro: fully on the wire (IF1, AY) or into the RX FIFO (Next).
    pub to_micro: u64,
    /// Bytes the micro sent, fully decoded.
    pub from_micro: u64,
    /// Frames from the micro with a bad start or stop bit (IF1, AY).
    pub framing_errors: u64,
    /// Bytes lost because the Next's RX FIFO was full.
    pub overruns: u64,
    /// Bytes the micro wrote to the Next's UART while it was still sending.
    pub tx_lost: u64,
}

/// Called during a run every slice of emulated time.
pub trait SerialPeer {
    /// `from_micro`: bytes the micro sent since the last call; push bytes for the micro onto `to_micro`.
    /// `now_tstates`: the machine clock. Return Some(reason) to stop the run (StopReason::Observer(reason)).
    fn exchange(
        &mut self,
        from_micro: &[u8],
        to_micro: &mut Vec<u8>,
        now_tstates: u64,
    ) -> Option<String>;

    /// Called before each exchange with the whole machine, for peers that answer questions
    /// about it (its printout, its screen) while it runs. Does nothing unless overridden.
    fn observe(&mut self, _machine: &crate::Spectrum) {}
}

/// A serial port plugged into the bus.
#[derive(Debug, Clone)]
pub(crate) enum SerialLink {
    If1(BitBangLine),
    Ay128(BitBangLine),
    Next(NextUart),
}

impl SerialLink {
    /// `ay_port_a` is what AY register 14 holds now: the 128K port's initial line state.
    pub fn new(config: &SerialConfig, clock_hz: u64, ay_port_a: u8) -> Self {
        match config.hardware {
            SerialHardware::If1 => SerialLink::If1(BitBangLine::new(config, clock_hz)),
            SerialHardware::Ay128 => {
                let (data, cts) = ay128::initial(ay_port_a);
                SerialLink::Ay128(BitBangLine::new(config, clock_hz).with_initial(data, cts))
            }
            SerialHardware::NextUart => SerialLink::Next(NextUart::new(config, clock_hz)),
        }
    }

    /// A read of a port this link decodes, or `None`.
    #[inline]
    pub fn read(&mut self, port: u16, now: u64) -> Option<u8> {
        match self {
            SerialLink::If1(line) => if1::read(line, port, now),
            SerialLink::Next(uart) => uart.read(port, now),
            SerialLink::Ay128(_) => None,
        }
    }

    /// Whether this link decoded the write.
    #[inline]
    pub fn write(&mut self, port: u16, value: u8, now: u64) -> bool {
        match self {
            SerialLink::If1(line) => if1::write(line, port, value, now),
            SerialLink::Next(uart) => uart.write(port, value, now),
            SerialLink::Ay128(_) => false,
        }
    }

    /// AY port A's inputs, if port A is this link.
    pub fn read_ay_port_a(&mut self, now: u64) -> Option<u8> {
        match self {
            SerialLink::Ay128(line) => Some(ay128::read_port_a(line, now)),
            _ => None,
        }
    }

    /// Whether port A is this link (and took the write).
    pub fn write_ay_port_a(&mut self, value: u8, now: u64) -> bool {
        match self {
            SerialLink::Ay128(line) => {
                ay128::write_port_a(line, value, now);
                true
            }
            _ => false,
        }
    }

    /// Queues bytes for the micro, available from `now`.
    pub fn send(&mut self, bytes: &[u8], now: u64) {
        match self {
            SerialLink::If1(line) | SerialLink::Ay128(line) => line.send(bytes, now),
            SerialLink::Next(uart) => uart.send(bytes, now),
        }
    }

    /// Brings the line up to `now`.
    pub fn sync(&mut self, now: u64) {
        match self {
            SerialLink::If1(line) | SerialLink::Ay128(line) => line.sync(now),
            SerialLink::Next(uart) => uart.sync(now),
        }
    }

    /// Bytes from the micro decoded so far and not yet taken.
    pub fn take(&mut self) -> Vec<u8> {
        match self {
            SerialLink::If1(line) | SerialLink::Ay128(line) => line.take(),
            SerialLink::Next(uart) => uart.take(),
        }
    }

    pub fn pending(&self) -> usize {
        match self {
            SerialLink::If1(line) | SerialLink::Ay128(line) => line.pending(),
            SerialLink::Next(uart) => uart.pending(),
        }
    }

    pub fn stats(&self) -> SerialStats {
        match self {
            SerialLink::If1(line) | SerialLink::Ay128(line) => line.stats(),
            SerialLink::Next(uart) => uart.stats(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::uart::{MARK, SPACE};
    use super::*;

    const CLOCK: u64 = 3_500_000;

    /// Drives the IF1 data port with `byte` (8N2), inverted as the Interface 1 wants.
    fn if1_send(link: &mut SerialLink, byte: u8, bit: u64, t: &mut u64) {
        let bits = std::iter::once(SPACE)
            .chain((0..8).map(|i| byte & (1 << i) != 0))
            .chain([MARK, MARK]);
        for level in bits {
            assert!(link.write(0x00F7, if level { 0 } else { 1 }, *t));
            *t += bit;
        }
    }

    /// Samples IF1 data the way a driver does: wait for the start edge, then every mid-bit.
    fn if1_receive(link: &mut SerialLink, bit: u64, t: &mut u64, limit: u64) -> Option<u8> {
        while link.read(0x00F7, *t)? & 0x80 == 0 {
            *t += 20;
            if *t > limit {
                return None;
            }
        }
        *t += bit / 2;
        let mut byte = 0;
        for i in 0..8 {
            *t += bit;
            if link.read(0xFFF7, *t)? & 0x80 == 0 {
                byte |= 1 << i;
            }
        }
        *t += bit;
        assert_eq!(link.read(0x12F7, *t), Some(0x7F), "stop bit reads mark");
        Some(byte)
    }

    #[test]
    fn if1_round_trips_bytes_with_inverted_data() {
        for baud in [9600, 19200] {
            let config = SerialConfig::new(SerialHardware::If1, baud);
            let mut link = SerialLink::new(&config, CLOCK, 0);
            let bit = CLOCK / baud as u64;
            let mut t = 1000;
            assert_eq!(link.read(0x00F7, t), Some(0x7F), "idle line is mark");
            assert_eq!(link.read(0x00EF, t), Some(0xFF), "DTR high: ready");
            link.write(0x00F7, 0, t);
            for &b in b"Hello" {
                if1_send(&mut link, b, bit, &mut t);
            }
            link.sync(t);
            assert_eq!(link.take(), b"Hello");
            link.send(b"ok", t);
            link.write(0x00EF, 0x00, t); // CTS asserted
            let limit = t + 100 * bit;
            let got: Vec<u8> = (0..2)
                .map(|_| if1_receive(&mut link, bit, &mut t, limit).unwrap())
                .collect();
            assert_eq!(got, b"ok", "{baud}");
            link.sync(t + 2 * bit);
            assert_eq!(link.stats().to_micro, 2);
            assert_eq!(link.stats().from_micro, 5);
        }
    }

    #[test]
    fn if1_cts_is_active_low_and_lets_one_byte_through_at_a_time() {
        let config = SerialConfig::new(SerialHardware::If1, 9600);
        let mut link = SerialLink::new(&config, CLOCK, 0);
        let bit = CLOCK / 9600;
        link.send(b"AB", 0);
        // Deasserted by default: nothing moves.
        let mut t = 0;
        assert_eq!(if1_receive(&mut link, bit, &mut t, 50 * bit), None);
        // Asserted just long enough to start one byte (bit 4 = 0), then dropped (bit 4 = 1).
        link.write(0x00EF, 0xEF, t);
        link.write(0x00EF, 0xFF, t + 10);
        let start = t;
        assert_eq!(
            if1_receive(&mut link, bit, &mut t, start + 50 * bit),
            Some(b'A')
        );
        assert_eq!(if1_receive(&mut link, bit, &mut t, start + 100 * bit), None);
        assert_eq!(link.pending(), 1);
    }

    #[test]
    fn ay_port_a_is_not_inverted_and_its_cts_is_active_low() {
        let config = SerialConfig::new(SerialHardware::Ay128, 9600);
        let clock = 3_546_900;
        let bit = clock / 9600;
        let mut link = SerialLink::new(&config, clock, 0xFF);
        assert_eq!(link.read_ay_port_a(0), Some(0xBF), "mark, DTR low (ready)");
        assert_eq!(link.read(0xFFFD, 0), None);
        link.send(&[0x00], 0);
        assert_eq!(
            link.read_ay_port_a(100),
            Some(0xBF),
            "CTS high: remote waits"
        );
        link.write_ay_port_a(0xFB, 200); // bit 2 low: CTS asserted, data still mark
        assert_eq!(link.read_ay_port_a(200 + bit / 2), Some(0x3F), "start bit");
        let mut t = 200 + 20 * bit;
        let bits = std::iter::once(false)
            .chain((0..8).map(|i| 0xA5u8 & (1 << i) != 0))
            .chain([true]);
        for level in bits {
            link.write_ay_port_a(if level { 0xFF } else { 0xF7 }, t);
            t += bit;
        }
        link.sync(t);
        assert_eq!(link.take(), [0xA5]);
        assert_eq!(link.stats().framing_errors, 0);
    }
}
