//! The bridge end of a frame-mode link: the reference session, the line's faults, and the
//! records the tests assert on. What it answers is in `messages`.

use std::collections::VecDeque;

use retromesh_link_frame::{Event, FrameKind, LinkSession, SessionConfig};

use crate::fault::{unslip, Fault, Faults};
use crate::messages::{Assembly, Inbound, Received, Reply};
use crate::Clock;

/// The bridge end of a frame-mode link: answers HELLO, ECHO, GET, POST, LISTEN, UNLISTEN and
/// TIME as the real bridge does, passes in `requests` after LISTEN, records everything, and
/// damages the frames `faults` names.
pub struct FrameBridge {
    pub session: LinkSession,
    clock: Clock,
    /// HELLO payloads, in order.
    pub hellos: Vec<Vec<u8>>,
    /// Every message the micro sent.
    pub received: Vec<Received>,
    /// REPLYs, CONTs joined.
    pub replies: Vec<Reply>,
    /// (level, text) of LOGs.
    pub logs: Vec<(u8, Vec<u8>)>,
    /// (target, body) of POSTs, CONTs joined; each is answered 201 with its body.
    pub posts: Vec<(Vec<u8>, Vec<u8>)>,
    /// GET target -> (status, body); other targets get 404.
    pub answers: Vec<(Vec<u8>, u16, Vec<u8>)>,
    /// Requests passed in after the LISTEN answer.
    pub requests: VecDeque<Inbound>,
    /// Ask for the screen (SCREEN) after LISTEN, before passing in `requests`.
    pub ask_screen: bool,
    pub faults: Faults,
    /// The faults done, described, in order.
    pub faults_done: Vec<String>,
    /// The session gave up on a frame (too many retransmissions).
    pub gave_up: bool,
    /// (tick, direction "tx"/"rx", kind, wire bytes) of every frame.
    pub timeline: Vec<(u64, &'static str, u8, usize)>,
    /// Frames from the micro, by kind (as they left it, before faults).
    pub rx_counts: [usize; 256],
    /// Frames to the micro, by kind (before faults).
    pub tx_counts: [usize; 256],
    pub(crate) next_request_id: u8,
    pub(crate) outbox: VecDeque<Vec<u8>>,
    pub(crate) assembly: Option<Assembly>,
    now_ticks: u64,
    rx_frame: Vec<u8>,
}

#[cfg(feature = "c64")]
impl Default for FrameBridge {
    /// A bridge on the PAL C64's clock.
    fn default() -> Self {
        FrameBridge::new(Clock::C64_PAL)
    }
}

impl FrameBridge {
    /// A bridge whose `exchange` gets time in ticks of `clock` (a [`Clock`], its rate in Hz,
    /// or with the `spectrum` feature a Spectrum `Model`).
    pub fn new(clock: impl Into<Clock>) -> Self {
        FrameBridge {
            session: LinkSession::new(SessionConfig {
                retransmit_timeout_ms: 2500,
                max_retries: 8,
            }),
            clock: clock.into(),
            hellos: Vec::new(),
            received: Vec::new(),
            replies: Vec::new(),
            logs: Vec::new(),
            posts: Vec::new(),
            answers: Vec::new(),
            requests: VecDeque::new(),
            ask_screen: false,
            faults: Faults::default(),
            faults_done: Vec::new(),
            gave_up: false,
            timeline: Vec::new(),
            rx_counts: [0; 256],
            tx_counts: [0; 256],
            next_request_id: 1,
            outbox: VecDeque::new(),
            assembly: None,
            now_ticks: 0,
            rx_frame: Vec::new(),
        }
    }

    /// Answers GET `target` with `status` and `body`.
    pub fn answer(mut self, target: &str, status: u16, body: &[u8]) -> Self {
        self.answers
            .push((target.as_bytes().to_vec(), status, body.to_vec()));
        self
    }

    /// The clock this bridge counts ticks in.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// One turn of the line at `now_ticks`: takes what the micro sent, lets the session time
    /// out and resend, and appends what the bridge sends. Never stops the run (None).
    pub fn exchange(
        &mut self,
        from_micro: &[u8],
        to_micro: &mut Vec<u8>,
        now_ticks: u64,
    ) -> Option<String> {
        let now = self.clock.ms(now_ticks);
        self.now_ticks = now_ticks;
        self.take_from_micro(from_micro, now);
        if let Some(Event::GaveUp { .. }) = self.session.poll(now) {
            self.gave_up = true;
        }
        if !self.session.is_busy() {
            if let Some(p) = self.outbox.pop_front() {
                self.session.send(&p).expect("session free");
            }
        }
        self.give_to_micro(now, to_micro);
        None
    }

    /// Counts frame `kind` in `counts` and returns the fault planned for it, noting it done.
    fn plan(&mut self, outward: bool, kind: u8) -> Option<Fault> {
        let (counts, list, dir) = if outward {
            (&mut self.tx_counts, &self.faults.to_micro, "to micro")
        } else {
            (&mut self.rx_counts, &self.faults.from_micro, "from micro")
        };
        let n = counts[kind as usize];
        counts[kind as usize] += 1;
        let fault = Faults::find(list, kind, n);
        if let Some(f) = fault {
            self.faults_done
                .push(format!("{dir}: kind {kind:#04x} #{n}: {f:?}"));
        }
        fault
    }

    fn take_from_micro(&mut self, bytes: &[u8], now: u64) {
        for &b in bytes {
            if b != 0xC0 {
                self.rx_frame.push(b);
                continue;
            }
            if self.rx_frame.is_empty() {
                continue;
            }
            let wire_len = self.rx_frame.len() + 2;
            let body = unslip(&std::mem::take(&mut self.rx_frame));
            let Some(&kind) = body.first() else { continue };
            self.timeline.push((self.now_ticks, "rx", kind, wire_len));
            let fault = self.plan(false, kind);
            let Some(wire) = Fault::apply(fault, body) else {
                continue;
            };
            for w in wire {
                match self.session.receive_byte(w, now) {
                    Some(Event::Deliver(p)) => {
                        let p = p.to_vec();
                        self.on_payload(&p);
                    }
                    Some(Event::Control(f)) if f.kind == FrameKind::Hello => {
                        let (seq, p) = (f.seq, f.payload.to_vec());
                        self.on_hello(seq, &p);
                    }
                    _ => {}
                }
            }
        }
    }

    fn give_to_micro(&mut self, now: u64, to_micro: &mut Vec<u8>) {
        let mut frame = Vec::new();
        while let Some(b) = self.session.next_tx_byte(now) {
            frame.push(b);
            // A frame is END body END: hand it on whole.
            if b == 0xC0 && frame.len() > 1 {
                let body = unslip(&frame[1..frame.len() - 1]);
                let kind = body[0];
                self.timeline
                    .push((self.now_ticks, "tx", kind, frame.len()));
                frame.clear();
                let fault = self.plan(true, kind);
                if let Some(wire) = Fault::apply(fault, body) {
                    to_micro.extend(wire);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retromesh_link_frame::{Body, Message};

    /// Runs `micro` against `bridge` for `ms` (1 tick = 1 ms); the payloads the micro got.
    fn pump(bridge: &mut FrameBridge, micro: &mut LinkSession, ms: u64) -> Vec<Vec<u8>> {
        let (mut from_micro, mut to_micro, mut got) = (Vec::new(), Vec::new(), Vec::new());
        for now in 0..ms {
            micro.poll(now);
            while let Some(b) = micro.next_tx_byte(now) {
                from_micro.push(b);
            }
            bridge.exchange(&from_micro, &mut to_micro, now);
            from_micro.clear();
            micro.receive_bytes(&to_micro, now, |e| {
                if let Event::Deliver(p) = e {
                    got.push(p.to_vec());
                }
            });
            to_micro.clear();
        }
        got
    }

    #[test]
    fn echoes_and_recovers_a_lost_frame() {
        let mut bridge = FrameBridge::new(1000);
        bridge.faults.from_micro.push((0x01, 0, Fault::Drop));
        let mut micro = LinkSession::new(SessionConfig {
            retransmit_timeout_ms: 100,
            max_retries: 3,
        });
        let mut buf = [0u8; 32];
        let n = Message::new(7, Body::Echo { data: b"HI" })
            .encode(&mut buf)
            .unwrap();
        micro.send(&buf[..n]).unwrap();
        let got = pump(&mut bridge, &mut micro, 1000);
        assert_eq!(bridge.faults_done.len(), 1, "{:?}", bridge.faults_done);
        assert_eq!(bridge.received.len(), 1);
        assert_eq!(bridge.received[0].id, 7);
        assert_eq!(bridge.rx_counts[0x01], 2, "the DATA came again");
        assert_eq!(got.len(), 1);
        let echoed = Message::decode(&got[0]).unwrap();
        assert_eq!((echoed.id, echoed.body), (7, Body::Echoed { data: b"HI" }));
        assert!(!bridge.gave_up);
    }
}
