//! What the rest of the bridge holds for each micro: a handle to call it, its link state and
//! its counters. The session task behind the handle owns the line.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use retromesh_link_frame::hello::CAP_SCREEN;
use retromesh_link_frame::{Hello, Method};
use tokio::sync::{mpsc, oneshot, watch};

/// A request from the mesh for the micro's LISTEN handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundRequest {
    pub method: Method,
    pub path: String,
    /// Who is calling: a SPIFFE ID once the gateway authenticates callers, else a peer address.
    pub caller: String,
    pub body: Vec<u8>,
}

/// The micro's REPLY, turned back into UTF-8 text where it was text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MicroReply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why a call to a micro failed. Each maps to one HTTP status in the gateway.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("micro {micro} is busy: {depth} requests already queued; retry shortly")]
    Busy { micro: String, depth: usize },
    #[error("link to micro {micro} is down: {why}")]
    LinkDown { micro: String, why: String },
    #[error("micro {micro} is not listening: its program has not sent LISTEN")]
    NotListening { micro: String },
    #[error("micro {micro} did not reply within {0:?}: is its program still running?", .deadline)]
    Deadline { micro: String, deadline: Duration },
    #[error("request body is {len} bytes; micro {micro} takes at most {limit}")]
    TooBig {
        micro: String,
        len: usize,
        limit: usize,
    },
    /// The micro's client library cannot do what was asked (e.g. send its screen).
    #[error("micro {micro}: {why}")]
    Unsupported { micro: String, why: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing heard yet: answered as line mode until a HELLO arrives.
    Unknown,
    Line,
    Frame,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Up { mode: Mode, hello: Option<Hello> },
    Down { why: String },
}

impl LinkState {
    pub fn is_up(&self) -> bool {
        matches!(self, LinkState::Up { .. })
    }

    /// For metrics: 0 down, 1 connecting, 2 up.
    pub fn as_gauge(&self) -> i64 {
        match self {
            LinkState::Down { .. } => 0,
            LinkState::Connecting => 1,
            LinkState::Up { .. } => 2,
        }
    }
}

/// Link counters. Cumulative over reconnects; the session updates them as it goes.
#[derive(Debug, Default)]
pub struct LinkCounters {
    pub bytes_rx: AtomicU64,
    pub bytes_tx: AtomicU64,
    pub frames_rx: AtomicU64,
    pub frames_tx: AtomicU64,
    pub crc_errors: AtomicU64,
    pub resyncs: AtomicU64,
    pub naks_sent: AtomicU64,
    pub retransmits: AtomicU64,
    pub duplicates: AtomicU64,
    pub bad_messages: AtomicU64,
    pub lines_rx: AtomicU64,
    pub line_errors: AtomicU64,
    pub reconnects: AtomicU64,
    pub substituted_chars: AtomicU64,
}

/// A point-in-time copy of [`LinkCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LinkStats {
    pub bytes_rx: u64,
    pub bytes_tx: u64,
    pub frames_rx: u64,
    pub frames_tx: u64,
    pub crc_errors: u64,
    pub resyncs: u64,
    pub naks_sent: u64,
    pub retransmits: u64,
    pub duplicates: u64,
    pub bad_messages: u64,
    pub lines_rx: u64,
    pub line_errors: u64,
    pub reconnects: u64,
    pub substituted_chars: u64,
}

impl LinkCounters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> LinkStats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        LinkStats {
            bytes_rx: g(&self.bytes_rx),
            bytes_tx: g(&self.bytes_tx),
            frames_rx: g(&self.frames_rx),
            frames_tx: g(&self.frames_tx),
            crc_errors: g(&self.crc_errors),
            resyncs: g(&self.resyncs),
            naks_sent: g(&self.naks_sent),
            retransmits: g(&self.retransmits),
            duplicates: g(&self.duplicates),
            bad_messages: g(&self.bad_messages),
            lines_rx: g(&self.lines_rx),
            line_errors: g(&self.line_errors),
            reconnects: g(&self.reconnects),
            substituted_chars: g(&self.substituted_chars),
        }
    }
}

/// What the session is asked to fetch from the micro.
pub(crate) enum Ask {
    Request(InboundRequest),
    /// Its screen memory (frame op SCREEN), answered raw.
    Screen,
}

pub(crate) struct Inbound {
    pub ask: Ask,
    pub reply: oneshot::Sender<Reply>,
}

/// What the session sends back for one call.
pub(crate) struct Reply {
    result: Result<MicroReply, CallError>,
    /// Dropped once the caller has taken the result (see [`Inbound::answer`]).
    _taken: Option<oneshot::Sender<()>>,
}

impl Inbound {
    pub fn fail(self, error: CallError) {
        let _ = self.reply.send(Reply {
            result: Err(error),
            _taken: None,
        });
    }

    /// Hands the caller its reply. The receiver returned (None if the caller is gone)
    /// resolves once the caller has taken it, in the caller's task.
    pub fn answer(self, reply: MicroReply) -> Option<oneshot::Receiver<()>> {
        let (taken, on_taken) = oneshot::channel();
        let reply = Reply {
            result: Ok(reply),
            _taken: Some(taken),
        };
        self.reply.send(reply).ok().map(|()| on_taken)
    }
}

/// A handle on one micro; cheap to clone. The session ends when the last handle is dropped.
#[derive(Clone)]
pub struct Micro {
    pub(crate) name: Arc<str>,
    pub(crate) requests: mpsc::Sender<Inbound>,
    pub(crate) state: watch::Receiver<LinkState>,
    pub(crate) counters: Arc<LinkCounters>,
    pub(crate) queue_depth: usize,
    pub(crate) deadline: Duration,
    pub(crate) max_request_body: usize,
    /// The capability bits of the micro's last HELLO (0 in line mode).
    pub(crate) capabilities: Arc<AtomicU8>,
    /// Lets a caller give the session its turn at once (see [`crate::driver`]).
    pub(crate) driver: crate::driver::Driver,
}

impl std::fmt::Debug for Micro {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Micro")
            .field("name", &self.name)
            .field("state", &*self.state.borrow())
            .finish()
    }
}

impl Micro {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn state(&self) -> LinkState {
        self.state.borrow().clone()
    }

    /// Waits until the link state satisfies `pred`.
    pub async fn wait_for(&self, pred: impl Fn(&LinkState) -> bool) -> LinkState {
        let mut rx = self.state.clone();
        let state = rx.wait_for(|s| pred(s)).await;
        match state {
            Ok(s) => s.clone(),
            Err(_) => self.state(),
        }
    }

    pub fn stats(&self) -> LinkStats {
        self.counters.snapshot()
    }

    pub fn counters(&self) -> &Arc<LinkCounters> {
        &self.counters
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Requests queued behind the one at the micro.
    pub fn waiting(&self) -> usize {
        self.queue_depth.max(1) - self.requests.capacity()
    }

    /// The largest request body the micro takes.
    pub fn max_request_body(&self) -> usize {
        self.max_request_body
    }

    /// The capability bits (`retromesh_link_frame::hello::CAP_*`) the micro's client library
    /// announced in its last HELLO; 0 before one, and in line mode.
    pub fn capabilities(&self) -> u8 {
        self.capabilities.load(Ordering::Relaxed)
    }

    /// Passes a request to the micro's LISTEN handler and waits for its REPLY. One request is
    /// at the micro at a time; up to the queue depth wait; beyond that the call is refused at
    /// once.
    pub async fn call(&self, request: InboundRequest) -> Result<MicroReply, CallError> {
        if request.body.len() > self.max_request_body {
            return Err(CallError::TooBig {
                micro: self.name.to_string(),
                len: request.body.len(),
                limit: self.max_request_body,
            });
        }
        self.ask(Ask::Request(request)).await
    }

    /// The micro's screen memory, fetched over the link (frame op SCREEN): for a Spectrum its
    /// 6912 bytes, about 7 s at 9600 baud. It queues with requests, and needs a client library
    /// whose HELLO announced `CAP_SCREEN`; others get [`CallError::Unsupported`] at once.
    pub async fn screen(&self) -> Result<Vec<u8>, CallError> {
        if let LinkState::Up { mode, hello } = self.state() {
            if let Some(why) = why_no_screen(mode, hello, self.capabilities()) {
                let micro = self.name.to_string();
                return Err(CallError::Unsupported { micro, why });
            }
        }
        self.ask(Ask::Screen).await.map(|r| r.body)
    }

    async fn ask(&self, ask: Ask) -> Result<MicroReply, CallError> {
        let micro = self.name.to_string();
        if let LinkState::Down { why } = self.state() {
            return Err(CallError::LinkDown { micro, why });
        }
        let (tx, rx) = oneshot::channel();
        self.requests
            .try_send(Inbound { ask, reply: tx })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => CallError::Busy {
                    micro: micro.clone(),
                    depth: self.queue_depth,
                },
                mpsc::error::TrySendError::Closed(_) => CallError::LinkDown {
                    micro: micro.clone(),
                    why: "the session has ended".into(),
                },
            })?;
        self.driver.drive();
        match tokio::time::timeout(self.deadline, rx).await {
            Ok(Ok(reply)) => reply.result,
            Ok(Err(_)) => Err(CallError::LinkDown {
                micro,
                why: "the session ended during the request".into(),
            }),
            Err(_) => Err(CallError::Deadline {
                micro,
                deadline: self.deadline,
            }),
        }
    }
}

/// Why a micro on an up link cannot be asked for its screen, if it cannot.
pub(crate) fn why_no_screen(mode: Mode, hello: Option<Hello>, capabilities: u8) -> Option<String> {
    match (mode, hello) {
        (Mode::Frame, Some(_)) if capabilities & CAP_SCREEN != 0 => None,
        (Mode::Frame, Some(h)) => Some(format!(
            "its client library (version {}, from its HELLO) cannot send its screen: it does not announce the SCREEN capability; a client library that does can",
            h.version
        )),
        (Mode::Line, _) => Some(
            "it talks line mode, which has no way to send its screen; a frame-mode client library that announces the SCREEN capability can".into(),
        ),
        _ => Some("it has not sent HELLO yet: start its client library, then ask again".into()),
    }
}
