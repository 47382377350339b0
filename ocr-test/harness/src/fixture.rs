//! A local HTTP service for link specs: serves the files of a folder on 127.0.0.1, so a
//! micro's GET goes over real HTTP to a real server. POST answers with what it received.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Starts the service on an ephemeral port of 127.0.0.1 and returns its address.
pub async fn serve_dir(dir: PathBuf) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let dir = dir.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let dir = dir.clone();
                    async move { Ok::<_, Infallible>(answer(&dir, req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

async fn answer(dir: &Path, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().trim_start_matches('/').to_string();
    if req.method() == hyper::Method::POST {
        let body = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        return reply(
            StatusCode::OK,
            format!(
                "RECEIVED {} BYTES: {}",
                body.len(),
                String::from_utf8_lossy(&body)
            ),
        );
    }
    let safe = Path::new(&path)
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    match std::fs::read(dir.join(&path)) {
        Ok(bytes) if safe => Response::builder()
            .header("content-type", "text/plain; charset=utf-8")
            .body(Full::new(Bytes::from(bytes)))
            .unwrap_or_default(),
        _ => reply(StatusCode::NOT_FOUND, format!("no file {path}")),
    }
}

fn reply(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from(text)))
        .unwrap_or_default()
}
