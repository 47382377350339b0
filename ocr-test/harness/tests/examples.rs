//! Every bundled example spec passes when run through the library, as a `#[test]` would.

use std::path::PathBuf;

use retromesh_harness::spec::discover;
use retromesh_harness::{run_specs, RunOptions, Verdict};

#[test]
fn bundled_examples_pass() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let specs = discover(&[examples]).unwrap();
    assert!(
        specs.len() >= 15,
        "expected at least 15 example specs, found {}",
        specs.len()
    );
    let results = run_specs(
        &specs,
        &RunOptions {
            jobs: 2,
            bless: false,
        },
        &|_| {},
    );
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Passed)
        .map(|r| format!("{}: {:?}", r.path.display(), r.verdict))
        .collect();
    assert!(
        failed.is_empty(),
        "failing examples:\n{}",
        failed.join("\n")
    );
}
