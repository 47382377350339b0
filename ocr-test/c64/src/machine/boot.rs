//! The user-ROM path: reset through the KERNAL, wait for BASIC's READY, load a BASIC
//! program and RUN it by typing into the keyboard buffer.

use thiserror::Error;

use super::{RunEnd, C64};
use crate::prg::PrgError;

/// BASIC V2's main loop (`JMP ($0302)`), reached right after READY. is printed.
pub const READY_PC: u16 = 0xA480;

/// BASIC pointers: start of program, variables, arrays, end of arrays.
const TXTTAB: u16 = 0x2B;
const VARTAB: u16 = 0x2D;
const ARYTAB: u16 = 0x2F;
const STREND: u16 = 0x31;
/// Keyboard buffer and its count.
const KEYD: usize = 0x0277;
const NDX: usize = 0xC6;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum BootError {
    #[error("no ROMs: booting BASIC needs C64Config::roms (set RETROMESH_C64_ROMS to a folder with basic/kernal/chargen ROMs)")]
    NoRoms,
    #[error("BASIC did not reach READY within {cycles} cycles; check the ROM images are a C64's BASIC V2 and KERNAL")]
    NotReady { cycles: u64 },
    #[error("the machine stopped before READY: {0:?}")]
    Ended(RunEnd),
    #[error("not at READY: call boot() first and let the previous program end")]
    NotAtReady,
    #[error(transparent)]
    Prg(#[from] PrgError),
}

impl C64 {
    /// Resets through the KERNAL's vector and runs until BASIC's READY. Returns the cycles it
    /// took.
    pub fn boot(&mut self, limit_cycles: u64) -> Result<u64, BootError> {
        if !self.real_roms {
            return Err(BootError::NoRoms);
        }
        let start = self.cpu.cycles;
        self.cpu.reset();
        self.stop_at_ready = true;
        match self.run(limit_cycles) {
            RunEnd::Returned => Ok(self.cpu.cycles - start),
            RunEnd::Budget => Err(BootError::NotReady {
                cycles: limit_cycles,
            }),
            end => Err(BootError::Ended(end)),
        }
    }

    /// Loads a BASIC program (a .prg, normally at $0801), types RUN and runs until BASIC is
    /// back at READY (`RunEnd::Returned`) or another end. Device 4 output lands in
    /// [`C64::printer_output`].
    pub fn run_basic(&mut self, prg: &[u8], limit_cycles: u64) -> Result<RunEnd, BootError> {
        if !self.real_roms {
            return Err(BootError::NoRoms);
        }
        if self.cpu.registers.program_counter != READY_PC {
            return Err(BootError::NotAtReady);
        }
        let loaded = self.load_prg(prg)?;
        self.write_word_ram(TXTTAB, loaded.load);
        for pointer in [VARTAB, ARYTAB, STREND] {
            self.write_word_ram(pointer, loaded.end);
        }
        let ram = &mut self.cpu.memory.ram;
        ram[KEYD..KEYD + 4].copy_from_slice(b"RUN\r");
        ram[NDX] = 4;
        // Step off READY so the stop below means "back at READY".
        self.stop_at_ready = false;
        let first = self.run(1);
        if first != RunEnd::Budget {
            return Ok(first);
        }
        self.stop_at_ready = true;
        Ok(self.run(limit_cycles))
    }

    fn write_word_ram(&mut self, at: u16, v: u16) {
        let [lo, hi] = v.to_le_bytes();
        self.cpu.memory.ram[usize::from(at)] = lo;
        self.cpu.memory.ram[usize::from(at) + 1] = hi;
    }
}
