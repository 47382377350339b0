//! Payloads of the HELLO handshake.
//!
//! ```text
//! HELLO        micro -> bridge   +---------+-------+-------+-------------+
//!                                | machine | major | minor | max payload |
//!                                +---------+-------+-------+-------------+
//! HELLO_REPLY  bridge -> micro   +-------+-------+--------------------+
//!                                | major | minor | agreed max payload |
//!                                +-------+-------+--------------------+
//! ```
//!
//! The micro sends its machine, its client version and the largest DATA payload it can take
//! (1..=250). The bridge answers with its own version and the agreed maximum, the smaller of
//! the two; neither side sends a larger DATA payload after that. Decoders ignore bytes past the
//! ones they know, so a later version may append fields.
//!
//! HELLO's optional fifth byte is the client library's capabilities, one bit each
//! ([`CAP_SCREEN`]). A 4-byte HELLO (every client library before it, the Z80 one included)
//! means none; read it with [`capabilities`].

use crate::frame::MAX_PAYLOAD_LEN;

/// Bytes of a HELLO payload this version writes.
pub const HELLO_LEN: usize = 4;
/// Bytes of a HELLO that carries the capabilities byte.
pub const HELLO_WITH_CAPABILITIES_LEN: usize = HELLO_LEN + 1;

/// Capability: the micro answers SCREEN with its screen memory.
pub const CAP_SCREEN: u8 = 0x01;

/// The capabilities a HELLO payload announces: its fifth byte, 0 when it has four.
pub fn capabilities(hello_payload: &[u8]) -> u8 {
    hello_payload.get(HELLO_LEN).copied().unwrap_or(0)
}

/// Bytes of a HELLO_REPLY payload this version writes.
pub const HELLO_REPLY_LEN: usize = 3;

/// Which micro is on the other end. Values are grouped by family (0x1_ Sinclair, 0x2_
/// Commodore) so relatives can be added; 0x00 is never used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MachineId {
    /// ZX Spectrum 16K/48K.
    Zx48 = 0x10,
    /// ZX Spectrum 128K, +2, +2A, +3.
    Zx128 = 0x11,
    /// ZX Spectrum Next.
    ZxNext = 0x12,
    /// Commodore 64.
    C64 = 0x20,
}

impl MachineId {
    /// The wire value.
    pub const fn to_u8(self) -> u8 {
        self as u8
    }

    /// The machine for a wire value, if known.
    pub const fn from_u8(value: u8) -> Option<Self> {
        match value {
            0x10 => Some(MachineId::Zx48),
            0x11 => Some(MachineId::Zx128),
            0x12 => Some(MachineId::ZxNext),
            0x20 => Some(MachineId::C64),
            _ => None,
        }
    }
}

impl TryFrom<u8> for MachineId {
    type Error = HelloError;

    fn try_from(value: u8) -> Result<Self, HelloError> {
        MachineId::from_u8(value).ok_or(HelloError::UnknownMachine(value))
    }
}

/// A `major.minor` software version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
}

impl Version {
    pub const fn new(major: u8, minor: u8) -> Self {
        Version { major, minor }
    }
}

impl core::fmt::Display for Version {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Why a HELLO or HELLO_REPLY payload could not be encoded or decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HelloError {
    /// The payload had `len` bytes; at least `needed` are required.
    TooShort { len: usize, needed: usize },
    /// The machine byte is not a [`MachineId`].
    UnknownMachine(u8),
    /// A max payload outside 1..=250.
    BadMaxPayload(u8),
    /// The output buffer is shorter than `needed`.
    BufferTooSmall { needed: usize },
}

impl core::fmt::Display for HelloError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HelloError::TooShort { len, needed } => {
                write!(f, "handshake payload of {len} bytes, {needed} needed")
            }
            HelloError::UnknownMachine(m) => write!(f, "unknown machine id 0x{m:02X}"),
            HelloError::BadMaxPayload(n) => {
                write!(f, "max payload {n} outside 1..={MAX_PAYLOAD_LEN}")
            }
            HelloError::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
        }
    }
}

impl core::error::Error for HelloError {}

fn check_max_payload(n: u8) -> Result<u8, HelloError> {
    if n == 0 || n as usize > MAX_PAYLOAD_LEN {
        Err(HelloError::BadMaxPayload(n))
    } else {
        Ok(n)
    }
}

fn check_len(payload: &[u8], needed: usize) -> Result<(), HelloError> {
    if payload.len() < needed {
        Err(HelloError::TooShort {
            len: payload.len(),
            needed,
        })
    } else {
        Ok(())
    }
}

fn copy_out<const N: usize>(bytes: [u8; N], out: &mut [u8]) -> Result<usize, HelloError> {
    match out.get_mut(..N) {
        Some(dst) => {
            dst.copy_from_slice(&bytes);
            Ok(N)
        }
        None => Err(HelloError::BufferTooSmall { needed: N }),
    }
}

/// HELLO payload: micro to bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hello {
    pub machine: MachineId,
    /// The micro's client version.
    pub version: Version,
    /// Largest DATA payload the micro accepts, 1..=250.
    pub max_payload: u8,
}

impl Hello {
    /// The payload bytes; fails if `max_payload` is outside 1..=250.
    pub fn to_bytes(&self) -> Result<[u8; HELLO_LEN], HelloError> {
        let max = check_max_payload(self.max_payload)?;
        Ok([
            self.machine.to_u8(),
            self.version.major,
            self.version.minor,
            max,
        ])
    }

    /// Writes the payload into `out`, returning its length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, HelloError> {
        copy_out(self.to_bytes()?, out)
    }

    /// The payload with the capabilities byte appended (see [`capabilities`]).
    pub fn to_bytes_with(
        &self,
        capabilities: u8,
    ) -> Result<[u8; HELLO_WITH_CAPABILITIES_LEN], HelloError> {
        let [m, major, minor, max] = self.to_bytes()?;
        Ok([m, major, minor, max, capabilities])
    }

    /// Parses a HELLO payload (bytes past the fourth are ignored).
    pub fn decode(payload: &[u8]) -> Result<Hello, HelloError> {
        check_len(payload, HELLO_LEN)?;
        Ok(Hello {
            machine: MachineId::try_from(payload[0])?,
            version: Version::new(payload[1], payload[2]),
            max_payload: check_max_payload(payload[3])?,
        })
    }

    /// The bridge's answer: its version and the smaller of the two maximum payloads. Fails if
    /// `bridge_max_payload` (or this HELLO's) is outside 1..=250.
    pub fn reply(
        &self,
        bridge_version: Version,
        bridge_max_payload: u8,
    ) -> Result<HelloReply, HelloError> {
        let ours = check_max_payload(bridge_max_payload)?;
        let theirs = check_max_payload(self.max_payload)?;
        Ok(HelloReply {
            version: bridge_version,
            max_payload: ours.min(theirs),
        })
    }
}

/// HELLO_REPLY payload: bridge to micro.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HelloReply {
    /// The bridge's version.
    pub version: Version,
    /// The agreed largest DATA payload, for both directions.
    pub max_payload: u8,
}

impl HelloReply {
    /// The payload bytes; fails if `max_payload` is outside 1..=250.
    pub fn to_bytes(&self) -> Result<[u8; HELLO_REPLY_LEN], HelloError> {
        let max = check_max_payload(self.max_payload)?;
        Ok([self.version.major, self.version.minor, max])
    }

    /// Writes the payload into `out`, returning its length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, HelloError> {
        copy_out(self.to_bytes()?, out)
    }

    /// Parses a HELLO_REPLY payload (bytes past the third are ignored).
    pub fn decode(payload: &[u8]) -> Result<HelloReply, HelloError> {
        check_len(payload, HELLO_REPLY_LEN)?;
        Ok(HelloReply {
            version: Version::new(payload[0], payload[1]),
            max_payload: check_max_payload(payload[2])?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACHINES: [MachineId; 4] = [
        MachineId::Zx48,
        MachineId::Zx128,
        MachineId::ZxNext,
        MachineId::C64,
    ];

    #[test]
    fn hello_layout_and_round_trip() {
        let h = Hello {
            machine: MachineId::C64,
            version: Version::new(1, 2),
            max_payload: 64,
        };
        assert_eq!(h.to_bytes(), Ok([0x20, 1, 2, 64]));
        let mut out = [0u8; 8];
        assert_eq!(h.encode(&mut out), Ok(4));
        assert_eq!(Hello::decode(&out[..4]), Ok(h));
        for m in MACHINES {
            for max in [1, 100, 250] {
                let h = Hello {
                    machine: m,
                    version: Version::new(255, 0),
                    max_payload: max,
                };
                assert_eq!(Hello::decode(&h.to_bytes().unwrap()), Ok(h));
            }
        }
    }

    #[test]
    fn machine_ids() {
        for v in 0..=255u8 {
            match MachineId::from_u8(v) {
                Some(m) => assert_eq!(m.to_u8(), v),
                None => assert_eq!(MachineId::try_from(v), Err(HelloError::UnknownMachine(v))),
            }
        }
        assert_eq!(
            Hello::decode(&[0x00, 1, 0, 10]),
            Err(HelloError::UnknownMachine(0))
        );
    }

    #[test]
    fn reply_layout_and_round_trip() {
        let r = HelloReply {
            version: Version::new(0, 9),
            max_payload: 250,
        };
        assert_eq!(r.to_bytes(), Ok([0, 9, 250]));
        assert_eq!(HelloReply::decode(&r.to_bytes().unwrap()), Ok(r));
        let mut out = [0u8; 3];
        assert_eq!(r.encode(&mut out), Ok(3));
    }

    #[test]
    fn agreed_max_is_the_minimum() {
        let h = Hello {
            machine: MachineId::Zx48,
            version: Version::new(1, 0),
            max_payload: 32,
        };
        assert_eq!(
            h.reply(Version::new(2, 5), 250),
            Ok(HelloReply {
                version: Version::new(2, 5),
                max_payload: 32
            })
        );
        assert_eq!(h.reply(Version::new(2, 5), 16).unwrap().max_payload, 16);
        assert_eq!(
            h.reply(Version::new(2, 5), 0),
            Err(HelloError::BadMaxPayload(0))
        );
        assert_eq!(
            h.reply(Version::new(2, 5), 251),
            Err(HelloError::BadMaxPayload(251))
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            Hello::decode(&[0x10, 1, 0]),
            Err(HelloError::TooShort { len: 3, needed: 4 })
        );
        assert_eq!(
            HelloReply::decode(&[]),
            Err(HelloError::TooShort { len: 0, needed: 3 })
        );
        assert_eq!(
            Hello::decode(&[0x10, 1, 0, 0]),
            Err(HelloError::BadMaxPayload(0))
        );
        assert_eq!(
            Hello::decode(&[0x10, 1, 0, 251]),
            Err(HelloError::BadMaxPayload(251))
        );
        assert_eq!(
            HelloReply::decode(&[1, 0, 255]),
            Err(HelloError::BadMaxPayload(255))
        );
        let bad = Hello {
            machine: MachineId::Zx128,
            version: Version::new(1, 0),
            max_payload: 0,
        };
        assert_eq!(bad.to_bytes(), Err(HelloError::BadMaxPayload(0)));
        let good = Hello {
            max_payload: 10,
            ..bad
        };
        let mut small = [0u8; 3];
        assert_eq!(
            good.encode(&mut small),
            Err(HelloError::BufferTooSmall { needed: 4 })
        );
    }

    #[test]
    fn capabilities_are_an_optional_fifth_byte() {
        let h = Hello {
            machine: MachineId::Zx48,
            version: Version::new(1, 1),
            max_payload: 250,
        };
        let with = h.to_bytes_with(CAP_SCREEN).unwrap();
        assert_eq!(with, [0x10, 1, 1, 250, CAP_SCREEN]);
        assert_eq!(Hello::decode(&with), Ok(h));
        assert_eq!(capabilities(&with), CAP_SCREEN);
        assert_eq!(capabilities(&h.to_bytes().unwrap()), 0);
    }

    #[test]
    fn trailing_bytes_are_ignored() {
        assert_eq!(
            Hello::decode(&[0x12, 3, 4, 200, 0xAA, 0xBB]),
            Ok(Hello {
                machine: MachineId::ZxNext,
                version: Version::new(3, 4),
                max_payload: 200
            })
        );
        assert_eq!(
            HelloReply::decode(&[3, 4, 200, 0xAA]).unwrap().max_payload,
            200
        );
    }
}
