//! Exact glyph matching: every 8x8 cell is looked up in the font the program printed with.
//!
//! Glyphs are the Spectrum's [`Glyph`]s by default; any other machine's font can be indexed
//! with [`GlyphIndex::from_glyphs`], each glyph named by a value of its own type `G` (e.g. the
//! `char` it reads as) and the text it reads back as.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use retromesh_spectrum::charset::{Cell, Charset, Glyph};
use retromesh_spectrum::printer::Printout;

use crate::lines::{line_cells, line_count, CellPage};

/// Text written for a cell that matches no glyph.
pub const UNKNOWN_CHAR: char = '?';

/// What one cell of a line turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellMatch<G = Glyph> {
    /// Drawn exactly as the glyph.
    Glyph(G),
    /// Drawn as the glyph with every dot flipped (INVERSE 1, reverse field).
    Inverse(G),
    /// Matches no glyph, either way round.
    Unknown,
}

impl<G: Copy> CellMatch<G> {
    pub fn glyph(self) -> Option<G> {
        match self {
            CellMatch::Glyph(g) | CellMatch::Inverse(g) => Some(g),
            CellMatch::Unknown => None,
        }
    }
}

/// One text line read by exact matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactLine<G = Glyph> {
    /// The line's text, unknown cells as `?`, trailing spaces trimmed.
    pub text: String,
    /// Columns of the cells that matched no glyph, ascending.
    pub unknown: Vec<usize>,
    /// Every cell of the line (32 on a Spectrum printout), including the trimmed trailing ones.
    pub cells: Vec<CellMatch<G>>,
    /// Cells up to and including the last one that is not a space: `text` covers these.
    pub len: usize,
}

impl<G> ExactLine<G> {
    pub fn is_complete(&self) -> bool {
        self.unknown.is_empty()
    }
}

/// A printout read by exact matching: one entry per text line, trailing blank lines dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactText<G = Glyph> {
    pub lines: Vec<ExactLine<G>>,
}

impl<G> Default for ExactText<G> {
    fn default() -> Self {
        ExactText { lines: Vec::new() }
    }
}

impl<G> ExactText<G> {
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

/// A font prepared for fast lookups: build once per font, read many printouts.
#[derive(Debug, Clone)]
pub struct GlyphIndex<G = Glyph> {
    /// Cell bits (as a u64) to an index into `glyphs`, and whether the cell is inverse video.
    map: HashMap<u64, (u16, bool), BuildHasherDefault<CellHasher>>,
    /// Each glyph with its text, computed once so reading a line does not allocate per cell.
    glyphs: Vec<(G, String)>,
}

impl GlyphIndex<Glyph> {
    /// The Spectrum charset a program printed with: characters, block graphics, UDGs.
    pub fn new(charset: &Charset) -> Self {
        Self::from_glyphs(charset.glyphs().map(|(g, cell)| (g, g.to_text(), cell)))
    }
}

impl<G: Copy + PartialEq> GlyphIndex<G> {
    /// Any font: each glyph, the text it reads as, and its cell. When two glyphs share a cell
    /// the first wins, and a direct match always beats an inverse one.
    pub fn from_glyphs(glyphs: impl IntoIterator<Item = (G, String, Cell)>) -> Self {
        let glyphs: Vec<(G, String, Cell)> = glyphs.into_iter().collect();
        let mut map: HashMap<u64, (u16, bool), BuildHasherDefault<CellHasher>> =
            HashMap::with_capacity_and_hasher(glyphs.len() * 2, Default::default());
        for (i, (_, _, cell)) in glyphs.iter().enumerate() {
            map.entry(key(cell)).or_insert((i as u16, false));
        }
        for (i, (_, _, cell)) in glyphs.iter().enumerate() {
            map.entry(!key(cell)).or_insert((i as u16, true));
        }
        GlyphIndex {
            map,
            glyphs: glyphs.into_iter().map(|(g, text, _)| (g, text)).collect(),
        }
    }

    /// What `cell` is: a glyph drawn as is, else a glyph in inverse video.
    pub fn match_cell(&self, cell: &Cell) -> CellMatch<G> {
        match self.map.get(&key(cell)) {
            Some(&(i, false)) => CellMatch::Glyph(self.glyphs[i as usize].0),
            Some(&(i, true)) => CellMatch::Inverse(self.glyphs[i as usize].0),
            None => CellMatch::Unknown,
        }
    }

    /// The text `glyph` reads as.
    pub fn text_of(&self, glyph: G) -> Option<&str> {
        self.glyphs
            .iter()
            .find(|(g, _)| *g == glyph)
            .map(|(_, text)| text.as_str())
    }

    /// Reads text line `line` of `page`.
    pub fn read_line<P: CellPage + ?Sized>(&self, page: &P, line: usize) -> ExactLine<G> {
        let cells = line_cells(page, line);
        let mut matches = Vec::with_capacity(cells.len());
        let mut texts: Vec<&str> = Vec::with_capacity(cells.len());
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
                    let space = k == 0 || (!inverse && text == " ");
                    (m, text.as_str(), space)
                }
                None => {
                    unknown.push(col);
                    (CellMatch::Unknown, "?", false)
                }
            };
            matches.push(m);
            texts.push(text);
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

    /// Reads every text line of `page`, dropping blank lines at the end.
    pub fn read<P: CellPage + ?Sized>(&self, page: &P) -> ExactText<G> {
        let mut lines: Vec<ExactLine<G>> = (0..line_count(page))
            .map(|line| self.read_line(page, line))
            .collect();
        while lines.last().is_some_and(|l| l.len == 0) {
            lines.pop();
        }
        ExactText { lines }
    }

    /// The text of a line with some cells replaced: `replace(col)` gives the text for a cell,
    /// or `None` to keep what exact matching read.
    pub(crate) fn line_text_with(
        &self,
        line: &ExactLine<G>,
        mut replace: impl FnMut(usize) -> Option<char>,
    ) -> String {
        let mut text = String::new();
        for (col, cell) in line.cells[..line.len].iter().enumerate() {
            match (replace(col), cell.glyph().and_then(|g| self.text_of(g))) {
                (Some(c), _) => text.push(c),
                (None, Some(t)) => text.push_str(t),
                (None, None) => text.push(UNKNOWN_CHAR),
            }
        }
        text
    }
}

/// Reads `printout` by exact matching against `charset`. To read many printouts with one
/// charset, build a [`GlyphIndex`] once instead.
pub fn read_exact(printout: &Printout, charset: &Charset) -> ExactText {
    GlyphIndex::new(charset).read(printout)
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
