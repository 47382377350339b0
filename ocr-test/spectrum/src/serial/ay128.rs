//! The 128K's RS-232 socket on AY-3-8912 port A (register 14), as the Z80 sees it.
//!
//! Writes: bit 3 = data to the remote (1 = mark), bit 2 = CTS, active low. Reads: bit 7 = data
//! from the remote (1 = mark), bit 6 = DTR, active low (always ready), other bits high. The
//! port-direction bit in register 7 is not modelled: port A is always both.

use super::bitbang::BitBangLine;

const DATA_OUT: u8 = 0x08;
const CTS_OUT: u8 = 0x04;
const DATA_IN: u8 = 0x80;
const DTR_IN: u8 = 0x40;

pub fn read_port_a(line: &mut BitBangLine, now: u64) -> u8 {
    let inputs = !DTR_IN;
    if line.data_to_micro(now) {
        inputs
    } else {
        inputs & !DATA_IN
    }
}

pub fn write_port_a(line: &mut BitBangLine, value: u8, now: u64) {
    line.data_from_micro(value & DATA_OUT != 0, now);
    line.cts(value & CTS_OUT == 0, now);
}

/// The line's state from what the register already holds: (data level, CTS asserted).
pub fn initial(value: u8) -> (bool, bool) {
    (value & DATA_OUT != 0, value & CTS_OUT == 0)
}
