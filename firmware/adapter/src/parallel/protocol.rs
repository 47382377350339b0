//! The parallel link's state machine, with no hardware types: strobe edges, PA2
//! levels and microseconds in, [`Action`]s out.
//!
//! The C64 is master. Request bytes arrive on /PC2 falling edges and are answered with a /FLAG2
//! pulse; after the C64 turns the bus around (PA2 low) each response byte is driven and
//! announced with a /FLAG2 pulse, and the C64's read of $DD01 (a /PC2 pulse) acknowledges it.

use super::{Action, Actions, Direction, ParallelConfig, ParallelStats};
use crate::ring::Ring;

/// First byte of every request.
pub const REQUEST_MAGIC: u8 = b'R';
/// Request command: payload = link bytes for the host; response data = link bytes for the micro.
pub const CMD_EXCHANGE: u8 = 0x01;
/// Response status: request taken.
pub const STATUS_OK: u8 = 0x00;
/// Response status: unknown command or length over [`MAX_TRANSFER`]; payload dropped.
pub const STATUS_BAD_REQUEST: u8 = 0x01;
/// Response status: the host queue had no room for the payload; it was dropped (the micro's
/// link session resends it). An addition to the protocol's first two statuses.
pub const STATUS_HOST_FULL: u8 = 0x02;
/// Largest request payload and response data, in bytes.
pub const MAX_TRANSFER: usize = 256;
/// Status and two length bytes before the response data.
const RESPONSE_HEADER: u16 = 3;

/// Where the exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for 'R'.
    Idle,
    /// Receiving the header or the payload.
    Request,
    /// Request complete, waiting for PA2 low.
    AwaitTurnaround,
    /// Driving the response.
    Respond,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Header {
        got: u8,
        cmd: u8,
        len_lo: u8,
    },
    Payload {
        cmd: u8,
        len: u16,
        received: u16,
    },
    AwaitTurnaround {
        status: u8,
    },
    Respond {
        status: u8,
        len: u16,
        on_bus: u16,
        ack_pending: bool,
    },
}

/// The sans-IO parallel link, with a queue each way of `Q` bytes.
#[derive(Debug, Clone)]
pub struct ParallelProtocol<const Q: usize = 1024> {
    config: ParallelConfig,
    state: State,
    pa2_high: bool,
    flag2_low_since: Option<u64>,
    last_progress_us: u64,
    staged: [u8; MAX_TRANSFER],
    staged_len: usize,
    to_host: Ring<Q>,
    to_micro: Ring<Q>,
    stats: ParallelStats,
}

impl<const Q: usize> ParallelProtocol<Q> {
    /// Idle, PA2 assumed high, queues empty.
    pub fn new(config: ParallelConfig) -> Self {
        ParallelProtocol {
            config,
            state: State::Idle,
            pa2_high: true,
            flag2_low_since: None,
            last_progress_us: 0,
            staged: [0; MAX_TRANSFER],
            staged_len: 0,
            to_host: Ring::new(),
            to_micro: Ring::new(),
            stats: ParallelStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ParallelConfig {
        &self.config
    }

    /// The counters.
    pub fn stats(&self) -> &ParallelStats {
        &self.stats
    }

    /// Where the exchange is.
    pub fn phase(&self) -> Phase {
        match self.state {
            State::Idle => Phase::Idle,
            State::Header { .. } | State::Payload { .. } => Phase::Request,
            State::AwaitTurnaround { .. } => Phase::AwaitTurnaround,
            State::Respond { .. } => Phase::Respond,
        }
    }

    /// Bytes from the C64 for the host (request payloads, in order).
    pub fn to_host(&mut self) -> &mut Ring<Q> {
        &mut self.to_host
    }

    /// Bytes from the host for the C64; a byte leaves only when the C64 acknowledged it.
    pub fn to_micro(&mut self) -> &mut Ring<Q> {
        &mut self.to_micro
    }

    /// A /PC2 falling edge; `bus` is PB0-PB7 latched at the edge.
    pub fn on_strobe(&mut self, now_us: u64, bus: u8) -> Actions {
        let mut out = self.poll(now_us);
        match self.state {
            State::Idle if !self.pa2_high => self.stats.stray_strobes += 1,
            State::Idle => {
                if bus == REQUEST_MAGIC {
                    self.state = State::Header {
                        got: 1,
                        cmd: 0,
                        len_lo: 0,
                    };
                    self.staged_len = 0;
                    self.progress(now_us, &mut out);
                } else {
                    self.stats.bad_first_byte += 1;
                }
            }
            State::Header { got, cmd, len_lo } => {
                self.state = match got {
                    1 => State::Header {
                        got: 2,
                        cmd: bus,
                        len_lo,
                    },
                    2 => State::Header {
                        got: 3,
                        cmd,
                        len_lo: bus,
                    },
                    _ => State::Payload {
                        cmd,
                        len: u16::from_le_bytes([len_lo, bus]),
                        received: 0,
                    },
                };
                self.progress(now_us, &mut out);
                self.complete_if_done();
            }
            State::Payload { cmd, len, received } => {
                if self.staged_len < MAX_TRANSFER {
                    self.staged[self.staged_len] = bus;
                    self.staged_len += 1;
                }
                self.state = State::Payload {
                    cmd,
                    len,
                    received: received + 1,
                };
                self.progress(now_us, &mut out);
                self.complete_if_done();
            }
            State::AwaitTurnaround { .. } => self.stats.stray_strobes += 1,
            State::Respond { .. } => self.acknowledged(now_us, &mut out),
        }
        out
    }

    /// The PA2 level (call on every change; repeated levels are harmless).
    pub fn on_pa2(&mut self, now_us: u64, high: bool) -> Actions {
        let mut out = self.poll(now_us);
        if high == self.pa2_high {
            return out;
        }
        self.pa2_high = high;
        match self.state {
            State::Header { .. } | State::Payload { .. } if !high => {
                self.stats.requests_aborted += 1;
                self.state = State::Idle;
            }
            State::AwaitTurnaround { status } if !high => {
                let len = if status == STATUS_OK {
                    self.to_micro.len().min(MAX_TRANSFER) as u16
                } else {
                    0
                };
                self.state = State::Respond {
                    status,
                    len,
                    on_bus: 0,
                    ack_pending: false,
                };
                // DIR first: the 245 stops driving our side before we drive it.
                out.push(Action::SetDir(Direction::ToC64));
                self.put_on_bus(now_us, &mut out);
            }
            State::Respond { .. } if high => {
                self.stats.responses_aborted += 1;
                self.end_response(&mut out);
            }
            _ => {}
        }
        out
    }

    /// Timers: ends /FLAG2 pulses, sends a byte held back for a pulse, abandons stalled
    /// exchanges. Call often (every loop iteration).
    pub fn poll(&mut self, now_us: u64) -> Actions {
        let mut out = Actions::new();
        if let Some(since) = self.flag2_low_since {
            if now_us.saturating_sub(since) >= u64::from(self.config.flag2_pulse_us) {
                self.flag2_low_since = None;
                out.push(Action::Flag2High);
                return out; // the C64 must see /FLAG2 high before the next pulse
            }
        }
        let idle_for = now_us.saturating_sub(self.last_progress_us);
        match self.state {
            State::Header { .. } | State::Payload { .. } | State::AwaitTurnaround { .. }
                if idle_for > u64::from(self.config.request_timeout_us) =>
            {
                self.stats.request_timeouts += 1;
                self.state = State::Idle;
            }
            State::Respond { .. } if idle_for > u64::from(self.config.ack_timeout_us) => {
                self.stats.ack_timeouts += 1;
                self.end_response(&mut out);
            }
            State::Respond {
                ack_pending: true, ..
            } if self.flag2_low_since.is_none() => self.advance(now_us, &mut out),
            _ => {}
        }
        out
    }

    fn progress(&mut self, now_us: u64, out: &mut Actions) {
        self.last_progress_us = now_us;
        self.pulse_flag2(now_us, out);
    }

    fn pulse_flag2(&mut self, now_us: u64, out: &mut Actions) {
        if self.flag2_low_since.is_none() {
            out.push(Action::Flag2Low);
        }
        self.flag2_low_since = Some(now_us);
    }

    fn complete_if_done(&mut self) {
        let (cmd, len) = match self.state {
            State::Payload { cmd, len, received } if received == len => (cmd, len),
            _ => return,
        };
        self.stats.requests += 1;
        let status = if cmd != CMD_EXCHANGE || usize::from(len) > MAX_TRANSFER {
            self.stats.bad_requests += 1;
            STATUS_BAD_REQUEST
        } else if self
            .to_host
            .push_all(&self.staged[..self.staged_len])
            .is_err()
        {
            self.stats.host_full += 1;
            STATUS_HOST_FULL
        } else {
            self.stats.bytes_to_host += u32::from(len);
            STATUS_OK
        };
        self.state = State::AwaitTurnaround { status };
    }

    fn acknowledged(&mut self, now_us: u64, out: &mut Actions) {
        let State::Respond {
            status,
            len,
            on_bus,
            ack_pending: false,
        } = self.state
        else {
            self.stats.stray_strobes += 1;
            return;
        };
        if on_bus >= RESPONSE_HEADER {
            self.to_micro.pop();
            self.stats.bytes_to_micro += 1;
        }
        self.state = State::Respond {
            status,
            len,
            on_bus: on_bus + 1,
            ack_pending: true,
        };
        self.last_progress_us = now_us;
        // With /FLAG2 still low (or raised in this very call) the C64 would see no new edge:
        // poll() raises it first and the next byte goes out on a later call.
        if self.flag2_low_since.is_none() && !out.contains(Action::Flag2High) {
            self.advance(now_us, out);
        }
    }

    /// Puts the next byte on the bus, or ends the response after the last one.
    fn advance(&mut self, now_us: u64, out: &mut Actions) {
        if let State::Respond {
            status,
            len,
            on_bus,
            ..
        } = self.state
        {
            if on_bus == RESPONSE_HEADER + len {
                self.stats.responses += 1;
                self.end_response(out);
            } else {
                self.state = State::Respond {
                    status,
                    len,
                    on_bus,
                    ack_pending: false,
                };
                self.put_on_bus(now_us, out);
            }
        }
    }

    fn put_on_bus(&mut self, now_us: u64, out: &mut Actions) {
        let State::Respond {
            status,
            len,
            on_bus,
            ..
        } = self.state
        else {
            return;
        };
        let [len_lo, len_hi] = len.to_le_bytes();
        let byte = match on_bus {
            0 => status,
            1 => len_lo,
            2 => len_hi,
            // The front of the queue is the byte at `on_bus`: earlier ones were popped on ack.
            _ => self.to_micro.peek_at(0).unwrap_or(0),
        };
        out.push(Action::Drive(byte));
        self.last_progress_us = now_us;
        self.pulse_flag2(now_us, out);
    }

    fn end_response(&mut self, out: &mut Actions) {
        if self.flag2_low_since.take().is_some() {
            out.push(Action::Flag2High);
        }
        // Release first: our side must float before the 245 drives it again.
        out.push(Action::Release);
        out.push(Action::SetDir(Direction::ToAdapter));
        self.state = State::Idle;
    }
}
