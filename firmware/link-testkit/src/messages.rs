//! What the frame-mode bridge answers, message by message, as the real bridge does.

use retromesh_link_frame::message::MESSAGE_HEADER_LEN;
use retromesh_link_frame::{Body, FrameKind, Hello, Message, Method, Version, FLAG_MORE};

use crate::FrameBridge;

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

/// A POST (with its target) or REPLY whose body is still coming in CONTs.
pub(crate) struct Assembly {
    post: Option<Vec<u8>>,
    reply: Reply,
}

impl FrameBridge {
    /// Queues a message whose trailing body may need CONT frames, as the bridge sends it.
    fn queue_chunked<'a>(&mut self, id: u8, first: impl Fn(&'a [u8]) -> Body<'a>, body: &'a [u8]) {
        let max = self.session.max_payload();
        let room = max - Message::new(id, first(&[])).head_len();
        let (head, rest) = body.split_at(body.len().min(room));
        let more = |more: bool| if more { FLAG_MORE } else { 0 };
        let flags = more(!rest.is_empty());
        self.queue(Message {
            id,
            flags,
            body: first(head),
        });
        let mut conts = rest.chunks(max - MESSAGE_HEADER_LEN).peekable();
        while let Some(chunk) = conts.next() {
            let flags = more(conts.peek().is_some());
            self.queue(Message {
                id,
                flags,
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

    fn result(&mut self, id: u8, status: u16, body: &[u8]) {
        self.queue_chunked(id, |b| Body::Result { status, body: b }, body);
    }

    fn request_id(&mut self) -> u8 {
        let rid = self.next_request_id;
        self.next_request_id += 1;
        rid
    }

    pub(crate) fn on_hello(&mut self, seq: u8, payload: &[u8]) {
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

    pub(crate) fn on_payload(&mut self, payload: &[u8]) {
        let msg = Message::decode(payload).expect("the micro's message decodes");
        self.received.push(Received {
            op: payload[0],
            id: msg.id,
            flags: msg.flags,
            payload: payload.to_vec(),
        });
        let (id, more) = (msg.id, msg.more());
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
                let reply = Reply {
                    id,
                    status: 0,
                    body: body.to_vec(),
                };
                self.assemble(
                    Assembly {
                        post: Some(target.to_vec()),
                        reply,
                    },
                    more,
                );
            }
            Body::Reply { status, body } => {
                let reply = Reply {
                    id,
                    status,
                    body: body.to_vec(),
                };
                self.assemble(Assembly { post: None, reply }, more);
            }
            Body::Cont { body } => {
                let mut a = self
                    .assembly
                    .take()
                    .expect("CONT follows a POST or REPLY with MORE");
                assert_eq!(a.reply.id, id, "CONT carries its message's id");
                a.reply.body.extend_from_slice(body);
                self.assemble(a, more);
            }
            Body::Listen { .. } => self.listen(id),
            Body::Unlisten => self.result(id, 200, b"OK"),
            Body::Time => self.queue(Message::new(
                id,
                Body::TimeIs {
                    unix: 1_795_000_000,
                    text: b"2026-11-18 07:46:40",
                },
            )),
            Body::Log { level, text } => self.logs.push((level, text.to_vec())),
            other => panic!("the micro sent a bridge-only message: {other:?}"),
        }
    }

    /// LISTENING, then SCREEN if asked for, then the queued requests.
    fn listen(&mut self, id: u8) {
        self.result(id, 200, b"LISTENING");
        if self.ask_screen {
            let rid = self.request_id();
            self.queue(Message::new(rid, Body::Screen));
        }
        while let Some(req) = self.requests.pop_front() {
            let rid = self.request_id();
            let method = req.method;
            self.queue_chunked(
                rid,
                |b| Body::Request {
                    method,
                    caller: &req.caller,
                    path: &req.path,
                    body: b,
                },
                &req.body,
            );
        }
    }

    /// Keeps a POST or REPLY until its last CONT; then answers a POST 201 with its body and
    /// records it, or records the REPLY.
    fn assemble(&mut self, a: Assembly, more: bool) {
        if more {
            self.assembly = Some(a);
        } else if let Some(target) = a.post {
            self.result(a.reply.id, 201, &a.reply.body);
            self.posts.push((target, a.reply.body));
        } else {
            self.replies.push(a.reply);
        }
    }
}
