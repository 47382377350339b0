//! The pin map's shape, as read from `hardware/pinmap.toml`.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use crate::endpoint::*;

/// Reading the pin map failed before any check could run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read pin map {path}: {source}; check the path (the default is hardware/pinmap.toml)")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("pin map {path} is not valid TOML for this schema: {message}; fix the field named above (see the comment at the top of pinmap.toml)")]
    Toml { path: String, message: String },
}

/// The whole map: parts, the micros' connectors, and the variants that wire them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinMap {
    pub schema: u32,
    pub board: Board,
    #[serde(rename = "part", default)]
    pub parts: Vec<Part>,
    #[serde(rename = "connector", default)]
    pub connectors: Vec<Connector>,
    #[serde(rename = "variant", default)]
    pub variants: Vec<Variant>,
    pub power: Power,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    pub name: String,
    pub mcu: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Power {
    pub summary: String,
    /// What must never be back-fed or connected.
    pub never: Vec<String>,
}

/// A kind of part (one BOM line).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub id: String,
    pub kind: PartKind,
    pub description: String,
    /// Extras every instance brings along (capacitors and the like).
    #[serde(default)]
    pub needs: Vec<Need>,
    /// Level-shifter channels; empty for parts that are not shifters.
    #[serde(default)]
    pub channels: Vec<Channel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartKind {
    /// ±12 V RS-232 to logic levels (MAX3232).
    Rs232Transceiver,
    /// 3.3 V logic with 5 V tolerant inputs or open-drain outputs (74LVC245, 74LVC07).
    LvcBuffer,
    Mcu,
    Power,
    Cable,
    Connector,
    Passive,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    pub part: String,
    pub qty: u32,
    pub why: String,
}

/// One level-shifter channel: the pin facing the MCU and the pin facing the micro.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub name: String,
    pub mcu: String,
    pub micro: String,
    pub dir: ChannelDir,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelDir {
    ToMicro,
    ToMcu,
    /// A bus transceiver: the instance's `dir` setting decides.
    SetByDirPin,
}

/// A micro's connector, every pin as the micro has it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connector {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: String,
    #[serde(default)]
    pub notes: String,
    pub pins: Vec<ConnectorPin>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorPin {
    pub pin: String,
    pub signal: String,
    /// What the micro can do with the pin.
    pub dir: PinCapability,
    pub voltage: Voltage,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinCapability {
    In,
    Out,
    Bidir,
    Power,
    Ground,
    Nc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Voltage {
    #[serde(rename = "ttl-5v")]
    Ttl5V,
    #[serde(rename = "rs232")]
    Rs232,
    #[serde(rename = "cmos-3v3")]
    Cmos3V3,
    #[serde(rename = "ground")]
    Ground,
    #[serde(rename = "power")]
    Power,
    #[serde(rename = "none")]
    None,
}

impl Voltage {
    pub fn describe(self) -> &'static str {
        match self {
            Voltage::Ttl5V => "5 V TTL",
            Voltage::Rs232 => "±12 V RS-232",
            Voltage::Cmos3V3 => "3.3 V",
            Voltage::Ground => "ground",
            Voltage::Power => "supply",
            Voltage::None => "not connected",
        }
    }
}

/// One way of wiring one connector to the adapter.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub id: String,
    pub title: String,
    /// Variants on the same board share parts by reference.
    pub board: String,
    pub connector: String,
    /// The reference of the connector on the board (J1...).
    pub connector_ref: String,
    pub parts: Vec<PartRef>,
    #[serde(default)]
    pub notes: String,
    pub wires: Vec<Wire>,
}

/// A placed part: `U2 = 74LVC245`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartRef {
    #[serde(rename = "ref")]
    pub reference: String,
    pub part: String,
    /// Bus transceivers: "a-to-b", "b-to-a" or "follows:PIN" (DIR wired to that connector pin).
    #[serde(default)]
    pub dir: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One connector pin's wiring in a variant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wire {
    pub pin: String,
    /// Name in this variant; defaults to the connector's signal. Same name = same net.
    #[serde(default)]
    pub signal: Option<String>,
    pub micro: MicroDir,
    pub adapter: AdapterDir,
    /// "REF:CHANNEL" or "none".
    #[serde(default = "none_string")]
    pub via: String,
    /// "GPn", "usb-serial:PIN", "gnd", "pullup-3v3", "jumper" or "none".
    pub gpio: String,
    /// RP2040 peripheral function, e.g. "uart0-tx".
    #[serde(default)]
    pub function: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

fn none_string() -> String {
    "none".into()
}

/// The micro's use of a pin in a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MicroDir {
    Out,
    In,
    Bidir,
    Power,
    Ground,
    Unused,
}

/// The adapter's view of a pin in a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdapterDir {
    In,
    Out,
    Bidir,
    None,
}

impl MicroDir {
    /// The adapter direction that mirrors this one.
    pub fn mirrored(self) -> AdapterDir {
        match self {
            MicroDir::Out => AdapterDir::In,
            MicroDir::In => AdapterDir::Out,
            MicroDir::Bidir => AdapterDir::Bidir,
            MicroDir::Power | MicroDir::Ground | MicroDir::Unused => AdapterDir::None,
        }
    }
}

impl PinMap {
    /// Reads and parses a pin map file.
    pub fn load(path: impl AsRef<Path>) -> Result<PinMap, LoadError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse_named(&text, &path.display().to_string())
    }

    /// Parses pin map text.
    pub fn parse(text: &str) -> Result<PinMap, LoadError> {
        Self::parse_named(text, "<text>")
    }

    fn parse_named(text: &str, name: &str) -> Result<PinMap, LoadError> {
        toml::from_str(text).map_err(|e| LoadError::Toml {
            path: name.to_string(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    pub fn part(&self, id: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.id == id)
    }

    pub fn connector(&self, id: &str) -> Option<&Connector> {
        self.connectors.iter().find(|c| c.id == id)
    }

    pub fn variant(&self, id: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.id == id)
    }

    /// Every (variant, signal, GPIO) the map assigns, one row per net, in map order.
    pub fn gpio_assignments(&self) -> Vec<(String, String, u8)> {
        let mut out: Vec<(String, String, u8)> = Vec::new();
        for v in &self.variants {
            let conn = self.connector(&v.connector);
            for w in &v.wires {
                if let Some(Endpoint::Gpio(n)) = parse_endpoint(&w.gpio) {
                    let row = (v.id.clone(), w.signal_name(conn).to_string(), n);
                    if !out.contains(&row) {
                        out.push(row);
                    }
                }
            }
        }
        out
    }
}

impl Connector {
    pub fn pin(&self, pin: &str) -> Option<&ConnectorPin> {
        self.pins.iter().find(|p| p.pin == pin)
    }
}

impl Variant {
    pub fn part_ref(&self, reference: &str) -> Option<&PartRef> {
        self.parts.iter().find(|p| p.reference == reference)
    }
}

impl Wire {
    /// The wire's signal name: its own, else the connector's, else the pin.
    pub fn signal_name<'a>(&'a self, connector: Option<&'a Connector>) -> &'a str {
        if let Some(s) = &self.signal {
            return s;
        }
        connector
            .and_then(|c| c.pin(&self.pin))
            .map(|p| p.signal.as_str())
            .unwrap_or(&self.pin)
    }
}
