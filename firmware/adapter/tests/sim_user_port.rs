//! The parallel link driver on virtual pins, against a C64 modelled at the user-port level:
//! one step per 2 µs "instruction", the way retromesh-c64's `UserPortDevice::step` is called.

use embedded_hal::digital::OutputPin;
use proptest::prelude::*;
use retromesh_adapter::parallel::{
    ParallelConfig, ParallelLink, CMD_EXCHANGE, REQUEST_MAGIC, STATUS_OK,
};
use retromesh_adapter::sim::{UserPortWiring, VirtualBus, VirtualPin};
use retromesh_adapter::NoPin;

type Link<Dir> = ParallelLink<VirtualBus, VirtualPin, VirtualPin, VirtualPin, Dir>;

struct Rig<Dir = VirtualPin> {
    w: UserPortWiring,
    link: Link<Dir>,
    now: u64,
    pb: u8,
    ddr: u8,
    pa2: bool,
    flag2_was_low: bool,
    flag: bool,
}

impl Rig<VirtualPin> {
    /// The adapter drives the 245's DIR.
    fn new() -> Self {
        let w = UserPortWiring::new();
        let dir = w.dir.clone();
        Rig::with(w, dir)
    }
}

impl Rig<NoPin> {
    /// The c64-parallel board: DIR wired to PA2.
    fn board() -> Self {
        Rig::with(UserPortWiring::with_dir_on_pa2(), NoPin)
    }
}

impl<Dir: OutputPin> Rig<Dir> {
    fn with(w: UserPortWiring, dir: Dir) -> Self {
        let link = ParallelLink::new(
            w.bus.clone(),
            w.pc2.clone(),
            w.pa2.clone(),
            w.flag2.clone(),
            dir,
            ParallelConfig::default(),
        )
        .unwrap();
        Rig {
            w,
            link,
            now: 0,
            pb: 0xFF,
            ddr: 0xFF,
            pa2: true,
            flag2_was_low: false,
            flag: false,
        }
    }

    /// One instruction; returns what a read of $DD01 in it gives. As in retromesh-c64, the
    /// device sees the instruction's /PC2 after it ran.
    fn step(&mut self, pc2_low: bool) -> u8 {
        let read = (self.pb & self.ddr) | (self.w.to_c64().0 & !self.ddr);
        self.w.from_c64(self.pb, self.ddr, self.pa2, pc2_low);
        self.link.poll(self.now).unwrap();
        let flag2_low = self.w.to_c64().1;
        if flag2_low && !self.flag2_was_low {
            self.flag = true; // CIA2 ICR bit 4
        }
        self.flag2_was_low = flag2_low;
        self.now += 2;
        read
    }

    /// Polls $DD0D for FLAG (reading clears it), up to `limit` instructions.
    fn wait_flag(&mut self, limit: u32) -> bool {
        for _ in 0..limit {
            self.step(false); // LDA $DD0D
            if std::mem::take(&mut self.flag) {
                return true;
            }
        }
        false
    }

    fn write(&mut self, b: u8) -> bool {
        self.pb = b;
        self.step(true); // STA $DD01: /PC2 low for the next instruction
        self.wait_flag(50)
    }

    fn read(&mut self) -> Option<u8> {
        self.wait_flag(50).then(|| self.step(true))
    }

    fn exchange(&mut self, payload: &[u8]) -> Option<(u8, Vec<u8>)> {
        let [lo, hi] = (payload.len() as u16).to_le_bytes();
        for &b in [REQUEST_MAGIC, CMD_EXCHANGE, lo, hi].iter().chain(payload) {
            if !self.write(b) {
                return None;
            }
        }
        self.ddr = 0x00;
        self.step(false);
        self.pa2 = false;
        self.step(false);
        let status = self.read()?;
        let len = u16::from_le_bytes([self.read()?, self.read()?]);
        let mut data = Vec::new();
        for _ in 0..len {
            data.push(self.read()?);
        }
        self.pa2 = true;
        self.step(false);
        self.ddr = 0xFF;
        self.step(false);
        Some((status, data))
    }

    fn drain_host(&mut self) -> Vec<u8> {
        std::iter::from_fn(|| self.link.to_host().pop()).collect()
    }
}

#[test]
fn full_exchanges_through_virtual_pins_without_bus_contention() {
    let mut r = Rig::new();
    let reply: Vec<u8> = (0..=255u8).collect();
    r.link.to_micro().push_all(&reply).unwrap();
    let payload: Vec<u8> = (0..256u32).map(|i| (i * 31 + 7) as u8).collect();
    let start = r.now;
    assert_eq!(r.exchange(&payload), Some((STATUS_OK, reply)));
    let elapsed_us = r.now - start;
    assert_eq!(r.drain_host(), payload);
    assert_eq!(
        r.w.bus.contentions(),
        0,
        "the 245 turnaround never fought the C64"
    );
    // 512 bytes moved; the model's C64 takes a few instructions per byte.
    assert!(elapsed_us < 20_000, "{elapsed_us} µs");
    assert_eq!(r.exchange(b"again").unwrap().1, b"");
    assert_eq!(r.drain_host(), b"again");
}

#[test]
fn a_c64_that_stops_mid_response_loses_nothing() {
    let mut r = Rig::new();
    r.link.to_micro().push_all(b"abcdefgh").unwrap();
    for &b in &[REQUEST_MAGIC, CMD_EXCHANGE, 0, 0] {
        assert!(r.write(b));
    }
    r.ddr = 0;
    r.pa2 = false;
    r.step(false);
    let got: Vec<u8> = (0..5).map(|_| r.read().unwrap()).collect();
    assert_eq!(got, [STATUS_OK, 8, 0, b'a', b'b']);
    // The C64 hangs (PA2 stays low) for 60 ms.
    for _ in 0..30_000 {
        r.step(false);
    }
    assert_eq!(r.link.stats().ack_timeouts, 1);
    assert_eq!(r.w.to_c64(), (0xFF, false), "bus released, /FLAG2 high");
    assert!(r.w.dir.get(), "DIR back toward the adapter");
    r.pa2 = true;
    r.ddr = 0xFF;
    r.step(false);
    assert_eq!(r.exchange(b"").unwrap().1, b"cdefgh");
    assert_eq!(r.w.bus.contentions(), 0);
}

#[test]
fn a_c64_that_stops_mid_request_is_abandoned() {
    let mut r = Rig::new();
    for &b in &[REQUEST_MAGIC, CMD_EXCHANGE, 10, 0, 1, 2] {
        assert!(r.write(b));
    }
    for _ in 0..6_000 {
        r.step(false); // 12 ms
    }
    assert_eq!(r.link.stats().request_timeouts, 1);
    assert_eq!(r.exchange(b"ok").unwrap().0, STATUS_OK);
    assert_eq!(r.drain_host(), b"ok");
}

#[test]
fn the_board_with_dir_on_pa2_exchanges_cleanly() {
    let mut r = Rig::board();
    r.link.to_micro().push_all(b"from host").unwrap();
    assert_eq!(
        r.exchange(b"from c64"),
        Some((STATUS_OK, b"from host".to_vec()))
    );
    assert_eq!(r.drain_host(), b"from c64");
    assert_eq!(r.w.bus.contentions(), 0);
}

/// A C64 that raises PA2 mid-response: with DIR on PA2 the 245 turns before the adapter can
/// release (one step of contention, which is why the board wants series resistors); with DIR
/// driven by the adapter there is none. Either way the rest stays queued.
#[test]
fn pa2_raised_mid_response_costs_one_step_of_contention_only_with_dir_on_pa2() {
    fn abort_after_two_data_bytes<D: OutputPin>(r: &mut Rig<D>) {
        r.link.to_micro().push_all(b"wxyz").unwrap();
        for &b in &[REQUEST_MAGIC, CMD_EXCHANGE, 0, 0] {
            assert!(r.write(b));
        }
        r.ddr = 0;
        r.pa2 = false;
        r.step(false);
        let got: Vec<u8> = (0..5).map(|_| r.read().unwrap()).collect();
        assert_eq!(got, [STATUS_OK, 4, 0, b'w', b'x']);
        r.pa2 = true;
        r.step(false);
        r.ddr = 0xFF;
        r.step(false);
        assert_eq!(r.link.stats().responses_aborted, 1);
        assert_eq!(r.exchange(b"").unwrap().1, b"yz");
    }
    let mut adapter_dir = Rig::new();
    abort_after_two_data_bytes(&mut adapter_dir);
    assert_eq!(adapter_dir.w.bus.contentions(), 0);
    let mut board = Rig::board();
    abort_after_two_data_bytes(&mut board);
    assert_eq!(board.w.bus.contentions(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn noise_on_the_user_port_then_a_clean_exchange(
        noise in proptest::collection::vec((any::<u8>(), any::<bool>(), any::<bool>(), any::<bool>(), 0u32..3_000), 0..200),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
        reply in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut r = Rig::new();
        for (pb, ddr_out, pa2, pc2_low, idle) in noise {
            r.pb = pb;
            r.ddr = if ddr_out { 0xFF } else { 0 };
            r.pa2 = pa2;
            r.step(pc2_low);
            for _ in 0..idle {
                r.step(false);
            }
        }
        // Back to idle as the client does at start-up, then let every timeout pass.
        r.pa2 = true;
        r.ddr = 0xFF;
        for _ in 0..30_000 {
            r.step(false);
        }
        r.flag = false;
        r.drain_host();
        r.link.to_micro().clear();
        r.link.to_micro().push_all(&reply).unwrap();
        prop_assert_eq!(r.exchange(&payload), Some((STATUS_OK, reply)));
        prop_assert_eq!(r.drain_host(), payload);
    }
}
