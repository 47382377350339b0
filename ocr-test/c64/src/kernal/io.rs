//! The trap KERNAL's CHRIN, CHROUT and GETIN on the current channels.

use super::rs232::ST_RX_EMPTY;
use super::{var, Flow};
use crate::machine::C64;
use crate::serial::SerialPort;

/// Carriage return: what CHRIN gives at the end of (empty) keyboard and screen input.
const CR: u8 = 0x0D;

pub(crate) fn chrout(m: &mut C64) -> Flow {
    let byte = m.a();
    match m.ram(var::DFLTO) {
        2 => {
            let now = m.cycles();
            let line = &m.lines[SerialPort::Kernal as usize];
            if !m.kernal.rs232.send(byte, now, line) {
                return Flow::Block;
            }
        }
        4 => m.kernal.printer.push(byte),
        _ => m.kernal.screen.push(byte),
    }
    m.ok()
}

pub(crate) fn getin(m: &mut C64) -> Flow {
    match m.ram(var::DFLTN) {
        0 => {
            let key = keyboard(m).unwrap_or(0);
            m.load_a(key);
            m.ok()
        }
        2 => rs232_in(m),
        _ => chrin(m),
    }
}

pub(crate) fn chrin(m: &mut C64) -> Flow {
    match m.ram(var::DFLTN) {
        0 => {
            let key = keyboard(m).unwrap_or(CR);
            m.load_a(key);
            m.ok()
        }
        2 => rs232_in(m),
        3 => {
            m.load_a(CR);
            m.ok()
        }
        _ => {
            let st = m.ram(var::STATUS) | 0x42;
            m.set_ram(var::STATUS, st);
            m.load_a(CR);
            m.ok()
        }
    }
}

/// A byte from the receive buffer, or 0 with Z set and RS-232 status bit 3 when empty.
fn rs232_in(m: &mut C64) -> Flow {
    match m.kernal.rs232.receive() {
        Some(b) => m.load_a(b),
        None => {
            let st = m.ram(var::RSSTAT) | ST_RX_EMPTY;
            m.set_ram(var::RSSTAT, st);
            m.load_a(0);
        }
    }
    m.ok()
}

/// The next key in the keyboard buffer ($0277, count in $C6).
fn keyboard(m: &mut C64) -> Option<u8> {
    let n = m.ram(var::NDX);
    if n == 0 {
        return None;
    }
    let key = m.ram(var::KEYD);
    for i in 1..u16::from(n.min(10)) {
        m.set_ram(var::KEYD + i - 1, m.ram(var::KEYD + i));
    }
    m.set_ram(var::NDX, n - 1);
    Some(key)
}
