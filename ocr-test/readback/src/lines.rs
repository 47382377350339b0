//! Cutting a page into text lines of 8 dot rows, each a row of 8x8 cells.
//!
//! Lines are top-aligned: dot row 0 is the first row of line 0. A last partial line reads as if
//! the paper went on blank. A page is anything that is [`CellPage`]: the Spectrum's 256-dot
//! `Printout` (32 cells a line) or a wider one such as a C64 printer's 80 columns.

use retromesh_spectrum::charset::Cell;
use retromesh_spectrum::printer::{Printout, BYTES_PER_ROW};

/// Dot rows (and dot columns) in one character cell.
pub const CELL_SIZE: usize = 8;
/// Character cells across one text line of a Spectrum printout.
pub const COLUMNS: usize = BYTES_PER_ROW;

/// A 1-bit page of dot rows, 8 dots a byte (bit 7 leftmost, a set bit is ink), text in 8x8
/// cells: one byte of a row is one cell's row.
pub trait CellPage {
    /// Cells across one text line (bytes in one dot row).
    fn columns(&self) -> usize;
    /// Dot rows on the page.
    fn height(&self) -> usize;
    /// Dot row `y`, `columns()` bytes long; `None` past the end of the paper.
    fn row(&self, y: usize) -> Option<&[u8]>;
}

impl CellPage for Printout {
    fn columns(&self) -> usize {
        COLUMNS
    }

    fn height(&self) -> usize {
        Printout::height(self)
    }

    fn row(&self, y: usize) -> Option<&[u8]> {
        self.rows().get(y).map(|r| &r[..])
    }
}

/// Text lines in `page`, counting a last partial line.
pub fn line_count<P: CellPage + ?Sized>(page: &P) -> usize {
    page.height().div_ceil(CELL_SIZE)
}

/// The 8 dot rows of text line `line`, blank past the end of the paper.
pub fn line_band<P: CellPage + ?Sized>(page: &P, line: usize) -> [Vec<u8>; CELL_SIZE] {
    std::array::from_fn(|r| {
        page.row(line * CELL_SIZE + r)
            .map_or_else(|| vec![0; page.columns()], <[u8]>::to_vec)
    })
}

/// The cells of text line `line`, left to right.
pub fn line_cells<P: CellPage + ?Sized>(page: &P, line: usize) -> Vec<Cell> {
    let rows: [Option<&[u8]>; CELL_SIZE] = std::array::from_fn(|r| page.row(line * CELL_SIZE + r));
    (0..page.columns())
        .map(|col| std::array::from_fn(|r| rows[r].map_or(0, |row| row[col])))
        .collect()
}

/// True when nothing is printed on text line `line`.
pub fn is_blank_line<P: CellPage + ?Sized>(page: &P, line: usize) -> bool {
    (0..CELL_SIZE).all(|r| {
        page.row(line * CELL_SIZE + r)
            .is_none_or(|row| row.iter().all(|&b| b == 0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_last_line_is_padded_blank() {
        let mut printout = Printout::new();
        for _ in 0..9 {
            printout.push_row([0; BYTES_PER_ROW]);
        }
        printout.set_dot(9, 8); // Line 1, cell 1, top row, second dot from the left.
        assert_eq!(line_count(&printout), 2);
        assert!(is_blank_line(&printout, 0));
        assert!(!is_blank_line(&printout, 1));
        let cells = line_cells(&printout, 1);
        assert_eq!(cells.len(), COLUMNS);
        assert_eq!(cells[1], [0x40, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(cells[0], [0; 8]);
        assert_eq!(line_band(&printout, 1)[0][1], 0x40);
        assert_eq!(line_band(&printout, 1)[1], vec![0; COLUMNS]);
    }

    #[test]
    fn empty_printout_has_no_lines() {
        assert_eq!(line_count(&Printout::new()), 0);
    }

    /// A page 80 cells wide, as a C64 printer's.
    struct Wide(Vec<Vec<u8>>);

    impl CellPage for Wide {
        fn columns(&self) -> usize {
            80
        }
        fn height(&self) -> usize {
            self.0.len()
        }
        fn row(&self, y: usize) -> Option<&[u8]> {
            self.0.get(y).map(Vec::as_slice)
        }
    }

    #[test]
    fn wider_pages_have_as_many_cells_as_columns() {
        let mut rows = vec![vec![0u8; 80]; 8];
        rows[3][79] = 0x18;
        let page = Wide(rows);
        let cells = line_cells(&page, 0);
        assert_eq!(cells.len(), 80);
        assert_eq!(cells[79], [0, 0, 0, 0x18, 0, 0, 0, 0]);
        assert!(!is_blank_line(&page, 0) && is_blank_line(&page, 1));
    }
}
