//! Where a wire ends on the adapter side, and how a wire names its level shifter.

use crate::model::AdapterDir;

/// Where a wire ends on the adapter side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Gpio(u8),
    UsbSerial(UsbSerialPin),
    Gnd,
    PullUp3V3,
    /// Pins of this net are joined on the plug; nothing reaches the adapter.
    Jumper,
    None,
}

/// The signal pins of a 3.3 V USB-serial cable (FTDI TTL-232R order: 1 GND, 2 CTS, 3 VCC, 4 TXD, 5 RXD, 6 RTS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsbSerialPin {
    Txd,
    Rxd,
    Cts,
    Rts,
}

impl UsbSerialPin {
    pub fn name(self) -> &'static str {
        match self {
            UsbSerialPin::Txd => "TXD",
            UsbSerialPin::Rxd => "RXD",
            UsbSerialPin::Cts => "CTS",
            UsbSerialPin::Rts => "RTS",
        }
    }
    /// The cable's view: TXD and RTS drive, RXD and CTS listen.
    pub fn dir(self) -> AdapterDir {
        match self {
            UsbSerialPin::Txd | UsbSerialPin::Rts => AdapterDir::Out,
            UsbSerialPin::Rxd | UsbSerialPin::Cts => AdapterDir::In,
        }
    }
    /// Header pin number in FTDI order.
    pub fn header_pin(self) -> u8 {
        match self {
            UsbSerialPin::Cts => 2,
            UsbSerialPin::Txd => 4,
            UsbSerialPin::Rxd => 5,
            UsbSerialPin::Rts => 6,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Gpio(n) => write!(f, "GP{n}"),
            Endpoint::UsbSerial(p) => write!(f, "usb-serial:{}", p.name()),
            Endpoint::Gnd => f.write_str("gnd"),
            Endpoint::PullUp3V3 => f.write_str("pullup-3v3"),
            Endpoint::Jumper => f.write_str("jumper"),
            Endpoint::None => f.write_str("none"),
        }
    }
}

/// Parses a wire's `gpio` field; `None` when it is not one of the known forms.
pub fn parse_endpoint(text: &str) -> Option<Endpoint> {
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "gnd" => return Some(Endpoint::Gnd),
        "pullup-3v3" => return Some(Endpoint::PullUp3V3),
        "jumper" => return Some(Endpoint::Jumper),
        "none" => return Some(Endpoint::None),
        _ => {}
    }
    if let Some(n) = t.strip_prefix("GP") {
        return n.parse::<u8>().ok().map(Endpoint::Gpio);
    }
    let pin = t.strip_prefix("usb-serial:")?;
    let pin = match pin {
        "TXD" => UsbSerialPin::Txd,
        "RXD" => UsbSerialPin::Rxd,
        "CTS" => UsbSerialPin::Cts,
        "RTS" => UsbSerialPin::Rts,
        _ => return None,
    };
    Some(Endpoint::UsbSerial(pin))
}

/// A `via` that is neither "none" nor "REF:CHANNEL".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedVia;

/// Parses a wire's `via` field: `Ok(None)` for "none", `Ok(Some((ref, channel)))`, or an error.
pub fn parse_via(text: &str) -> Result<Option<(&str, &str)>, MalformedVia> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match t.split_once(':') {
        Some((r, c)) if !r.is_empty() && !c.is_empty() => Ok(Some((r, c))),
        _ => Err(MalformedVia),
    }
}
