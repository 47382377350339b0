//! The micro's side of frame mode, in Rust: what the Z80 client library does, for host-side
//! tools, tests and benchmarks that stand in for a micro.

use std::collections::VecDeque;
use std::time::Duration;

use retromesh_link_frame::{
    Event, FrameKind, Hello, HelloReply, LinkSession, MachineId, Message, SessionConfig, Version,
    FLAG_MORE, MAX_BODY_LEN, MAX_PAYLOAD_LEN,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::alarm::Alarm;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the line failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the line closed")]
    Closed,
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the bridge stopped acknowledging frames")]
    GaveUp,
    #[error("bad message from the bridge: {0}")]
    Bad(String),
}

/// An answer with its body put back together from CONT frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub op: retromesh_link_frame::Op,
    pub id: u8,
    pub flags: u8,
    /// Status for RESULT, 0 otherwise.
    pub status: u16,
    /// Whole body (RESULT body, ECHOED data, TIME_IS text, REQUEST body).
    pub body: Vec<u8>,
    /// REQUEST only.
    pub path: Vec<u8>,
    pub caller: Vec<u8>,
}

pub struct FrameClient<T> {
    io: T,
    session: LinkSession<MAX_BODY_LEN>,
    epoch: Instant,
    delivered: VecDeque<Vec<u8>>,
    hello_reply: Option<HelloReply>,
    next_id: u8,
    alarm: Alarm,
}

impl<T: AsyncRead + AsyncWrite + Unpin> FrameClient<T> {
    pub fn new(io: T, config: SessionConfig) -> Self {
        FrameClient {
            io,
            session: LinkSession::new(config),
            epoch: Instant::now(),
            delivered: VecDeque::new(),
            alarm: Alarm::new(),
            hello_reply: None,
            next_id: 1,
        }
    }

    pub fn session(&self) -> &LinkSession<MAX_BODY_LEN> {
        &self.session
    }

    /// The line itself, to put raw bytes on it (tests use this for garbage).
    pub fn line_mut(&mut self) -> &mut T {
        &mut self.io
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Sends HELLO until the bridge replies.
    pub async fn hello(
        &mut self,
        machine: MachineId,
        wait: Duration,
    ) -> Result<HelloReply, ClientError> {
        let hello = Hello {
            machine,
            version: Version::new(1, 0),
            max_payload: MAX_PAYLOAD_LEN as u8,
        };
        let bytes = hello
            .to_bytes()
            .map_err(|e| ClientError::Bad(e.to_string()))?;
        self.handshake(&bytes, wait).await
    }

    /// Sends a version 1.1 HELLO announcing `capabilities` (`hello::CAP_*`) until the bridge
    /// replies.
    pub async fn hello_with(
        &mut self,
        machine: MachineId,
        capabilities: u8,
        wait: Duration,
    ) -> Result<HelloReply, ClientError> {
        let hello = Hello {
            machine,
            version: Version::new(1, 1),
            max_payload: MAX_PAYLOAD_LEN as u8,
        };
        let bytes = hello
            .to_bytes_with(capabilities)
            .map_err(|e| ClientError::Bad(e.to_string()))?;
        self.handshake(&bytes, wait).await
    }

    async fn handshake(&mut self, bytes: &[u8], wait: Duration) -> Result<HelloReply, ClientError> {
        let until = Instant::now() + wait;
        self.hello_reply = None;
        self.session.reset();
        while Instant::now() < until {
            let _ = self.session.send_control(FrameKind::Hello, 0, bytes);
            let step = (Instant::now() + Duration::from_millis(500)).min(until);
            if self.pump_until(step, |c| c.hello_reply.is_some()).await? {
                let reply = self.hello_reply.take().expect("checked");
                self.session.set_max_payload(reply.max_payload as usize);
                return Ok(reply);
            }
        }
        Err(ClientError::Timeout(wait))
    }

    /// Sends one DATA payload and waits for its ACK.
    pub async fn send(&mut self, payload: &[u8], wait: Duration) -> Result<(), ClientError> {
        let until = Instant::now() + wait;
        // Not busy: queued at once, so an ACK still waiting leaves in the same write.
        if self.session.is_busy() && !self.pump_until(until, |c| !c.session.is_busy()).await? {
            return Err(ClientError::Timeout(wait));
        }
        self.session
            .send(payload)
            .map_err(|e| ClientError::Bad(e.to_string()))?;
        if self.pump_until(until, |c| !c.session.is_busy()).await? {
            Ok(())
        } else {
            Err(ClientError::Timeout(wait))
        }
    }

    /// The next DATA payload from the bridge.
    pub async fn recv(&mut self, wait: Duration) -> Result<Vec<u8>, ClientError> {
        self.recv_holding(wait, false).await
    }

    /// [`recv`](Self::recv); with `hold`, the payload's ACK stays queued for the next call
    /// to take out, which must come at once.
    async fn recv_holding(&mut self, wait: Duration, hold: bool) -> Result<Vec<u8>, ClientError> {
        let until = Instant::now() + wait;
        if self.pump(until, |c| !c.delivered.is_empty(), hold).await? {
            Ok(self.delivered.pop_front().expect("checked"))
        } else {
            Err(ClientError::Timeout(wait))
        }
    }

    /// The next whole message from the bridge, CONT frames joined.
    pub async fn recv_message(&mut self, wait: Duration) -> Result<Answer, ClientError> {
        self.recv_message_holding(wait, false).await
    }

    /// Takes the bridge's next message and answers it at once with the REPLY `answer` makes
    /// of it, if any. The ACK of the message's last frame leaves in the same write as the
    /// REPLY, so the bridge wakes once for both, as it would for a micro that answers from
    /// memory on a line that buffers. Returns the message.
    pub async fn answer_next(
        &mut self,
        wait: Duration,
        answer: impl FnOnce(&Answer) -> Option<(u16, Vec<u8>)>,
    ) -> Result<Answer, ClientError> {
        let m = self.recv_message_holding(wait, true).await?;
        match answer(&m) {
            Some((status, body)) => self.reply(m.id, status, &body, wait).await?,
            None => {
                self.pump(Instant::now() + wait, |_| true, false).await?;
            }
        }
        Ok(m)
    }

    async fn recv_message_holding(
        &mut self,
        wait: Duration,
        hold: bool,
    ) -> Result<Answer, ClientError> {
        let first = self.recv_holding(wait, hold).await?;
        let m = Message::decode(&first).map_err(|e| ClientError::Bad(e.to_string()))?;
        let mut answer = owned(&m);
        let mut more = m.more();
        while more {
            let next = self.recv_holding(wait, hold).await?;
            let c = Message::decode(&next).map_err(|e| ClientError::Bad(e.to_string()))?;
            match c.body {
                retromesh_link_frame::Body::Cont { body } if c.id == answer.id => {
                    answer.body.extend_from_slice(body)
                }
                other => {
                    return Err(ClientError::Bad(format!(
                        "expected CONT, got {:?}",
                        other.op()
                    )))
                }
            }
            more = c.more();
        }
        Ok(answer)
    }

    /// Sends a request message (its id is filled in) and waits for the answer with that id.
    pub async fn call(
        &mut self,
        body: retromesh_link_frame::Body<'_>,
        wait: Duration,
    ) -> Result<Answer, ClientError> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let mut buf = [0u8; MAX_PAYLOAD_LEN];
        let max = self.session.max_payload();
        let n = Message::new(id, body)
            .encode(&mut buf[..max])
            .map_err(|e| ClientError::Bad(e.to_string()))?;
        self.send(&buf[..n], wait).await?;
        loop {
            let a = self.recv_message(wait).await?;
            if a.id == id {
                return Ok(a);
            }
        }
    }

    /// Sends a message, splitting a long trailing body into CONT frames.
    pub async fn send_chunked<'b>(
        &mut self,
        id: u8,
        first: impl Fn(&'b [u8]) -> retromesh_link_frame::Body<'b>,
        body: &'b [u8],
        wait: Duration,
    ) -> Result<(), ClientError> {
        let max = self.session.max_payload();
        let room = max - Message::new(id, first(&[])).head_len();
        let (now, mut rest) = body.split_at(body.len().min(room));
        let mut buf = [0u8; MAX_PAYLOAD_LEN];
        let flags = if rest.is_empty() { 0 } else { FLAG_MORE };
        let n = Message {
            id,
            flags,
            body: first(now),
        }
        .encode(&mut buf[..max])
        .map_err(|e| ClientError::Bad(e.to_string()))?;
        self.send(&buf[..n], wait).await?;
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(rest.len().min(max - 3));
            rest = tail;
            let flags = if rest.is_empty() { 0 } else { FLAG_MORE };
            let n = Message {
                id,
                flags,
                body: retromesh_link_frame::Body::Cont { body: chunk },
            }
            .encode(&mut buf[..max])
            .map_err(|e| ClientError::Bad(e.to_string()))?;
            self.send(&buf[..n], wait).await?;
        }
        Ok(())
    }

    /// Answers the bridge's message `id` (a REQUEST or SCREEN) with a REPLY, in CONT
    /// messages when long.
    pub async fn reply(
        &mut self,
        id: u8,
        status: u16,
        body: &[u8],
        wait: Duration,
    ) -> Result<(), ClientError> {
        self.send_chunked(
            id,
            |b| retromesh_link_frame::Body::Reply { status, body: b },
            body,
            wait,
        )
        .await
    }

    /// Waits for the bridge's SCREEN and answers it with `screen` (a Spectrum's 6912 bytes), as
    /// a client library with `CAP_SCREEN` does. Other messages before it are an error.
    pub async fn answer_screen(
        &mut self,
        screen: &[u8],
        wait: Duration,
    ) -> Result<(), ClientError> {
        let ask = self.recv_message(wait).await?;
        if ask.op != retromesh_link_frame::Op::Screen {
            return Err(ClientError::Bad(format!(
                "expected SCREEN, got {:?}",
                ask.op
            )));
        }
        self.reply(ask.id, 200, screen, wait).await
    }

    /// Moves bytes both ways until `done` holds (true) or `until` passes (false).
    async fn pump_until(
        &mut self,
        until: Instant,
        done: impl Fn(&Self) -> bool,
    ) -> Result<bool, ClientError> {
        self.pump(until, done, false).await
    }

    /// [`pump_until`](Self::pump_until); with `hold`, what `done` found is returned before
    /// anything it caused (an ACK) is written.
    async fn pump(
        &mut self,
        until: Instant,
        done: impl Fn(&Self) -> bool,
        hold: bool,
    ) -> Result<bool, ClientError> {
        let mut buf = [0u8; 1024];
        loop {
            if hold && done(self) {
                return Ok(true);
            }
            let now = self.now();
            let mut out = [0u8; 1024];
            loop {
                let n = self.session.transmit(&mut out, now);
                if n == 0 {
                    break;
                }
                self.io.write_all(&out[..n]).await?;
            }
            self.io.flush().await?;
            if done(self) {
                return Ok(true);
            }
            let timer = self
                .session
                .next_deadline()
                .map(|ms| (self.epoch + Duration::from_millis(ms)).min(until))
                .unwrap_or(until);
            tokio::select! {
                r = self.io.read(&mut buf) => {
                    let n = r?;
                    if n == 0 {
                        return Err(ClientError::Closed);
                    }
                    let now = self.now();
                    for &b in &buf[..n] {
                        match self.session.receive_byte(b, now) {
                            Some(Event::Deliver(p)) => self.delivered.push_back(p.to_vec()),
                            Some(Event::Control(f)) if f.kind == FrameKind::HelloReply => {
                                self.hello_reply = HelloReply::decode(f.payload).ok();
                            }
                            _ => {}
                        }
                    }
                }
                // By the clock: the alarm may fire early.
                _ = self.alarm.until(Some(timer)) => {
                    if let Some(Event::GaveUp { .. }) = self.session.poll(self.now()) {
                        return Err(ClientError::GaveUp);
                    }
                    if Instant::now() >= until {
                        return Ok(done(self));
                    }
                }
            }
        }
    }
}

fn owned(m: &Message<'_>) -> Answer {
    use retromesh_link_frame::Body as B;
    let (status, body, path, caller): (u16, &[u8], &[u8], &[u8]) = match m.body {
        B::Result { status, body } | B::Reply { status, body } => (status, body, &[], &[]),
        B::Echoed { data } | B::Echo { data } => (0, data, &[], &[]),
        B::TimeIs { text, .. } => (0, text, &[], &[]),
        B::Request {
            caller, path, body, ..
        } => (0, body, path, caller),
        B::Cont { body } => (0, body, &[], &[]),
        _ => (0, &[], &[], &[]),
    };
    Answer {
        op: m.body.op(),
        id: m.id,
        flags: m.flags,
        status,
        body: body.to_vec(),
        path: path.to_vec(),
        caller: caller.to_vec(),
    }
}
