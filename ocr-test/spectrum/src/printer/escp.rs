//! The part of Epson ESC/P that Spectrum software sends to a serial printer: text, line
//! spacing, and 8-pin bit-image graphics (the 128K's COPY dumps the screen with `ESC L`).
//!
//! Graphics are rendered onto a [`Printout`] so that a screen dump can be looked at and read
//! back like a ZX Printer's paper; everything else stays text.

use super::{Printout, DOTS_PER_ROW};

const ESC: u8 = 0x1B;

/// A serial printer's output, split into its text and its graphics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EscPOutput {
    /// The bytes that were text (commands and graphics data removed).
    pub text: Vec<u8>,
    /// Bit-image bands, 8 dot rows each, scaled to 256 dots across.
    pub graphics: Printout,
}

/// Splits a byte stream into text and graphics.
pub fn interpret(bytes: &[u8]) -> EscPOutput {
    let mut out = split(bytes);
    out.graphics = undouble_rows(out.graphics);
    out
}

/// Screen dumps print every pixel row twice to get the aspect right (the 128K's COPY does);
/// when every pair of rows is the same, keep one of each so the cells are 8x8 again.
fn undouble_rows(paper: Printout) -> Printout {
    let rows = paper.rows();
    let doubled = !rows.is_empty()
        && rows.len().is_multiple_of(2)
        && rows.chunks(2).all(|pair| pair[0] == pair[1]);
    if !doubled {
        return paper;
    }
    Printout::from_rows(rows.iter().step_by(2).copied().collect())
}

fn split(bytes: &[u8]) -> EscPOutput {
    let mut out = EscPOutput::default();
    let mut band = 0usize;
    let mut band_used = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if b != ESC {
            if (b == 0x0D || b == 0x0A) && band_used {
                // The line end after a band moves the paper one band down.
                band += 1;
                band_used = false;
                if b == 0x0D && bytes.get(i) == Some(&0x0A) {
                    i += 1;
                }
                continue;
            }
            out.text.push(b);
            continue;
        }
        let Some(&command) = bytes.get(i) else { break };
        i += 1;
        let params = match command {
            b'K' | b'L' | b'Y' | b'Z' => 2,
            b'*' => 3,
            b'3' | b'A' | b'J' | b'Q' | b'l' | b'N' | b'!' | b'-' => 1,
            _ => 0,
        };
        let Some(args) = bytes.get(i..i + params) else {
            break;
        };
        i += params;
        let columns = match command {
            b'K' | b'L' | b'Y' | b'Z' => usize::from(args[0]) | usize::from(args[1]) << 8,
            b'*' => usize::from(args[1]) | usize::from(args[2]) << 8,
            _ => continue,
        };
        let end = (i + columns).min(bytes.len());
        draw_band(&mut out.graphics, band, &bytes[i..end]);
        band_used = true;
        i = end;
    }
    out
}

/// Draws one band: each byte is a column of 8 dots, bit 7 at the top. Dumps wider than the
/// paper are scaled down by a whole factor (the 128K prints each screen pixel 3 columns wide).
fn draw_band(paper: &mut Printout, band: usize, columns: &[u8]) {
    let scale = (columns.len() / DOTS_PER_ROW).max(1);
    paper.ensure_height((band + 1) * 8);
    for (x, column) in columns.iter().step_by(scale).take(DOTS_PER_ROW).enumerate() {
        for row in 0..8 {
            if column & (0x80 >> row) != 0 {
                paper.set_dot(x, band * 8 + row);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_passes_through_and_commands_are_removed() {
        let out = interpret(b"\x1b@HELLO\x1b3\x18\rWORLD\r");
        assert_eq!(out.text, b"HELLO\rWORLD\r");
        assert!(out.graphics.is_empty());
    }

    #[test]
    fn bit_image_bands_land_on_the_paper_scaled_to_256() {
        let mut bytes = b"\x1b1\x1bL\x00\x03".to_vec();
        // Screen pixel x is 3 columns; make pixel 0 a full column and pixel 2 its top dot only.
        let mut band = vec![0u8; 768];
        band[0..3].fill(0xFF);
        band[6..9].fill(0x80);
        bytes.extend(&band);
        bytes.extend(b"\r\n\x1bL\x00\x01");
        bytes.extend([0x01; 256]);
        bytes.push(b'\r');
        let out = interpret(&bytes);
        assert!(out.text.is_empty(), "{:?}", out.text);
        let paper = split(&bytes).graphics;
        assert_eq!(paper.height(), 16);
        assert!((0..8).all(|y| paper.dot(0, y)));
        assert!(!paper.dot(1, 0));
        assert!(paper.dot(2, 0) && !paper.dot(2, 1));
        assert!((0..256).all(|x| paper.dot(x, 15) && !paper.dot(x, 14)));
    }

    #[test]
    fn doubled_rows_are_undoubled() {
        let mut bytes = Vec::new();
        for _ in 0..2 {
            bytes.extend(b"\x1bK\x00\x01");
            bytes.extend((0..=255u8).map(|x| if x % 2 == 0 { 0b1100_0011 } else { 0b0011_0000 }));
            bytes.push(b'\r');
        }
        let paper = interpret(&bytes).graphics;
        assert_eq!(paper.height(), 8);
        assert!(paper.dot(0, 0) && !paper.dot(0, 1) && paper.dot(0, 3));
        assert!(paper.dot(1, 1) && !paper.dot(1, 0));
        // Not every pair alike: left as printed.
        bytes[4] = 0x80;
        assert_eq!(interpret(&bytes).graphics.height(), 16);
    }

    #[test]
    fn a_truncated_command_is_not_a_panic() {
        for cut in 0..8 {
            let _ = interpret(&b"\x1bL\x10\x00abc"[..cut]);
        }
    }
}
