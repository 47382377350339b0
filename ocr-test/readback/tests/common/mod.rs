//! Shared helpers for the integration tests: ROM fonts and a charset as a program sees it.
#![allow(dead_code)]

use retromesh_readback::corpus::{self, RomFont};
use retromesh_spectrum::charset::{block_cell, Cell, Charset};

pub fn rom(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// 21 UDGs unlike any character, block graphic or their inverses: a bit pattern with both
/// edge columns set (ROM glyphs keep the edge columns clear) and the UDG number in row 0.
pub fn test_udgs() -> [Cell; 21] {
    std::array::from_fn(|i| {
        let n = i as u8;
        [0x81 | (n << 1), 0xC3, 0xA5, 0x99, 0x99, 0xA5, 0xC3, 0x81]
    })
}

pub struct Machine {
    pub font: RomFont,
    pub charset: Charset,
}

impl Machine {
    pub fn new(rom_path: &str) -> Self {
        let rom = rom(rom_path);
        Machine {
            font: RomFont::from_rom(&rom).unwrap(),
            charset: corpus::charset_from_rom(&rom, &test_udgs()),
        }
    }

    /// Cells for plain text in this machine's font.
    pub fn text(&self, s: &str) -> Vec<Cell> {
        s.chars().map(|c| self.font.glyph(c)).collect()
    }

    /// Cells for text in inverse video.
    pub fn inverse(&self, s: &str) -> Vec<Cell> {
        self.text(s).into_iter().map(|c| c.map(|r| !r)).collect()
    }

    pub fn udg(&self, n: usize) -> Cell {
        self.charset.udgs[n]
    }
}

pub fn block(code: u8) -> Cell {
    block_cell(code)
}
