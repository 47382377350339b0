//! IEC device 4 (a printer) served at the KERNAL's serial-bus entry points, as VICE's
//! virtual-device traps do: LISTEN 4, then SECOND $6x sends data, $Fx a file name (OPEN),
//! $Ex a close; CIOUT bytes while listening for data are the printout; UNLSN ends it.
//! Other devices are left to the ROM code (with real ROMs they time out: DEVICE NOT PRESENT).

use super::{addr, var, Flow};
use crate::machine::C64;

/// The printer's device number.
pub const PRINTER_DEVICE: u8 = 4;

pub(crate) const TRAPPED: [u16; 4] = [addr::LISTEN, addr::SECOND, addr::CIOUT, addr::UNLSN];

/// What the bytes after a SECOND are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Channel {
    #[default]
    Data,
    FileName,
    Close,
}

#[derive(Debug, Default)]
pub(crate) struct Iec {
    listening: bool,
    channel: Channel,
}

pub(crate) fn trap(m: &mut C64, pc: u16) -> Flow {
    if !TRAPPED.contains(&pc) {
        return Flow::Pass;
    }
    match pc {
        addr::LISTEN => {
            if m.a() != PRINTER_DEVICE {
                // Trap KERNAL: no other device is on the bus.
                if m.real_roms {
                    return Flow::Pass;
                }
                m.kernal.iec.listening = false;
                let st = m.ram(var::STATUS) | 0x80;
                m.set_ram(var::STATUS, st);
                return m.ok();
            }
            m.kernal.iec = Iec {
                listening: true,
                channel: Channel::Data,
            };
            m.set_ram(var::STATUS, 0);
            m.ok()
        }
        _ if !m.kernal.iec.listening => {
            if m.real_roms {
                Flow::Pass
            } else {
                m.ok()
            }
        }
        addr::SECOND => {
            m.kernal.iec.channel = match m.a() & 0xF0 {
                0xF0 => Channel::FileName,
                0xE0 => Channel::Close,
                _ => Channel::Data,
            };
            m.ok()
        }
        addr::CIOUT => {
            if m.kernal.iec.channel == Channel::Data {
                let byte = m.a();
                m.kernal.printer.push(byte);
            }
            m.ok()
        }
        addr::UNLSN => {
            m.kernal.iec.listening = false;
            m.ok()
        }
        _ => Flow::Pass,
    }
}
