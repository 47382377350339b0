//! The parallel link's bad days, on the emulated C64 (`retromesh-c64`) with the real adapter
//! logic (`retromesh-adapter`'s `ParallelLink` on its virtual user-port wiring): a cable that
//! goes mid-transfer, and noise on the strobe lines. The faults come from thin `UserPortDevice`
//! wrappers around the adapter wiring (fault injectors, not adapters of their own).

mod common;

use common::adapter_link::AdapterLink;
use common::bridge::FrameBridge;
use common::*;
use retromesh_c64::{UserPortDevice, UserPortIn, UserPortOut, C64};
use retromesh_c64_client::{entry, error, mem, Driver, PAL_CLOCK_HZ};

fn c64_on(device: Box<dyn UserPortDevice>) -> C64 {
    let mut c64 = c64_with(Driver::Parallel);
    c64.attach_user_port(device);
    c64
}

/// The cable goes: from `at_cycles` (or from the `after_strobes`th /PC2 strobe, when set)
/// until `until_cycles` the C64 sees a released bus and no strobes, and the adapter sees no
/// strobes either (it keeps running, so its timeouts fire).
struct Unplugged<D> {
    inner: D,
    at_cycles: u64,
    until_cycles: u64,
    /// Cut after this many more strobes, for this many cycles.
    after_strobes: Option<(u32, u64)>,
    /// What the C64 drove last.
    last: Option<UserPortOut>,
}

impl<D: UserPortDevice> UserPortDevice for Unplugged<D> {
    fn step(&mut self, now: u64, out: &UserPortOut) -> UserPortIn {
        self.last = Some(*out);
        if let Some((left, cycles)) = &mut self.after_strobes {
            if out.pc2_low {
                *left = left.saturating_sub(1);
                if *left == 0 {
                    (self.at_cycles, self.until_cycles) = (now, now + *cycles);
                    self.after_strobes = None;
                }
            }
        }
        if (self.at_cycles..self.until_cycles).contains(&now) {
            let quiet = UserPortOut {
                pc2_low: false,
                pa2: true,
                ..*out
            };
            self.inner.step(now, &quiet);
            UserPortIn {
                pb: 0xFF,
                flag2_low: false,
            }
        } else {
            self.inner.step(now, out)
        }
    }
}

/// Noise on both strobe lines, between the C64 and the real adapter wiring.
///
/// - /FLAG2 (adapter → C64): a stray pulse every `flag2_every` cycles, wherever the transfer
///   is. The real adapter answers a strobe within ~2 µs (the same emulated instruction), so
///   its own /FLAG2 is already latched in CIA2's ICR whenever the C64 polls $DD0D: a stray
///   pulse can never make the C64 read a byte before the adapter has put it on the bus. These
///   pulses must be harmless.
/// - /PC2 (C64 → adapter): armed every `pc2_every` cycles, a stray strobe fires at the next
///   response data byte (PA2 low, past status and length) a step or two after the adapter
///   drove it and pulsed /FLAG2: while the C64 polls $DD0D for it, before its read of $DD01.
///   The adapter takes the stray strobe as the C64's ack and moves on: that byte never
///   reaches the C64, which comes up one byte short and hands SLIP/CRC a damaged frame. The
///   byte is varied (the 11th to 100th data byte of a response) so the loss lands mid-frame
///   and not on the same byte of every retransmission (losing a frame's leading END every
///   time loses the frame every time: no NAK, just the bridge's timeouts, until it gives up).
struct StrobeNoise<D> {
    inner: D,
    flag2_every: u64,
    next_flag2: u64,
    flag2_pulses: u32,
    pc2_every: u64,
    next_pc2: u64,
    pc2_strobes: u32,
    /// A stray /PC2 strobe to show the adapter as soon as /PC2 has been high for a step.
    pc2_due: bool,
    /// /PC2 as the adapter saw it on the last step.
    pc2_was_low: bool,
    flag2_was_low: bool,
    /// /FLAG2 edges since PA2 went low.
    response_flags: u32,
}

impl<D> StrobeNoise<D> {
    fn new(inner: D, flag2_every: u64, pc2_every: u64) -> Self {
        StrobeNoise {
            inner,
            flag2_every,
            next_flag2: flag2_every,
            flag2_pulses: 0,
            pc2_every,
            next_pc2: pc2_every,
            pc2_strobes: 0,
            pc2_due: false,
            pc2_was_low: false,
            flag2_was_low: false,
            response_flags: 0,
        }
    }
}

impl<D: UserPortDevice> UserPortDevice for StrobeNoise<D> {
    fn step(&mut self, now: u64, out: &UserPortOut) -> UserPortIn {
        let mut seen = *out;
        if self.pc2_due && out.pc2_low {
            self.pc2_due = false; // the C64 read the byte first: nothing to spoil
        } else if self.pc2_due && !self.pc2_was_low {
            // an edge needs /PC2 high on the step before (the C64's ack was low)
            self.pc2_due = false;
            seen.pc2_low = true;
            self.pc2_strobes += 1;
        }
        self.pc2_was_low = seen.pc2_low;
        let mut inp = self.inner.step(now, &seen);
        let edge = inp.flag2_low && !self.flag2_was_low;
        self.flag2_was_low = inp.flag2_low;
        if out.pa2 {
            self.response_flags = 0;
        } else if edge {
            self.response_flags += 1;
            // status, len_lo, len_hi, then the (11 + k)th data byte, k varied in 0..90
            let nth = 3 + 11 + (self.pc2_strobes * 37) % 90;
            if self.response_flags >= nth && now >= self.next_pc2 {
                self.next_pc2 = now + self.pc2_every;
                self.pc2_due = true;
            }
        }
        if now >= self.next_flag2 {
            self.next_flag2 = now + self.flag2_every;
            if !inp.flag2_low {
                inp.flag2_low = true;
                self.flag2_pulses += 1;
            }
        }
        inp
    }
}

/// The adapter goes quiet in the middle of an ECHO: the C64 gives up with error 7 (port) in
/// bounded time instead of hanging, the adapter abandons the half-done exchange, and once the
/// adapter answers again a fresh init and ECHO work. Fails if the driver waits forever, blames
/// the bridge (timeout/no ACK) or leaves the bus driven.
#[test]
fn adapter_stops_answering_mid_transfer() {
    let (bridge, bridge_h) = Shared::new(FrameBridge::default());
    let (adapter, adapter_h) = Shared::new(AdapterLink::new(Box::new(bridge)));
    let (port, port_h) = Shared::new(Unplugged {
        inner: adapter,
        at_cycles: u64::MAX,
        until_cycles: u64::MAX,
        after_strobes: None,
        last: None,
    });
    let mut c64 = c64_on(Box::new(port));
    call_ok(&mut c64, "init", entry::INIT, 0, 0, 0, 5.0);
    // Unplug for 3 s at the 100th strobe of the ECHO: inside its first request (4 + 240 bytes).
    port_h.borrow_mut().after_strobes = Some((100, 3 * PAL_CLOCK_HZ));
    let data = awkward_bytes(240);
    poke_bytes(&mut c64, ARGS, &data);
    let c = call(
        &mut c64,
        "echo",
        entry::ECHO,
        240,
        ARGS as u8,
        (ARGS >> 8) as u8,
        10.0,
    );
    assert!(!c.ok, "the ECHO cannot succeed with the adapter gone");
    assert_eq!(
        c.a,
        error::PORT,
        "the driver names the port, not the bridge"
    );
    assert_eq!(c64.peek(mem::V_ERR), error::PORT);
    assert!(
        c.secs() < 3.0,
        "gave up in {:.2} s: bounded, before the adapter came back",
        c.secs()
    );
    assert!(c64.peek(mem::V_PFAILS) >= 10, "a failed exchange per try");
    let plug_at = port_h.borrow().until_cycles;
    assert!(plug_at > c64.cycles(), "the cable was cut during the ECHO");
    let out = port_h.borrow().last.expect("the port saw the C64");
    assert!(
        out.pa2 && out.pb_ddr == 0xFF,
        "bus left idle (PA2 high, DDR B out): {out:?}"
    );
    // back on line: a fresh init and the same ECHO go through
    while c64.cycles() < plug_at {
        // wait on the line: getbyte gives up with error 7 (port) while the adapter is away
        let c = call(&mut c64, "getbyte", entry::GETBYTE, 0, 0xE8, 0x03, 5.0);
        assert!(
            !c.ok && c.a == error::PORT,
            "nothing to get from a silent port: {c:?}"
        );
    }
    call_ok(&mut c64, "init again", entry::INIT, 0, 0, 0, 5.0);
    let c = call_ok(
        &mut c64,
        "echo again",
        entry::ECHO,
        240,
        ARGS as u8,
        (ARGS >> 8) as u8,
        5.0,
    );
    assert_eq!(c.xy(), 0);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 240), data);
    let stats = adapter_h.borrow().stats();
    assert_eq!(
        stats.request_timeouts, 1,
        "the half request was dropped: {stats:?}"
    );
    assert_eq!(
        adapter_h.borrow().contentions(),
        0,
        "nobody fought over the bus"
    );
    let echoes = bridge_h
        .borrow()
        .received
        .iter()
        .filter(|r| r.op == 0x06)
        .count();
    assert_eq!(
        echoes, 1,
        "the ECHO reached the bridge once, after the outage"
    );
}

/// What a noisy GET and ECHO left behind.
struct NoiseRun {
    c64: C64,
    noise: (u32, u32),
    bridge: retromesh_link_frame::session::Stats,
    link: retromesh_adapter::parallel::ParallelStats,
    contentions: u32,
}

/// A 600-byte GET and a 200-byte ECHO through [`StrobeNoise`]; both must come back byte-exact,
/// each reaching the bridge once.
fn noisy_get_and_echo(flag2_every: u64, pc2_every: u64) -> NoiseRun {
    let weather = text_body(600);
    let (bridge, bridge_h) =
        Shared::new(FrameBridge::default().answer("weather/today", 200, &weather));
    let (adapter, adapter_h) = Shared::new(AdapterLink::new(Box::new(bridge)));
    let (noisy, noise_h) = Shared::new(StrobeNoise::new(adapter, flag2_every, pc2_every));
    let mut c64 = c64_on(Box::new(noisy));
    call_ok(&mut c64, "init", entry::INIT, 0, 0, 0, 60.0);
    let c = get_ok(&mut c64, b"weather/today", 60.0);
    assert_eq!(c.xy(), 200);
    assert_eq!(peek_word(&c64, mem::V_BODY_LEN), 600);
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 600), weather);
    let data = awkward_bytes(200);
    poke_bytes(&mut c64, ARGS, &data);
    call_ok(
        &mut c64,
        "echo",
        entry::ECHO,
        200,
        ARGS as u8,
        (ARGS >> 8) as u8,
        60.0,
    );
    assert_eq!(peek_bytes(&c64, mem::BODY_BUF, 200), data);
    let b = bridge_h.borrow();
    let ops: Vec<u8> = b.received.iter().map(|r| r.op).collect();
    assert_eq!(ops, [0x01, 0x06], "one GET, one ECHO");
    let noise = noise_h.borrow();
    let adapter = adapter_h.borrow();
    NoiseRun {
        noise: (noise.flag2_pulses, noise.pc2_strobes),
        bridge: *b.session.stats(),
        link: adapter.stats(),
        contentions: adapter.contentions(),
        c64,
    }
}

/// Stray /FLAG2 pulses every 20 ms and nothing else: the real adapter's own /FLAG2 always
/// comes first, so they do no damage at all. Fails if a stray pulse makes the C64 read early
/// (a NAK or a resend) or a failed exchange.
#[test]
fn stray_flag2_pulses_are_harmless() {
    let run = noisy_get_and_echo(20_000, u64::MAX);
    assert!(run.noise.0 > 10, "stray /FLAG2 pulses: {}", run.noise.0);
    assert_eq!(run.noise.1, 0);
    assert_eq!(run.c64.peek(mem::V_NAKS), 0, "no frame damaged");
    assert_eq!(run.c64.peek(mem::V_RETX), 0);
    assert_eq!(run.c64.peek(mem::V_PFAILS), 0, "no exchange failed");
    assert_eq!(run.bridge.retransmits, 0, "{:?}", run.bridge);
    assert_eq!(run.bridge.naks_sent, 0, "{:?}", run.bridge);
    assert_eq!(run.link.stray_strobes, 0, "{:?}", run.link);
    assert_eq!(run.contentions, 0);
}

/// Noise on both strobe lines while a 600-byte GET and a 200-byte ECHO run (see
/// [`StrobeNoise`]): stray /FLAG2 pulses throughout, and stray /PC2 strobes that make the
/// adapter drop a response byte. The damaged frames are NAKed by the C64 and sent again by
/// the bridge: bodies byte-exact, each message once. Fails if a damaged frame is delivered,
/// a NAK goes unanswered, or the driver wedges on a short response.
#[test]
fn noise_on_the_strobe_lines() {
    let run = noisy_get_and_echo(20_000, 100_000);
    let (flag2, pc2) = run.noise;
    assert!(flag2 > 10, "stray /FLAG2 pulses: {flag2}");
    assert!(pc2 > 3, "stray /PC2 strobes: {pc2}");
    assert!(
        run.c64.peek(mem::V_NAKS) >= 1,
        "the C64 NAKed the damaged frames"
    );
    assert!(
        run.bridge.retransmits >= 1,
        "and the bridge sent them again: {:?}",
        run.bridge
    );
    // One byte short, the C64 waits for a /FLAG2 the adapter will not send: it either gives
    // the exchange up after ~20 ms (V_PFAILS) or, when a stray /FLAG2 comes first, reads the
    // released bus, a strobe the idle adapter counts as stray.
    let short_ends = u32::from(run.c64.peek(mem::V_PFAILS)) + run.link.stray_strobes;
    assert!(
        short_ends >= pc2,
        "every short response ended: {:?}",
        run.link
    );
    assert!(run.link.responses > 10, "{:?}", run.link);
    assert_eq!(run.contentions, 0, "no bus contention from the noise");
}
