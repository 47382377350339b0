//! Frame-mode messages: what a DATA frame's payload means.
//!
//! ```text
//! +----+----+-------+---------------------------+
//! | op | id | flags | op-specific fields, body  |
//! +----+----+-------+---------------------------+
//! ```
//!
//! `id` pairs a request with its answer: the micro numbers its GET, POST, LISTEN, TIME and
//! ECHO; the bridge numbers the REQUESTs it passes in, and the micro's REPLY carries that id.
//! `flags` bit 0 (MORE) says a CONT message with the same id carries more body; bit 1
//! (TRUNCATED) says the bridge cut a body to the micro's limit. Integers are big-endian.
//!
//! | op | name | direction | fields after `op id flags` |
//! |---|---|---|---|
//! | 0x01 | GET | micro → bridge | `tlen`, target (`service/path`) |
//! | 0x02 | POST | micro → bridge | `tlen`, target, body |
//! | 0x03 | LISTEN | micro → bridge | label (may be empty) |
//! | 0x04 | REPLY | micro → bridge | status (u16), body |
//! | 0x05 | TIME | micro → bridge | — |
//! | 0x06 | ECHO | micro → bridge | data |
//! | 0x07 | LOG | micro → bridge | level (0 error … 4 trace), text; never answered |
//! | 0x08 | UNLISTEN | micro → bridge | — |
//! | 0x0F | CONT | both | more body for the message with this id |
//! | 0x81 | RESULT | bridge → micro | status (u16), body: the answer to GET, POST, LISTEN, UNLISTEN |
//! | 0x82 | REQUEST | bridge → micro | method (`G`/`P`), `clen`, caller, `plen`, path, body |
//! | 0x85 | TIME_IS | bridge → micro | unix seconds (u32), `YYYY-MM-DD HH:MM:SS` UTC |
//! | 0x86 | ECHOED | bridge → micro | data |
//! | 0x89 | SCREEN | bridge → micro | — : the micro answers with a REPLY (status 200, its screen memory, in CONT messages) |
//!
//! SCREEN is sent only to a micro whose HELLO announced [`crate::hello::CAP_SCREEN`]; a
//! Spectrum's answer is its 6912 bytes of display file and attributes. The op has the high
//! bit set like every bridge → micro op, and the answer is a REPLY because RESULT only flows
//! bridge → micro.

/// `op id flags`.
pub const MESSAGE_HEADER_LEN: usize = 3;

/// Flag: a CONT message with the same id follows with more body.
pub const FLAG_MORE: u8 = 0x01;
/// Flag: the bridge cut this body to the micro's limit.
pub const FLAG_TRUNCATED: u8 = 0x02;

/// Message codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Op {
    Get = 0x01,
    Post = 0x02,
    Listen = 0x03,
    Reply = 0x04,
    Time = 0x05,
    Echo = 0x06,
    Log = 0x07,
    Unlisten = 0x08,
    Cont = 0x0F,
    Result = 0x81,
    Request = 0x82,
    TimeIs = 0x85,
    Echoed = 0x86,
    Screen = 0x89,
}

impl Op {
    pub const fn from_u8(value: u8) -> Option<Op> {
        Some(match value {
            0x01 => Op::Get,
            0x02 => Op::Post,
            0x03 => Op::Listen,
            0x04 => Op::Reply,
            0x05 => Op::Time,
            0x06 => Op::Echo,
            0x07 => Op::Log,
            0x08 => Op::Unlisten,
            0x0F => Op::Cont,
            0x81 => Op::Result,
            0x82 => Op::Request,
            0x85 => Op::TimeIs,
            0x86 => Op::Echoed,
            0x89 => Op::Screen,
            _ => return None,
        })
    }

    /// Whether the micro sends this op (as opposed to the bridge). CONT goes both ways.
    pub const fn from_micro(self) -> bool {
        (self as u8) < 0x80
    }
}

/// An HTTP-style method for a REQUEST passed in to the micro.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub const fn to_u8(self) -> u8 {
        match self {
            Method::Get => b'G',
            Method::Post => b'P',
        }
    }
}

/// One decoded message, borrowing from the frame payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    Get {
        target: &'a [u8],
    },
    Post {
        target: &'a [u8],
        body: &'a [u8],
    },
    Listen {
        label: &'a [u8],
    },
    Reply {
        status: u16,
        body: &'a [u8],
    },
    Time,
    Echo {
        data: &'a [u8],
    },
    Log {
        level: u8,
        text: &'a [u8],
    },
    Unlisten,
    Cont {
        body: &'a [u8],
    },
    Result {
        status: u16,
        body: &'a [u8],
    },
    Request {
        method: Method,
        caller: &'a [u8],
        path: &'a [u8],
        body: &'a [u8],
    },
    TimeIs {
        unix: u32,
        text: &'a [u8],
    },
    Echoed {
        data: &'a [u8],
    },
    Screen,
}

impl Body<'_> {
    pub const fn op(&self) -> Op {
        match self {
            Body::Get { .. } => Op::Get,
            Body::Post { .. } => Op::Post,
            Body::Listen { .. } => Op::Listen,
            Body::Reply { .. } => Op::Reply,
            Body::Time => Op::Time,
            Body::Echo { .. } => Op::Echo,
            Body::Log { .. } => Op::Log,
            Body::Unlisten => Op::Unlisten,
            Body::Cont { .. } => Op::Cont,
            Body::Result { .. } => Op::Result,
            Body::Request { .. } => Op::Request,
            Body::TimeIs { .. } => Op::TimeIs,
            Body::Echoed { .. } => Op::Echoed,
            Body::Screen => Op::Screen,
        }
    }
}

/// A message: header plus body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub id: u8,
    pub flags: u8,
    pub body: Body<'a>,
}

/// Why a payload is not a message, or a message does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageError {
    /// Fewer bytes than the op needs.
    Short {
        op: u8,
        needed: usize,
        got: usize,
    },
    UnknownOp(u8),
    /// A length-prefixed field is longer than 255 bytes.
    FieldTooLong {
        field: &'static str,
        len: usize,
    },
    /// The encoded message is larger than the buffer (the agreed max payload).
    TooBig {
        len: usize,
        max: usize,
    },
    /// REQUEST with a method other than `G` or `P`.
    BadMethod(u8),
}

impl core::fmt::Display for MessageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            MessageError::Short { op, needed, got } => write!(
                f,
                "message {op:#04x} is {got} bytes, needs at least {needed}: the sender's client library is out of step with this bridge"
            ),
            MessageError::UnknownOp(op) => write!(
                f,
                "unknown message op {op:#04x}: update the client library or the bridge so both speak the same version"
            ),
            MessageError::FieldTooLong { field, len } => {
                write!(f, "{field} is {len} bytes; at most 255 fit its length byte")
            }
            MessageError::TooBig { len, max } => write!(
                f,
                "message is {len} bytes but a frame carries at most {max}: send the rest in CONT messages"
            ),
            MessageError::BadMethod(m) => {
                write!(f, "REQUEST method {m:#04x} is neither 'G' nor 'P'")
            }
        }
    }
}

impl<'a> Message<'a> {
    pub const fn new(id: u8, body: Body<'a>) -> Self {
        Message { id, flags: 0, body }
    }

    pub const fn more(&self) -> bool {
        self.flags & FLAG_MORE != 0
    }

    /// Decodes a DATA payload. Unknown flag bits are kept for later versions.
    pub fn decode(payload: &'a [u8]) -> Result<Self, MessageError> {
        let op_byte = *payload.first().ok_or(MessageError::Short {
            op: 0,
            needed: MESSAGE_HEADER_LEN,
            got: 0,
        })?;
        let op = Op::from_u8(op_byte).ok_or(MessageError::UnknownOp(op_byte))?;
        let mut r = Reader {
            op: op_byte,
            buf: payload,
            at: 0,
        };
        r.take(MESSAGE_HEADER_LEN)?;
        let (id, flags) = (payload[1], payload[2]);
        let body = match op {
            Op::Get => Body::Get {
                target: r.prefixed()?,
            },
            Op::Post => Body::Post {
                target: r.prefixed()?,
                body: r.rest(),
            },
            Op::Listen => Body::Listen { label: r.rest() },
            Op::Reply => Body::Reply {
                status: r.u16()?,
                body: r.rest(),
            },
            Op::Time => Body::Time,
            Op::Echo => Body::Echo { data: r.rest() },
            Op::Log => Body::Log {
                level: r.take(1)?[0],
                text: r.rest(),
            },
            Op::Unlisten => Body::Unlisten,
            Op::Cont => Body::Cont { body: r.rest() },
            Op::Result => Body::Result {
                status: r.u16()?,
                body: r.rest(),
            },
            Op::Request => {
                let method = match r.take(1)?[0] {
                    b'G' => Method::Get,
                    b'P' => Method::Post,
                    other => return Err(MessageError::BadMethod(other)),
                };
                Body::Request {
                    method,
                    caller: r.prefixed()?,
                    path: r.prefixed()?,
                    body: r.rest(),
                }
            }
            Op::TimeIs => Body::TimeIs {
                unix: r.u32()?,
                text: r.rest(),
            },
            Op::Echoed => Body::Echoed { data: r.rest() },
            Op::Screen => Body::Screen,
        };
        Ok(Message { id, flags, body })
    }

    /// Writes the message into `out` (sized to the agreed max payload) and returns its length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, MessageError> {
        let mut w = Writer { out, at: 0 };
        w.put(&[self.body.op() as u8, self.id, self.flags])?;
        match self.body {
            Body::Get { target } => w.prefixed("target", target)?,
            Body::Post { target, body } => {
                w.prefixed("target", target)?;
                w.put(body)?;
            }
            Body::Listen { label } => w.put(label)?,
            Body::Reply { status, body } | Body::Result { status, body } => {
                w.put(&status.to_be_bytes())?;
                w.put(body)?;
            }
            Body::Time | Body::Unlisten | Body::Screen => {}
            Body::Echo { data } | Body::Echoed { data } => w.put(data)?,
            Body::Log { level, text } => {
                w.put(&[level])?;
                w.put(text)?;
            }
            Body::Cont { body } => w.put(body)?,
            Body::Request {
                method,
                caller,
                path,
                body,
            } => {
                w.put(&[method.to_u8()])?;
                w.prefixed("caller", caller)?;
                w.prefixed("path", path)?;
                w.put(body)?;
            }
            Body::TimeIs { unix, text } => {
                w.put(&unix.to_be_bytes())?;
                w.put(text)?;
            }
        }
        Ok(w.at)
    }

    /// Bytes this message takes before its trailing body (header and fixed fields), so a
    /// sender knows how much body fits in the first frame.
    pub fn head_len(&self) -> usize {
        MESSAGE_HEADER_LEN
            + match self.body {
                Body::Get { target } => 1 + target.len(),
                Body::Post { target, .. } => 1 + target.len(),
                Body::Reply { .. } | Body::Result { .. } => 2,
                Body::Log { .. } => 1,
                Body::Request { caller, path, .. } => 3 + caller.len() + path.len(),
                Body::TimeIs { .. } => 4,
                _ => 0,
            }
    }
}

struct Reader<'a> {
    op: u8,
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], MessageError> {
        let end = self.at + n;
        if end > self.buf.len() {
            return Err(MessageError::Short {
                op: self.op,
                needed: end,
                got: self.buf.len(),
            });
        }
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn prefixed(&mut self) -> Result<&'a [u8], MessageError> {
        let n = self.take(1)?[0] as usize;
        self.take(n)
    }
    fn u16(&mut self) -> Result<u16, MessageError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, MessageError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.at..];
        self.at = self.buf.len();
        s
    }
}

struct Writer<'b> {
    out: &'b mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), MessageError> {
        let end = self.at + bytes.len();
        if end > self.out.len() {
            return Err(MessageError::TooBig {
                len: end,
                max: self.out.len(),
            });
        }
        self.out[self.at..end].copy_from_slice(bytes);
        self.at = end;
        Ok(())
    }
    fn prefixed(&mut self, field: &'static str, bytes: &[u8]) -> Result<(), MessageError> {
        let len = u8::try_from(bytes.len()).map_err(|_| MessageError::FieldTooLong {
            field,
            len: bytes.len(),
        })?;
        self.put(&[len])?;
        self.put(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MAX_PAYLOAD_LEN;

    fn round_trip(m: Message<'_>) {
        let mut buf = [0u8; MAX_PAYLOAD_LEN];
        let n = m.encode(&mut buf).unwrap();
        assert_eq!(Message::decode(&buf[..n]).unwrap(), m);
        assert!(m.head_len() <= n);
    }

    #[test]
    fn every_op_round_trips() {
        let bodies = [
            Body::Get {
                target: b"weather/today",
            },
            Body::Post {
                target: b"log/in",
                body: b"hi there",
            },
            Body::Listen { label: b"" },
            Body::Reply {
                status: 200,
                body: b"OK",
            },
            Body::Time,
            Body::Echo {
                data: &[0, 0xC0, 0xDB, 255],
            },
            Body::Log {
                level: 2,
                text: b"booted",
            },
            Body::Unlisten,
            Body::Cont { body: b"...more" },
            Body::Result {
                status: 404,
                body: b"no such service",
            },
            Body::Request {
                method: Method::Post,
                caller: b"spiffe://retromesh.local/ns/default/sa/weather",
                path: b"/print",
                body: b"HELLO",
            },
            Body::TimeIs {
                unix: 1_795_000_000,
                text: b"2026-11-22 05:52:00",
            },
            Body::Echoed { data: b"x" },
            Body::Screen,
        ];
        for (i, body) in bodies.into_iter().enumerate() {
            round_trip(Message {
                id: i as u8,
                flags: FLAG_MORE,
                body,
            });
        }
    }

    #[test]
    fn known_bytes_for_a_get() {
        let mut buf = [0u8; 32];
        let n = Message::new(7, Body::Get { target: b"w/t" })
            .encode(&mut buf)
            .unwrap();
        assert_eq!(&buf[..n], &[0x01, 7, 0, 3, b'w', b'/', b't']);
    }

    #[test]
    fn bad_payloads_are_named() {
        assert_eq!(
            Message::decode(&[0x42, 1, 0]),
            Err(MessageError::UnknownOp(0x42))
        );
        assert_eq!(
            Message::decode(&[0x01, 1, 0, 9, b'a']),
            Err(MessageError::Short {
                op: 1,
                needed: 13,
                got: 5
            })
        );
        assert_eq!(
            Message::decode(&[0x82, 1, 0, b'X', 0, 0]),
            Err(MessageError::BadMethod(b'X'))
        );
        assert!(matches!(
            Message::decode(&[]),
            Err(MessageError::Short { .. })
        ));
    }

    #[test]
    fn a_message_larger_than_the_buffer_is_refused() {
        let mut buf = [0u8; 8];
        let err = Message::new(1, Body::Echo { data: &[1; 6] })
            .encode(&mut buf)
            .unwrap_err();
        assert_eq!(err, MessageError::TooBig { len: 9, max: 8 });
        let long = [b'a'; 300];
        let mut big = [0u8; 400];
        assert_eq!(
            Message::new(1, Body::Get { target: &long }).encode(&mut big),
            Err(MessageError::FieldTooLong {
                field: "target",
                len: 300
            })
        );
    }

    #[test]
    fn decoding_never_panics_on_any_short_input() {
        for op in 0..=255u8 {
            for len in 0..8 {
                let mut p = [0xFFu8; 8];
                p[0] = op;
                let _ = Message::decode(&p[..len]);
            }
        }
    }
}
