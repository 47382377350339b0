//! Test support for the client libraries: the bridge end of the link, as the Z80 and 6502
//! client tests drive it through their emulated machines' serial ports.
//!
//! - [`FrameBridge`]: frame mode on the reference [`LinkSession`](retromesh_link_frame::LinkSession).
//!   It answers HELLO, ECHO, GET, POST, LISTEN (then passes in queued [`Inbound`] requests),
//!   UNLISTEN and TIME as the real bridge does, records LOGs, REPLYs and POSTs (CONTs joined),
//!   and damages chosen frames ([`Fault`], [`Faults`]).
//! - [`LineBridge`]: line mode, a status line, body lines and "." per command line.
//!
//! Both are machine-independent: time comes in machine ticks (T-states, 6502 cycles) and the
//! bridge turns it into milliseconds with the [`Clock`] it was built with. The `spectrum` and
//! `c64` features implement each emulator's `SerialPeer` trait for them.

mod clock;
mod fault;
mod frame;
mod line;
#[cfg(any(feature = "spectrum", feature = "c64"))]
mod machines;
mod messages;

mod bodies;
pub use bodies::{awkward_bytes, text_body};
pub use clock::Clock;
pub use fault::{slip, unslip, Fault, Faults};
pub use frame::FrameBridge;
pub use line::LineBridge;
pub use messages::{Inbound, Received, Reply};
