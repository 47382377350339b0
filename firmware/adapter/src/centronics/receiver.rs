//! The printer side of a Centronics port as a state machine: the /STROBE level,
//! the data lines and microseconds in; events and the BUSY and /ACK levels out.
//!
//! ```text
//!  /STROBE ‾‾‾‾\__/‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾      data latched at the falling edge,
//!  BUSY    ____/‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾\_______      taken once /STROBE has been low for
//!  /ACK    ‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾\_____/‾‾‾‾‾‾‾      `min_strobe_ns` as sampled
//!               |<- busy_us ->|<ack_us>|
//! ```

/// What the capture reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureEvent {
    /// A byte was latched.
    Byte(u8),
    /// No strobe for the idle timeout after `bytes` bytes: the job is over.
    JobEnded {
        /// Bytes in the job.
        bytes: u32,
    },
}

/// Timings of the printer side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CentronicsConfig {
    /// A /STROBE low for less than this (as sampled) is a glitch. Centronics asks ≥ 0.5 µs.
    pub min_strobe_ns: u32,
    /// BUSY is high this long before /ACK.
    pub busy_us: u32,
    /// /ACK low pulse width (BUSY falls at its end).
    pub ack_us: u32,
    /// A job ends after this long without a byte.
    pub idle_timeout_us: u64,
}

impl Default for CentronicsConfig {
    fn default() -> Self {
        CentronicsConfig {
            min_strobe_ns: 500,
            busy_us: 5,
            ack_us: 5,
            idle_timeout_us: 2_000_000,
        }
    }
}

/// Counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Bytes latched.
    pub bytes: u32,
    /// Jobs ended by the idle timeout.
    pub jobs: u32,
    /// /STROBE pulses shorter than the minimum width (dropped).
    pub glitches: u32,
    /// /STROBE falling edges while BUSY (dropped: the sender ignored BUSY).
    pub strobes_while_busy: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handshake {
    Ready,
    Busy { since: u64 },
    Ack { since: u64 },
}

/// The sans-IO Centronics receiver.
#[derive(Debug, Clone)]
pub struct CentronicsReceiver {
    config: CentronicsConfig,
    handshake: Handshake,
    strobe_low: bool,
    /// Falling edge time and latched data of a strobe not yet taken.
    pending: Option<(u64, u8)>,
    job_bytes: u32,
    last_byte_us: u64,
    stats: CaptureStats,
}

impl CentronicsReceiver {
    /// Ready, no job open.
    pub fn new(config: CentronicsConfig) -> Self {
        CentronicsReceiver {
            config,
            handshake: Handshake::Ready,
            strobe_low: false,
            pending: None,
            job_bytes: 0,
            last_byte_us: 0,
            stats: CaptureStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &CentronicsConfig {
        &self.config
    }

    /// The counters.
    pub fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    /// Bytes of the job in progress (0 between jobs).
    pub fn job_bytes(&self) -> u32 {
        self.job_bytes
    }

    /// The BUSY level to drive.
    pub fn busy(&self) -> bool {
        self.handshake != Handshake::Ready
    }

    /// Whether /ACK is to be low.
    pub fn ack_low(&self) -> bool {
        matches!(self.handshake, Handshake::Ack { .. })
    }

    /// One sample: whether /STROBE is low now, and the data lines (only looked at on a falling
    /// edge of /STROBE). Call it often; it also runs the BUSY/ACK and idle timers.
    pub fn sample(&mut self, now_us: u64, strobe_low: bool, data: u8) -> Option<CaptureEvent> {
        self.handshake = match self.handshake {
            Handshake::Busy { since }
                if elapsed(now_us, since) >= u64::from(self.config.busy_us) =>
            {
                Handshake::Ack { since: now_us }
            }
            Handshake::Ack { since } if elapsed(now_us, since) >= u64::from(self.config.ack_us) => {
                Handshake::Ready
            }
            h => h,
        };
        let mut event = None;
        if strobe_low && !self.strobe_low {
            if self.handshake == Handshake::Ready {
                self.pending = Some((now_us, data));
            } else {
                self.stats.strobes_while_busy += 1;
            }
        } else if !strobe_low && self.strobe_low {
            if let Some((fell, byte)) = self.pending.take() {
                if self.wide_enough(now_us, fell) {
                    event = Some(self.take(now_us, byte));
                } else {
                    self.stats.glitches += 1;
                }
            }
        }
        self.strobe_low = strobe_low;
        if let Some((fell, byte)) = self.pending {
            if strobe_low && self.wide_enough(now_us, fell) {
                self.pending = None;
                event = Some(self.take(now_us, byte));
            }
        }
        if event.is_none()
            && self.job_bytes > 0
            && self.handshake == Handshake::Ready
            && elapsed(now_us, self.last_byte_us) >= self.config.idle_timeout_us
        {
            event = Some(CaptureEvent::JobEnded {
                bytes: core::mem::take(&mut self.job_bytes),
            });
            self.stats.jobs += 1;
        }
        event
    }

    fn wide_enough(&self, now_us: u64, fell_us: u64) -> bool {
        elapsed(now_us, fell_us).saturating_mul(1000) >= u64::from(self.config.min_strobe_ns)
    }

    fn take(&mut self, now_us: u64, byte: u8) -> CaptureEvent {
        self.handshake = Handshake::Busy { since: now_us };
        self.job_bytes += 1;
        self.stats.bytes += 1;
        self.last_byte_us = now_us;
        CaptureEvent::Byte(byte)
    }
}

fn elapsed(now_us: u64, since_us: u64) -> u64 {
    now_us.saturating_sub(since_us)
}
