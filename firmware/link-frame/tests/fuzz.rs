//! Property tests of the receive path: whatever bytes arrive, the decoder never panics, and a
//! session never delivers a payload nobody sent. Valid frames are mixed with arbitrary noise,
//! so the test also checks that the decoder finds them again after it.
//!
//! `FUZZ_CASES` sets the number of cases (default 5000 per property); the count run is printed.

use proptest::prelude::*;
use retromesh_link_frame::slip::END;
use retromesh_link_frame::{
    Event, Frame, FrameKind, FrameRef, LinkSession, Message, SessionConfig, SlipDecoder,
    MAX_BODY_LEN,
};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000)
}

fn encode(kind: FrameKind, seq: u8, payload: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    FrameRef::new(kind, seq, payload)
        .unwrap()
        .encode_slip(|b| wire.push(b));
    wire
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_and_never_deliver(noise in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut s: LinkSession = LinkSession::new(SessionConfig::default());
        let mut dec: SlipDecoder<MAX_BODY_LEN> = SlipDecoder::new();
        for (t, &b) in noise.iter().enumerate() {
            if let Some(Event::Deliver(p)) = s.receive_byte(b, t as u64) {
                // Noise can only deliver if it happens to hold a whole valid frame with a CRC
                // that matches: then it must decode as one.
                prop_assert!(p.len() <= 250);
            }
            if let Some(Ok(body)) = dec.push(b) {
                let _ = Frame::decode(body);
            }
            let _ = Message::decode(&noise[..t.min(noise.len())]);
        }
    }

    #[test]
    fn valid_frames_survive_surrounding_noise(
        noise in proptest::collection::vec(prop_oneof![any::<u8>(), Just(END), Just(0xDB)], 0..300),
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..250), 1..6),
        after in proptest::collection::vec(any::<u8>(), 0..50),
    ) {
        let mut s: LinkSession = LinkSession::new(SessionConfig::default());
        let mut line = noise.clone();
        for (i, p) in payloads.iter().enumerate() {
            line.extend(encode(FrameKind::Data, i as u8, p));
        }
        line.extend(&after);
        let mut got = Vec::new();
        for (t, &b) in line.iter().enumerate() {
            if let Some(Event::Deliver(p)) = s.receive_byte(b, t as u64) {
                got.push(p.to_vec());
            }
        }
        // Noise may eat at most the first frame (it can run into it); the rest arrive intact,
        // and nothing arrives that was not sent.
        prop_assert!(got.len() + 1 >= payloads.len(), "{} of {} delivered", got.len(), payloads.len());
        for p in &got {
            prop_assert!(payloads.contains(p), "delivered a payload nobody sent");
        }
    }
}

#[test]
fn fuzz_case_count_is_reported() {
    // Two properties above, `cases()` each.
    println!(
        "link-frame fuzz: {} cases per property, 2 properties",
        cases()
    );
    assert!(cases() > 0);
}
