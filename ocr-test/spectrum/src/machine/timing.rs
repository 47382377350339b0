//! Clock figures of each model.

use crate::Model;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// CPU clock in Hz.
    pub clock_hz: u64,
    /// T-states from one frame interrupt to the next.
    pub frame_tstates: u32,
    /// How long the ULA holds /INT low.
    pub int_tstates: u32,
}

impl Timing {
    pub fn of(model: Model) -> Self {
        match model {
            Model::Spectrum48K => Timing {
                clock_hz: 3_500_000,
                frame_tstates: 69_888,
                int_tstates: 32,
            },
            Model::Spectrum128K => Timing {
                clock_hz: 3_546_900,
                frame_tstates: 70_908,
                int_tstates: 36,
            },
        }
    }

    pub fn tstates_from_secs(&self, secs: f64) -> u64 {
        (secs.max(0.0) * self.clock_hz as f64).round() as u64
    }

    pub fn tstates_from_ms(&self, ms: u64) -> u64 {
        ms * self.clock_hz / 1000
    }

    pub fn secs(&self, tstates: u64) -> f64 {
        tstates as f64 / self.clock_hz as f64
    }
}
