//! The bridge end for the tests: a frame-mode peer on the reference `LinkSession` (HELLO,
//! ECHO, GET, POST, LISTEN/REQUEST/REPLY, TIME, LOG with CONTs, as the real bridge answers),
//! with faults injected per frame; and a line-mode peer.

use std::collections::VecDeque;

use retromesh_link_frame::{
    Body, Event, FrameKind, Hello, LinkSession, Message, Method, SessionConfig, SlipDecoder,
    SlipEncoder, Version, FLAG_MORE,
};

use retromesh_c64::{SerialPeer, PAL_CLOCK_HZ};

/// Damage done to one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The frame never arrives.
    Drop,
    /// Body byte `i` (before escaping) is flipped: the CRC no longer matches.
    Corrupt(usize),
    /// Garbage on the line just before the frame.
    Noise(&'static [u8]),
}

/// A request the bridge passes in once the micro listens.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub method: Method,
    pub caller: Vec<u8>,
    pub path: Vec<u8>,
    pub body: Vec<u8>,
}

/// A POST (Some(target)) or REPLY (None) being gathered: (target, id, status, body).
type Assembly = (Option<Vec<u8>>, u8, u16, Vec<u8>);

pub struct FrameBridge {
    pub session: LinkSession,
    pub hellos: Vec<Vec<u8>>,
    /// (op, id, payload) of every message the micro sent.
    pub received: Vec<(u8, u8, Vec<u8>)>,
    /// (id, status, body) of REPLYs, CONTs joined.
    pub replies: Vec<(u8, u16, Vec<u8>)>,
    pub logs: Vec<(u8, Vec<u8>)>,
    pub posts: Vec<(Vec<u8>, Vec<u8>)>,
    answers: Vec<(Vec<u8>, u16, Vec<u8>)>,
    pub requests: VecDeque<Inbound>,
    /// (kind, nth frame of that kind, fault) for frames to / from the micro.
    pub to_micro_faults: Vec<(u8, usize, Fault)>,
    pub from_micro_faults: Vec<(u8, usize, Fault)>,
    pub faults_done: usize,
    /// Frames from the micro by kind.
    pub rx_counts: [usize; 256],
    tx_counts: [usize; 256],
    outbox: VecDeque<Vec<u8>>,
    /// A POST (target) or REPLY (id, status) whose body is still coming in CONTs.
    assembly: Option<Assembly>,
    rx_frame: Vec<u8>,
    next_request_id: u8,
    pub gave_up: bool,
}

impl Default for FrameBridge {
    fn default() -> Self {
        FrameBridge {
            session: LinkSession::new(SessionConfig {
                retransmit_timeout_ms: 2500,
                max_retries: 8,
            }),
            hellos: Vec::new(),
            received: Vec::new(),
            replies: Vec::new(),
            logs: Vec::new(),
            posts: Vec::new(),
            answers: Vec::new(),
            requests: VecDeque::new(),
            to_micro_faults: Vec::new(),
            from_micro_faults: Vec::new(),
            faults_done: 0,
            rx_counts: [0; 256],
            tx_counts: [0; 256],
            outbox: VecDeque::new(),
            assembly: None,
            rx_frame: Vec::new(),
            next_request_id: 1,
            gave_up: false,
        }
    }
}

pub fn slip(body: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    SlipEncoder::encode(body, |b| wire.push(b));
    wire
}

pub fn unslip(wire: &[u8]) -> Vec<u8> {
    let mut dec: SlipDecoder<1024> = SlipDecoder::new();
    dec.push(0xC0);
    for &b in wire {
        dec.push(b);
    }
    match dec.push(0xC0) {
        Some(Ok(body)) => body.to_vec(),
        _ => Vec::new(),
    }
}

impl FrameBridge {
    pub fn answer(mut self, target: &str, status: u16, body: &[u8]) -> Self {
        self.answers.push((target.into(), status, body.to_vec()));
        self
    }

    fn queue(&mut self, msg: Message<'_>) {
        let mut buf = [0u8; 250];
        let n = msg.encode(&mut buf[..self.session.max_payload()]).expect("fits");
        self.outbox.push_back(buf[..n].to_vec());
    }

    /// A message whose trailing body may need CONTs, as the bridge sends it.
    fn queue_chunked<'a>(&mut self, id: u8, first: impl Fn(&'a [u8]) -> Body<'a>, body: &'a [u8]) {
        let max = self.session.max_payload();
        let room = max - Message::new(id, first(&[])).head_len();
        let (now, mut rest) = body.split_at(body.len().min(room));
        let more = if rest.is_empty() { 0 } else { FLAG_MORE };
        self.queue(Message { id, flags: more, body: first(now) });
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(rest.len().min(max - 3));
            rest = tail;
            let more = if rest.is_empty() { 0 } else { FLAG_MORE };
            self.queue(Message { id, flags: more, body: Body::Cont { body: chunk } });
        }
    }

    fn result(&mut self, id: u8, status: u16, body: &[u8]) {
        self.queue_chunked(id, |b| Body::Result { status, body: b }, body);
    }

    fn on_hello(&mut self, seq: u8, payload: &[u8]) {
        self.hellos.push(payload.to_vec());
        let hello = Hello::decode(payload).expect("the micro's HELLO decodes");
        let reply = hello.reply(Version::new(1, 0), 250).expect("valid");
        self.session.reset();
        self.session.set_max_payload(reply.max_payload as usize);
        self.outbox.clear();
        self.session
            .send_control(FrameKind::HelloReply, seq, &reply.to_bytes().unwrap())
            .expect("control slot free");
    }

    fn on_payload(&mut self, payload: &[u8]) {
        let msg = Message::decode(payload).expect("the micro's message decodes");
        self.received.push((payload[0], msg.id, payload.to_vec()));
        let id = msg.id;
        let more = msg.flags & FLAG_MORE != 0;
        match msg.body {
            Body::Echo { data } => {
                let data = data.to_vec();
                self.queue(Message::new(id, Body::Echoed { data: &data }));
            }
            Body::Get { target } => {
                let (status, body) = self
                    .answers
                    .iter()
                    .find(|(t, _, _)| t == target)
                    .map(|(_, s, b)| (*s, b.clone()))
                    .unwrap_or((404, b"NO SUCH SERVICE".to_vec()));
                self.result(id, status, &body);
            }
            Body::Post { target, body } => {
                let a = (Some(target.to_vec()), id, 0, body.to_vec());
                self.assemble(a, more);
            }
            Body::Reply { status, body } => self.assemble((None, id, status, body.to_vec()), more),
            Body::Cont { body } => {
                let mut a = self.assembly.take().expect("CONT follows POST or REPLY");
                assert_eq!(a.1, id, "CONT carries its message's id");
                a.3.extend_from_slice(body);
                self.assemble(a, more);
            }
            Body::Listen { .. } => {
                self.result(id, 200, b"LISTENING");
                while let Some(req) = self.requests.pop_front() {
                    let rid = self.next_request_id;
                    self.next_request_id += 1;
                    let (caller, path, method) = (req.caller.clone(), req.path.clone(), req.method);
                    self.queue_chunked(
                        rid,
                        |b| Body::Request { method, caller: &caller, path: &path, body: b },
                        &req.body,
                    );
                }
            }
            Body::Unlisten => self.result(id, 200, b"OK"),
            Body::Time => self.queue(Message::new(
                id,
                Body::TimeIs { unix: 1_795_000_000, text: b"2026-11-18 07:46:40" },
            )),
            Body::Log { level, text } => self.logs.push((level, text.to_vec())),
            other => panic!("the micro sent a bridge-only message: {other:?}"),
        }
    }

    /// POST bodies are answered 201 with the body; REPLYs are recorded.
    fn assemble(&mut self, a: Assembly, more: bool) {
        if more {
            self.assembly = Some(a);
        } else if let Some(target) = a.0 {
            self.result(a.1, 201, &a.3);
            self.posts.push((target, a.3));
        } else {
            self.replies.push((a.1, a.2, a.3));
        }
    }

    fn fault(list: &[(u8, usize, Fault)], kind: u8, n: usize) -> Option<Fault> {
        list.iter().find(|(k, i, _)| *k == kind && *i == n).map(|f| f.2)
    }

    /// The frame's wire bytes after `fault`, or None when it is lost.
    fn damaged(mut body: Vec<u8>, fault: Option<Fault>) -> Option<Vec<u8>> {
        match fault {
            Some(Fault::Drop) => None,
            Some(Fault::Corrupt(i)) => {
                let i = i.min(body.len() - 1);
                body[i] ^= 0x21;
                Some(slip(&body))
            }
            Some(Fault::Noise(junk)) => Some([junk, &slip(&body)].concat()),
            None => Some(slip(&body)),
        }
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
            let body = unslip(&std::mem::take(&mut self.rx_frame));
            let Some(&kind) = body.first() else { continue };
            let n = self.rx_counts[kind as usize];
            self.rx_counts[kind as usize] += 1;
            let fault = Self::fault(&self.from_micro_faults, kind, n);
            self.faults_done += fault.is_some() as usize;
            let Some(wire) = Self::damaged(body, fault) else { continue };
            for w in wire {
                let action = match self.session.receive_byte(w, now) {
                    Some(Event::Deliver(p)) => Some((None, p.to_vec())),
                    Some(Event::Control(f)) if f.kind == FrameKind::Hello => {
                        Some((Some(f.seq), f.payload.to_vec()))
                    }
                    _ => None,
                };
                match action {
                    Some((None, p)) => self.on_payload(&p),
                    Some((Some(seq), p)) => self.on_hello(seq, &p),
                    None => {}
                }
            }
        }
    }

    fn give_to_micro(&mut self, now: u64, to_micro: &mut Vec<u8>) {
        let mut frame = Vec::new();
        while let Some(b) = self.session.next_tx_byte(now) {
            frame.push(b);
            if b == 0xC0 && frame.len() > 1 {
                let body = unslip(&frame[1..frame.len() - 1]);
                frame.clear();
                let kind = body[0];
                let n = self.tx_counts[kind as usize];
                self.tx_counts[kind as usize] += 1;
                let fault = Self::fault(&self.to_micro_faults, kind, n);
                self.faults_done += fault.is_some() as usize;
                if let Some(wire) = Self::damaged(body, fault) {
                    to_micro.extend(wire);
                }
            }
        }
    }
}

impl SerialPeer for FrameBridge {
    fn exchange(&mut self, from_micro: &[u8], to_micro: &mut Vec<u8>, now_cycles: u64) -> Option<String> {
        let now = now_cycles * 1000 / PAL_CLOCK_HZ;
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
}

/// Line mode: answers each CR-ended command line with a status line, body lines and ".".
#[derive(Default)]
pub struct LineBridge {
    pub partial: Vec<u8>,
    pub lines: Vec<String>,
    /// command line -> answer lines (status first; "." is added)
    pub answers: Vec<(String, Vec<String>)>,
}

impl SerialPeer for LineBridge {
    fn exchange(&mut self, from_micro: &[u8], to_micro: &mut Vec<u8>, _now: u64) -> Option<String> {
        for &b in from_micro {
            if b != b'\r' {
                self.partial.push(b);
                continue;
            }
            let line = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
            let answer = self
                .answers
                .iter()
                .find(|(cmd, _)| *cmd == line)
                .map(|(_, a)| a.clone())
                .unwrap_or_else(|| vec![format!("400 UNKNOWN COMMAND \"{line}\"")]);
            for l in answer.iter().chain(std::iter::once(&".".to_string())) {
                to_micro.extend_from_slice(l.as_bytes());
                to_micro.push(b'\r');
            }
            self.lines.push(line);
        }
        None
    }
}
