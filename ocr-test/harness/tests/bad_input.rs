//! Every kind of broken input gets an error that names the file and the problem.

use std::path::{Path, PathBuf};

use retromesh_harness::program::{BinPlacement, Program};
use retromesh_harness::spec::Spec;
use retromesh_harness::{run, run_specs, Input, RunOptions, RunRequest, StopSpec, Verdict};
use retromesh_readback::ReadMode;
use retromesh_spectrum::formats::tap::basic_program_tape;
use retromesh_spectrum::{MachineConfig, RomSource};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn request(program: PathBuf) -> RunRequest {
    RunRequest {
        program,
        machine: MachineConfig::default(),
        bin: None,
        budget_secs: 5.0,
        inputs: Vec::new(),
        stop: StopSpec::default(),
        read: ReadMode::Exact,
        link: None,
    }
}

fn error_of(request: &RunRequest) -> String {
    match run(request, None) {
        Ok(_) => panic!("{} should not run", request.program.display()),
        Err(e) => e.to_string(),
    }
}

fn good_tap() -> Vec<u8> {
    basic_program_tape("x", &[0x00, 0x0A, 0x02, 0x00, 0xFB, 0x0D], Some(10)).to_bytes()
}

#[test]
fn corrupt_and_truncated_tapes() {
    let dir = tempfile::tempdir().unwrap();
    let mut tap = good_tap();
    let last = tap.len() - 1;
    tap[last] ^= 0xFF;
    let path = write(dir.path(), "bad.tap", &tap);
    let err = error_of(&request(path.clone()));
    assert!(err.contains("bad.tap") && err.contains("checksum"), "{err}");

    let good = good_tap();
    let path = write(dir.path(), "short.tap", &good[..good.len() - 3]);
    let err = error_of(&request(path));
    assert!(
        err.contains("short.tap") && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn corrupt_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let err = error_of(&request(write(dir.path(), "odd.sna", vec![0u8; 1000])));
    assert!(err.contains("odd.sna") && err.contains("49179"), "{err}");
    let err = error_of(&request(write(dir.path(), "cut.z80", vec![0u8; 20])));
    assert!(
        err.contains("cut.z80") && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn basic_that_does_not_tokenise_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "oops.bas",
        "10 PRINT \"fine\"\n20 PRINT \"never closed\n",
    );
    let err = error_of(&request(path));
    assert!(err.contains("oops.bas") && err.contains("line 2"), "{err}");
}

#[test]
fn unknown_types_and_binaries_without_an_address() {
    let dir = tempfile::tempdir().unwrap();
    let err = error_of(&request(write(dir.path(), "x.prg", [1, 2, 3])));
    assert!(err.contains("x.prg") && err.contains(".bas"), "{err}");
    let err = error_of(&request(write(dir.path(), "x.bin", [0xC9])));
    assert!(err.contains("--load-address"), "{err}");
    let err = Program::from_binary(
        &[0xC9],
        BinPlacement {
            load_address: 0x4000,
            entry: 0x4000,
        },
    )
    .unwrap_err();
    assert!(err.contains("0x4000"), "{err}");
}

#[test]
fn a_missing_rom_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut req = request(write(dir.path(), "p.bas", "10 PRINT 1\n"));
    req.machine.rom = RomSource::File(dir.path().join("nope.rom"));
    let err = error_of(&req);
    assert!(
        err.contains("nope.rom") && err.contains("not found"),
        "{err}"
    );
}

#[test]
fn untypeable_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut req = request(write(dir.path(), "p.bas", "10 INPUT a$\n"));
    req.inputs.push(Input {
        keys: "caf\u{e9}".into(),
        after_secs: None,
    });
    let err = error_of(&req);
    assert!(err.contains("input 1") && err.contains('\u{e9}'), "{err}");
}

#[test]
fn a_program_that_never_prints_times_out_with_a_screenshot() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(
        dir.path(),
        "silent.bas",
        "10 PRINT \"thinking\"\n20 GO TO 20\n",
    );
    let spec = write(
        dir.path(),
        "silent.toml",
        "program = \"silent.bas\"\nbudget = 1.5\n[expect]\ncontains = [\"x\"]\n",
    );
    let _ = program;
    let results = run_specs(
        &[spec],
        &RunOptions {
            jobs: 1,
            bless: false,
        },
        &|_| {},
    );
    let result = &results[0];
    let Verdict::Failed(failures) = &result.verdict else {
        panic!("{:?}", result.verdict)
    };
    assert!(
        failures[0]
            .what
            .contains("emulated-time budget ran out after 1.5"),
        "{failures:?}"
    );
    let screen = dir.path().join("silent.screen.png");
    assert!(result.artifacts.contains(&screen), "{:?}", result.artifacts);
    let image = image::open(&screen).unwrap();
    assert_eq!(image.width(), 320);
}

#[test]
fn specs_with_unknown_fields_are_errors_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "typo.toml",
        "program = \"p.bas\"\n[expect]\ntxet = \"hi\"\n",
    );
    let err = Spec::load(&spec).unwrap_err().to_string();
    assert!(err.contains("typo.toml") && err.contains("txet"), "{err}");
    let results = run_specs(&[spec], &RunOptions::default(), &|_| {});
    assert!(matches!(&results[0].verdict, Verdict::Error(m) if m.contains("txet")));
    let spec = write(
        dir.path(),
        "badre.toml",
        "program = \"p.bas\"\n[expect]\nregex = [\"(\"]\n",
    );
    assert!(Spec::load(&spec)
        .unwrap_err()
        .to_string()
        .contains("does not compile"));
}

#[test]
fn failures_leave_printout_text_and_diff_beside_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "p.bas",
        "10 LPRINT \"apple\"\n20 LPRINT \"pear\"\n",
    );
    let spec = write(
        dir.path(),
        "p.toml",
        "program = \"p.bas\"\n[expect]\ntext = \"\"\"\napple\nplum\n\"\"\"\n",
    );
    let results = run_specs(std::slice::from_ref(&spec), &RunOptions::default(), &|_| {});
    assert!(matches!(results[0].verdict, Verdict::Failed(_)));
    let diff = std::fs::read_to_string(dir.path().join("p.diff")).unwrap();
    assert!(diff.contains("-plum") && diff.contains("+pear"), "{diff}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p.actual.txt")).unwrap(),
        "apple\npear\n"
    );
    assert!(dir.path().join("p.actual.png").exists());

    // Fixed, the same spec passes and the leftovers go away.
    std::fs::write(
        &spec,
        "program = \"p.bas\"\n[expect]\ntext = \"apple\\npear\"\n",
    )
    .unwrap();
    let results = run_specs(&[spec], &RunOptions::default(), &|_| {});
    assert!(results[0].passed(), "{:?}", results[0].verdict);
    assert!(!dir.path().join("p.diff").exists());
}

#[test]
fn golden_pngs_are_blessed_then_compared() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "g.bas", "10 LPRINT \"gold\"\n");
    let spec = write(
        dir.path(),
        "g.toml",
        "program = \"g.bas\"\n[expect]\ngolden_png = \"g.png\"\n",
    );
    let results = run_specs(std::slice::from_ref(&spec), &RunOptions::default(), &|_| {});
    assert!(matches!(&results[0].verdict, Verdict::Failed(f) if f[0].what.contains("--bless")));
    let results = run_specs(
        std::slice::from_ref(&spec),
        &RunOptions {
            jobs: 1,
            bless: true,
        },
        &|_| {},
    );
    assert!(results[0].passed());
    std::fs::write(&program, "10 LPRINT \"gild\"\n").unwrap();
    let results = run_specs(&[spec], &RunOptions::default(), &|_| {});
    assert!(
        matches!(&results[0].verdict, Verdict::Failed(f) if f[0].what.contains("first difference in dot row"))
    );
}

#[test]
fn discovery_skips_tool_configs_and_build_output() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["target", ".git", "specs"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        write(&dir.path().join(sub), "a.toml", "program = \"p.bas\"\n");
    }
    write(dir.path(), "Cargo.toml", "[package]\n");
    write(dir.path(), "retromesh.toml", "[test]\n");
    write(dir.path(), "b.toml", "program = \"p.bas\"\n");
    let found = retromesh_harness::spec::discover(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(
        found,
        vec![dir.path().join("b.toml"), dir.path().join("specs/a.toml")]
    );
}
