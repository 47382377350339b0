//! The machine end to end: boot, tape loading, keys, stop conditions, determinism.

use retromesh_spectrum::basic::{tokenise, TokeniseOptions};
use retromesh_spectrum::formats::tap::{basic_program_tape, Tape};
use retromesh_spectrum::formats::z80::{parse_z80, write_z80};
use retromesh_spectrum::keyboard::{parse_key_text, TypeWhen};
use retromesh_spectrum::machine::EXIT_PORT;
use retromesh_spectrum::rom::OPENSE_PATH;
use retromesh_spectrum::{MachineConfig, Model, RomSource, Spectrum, StopReason, StopWhen};

fn tape(source: &str) -> Tape {
    let program = tokenise(source, &TokeniseOptions::default()).expect("test programs tokenise");
    let first = u16::from_be_bytes([program.bytes[0], program.bytes[1]]);
    basic_program_tape("test", &program.bytes, Some(first))
}

fn run_basic(config: MachineConfig, source: &str, secs: f64) -> (Spectrum, StopReason) {
    let mut machine = Spectrum::booted(config).expect("boots");
    machine.load_tape(tape(source));
    let model = machine.model();
    let outcome = machine.run(&StopWhen::budget_secs(model, secs), &mut |_| None);
    (machine, outcome.reason)
}

fn config(model: Model) -> MachineConfig {
    MachineConfig {
        model,
        ..Default::default()
    }
}

#[test]
fn boots_to_the_copyright_message() {
    let machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    assert_eq!(machine.screen_line(23), "© 1982 Sinclair Research Ltd");
    let machine = Spectrum::booted(config(Model::Spectrum128K)).unwrap();
    assert!(machine.screen_line(23).is_empty() || machine.now() > 0);
}

#[test]
fn a_rom_that_never_scans_the_keyboard_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let rom = dir.path().join("halt.rom");
    // DI; HALT: the CPU stops for good.
    let mut image = vec![0u8; 0x4000];
    image[0] = 0xF3;
    image[1] = 0x76;
    std::fs::write(&rom, image).unwrap();
    let err = Spectrum::booted(MachineConfig {
        rom: RomSource::File(rom),
        ..Default::default()
    })
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("did not reach its keyboard loop"),
        "{err}"
    );
}

#[test]
fn lprint_reaches_the_paper_and_the_program_end_is_reported() {
    let (machine, reason) = run_basic(
        config(Model::Spectrum48K),
        "10 LPRINT \"HI\"\n20 LPRINT 1+1\n",
        10.0,
    );
    assert_eq!(
        reason,
        StopReason::ProgramEnded {
            report: "0 OK, 20:1".into()
        }
    );
    assert_eq!(
        machine.printout().height(),
        16,
        "two text lines of 8 dot rows"
    );
    let charset = machine.charset();
    // The first cell of the first line is the ROM's "H".
    let cell: [u8; 8] = std::array::from_fn(|y| machine.printout().rows()[y][0]);
    assert_eq!(
        charset.match_cell(&cell).map(|g| g.to_text()),
        Some("H".to_string())
    );
}

#[test]
fn basic_errors_end_the_run_with_their_report() {
    let (_, reason) = run_basic(config(Model::Spectrum48K), "10 PRINT 1/0\n", 10.0);
    assert_eq!(
        reason,
        StopReason::ProgramEnded {
            report: "6 Number too big, 10:1".into()
        }
    );
    assert!(!reason.is_completion());
}

#[test]
fn the_exit_port_carries_an_exit_code() {
    let source = format!("10 OUT {EXIT_PORT},7\n20 GO TO 20\n");
    let (_, reason) = run_basic(config(Model::Spectrum48K), &source, 10.0);
    assert_eq!(reason, StopReason::ExitCode(7));
}

#[test]
fn the_budget_stops_a_program_that_never_ends() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape("10 GO TO 10\n"));
    let outcome = machine.run(&StopWhen::budget_secs(Model::Spectrum48K, 2.0), &mut |_| {
        None
    });
    assert_eq!(outcome.reason, StopReason::Budget);
    assert!((2.0..2.1).contains(&outcome.secs), "{}", outcome.secs);
}

#[test]
fn breakpoints_stop_before_the_instruction() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape("10 LPRINT \"X\"\n"));
    let mut stop = StopWhen::budget_secs(Model::Spectrum48K, 10.0);
    stop.breakpoints.push(0x0EF4); // COPY-LINE: the ROM starts printing a dot row.
    let outcome = machine.run(&stop, &mut |_| None);
    assert_eq!(outcome.reason, StopReason::Breakpoint(0x0EF4));
    assert_eq!(machine.pc(), 0x0EF4);
    assert!(machine.printout().is_empty());
}

#[test]
fn printer_idle_stops_after_printing() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape("10 LPRINT \"A\"\n20 GO TO 20\n"));
    let mut stop = StopWhen::budget_secs(Model::Spectrum48K, 10.0);
    stop.printer_idle_tstates = Some(machine.timing().tstates_from_ms(300));
    let outcome = machine.run(&stop, &mut |_| None);
    assert_eq!(outcome.reason, StopReason::PrinterIdle);
    assert_eq!(machine.printout().height(), 8);
}

#[test]
fn the_observer_can_stop_the_run() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape("10 LPRINT \"A\"\n20 LPRINT \"B\"\n30 GO TO 30\n"));
    let outcome = machine.run(&StopWhen::budget_secs(Model::Spectrum48K, 10.0), &mut |m| {
        (m.printout().height() >= 16).then(|| "two lines".to_string())
    });
    assert_eq!(outcome.reason, StopReason::Observer("two lines".into()));
}

#[test]
fn keys_are_typed_when_the_rom_asks_for_input() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape("10 INPUT a$\n20 INPUT n\n30 LPRINT a$;n*2\n"));
    machine.type_keys(
        parse_key_text("Zx!{ENTER}").unwrap(),
        TypeWhen::RomWaitsForInput,
    );
    machine.type_keys(parse_key_text("21\n").unwrap(), TypeWhen::RomWaitsForInput);
    let outcome = machine.run(
        &StopWhen::budget_secs(Model::Spectrum48K, 20.0),
        &mut |_| None,
    );
    assert_eq!(
        outcome.reason,
        StopReason::ProgramEnded {
            report: "0 OK, 30:1".into()
        }
    );
    let charset = machine.charset();
    let text: String = (0..32)
        .map(|col| {
            let cell: [u8; 8] = std::array::from_fn(|y| machine.printout().rows()[y][col]);
            charset
                .match_cell(&cell)
                .map(|g| g.to_text())
                .unwrap_or("?".into())
        })
        .collect();
    assert_eq!(text.trim_end(), "Zx!42");
}

#[test]
fn keys_reach_programs_that_read_the_keyboard_themselves() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape(
        "10 LET k$=INKEY$: IF k$=\"\" THEN GO TO 10\n20 OUT 57087,CODE k$\n",
    ));
    machine.type_keys(parse_key_text("q").unwrap(), TypeWhen::AfterFrames(25));
    let outcome = machine.run(
        &StopWhen::budget_secs(Model::Spectrum48K, 10.0),
        &mut |_| None,
    );
    assert_eq!(outcome.reason, StopReason::ExitCode(b'q'));
}

#[test]
fn runs_are_deterministic_to_the_byte() {
    let source = "10 FOR i=1 TO 3: LPRINT i, RND: NEXT i\n20 PRINT AT 5,5;\"screen\"\n";
    let (a, ra) = run_basic(config(Model::Spectrum48K), source, 10.0);
    let (b, rb) = run_basic(config(Model::Spectrum48K), source, 10.0);
    assert_eq!(ra, rb);
    assert_eq!(a.now(), b.now());
    assert_eq!(a.printout(), b.printout());
    assert_eq!(a.screenshot().as_raw(), b.screenshot().as_raw());
}

#[test]
fn a_snapshot_resumes_where_it_was_taken() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape("10 INPUT a$\n20 LPRINT \"got \";a$\n"));
    machine.run(&StopWhen::budget_secs(Model::Spectrum48K, 2.0), &mut |_| {
        None
    });
    let saved = parse_z80(&write_z80(&machine.to_snapshot())).unwrap();

    let mut resumed = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    resumed.load_snapshot(&saved).unwrap();
    resumed.type_keys(parse_key_text("ok\n").unwrap(), TypeWhen::RomWaitsForInput);
    let outcome = resumed.run(
        &StopWhen::budget_secs(Model::Spectrum48K, 10.0),
        &mut |_| None,
    );
    assert_eq!(
        outcome.reason,
        StopReason::ProgramEnded {
            report: "0 OK, 20:1".into()
        }
    );
    assert_eq!(resumed.printout().height(), 8);
}

#[test]
fn a_snapshot_for_another_model_is_refused_with_the_fix() {
    let machine = Spectrum::booted(config(Model::Spectrum128K)).unwrap();
    let snapshot = machine.to_snapshot();
    let mut other = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    let err = other.load_snapshot(&snapshot).unwrap_err();
    assert!(err.to_string().contains("--machine 128k"), "{err}");
}

#[test]
fn a_tape_that_runs_out_is_reported() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape("10 LOAD \"\"CODE\n"));
    let outcome = machine.run(
        &StopWhen::budget_secs(Model::Spectrum48K, 10.0),
        &mut |_| None,
    );
    assert_eq!(outcome.reason, StopReason::TapeEnded);
}

#[test]
fn the_128k_prints_through_its_rs232_port() {
    let (mut machine, reason) = run_basic(
        config(Model::Spectrum128K),
        "10 LPRINT \"SERIAL\";2*3\n",
        10.0,
    );
    assert_eq!(
        reason,
        StopReason::ProgramEnded {
            report: "0 OK, 10:1".into()
        }
    );
    assert_eq!(machine.serial_output().text, "SERIAL6");
}

#[test]
fn opense_boots_and_runs_basic() {
    if !std::path::Path::new(OPENSE_PATH).exists() {
        panic!("{OPENSE_PATH} is missing: apt-get install opense-basic");
    }
    let config = MachineConfig {
        rom: RomSource::OpenSe,
        ..Default::default()
    };
    let (machine, reason) = run_basic(config, "10 PRINT \"open\"\n", 10.0);
    assert!(reason.is_completion(), "{reason:?}");
    assert_eq!(
        machine.screen_line(1),
        "Basic: test",
        "the ROM's tape message"
    );
    assert_eq!(machine.screen_line(2), "open");
}

#[test]
fn missing_and_wrong_size_roms_say_what_to_do() {
    let missing = MachineConfig {
        rom: RomSource::File("/nonexistent/x.rom".into()),
        ..Default::default()
    };
    let err = Spectrum::new(missing).err().unwrap().to_string();
    assert!(
        err.contains("/nonexistent/x.rom") && err.contains("not found"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.rom");
    std::fs::write(&small, [0u8; 100]).unwrap();
    let err = Spectrum::new(MachineConfig {
        rom: RomSource::File(small),
        ..Default::default()
    })
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("100 bytes") && err.contains("16384"), "{err}");
    let err = Spectrum::new(MachineConfig {
        model: Model::Spectrum128K,
        rom: RomSource::OpenSe,
        ..Default::default()
    })
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("--machine 48k"), "{err}");
}

#[test]
fn screenshots_show_the_border_and_the_paper() {
    let machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    let shot = machine.screenshot();
    assert_eq!((shot.width(), shot.height()), (320, 256));
    assert_eq!(shot.get_pixel(0, 0).0, [0xD7, 0xD7, 0xD7], "white border");
}

#[test]
fn a_program_waiting_for_input_with_no_keys_left_stops_at_once() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape("10 INPUT a\n20 INPUT b\n30 LPRINT a+b\n"));
    machine.type_keys(parse_key_text("1\n").unwrap(), TypeWhen::RomWaitsForInput);
    let outcome = machine.run(
        &StopWhen::budget_secs(Model::Spectrum48K, 30.0),
        &mut |_| None,
    );
    assert_eq!(outcome.reason, StopReason::InputStarved);
    assert!(outcome.secs < 5.0, "{}", outcome.secs);
    assert!(outcome.reason.describe().contains("no keys are left"));
}

#[test]
fn the_128k_in_48_basic_prints_on_the_zx_printer() {
    let config = MachineConfig {
        model: Model::Spectrum128K,
        basic48: true,
        ..Default::default()
    };
    let (mut machine, reason) = run_basic(config, "10 LPRINT \"ZX\"\n", 10.0);
    assert_eq!(
        reason,
        StopReason::ProgramEnded {
            report: "0 OK, 10:1".into()
        }
    );
    assert_eq!(machine.printout().height(), 8);
    assert_eq!(machine.serial_output().text, "");
}

#[test]
fn breakpoints_last_for_one_run_only() {
    let mut machine = Spectrum::booted(config(Model::Spectrum48K)).unwrap();
    machine.load_tape(tape("10 LPRINT \"X\"\n"));
    let mut stop = StopWhen::budget_secs(Model::Spectrum48K, 10.0);
    stop.breakpoints.push(0x0EF4);
    assert_eq!(
        machine.run(&stop, &mut |_| None).reason,
        StopReason::Breakpoint(0x0EF4)
    );
    let outcome = machine.run(
        &StopWhen::budget_secs(Model::Spectrum48K, 10.0),
        &mut |_| None,
    );
    assert_eq!(
        outcome.reason,
        StopReason::ProgramEnded {
            report: "0 OK, 10:1".into()
        }
    );
    assert_eq!(machine.printout().height(), 8);
}
