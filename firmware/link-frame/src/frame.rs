//! The frame body: what sits between the SLIP ENDs.
//!
//! ```text
//!  0      1      2 ............. 2+n    2+n+1
//! +------+------+----------------+------+------+
//! | kind | seq  | payload (n)    | CRC  | CRC  |
//! |      |      | 0 <= n <= 250  | hi   | lo   |
//! +------+------+----------------+------+------+
//!  CRC-16/XMODEM over kind, seq and payload, big-endian
//! ```
//!
//! A body is 4..=254 bytes. The payload length is not sent: it is the body length minus 4.

use crate::crc::{crc16_xmodem, Crc16};
use crate::slip::{BufferTooSmall, SlipEncoder};

/// Largest payload of one frame.
pub const MAX_PAYLOAD_LEN: usize = 250;
/// Kind and sequence bytes.
pub const HEADER_LEN: usize = 2;
/// CRC bytes.
pub const CRC_LEN: usize = 2;
/// Shortest body: header and CRC, empty payload.
pub const MIN_BODY_LEN: usize = HEADER_LEN + CRC_LEN;
/// Longest body.
pub const MAX_BODY_LEN: usize = MIN_BODY_LEN + MAX_PAYLOAD_LEN;
/// Longest frame on the wire (every body byte escaped, plus two ENDs).
pub const MAX_WIRE_LEN: usize = crate::slip::max_encoded_len(MAX_BODY_LEN);

/// The frame's first byte.
///
/// Unknown values are rejected ([`FrameError::UnknownKind`]) rather than carried as an
/// `Other(u8)`: a receiver can only act on kinds it knows, a closed enum keeps every `match`
/// exhaustive, and rejecting 0x00 matters because an all-zero body has a valid CRC (see
/// [`crate::crc`]). A new kind therefore needs a version bump negotiated in HELLO.
///
/// Numbering: 0x00 is never used; 0x01..=0x0F is the reliable-delivery group (0x04..=0x0F
/// reserved); 0x10..=0x1F is the handshake group (0x12..=0x1F reserved); 0x20..=0xFF reserved.
/// Application message types (GET, POST, LISTEN, ...) are not frame kinds: they live in the
/// first bytes of DATA payloads and have their own number space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FrameKind {
    /// A sequenced payload; delivered exactly once and acknowledged.
    Data = 0x01,
    /// "I have DATA `seq`" (empty payload).
    Ack = 0x02,
    /// "A frame arrived damaged; I expect DATA `seq`" (empty payload).
    Nak = 0x03,
    /// Micro to bridge: who I am (see [`crate::hello::Hello`]). Not sequenced.
    Hello = 0x10,
    /// Bridge to micro: the agreed parameters (see [`crate::hello::HelloReply`]). Not sequenced.
    HelloReply = 0x11,
}

impl FrameKind {
    /// The wire value.
    pub const fn to_u8(self) -> u8 {
        self as u8
    }

    /// The kind for a wire value, if it is one we know.
    pub const fn from_u8(value: u8) -> Option<Self> {
        match value {
            0x01 => Some(FrameKind::Data),
            0x02 => Some(FrameKind::Ack),
            0x03 => Some(FrameKind::Nak),
            0x10 => Some(FrameKind::Hello),
            0x11 => Some(FrameKind::HelloReply),
            _ => None,
        }
    }
}

impl From<FrameKind> for u8 {
    fn from(kind: FrameKind) -> u8 {
        kind.to_u8()
    }
}

impl TryFrom<u8> for FrameKind {
    type Error = FrameError;

    fn try_from(value: u8) -> Result<Self, FrameError> {
        FrameKind::from_u8(value).ok_or(FrameError::UnknownKind(value))
    }
}

/// Why a body is not a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameError {
    /// Fewer than [`MIN_BODY_LEN`] bytes.
    TooShort,
    /// More than [`MAX_PAYLOAD_LEN`] payload bytes.
    PayloadTooLong,
    /// `expected` is the CRC computed over the received kind, seq and payload; `actual` is the
    /// CRC the frame carried.
    BadCrc { expected: u16, actual: u16 },
    /// The CRC was good but the kind byte is not one we know.
    UnknownKind(u8),
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameError::TooShort => write!(f, "frame shorter than {MIN_BODY_LEN} bytes"),
            FrameError::PayloadTooLong => {
                write!(f, "frame payload longer than {MAX_PAYLOAD_LEN} bytes")
            }
            FrameError::BadCrc { expected, actual } => write!(
                f,
                "frame CRC mismatch: computed 0x{expected:04X}, frame carried 0x{actual:04X}"
            ),
            FrameError::UnknownKind(k) => write!(f, "unknown frame kind 0x{k:02X}"),
        }
    }
}

impl core::error::Error for FrameError {}

/// A frame whose payload is borrowed (from a decoder buffer or the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameRef<'a> {
    pub kind: FrameKind,
    pub seq: u8,
    pub payload: &'a [u8],
}

impl<'a> FrameRef<'a> {
    /// A frame, checking the payload length.
    pub fn new(kind: FrameKind, seq: u8, payload: &'a [u8]) -> Result<Self, FrameError> {
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(FrameError::PayloadTooLong);
        }
        Ok(FrameRef { kind, seq, payload })
    }

    /// An ACK for `seq`.
    pub const fn ack(seq: u8) -> FrameRef<'static> {
        FrameRef {
            kind: FrameKind::Ack,
            seq,
            payload: &[],
        }
    }

    /// A NAK asking for `seq`.
    pub const fn nak(seq: u8) -> FrameRef<'static> {
        FrameRef {
            kind: FrameKind::Nak,
            seq,
            payload: &[],
        }
    }

    /// CRC-16/XMODEM over kind, seq and payload.
    pub fn crc(&self) -> u16 {
        let mut crc = Crc16::new();
        crc.push(self.kind.to_u8());
        crc.push(self.seq);
        crc.update(self.payload);
        crc.finish()
    }

    /// Length of the body (payload plus 4).
    pub fn body_len(&self) -> usize {
        self.payload.len() + MIN_BODY_LEN
    }

    /// Writes the body (not SLIP-encoded) into `out`, returning its length.
    pub fn write_body(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let needed = self.body_len();
        if out.len() < needed {
            return Err(BufferTooSmall { needed });
        }
        let n = self.payload.len();
        out[0] = self.kind.to_u8();
        out[1] = self.seq;
        out[2..2 + n].copy_from_slice(self.payload);
        out[2 + n..needed].copy_from_slice(&self.crc().to_be_bytes());
        Ok(needed)
    }

    /// Streams the whole frame, SLIP-encoded (END, body, END), into `sink`, computing the CRC
    /// on the way: no body buffer needed.
    pub fn encode_slip(&self, mut sink: impl FnMut(u8)) {
        let mut enc = SlipEncoder::new();
        let mut crc = Crc16::new();
        enc.begin(&mut sink);
        for b in [self.kind.to_u8(), self.seq]
            .iter()
            .chain(self.payload.iter())
            .copied()
        {
            crc.push(b);
            enc.push(b, &mut sink);
        }
        enc.push_slice(&crc.finish().to_be_bytes(), &mut sink);
        enc.finish(&mut sink);
    }

    /// An owned copy.
    pub fn to_frame(&self) -> Frame {
        let mut payload = [0u8; MAX_PAYLOAD_LEN];
        payload[..self.payload.len()].copy_from_slice(self.payload);
        Frame {
            kind: self.kind,
            seq: self.seq,
            payload,
            len: self.payload.len() as u8,
        }
    }
}

/// A frame that owns its payload (a fixed 250-byte array and a length; no allocation).
#[derive(Clone)]
pub struct Frame {
    pub kind: FrameKind,
    pub seq: u8,
    payload: [u8; MAX_PAYLOAD_LEN],
    len: u8,
}

impl Frame {
    /// A frame, copying the payload; fails if it is longer than [`MAX_PAYLOAD_LEN`].
    pub fn new(kind: FrameKind, seq: u8, payload: &[u8]) -> Result<Self, FrameError> {
        Ok(FrameRef::new(kind, seq, payload)?.to_frame())
    }

    /// Parses and checks a body (what the SLIP decoder returned). Checks, in order: length at
    /// least 4, payload at most 250, CRC, kind.
    pub fn decode(body: &[u8]) -> Result<FrameRef<'_>, FrameError> {
        if body.len() < MIN_BODY_LEN {
            return Err(FrameError::TooShort);
        }
        if body.len() > MAX_BODY_LEN {
            return Err(FrameError::PayloadTooLong);
        }
        let (content, trailer) = body.split_at(body.len() - CRC_LEN);
        let actual = u16::from_be_bytes([trailer[0], trailer[1]]);
        let expected = crc16_xmodem(content);
        if expected != actual {
            return Err(FrameError::BadCrc { expected, actual });
        }
        let kind = FrameKind::try_from(content[0])?;
        Ok(FrameRef {
            kind,
            seq: content[1],
            payload: &content[HEADER_LEN..],
        })
    }

    /// The payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload[..self.len as usize]
    }

    /// A borrowed view, for encoding.
    pub fn as_frame_ref(&self) -> FrameRef<'_> {
        FrameRef {
            kind: self.kind,
            seq: self.seq,
            payload: self.payload(),
        }
    }
}

impl PartialEq for Frame {
    fn eq(&self, other: &Self) -> bool {
        self.as_frame_ref() == other.as_frame_ref()
    }
}

impl Eq for Frame {}

impl core::fmt::Debug for Frame {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Frame")
            .field("kind", &self.kind)
            .field("seq", &self.seq)
            .field("payload", &self.payload())
            .finish()
    }
}

impl<'a> From<&'a Frame> for FrameRef<'a> {
    fn from(frame: &'a Frame) -> Self {
        frame.as_frame_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip::{SlipDecoder, END, ESC};
    use std::vec::Vec;

    fn body_of(frame: &FrameRef<'_>) -> Vec<u8> {
        let mut buf = [0u8; MAX_BODY_LEN];
        let n = frame.write_body(&mut buf).unwrap();
        buf[..n].to_vec()
    }

    #[test]
    fn layout_is_kind_seq_payload_crc_be() {
        let f = FrameRef::new(FrameKind::Data, 7, b"hello").unwrap();
        let body = body_of(&f);
        // CRC of 01 07 'hello' is 0xB342 (python3: binascii.crc_hqx(b'\x01\x07hello', 0)).
        assert_eq!(body, b"\x01\x07hello\xB3\x42");
        assert_eq!(f.crc(), 0xB342);
        assert_eq!(Frame::decode(&body), Ok(f));
    }

    #[test]
    fn kinds_round_trip_and_unknown_rejected() {
        for kind in [
            FrameKind::Data,
            FrameKind::Ack,
            FrameKind::Nak,
            FrameKind::Hello,
            FrameKind::HelloReply,
        ] {
            assert_eq!(FrameKind::try_from(u8::from(kind)), Ok(kind));
        }
        let known = [0x01, 0x02, 0x03, 0x10, 0x11];
        for v in 0..=255u8 {
            assert_eq!(
                FrameKind::from_u8(v).is_some(),
                known.contains(&v),
                "{v:#x}"
            );
        }
        // A body with a good CRC but an unknown kind.
        let content = [0x42u8, 0];
        let mut body = content.to_vec();
        body.extend(crc16_xmodem(&content).to_be_bytes());
        assert_eq!(Frame::decode(&body), Err(FrameError::UnknownKind(0x42)));
    }

    #[test]
    fn all_zero_body_is_rejected_despite_crc() {
        assert_eq!(Frame::decode(&[0; 4]), Err(FrameError::UnknownKind(0)));
        assert_eq!(Frame::decode(&[0; 40]), Err(FrameError::UnknownKind(0)));
    }

    #[test]
    fn short_bodies() {
        for n in 0..MIN_BODY_LEN {
            assert_eq!(Frame::decode(&[1; 3][..n]), Err(FrameError::TooShort));
        }
    }

    #[test]
    fn bad_crc_reports_both_values() {
        let f = FrameRef::new(FrameKind::Data, 1, b"abc").unwrap();
        let mut body = body_of(&f);
        body[3] ^= 0x01;
        let expected = crc16_xmodem(&body[..body.len() - 2]);
        assert_eq!(
            Frame::decode(&body),
            Err(FrameError::BadCrc {
                expected,
                actual: f.crc()
            })
        );
    }

    #[test]
    fn every_single_bit_flip_is_detected() {
        let f = FrameRef::new(FrameKind::Data, 200, &[END, ESC, 0, 0xFF, 0x55]).unwrap();
        let body = body_of(&f);
        for i in 0..body.len() * 8 {
            let mut damaged = body.clone();
            damaged[i / 8] ^= 1 << (i % 8);
            assert!(Frame::decode(&damaged).is_err(), "bit {i}");
        }
    }

    #[test]
    fn payload_limit() {
        let big = [0xAAu8; MAX_PAYLOAD_LEN + 1];
        assert_eq!(
            FrameRef::new(FrameKind::Data, 0, &big),
            Err(FrameError::PayloadTooLong)
        );
        assert_eq!(
            Frame::new(FrameKind::Data, 0, &big),
            Err(FrameError::PayloadTooLong)
        );
        assert!(Frame::new(FrameKind::Data, 0, &big[..MAX_PAYLOAD_LEN]).is_ok());
        // A 255-byte body (251-byte payload) is rejected even with a valid CRC.
        let mut body = vec![FrameKind::Data.to_u8(), 0];
        body.extend_from_slice(&big);
        let crc = crc16_xmodem(&body);
        body.extend(crc.to_be_bytes());
        assert_eq!(body.len(), MAX_BODY_LEN + 1);
        assert_eq!(Frame::decode(&body), Err(FrameError::PayloadTooLong));
    }

    #[test]
    fn round_trip_every_length_and_nasty_payloads_through_slip() {
        let fills: [fn(usize) -> u8; 5] = [
            |_| END,
            |_| ESC,
            |_| 0x00,
            |i| [END, ESC, 0x00, 0xDC, 0xDD][i % 5],
            |i| (i * 37 + 11) as u8,
        ];
        let mut dec = SlipDecoder::<MAX_BODY_LEN>::new();
        for fill in fills {
            for len in 0..=MAX_PAYLOAD_LEN {
                let payload: Vec<u8> = (0..len).map(fill).collect();
                let seq = len as u8;
                let owned = Frame::new(FrameKind::Data, seq, &payload).unwrap();
                let f = owned.as_frame_ref();
                let mut wire = Vec::new();
                f.encode_slip(|b| wire.push(b));
                assert!(wire.len() <= MAX_WIRE_LEN);
                // The streamed encoding equals SLIP over write_body.
                let body = body_of(&f);
                assert_eq!(wire, crate::slip::encode_iter(&body).collect::<Vec<_>>());
                // Only the two delimiters are ENDs.
                assert_eq!(wire.iter().filter(|&&b| b == END).count(), 2);
                let mut got = None;
                for &b in &wire {
                    if let Some(r) = dec.push(b) {
                        let decoded = Frame::decode(r.unwrap()).unwrap();
                        got = Some(decoded.to_frame());
                    }
                }
                assert_eq!(got.as_ref(), Some(&owned), "len {len}");
            }
        }
    }

    #[test]
    fn ack_and_nak_helpers() {
        assert_eq!(body_of(&FrameRef::ack(9))[..2], [0x02, 9]);
        assert_eq!(body_of(&FrameRef::nak(9))[..2], [0x03, 9]);
        assert_eq!(FrameRef::ack(3).body_len(), MIN_BODY_LEN);
    }
}
