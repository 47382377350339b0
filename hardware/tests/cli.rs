//! The `retromesh-pinmap` binary: exit codes and output.

mod common;

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_retromesh-pinmap"))
        .args(args)
        .env_remove("RETROMESH_PINMAP")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn check_on_the_real_map_exits_0() {
    let path = retromesh_hardware::bundled_path();
    let (code, out, err) = run(&["check", "--map", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ok (9 variants"), "{out}");
}

#[test]
fn check_on_a_broken_copy_exits_1_and_names_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("pinmap.toml");
    let text = common::edit(
        &common::real_text(),
        r#"{ pin = "E", micro = "bidir", adapter = "bidir", via = "U2:3", gpio = "GP4" }"#,
        r#"{ pin = "E", micro = "bidir", adapter = "bidir", via = "U2:3", gpio = "GP10" }"#,
    );
    std::fs::write(&bad, text).unwrap();
    let (code, _, err) = run(&["check", "--map", bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("GP10 is used by both '/PC2' and 'PB2'"),
        "{err}"
    );
}

#[test]
fn missing_file_and_bad_usage_exit_2() {
    let (code, _, err) = run(&["check", "--map", "/nonexistent/pinmap.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read pin map"), "{err}");
    let (code, _, _) = run(&["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn wireviz_writes_one_file_per_variant_and_bom_prints_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = retromesh_hardware::bundled_path();
    let (code, out, err) = run(&[
        "wireviz",
        "--out",
        dir.path().to_str().unwrap(),
        "--map",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 9);
    assert!(dir.path().join("c64-parallel.yml").exists());
    let (code, out, _) = run(&["bom", "--map", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("| MAX3232 | 2 |"), "{out}");
}

#[test]
fn help_teaches_the_checks_and_exit_codes() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    for needle in [
        "single source of truth",
        "level shifter",
        "Exit codes: 0",
        "wireviz",
        "bom",
        "consts",
    ] {
        assert!(out.contains(needle), "--help lacks {needle}:\n{out}");
    }
}
