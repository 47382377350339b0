//! Framing for the retromesh serial link between an 8-bit micro (ZX Spectrum, C64) and the
//! host bridge, shared by the bridge and the adapter firmware.
//!
//! Layers, bottom up:
//! - [`crc`] — CRC-16/XMODEM.
//! - [`slip`] — SLIP byte stuffing, streaming encoder and fixed-buffer decoder.
//! - [`frame`] — the frame body `kind, seq, len, payload (0..=250), CRC-16 big-endian`.
//! - [`session`] — a sans-IO stop-and-wait session with ACK/NAK, retransmission and duplicate
//!   suppression; the caller supplies bytes and milliseconds.
//! - [`hello`] — HELLO / HELLO_REPLY payloads.
//! - [`message`] — frame-mode messages (GET, POST, LISTEN, REQUEST, REPLY, TIME, ECHO, LOG).
//!
//! The crate is `#![no_std]`, allocation-free and has no dependencies by default. The `tokio`
//! feature adds `SlipCodec`, a `tokio_util::codec` implementation for the bridge; only then is
//! std linked.

#![no_std]
#![warn(missing_debug_implementations)]

#[cfg(any(test, feature = "tokio"))]
#[macro_use]
extern crate std;

pub mod crc;
pub mod frame;
pub mod hello;
pub mod message;
pub mod session;
pub mod slip;

#[cfg(feature = "tokio")]
pub mod codec;

#[cfg(feature = "tokio")]
pub use codec::SlipCodec;
pub use crc::{crc16_xmodem, Crc16};
pub use frame::{
    Frame, FrameError, FrameKind, FrameRef, MAX_BODY_LEN, MAX_PAYLOAD_LEN, MAX_WIRE_LEN,
    MIN_BODY_LEN,
};
pub use hello::{Hello, HelloError, HelloReply, MachineId, Version};
pub use message::{Body, Message, MessageError, Method, Op, FLAG_MORE, FLAG_TRUNCATED};
pub use session::{Event, LinkSession, RxError, SendError, SessionConfig, Stats};
pub use slip::{SlipCursor, SlipDecoder, SlipEncoder, SlipError};
