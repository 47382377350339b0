//! Machine profiles: how the bridge talks to each kind of micro.
//!
//! A [`MachineProfile`] bundles the serial settings, the pacing the micro needs, its screen width
//! and its character set. The built-in profiles ([`MachineProfile::all`]) are starting points;
//! a configuration overrides single fields with [`LinkOverrides`]:
//!
//! ```toml
//! [link]
//! profile = "zx-128"
//! byte_gap_ms = 80        # this +3 drops characters unless they are far apart
//! ```
//!
//! ```
//! use retromesh_link::profile::{LinkOverrides, MachineProfile};
//!
//! let overrides = LinkOverrides { byte_gap_ms: Some(80), ..LinkOverrides::default() };
//! let profile = overrides.apply(MachineProfile::by_name("zx-128").unwrap()).unwrap();
//! assert_eq!(profile.pacing.byte_gap, std::time::Duration::from_millis(80));
//! assert_eq!(profile.serial.baud, 9600);
//! ```

use std::fmt;
use std::time::Duration;

use retromesh_link_frame::MachineId;
use serde::{Deserialize, Serialize};

/// The character set the micro prints with. See [`crate::text::charset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Charset {
    /// The Spectrum's ASCII variant: 0x60 is £, 0x7F is ©, 0x5E shows as an up arrow.
    ZxAscii,
    /// Commodore PETSCII in the shifted (lower/upper case) set a BASIC user gets after
    /// `PRINT CHR$(14)`.
    Petscii,
}

/// Parity bit of the serial line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    /// No parity bit.
    #[default]
    None,
    /// Odd parity.
    Odd,
    /// Even parity.
    Even,
}

/// Flow control on the serial line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowControl {
    /// None: the bridge sends whenever it likes (pacing is then the only brake).
    #[default]
    None,
    /// RTS/CTS.
    Hardware,
    /// XON/XOFF. Only for text: frame mode sends 0x11 and 0x13 as data.
    Software,
}

/// Line settings of a serial port.
///
/// Deserializes with every field optional (`#[serde(default)]`, defaults 9600 8N1, no flow
/// control); to change single fields of a profile use [`LinkOverrides`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SerialSettings {
    /// Bits per second.
    pub baud: u32,
    /// Data bits, 5..=8.
    pub data_bits: u8,
    /// Parity.
    pub parity: Parity,
    /// Stop bits, 1 or 2.
    pub stop_bits: u8,
    /// Flow control.
    pub flow: FlowControl,
}

impl Default for SerialSettings {
    fn default() -> Self {
        SerialSettings {
            baud: 9600,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            flow: FlowControl::None,
        }
    }
}

impl SerialSettings {
    /// Checks the values are ones a serial port can have.
    pub fn validate(&self) -> Result<(), ProfileError> {
        if self.baud == 0 {
            return Err(ProfileError::InvalidSetting {
                setting: "baud",
                value: self.baud.to_string(),
                expected: "a line speed above 0, e.g. 9600",
            });
        }
        if !(5..=8).contains(&self.data_bits) {
            return Err(ProfileError::InvalidSetting {
                setting: "data_bits",
                value: self.data_bits.to_string(),
                expected: "5, 6, 7 or 8",
            });
        }
        if !(1..=2).contains(&self.stop_bits) {
            return Err(ProfileError::InvalidSetting {
                setting: "stop_bits",
                value: self.stop_bits.to_string(),
                expected: "1 or 2",
            });
        }
        Ok(())
    }
}

impl fmt::Display for SerialSettings {
    /// `9600 8N2 hardware flow`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parity = match self.parity {
            Parity::None => 'N',
            Parity::Odd => 'O',
            Parity::Even => 'E',
        };
        let flow = match self.flow {
            FlowControl::None => "no flow control",
            FlowControl::Hardware => "hardware flow",
            FlowControl::Software => "XON/XOFF flow",
        };
        write!(
            f,
            "{} {}{}{} {}",
            self.baud, self.data_bits, parity, self.stop_bits, flow
        )
    }
}

/// Gaps the bridge leaves between the bytes it sends (see [`crate::transport::pacing`]).
///
/// In TOML the fields are whole milliseconds: `byte_gap_ms`, `line_gap_ms` (default 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pacing {
    /// Pause after every byte.
    #[serde(rename = "byte_gap_ms", with = "duration_ms")]
    pub byte_gap: Duration,
    /// Extra pause after each CR (0x0D), on top of `byte_gap`: time for a BASIC client to deal
    /// with the line it just got.
    #[serde(rename = "line_gap_ms", with = "duration_ms")]
    pub line_gap: Duration,
}

impl Pacing {
    /// No gaps: bytes go out as fast as the line takes them.
    pub const NONE: Pacing = Pacing {
        byte_gap: Duration::ZERO,
        line_gap: Duration::ZERO,
    };

    /// Whether both gaps are zero.
    pub fn is_zero(&self) -> bool {
        self.byte_gap.is_zero() && self.line_gap.is_zero()
    }

    /// The pause to leave after sending `byte`.
    pub fn gap_after(&self, byte: u8) -> Duration {
        if byte == 0x0D {
            self.byte_gap + self.line_gap
        } else {
            self.byte_gap
        }
    }
}

/// Durations as whole milliseconds in configuration files.
mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Everything the bridge needs to know about one kind of micro.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineProfile {
    /// Name used in configuration files, e.g. `zx-if1`.
    pub name: &'static str,
    /// The machine family, as the micro reports it in HELLO.
    pub machine: MachineId,
    /// Serial line settings.
    pub serial: SerialSettings,
    /// Gaps between bytes sent to the micro.
    pub pacing: Pacing,
    /// Screen columns for line-mode text (32 on a Spectrum, 40 on a C64).
    pub width: u8,
    /// Character set for line-mode text.
    pub charset: Charset,
    /// One line for `--help` and error messages.
    pub about: &'static str,
}

const ZX_WIDTH: u8 = 32;
const C64_WIDTH: u8 = 40;

/// A BASIC client reading with INPUT needs time to handle a line before the next one arrives;
/// 50 ms is a few BASIC statements. Machine-code clients do not need it but lose little.
const BASIC_LINE_GAP: Duration = Duration::from_millis(50);

static PROFILES: [MachineProfile; 5] = [
    MachineProfile {
        name: "zx-if1",
        // Interface 1 plugs into a 48K (it works on a 128K too; HELLO tells the real machine).
        machine: MachineId::Zx48,
        // The IF1 sends and receives 8 data bits, no parity, 2 stop bits; 9600 is its top speed.
        // It raises CTS only while its ROM is waiting for a byte and has no receive buffer, so
        // hardware flow is a must; many USB adapters still push out a byte or two after CTS
        // drops, hence a small gap between bytes as well.
        serial: SerialSettings {
            baud: 9600,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 2,
            flow: FlowControl::Hardware,
        },
        pacing: Pacing {
            byte_gap: Duration::from_millis(2),
            line_gap: BASIC_LINE_GAP,
        },
        width: ZX_WIDTH,
        charset: Charset::ZxAscii,
        about: "ZX Spectrum with Interface 1 (RS232 at 9600 8N2, hardware flow)",
    },
    MachineProfile {
        name: "zx-128",
        machine: MachineId::Zx128,
        // The 128K/+2/+3 AUX port is bit-banged by the ROM through the AY chip, 8N2; the ROM
        // signals when it is ready to receive, so hardware flow is on. The ROM needs time
        // between bytes to get back to watching for the next start bit: 5 ms is enough on
        // most machines, but a +3 owner reported losing characters unless they were much
        // further apart: some +3s need up to 80 ms (`byte_gap_ms = 80`).
        serial: SerialSettings {
            baud: 9600,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 2,
            flow: FlowControl::Hardware,
        },
        pacing: Pacing {
            byte_gap: Duration::from_millis(5),
            line_gap: BASIC_LINE_GAP,
        },
        width: ZX_WIDTH,
        charset: Charset::ZxAscii,
        about: "ZX Spectrum 128K/+2/+3 RS232 port (9600 8N2; some +3s need byte_gap_ms = 80)",
    },
    MachineProfile {
        name: "zx-next",
        machine: MachineId::ZxNext,
        // The Next's UART is a real UART with a 256-byte receive FIFO: 115200 8N1 without flow
        // control or gaps is fine as long as the client keeps up.
        serial: SerialSettings {
            baud: 115_200,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            flow: FlowControl::None,
        },
        pacing: Pacing::NONE,
        width: ZX_WIDTH,
        charset: Charset::ZxAscii,
        about: "ZX Spectrum Next UART (115200 8N1, no flow control)",
    },
    MachineProfile {
        name: "c64-userport",
        machine: MachineId::C64,
        // The KERNAL's RS-232 is bit-banged from NMIs; 1200 baud is the fastest it does
        // reliably, 3-wire (no handshake) is what most user-port cables have. It buffers 256
        // bytes but a BASIC GET# loop empties them slowly and the NMI receiver can miss a
        // start bit that follows a stop bit straight away, hence the gaps.
        serial: SerialSettings {
            baud: 1200,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            flow: FlowControl::None,
        },
        pacing: Pacing {
            byte_gap: Duration::from_millis(2),
            line_gap: BASIC_LINE_GAP,
        },
        width: C64_WIDTH,
        charset: Charset::Petscii,
        about: "Commodore 64 user port, KERNAL RS-232 (1200 8N1, no flow control)",
    },
    MachineProfile {
        name: "c64-swiftlink",
        machine: MachineId::C64,
        // The SwiftLink cartridge has a 6551 ACIA (with a doubled crystal: 38400 is the rate
        // software selects as 19200) and wires RTS/CTS, so the ACIA's flow control is the
        // brake and no gaps are needed.
        serial: SerialSettings {
            baud: 38_400,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            flow: FlowControl::Hardware,
        },
        pacing: Pacing::NONE,
        width: C64_WIDTH,
        charset: Charset::Petscii,
        about: "Commodore 64 with a SwiftLink 6551 cartridge (38400 8N1, hardware flow)",
    },
];

impl MachineProfile {
    /// Every built-in profile.
    pub fn all() -> &'static [MachineProfile] {
        &PROFILES
    }

    /// The built-in profile called `name` (ASCII case ignored).
    pub fn by_name(name: &str) -> Result<&'static MachineProfile, ProfileError> {
        let wanted = name.trim();
        PROFILES
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| ProfileError::UnknownProfile {
                name: name.to_string(),
                valid: PROFILES
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Single-field changes to a profile, as read from a configuration file. Every field is
/// optional; unknown fields are an error (a typo should not be silently ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkOverrides {
    /// Line speed.
    pub baud: Option<u32>,
    /// Data bits, 5..=8.
    pub data_bits: Option<u8>,
    /// Parity: `"none"`, `"odd"`, `"even"`.
    pub parity: Option<Parity>,
    /// Stop bits, 1 or 2.
    pub stop_bits: Option<u8>,
    /// Flow control: `"none"`, `"hardware"`, `"software"`.
    pub flow: Option<FlowControl>,
    /// Pause after every byte, milliseconds.
    pub byte_gap_ms: Option<u64>,
    /// Extra pause after each CR, milliseconds.
    pub line_gap_ms: Option<u64>,
    /// Screen columns for line-mode text.
    pub width: Option<u8>,
}

impl LinkOverrides {
    /// `profile` with these overrides applied, checked.
    pub fn apply(&self, profile: &MachineProfile) -> Result<MachineProfile, ProfileError> {
        let mut out = profile.clone();
        let s = &mut out.serial;
        s.baud = self.baud.unwrap_or(s.baud);
        s.data_bits = self.data_bits.unwrap_or(s.data_bits);
        s.parity = self.parity.unwrap_or(s.parity);
        s.stop_bits = self.stop_bits.unwrap_or(s.stop_bits);
        s.flow = self.flow.unwrap_or(s.flow);
        s.validate()?;
        if let Some(ms) = self.byte_gap_ms {
            out.pacing.byte_gap = Duration::from_millis(ms);
        }
        if let Some(ms) = self.line_gap_ms {
            out.pacing.line_gap = Duration::from_millis(ms);
        }
        if let Some(width) = self.width {
            if width == 0 {
                return Err(ProfileError::InvalidSetting {
                    setting: "width",
                    value: width.to_string(),
                    expected: "the screen's columns, e.g. 32 or 40",
                });
            }
            out.width = width;
        }
        Ok(out)
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self == &LinkOverrides::default()
    }
}

/// A profile name or setting that can't be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// No built-in profile has that name.
    #[error("unknown machine profile {name:?}: use one of {valid}")]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The valid names, comma-separated.
        valid: String,
    },
    /// A setting is out of range.
    #[error("{setting} = {value} can't be used: expected {expected}")]
    InvalidSetting {
        /// Field name as in the configuration file.
        setting: &'static str,
        /// The value given.
        value: String,
        /// What would be accepted.
        expected: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_valid_and_named_uniquely() {
        let all = MachineProfile::all();
        assert_eq!(all.len(), 5);
        for (i, p) in all.iter().enumerate() {
            p.serial.validate().unwrap();
            assert!(all[..i].iter().all(|q| q.name != p.name), "{}", p.name);
            assert_eq!(MachineProfile::by_name(p.name).unwrap(), p);
            let want = match p.charset {
                Charset::ZxAscii => 32,
                Charset::Petscii => 40,
            };
            assert_eq!(p.width, want, "{}", p.name);
        }
    }

    #[test]
    fn named_profiles_have_their_settings() {
        let if1 = MachineProfile::by_name("zx-if1").unwrap();
        assert_eq!(if1.serial.to_string(), "9600 8N2 hardware flow");
        assert!(!if1.pacing.byte_gap.is_zero());
        let p3 = MachineProfile::by_name("ZX-128").unwrap();
        assert_eq!(p3.pacing.byte_gap, Duration::from_millis(5));
        let next = MachineProfile::by_name("zx-next").unwrap();
        assert_eq!(next.serial.to_string(), "115200 8N1 no flow control");
        assert!(next.pacing.is_zero());
        let c64 = MachineProfile::by_name("c64-userport").unwrap();
        assert_eq!((c64.serial.baud, c64.width), (1200, 40));
        assert_eq!(c64.charset, Charset::Petscii);
        let swift = MachineProfile::by_name("c64-swiftlink").unwrap();
        assert_eq!(swift.serial.to_string(), "38400 8N1 hardware flow");
    }

    #[test]
    fn unknown_name_lists_the_valid_ones() {
        let err = MachineProfile::by_name("spectrum").unwrap_err().to_string();
        assert!(err.contains("\"spectrum\""), "{err}");
        for p in MachineProfile::all() {
            assert!(err.contains(p.name), "{err}");
        }
    }

    #[test]
    fn overrides_from_toml_change_only_their_fields() {
        let o: LinkOverrides = toml::from_str(
            r#"
            byte_gap_ms = 80
            parity = "even"
            flow = "none"
            "#,
        )
        .unwrap();
        let base = MachineProfile::by_name("zx-128").unwrap();
        let p = o.apply(base).unwrap();
        assert_eq!(p.pacing.byte_gap, Duration::from_millis(80));
        assert_eq!(p.pacing.line_gap, base.pacing.line_gap);
        assert_eq!(p.serial.parity, Parity::Even);
        assert_eq!(p.serial.flow, FlowControl::None);
        assert_eq!(p.serial.baud, 9600);
        assert_eq!(p.serial.stop_bits, 2);
        assert_eq!(p.width, 32);
        assert!(LinkOverrides::default().is_empty());
        assert_eq!(LinkOverrides::default().apply(base).unwrap(), *base);
    }

    #[test]
    fn overrides_are_checked() {
        let base = MachineProfile::by_name("zx-next").unwrap();
        let bad = LinkOverrides {
            data_bits: Some(9),
            ..LinkOverrides::default()
        };
        let err = bad.apply(base).unwrap_err().to_string();
        assert!(err.contains("data_bits = 9"), "{err}");
        let bad = LinkOverrides {
            stop_bits: Some(3),
            ..LinkOverrides::default()
        };
        assert!(bad.apply(base).is_err());
        let bad = LinkOverrides {
            width: Some(0),
            ..LinkOverrides::default()
        };
        assert!(bad.apply(base).is_err());
        assert!(toml::from_str::<LinkOverrides>("bauds = 9600").is_err());
        assert!(toml::from_str::<LinkOverrides>("parity = \"mark\"").is_err());
    }

    #[test]
    fn settings_and_pacing_deserialize_with_defaults() {
        let s: SerialSettings = toml::from_str("baud = 2400\nstop_bits = 2").unwrap();
        assert_eq!(
            s,
            SerialSettings {
                baud: 2400,
                stop_bits: 2,
                ..SerialSettings::default()
            }
        );
        let p: Pacing = toml::from_str("byte_gap_ms = 5").unwrap();
        assert_eq!(p.byte_gap, Duration::from_millis(5));
        assert_eq!(p.line_gap, Duration::ZERO);
        let back: Pacing = toml::from_str(&toml::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        assert_eq!(p.gap_after(b'a'), Duration::from_millis(5));
        let p = Pacing {
            line_gap: Duration::from_millis(50),
            ..p
        };
        assert_eq!(p.gap_after(0x0D), Duration::from_millis(55));
    }
}
