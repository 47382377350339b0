//! HTTP/1 connection timers kept apart the way Envoy keeps them: an idle timeout from the end
//! of one request to the first byte of the next, and a header timeout from that first byte to
//! the complete request head.
//!
//! hyper's own `header_read_timeout` also runs while a keep-alive connection waits for its
//! next request, so a pooled connection was cut after 10 idle seconds, and a request sent just
//! then was lost (Istio's sidecars pool upstream connections for up to an hour). Here hyper's
//! timer is off and [`TimedIo`] times the bytes it hands to hyper instead. HTTP/2 connections
//! (known from ALPN or from the client preface) are left to hyper.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::HttpVersion;

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Requests of one connection that hyper has handed to the service and not yet answered.
#[derive(Clone, Default)]
pub(crate) struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    /// Counts a request until the returned guard drops.
    pub(crate) fn enter(&self) -> InFlightGuard {
        self.0.fetch_add(1, Ordering::AcqRel);
        InFlightGuard(self.0.clone())
    }

    fn any(&self) -> bool {
        self.0.load(Ordering::Acquire) > 0
    }
}

pub(crate) struct InFlightGuard(Arc<AtomicUsize>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Protocol {
    /// Still reading the first bytes: `matched` of them are the HTTP/2 preface so far.
    Sniffing {
        matched: usize,
    },
    Http1,
    Http2,
}

/// The connection's stream with the two HTTP/1 timers on its reads. A timer that fires
/// reads as an error (header timeout) or as the end of the stream (idle timeout), and hyper
/// closes the connection.
pub(crate) struct TimedIo<I> {
    io: I,
    in_flight: InFlight,
    protocol: Protocol,
    header_timeout: Duration,
    idle_timeout: Duration,
    /// Armed by the first byte of a request head; dropped once hyper hands the request over.
    head: Option<Pin<Box<Sleep>>>,
    idle: Pin<Box<Sleep>>,
    /// A request was in flight at the last read: the idle time starts again when it ends.
    was_busy: bool,
}

impl<I> TimedIo<I> {
    pub(crate) fn new(
        io: I,
        version: HttpVersion,
        in_flight: InFlight,
        header_timeout: Duration,
        idle_timeout: Duration,
    ) -> Self {
        let protocol = match version {
            HttpVersion::Auto => Protocol::Sniffing { matched: 0 },
            HttpVersion::Http1 => Protocol::Http1,
            HttpVersion::Http2 => Protocol::Http2,
        };
        TimedIo {
            io,
            in_flight,
            protocol,
            header_timeout,
            idle_timeout,
            head: None,
            idle: Box::pin(tokio::time::sleep(idle_timeout)),
            was_busy: false,
        }
    }

    fn sniff(&mut self, bytes: &[u8]) {
        let Protocol::Sniffing { matched } = self.protocol else {
            return;
        };
        let n = bytes.len().min(H2_PREFACE.len() - matched);
        self.protocol = if bytes[..n] != H2_PREFACE[matched..matched + n] {
            Protocol::Http1
        } else if matched + n == H2_PREFACE.len() {
            Protocol::Http2
        } else {
            Protocol::Sniffing {
                matched: matched + n,
            }
        };
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for TimedIo<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let timed = this.protocol != Protocol::Http2;
        let busy = this.in_flight.any();
        if busy {
            this.head = None;
        } else if this.was_busy {
            this.idle.as_mut().reset(Instant::now() + this.idle_timeout);
        }
        this.was_busy = busy;
        if timed && !busy {
            if let Some(head) = this.head.as_mut() {
                if head.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "request head not complete within {:?} of its first byte",
                            this.header_timeout
                        ),
                    )));
                }
            } else if this.idle.as_mut().poll(cx).is_ready() {
                tracing::debug!(
                    "idle keep-alive connection closed after {:?}",
                    this.idle_timeout
                );
                return Poll::Ready(Ok(()));
            }
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = read {
            let len = buf.filled().len() - before;
            if len > 0 {
                this.sniff(&buf.filled()[before..before + len]);
                let now = Instant::now();
                this.idle.as_mut().reset(now + this.idle_timeout);
                if this.protocol != Protocol::Http2 && !busy && this.head.is_none() {
                    this.head = Some(Box::pin(tokio::time::sleep_until(
                        now + this.header_timeout,
                    )));
                }
            }
        }
        read
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for TimedIo<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const HEAD: Duration = Duration::from_millis(200);
    const IDLE: Duration = Duration::from_secs(5);

    fn timed(
        version: HttpVersion,
    ) -> (
        TimedIo<tokio::io::DuplexStream>,
        tokio::io::DuplexStream,
        InFlight,
    ) {
        let (a, b) = tokio::io::duplex(1024);
        let in_flight = InFlight::default();
        (
            TimedIo::new(a, version, in_flight.clone(), HEAD, IDLE),
            b,
            in_flight,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn a_head_that_never_ends_times_out_but_waiting_for_one_does_not() {
        let (mut io, mut peer, _) = timed(HttpVersion::Http1);
        let mut buf = [0u8; 64];
        // Silence (the keep-alive wait) is not timed by the header timer.
        let waited = tokio::time::timeout(HEAD * 10, io.read(&mut buf)).await;
        assert!(
            waited.is_err(),
            "no timeout while nothing arrives: {waited:?}"
        );
        peer.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        assert_eq!(io.read(&mut buf).await.unwrap(), 16);
        let err = io.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("200ms"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_flight_stops_the_header_timer_and_the_next_head_restarts_it() {
        let (mut io, mut peer, in_flight) = timed(HttpVersion::Auto);
        let mut buf = [0u8; 64];
        peer.write_all(b"POST / HTTP/1.1\r\n\r\n").await.unwrap();
        assert_eq!(io.read(&mut buf).await.unwrap(), 19);
        let guard = in_flight.enter();
        // The body trickles in while the request is served: no header timeout.
        let body = async {
            for _ in 0..5 {
                tokio::time::sleep(HEAD).await;
                peer.write_all(b"x").await.unwrap();
            }
            peer
        };
        let reads = async {
            for _ in 0..5 {
                assert_eq!(io.read(&mut buf).await.unwrap(), 1);
            }
        };
        let (mut peer, ()) = tokio::join!(body, reads);
        drop(guard);
        peer.write_all(b"G").await.unwrap();
        assert_eq!(io.read(&mut buf).await.unwrap(), 1);
        let err = io.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_ends_after_the_idle_timeout() {
        let (mut io, _peer, _) = timed(HttpVersion::Http1);
        let mut buf = [0u8; 8];
        let start = Instant::now();
        assert_eq!(
            io.read(&mut buf).await.unwrap(),
            0,
            "reads as the end of the stream"
        );
        assert!(start.elapsed() >= IDLE);
    }

    #[tokio::test(start_paused = true)]
    async fn http2_is_left_to_hyper() {
        let (mut io, mut peer, _) = timed(HttpVersion::Auto);
        let mut buf = [0u8; 64];
        peer.write_all(&H2_PREFACE[..10]).await.unwrap();
        assert_eq!(io.read(&mut buf).await.unwrap(), 10);
        peer.write_all(&H2_PREFACE[10..]).await.unwrap();
        assert_eq!(io.read(&mut buf).await.unwrap(), H2_PREFACE.len() - 10);
        assert_eq!(io.protocol, Protocol::Http2);
        let waited = tokio::time::timeout(HEAD * 10, io.read(&mut buf)).await;
        assert!(waited.is_err(), "no header timer on HTTP/2: {waited:?}");

        let (mut io, mut peer, _) = timed(HttpVersion::Auto);
        peer.write_all(b"PRI * HTTP/1.1\r\n").await.unwrap();
        assert_eq!(io.read(&mut buf).await.unwrap(), 16);
        assert_eq!(io.protocol, Protocol::Http1);
    }
}
