//! Shared test parts: a real HTTP service that records what it receives, and a line handed to
//! a session once.

#![allow(dead_code)]

pub mod pty;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use retromesh_link::profile::{LinkOverrides, MachineProfile};
use retromesh_link::session::OpenedLine;
use retromesh_link::upstream::HttpServices;
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};

/// A service on 127.0.0.1: GET /weather/today answers a fixed text; GET /long answers many
/// lines; POST answers `GOT <body>` and records the body.
pub struct Service {
    pub addr: SocketAddr,
    pub posts: Arc<Mutex<Vec<String>>>,
}

pub const TODAY: &str =
    "Sunny, 21°C — light wind from the south-west, no rain expected before evening";

pub async fn service() -> Service {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let posts = Arc::new(Mutex::new(Vec::new()));
    let recorded = posts.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let recorded = recorded.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let recorded = recorded.clone();
                        async move {
                            let path = req.uri().path().to_string();
                            let post = req.method() == hyper::Method::POST;
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let text = if post {
                                let b = String::from_utf8_lossy(&body).into_owned();
                                recorded.lock().unwrap().push(b.clone());
                                format!("GOT {b}")
                            } else if path == "/weather/today" {
                                TODAY.to_string()
                            } else if path == "/long" {
                                (1..=40).map(|i| format!("LINE {i}\n")).collect()
                            } else {
                                return Ok::<_, Infallible>(
                                    hyper::Response::builder()
                                        .status(404)
                                        .body(Full::new(Bytes::from("no such page")))
                                        .unwrap(),
                                );
                            };
                            Ok::<_, Infallible>(
                                hyper::Response::builder()
                                    .header("content-type", "text/plain; charset=utf-8")
                                    .body(Full::new(Bytes::from(text)))
                                    .unwrap(),
                            )
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Service { addr, posts }
}

pub fn services(svc: &Service) -> Arc<HttpServices> {
    let mut map = BTreeMap::new();
    map.insert(
        "weather".to_string(),
        format!("http://{}/weather", svc.addr),
    );
    map.insert("svc".to_string(), format!("http://{}", svc.addr));
    Arc::new(HttpServices::new(map, Duration::from_secs(5), 64 * 1024))
}

/// A profile with no pacing, at `baud` for the session's timeouts.
pub fn profile(name: &str, baud: u32) -> MachineProfile {
    LinkOverrides {
        baud: Some(baud),
        byte_gap_ms: Some(0),
        line_gap_ms: Some(0),
        ..Default::default()
    }
    .apply(MachineProfile::by_name(name).unwrap())
    .unwrap()
}

/// One end of an in-memory line for a session, and the other end for the test.
pub struct Once;

impl Once {
    pub fn pair() -> (Arc<OpenedLine>, DuplexStream) {
        let (a, b) = tokio::io::duplex(64 * 1024);
        (Arc::new(OpenedLine::new(Box::new(a), "test line")), b)
    }
}

/// A stream that keeps each write reaching it, whole, in order.
pub struct Writes<T> {
    pub inner: T,
    pub writes: Vec<Vec<u8>>,
}

impl<T> Writes<T> {
    pub fn new(inner: T) -> Self {
        Writes {
            inner,
            writes: Vec::new(),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Writes<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Writes<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            self.writes.push(buf[..n].to_vec());
        }
        polled
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
