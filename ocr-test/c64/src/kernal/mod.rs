//! KERNAL support. Without ROMs: the trap KERNAL, whose routines sit at the real KERNAL's
//! addresses and are served in Rust, with OPEN..CLALL reached through the RAM vectors
//! ($031A-$0333) exactly as on a real C64, so programs that hook them behave the same.
//! Devices: 2 = RS-232 (the `SerialPort::Kernal` peer), 3 = screen (captured), 4 = printer.
//! With ROMs: only IEC device 4 is trapped (LISTEN, SECOND, CIOUT, UNLSN), as VICE does.

mod files;
mod iec;
pub(crate) mod image;
mod io;
pub(crate) mod rs232;

use mos6502::registers::Status;

use crate::machine::{RunEnd, C64};

pub(crate) use iec::Iec;
pub(crate) use rs232::Rs232;

/// The real KERNAL's routine addresses (KERNAL 901227-03).
pub mod addr {
    pub const CINT: u16 = 0xFF5B;
    pub const IOINIT: u16 = 0xFDA3;
    pub const RAMTAS: u16 = 0xFD50;
    pub const RESTOR: u16 = 0xFD15;
    pub const VECTOR: u16 = 0xFD1A;
    pub const SETMSG: u16 = 0xFE18;
    pub const SECOND: u16 = 0xEDB9;
    pub const TKSA: u16 = 0xEDC7;
    pub const MEMTOP: u16 = 0xFE25;
    pub const MEMBOT: u16 = 0xFE34;
    pub const SCNKEY: u16 = 0xEA87;
    pub const SETTMO: u16 = 0xFE21;
    pub const ACPTR: u16 = 0xEE13;
    pub const CIOUT: u16 = 0xEDDD;
    pub const UNTLK: u16 = 0xEDEF;
    pub const UNLSN: u16 = 0xEDFE;
    pub const LISTEN: u16 = 0xED0C;
    pub const TALK: u16 = 0xED09;
    pub const READST: u16 = 0xFE07;
    pub const SETLFS: u16 = 0xFE00;
    pub const SETNAM: u16 = 0xFDF9;
    pub const OPEN: u16 = 0xF34A;
    pub const CLOSE: u16 = 0xF291;
    pub const CHKIN: u16 = 0xF20E;
    pub const CHKOUT: u16 = 0xF250;
    pub const CLRCHN: u16 = 0xF333;
    pub const CHRIN: u16 = 0xF157;
    pub const CHROUT: u16 = 0xF1CA;
    pub const STOP: u16 = 0xF6ED;
    pub const GETIN: u16 = 0xF13E;
    pub const CLALL: u16 = 0xF32F;
    pub const LOAD_ENTRY: u16 = 0xF49E;
    pub const LOAD: u16 = 0xF4A5;
    pub const SAVE_ENTRY: u16 = 0xF5DD;
    pub const SAVE: u16 = 0xF5ED;
    pub const SETTIM: u16 = 0xF6E4;
    pub const RDTIM: u16 = 0xF6DD;
    pub const UDTIM: u16 = 0xF69B;
    pub const SCREEN: u16 = 0xE505;
    pub const PLOT: u16 = 0xE50A;
    pub const IOBASE: u16 = 0xE500;
    pub const BRK_DEFAULT: u16 = 0xFE66;
    pub const RESET: u16 = 0xFCE2;
    pub const IRQ_DEFAULT: u16 = 0xEA31;
    pub const NMI_DEFAULT: u16 = 0xFE47;
}

/// KERNAL variables the traps share with programs.
pub mod var {
    pub const STATUS: u16 = 0x90;
    pub const LDTND: u16 = 0x98;
    pub const DFLTN: u16 = 0x99;
    pub const DFLTO: u16 = 0x9A;
    pub const MSGFLG: u16 = 0x9D;
    pub const TIME: u16 = 0xA0;
    pub const FNLEN: u16 = 0xB7;
    pub const LA: u16 = 0xB8;
    pub const SA: u16 = 0xB9;
    pub const FA: u16 = 0xBA;
    pub const FNADR: u16 = 0xBB;
    pub const NDX: u16 = 0xC6;
    pub const LAT: u16 = 0x0259;
    pub const FAT: u16 = 0x0263;
    pub const SAT: u16 = 0x026D;
    pub const KEYD: u16 = 0x0277;
    pub const MEMSTR: u16 = 0x0281;
    pub const MEMSIZ: u16 = 0x0283;
    pub const RSSTAT: u16 = 0x0297;
}

/// Where PC rests on a ROM-less machine until `sys`: `JMP *` at $E000.
pub const IDLE_PC: u16 = 0xE000;

/// The routines served in Rust on a ROM-less machine (each an RTS in the image).
pub(crate) const TRAP_KERNAL_ROUTINES: &[u16] = &[
    addr::CINT,
    addr::IOINIT,
    addr::RAMTAS,
    addr::RESTOR,
    addr::VECTOR,
    addr::SETMSG,
    addr::SECOND,
    addr::TKSA,
    addr::MEMTOP,
    addr::MEMBOT,
    addr::SCNKEY,
    addr::SETTMO,
    addr::ACPTR,
    addr::CIOUT,
    addr::UNTLK,
    addr::UNLSN,
    addr::LISTEN,
    addr::TALK,
    addr::READST,
    addr::SETLFS,
    addr::SETNAM,
    addr::OPEN,
    addr::CLOSE,
    addr::CHKIN,
    addr::CHKOUT,
    addr::CLRCHN,
    addr::CHRIN,
    addr::CHROUT,
    addr::STOP,
    addr::GETIN,
    addr::CLALL,
    addr::LOAD,
    addr::SAVE,
    addr::SETTIM,
    addr::RDTIM,
    addr::UDTIM,
    addr::SCREEN,
    addr::PLOT,
    addr::IOBASE,
    addr::BRK_DEFAULT,
    addr::RESET,
];

/// The RAM vectors $0314-$0333 as RESTOR sets them.
pub const DEFAULT_VECTORS: [u16; 16] = [
    addr::IRQ_DEFAULT,
    addr::BRK_DEFAULT,
    addr::NMI_DEFAULT,
    addr::OPEN,
    addr::CLOSE,
    addr::CHKIN,
    addr::CHKOUT,
    addr::CLRCHN,
    addr::CHRIN,
    addr::CHROUT,
    addr::STOP,
    addr::GETIN,
    addr::CLALL,
    addr::BRK_DEFAULT,
    addr::LOAD,
    addr::SAVE,
];

/// KERNAL error numbers (returned in A with carry set).
pub mod error {
    pub const TOO_MANY_FILES: u8 = 1;
    pub const FILE_OPEN: u8 = 2;
    pub const FILE_NOT_OPEN: u8 = 3;
    pub const DEVICE_NOT_PRESENT: u8 = 5;
    pub const NOT_INPUT_FILE: u8 = 6;
    pub const NOT_OUTPUT_FILE: u8 = 7;
}

/// The trap KERNAL's state kept outside the C64's RAM.
#[derive(Default)]
pub(crate) struct KernalState {
    pub rs232: Rs232,
    pub iec: Iec,
    pub printer: Vec<u8>,
    pub screen: Vec<u8>,
}

/// What a trap did.
pub(crate) enum Flow {
    /// Served: return to the caller (RTS).
    Return,
    /// Waiting (e.g. the RS-232 output buffer is full): try again a little later.
    Block,
    /// Not this trap's business: run the ROM code there.
    Pass,
    End(RunEnd),
}

pub(crate) fn trap_addresses(real_roms: bool) -> Vec<u16> {
    if real_roms {
        iec::TRAPPED.to_vec()
    } else {
        TRAP_KERNAL_ROUTINES.to_vec()
    }
}

/// Cycles a blocked trap waits before trying again.
const BLOCK_CYCLES: u64 = 16;
/// Cycles a served trap costs besides its RTS (a JSR's worth).
const TRAP_CYCLES: u64 = 6;

pub(crate) fn trap(m: &mut C64, pc: u16) -> Option<RunEnd> {
    let flow = match iec::trap(m, pc) {
        Flow::Pass if !m.real_roms => files::trap(m, pc),
        flow => flow,
    };
    match flow {
        Flow::Return => {
            m.cpu.cycles += TRAP_CYCLES;
            m.rts();
            None
        }
        Flow::Block => {
            m.cpu.cycles += BLOCK_CYCLES;
            None
        }
        Flow::Pass => None,
        Flow::End(end) => Some(end),
    }
}

/// Sets up what the real KERNAL's reset leaves in RAM that the traps use.
pub(crate) fn init_ram(m: &mut C64) {
    restor(m);
    let ram = &mut m.cpu.memory.ram;
    ram[0] = 0x2F;
    ram[1] = 0x37;
    ram[usize::from(var::DFLTN)] = 0;
    ram[usize::from(var::DFLTO)] = 3;
    ram[usize::from(var::MEMSTR)..usize::from(var::MEMSTR) + 4]
        .copy_from_slice(&[0x00, 0x08, 0x00, 0xA0]);
    ram[0x0288] = 0x04; // screen at $0400
}

pub(crate) fn restor(m: &mut C64) {
    for (i, v) in DEFAULT_VECTORS.iter().enumerate() {
        m.write_word(0x0314 + 2 * i as u16, *v);
    }
}

/// Register and RAM helpers for the traps.
impl C64 {
    pub(crate) fn a(&self) -> u8 {
        self.cpu.registers.accumulator
    }

    pub(crate) fn x(&self) -> u8 {
        self.cpu.registers.index_x
    }

    pub(crate) fn y(&self) -> u8 {
        self.cpu.registers.index_y
    }

    /// Sets A with N and Z from it, as a load would.
    pub(crate) fn load_a(&mut self, v: u8) {
        let r = &mut self.cpu.registers;
        r.accumulator = v;
        r.status.set(Status::PS_ZERO, v == 0);
        r.status.set(Status::PS_NEGATIVE, v & 0x80 != 0);
    }

    pub(crate) fn set_carry(&mut self, on: bool) {
        self.cpu.registers.status.set(Status::PS_CARRY, on);
    }

    /// Carry set, error number in A: the KERNAL's error return.
    pub(crate) fn fail(&mut self, error: u8) -> Flow {
        self.load_a(error);
        self.set_carry(true);
        Flow::Return
    }

    pub(crate) fn ok(&mut self) -> Flow {
        self.set_carry(false);
        Flow::Return
    }

    pub(crate) fn ram(&self, a: u16) -> u8 {
        self.cpu.memory.ram[usize::from(a)]
    }

    pub(crate) fn set_ram(&mut self, a: u16, v: u8) {
        self.cpu.memory.ram[usize::from(a)] = v;
    }

    pub(crate) fn word(&self, a: u16) -> u16 {
        u16::from_le_bytes([self.ram(a), self.ram(a.wrapping_add(1))])
    }

    pub(crate) fn write_word(&mut self, a: u16, v: u16) {
        let [lo, hi] = v.to_le_bytes();
        self.set_ram(a, lo);
        self.set_ram(a.wrapping_add(1), hi);
    }
}
