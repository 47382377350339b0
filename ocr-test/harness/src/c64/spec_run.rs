//! A `machine = "c64"` spec from request to verdict, with artifacts on failure.

use retromesh_readback::Ocr;

use crate::artifacts;
use crate::expect::check_c64;
use crate::runner::{C64Options, RunOptions, Verdict};
use crate::spec::Spec;

use super::run::{describe_end, run_c64};

/// What running one C64 spec came to.
#[derive(Debug, Clone)]
pub struct SpecOutcome {
    pub verdict: Verdict,
    pub emulated_secs: f64,
    pub stop: Option<String>,
    pub text: Option<String>,
    pub artifacts: Vec<std::path::PathBuf>,
    pub skipped: Option<String>,
}

impl SpecOutcome {
    fn error(message: String) -> Self {
        SpecOutcome {
            verdict: Verdict::Error(message),
            emulated_secs: 0.0,
            stop: None,
            text: None,
            artifacts: Vec::new(),
            skipped: None,
        }
    }
}

/// Runs `spec` (a C64 spec) and checks it.
pub fn run_spec(
    spec: &Spec,
    options: &RunOptions,
    c64: &C64Options,
    ocr: Option<&mut Ocr>,
) -> SpecOutcome {
    let request = spec.c64_request(c64.rom_dir.as_deref());
    let report = match run_c64(&request, ocr) {
        Ok(report) => report,
        Err(e) if e.is_skip() => {
            let why = e.to_string();
            tracing::warn!(spec = %spec.name, "{why}");
            return SpecOutcome {
                verdict: Verdict::Passed,
                emulated_secs: 0.0,
                stop: Some(why.clone()),
                text: None,
                artifacts: Vec::new(),
                skipped: Some(why),
            };
        }
        Err(e) => return SpecOutcome::error(e.to_string()),
    };
    let mut blessed = Vec::new();
    if options.bless {
        match artifacts::bless_c64(spec, &report) {
            Ok(path) => blessed.extend(path),
            Err(e) => return SpecOutcome::error(format!("writing the golden PNG: {e}")),
        }
    }
    let failures = check_c64(spec, &report);
    let (verdict, written) = if failures.is_empty() {
        artifacts::clear(spec);
        (Verdict::Passed, blessed)
    } else {
        let written = artifacts::write_failure_c64(spec, &report, &failures).unwrap_or_default();
        (Verdict::Failed(failures), written)
    };
    SpecOutcome {
        verdict,
        emulated_secs: report.secs,
        stop: Some(describe_end(&report.end, report.secs)),
        text: Some(report.text.text.clone()),
        artifacts: written,
        skipped: None,
    }
}
