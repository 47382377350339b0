//! `retromesh print --machine c64`: run one C64 program, write its printout as text.

use std::io::Write;

use retromesh_c64::RunEnd;
use retromesh_harness::c64::run::JOB_IDLE_MS;
use retromesh_harness::c64::{
    describe_end, run_c64, C64PrinterPort, C64Request, C64RunError, PrinterFont,
};
use tracing::{error, info, warn};

use crate::cli::PrintArgs;
use crate::config::Config;
use crate::exit::Exit;

pub fn execute(args: &PrintArgs, config: &Config) -> Exit {
    if !args.keys.is_empty() || !args.breakpoints.is_empty() || args.save_snapshot.is_some() {
        error!("--keys, --break and --save-snapshot are for the Spectrum; a C64 program runs until it returns or the budget ends");
        return Exit::Usage;
    }
    let read = super::print::read_mode(args);
    let request = C64Request {
        program: args.file.clone(),
        entry: args.entry,
        printer: match args.printer.as_deref() {
            Some("userport") => C64PrinterPort::UserPort,
            _ => C64PrinterPort::Device4,
        },
        font: PrinterFont::Petscii,
        rom_dir: args.rom_dir.clone(),
        budget_secs: args
            .machine
            .budget
            .or(config.machine.budget)
            .unwrap_or(retromesh_harness::spec::DEFAULT_BUDGET_SECS),
        read,
        job_idle_ms: JOB_IDLE_MS,
    };
    let mut ocr = match super::print::open_ocr(read) {
        Ok(ocr) => ocr,
        Err(exit) => return exit,
    };
    let report = match run_c64(&request, ocr.as_mut()) {
        Ok(report) => report,
        Err(e) => {
            error!("{e}");
            return match e {
                C64RunError::Program(_) | C64RunError::Roms { .. } => Exit::BadInput,
                C64RunError::NoRoms { .. } => Exit::Usage,
                C64RunError::Boot { .. } | C64RunError::Read(_) => Exit::Environment,
            };
        }
    };
    println!("{}", report.text.text);
    let _ = std::io::stdout().flush();
    if let Some(png) = &args.png {
        match report.printout.save_png(png) {
            Ok(()) => info!("printout saved to {}", png.display()),
            Err(e) => warn!("cannot save the printout to {}: {e}", png.display()),
        }
    }
    let end = describe_end(&report.end, report.secs);
    match report.end {
        RunEnd::Returned => {
            info!("{end}");
            Exit::Ok
        }
        RunEnd::Budget => {
            error!(
                "{}: {end}; the printout so far is above. Raise --budget",
                args.file.display()
            );
            Exit::Timeout
        }
        _ => {
            error!("{}: {end}", args.file.display());
            Exit::Failed
        }
    }
}
