//! The bridge's side of the link to an 8-bit micro.
//!
//! Bytes flow up: a [`transport`] opens the line (serial port, PTY, TCP/ip232, or an
//! in-process emulated micro), the [`session`] runs the shared framing from
//! `retromesh-link-frame` in frame mode or speaks [`line`] mode, and callers reach each micro
//! through its [`Micro`] handle. A micro's GET and POST go to an [`upstream::Upstream`].

pub mod alarm;
pub mod client;
mod driver;
pub mod line;
pub mod micro;
pub mod profile;
pub mod session;
pub mod text;
pub mod transport;
pub mod upstream;

pub use micro::{CallError, InboundRequest, LinkState, LinkStats, Micro, MicroReply, Mode};
pub use session::{spawn, Connector, MicroSpec};
