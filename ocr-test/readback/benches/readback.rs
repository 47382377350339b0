//! Time per printed text line: exact matching, and Tesseract OCR.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use retromesh_readback::corpus::{self, RomFont, LINES};
use retromesh_readback::{GlyphIndex, Ocr};

fn exact(c: &mut Criterion) {
    let rom = std::fs::read(corpus::SINCLAIR_48K_ROM).expect("Sinclair ROM");
    let font = RomFont::from_rom(&rom).unwrap();
    let charset = corpus::charset_from_rom(&rom, &[[0; 8]; 21]);
    let printout = corpus::render_lines(&LINES, &|ch| font.glyph(ch));
    let index = GlyphIndex::new(&charset);

    let mut group = c.benchmark_group("exact");
    group.throughput(Throughput::Elements(LINES.len() as u64));
    group.bench_function("read 40 lines", |b| b.iter(|| index.read(&printout)));
    group.finish();
    c.bench_function("exact/build GlyphIndex", |b| {
        b.iter(|| GlyphIndex::new(&charset))
    });
}

fn ocr(c: &mut Criterion) {
    let mut ocr = match Ocr::new() {
        Ok(ocr) => ocr,
        Err(e) => {
            eprintln!("skipping OCR benchmarks: {e}");
            return;
        }
    };
    let printout = corpus::render_lines(&LINES, &corpus::font8x8_legacy);
    let mut group = c.benchmark_group("ocr");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LINES.len() as u64));
    group.bench_function("read 40 lines (font8x8)", |b| {
        b.iter(|| ocr.read_printout(&printout).unwrap())
    });
    group.finish();
}

criterion_group!(benches, exact, ocr);
criterion_main!(benches);
