//! Line mode: the text protocol BASIC speaks with `PRINT #4` and `INPUT #4`.
//!
//! The micro sends one command per line (CR, LF or CR LF ends it). Every command gets exactly
//! one answer block: a status line (`200 OK`, `404 ...`), body lines already wrapped to the
//! micro's width and in its character set, then a line holding only `.`. A body line that
//! starts with `.` gets a second `.` (as in SMTP), so `.` alone always ends the block.
//! Requests from the mesh arrive, once the micro has sent `LISTEN`, as a block of their own:
//! `REQUEST <id> <GET|POST> <path>`, `FROM <caller>`, body lines, `.`.

use std::fmt;

/// The longest command line the bridge takes; longer ones are answered with an error.
pub const MAX_LINE: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Get {
        target: String,
    },
    Post {
        target: String,
        body: String,
    },
    Time,
    Echo(String),
    Log(String),
    /// Page long answers: `n` lines, then `+MORE` until the micro sends `MORE`. 0 = off.
    Page(usize),
    More,
    Listen,
    Unlisten,
    Reply {
        status: u16,
        text: String,
    },
}

/// A command line the bridge cannot act on; becomes a `400` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    Unknown(String),
    MissingArgument {
        verb: &'static str,
        usage: &'static str,
    },
    BadNumber {
        verb: &'static str,
        got: String,
    },
    TooLong(usize),
    Garbled {
        bad_bytes: usize,
    },
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::Unknown(verb) => {
                write!(f, "UNKNOWN COMMAND \"{verb}\": SEND HELP FOR THE LIST")
            }
            LineError::MissingArgument { verb, usage } => {
                write!(f, "{verb} NEEDS AN ARGUMENT: {usage}")
            }
            LineError::BadNumber { verb, got } => write!(f, "{verb} WANTS A NUMBER, GOT \"{got}\""),
            LineError::TooLong(n) => write!(f, "LINE TOO LONG ({n} BYTES, MAX {MAX_LINE})"),
            LineError::Garbled { bad_bytes } => write!(
                f,
                "GARBLED LINE ({bad_bytes} BAD BYTES): CHECK BAUD RATE AND FORMAT"
            ),
        }
    }
}

/// The commands `HELP` lists.
pub const HELP: &[&str] = &[
    "GET service/path",
    "POST service/path text",
    "TIME",
    "ECHO text",
    "LOG text",
    "PAGE n  (0 = off)",
    "MORE",
    "LISTEN / UNLISTEN",
    "REPLY [status] text",
];

pub fn parse(line: &str) -> Result<Command, LineError> {
    let line = line.trim();
    let (verb, rest) = match line.split_once(char::is_whitespace) {
        Some((v, r)) => (v, r.trim_start()),
        None => (line, ""),
    };
    let need = |verb: &'static str, usage: &'static str| {
        if rest.is_empty() {
            Err(LineError::MissingArgument { verb, usage })
        } else {
            Ok(rest.to_string())
        }
    };
    match verb.to_ascii_uppercase().as_str() {
        "HELP" => Ok(Command::Help),
        "GET" => Ok(Command::Get {
            target: need("GET", "GET service/path")?,
        }),
        "POST" => {
            let arg = need("POST", "POST service/path text")?;
            let (target, body) = match arg.split_once(char::is_whitespace) {
                Some((t, b)) => (t.to_string(), b.trim_start().to_string()),
                None => (arg, String::new()),
            };
            Ok(Command::Post { target, body })
        }
        "TIME" => Ok(Command::Time),
        "ECHO" => Ok(Command::Echo(rest.to_string())),
        "LOG" => Ok(Command::Log(need("LOG", "LOG text")?)),
        "PAGE" => {
            let n = need("PAGE", "PAGE n")?;
            n.parse()
                .map(Command::Page)
                .map_err(|_| LineError::BadNumber {
                    verb: "PAGE",
                    got: n,
                })
        }
        "MORE" => Ok(Command::More),
        "LISTEN" => Ok(Command::Listen),
        "UNLISTEN" => Ok(Command::Unlisten),
        "REPLY" => {
            // An optional leading 3-digit status; the rest is the text.
            let (status, text) = match rest.split_once(char::is_whitespace) {
                Some((s, t)) if s.len() == 3 && s.parse::<u16>().is_ok() => {
                    (s.parse().unwrap_or(200), t.trim_start())
                }
                _ if rest.len() == 3 && rest.parse::<u16>().is_ok() => {
                    (rest.parse().unwrap_or(200), "")
                }
                _ => (200, rest),
            };
            Ok(Command::Reply {
                status,
                text: text.to_string(),
            })
        }
        _ => Err(LineError::Unknown(verb.chars().take(16).collect())),
    }
}

/// One answer block before paging: a status line and body lines (already in the micro's
/// character set and wrapped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status_line: Vec<u8>,
    pub body: Vec<Vec<u8>>,
}

impl Answer {
    pub fn new(status: u16, reason: &str, body: Vec<Vec<u8>>) -> Self {
        Answer {
            status_line: format!("{status} {}", reason.to_ascii_uppercase()).into_bytes(),
            body,
        }
    }

    pub fn error(status: u16, err: &LineError) -> Self {
        Answer::new(status, &err.to_string(), Vec::new())
    }
}

/// Serves an answer a page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    lines: std::collections::VecDeque<Vec<u8>>,
}

/// The line that tells the micro a page is full and `MORE` gets the rest.
pub const MORE_MARKER: &[u8] = b"+MORE";

impl Pager {
    /// Writes the answer's first page (everything if `page` is 0) to `out` as CR-ended lines;
    /// returns the pager if lines are left.
    pub fn start(answer: Answer, page: usize, out: &mut Vec<u8>) -> Option<Pager> {
        push_line(out, &answer.status_line);
        let mut pager = Pager {
            lines: answer.body.into(),
        };
        pager.next_page(page, out).then_some(pager)
    }

    /// Writes the next page; returns whether lines are left.
    pub fn next_page(&mut self, page: usize, out: &mut Vec<u8>) -> bool {
        let mut n = 0;
        while let Some(line) = self.lines.front() {
            if page > 0 && n == page {
                push_line(out, MORE_MARKER);
                return true;
            }
            if line.first() == Some(&b'.') {
                out.push(b'.');
            }
            push_line(out, line);
            self.lines.pop_front();
            n += 1;
        }
        push_line(out, b".");
        false
    }
}

pub fn push_line(out: &mut Vec<u8>, line: &[u8]) {
    out.extend_from_slice(line);
    out.push(b'\r');
}

/// Splits the micro's byte stream into command lines. Bytes outside the printable range are
/// counted against the line they arrive in, not silently dropped.
#[derive(Debug, Default)]
pub struct LineAssembler {
    buf: Vec<u8>,
    bad: usize,
    overflow: usize,
    /// PETSCII's shifted letters and graphics (0xA0..=0xFF) are text too.
    high_is_text: bool,
}

/// A line as the micro sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawLine {
    Text(Vec<u8>),
    Bad(LineError),
}

impl LineAssembler {
    pub fn new(charset: crate::profile::Charset) -> Self {
        LineAssembler {
            high_is_text: charset == crate::profile::Charset::Petscii,
            ..Default::default()
        }
    }

    pub fn push(&mut self, byte: u8) -> Option<RawLine> {
        let printable = (0x20..=0x7F).contains(&byte) || (self.high_is_text && byte >= 0xA0);
        match byte {
            b'\r' | b'\n' => {
                let line = std::mem::take(&mut self.buf);
                let (bad, overflow) = (
                    std::mem::take(&mut self.bad),
                    std::mem::take(&mut self.overflow),
                );
                if overflow > 0 {
                    return Some(RawLine::Bad(LineError::TooLong(MAX_LINE + overflow)));
                }
                if bad > 0 {
                    return Some(RawLine::Bad(LineError::Garbled { bad_bytes: bad }));
                }
                (!line.iter().all(|b| *b == b' ')).then_some(RawLine::Text(line))
            }
            _ if printable && self.buf.len() < MAX_LINE => {
                self.buf.push(byte);
                None
            }
            _ if printable => {
                self.overflow += 1;
                None
            }
            _ => {
                self.bad += 1;
                None
            }
        }
    }

    /// Whether a partial line is waiting for its end.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty() && self.bad == 0 && self.overflow == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_case_insensitively() {
        assert_eq!(
            parse("get weather/today"),
            Ok(Command::Get {
                target: "weather/today".into()
            })
        );
        assert_eq!(
            parse("POST log/in hello there"),
            Ok(Command::Post {
                target: "log/in".into(),
                body: "hello there".into()
            })
        );
        assert_eq!(parse("PAGE 5"), Ok(Command::Page(5)));
        assert_eq!(
            parse("REPLY 404 NOT HERE"),
            Ok(Command::Reply {
                status: 404,
                text: "NOT HERE".into()
            })
        );
        assert_eq!(
            parse("REPLY PRINTED 3"),
            Ok(Command::Reply {
                status: 200,
                text: "PRINTED 3".into()
            })
        );
    }

    #[test]
    fn bad_commands_name_the_problem_and_the_fix() {
        let e = parse("FETCH x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "UNKNOWN COMMAND \"FETCH\": SEND HELP FOR THE LIST"
        );
        assert_eq!(
            parse("GET").unwrap_err().to_string(),
            "GET NEEDS AN ARGUMENT: GET service/path"
        );
        assert!(matches!(
            parse("PAGE lots"),
            Err(LineError::BadNumber { .. })
        ));
    }

    #[test]
    fn answers_end_with_a_dot_and_stuff_leading_dots() {
        let mut out = Vec::new();
        let a = Answer::new(200, "ok", vec![b"SUNNY".to_vec(), b".5 MM RAIN".to_vec()]);
        assert!(Pager::start(a, 0, &mut out).is_none());
        assert_eq!(out, b"200 OK\rSUNNY\r..5 MM RAIN\r.\r");
    }

    #[test]
    fn paging_holds_the_rest_until_more() {
        let body: Vec<Vec<u8>> = (1..=5).map(|i| format!("L{i}").into_bytes()).collect();
        let mut out = Vec::new();
        let mut pager = Pager::start(Answer::new(200, "OK", body), 2, &mut out).unwrap();
        assert_eq!(out, b"200 OK\rL1\rL2\r+MORE\r");
        out.clear();
        assert!(pager.next_page(2, &mut out));
        assert_eq!(out, b"L3\rL4\r+MORE\r");
        out.clear();
        assert!(!pager.next_page(2, &mut out));
        assert_eq!(out, b"L5\r.\r");
    }

    #[test]
    fn petscii_shifted_letters_are_text_not_garbage() {
        let mut a = LineAssembler::new(crate::profile::Charset::Petscii);
        let line: Vec<_> = b"\xc7ET X\r".iter().filter_map(|&b| a.push(b)).collect();
        assert_eq!(line, vec![RawLine::Text(b"\xc7ET X".to_vec())]);
        let mut zx = LineAssembler::new(crate::profile::Charset::ZxAscii);
        let line: Vec<_> = b"\xc7ET X\r".iter().filter_map(|&b| zx.push(b)).collect();
        assert_eq!(
            line,
            vec![RawLine::Bad(LineError::Garbled { bad_bytes: 1 })]
        );
    }

    #[test]
    fn the_assembler_reports_garbage_and_overlong_lines() {
        let mut a = LineAssembler::default();
        let mut lines = Vec::new();
        for &b in b"ECHO HI\r\n\x01\xff\x80X\r" {
            lines.extend(a.push(b));
        }
        assert_eq!(
            lines,
            vec![
                RawLine::Text(b"ECHO HI".to_vec()),
                RawLine::Bad(LineError::Garbled { bad_bytes: 3 })
            ]
        );
        for _ in 0..300 {
            a.push(b'A');
        }
        assert_eq!(a.push(b'\r'), Some(RawLine::Bad(LineError::TooLong(300))));
        assert!(a.is_empty());
    }
}
