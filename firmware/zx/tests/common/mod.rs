//! Test support: machines with a serial port, program loading, a frame-mode bridge built on
//! the reference `LinkSession`, a line-mode bridge, a tiny Z80 stub assembler, and reading
//! the ZX Printer's paper back as text.

#![allow(dead_code)]

use std::collections::VecDeque;

use retromesh_link_frame::{
    Body, Event, FrameKind, Hello, LinkSession, Message, Method, SessionConfig, Version, FLAG_MORE,
};
use retromesh_spectrum::basic::{tokenise, TokeniseOptions};
use retromesh_spectrum::formats::tap::{basic_program_tape, code_tape, Tape};
use retromesh_spectrum::{
    MachineConfig, Model, RunOutcome, SerialConfig, SerialHardware, SerialPeer, Spectrum,
    StopReason, StopWhen,
};
use retromesh_zx_client::{library, Driver, CLEAR_ADDRESS, LOAD_ADDRESS};

/// Each driver on the machine the tests run it on.
pub fn setup(driver: Driver) -> (Model, SerialHardware, u32) {
    match driver {
        Driver::If1 => (Model::Spectrum48K, SerialHardware::If1, 9600),
        Driver::Ay128 => (Model::Spectrum128K, SerialHardware::Ay128, 9600),
        Driver::Next => (Model::Spectrum48K, SerialHardware::NextUart, 115_200),
    }
}

/// A booted machine with the driver's port attached. `basic48`: on a 128K, choose 48 BASIC
/// (LPRINT then drives the ZX Printer, as the demos want).
pub fn machine(driver: Driver, basic48: bool) -> Spectrum {
    machine_at(driver, basic48, setup(driver).2)
}

/// [`machine`] with the bridge's end of the line at `baud`.
pub fn machine_at(driver: Driver, basic48: bool, baud: u32) -> Spectrum {
    let (model, hardware, _) = setup(driver);
    let mut m = Spectrum::booted(MachineConfig {
        model,
        basic48,
        ..Default::default()
    })
    .expect("boots");
    m.attach_serial(SerialConfig::new(hardware, baud))
        .expect("port fits the model");
    m
}

/// A BASIC program (zmakebas syntax) that autostarts at its first line.
pub fn basic_tape(source: &str) -> Tape {
    let program = tokenise(source, &TokeniseOptions::default()).expect("test BASIC tokenises");
    let first = u16::from_be_bytes([program.bytes[0], program.bytes[1]]);
    basic_program_tape("test", &program.bytes, Some(first))
}

/// Loads `basic` and then `code` blocks from tape, as `LOAD ""` would, and starts it. (INPUT
/// #4 waits in the ROM's editor like keyboard INPUT; the emulator tells the two apart by the
/// current channel, so such a run is not taken for one waiting for typing.)
pub fn load(m: &mut Spectrum, basic: &str, code: &[(u16, &[u8])]) {
    let mut tape = basic_tape(basic);
    for (addr, bytes) in code {
        tape.blocks.extend(code_tape("code", *addr, bytes).blocks);
    }
    m.load_tape(tape);
}

/// Loads the library and runs `basic`.
pub fn load_with_library(m: &mut Spectrum, driver: Driver, basic: &str) {
    load(m, basic, &[(LOAD_ADDRESS, library(driver))]);
}

/// Runs with `peer` on the line for at most `secs` emulated seconds.
pub fn run(m: &mut Spectrum, peer: &mut dyn SerialPeer, secs: f64) -> RunOutcome {
    let mut stop = StopWhen::budget_secs(m.model(), secs);
    stop.program_end = true;
    let slice = (m.timing().clock_hz / 1000) as u32; // exchange every emulated ms
    m.run_linked(&stop, &mut |_| None, peer, slice)
}

/// The exit code, or a panic naming why the run ended otherwise.
pub fn exit_code(outcome: &RunOutcome, context: &str) -> u8 {
    match &outcome.reason {
        StopReason::ExitCode(code) => *code,
        other => panic!(
            "{context}: run ended with {other:?} after {:.2} s",
            outcome.secs
        ),
    }
}

/// The printer's paper as text lines (exact glyph matching against the font in memory).
pub fn printout_lines(m: &Spectrum) -> Vec<String> {
    let charset = m.charset();
    let rows = m.printout().rows();
    rows.chunks(8)
        .filter(|c| c.len() == 8)
        .map(|cell_rows| {
            (0..32)
                .map(|col| {
                    let cell: [u8; 8] = std::array::from_fn(|y| cell_rows[y][col]);
                    charset
                        .match_cell(&cell)
                        .map(|g| g.to_text())
                        .unwrap_or_else(|| "?".into())
                })
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

/// How many line-mode channel records ("W" and our two routine addresses) CHANS holds.
pub fn channel_records(m: &Spectrum, driver: Driver) -> usize {
    let word = |a: u16| u16::from_le_bytes([m.peek(a), m.peek(a + 1)]);
    let (chans, prog) = (word(0x5C4F), word(0x5C53));
    let out = retromesh_zx_client::symbol(driver, "chan_out").unwrap();
    let inp = retromesh_zx_client::symbol(driver, "chan_in").unwrap();
    let sig = [
        out as u8,
        (out >> 8) as u8,
        inp as u8,
        (inp >> 8) as u8,
        b'W',
    ];
    (chans..prog.saturating_sub(5))
        .filter(|&a| (0..5).all(|i| m.peek(a + i) == sig[i as usize]))
        .count()
}

pub fn peek_word(m: &Spectrum, addr: u16) -> u16 {
    u16::from_le_bytes([m.peek(addr), m.peek(addr + 1)])
}

pub fn peek_bytes(m: &Spectrum, addr: u16, len: usize) -> Vec<u8> {
    (0..len).map(|i| m.peek(addr + i as u16)).collect()
}

// ---------------------------------------------------------------------------------------
// Frame mode: the bridge side, on the reference session.

/// Damage the test line does to one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The whole frame never arrives.
    Drop,
    /// The byte at this index of the body (before escaping) is flipped.
    Corrupt(usize),
    /// These bytes arrive just before the frame (line noise).
    Noise(&'static [u8]),
}

/// Faults by frame kind and the frame's number among frames of that kind (from 0), per
/// direction.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub to_micro: Vec<(u8, usize, Fault)>,
    pub from_micro: Vec<(u8, usize, Fault)>,
}

/// A request the bridge passes in once the micro listens.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub method: Method,
    pub caller: Vec<u8>,
    pub path: Vec<u8>,
    pub body: Vec<u8>,
}

/// What the micro sent, message by message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub op: u8,
    pub id: u8,
    pub flags: u8,
    pub payload: Vec<u8>,
}

/// A REPLY as the bridge assembled it (CONTs joined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub id: u8,
    pub status: u16,
    pub body: Vec<u8>,
}

/// A POST or REPLY whose body is still coming in CONTs.
struct Assembly {
    post: bool,
    reply: Reply,
}

/// The bridge end of a frame-mode link: answers HELLO, ECHO, GET, POST, LISTEN, UNLISTEN and
/// TIME as the real bridge does, passes in `requests` after LISTEN, records everything.
pub struct FrameBridge {
    pub session: LinkSession,
    clock_hz: u64,
    pub hellos: Vec<Vec<u8>>,
    pub received: Vec<Received>,
    pub replies: Vec<Reply>,
    pub logs: Vec<(u8, Vec<u8>)>,
    /// GET target -> (status, body).
    pub answers: Vec<(Vec<u8>, u16, Vec<u8>)>,
    pub requests: VecDeque<Inbound>,
    /// Ask for the screen (SCREEN) after LISTEN, before passing in `requests`.
    pub ask_screen: bool,
    pub faults: Faults,
    pub faults_done: Vec<String>,
    pub gave_up: bool,
    /// (T-state, direction "tx"/"rx", kind, wire bytes) of every frame.
    pub timeline: Vec<(u64, &'static str, u8, usize)>,
    now_tstates: u64,
    next_request_id: u8,
    outbox: VecDeque<Vec<u8>>,
    assembly: Option<Assembly>,
    rx_frame: Vec<u8>,
    rx_counts: [usize; 256],
    tx_counts: [usize; 256],
}

impl FrameBridge {
    pub fn new(model: Model) -> Self {
        let clock_hz = retromesh_spectrum::Timing::of(model).clock_hz;
        FrameBridge {
            session: LinkSession::new(SessionConfig {
                retransmit_timeout_ms: 2500,
                max_retries: 8,
            }),
            clock_hz,
            hellos: Vec::new(),
            received: Vec::new(),
            replies: Vec::new(),
            logs: Vec::new(),
            answers: Vec::new(),
            requests: VecDeque::new(),
            ask_screen: false,
            faults: Faults::default(),
            faults_done: Vec::new(),
            gave_up: false,
            timeline: Vec::new(),
            now_tstates: 0,
            next_request_id: 1,
            outbox: VecDeque::new(),
            assembly: None,
            rx_frame: Vec::new(),
            rx_counts: [0; 256],
            tx_counts: [0; 256],
        }
    }

    pub fn answer(mut self, target: &str, status: u16, body: &[u8]) -> Self {
        self.answers
            .push((target.as_bytes().to_vec(), status, body.to_vec()));
        self
    }

    fn ms(&self, tstates: u64) -> u64 {
        tstates * 1000 / self.clock_hz
    }

    /// Sends a message whose trailing body may need CONT frames, as the bridge does.
    fn queue_chunked<'a>(
        &mut self,
        id: u8,
        flags: u8,
        first: impl Fn(&'a [u8]) -> Body<'a>,
        body: &'a [u8],
    ) {
        let max = self.session.max_payload();
        let head = Message::new(id, first(&[])).head_len();
        let room = max - head;
        let (now, mut rest) = body.split_at(body.len().min(room));
        let more = if rest.is_empty() { 0 } else { FLAG_MORE };
        self.queue(Message {
            id,
            flags: flags | more,
            body: first(now),
        });
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(rest.len().min(max - 3));
            rest = tail;
            let more = if rest.is_empty() { 0 } else { FLAG_MORE };
            self.queue(Message {
                id,
                flags: more,
                body: Body::Cont { body: chunk },
            });
        }
    }

    fn queue(&mut self, msg: Message<'_>) {
        let mut buf = [0u8; 250];
        let n = msg
            .encode(&mut buf[..self.session.max_payload()])
            .expect("fits");
        self.outbox.push_back(buf[..n].to_vec());
    }

    fn on_hello(&mut self, seq: u8, payload: &[u8]) {
        self.hellos.push(payload.to_vec());
        let hello = Hello::decode(payload).expect("the micro's HELLO decodes");
        let reply = hello.reply(Version::new(1, 0), 250).expect("valid");
        self.session.reset();
        self.session.set_max_payload(reply.max_payload as usize);
        self.outbox.clear();
        self.assembly = None;
        self.session
            .send_control(FrameKind::HelloReply, seq, &reply.to_bytes().unwrap())
            .expect("control slot free");
    }

    fn on_payload(&mut self, payload: &[u8]) {
        let msg = Message::decode(payload).expect("the micro's message decodes");
        self.received.push(Received {
            op: payload[0],
            id: msg.id,
            flags: msg.flags,
            payload: payload.to_vec(),
        });
        let id = msg.id;
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
                self.queue_chunked(id, 0, |b| Body::Result { status, body: b }, &body);
            }
            Body::Post { body, .. } if msg.more() => {
                self.assembly = Some(Assembly {
                    post: true,
                    reply: Reply {
                        id,
                        status: 0,
                        body: body.to_vec(),
                    },
                });
            }
            Body::Post { body, .. } => {
                let body = body.to_vec();
                self.answer_post(id, &body);
            }
            Body::Listen { .. } => {
                self.queue_chunked(
                    id,
                    0,
                    |b| Body::Result {
                        status: 200,
                        body: b,
                    },
                    b"LISTENING",
                );
                if self.ask_screen {
                    let rid = self.next_request_id;
                    self.next_request_id += 1;
                    self.queue(Message::new(rid, Body::Screen));
                }
                while let Some(req) = self.requests.pop_front() {
                    let rid = self.next_request_id;
                    self.next_request_id += 1;
                    let (caller, path) = (req.caller.clone(), req.path.clone());
                    self.queue_chunked(
                        rid,
                        0,
                        |b| Body::Request {
                            method: req.method,
                            caller: &caller,
                            path: &path,
                            body: b,
                        },
                        &req.body,
                    );
                }
            }
            Body::Unlisten => {
                self.queue_chunked(
                    id,
                    0,
                    |b| Body::Result {
                        status: 200,
                        body: b,
                    },
                    b"OK",
                );
            }
            Body::Time => {
                self.queue(Message::new(
                    id,
                    Body::TimeIs {
                        unix: 1_795_000_000,
                        text: b"2026-11-18 07:46:40",
                    },
                ));
            }
            Body::Log { level, text } => self.logs.push((level, text.to_vec())),
            Body::Reply { status, body } => {
                let reply = Reply {
                    id,
                    status,
                    body: body.to_vec(),
                };
                if msg.more() {
                    self.assembly = Some(Assembly { post: false, reply });
                } else {
                    self.replies.push(reply);
                }
            }
            Body::Cont { body } => {
                let mut a = self
                    .assembly
                    .take()
                    .expect("CONT follows a POST or REPLY with MORE");
                assert_eq!(a.reply.id, id, "CONT carries its message's id");
                a.reply.body.extend_from_slice(body);
                if msg.more() {
                    self.assembly = Some(a);
                } else if a.post {
                    self.answer_post(id, &a.reply.body);
                } else {
                    self.replies.push(a.reply);
                }
            }
            other => panic!("the micro sent a bridge-only message: {other:?}"),
        }
    }

    /// POST answers 201 with the body it got.
    fn answer_post(&mut self, id: u8, body: &[u8]) {
        self.queue_chunked(
            id,
            0,
            |b| Body::Result {
                status: 201,
                body: b,
            },
            body,
        );
    }

    fn fault_for(list: &[(u8, usize, Fault)], kind: u8, n: usize) -> Option<Fault> {
        list.iter()
            .find(|(k, i, _)| *k == kind && *i == n)
            .map(|&(_, _, f)| f)
    }

    /// Applies `fault` to an unescaped body; false if the frame is lost.
    fn damage(body: &mut [u8], fault: Option<Fault>) -> bool {
        match fault {
            None | Some(Fault::Noise(_)) => true,
            Some(Fault::Drop) => false,
            Some(Fault::Corrupt(i)) => {
                let i = i.min(body.len() - 1);
                body[i] ^= 0x21;
                true
            }
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
            let wire_len = self.rx_frame.len() + 2;
            let mut body = unslip(&std::mem::take(&mut self.rx_frame));
            let kind = body[0];
            self.timeline.push((self.now_tstates, "rx", kind, wire_len));
            let n = self.rx_counts[kind as usize];
            self.rx_counts[kind as usize] += 1;
            let fault = Self::fault_for(&self.faults.from_micro, kind, n);
            if fault.is_some() {
                self.faults_done
                    .push(format!("from micro: kind {kind:#04x} #{n}: {fault:?}"));
            }
            if !Self::damage(&mut body, fault) {
                continue;
            }
            let mut wire = match fault {
                Some(Fault::Noise(junk)) => junk.to_vec(),
                _ => Vec::new(),
            };
            wire.extend(slip(&body));
            for w in wire {
                let action = match self.session.receive_byte(w, now) {
                    Some(Event::Deliver(p)) => Action::Payload(p.to_vec()),
                    Some(Event::Control(f)) if f.kind == FrameKind::Hello => {
                        Action::Hello(f.seq, f.payload.to_vec())
                    }
                    _ => Action::Nothing,
                };
                match action {
                    Action::Payload(p) => self.on_payload(&p),
                    Action::Hello(seq, p) => self.on_hello(seq, &p),
                    Action::Nothing => {}
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
                let mut body = unslip(&frame[1..frame.len() - 1]);
                let kind = body[0];
                self.timeline
                    .push((self.now_tstates, "tx", kind, frame.len()));
                frame.clear();
                let n = self.tx_counts[kind as usize];
                self.tx_counts[kind as usize] += 1;
                let fault = Self::fault_for(&self.faults.to_micro, kind, n);
                if fault.is_some() {
                    self.faults_done
                        .push(format!("to micro: kind {kind:#04x} #{n}: {fault:?}"));
                }
                if let Some(Fault::Noise(junk)) = fault {
                    to_micro.extend_from_slice(junk);
                }
                if Self::damage(&mut body, fault) {
                    to_micro.extend(slip(&body));
                }
            }
        }
    }
}

enum Action {
    Payload(Vec<u8>),
    Hello(u8, Vec<u8>),
    Nothing,
}

impl SerialPeer for FrameBridge {
    fn exchange(
        &mut self,
        from_micro: &[u8],
        to_micro: &mut Vec<u8>,
        now_tstates: u64,
    ) -> Option<String> {
        let now = self.ms(now_tstates);
        self.now_tstates = now_tstates;
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

/// A frame's body on the wire: END, escaped body, END.
pub fn slip(body: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    retromesh_link_frame::SlipEncoder::encode(body, |b| wire.push(b));
    wire
}

/// The body of a frame whose wire bytes (without its ENDs) are `wire`.
pub fn unslip(wire: &[u8]) -> Vec<u8> {
    let mut dec: retromesh_link_frame::SlipDecoder<1024> = retromesh_link_frame::SlipDecoder::new();
    dec.push(0xC0);
    for &b in wire {
        dec.push(b);
    }
    match dec.push(0xC0) {
        Some(Ok(body)) => body.to_vec(),
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Line mode: the bridge side.

/// Answers command lines as the bridge's line mode does: a status line, body lines (a
/// leading '.' doubled), then ".". After LISTEN it passes in `requests` (raw blocks).
pub struct LineBridge {
    partial: Vec<u8>,
    /// Command lines received, in order.
    pub lines: Vec<String>,
    /// GET target -> (status line, body lines).
    pub answers: Vec<(String, String, Vec<String>)>,
    /// REQUEST blocks, sent after the LISTEN answer.
    pub requests: VecDeque<String>,
    /// Stop the run once a line starting with this arrives.
    pub stop_after: Option<String>,
    /// Bytes the micro sent that are not printable ASCII or CR.
    pub bad_bytes: usize,
}

impl LineBridge {
    pub fn new() -> Self {
        LineBridge {
            partial: Vec::new(),
            lines: Vec::new(),
            answers: Vec::new(),
            requests: VecDeque::new(),
            stop_after: None,
            bad_bytes: 0,
        }
    }

    pub fn answer(mut self, target: &str, status: &str, body: &[&str]) -> Self {
        self.answers.push((
            target.into(),
            status.into(),
            body.iter().map(|s| s.to_string()).collect(),
        ));
        self
    }

    fn block(out: &mut Vec<u8>, status: &str, body: &[String]) {
        out.extend_from_slice(status.as_bytes());
        out.push(b'\r');
        for line in body {
            if line.starts_with('.') {
                out.push(b'.');
            }
            out.extend_from_slice(line.as_bytes());
            out.push(b'\r');
        }
        out.extend_from_slice(b".\r");
    }

    fn on_line(&mut self, line: &str, out: &mut Vec<u8>) {
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        match verb {
            "ECHO" => Self::block(out, "200 OK", &[rest.to_string()]),
            "GET" => {
                let (status, body) = self
                    .answers
                    .iter()
                    .find(|(t, _, _)| t == rest)
                    .map(|(_, s, b)| (s.clone(), b.clone()))
                    .unwrap_or(("404 NO SUCH SERVICE".into(), Vec::new()));
                Self::block(out, &status, &body);
            }
            "LISTEN" => {
                Self::block(out, "200 LISTENING", &[]);
                while let Some(r) = self.requests.pop_front() {
                    out.extend_from_slice(r.as_bytes());
                }
            }
            "REPLY" => Self::block(out, "200 SENT", &[]),
            "UNLISTEN" => Self::block(out, "200 OK", &[]),
            other => Self::block(
                out,
                &format!("400 UNKNOWN COMMAND \"{other}\": SEND HELP FOR THE LIST"),
                &[],
            ),
        }
    }
}

impl SerialPeer for LineBridge {
    fn exchange(&mut self, from_micro: &[u8], to_micro: &mut Vec<u8>, _now: u64) -> Option<String> {
        for &b in from_micro {
            match b {
                b'\r' => {
                    let line =
                        String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
                    self.lines.push(line.clone());
                    self.on_line(&line, to_micro);
                    if let Some(stop) = &self.stop_after {
                        if line.starts_with(stop.as_str()) {
                            return Some(format!("bridge got \"{line}\""));
                        }
                    }
                }
                0x20..=0x7F => self.partial.push(b),
                _ => self.bad_bytes += 1,
            }
        }
        None
    }
}

// ---------------------------------------------------------------------------------------
// Machine-code test stubs, assembled by hand.

/// Where stubs load and run: above the library code, below its buffers.
pub const STUB: u16 = 0xF000;
/// Data for the stub (strings to send).
pub const STUB_DATA: u16 = 0xF200;
/// Results the stub stores.
pub const STUB_RESULTS: u16 = 0xF400;

/// A few Z80 instructions, enough to call the library and keep what it returns.
#[derive(Default)]
pub struct Stub(pub Vec<u8>);

impl Stub {
    fn word(&mut self, op: &[u8], v: u16) -> &mut Self {
        self.0.extend_from_slice(op);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn ld_a(&mut self, v: u8) -> &mut Self {
        self.0.extend([0x3E, v]);
        self
    }
    pub fn ld_bc(&mut self, v: u16) -> &mut Self {
        self.word(&[0x01], v)
    }
    pub fn ld_de(&mut self, v: u16) -> &mut Self {
        self.word(&[0x11], v)
    }
    pub fn ld_hl(&mut self, v: u16) -> &mut Self {
        self.word(&[0x21], v)
    }
    pub fn store_bc(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xED, 0x43], addr)
    }
    pub fn store_de(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xED, 0x53], addr)
    }
    pub fn store_hl(&mut self, addr: u16) -> &mut Self {
        self.word(&[0x22], addr)
    }
    pub fn store_a(&mut self, addr: u16) -> &mut Self {
        self.word(&[0x32], addr)
    }
    pub fn load_a(&mut self, addr: u16) -> &mut Self {
        self.word(&[0x3A], addr)
    }
    pub fn load_bc(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xED, 0x4B], addr)
    }
    pub fn ldir(&mut self) -> &mut Self {
        self.0.extend([0xED, 0xB0]);
        self
    }
    /// CALL `addr`, whatever it returns.
    pub fn call(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xCD], addr)
    }
    /// CALL `addr`; if it returns carry clear, exit with 100 + A.
    pub fn call_ok(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xCD], addr);
        // JR C,+8 ; ADD A,100 ; LD BC,0DEFFh ; OUT (C),A ; RET
        self.0
            .extend([0x38, 0x08, 0xC6, 100, 0x01, 0xFF, 0xDE, 0xED, 0x79, 0xC9]);
        self
    }
    /// Exit with code 0.
    pub fn exit_ok(&mut self) -> &mut Self {
        // XOR A ; LD BC,0DEFFh ; OUT (C),A ; RET
        self.0.extend([0xAF, 0x01, 0xFF, 0xDE, 0xED, 0x79, 0xC9]);
        self
    }
}

/// BASIC that loads the library and a stub block, then calls the stub.
pub fn stub_loader() -> String {
    format!(
        "10 CLEAR {CLEAR_ADDRESS}\n20 LOAD \"\" CODE\n30 LOAD \"\" CODE\n40 RANDOMIZE USR {STUB}\n50 STOP\n"
    )
}

/// The stub's block: code at STUB, `data` at STUB_DATA, up to STUB_RESULTS.
pub fn stub_block(stub: &Stub, data: &[u8]) -> Vec<u8> {
    assert!(stub.0.len() <= (STUB_DATA - STUB) as usize);
    assert!(data.len() <= (STUB_RESULTS - STUB_DATA) as usize);
    let mut block = vec![0u8; (STUB_RESULTS - STUB) as usize];
    block[..stub.0.len()].copy_from_slice(&stub.0);
    let d = (STUB_DATA - STUB) as usize;
    block[d..d + data.len()].copy_from_slice(data);
    block
}

/// Boots, loads the library and `stub` (with `data`), and runs it against `bridge`.
pub fn run_stub(
    driver: Driver,
    stub: &Stub,
    data: &[u8],
    bridge: &mut FrameBridge,
    secs: f64,
) -> (Spectrum, RunOutcome) {
    run_stub_at(driver, setup(driver).2, stub, data, bridge, secs)
}

/// [`run_stub`] with the bridge's end of the line at `baud`.
pub fn run_stub_at(
    driver: Driver,
    baud: u32,
    stub: &Stub,
    data: &[u8],
    bridge: &mut FrameBridge,
    secs: f64,
) -> (Spectrum, RunOutcome) {
    let mut m = machine_at(driver, false, baud);
    let block = stub_block(stub, data);
    load(
        &mut m,
        &stub_loader(),
        &[(LOAD_ADDRESS, library(driver)), (STUB, &block)],
    );
    let outcome = run(&mut m, bridge, secs);
    let stats = m.serial_stats();
    assert_eq!(
        (stats.framing_errors, stats.overruns, stats.tx_lost),
        (0, 0, 0),
        "the line saw no framing errors, overruns or lost bytes: {stats:?}"
    );
    (m, outcome)
}
