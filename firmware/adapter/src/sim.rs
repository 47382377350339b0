//! Virtual pins and buses (std) for wiring the adapter logic to emulated machines.
//!
//! A [`VirtualPin`] is one wire: every clone sees the same level, so the emulator holds one
//! clone and the driver owns another. [`VirtualBus`] is the 8 data lines with two sides: the
//! adapter's (the [`Bus`] trait) and the machine's (`set_external`, `level`).
//! [`UserPortWiring`] maps the C64 user port's signals (plain bools and bytes, so this crate
//! needs no emulator) to a [`ParallelLink`](crate::parallel::ParallelLink)'s pins.

use core::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering::SeqCst};
use std::sync::Arc;

use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};

use crate::bus::{Bus, BusRead};

/// A shared-state digital pin; clones are the same wire. Starts high (pulled up).
#[derive(Debug, Clone)]
pub struct VirtualPin(Arc<AtomicBool>);

impl Default for VirtualPin {
    fn default() -> Self {
        Self::new(true)
    }
}

impl VirtualPin {
    /// A wire at `high`.
    pub fn new(high: bool) -> Self {
        VirtualPin(Arc::new(AtomicBool::new(high)))
    }

    /// Sets the level (from either side).
    pub fn set(&self, high: bool) {
        self.0.store(high, SeqCst);
    }

    /// The level.
    pub fn get(&self) -> bool {
        self.0.load(SeqCst)
    }
}

impl ErrorType for VirtualPin {
    type Error = Infallible;
}

impl InputPin for VirtualPin {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.get())
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.get())
    }
}

impl OutputPin for VirtualPin {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(false);
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(true);
        Ok(())
    }
}

impl StatefulOutputPin for VirtualPin {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.get())
    }
    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.get())
    }
}

#[derive(Debug)]
struct BusState {
    latch: AtomicU8,
    driving: AtomicBool,
    external: AtomicU8,
    external_mask: AtomicU8,
    contentions: AtomicU32,
}

/// Eight shared data lines; clones are the same lines. Undriven lines read high.
#[derive(Debug, Clone)]
pub struct VirtualBus(Arc<BusState>);

impl Default for VirtualBus {
    fn default() -> Self {
        Self::new()
    }
}

impl VirtualBus {
    /// Nobody driving.
    pub fn new() -> Self {
        VirtualBus(Arc::new(BusState {
            latch: AtomicU8::new(0xFF),
            driving: AtomicBool::new(false),
            external: AtomicU8::new(0xFF),
            external_mask: AtomicU8::new(0),
            contentions: AtomicU32::new(0),
        }))
    }

    /// The far side drives the bits in `mask` to `value` (mask 0: it lets go).
    pub fn set_external(&self, value: u8, mask: u8) {
        self.0.external.store(value, SeqCst);
        self.0.external_mask.store(mask, SeqCst);
        self.check_contention();
    }

    /// What the adapter drives, if it drives.
    pub fn driven(&self) -> Option<u8> {
        self.0
            .driving
            .load(SeqCst)
            .then(|| self.0.latch.load(SeqCst))
    }

    /// The lines' level: each bit from whoever drives it (the far side wins a contention),
    /// else pulled up.
    pub fn level(&self) -> u8 {
        let mask = self.0.external_mask.load(SeqCst);
        let ours = self.driven().unwrap_or(0xFF);
        (self.0.external.load(SeqCst) & mask) | (ours & !mask)
    }

    /// How often the far side found the adapter driving lines it drives too (checked at each
    /// `set_external`, i.e. once per emulator step): a turnaround bug on real hardware.
    pub fn contentions(&self) -> u32 {
        self.0.contentions.load(SeqCst)
    }

    fn check_contention(&self) {
        if self.0.driving.load(SeqCst) && self.0.external_mask.load(SeqCst) != 0 {
            self.0.contentions.fetch_add(1, SeqCst);
        }
    }
}

impl BusRead for VirtualBus {
    type Error = Infallible;
    fn read(&mut self) -> Result<u8, Infallible> {
        Ok(self.level())
    }
}

impl Bus for VirtualBus {
    fn write(&mut self, value: u8) -> Result<(), Infallible> {
        self.0.latch.store(value, SeqCst);
        Ok(())
    }
    fn drive(&mut self) -> Result<(), Infallible> {
        self.0.driving.store(true, SeqCst);
        Ok(())
    }
    fn release(&mut self) -> Result<(), Infallible> {
        self.0.driving.store(false, SeqCst);
        Ok(())
    }
}

/// The adapter's parallel-link wires as seen from the C64 user port, through the 74LVC245
/// (whose DIR decides which side drives the other). Keep clones of these pins and bus in the
/// [`ParallelLink`](crate::parallel::ParallelLink).
#[derive(Debug, Clone, Default)]
pub struct UserPortWiring {
    /// Adapter side of PB0-PB7.
    pub bus: VirtualBus,
    /// /PC2 (C64 output).
    pub pc2: VirtualPin,
    /// PA2 (C64 output).
    pub pa2: VirtualPin,
    /// /FLAG2 (adapter output).
    pub flag2: VirtualPin,
    /// 245 DIR (high = C64 to adapter): an adapter output, or PA2 itself (below).
    pub dir: VirtualPin,
    /// DIR is wired to PA2, as on the c64-parallel board (JP1 1-2); give the link a `NoPin`.
    pub dir_follows_pa2: bool,
}

impl UserPortWiring {
    /// Fresh wires: all high, nobody driving, DIR driven by the adapter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fresh wires with DIR following PA2 (the c64-parallel board).
    pub fn with_dir_on_pa2() -> Self {
        UserPortWiring {
            dir_follows_pa2: true,
            ..Self::default()
        }
    }

    /// Applies what the C64 drives (retromesh-c64's `UserPortOut` fields) to the wires. Call it
    /// before the link's `poll`, once per emulator step.
    pub fn from_c64(&self, pb: u8, pb_ddr: u8, pa2: bool, pc2_low: bool) {
        if self.dir_follows_pa2 {
            self.dir.set(pa2);
        }
        if self.dir.get() {
            // The 245 drives our side with the C64's lines (pull-ups where it does not drive).
            self.bus.set_external((pb & pb_ddr) | !pb_ddr, 0xFF);
        } else {
            self.bus.set_external(0xFF, 0);
            if self.bus.driven().is_some() && pb_ddr != 0 {
                self.bus.0.contentions.fetch_add(1, SeqCst); // the 245 and the C64 fight
            }
        }
        self.pa2.set(pa2);
        self.pc2.set(!pc2_low);
    }

    /// What the C64 sees (retromesh-c64's `UserPortIn`): `(pb, flag2_low)`; PB is 0xFF (pulled
    /// up) unless the 245 passes the adapter's data toward the C64.
    pub fn to_c64(&self) -> (u8, bool) {
        let pb = match (self.dir.get(), self.bus.driven()) {
            (false, Some(v)) => v,
            _ => 0xFF,
        };
        (pb, !self.flag2.get())
    }
}

/// A geoCable-style Centronics printer on the C64 user port: PB0-PB7 are D0-D7,
/// PA2 is /STROBE, BUSY drives /FLAG2 (BUSY falling is the C64's FLAG edge), /ACK is not
/// wired to the C64. Keep clones in a
/// [`CentronicsCapture`](crate::centronics::CentronicsCapture).
#[derive(Debug, Clone, Default)]
pub struct GeoCableWiring {
    /// D0-D7.
    pub data: VirtualBus,
    /// /STROBE (C64 PA2).
    pub strobe: VirtualPin,
    /// BUSY (to /FLAG2); starts high until the capture sets it.
    pub busy: VirtualPin,
    /// /ACK (not wired to the C64; for tests that watch it).
    pub ack: VirtualPin,
}

impl GeoCableWiring {
    /// Fresh wires.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies what the C64 drives (retromesh-c64's `UserPortOut`: `pb`, `pb_ddr`, `pa2`).
    pub fn from_c64(&self, pb: u8, pb_ddr: u8, pa2: bool) {
        self.data.set_external(pb, pb_ddr);
        self.strobe.set(pa2);
    }

    /// What the C64 sees: `(pb, flag2_low)`; the printer never drives PB.
    pub fn to_c64(&self) -> (u8, bool) {
        (0xFF, !self.busy.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_are_the_same_wire() {
        let a = VirtualPin::new(true);
        let mut b = a.clone();
        b.set_low().unwrap();
        assert!(!a.get());
        assert!(b.is_set_low().unwrap());
    }

    #[test]
    fn the_245_passes_data_one_way_and_contention_is_counted() {
        let w = UserPortWiring::new();
        let mut bus = w.bus.clone();
        w.from_c64(0x42, 0x0F, true, false);
        assert_eq!(
            bus.read().unwrap(),
            0xF2,
            "undriven C64 lines read as pulled up"
        );
        assert_eq!(w.to_c64().0, 0xFF);
        bus.write(0x99).unwrap();
        bus.drive().unwrap();
        w.from_c64(0x42, 0x00, true, false);
        assert_eq!(
            w.bus.contentions(),
            1,
            "drove while DIR points at the adapter"
        );
        w.dir.set(false);
        w.from_c64(0, 0x00, false, false);
        assert_eq!(w.to_c64().0, 0x99);
        w.from_c64(0, 0x01, false, false);
        assert_eq!(
            w.bus.contentions(),
            2,
            "the C64 drove PB0 while the 245 drives it"
        );
    }

    #[test]
    fn dir_can_follow_pa2() {
        let w = UserPortWiring::with_dir_on_pa2();
        w.from_c64(0, 0, false, false);
        assert!(!w.dir.get());
        w.from_c64(0, 0xFF, true, false);
        assert!(w.dir.get());
    }
}
