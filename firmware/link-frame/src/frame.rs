//! The frame body: what sits between the SLIP ENDs.
//!
//! ```text
//!  0      1      2      3 ............. 3+n    3+n+1
//! +------+------+------+----------------+------+------+
//! | kind | seq  | len  | payload (n)    | CRC  | CRC  |
//! |      |      | = n  | 0 <= n <= 250  | hi   | lo   |
//! +------+------+------+----------------+------+------+
//!  CRC-16/XMODEM over kind, seq, len and payload, big-endian
//! ```
//!
//! A body is 5..=255 bytes. The `len` byte must equal the payload length actually received
//! (body length minus 5); [`Frame::decode`] checks this before the CRC. CRC-16/XMODEM (initial
//! value 0, no final XOR) cannot see 0x00 bytes added or lost just before the closing END, nor
//! two valid bodies run together (its register is 0 after a valid body); both change the
//! body length without changing `len`, so they come out as [`FrameError::LengthMismatch`].

use crate::crc::{crc16_xmodem, Crc16};
use crate::slip::{BufferTooSmall, SlipEncoder};

/// Largest payload of one frame.
pub const MAX_PAYLOAD_LEN: usize = 250;
/// Kind, sequence and length bytes.
pub const HEADER_LEN: usize = 3;
/// CRC bytes.
pub const CRC_LEN: usize = 2;
/// Shortest body: header and CRC, empty payload (5 bytes).
pub const MIN_BODY_LEN: usize = HEADER_LEN + CRC_LEN;
/// Longest body (255 bytes).
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
    /// The length byte says `declared` payload bytes but the body carries `actual` (body
    /// length minus 5): bytes were lost or added, or two frames ran together because the ENDs
    /// between them were lost. Checked before the CRC.
    LengthMismatch { declared: u8, actual: usize },
    /// `expected` is the CRC computed over the received kind, seq, len and payload; `actual` is
    /// the CRC the frame carried.
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
            FrameError::LengthMismatch { declared, actual } => write!(
                f,
                "frame length byte says {declared} payload bytes, frame carried {actual}"
            ),
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

    /// The length byte: the payload length (at most [`MAX_PAYLOAD_LEN`], so it fits).
    pub fn len_byte(&self) -> u8 {
        self.payload.len() as u8
    }

    /// The header bytes: kind, seq, len.
    fn header(&self) -> [u8; HEADER_LEN] {
        [self.kind.to_u8(), self.seq, self.len_byte()]
    }

    /// CRC-16/XMODEM over kind, seq, len and payload.
    pub fn crc(&self) -> u16 {
        let mut crc = Crc16::new();
        crc.update(&self.header());
        crc.update(self.payload);
        crc.finish()
    }

    /// Length of the body (payload plus 5).
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
        out[..HEADER_LEN].copy_from_slice(&self.header());
        out[HEADER_LEN..HEADER_LEN + n].copy_from_slice(self.payload);
        out[HEADER_LEN + n..needed].copy_from_slice(&self.crc().to_be_bytes());
        Ok(needed)
    }

    /// Streams the whole frame, SLIP-encoded (END, body, END), into `sink`, computing the CRC
    /// on the way: no body buffer needed.
    pub fn encode_slip(&self, mut sink: impl FnMut(u8)) {
        let mut enc = SlipEncoder::new();
        let mut crc = Crc16::new();
        enc.begin(&mut sink);
        for b in self.header().iter().chain(self.payload.iter()).copied() {
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

    /// Parses and checks a body (what the SLIP decoder returned). Checks, in order: body at
    /// least 5 bytes, payload at most 250, length byte equal to the payload length received,
    /// CRC, kind.
    pub fn decode(body: &[u8]) -> Result<FrameRef<'_>, FrameError> {
        if body.len() < MIN_BODY_LEN {
            return Err(FrameError::TooShort);
        }
        if body.len() > MAX_BODY_LEN {
            return Err(FrameError::PayloadTooLong);
        }
        let (content, trailer) = body.split_at(body.len() - CRC_LEN);
        let declared = content[2];
        let payload = &content[HEADER_LEN..];
        if usize::from(declared) != payload.len() {
            return Err(FrameError::LengthMismatch {
                declared,
                actual: payload.len(),
            });
        }
        let actual = u16::from_be_bytes([trailer[0], trailer[1]]);
        let expected = crc16_xmodem(content);
        if expected != actual {
            return Err(FrameError::BadCrc { expected, actual });
        }
        let kind = FrameKind::try_from(content[0])?;
        Ok(FrameRef {
            kind,
            seq: content[1],
            payload,
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
    use std::string::ToString;
    use std::vec::Vec;

    fn body_of(frame: &FrameRef<'_>) -> Vec<u8> {
        let mut buf = [0u8; MAX_BODY_LEN];
        let n = frame.write_body(&mut buf).unwrap();
        buf[..n].to_vec()
    }

    #[test]
    fn layout_is_kind_seq_len_payload_crc_be() {
        let f = FrameRef::new(FrameKind::Data, 7, b"hello").unwrap();
        let body = body_of(&f);
        // CRC of 01 07 05 'hello' is 0xDEF4 (python3: binascii.crc_hqx(b'\x01\x07\x05hello', 0)).
        assert_eq!(body, b"\x01\x07\x05hello\xDE\xF4");
        assert_eq!(f.crc(), 0xDEF4);
        assert_eq!(f.body_len(), 10);
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
        let content = [0x42u8, 0, 0];
        let mut body = content.to_vec();
        body.extend(crc16_xmodem(&content).to_be_bytes());
        assert_eq!(Frame::decode(&body), Err(FrameError::UnknownKind(0x42)));
    }

    #[test]
    fn all_zero_body_is_rejected_despite_crc() {
        // Five zeros: len 0 matches the empty payload and the CRC of zeros is 0.
        assert_eq!(Frame::decode(&[0; 5]), Err(FrameError::UnknownKind(0)));
        // Longer runs of zeros fail the length check first.
        assert_eq!(
            Frame::decode(&[0; 40]),
            Err(FrameError::LengthMismatch {
                declared: 0,
                actual: 35
            })
        );
        // A zero body with a matching length byte still has a valid CRC: kind 0 rejects it.
        let mut body = [0u8; 40];
        body[2] = 35;
        let crc = crc16_xmodem(&body[..38]);
        body[38..].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(Frame::decode(&body), Err(FrameError::UnknownKind(0)));
    }

    #[test]
    fn short_bodies() {
        for n in 0..MIN_BODY_LEN {
            assert_eq!(Frame::decode(&[1; 4][..n]), Err(FrameError::TooShort));
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
        // A 256-byte body (251-byte payload) is rejected even with a valid CRC and length.
        let mut body = vec![FrameKind::Data.to_u8(), 0, 251];
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
        assert_eq!(body_of(&FrameRef::ack(9))[..3], [0x02, 9, 0]);
        assert_eq!(body_of(&FrameRef::nak(9))[..3], [0x03, 9, 0]);
        assert_eq!(FrameRef::ack(3).body_len(), MIN_BODY_LEN);
    }

    /// A 0x00 added just before the closing END: the CRC-16/XMODEM register is 0 after a
    /// valid body, so the CRC alone would accept it (with the CRC's high byte as an extra
    /// payload byte). The length byte catches it.
    #[test]
    fn length_mismatch_one_byte_added() {
        for payload in [
            &b""[..],
            b"hello",
            &[END, ESC, 0][..],
            &[0xA5; MAX_PAYLOAD_LEN - 1],
        ] {
            let f = FrameRef::new(FrameKind::Data, 7, payload).unwrap();
            let mut body = body_of(&f);
            body.push(0x00);
            // Without the length byte this would be a good frame.
            assert_eq!(crc16_xmodem(&body), 0);
            assert_eq!(
                Frame::decode(&body),
                Err(FrameError::LengthMismatch {
                    declared: payload.len() as u8,
                    actual: payload.len() + 1
                })
            );
        }
        // A byte added anywhere after the kind byte is a length mismatch too.
        let f = FrameRef::new(FrameKind::Ack, 3, &[]).unwrap();
        let body = body_of(&f);
        for at in 1..=body.len() {
            let mut damaged = body.clone();
            damaged.insert(at, 0x00);
            assert!(
                matches!(
                    Frame::decode(&damaged),
                    Err(FrameError::LengthMismatch { .. })
                ),
                "insert at {at}"
            );
        }
    }

    /// A body whose CRC low byte is 0x00, with that byte lost: the rest is CRC-valid, and only
    /// the length byte notices.
    #[test]
    fn length_mismatch_one_byte_removed() {
        let (seq, f) = (0..=255u8)
            .map(|seq| (seq, FrameRef::new(FrameKind::Data, seq, b"abcd").unwrap()))
            .find(|(_, f)| f.crc() & 0xFF == 0)
            .expect("some seq gives a CRC ending in 0x00");
        let mut body = body_of(&f);
        assert_eq!(body.pop(), Some(0x00));
        assert_eq!(crc16_xmodem(&body), 0, "seq {seq}");
        assert_eq!(
            Frame::decode(&body),
            Err(FrameError::LengthMismatch {
                declared: 4,
                actual: 3
            })
        );
        // Any single byte lost from a body is detected.
        let body = body_of(&f);
        for at in 0..body.len() {
            let mut damaged = body.clone();
            damaged.remove(at);
            assert!(Frame::decode(&damaged).is_err(), "remove at {at}");
        }
    }

    /// Two frames whose separating ENDs were lost: with CRC-16/XMODEM the concatenation of two
    /// valid bodies is CRC-valid, but its length byte is the first frame's.
    #[test]
    fn length_mismatch_two_frames_merged() {
        let data = body_of(&FrameRef::new(FrameKind::Data, 4, b"theirs").unwrap());
        let ack = body_of(&FrameRef::ack(4));
        let cases = [
            (data.clone(), ack.clone(), 6, 6 + MIN_BODY_LEN),
            (data.clone(), data.clone(), 6, 6 + data.len()),
            (ack.clone(), data.clone(), 0, data.len()),
            (ack.clone(), ack.clone(), 0, MIN_BODY_LEN),
        ];
        for (first, second, declared, actual) in cases {
            let mut merged = first.clone();
            merged.extend(&second);
            assert_eq!(crc16_xmodem(&merged), 0);
            assert_eq!(
                Frame::decode(&merged),
                Err(FrameError::LengthMismatch { declared, actual })
            );
            // The same through SLIP, with the ENDs between the frames lost.
            let mut wire: Vec<u8> = crate::slip::encode_iter(&first).collect();
            wire.pop();
            wire.extend(crate::slip::encode_iter(&second).skip(1));
            let mut dec = SlipDecoder::<{ 2 * MAX_BODY_LEN }>::new();
            let got: Vec<_> = wire
                .iter()
                .filter_map(|&b| dec.push(b).map(|r| Frame::decode(r.unwrap()).map(|_| ())))
                .collect();
            assert_eq!(got, [Err(FrameError::LengthMismatch { declared, actual })]);
        }
    }

    #[test]
    fn length_byte_is_checked_before_the_crc() {
        let f = FrameRef::new(FrameKind::Data, 1, b"abc").unwrap();
        let mut body = body_of(&f);
        body[2] = 4;
        assert_eq!(
            Frame::decode(&body),
            Err(FrameError::LengthMismatch {
                declared: 4,
                actual: 3
            })
        );
        assert_eq!(
            FrameError::LengthMismatch {
                declared: 4,
                actual: 3
            }
            .to_string(),
            "frame length byte says 4 payload bytes, frame carried 3"
        );
    }
}
