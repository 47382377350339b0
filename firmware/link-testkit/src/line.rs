//! The bridge end of a line-mode link.

use std::collections::VecDeque;

/// Answers CR-ended command lines as the bridge's line mode does: a status line, body lines
/// (a leading '.' doubled), then ".". After LISTEN it passes in `requests` (raw blocks).
#[derive(Debug, Default)]
pub struct LineBridge {
    /// The command line still coming in.
    pub partial: Vec<u8>,
    /// Command lines received, in order (bytes that are not printable ASCII included).
    pub lines: Vec<String>,
    /// Command line -> answer lines as they go on the wire (status first, body lines
    /// already dot-stuffed; the closing "." is added). Looked up before the built-in verbs.
    pub answers: Vec<(String, Vec<String>)>,
    /// REQUEST blocks, sent after the LISTEN answer.
    pub requests: VecDeque<String>,
    /// Stop the run once a line starting with this arrives.
    pub stop_after: Option<String>,
    /// Bytes the micro sent that are not printable ASCII or CR.
    pub bad_bytes: usize,
}

impl LineBridge {
    pub fn new() -> Self {
        LineBridge::default()
    }

    /// Answers `GET target` with `status` and `body` lines (dot-stuffed here).
    pub fn answer(mut self, target: &str, status: &str, body: &[&str]) -> Self {
        let lines = std::iter::once(status.to_string())
            .chain(body.iter().map(|l| stuffed(l)))
            .collect();
        self.answers.push((format!("GET {target}"), lines));
        self
    }

    /// One turn of the line (line mode has no timeouts: the time is not used): answers every
    /// complete command line. Stops the run (Some) once a line matching `stop_after` arrives.
    pub fn exchange(
        &mut self,
        from_micro: &[u8],
        to_micro: &mut Vec<u8>,
        _now_ticks: u64,
    ) -> Option<String> {
        for &b in from_micro {
            if b != b'\r' {
                if !(0x20..=0x7F).contains(&b) {
                    self.bad_bytes += 1;
                }
                self.partial.push(b);
                continue;
            }
            let line = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
            self.lines.push(line.clone());
            self.on_line(&line, to_micro);
            if let Some(stop) = &self.stop_after {
                if line.starts_with(stop.as_str()) {
                    return Some(format!("bridge got \"{line}\""));
                }
            }
        }
        None
    }

    fn on_line(&mut self, line: &str, out: &mut Vec<u8>) {
        if let Some((_, lines)) = self.answers.iter().find(|(cmd, _)| cmd == line) {
            return block(out, lines.iter().map(String::as_str));
        }
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        match verb {
            "ECHO" => block(out, ["200 OK", &stuffed(rest)]),
            "GET" => block(out, ["404 NO SUCH SERVICE"]),
            "LISTEN" => {
                block(out, ["200 LISTENING"]);
                while let Some(r) = self.requests.pop_front() {
                    out.extend_from_slice(r.as_bytes());
                }
            }
            "REPLY" => block(out, ["200 SENT"]),
            "UNLISTEN" => block(out, ["200 OK"]),
            other => block(
                out,
                [format!("400 UNKNOWN COMMAND \"{other}\": SEND HELP FOR THE LIST").as_str()],
            ),
        }
    }
}

/// A body line as it goes on the wire: a leading '.' doubled.
fn stuffed(line: &str) -> String {
    if line.starts_with('.') {
        format!(".{line}")
    } else {
        line.to_string()
    }
}

/// `lines`, each CR-ended, then ".".
fn block<'a>(out: &mut Vec<u8>, lines: impl IntoIterator<Item = &'a str>) {
    for line in lines.into_iter().chain(["."]) {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\r');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn talk(bridge: &mut LineBridge, line: &[u8]) -> String {
        let mut out = Vec::new();
        bridge.exchange(line, &mut out, 0);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn answers_gets_verbs_and_unknown_commands() {
        let mut b = LineBridge::new().answer("a/b", "200 OK", &["X", ".Y"]);
        assert_eq!(talk(&mut b, b"GET a/b\r"), "200 OK\rX\r..Y\r.\r");
        assert_eq!(talk(&mut b, b"GET c\r"), "404 NO SUCH SERVICE\r.\r");
        assert_eq!(talk(&mut b, b"ECHO .HI\r"), "200 OK\r..HI\r.\r");
        assert!(talk(&mut b, b"TIME\r").starts_with("400 UNKNOWN COMMAND \"TIME\""));
        assert_eq!(b.lines, ["GET a/b", "GET c", "ECHO .HI", "TIME"]);
    }

    #[test]
    fn counts_bad_bytes_and_stops_when_told() {
        let mut b = LineBridge {
            stop_after: Some("REPLY".into()),
            ..LineBridge::default()
        };
        b.requests.push_back("REQUEST 1\r".into());
        assert_eq!(
            talk(&mut b, b"LIS\x16TEN\r"),
            "400 UNKNOWN COMMAND \"LIS\x16TEN\": SEND HELP FOR THE LIST\r.\r"
        );
        assert_eq!(b.bad_bytes, 1);
        assert_eq!(talk(&mut b, b"LISTEN\r"), "200 LISTENING\r.\rREQUEST 1\r");
        let mut out = Vec::new();
        assert!(b.exchange(b"REPLY X\r", &mut out, 0).is_some());
    }
}
