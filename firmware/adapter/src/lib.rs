//! The adapter board's logic, `no_std`: the C64 parallel link ([`parallel`]), Centronics
//! printer capture ([`centronics`]), the paced UART to a micro ([`uart`]) and the host side
//! ([`host`]). Protocols are sans-IO state machines (bytes and microseconds in, actions out);
//! drivers own embedded-hal 1.0 pins and embedded-io ports and apply them.

#![no_std]
#![warn(missing_debug_implementations)]

#[cfg(any(test, feature = "sim"))]
extern crate std;

pub mod bus;
pub mod centronics;
pub mod host;
pub mod parallel;
pub mod pins;
pub mod ring;
#[cfg(feature = "sim")]
pub mod sim;
pub mod uart;

pub use bus::{Bus, BusRead, NoPin, PinError, Signal};
pub use ring::{Ring, RingFull};
