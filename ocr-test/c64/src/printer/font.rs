//! The PETSCII-style printer font, parsed from `font.txt` (ASCII art, our own drawing).

use std::sync::OnceLock;

/// One 8x8 cell, top row first, bit 7 leftmost.
pub type Cell = [u8; 8];

/// Glyphs by the text they read back as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Font {
    glyphs: Vec<(char, Cell)>,
}

/// The text of the glyph printed for codes the font has no picture for.
pub const MISSING: char = '\u{FFFD}';

const SOURCE: &str = include_str!("font.txt");

impl Font {
    /// The font every virtual C64 printer prints with.
    pub fn petscii() -> &'static Font {
        static FONT: OnceLock<Font> = OnceLock::new();
        FONT.get_or_init(|| Font::parse(SOURCE).expect("font.txt is well formed"))
    }

    /// Parses the `font.txt` format: `= X` then 8 rows of `#` and `.`; `#` lines outside
    /// glyphs are comments.
    pub fn parse(text: &str) -> Result<Font, String> {
        let mut glyphs = Vec::new();
        let mut lines = text.lines().enumerate().peekable();
        while let Some((n, line)) = lines.next() {
            let Some(name) = line.strip_prefix("= ") else {
                if line.is_empty() || line.starts_with("# ") || line == "#" {
                    continue;
                }
                return Err(format!("line {}: expected `= X`, found {line:?}", n + 1));
            };
            let mut chars = name.chars();
            let (Some(ch), None) = (chars.next(), chars.next()) else {
                return Err(format!("line {}: a glyph reads as one character", n + 1));
            };
            let mut cell = [0u8; 8];
            for row in cell.iter_mut() {
                let Some((m, dots)) = lines.next() else {
                    return Err(format!("glyph {ch:?}: fewer than 8 rows"));
                };
                if dots.len() != 8 || !dots.chars().all(|c| c == '#' || c == '.') {
                    return Err(format!("line {}: a row is 8 of `#` or `.`", m + 1));
                }
                *row = dots.chars().fold(0, |acc, c| acc << 1 | u8::from(c == '#'));
            }
            if glyphs.iter().any(|(c, _)| *c == ch) {
                return Err(format!("glyph {ch:?} drawn twice"));
            }
            glyphs.push((ch, cell));
        }
        Ok(Font { glyphs })
    }

    /// Every glyph with the text it reads as, in file order.
    pub fn glyphs(&self) -> impl Iterator<Item = (char, Cell)> + '_ {
        self.glyphs.iter().copied()
    }

    /// The cell for `ch`, if the font draws it.
    pub fn cell(&self, ch: char) -> Option<Cell> {
        self.glyphs
            .iter()
            .find(|(c, _)| *c == ch)
            .map(|(_, cell)| *cell)
    }

    /// The same font with every dot also inked one column to its right (3-dot strokes), the
    /// way a printer's emphasized mode looks: a font exact matching does not know.
    pub fn bold(&self) -> Font {
        Font {
            glyphs: self
                .glyphs
                .iter()
                .map(|(c, cell)| (*c, cell.map(|row| row | row >> 1)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_glyph_is_distinct_and_not_the_inverse_of_another() {
        let font = Font::petscii();
        let cells: Vec<(char, Cell)> = font.glyphs().collect();
        assert!(cells.len() > 90, "{} glyphs", cells.len());
        for (i, (a, ca)) in cells.iter().enumerate() {
            for (b, cb) in &cells[i + 1..] {
                assert_ne!(ca, cb, "{a:?} and {b:?} are drawn the same");
                assert_ne!(ca.map(|r| !r), *cb, "{a:?} is {b:?} inverted");
            }
        }
    }

    #[test]
    fn letters_digits_and_graphics_are_drawn() {
        let font = Font::petscii();
        for ch in ('A'..='Z').chain('a'..='z').chain('0'..='9') {
            assert!(font.cell(ch).is_some_and(|c| c != [0; 8]), "{ch:?}");
        }
        for ch in "£↑←π─│┼♠♥♦♣●○▒ !\"#$%&'()*+,-./:;<=>?@[]".chars() {
            assert!(font.cell(ch).is_some(), "{ch:?}");
        }
        assert_eq!(font.cell(' '), Some([0; 8]));
        assert!(font.cell('`').is_none() && font.cell('~').is_none());
    }

    #[test]
    fn vertical_strokes_are_two_dots_wide() {
        // The C64 look: no letter has a lone dot in a row where a vertical stroke runs.
        let font = Font::petscii();
        let h = font.cell('H').unwrap();
        assert_eq!(h[0], 0b1100_1100);
        let bold = font.bold().cell('H').unwrap();
        assert_eq!(bold[0], 0b1110_1110);
    }

    #[test]
    fn malformed_font_text_is_refused_with_the_line() {
        assert!(Font::parse("= A\n........\n")
            .unwrap_err()
            .contains("fewer than 8"));
        assert!(Font::parse("= AB\n").unwrap_err().contains("line 1"));
        assert!(Font::parse(
            "= A\n....#...\n........\n........\n........\n........\n........\n........\nxx\n"
        )
        .unwrap_err()
        .contains("line 9"));
    }
}
