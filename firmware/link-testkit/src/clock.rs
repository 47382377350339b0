//! The machine clock a bridge counts time in.

/// A machine's clock: how many of the ticks the emulator reports make a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Ticks per second.
    pub hz: u64,
}

impl Clock {
    /// The PAL C64's 6502 clock.
    pub const C64_PAL: Clock = Clock::hz(985_248);

    /// A clock of `hz` ticks per second.
    pub const fn hz(hz: u64) -> Self {
        assert!(hz > 0, "a clock ticks");
        Clock { hz }
    }

    /// Whole milliseconds at `ticks`.
    pub fn ms(self, ticks: u64) -> u64 {
        ticks * 1000 / self.hz
    }
}

impl From<u64> for Clock {
    fn from(hz: u64) -> Self {
        Clock::hz(hz)
    }
}

#[cfg(feature = "spectrum")]
impl From<retromesh_spectrum::Model> for Clock {
    /// The model's Z80 clock (T-states per second).
    fn from(model: retromesh_spectrum::Model) -> Self {
        Clock::hz(retromesh_spectrum::Timing::of(model).clock_hz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_become_whole_milliseconds() {
        assert_eq!(Clock::hz(3_500_000).ms(3_500_000), 1000);
        assert_eq!(Clock::C64_PAL.ms(985_247), 999);
        assert_eq!(Clock::from(1000).ms(7), 7);
    }

    #[cfg(feature = "c64")]
    #[test]
    fn c64_pal_is_the_emulators_clock() {
        assert_eq!(Clock::C64_PAL.hz, retromesh_c64::PAL_CLOCK_HZ);
    }
}
