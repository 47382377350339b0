//! The parallel protocol against a C64 modelled in a few lines.

use std::vec::Vec;

use proptest::prelude::*;

use super::*;

/// The C64's view: /FLAG2 edges latch FLAG like the CIA, PB shows what the adapter drives.
struct C64 {
    p: ParallelProtocol<512>,
    now: u64,
    flag2_low: bool,
    flag: bool,
    bus: Option<u8>,
    dir: Direction,
    log: Vec<Action>,
}

impl C64 {
    fn new() -> Self {
        C64 {
            p: ParallelProtocol::new(ParallelConfig::default()),
            now: 1_000,
            flag2_low: false,
            flag: false,
            bus: None,
            dir: Direction::ToAdapter,
            log: Vec::new(),
        }
    }

    fn apply(&mut self, actions: Actions) {
        for &a in actions.as_slice() {
            match a {
                Action::Flag2Low => {
                    assert!(!self.flag2_low, "/FLAG2 pulled low twice without a rise");
                    self.flag2_low = true;
                    self.flag = true;
                }
                Action::Flag2High => self.flag2_low = false,
                Action::Drive(v) => {
                    assert_eq!(
                        self.dir,
                        Direction::ToC64,
                        "driving with DIR toward adapter"
                    );
                    self.bus = Some(v);
                }
                Action::Release => self.bus = None,
                Action::SetDir(d) => {
                    assert!(
                        self.bus.is_none() || d == Direction::ToC64,
                        "DIR flipped while driving"
                    );
                    self.dir = d;
                }
            }
            self.log.push(a);
        }
    }

    fn wait(&mut self, us: u64) {
        self.now += us;
        let a = self.p.poll(self.now);
        self.apply(a);
    }

    /// Writes $DD01 and waits (as the client does) for FLAG; true if it came.
    fn write(&mut self, byte: u8) -> bool {
        self.flag = false;
        let a = self.p.on_strobe(self.now, byte);
        self.apply(a);
        self.wait(10);
        std::mem::take(&mut self.flag)
    }

    fn request(&mut self, bytes: &[u8]) {
        for &b in bytes {
            assert!(self.write(b), "no FLAG after {b:#04x}");
        }
    }

    fn turnaround(&mut self) {
        self.flag = false;
        let a = self.p.on_pa2(self.now, false);
        self.apply(a);
    }

    /// Waits for FLAG, reads $DD01 (the ack strobe).
    fn read(&mut self) -> Option<u8> {
        for _ in 0..5 {
            if std::mem::take(&mut self.flag) {
                self.wait(3); // the C64's polling loop
                let v = self.bus.expect("FLAG without a byte on the bus");
                let a = self.p.on_strobe(self.now, v);
                self.apply(a);
                self.wait(10);
                return Some(v);
            }
            self.wait(10);
        }
        None
    }

    fn response(&mut self) -> (u8, Vec<u8>) {
        let status = self.read().expect("status");
        let len = u16::from_le_bytes([self.read().expect("len lo"), self.read().expect("len hi")]);
        let data = (0..len).map(|_| self.read().expect("data")).collect();
        (status, data)
    }

    fn finish(&mut self) {
        let a = self.p.on_pa2(self.now, true);
        self.apply(a);
    }

    fn exchange(&mut self, payload: &[u8]) -> (u8, Vec<u8>) {
        let [lo, hi] = (payload.len() as u16).to_le_bytes();
        self.request(&[REQUEST_MAGIC, CMD_EXCHANGE, lo, hi]);
        self.request(payload);
        self.turnaround();
        let r = self.response();
        self.finish();
        r
    }

    fn drain_host(&mut self) -> Vec<u8> {
        core::iter::from_fn(|| self.p.to_host().pop()).collect()
    }
}

#[test]
fn clean_exchange_moves_bytes_both_ways() {
    let mut c = C64::new();
    c.p.to_micro().push_all(b"hello").unwrap();
    assert_eq!(c.exchange(b"abc"), (STATUS_OK, b"hello".to_vec()));
    assert_eq!(c.drain_host(), b"abc");
    assert!(c.p.to_micro().is_empty());
    assert_eq!(c.p.phase(), Phase::Idle);
    assert_eq!((c.bus, c.dir), (None, Direction::ToAdapter));
    let s = *c.p.stats();
    assert_eq!(
        (s.requests, s.responses, s.bytes_to_host, s.bytes_to_micro),
        (1, 1, 3, 5)
    );
}

#[test]
fn turnaround_sets_dir_before_driving_and_releases_before_dir() {
    let mut c = C64::new();
    c.request(&[REQUEST_MAGIC, CMD_EXCHANGE, 0, 0]);
    c.log.clear();
    c.turnaround();
    assert_eq!(
        c.log,
        [
            Action::SetDir(Direction::ToC64),
            Action::Drive(STATUS_OK),
            Action::Flag2Low
        ]
    );
    assert_eq!(c.response(), (STATUS_OK, Vec::new()));
    let tail = &c.log[c.log.len() - 2..];
    assert_eq!(
        tail,
        [Action::Release, Action::SetDir(Direction::ToAdapter)]
    );
}

#[test]
fn a_first_byte_that_is_not_r_is_dropped_and_counted() {
    let mut c = C64::new();
    assert!(!c.write(0x55), "noise must not be answered");
    assert!(!c.write(0x00));
    assert_eq!(c.p.stats().bad_first_byte, 2);
    assert_eq!(c.exchange(b"x").0, STATUS_OK);
    assert_eq!(c.drain_host(), b"x");
}

#[test]
fn a_request_without_a_next_strobe_is_abandoned_after_10ms() {
    let mut c = C64::new();
    c.request(&[REQUEST_MAGIC, CMD_EXCHANGE, 4, 0, b'a']);
    c.wait(9_000);
    assert_eq!(c.p.phase(), Phase::Request, "not yet: 9 ms");
    c.wait(2_000);
    assert_eq!(c.p.phase(), Phase::Idle);
    assert_eq!(c.p.stats().request_timeouts, 1);
    assert_eq!(c.exchange(b"ok").0, STATUS_OK);
    assert_eq!(
        c.drain_host(),
        b"ok",
        "the half request never reaches the host"
    );
}

#[test]
fn a_c64_that_stops_acking_keeps_the_unsent_bytes_queued() {
    let mut c = C64::new();
    c.p.to_micro().push_all(b"0123456789").unwrap();
    c.request(&[REQUEST_MAGIC, CMD_EXCHANGE, 0, 0]);
    c.turnaround();
    assert_eq!(c.read(), Some(STATUS_OK));
    assert_eq!((c.read(), c.read()), (Some(10), Some(0)));
    assert_eq!(
        (c.read(), c.read(), c.read()),
        (Some(b'0'), Some(b'1'), Some(b'2'))
    );
    // The C64 hangs: no ack for the byte on the bus.
    c.wait(49_000);
    assert_eq!(c.p.phase(), Phase::Respond);
    c.wait(2_000);
    assert_eq!(c.p.phase(), Phase::Idle);
    assert_eq!(
        (c.bus, c.dir, c.flag2_low),
        (None, Direction::ToAdapter, false)
    );
    assert_eq!(c.p.stats().ack_timeouts, 1);
    c.finish();
    assert_eq!(c.exchange(b""), (STATUS_OK, b"3456789".to_vec()));
}

#[test]
fn pa2_high_mid_response_keeps_the_rest_queued() {
    let mut c = C64::new();
    c.p.to_micro().push_all(b"abcdef").unwrap();
    c.request(&[REQUEST_MAGIC, CMD_EXCHANGE, 0, 0]);
    c.turnaround();
    for _ in 0..4 {
        c.read().unwrap();
    }
    c.finish();
    assert_eq!(c.p.stats().responses_aborted, 1);
    assert_eq!(c.exchange(b"").1, b"bcdef");
}

#[test]
fn unknown_command_and_oversized_length_are_bad_requests() {
    let mut c = C64::new();
    c.request(&[REQUEST_MAGIC, 0x7E, 2, 0, 1, 2]);
    c.turnaround();
    assert_eq!(c.response(), (STATUS_BAD_REQUEST, Vec::new()));
    c.finish();
    let mut big = std::vec![REQUEST_MAGIC, CMD_EXCHANGE, 1, 1];
    big.extend(std::iter::repeat_n(7u8, 257));
    c.request(&big);
    c.turnaround();
    assert_eq!(c.response().0, STATUS_BAD_REQUEST);
    c.finish();
    assert_eq!(c.p.stats().bad_requests, 2);
    assert!(c.drain_host().is_empty(), "bad payloads are dropped");
}

#[test]
fn a_full_host_queue_is_reported_to_the_c64() {
    let mut c = C64::new();
    let filler = [0u8; 500];
    c.p.to_host().push_all(&filler).unwrap();
    assert_eq!(c.exchange(&[1; 20]).0, STATUS_HOST_FULL);
    assert_eq!(c.p.stats().host_full, 1);
    assert_eq!(c.drain_host().len(), 500, "nothing half-written");
}

#[test]
fn response_data_is_capped_at_256_bytes() {
    let mut c = C64::new();
    let data: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
    c.p.to_micro().push_all(&data).unwrap();
    assert_eq!(c.exchange(b"").1, data[..256]);
    assert_eq!(c.exchange(b"").1, data[256..]);
}

#[test]
fn a_pc2_glitch_with_pa2_low_and_nothing_pending_is_ignored() {
    let mut c = C64::new();
    c.turnaround(); // PA2 low with no request
    assert!(!c.write(REQUEST_MAGIC));
    assert_eq!(c.p.stats().stray_strobes, 1);
    assert_eq!(c.bus, None);
    c.finish();
    assert_eq!(c.exchange(b"z").0, STATUS_OK);
}

#[test]
fn pa2_low_mid_request_aborts_it() {
    let mut c = C64::new();
    c.request(&[REQUEST_MAGIC, CMD_EXCHANGE, 3, 0, 9]);
    c.turnaround();
    assert_eq!(c.p.stats().requests_aborted, 1);
    assert_eq!(c.bus, None, "no response to an aborted request");
    c.finish();
    assert_eq!(c.exchange(b"ok").0, STATUS_OK);
    assert_eq!(c.drain_host(), b"ok");
}

#[test]
fn an_ack_during_the_flag2_pulse_waits_for_a_new_edge() {
    let mut c = C64::new();
    c.p.to_micro().push_all(b"q").unwrap();
    c.request(&[REQUEST_MAGIC, CMD_EXCHANGE, 0, 0]);
    c.turnaround();
    assert!(c.flag2_low);
    // Ack straight away, while /FLAG2 is still low.
    c.log.clear();
    let a = c.p.on_strobe(c.now, 0);
    c.apply(a);
    assert!(
        c.log.is_empty(),
        "no new byte while /FLAG2 is still low: {:?}",
        c.log
    );
    c.wait(2);
    assert_eq!(c.log, [Action::Flag2High]);
    c.wait(1);
    assert_eq!(c.log[1..], [Action::Drive(1), Action::Flag2Low]);
}

#[derive(Debug, Clone)]
enum Noise {
    Strobe(u8),
    Pa2(bool),
    Wait(u32),
}

fn noise() -> impl Strategy<Value = Noise> {
    prop_oneof![
        any::<u8>().prop_map(Noise::Strobe),
        prop_oneof![Just(REQUEST_MAGIC), Just(CMD_EXCHANGE), Just(0u8)].prop_map(Noise::Strobe),
        any::<bool>().prop_map(Noise::Pa2),
        (0u32..80_000).prop_map(Noise::Wait),
    ]
}

proptest! {
    #[test]
    fn noise_never_panics_and_a_clean_exchange_follows(
        events in proptest::collection::vec(noise(), 0..300),
        payload in proptest::collection::vec(any::<u8>(), 0..=256),
        reply in proptest::collection::vec(any::<u8>(), 0..=256),
        queued in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut c = C64::new();
        c.p.to_micro().push_all(&queued).unwrap();
        for e in events {
            let a = match e {
                Noise::Strobe(b) => c.p.on_strobe(c.now, b),
                Noise::Pa2(h) => c.p.on_pa2(c.now, h),
                Noise::Wait(us) => { c.now += u64::from(us); c.p.poll(c.now) }
            };
            c.apply(a);
        }
        c.finish();
        c.wait(60_000);
        c.wait(1);
        prop_assert_eq!(c.p.phase(), Phase::Idle);
        prop_assert_eq!((c.bus, c.dir, c.flag2_low), (None, Direction::ToAdapter, false));
        c.drain_host();
        c.p.to_micro().clear();
        c.p.to_micro().push_all(&reply).unwrap();
        let (status, got) = c.exchange(&payload);
        prop_assert_eq!(status, STATUS_OK);
        prop_assert_eq!(got, reply);
        prop_assert_eq!(c.drain_host(), payload);
    }
}
