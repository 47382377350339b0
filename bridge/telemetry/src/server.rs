//! The metrics port (`/stats/prometheus`, 15020 as in ztunnel) and the readiness port
//! (`/healthz/ready`, 15021).

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// prometheus-client writes OpenMetrics text (counter families named without `_total`, a
/// closing `# EOF`); Prometheus reads it under this content type.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves HTTP/1.1 on `listener`, answering each request with `answer`: for small ports whose
/// answers are snapshots (metrics, readiness, the admin page).
pub async fn serve<F>(listener: TcpListener, answer: F)
where
    F: Fn(&Request<hyper::body::Incoming>) -> Response<Full<Bytes>> + Send + Sync + 'static,
{
    let answer = Arc::new(answer);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let answer = answer.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let resp = answer(&req);
                async move { Ok::<_, Infallible>(resp) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// A response with a body and its content type.
pub fn text(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

/// Serves `registry` as Prometheus text at `/stats/prometheus` (and `/metrics`).
pub async fn serve_metrics(listener: TcpListener, registry: Arc<Registry>) {
    serve(listener, move |req| match req.uri().path() {
        "/stats/prometheus" | "/metrics" => {
            let mut out = String::new();
            match prometheus_client::encoding::text::encode(&mut out, &registry) {
                Ok(()) => text(StatusCode::OK, CONTENT_TYPE, out),
                Err(e) => text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain",
                    format!("{e}\n"),
                ),
            }
        }
        other => text(
            StatusCode::NOT_FOUND,
            "text/plain",
            format!("no {other} here: metrics are at /stats/prometheus\n"),
        ),
    })
    .await
}

/// Serves `/healthz/ready`: 200 while `ready` holds true, 503 with the reason otherwise.
pub async fn serve_readiness(listener: TcpListener, ready: watch::Receiver<Result<(), String>>) {
    serve(listener, move |req| match req.uri().path() {
        "/healthz/ready" => match &*ready.borrow() {
            Ok(()) => text(StatusCode::OK, "text/plain", "ready\n".into()),
            Err(why) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                format!("not ready: {why}\n"),
            ),
        },
        _ => text(
            StatusCode::NOT_FOUND,
            "text/plain",
            "try /healthz/ready\n".into(),
        ),
    })
    .await
}
