//! The real bridge: `retromesh-link`'s session on a tokio runtime, its line an in-memory pipe
//! whose other end is a `SerialPeer` for the test C64 (the adapter's host side), and its
//! upstream `HttpServices` pointing at a small HTTP service on 127.0.0.1.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use retromesh_link::profile::{LinkOverrides, MachineProfile};
use retromesh_link::session::OpenedLine;
use retromesh_link::upstream::HttpServices;
use retromesh_link::{Micro, MicroSpec};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};

use retromesh_c64::{SerialPeer, PAL_CLOCK_HZ};

/// Serves `body` as text/plain for every GET on 127.0.0.1 (an ephemeral port).
pub async fn serve_text(body: &'static str) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |_req: Request<hyper::body::Incoming>| async move {
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "text/plain")
                                .body(Full::new(Bytes::from_static(body.as_bytes())))
                                .expect("response"),
                        )
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// Starts the bridge's session for a C64 named `name` with `services` (name -> base URL);
/// returns its handle and the C64's end of the line.
pub fn spawn_session(
    runtime: &tokio::runtime::Runtime,
    name: &str,
    services: BTreeMap<String, String>,
) -> (Micro, BridgeLine) {
    let (bridge_end, micro_end) = tokio::io::duplex(64 * 1024);
    let line = OpenedLine::new(Box::new(bridge_end), format!("emulated C64 {name}"));
    let profile = LinkOverrides {
        byte_gap_ms: Some(0),
        line_gap_ms: Some(0),
        ..Default::default()
    }
    .apply(MachineProfile::by_name("c64-swiftlink").expect("built-in profile"))
    .expect("valid overrides");
    let micro = runtime.block_on(async {
        let upstream = Arc::new(HttpServices::new(
            services,
            Duration::from_secs(10),
            64 * 1024,
        ));
        let mut spec = MicroSpec::new(name, profile, Arc::new(line));
        spec.deadline = Duration::from_secs(20);
        retromesh_link::spawn(spec, upstream)
    });
    (
        micro,
        BridgeLine {
            io: micro_end,
            pending: Vec::new(),
            anchor: None,
        },
    )
}

/// The C64's end of the bridge's line. Once traffic starts, emulated time is held to the wall
/// clock so the session's timeouts (wall) and the C64's (emulated) mean the same thing.
pub struct BridgeLine {
    io: DuplexStream,
    pending: Vec<u8>,
    anchor: Option<(Instant, u64)>,
}

impl SerialPeer for BridgeLine {
    fn exchange(&mut self, from_micro: &[u8], to_micro: &mut Vec<u8>, now: u64) -> Option<String> {
        // Polled without a runtime: the emulator comes back every emulated ms anyway.
        let mut cx = Context::from_waker(Waker::noop());
        self.pending.extend_from_slice(from_micro);
        while !self.pending.is_empty() {
            match Pin::new(&mut self.io).poll_write(&mut cx, &self.pending) {
                Poll::Ready(Ok(n)) => {
                    self.pending.drain(..n);
                }
                Poll::Ready(Err(e)) => return Some(format!("the bridge closed the line: {e}")),
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
                Poll::Ready(_) => return Some("the bridge closed the line".into()),
                Poll::Pending => break,
            }
        }
        if self.anchor.is_none() && !(from_micro.is_empty() && to_micro.is_empty()) {
            self.anchor = Some((Instant::now(), now));
        }
        if let Some((wall0, c0)) = self.anchor {
            let ahead = (now - c0) as f64 / PAL_CLOCK_HZ as f64 - wall0.elapsed().as_secs_f64();
            if ahead > 0.001 {
                std::thread::sleep(Duration::from_secs_f64(ahead));
            }
        }
        None
    }
}
