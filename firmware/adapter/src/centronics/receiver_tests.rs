use std::vec::Vec;

use super::*;

/// A sender sampled every microsecond.
struct Line {
    r: CentronicsReceiver,
    now: u64,
    events: Vec<CaptureEvent>,
}

impl Line {
    fn new() -> Self {
        Line {
            r: CentronicsReceiver::new(CentronicsConfig::default()),
            now: 100,
            events: Vec::new(),
        }
    }

    fn sample(&mut self, strobe_low: bool, data: u8) {
        if let Some(e) = self.r.sample(self.now, strobe_low, data) {
            self.events.push(e);
        }
        self.now += 1;
    }

    /// Waits for BUSY low, holds /STROBE low for `width_us` samples, then waits for BUSY to
    /// fall; returns the µs spent.
    fn send(&mut self, byte: u8, width_us: u32) -> u64 {
        let start = self.now;
        while self.r.busy() {
            self.sample(false, 0xEE);
        }
        for _ in 0..width_us {
            self.sample(true, byte);
        }
        self.sample(false, 0xEE);
        while self.r.busy() {
            self.sample(false, 0xEE);
            assert!(self.now - start < 1_000, "BUSY stuck");
        }
        self.now - start
    }

    fn idle(&mut self, us: u64) {
        self.now += us;
        self.sample(false, 0);
    }

    fn bytes(&self) -> Vec<u8> {
        self.events
            .iter()
            .filter_map(|e| match e {
                CaptureEvent::Byte(b) => Some(*b),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn strobed_bytes_are_latched_at_the_falling_edge() {
    let mut l = Line::new();
    for &b in b"HELLO\r" {
        l.send(b, 2);
    }
    assert_eq!(l.bytes(), b"HELLO\r");
    assert_eq!(l.r.job_bytes(), 6);
}

#[test]
fn busy_rises_then_ack_pulses_then_busy_falls() {
    let mut l = Line::new();
    let mut trace = Vec::new();
    for _ in 0..2 {
        l.sample(true, b'A');
        trace.push((l.r.busy(), l.r.ack_low()));
    }
    for _ in 0..15 {
        l.sample(false, 0);
        trace.push((l.r.busy(), l.r.ack_low()));
    }
    trace.dedup();
    assert_eq!(
        trace,
        [(false, false), (true, false), (true, true), (false, false)]
    );
    assert_eq!(l.events, [CaptureEvent::Byte(b'A')]);
}

#[test]
fn a_strobe_glitch_is_rejected_and_counted() {
    let mut l = Line::new();
    // Low and high again within the same microsecond: narrower than 0.5 µs as sampled.
    l.r.sample(l.now, true, 0x41);
    l.sample(false, 0);
    assert!(l.events.is_empty());
    assert!(!l.r.busy());
    assert_eq!(l.r.stats().glitches, 1);
    l.send(b'B', 1);
    assert_eq!(l.bytes(), b"B");
}

#[test]
fn a_strobe_while_busy_is_rejected_and_counted() {
    let mut l = Line::new();
    l.sample(true, b'1');
    l.sample(true, b'1');
    l.sample(false, 0);
    assert!(l.r.busy());
    l.sample(true, b'2'); // the sender did not wait for BUSY
    l.sample(false, 0);
    while l.r.busy() {
        l.sample(false, 0);
    }
    assert_eq!(l.bytes(), b"1");
    assert_eq!(l.r.stats().strobes_while_busy, 1);
}

#[test]
fn a_job_that_never_ends_is_closed_by_the_idle_timeout() {
    let mut l = Line::new();
    for &b in b"abc" {
        l.send(b, 3);
    }
    l.idle(1_999_000);
    assert_eq!(l.events.len(), 3, "not yet: under 2 s");
    l.idle(1_000);
    assert_eq!(l.events[3], CaptureEvent::JobEnded { bytes: 3 });
    l.idle(5_000_000);
    assert_eq!(l.events.len(), 4, "one job end per job");
    l.send(b'x', 3);
    l.idle(2_000_000);
    assert_eq!(l.events[5], CaptureEvent::JobEnded { bytes: 1 });
    assert_eq!(l.r.stats().jobs, 2);
}

#[test]
fn the_idle_timeout_is_configurable() {
    let mut l = Line::new();
    l.r = CentronicsReceiver::new(CentronicsConfig {
        idle_timeout_us: 10_000,
        ..CentronicsConfig::default()
    });
    l.send(b'q', 2);
    l.idle(10_000);
    assert_eq!(l.events.last(), Some(&CaptureEvent::JobEnded { bytes: 1 }));
}

#[test]
fn random_line_noise_never_panics_and_clean_bytes_follow() {
    use proptest::prelude::*;
    proptest!(|(noise in proptest::collection::vec((any::<bool>(), any::<u8>(), 0u64..3), 0..400),
                text in proptest::collection::vec(any::<u8>(), 1..50))| {
        let mut l = Line::new();
        for (low, data, gap) in noise {
            l.now += gap;
            l.sample(low, data);
        }
        // The noise source lets go: whatever it left is a job of its own.
        l.sample(false, 0);
        while l.r.busy() {
            l.sample(false, 0);
        }
        l.idle(2_000_000);
        prop_assert_eq!(l.r.job_bytes(), 0, "the noise job was closed");
        l.events.clear();
        for &b in &text {
            l.send(b, 2);
        }
        prop_assert_eq!(l.bytes(), text.clone());
        l.idle(2_000_000);
        prop_assert_eq!(l.events.last(), Some(&CaptureEvent::JobEnded { bytes: text.len() as u32 }));
    });
}
