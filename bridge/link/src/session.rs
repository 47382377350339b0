//! One task per micro: open the line, speak frame or line mode on it, reopen it when it goes.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use retromesh_link_frame::{
    Body, Event, FrameError, FrameKind, Hello, LinkSession, Message, Method, RxError,
    SessionConfig, Version, FLAG_MORE, FLAG_TRUNCATED, MAX_BODY_LEN, MAX_PAYLOAD_LEN,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::alarm::Alarm;
use crate::driver::Driver;
use crate::line::{self, Answer, Command, LineAssembler, LineError, Pager, RawLine};
use crate::micro::{
    why_no_screen, Ask, CallError, Inbound, LinkCounters, LinkState, Micro, MicroReply, Mode,
};
use crate::profile::{Charset, MachineProfile, Pacing};
use crate::text;
use crate::transport::{self, BoxedIo, TransportConfig};
use crate::upstream::{Upstream, UpstreamRequest, UpstreamResponse};

/// The bridge's version, sent in HELLO_REPLY.
pub const BRIDGE_VERSION: Version = Version::new(1, 0);

/// Why a line could not be opened, in words that name the fix.
pub type ConnectError = Box<dyn std::error::Error + Send + Sync>;

pub type ConnectFuture<'a> =
    Pin<Box<dyn Future<Output = Result<BoxedIo, ConnectError>> + Send + 'a>>;

/// Opens the line to a micro, again after each loss.
pub trait Connector: Send + Sync + 'static {
    fn connect(&self) -> ConnectFuture<'_>;
    /// For logs: what is being opened.
    fn describe(&self) -> String;
}

impl Connector for TransportConfig {
    fn connect(&self) -> ConnectFuture<'_> {
        Box::pin(async move { transport::open(self).await.map_err(ConnectError::from) })
    }
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

/// A line opened by someone else (a socket accepted elsewhere, one end of a pipe): handed
/// to the session once; when it closes, there is nothing to reopen.
pub struct OpenedLine {
    io: std::sync::Mutex<Option<BoxedIo>>,
    name: String,
}

impl OpenedLine {
    pub fn new(io: BoxedIo, name: impl Into<String>) -> Self {
        OpenedLine {
            io: std::sync::Mutex::new(Some(io)),
            name: name.into(),
        }
    }
}

impl Connector for OpenedLine {
    fn connect(&self) -> ConnectFuture<'_> {
        let io = self.io.lock().ok().and_then(|mut io| io.take());
        let name = self.name.clone();
        Box::pin(async move {
            io.ok_or_else(|| {
                ConnectError::from(format!("{name} was handed over once and has closed"))
            })
        })
    }
    fn describe(&self) -> String {
        self.name.clone()
    }
}

/// Everything a session needs to know about its micro.
#[derive(Clone)]
pub struct MicroSpec {
    pub name: String,
    pub profile: MachineProfile,
    pub connector: Arc<dyn Connector>,
    /// Requests that may wait behind the one at the micro.
    pub queue_depth: usize,
    /// Every exchange with the micro, and every upstream call, ends by then.
    pub deadline: Duration,
    /// The most body bytes passed to the micro in one answer; the rest is cut and flagged.
    pub max_body_to_micro: usize,
    /// The most body bytes a mesh caller may send to the micro.
    pub max_request_body: usize,
    pub reconnect_initial: Duration,
    pub reconnect_max: Duration,
}

impl MicroSpec {
    pub fn new(
        name: impl Into<String>,
        profile: MachineProfile,
        connector: Arc<dyn Connector>,
    ) -> Self {
        MicroSpec {
            name: name.into(),
            profile,
            connector,
            queue_depth: 4,
            deadline: Duration::from_secs(30),
            max_body_to_micro: 2048,
            max_request_body: 2048,
            reconnect_initial: Duration::from_millis(250),
            reconnect_max: Duration::from_secs(10),
        }
    }
}

/// Starts the micro's session on the current tokio runtime.
pub fn spawn(spec: MicroSpec, upstream: Arc<dyn Upstream>) -> Micro {
    let (req_tx, req_rx) = mpsc::channel(spec.queue_depth.max(1));
    let (state_tx, state_rx) = watch::channel(LinkState::Connecting);
    let counters = Arc::new(LinkCounters::default());
    let capabilities = Arc::new(std::sync::atomic::AtomicU8::new(0));
    let driver = Driver::spawn(run(
        spec.clone(),
        upstream,
        req_rx,
        state_tx,
        counters.clone(),
        capabilities.clone(),
    ));
    Micro {
        name: spec.name.into(),
        requests: req_tx,
        state: state_rx,
        counters,
        queue_depth: spec.queue_depth,
        deadline: spec.deadline,
        max_request_body: spec.max_request_body,
        capabilities,
        driver,
    }
}

async fn run(
    spec: MicroSpec,
    upstream: Arc<dyn Upstream>,
    mut requests: mpsc::Receiver<Inbound>,
    state: watch::Sender<LinkState>,
    counters: Arc<LinkCounters>,
    capabilities: Arc<std::sync::atomic::AtomicU8>,
) {
    let mut backoff = spec.reconnect_initial;
    let mut first = true;
    loop {
        state.send_replace(LinkState::Connecting);
        let why = match spec.connector.connect().await {
            Ok(io) => {
                if !first {
                    LinkCounters::add(&counters.reconnects, 1);
                }
                first = false;
                backoff = spec.reconnect_initial;
                tracing::info!(micro = %spec.name, "link up");
                state.send_replace(LinkState::Up {
                    mode: Mode::Unknown,
                    hello: None,
                });
                capabilities.store(0, std::sync::atomic::Ordering::Relaxed);
                let mut conn = Connection::new(&spec, upstream.clone(), &state, &counters);
                conn.capabilities = Some(capabilities.clone());
                match conn.run(io, &mut requests).await {
                    Ended::Closed => return,
                    Ended::Lost(why) => why,
                }
            }
            Err(e) => e.to_string(),
        };
        tracing::warn!(micro = %spec.name, %why, retry_in = ?backoff, "link down");
        state.send_replace(LinkState::Down { why: why.clone() });
        // While down, callers are told at once rather than left to time out.
        let wake = tokio::time::sleep(backoff);
        tokio::pin!(wake);
        loop {
            tokio::select! {
                _ = &mut wake => break,
                req = requests.recv() => match req {
                    Some(inbound) => {
                        inbound.fail(CallError::LinkDown {
                            micro: spec.name.clone(),
                            why: why.clone(),
                        });
                    }
                    None => return,
                },
            }
        }
        backoff = (backoff * 2).min(spec.reconnect_max);
    }
}

enum Ended {
    /// Every handle was dropped.
    Closed,
    Lost(String),
}

/// A body being collected across CONT frames.
struct Assembly {
    id: u8,
    kind: Pending,
    body: Vec<u8>,
}

enum Pending {
    Post { target: Vec<u8> },
    Reply { status: u16 },
}

/// The request at the micro right now.
struct InFlight {
    id: u8,
    inbound: Inbound,
    until: Instant,
}

/// What an upstream call answers.
enum CallFor {
    Frame { id: u8 },
    Line,
}

type Calls = FuturesUnordered<Pin<Box<dyn Future<Output = (CallFor, UpstreamResponse)> + Send>>>;

struct Connection<'a> {
    spec: &'a MicroSpec,
    upstream: Arc<dyn Upstream>,
    state: &'a watch::Sender<LinkState>,
    counters: &'a LinkCounters,
    epoch: Instant,
    session: LinkSession<MAX_BODY_LEN>,
    mode: Mode,
    hello: Option<Hello>,
    in_frame: bool,
    last_frame_at: Option<Instant>,
    lines: LineAssembler,
    /// Commands waiting while an earlier one is still being answered.
    line_queue: VecDeque<Result<Command, LineError>>,
    line_busy: bool,
    page: usize,
    pager: Option<Pager>,
    tx_text: Vec<u8>,
    out: VecDeque<Vec<u8>>,
    assembly: Option<Assembly>,
    listening: bool,
    in_flight: Option<InFlight>,
    /// Output to the micro waits while a caller takes its reply (resolves when taken), or
    /// until anything else happens on the loop. On a machine with few cores the micro's
    /// wake-up for our ACK would otherwise preempt the caller's answer. No timer bounds it,
    /// since moving the loop's alarm earlier costs a wake-up per request: a caller whose task
    /// stalls costs the micro one resend of its REPLY, which ends the wait.
    held: Option<oneshot::Receiver<()>>,
    next_request_id: u8,
    calls: Calls,
    seen: retromesh_link_frame::Stats,
    /// Where the capability bits of each HELLO are published for the [`Micro`] handle.
    capabilities: Option<Arc<std::sync::atomic::AtomicU8>>,
    caps: u8,
}

impl<'a> Connection<'a> {
    fn new(
        spec: &'a MicroSpec,
        upstream: Arc<dyn Upstream>,
        state: &'a watch::Sender<LinkState>,
        counters: &'a LinkCounters,
    ) -> Self {
        Connection {
            spec,
            upstream,
            state,
            counters,
            epoch: Instant::now(),
            session: LinkSession::new(SessionConfig::for_baud(spec.profile.serial.baud)),
            mode: Mode::Unknown,
            hello: None,
            in_frame: false,
            last_frame_at: None,
            lines: LineAssembler::new(spec.profile.charset),
            line_queue: VecDeque::new(),
            line_busy: false,
            page: 0,
            pager: None,
            tx_text: Vec::new(),
            out: VecDeque::new(),
            assembly: None,
            listening: false,
            in_flight: None,
            held: None,
            next_request_id: 1,
            calls: FuturesUnordered::new(),
            seen: Default::default(),
            capabilities: None,
            caps: 0,
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn name(&self) -> &str {
        &self.spec.name
    }

    async fn run(&mut self, io: BoxedIo, requests: &mut mpsc::Receiver<Inbound>) -> Ended {
        let (mut rd, mut wr) = tokio::io::split(io);
        let mut buf = [0u8; 512];
        let mut alarm = Alarm::new();
        let ended = loop {
            if self.held.is_none() {
                if let Err(e) = self.flush(&mut wr).await {
                    break Ended::Lost(format!("write to the micro failed: {e}"));
                }
            }
            let timer = self.next_deadline();
            let can_take = self.in_flight.is_none();
            // Dropped, and so released, when another branch wins.
            let held = self.held.take();
            let holding = held.is_some();
            tokio::select! {
                r = rd.read(&mut buf) => match r {
                    Ok(0) => break Ended::Lost("the line closed (device unplugged or peer gone)".into()),
                    Ok(n) => {
                        LinkCounters::add(&self.counters.bytes_rx, n as u64);
                        // One clock reading per read, not two per byte.
                        let at = Instant::now();
                        for &b in &buf[..n] {
                            self.on_byte(b, at);
                        }
                        // A caller was just handed its reply: let it answer before this
                        // task's own bookkeeping.
                        if self.held.is_some() {
                            tokio::task::yield_now().await;
                        }
                    }
                    Err(e) => break Ended::Lost(format!("read from the micro failed: {e}")),
                },
                req = requests.recv(), if can_take => match req {
                    Some(inbound) => self.on_inbound(inbound),
                    None => break Ended::Closed,
                },
                Some((for_, resp)) = self.calls.next(), if !self.calls.is_empty() => {
                    self.on_upstream(for_, resp);
                }
                _ = taken(held), if holding => {}
                _ = alarm.until(timer) => self.on_timer(),
            }
            self.sync_counters();
        };
        self.fail_in_flight(|micro| CallError::LinkDown {
            micro,
            why: match &ended {
                Ended::Lost(why) => why.clone(),
                Ended::Closed => "bridge shutting down".into(),
            },
        });
        self.sync_counters();
        ended
    }

    fn next_deadline(&self) -> Option<Instant> {
        let frame = self
            .session
            .next_deadline()
            .map(|ms| self.epoch + Duration::from_millis(ms));
        let call = self.in_flight.as_ref().map(|f| f.until);
        match (frame, call) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Goes by the clock: the alarm may fire early.
    fn on_timer(&mut self) {
        let now = self.now_ms();
        if let Some(Event::GaveUp { seq }) = self.session.poll(now) {
            tracing::warn!(micro = %self.name(), seq, "micro stopped acknowledging frames");
            self.session.reset();
            self.out.clear();
            self.fail_in_flight(|micro| CallError::LinkDown {
                micro,
                why: "the micro stopped acknowledging frames".into(),
            });
        }
        if self
            .in_flight
            .as_ref()
            .is_some_and(|f| Instant::now() >= f.until)
        {
            let deadline = self.spec.deadline;
            self.fail_in_flight(|micro| CallError::Deadline { micro, deadline });
        }
    }

    fn fail_in_flight(&mut self, err: impl FnOnce(String) -> CallError) {
        if let Some(f) = self.in_flight.take() {
            f.inbound.fail(err(self.spec.name.clone()));
        }
    }

    async fn flush(
        &mut self,
        wr: &mut (impl tokio::io::AsyncWrite + Unpin),
    ) -> std::io::Result<()> {
        loop {
            if self
                .in_flight
                .as_ref()
                .is_some_and(|f| f.inbound.reply.is_closed())
            {
                tracing::info!(micro = %self.name(), "caller gave up; the micro's reply will be dropped");
                self.in_flight = None;
            }
            while !self.session.is_busy() && !self.session.is_link_down() {
                let Some(payload) = self.out.pop_front() else {
                    break;
                };
                if let Err(e) = self.session.send(&payload) {
                    tracing::error!(micro = %self.name(), %e, "frame not sent");
                }
            }
            let mut frame_bytes = [0u8; 1024];
            let now = self.now_ms();
            let n = self.session.transmit(&mut frame_bytes, now);
            let text = std::mem::take(&mut self.tx_text);
            if n == 0 && text.is_empty() {
                return Ok(());
            }
            let pacing = &self.spec.profile.pacing;
            write_paced(wr, &frame_bytes[..n], pacing).await?;
            write_paced(wr, &text, pacing).await?;
            LinkCounters::add(&self.counters.bytes_tx, (n + text.len()) as u64);
        }
    }

    /// `at` is when the byte was read.
    fn on_byte(&mut self, b: u8, at: Instant) {
        if b == retromesh_link_frame::slip::END {
            self.in_frame = !self.in_frame;
        }
        // In line mode (or before anything is known) text outside frames is a command; in frame
        // mode a text line is believed only if it is a known command and frames have gone quiet.
        if !self.in_frame && b != retromesh_link_frame::slip::END {
            if let Some(raw) = self.lines.push(b) {
                let frame_quiet = self
                    .last_frame_at
                    .is_none_or(|t| at.saturating_duration_since(t) > Duration::from_secs(1));
                let parsed = match raw {
                    RawLine::Text(t) => line::parse(&text::from_micro(&t, self.charset())),
                    RawLine::Bad(e) => Err(e),
                };
                match self.mode {
                    Mode::Frame if parsed.is_err() || !frame_quiet => {}
                    _ => {
                        self.set_mode(Mode::Line);
                        LinkCounters::add(&self.counters.lines_rx, 1);
                        self.line_queue.push_back(parsed);
                        self.next_line();
                    }
                }
            }
        }
        let now = at.saturating_duration_since(self.epoch).as_millis() as u64;
        let event = match self.session.receive_byte(b, now) {
            None => return,
            Some(Event::Deliver(p)) => Ok(p.to_vec()),
            Some(Event::Control(f)) if f.kind == FrameKind::Hello => {
                Err(Some((f.seq, f.payload.to_vec())))
            }
            Some(Event::Resynced {
                reason,
                dropped_bytes,
            }) => {
                if self.mode == Mode::Frame {
                    if matches!(reason, RxError::Frame(FrameError::BadCrc { .. })) {
                        LinkCounters::add(&self.counters.crc_errors, 1);
                    }
                    tracing::debug!(micro = %self.name(), %reason, dropped_bytes, "resync");
                }
                return;
            }
            Some(_) => return,
        };
        self.last_frame_at = Some(at);
        LinkCounters::add(&self.counters.frames_rx, 1);
        match event {
            Ok(payload) => self.on_message(&payload),
            Err(Some((seq, payload))) => self.on_hello(seq, &payload),
            Err(None) => {}
        }
    }

    fn charset(&self) -> Charset {
        self.spec.profile.charset
    }

    fn set_mode(&mut self, mode: Mode) {
        if self.mode != mode {
            tracing::info!(micro = %self.name(), ?mode, "link mode");
            self.mode = mode;
            self.state.send_replace(LinkState::Up {
                mode,
                hello: self.hello,
            });
        }
    }

    fn on_hello(&mut self, seq: u8, payload: &[u8]) {
        let hello = match Hello::decode(payload) {
            Ok(h) => h,
            Err(e) => {
                LinkCounters::add(&self.counters.bad_messages, 1);
                tracing::warn!(micro = %self.name(), %e, "bad HELLO");
                return;
            }
        };
        let reply = match hello.reply(BRIDGE_VERSION, MAX_PAYLOAD_LEN as u8) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(micro = %self.name(), %e, "bad HELLO");
                return;
            }
        };
        // A HELLO means the micro (re)started its client: forget what the old one had open.
        self.session.reset();
        self.session.set_max_payload(reply.max_payload as usize);
        self.out.clear();
        self.assembly = None;
        self.listening = false;
        self.fail_in_flight(|micro| CallError::LinkDown {
            micro,
            why: "the micro restarted its client".into(),
        });
        if let Ok(bytes) = reply.to_bytes() {
            let _ = self
                .session
                .send_control(FrameKind::HelloReply, seq, &bytes);
        }
        tracing::info!(micro = %self.name(), machine = ?hello.machine, client = %hello.version,
            max_payload = reply.max_payload, "HELLO");
        self.hello = Some(hello);
        self.caps = retromesh_link_frame::hello::capabilities(payload);
        if let Some(c) = &self.capabilities {
            c.store(self.caps, std::sync::atomic::Ordering::Relaxed);
        }
        self.mode = Mode::Unknown;
        self.set_mode(Mode::Frame);
    }

    fn on_message(&mut self, payload: &[u8]) {
        let msg = match Message::decode(payload) {
            Ok(m) => m,
            Err(e) => {
                LinkCounters::add(&self.counters.bad_messages, 1);
                tracing::warn!(micro = %self.name(), %e, "bad message");
                return;
            }
        };
        let id = msg.id;
        let more = msg.more();
        match msg.body {
            Body::Get { target } => {
                self.call_upstream(CallFor::Frame { id }, Method::Get, target, Vec::new())
            }
            Body::Post { target, body } if more => {
                self.assembly = Some(Assembly {
                    id,
                    kind: Pending::Post {
                        target: target.to_vec(),
                    },
                    body: body.to_vec(),
                });
            }
            Body::Post { target, body } => {
                self.call_upstream(CallFor::Frame { id }, Method::Post, target, body.to_vec())
            }
            Body::Reply { status, body } if more => {
                self.assembly = Some(Assembly {
                    id,
                    kind: Pending::Reply { status },
                    body: body.to_vec(),
                });
            }
            Body::Reply { status, body } => self.on_reply(id, status, body.to_vec()),
            Body::Cont { body } => self.on_cont(id, more, body),
            Body::Listen { .. } => {
                self.listening = true;
                self.queue_result(id, 200, b"LISTENING", false);
            }
            Body::Unlisten => {
                self.listening = false;
                self.queue_result(id, 200, b"OK", false);
            }
            Body::Time => {
                let (unix, text) = now_utc();
                self.queue(Message::new(
                    id,
                    Body::TimeIs {
                        unix,
                        text: text.as_bytes(),
                    },
                ));
            }
            Body::Echo { data } => {
                let data = data.to_vec();
                self.queue(Message::new(id, Body::Echoed { data: &data }));
            }
            Body::Log { level, text } => self.log_from_micro(level, text),
            other => {
                LinkCounters::add(&self.counters.bad_messages, 1);
                tracing::warn!(micro = %self.name(), op = ?other.op(), "the micro sent a bridge-only message");
            }
        }
    }

    fn on_cont(&mut self, id: u8, more: bool, body: &[u8]) {
        let Some(mut a) = self.assembly.take().filter(|a| a.id == id) else {
            LinkCounters::add(&self.counters.bad_messages, 1);
            tracing::warn!(micro = %self.name(), id, "CONT for no message in progress");
            return;
        };
        // At least a screen's worth, whatever the request limit.
        let limit = (self.spec.max_request_body.max(MAX_PAYLOAD_LEN) * 16).max(8 * 1024);
        if a.body.len() + body.len() > limit {
            tracing::warn!(micro = %self.name(), id, "body from the micro too long; dropped");
            if let Pending::Post { .. } = a.kind {
                self.queue_result(id, 413, b"BODY TOO LONG", false);
            }
            return;
        }
        a.body.extend_from_slice(body);
        if more {
            self.assembly = Some(a);
            return;
        }
        match a.kind {
            Pending::Post { target } => {
                self.call_upstream(CallFor::Frame { id }, Method::Post, &target, a.body)
            }
            Pending::Reply { status } => self.on_reply(id, status, a.body),
        }
    }

    fn log_from_micro(&self, level: u8, text: &[u8]) {
        let text = text::from_micro(text, self.charset());
        let micro = self.name();
        match level {
            0 => tracing::error!(%micro, "{text}"),
            1 => tracing::warn!(%micro, "{text}"),
            2 => tracing::info!(%micro, "{text}"),
            3 => tracing::debug!(%micro, "{text}"),
            _ => tracing::trace!(%micro, "{text}"),
        }
    }

    fn call_upstream(&mut self, for_: CallFor, method: Method, target: &[u8], body: Vec<u8>) {
        let request = UpstreamRequest {
            micro: self.spec.name.clone(),
            method,
            // Line commands arrive already decoded from the micro's charset; decoding them
            // again would swap PETSCII's cases a second time.
            target: if matches!(for_, CallFor::Line) {
                String::from_utf8_lossy(target).into_owned()
            } else {
                text::from_micro(target, self.charset())
            },
            body: if matches!(for_, CallFor::Line) {
                body
            } else {
                text::from_micro(&body, self.charset()).into_bytes()
            },
        };
        let call = self.upstream.call(request);
        let deadline = self.spec.deadline;
        self.calls.push(Box::pin(async move {
            let resp = match tokio::time::timeout(deadline, call).await {
                Ok(r) => r,
                Err(_) => UpstreamResponse::error(
                    504,
                    "SERVICE TIMED OUT",
                    format!("no answer within {deadline:?}"),
                ),
            };
            (for_, resp)
        }));
    }

    fn on_upstream(&mut self, for_: CallFor, resp: UpstreamResponse) {
        match for_ {
            CallFor::Frame { id } => {
                let (body, cut) = self.body_for_micro(&resp);
                self.queue_result(id, resp.status, &body, cut);
            }
            CallFor::Line => {
                let (body, cut) = self.body_for_micro(&resp);
                let mut lines = text::wrap_bytes(&body, self.spec.profile.width as usize);
                if cut {
                    lines.push(b"(CUT: ANSWER TOO LONG)".to_vec());
                }
                let reason = if resp.reason.is_empty() {
                    "OK".to_string()
                } else {
                    resp.reason.clone()
                };
                self.answer(Answer::new(resp.status, &reason, lines));
            }
        }
    }

    /// The body in the micro's character set (for text) and cut to its limit.
    fn body_for_micro(&self, resp: &UpstreamResponse) -> (Vec<u8>, bool) {
        let mut body = if resp.is_text() {
            let t = text::to_micro(&String::from_utf8_lossy(&resp.body), self.charset());
            LinkCounters::add(&self.counters.substituted_chars, t.substituted.len() as u64);
            t.bytes
        } else {
            resp.body.clone()
        };
        let cut = body.len() > self.spec.max_body_to_micro;
        body.truncate(self.spec.max_body_to_micro);
        (body, cut)
    }

    fn queue(&mut self, msg: Message<'_>) {
        let mut buf = [0u8; MAX_PAYLOAD_LEN];
        match msg.encode(&mut buf[..self.session.max_payload()]) {
            Ok(n) => self.out.push_back(buf[..n].to_vec()),
            Err(e) => tracing::error!(micro = %self.name(), %e, "message not queued"),
        }
    }

    /// Queues a message whose trailing body may need CONT frames.
    fn queue_chunked<'b>(
        &mut self,
        id: u8,
        flags: u8,
        first: impl Fn(&'b [u8]) -> Body<'b>,
        body: &'b [u8],
    ) {
        let max = self.session.max_payload();
        let head = Message::new(id, first(&[])).head_len();
        let room = max.saturating_sub(head).max(1);
        let (now, mut rest) = body.split_at(body.len().min(room));
        let more = if rest.is_empty() { 0 } else { FLAG_MORE };
        let msg = Message {
            id,
            flags: flags | more,
            body: first(now),
        };
        self.queue(msg);
        let room = max - retromesh_link_frame::message::MESSAGE_HEADER_LEN;
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(rest.len().min(room));
            rest = tail;
            let more = if rest.is_empty() { 0 } else { FLAG_MORE };
            self.queue(Message {
                id,
                flags: more,
                body: Body::Cont { body: chunk },
            });
        }
    }

    fn queue_result(&mut self, id: u8, status: u16, body: &[u8], cut: bool) {
        let flags = if cut { FLAG_TRUNCATED } else { 0 };
        self.queue_chunked(id, flags, |b| Body::Result { status, body: b }, body);
    }

    fn on_inbound(&mut self, inbound: Inbound) {
        if inbound.reply.is_closed() {
            return;
        }
        if let Ask::Screen = inbound.ask {
            return self.ask_screen(inbound);
        }
        if !self.listening {
            inbound.fail(CallError::NotListening {
                micro: self.spec.name.clone(),
            });
            return;
        }
        let id = self.next_id();
        let Ask::Request(req) = &inbound.ask else {
            return;
        };
        let body_micro = text::to_micro(&String::from_utf8_lossy(&req.body), self.charset());
        LinkCounters::add(
            &self.counters.substituted_chars,
            body_micro.substituted.len() as u64,
        );
        match self.mode {
            Mode::Frame => {
                let (caller, path) = (req.caller.clone(), req.path.clone());
                let method = req.method;
                let to = |s: &str| text::to_micro(s, self.charset()).bytes;
                let (caller, path) = (to(&caller), to(&path));
                let caller = &caller[..caller.len().min(255)];
                let path = &path[..path.len().min(255)];
                self.queue_chunked(
                    id,
                    0,
                    |b| Body::Request {
                        method,
                        caller,
                        path,
                        body: b,
                    },
                    &body_micro.bytes,
                );
            }
            _ => {
                let width = self.spec.profile.width as usize;
                let method = match req.method {
                    Method::Get => "GET",
                    Method::Post => "POST",
                };
                let mut out = Vec::new();
                let head = format!("REQUEST {id} {method} {}", req.path);
                line::push_line(&mut out, &text::to_micro(&head, self.charset()).bytes);
                line::push_line(
                    &mut out,
                    &text::to_micro(&format!("FROM {}", req.caller), self.charset()).bytes,
                );
                for l in text::wrap_bytes(&body_micro.bytes, width) {
                    if l.first() == Some(&b'.') {
                        out.push(b'.');
                    }
                    line::push_line(&mut out, &l);
                }
                line::push_line(&mut out, b".");
                self.tx_text.extend_from_slice(&out);
            }
        }
        self.in_flight = Some(InFlight {
            id,
            inbound,
            until: Instant::now() + self.spec.deadline,
        });
    }

    fn next_id(&mut self) -> u8 {
        let id = self.next_request_id;
        self.next_request_id = self.next_request_id.wrapping_add(1).max(1);
        id
    }

    /// SCREEN needs no LISTEN: the client library answers it whenever it reads the line.
    fn ask_screen(&mut self, inbound: Inbound) {
        if let Some(why) = why_no_screen(self.mode, self.hello, self.caps) {
            let micro = self.spec.name.clone();
            inbound.fail(CallError::Unsupported { micro, why });
            return;
        }
        let id = self.next_id();
        self.queue(Message::new(id, Body::Screen));
        self.in_flight = Some(InFlight {
            id,
            inbound,
            until: Instant::now() + self.spec.deadline,
        });
    }

    fn on_reply(&mut self, id: u8, status: u16, body: Vec<u8>) {
        match self.in_flight.take() {
            Some(f) if f.id == id => {
                // A screen is bytes, not text in the micro's character set.
                let body = match f.inbound.ask {
                    Ask::Screen => body,
                    Ask::Request(_) => text::from_micro(&body, self.charset()).into_bytes(),
                };
                self.held = f.inbound.answer(MicroReply { status, body });
            }
            other => {
                self.in_flight = other;
                LinkCounters::add(&self.counters.bad_messages, 1);
                tracing::warn!(micro = %self.name(), id, "REPLY for no open request (late, or its caller gave up)");
            }
        }
    }

    /// Takes the next queued command line if none is being answered.
    fn next_line(&mut self) {
        while !self.line_busy {
            let Some(cmd) = self.line_queue.pop_front() else {
                return;
            };
            self.on_command(cmd);
        }
    }

    fn on_command(&mut self, cmd: Result<Command, LineError>) {
        let cmd = match cmd {
            Ok(c) => c,
            Err(e) => {
                LinkCounters::add(&self.counters.line_errors, 1);
                return self.answer(Answer::error(400, &e));
            }
        };
        if !matches!(cmd, Command::More) {
            self.pager = None;
        }
        let to = |s: &str| text::to_micro(s, self.charset()).bytes;
        let width = self.spec.profile.width as usize;
        match cmd {
            Command::Help => {
                let body = line::HELP
                    .iter()
                    .flat_map(|h| text::wrap_bytes(&to(h), width))
                    .collect();
                self.answer(Answer::new(200, "COMMANDS", body))
            }
            Command::Get { target } => {
                self.line_busy = true;
                self.call_upstream(CallFor::Line, Method::Get, target.as_bytes(), Vec::new());
            }
            Command::Post { target, body } => {
                self.line_busy = true;
                self.call_upstream(
                    CallFor::Line,
                    Method::Post,
                    target.as_bytes(),
                    body.into_bytes(),
                );
            }
            Command::Time => {
                let (_, text) = now_utc();
                self.answer(Answer::new(200, "OK", vec![text.into_bytes()]))
            }
            Command::Echo(t) => {
                self.answer(Answer::new(200, "OK", text::wrap_bytes(&to(&t), width)))
            }
            Command::Log(t) => {
                self.log_from_micro(2, t.as_bytes());
                self.answer(Answer::new(200, "LOGGED", Vec::new()))
            }
            Command::Page(n) => {
                self.page = n;
                self.answer(Answer::new(200, &format!("PAGE {n}"), Vec::new()))
            }
            Command::More => match self.pager.as_mut() {
                Some(p) => {
                    let mut out = Vec::new();
                    if !p.next_page(self.page, &mut out) {
                        self.pager = None;
                    }
                    self.tx_text.extend_from_slice(&out);
                }
                None => self.answer(Answer::new(400, "NOTHING MORE TO SEND", Vec::new())),
            },
            Command::Listen => {
                self.listening = true;
                self.answer(Answer::new(200, "LISTENING", Vec::new()))
            }
            Command::Unlisten => {
                self.listening = false;
                self.answer(Answer::new(200, "OK", Vec::new()))
            }
            Command::Reply { status, text } => match self.in_flight.take() {
                Some(f) => {
                    self.held = f.inbound.answer(MicroReply {
                        status,
                        body: text.into_bytes(),
                    });
                    self.answer(Answer::new(200, "SENT", Vec::new()))
                }
                None => {
                    LinkCounters::add(&self.counters.line_errors, 1);
                    self.answer(Answer::new(409, "NO REQUEST TO REPLY TO", Vec::new()))
                }
            },
        }
    }

    fn answer(&mut self, answer: Answer) {
        let mut out = Vec::new();
        self.pager = Pager::start(answer, self.page, &mut out);
        self.tx_text.extend_from_slice(&out);
        self.line_busy = false;
        self.next_line();
    }

    fn sync_counters(&mut self) {
        let s = *self.session.stats();
        let d = |now: u32, was: u32| now.saturating_sub(was) as u64;
        let c = self.counters;
        LinkCounters::add(
            &c.frames_tx,
            d(
                s.data_sent + s.naks_sent,
                self.seen.data_sent + self.seen.naks_sent,
            ),
        );
        LinkCounters::add(&c.retransmits, d(s.retransmits, self.seen.retransmits));
        LinkCounters::add(&c.naks_sent, d(s.naks_sent, self.seen.naks_sent));
        LinkCounters::add(&c.duplicates, d(s.duplicates, self.seen.duplicates));
        if self.mode == Mode::Frame {
            LinkCounters::add(&c.resyncs, d(s.resyncs, self.seen.resyncs));
        }
        self.seen = s;
    }
}

async fn write_paced(
    wr: &mut (impl tokio::io::AsyncWrite + Unpin),
    bytes: &[u8],
    pacing: &Pacing,
) -> std::io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    crate::transport::pacing::write_paced(wr, bytes, pacing).await?;
    wr.flush().await
}

/// Unix seconds and `YYYY-MM-DD HH:MM:SS`, UTC.
pub fn now_utc() -> (u32, String) {
    let now = std::time::SystemTime::now();
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (secs as u32, format_utc(now))
}

fn format_utc(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at)
        .to_string()
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_string()
}

/// Resolves once the caller has taken the reply `held` waits on (or is gone).
async fn taken(held: Option<oneshot::Receiver<()>>) {
    if let Some(taken) = held {
        let _ = taken.await;
    }
}

#[cfg(test)]
mod tests {
    use super::format_utc;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn utc_dates_are_plain_text_for_a_32_column_screen() {
        let at = |s| format_utc(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01 00:00:00");
        assert_eq!(at(951_782_400), "2000-02-29 00:00:00");
    }
}
