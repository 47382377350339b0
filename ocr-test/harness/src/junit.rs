//! JUnit XML for CI systems.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::runner::{SpecResult, Verdict};

pub fn report(results: &[SpecResult]) -> String {
    let mut suite = TestSuite::new("retromesh");
    for result in results {
        let status = match &result.verdict {
            Verdict::Passed if result.skipped.is_some() => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(result.skipped.clone().unwrap_or_default());
                status
            }
            Verdict::Passed => TestCaseStatus::success(),
            Verdict::Failed(failures) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let message: Vec<&str> = failures.iter().map(|f| f.what.as_str()).collect();
                status.set_message(message.join("; "));
                let diffs: Vec<&str> = failures.iter().filter_map(|f| f.diff.as_deref()).collect();
                if !diffs.is_empty() {
                    status.set_description(diffs.join("\n"));
                }
                status
            }
            Verdict::Error(message) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_message(message.as_str());
                status
            }
        };
        let mut case = TestCase::new(result.name.as_str(), status);
        case.set_classname(result.path.display().to_string());
        case.set_time(result.wall);
        let mut out = String::new();
        if let Some(stop) = &result.stop {
            out.push_str(&format!("{stop}\n"));
        }
        if let Some(text) = &result.text {
            out.push_str(&format!("--- printout ---\n{text}\n"));
        }
        case.set_system_out(out);
        suite.add_test_case(case);
    }
    let mut report = Report::new("retromesh test");
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}
