//! Files written next to a spec when it fails, so a person can see what happened.

use std::path::{Path, PathBuf};

use crate::c64::C64Report;
use crate::expect::Failure;
use crate::session::RunReport;
use crate::spec::Spec;

fn beside(spec: &Spec, suffix: &str) -> PathBuf {
    spec.dir().join(format!("{}.{suffix}", spec.name))
}

/// Writes `NAME.actual.png` (printout), `NAME.actual.txt` (decoded text), `NAME.screen.png`
/// and, for text mismatches, `NAME.diff`. Returns the paths written.
pub fn write_failure(
    spec: &Spec,
    report: &RunReport,
    failures: &[Failure],
) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let printout = beside(spec, "actual.png");
    report
        .printout
        .save_png(&printout)
        .map_err(std::io::Error::other)?;
    written.push(printout);
    let text = beside(spec, "actual.txt");
    std::fs::write(&text, format!("{}\n", report.printed()))?;
    written.push(text);
    let screen = beside(spec, "screen.png");
    report
        .machine
        .screenshot()
        .save(&screen)
        .map_err(std::io::Error::other)?;
    written.push(screen);
    let diffs: Vec<&str> = failures.iter().filter_map(|f| f.diff.as_deref()).collect();
    if !diffs.is_empty() {
        let diff = beside(spec, "diff");
        std::fs::write(&diff, diffs.join("\n"))?;
        written.push(diff);
    }
    Ok(written)
}

/// For a C64 spec: `NAME.actual.png` (the 640-dot paper), `NAME.actual.txt`,
/// `NAME.printer.bin` (the bytes the printer received) and `NAME.diff`.
pub fn write_failure_c64(
    spec: &Spec,
    report: &C64Report,
    failures: &[Failure],
) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let printout = beside(spec, "actual.png");
    report
        .printout
        .save_png(&printout)
        .map_err(std::io::Error::other)?;
    written.push(printout);
    let text = beside(spec, "actual.txt");
    std::fs::write(&text, format!("{}\n", report.text.text))?;
    written.push(text);
    let bytes = beside(spec, "printer.bin");
    std::fs::write(&bytes, &report.printer_bytes)?;
    written.push(bytes);
    let diffs: Vec<&str> = failures.iter().filter_map(|f| f.diff.as_deref()).collect();
    if !diffs.is_empty() {
        let diff = beside(spec, "diff");
        std::fs::write(&diff, diffs.join("\n"))?;
        written.push(diff);
    }
    Ok(written)
}

/// Writes the golden PNG a C64 spec names from this run's printout.
pub fn bless_c64(spec: &Spec, report: &C64Report) -> std::io::Result<Option<PathBuf>> {
    let Some(golden) = &spec.file.expect.golden_png else {
        return Ok(None);
    };
    let path = spec.resolve(golden);
    report
        .printout
        .save_png(&path)
        .map_err(std::io::Error::other)?;
    Ok(Some(path))
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
    let Some(golden) = &spec.file.expect.golden_png else {
        return Ok(None);
    };
    let path = spec.resolve(golden);
    report
        .printout
        .save_png(Path::new(&path))
        .map_err(std::io::Error::other)?;
    Ok(Some(path))
}
