//! Two `LinkSession`s talking through a simulated serial line that drops, damages, invents
//! and repeats bytes. Whatever the line does, every payload must arrive exactly once and in
//! order, in both directions at once.

use std::collections::VecDeque;

use retromesh_link_frame::slip::{END, ESC};
use retromesh_link_frame::{
    Event, FrameError, FrameKind, LinkSession, RxError, SendError, SessionConfig, Stats,
    MAX_PAYLOAD_LEN,
};

/// xorshift64: deterministic, so a failure replays exactly.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn byte(&mut self) -> u8 {
        (self.next() >> 24) as u8
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `ppm / 1_000_000`.
    fn chance(&mut self, ppm: u64) -> bool {
        self.below(1_000_000) < ppm
    }
}

/// How the line misbehaves, in parts per million.
#[derive(Clone, Copy, Debug)]
struct Impairments {
    /// A byte vanishes.
    drop: u64,
    /// A byte arrives with some bits flipped.
    corrupt: u64,
    /// A garbage byte (random, END or ESC) appears before a byte.
    garbage: u64,
    /// A whole frame arrives twice (decided when its closing END passes).
    duplicate_frame: u64,
}

#[derive(Default, Debug)]
struct LineStats {
    bytes: u64,
    dropped: u64,
    corrupted: u64,
    inserted: u64,
    duplicated_frames: u64,
}

/// One direction of the line: impairments, then a fixed latency.
struct Line {
    rng: Rng,
    imp: Impairments,
    latency_ms: u64,
    in_flight: VecDeque<(u64, u8)>,
    /// Bytes of the frame passing through now, for duplication.
    frame: Vec<u8>,
    stats: LineStats,
}

impl Line {
    fn new(seed: u64, imp: Impairments, latency_ms: u64) -> Self {
        Line {
            rng: Rng(seed),
            imp,
            latency_ms,
            in_flight: VecDeque::new(),
            frame: Vec::new(),
            stats: LineStats::default(),
        }
    }

    fn put(&mut self, b: u8, now: u64) {
        self.in_flight.push_back((now + self.latency_ms, b));
    }

    fn send(&mut self, b: u8, now: u64) {
        self.stats.bytes += 1;
        if self.rng.chance(self.imp.garbage) {
            let g = match self.rng.below(4) {
                0 => END,
                1 => ESC,
                _ => self.rng.byte(),
            };
            self.stats.inserted += 1;
            self.put(g, now);
        }
        // Duplication copies the frame as sent, before damage.
        if b == END {
            if !self.frame.is_empty() && self.rng.chance(self.imp.duplicate_frame) {
                self.stats.duplicated_frames += 1;
                let copy = std::mem::take(&mut self.frame);
                self.emit(END, now);
                for x in copy {
                    self.emit(x, now);
                }
            }
            self.frame.clear();
        } else {
            self.frame.push(b);
        }
        self.emit(b, now);
    }

    fn emit(&mut self, b: u8, now: u64) {
        if self.rng.chance(self.imp.drop) {
            self.stats.dropped += 1;
            return;
        }
        let b = if self.rng.chance(self.imp.corrupt) {
            self.stats.corrupted += 1;
            b ^ (1 + self.rng.below(255) as u8)
        } else {
            b
        };
        self.put(b, now);
    }

    fn recv(&mut self, now: u64) -> Option<u8> {
        match self.in_flight.front() {
            Some(&(at, b)) if at <= now => {
                self.in_flight.pop_front();
                Some(b)
            }
            _ => None,
        }
    }
}

/// One end's application: what it must send and what it got.
struct App {
    to_send: Vec<Vec<u8>>,
    next: usize,
    acked: usize,
    received: Vec<Vec<u8>>,
    /// Frames rejected because the length byte did not match.
    length_mismatches: u64,
}

impl App {
    fn handle(&mut self, event: Event<'_>, who: &str) {
        match event {
            Event::Deliver(p) => self.received.push(p.to_vec()),
            Event::Acked { .. } => self.acked += 1,
            Event::GaveUp { seq } => panic!("{who} gave up on seq {seq}"),
            Event::Resynced {
                reason: RxError::Frame(FrameError::LengthMismatch { .. }),
                ..
            } => self.length_mismatches += 1,
            Event::Resynced { .. } => {}
            Event::Control(f) => panic!("{who}: unexpected control frame {f:?}"),
        }
    }
}

/// One end: a session and its application.
struct Node {
    session: LinkSession,
    app: App,
}

impl Node {
    fn new(config: SessionConfig, to_send: Vec<Vec<u8>>) -> Self {
        Node {
            session: LinkSession::new(config),
            app: App {
                to_send,
                next: 0,
                acked: 0,
                received: Vec::new(),
                length_mismatches: 0,
            },
        }
    }

    fn done(&self) -> bool {
        self.app.acked == self.app.to_send.len() && !self.session.is_busy()
    }
}

fn payloads(rng: &mut Rng, count: usize, max_len: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let len = rng.below(max_len as u64 + 1) as usize;
            match i % 7 {
                0 => vec![END; len],
                1 => vec![ESC; len],
                2 => vec![0x00; len],
                3 => (0..len).map(|j| [END, ESC, 0xDC, 0xDD, 0][j % 5]).collect(),
                _ => (0..len).map(|_| rng.byte()).collect(),
            }
        })
        .collect()
}

struct Outcome {
    ms: u64,
    a: Stats,
    b: Stats,
    line_ab: LineStats,
    line_ba: LineStats,
    /// Payloads delivered with different content (what the checks let through).
    altered: Vec<String>,
    /// Frames either side rejected as length mismatches.
    length_mismatches: u64,
}

/// Runs both directions until everything is acknowledged. `bytes_per_ms` is the port speed.
fn run(
    seed: u64,
    imp: Impairments,
    config: SessionConfig,
    count: usize,
    max_len: usize,
    bytes_per_ms: usize,
    limit_ms: u64,
) -> Outcome {
    let mut rng = Rng(seed);
    let a_msgs = payloads(&mut rng, count, max_len);
    let b_msgs = payloads(&mut rng, count, max_len);
    let mut a = Node::new(config, a_msgs.clone());
    let mut b = Node::new(config, b_msgs.clone());
    let mut ab = Line::new(seed ^ 0xA5A5_A5A5, imp, 3);
    let mut ba = Line::new(seed ^ 0x5A5A_5A5A_0000, imp, 3);

    let mut now = 0;
    while !(a.done() && b.done()) {
        assert!(now < limit_ms, "not finished after {limit_ms} ms simulated");
        for node in [&mut a, &mut b] {
            let app = &mut node.app;
            if app.next < app.to_send.len() && !node.session.is_busy() {
                node.session.send(&app.to_send[app.next]).unwrap();
                app.next += 1;
            }
        }
        for _ in 0..bytes_per_ms {
            if let Some(x) = a.session.next_tx_byte(now) {
                ab.send(x, now);
            }
            if let Some(x) = b.session.next_tx_byte(now) {
                ba.send(x, now);
            }
        }
        while let Some(x) = ab.recv(now) {
            if let Some(e) = b.session.receive_byte(x, now) {
                b.app.handle(e, "b");
            }
        }
        while let Some(x) = ba.recv(now) {
            if let Some(e) = a.session.receive_byte(x, now) {
                a.app.handle(e, "a");
            }
        }
        if let Some(e) = a.session.poll(now) {
            a.app.handle(e, "a");
        }
        if let Some(e) = b.session.poll(now) {
            b.app.handle(e, "b");
        }
        now += 1;
    }

    // Every payload arrived once (none lost, none twice: GaveUp panics above); collect any
    // whose content differs from what was sent, at the same position (the callers require
    // there be none).
    assert_eq!(b.app.received.len(), count, "b received");
    assert_eq!(a.app.received.len(), count, "a received");
    let mut altered = Vec::new();
    for (dir, got, want) in [
        ("a->b", &b.app.received, &a_msgs),
        ("b->a", &a.app.received, &b_msgs),
    ] {
        for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
            if g != w {
                altered.push(format!("{dir} #{i}: got {g:02x?}, sent {w:02x?}"));
            }
        }
    }
    Outcome {
        ms: now,
        a: *a.session.stats(),
        b: *b.session.stats(),
        line_ab: ab.stats,
        line_ba: ba.stats,
        altered,
        length_mismatches: a.app.length_mismatches + b.app.length_mismatches,
    }
}

fn report(name: &str, o: &Outcome) {
    eprintln!(
        "{name}: {} ms simulated\n  a: {:?}\n  b: {:?}\n  a->b line: {:?}\n  b->a line: {:?}",
        o.ms, o.a, o.b, o.line_ab, o.line_ba
    );
}

/// 10% of the bytes damaged (5% dropped, 5% corrupted), 1% garbage bytes inserted, 5% of
/// frames doubled. Payloads of 0..=8 bytes: even so a frame of 8 escaped bytes (about 24 on
/// the wire) and its ACK get through intact only about 3% of the time, hence the big retry
/// budget and short timeout (frames are short).
fn harsh() -> (Impairments, SessionConfig) {
    (
        Impairments {
            drop: 50_000,
            corrupt: 50_000,
            garbage: 10_000,
            duplicate_frame: 50_000,
        },
        SessionConfig {
            retransmit_timeout_ms: 60,
            max_retries: 255,
        },
    )
}

#[test]
fn harsh_line_ten_percent_of_bytes_damaged() {
    let (imp, config) = harsh();
    let o = run(0x00C0_FFEE, imp, config, 200, 8, 2, 10_000_000);
    report("harsh", &o);
    assert!(o.altered.is_empty(), "{:#?}", o.altered);
    for s in [&o.a, &o.b] {
        assert_eq!(s.delivered, 200);
        assert_eq!(s.gave_up, 0);
        assert!(
            s.retransmits > 0 && s.duplicates > 0 && s.resyncs > 0,
            "{s:?}"
        );
    }
    assert!(o.length_mismatches > 0);
}

/// The same line with 60 seeds, strictly: in every run all 200 payloads each way arrive
/// exactly once, in order and byte-exact (a loss, a duplicate or a GaveUp fails `run`; any
/// altered content fails here). Bytes lost or added and frames run together are length
/// mismatches; what is left to the CRC is damage that keeps the length right.
#[test]
fn harsh_line_many_seeds() {
    let (imp, config) = harsh();
    let mut failures = Vec::new();
    let mut length_mismatches = 0;
    for seed in 1..=60u64 {
        let o = run(seed * 7919, imp, config, 200, 8, 2, 10_000_000);
        if !o.altered.is_empty() {
            failures.push(format!("seed {seed}: {:?}", o.altered));
        }
        for s in [&o.a, &o.b] {
            assert_eq!(s.delivered, 200, "seed {seed}");
            assert_eq!(s.gave_up, 0, "seed {seed}");
        }
        length_mismatches += o.length_mismatches;
    }
    eprintln!("60 harsh runs: {length_mismatches} frames rejected as length mismatches");
    assert!(failures.is_empty(), "{failures:#?}");
}

/// About 10% of frames damaged: 750 ppm of bytes dropped, corrupted or preceded by garbage
/// (a 135-byte frame is hit 10% of the time, a 510-byte one 32%), 5% of frames doubled.
/// Payloads of any length 0..=250, 19200 baud with the timeout `for_baud` suggests and its
/// retry budget of 8.
#[test]
fn lossy_line_ten_percent_of_frames_damaged() {
    let imp = Impairments {
        drop: 300,
        corrupt: 300,
        garbage: 150,
        duplicate_frame: 50_000,
    };
    for seed in [1, 2, 3] {
        let o = run(
            seed,
            imp,
            SessionConfig::for_baud(19_200),
            200,
            MAX_PAYLOAD_LEN,
            2,
            50_000_000,
        );
        report(&format!("lossy seed {seed}"), &o);
        assert!(o.altered.is_empty(), "{:#?}", o.altered);
        for s in [&o.a, &o.b] {
            assert_eq!(s.delivered, 200);
            assert_eq!(s.gave_up, 0);
        }
    }
}

#[test]
fn clean_line_round_trips_every_payload_length() {
    let mut a =
        LinkSession::<{ retromesh_link_frame::MAX_BODY_LEN }>::new(SessionConfig::default());
    let mut b: LinkSession = LinkSession::default();
    let mut wire = Vec::new();
    for fill in [END, ESC, 0x00, 0x55] {
        for len in 0..=MAX_PAYLOAD_LEN {
            let payload = vec![fill; len];
            a.send(&payload).unwrap();
            wire.clear();
            while let Some(x) = a.next_tx_byte(0) {
                wire.push(x);
            }
            let mut got = Vec::new();
            b.receive_bytes(&wire, 0, |e| match e {
                Event::Deliver(p) => got.push(p.to_vec()),
                other => panic!("{other:?}"),
            });
            assert_eq!(got, [payload]);
            wire.clear();
            while let Some(x) = b.next_tx_byte(0) {
                wire.push(x);
            }
            let mut acked = false;
            a.receive_bytes(&wire, 0, |e| acked = matches!(e, Event::Acked { .. }));
            assert!(acked);
        }
    }
    assert_eq!(
        a.send(&[0; MAX_PAYLOAD_LEN + 1]),
        Err(SendError::PayloadTooLong)
    );
}

#[test]
fn garbage_never_panics_and_session_resyncs() {
    let mut rng = Rng(0xBAD5EED);
    let mut s: LinkSession = LinkSession::default();
    let mut peer: LinkSession = LinkSession::default();
    for round in 0..300 {
        let len = rng.below(2000);
        match round % 4 {
            0 => (0..len).for_each(|_| {
                let _ = s.receive_byte(rng.byte(), round);
            }),
            1 => (0..len).for_each(|_| {
                let _ = s.receive_byte(END, round);
            }),
            2 => {
                let _ = s.receive_byte(ESC, round);
            }
            _ => (0..len).for_each(|_| {
                let b = [END, ESC, 0xDC, 0xDD, 0x00][rng.below(5) as usize];
                let _ = s.receive_byte(b, round);
            }),
        }
        // The peer's next DATA frame gets through right after the garbage.
        let payload: Vec<u8> = (0..rng.below(40)).map(|_| rng.byte()).collect();
        peer.send(&payload).unwrap();
        let mut delivered = Vec::new();
        while let Some(x) = peer.next_tx_byte(round) {
            if let Some(Event::Deliver(p)) = s.receive_byte(x, round) {
                delivered.push(p.to_vec());
            }
        }
        assert_eq!(delivered, [payload], "round {round}");
        // Let the ACK through (and any NAK the garbage caused), so the peer may send again.
        while let Some(x) = s.next_tx_byte(round) {
            let _ = peer.receive_byte(x, round);
        }
        assert!(!peer.is_busy(), "round {round}");
    }
    assert!(s.stats().resyncs > 0);
}

#[test]
fn handshake_then_data() {
    use retromesh_link_frame::{Hello, HelloReply, MachineId, Version};
    let mut micro = LinkSession::<69>::new(SessionConfig::for_baud(9600));
    let mut bridge: LinkSession = LinkSession::new(SessionConfig::for_baud(9600));
    micro.reset();
    let hello = Hello {
        machine: MachineId::Zx128,
        version: Version::new(1, 0),
        max_payload: 64,
    };
    micro
        .send_control(FrameKind::Hello, 0, &hello.to_bytes().unwrap())
        .unwrap();
    let mut wire = Vec::new();
    while let Some(x) = micro.next_tx_byte(0) {
        wire.push(x);
    }
    let mut reply = None;
    for &x in &wire {
        if let Some(Event::Control(f)) = bridge.receive_byte(x, 0) {
            assert_eq!(f.kind, FrameKind::Hello);
            reply = Some(
                Hello::decode(f.payload)
                    .unwrap()
                    .reply(Version::new(0, 1), 250)
                    .unwrap(),
            );
        }
    }
    let reply = reply.unwrap();
    bridge.reset();
    bridge.set_max_payload(reply.max_payload as usize);
    bridge
        .send_control(FrameKind::HelloReply, 0, &reply.to_bytes().unwrap())
        .unwrap();
    bridge.send(&[0x42; 64]).unwrap();
    assert_eq!(bridge.send(&[0; 1]), Err(SendError::Busy));
    wire.clear();
    while let Some(x) = bridge.next_tx_byte(1) {
        wire.push(x);
    }
    let mut got = Vec::new();
    micro.receive_bytes(&wire, 1, |e| match e {
        Event::Control(f) => got.push(format!("{:?}", HelloReply::decode(f.payload).unwrap())),
        Event::Deliver(p) => got.push(format!("{} bytes", p.len())),
        other => panic!("{other:?}"),
    });
    assert_eq!(
        got,
        [
            "HelloReply { version: Version { major: 0, minor: 1 }, max_payload: 64 }",
            "64 bytes"
        ]
    );
}
