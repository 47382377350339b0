//! File formats the Spectrum loads: tapes (`.tap`), snapshots (`.sna`, `.z80`).
//!
//! Parsers are pure: bytes in, a typed value or a [`FormatError`] out. They never touch a machine.

pub mod sna;
pub mod tap;
pub mod z80;

use crate::Model;

pub(crate) const PAGE: usize = 0x4000;
pub(crate) type Page = Box<[u8; PAGE]>;

pub(crate) fn page(bytes: &[u8]) -> Page {
    bytes
        .to_vec()
        .into_boxed_slice()
        .try_into()
        .expect("a 16 KiB slice")
}

/// Pages 5, 2 and 0 of a 48K, from the 48K bytes at 0x4000..=0xFFFF.
pub(crate) fn ram_48k_pages(ram: &[u8]) -> [Option<Page>; 8] {
    let mut pages: [Option<Page>; 8] = Default::default();
    pages[5] = Some(page(&ram[..PAGE]));
    pages[2] = Some(page(&ram[PAGE..2 * PAGE]));
    pages[0] = Some(page(&ram[2 * PAGE..3 * PAGE]));
    pages
}

/// A register file with every register distinct, for round-trip tests.
#[cfg(test)]
pub(crate) fn sample_registers(sp: u16, pc: u16) -> Registers {
    Registers {
        af: 0x1234,
        bc: 0x2345,
        de: 0x3456,
        hl: 0x4567,
        af_alt: 0x5678,
        bc_alt: 0x6789,
        de_alt: 0x789A,
        hl_alt: 0x89AB,
        ix: 0x9ABC,
        iy: 0xABCD,
        sp,
        pc,
        i: 0x3F,
        r: 0xA5,
        iff1: true,
        iff2: true,
        im: 1,
    }
}

/// Why a file could not be read. The message names the problem; callers add the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("truncated: {0}")]
    Truncated(String),
    #[error("corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// Z80 register file as stored in snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registers {
    pub af: u16,
    pub bc: u16,
    pub de: u16,
    pub hl: u16,
    pub af_alt: u16,
    pub bc_alt: u16,
    pub de_alt: u16,
    pub hl_alt: u16,
    pub ix: u16,
    pub iy: u16,
    pub sp: u16,
    pub pc: u16,
    pub i: u8,
    pub r: u8,
    pub iff1: bool,
    pub iff2: bool,
    /// Interrupt mode 0, 1 or 2.
    pub im: u8,
}

/// A machine state read from `.sna` or `.z80`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub model: Model,
    pub regs: Registers,
    pub border: u8,
    /// Last value written to port 0x7FFD (128K only).
    pub port_7ffd: Option<u8>,
    /// RAM pages, 16 KiB each. 48K: pages 5, 2, 0 (the ones at 0x4000, 0x8000, 0xC000) stored
    /// at indices 5, 2 and 0; other entries `None`. 128K: all eight pages.
    pub ram_pages: [Option<Box<[u8; 0x4000]>>; 8],
}

impl Snapshot {
    /// Writes `data` into RAM at `address` as the snapshot's memory map places it (the 128K's
    /// top 16K is the page selected in port 0x7FFD). Bytes that would land in ROM are skipped.
    pub fn poke_block(&mut self, address: u16, data: &[u8]) {
        let top = self.port_7ffd.map_or(0, |p| (p & 7) as usize);
        for (i, &byte) in data.iter().enumerate() {
            let addr = address as usize + i;
            let page = match addr {
                0x4000..=0x7FFF => 5,
                0x8000..=0xBFFF => 2,
                0xC000..=0xFFFF => top,
                _ => continue,
            };
            if let Some(ram) = self.ram_pages[page].as_mut() {
                ram[addr & 0x3FFF] = byte;
            }
        }
    }
}
