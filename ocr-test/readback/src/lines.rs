//! Cutting a printout into text lines of 8 dot rows, each 32 cells of 8x8 dots.
//!
//! Lines are top-aligned: dot row 0 is the first row of line 0. A last partial line reads as if
//! the paper went on blank.

use retromesh_spectrum::charset::Cell;
use retromesh_spectrum::printer::{DotRow, Printout, BYTES_PER_ROW};

/// Dot rows (and dot columns) in one character cell.
pub const CELL_SIZE: usize = 8;
/// Character cells across one text line.
pub const COLUMNS: usize = BYTES_PER_ROW;

/// Text lines in `printout`, counting a last partial line.
pub fn line_count(printout: &Printout) -> usize {
    printout.height().div_ceil(CELL_SIZE)
}

/// The 8 dot rows of text line `line`, blank past the end of the paper.
pub fn line_band(printout: &Printout, line: usize) -> [DotRow; CELL_SIZE] {
    let rows = printout.rows();
    std::array::from_fn(|r| {
        rows.get(line * CELL_SIZE + r)
            .copied()
            .unwrap_or([0; BYTES_PER_ROW])
    })
}

/// The 32 cells of text line `line`, left to right.
pub fn line_cells(printout: &Printout, line: usize) -> [Cell; COLUMNS] {
    let band = line_band(printout, line);
    std::array::from_fn(|col| std::array::from_fn(|r| band[r][col]))
}

/// True when nothing is printed on text line `line`.
pub fn is_blank_line(printout: &Printout, line: usize) -> bool {
    line_band(printout, line)
        .iter()
        .all(|row| row.iter().all(|&b| b == 0))
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
        assert_eq!(cells[1], [0x40, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(cells[0], [0; 8]);
    }

    #[test]
    fn empty_printout_has_no_lines() {
        assert_eq!(line_count(&Printout::new()), 0);
    }
}
