//! Files written next to a spec when it fails, so a person can see what happened.

use std::path::PathBuf;

use crate::c64::C64Report;
use crate::expect::Failure;
use crate::golden::GoldenPaper;
use crate::session::RunReport;
use crate::spec::Spec;

fn beside(spec: &Spec, suffix: &str) -> PathBuf {
    spec.dir().join(format!("{}.{suffix}", spec.name))
}

/// `NAME.actual.png` and `NAME.actual.txt`, what every machine's failure leaves.
fn write_paper(spec: &Spec, paper: &impl GoldenPaper, text: &str) -> std::io::Result<Vec<PathBuf>> {
    let printout = beside(spec, "actual.png");
    paper.write_png(&printout)?;
    let txt = beside(spec, "actual.txt");
    std::fs::write(&txt, format!("{text}\n"))?;
    Ok(vec![printout, txt])
}

/// `NAME.diff`, when any failure carries a text diff.
fn write_diff(
    spec: &Spec,
    failures: &[Failure],
    written: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    let diffs: Vec<&str> = failures.iter().filter_map(|f| f.diff.as_deref()).collect();
    if !diffs.is_empty() {
        let diff = beside(spec, "diff");
        std::fs::write(&diff, diffs.join("\n"))?;
        written.push(diff);
    }
    Ok(())
}

/// Writes the golden PNG the spec names, if it names one.
fn bless_paper(spec: &Spec, paper: &impl GoldenPaper) -> std::io::Result<Option<PathBuf>> {
    let Some(golden) = &spec.file.expect.golden_png else {
        return Ok(None);
    };
    let path = spec.resolve(golden);
    paper.write_png(&path)?;
    Ok(Some(path))
}

/// Writes `NAME.actual.png` (printout), `NAME.actual.txt` (decoded text), `NAME.screen.png`
/// and, for text mismatches, `NAME.diff`. Returns the paths written.
pub fn write_failure(
    spec: &Spec,
    report: &RunReport,
    failures: &[Failure],
) -> std::io::Result<Vec<PathBuf>> {
    let mut written = write_paper(spec, &report.printout, &report.printed())?;
    let screen = beside(spec, "screen.png");
    report
        .machine
        .screenshot()
        .save(&screen)
        .map_err(std::io::Error::other)?;
    written.push(screen);
    write_diff(spec, failures, &mut written)?;
    Ok(written)
}

/// For a C64 spec: `NAME.actual.png` (the 640-dot paper), `NAME.actual.txt`,
/// `NAME.printer.bin` (the bytes the printer received) and `NAME.diff`.
pub fn write_failure_c64(
    spec: &Spec,
    report: &C64Report,
    failures: &[Failure],
) -> std::io::Result<Vec<PathBuf>> {
    let mut written = write_paper(spec, &report.printout, &report.text.text)?;
    let bytes = beside(spec, "printer.bin");
    std::fs::write(&bytes, &report.printer_bytes)?;
    written.push(bytes);
    write_diff(spec, failures, &mut written)?;
    Ok(written)
}

/// Writes the golden PNG a C64 spec names from this run's printout.
pub fn bless_c64(spec: &Spec, report: &C64Report) -> std::io::Result<Option<PathBuf>> {
    bless_paper(spec, &report.printout)
}

/// Removes artifacts of an earlier failure once the spec passes again.
pub fn clear(spec: &Spec) {
    for suffix in [
        "actual.png",
        "actual.txt",
        "screen.png",
        "diff",
        "printer.bin",
    ] {
        let _ = std::fs::remove_file(beside(spec, suffix));
    }
}

/// Writes the golden PNG the spec names from this run's printout.
pub fn bless(spec: &Spec, report: &RunReport) -> std::io::Result<Option<PathBuf>> {
    bless_paper(spec, &report.printout)
}
