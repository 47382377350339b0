//! C64 specs: programs, printers and bad input, through the same entry points `retromesh test`
//! uses.

use std::path::{Path, PathBuf};

use retromesh_c64::RunEnd;
use retromesh_harness::c64::{run_c64, C64PrinterPort, C64Request, PrinterFont};
use retromesh_harness::{run_specs, RunOptions, Verdict};
use retromesh_readback::ReadMode;

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn request(program: PathBuf, printer: C64PrinterPort, budget_secs: f64) -> C64Request {
    C64Request {
        program,
        entry: None,
        printer,
        font: PrinterFont::Petscii,
        rom_dir: None,
        budget_secs,
        read: ReadMode::Exact,
        job_idle_ms: 2000,
    }
}

fn run_one(spec: &Path) -> retromesh_harness::SpecResult {
    let mut results = run_specs(&[spec.to_path_buf()], &RunOptions::default(), &|_| {});
    results.remove(0)
}

/// Sends "PARTIAL" through the user port, then hangs (`JMP *`) with the job still open.
const STUCK: &str = r#"
        .export start
start:  lda #$FF
        sta $DD03
        lda $DD00
        ora #$04
        sta $DD00
        lda $DD02
        ora #$04
        sta $DD02
        lda $DD0D
        ldx #0
next:   lda text,x
        beq hang
        sta $DD01
        lda $DD00
        and #$FB
        sta $DD00
        ora #$04
        sta $DD00
wait:   lda $DD0D
        and #$10
        beq wait
        inx
        bne next
hang:   jmp hang
text:   .byte "partial", 0
"#;

#[test]
fn a_centronics_job_that_never_ends_is_closed_by_the_idle_timeout_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "stuck.s", STUCK);
    let report = run_c64(
        &request(program.clone(), C64PrinterPort::UserPort, 3.0),
        None,
    )
    .unwrap();
    assert_eq!(report.end, RunEnd::Budget);
    assert_eq!(report.printer_bytes, b"PARTIAL");
    assert_eq!(report.text.text, "PARTIAL");
    assert_eq!(
        (report.jobs, report.job_timeouts),
        (1, 1),
        "closed by the 2 s idle timeout"
    );

    // Stopped before the timeout: the run's end closes the job, the paper is still kept.
    let report = run_c64(&request(program, C64PrinterPort::UserPort, 1.0), None).unwrap();
    assert_eq!(report.text.text, "PARTIAL");
    assert_eq!((report.jobs, report.job_timeouts), (1, 0));
}

#[test]
fn a_malformed_prg_is_a_spec_error_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "short.prg", [0x01]);
    write(dir.path(), "io.prg", [0x00, 0xD0, 0xEA, 0x60]);
    for (prg, problem) in [("short.prg", "1 byte(s)"), ("io.prg", "$D000-$DFFF")] {
        let spec = write(
            dir.path(),
            &format!("{prg}.toml"),
            format!("machine = \"c64\"\nprogram = \"{prg}\"\n"),
        );
        match run_one(&spec).verdict {
            Verdict::Error(message) => {
                assert!(
                    message.contains(prg) && message.contains(problem),
                    "{message}"
                )
            }
            other => panic!("{prg}: {other:?}"),
        }
    }
}

#[test]
fn assembly_errors_come_from_ca65_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "broken.s", "        lda #\n");
    let err = run_c64(&request(program, C64PrinterPort::Device4, 1.0), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("broken.s") && err.contains("ca65"), "{err}");
}

#[test]
fn a_basic_spec_without_roms_is_skipped_naming_the_settings() {
    if std::env::var_os("RETROMESH_C64_ROMS").is_some_and(|v| !v.is_empty()) {
        eprintln!("RETROMESH_C64_ROMS is set: the skip path cannot be seen here");
        return;
    }
    let spec =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/31-c64-basic-rom/spec.toml");
    let result = run_one(&spec);
    assert_eq!(result.verdict, Verdict::Passed);
    let why = result.skipped.expect("skipped, not passed");
    for setting in ["rom_dir", "--rom-dir", "RETROMESH_C64_ROMS", "hello.bas"] {
        assert!(why.contains(setting), "{why}");
    }
    let junit = retromesh_harness::junit::report(&[retromesh_harness::SpecResult {
        skipped: Some(why),
        ..result
    }]);
    assert!(junit.contains("<skipped"), "{junit}");
}

#[test]
fn a_rom_folder_without_roms_is_an_error_naming_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hello.bas", "10 PRINT#4,\"X\"\n");
    let spec = write(
        dir.path(),
        "hello.toml",
        "machine = \"c64\"\nprogram = \"hello.bas\"\nrom_dir = \".\"\n",
    );
    match run_one(&spec).verdict {
        Verdict::Error(message) => assert!(message.contains("BASIC"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fields_of_the_other_machine_are_spec_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (toml, field) in [
        (
            "machine = \"c64\"\nprogram = \"x.prg\"\nrom = \"sinclair\"\n",
            "rom_dir",
        ),
        (
            "machine = \"c64\"\nprogram = \"x.prg\"\nprinter = \"zx\"\n",
            "userport or device4",
        ),
        (
            "machine = \"c64\"\nprogram = \"x.prg\"\n[link]\nport = \"if1\"\n",
            "[link]",
        ),
        (
            "program = \"x.bas\"\nprinter = \"userport\"\n",
            "machine = \"c64\"",
        ),
        ("program = \"x.bas\"\nrom_dir = \"roms\"\n", "rom_dir"),
    ] {
        let spec = write(dir.path(), "s.toml", toml);
        let err = retromesh_harness::Spec::load(&spec)
            .unwrap_err()
            .to_string();
        assert!(err.contains(field), "{toml}: {err}");
    }
}

#[test]
fn a_failing_c64_spec_leaves_the_paper_and_the_bytes_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let examples =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/30-c64-device4-printer");
    std::fs::copy(examples.join("device4.s"), dir.path().join("device4.s")).unwrap();
    let spec = write(
        dir.path(),
        "wrong.toml",
        "machine = \"c64\"\nprogram = \"device4.s\"\n[expect]\ntext = \"SOMETHING ELSE\"\n",
    );
    let result = run_one(&spec);
    assert!(
        matches!(result.verdict, Verdict::Failed(_)),
        "{:?}",
        result.verdict
    );
    for suffix in ["actual.png", "actual.txt", "printer.bin", "diff"] {
        assert!(
            dir.path().join(format!("wrong.{suffix}")).is_file(),
            "{suffix}"
        );
    }
    let png = image::open(dir.path().join("wrong.actual.png")).unwrap();
    assert_eq!(png.width(), 640);
    let text = std::fs::read_to_string(dir.path().join("wrong.actual.txt")).unwrap();
    assert!(text.starts_with("PRINTED BY THE KERNAL"), "{text}");
}

#[test]
fn c64_paper_reads_back_exactly_in_the_petscii_font() {
    use retromesh_c64::printer::PetsciiPrinter;
    let mut printer = PetsciiPrinter::new();
    // Upper case/graphics: capitals, a heart and pi; reverse field; then lower/upper case.
    printer.write(b"READY. \xD3\xFF \x12RVS\x92 OFF\r\x11\xC8ELLO, \xD7ORLD! 1983\r");
    // The case set outlasts the line: unshifted X is a small x now.
    printer.write(&[b'X'; 85]);
    let read = retromesh_harness::c64::read_c64(printer.printout(), ReadMode::Exact, None).unwrap();
    let want = format!(
        "READY. ♥π RVS OFF\nHello, World! 1983\n{}\nxxxxx",
        "x".repeat(80)
    );
    assert_eq!(read.text, want);
    assert_eq!(
        read.text,
        printer.text(),
        "the paper says what the printer printed"
    );
    assert_eq!(read.min_confidence(), 100);
}

#[test]
fn the_rom_folder_comes_from_the_spec_else_the_run_options() {
    // ROM images of the right sizes that are not a C64's: NOPs, so BASIC never says READY.
    // That they are booted at all shows which folder was used.
    let dir = tempfile::tempdir().unwrap();
    let roms = dir.path().join("roms");
    std::fs::create_dir(&roms).unwrap();
    for (name, size) in [("basic", 8192), ("kernal", 8192), ("chargen", 4096)] {
        write(&roms, name, vec![0xEA; size]);
    }
    write(dir.path(), "hello.bas", "10 PRINT#4,\"X\"\n");
    let spec = write(
        dir.path(),
        "hello.toml",
        "machine = \"c64\"\nprogram = \"hello.bas\"\nbudget = 0.5\n",
    );
    let options = retromesh_harness::C64Options {
        rom_dir: Some(roms.clone()),
    };
    let mut results =
        retromesh_harness::run_specs_with(&[spec], &RunOptions::default(), &options, &|_| {});
    match results.remove(0).verdict {
        Verdict::Error(message) => {
            assert!(
                message.contains("hello.bas") && message.contains("READY"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_spec_with_the_wrong_printer_says_which_one_the_program_used() {
    let dir = tempfile::tempdir().unwrap();
    let examples =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/30-c64-device4-printer");
    std::fs::copy(examples.join("device4.s"), dir.path().join("device4.s")).unwrap();
    let spec = write(
        dir.path(),
        "port.toml",
        "machine = \"c64\"\nprogram = \"device4.s\"\nprinter = \"userport\"\n[expect]\ncontains = [\"KERNAL\"]\n",
    );
    match run_one(&spec).verdict {
        Verdict::Failed(failures) => {
            let hint = &failures[0].what;
            assert!(
                hint.contains("device 4") && hint.contains("printer = \"device4\""),
                "{hint}"
            );
        }
        other => panic!("{other:?}"),
    }
}
