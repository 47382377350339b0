//! The test engine behind `retromesh test` and `retromesh print`, usable from `#[test]` too:
//!
//! ```no_run
//! use retromesh_harness::spec::Spec;
//! let spec = Spec::load("ocr-test/examples/hello/hello.toml".as_ref()).unwrap();
//! let report = retromesh_harness::session::run(&spec.request(), None).unwrap();
//! assert!(retromesh_harness::expect::check(&spec, &report).is_empty());
//! ```
//!
//! `machine = "c64"` specs go through [`c64`] instead ([`c64::run_c64`], checked by
//! [`expect::check_c64`]); [`run_specs`] picks the path per spec.

pub mod artifacts;
pub mod c64;
pub mod emulated;
pub mod expect;
pub mod fixture;
pub mod golden;
pub mod junit;
pub mod linked;
pub mod program;
pub mod runner;
pub mod session;
pub mod spec;
pub mod view;

pub use runner::{
    run_specs, run_specs_with, C64Options, Progress, RunOptions, SpecResult, Verdict,
};
pub use session::{run, Input, RunReport, RunRequest, StopSpec};
pub use spec::Spec;
