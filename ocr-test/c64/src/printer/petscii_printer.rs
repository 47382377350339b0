//! A Commodore dot-matrix printer in text mode (MPS-803 style): PETSCII bytes in, paper out.

use super::font::{Cell, Font};
use super::page::{C64Printout, COLUMNS};
use super::petscii::{glyph_for, Charset};

const CR: u8 = 0x0D;
const LF: u8 = 0x0A;
/// Shifted RETURN: back to column 0 without a line feed (overprint).
const CR_NO_LF: u8 = 0x8D;
const ENHANCED_ON: u8 = 0x0E;
const ENHANCED_OFF: u8 = 0x0F;
/// CHR$(16) then two ASCII digits: move the print head to that column.
const TAB: u8 = 0x10;
const LOWER_UPPER: u8 = 0x11;
const REVERSE_ON: u8 = 0x12;
const UPPER_GRAPHICS: u8 = 0x91;
const REVERSE_OFF: u8 = 0x92;

/// Prints PETSCII as a Commodore printer does: CR ends a line (an LF straight after it is
/// ignored, an LF alone also ends a line), the 81st character of a line starts the next one,
/// CHR$(17)/CHR$(145) switch lower/upper case and upper case/graphics, CHR$(18)/CHR$(146)
/// reverse field, CHR$(14)/CHR$(15) double width, CHR$(16)"nn" tabs to column nn. Reverse and
/// double width end with the line, as on the real printers.
#[derive(Debug, Clone)]
pub struct PetsciiPrinter {
    font: Font,
    paper: C64Printout,
    /// The text printed, one entry per line, for logs and tests (the paper is what is read).
    transcript: Vec<String>,
    line: usize,
    column: usize,
    charset: Charset,
    reverse: bool,
    double: bool,
    after_cr: bool,
    /// Digits of a CHR$(16) tab still to come.
    tab: Option<Vec<u8>>,
    bytes: u64,
    jobs: u32,
}

impl Default for PetsciiPrinter {
    fn default() -> Self {
        Self::with_font(Font::petscii().clone())
    }
}

impl PetsciiPrinter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A printer with another font (e.g. [`Font::bold`], to test OCR on a font readback does
    /// not know).
    pub fn with_font(font: Font) -> Self {
        PetsciiPrinter {
            font,
            paper: C64Printout::new(),
            transcript: vec![String::new()],
            line: 0,
            column: 0,
            charset: Charset::default(),
            reverse: false,
            double: false,
            after_cr: false,
            tab: None,
            bytes: 0,
            jobs: 0,
        }
    }

    pub fn font(&self) -> &Font {
        &self.font
    }

    /// The paper so far, including a line still being printed.
    pub fn printout(&self) -> &C64Printout {
        &self.paper
    }

    /// The text printed so far, lines joined with `\n`, trailing empty lines dropped.
    pub fn text(&self) -> String {
        let mut lines: Vec<&str> = self.transcript.iter().map(|l| l.trim_end()).collect();
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        lines.join("\n")
    }

    /// Bytes received, and jobs ended.
    pub fn counts(&self) -> (u64, u32) {
        (self.bytes, self.jobs)
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_byte(b);
        }
    }

    pub fn write_byte(&mut self, byte: u8) {
        self.bytes += 1;
        if let Some(digits) = self.tab.as_mut() {
            if byte.is_ascii_digit() {
                digits.push(byte - b'0');
                if digits.len() < 2 {
                    return;
                }
            }
            let column = self
                .tab
                .take()
                .unwrap_or_default()
                .iter()
                .fold(0, |n, d| n * 10 + *d as usize);
            self.column = column.min(COLUMNS - 1);
            if byte.is_ascii_digit() {
                return;
            }
        }
        let after_cr = std::mem::take(&mut self.after_cr);
        match byte {
            CR => {
                self.new_line();
                self.after_cr = true;
            }
            LF if after_cr => {}
            LF => self.new_line(),
            CR_NO_LF => self.column = 0,
            ENHANCED_ON => self.double = true,
            ENHANCED_OFF => self.double = false,
            TAB => self.tab = Some(Vec::new()),
            LOWER_UPPER => self.charset = Charset::LowerUpper,
            UPPER_GRAPHICS => self.charset = Charset::UpperGraphics,
            REVERSE_ON => self.reverse = true,
            REVERSE_OFF => self.reverse = false,
            _ => {
                if let Some(ch) = glyph_for(byte, self.charset) {
                    self.print(ch);
                }
            }
        }
    }

    /// The end of a print job (the printer's idle timeout or CLOSE): a partial line is
    /// finished and the next job starts from the printer's defaults on a new line.
    pub fn end_job(&mut self) {
        if self.column > 0 {
            self.new_line();
        }
        self.charset = Charset::default();
        self.tab = None;
        self.after_cr = false;
        self.jobs += 1;
    }

    fn print(&mut self, ch: char) {
        let Some(cell) = self.font.cell(ch) else {
            return;
        };
        let cell = if self.reverse { cell.map(|r| !r) } else { cell };
        if self.double {
            let widen = |nibble: u8| {
                (0..4).fold(0u8, |acc, i| {
                    acc | if nibble & (8 >> i) != 0 {
                        0xC0 >> (2 * i)
                    } else {
                        0
                    }
                })
            };
            let left: Cell = cell.map(|r| widen(r >> 4));
            let right: Cell = cell.map(|r| widen(r & 0x0F));
            self.put(left, ch);
            self.put(right, ' ');
        } else {
            self.put(cell, ch);
        }
    }

    fn put(&mut self, cell: Cell, ch: char) {
        if self.column >= COLUMNS {
            self.new_line();
        }
        self.paper.draw_cell(self.line, self.column, &cell);
        let text = &mut self.transcript[self.line];
        let have = text.chars().count();
        if have < self.column {
            text.extend(std::iter::repeat_n(' ', self.column - have));
        }
        if have <= self.column {
            text.push(ch);
        }
        self.column += 1;
    }

    fn new_line(&mut self) {
        self.line += 1;
        self.column = 0;
        self.reverse = false;
        self.double = false;
        self.transcript.push(String::new());
        self.paper.ensure_height(self.line * 8);
    }
}
