//! The trap KERNAL's file table and channel routines: SETLFS, SETNAM, OPEN, CLOSE, CHKIN,
//! CHKOUT, CLRCHN, CLALL, READST, and the small routines. The file table lives where the
//! real KERNAL keeps it ($0259/$0263/$026D, count in $98).

use super::{addr, error, io, var, Flow};
use crate::machine::{RunEnd, C64};
use crate::serial::SerialPort;

const MAX_FILES: u8 = 10;

pub(crate) fn trap(m: &mut C64, pc: u16) -> Flow {
    match pc {
        addr::SETLFS => {
            m.set_ram(var::LA, m.a());
            m.set_ram(var::FA, m.x());
            m.set_ram(var::SA, m.y());
            Flow::Return
        }
        addr::SETNAM => {
            m.set_ram(var::FNLEN, m.a());
            m.set_ram(var::FNADR, m.x());
            m.set_ram(var::FNADR + 1, m.y());
            Flow::Return
        }
        addr::OPEN => open(m),
        addr::CLOSE => close(m),
        addr::CHKIN => chkin(m),
        addr::CHKOUT => chkout(m),
        addr::CLRCHN => clrchn(m),
        addr::CLALL => {
            m.set_ram(var::LDTND, 0);
            clrchn(m)
        }
        addr::READST => {
            let st = if m.ram(var::FA) == 2 {
                let st = m.ram(var::RSSTAT);
                m.set_ram(var::RSSTAT, 0);
                st
            } else {
                m.ram(var::STATUS)
            };
            m.load_a(st);
            Flow::Return
        }
        addr::CHRIN => io::chrin(m),
        addr::CHROUT => io::chrout(m),
        addr::GETIN => io::getin(m),
        addr::STOP => {
            // No STOP key is ever down: Z clear.
            m.load_a(0xFF);
            Flow::Return
        }
        addr::SETMSG => {
            m.set_ram(var::MSGFLG, m.a());
            Flow::Return
        }
        addr::MEMTOP => mem_pointer(m, var::MEMSIZ),
        addr::MEMBOT => mem_pointer(m, var::MEMSTR),
        addr::RDTIM => {
            let (t0, t1, t2) = (m.ram(var::TIME), m.ram(var::TIME + 1), m.ram(var::TIME + 2));
            m.set_registers(t2, t1, t0);
            Flow::Return
        }
        addr::SETTIM => {
            m.set_ram(var::TIME, m.y());
            m.set_ram(var::TIME + 1, m.x());
            m.set_ram(var::TIME + 2, m.a());
            Flow::Return
        }
        addr::SCREEN => {
            m.set_registers(m.a(), 40, 25);
            Flow::Return
        }
        addr::IOBASE => {
            m.set_registers(m.a(), 0x00, 0xDC);
            Flow::Return
        }
        addr::RESTOR => {
            super::restor(m);
            Flow::Return
        }
        addr::LOAD | addr::SAVE => m.fail(error::DEVICE_NOT_PRESENT),
        addr::TALK | addr::TKSA | addr::ACPTR | addr::UNTLK => {
            // Nothing talks on the trap KERNAL's bus: time out, device not present.
            let st = m.ram(var::STATUS) | 0x82;
            m.set_ram(var::STATUS, st);
            m.load_a(0);
            m.ok()
        }
        addr::BRK_DEFAULT => {
            // Entered through $FF48, which pushed A, X, Y over BRK's P and PC+2.
            let sp = u16::from(m.registers().5);
            let ret = m.word(0x0100 + ((sp + 5) & 0xFF));
            Flow::End(RunEnd::Stopped(format!(
                "BRK at ${:04X} (the trap KERNAL stops on BRK)",
                ret.wrapping_sub(2)
            )))
        }
        addr::RESET => Flow::End(RunEnd::Stopped(
            "reset through $FCE2: the trap KERNAL has no BASIC to start; load a program and call sys".into(),
        )),
        // CINT, IOINIT, RAMTAS, VECTOR, SCNKEY, SETTMO, UDTIM, PLOT: nothing to do here.
        _ => m.ok(),
    }
}

/// Carry set: read the pointer into X/Y; clear: set it from X/Y.
fn mem_pointer(m: &mut C64, at: u16) -> Flow {
    if m.registers().3 & 1 != 0 {
        let (lo, hi) = (m.ram(at), m.ram(at + 1));
        m.set_registers(m.a(), lo, hi);
    } else {
        m.set_ram(at, m.x());
        m.set_ram(at + 1, m.y());
    }
    Flow::Return
}

/// The file table slot holding logical file `la`.
fn find(m: &C64, la: u8) -> Option<u16> {
    (0..u16::from(m.ram(var::LDTND))).find(|&i| m.ram(var::LAT + i) == la)
}

/// Makes file `slot` the current one (LA/FA/SA), as the real KERNAL's LOOKUP does.
fn select(m: &mut C64, slot: u16) -> u8 {
    m.set_ram(var::LA, m.ram(var::LAT + slot));
    let fa = m.ram(var::FAT + slot);
    m.set_ram(var::FA, fa);
    m.set_ram(var::SA, m.ram(var::SAT + slot));
    fa
}

fn open(m: &mut C64) -> Flow {
    let (la, fa, sa) = (m.ram(var::LA), m.ram(var::FA), m.ram(var::SA));
    if la == 0 {
        return m.fail(error::NOT_INPUT_FILE);
    }
    if find(m, la).is_some() {
        return m.fail(error::FILE_OPEN);
    }
    let count = m.ram(var::LDTND);
    if count >= MAX_FILES {
        return m.fail(error::TOO_MANY_FILES);
    }
    match fa {
        0 | 3 | 4 => {}
        2 => {
            let control = if m.ram(var::FNLEN) > 0 {
                m.peek(m.word(var::FNADR))
            } else {
                0
            };
            let line = &mut m.lines[SerialPort::Kernal as usize];
            m.kernal.rs232.open(control, line);
            m.set_ram(var::RSSTAT, 0);
        }
        _ => return m.fail(error::DEVICE_NOT_PRESENT),
    }
    let slot = u16::from(count);
    m.set_ram(var::LAT + slot, la);
    m.set_ram(var::FAT + slot, fa);
    m.set_ram(var::SAT + slot, sa | 0x60);
    m.set_ram(var::LDTND, count + 1);
    m.ok()
}

fn close(m: &mut C64) -> Flow {
    let Some(slot) = find(m, m.a()) else {
        return m.ok();
    };
    if m.ram(var::FAT + slot) == 2 {
        m.kernal.rs232.open = false;
    }
    let last = u16::from(m.ram(var::LDTND) - 1);
    for table in [var::LAT, var::FAT, var::SAT] {
        m.set_ram(table + slot, m.ram(table + last));
    }
    m.set_ram(var::LDTND, last as u8);
    m.ok()
}

fn chkin(m: &mut C64) -> Flow {
    let Some(slot) = find(m, m.x()) else {
        return m.fail(error::FILE_NOT_OPEN);
    };
    let fa = select(m, slot);
    if fa == 4 {
        return m.fail(error::NOT_INPUT_FILE);
    }
    m.set_ram(var::DFLTN, fa);
    m.ok()
}

fn chkout(m: &mut C64) -> Flow {
    let Some(slot) = find(m, m.x()) else {
        return m.fail(error::FILE_NOT_OPEN);
    };
    let fa = select(m, slot);
    if fa == 0 {
        return m.fail(error::NOT_OUTPUT_FILE);
    }
    m.set_ram(var::DFLTO, fa);
    m.ok()
}

fn clrchn(m: &mut C64) -> Flow {
    m.set_ram(var::DFLTN, 0);
    m.set_ram(var::DFLTO, 3);
    Flow::Return
}
