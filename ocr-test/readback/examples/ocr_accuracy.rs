//! Prints OCR accuracy and speed on the corpus, per font.
//!
//! cargo run --release -p retromesh-readback --example ocr_accuracy [-- --misses]

use retromesh_readback::corpus::{self, CorpusFont};
use retromesh_readback::Ocr;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let show_misses = std::env::args().any(|a| a == "--misses");
    let mut ocr = Ocr::new()?;
    println!("tessdata: {}", ocr.tessdata_dir().display());
    println!(
        "{:<22} {:>11} {:>14} {:>15}",
        "font", "lines exact", "char accuracy", "median ms/line"
    );
    for font in CorpusFont::ALL {
        let glyph = font.load()?;
        let acc = corpus::measure(&mut ocr, &*glyph)?;
        println!(
            "{:<22} {:>6}/{:<4} {:>13.1}% {:>15.1}",
            font.name(),
            acc.exact_lines,
            acc.lines,
            acc.char_accuracy * 100.0,
            acc.median_line_time().as_secs_f64() * 1000.0
        );
        if show_misses {
            for miss in &acc.misses {
                println!("    want {:?}\n    got  {:?}", miss.expected, miss.got);
            }
        }
    }
    Ok(())
}
