//! The paper a C64 printer produced: a 1-bit bitmap 80 cells (640 dots) wide.

use std::path::Path;

use image::{GrayImage, Luma};

use super::font::Cell;

/// Character cells across the paper (an MPS-803 prints 80 columns).
pub const COLUMNS: usize = 80;
/// Dots across one printed row.
pub const DOTS_PER_ROW: usize = COLUMNS * 8;

/// One row of dots: bit 7 of byte 0 is the leftmost dot; a set bit is a black dot.
pub type DotRow = [u8; COLUMNS];

/// Everything printed so far, top to bottom. Text line `n` is dot rows `8n..8n+8`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct C64Printout {
    rows: Vec<DotRow>,
}

impl C64Printout {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn rows(&self) -> &[DotRow] {
        &self.rows
    }

    pub fn height(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Grows the paper to `height` rows of blank paper if it is shorter.
    pub fn ensure_height(&mut self, height: usize) {
        if self.rows.len() < height {
            self.rows.resize(height, [0; COLUMNS]);
        }
    }

    pub fn dot(&self, x: usize, y: usize) -> bool {
        x < DOTS_PER_ROW
            && self
                .rows
                .get(y)
                .is_some_and(|row| row[x / 8] & (0x80 >> (x % 8)) != 0)
    }

    /// Inks `cell` into text line `line`, column `column` (over whatever is there).
    pub fn draw_cell(&mut self, line: usize, column: usize, cell: &Cell) {
        if column >= COLUMNS {
            return;
        }
        self.ensure_height((line + 1) * 8);
        for (r, bits) in cell.iter().enumerate() {
            self.rows[line * 8 + r][column] |= bits;
        }
    }

    /// Black dots on white paper, one pixel per dot.
    pub fn to_image(&self) -> GrayImage {
        let height = self.rows.len().max(1) as u32;
        GrayImage::from_fn(DOTS_PER_ROW as u32, height, |x, y| {
            Luma([if self.dot(x as usize, y as usize) {
                0
            } else {
                255
            }])
        })
    }

    /// Reads a printout back from an image [`C64Printout::save_png`] wrote (dark pixels are dots).
    pub fn from_image(image: &GrayImage) -> Result<Self, String> {
        if image.width() as usize != DOTS_PER_ROW {
            return Err(format!(
                "a C64 printout is {DOTS_PER_ROW} dots wide, this image is {} pixels wide",
                image.width()
            ));
        }
        let rows = (0..image.height())
            .map(|y| {
                std::array::from_fn(|byte| {
                    (0..8).fold(0u8, |acc, bit| {
                        let dark = image.get_pixel((byte * 8 + bit) as u32, y)[0] < 128;
                        acc | if dark { 0x80 >> bit } else { 0 }
                    })
                })
            })
            .collect();
        Ok(C64Printout { rows })
    }

    pub fn save_png(&self, path: &Path) -> Result<(), image::ImageError> {
        self.to_image()
            .save_with_format(path, image::ImageFormat::Png)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_land_on_their_line_and_column_and_survive_png() {
        let mut paper = C64Printout::new();
        paper.draw_cell(1, 79, &[0x80, 0, 0, 0, 0, 0, 0, 0x01]);
        assert_eq!(paper.height(), 16);
        assert!(paper.dot(632, 8) && paper.dot(639, 15) && !paper.dot(633, 8));
        let dir = std::env::temp_dir().join(format!("c64-page-{}.png", std::process::id()));
        paper.save_png(&dir).unwrap();
        let back = C64Printout::from_image(&image::open(&dir).unwrap().to_luma8()).unwrap();
        let _ = std::fs::remove_file(&dir);
        assert_eq!(back, paper);
        let narrow = GrayImage::new(256, 8);
        assert!(C64Printout::from_image(&narrow)
            .unwrap_err()
            .contains("640"));
    }
}
