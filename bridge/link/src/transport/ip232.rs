//! The ip232 framing: RS-232 data and modem-control lines over one TCP stream, as spoken by
//! VICE's RS-232 emulation (`ip232:` / `-rsdev ... -rsuserup232`) and tcpser's `-v` port.
//!
//! ```text
//!   byte 0xFF is an escape:
//!   0xFF 0xFF         a data byte 0xFF
//!   0xFF nn           (nn != 0xFF) modem-control state of the sender, not data:
//!                       bit 0  the sender's line: DTR when a computer (VICE) sends it,
//!                              DCD when a modem (tcpser) sends it
//!                       bit 1  RI (ring), sent only by modems; newer VICE reads it
//!                     in practice nn is 0x00 (line low) or 0x01 (line high)
//!   any other byte    data
//! ```
//!
//! This matches tcpser's `ip232.c` (it reads 0xFF 0x00 / 0xFF 0x01 as DTR from VICE and sends
//! its DCD the same way) and VICE's `rs232net.c` (sends DTR, reads DCD from bit 0 and RI
//! from bit 1). Neither side defines any other code; both skip unknown ones, as we do.
//!
//! The bridge plays the modem's part for the micro, so [`Ip232::dtr`] is what the emulated
//! micro reports and [`Ip232::set_line`] drives the micro's DCD. [`super::open`] raises the line
//! as soon as a connection is up.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

/// The escape byte.
pub const ESCAPE: u8 = 0xFF;

/// Largest chunk of the caller's data escaped per write call.
const CHUNK: usize = 2048;

/// The two bytes that set the sender's modem-control line high or low.
pub const fn control_sequence(high: bool) -> [u8; 2] {
    [ESCAPE, if high { 0x01 } else { 0x00 }]
}

/// Escapes `data` for the wire (each 0xFF doubled), appending to `out`.
pub fn escape_into(data: &[u8], out: &mut Vec<u8>) {
    for &b in data {
        out.push(b);
        if b == ESCAPE {
            out.push(ESCAPE);
        }
    }
}

/// The modem-control state the peer last sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeerSignals {
    /// Bit 0 of the peer's last control code: its DTR if the peer is a computer or emulator
    /// (VICE), its DCD if the peer is a modem (tcpser). Low until the peer says otherwise.
    pub line: bool,
    /// Bit 1: ring indicator (only modems send it).
    pub ring: bool,
    /// How many control codes have arrived so far.
    pub updates: u64,
}

impl PeerSignals {
    /// The peer's DTR (the peer being the emulated micro).
    pub fn dtr(&self) -> bool {
        self.line
    }
}

/// An ip232 link over `T` (usually a `TcpStream`): reads give the data with escapes and control
/// codes removed, writes escape 0xFF. Control codes update [`signals`](Self::signals).
///
/// Decoding is streaming: an escape split across two reads is completed by the next read.
/// Writes return as soon as the escaped bytes are with `T`; when `T` takes only the first half
/// of an escaped 0xFF pair the second half is kept and sent first on the next write or flush,
/// so call `flush` when you stop writing (as `FramedWrite` and `write_all` + `flush` do).
#[derive(Debug)]
pub struct Ip232<T> {
    inner: T,
    rx_escape: bool,
    pending: Vec<u8>,
    pending_pos: usize,
    scratch: Vec<u8>,
    signals: watch::Sender<PeerSignals>,
}

impl<T> Ip232<T> {
    /// Wraps `inner`. Nothing is sent until the first write (see [`set_line`](Self::set_line)).
    pub fn new(inner: T) -> Ip232<T> {
        Ip232 {
            inner,
            rx_escape: false,
            pending: Vec::new(),
            pending_pos: 0,
            scratch: Vec::with_capacity(2 * CHUNK),
            signals: watch::Sender::new(PeerSignals::default()),
        }
    }

    /// The peer's DTR as last reported (false until reported).
    pub fn dtr(&self) -> bool {
        self.signals.borrow().line
    }

    /// Everything the peer last reported.
    pub fn peer_signals(&self) -> PeerSignals {
        *self.signals.borrow()
    }

    /// A receiver that sees every change of the peer's signals; it outlives boxing the link.
    pub fn signals(&self) -> watch::Receiver<PeerSignals> {
        self.signals.subscribe()
    }

    /// Queues our line (DCD as the micro sees it) high or low. It goes out before any data
    /// written later, at the next write or flush.
    pub fn set_line(&mut self, high: bool) {
        self.pending.extend_from_slice(&control_sequence(high));
    }

    /// Whether a read has seen an escape byte whose second half has not arrived yet.
    pub fn is_mid_escape(&self) -> bool {
        self.rx_escape
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably. Bytes written to it directly bypass the escaping.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Removes escapes and control codes from `data` in place; returns how many data bytes are
    /// left at its start.
    fn decode(&mut self, data: &mut [u8]) -> usize {
        let mut w = 0;
        for r in 0..data.len() {
            let b = data[r];
            if self.rx_escape {
                self.rx_escape = false;
                if b == ESCAPE {
                    data[w] = ESCAPE;
                    w += 1;
                } else {
                    if b > 0x03 {
                        tracing::debug!(code = b, "ip232: control code with unknown bits");
                    }
                    self.signals.send_modify(|s| {
                        s.line = b & 0x01 != 0;
                        s.ring = b & 0x02 != 0;
                        s.updates += 1;
                    });
                }
            } else if b == ESCAPE {
                self.rx_escape = true;
            } else {
                data[w] = b;
                w += 1;
            }
        }
        w
    }
}

impl<T: AsyncWrite + Unpin> Ip232<T> {
    /// Writes out what is left of earlier escaped pairs and queued control codes.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.pending_pos < self.pending.len() {
            let n = ready!(
                Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.pending_pos..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending_pos += n;
        }
        self.pending.clear();
        self.pending_pos = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Ip232<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            let before = buf.filled().len();
            ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
            let after = buf.filled().len();
            if after == before {
                if this.rx_escape {
                    tracing::debug!("ip232: stream ended after an escape byte");
                    this.rx_escape = false;
                }
                return Poll::Ready(Ok(()));
            }
            let kept = this.decode(&mut buf.filled_mut()[before..after]);
            buf.set_filled(before + kept);
            if kept > 0 {
                return Poll::Ready(Ok(()));
            }
            // Only control codes (or half an escape) arrived: read on rather than report 0
            // bytes, which would mean EOF.
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Ip232<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let chunk = &buf[..buf.len().min(CHUNK)];
        this.scratch.clear();
        escape_into(chunk, &mut this.scratch);
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, &this.scratch))?;
        if written == 0 {
            return Poll::Ready(Ok(0));
        }
        // Count the caller's bytes whose encoding has (at least partly) gone out.
        let mut consumed = 0;
        let mut sent = 0;
        for &b in chunk {
            if sent >= written {
                break;
            }
            let len = if b == ESCAPE { 2 } else { 1 };
            consumed += 1;
            if sent + len > written {
                // The first 0xFF of a pair went out; the second must follow.
                this.pending.push(ESCAPE);
                break;
            }
            sent += len;
        }
        if !this.pending.is_empty() {
            // Best effort now; if the stream is full it goes first next time.
            if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
                tracing::debug!(error = %e, "ip232: write of an escape's second half failed");
            }
        }
        Poll::Ready(Ok(consumed))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_handles_escapes_split_anywhere() {
        let wire = [b'a', 0xFF, 0xFF, 0xFF, 0x01, b'b', 0xFF, 0x00, 0xFF, 0xFF];
        for split in 0..=wire.len() {
            let mut link = Ip232::new(());
            let (mut a, mut b) = (wire[..split].to_vec(), wire[split..].to_vec());
            let na = link.decode(&mut a);
            let nb = link.decode(&mut b);
            let mut data = a[..na].to_vec();
            data.extend_from_slice(&b[..nb]);
            assert_eq!(data, [b'a', 0xFF, b'b', 0xFF], "split at {split}");
            let s = link.peer_signals();
            assert_eq!((s.line, s.updates), (false, 2), "split at {split}");
            assert!(!link.is_mid_escape());
        }
    }

    #[test]
    fn control_code_bits() {
        let mut link = Ip232::new(());
        let rx = link.signals();
        assert!(!link.dtr());
        link.decode(&mut [0xFF, 0x03]);
        assert_eq!(
            *rx.borrow(),
            PeerSignals {
                line: true,
                ring: true,
                updates: 1
            }
        );
        link.decode(&mut [0xFF]);
        assert!(link.is_mid_escape());
        link.decode(&mut [0x00]);
        assert!(!link.dtr() && !link.peer_signals().ring);
    }

    #[test]
    fn escape_doubles_ff_only() {
        let mut out = Vec::new();
        escape_into(&[0x00, 0xFF, 0xFE, 0xFF, 0xFF], &mut out);
        assert_eq!(out, [0x00, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
}
