//! The paper a printer produced: a 1-bit bitmap, 256 dots wide.

use std::path::Path;

use image::{GrayImage, Luma};

/// Dots across one printed row.
pub const DOTS_PER_ROW: usize = 256;
/// Bytes holding one printed row, 8 dots per byte, leftmost dot in bit 7.
pub const BYTES_PER_ROW: usize = DOTS_PER_ROW / 8;

/// One row of dots: bit 7 of byte 0 is the leftmost dot; a set bit is a burned (black) dot.
pub type DotRow = [u8; BYTES_PER_ROW];

/// Everything printed so far, top to bottom.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Printout {
    rows: Vec<DotRow>,
}

impl Printout {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_rows(rows: Vec<DotRow>) -> Self {
        Self { rows }
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

    /// Grows the paper to `height` rows (blank paper) if it is shorter.
    pub fn ensure_height(&mut self, height: usize) {
        if self.rows.len() < height {
            self.rows.resize(height, [0; BYTES_PER_ROW]);
        }
    }

    pub fn push_row(&mut self, row: DotRow) {
        self.rows.push(row);
    }

    pub fn dot(&self, x: usize, y: usize) -> bool {
        self.rows
            .get(y)
            .is_some_and(|row| row[x / 8] & (0x80 >> (x % 8)) != 0)
    }

    pub fn set_dot(&mut self, x: usize, y: usize) {
        self.ensure_height(y + 1);
        self.rows[y][x / 8] |= 0x80 >> (x % 8);
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

    /// Reads a printout back from a PNG written by [`Printout::save_png`] (or any 256-wide image:
    /// dark pixels are dots).
    pub fn from_image(image: &GrayImage) -> Result<Self, String> {
        if image.width() as usize != DOTS_PER_ROW {
            return Err(format!(
                "a printout is {DOTS_PER_ROW} dots wide, this image is {} pixels wide",
                image.width()
            ));
        }
        let mut printout = Printout::new();
        for y in 0..image.height() {
            let mut row = [0u8; BYTES_PER_ROW];
            for x in 0..DOTS_PER_ROW {
                if image.get_pixel(x as u32, y)[0] < 128 {
                    row[x / 8] |= 0x80 >> (x % 8);
                }
            }
            printout.push_row(row);
        }
        Ok(printout)
    }

    pub fn save_png(&self, path: &Path) -> Result<(), image::ImageError> {
        self.to_image()
            .save_with_format(path, image::ImageFormat::Png)
    }
}
