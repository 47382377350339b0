//! One C64 run: load, run to the end, collect what the printer got, read the paper back.

use std::path::PathBuf;
use std::sync::OnceLock;

use retromesh_c64::printer::{C64Printout, CentronicsPrinter, Font, PetsciiPrinter};
use retromesh_c64::{C64Config, Roms, RunEnd, C64, PAL_CLOCK_HZ};
use retromesh_readback::{read_page, CellPage, GlyphIndex, Ocr, ReadMode, ReadResult};

use super::program::{C64Program, C64ProgramError};

/// The Centronics capture's default: a Centronics job ends after 2 s without a strobe.
pub const JOB_IDLE_MS: u64 = 2000;

/// Where the program's printing goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum C64PrinterPort {
    /// The user port wired geoCable-style to a Centronics printer, captured by the adapter's
    /// Centronics logic on virtual pins.
    UserPort,
    /// IEC device 4 through the KERNAL (`OPEN 4,4`), captured by a trap.
    Device4,
}

/// The font the virtual printer prints with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrinterFont {
    /// Our PETSCII-style font, which exact matching knows.
    #[default]
    Petscii,
    /// The same, emphasized (3-dot strokes): a font only OCR can read.
    Bold,
}

/// Everything needed to run a C64 program.
#[derive(Debug, Clone, PartialEq)]
pub struct C64Request {
    pub program: PathBuf,
    /// Where machine code starts (default: its load address).
    pub entry: Option<u16>,
    pub printer: C64PrinterPort,
    pub font: PrinterFont,
    /// ROMs for BASIC programs: the spec's `rom_dir`, else `--rom-dir`, else RETROMESH_C64_ROMS.
    pub rom_dir: Option<PathBuf>,
    pub budget_secs: f64,
    pub read: ReadMode,
    /// The Centronics capture's idle timeout: a job with no strobe this long is closed.
    pub job_idle_ms: u64,
}

/// What a C64 run produced.
#[derive(Debug, Clone)]
pub struct C64Report {
    pub end: RunEnd,
    /// Emulated seconds the run took.
    pub secs: f64,
    /// The bytes the printer received.
    pub printer_bytes: Vec<u8>,
    pub printout: C64Printout,
    pub text: ReadResult,
    /// Print jobs the printer saw end (Centronics idle timeouts, and the end of the run).
    pub jobs: u32,
    /// Of those, the jobs the Centronics capture's idle timeout closed.
    pub job_timeouts: u32,
    /// Where the printing went.
    pub printer: C64PrinterPort,
    /// Bytes sent to device 4 while the user-port printer was the one attached (a spec with
    /// the wrong `printer`).
    pub device4_bytes_unread: usize,
}

impl C64Report {
    pub fn completed(&self) -> bool {
        self.end == RunEnd::Returned
    }
}

#[derive(Debug, thiserror::Error)]
pub enum C64RunError {
    #[error(transparent)]
    Program(#[from] C64ProgramError),
    /// Not a failure: the spec needs ROMs nobody configured.
    #[error(
        "{path}: skipped: a C64 BASIC program needs the C64 ROMs (basic, kernal, chargen), which \
         retromesh never ships: set rom_dir = \"DIR\" in the spec, pass --rom-dir DIR, or set \
         RETROMESH_C64_ROMS=DIR"
    )]
    NoRoms { path: PathBuf },
    #[error("{path}: C64 ROMs: {problem}")]
    Roms { path: PathBuf, problem: String },
    #[error("{path}: {problem}")]
    Boot { path: PathBuf, problem: String },
    #[error(transparent)]
    Read(#[from] retromesh_readback::ReadError),
}

impl C64RunError {
    pub fn is_skip(&self) -> bool {
        matches!(self, C64RunError::NoRoms { .. })
    }
}

/// Our font, indexed once for exact matching.
pub fn petscii_index() -> &'static GlyphIndex<char> {
    static INDEX: OnceLock<GlyphIndex<char>> = OnceLock::new();
    INDEX.get_or_init(|| {
        GlyphIndex::from_glyphs(
            Font::petscii()
                .glyphs()
                .map(|(ch, cell)| (ch, ch.to_string(), cell)),
        )
    })
}

/// The C64 printout as readback sees it: 80 cells a line.
pub struct Paper<'a>(pub &'a C64Printout);

impl CellPage for Paper<'_> {
    fn columns(&self) -> usize {
        retromesh_c64::printer::COLUMNS
    }

    fn height(&self) -> usize {
        self.0.height()
    }

    fn row(&self, y: usize) -> Option<&[u8]> {
        self.0.rows().get(y).map(|r| &r[..])
    }
}

/// Reads a C64 printout back as text.
pub fn read_c64(
    printout: &C64Printout,
    mode: ReadMode,
    ocr: Option<&mut Ocr>,
) -> Result<ReadResult, retromesh_readback::ReadError> {
    read_page(&Paper(printout), Some(petscii_index()), mode, ocr)
}

fn roms(request: &C64Request) -> Result<Roms, C64RunError> {
    let path = request.program.clone();
    let loaded = match &request.rom_dir {
        Some(dir) => Roms::from_dir(dir),
        None => match Roms::from_env() {
            Some(result) => result,
            None => return Err(C64RunError::NoRoms { path }),
        },
    };
    loaded.map_err(|e| C64RunError::Roms {
        path,
        problem: e.to_string(),
    })
}

/// Runs `request`. `ocr` is needed when `request.read` uses OCR.
pub fn run_c64(request: &C64Request, ocr: Option<&mut Ocr>) -> Result<C64Report, C64RunError> {
    let program = C64Program::read(&request.program, request.entry)?;
    let budget = (request.budget_secs * PAL_CLOCK_HZ as f64) as u64;
    let font = match request.font {
        PrinterFont::Petscii => Font::petscii().clone(),
        PrinterFont::Bold => Font::petscii().bold(),
    };
    let mut c64 = match program.needs_roms() {
        true => C64::new(C64Config {
            roms: Some(roms(request)?),
            ..Default::default()
        }),
        false => C64::new(C64Config::default()),
    };
    let handle = match request.printer {
        C64PrinterPort::UserPort => {
            let idle_us = request.job_idle_ms * 1000;
            let (device, handle) =
                CentronicsPrinter::new(PetsciiPrinter::with_font(font.clone()), idle_us);
            c64.attach_user_port(Box::new(device));
            Some(handle)
        }
        C64PrinterPort::Device4 => None,
    };
    let start = c64.cycles();
    let boot_error = |problem: String| C64RunError::Boot {
        path: request.program.clone(),
        problem,
    };
    let end = match &program {
        C64Program::MachineCode { prg, entry } => {
            c64.load_prg(prg).map_err(|e| boot_error(e.to_string()))?;
            c64.sys(*entry);
            c64.run(budget)
        }
        C64Program::Basic { prg } => {
            c64.boot(budget).map_err(|e| boot_error(e.to_string()))?;
            let used = c64.cycles() - start;
            c64.run_basic(prg, budget.saturating_sub(used))
                .map_err(|e| boot_error(e.to_string()))?
        }
    };
    let (printer_bytes, printout, jobs, job_timeouts) = match handle {
        Some(handle) => {
            handle.finish();
            (
                handle.bytes(),
                handle.printout(),
                handle.jobs_ended(),
                handle.idle_timeouts(),
            )
        }
        None => {
            let mut printer = PetsciiPrinter::with_font(font);
            printer.write(c64.printer_output());
            printer.end_job();
            let jobs = printer.counts().1;
            (
                c64.printer_output().to_vec(),
                printer.printout().clone(),
                jobs,
                0,
            )
        }
    };
    let text = read_c64(&printout, request.read, ocr)?;
    Ok(C64Report {
        end,
        secs: (c64.cycles() - start) as f64 / PAL_CLOCK_HZ as f64,
        printer_bytes,
        printout,
        text,
        jobs,
        job_timeouts,
        printer: request.printer,
        device4_bytes_unread: match request.printer {
            C64PrinterPort::UserPort => c64.printer_output().len(),
            C64PrinterPort::Device4 => 0,
        },
    })
}

/// A one-line account of why a C64 run stopped.
pub fn describe_end(end: &RunEnd, secs: f64) -> String {
    let why = match end {
        RunEnd::Returned => "program returned".to_string(),
        RunEnd::Budget => "emulated-time budget ran out".to_string(),
        RunEnd::Jammed { pc, opcode } => {
            format!("CPU jammed on opcode ${opcode:02X} at ${pc:04X}")
        }
        RunEnd::Stopped(why) => format!("stopped: {why}"),
    };
    format!("{why} after {secs:.2} emulated seconds")
}

/// The `expect.stop` name of a C64 run's end.
pub fn stop_name(end: &RunEnd) -> &'static str {
    match end {
        RunEnd::Returned => "program-end",
        RunEnd::Budget => "budget",
        RunEnd::Jammed { .. } => "jammed",
        RunEnd::Stopped(_) => "stopped",
    }
}
