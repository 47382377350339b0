//! `retromesh print`: run one program, write its printout as text.

use std::io::Write;
use std::path::PathBuf;

use retromesh_harness::program::BinPlacement;
use retromesh_harness::session::{describe_stop, RunError};
use retromesh_harness::{run, Input, RunRequest, StopSpec};
use retromesh_readback::{Ocr, ReadMode};
use retromesh_spectrum::{MachineConfig, Model, RomSource, StopReason};
use tracing::{error, info, warn};

use crate::cli::PrintArgs;
use crate::config::Config;
use crate::exit::Exit;

pub fn execute(args: Box<PrintArgs>, config: &Config) -> Exit {
    let defaults = &config.machine;
    let is_prg = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("prg"));
    let machine = args
        .machine
        .machine
        .as_deref()
        .or(defaults.machine.as_deref())
        .unwrap_or(if is_prg { "c64" } else { "48k" });
    if machine == "c64" {
        return super::print_c64::execute(&args, config);
    }
    let (model, basic48) = match machine {
        "48k" => (Model::Spectrum48K, false),
        "128k" => (Model::Spectrum128K, false),
        "128k-48basic" => (Model::Spectrum128K, true),
        other => {
            error!("machine {other:?} in the config: use 48k, 128k, 128k-48basic or c64");
            return Exit::Usage;
        }
    };
    let rom = RomSource::parse(
        args.machine
            .rom
            .as_deref()
            .or(defaults.rom.as_deref())
            .unwrap_or("sinclair"),
    );
    let read = read_mode(&args);
    let request = RunRequest {
        program: args.file.clone(),
        machine: MachineConfig {
            model,
            rom,
            basic48,
            ..Default::default()
        },
        bin: args.load_address.map(|load_address| BinPlacement {
            load_address,
            entry: args.entry.unwrap_or(load_address),
        }),
        budget_secs: args
            .machine
            .budget
            .or(defaults.budget)
            .unwrap_or(retromesh_harness::spec::DEFAULT_BUDGET_SECS),
        inputs: args
            .keys
            .iter()
            .map(|keys| Input {
                keys: keys.clone(),
                after_secs: None,
            })
            .collect(),
        stop: StopSpec {
            breakpoints: args.breakpoints.clone(),
            printer_idle_ms: args.idle_ms,
            marker: args.marker.clone(),
            ignore_program_end: false,
        },
        read,
        link: None,
    };
    let mut ocr = match open_ocr(read) {
        Ok(ocr) => ocr,
        Err(exit) => return exit,
    };
    let report = match run(&request, ocr.as_mut()) {
        Ok(report) => report,
        Err(e) => {
            error!("{e}");
            return match e {
                RunError::Read(_) | RunError::Link { .. } => Exit::Environment,
                RunError::Program(_) | RunError::Input { .. } => Exit::BadInput,
            };
        }
    };
    println!("{}", report.printed());
    let _ = std::io::stdout().flush();
    if let Some(png) = &args.png {
        match report.printout.save_png(png) {
            Ok(()) => info!("printout saved to {}", png.display()),
            Err(e) => warn!("cannot save the printout to {}: {e}", png.display()),
        }
    }
    if let Some(path) = &args.save_snapshot {
        match std::fs::write(
            path,
            retromesh_spectrum::formats::z80::write_z80(&report.machine.to_snapshot()),
        ) {
            Ok(()) => info!("snapshot saved to {}", path.display()),
            Err(e) => warn!("cannot save the snapshot to {}: {e}", path.display()),
        }
    }
    let timed_out = report.outcome.reason == StopReason::Budget;
    let screen = args
        .screen
        .clone()
        .or_else(|| timed_out.then(|| timeout_screen_path(&args.file)));
    if let Some(path) = &screen {
        match report.machine.screenshot().save(path) {
            Ok(()) => info!("screen saved to {}", path.display()),
            Err(e) => warn!("cannot save the screen to {}: {e}", path.display()),
        }
    }
    let stop = describe_stop(&report.outcome);
    if timed_out {
        let printed = if report.printout.is_empty() {
            "nothing was printed"
        } else {
            "the printout so far is above"
        };
        error!(
            "{}: {stop}; {printed}. The screen is in {}. Raise --budget, or add a stop condition (--idle-ms, --marker, --break)",
            args.file.display(),
            screen.as_deref().unwrap_or(&PathBuf::new()).display()
        );
        Exit::Timeout
    } else if report.completed() {
        info!("{stop}");
        Exit::Ok
    } else {
        error!("{}: {stop}", args.file.display());
        Exit::Failed
    }
}

/// `--ocr` / `--read`, for either machine.
pub(super) fn read_mode(args: &PrintArgs) -> ReadMode {
    match (args.ocr, args.read.as_deref()) {
        (true, _) | (_, Some("ocr")) => ReadMode::Ocr,
        (_, Some("exact+ocr")) => ReadMode::ExactThenOcr,
        _ => ReadMode::Exact,
    }
}

/// The OCR helper, when the read mode needs it.
pub(super) fn open_ocr(read: ReadMode) -> Result<Option<Ocr>, Exit> {
    match read {
        ReadMode::Exact => Ok(None),
        _ => Ocr::new().map(Some).map_err(|e| {
            error!("{e}");
            Exit::Environment
        }),
    }
}

fn timeout_screen_path(file: &std::path::Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".into());
    PathBuf::from(format!("{stem}.timeout.png"))
}
