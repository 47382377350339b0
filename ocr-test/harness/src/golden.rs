//! Golden PNGs: what the harness needs of a printout, whichever machine printed it.

use std::path::Path;

use image::GrayImage;
use retromesh_c64::printer::C64Printout;
use retromesh_spectrum::printer::Printout;

use crate::expect::Failure;

/// Paper that round-trips through a PNG, dot row by dot row.
pub trait GoldenPaper: PartialEq + Sized {
    type Row: PartialEq;
    fn dot_rows(&self) -> &[Self::Row];
    fn from_png(image: &GrayImage) -> Result<Self, String>;
    fn write_png(&self, path: &Path) -> std::io::Result<()>;
}

impl GoldenPaper for Printout {
    type Row = retromesh_spectrum::printer::DotRow;
    fn dot_rows(&self) -> &[Self::Row] {
        self.rows()
    }
    fn from_png(image: &GrayImage) -> Result<Self, String> {
        Printout::from_image(image)
    }
    fn write_png(&self, path: &Path) -> std::io::Result<()> {
        self.save_png(path).map_err(std::io::Error::other)
    }
}

impl GoldenPaper for C64Printout {
    type Row = retromesh_c64::printer::DotRow;
    fn dot_rows(&self) -> &[Self::Row] {
        self.rows()
    }
    fn from_png(image: &GrayImage) -> Result<Self, String> {
        C64Printout::from_image(image)
    }
    fn write_png(&self, path: &Path) -> std::io::Result<()> {
        self.save_png(path).map_err(std::io::Error::other)
    }
}

/// Compares `printout` with the golden PNG at `path`; the failure names the first dot row
/// that differs.
pub fn compare<P: GoldenPaper>(path: &Path, printout: &P) -> Option<Failure> {
    let golden = match image::open(path) {
        Ok(image) => image.to_luma8(),
        Err(e) => {
            return Some(Failure::new(format!(
                "golden PNG {} cannot be read ({e}): create it with `retromesh test --bless`",
                path.display()
            )))
        }
    };
    let golden = match P::from_png(&golden) {
        Ok(p) => p,
        Err(e) => return Some(Failure::new(format!("golden PNG {}: {e}", path.display()))),
    };
    if golden == *printout {
        return None;
    }
    let (expected, printed) = (golden.dot_rows(), printout.dot_rows());
    let first = (0..expected.len().max(printed.len()))
        .find(|&y| expected.get(y) != printed.get(y))
        .unwrap_or(0);
    Some(Failure::new(format!(
        "printout differs from golden PNG {} ({} rows expected, {} printed; first difference in dot row {first})",
        path.display(),
        expected.len(),
        printed.len()
    )))
}
