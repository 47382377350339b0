//! The emulated micro as a line the bridge can open: one end of an in-memory pipe goes to the
//! bridge's session, the other is pumped into the Spectrum's emulated serial port every slice
//! of emulated time.

use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use retromesh_link::session::OpenedLine;
use retromesh_spectrum::SerialPeer;
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};

/// Bytes the pipe holds each way before the writer waits.
const PIPE_BYTES: usize = 64 * 1024;

/// The bridge's end of the emulated line, handed out once as a serial device is opened once
/// per plug-in, and the micro's end for `Spectrum::run_linked`.
pub struct EmulatedLine;

impl EmulatedLine {
    pub fn pair(name: &str, clock_hz: u64, speed: f64) -> (OpenedLine, EmulatedPeer) {
        let (bridge, micro) = tokio::io::duplex(PIPE_BYTES);
        (
            OpenedLine::new(Box::new(bridge), format!("emulated micro {name}")),
            EmulatedPeer {
                io: micro,
                pending: Vec::new(),
                closed: false,
                clock_hz,
                speed,
                anchor: None,
                questions: None,
            },
        )
    }
}

/// The micro's end, pumped between instructions by the emulator. It also keeps emulated time
/// from running ahead of the wall clock once the micro has used the line, so the two sides'
/// timeouts mean the same thing.
pub struct EmulatedPeer {
    io: DuplexStream,
    pending: Vec<u8>,
    closed: bool,
    clock_hz: u64,
    /// Emulated seconds per wall second; 0 = as fast as the host allows.
    speed: f64,
    anchor: Option<(Instant, u64)>,
    questions: Option<std::sync::mpsc::Receiver<crate::view::Question>>,
}

impl EmulatedPeer {
    /// A handle that asks the running machine for its printout and screen.
    pub fn view(&mut self) -> crate::view::EmulatedView {
        let (tx, rx) = std::sync::mpsc::channel();
        self.questions = Some(rx);
        crate::view::EmulatedView { questions: tx }
    }

    fn throttle(&mut self, now_tstates: u64) {
        let Some((wall0, t0)) = self.anchor else {
            return;
        };
        if self.speed <= 0.0 {
            return;
        }
        let emulated = (now_tstates - t0) as f64 / self.clock_hz as f64 / self.speed;
        let ahead = emulated - wall0.elapsed().as_secs_f64();
        if ahead > 0.001 {
            std::thread::sleep(Duration::from_secs_f64(ahead));
        }
    }
}

impl SerialPeer for EmulatedPeer {
    fn observe(&mut self, machine: &retromesh_spectrum::Spectrum) {
        if let Some(q) = &self.questions {
            crate::view::answer(q, machine);
        }
    }

    fn exchange(
        &mut self,
        from_micro: &[u8],
        to_micro: &mut Vec<u8>,
        now_tstates: u64,
    ) -> Option<String> {
        if self.closed {
            return None;
        }
        // The pipe is polled without a runtime: a no-op waker, because the emulator comes back
        // every slice anyway.
        let mut cx = Context::from_waker(Waker::noop());
        self.pending.extend_from_slice(from_micro);
        while !self.pending.is_empty() {
            match Pin::new(&mut self.io).poll_write(&mut cx, &self.pending) {
                Poll::Ready(Ok(n)) => {
                    self.pending.drain(..n);
                }
                Poll::Ready(Err(_)) => {
                    self.closed = true;
                    return None;
                }
                Poll::Pending => break,
            }
        }
        let mut buf = [0u8; 1024];
        loop {
            let mut rb = ReadBuf::new(&mut buf);
            match Pin::new(&mut self.io).poll_read(&mut cx, &mut rb) {
                Poll::Ready(Ok(())) if !rb.filled().is_empty() => {
                    to_micro.extend_from_slice(rb.filled())
                }
                Poll::Ready(_) => {
                    self.closed = true;
                    break;
                }
                Poll::Pending => break,
            }
        }
        if self.anchor.is_none() && !(from_micro.is_empty() && to_micro.is_empty()) {
            self.anchor = Some((Instant::now(), now_tstates));
        }
        self.throttle(now_tstates);
        None
    }
}
