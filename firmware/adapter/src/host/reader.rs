//! [`CaptureReader`]: the host's decoder of the capture channel (no_std, for the bridge and
//! for tests).

use retromesh_link_frame::{
    crc::Crc16, Frame, FrameError, FrameKind, SlipDecoder, SlipError, MAX_BODY_LEN,
};

use super::{JOB_HEADER, TAG_DATA, TAG_END};

/// One record from the capture channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureRecord<'a> {
    /// Captured bytes of job `job`.
    Data { job: u16, bytes: &'a [u8] },
    /// Job `job` ended. `intact` is true when the bytes received for it match the adapter's
    /// count and CRC and the adapter dropped none.
    JobEnd {
        job: u16,
        bytes: u32,
        dropped: u32,
        intact: bool,
    },
}

/// Why the capture channel's data is not trustworthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// Bad SLIP (line noise on the USB side should not happen: check the port settings).
    #[error("capture channel: {0}")]
    Slip(SlipError),
    /// A frame failed its length or CRC check.
    #[error("capture channel: {0}")]
    Frame(FrameError),
    /// Frames were lost between `expected` and `got`: the job in progress is incomplete.
    #[error("capture channel lost frames: expected seq {expected}, got {got}; the job in progress is incomplete")]
    FramesLost { expected: u8, got: u8 },
    /// A frame that is not a capture record (wrong kind, tag or size): is this port the capture
    /// channel and not the link channel?
    #[error(
        "capture channel: not a capture record (kind or tag {0:#04x}); is this the link port?"
    )]
    NotARecord(u8),
}

/// Decodes the capture channel one byte at a time.
#[derive(Debug, Clone)]
pub struct CaptureReader {
    slip: SlipDecoder<MAX_BODY_LEN>,
    next_seq: Option<u8>,
    crc: Crc16,
    bytes: u32,
}

impl Default for CaptureReader {
    fn default() -> Self {
        Self::new()
    }
}

impl CaptureReader {
    /// A reader that accepts whatever sequence number comes first.
    pub fn new() -> Self {
        CaptureReader {
            slip: SlipDecoder::new(),
            next_seq: None,
            crc: Crc16::new(),
            bytes: 0,
        }
    }

    /// Feeds one byte; returns a record (borrowed until the next call) or an error when a
    /// frame ends.
    pub fn push(&mut self, byte: u8) -> Option<Result<CaptureRecord<'_>, CaptureError>> {
        let body = match self.slip.push(byte)? {
            Ok(body) => body,
            Err(e) => return Some(Err(CaptureError::Slip(e))),
        };
        let frame = match Frame::decode(body) {
            Ok(f) => f,
            Err(e) => return Some(Err(CaptureError::Frame(e))),
        };
        if frame.kind != FrameKind::Data {
            return Some(Err(CaptureError::NotARecord(frame.kind.to_u8())));
        }
        let expected = self.next_seq.unwrap_or(frame.seq);
        self.next_seq = Some(frame.seq.wrapping_add(1));
        let p = frame.payload;
        if p.len() < JOB_HEADER {
            return Some(Err(CaptureError::NotARecord(
                p.first().copied().unwrap_or(0),
            )));
        }
        let job = u16::from_le_bytes([p[1], p[2]]);
        let record = match p[0] {
            TAG_DATA => {
                self.crc.update(&p[JOB_HEADER..]);
                self.bytes += (p.len() - JOB_HEADER) as u32;
                CaptureRecord::Data {
                    job,
                    bytes: &p[JOB_HEADER..],
                }
            }
            TAG_END if p.len() >= JOB_HEADER + 10 => {
                let bytes = u32::from_le_bytes([p[3], p[4], p[5], p[6]]);
                let crc = u16::from_be_bytes([p[7], p[8]]);
                let dropped = u32::from_le_bytes([p[9], p[10], p[11], p[12]]);
                let intact = dropped == 0 && bytes == self.bytes && crc == self.crc.finish();
                self.crc = Crc16::new();
                self.bytes = 0;
                CaptureRecord::JobEnd {
                    job,
                    bytes,
                    dropped,
                    intact,
                }
            }
            tag => return Some(Err(CaptureError::NotARecord(tag))),
        };
        if frame.seq != expected {
            return Some(Err(CaptureError::FramesLost {
                expected,
                got: frame.seq,
            }));
        }
        Some(Ok(record))
    }
}
