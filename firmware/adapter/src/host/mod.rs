//! The adapter's side of the host connection (USB CDC on the Pico). Two channels:
//!
//! - **Link channel** (CDC interface 0): the micro's link bytes, both ways, untouched. The
//!   micro speaks SLIP frames (`retromesh-link-frame`) to the bridge itself, so the adapter
//!   only moves bytes between the USB endpoint and a driver's `to_micro` / `to_host` queues
//!   ([`pump_link`]); a full queue stops reading USB (flow control), never drops.
//! - **Capture channel** (CDC interface 1): printer jobs, as `retromesh-link-frame` DATA
//!   frames (SLIP + CRC-16), never ACKed (USB is reliable; the sequence number shows a lost
//!   frame). Payloads:
//!
//! ```text
//!   DATA record  0x01, job lo, job hi, captured bytes (1..=247)
//!   END record   0x02, job lo, job hi, bytes (u32 LE), CRC-16/XMODEM of the job's bytes (BE),
//!                dropped (u32 LE)
//! ```
//!   `seq` counts frames on the channel (wrapping). The END record's byte count and CRC let
//!   the host prove it received the whole job; `dropped` counts bytes the adapter had to throw
//!   away because the host did not read the channel.

mod reader;
mod uplink;

pub use reader::{CaptureError, CaptureReader, CaptureRecord};
pub use uplink::{CaptureUplink, UplinkStats};

use crate::ring::Ring;

/// Record tag: captured bytes.
pub const TAG_DATA: u8 = 0x01;
/// Record tag: end of job.
pub const TAG_END: u8 = 0x02;
/// Tag and job number.
pub const JOB_HEADER: usize = 3;
/// Captured bytes per DATA record.
pub const MAX_CHUNK: usize = retromesh_link_frame::MAX_PAYLOAD_LEN - JOB_HEADER;

/// Link channel, both directions in one call: takes what fits of `from_host` into `to_micro`
/// (returns how many; leave the rest in the USB endpoint) and moves queued micro bytes into
/// `to_host_buf` (returns how many to write to USB).
pub fn pump_link<const Q: usize>(
    from_host: &[u8],
    to_micro: &mut Ring<Q>,
    from_micro: &mut Ring<Q>,
    to_host_buf: &mut [u8],
) -> (usize, usize) {
    (
        to_micro.push_some(from_host),
        from_micro.pop_into(to_host_buf),
    )
}

#[cfg(test)]
mod tests;
