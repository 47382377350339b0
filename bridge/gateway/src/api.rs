//! `/v1` routes:
//!
//! | route | does |
//! |---|---|
//! | `GET /v1/micros` | every micro: name, link state, mode, machine, client version, counters |
//! | `POST\|GET /v1/micros/{name}/rpc[/path]` | passes the request to the micro's LISTEN handler, returns its REPLY |
//!
//! Failures map to one status each: 404 unknown micro, 413 body over the micro's limit (the
//! limit is in the body), 503 + Retry-After when the micro is busy or not listening, 502 when
//! the link is down, 504 when the micro does not reply in time.
//!
//! The caller passed to a micro is its SPIFFE ID when the TLS layer authenticated it, else
//! `tcp://PEER`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use retromesh_link::{CallError, InboundRequest, LinkState, Micro};
use retromesh_link_frame::Method;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

/// Who sent a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub peer: SocketAddr,
    /// Set only when the caller presented a verified client certificate.
    pub spiffe_id: Option<String>,
}

impl Caller {
    /// A caller known only by its address (plain HTTP).
    pub fn unauthenticated(peer: SocketAddr) -> Self {
        Caller {
            peer,
            spiffe_id: None,
        }
    }

    /// What the micro is told in `FROM`.
    pub fn describe(&self) -> String {
        match &self.spiffe_id {
            Some(id) => id.clone(),
            None => format!("tcp://{}", self.peer),
        }
    }
}

/// Which HTTP version a connection speaks; `Auto` sniffs the HTTP/2 preface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpVersion {
    #[default]
    Auto,
    Http1,
    Http2,
}

/// Per-connection HTTP limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Request line + headers (HTTP/1.1 read buffer, HTTP/2 header list). At least 8 KiB.
    pub max_header_bytes: usize,
    /// HTTP/1.1: the whole header must arrive within this (slowloris).
    pub header_read_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_header_bytes: 16 * 1024,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// The micros the API serves, by name.
#[derive(Clone, Debug)]
pub struct Api {
    micros: Arc<BTreeMap<String, Micro>>,
    telemetry: Option<Arc<ApiTelemetry>>,
    policies: Arc<crate::authz::Policies>,
}

/// What the API records per request: Istio's request metrics, with each micro's SPIFFE ID as
/// the destination principal.
#[derive(Debug)]
pub struct ApiTelemetry {
    pub metrics: retromesh_telemetry::RequestMetrics,
    /// Micro name → its SPIFFE ID.
    pub principals: BTreeMap<String, String>,
    /// Micro name → the service host mesh clients use for it.
    pub hosts: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct MicroInfo<'a> {
    name: &'a str,
    link: &'static str,
    mode: Option<String>,
    machine: Option<String>,
    client_version: Option<String>,
    why_down: Option<String>,
    stats: StatsJson,
}

#[derive(Serialize)]
struct StatsJson {
    bytes_rx: u64,
    bytes_tx: u64,
    frames_rx: u64,
    frames_tx: u64,
    crc_errors: u64,
    resyncs: u64,
    retransmits: u64,
    reconnects: u64,
}

impl Api {
    pub fn new(micros: impl IntoIterator<Item = Micro>) -> Self {
        Api {
            micros: Arc::new(
                micros
                    .into_iter()
                    .map(|m| (m.name().to_string(), m))
                    .collect(),
            ),
            telemetry: None,
            policies: Arc::default(),
        }
    }

    /// Authorization rules (Istio's semantics): allow all while there are none for a micro.
    pub fn with_policies(mut self, policies: crate::authz::Policies) -> Self {
        self.policies = Arc::new(policies);
        self
    }

    /// Records Istio's request metrics for every request from now on.
    pub fn with_telemetry(mut self, telemetry: ApiTelemetry) -> Self {
        self.telemetry = Some(Arc::new(telemetry));
        self
    }

    pub fn micro(&self, name: &str) -> Option<&Micro> {
        self.micros.get(name)
    }

    /// Answers one request, then writes its access-log line and its metrics.
    pub async fn handle(&self, req: Request<Incoming>, caller: Caller) -> Response<Full<Bytes>> {
        let started = std::time::Instant::now();
        let (method, path) = (req.method().clone(), req.uri().path().to_string());
        let request_bytes = req
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .unwrap_or(0);
        let resp = self.route(req, &caller).await;
        let took = started.elapsed();
        let response_bytes = hyper::body::Body::size_hint(resp.body())
            .exact()
            .unwrap_or(0);
        tracing::info!(
            caller = %caller.describe(),
            %method,
            %path,
            status = resp.status().as_u16(),
            ms = took.as_millis() as u64,
            "access"
        );
        if let Some(t) = &self.telemetry {
            let micro = path.split('/').nth(3).unwrap_or("");
            let mut labels = retromesh_telemetry::IstioLabels::new("destination");
            if let Some(id) = &caller.spiffe_id {
                labels = labels.with_source_principal(id);
                labels.connection_security_policy = "mutual_tls".into();
            }
            if let Some(id) = t.principals.get(micro) {
                let host = t.hosts.get(micro).map(String::as_str).unwrap_or("unknown");
                labels = labels.with_destination_principal(id, host);
            }
            labels.response_code = resp.status().as_u16().to_string();
            t.metrics
                .record(&labels, took, request_bytes, response_bytes);
        }
        resp
    }

    async fn route(&self, req: Request<Incoming>, caller: &Caller) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_string();
        let parts: Vec<&str> = path.trim_start_matches('/').splitn(4, '/').collect();
        match parts.as_slice() {
            ["v1", "micros"] | ["v1", "micros", ""] => self.list(),
            ["v1", "micros", name, rest] if *rest == "rpc" || rest.starts_with("rpc/") => {
                let sub = rest.strip_prefix("rpc").unwrap_or("");
                let sub = if sub.is_empty() { "/" } else { sub };
                let mut target = sub.to_string();
                if let Some(q) = req.uri().query() {
                    target.push('?');
                    target.push_str(q);
                }
                self.rpc(name, target, req, caller).await
            }
            _ => text(
                StatusCode::NOT_FOUND,
                format!("no route {path}: try GET /v1/micros or POST /v1/micros/NAME/rpc\n"),
            ),
        }
    }

    fn list(&self) -> Response<Full<Bytes>> {
        let infos: Vec<MicroInfo> = self
            .micros
            .values()
            .map(|m| {
                let state = m.state();
                let s = m.stats();
                let (link, mode, hello, why_down) = match &state {
                    LinkState::Up { mode, hello } => {
                        ("up", Some(format!("{mode:?}").to_lowercase()), *hello, None)
                    }
                    LinkState::Connecting => ("connecting", None, None, None),
                    LinkState::Down { why } => ("down", None, None, Some(why.clone())),
                };
                MicroInfo {
                    name: m.name(),
                    link,
                    mode,
                    machine: hello.map(|h| format!("{:?}", h.machine)),
                    client_version: hello.map(|h| h.version.to_string()),
                    why_down,
                    stats: StatsJson {
                        bytes_rx: s.bytes_rx,
                        bytes_tx: s.bytes_tx,
                        frames_rx: s.frames_rx,
                        frames_tx: s.frames_tx,
                        crc_errors: s.crc_errors,
                        resyncs: s.resyncs,
                        retransmits: s.retransmits,
                        reconnects: s.reconnects,
                    },
                }
            })
            .collect();
        let body = serde_json::to_vec_pretty(&infos).unwrap_or_default();
        Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_default()
    }

    async fn rpc(
        &self,
        name: &str,
        path: String,
        req: Request<Incoming>,
        caller: &Caller,
    ) -> Response<Full<Bytes>> {
        let Some(micro) = self.micros.get(name) else {
            let known: Vec<&str> = self.micros.keys().map(String::as_str).collect();
            return text(
                StatusCode::NOT_FOUND,
                format!(
                    "no micro \"{name}\"; this bridge has: {}\n",
                    known.join(", ")
                ),
            );
        };
        let full_path = req.uri().path().to_string();
        let http_method = req.method().clone();
        let method = match *req.method() {
            hyper::Method::GET => Method::Get,
            hyper::Method::POST => Method::Post,
            ref other => {
                return text(
                    StatusCode::METHOD_NOT_ALLOWED,
                    format!("{other} is not passed to micros: use GET or POST\n"),
                )
            }
        };
        let limit = micro.max_request_body();
        let body = match Limited::new(req.into_body(), limit).collect().await {
            Ok(b) => b.to_bytes().to_vec(),
            Err(_) => {
                return text(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "request body over {limit} bytes: micro {name} takes at most {limit}\n"
                    ),
                )
            }
        };
        // Decided after the body is read: answering an h2 stream before its body is consumed
        // resets it, and the caller would see a framing error instead of the 403.
        if let crate::authz::Decision::Deny { reason, .. } = self.policies.check(
            name,
            caller.spiffe_id.as_deref(),
            http_method.as_str(),
            &full_path,
        ) {
            tracing::info!(caller = %caller.describe(), micro = name, %reason, "denied");
            return text(StatusCode::FORBIDDEN, format!("{reason}\n"));
        }
        let request = InboundRequest {
            method,
            path,
            caller: caller.describe(),
            body,
        };
        match micro.call(request).await {
            Ok(reply) => {
                let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY);
                Response::builder()
                    .status(status)
                    .header("content-type", "text/plain; charset=utf-8")
                    .body(Full::new(Bytes::from(reply.body)))
                    .unwrap_or_default()
            }
            Err(e) => {
                let (status, retry) = match &e {
                    CallError::Busy { .. } | CallError::NotListening { .. } => {
                        (StatusCode::SERVICE_UNAVAILABLE, true)
                    }
                    CallError::LinkDown { .. } => (StatusCode::BAD_GATEWAY, false),
                    CallError::Deadline { .. } => (StatusCode::GATEWAY_TIMEOUT, false),
                    CallError::TooBig { .. } => (StatusCode::PAYLOAD_TOO_LARGE, false),
                };
                let mut resp = text(status, format!("{e}\n"));
                if retry {
                    resp.headers_mut()
                        .insert("retry-after", hyper::header::HeaderValue::from_static("1"));
                }
                resp
            }
        }
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

/// Serves the API over plain HTTP (HTTP/1.1, or HTTP/2 with prior knowledge) on `listener`
/// until the task is dropped. Callers are unauthenticated.
pub async fn serve(listener: TcpListener, api: Api) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(%e, "accept failed");
                continue;
            }
        };
        tokio::spawn(serve_connection(
            stream,
            Caller::unauthenticated(peer),
            api.clone(),
            HttpVersion::Auto,
            HttpLimits::default(),
        ));
    }
}

/// Serves the API on one established connection (plain or already decrypted) until it ends.
pub async fn serve_connection<I>(
    io: I,
    caller: Caller,
    api: Api,
    version: HttpVersion,
    limits: HttpLimits,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let peer = caller.peer;
    let service = hyper::service::service_fn(move |req| {
        let (api, caller) = (api.clone(), caller.clone());
        async move { Ok::<_, Infallible>(api.handle(req, caller).await) }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        // hyper panics under 8 KiB.
        .max_buf_size(limits.max_header_bytes.max(8192));
    builder
        .http2()
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    let builder = match version {
        HttpVersion::Auto => builder,
        HttpVersion::Http1 => builder.http1_only(),
        HttpVersion::Http2 => builder.http2_only(),
    };
    if let Err(e) = builder.serve_connection(TokioIo::new(io), service).await {
        tracing::debug!(%e, %peer, "connection ended with an error");
    }
}
