//! When the next byte may go to the micro: gaps and CTS, no hardware types.

/// How CTS gates sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtsFlow {
    /// CTS is not looked at.
    None,
    /// Send while CTS is asserted.
    Level,
    /// One byte per assertion: after a byte, CTS must drop and be asserted again. The
    /// Interface 1 raises CTS only while its ROM waits for one byte and has no buffer.
    OneBytePerAssertion,
}

/// Pacing of the bytes sent to the micro (the same gaps as the bridge's `Pacing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacingConfig {
    /// Pause after every byte, µs.
    pub byte_gap_us: u32,
    /// Extra pause after a CR (0x0D), µs.
    pub line_gap_us: u32,
    /// CTS handling.
    pub flow: CtsFlow,
    /// CTS is asserted when the pin is low (TTL side of a MAX3232, which inverts).
    pub cts_active_low: bool,
}

impl PacingConfig {
    /// No gaps, no flow control.
    pub const NONE: PacingConfig = PacingConfig {
        byte_gap_us: 0,
        line_gap_us: 0,
        flow: CtsFlow::None,
        cts_active_low: true,
    };
    /// Spectrum 128/+2/+3 AUX port: a +3 loses characters unless they are ~80 ms apart.
    pub const ZX_PLUS3: PacingConfig = PacingConfig {
        byte_gap_us: 80_000,
        ..PacingConfig::NONE
    };
    /// Interface 1: one byte per CTS assertion, plus a small gap for adapters that lag.
    pub const ZX_IF1: PacingConfig = PacingConfig {
        byte_gap_us: 2_000,
        line_gap_us: 50_000,
        flow: CtsFlow::OneBytePerAssertion,
        cts_active_low: true,
    };
    /// C64 KERNAL RS-232 on the user port (1200 baud, no handshake).
    pub const C64_USERPORT: PacingConfig = PacingConfig {
        byte_gap_us: 2_000,
        line_gap_us: 50_000,
        ..PacingConfig::NONE
    };
}

impl Default for PacingConfig {
    fn default() -> Self {
        PacingConfig::NONE
    }
}

/// The pacing state machine.
#[derive(Debug, Clone)]
pub struct Pacer {
    config: PacingConfig,
    next_due_us: u64,
    awaiting_cts_drop: bool,
}

impl Pacer {
    /// Ready to send at once.
    pub fn new(config: PacingConfig) -> Self {
        Pacer {
            config,
            next_due_us: 0,
            awaiting_cts_drop: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PacingConfig {
        &self.config
    }

    /// Whether CTS is asserted, given the pin level (`None`: no CTS pin, always asserted).
    pub fn cts_asserted(&self, pin_high: Option<bool>) -> bool {
        pin_high.is_none_or(|high| high != self.config.cts_active_low)
    }

    /// Whether a byte may be sent now, given CTS.
    pub fn may_send(&mut self, now_us: u64, cts_asserted: bool) -> bool {
        if !cts_asserted {
            self.awaiting_cts_drop = false;
        }
        if now_us < self.next_due_us {
            return false;
        }
        match self.config.flow {
            CtsFlow::None => true,
            CtsFlow::Level => cts_asserted,
            CtsFlow::OneBytePerAssertion => cts_asserted && !self.awaiting_cts_drop,
        }
    }

    /// Records that `byte` went out at `now_us`.
    pub fn sent(&mut self, now_us: u64, byte: u8) {
        let gap = self.config.byte_gap_us
            + if byte == 0x0D {
                self.config.line_gap_us
            } else {
                0
            };
        self.next_due_us = now_us + u64::from(gap);
        self.awaiting_cts_drop = self.config.flow == CtsFlow::OneBytePerAssertion;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_follow_every_byte_and_grow_after_cr() {
        let mut p = Pacer::new(PacingConfig::C64_USERPORT);
        assert!(p.may_send(0, true));
        p.sent(0, b'A');
        assert!(!p.may_send(1_999, true));
        assert!(p.may_send(2_000, true));
        p.sent(2_000, 0x0D);
        assert!(!p.may_send(53_999, true));
        assert!(p.may_send(54_000, true));
    }

    #[test]
    fn one_byte_per_cts_assertion() {
        let mut p = Pacer::new(PacingConfig {
            byte_gap_us: 0,
            ..PacingConfig::ZX_IF1
        });
        assert!(!p.may_send(0, false), "CTS not asserted");
        assert!(p.may_send(1, true));
        p.sent(1, b'x');
        assert!(!p.may_send(5, true), "CTS still up from the last byte");
        assert!(!p.may_send(6, false));
        assert!(p.may_send(7, true));
    }

    #[test]
    fn cts_polarity() {
        let p = Pacer::new(PacingConfig::ZX_IF1);
        assert!(
            p.cts_asserted(Some(false)),
            "active low: a low pin is asserted"
        );
        assert!(!p.cts_asserted(Some(true)));
        assert!(p.cts_asserted(None), "no pin: always clear to send");
    }
}
