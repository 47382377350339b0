//! Which glyph a Commodore printer prints for a PETSCII code, in its two character sets.
//!
//! Commodore printers (1525, MPS-801/803) start in upper case/graphics: 0x41-0x5A are capitals
//! and the shifted codes 0xC1-0xDA are graphics. CHR$(17) switches to lower/upper case, where
//! 0x41-0x5A are small letters and 0xC1-0xDA (and 0x61-0x7A, the same characters) capitals;
//! CHR$(145) switches back. Only a few graphics are drawn; the rest print [`MISSING`].

use super::font::MISSING;

/// The printer's character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    #[default]
    UpperGraphics,
    LowerUpper,
}

/// The text of the glyph printed for `code` in `set`, or `None` for a code that prints
/// nothing (controls 0x00-0x1F and 0x80-0x9F).
pub fn glyph_for(code: u8, set: Charset) -> Option<char> {
    let lower = set == Charset::LowerUpper;
    Some(match code {
        0x00..=0x1F | 0x80..=0x9F => return None,
        0x20..=0x40 => code as char,
        0x41..=0x5A if lower => (code + 0x20) as char,
        0x41..=0x5A => code as char,
        0x5B => '[',
        0x5C => '£',
        0x5D => ']',
        0x5E => '↑',
        0x5F => '←',
        // 0x60-0x7F print as 0xC0-0xDF; 0xE0-0xFE as 0xA0-0xBE.
        0x60..=0x7F => return glyph_for(code + 0x60, set),
        0xE0..=0xFE => return glyph_for(code - 0x40, set),
        0xA0 => ' ',
        0xA6 => '▒',
        0xC1..=0xDA if lower => (code - 0x80) as char,
        0xC0 | 0xC3 => '─',
        0xC2 | 0xDD => '│',
        0xDB => '┼',
        0xC1 => '♠',
        0xD3 => '♥',
        0xDA => '♦',
        0xD8 => '♣',
        0xD1 => '●',
        0xD7 => '○',
        0xDE | 0xFF if lower => '▒',
        0xDE | 0xFF => 'π',
        _ => MISSING,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::font::Font;

    #[test]
    fn letters_follow_the_charset() {
        assert_eq!(glyph_for(b'A', Charset::UpperGraphics), Some('A'));
        assert_eq!(glyph_for(b'A', Charset::LowerUpper), Some('a'));
        assert_eq!(glyph_for(0xC1, Charset::LowerUpper), Some('A'));
        assert_eq!(glyph_for(0x61, Charset::LowerUpper), Some('A'));
        assert_eq!(glyph_for(0xC1, Charset::UpperGraphics), Some('♠'));
        assert_eq!(glyph_for(0x61, Charset::UpperGraphics), Some('♠'));
        assert_eq!(glyph_for(0xFF, Charset::UpperGraphics), Some('π'));
        assert_eq!(glyph_for(0x5C, Charset::UpperGraphics), Some('£'));
        assert_eq!(glyph_for(0x0D, Charset::UpperGraphics), None);
        assert_eq!(glyph_for(0x91, Charset::LowerUpper), None);
    }

    #[test]
    fn every_printable_code_has_a_glyph_in_the_font() {
        let font = Font::petscii();
        for set in [Charset::UpperGraphics, Charset::LowerUpper] {
            for code in 0..=255u8 {
                if let Some(ch) = glyph_for(code, set) {
                    assert!(
                        font.cell(ch).is_some(),
                        "{code:#04x} in {set:?} prints {ch:?}"
                    );
                }
            }
        }
    }
}
