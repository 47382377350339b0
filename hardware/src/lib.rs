//! The adapter's pin map as checkable text.
//!
//! `hardware/pinmap.toml` is the single source of truth for how each micro's connector reaches
//! the adapter: every pin's signal, direction, level, level-shifter channel and RP2040 GPIO.
//! This crate reads it ([`PinMap::load`]), finds every problem in it ([`check`]), and turns it
//! into WireViz harness files ([`wireviz`]), a bill of materials ([`bom`]) and the firmware's
//! GPIO constants ([`rust_consts`]).

pub mod bom;
pub mod check;
pub mod consts;
pub mod endpoint;
pub mod model;
pub mod problem;
pub mod rp2040;
pub mod wireviz;

pub use bom::{bom, bom_markdown, BomLine};
pub use check::check;
pub use consts::rust_consts;
pub use model::{LoadError, PinMap};
pub use problem::Problem;
pub use wireviz::{wireviz, wireviz_all};

/// Where the pin map lives, relative to the workspace root.
pub const DEFAULT_PATH: &str = "hardware/pinmap.toml";

/// The pin map shipped in this crate, for tests and tools run from anywhere.
pub fn bundled_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pinmap.toml")
}
