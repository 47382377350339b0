//! The character set a program really prints with: the font at CHARS, the UDGs at UDG, and the
//! block graphics the ROM builds on the fly.

/// One 8x8 cell, top row first, bit 7 leftmost.
pub type Cell = [u8; 8];

/// What an 8x8 cell is, when it is something the machine can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Glyph {
    /// A printable character code 0x20..=0x7F.
    Char(u8),
    /// Block graphic 0x80..=0x8F.
    Block(u8),
    /// User-defined graphic, 0 for A (code 0x90) up to 20 for U (code 0xA4).
    Udg(u8),
}

impl Glyph {
    /// The text the harness reports for this glyph, in zmakebas notation for graphics.
    pub fn to_text(self) -> String {
        match self {
            Glyph::Char(0x60) => "£".into(),
            Glyph::Char(0x7F) => "©".into(),
            // Doubled, as zmakebas writes it, so it cannot be read as the start of an escape.
            Glyph::Char(b'\\') => "\\\\".into(),
            Glyph::Char(c) => (c as char).to_string(),
            Glyph::Block(code) => block_escape(code),
            Glyph::Udg(n) => format!("\\{}", (b'a' + n) as char),
        }
    }
}

/// zmakebas writes block graphic 0x80+n as `\` and two characters, left column then right
/// column, each one of ` ` (empty), `'` (top), `.` (bottom), `:` (both).
fn block_escape(code: u8) -> String {
    let quarter = |top: bool, bottom: bool| match (top, bottom) {
        (false, false) => ' ',
        (true, false) => '\'',
        (false, true) => '.',
        (true, true) => ':',
    };
    let n = code & 0x0F;
    // Bit 0: top right, bit 1: top left, bit 2: bottom right, bit 3: bottom left.
    let left = quarter(n & 2 != 0, n & 8 != 0);
    let right = quarter(n & 1 != 0, n & 4 != 0);
    format!("\\{left}{right}")
}

/// The cell the ROM draws for block graphic `code` (0x80..=0x8F).
pub fn block_cell(code: u8) -> Cell {
    let n = code & 0x0F;
    let half =
        |left: bool, right: bool| (if left { 0xF0 } else { 0 }) | (if right { 0x0F } else { 0 });
    let top = half(n & 2 != 0, n & 1 != 0);
    let bottom = half(n & 8 != 0, n & 4 != 0);
    [top, top, top, top, bottom, bottom, bottom, bottom]
}

/// The glyphs in use: 96 characters from CHARS+256, 21 UDGs, 16 block graphics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charset {
    pub chars: [Cell; 96],
    pub udgs: [Cell; 21],
}

impl Charset {
    /// Reads the charset the way the ROM does: CHARS (0x5C36) points 256 bytes below the
    /// space character, UDG (0x5C7B) at graphic A.
    pub fn from_memory(peek: impl Fn(u16) -> u8) -> Self {
        let word = |addr: u16| u16::from_le_bytes([peek(addr), peek(addr + 1)]);
        let chars_base = word(0x5C36).wrapping_add(256);
        let udg_base = word(0x5C7B);
        let cell_at = |base: u16, index: usize| -> Cell {
            std::array::from_fn(|row| peek(base.wrapping_add((index * 8 + row) as u16)))
        };
        Charset {
            chars: std::array::from_fn(|i| cell_at(chars_base, i)),
            udgs: std::array::from_fn(|i| cell_at(udg_base, i)),
        }
    }

    /// Every glyph with its cell, in the order ties are broken: characters, blocks, UDGs.
    pub fn glyphs(&self) -> impl Iterator<Item = (Glyph, Cell)> + '_ {
        let chars = self
            .chars
            .iter()
            .enumerate()
            .map(|(i, cell)| (Glyph::Char(0x20 + i as u8), *cell));
        let blocks = (0x80..=0x8Fu8).map(|code| (Glyph::Block(code), block_cell(code)));
        let udgs = self
            .udgs
            .iter()
            .enumerate()
            .map(|(i, cell)| (Glyph::Udg(i as u8), *cell));
        chars.chain(blocks).chain(udgs)
    }

    /// The glyph drawn exactly as `cell`, if any. A blank cell is a space.
    pub fn match_cell(&self, cell: &Cell) -> Option<Glyph> {
        self.glyphs().find(|(_, c)| c == cell).map(|(g, _)| g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_graphics_use_zmakebas_escapes() {
        assert_eq!(Glyph::Block(0x80).to_text(), "\\  ");
        assert_eq!(Glyph::Block(0x8F).to_text(), "\\::");
        assert_eq!(Glyph::Block(0x81).to_text(), "\\ '");
        assert_eq!(Glyph::Block(0x82).to_text(), "\\' ");
        assert_eq!(Glyph::Block(0x8C).to_text(), "\\..");
        assert_eq!(Glyph::Udg(0).to_text(), "\\a");
        assert_eq!(Glyph::Udg(20).to_text(), "\\u");
        assert_eq!(Glyph::Char(b'\\').to_text(), "\\\\");
    }

    #[test]
    fn block_cells_fill_the_right_quarters() {
        assert_eq!(block_cell(0x81), [0x0F, 0x0F, 0x0F, 0x0F, 0, 0, 0, 0]);
        assert_eq!(block_cell(0x88), [0, 0, 0, 0, 0xF0, 0xF0, 0xF0, 0xF0]);
        assert_eq!(block_cell(0x8F), [0xFF; 8]);
    }
}
