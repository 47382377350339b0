//! Tesseract on rendered printouts (needs libtesseract 5 and tesseract-ocr-eng).

mod common;

use common::Machine;
use retromesh_readback::corpus::{font8x8_legacy, render_cells, render_lines, SINCLAIR_48K_ROM};
use retromesh_readback::{
    read_exact, read_printout, LineSource, Ocr, OcrError, ReadError, ReadMode,
};
use retromesh_spectrum::charset::Cell;

fn ocr() -> Ocr {
    Ocr::new().expect("Tesseract with English language data")
}

fn foreign(s: &str) -> Vec<Cell> {
    s.chars().map(font8x8_legacy).collect()
}

#[test]
fn reads_simple_lines_in_font8x8() {
    let printout = render_lines(
        &["HELLO WORLD", "", "GAME OVER", "   PRESS ANY KEY", "", ""],
        &font8x8_legacy,
    );
    let lines = ocr().read_printout(&printout).unwrap();
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["HELLO WORLD", "", "GAME OVER", "   PRESS ANY KEY"]);
    for line in &lines {
        assert!(line.confidence > 80, "{line:?}");
    }
    // The blank line never went to Tesseract.
    assert_eq!(lines[1].confidence, 100);
    assert!(lines[1].words.is_empty());
    // Words carry their cell columns.
    let columns: Vec<(usize, usize)> = lines[3]
        .words
        .iter()
        .map(|w| (w.column, w.end_column))
        .collect();
    assert_eq!(columns, [(3, 8), (9, 12), (13, 16)]);
}

#[test]
fn ocr_mode_reads_every_line() {
    let printout = render_lines(&["LOAD GAME", "", "PROGRAM: GAME"], &font8x8_legacy);
    let mut ocr = ocr();
    let read = read_printout(&printout, None, ReadMode::Ocr, Some(&mut ocr)).unwrap();
    assert_eq!(read.text, "LOAD GAME\n\nPROGRAM: GAME");
    assert!(read.lines.iter().all(|l| l.source == LineSource::Ocr));
    assert!(read.min_confidence() > 80, "{read:?}");
}

#[test]
fn exact_then_ocr_splices_foreign_cells_only() {
    let m = Machine::new(SINCLAIR_48K_ROM);
    let hello: Vec<Cell> = [m.text("HELLO "), foreign("W"), m.text("ORLD")].concat();
    let keys: Vec<Cell> = [m.text("PRESS "), foreign("ANY"), m.text(" KEY")].concat();
    let plain = m.text("Line 3: all exact.");
    let printout = render_cells(&[&hello, &keys, &[], &plain]);

    let exact = read_exact(&printout, &m.charset);
    assert_eq!(
        exact.text(),
        "HELLO ?ORLD\nPRESS ??? KEY\n\nLine 3: all exact."
    );

    let mut ocr = ocr();
    let read = read_printout(
        &printout,
        Some(&m.charset),
        ReadMode::ExactThenOcr,
        Some(&mut ocr),
    )
    .unwrap();
    assert_eq!(
        read.text,
        "HELLO WORLD\nPRESS ANY KEY\n\nLine 3: all exact."
    );
    let sources: Vec<LineSource> = read.lines.iter().map(|l| l.source).collect();
    assert_eq!(
        sources,
        [
            LineSource::Mixed,
            LineSource::Mixed,
            LineSource::Exact,
            LineSource::Exact
        ]
    );
    assert!(read.lines[..2].iter().all(|l| l.unresolved.is_empty()));
    assert!(
        read.lines[..2].iter().all(|l| l.confidence > 50),
        "{read:?}"
    );
    assert_eq!(read.lines[3].confidence, 100);
}

#[test]
fn exact_then_ocr_falls_back_to_the_unknown_run() {
    // Tesseract 5.3 reads this whole line as "x = (@ +b)  #072": too short for the cells, so
    // only the foreign cell is read, on its own.
    let m = Machine::new(SINCLAIR_48K_ROM);
    let line: Vec<Cell> = [m.text("x = (a + b) * "), foreign("c"), m.text(" / 2")].concat();
    let printout = render_cells(&[&line]);
    let mut ocr = ocr();
    let read = read_printout(
        &printout,
        Some(&m.charset),
        ReadMode::ExactThenOcr,
        Some(&mut ocr),
    )
    .unwrap();
    assert_eq!(read.text, "x = (a + b) * c / 2");
    assert_eq!(read.lines[0].source, LineSource::Mixed);
    assert!(read.lines[0].unresolved.is_empty());
}

#[test]
fn a_run_of_cells_can_be_read_on_its_own() {
    let m = Machine::new(SINCLAIR_48K_ROM);
    let line: Vec<Cell> = [m.text("CODE "), foreign("XYZ"), m.text(" 42")].concat();
    let printout = render_cells(&[&line]);
    let read = ocr().read_cells(&printout, 0, 5..8).unwrap();
    assert_eq!(read.text, "XYZ");
    assert_eq!(read.words[0].column, 5);
}

#[test]
fn exact_then_ocr_needs_an_ocr_engine() {
    let m = Machine::new(SINCLAIR_48K_ROM);
    let printout = render_cells(&[&m.text("HI")]);
    let err = read_printout(&printout, Some(&m.charset), ReadMode::ExactThenOcr, None).unwrap_err();
    assert!(
        matches!(err, ReadError::MissingOcr(ReadMode::ExactThenOcr)),
        "{err}"
    );
}

#[test]
fn missing_language_data_is_reported_before_tesseract_starts() {
    let empty = tempfile::tempdir().unwrap();
    let err = Ocr::with_tessdata(empty.path()).unwrap_err();
    assert!(matches!(err, OcrError::MissingLanguageData { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "Tesseract language data 'eng' not found (looked in {}): install it with \
             `apt-get install tesseract-ocr-eng` or set TESSDATA_PREFIX",
            empty.path().display()
        )
    );
}
