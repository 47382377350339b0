//! An accuracy corpus for OCR: known lines rendered in fonts other than the Sinclair ROM's
//! (the ROM font is read exactly, OCR is for everything else), read back, and scored.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use retromesh_spectrum::charset::{Cell, Charset};
use retromesh_spectrum::printer::{Printout, BYTES_PER_ROW};

use crate::lines::{CELL_SIZE, COLUMNS};
use crate::ocr::{Ocr, OcrError};

/// The Sinclair 48K ROM in this repository.
pub const SINCLAIR_48K_ROM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spectrum/roms/48.rom");
/// OpenSE BASIC, as Debian's `spectrum-roms` package installs it.
pub const OPENSE_ROM: &str = "/usr/share/spectrum-roms/opense.rom";
/// Where both ROMs keep their 96-character font (CHARS + 256).
pub const ROM_FONT_ADDRESS: usize = 0x3D00;

/// The corpus: varied lines of at most 32 characters, printable by a Spectrum (ASCII without
/// the backtick) and by font8x8's ASCII font.
pub const LINES: [&str; 40] = [
    "HELLO WORLD",
    "10 PRINT \"HELLO\": GO TO 10",
    "The quick brown fox jumps over",
    "the lazy dog.",
    "SCORE: 004250  HI: 012000",
    "Lives: 3  Level: 12",
    "Press any key to continue",
    "ERROR 42 at line 1030",
    "x = (a + b) * c / 2",
    "IF A>B THEN LET C=A-B",
    "Total: 1,234.56 units",
    "Name, Age, City",
    "Alice, 34, Cambridge",
    "Bob; 27; Edinburgh",
    "Temperature = -12.5 C",
    "email: user@example.org",
    "path/to/file_name.txt",
    "[OK] all 17 tests passed",
    "{ key: value }",
    "#include <stdio.h>",
    "50% off! Was 19.99, now 9.99",
    "Question? Answer!",
    "a|b|c & d|e|f",
    "Sinclair ZX Spectrum 48K",
    "Kilobytes free: 41473",
    "Loading... please wait",
    "Program: SNAKE   Bytes: 6912",
    "Round 7 of 10 ~ bonus ^ 2",
    "mixedCase and UPPER lower",
    "0123456789",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "abcdefghijklmnopqrstuvwxyz",
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_{|}~",
    "  indented by two",
    "Collect 5 keys, avoid 3 walls",
    "RANDOMIZE USR 32768",
    "Time 12:45:07 Date 1982-04-23",
    "Hit rate: 87.5%",
    "Gold x 250, Silver x 1200",
    "GAME OVER",
];

/// The Spectrum character code for `c`: ASCII as is, except 0x60 (£) and 0x7F (©).
pub fn spectrum_code(c: char) -> Option<u8> {
    match c {
        '£' => Some(0x60),
        '©' => Some(0x7F),
        '`' => None,
        ' '..='~' => Some(c as u8),
        _ => None,
    }
}

/// Renders lines of cells, one text line of 8 dot rows each; cells past 32 are dropped.
pub fn render_cells(lines: &[&[Cell]]) -> Printout {
    let mut rows = Vec::with_capacity(lines.len() * CELL_SIZE);
    for cells in lines {
        for r in 0..CELL_SIZE {
            let mut row = [0u8; BYTES_PER_ROW];
            for (col, cell) in cells.iter().take(COLUMNS).enumerate() {
                row[col] = cell[r];
            }
            rows.push(row);
        }
    }
    Printout::from_rows(rows)
}

/// Renders text lines with `font` (a character to its cell, top row first, bit 7 leftmost);
/// characters past column 32 are dropped.
pub fn render_lines(lines: &[&str], font: &dyn Fn(char) -> Cell) -> Printout {
    let cells: Vec<Vec<Cell>> = lines
        .iter()
        .map(|line| line.chars().map(font).collect())
        .collect();
    let refs: Vec<&[Cell]> = cells.iter().map(Vec::as_slice).collect();
    render_cells(&refs)
}

/// The 96-character font of a Spectrum ROM (codes 0x20..=0x7F).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RomFont {
    pub chars: [Cell; 96],
}

impl RomFont {
    /// The font at 0x3D00 of a 16K ROM image.
    pub fn from_rom(rom: &[u8]) -> io::Result<RomFont> {
        let font = rom
            .get(ROM_FONT_ADDRESS..ROM_FONT_ADDRESS + 96 * 8)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a ROM of {} bytes has no font at 0x3D00", rom.len()),
                )
            })?;
        Ok(RomFont {
            chars: std::array::from_fn(|i| std::array::from_fn(|r| font[i * 8 + r])),
        })
    }

    pub fn load(path: impl AsRef<Path>) -> io::Result<RomFont> {
        let path = path.as_ref();
        let rom = std::fs::read(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Self::from_rom(&rom)
    }

    pub fn sinclair_48k() -> io::Result<RomFont> {
        Self::load(SINCLAIR_48K_ROM)
    }

    pub fn opense() -> io::Result<RomFont> {
        Self::load(OPENSE_ROM)
    }

    /// Every glyph emboldened by one dot to the right, as some games' fonts are.
    pub fn bold(&self) -> RomFont {
        RomFont {
            chars: self.chars.map(|cell| cell.map(|r| r | r >> 1)),
        }
    }

    /// The cell for `c`; characters a Spectrum cannot print draw as `?`.
    pub fn glyph(&self, c: char) -> Cell {
        let code = spectrum_code(c).unwrap_or(b'?');
        self.chars[(code - 0x20) as usize]
    }
}

/// font8x8's legacy ASCII font, turned to bit 7 leftmost (font8x8 has bit 0 leftmost). Other
/// characters draw as `?`.
pub fn font8x8_legacy(c: char) -> Cell {
    let code = if c.is_ascii() && !c.is_ascii_control() {
        c as usize
    } else {
        b'?' as usize
    };
    font8x8::legacy::BASIC_LEGACY[code].map(u8::reverse_bits)
}

/// A Charset as `Charset::from_memory` reads it from a machine running `rom` with CHARS at
/// 0x3C00 and UDG at 0xFF58 holding `udgs`.
pub fn charset_from_rom(rom: &[u8], udgs: &[Cell; 21]) -> Charset {
    const UDG: usize = 0xFF58;
    let mut memory = vec![0u8; 0x10000];
    let n = rom.len().min(0x4000);
    memory[..n].copy_from_slice(&rom[..n]);
    memory[0x5C36..0x5C38].copy_from_slice(&0x3C00u16.to_le_bytes());
    memory[0x5C7B..0x5C7D].copy_from_slice(&(UDG as u16).to_le_bytes());
    for (i, cell) in udgs.iter().enumerate() {
        memory[UDG + i * 8..UDG + i * 8 + 8].copy_from_slice(cell);
    }
    Charset::from_memory(|addr| memory[addr as usize])
}

/// The fonts the corpus is measured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorpusFont {
    OpenSe,
    Font8x8Legacy,
    BoldSinclair,
}

impl CorpusFont {
    pub const ALL: [CorpusFont; 3] = [
        CorpusFont::OpenSe,
        CorpusFont::Font8x8Legacy,
        CorpusFont::BoldSinclair,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CorpusFont::OpenSe => "OpenSE BASIC ROM",
            CorpusFont::Font8x8Legacy => "font8x8 BASIC_LEGACY",
            CorpusFont::BoldSinclair => "Sinclair ROM, bold",
        }
    }

    /// The font as a character-to-cell function (loading a ROM where needed).
    pub fn load(self) -> io::Result<Box<dyn Fn(char) -> Cell>> {
        Ok(match self {
            CorpusFont::OpenSe => {
                let font = RomFont::opense()?;
                Box::new(move |c| font.glyph(c))
            }
            CorpusFont::Font8x8Legacy => Box::new(font8x8_legacy),
            CorpusFont::BoldSinclair => {
                let font = RomFont::sinclair_48k()?.bold();
                Box::new(move |c| font.glyph(c))
            }
        })
    }
}

/// A line OCR did not read exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub expected: String,
    pub got: String,
}

/// How well OCR read the corpus in one font.
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    pub lines: usize,
    pub exact_lines: usize,
    /// 1 - (sum of Levenshtein distances / characters in the corpus).
    pub char_accuracy: f64,
    /// Wall time of each line's OCR, in corpus order.
    pub line_times: Vec<Duration>,
    pub misses: Vec<Miss>,
}

impl Accuracy {
    pub fn median_line_time(&self) -> Duration {
        let mut times = self.line_times.clone();
        times.sort();
        match times.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => times[n / 2],
            n => (times[n / 2 - 1] + times[n / 2]) / 2,
        }
    }
}

/// OCR accuracy on [`LINES`] rendered with `font`.
pub fn measure(ocr: &mut Ocr, font: &dyn Fn(char) -> Cell) -> Result<Accuracy, OcrError> {
    measure_lines(ocr, font, &LINES)
}

/// OCR accuracy on `lines` rendered with `font`, one text line each.
pub fn measure_lines(
    ocr: &mut Ocr,
    font: &dyn Fn(char) -> Cell,
    lines: &[&str],
) -> Result<Accuracy, OcrError> {
    let printout = render_lines(lines, font);
    let mut exact_lines = 0;
    let mut distance = 0;
    let mut total = 0;
    let mut line_times = Vec::with_capacity(lines.len());
    let mut misses = Vec::new();
    for (n, expected) in lines.iter().enumerate() {
        let start = Instant::now();
        let got = ocr.read_line(&printout, n)?.text;
        line_times.push(start.elapsed());
        let d = strsim::levenshtein(expected, &got);
        distance += d;
        total += expected.chars().count();
        if d == 0 {
            exact_lines += 1;
        } else {
            misses.push(Miss {
                expected: expected.to_string(),
                got,
            });
        }
    }
    let char_accuracy = if total == 0 {
        1.0
    } else {
        1.0 - distance as f64 / total as f64
    };
    Ok(Accuracy {
        lines: lines.len(),
        exact_lines,
        char_accuracy,
        line_times,
        misses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_lines_fit_a_line_and_are_distinct() {
        for line in LINES {
            assert!(line.chars().count() <= COLUMNS, "{line:?} is too long");
            assert!(line.chars().all(|c| spectrum_code(c).is_some()), "{line:?}");
            assert!(line.is_ascii(), "{line:?}: font8x8 legacy is ASCII only");
        }
        let mut sorted = LINES.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), LINES.len());
    }

    #[test]
    fn font8x8_is_mirrored_to_bit7_leftmost() {
        // font8x8 'L' is a vertical stroke at its left with a foot: bit 0 set in its rows.
        let raw = font8x8::legacy::BASIC_LEGACY['L' as usize];
        assert!(raw.iter().any(|r| r & 0x01 != 0));
        let cell = font8x8_legacy('L');
        for (r, row) in raw.iter().zip(cell) {
            assert_eq!(row.reverse_bits(), *r);
        }
        assert!(cell.iter().any(|r| r & 0x80 != 0));
    }

    #[test]
    fn bold_ors_each_row_with_itself_shifted_right() {
        let font = RomFont {
            chars: [[0b0100_0010; 8]; 96],
        };
        assert_eq!(font.bold().chars[0], [0b0110_0011; 8]);
    }

    #[test]
    fn render_lines_places_each_character_in_its_cell() {
        let font = |c: char| [c as u8; 8];
        let printout = render_lines(&["AB", "", "C"], &font);
        assert_eq!(printout.height(), 24);
        assert_eq!(printout.rows()[0][..3], [b'A', b'B', 0]);
        assert_eq!(printout.rows()[7][1], b'B');
        assert!(printout.rows()[8..16]
            .iter()
            .all(|r| r.iter().all(|&b| b == 0)));
        assert_eq!(printout.rows()[16][0], b'C');
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        let acc = |ms: &[u64]| Accuracy {
            lines: 0,
            exact_lines: 0,
            char_accuracy: 1.0,
            line_times: ms.iter().map(|&m| Duration::from_millis(m)).collect(),
            misses: vec![],
        };
        assert_eq!(acc(&[5, 1, 3]).median_line_time(), Duration::from_millis(3));
        assert_eq!(
            acc(&[4, 1, 3, 2]).median_line_time(),
            Duration::from_millis(2) + Duration::from_micros(500)
        );
    }
}
