//! A serial printer on the 128K's RS232 socket, where 128 BASIC sends LPRINT and LLIST.
//!
//! The 128K bit-bangs the line through AY-3-8912 port A (register 14): bit 3 is data out, bit 6
//! reads the printer's DTR (low = ready). The printer samples the line as a real UART would, in
//! the middle of each bit-time after a start edge, so the program's own timing decides what
//! arrives.

use super::escp::interpret;
use super::Printout;
use crate::serial::uart::{bit_tstates, UartRx};

/// AY port A bits.
const DATA_OUT: u8 = 0x08;
const DTR_IN: u8 = 0x40;

#[derive(Debug, Clone)]
pub struct SerialPrinter {
    rx: UartRx,
}

impl SerialPrinter {
    pub fn new(baud: u32, clock_hz: u64) -> Self {
        SerialPrinter {
            rx: UartRx::new(bit_tstates(clock_hz, baud)),
        }
    }

    /// Port A as the 128K reads it: DTR low (ready), everything else pulled high.
    pub fn port_a_inputs(&self) -> u8 {
        !DTR_IN
    }

    /// The 128K wrote `value` to port A at `now`.
    pub fn write_port_a(&mut self, value: u8, now: u64) {
        self.rx.set_level(value & DATA_OUT != 0, now);
    }

    /// Decodes any frame whose bits have all passed by `now`.
    pub fn poll(&mut self, now: u64) {
        self.rx.advance(now);
    }

    pub fn received(&self) -> &[u8] {
        self.rx.received()
    }

    /// Frames whose start or stop bit was wrong: a baud-rate mismatch or a program with bad
    /// timing.
    pub fn framing_errors(&self) -> usize {
        self.rx.framing_errors() as usize
    }

    /// What the printer received, split once into text and bit-image graphics.
    pub fn output(&self) -> SerialOutput {
        let escp = interpret(self.rx.received());
        SerialOutput {
            text: printable_text(&escp.text),
            graphics: escp.graphics,
        }
    }

    pub fn text(&self) -> String {
        self.output().text
    }
}

/// A serial printer's output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SerialOutput {
    /// ESC/P commands and graphics taken out; CR (and CR LF) end lines; £ and © mapped from
    /// their Spectrum codes; other control codes shown as `\{n}`, never dropped.
    pub text: String,
    /// Bit-image graphics (e.g. the 128K's COPY), as paper 256 dots wide.
    pub graphics: Printout,
}

fn printable_text(printable: &[u8]) -> String {
    let mut text = String::new();
    let mut bytes = printable.iter().peekable();
    while let Some(&b) = bytes.next() {
        match b {
            0x0D => {
                text.push('\n');
                if bytes.peek() == Some(&&0x0A) {
                    bytes.next();
                }
            }
            0x0A => text.push('\n'),
            0x60 => text.push('£'),
            0x7F => text.push('©'),
            0x20..=0x7E => text.push(b as char),
            _ => text.push_str(&format!("\\{{{b}}}")),
        }
    }
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end_matches('\n')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends bytes the way the 128K ROM does: start bit, 8 data bits LSB first, 2 stop bits.
    fn send(p: &mut SerialPrinter, bytes: &[u8], bit: u64, now: &mut u64) {
        for &byte in bytes {
            let bits = std::iter::once(false)
                .chain((0..8).map(|i| byte & (1 << i) != 0))
                .chain([true, true]);
            for level in bits {
                p.write_port_a(if level { 0xFF } else { 0xF7 }, *now);
                *now += bit;
            }
        }
        p.poll(*now + 20 * bit);
    }

    #[test]
    fn decodes_bytes_at_the_configured_rate() {
        let mut p = SerialPrinter::new(9600, 3_546_900);
        let mut now = 1000;
        send(&mut p, b"HELLO\r1 2\r", 369, &mut now);
        assert_eq!(p.received(), b"HELLO\r1 2\r");
        assert_eq!(p.text(), "HELLO\n1 2");
        assert_eq!(p.framing_errors(), 0);
    }

    #[test]
    fn a_sender_at_the_wrong_speed_gets_framing_errors_not_silence() {
        let mut p = SerialPrinter::new(9600, 3_546_900);
        let mut now = 0;
        send(&mut p, &[0x00, 0x00], 369 * 2, &mut now);
        assert!(p.framing_errors() > 0);
    }

    #[test]
    fn printer_reports_ready() {
        let p = SerialPrinter::new(9600, 3_546_900);
        assert_eq!(p.port_a_inputs() & DTR_IN, 0);
    }
}
