//! Stop-and-wait reliable delivery over the framed link, sans-IO.
//!
//! [`LinkSession`] owns no port and reads no clock. The caller
//! - feeds every received byte to [`receive_byte`](LinkSession::receive_byte), which returns at
//!   most one [`Event`] (a delivered payload is borrowed straight from the receive buffer);
//! - pulls bytes to send with [`next_tx_byte`](LinkSession::next_tx_byte) or
//!   [`transmit`](LinkSession::transmit) as fast as the port takes them;
//! - calls [`poll`](LinkSession::poll) now and then (at the latest at
//!   [`next_deadline`](LinkSession::next_deadline)) so timeouts fire;
//! - passes the current time in milliseconds, from any monotonic clock, to all three.
//!
//! Rules (both directions at once, each side is a sender and a receiver):
//! - **Sender.** One DATA frame outstanding at a time ([`send`](LinkSession::send) says
//!   [`SendError::Busy`] otherwise). Each new DATA takes the next `u8` sequence number,
//!   wrapping. The retransmit timer starts when the frame's last byte has been handed to the
//!   caller. An ACK for the outstanding seq completes it ([`Event::Acked`]); a NAK for it, or the
//!   timer running out, sends it again. After `max_retries` retransmissions without an ACK the
//!   session reports [`Event::GaveUp`], and refuses further sends with [`SendError::LinkDown`]
//!   until [`reset`](LinkSession::reset).
//! - **Receiver.** DATA with the next seq after the last delivered one is delivered once
//!   ([`Event::Deliver`]) and ACKed. DATA with the seq of the last delivered one is a
//!   duplicate (our ACK was lost, or the line doubled the frame): it is ACKed again, not
//!   delivered. Any other seq is ignored (it can only come from a peer that restarted without
//!   a handshake; the peer will time out). The first DATA after [`new`](LinkSession::new) or
//!   [`reset`](LinkSession::reset) is accepted whatever its seq.
//! - **Damage.** A frame whose length byte does not match its payload
//!   ([`FrameError::LengthMismatch`]: a byte lost or added, or two frames run together because
//!   the ENDs between them were lost) or whose CRC fails is answered with a NAK carrying the
//!   seq we expect next; every frame thrown away (length mismatch, bad CRC, bad escape,
//!   overflow, too short, unknown kind) is reported as [`Event::Resynced`] with its byte count.
//!   The decoder resynchronises at the next END.
//! - **Handshake.** HELLO and HELLO_REPLY are unsequenced and best-effort:
//!   [`send_control`](LinkSession::send_control) sends one, a received one comes out as
//!   [`Event::Control`]. The micro resends HELLO on its own timer until a reply arrives. Call
//!   [`reset`](LinkSession::reset) when the peer (re)starts, i.e. on the micro before sending
//!   HELLO and on the bridge when a HELLO arrives.
//!
//! Promise: while the link stays up (no [`Event::GaveUp`], no reset), every payload accepted
//! by `send` is delivered to the peer exactly once and in order, whatever bytes the line drops,
//! damages, inserts or repeats, as long as it lets a frame through now and then. The content
//! is as trustworthy as the length byte and CRC-16/XMODEM make it: a byte lost or added, or
//! two frames run together, is always a length mismatch; damage that keeps the length right
//! gets through the CRC about once in 65,536. A payload outstanding at GaveUp or reset may or
//! may not have been delivered; [`reset`](LinkSession::reset) returns its seq.

use crate::frame::{
    Frame, FrameError, FrameKind, FrameRef, MAX_BODY_LEN, MAX_WIRE_LEN, MIN_BODY_LEN,
};
use crate::slip::{SlipCursor, SlipDecoder, SlipError, END};

/// Timing and retry settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// How long to wait for an ACK after the last byte of a DATA frame was handed out.
    pub retransmit_timeout_ms: u64,
    /// Retransmissions (by timeout or NAK) before giving up.
    pub max_retries: u8,
}

impl SessionConfig {
    /// Settings for a UART at `baud` (8N1, 10 bits a byte): the timeout covers two longest
    /// frames (ours may still be in the port's buffer, and the peer may be sending one before
    /// its ACK) plus 200 ms for the peer to react. Add the depth of any buffering of yours.
    pub const fn for_baud(baud: u32) -> Self {
        let baud = if baud == 0 { 1 } else { baud as u64 };
        let bits = (2 * MAX_WIRE_LEN as u64 + 2 * MAX_WIRE_LEN_SMALL) * 10;
        SessionConfig {
            retransmit_timeout_ms: bits * 1000 / baud + 200,
            max_retries: 8,
        }
    }
}

/// Wire length of an ACK/NAK at worst (5-byte body, all escaped).
const MAX_WIRE_LEN_SMALL: u64 = crate::slip::max_encoded_len(MIN_BODY_LEN) as u64;

impl Default for SessionConfig {
    /// 1 s timeout and 8 retries: enough for 19200 baud and up with little buffering; use
    /// [`SessionConfig::for_baud`] for slower lines.
    fn default() -> Self {
        SessionConfig {
            retransmit_timeout_ms: 1000,
            max_retries: 8,
        }
    }
}

/// Why [`LinkSession::send`] or [`LinkSession::send_control`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendError {
    /// A DATA frame is still outstanding (or a control frame still queued): try after
    /// [`Event::Acked`] / once the bytes have been pulled.
    Busy,
    /// The payload is longer than [`LinkSession::max_payload`].
    PayloadTooLong,
    /// The session gave up on the peer; [`LinkSession::reset`] first.
    LinkDown,
    /// `send_control` takes only HELLO and HELLO_REPLY.
    NotControl(FrameKind),
}

impl core::fmt::Display for SendError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SendError::Busy => f.write_str("a frame is already outstanding"),
            SendError::PayloadTooLong => f.write_str("payload longer than the session allows"),
            SendError::LinkDown => f.write_str("link gave up; reset the session"),
            SendError::NotControl(k) => write!(f, "{k:?} is not a control frame kind"),
        }
    }
}

impl core::error::Error for SendError {}

/// Why received bytes were thrown away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RxError {
    Slip(SlipError),
    /// The body is not a frame; [`FrameError::LengthMismatch`] and [`FrameError::BadCrc`] are
    /// NAKed. Two frames run together (separating ENDs lost) are a length mismatch.
    Frame(FrameError),
}

impl core::fmt::Display for RxError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RxError::Slip(e) => e.fmt(f),
            RxError::Frame(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for RxError {}

/// What the session has to tell the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A new DATA payload, in order, exactly once. Borrowed from the receive buffer: copy it
    /// out before the next call.
    Deliver(&'a [u8]),
    /// The outstanding DATA frame `seq` was acknowledged; `send` may be called again.
    Acked { seq: u8 },
    /// DATA `seq` went unacknowledged through every retry. The link is down: sends are refused
    /// until [`LinkSession::reset`].
    GaveUp { seq: u8 },
    /// A damaged or unusable frame was thrown away: `dropped_bytes` wire bytes between ENDs.
    Resynced {
        dropped_bytes: usize,
        reason: RxError,
    },
    /// A HELLO or HELLO_REPLY frame arrived.
    Control(FrameRef<'a>),
}

/// Counters, for logs and metrics. They saturate rather than wrap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// DATA payloads accepted by `send`.
    pub data_sent: u32,
    /// DATA frames sent again (timeout or NAK).
    pub retransmits: u32,
    /// DATA frames acknowledged.
    pub acked: u32,
    /// DATA frames given up on.
    pub gave_up: u32,
    /// DATA payloads delivered.
    pub delivered: u32,
    /// Duplicate DATA frames re-ACKed and not delivered.
    pub duplicates: u32,
    /// DATA with a seq that was neither the next nor the last one; ignored.
    pub out_of_sequence: u32,
    /// ACKs and NAKs that matched no outstanding frame; ignored.
    pub stray_acks: u32,
    /// NAKs queued in answer to length mismatches and bad CRCs (one waits at a time, so a
    /// burst of damage sends fewer).
    pub naks_sent: u32,
    /// Frames thrown away ([`Event::Resynced`]).
    pub resyncs: u32,
    /// Wire bytes in those frames.
    pub dropped_bytes: u32,
}

fn bump(counter: &mut u32) {
    *counter = counter.saturating_add(1);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataState {
    /// No DATA outstanding.
    Idle,
    /// Waiting to be (re)sent.
    Queued,
    /// Its bytes are being handed out.
    Sending,
    /// Fully handed out; waiting for an ACK until `deadline`.
    AwaitAck { deadline: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Small,
    Control,
    Data,
}

/// Everything on the sending side.
#[derive(Debug, Clone)]
struct Tx<const C: usize> {
    data: [u8; C],
    data_len: usize,
    data_state: DataState,
    retries: u8,
    next_seq: u8,
    link_down: bool,
    ctrl: [u8; C],
    ctrl_len: usize,
    ctrl_queued: bool,
    ack_pending: Option<u8>,
    nak_pending: Option<u8>,
    small: [u8; MIN_BODY_LEN],
    emitting: Option<Source>,
    cursor: SlipCursor,
}

impl<const C: usize> Tx<C> {
    const fn new() -> Self {
        Tx {
            data: [0; C],
            data_len: 0,
            data_state: DataState::Idle,
            retries: 0,
            next_seq: 0,
            link_down: false,
            ctrl: [0; C],
            ctrl_len: 0,
            ctrl_queued: false,
            ack_pending: None,
            nak_pending: None,
            small: [0; MIN_BODY_LEN],
            emitting: None,
            cursor: SlipCursor::new(),
        }
    }

    fn outstanding_seq(&self) -> Option<u8> {
        match self.data_state {
            DataState::Idle => None,
            _ => Some(self.data[1]),
        }
    }

    fn data_busy(&self) -> bool {
        self.data_state != DataState::Idle || self.emitting == Some(Source::Data)
    }

    fn ctrl_busy(&self) -> bool {
        self.ctrl_queued || self.emitting == Some(Source::Control)
    }

    fn on_ack(&mut self, seq: u8, stats: &mut Stats) -> Option<Event<'static>> {
        if self.outstanding_seq() == Some(seq) {
            // If the frame is still being handed out (an ACK for an earlier copy), the rest
            // goes out anyway; the peer will see a duplicate and ACK it again.
            self.data_state = DataState::Idle;
            bump(&mut stats.acked);
            Some(Event::Acked { seq })
        } else {
            bump(&mut stats.stray_acks);
            None
        }
    }

    fn on_nak(
        &mut self,
        seq: u8,
        config: &SessionConfig,
        stats: &mut Stats,
    ) -> Option<Event<'static>> {
        match self.data_state {
            DataState::AwaitAck { .. } if self.data[1] == seq => self.retry(config, stats),
            // Already on its way again, or not ours.
            DataState::Queued | DataState::Sending if self.data[1] == seq => None,
            _ => {
                bump(&mut stats.stray_acks);
                None
            }
        }
    }

    fn retry(&mut self, config: &SessionConfig, stats: &mut Stats) -> Option<Event<'static>> {
        if self.retries >= config.max_retries {
            self.data_state = DataState::Idle;
            self.link_down = true;
            bump(&mut stats.gave_up);
            Some(Event::GaveUp { seq: self.data[1] })
        } else {
            self.retries += 1;
            self.data_state = DataState::Queued;
            bump(&mut stats.retransmits);
            None
        }
    }

    fn load_small(&mut self, frame: FrameRef<'_>) {
        // ACK/NAK bodies are exactly MIN_BODY_LEN bytes (empty payload).
        let _ = frame.write_body(&mut self.small);
        self.emitting = Some(Source::Small);
        self.cursor = SlipCursor::new();
    }

    fn next_byte(&mut self, now: u64, config: &SessionConfig) -> Option<u8> {
        loop {
            if let Some(source) = self.emitting {
                let body: &[u8] = match source {
                    Source::Small => &self.small,
                    Source::Control => &self.ctrl[..self.ctrl_len],
                    Source::Data => &self.data[..self.data_len],
                };
                let byte = self.cursor.next_byte(body);
                if self.cursor.is_done() {
                    self.emitting = None;
                    if source == Source::Data && self.data_state == DataState::Sending {
                        self.data_state = DataState::AwaitAck {
                            deadline: now.saturating_add(config.retransmit_timeout_ms),
                        };
                    }
                }
                if byte.is_some() {
                    return byte;
                }
                continue;
            }
            // Pick the next frame: ACKs first (they unblock the peer), then NAKs, the
            // handshake, and our DATA.
            if let Some(seq) = self.ack_pending.take() {
                self.load_small(FrameRef::ack(seq));
            } else if let Some(seq) = self.nak_pending.take() {
                self.load_small(FrameRef::nak(seq));
            } else if self.ctrl_queued {
                self.ctrl_queued = false;
                self.emitting = Some(Source::Control);
                self.cursor = SlipCursor::new();
            } else if self.data_state == DataState::Queued {
                self.data_state = DataState::Sending;
                self.emitting = Some(Source::Data);
                self.cursor = SlipCursor::new();
            } else {
                return None;
            }
        }
    }

    fn has_pending(&self) -> bool {
        self.emitting.is_some()
            || self.ack_pending.is_some()
            || self.nak_pending.is_some()
            || self.ctrl_queued
            || self.data_state == DataState::Queued
    }
}

/// One end of the link: a stop-and-wait sender and receiver sharing one serial line.
///
/// `BODY_CAP` is the largest frame body handled, 5..=255 bytes; the largest payload is
/// `BODY_CAP - 5`. The default takes the protocol maximum (250-byte payloads); a firmware with
/// little RAM can agree on a smaller maximum in HELLO and use, say, `LinkSession<69>` (64-byte
/// payloads). Memory:
/// three `BODY_CAP` buffers (receive, DATA, control) and a few dozen bytes of state.
#[derive(Debug, Clone)]
pub struct LinkSession<const BODY_CAP: usize = MAX_BODY_LEN> {
    config: SessionConfig,
    max_payload: usize,
    rx: SlipDecoder<BODY_CAP>,
    /// Wire bytes since the last END.
    rx_raw: usize,
    /// Seq of the last delivered DATA; `None` until the first one after new/reset.
    rx_last: Option<u8>,
    last_heard: Option<u64>,
    tx: Tx<BODY_CAP>,
    stats: Stats,
}

impl<const BODY_CAP: usize> LinkSession<BODY_CAP> {
    /// A session that has sent and received nothing; the first DATA sent has seq 0.
    pub fn new(config: SessionConfig) -> Self {
        const {
            assert!(
                BODY_CAP >= MIN_BODY_LEN && BODY_CAP <= MAX_BODY_LEN,
                "BODY_CAP must be in 5..=255"
            )
        };
        LinkSession {
            config,
            max_payload: BODY_CAP - MIN_BODY_LEN,
            rx: SlipDecoder::new(),
            rx_raw: 0,
            rx_last: None,
            last_heard: None,
            tx: Tx::new(),
            stats: Stats::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Changes the settings; takes effect at the next timer start.
    pub fn set_config(&mut self, config: SessionConfig) {
        self.config = config;
    }

    /// Largest payload `send` accepts.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Lowers the largest payload `send` accepts, e.g. to the maximum agreed in HELLO
    /// (clamped to what `BODY_CAP` allows).
    pub fn set_max_payload(&mut self, max: usize) {
        self.max_payload = max.min(BODY_CAP - MIN_BODY_LEN);
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Whether `send` would say [`SendError::Busy`].
    pub fn is_busy(&self) -> bool {
        self.tx.data_busy()
    }

    /// Whether the session gave up and wants a [`reset`](Self::reset).
    pub fn is_link_down(&self) -> bool {
        self.tx.link_down
    }

    /// Seq of the DATA frame waiting for its ACK, if any.
    pub fn outstanding_seq(&self) -> Option<u8> {
        self.tx.outstanding_seq()
    }

    /// Time (as passed in) at which the last good frame arrived.
    pub fn last_heard(&self) -> Option<u64> {
        self.last_heard
    }

    /// When [`poll`](Self::poll) next has something to do, if anything is timed.
    pub fn next_deadline(&self) -> Option<u64> {
        match self.tx.data_state {
            DataState::AwaitAck { deadline } => Some(deadline),
            _ => None,
        }
    }

    /// Whether [`next_tx_byte`](Self::next_tx_byte) has something to hand out.
    pub fn has_tx(&self) -> bool {
        self.tx.has_pending()
    }

    /// Queues `payload` as the next DATA frame.
    pub fn send(&mut self, payload: &[u8]) -> Result<(), SendError> {
        if self.tx.link_down {
            return Err(SendError::LinkDown);
        }
        if payload.len() > self.max_payload {
            return Err(SendError::PayloadTooLong);
        }
        if self.tx.data_busy() {
            return Err(SendError::Busy);
        }
        let seq = self.tx.next_seq;
        let frame =
            FrameRef::new(FrameKind::Data, seq, payload).map_err(|_| SendError::PayloadTooLong)?;
        self.tx.data_len = frame
            .write_body(&mut self.tx.data)
            .map_err(|_| SendError::PayloadTooLong)?;
        self.tx.next_seq = seq.wrapping_add(1);
        self.tx.retries = 0;
        self.tx.data_state = DataState::Queued;
        bump(&mut self.stats.data_sent);
        Ok(())
    }

    /// Queues a HELLO or HELLO_REPLY frame (sent once, not retransmitted).
    pub fn send_control(
        &mut self,
        kind: FrameKind,
        seq: u8,
        payload: &[u8],
    ) -> Result<(), SendError> {
        if !matches!(kind, FrameKind::Hello | FrameKind::HelloReply) {
            return Err(SendError::NotControl(kind));
        }
        if payload.len() > BODY_CAP - MIN_BODY_LEN {
            return Err(SendError::PayloadTooLong);
        }
        if self.tx.ctrl_busy() {
            return Err(SendError::Busy);
        }
        let frame = FrameRef::new(kind, seq, payload).map_err(|_| SendError::PayloadTooLong)?;
        self.tx.ctrl_len = frame
            .write_body(&mut self.tx.ctrl)
            .map_err(|_| SendError::PayloadTooLong)?;
        self.tx.ctrl_queued = true;
        Ok(())
    }

    /// The next byte to put on the line, if any. `now` starts the retransmit timer when the
    /// last byte of a DATA frame goes out.
    pub fn next_tx_byte(&mut self, now: u64) -> Option<u8> {
        self.tx.next_byte(now, &self.config)
    }

    /// Fills `out` with bytes to put on the line; returns how many. Hand out only what the
    /// port can take soon: the retransmit timer starts when a frame has been handed out.
    pub fn transmit(&mut self, out: &mut [u8], now: u64) -> usize {
        let mut n = 0;
        while n < out.len() {
            match self.tx.next_byte(now, &self.config) {
                Some(b) => {
                    out[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        n
    }

    /// Runs the retransmit timer. Returns [`Event::GaveUp`] when retries are exhausted.
    pub fn poll(&mut self, now: u64) -> Option<Event<'static>> {
        match self.tx.data_state {
            DataState::AwaitAck { deadline } if now >= deadline => {
                self.tx.retry(&self.config, &mut self.stats)
            }
            _ => None,
        }
    }

    /// Feeds one received byte.
    pub fn receive_byte(&mut self, byte: u8, now: u64) -> Option<Event<'_>> {
        let raw = if byte == END {
            core::mem::replace(&mut self.rx_raw, 0)
        } else {
            self.rx_raw = self.rx_raw.saturating_add(1);
            0
        };
        // From here on only fields other than `rx` are touched while `body` is alive.
        let body = match self.rx.push(byte)? {
            Ok(body) => body,
            Err(e) => return Some(resynced(&mut self.stats, raw, RxError::Slip(e))),
        };
        let frame = match Frame::decode(body) {
            Ok(frame) => frame,
            Err(e) => {
                if let FrameError::LengthMismatch { .. } | FrameError::BadCrc { .. } = e {
                    self.tx.nak_pending = Some(self.rx_last.map_or(0, |s| s.wrapping_add(1)));
                    bump(&mut self.stats.naks_sent);
                }
                return Some(resynced(&mut self.stats, raw, RxError::Frame(e)));
            }
        };
        self.last_heard = Some(now);
        match frame.kind {
            FrameKind::Data => {
                let seq = frame.seq;
                if self.rx_last == Some(seq) {
                    self.tx.ack_pending = Some(seq);
                    bump(&mut self.stats.duplicates);
                    None
                } else if self.rx_last.is_none_or(|last| last.wrapping_add(1) == seq) {
                    self.rx_last = Some(seq);
                    self.tx.ack_pending = Some(seq);
                    bump(&mut self.stats.delivered);
                    Some(Event::Deliver(frame.payload))
                } else {
                    bump(&mut self.stats.out_of_sequence);
                    None
                }
            }
            FrameKind::Ack => self.tx.on_ack(frame.seq, &mut self.stats),
            FrameKind::Nak => self.tx.on_nak(frame.seq, &self.config, &mut self.stats),
            FrameKind::Hello | FrameKind::HelloReply => Some(Event::Control(frame)),
        }
    }

    /// Feeds a run of received bytes, handing each event to `on_event`.
    pub fn receive_bytes(&mut self, bytes: &[u8], now: u64, mut on_event: impl FnMut(Event<'_>)) {
        for &b in bytes {
            if let Some(event) = self.receive_byte(b, now) {
                on_event(event);
            }
        }
    }

    /// Starts over after the peer (re)started or after GaveUp: forgets the receive state (the
    /// next DATA is accepted whatever its seq), drops anything outstanding or queued (a frame
    /// being handed out is cut short; the peer discards it) and clears LinkDown. Sequence
    /// numbers keep counting, so a seq is not reused right after a reset.
    ///
    /// Returns the seq of a DATA frame that was still unacknowledged and is now abandoned (it
    /// may or may not have reached the peer).
    pub fn reset(&mut self) -> Option<u8> {
        let abandoned = self.tx.outstanding_seq();
        self.rx.reset();
        self.rx_raw = 0;
        self.rx_last = None;
        let next_seq = self.tx.next_seq;
        self.tx = Tx::new();
        self.tx.next_seq = next_seq;
        abandoned
    }
}

impl<const BODY_CAP: usize> Default for LinkSession<BODY_CAP> {
    fn default() -> Self {
        Self::new(SessionConfig::default())
    }
}

fn resynced(stats: &mut Stats, dropped_bytes: usize, reason: RxError) -> Event<'static> {
    bump(&mut stats.resyncs);
    stats.dropped_bytes = stats
        .dropped_bytes
        .saturating_add(u32::try_from(dropped_bytes).unwrap_or(u32::MAX));
    Event::Resynced {
        dropped_bytes,
        reason,
    }
}

#[cfg(test)]
mod tests;
