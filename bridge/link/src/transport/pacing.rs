//! Gaps between bytes for micros that can't take them back to back.
//!
//! [`Paced`] wraps a writer: with any gap set, each write sends one byte, flushes, and the next
//! byte waits until the gap has passed (`byte_gap`, plus `line_gap` after a CR, see
//! [`Pacing::gap_after`]). The wait is a tokio timer, so it costs nothing while it runs and
//! follows tokio's paused clock in tests. With both gaps zero, writes pass straight through.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::{sleep, sleep_until, Instant, Sleep};

use crate::profile::Pacing;

/// Writes `bytes` to `io` one at a time, flushing each and waiting
/// [`pacing.gap_after(byte)`](Pacing::gap_after) after each, the last one included (so back to
/// back calls stay paced). With zero gaps it is one `write_all` and a flush.
pub async fn write_paced<W: AsyncWrite + Unpin + ?Sized>(
    io: &mut W,
    bytes: &[u8],
    pacing: &Pacing,
) -> io::Result<()> {
    if pacing.is_zero() {
        io.write_all(bytes).await?;
        return io.flush().await;
    }
    for &b in bytes {
        io.write_all(&[b]).await?;
        io.flush().await?;
        let gap = pacing.gap_after(b);
        if !gap.is_zero() {
            sleep(gap).await;
        }
    }
    Ok(())
}

/// A writer that leaves gaps between the bytes it sends; reads pass through.
///
/// The gap after a byte is served before the *next* byte goes out, so writing 10 bytes with a
/// 5 ms gap returns after 45 ms and a write that comes later than the gap doesn't wait at all.
#[derive(Debug)]
pub struct Paced<T> {
    inner: T,
    pacing: Pacing,
    /// The next byte may not go out before this.
    next_at: Option<Instant>,
    sleep: Option<Pin<Box<Sleep>>>,
    /// A byte was written and not yet flushed.
    need_flush: bool,
}

impl<T> Paced<T> {
    /// Wraps `inner` with `pacing`.
    pub fn new(inner: T, pacing: Pacing) -> Paced<T> {
        Paced {
            inner,
            pacing,
            next_at: None,
            sleep: None,
            need_flush: false,
        }
    }

    /// The pacing in force.
    pub fn pacing(&self) -> Pacing {
        self.pacing
    }

    /// Changes the pacing from the next byte on.
    pub fn set_pacing(&mut self, pacing: Pacing) {
        self.pacing = pacing;
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The wrapped stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncWrite + Unpin> Paced<T> {
    fn poll_wait_gap(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(at) = self.next_at else {
            return Poll::Ready(());
        };
        if Instant::now() >= at {
            self.next_at = None;
            return Poll::Ready(());
        }
        let sleep = match &mut self.sleep {
            Some(s) => {
                if s.deadline() != at {
                    s.as_mut().reset(at);
                }
                s
            }
            slot @ None => slot.insert(Box::pin(sleep_until(at))),
        };
        ready!(sleep.as_mut().poll(cx));
        self.next_at = None;
        Poll::Ready(())
    }

    fn poll_finish_byte(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.need_flush {
            ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
            self.need_flush = false;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Paced<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Paced<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_finish_byte(cx))?;
        if this.pacing.is_zero() {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(this.poll_wait_gap(cx));
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..1]))?;
        if n == 0 {
            return Poll::Ready(Ok(0));
        }
        // The gap runs from when the byte has been handed on.
        this.need_flush = true;
        if let Poll::Ready(Err(e)) = this.poll_finish_byte(cx) {
            return Poll::Ready(Err(e));
        }
        let gap = this.pacing.gap_after(buf[0]);
        if !gap.is_zero() {
            this.next_at = Some(Instant::now() + gap);
        }
        Poll::Ready(Ok(1))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_finish_byte(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_finish_byte(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
