//! Exact glyph matching: every 8x8 cell is looked up in the font the program printed with.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use retromesh_spectrum::charset::{Cell, Charset, Glyph};
use retromesh_spectrum::printer::Printout;

use crate::lines::{line_cells, line_count, COLUMNS};

/// Text written for a cell that matches no glyph.
pub const UNKNOWN_CHAR: char = '?';

/// What one cell of a line turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellMatch {
    /// Drawn exactly as the glyph.
    Glyph(Glyph),
    /// Drawn as the glyph with every dot flipped (INVERSE 1).
    Inverse(Glyph),
    /// Matches no glyph, either way round.
    Unknown,
}

impl CellMatch {
    pub fn glyph(self) -> Option<Glyph> {
        match self {
            CellMatch::Glyph(g) | CellMatch::Inverse(g) => Some(g),
            CellMatch::Unknown => None,
        }
    }
}

/// One text line read by exact matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactLine {
    /// The line's text, unknown cells as `?`, trailing spaces trimmed.
    pub text: String,
    /// Columns (0..32) of the cells that matched no glyph, ascending.
    pub unknown: Vec<usize>,
    /// All 32 cells, including the trimmed trailing ones.
    pub cells: [CellMatch; COLUMNS],
    /// Cells up to and including the last one that is not a space: `text` covers these.
    pub len: usize,
}

impl ExactLine {
    pub fn is_complete(&self) -> bool {
        self.unknown.is_empty()
    }
}

/// A printout read by exact matching: one entry per text line, trailing blank lines dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExactText {
    pub lines: Vec<ExactLine>,
}

impl ExactText {
    /// All lines joined with `\n` (no newline after the last).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&line.text);
        }
        out
    }

    /// True when every cell matched a glyph.
    pub fn is_complete(&self) -> bool {
        self.lines.iter().all(ExactLine::is_complete)
    }

    pub fn unknown_cells(&self) -> usize {
        self.lines.iter().map(|l| l.unknown.len()).sum()
    }
}

/// A charset prepared for fast lookups: build once per charset, read many printouts.
#[derive(Debug, Clone)]
pub struct GlyphIndex {
    /// Cell bits (as a u64) to an index into `glyphs`, and whether the cell is inverse video.
    map: HashMap<u64, (u16, bool), BuildHasherDefault<CellHasher>>,
    /// Each glyph with its text, computed once so reading a line does not allocate per cell.
    glyphs: Vec<(Glyph, String)>,
}

impl GlyphIndex {
    pub fn new(charset: &Charset) -> Self {
        let glyphs: Vec<(Glyph, String)> =
            charset.glyphs().map(|(g, _)| (g, g.to_text())).collect();
        let mut map: HashMap<u64, (u16, bool), BuildHasherDefault<CellHasher>> =
            HashMap::with_capacity_and_hasher(glyphs.len() * 2, Default::default());
        // Same tie-break as `Charset::match_cell`: the first glyph with a cell wins, and a
        // direct match always beats an inverse one.
        for (i, (_, cell)) in charset.glyphs().enumerate() {
            map.entry(key(&cell)).or_insert((i as u16, false));
        }
        for (i, (_, cell)) in charset.glyphs().enumerate() {
            map.entry(!key(&cell)).or_insert((i as u16, true));
        }
        GlyphIndex { map, glyphs }
    }

    /// What `cell` is, the same answer `Charset::match_cell` gives, then trying inverse video.
    pub fn match_cell(&self, cell: &Cell) -> CellMatch {
        match self.map.get(&key(cell)) {
            Some(&(i, false)) => CellMatch::Glyph(self.glyphs[i as usize].0),
            Some(&(i, true)) => CellMatch::Inverse(self.glyphs[i as usize].0),
            None => CellMatch::Unknown,
        }
    }

    /// Reads text line `line` of `printout`.
    pub fn read_line(&self, printout: &Printout, line: usize) -> ExactLine {
        let cells = line_cells(printout, line);
        let mut matches = [CellMatch::Unknown; COLUMNS];
        let mut texts: [&str; COLUMNS] = [""; COLUMNS];
        let mut len = 0;
        let mut unknown = Vec::new();
        for (col, cell) in cells.iter().enumerate() {
            let k = key(cell);
            let (m, text, trailing_ok) = match self.map.get(&k) {
                Some(&(i, inverse)) => {
                    let (glyph, text) = &self.glyphs[i as usize];
                    let m = if inverse {
                        CellMatch::Inverse(*glyph)
                    } else {
                        CellMatch::Glyph(*glyph)
                    };
                    // Blank paper and the space glyph are what trailing trimming removes.
                    let space = k == 0 || m == CellMatch::Glyph(Glyph::Char(b' '));
                    (m, text.as_str(), space)
                }
                None => {
                    unknown.push(col);
                    (CellMatch::Unknown, "?", false)
                }
            };
            matches[col] = m;
            texts[col] = text;
            if !trailing_ok {
                len = col + 1;
            }
        }
        let mut text = String::with_capacity(len + 8);
        for t in &texts[..len] {
            text.push_str(t);
        }
        ExactLine {
            text,
            unknown,
            cells: matches,
            len,
        }
    }

    /// Reads every text line of `printout`, dropping blank lines at the end.
    pub fn read(&self, printout: &Printout) -> ExactText {
        let mut lines: Vec<ExactLine> = (0..line_count(printout))
            .map(|line| self.read_line(printout, line))
            .collect();
        while lines.last().is_some_and(|l| l.len == 0) {
            lines.pop();
        }
        ExactText { lines }
    }
}

/// Reads `printout` by exact matching against `charset`. To read many printouts with one
/// charset, build a [`GlyphIndex`] once instead.
pub fn read_exact(printout: &Printout, charset: &Charset) -> ExactText {
    GlyphIndex::new(charset).read(printout)
}

/// The text of a line with some cells replaced: `replace(col)` gives the text for a cell, or
/// `None` to keep what exact matching read.
pub(crate) fn line_text_with(
    line: &ExactLine,
    mut replace: impl FnMut(usize) -> Option<char>,
) -> String {
    let mut text = String::new();
    for (col, cell) in line.cells[..line.len].iter().enumerate() {
        match (replace(col), cell.glyph()) {
            (Some(c), _) => text.push(c),
            (None, Some(g)) => text.push_str(&g.to_text()),
            (None, None) => text.push(UNKNOWN_CHAR),
        }
    }
    text
}

fn key(cell: &Cell) -> u64 {
    u64::from_be_bytes(*cell)
}

/// A multiply-shift hash: keys are 8 bytes of dots, SipHash would cost more than the lookup.
#[derive(Default, Clone, Copy)]
struct CellHasher(u64);

impl Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u64(&mut self, n: u64) {
        let h = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // Fold the well-mixed high bits down: hashbrown takes the bucket from the low bits.
        self.0 = h ^ (h >> 32);
    }
}
