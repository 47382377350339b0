//! The C64 parallel-port link: WiC64-style, the C64 is master.
//!
//! [`ParallelProtocol`] is the state machine (bytes and microseconds in, [`Action`]s out);
//! [`ParallelLink`] owns the pins and the [`Bus`](crate::bus::Bus) and applies the actions.

mod config;
mod link;
mod protocol;
#[cfg(test)]
mod protocol_tests;

pub use config::{ParallelConfig, ParallelStats};
pub use link::ParallelLink;
pub use protocol::{
    ParallelProtocol, Phase, CMD_EXCHANGE, MAX_TRANSFER, REQUEST_MAGIC, STATUS_BAD_REQUEST,
    STATUS_HOST_FULL, STATUS_OK,
};

/// Which way the 74LVC245 passes data. The DIR pin is high for [`Direction::ToAdapter`], the
/// same sense as PA2 (high = C64 to adapter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// C64 drives PB, the adapter reads (idle and request).
    ToAdapter,
    /// The adapter drives PB (response).
    ToC64,
}

/// What the hardware must do, in the order given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Set the 245's DIR.
    SetDir(Direction),
    /// Drive this byte on PB0-PB7 (enabling the outputs if needed).
    Drive(u8),
    /// Stop driving PB0-PB7.
    Release,
    /// Pull /FLAG2 low (start of a pulse).
    Flag2Low,
    /// Let /FLAG2 go high (end of a pulse).
    Flag2High,
}

/// The few actions one event produces (at most [`Actions::CAPACITY`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actions {
    buf: [Action; Actions::CAPACITY],
    len: usize,
}

impl Default for Actions {
    fn default() -> Self {
        Self::new()
    }
}

impl Actions {
    /// More than any one event needs (the most is 4: raise /FLAG2, release, DIR, ... ).
    pub const CAPACITY: usize = 6;

    /// No actions.
    pub const fn new() -> Self {
        Actions {
            buf: [Action::Release; Actions::CAPACITY],
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, action: Action) {
        debug_assert!(self.len < Self::CAPACITY, "Actions::CAPACITY too small");
        if self.len < Self::CAPACITY {
            self.buf[self.len] = action;
            self.len += 1;
        }
    }

    /// Appends `other`'s actions.
    pub fn extend(&mut self, other: Actions) {
        for &a in other.as_slice() {
            self.push(a);
        }
    }

    /// Whether `action` is among them.
    pub fn contains(&self, action: Action) -> bool {
        self.as_slice().contains(&action)
    }

    /// The actions, in order.
    pub fn as_slice(&self) -> &[Action] {
        &self.buf[..self.len]
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
