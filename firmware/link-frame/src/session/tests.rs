//! Unit tests of the session state machine.
use super::*;
use crate::slip::{SlipDecoder, ESC};
use std::vec::Vec;

type Session = LinkSession;

const CFG: SessionConfig = SessionConfig {
    retransmit_timeout_ms: 100,
    max_retries: 3,
};

fn drain(s: &mut Session, now: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = s.next_tx_byte(now) {
        out.push(b);
    }
    out
}

/// Decodes the frames in `wire` into (kind, seq, payload).
fn frames(wire: &[u8]) -> Vec<(FrameKind, u8, Vec<u8>)> {
    let mut dec = SlipDecoder::<MAX_BODY_LEN>::new();
    let mut out = Vec::new();
    for &b in wire {
        if let Some(Ok(body)) = dec.push(b) {
            let f = Frame::decode(body).unwrap();
            out.push((f.kind, f.seq, f.payload.to_vec()));
        }
    }
    out
}

fn wire_of(kind: FrameKind, seq: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    FrameRef::new(kind, seq, payload)
        .unwrap()
        .encode_slip(|b| v.push(b));
    v
}

/// Feeds bytes, collecting owned copies of the events.
#[derive(Debug, PartialEq)]
enum Ev {
    Deliver(Vec<u8>),
    Acked(u8),
    GaveUp(u8),
    Resynced(usize, RxError),
    Control(FrameKind, u8, Vec<u8>),
}

fn own(e: Event<'_>) -> Ev {
    match e {
        Event::Deliver(p) => Ev::Deliver(p.to_vec()),
        Event::Acked { seq } => Ev::Acked(seq),
        Event::GaveUp { seq } => Ev::GaveUp(seq),
        Event::Resynced {
            dropped_bytes,
            reason,
        } => Ev::Resynced(dropped_bytes, reason),
        Event::Control(f) => Ev::Control(f.kind, f.seq, f.payload.to_vec()),
    }
}

fn feed(s: &mut Session, wire: &[u8], now: u64) -> Vec<Ev> {
    let mut evs = Vec::new();
    s.receive_bytes(wire, now, |e| evs.push(own(e)));
    evs
}

#[test]
fn send_emits_data_and_ack_completes() {
    let mut s = Session::new(CFG);
    s.send(b"hi").unwrap();
    assert_eq!(s.send(b"again"), Err(SendError::Busy));
    assert!(s.has_tx());
    let wire = drain(&mut s, 10);
    assert_eq!(frames(&wire), [(FrameKind::Data, 0, b"hi".to_vec())]);
    assert_eq!(s.next_deadline(), Some(110));
    assert_eq!(s.outstanding_seq(), Some(0));
    // An ACK for another seq is ignored.
    assert_eq!(feed(&mut s, &wire_of(FrameKind::Ack, 5, &[]), 20), []);
    assert_eq!(s.stats().stray_acks, 1);
    assert_eq!(
        feed(&mut s, &wire_of(FrameKind::Ack, 0, &[]), 20),
        [Ev::Acked(0)]
    );
    assert!(!s.is_busy());
    assert_eq!(s.next_deadline(), None);
    s.send(b"next").unwrap();
    assert_eq!(
        frames(&drain(&mut s, 30)),
        [(FrameKind::Data, 1, b"next".to_vec())]
    );
}

#[test]
fn timer_starts_when_last_byte_is_handed_out() {
    let mut s = Session::new(CFG);
    s.send(&[0xAA; 50]).unwrap();
    assert_eq!(s.poll(1_000_000), None);
    for _ in 0..10 {
        s.next_tx_byte(0);
    }
    assert_eq!(s.next_deadline(), None);
    drain(&mut s, 500);
    assert_eq!(s.next_deadline(), Some(600));
    assert_eq!(s.poll(599), None);
    assert!(!s.has_tx());
}

#[test]
fn timeout_retransmits_then_gives_up() {
    let mut s = Session::new(CFG);
    s.send(b"x").unwrap();
    let first = drain(&mut s, 0);
    let mut now = 0;
    for attempt in 1..=CFG.max_retries {
        now += 100;
        assert_eq!(s.poll(now), None);
        assert_eq!(drain(&mut s, now), first, "attempt {attempt}");
    }
    assert_eq!(s.stats().retransmits, 3);
    now += 100;
    assert_eq!(s.poll(now), Some(Event::GaveUp { seq: 0 }));
    assert!(s.is_link_down());
    assert_eq!(s.send(b"y"), Err(SendError::LinkDown));
    assert!(drain(&mut s, now).is_empty());
    assert_eq!(s.reset(), None);
    s.send(b"y").unwrap();
    // Seq 0 is not reused after the reset.
    assert_eq!(
        frames(&drain(&mut s, now)),
        [(FrameKind::Data, 1, b"y".to_vec())]
    );
}

#[test]
fn nak_for_outstanding_seq_retransmits_at_once() {
    let mut s = Session::new(CFG);
    s.send(b"x").unwrap();
    let first = drain(&mut s, 0);
    // A NAK for another seq does nothing.
    assert_eq!(feed(&mut s, &wire_of(FrameKind::Nak, 1, &[]), 1), []);
    assert!(!s.has_tx());
    assert_eq!(feed(&mut s, &wire_of(FrameKind::Nak, 0, &[]), 1), []);
    assert_eq!(drain(&mut s, 2), first);
    // A second NAK while the copy is queued is absorbed.
    assert_eq!(s.stats().retransmits, 1);
}

#[test]
fn nak_counts_toward_give_up() {
    let mut s = Session::new(CFG);
    s.send(b"x").unwrap();
    drain(&mut s, 0);
    let nak = wire_of(FrameKind::Nak, 0, &[]);
    for _ in 0..CFG.max_retries {
        assert_eq!(feed(&mut s, &nak, 1), []);
        drain(&mut s, 1);
    }
    assert_eq!(feed(&mut s, &nak, 1), [Ev::GaveUp(0)]);
}

#[test]
fn data_delivered_once_and_acked_duplicates_reacked() {
    let mut s = Session::new(CFG);
    let d0 = wire_of(FrameKind::Data, 0, b"zero");
    assert_eq!(feed(&mut s, &d0, 0), [Ev::Deliver(b"zero".to_vec())]);
    assert_eq!(frames(&drain(&mut s, 0)), [(FrameKind::Ack, 0, vec![])]);
    // The same frame again: ACKed, not delivered.
    assert_eq!(feed(&mut s, &d0, 0), []);
    assert_eq!(frames(&drain(&mut s, 0)), [(FrameKind::Ack, 0, vec![])]);
    assert_eq!(s.stats().duplicates, 1);
    // Out of sequence: ignored, no ACK.
    assert_eq!(feed(&mut s, &wire_of(FrameKind::Data, 7, b"?"), 0), []);
    assert!(!s.has_tx());
    assert_eq!(s.stats().out_of_sequence, 1);
    assert_eq!(
        feed(&mut s, &wire_of(FrameKind::Data, 1, b"one"), 0),
        [Ev::Deliver(b"one".to_vec())]
    );
    assert_eq!(s.last_heard(), Some(0));
}

#[test]
fn seq_wraps_on_both_sides() {
    let mut a = Session::new(CFG);
    let mut b = Session::new(CFG);
    for i in 0..600u32 {
        let payload = i.to_be_bytes();
        a.send(&payload).unwrap();
        let wire = drain(&mut a, 0);
        assert_eq!(feed(&mut b, &wire, 0), [Ev::Deliver(payload.to_vec())]);
        let ack = drain(&mut b, 0);
        assert_eq!(feed(&mut a, &ack, 0), [Ev::Acked(i as u8)]);
    }
}

#[test]
fn reset_reports_abandoned_frame_and_clears_queues() {
    let mut s = Session::new(CFG);
    s.send(b"x").unwrap();
    for _ in 0..3 {
        s.next_tx_byte(0);
    }
    feed(&mut s, &wire_of(FrameKind::Data, 0, b"in"), 0);
    assert_eq!(s.reset(), Some(0));
    assert!(!s.has_tx());
    assert!(!s.is_busy());
    s.send(b"y").unwrap();
    assert_eq!(
        frames(&drain(&mut s, 0)),
        [(FrameKind::Data, 1, b"y".to_vec())]
    );
}

#[test]
fn first_data_after_new_or_reset_syncs_whatever_seq() {
    let mut s = Session::new(CFG);
    assert_eq!(
        feed(&mut s, &wire_of(FrameKind::Data, 200, b"a"), 0),
        [Ev::Deliver(b"a".to_vec())]
    );
    assert_eq!(feed(&mut s, &wire_of(FrameKind::Data, 0, b"b"), 0), []);
    assert_eq!(s.reset(), None);
    assert_eq!(
        feed(&mut s, &wire_of(FrameKind::Data, 0, b"b"), 0),
        [Ev::Deliver(b"b".to_vec())]
    );
}

#[test]
fn bad_crc_gets_a_nak_with_expected_seq() {
    let mut s = Session::new(CFG);
    feed(&mut s, &wire_of(FrameKind::Data, 41, b"a"), 0);
    drain(&mut s, 0);
    let mut bad = wire_of(FrameKind::Data, 42, b"hello");
    bad[4] ^= 0x20;
    let evs = feed(&mut s, &bad, 0);
    assert!(matches!(
        evs[..],
        [Ev::Resynced(10, RxError::Frame(FrameError::BadCrc { .. }))]
    ));
    assert_eq!(frames(&drain(&mut s, 0)), [(FrameKind::Nak, 42, vec![])]);
}

#[test]
fn other_damage_is_reported_without_nak() {
    let mut s = Session::new(CFG);
    let evs = feed(&mut s, &[END, 1, 2, END, 7, ESC, 0x00, 9, END], 0);
    assert_eq!(
        evs,
        [
            Ev::Resynced(2, RxError::Frame(FrameError::TooShort)),
            Ev::Resynced(4, RxError::Slip(SlipError::BadEscape(0)))
        ]
    );
    let zeros = [END, 0, 0, 0, 0, 0, END];
    assert_eq!(
        feed(&mut s, &zeros, 0),
        [Ev::Resynced(5, RxError::Frame(FrameError::UnknownKind(0)))]
    );
    let long: Vec<u8> = core::iter::once(END)
        .chain(core::iter::repeat_n(0x55, 300))
        .chain([END])
        .collect();
    assert_eq!(
        feed(&mut s, &long, 0),
        [Ev::Resynced(300, RxError::Slip(SlipError::Overflow))]
    );
    assert!(!s.has_tx());
    assert_eq!(s.stats().resyncs, 4);
    assert_eq!(s.stats().dropped_bytes, 311);
}

fn body(kind: FrameKind, seq: u8, payload: &[u8]) -> Vec<u8> {
    let mut b = [0u8; MAX_BODY_LEN];
    let n = FrameRef::new(kind, seq, payload)
        .unwrap()
        .write_body(&mut b)
        .unwrap();
    b[..n].to_vec()
}

#[test]
fn merged_frames_are_nakked_not_delivered() {
    let mut s = Session::new(CFG);
    // We have DATA 0 outstanding; the peer's DATA 0 and its ACK for ours run together
    // (the ENDs between them lost). CRC-16/XMODEM alone accepts the pair; the length byte
    // (the DATA's: 6) does not match the 11 bytes between header and CRC.
    s.send(b"ours").unwrap();
    drain(&mut s, 0);
    let data = body(FrameKind::Data, 0, b"theirs");
    let mut merged = data.clone();
    merged.extend(body(FrameKind::Ack, 0, &[]));
    assert_eq!(crc16_of(&merged), 0);
    let wire: Vec<u8> = crate::slip::encode_iter(&merged).collect();
    let mismatch =
        |declared, actual| RxError::Frame(FrameError::LengthMismatch { declared, actual });
    assert_eq!(
        feed(&mut s, &wire, 1),
        [Ev::Resynced(wire.len() - 2, mismatch(6, 11))]
    );
    assert_eq!(frames(&drain(&mut s, 1)), [(FrameKind::Nak, 0, vec![])]);
    // Our DATA is still outstanding: the ACK went down with the merged frame.
    assert_eq!(s.outstanding_seq(), Some(0));
    // A frame run into a copy of itself (a retransmission or a doubled frame).
    let mut doubled = data.clone();
    doubled.extend(&data);
    assert_eq!(crc16_of(&doubled), 0);
    let wire: Vec<u8> = crate::slip::encode_iter(&doubled).collect();
    assert_eq!(
        feed(&mut s, &wire, 1),
        [Ev::Resynced(wire.len() - 2, mismatch(6, 6 + data.len()))]
    );
    assert_eq!(frames(&drain(&mut s, 1)), [(FrameKind::Nak, 0, vec![])]);
    // Any other pair too, e.g. a DATA and an ACK about something else.
    let mut other = body(FrameKind::Data, 0, b"x");
    other.extend(body(FrameKind::Ack, 100, &[]));
    let wire: Vec<u8> = crate::slip::encode_iter(&other).collect();
    assert_eq!(
        feed(&mut s, &wire, 1),
        [Ev::Resynced(wire.len() - 2, mismatch(1, 6))]
    );
    drain(&mut s, 1);
    // Nothing was delivered; the frame on its own is fine.
    assert_eq!(s.stats().delivered, 0);
    let wire: Vec<u8> = crate::slip::encode_iter(&data).collect();
    assert_eq!(feed(&mut s, &wire, 1), [Ev::Deliver(b"theirs".to_vec())]);
    assert_eq!(s.stats().naks_sent, 3);
}

#[test]
fn trailing_zero_added_or_lost_is_nakked_not_delivered() {
    // CRC-16/XMODEM (init 0, no xorout) keeps 0 when 0x00 follows a valid body, so these
    // damaged bodies are CRC-valid; the length byte rejects them.
    let mut s = Session::new(CFG);
    let good = body(FrameKind::Data, 7, b"hello");
    let mut added = good.clone();
    added.push(0x00);
    assert_eq!(crc16_of(&added), 0);
    let wire: Vec<u8> = crate::slip::encode_iter(&added).collect();
    assert_eq!(
        feed(&mut s, &wire, 0),
        [Ev::Resynced(
            wire.len() - 2,
            RxError::Frame(FrameError::LengthMismatch {
                declared: 5,
                actual: 6
            })
        )]
    );
    assert_eq!(frames(&drain(&mut s, 0)), [(FrameKind::Nak, 0, vec![])]);
    // A body whose CRC ends in 0x00, with that byte lost.
    let lost = (0..=255u8)
        .map(|seq| body(FrameKind::Data, seq, b"abcd"))
        .find(|b| b.last() == Some(&0))
        .unwrap();
    let cut = &lost[..lost.len() - 1];
    assert_eq!(crc16_of(cut), 0);
    let wire: Vec<u8> = crate::slip::encode_iter(cut).collect();
    assert_eq!(
        feed(&mut s, &wire, 0),
        [Ev::Resynced(
            wire.len() - 2,
            RxError::Frame(FrameError::LengthMismatch {
                declared: 4,
                actual: 3
            })
        )]
    );
    assert_eq!(s.stats().delivered, 0);
    // The intact frame is delivered.
    let wire: Vec<u8> = crate::slip::encode_iter(&good).collect();
    assert_eq!(feed(&mut s, &wire, 0), [Ev::Deliver(b"hello".to_vec())]);
}

fn crc16_of(bytes: &[u8]) -> u16 {
    crate::crc::crc16_xmodem(bytes)
}

#[test]
fn control_frames_pass_through() {
    let mut s = Session::new(CFG);
    assert_eq!(
        s.send_control(FrameKind::Data, 0, &[]),
        Err(SendError::NotControl(FrameKind::Data))
    );
    s.send_control(FrameKind::Hello, 3, &[0x10, 1, 0, 250])
        .unwrap();
    assert_eq!(
        s.send_control(FrameKind::Hello, 3, &[]),
        Err(SendError::Busy)
    );
    let wire = drain(&mut s, 0);
    assert_eq!(
        frames(&wire),
        [(FrameKind::Hello, 3, vec![0x10, 1, 0, 250])]
    );
    let mut peer = Session::new(CFG);
    assert_eq!(
        feed(&mut peer, &wire, 0),
        [Ev::Control(FrameKind::Hello, 3, vec![0x10, 1, 0, 250])]
    );
    // Not sequenced: no ACK.
    assert!(!peer.has_tx());
    s.send_control(FrameKind::HelloReply, 3, &[1, 0, 32])
        .unwrap();
}

#[test]
fn ack_goes_before_queued_data() {
    let mut s = Session::new(CFG);
    s.send(b"mine").unwrap();
    feed(&mut s, &wire_of(FrameKind::Data, 0, b"theirs"), 0);
    let got = frames(&drain(&mut s, 0));
    assert_eq!(
        got,
        [
            (FrameKind::Ack, 0, vec![]),
            (FrameKind::Data, 0, b"mine".to_vec())
        ]
    );
}

#[test]
fn ack_while_retransmission_in_flight_finishes_frame_but_frees_sender_after() {
    let mut s = Session::new(CFG);
    s.send(&[1; 20]).unwrap();
    drain(&mut s, 0);
    assert_eq!(s.poll(100), None);
    // Half of the retransmission handed out, then the (late) ACK arrives.
    for _ in 0..10 {
        s.next_tx_byte(100);
    }
    assert_eq!(
        feed(&mut s, &wire_of(FrameKind::Ack, 0, &[]), 101),
        [Ev::Acked(0)]
    );
    assert_eq!(s.send(b"new"), Err(SendError::Busy));
    let rest = drain(&mut s, 102);
    assert_eq!(rest.last(), Some(&END));
    assert!(!s.is_busy());
    assert_eq!(s.next_deadline(), None);
    s.send(b"new").unwrap();
}

#[test]
fn ack_while_retransmission_queued_cancels_it() {
    let mut s = Session::new(CFG);
    s.send(b"x").unwrap();
    drain(&mut s, 0);
    s.poll(100);
    assert!(s.has_tx());
    feed(&mut s, &wire_of(FrameKind::Ack, 0, &[]), 101);
    assert!(!s.has_tx());
}

#[test]
fn payload_limits() {
    let mut s = Session::new(CFG);
    assert_eq!(s.max_payload(), 250);
    assert_eq!(s.send(&[0; 251]), Err(SendError::PayloadTooLong));
    s.set_max_payload(32);
    assert_eq!(s.send(&[0; 33]), Err(SendError::PayloadTooLong));
    s.send(&[0; 32]).unwrap();
    s.set_max_payload(1000);
    assert_eq!(s.max_payload(), 250);

    let mut small = LinkSession::<20>::new(CFG);
    assert_eq!(small.max_payload(), 15);
    assert_eq!(small.send(&[0; 16]), Err(SendError::PayloadTooLong));
    // A frame too big for a small receiver is an overflow, not a panic.
    let evs: Vec<_> = {
        let mut v = Vec::new();
        small.receive_bytes(&wire_of(FrameKind::Data, 0, &[7; 40]), 0, |e| {
            v.push(own(e))
        });
        v
    };
    assert_eq!(evs, [Ev::Resynced(45, RxError::Slip(SlipError::Overflow))]);
}

#[test]
fn transmit_fills_slices() {
    let mut s = Session::new(CFG);
    s.send(&[0xC0; 10]).unwrap();
    let mut buf = [0u8; 7];
    let mut all = Vec::new();
    loop {
        let n = s.transmit(&mut buf, 5);
        if n == 0 {
            break;
        }
        all.extend_from_slice(&buf[..n]);
    }
    assert_eq!(frames(&all), [(FrameKind::Data, 0, vec![0xC0; 10])]);
    assert_eq!(s.next_deadline(), Some(105));
}

#[test]
fn for_baud_scales() {
    let slow = SessionConfig::for_baud(1200);
    let fast = SessionConfig::for_baud(115_200);
    assert!(slow.retransmit_timeout_ms > 8_000, "{slow:?}");
    assert!(fast.retransmit_timeout_ms < 400, "{fast:?}");
    assert!(SessionConfig::for_baud(0).retransmit_timeout_ms > 0);
}
