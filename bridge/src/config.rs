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
    /// Services a micro may call by name: `weather = "http://127.0.0.1:9000"`, or with mutual
    /// TLS `[services.weather] url = "https://..." spiffe_id = "spiffe://..."`.
    #[serde(default)]
    pub services: std::collections::BTreeMap<String, ServiceConfig>,
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
    /// Seconds a shutdown waits for requests in flight.
    pub drain_secs: Option<f64>,
    /// Requests that may wait for a busy micro.
    pub queue_depth: Option<usize>,
    /// Address of the mutual-TLS `/v1` API.
    pub mtls_listen: Option<String>,
    /// `strict` or `permissive`.
    pub mtls_mode: Option<String>,
    /// Accept TLS 1.2 as well as 1.3 on the mTLS listener.
    pub allow_tls12: Option<bool>,
    /// Trust domain of the micros' SPIFFE IDs.
    pub trust_domain: Option<String>,
    /// Where the development CA lives.
    pub state_dir: Option<PathBuf>,
    /// Prometheus metrics, e.g. `127.0.0.1:15020`.
    pub metrics_listen: Option<String>,
    /// Readiness, e.g. `127.0.0.1:15021`.
    pub ready_listen: Option<String>,
    /// The admin page, loopback only, e.g. `127.0.0.1:15000`.
    pub admin_listen: Option<String>,
    /// Take micros' identities from the SPIFFE Workload API at this socket (`unix:///...`)
    /// instead of the development CA; each micro's SVID is picked by its SPIFFE ID.
    pub workload_api: Option<String>,
}

/// A service by URL alone, or with the SPIFFE ID its certificate must carry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ServiceConfig {
    Url(String),
    Entry {
        url: String,
        spiffe_id: Option<String>,
    },
}

impl ServiceConfig {
    pub fn url(&self) -> &str {
        match self {
            ServiceConfig::Url(url) | ServiceConfig::Entry { url, .. } => url,
        }
    }

    pub fn spiffe_id(&self) -> Option<&str> {
        match self {
            ServiceConfig::Url(_) => None,
            ServiceConfig::Entry { spiffe_id, .. } => spiffe_id.as_deref(),
        }
    }
}

/// One `[[micros]]` entry: where it is and how its line is set up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MicroConfig {
    pub name: String,
    /// zx-if1, zx-128, zx-next, c64-userport or c64-swiftlink. [default: zx-if1]
    #[serde(default = "default_profile")]
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
    /// Run this program in an emulated Spectrum with the Z80 client library.
    pub emulate: Option<PathBuf>,
    /// The emulated Spectrum's serial port: if1, ay128 or next.
    pub port: Option<String>,
    /// The micro's identity from PEM files (Istio or csi-driver-spiffe layout) instead of the
    /// development CA.
    pub identity_dir: Option<PathBuf>,

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

fn default_profile() -> String {
    "zx-if1".into()
}
