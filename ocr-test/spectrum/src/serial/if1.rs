//! The ZX Interface 1's RS-232 socket, as the Z80 sees it.
//!
//! Port 0xF7: OUT bit 0 = data to the remote, IN bit 7 = data from the remote, both inverted
//! (1 = space). Port 0xEF: OUT bit 4 = CTS, active low; IN bit 3 = DTR, active high. Decoded by
//! the low address byte only, as the Interface 1 does.

use super::bitbang::BitBangLine;
use super::uart::SPACE;

const DATA_PORT: u8 = 0xF7;
const CONTROL_PORT: u8 = 0xEF;
const DATA_OUT: u8 = 0x01;
const DATA_IN: u8 = 0x80;
const CTS_OUT: u8 = 0x10;

pub fn read(line: &mut BitBangLine, port: u16, now: u64) -> Option<u8> {
    match port as u8 {
        DATA_PORT => Some(if line.data_to_micro(now) == SPACE {
            0xFF
        } else {
            !DATA_IN
        }),
        // DTR high: the remote is always ready. Other bits read 1 too.
        CONTROL_PORT => Some(0xFF),
        _ => None,
    }
}

/// Whether the port was the Interface 1's.
pub fn write(line: &mut BitBangLine, port: u16, value: u8, now: u64) -> bool {
    match port as u8 {
        DATA_PORT => line.data_from_micro(value & DATA_OUT == 0, now),
        CONTROL_PORT => line.cts(value & CTS_OUT == 0, now),
        _ => return false,
    }
    true
}
