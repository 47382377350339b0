//! Printout to text.
//!
//! A ZX Printer printout is 256 dots wide; text on it sits in 8x8 cells, 32 to a line. Other
//! machines' paper (a C64 printer's 80 columns) is read the same way through [`CellPage`], a
//! 1-bit page of 8x8 cells of any width. Two readers turn it back into text:
//!
//! * [`exact`]: every cell is looked up in the charset the program printed with (read from the
//!   machine's memory). Exact, and a few microseconds per line; cells in any other font come
//!   out as `?`.
//! * [`ocr`]: Tesseract, one line at a time, for text printed in a font we do not have.
//!
//! [`read_printout`] (and [`read_page`] for any [`CellPage`] and font) picks between them per
//! [`ReadMode`]; [`ReadMode::ExactThenOcr`] uses OCR
//! only for the cells exact matching could not read. [`corpus`] measures OCR accuracy on
//! fonts other than the Sinclair ROM's.

pub mod corpus;
pub mod exact;
pub mod lines;
pub mod ocr;

use std::ops::Range;

use retromesh_spectrum::charset::Charset;
use retromesh_spectrum::printer::Printout;

pub use exact::{read_exact, CellMatch, ExactLine, ExactText, GlyphIndex};
pub use lines::CellPage;
pub use ocr::{Ocr, OcrError, OcrLine, OcrWord};

/// How [`read_printout`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadMode {
    /// Exact glyph matching only; unknown cells read as `?`.
    Exact,
    /// Tesseract for every line.
    Ocr,
    /// Exact matching, then OCR for the lines that have unknown cells, splicing OCR characters
    /// into the unknown cells only.
    ExactThenOcr,
}

/// Where a line's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineSource {
    Exact,
    Ocr,
    /// Exact matching with OCR characters in some cells.
    Mixed,
}

/// One text line read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadLine {
    pub text: String,
    pub source: LineSource,
    /// 0-100. Exact cells count as 100; OCR lines carry Tesseract's mean confidence; a line
    /// still holding `?` cells is capped at the share of its cells that were read.
    pub confidence: u8,
    /// Columns still shown as `?` (exact and mixed lines only).
    pub unresolved: Vec<usize>,
}

/// A printout read back: one entry per text line, trailing blank lines dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadResult {
    /// The lines joined with `\n`.
    pub text: String,
    pub lines: Vec<ReadLine>,
}

impl ReadResult {
    fn from_lines(lines: Vec<ReadLine>) -> Self {
        let text = lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        ReadResult { text, lines }
    }

    /// The lowest line confidence (100 for an empty printout).
    pub fn min_confidence(&self) -> u8 {
        self.lines.iter().map(|l| l.confidence).min().unwrap_or(100)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("reading mode {0:?} needs the charset the program printed with")]
    MissingCharset(ReadMode),
    #[error("reading mode {0:?} needs an OCR engine (retromesh_readback::Ocr)")]
    MissingOcr(ReadMode),
    #[error(transparent)]
    Ocr(#[from] OcrError),
}

/// Reads `printout` back as text. `charset` is needed for `Exact` and `ExactThenOcr`, `ocr`
/// for `Ocr` and `ExactThenOcr` (even if every cell turns out to match, so a missing OCR
/// setup fails every run, not just the ones that happen to need it).
pub fn read_printout(
    printout: &Printout,
    charset: Option<&Charset>,
    mode: ReadMode,
    ocr: Option<&mut Ocr>,
) -> Result<ReadResult, ReadError> {
    let index = charset.map(GlyphIndex::new);
    read_printout_with(printout, index.as_ref(), mode, ocr)
}

/// [`read_printout`] with a [`GlyphIndex`] built once for many printouts.
pub fn read_printout_with(
    printout: &Printout,
    index: Option<&GlyphIndex>,
    mode: ReadMode,
    ocr: Option<&mut Ocr>,
) -> Result<ReadResult, ReadError> {
    read_page(printout, index, mode, ocr)
}

/// Reads any page of 8x8 cells (e.g. a C64 printout, 80 columns) against any indexed font, as
/// [`read_printout`] does for the Spectrum's.
pub fn read_page<P: CellPage + ?Sized, G: Copy + PartialEq>(
    page: &P,
    index: Option<&GlyphIndex<G>>,
    mode: ReadMode,
    ocr: Option<&mut Ocr>,
) -> Result<ReadResult, ReadError> {
    let need_index = || index.ok_or(ReadError::MissingCharset(mode));
    match mode {
        ReadMode::Exact => {
            let exact = need_index()?.read(page);
            Ok(ReadResult::from_lines(
                exact.lines.into_iter().map(exact_line).collect(),
            ))
        }
        ReadMode::Ocr => {
            let ocr = ocr.ok_or(ReadError::MissingOcr(mode))?;
            let lines = ocr
                .read_printout(page)?
                .into_iter()
                .map(|l| ReadLine {
                    text: l.text,
                    source: LineSource::Ocr,
                    confidence: l.confidence,
                    unresolved: Vec::new(),
                })
                .collect();
            Ok(ReadResult::from_lines(lines))
        }
        ReadMode::ExactThenOcr => {
            let index = need_index()?;
            let ocr = ocr.ok_or(ReadError::MissingOcr(mode))?;
            let exact = index.read(page);
            let mut lines = Vec::with_capacity(exact.lines.len());
            for (n, line) in exact.lines.into_iter().enumerate() {
                lines.push(if line.is_complete() {
                    exact_line(line)
                } else {
                    splice_ocr(ocr, index, page, n, &line)?
                });
            }
            Ok(ReadResult::from_lines(lines))
        }
    }
}

fn exact_line<G>(line: ExactLine<G>) -> ReadLine {
    let confidence = known_share(line.len, line.unknown.len());
    ReadLine {
        text: line.text,
        source: LineSource::Exact,
        confidence,
        unresolved: line.unknown,
    }
}

/// Percentage of `len` cells that are not unresolved.
fn known_share(len: usize, unresolved: usize) -> u8 {
    (100 * (len - unresolved)).checked_div(len).unwrap_or(100) as u8
}

/// OCR for the unknown cells of `line` (text line `n`): first the whole line, used if its
/// words laid out on the cell grid cover exactly the line's cells; else each run of unknown
/// cells on its own.
fn splice_ocr<P: CellPage + ?Sized, G: Copy + PartialEq>(
    ocr: &mut Ocr,
    index: &GlyphIndex<G>,
    page: &P,
    n: usize,
    line: &ExactLine<G>,
) -> Result<ReadLine, OcrError> {
    let whole = ocr.read_line(page, n)?;
    let chars: Vec<char> = whole.text.chars().collect();
    let fits = chars.len() == line.len && line.unknown.iter().all(|&c| !chars[c].is_whitespace());
    if fits {
        tracing::debug!(line = n, ocr = %whole.text, "OCR line fits the cell grid");
        return Ok(ReadLine {
            text: index.line_text_with(line, |col| line.unknown.contains(&col).then(|| chars[col])),
            source: LineSource::Mixed,
            confidence: whole.confidence,
            unresolved: Vec::new(),
        });
    }

    tracing::debug!(line = n, ocr = %whole.text, cells = line.len, "OCR line does not fit, reading runs");
    let mut spliced: Vec<(usize, char)> = Vec::new();
    let mut unresolved = Vec::new();
    let mut confidence = 100u8;
    for run in runs(&line.unknown) {
        let read = ocr.read_cells(page, n, run.clone())?;
        // The run has no blank cells, so any space Tesseract reports is spurious.
        let text: Vec<char> = read.text.chars().filter(|c| !c.is_whitespace()).collect();
        if text.len() == run.len() {
            spliced.extend(run.zip(text));
            confidence = confidence.min(read.confidence);
        } else {
            unresolved.extend(run);
        }
    }
    let text = index.line_text_with(line, |col| {
        spliced.iter().find(|(c, _)| *c == col).map(|&(_, ch)| ch)
    });
    Ok(ReadLine {
        text,
        source: LineSource::Mixed,
        confidence: confidence.min(known_share(line.len, unresolved.len())),
        unresolved,
    })
}

/// Ascending column indices grouped into runs of adjacent columns.
fn runs(columns: &[usize]) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for &c in columns {
        match runs.last_mut() {
            Some(run) if run.end == c => run.end += 1,
            _ => runs.push(c..c + 1),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_columns_group_into_runs() {
        assert_eq!(runs(&[1, 2, 3, 7, 9, 10]), vec![1..4, 7..8, 9..11]);
        assert!(runs(&[]).is_empty());
    }

    #[test]
    fn modes_say_what_they_are_missing() {
        let printout = Printout::new();
        let err = read_printout(&printout, None, ReadMode::Exact, None).unwrap_err();
        assert!(matches!(err, ReadError::MissingCharset(ReadMode::Exact)));
        let err = read_printout(&printout, None, ReadMode::Ocr, None).unwrap_err();
        assert!(matches!(err, ReadError::MissingOcr(ReadMode::Ocr)));
    }
}
