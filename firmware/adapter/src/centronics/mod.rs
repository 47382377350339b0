//! Centronics printer capture: /STROBE latch, BUSY while busy, /ACK pulse, and a
//! job end after an idle timeout.
//!
//! [`CentronicsReceiver`] is the state machine; [`CentronicsCapture`] owns the pins.

mod capture;
mod receiver;
#[cfg(test)]
mod receiver_tests;

pub use capture::CentronicsCapture;
pub use receiver::{CaptureEvent, CaptureStats, CentronicsConfig, CentronicsReceiver};
