//! Checking a run against a spec's expectations.

use retromesh_spectrum::StopReason;
use similar::TextDiff;

use retromesh_readback::ReadResult;

use crate::c64::{C64PrinterPort, C64Report};
use crate::session::RunReport;
use crate::spec::{Expect, Spec};

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub what: String,
    /// A unified diff, where the expectation was a text.
    pub diff: Option<String>,
}

impl Failure {
    pub(crate) fn new(what: impl Into<String>) -> Self {
        Failure {
            what: what.into(),
            diff: None,
        }
    }
}

fn stop_name(reason: &StopReason) -> &'static str {
    match reason {
        StopReason::ProgramEnded { .. } => "program-end",
        StopReason::ExitCode(_) => "exit-code",
        StopReason::Breakpoint(_) => "breakpoint",
        StopReason::PrinterIdle => "printer-idle",
        StopReason::Observer(_) => "marker",
        StopReason::Budget | StopReason::TapeEnded => "budget",
        StopReason::InputStarved => "waiting-for-input",
    }
}

/// Every expectation of `spec` that `report` does not meet.
pub fn check(spec: &Spec, report: &RunReport) -> Vec<Failure> {
    let expect = &spec.file.expect;
    let printed = report.printed();
    let text = &printed;
    let reason = &report.outcome.reason;
    let mut failures = Vec::new();

    match &expect.stop {
        Some(want) if want != stop_name(reason) => failures.push(Failure::new(format!(
            "expected the run to stop by {want}, but it stopped because the {}",
            reason.describe()
        ))),
        None if !report.completed() => failures.push(Failure::new(format!(
            "the program did not run to completion: {}",
            crate::session::describe_stop(&report.outcome)
        ))),
        _ => {}
    }
    failures.extend(check_text(expect, text));
    if let Some(code) = expect.exit_code {
        if *reason != StopReason::ExitCode(code) {
            failures.push(Failure::new(format!(
                "expected exit code {code}, but the {}",
                reason.describe()
            )));
        }
    }
    if let Some(want) = &expect.report {
        match reason {
            StopReason::ProgramEnded { report } if report.starts_with(want.as_str()) => {}
            _ => failures.push(Failure::new(format!(
                "expected BASIC report {want:?}, but the {}",
                reason.describe()
            ))),
        }
    }
    failures.extend(check_confidence(expect, &report.text));
    if let Some(golden) = &expect.golden_png {
        if let Some(failure) = crate::golden::compare(&spec.resolve(golden), &report.printout) {
            failures.push(failure);
        }
    }
    for (i, call) in report.calls.iter().enumerate() {
        let name = format!("call {} ({} {:?})", i + 1, call.spec.method, call.spec.path);
        match &call.result {
            Err(why) => failures.push(Failure::new(format!("{name} got no answer: {why}"))),
            Ok((status, body)) => {
                if call.spec.status.is_some_and(|want| want != *status) {
                    failures.push(Failure::new(format!(
                        "{name} answered {status}, expected {}: {}",
                        call.spec.status.unwrap_or_default(),
                        body.trim_end()
                    )));
                }
                for needle in &call.spec.contains {
                    if !body.contains(needle.as_str()) {
                        failures.push(Failure::new(format!(
                            "{name} answer does not contain {needle:?}: it was {:?}",
                            body.trim_end()
                        )));
                    }
                }
            }
        }
    }
    failures
}

/// The text expectations (`text`, `contains`, `not_contains`, `regex`) against what was printed.
pub fn check_text(expect: &Expect, text: &str) -> Vec<Failure> {
    let mut failures = Vec::new();
    if let Some(want) = &expect.text {
        let want = want.strip_suffix('\n').unwrap_or(want);
        if text != want {
            let diff = TextDiff::from_lines(want, text)
                .unified_diff()
                .header("expected", "printed")
                .to_string();
            failures.push(Failure {
                what: "the printed text differs from expect.text".into(),
                diff: Some(diff),
            });
        }
    }
    for needle in &expect.contains {
        if !text.contains(needle.as_str()) {
            failures.push(Failure::new(format!(
                "the printout does not contain {needle:?}"
            )));
        }
    }
    for needle in &expect.not_contains {
        if text.contains(needle.as_str()) {
            failures.push(Failure::new(format!(
                "the printout contains {needle:?}, which it must not"
            )));
        }
    }
    for pattern in &expect.regex {
        // Specs are validated on load, so the pattern compiles.
        if let Ok(re) = regex::Regex::new(pattern) {
            if !re.is_match(text) {
                failures.push(Failure::new(format!(
                    "the printout does not match regex {pattern:?}"
                )));
            }
        }
    }
    failures
}

/// `min_confidence` against the lines read back.
pub fn check_confidence(expect: &Expect, read: &ReadResult) -> Vec<Failure> {
    let mut failures = Vec::new();
    if let Some(min) = expect.min_confidence {
        let got = read.min_confidence();
        if got < min {
            failures.push(Failure::new(format!(
                "lowest line confidence {got} is below min_confidence {min}"
            )));
        }
    }
    failures
}

/// Every expectation of a `machine = "c64"` spec that `report` does not meet.
pub fn check_c64(spec: &Spec, report: &C64Report) -> Vec<Failure> {
    let expect = &spec.file.expect;
    let mut failures = Vec::new();
    let stopped = crate::c64::describe_end(&report.end, report.secs);
    match &expect.stop {
        Some(want) if want != crate::c64::stop_name(&report.end) => failures.push(Failure::new(
            format!("expected the run to stop by {want}, but: {stopped}"),
        )),
        None if !report.completed() => failures.push(Failure::new(format!(
            "the program did not run to completion: {stopped}"
        ))),
        _ => {}
    }
    let text_failures = check_text(expect, &report.text.text);
    if !text_failures.is_empty() && report.printer_bytes.is_empty() {
        failures.push(Failure::new(wrong_port_hint(report)));
    }
    failures.extend(text_failures);
    failures.extend(check_confidence(expect, &report.text));
    if let Some(golden) = &expect.golden_png {
        if let Some(failure) = crate::golden::compare(&spec.resolve(golden), &report.printout) {
            failures.push(failure);
        }
    }
    failures
}

/// Why a C64 printer may have received nothing.
fn wrong_port_hint(report: &C64Report) -> String {
    match (report.printer, report.device4_bytes_unread) {
        (C64PrinterPort::UserPort, n) if n > 0 => format!(
            "the user-port printer received nothing, but the program sent {n} bytes to device 4: \
             set printer = \"device4\""
        ),
        (C64PrinterPort::UserPort, _) => "the user-port printer received nothing: the program \
            must put each byte on $DD01, pulse PA2 low and wait for FLAG ($DD0D bit 4)"
            .into(),
        (C64PrinterPort::Device4, _) => "nothing was sent to device 4: a program that drives \
            the user port itself needs printer = \"userport\""
            .into(),
    }
}
