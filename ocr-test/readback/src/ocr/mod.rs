//! Tesseract OCR of printout lines, for text printed in a font we do not have.
//!
//! Each text line goes to Tesseract on its own (page segmentation mode 7, one line), after
//! the preprocessing that makes 8x8 bitmap glyphs readable to it: nearest-neighbour upscale,
//! a slight Gaussian blur (Tesseract's LSTM was trained on anti-aliased text, not hard dots)
//! and a white margin. Tesseract itself runs in the `retromesh-ocr` helper process
//! ([`helper`]).

mod helper;
pub mod wire;

pub use helper::{find_helper, HELPER, HELPER_ENV};

use std::ffi::OsString;
use std::ops::Range;
use std::path::{Path, PathBuf};

use image::{imageops, GrayImage, Luma};

use crate::lines::{is_blank_line, line_count, CellPage, CELL_SIZE};

/// The language Tesseract reads with.
pub const LANGUAGE: &str = "eng";
/// Where Tesseract 5 (then 4) looks for language data when TESSDATA_PREFIX is not set, on
/// Debian and Ubuntu.
pub const DEFAULT_TESSDATA_DIRS: [&str; 2] = [
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
];

/// Nearest-neighbour upscale factor.
pub const SCALE: u32 = 2;
/// Gaussian blur sigma per source dot (so `SCALE * this` in the upscaled image).
pub const BLUR_SIGMA_PER_DOT: f32 = 0.5;
/// Blank dot rows added above and below the 8-row band.
pub const PAD_ROWS: u32 = 2;
/// White margin around the upscaled band, in upscaled pixels.
pub const MARGIN: u32 = 12;
/// Characters a Spectrum can print: ASCII 0x20..0x7E except the backtick (0x60 is £), and ©.
/// The space must be listed too, or Tesseract's LSTM runs the words together.
fn spectrum_whitelist() -> String {
    (0x20u8..=0x7E)
        .filter(|&b| b != b'`')
        .map(char::from)
        .chain(['£', '©'])
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error(
        "Tesseract language data '{LANGUAGE}' not found (looked in {}): install it with \
         `apt-get install tesseract-ocr-{LANGUAGE}` or set TESSDATA_PREFIX",
        display_dirs(.looked)
    )]
    MissingLanguageData { looked: Vec<PathBuf> },
    #[error("Tesseract failed to load language '{LANGUAGE}' from {0} (its own message is above)")]
    Init(PathBuf),
    #[error(
        "the OCR helper {HELPER} was not found (looked for {}): build it with \
         `cargo build --release -p retromesh-tesseract` so it sits beside `retromesh`, or set \
         {HELPER_ENV} to its path",
        display_dirs(.looked)
    )]
    HelperMissing { looked: Vec<PathBuf> },
    #[error("the OCR helper {} failed: {detail}", .path.display())]
    Helper { path: PathBuf, detail: String },
    #[error("Tesseract failed to recognise the image: {0}")]
    Recognise(String),
}

fn display_dirs(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds the language data the way Tesseract 5 does: TESSDATA_PREFIX names the tessdata
/// directory itself, and when it is set nothing else is searched.
pub fn find_tessdata(tessdata_prefix: Option<OsString>) -> Result<PathBuf, OcrError> {
    let candidates: Vec<PathBuf> = match tessdata_prefix.filter(|p| !p.is_empty()) {
        Some(prefix) => vec![PathBuf::from(prefix)],
        None => DEFAULT_TESSDATA_DIRS.iter().map(PathBuf::from).collect(),
    };
    candidates
        .iter()
        .find(|dir| has_language(dir))
        .cloned()
        .ok_or(OcrError::MissingLanguageData { looked: candidates })
}

fn has_language(dir: &Path) -> bool {
    dir.join(format!("{LANGUAGE}.traineddata")).is_file()
}

/// `dir` if it holds the language data. Checked before starting Tesseract, which reports a
/// missing file only as a failed start, after printing its own messages.
fn language_dir(dir: &Path) -> Result<PathBuf, OcrError> {
    match has_language(dir) {
        true => Ok(dir.to_path_buf()),
        false => Err(OcrError::MissingLanguageData {
            looked: vec![dir.to_path_buf()],
        }),
    }
}

/// One word Tesseract read, placed on the cell grid.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrWord {
    pub text: String,
    /// Cell column (0..32 on a Spectrum printout) of the word's first character, from its bounding box.
    pub column: usize,
    /// The column after the word's last character, from its bounding box.
    pub end_column: usize,
    /// Tesseract's word confidence, 0-100.
    pub confidence: f32,
}

/// One text line (or run of cells) read by OCR.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrLine {
    /// The words, each placed at the column its bounding box starts in, so spacing and
    /// indentation survive (Tesseract itself collapses runs of spaces). Starts at the first
    /// cell read: column 0 for a whole line.
    pub text: String,
    /// Tesseract's mean text confidence, 0-100.
    pub confidence: u8,
    pub words: Vec<OcrWord>,
}

impl OcrLine {
    fn blank() -> Self {
        OcrLine {
            text: String::new(),
            confidence: 100,
            words: Vec::new(),
        }
    }

    /// The words joined by single spaces, as Tesseract reports the line.
    pub fn raw_text(&self) -> String {
        let words: Vec<&str> = self.words.iter().map(|w| w.text.as_str()).collect();
        words.join(" ")
    }
}

/// A Tesseract instance set up for printout lines, in its own helper process. Creating one
/// starts the helper and loads the language model (tens of milliseconds), so create it once
/// and reuse it for every line.
///
/// `Ocr` is `Send` but not `Sync`: use one per thread. The helper runs with
/// `OMP_THREAD_LIMIT=1` unless the environment sets it: Tesseract's OpenMP threads make a
/// single line about 3x slower (measured 55 ms vs 16 ms per line on 2 cores).
pub struct Ocr {
    helper: helper::Helper,
    tessdata: PathBuf,
}

impl std::fmt::Debug for Ocr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ocr")
            .field("tessdata", &self.tessdata)
            .finish_non_exhaustive()
    }
}

impl Ocr {
    /// Finds the language data (TESSDATA_PREFIX, else the system directories) and starts
    /// Tesseract.
    pub fn new() -> Result<Ocr, OcrError> {
        let dir = find_tessdata(std::env::var_os("TESSDATA_PREFIX"))?;
        Self::with_tessdata(dir)
    }

    /// Starts Tesseract with the language data in `dir` (a `tessdata` directory).
    pub fn with_tessdata(dir: impl AsRef<Path>) -> Result<Ocr, OcrError> {
        let dir = language_dir(dir.as_ref())?;
        Self::start(&find_helper()?, dir)
    }

    /// Starts Tesseract through the helper at `helper`.
    pub fn with_helper(helper: &Path, dir: impl AsRef<Path>) -> Result<Ocr, OcrError> {
        Self::start(helper, language_dir(dir.as_ref())?)
    }

    fn start(helper: &Path, dir: PathBuf) -> Result<Ocr, OcrError> {
        let helper = helper::Helper::start(helper, &dir, &spectrum_whitelist())?;
        Ok(Ocr {
            helper,
            tessdata: dir,
        })
    }

    /// The tessdata directory in use.
    pub fn tessdata_dir(&self) -> &Path {
        &self.tessdata
    }

    /// Reads text line `line` of `printout` (a Spectrum `Printout` or any [`CellPage`]). A
    /// blank line is not sent to Tesseract.
    pub fn read_line<P: CellPage + ?Sized>(
        &mut self,
        printout: &P,
        line: usize,
    ) -> Result<OcrLine, OcrError> {
        self.read_cells(printout, line, 0..printout.columns())
    }

    /// Reads only cells `cols` of text line `line`; `text` then starts at `cols.start`.
    pub fn read_cells<P: CellPage + ?Sized>(
        &mut self,
        printout: &P,
        line: usize,
        cols: Range<usize>,
    ) -> Result<OcrLine, OcrError> {
        let width = printout.columns();
        let cols = cols.start.min(width)..cols.end.min(width);
        if cols.is_empty() || is_blank_line(printout, line) {
            return Ok(OcrLine::blank());
        }
        let image = line_image(printout, line, cols.clone());
        let (words, confidence) = self.recognise(&image)?;
        let words: Vec<OcrWord> = words
            .into_iter()
            .map(|w| OcrWord {
                column: cols.start + column_of(w.left),
                end_column: cols.start + end_column_of(w.left + w.width.max(1) - 1),
                text: fix_slashed_zeros(&w.text),
                confidence: w.confidence,
            })
            .collect();
        Ok(OcrLine {
            text: align_words(&words, cols.start),
            confidence,
            words,
        })
    }

    /// Reads every text line of `printout`, dropping blank lines at the end.
    pub fn read_printout<P: CellPage + ?Sized>(
        &mut self,
        printout: &P,
    ) -> Result<Vec<OcrLine>, OcrError> {
        let mut count = line_count(printout);
        while count > 0 && is_blank_line(printout, count - 1) {
            count -= 1;
        }
        (0..count)
            .map(|line| self.read_line(printout, line))
            .collect()
    }

    /// Runs Tesseract on a prepared image: the words, and the mean confidence.
    fn recognise(&mut self, image: &GrayImage) -> Result<(Vec<TsvWord>, u8), OcrError> {
        let (w, h) = image.dimensions();
        let (confidence, tsv) = self.helper.recognise(w, h, image.as_raw())?;
        Ok((parse_tsv_words(&tsv), confidence.clamp(0, 100) as u8))
    }
}

/// A word row of Tesseract's TSV output; positions in pixels of the image it read.
#[derive(Debug, Clone, PartialEq)]
struct TsvWord {
    text: String,
    left: u32,
    width: u32,
    confidence: f32,
}

/// Tesseract TSV: level, page, block, paragraph, line, word, left, top, width, height, conf,
/// text. Level 5 rows are words.
fn parse_tsv_words(tsv: &str) -> Vec<TsvWord> {
    tsv.lines()
        .filter_map(|row| {
            let fields: Vec<&str> = row.split('\t').collect();
            if fields.len() < 12 || fields[0] != "5" {
                return None;
            }
            let text = fields[11].trim();
            if text.is_empty() {
                return None;
            }
            Some(TsvWord {
                text: text.to_string(),
                left: fields[6].parse().ok()?,
                width: fields[8].parse().ok()?,
                confidence: fields[10].parse().unwrap_or(0.0),
            })
        })
        .collect()
}

/// Spectrum-style zeros (slashed or dotted) come back from Tesseract as `@`, `O` or `o`. In a
/// run of letters and digits that is otherwise all digits, they are zeros.
fn fix_slashed_zeros(word: &str) -> String {
    let looks_zero = |c: char| matches!(c, '@' | 'O' | 'o');
    let mut out = String::with_capacity(word.len());
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '@') {
            i += 1;
        }
        let token = &chars[start..i];
        let numeric = token.iter().any(char::is_ascii_digit)
            && token.iter().all(|&c| c.is_ascii_digit() || looks_zero(c));
        out.extend(
            token
                .iter()
                .map(|&c| if numeric && looks_zero(c) { '0' } else { c }),
        );
        if i < chars.len() {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The cell column (from the start of the image) a word's left edge in pixels falls in.
fn column_of(left_px: u32) -> usize {
    let dot = (left_px as f32 - MARGIN as f32) / SCALE as f32;
    // Blur and thresholding can move an edge half a dot left of the cell it belongs to.
    ((dot + 1.0) / CELL_SIZE as f32).floor().max(0.0) as usize
}

/// The column after the cell a word's last inked pixel falls in.
fn end_column_of(right_px: u32) -> usize {
    let dot = (right_px as f32 - MARGIN as f32) / SCALE as f32;
    // Glyphs rarely ink a cell's last dot column, so half a dot of slack goes this way.
    ((dot + 0.5) / CELL_SIZE as f32).floor().max(0.0) as usize + 1
}

/// The words laid out on the cell grid starting at column `start`. The grid decides spacing:
/// no space where the boxes touch (Tesseract sometimes splits a word), and at least one where
/// a blank cell separates them even if the text before came out too long.
fn align_words(words: &[OcrWord], start: usize) -> String {
    let mut text = String::new();
    let mut len = 0;
    let mut prev_end = None;
    for word in words {
        let want = word.column.saturating_sub(start);
        let apart = prev_end.is_some_and(|end| word.column > end);
        let gap = want.saturating_sub(len).max(usize::from(apart));
        prev_end = Some(word.end_column);
        text.extend(std::iter::repeat_n(' ', gap));
        text.push_str(&word.text);
        len += gap + word.text.chars().count();
    }
    text
}

/// The image Tesseract sees for cells `cols` of text line `line`: the 8-row band with
/// `PAD_ROWS` blank rows above and below, upscaled by `SCALE`, framed by a white `MARGIN`
/// and blurred.
pub fn line_image<P: CellPage + ?Sized>(
    printout: &P,
    line: usize,
    cols: Range<usize>,
) -> GrayImage {
    let width = printout.columns();
    let band: [Option<&[u8]>; CELL_SIZE] =
        std::array::from_fn(|r| printout.row(line * CELL_SIZE + r));
    let cols = cols.start.min(width)..cols.end.min(width);
    let dots_wide = (cols.len() * CELL_SIZE) as u32;
    let dots_high = CELL_SIZE as u32 + 2 * PAD_ROWS;
    let mut canvas = GrayImage::from_pixel(
        dots_wide * SCALE + 2 * MARGIN,
        dots_high * SCALE + 2 * MARGIN,
        Luma([255]),
    );
    for (y, row) in band.iter().enumerate() {
        let Some(row) = row else { continue };
        for x in 0..dots_wide as usize {
            let dot = cols.start * CELL_SIZE + x;
            if row[dot / 8] & (0x80 >> (dot % 8)) == 0 {
                continue;
            }
            let px = MARGIN + x as u32 * SCALE;
            let py = MARGIN + (PAD_ROWS + y as u32) * SCALE;
            for dy in 0..SCALE {
                for dx in 0..SCALE {
                    canvas.put_pixel(px + dx, py + dy, Luma([0]));
                }
            }
        }
    }
    // Blurred after framing so dots at the paper's edge fade into white, not into copies of
    // themselves (the blur clamps at the image border).
    imageops::blur(&canvas, BLUR_SIGMA_PER_DOT * SCALE as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::COLUMNS;
    use retromesh_spectrum::printer::Printout;

    #[test]
    fn tessdata_prefix_is_the_only_place_searched_when_set() {
        let empty = tempfile::tempdir().unwrap();
        let err = find_tessdata(Some(empty.path().into())).unwrap_err();
        match err {
            OcrError::MissingLanguageData { looked } => assert_eq!(looked, vec![empty.path()]),
            other => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn without_tessdata_prefix_the_system_directories_are_searched() {
        match find_tessdata(None) {
            Ok(dir) => assert!(DEFAULT_TESSDATA_DIRS.iter().any(|d| Path::new(d) == dir)),
            Err(OcrError::MissingLanguageData { looked }) => {
                let expected: Vec<PathBuf> =
                    DEFAULT_TESSDATA_DIRS.iter().map(PathBuf::from).collect();
                assert_eq!(looked, expected);
                assert!(OcrError::MissingLanguageData { looked }
                    .to_string()
                    .contains(
                    "/usr/share/tesseract-ocr/5/tessdata, /usr/share/tesseract-ocr/4.00/tessdata"
                ));
            }
            Err(other) => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn tsv_word_rows_are_parsed() {
        let tsv = "1\t1\t0\t0\t0\t0\t0\t0\t100\t40\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t13\t16\t60\t20\t95.5\tHELLO\n\
                   5\t1\t1\t1\t1\t2\t109\t16\t60\t20\t91.0\tWORLD\n";
        let word = |text: &str, left, confidence| TsvWord {
            text: text.into(),
            left,
            width: 60,
            confidence,
        };
        assert_eq!(
            parse_tsv_words(tsv),
            vec![word("HELLO", 13, 95.5), word("WORLD", 109, 91.0)]
        );
    }

    #[test]
    fn words_are_placed_on_their_columns() {
        let word = |text: &str, column, end_column| OcrWord {
            text: text.into(),
            column,
            end_column,
            confidence: 90.0,
        };
        assert_eq!(
            align_words(
                &[word("10", 2, 4), word("PRINT", 5, 10), word("X", 11, 12)],
                0
            ),
            "  10 PRINT X"
        );
        // Tesseract split a word: the boxes touch, so no space.
        assert_eq!(
            align_words(&[word("ABC", 0, 3), word("DEF", 3, 6)], 0),
            "ABCDEF"
        );
        // One cell read as two characters, then a blank cell: still a space.
        assert_eq!(
            align_words(&[word("<{", 0, 1), word("key", 2, 5)], 0),
            "<{ key"
        );
        assert_eq!(align_words(&[word("ABC", 4, 7)], 3), " ABC");
    }

    #[test]
    fn slashed_zeros_are_fixed_only_among_digits() {
        assert_eq!(fix_slashed_zeros("1@"), "10");
        assert_eq!(fix_slashed_zeros("@@425@"), "004250");
        assert_eq!(fix_slashed_zeros("1982-@4-23"), "1982-04-23");
        assert_eq!(fix_slashed_zeros("5@%"), "50%");
        assert_eq!(fix_slashed_zeros("2O,"), "20,");
        assert_eq!(fix_slashed_zeros("user@example.org"), "user@example.org");
        assert_eq!(fix_slashed_zeros("@"), "@");
        assert_eq!(fix_slashed_zeros("SO%"), "SO%");
        assert_eq!(fix_slashed_zeros("GO"), "GO");
        assert_eq!(fix_slashed_zeros("46K"), "46K");
        assert_eq!(fix_slashed_zeros("£5@"), "£50");
    }

    #[test]
    fn end_column_of_is_the_cell_after_the_last_ink() {
        let px = |dot: f32| (MARGIN as f32 + dot * SCALE as f32) as u32;
        assert_eq!(end_column_of(px(0.0)), 1);
        assert_eq!(end_column_of(px(6.0)), 1);
        assert_eq!(end_column_of(px(7.0)), 1);
        assert_eq!(end_column_of(px(8.0)), 2);
        assert_eq!(end_column_of(px(15.0)), 2);
    }

    #[test]
    fn column_of_tolerates_half_a_dot_of_blur() {
        let px = |dot: f32| (MARGIN as f32 + dot * SCALE as f32) as u32;
        assert_eq!(column_of(px(0.0)), 0);
        assert_eq!(column_of(px(7.5)), 1);
        assert_eq!(column_of(px(8.0)), 1);
        assert_eq!(column_of(px(9.0)), 1);
        assert_eq!(column_of(px(14.5)), 1);
        assert_eq!(column_of(0), 0);
    }

    #[test]
    fn line_image_frames_and_blurs_the_band() {
        let mut printout = Printout::new();
        printout.set_dot(0, 0);
        let image = line_image(&printout, 0, 0..COLUMNS);
        assert_eq!(
            image.dimensions(),
            (
                256 * SCALE + 2 * MARGIN,
                (8 + 2 * PAD_ROWS) * SCALE + 2 * MARGIN
            )
        );
        let dot = image.get_pixel(MARGIN, MARGIN + PAD_ROWS * SCALE)[0];
        let beside = image.get_pixel(MARGIN - 1, MARGIN + PAD_ROWS * SCALE)[0];
        let far = image.get_pixel(MARGIN + 20, MARGIN + PAD_ROWS * SCALE)[0];
        assert!(dot < 160, "dot centre stays dark: {dot}");
        assert!(
            beside > dot && beside < 255,
            "blur spreads into the margin: {beside}"
        );
        assert_eq!(far, 255);
    }
}
