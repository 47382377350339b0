//! Runs many specs in parallel and collects verdicts.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use retromesh_readback::Ocr;

use crate::artifacts;
use crate::expect::{check, Failure};
use crate::session::{describe_stop, run};
use crate::spec::{MachineName, ReadName, Spec};

/// Settings for `machine = "c64"` specs that come from the command line, not the spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct C64Options {
    /// The C64 ROM folder (`--rom-dir`), for BASIC specs that name no `rom_dir` themselves.
    /// Without either, RETROMESH_C64_ROMS is used; with none of the three, such specs are
    /// skipped with a message naming these settings.
    pub rom_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Specs run at once; 0 means one per CPU.
    pub jobs: usize,
    /// Write the golden PNGs from this run instead of comparing with them.
    pub bless: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed(Vec<Failure>),
    /// The spec could not be run at all: a bad spec, program file or environment.
    Error(String),
}

#[derive(Debug, Clone)]
pub struct SpecResult {
    pub path: PathBuf,
    pub name: String,
    pub verdict: Verdict,
    pub wall: Duration,
    pub emulated_secs: f64,
    /// Why the run stopped, in words.
    pub stop: Option<String>,
    pub text: Option<String>,
    pub artifacts: Vec<PathBuf>,
    /// Why the spec was not run, when it could not be for want of something optional (C64
    /// ROMs). Its verdict is then `Passed`: nothing failed, but nothing was checked either.
    pub skipped: Option<String>,
}

impl SpecResult {
    /// True when the spec passed or was skipped.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Passed
    }
}

/// Progress as specs finish, for progress bars and logs.
pub enum Progress<'a> {
    Started {
        total: usize,
    },
    Finished {
        result: &'a SpecResult,
        done: usize,
        total: usize,
    },
}

/// Runs every spec file in `paths` (see [`crate::spec::discover`]), `options.jobs` at a time.
/// Results come back in the order of `paths`.
pub fn run_specs(
    paths: &[PathBuf],
    options: &RunOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<SpecResult> {
    run_specs_with(paths, options, &C64Options::default(), progress)
}

/// [`run_specs`] with the C64 settings of the command line.
pub fn run_specs_with(
    paths: &[PathBuf],
    options: &RunOptions,
    c64: &C64Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<SpecResult> {
    let total = paths.len();
    let jobs = match options.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(total.max(1));
    progress(Progress::Started { total });
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<SpecResult>>> = Mutex::new(vec![None; total]);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                // Tesseract handles are one per thread, made only if a spec needs one.
                let mut ocr: Option<Result<Ocr, String>> = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(i) else { break };
                    let result = run_one(path, options, c64, &mut ocr);
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(Progress::Finished {
                        result: &result,
                        done: finished,
                        total,
                    });
                    results.lock().expect("results")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("results")
        .into_iter()
        .map(|r| r.expect("every spec ran"))
        .collect()
}

fn run_one(
    path: &Path,
    options: &RunOptions,
    c64: &C64Options,
    ocr: &mut Option<Result<Ocr, String>>,
) -> SpecResult {
    let started = Instant::now();
    let fallback_name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let errored = |name: String, message: String| SpecResult {
        path: path.to_path_buf(),
        name,
        verdict: Verdict::Error(message),
        wall: started.elapsed(),
        emulated_secs: 0.0,
        stop: None,
        text: None,
        artifacts: Vec::new(),
        skipped: None,
    };
    let spec = match Spec::load(path) {
        Ok(spec) => spec,
        Err(e) => return errored(fallback_name, e.to_string()),
    };
    let request = spec.request();
    let ocr = if spec.file.read == ReadName::Exact {
        None
    } else {
        match ocr.get_or_insert_with(|| Ocr::new().map_err(|e| e.to_string())) {
            Ok(engine) => Some(engine),
            Err(message) => return errored(spec.name.clone(), message.clone()),
        }
    };
    if spec.file.machine == MachineName::C64 {
        let outcome = crate::c64::spec_run::run_spec(&spec, options, c64, ocr);
        return SpecResult {
            path: path.to_path_buf(),
            name: spec.name.clone(),
            verdict: outcome.verdict,
            wall: started.elapsed(),
            emulated_secs: outcome.emulated_secs,
            stop: outcome.stop,
            text: outcome.text,
            artifacts: outcome.artifacts,
            skipped: outcome.skipped,
        };
    }
    let report = match run(&request, ocr) {
        Ok(report) => report,
        Err(e) => return errored(spec.name.clone(), e.to_string()),
    };
    let mut blessed = Vec::new();
    if options.bless {
        match artifacts::bless(&spec, &report) {
            Ok(path) => blessed.extend(path),
            Err(e) => return errored(spec.name.clone(), format!("writing the golden PNG: {e}")),
        }
    }
    let failures = check(&spec, &report);
    let (verdict, artifacts) = if failures.is_empty() {
        artifacts::clear(&spec);
        (Verdict::Passed, blessed)
    } else {
        let written = artifacts::write_failure(&spec, &report, &failures).unwrap_or_default();
        (Verdict::Failed(failures), written)
    };
    SpecResult {
        path: path.to_path_buf(),
        name: spec.name.clone(),
        verdict,
        wall: started.elapsed(),
        emulated_secs: report.outcome.secs,
        stop: Some(describe_stop(&report.outcome)),
        text: Some(report.printed()),
        artifacts,
        skipped: None,
    }
}
