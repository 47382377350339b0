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
    #[serde(default)]
    pub bridge: BridgeDefaults,
    /// Services a micro may call by name: `weather = "http://127.0.0.1:9000"`.
    #[serde(default)]
    pub services: std::collections::BTreeMap<String, String>,
    /// The micros this bridge serves.
    #[serde(default)]
    pub micros: Vec<MicroConfig>,
    /// Authorization rules, Istio's AuthorizationPolicy semantics (see docs/gateway.md).
    #[serde(default)]
    pub policies: Vec<retromesh_gateway::authz::Rule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeDefaults {
    /// Address of the plain-HTTP `/v1` API.
    pub listen: Option<String>,
    /// Seconds every exchange with a micro (and every service call) may take.
    pub deadline_secs: Option<f64>,
    /// Requests that may wait for a busy micro.
    pub queue_depth: Option<usize>,
}

/// One `[[micros]]` entry: where it is and how its line is set up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MicroConfig {
    pub name: String,
    /// zx-if1, zx-128, zx-next, c64-userport or c64-swiftlink.
    pub profile: String,
    /// A serial device or PTY path.
    pub device: Option<PathBuf>,
    /// Connect to an emulator or tcpser at host:port.
    pub tcp: Option<String>,
    /// Wait for an emulator to connect to this address.
    pub tcp_listen: Option<String>,
    /// Speak ip232 (VICE, tcpser) on the TCP line.
    #[serde(default)]
    pub ip232: bool,
    /// Single settings over the profile's: baud, data_bits, parity, stop_bits, flow,
    /// byte_gap_ms, line_gap_ms, width.
    #[serde(default)]
    pub line: retromesh_link::profile::LinkOverrides,
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
