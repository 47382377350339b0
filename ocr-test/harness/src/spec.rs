//! Test specs: TOML files next to the programs they test.
//!
//! ```toml
//! program = "hello.bas"          # .bas .tap .sna .z80 .bin, relative to this file
//! machine = "48k"                # 48k | 128k | 128k-48basic | c64
//! rom = "sinclair"               # sinclair | opense | path to a ROM file
//! budget = 20.0                  # emulated seconds before giving up
//! read = "exact"                 # exact | ocr | exact+ocr
//!
//! [[inputs]]
//! keys = "Ada{ENTER}"            # typed when the program asks for INPUT ...
//! after = 0.5                    # ... or this many emulated seconds after the last input
//!
//! [stop]
//! printer_idle_ms = 500
//!
//! [expect]
//! text = "HELLO"
//! ```

use std::path::{Path, PathBuf};

use retromesh_readback::ReadMode;
use retromesh_spectrum::printer::PrinterKind;
use retromesh_spectrum::{MachineConfig, Model, RomSource, SerialHardware};
use serde::Deserialize;

use crate::linked::{CallSpec, LinkRequest, ServiceSource};
use crate::program::BinPlacement;
use crate::session::{Input, RunRequest, StopSpec};

/// Emulated seconds a spec may run when it does not say.
pub const DEFAULT_BUDGET_SECS: f64 = 30.0;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    pub program: PathBuf,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub machine: MachineName,
    #[serde(default)]
    pub rom: Option<String>,
    /// zx | alphacom (Spectrum); userport | device4 (C64).
    #[serde(default)]
    pub printer: Option<PrinterName>,
    /// C64: the folder with the user's BASIC, KERNAL and character ROMs (BASIC programs only).
    #[serde(default)]
    pub rom_dir: Option<PathBuf>,
    /// C64: the virtual printer's font, petscii (default) or bold (which only OCR can read).
    #[serde(default)]
    pub printer_font: Option<PrinterFontName>,
    #[serde(default)]
    pub budget: Option<f64>,
    #[serde(default)]
    pub load_address: Option<u16>,
    #[serde(default)]
    pub entry: Option<u16>,
    #[serde(default)]
    pub read: ReadName,
    #[serde(default)]
    pub inputs: Vec<InputSpec>,
    #[serde(default)]
    pub stop: StopSection,
    #[serde(default)]
    pub expect: Expect,
    /// Wire the micro's serial port to a bridge (see docs/test-specs.md).
    #[serde(default)]
    pub link: Option<LinkSection>,
}

/// `[link]`: the emulated serial port, the services the micro may call, and calls to make to it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LinkSection {
    /// if1 | ay128 | next
    pub port: PortName,
    #[serde(default)]
    pub baud: Option<u32>,
    /// Load the Z80 client library (for the port) from the tape after the program.
    #[serde(default = "yes")]
    pub client: bool,
    /// Emulated seconds per wall second once the line is in use (0 = unthrottled).
    #[serde(default = "one")]
    pub speed: f64,
    /// name = { dir = "folder" } or { url = "http://..." }
    #[serde(default)]
    pub services: std::collections::BTreeMap<String, ServiceSpec>,
    #[serde(default)]
    pub calls: Vec<CallSection>,
}

fn yes() -> bool {
    true
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PortName {
    If1,
    Ay128,
    Next,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    #[serde(default)]
    pub dir: Option<PathBuf>,
    #[serde(default)]
    pub url: Option<String>,
}

/// `[[link.calls]]`: an HTTP call to the micro through the bridge, and what it must answer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CallSection {
    #[serde(default = "post")]
    pub method: String,
    /// Path after /v1/micros/NAME/rpc, e.g. "/print".
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub contains: Vec<String>,
}

fn post() -> String {
    "POST".into()
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
pub enum MachineName {
    #[default]
    #[serde(rename = "48k")]
    Spectrum48K,
    #[serde(rename = "128k")]
    Spectrum128K,
    /// A 128K switched to 48 BASIC from its menu: LPRINT and COPY use the ZX Printer.
    #[serde(rename = "128k-48basic")]
    Spectrum128K48Basic,
    /// A Commodore 64 (see docs/test-specs.md, "C64 programs").
    #[serde(rename = "c64")]
    C64,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PrinterFontName {
    Petscii,
    Bold,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum PrinterName {
    #[default]
    Zx,
    Alphacom,
    /// C64: a Centronics printer on the user port (geoCable wiring).
    Userport,
    /// C64: IEC device 4 through the KERNAL.
    Device4,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
pub enum ReadName {
    #[default]
    #[serde(rename = "exact")]
    Exact,
    #[serde(rename = "ocr")]
    Ocr,
    #[serde(rename = "exact+ocr")]
    ExactThenOcr,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    pub keys: String,
    #[serde(default)]
    pub after: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct StopSection {
    #[serde(default)]
    pub breakpoint: Vec<u16>,
    #[serde(default)]
    pub printer_idle_ms: Option<u64>,
    #[serde(default)]
    pub marker: Option<String>,
    /// Keep running after BASIC returns to the editor.
    #[serde(default)]
    pub ignore_program_end: bool,
}

/// What the run must produce. Every field given is checked.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The whole printout text, exactly (a trailing newline in the spec is ignored).
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub contains: Vec<String>,
    #[serde(default)]
    pub not_contains: Vec<String>,
    #[serde(default)]
    pub regex: Vec<String>,
    /// A PNG of the printout, relative to the spec; compared dot for dot.
    #[serde(default)]
    pub golden_png: Option<PathBuf>,
    /// Exit code the program writes to the debug port.
    #[serde(default)]
    pub exit_code: Option<u8>,
    /// Start of the BASIC report, e.g. "0 OK" or "2 Variable not found".
    #[serde(default)]
    pub report: Option<String>,
    /// Why the run must stop: program-end, exit-code, breakpoint, printer-idle, marker, budget,
    /// waiting-for-input.
    #[serde(default)]
    pub stop: Option<String>,
    /// Lowest OCR confidence accepted on any line (0-100).
    #[serde(default)]
    pub min_confidence: Option<u8>,
}

/// A spec read from disk, with its paths resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub path: PathBuf,
    pub name: String,
    pub file: SpecFile,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    #[error("{path}: cannot read the spec: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

impl Spec {
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError::Unreadable {
            path: path.into(),
            reason: e.to_string(),
        })?;
        let file: SpecFile = toml::from_str(&text).map_err(|e| SpecError::Invalid {
            path: path.into(),
            problem: format!(
                "{}: see the spec format in docs/test-specs.md",
                e.to_string().trim_end()
            ),
        })?;
        let invalid = |problem: String| SpecError::Invalid {
            path: path.into(),
            problem,
        };
        if let Some(budget) = file.budget {
            if !(budget > 0.0 && budget <= 3600.0) {
                return Err(invalid(format!(
                    "budget = {budget}: give emulated seconds between 0 and 3600"
                )));
            }
        }
        crate::c64::from_spec::machine_fields(&file).map_err(invalid)?;
        if let Some(stop) = &file.expect.stop {
            const STOPS: [&str; 9] = [
                "program-end",
                "exit-code",
                "breakpoint",
                "printer-idle",
                "marker",
                "budget",
                "waiting-for-input",
                "jammed",
                "stopped",
            ];
            if !STOPS.contains(&stop.as_str()) {
                return Err(invalid(format!(
                    "expect.stop = \"{stop}\": use one of {}",
                    STOPS.join(", ")
                )));
            }
        }
        for pattern in &file.expect.regex {
            regex::Regex::new(pattern)
                .map_err(|e| invalid(format!("expect.regex {pattern:?} does not compile: {e}")))?;
        }
        if let Some(link) = &file.link {
            for (name, svc) in &link.services {
                if svc.dir.is_some() == svc.url.is_some() {
                    return Err(invalid(format!(
                        "link.services.{name}: give exactly one of dir = \"folder\" or url = \"http://...\""
                    )));
                }
            }
            if link.port == PortName::Ay128 && file.machine == MachineName::Spectrum48K {
                return Err(invalid(
                    "link.port = \"ay128\" needs machine = \"128k\": the 48K has no AY chip".into(),
                ));
            }
            if !(0.0..=1000.0).contains(&link.speed) {
                return Err(invalid(format!(
                    "link.speed = {}: give 0 (unthrottled) to 1000",
                    link.speed
                )));
            }
        }
        let name = file.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Spec {
            path: path.into(),
            name,
            file,
        })
    }

    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    pub fn resolve(&self, relative: &Path) -> PathBuf {
        self.dir().join(relative)
    }

    pub fn request(&self) -> RunRequest {
        let f = &self.file;
        let (model, basic48) = match f.machine {
            MachineName::Spectrum48K => (Model::Spectrum48K, false),
            MachineName::Spectrum128K => (Model::Spectrum128K, false),
            MachineName::Spectrum128K48Basic => (Model::Spectrum128K, true),
            // C64 specs run through `c64_request`; this request is never used for them.
            MachineName::C64 => (Model::Spectrum48K, false),
        };
        let rom = match f.rom.as_deref().map(RomSource::parse) {
            Some(RomSource::File(p)) => RomSource::File(self.resolve(&p)),
            Some(other) => other,
            None => RomSource::Sinclair,
        };
        let printer = match f.printer.unwrap_or_default() {
            PrinterName::Alphacom => PrinterKind::Alphacom32,
            _ => PrinterKind::ZxPrinter,
        };
        let bin = f.load_address.map(|load_address| BinPlacement {
            load_address,
            entry: f.entry.unwrap_or(load_address),
        });
        RunRequest {
            program: self.resolve(&f.program),
            machine: MachineConfig {
                model,
                rom,
                printer,
                basic48,
            },
            bin,
            budget_secs: f.budget.unwrap_or(DEFAULT_BUDGET_SECS),
            inputs: f
                .inputs
                .iter()
                .map(|i| Input {
                    keys: i.keys.clone(),
                    after_secs: i.after,
                })
                .collect(),
            stop: StopSpec {
                breakpoints: f.stop.breakpoint.clone(),
                printer_idle_ms: f.stop.printer_idle_ms,
                marker: f.stop.marker.clone(),
                ignore_program_end: f.stop.ignore_program_end,
            },
            read: match f.read {
                ReadName::Exact => ReadMode::Exact,
                ReadName::Ocr => ReadMode::Ocr,
                ReadName::ExactThenOcr => ReadMode::ExactThenOcr,
            },
            link: f.link.as_ref().map(|l| self.link_request(l)),
        }
    }

    fn link_request(&self, l: &LinkSection) -> LinkRequest {
        let port = match l.port {
            PortName::If1 => SerialHardware::If1,
            PortName::Ay128 => SerialHardware::Ay128,
            PortName::Next => SerialHardware::NextUart,
        };
        LinkRequest {
            port,
            baud: l.baud.unwrap_or(if port == SerialHardware::NextUart {
                115_200
            } else {
                9600
            }),
            client: l.client,
            speed: l.speed,
            services: l
                .services
                .iter()
                .map(|(name, svc)| {
                    let source = match (&svc.dir, &svc.url) {
                        (Some(dir), _) => ServiceSource::Dir(self.resolve(dir)),
                        (None, Some(url)) => ServiceSource::Url(url.clone()),
                        (None, None) => ServiceSource::Url(String::new()),
                    };
                    (name.clone(), source)
                })
                .collect(),
            calls: l
                .calls
                .iter()
                .map(|c| CallSpec {
                    method: c.method.to_ascii_uppercase(),
                    path: c.path.clone(),
                    body: c.body.clone(),
                    status: c.status,
                    contains: c.contains.clone(),
                })
                .collect(),
        }
    }
}

/// TOML files in a searched directory that are never specs.
const NOT_SPECS: [&str; 4] = [
    "Cargo.toml",
    "retromesh.toml",
    "rustfmt.toml",
    "clippy.toml",
];

/// Finds spec files: a directory is searched recursively for `*.toml` (skipping hidden folders,
/// `target/`, and the tool config files in [`NOT_SPECS`]); a file is taken as is.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SpecError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, &mut found)?;
        } else if path.exists() {
            found.push(path.clone());
        } else {
            return Err(SpecError::Unreadable {
                path: path.clone(),
                reason: "no such file or directory".into(),
            });
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn collect(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), SpecError> {
    let entries = std::fs::read_dir(dir).map_err(|e| SpecError::Unreadable {
        path: dir.into(),
        reason: e.to_string(),
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect(&path, found)?;
            }
        } else if path.extension().is_some_and(|e| e == "toml")
            && !NOT_SPECS.contains(&name.as_str())
        {
            found.push(path);
        }
    }
    Ok(())
}
