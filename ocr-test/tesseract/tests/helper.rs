//! The helper as `retromesh_readback::Ocr` meets it: a real Tesseract reading, and each way
//! the helper can fail, named.

use std::path::{Path, PathBuf};
use std::process::Command;

use retromesh_readback::corpus::{font8x8_legacy, render_cells};
use retromesh_readback::ocr::find_tessdata;
use retromesh_readback::{Ocr, OcrError};

const HELPER: &str = env!("CARGO_BIN_EXE_retromesh-ocr");

fn tessdata() -> PathBuf {
    find_tessdata(std::env::var_os("TESSDATA_PREFIX")).expect("tesseract-ocr-eng installed")
}

/// A stand-in helper: a shell script with `body`. A child process writes it: had this process
/// held it open for writing, another test's fork could inherit that descriptor, and starting
/// the script while the fork had not yet exec'd fails with "Text file busy".
fn script(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("fake-ocr");
    let status = Command::new("sh")
        .args([
            "-c",
            "printf '%s\\n' \"$1\" > \"$2\" && chmod 755 \"$2\"",
            "sh",
        ])
        .arg(format!("#!/bin/sh\n{body}"))
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success(), "writing {}: {status}", path.display());
    path
}

#[test]
fn the_helper_reads_a_line_in_a_font_we_do_not_have() {
    let mut ocr = Ocr::with_helper(Path::new(HELPER), tessdata()).unwrap();
    let cells: Vec<_> = "HELLO WORLD 42".chars().map(font8x8_legacy).collect();
    let printout = render_cells(&[&cells]);
    let line = ocr.read_line(&printout, 0).unwrap();
    assert_eq!(line.text, "HELLO WORLD 42");
    assert!(line.confidence > 50, "{line:?}");
    // The same helper carries on with the next image.
    let again = ocr.read_line(&printout, 0).unwrap();
    assert_eq!(again.text, line.text);
}

#[test]
fn a_helper_that_dies_mid_reading_is_named_with_its_exit() {
    let dir = tempfile::tempdir().unwrap();
    let fake = script(dir.path(), "printf R\nhead -c 8 >/dev/null\nexit 7");
    let mut ocr = Ocr::with_helper(&fake, tessdata()).unwrap();
    let cells: Vec<_> = "HI".chars().map(font8x8_legacy).collect();
    let err = ocr.read_line(&render_cells(&[&cells]), 0).unwrap_err();
    assert!(matches!(err, OcrError::Helper { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&fake.display().to_string()), "{text}");
    assert!(
        text.contains("exit status: 7") && text.contains("mid-reading"),
        "{text}"
    );
}

#[test]
fn a_helper_that_cannot_start_or_load_the_language_says_so() {
    let err = Ocr::with_helper(Path::new("/nonexistent/retromesh-ocr"), tessdata()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the OCR helper /nonexistent/retromesh-ocr failed: could not start it"),
        "{err}"
    );

    // Language data that is there by name but not loadable.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("eng.traineddata"), b"not a model").unwrap();
    let err = Ocr::with_helper(Path::new(HELPER), dir.path()).unwrap_err();
    assert!(matches!(err, OcrError::Init(_)), "{err}");
    assert!(
        err.to_string().contains("failed to load language 'eng'"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let fake = script(dir.path(), "printf X");
    let err = Ocr::with_helper(&fake, tessdata()).unwrap_err();
    assert!(err.to_string().contains("it said 0x58, not ready"), "{err}");

    // Any other early end (a missing library, say) is not blamed on the language data.
    let fake = script(dir.path(), "echo 'cannot open shared object' >&2\nexit 127");
    let err = Ocr::with_helper(&fake, tessdata()).unwrap_err();
    assert!(
        err.to_string()
            .contains("ended (exit status: 127) before it was ready; its own message is above"),
        "{err}"
    );
}

#[test]
fn run_by_hand_it_explains_itself_and_exits_with_a_meaningful_code() {
    let o = Command::new(HELPER).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("usage: retromesh-ocr TESSDATA"));

    let o = Command::new(HELPER)
        .args(["/nonexistent", "eng", "ABC"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("could not load 'eng' from /nonexistent"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // A stream cut inside an image header: exit 4, naming the problem.
    let mut child = Command::new(HELPER)
        .arg(tessdata())
        .args(["eng", "ABC"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&[1, 0, 0]).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.stdout, b"R");
}
