//! `retromesh.toml`: defaults for every subcommand. Flags beat environment variables, which
//! beat the file, which beats built-in defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Looked for in the working directory when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "retromesh.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub machine: MachineDefaults,
    #[serde(default)]
    pub test: TestDefaults,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `human` or `json`.
    pub format: Option<String>,
    /// A tracing filter, e.g. `info` or `retromesh_harness=debug`.
    pub level: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineDefaults {
    pub machine: Option<String>,
    pub rom: Option<String>,
    pub budget: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestDefaults {
    pub jobs: Option<usize>,
    pub junit: Option<PathBuf>,
}

impl Config {
    /// Reads `path`, or `retromesh.toml` here if it exists, or nothing.
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default())
            }
            Err(e) => return Err(format!("{}: cannot read the config: {e}", path.display())),
        };
        toml::from_str(&text)
            .map_err(|e| format!("{}: {}", path.display(), e.to_string().trim_end()))
    }
}
