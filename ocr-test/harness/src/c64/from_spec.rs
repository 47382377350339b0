//! What a `machine = "c64"` spec asks for, and the fields that belong to one machine only.

use std::path::Path;

use retromesh_readback::ReadMode;

use super::run::{C64PrinterPort, C64Request, PrinterFont, JOB_IDLE_MS};
use crate::spec::{
    MachineName, PrinterFontName, PrinterName, ReadName, Spec, SpecFile, DEFAULT_BUDGET_SECS,
};

impl Spec {
    /// The run a `machine = "c64"` spec asks for. `run_rom_dir` is the run's ROM folder
    /// (`--rom-dir`), used when the spec names none; RETROMESH_C64_ROMS comes after both.
    pub fn c64_request(&self, run_rom_dir: Option<&Path>) -> C64Request {
        let f = &self.file;
        C64Request {
            program: self.resolve(&f.program),
            entry: f.entry,
            printer: match f.printer {
                Some(PrinterName::Userport) => C64PrinterPort::UserPort,
                _ => C64PrinterPort::Device4,
            },
            font: match f.printer_font {
                Some(PrinterFontName::Bold) => PrinterFont::Bold,
                _ => PrinterFont::Petscii,
            },
            rom_dir: f
                .rom_dir
                .as_deref()
                .map(|d| self.resolve(d))
                .or_else(|| run_rom_dir.map(Path::to_path_buf)),
            budget_secs: f.budget.unwrap_or(DEFAULT_BUDGET_SECS),
            read: match f.read {
                ReadName::Exact => ReadMode::Exact,
                ReadName::Ocr => ReadMode::Ocr,
                ReadName::ExactThenOcr => ReadMode::ExactThenOcr,
            },
            job_idle_ms: JOB_IDLE_MS,
        }
    }
}

/// Fields that belong to one machine only, given for the other: an error naming the field.
pub(crate) fn machine_fields(file: &SpecFile) -> Result<(), String> {
    let c64 = file.machine == MachineName::C64;
    let printer = file.printer.unwrap_or_default();
    let c64_printer = matches!(printer, PrinterName::Userport | PrinterName::Device4);
    if !c64 {
        let wrong = [
            (file.rom_dir.is_some(), "rom_dir"),
            (file.printer_font.is_some(), "printer_font"),
            (c64_printer, "printer = \"userport\"/\"device4\""),
        ];
        return match wrong.iter().find(|(given, _)| *given) {
            Some((_, field)) => Err(format!(
                "{field} is for machine = \"c64\"; a Spectrum spec uses rom and printer = \"zx\"/\"alphacom\""
            )),
            None => Ok(()),
        };
    }
    let wrong = [
        (
            file.rom.is_some(),
            "rom (use rom_dir for the C64's ROM folder)",
        ),
        (
            file.printer.is_some() && !c64_printer,
            "printer = \"zx\"/\"alphacom\" (use userport or device4)",
        ),
        (
            file.load_address.is_some(),
            "load_address (a .prg carries its own)",
        ),
        (!file.inputs.is_empty(), "[[inputs]]"),
        (file.link.is_some(), "[link]"),
        (!file.stop.breakpoint.is_empty(), "stop.breakpoint"),
        (file.stop.printer_idle_ms.is_some(), "stop.printer_idle_ms"),
        (file.stop.marker.is_some(), "stop.marker"),
        (file.stop.ignore_program_end, "stop.ignore_program_end"),
        (file.expect.exit_code.is_some(), "expect.exit_code"),
        (file.expect.report.is_some(), "expect.report"),
    ];
    match wrong.iter().find(|(given, _)| *given) {
        Some((_, field)) => Err(format!(
            "{field} is not supported for machine = \"c64\": see \"C64 programs\" in docs/test-specs.md"
        )),
        None => Ok(()),
    }
}
