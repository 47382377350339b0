//! Centronics capture on virtual pins, driven like a C64 geoCable driver: write PB, pulse PA2
//! low, wait for the FLAG edge (BUSY falling) before the next byte.

use retromesh_adapter::centronics::{CaptureEvent, CentronicsCapture, CentronicsConfig};
use retromesh_adapter::sim::{GeoCableWiring, VirtualBus, VirtualPin};

struct Rig {
    w: GeoCableWiring,
    cap: CentronicsCapture<VirtualBus, VirtualPin, VirtualPin, VirtualPin>,
    now: u64,
    flag2_was_low: bool,
    flag: bool,
    events: Vec<CaptureEvent>,
}

impl Rig {
    fn new(config: CentronicsConfig) -> Self {
        let w = GeoCableWiring::new();
        let cap = CentronicsCapture::new(
            w.data.clone(),
            w.strobe.clone(),
            w.busy.clone(),
            w.ack.clone(),
            config,
        )
        .unwrap();
        let mut r = Rig {
            w,
            cap,
            now: 0,
            flag2_was_low: false,
            flag: false,
            events: Vec::new(),
        };
        r.step(0xFF, true);
        r.flag = false; // the driver reads $DD0D once to clear a stale FLAG
        r
    }

    /// One 2 µs instruction.
    fn step(&mut self, pb: u8, pa2: bool) {
        self.w.from_c64(pb, 0xFF, pa2);
        if let Some(e) = self.cap.poll(self.now) {
            self.events.push(e);
        }
        let flag2_low = self.w.to_c64().1;
        if flag2_low && !self.flag2_was_low {
            self.flag = true;
        }
        self.flag2_was_low = flag2_low;
        self.now += 2;
    }

    fn print(&mut self, text: &[u8]) {
        for &b in text {
            self.step(b, true); // STA $DD01
            self.step(b, false); // PA2 low
            self.step(b, true); // PA2 high
            let mut n = 0;
            while !std::mem::take(&mut self.flag) {
                self.step(b, true);
                n += 1;
                assert!(n < 100, "no FLAG edge after {b:#04x}");
            }
        }
    }
}

#[test]
fn a_geocable_print_job_is_captured_and_closed_by_the_idle_timeout() {
    let mut r = Rig::new(CentronicsConfig::default());
    let text = b"HELLO FROM THE C64\r";
    r.print(text);
    let bytes: Vec<u8> = r
        .events
        .iter()
        .filter_map(|e| {
            if let CaptureEvent::Byte(b) = e {
                Some(*b)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(bytes, text);
    // The C64 program ends without any end-of-job signal.
    for _ in 0..1_000_001 {
        r.step(0xFF, true);
    }
    assert_eq!(
        r.events.last(),
        Some(&CaptureEvent::JobEnded {
            bytes: text.len() as u32
        })
    );
    assert_eq!(r.cap.stats().glitches + r.cap.stats().strobes_while_busy, 0);
}
