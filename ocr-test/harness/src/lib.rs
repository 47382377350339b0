//! The test engine behind `retromesh test` and `retromesh print`, usable from `#[test]` too:
//!
//! ```no_run
//! use retromesh_harness::spec::Spec;
//! let spec = Spec::load("ocr-test/examples/hello/hello.toml".as_ref()).unwrap();
//! let report = retromesh_harness::session::run(&spec.request(), None).unwrap();
//! assert!(retromesh_harness::expect::check(&spec, &report).is_empty());
//! ```

pub mod artifacts;
pub mod emulated;
pub mod expect;
pub mod fixture;
pub mod junit;
pub mod linked;
pub mod program;
pub mod runner;
pub mod session;
pub mod spec;
pub mod view;

pub use runner::{run_specs, Progress, RunOptions, SpecResult, Verdict};
pub use session::{run, Input, RunReport, RunRequest, StopSpec};
pub use spec::Spec;
