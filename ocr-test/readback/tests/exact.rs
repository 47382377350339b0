//! Exact matching on hand-rendered printouts, with the Sinclair and the OpenSE ROM fonts.

mod common;

use common::{block, Machine};
use retromesh_readback::corpus::{self, render_cells, OPENSE_ROM, SINCLAIR_48K_ROM};
use retromesh_readback::{read_exact, read_printout, CellMatch, GlyphIndex, LineSource, ReadMode};
use retromesh_spectrum::charset::{Cell, Glyph};
use retromesh_spectrum::printer::{Printout, BYTES_PER_ROW};

/// A cell in no ROM font: font8x8's 'A'.
fn foreign_cell() -> Cell {
    corpus::font8x8_legacy('A')
}

fn concat(parts: &[Vec<Cell>]) -> Vec<Cell> {
    parts.concat()
}

/// The printout every font is tested with, and the text it must read back as.
fn sample(m: &Machine) -> (Printout, String, Vec<Vec<usize>>) {
    let blank: Vec<Cell> = Vec::new();
    let lines: Vec<Vec<Cell>> = vec![
        m.text("Hello, World! (x=3; y<>4) @#$%"),
        m.text("£5 & ©1982 Sinclair \"quoted\""),
        concat(&[
            m.text("UDG:"),
            vec![m.udg(0), m.udg(1), m.udg(20)],
            m.text(" BLK:"),
            vec![
                block(0x81),
                block(0x82),
                block(0x8F),
                block(0x8C),
                block(0x83),
            ],
        ]),
        blank.clone(),
        concat(&[m.text("plain "), m.inverse("INVERSE"), m.text(" plain")]),
        m.text("trailing spaces   "),
        concat(&[
            m.text("ab"),
            vec![foreign_cell()],
            m.text("cd "),
            vec![foreign_cell()],
        ]),
        m.text("  indented, lower-case: q_p[]{}"),
        blank.clone(),
        blank,
    ];
    let refs: Vec<&[Cell]> = lines.iter().map(Vec::as_slice).collect();
    let mut printout = render_cells(&refs);
    // A partial last line: the height is no longer a multiple of 8.
    for _ in 0..3 {
        printout.push_row([0; BYTES_PER_ROW]);
    }
    let expected = [
        "Hello, World! (x=3; y<>4) @#$%",
        "£5 & ©1982 Sinclair \"quoted\"",
        "UDG:\\a\\b\\u BLK:\\ '\\' \\::\\..\\''",
        "",
        "plain INVERSE plain",
        "trailing spaces",
        "ab?cd ?",
        "  indented, lower-case: q_p[]{}",
    ]
    .join("\n");
    let unknown = vec![
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![2, 6],
        vec![],
    ];
    (printout, expected, unknown)
}

fn check_font(rom_path: &str) {
    let m = Machine::new(rom_path);
    let (printout, expected, unknown) = sample(&m);
    let exact = read_exact(&printout, &m.charset);
    assert_eq!(exact.text(), expected);
    let got_unknown: Vec<Vec<usize>> = exact.lines.iter().map(|l| l.unknown.clone()).collect();
    assert_eq!(got_unknown, unknown);
    assert!(!exact.is_complete());
    assert_eq!(exact.unknown_cells(), 2);

    // The inverse cells are reported as such.
    let line = &exact.lines[4];
    assert_eq!(line.cells[5], CellMatch::Glyph(Glyph::Char(b' ')));
    assert_eq!(line.cells[6], CellMatch::Inverse(Glyph::Char(b'I')));
    assert_eq!(line.cells[12], CellMatch::Inverse(Glyph::Char(b'E')));
    assert_eq!(line.cells[13], CellMatch::Glyph(Glyph::Char(b' ')));

    // Exact mode through read_printout gives the same text, with confidences.
    let read = read_printout(&printout, Some(&m.charset), ReadMode::Exact, None).unwrap();
    assert_eq!(read.text, expected);
    assert!(read.lines.iter().all(|l| l.source == LineSource::Exact));
    assert_eq!(read.lines[0].confidence, 100);
    assert_eq!(read.lines[6].unresolved, vec![2, 6]);
    assert_eq!(read.lines[6].confidence as usize, 100 * 5 / 7);
}

#[test]
fn sinclair_rom_font_reads_exactly() {
    check_font(SINCLAIR_48K_ROM);
}

#[test]
fn opense_rom_font_reads_exactly() {
    check_font(OPENSE_ROM);
}

#[test]
fn opense_differs_from_sinclair_in_six_glyphs() {
    // OpenSE redraws only a, d, u, {, } and ~; the rest are the Sinclair glyphs.
    let sinclair = Machine::new(SINCLAIR_48K_ROM);
    let opense = Machine::new(OPENSE_ROM);
    let printout = render_cells(&[&opense.text("adu{}~"), &opense.text("Hello, WORLD 0123")]);
    let exact = read_exact(&printout, &sinclair.charset);
    assert_eq!(exact.text(), "??????\nHello, WORLD 0123");
    assert_eq!(exact.lines[0].unknown, vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn glyph_index_agrees_with_charset_match_cell() {
    let m = Machine::new(SINCLAIR_48K_ROM);
    let index = GlyphIndex::new(&m.charset);
    let mut cells: Vec<Cell> = m.charset.glyphs().map(|(_, c)| c).collect();
    let inverted: Vec<Cell> = cells.iter().map(|c| c.map(|r| !r)).collect();
    cells.extend(inverted);
    // Plus pseudo-random cells, nearly all unknown.
    let mut x: u64 = 0x1234_5678_9ABC_DEF0;
    for _ in 0..1000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        cells.push(x.to_be_bytes());
    }
    for cell in &cells {
        let want = m.charset.match_cell(cell);
        let inverse = m.charset.match_cell(&cell.map(|r| !r));
        let got = index.match_cell(cell);
        match (want, inverse) {
            (Some(g), _) => assert_eq!(got, CellMatch::Glyph(g), "{cell:02x?}"),
            (None, Some(g)) => assert_eq!(got, CellMatch::Inverse(g), "{cell:02x?}"),
            (None, None) => assert_eq!(got, CellMatch::Unknown, "{cell:02x?}"),
        }
    }
}

#[test]
fn blank_and_empty_printouts() {
    let m = Machine::new(SINCLAIR_48K_ROM);
    assert_eq!(read_exact(&Printout::new(), &m.charset).text(), "");
    let mut blank = Printout::new();
    blank.ensure_height(20);
    let exact = read_exact(&blank, &m.charset);
    assert!(exact.lines.is_empty());
    // Leading blank lines are kept.
    let printout = render_cells(&[&[], &m.text("X")]);
    assert_eq!(read_exact(&printout, &m.charset).text(), "\nX");
}

#[test]
fn a_trailing_block_graphic_keeps_its_spaces() {
    let m = Machine::new(SINCLAIR_48K_ROM);
    // 0x82 is written "\' ": trimming must work on cells, not characters.
    let printout = render_cells(&[&[m.font.glyph('A'), block(0x82)]]);
    assert_eq!(read_exact(&printout, &m.charset).text(), "A\\' ");
}

/// A page 80 cells wide (a C64 printer's), as any machine's paper reaches readback.
struct Wide(Vec<Vec<u8>>);

impl retromesh_readback::CellPage for Wide {
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
fn any_font_reads_any_width_of_page() {
    let bar = [0x18u8; 8];
    let dash = [0, 0, 0, 0xFF, 0, 0, 0, 0];
    let index = GlyphIndex::from_glyphs([
        ('│', "│".to_string(), bar),
        ('─', "─".to_string(), dash),
        (' ', " ".to_string(), [0; 8]),
    ]);
    let mut rows = vec![vec![0u8; 80]; 16];
    for r in 0..8 {
        rows[r][0] = bar[r];
        rows[r][79] = !dash[r];
        rows[8 + r][5] = 0x81;
    }
    let text = index.read(&Wide(rows));
    assert_eq!(text.lines.len(), 2);
    assert_eq!(text.lines[0].cells.len(), 80);
    assert_eq!(text.lines[0].cells[0], CellMatch::Glyph('│'));
    assert_eq!(text.lines[0].cells[79], CellMatch::Inverse('─'));
    assert_eq!(text.lines[0].text, format!("│{}─", " ".repeat(78)));
    assert_eq!(text.lines[1].text, "     ?");
    assert_eq!(text.lines[1].unknown, vec![5]);
    let read = retromesh_readback::read_page(
        &Wide(vec![vec![0x18; 80]; 8]),
        Some(&index),
        ReadMode::Exact,
        None,
    )
    .unwrap();
    assert_eq!(read.text, "│".repeat(80));
}
