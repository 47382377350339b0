//! The ZX Printer (and the Alphacom 32 / Timex TS2040, which answer the same port).
//!
//! Time-based like the real mechanism: while the motor runs the stylus belt passes one dot
//! every few hundred T-states, 384 dot-times a sweep, the paper under the stylus from dot-time
//! 64 to 319. The encoder (D0) and paper-edge (D7) latches set as the belt moves; any OUT clears
//! them. A program that writes D7 = 1 in a dot-time burns that dot. Programs with their own
//! printer loops therefore print exactly as far as their timing lets them, as on the real thing.

use super::Printout;

/// T-states per dot-time at normal speed and with D1 (slow) set.
pub const FAST_DOT_TSTATES: u64 = 250;
pub const SLOW_DOT_TSTATES: u64 = 500;
/// Dot-times in one sweep of the belt, and where the paper starts under it.
pub const SWEEP_DOTS: u32 = 384;
pub const PAPER_START: u32 = 64;
const PAPER_END: u32 = PAPER_START + 256;

/// Which of the compatible printers is attached: they differ only in port decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PrinterKind {
    #[default]
    ZxPrinter,
    /// Alphacom 32 and Timex TS2040 also need A7 high.
    Alphacom32,
}

#[derive(Debug, Clone, Default)]
pub struct ZxPrinter {
    kind: PrinterKind,
    motor_on: bool,
    slow: bool,
    stylus: bool,
    /// Time up to which the belt position is known.
    clock: u64,
    /// T-states into the current dot-time.
    phase: u64,
    pos: u32,
    sweep: usize,
    encoder_latch: bool,
    paper_latch: bool,
    paper: Printout,
    /// When the printer last did something (an OUT while the motor ran, or stopping it).
    last_activity: Option<u64>,
}

impl ZxPrinter {
    pub fn new(kind: PrinterKind) -> Self {
        ZxPrinter {
            kind,
            ..Default::default()
        }
    }

    #[inline]
    pub fn decodes(&self, port: u16) -> bool {
        port & 0x04 == 0 && (self.kind == PrinterKind::ZxPrinter || port & 0x80 != 0)
    }

    fn advance(&mut self, now: u64) {
        let elapsed = now.saturating_sub(self.clock);
        self.clock = now;
        if !self.motor_on {
            return;
        }
        let period = if self.slow {
            SLOW_DOT_TSTATES
        } else {
            FAST_DOT_TSTATES
        };
        self.phase += elapsed;
        while self.phase >= period {
            self.phase -= period;
            self.pos += 1;
            self.encoder_latch = true;
            if self.pos == PAPER_START {
                self.paper_latch = true;
                self.paper.ensure_height(self.sweep + 1);
            }
            if self.pos == SWEEP_DOTS {
                self.pos = 0;
                self.sweep += 1;
            }
        }
    }

    /// IN: D0 encoder latch, D6 low (printer present), D7 paper-edge latch.
    pub fn read(&mut self, now: u64) -> u8 {
        self.advance(now);
        0x3E | u8::from(self.encoder_latch) | (u8::from(self.paper_latch) << 7)
    }

    /// OUT: D7 stylus, D2 motor off, D1 slow.
    pub fn write(&mut self, value: u8, now: u64) {
        self.advance(now);
        self.encoder_latch = false;
        self.paper_latch = false;
        let was_on = self.motor_on;
        self.stylus = value & 0x80 != 0;
        self.motor_on = value & 0x04 == 0;
        self.slow = value & 0x02 != 0;
        if self.motor_on || was_on {
            self.last_activity = Some(now);
        }
        if self.stylus && self.motor_on && (PAPER_START..PAPER_END).contains(&self.pos) {
            self.paper
                .set_dot((self.pos - PAPER_START) as usize, self.sweep);
        }
    }

    pub fn printout(&self) -> &Printout {
        &self.paper
    }

    pub fn take_printout(&mut self) -> Printout {
        std::mem::take(&mut self.paper)
    }

    /// Rows of paper that have passed the stylus so far.
    pub fn rows(&self) -> usize {
        self.paper.height()
    }

    /// True once something was printed and the motor has been off for at least `tstates`.
    pub fn idle_for(&self, tstates: u64, now: u64) -> bool {
        !self.motor_on
            && !self.paper.is_empty()
            && self
                .last_activity
                .is_some_and(|t| now.saturating_sub(t) >= tstates)
    }

    pub fn motor_on(&self) -> bool {
        self.motor_on
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives the printer the way the ROM's COPY-LINE does: motor on, wait for the paper edge,
    /// then one OUT per encoder pulse. `reaction` is how many T-states the program takes to
    /// answer a latch.
    fn print_row(p: &mut ZxPrinter, now: &mut u64, row: &[bool; 256], reaction: u64) {
        p.write(0x00, *now);
        while p.read(*now) & 0x80 == 0 {
            *now += 20;
        }
        for &dot in row {
            while p.read(*now) & 0x01 == 0 {
                *now += 11;
            }
            *now += reaction;
            p.write(if dot { 0x80 } else { 0x00 }, *now);
        }
    }

    fn pattern(seed: usize) -> [bool; 256] {
        std::array::from_fn(|i| (i * 7 + seed) % 5 < 2)
    }

    #[test]
    fn rom_style_loop_prints_every_dot_in_place() {
        let mut p = ZxPrinter::new(PrinterKind::ZxPrinter);
        let mut now = 0;
        for row in 0..3 {
            print_row(&mut p, &mut now, &pattern(row), 40);
        }
        p.write(0x04, now);
        assert_eq!(p.rows(), 3);
        for row in 0..3 {
            let want = pattern(row);
            for (x, &dot) in want.iter().enumerate() {
                assert_eq!(p.printout().dot(x, row), dot, "row {row} dot {x}");
            }
        }
    }

    #[test]
    fn a_loop_slower_than_the_belt_loses_dots() {
        let mut p = ZxPrinter::new(PrinterKind::ZxPrinter);
        let mut now = 0;
        // Taking longer than a dot-time to answer means every answer lands a dot late.
        print_row(&mut p, &mut now, &[true; 256], FAST_DOT_TSTATES + 10);
        let burned = (0..256).filter(|&x| p.printout().dot(x, 0)).count();
        assert!(burned < 256, "burned {burned}");
    }

    #[test]
    fn blank_rows_still_feed_paper_and_idle_needs_motor_off() {
        let mut p = ZxPrinter::new(PrinterKind::ZxPrinter);
        let mut now = 0;
        print_row(&mut p, &mut now, &[false; 256], 40);
        print_row(&mut p, &mut now, &pattern(1), 40);
        assert_eq!(p.rows(), 2);
        assert!(!p.idle_for(1000, now + 5000), "motor still running");
        p.write(0x04, now);
        assert!(!p.idle_for(1000, now + 999));
        assert!(p.idle_for(1000, now + 1000));
    }

    #[test]
    fn port_decoding_follows_the_printer_kind() {
        let zx = ZxPrinter::new(PrinterKind::ZxPrinter);
        let alpha = ZxPrinter::new(PrinterKind::Alphacom32);
        assert!(zx.decodes(0xFB) && alpha.decodes(0xFB));
        assert!(zx.decodes(0x7B) && !alpha.decodes(0x7B));
        assert!(!zx.decodes(0xFE) && !zx.decodes(0xFF));
        let mut p = ZxPrinter::new(PrinterKind::ZxPrinter);
        assert_eq!(p.read(0) & 0x40, 0, "D6 low: printer present");
    }
}
