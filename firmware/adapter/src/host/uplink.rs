//! Printer capture to the host: [`CaptureUplink`] turns capture events into frames on the
//! capture channel (see [`super`] for the format).

use retromesh_link_frame::{crc::Crc16, FrameKind, FrameRef, MAX_PAYLOAD_LEN};

use super::{JOB_HEADER, MAX_CHUNK, TAG_DATA, TAG_END};
use crate::centronics::CaptureEvent;
use crate::ring::Ring;

/// Counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UplinkStats {
    /// Frames queued for the host.
    pub frames: u32,
    /// Captured bytes dropped because the host did not drain the channel (reported in the
    /// job's END record too).
    pub dropped: u32,
}

#[derive(Debug, Clone, Copy)]
struct JobEnd {
    bytes: u32,
    crc: u16,
    dropped: u32,
}

/// Sans-IO encoder of the capture channel: events in, wire bytes out through
/// [`wire`](Self::wire) (a queue of `OUT` bytes the board writes to the USB interface).
#[derive(Debug, Clone)]
pub struct CaptureUplink<const OUT: usize = 2048> {
    flush_after_us: u64,
    job: u16,
    seq: u8,
    chunk: [u8; MAX_CHUNK],
    chunk_len: usize,
    chunk_since_us: u64,
    job_crc: Crc16,
    job_dropped: u32,
    end_pending: Option<JobEnd>,
    wire: Ring<OUT>,
    stats: UplinkStats,
}

impl<const OUT: usize> CaptureUplink<OUT> {
    /// A partial chunk goes out after `flush_after_us` so the host sees a slow job live.
    pub fn new(flush_after_us: u64) -> Self {
        CaptureUplink {
            flush_after_us,
            job: 0,
            seq: 0,
            chunk: [0; MAX_CHUNK],
            chunk_len: 0,
            chunk_since_us: 0,
            job_crc: Crc16::new(),
            job_dropped: 0,
            end_pending: None,
            wire: Ring::new(),
            stats: UplinkStats::default(),
        }
    }

    /// The counters.
    pub fn stats(&self) -> &UplinkStats {
        &self.stats
    }

    /// The number of the job being captured (wraps at 65536).
    pub fn job(&self) -> u16 {
        self.job
    }

    /// Encoded bytes for the host.
    pub fn wire(&mut self) -> &mut Ring<OUT> {
        &mut self.wire
    }

    /// Takes one capture event.
    pub fn push(&mut self, now_us: u64, event: CaptureEvent) {
        self.flush(now_us);
        match event {
            CaptureEvent::Byte(b) => {
                if self.chunk_len == MAX_CHUNK || self.end_pending.is_some() {
                    // The host is not draining: count rather than block the printer.
                    self.job_dropped += 1;
                    self.stats.dropped += 1;
                    return;
                }
                if self.chunk_len == 0 {
                    self.chunk_since_us = now_us;
                }
                self.chunk[self.chunk_len] = b;
                self.chunk_len += 1;
                self.job_crc.push(b);
            }
            CaptureEvent::JobEnded { bytes } => {
                self.end_pending = Some(JobEnd {
                    bytes,
                    crc: self.job_crc.finish(),
                    dropped: self.job_dropped,
                });
                self.job_crc = Crc16::new();
                self.job_dropped = 0;
            }
        }
        self.flush(now_us);
    }

    /// Flushes a partial chunk that has waited long enough, and anything held back for room.
    pub fn poll(&mut self, now_us: u64) {
        self.flush(now_us);
    }

    fn flush(&mut self, now_us: u64) {
        let due = self.chunk_len == MAX_CHUNK
            || self.end_pending.is_some()
            || now_us.saturating_sub(self.chunk_since_us) >= self.flush_after_us;
        if self.chunk_len > 0 && due {
            let mut payload = [0u8; MAX_PAYLOAD_LEN];
            payload[0] = TAG_DATA;
            payload[1..JOB_HEADER].copy_from_slice(&self.job.to_le_bytes());
            payload[JOB_HEADER..JOB_HEADER + self.chunk_len]
                .copy_from_slice(&self.chunk[..self.chunk_len]);
            if self.emit(&payload[..JOB_HEADER + self.chunk_len]) {
                self.chunk_len = 0;
            }
        }
        if let (0, Some(end)) = (self.chunk_len, self.end_pending) {
            let mut payload = [0u8; JOB_HEADER + 10];
            payload[0] = TAG_END;
            payload[1..3].copy_from_slice(&self.job.to_le_bytes());
            payload[3..7].copy_from_slice(&end.bytes.to_le_bytes());
            payload[7..9].copy_from_slice(&end.crc.to_be_bytes());
            payload[9..13].copy_from_slice(&end.dropped.to_le_bytes());
            if self.emit(&payload) {
                self.end_pending = None;
                self.job = self.job.wrapping_add(1);
            }
        }
    }

    /// Queues one frame if the wire queue has room for it whole.
    fn emit(&mut self, payload: &[u8]) -> bool {
        let Ok(frame) = FrameRef::new(FrameKind::Data, self.seq, payload) else {
            return false; // payloads here are at most MAX_PAYLOAD_LEN by construction
        };
        let mut body = [0u8; retromesh_link_frame::MAX_BODY_LEN];
        let Ok(n) = frame.write_body(&mut body) else {
            return false;
        };
        if retromesh_link_frame::slip::encoded_len(&body[..n]) > self.wire.free() {
            return false;
        }
        frame.encode_slip(|b| {
            let _ = self.wire.push(b); // room checked above
        });
        self.seq = self.seq.wrapping_add(1);
        self.stats.frames += 1;
        true
    }
}
