//! The `retromesh` binary as a user meets it: output, exit codes, help.

use std::path::Path;
use std::process::{Command, Output};

fn retromesh(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retromesh"))
        .args(args)
        .current_dir(dir)
        .env_remove("RETROMESH_LOG_FORMAT")
        .output()
        .expect("retromesh runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn print_writes_the_printout_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hi.bas"),
        "10 LPRINT \"Hello\"\n20 LPRINT 6*7\n",
    )
    .unwrap();
    let out = retromesh(&["print", "hi.bas", "--png", "hi.png"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Hello\n42\n");
    let png = image::open(dir.path().join("hi.png")).unwrap();
    assert_eq!((png.width(), png.height()), (256, 16));
}

#[test]
fn exit_codes_mean_something() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("err.bas"), "10 LPRINT x\n").unwrap();
    std::fs::write(dir.path().join("loop.bas"), "10 GO TO 10\n").unwrap();
    std::fs::write(dir.path().join("bad.tap"), [3, 0, 0, 1]).unwrap();
    let out = retromesh(&["print", "err.bas"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("2 Variable not found"),
        "{}",
        stderr(&out)
    );
    let out = retromesh(&["print", "loop.bas", "--budget", "1"], dir.path());
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("loop.timeout.png"),
        "{}",
        stderr(&out)
    );
    assert!(dir.path().join("loop.timeout.png").exists());
    let out = retromesh(&["print", "bad.tap"], dir.path());
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("bad.tap"), "{}", stderr(&out));
    let out = retromesh(&["print", "err.bas", "--machine", "16k"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn ocr_runs_in_the_helper_and_a_missing_helper_is_named_with_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hi.bas"), "10 LPRINT \"HELLO 42\"\n").unwrap();
    let out = retromesh(&["print", "hi.bas", "--ocr"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "HELLO 42\n");

    let out = Command::new(env!("CARGO_BIN_EXE_retromesh"))
        .args(["print", "hi.bas", "--ocr"])
        .current_dir(dir.path())
        .env("RETROMESH_OCR", "/nonexistent/retromesh-ocr")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "the OCR helper retromesh-ocr was not found (looked for /nonexistent/retromesh-ocr): \
             build it with `cargo build --release -p retromesh-tesseract`"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn test_runs_specs_writes_junit_and_summarises() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.bas"), "10 LPRINT \"alpha\"\n").unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "program = \"a.bas\"\n[expect]\ntext = \"alpha\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "program = \"a.bas\"\n[expect]\ntext = \"beta\"\n",
    )
    .unwrap();
    let out = retromesh(
        &["test", ".", "--jobs", "2", "--junit", "junit.xml"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "1 passed, 1 failed\n");
    assert!(
        stderr(&out).contains("-beta") && stderr(&out).contains("+alpha"),
        "{}",
        stderr(&out)
    );
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(
        junit.contains("tests=\"2\"") && junit.contains("failures=\"1\""),
        "{junit}"
    );
}

#[test]
fn json_logs_on_request() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hi.bas"), "10 LPRINT 1\n").unwrap();
    let out = retromesh(&["--log-format", "json", "print", "hi.bas"], dir.path());
    let first = stderr(&out).lines().next().unwrap_or_default().to_string();
    assert!(
        first.starts_with('{') && first.contains("\"level\":\"INFO\""),
        "{first}"
    );
}

#[test]
fn config_file_sets_defaults_and_bad_config_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("loop.bas"), "10 GO TO 10\n").unwrap();
    std::fs::write(
        dir.path().join("retromesh.toml"),
        "[machine]\nbudget = 0.5\n",
    )
    .unwrap();
    let out = retromesh(&["print", "loop.bas"], dir.path());
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("after 0.5"), "{}", stderr(&out));
    std::fs::write(dir.path().join("retromesh.toml"), "[machine]\nbudgte = 1\n").unwrap();
    let out = retromesh(&["print", "loop.bas"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("budgte"), "{}", stderr(&out));
}

#[test]
fn help_teaches() {
    let out = retromesh(&["print", "--help"], Path::new("."));
    let help = stdout(&out);
    assert!(
        help.contains("Examples:") && help.contains("--load-address"),
        "{help}"
    );
    let out = retromesh(&["--help"], Path::new("."));
    assert!(stdout(&out).contains("Exit codes:"));
}

/// `retromesh print` runs C64 programs too: ca65 assembly printing through the KERNAL's device
/// 4, a broken .prg (exit 3, naming what is wrong) and BASIC without ROMs (exit 2, naming
/// --rom-dir).
#[test]
fn print_runs_a_c64_program_and_names_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ocr-test/examples/30-c64-device4-printer/device4.s");
    let example = example.to_str().unwrap();
    let out = retromesh(
        &["print", "--machine", "c64", example, "--png", "paper.png"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("PRINTED BY THE KERNAL, DEVICE 4\n"),
        "{}",
        stdout(&out)
    );
    let png = image::open(dir.path().join("paper.png")).unwrap();
    assert_eq!(png.width(), 640, "80 columns of 8 dots");

    std::fs::write(dir.path().join("bad.prg"), [0x01]).unwrap();
    let out = retromesh(&["print", "bad.prg"], dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("load address"), "{}", stderr(&out));

    std::fs::write(dir.path().join("hi.bas"), "10 PRINT#4,\"HI\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_retromesh"))
        .args(["print", "--machine", "c64", "hi.bas"])
        .current_dir(dir.path())
        .env_remove("RETROMESH_C64_ROMS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--rom-dir"), "{}", stderr(&out));
}
