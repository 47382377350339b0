//! One run: boot (from a cached boot), load, type, run to a stop condition, read the printout.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use retromesh_readback::{read_printout_with, GlyphIndex, Ocr, ReadMode, ReadResult};
use retromesh_spectrum::keyboard::{parse_key_text, TypeWhen};
use retromesh_spectrum::printer::Printout;
use retromesh_spectrum::{MachineConfig, RunOutcome, Spectrum, StopWhen};

use crate::linked::{CallOutcome, LinkRequest};
use crate::program::{BinPlacement, Program, ProgramError};
use retromesh_link::LinkStats;
use retromesh_spectrum::SerialHardware;

/// The Z80 client library built for `port`, and where it loads.
pub fn client_code(port: SerialHardware) -> (u16, &'static [u8]) {
    let driver = match port {
        SerialHardware::If1 => retromesh_zx_client::Driver::If1,
        SerialHardware::Ay128 => retromesh_zx_client::Driver::Ay128,
        SerialHardware::NextUart => retromesh_zx_client::Driver::Next,
    };
    (
        retromesh_zx_client::LOAD_ADDRESS,
        retromesh_zx_client::library(driver),
    )
}

/// Keys to type, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Key text: letters, digits, punctuation, `\n` or `{ENTER}`, `{BREAK}`, `{SS+k}` ...
    pub keys: String,
    /// Emulated seconds after the previous input was typed (or the program started); `None`
    /// waits until the ROM asks for INPUT.
    pub after_secs: Option<f64>,
}

/// How a run ends, besides the budget.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StopSpec {
    pub breakpoints: Vec<u16>,
    pub printer_idle_ms: Option<u64>,
    /// Stop as soon as this text has been printed.
    pub marker: Option<String>,
    /// Stop when BASIC returns to the editor (default on).
    pub ignore_program_end: bool,
}

/// Everything needed to run a program.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    pub program: PathBuf,
    pub machine: MachineConfig,
    pub bin: Option<BinPlacement>,
    pub budget_secs: f64,
    pub inputs: Vec<Input>,
    pub stop: StopSpec,
    pub read: ReadMode,
    /// Wire the serial port to a bridge.
    pub link: Option<LinkRequest>,
}

/// What a run produced.
pub struct RunReport {
    pub outcome: RunOutcome,
    pub printout: Printout,
    pub text: ReadResult,
    /// Text the 128K sent to its RS232 printer.
    pub serial: String,
    /// The machine as it stopped: take a screenshot or a snapshot of it when one is wanted.
    pub machine: Spectrum,
    /// HTTP calls made to the micro through the bridge, with their answers.
    pub calls: Vec<CallOutcome>,
    /// The bridge's link counters, for link runs.
    pub link: Option<LinkStats>,
}

impl RunReport {
    pub fn completed(&self) -> bool {
        self.outcome.reason.is_completion()
    }

    /// Everything printed: the ZX Printer's text, then the RS232 printer's.
    pub fn printed(&self) -> String {
        match (self.text.text.is_empty(), self.serial.is_empty()) {
            (_, true) => self.text.text.clone(),
            (true, false) => self.serial.clone(),
            (false, false) => format!("{}\n{}", self.text.text, self.serial),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Program(#[from] ProgramError),
    #[error("{path}: input {index}: {problem}")]
    Input {
        path: PathBuf,
        index: usize,
        problem: String,
    },
    #[error(transparent)]
    Read(#[from] retromesh_readback::ReadError),
    #[error("{path}: link: {problem}")]
    Link { path: PathBuf, problem: String },
}

/// Booting takes a couple of emulated seconds; every run of the same machine starts from one
/// booted copy instead.
fn booted(config: &MachineConfig) -> Result<Spectrum, ProgramError> {
    static CACHE: OnceLock<Mutex<HashMap<MachineConfig, Spectrum>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(machine) = cache.lock().expect("boot cache").get(config) {
        return Ok(machine.clone());
    }
    let machine = Spectrum::booted(config.clone())?;
    cache
        .lock()
        .expect("boot cache")
        .insert(config.clone(), machine.clone());
    Ok(machine)
}

/// Runs `request`. `ocr` is needed when `request.read` uses OCR.
pub fn run(request: &RunRequest, ocr: Option<&mut Ocr>) -> Result<RunReport, RunError> {
    let mut program = Program::read(&request.program, request.bin)?;
    if let Some(link) = request.link.as_ref().filter(|l| l.client) {
        let (address, code) = client_code(link.port);
        program = program.with_code("retromesh", address, code);
    }
    let mut machine = booted(&request.machine)?;
    program.start(&mut machine)?;
    let timing = machine.timing();
    for (index, input) in request.inputs.iter().enumerate() {
        let chords = parse_key_text(&input.keys).map_err(|e| RunError::Input {
            path: request.program.clone(),
            index: index + 1,
            problem: e.to_string(),
        })?;
        let when = match input.after_secs {
            Some(secs) => TypeWhen::AfterFrames(
                (timing.tstates_from_secs(secs) / timing.frame_tstates as u64) as u32,
            ),
            None => TypeWhen::RomWaitsForInput,
        };
        machine.type_keys(chords, when);
    }
    let stop = StopWhen {
        budget_tstates: timing.tstates_from_secs(request.budget_secs),
        breakpoints: request.stop.breakpoints.clone(),
        printer_idle_tstates: request
            .stop
            .printer_idle_ms
            .map(|ms| timing.tstates_from_ms(ms)),
        program_end: !request.stop.ignore_program_end,
    };
    let mut marker_index: Option<(retromesh_spectrum::charset::Charset, GlyphIndex)> = None;
    let mut observer = |m: &Spectrum| {
        let marker = request.stop.marker.as_deref()?;
        let charset = m.charset();
        if marker_index.as_ref().is_none_or(|(c, _)| *c != charset) {
            marker_index = Some((charset.clone(), GlyphIndex::new(&charset)));
        }
        let (_, index) = marker_index.as_ref()?;
        index
            .read(m.printout())
            .text()
            .contains(marker)
            .then(|| format!("end marker \"{marker}\" printed"))
    };
    let (outcome, calls, link) = match &request.link {
        Some(link) => {
            let run = crate::linked::run(&mut machine, link, &stop, &mut observer).map_err(
                |problem| RunError::Link {
                    path: request.program.clone(),
                    problem,
                },
            )?;
            (run.outcome, run.calls, Some(run.stats))
        }
        None => (machine.run(&stop, &mut observer), Vec::new(), None),
    };
    // A 128K's COPY goes to the RS232 printer as bit-image graphics: read that paper when the
    // ZX Printer has none.
    let serial = machine.serial_output();
    let printout = if machine.printout().is_empty() && !serial.graphics.is_empty() {
        serial.graphics
    } else {
        machine.printout().clone()
    };
    let index = GlyphIndex::new(&machine.charset());
    let text = read_printout_with(&printout, Some(&index), request.read, ocr)?;
    Ok(RunReport {
        outcome,
        printout,
        text,
        serial: serial.text,
        machine,
        calls,
        link,
    })
}

/// A one-line account of why a run stopped and how long it ran, in emulated time.
pub fn describe_stop(outcome: &RunOutcome) -> String {
    format!(
        "{} after {:.2} emulated seconds",
        outcome.reason.describe(),
        outcome.secs
    )
}
