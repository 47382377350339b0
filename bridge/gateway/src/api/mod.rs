//! `/v1` routes:
//!
//! | route | does | body limit |
//! |---|---|---|
//! | `GET /v1/micros` | every micro: name, link state, mode, machine, client version, counters | none taken |
//! | `POST\|GET /v1/micros/{name}/rpc[/path]` | passes the request to the micro's LISTEN handler, returns its REPLY | the micro's (`max_request_body`) |
//! | `POST /v1/micros/{name}/print` | `POST /print` to the micro's handler, which prints the text | [`PRINT_LIMIT`] |
//! | `GET /v1/micros/{name}/printout[.png\|.txt]` | the printout so far (emulated micros) | none taken |
//! | `GET /v1/micros/{name}/screen.png` | the screen: emulated micros directly, real ones over the link | none taken |
//!
//! Failures map to one status each: 400 bad micro name, 404 unknown micro or route, 405 wrong
//! method (with `Allow`), 413 body over the route's limit (the limit is in the body), 501 what
//! the micro cannot do, 503 + Retry-After when the micro is busy or not listening, 502 when the
//! link is down, 504 when the micro does not reply in time.
//!
//! The caller passed to a micro is its SPIFFE ID when the TLS layer authenticated it, else
//! `tcp://PEER`.

mod recent;
mod repoll;
pub mod routes;
mod timers;
mod view;

pub use recent::{RecentError, RecentErrors};
pub use routes::{check_name, route, Route, RouteError, NAME_RULE};
pub use view::{MicroView, ScreenRenderer, ViewFuture};

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
use tokio::net::{TcpListener, TcpStream};

use repoll::Repoll;

/// Who sent a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub peer: SocketAddr,
    /// Set only when the caller presented a verified client certificate.
    pub spiffe_id: Option<String>,
    /// The micro whose certificate this TLS connection was opened with (by SNI or by port):
    /// the only micro its requests may address.
    pub served_micro: Option<String>,
}

impl Caller {
    /// A caller known only by its address (plain HTTP).
    pub fn unauthenticated(peer: SocketAddr) -> Self {
        Caller {
            peer,
            spiffe_id: None,
            served_micro: None,
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
    /// HTTP/1.1: the whole header must arrive within this of its first byte (slowloris).
    pub header_read_timeout: Duration,
    /// HTTP/1.1: how long a connection may wait for its next request (Envoy's default: 1 h).
    pub idle_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_header_bytes: 16 * 1024,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(3600),
        }
    }
}

/// Text for a micro's printer: about 64 lines of 32 columns.
pub const PRINT_LIMIT: usize = 2048;

/// The micros the API serves, by name.
#[derive(Clone)]
pub struct Api {
    micros: Arc<BTreeMap<String, Micro>>,
    telemetry: Option<Arc<ApiTelemetry>>,
    policies: Arc<crate::authz::Policies>,
    views: Arc<BTreeMap<String, Arc<dyn MicroView>>>,
    screen_renderer: Option<ScreenRenderer>,
    recent: Arc<RecentErrors>,
    drain: crate::Drain,
    body_timeout: Duration,
}

/// How long a request body may take to arrive once its head has: an 8-bit-sized body (2 KiB
/// at most) needs a fraction of it, and a client that stops half-way holds nothing longer.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("micros", &self.micros.keys().collect::<Vec<_>>())
            .field("views", &self.views.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// An answer before it becomes a response: kept plain so the failure log can read it.
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    retry_after: bool,
    allow: Option<&'static str>,
}

impl Answer {
    fn text(status: StatusCode, body: impl Into<String>) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: Bytes::from(body.into()),
            retry_after: false,
            allow: None,
        }
    }

    fn bytes(content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer {
            status: StatusCode::OK,
            content_type,
            body: Bytes::from(body),
            retry_after: false,
            allow: None,
        }
    }

    fn response(self, head_only: bool) -> Response<Full<Bytes>> {
        let mut b = Response::builder()
            .status(self.status)
            .header("content-type", self.content_type);
        if self.retry_after {
            b = b.header("retry-after", "1");
        }
        if let Some(allow) = self.allow {
            b = b.header("allow", allow);
        }
        let body = if head_only { Bytes::new() } else { self.body };
        b.body(Full::new(body)).unwrap_or_default()
    }
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
        let micros: BTreeMap<String, Micro> = micros
            .into_iter()
            .map(|m| (m.name().to_string(), m))
            .collect();
        let recent = RecentErrors::new(micros.keys().map(String::as_str));
        Api {
            micros: Arc::new(micros),
            telemetry: None,
            policies: Arc::default(),
            views: Arc::default(),
            screen_renderer: None,
            recent: Arc::new(recent),
            drain: crate::Drain::new(),
            body_timeout: BODY_TIMEOUT,
        }
    }

    /// Replaces [`BODY_TIMEOUT`].
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The drain every listener serving this API follows.
    pub fn drain(&self) -> &crate::Drain {
        &self.drain
    }

    /// Lets `micro`'s printout and screen be shown (an emulated micro).
    pub fn with_view(mut self, micro: &str, view: Arc<dyn MicroView>) -> Self {
        Arc::make_mut(&mut self.views).insert(micro.to_string(), view);
        self
    }

    /// How a real micro's screen bytes become a PNG.
    pub fn with_screen_renderer(mut self, render: ScreenRenderer) -> Self {
        self.screen_renderer = Some(render);
        self
    }

    /// The last failed requests to `micro`, oldest first.
    pub fn recent_errors(&self, micro: &str) -> Vec<RecentError> {
        self.recent.of(micro)
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
        let head_only = method == hyper::Method::HEAD;
        let (micro, answer) = self.route(req, &caller).await;
        if answer.status.as_u16() >= 400 {
            if let Some(m) = &micro {
                self.recent.record(
                    m,
                    method.as_str(),
                    &path,
                    answer.status.as_u16(),
                    &answer.body,
                );
            }
            tracing::warn!(caller = %caller.describe(), %method, %path, status = answer.status.as_u16(),
                reason = %String::from_utf8_lossy(&answer.body).lines().next().unwrap_or(""), "request failed");
        }
        let resp = answer.response(head_only);
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
            let micro = micro.as_deref().unwrap_or("");
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

    /// The micro the request named (when it exists) and the answer.
    async fn route(&self, req: Request<Incoming>, caller: &Caller) -> (Option<String>, Answer) {
        let path = req.uri().path().to_string();
        let route = match routes::route(req.method(), &path, req.uri().query()) {
            Ok(r) => r,
            Err(RouteError::NotFound(why)) => {
                return (None, Answer::text(StatusCode::NOT_FOUND, why + "\n"))
            }
            Err(RouteError::BadName(why)) => {
                return (None, Answer::text(StatusCode::BAD_REQUEST, why + "\n"))
            }
            Err(RouteError::Method { allow, what }) => {
                let mut a = Answer::text(StatusCode::METHOD_NOT_ALLOWED, what + "\n");
                a.allow = Some(allow);
                let micro = path
                    .split('/')
                    .nth(3)
                    .filter(|m| self.micros.contains_key(*m));
                return (micro.map(str::to_string), a);
            }
        };
        let Some(name) = route.micro() else {
            return (None, self.list());
        };
        let Some(micro) = self.micros.get(name) else {
            let known: Vec<&str> = self.micros.keys().map(String::as_str).collect();
            return (
                None,
                Answer::text(
                    StatusCode::NOT_FOUND,
                    format!(
                        "no micro \"{name}\"; this bridge has: {}\n",
                        known.join(", ")
                    ),
                ),
            );
        };
        let name = name.to_string();
        if let Some(served) = caller.served_micro.as_deref().filter(|s| *s != name) {
            let why = format!(
                "this connection was opened with micro \"{served}\"'s certificate, so it \
                 cannot address \"{name}\": connect with {name}'s host name as the TLS server \
                 name (SNI)\n"
            );
            return (
                Some(name),
                Answer::text(StatusCode::MISDIRECTED_REQUEST, why),
            );
        }
        let answer = match route {
            Route::Rpc { target, .. } => {
                let limit = micro.max_request_body();
                self.call(micro, &name, None, target, limit, req, caller)
                    .await
            }
            Route::Print { .. } => {
                let limit = PRINT_LIMIT.min(micro.max_request_body());
                self.call(
                    micro,
                    &name,
                    Some(Method::Post),
                    "/print".into(),
                    limit,
                    req,
                    caller,
                )
                .await
            }
            Route::Printout { text, .. } => {
                let text = text.unwrap_or_else(|| wants_text(&req));
                match self.guard(&name, 0, req, caller).await {
                    Err(a) => a,
                    Ok(_) => self.printout(&name, text).await,
                }
            }
            Route::Screen { .. } => match self.guard(&name, 0, req, caller).await {
                Err(a) => a,
                Ok(_) => self.screen(micro, &name).await,
            },
            Route::List => self.list(),
        };
        (Some(name), answer)
    }

    /// Reads the body within `limit` and applies the policies; the body, or the answer that
    /// refuses the request.
    async fn guard(
        &self,
        name: &str,
        limit: usize,
        req: Request<Incoming>,
        caller: &Caller,
    ) -> Result<Vec<u8>, Answer> {
        let (method, path) = (req.method().clone(), req.uri().path().to_string());
        let too_big = || {
            let what = if limit == 0 {
                format!("{method} {path} takes no request body (limit 0 bytes)\n")
            } else {
                format!("request body over {limit} bytes: {path} takes at most {limit}\n")
            };
            Answer::text(StatusCode::PAYLOAD_TOO_LARGE, what)
        };
        let declared = req
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_big());
        }
        let collect = Limited::new(req.into_body(), limit).collect();
        let body = match tokio::time::timeout(self.body_timeout, collect).await {
            Ok(Ok(b)) => b.to_bytes().to_vec(),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return Err(too_big()),
            Ok(Err(e)) => {
                return Err(Answer::text(
                    StatusCode::BAD_REQUEST,
                    format!("request body could not be read: {e}\n"),
                ))
            }
            Err(_) => {
                return Err(Answer::text(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "request body not complete within {:?}: send the whole body at once \
                         (at most {limit} bytes)\n",
                        self.body_timeout
                    ),
                ))
            }
        };
        // Decided after the body is read: answering an h2 stream before its body is consumed
        // resets it, and the caller would see a framing error instead of the 403.
        if let crate::authz::Decision::Deny { reason, .. } =
            self.policies
                .check(name, caller.spiffe_id.as_deref(), method.as_str(), &path)
        {
            tracing::info!(caller = %caller.describe(), micro = name, %reason, "denied");
            return Err(Answer::text(StatusCode::FORBIDDEN, format!("{reason}\n")));
        }
        Ok(body)
    }

    async fn printout(&self, name: &str, text: bool) -> Answer {
        let Some(view) = self.views.get(name) else {
            return Answer::text(
                StatusCode::NOT_FOUND,
                format!(
                    "micro {name} has no printout the bridge can see: its printer is real paper; \
emulated micros (retromesh bridge --emulate) have one\n"
                ),
            );
        };
        let result = if text {
            view.printout_text()
                .await
                .map(|t| Answer::bytes("text/plain; charset=utf-8", (t + "\n").into_bytes()))
        } else {
            view.printout_png()
                .await
                .map(|png| Answer::bytes("image/png", png))
        };
        result.unwrap_or_else(|e| {
            Answer::text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("micro {name}: {e}\n"),
            )
        })
    }

    async fn screen(&self, micro: &Micro, name: &str) -> Answer {
        if let Some(view) = self.views.get(name) {
            return match view.screen_png().await {
                Ok(png) => Answer::bytes("image/png", png),
                Err(e) => Answer::text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("micro {name}: {e}\n"),
                ),
            };
        }
        match micro.screen().await {
            Ok(bytes) => match self
                .screen_renderer
                .as_ref()
                .map(|r| r(&bytes))
                .unwrap_or_else(|| Err("this bridge has no screen renderer".into()))
            {
                Ok(png) => Answer::bytes("image/png", png),
                Err(e) => Answer::text(
                    StatusCode::BAD_GATEWAY,
                    format!("micro {name} sent a screen that cannot be drawn: {e}\n"),
                ),
            },
            Err(e) => call_error(e),
        }
    }

    fn list(&self) -> Answer {
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
        Answer::bytes("application/json", body)
    }

    /// Passes the request to the micro's LISTEN handler; `method` overrides the HTTP one.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        micro: &Micro,
        name: &str,
        method: Option<Method>,
        path: String,
        limit: usize,
        req: Request<Incoming>,
        caller: &Caller,
    ) -> Answer {
        let method = method.unwrap_or(if req.method() == hyper::Method::POST {
            Method::Post
        } else {
            Method::Get
        });
        let body = match self.guard(name, limit, req, caller).await {
            Ok(b) => b,
            Err(a) => return a,
        };
        let request = InboundRequest {
            method,
            path,
            caller: caller.describe(),
            body,
        };
        match micro.call(request).await {
            Ok(reply) => Answer {
                status: StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY),
                ..Answer::bytes("text/plain; charset=utf-8", reply.body)
            },
            Err(e) => call_error(e),
        }
    }
}

/// One status per way a call to a micro fails.
fn call_error(e: CallError) -> Answer {
    let (status, retry) = match &e {
        CallError::Busy { .. } | CallError::NotListening { .. } => {
            (StatusCode::SERVICE_UNAVAILABLE, true)
        }
        CallError::LinkDown { .. } => (StatusCode::BAD_GATEWAY, false),
        CallError::Deadline { .. } => (StatusCode::GATEWAY_TIMEOUT, false),
        CallError::TooBig { .. } => (StatusCode::PAYLOAD_TOO_LARGE, false),
        CallError::Unsupported { .. } => (StatusCode::NOT_IMPLEMENTED, false),
    };
    let mut a = Answer::text(status, format!("{e}\n"));
    a.retry_after = retry;
    a
}

/// `Accept: text/plain` (and not PNG first) asks for text.
fn wants_text(req: &Request<Incoming>) -> bool {
    req.headers()
        .get_all(hyper::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.split(';').next().unwrap_or("").trim())
        .find(|t| *t == "text/plain" || *t == "image/png" || *t == "text/*")
        .is_some_and(|t| t != "image/png")
}

/// Serves the API over plain HTTP (HTTP/1.1, or HTTP/2 with prior knowledge) on `listener`
/// until the task is dropped or the API's drain begins. Callers are unauthenticated.
pub async fn serve(listener: TcpListener, api: Api) {
    let drain = api.drain().clone();
    drain
        .accept(listener, |stream, peer| {
            serve_tcp(
                stream,
                Caller::unauthenticated(peer),
                api.clone(),
                HttpLimits::default(),
            )
        })
        .await
}

/// Serves plain HTTP on an accepted TCP connection once the caller sends something.
pub(crate) async fn serve_tcp(stream: TcpStream, caller: Caller, api: Api, limits: HttpLimits) {
    let readable = std::future::poll_fn(|cx| peek_byte(&stream, cx));
    if until_first_bytes(&api, &limits, readable).await {
        Box::pin(serve_connection(
            stream,
            caller,
            api,
            HttpVersion::Auto,
            limits,
        ))
        .await
    }
}

/// Ready once `tcp` has a byte to read (or has ended), without taking it. Readiness alone is
/// not enough: it stays set after a read that did not drain the socket.
pub(crate) fn peek_byte(tcp: &TcpStream, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
    let mut byte = [0u8; 1];
    tcp.poll_peek(cx, &mut tokio::io::ReadBuf::new(&mut byte))
        .map(|_| ())
}

/// Waits for `readable` (the caller has sent something, or closed), so that an idle
/// connection holds no HTTP machinery: hyper's connection takes 16 KiB of buffers as soon as
/// it exists. False if the drain began or the idle timeout passed first.
pub(crate) async fn until_first_bytes(
    api: &Api,
    limits: &HttpLimits,
    readable: impl std::future::Future<Output = ()>,
) -> bool {
    tokio::select! {
        r = tokio::time::timeout(limits.idle_timeout, readable) => r.is_ok(),
        () = api.drain().begun() => false,
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
    let drain = api.drain().clone();
    let in_flight = timers::InFlight::default();
    let io = timers::TimedIo::new(
        io,
        version,
        in_flight.clone(),
        limits.header_read_timeout,
        limits.idle_timeout,
    );
    let service = hyper::service::service_fn(move |req| {
        let (api, caller) = (api.clone(), caller.clone());
        let request = in_flight.enter();
        async move {
            let answer = api.handle(req, caller).await;
            drop(request);
            Ok::<_, Infallible>(answer)
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        // Timed by `TimedIo`, which does not count the wait for the next request.
        .header_read_timeout(None)
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
    let conn = builder.serve_connection(TokioIo::new(io), service);
    // On drain, the request in flight finishes and an idle keep-alive connection closes.
    let serving = std::pin::pin!(async move {
        tokio::pin!(conn);
        tokio::select! {
            ended = conn.as_mut() => ended,
            () = drain.begun() => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        }
    });
    let ended = Repoll::new(serving).await;
    if let Err(e) = ended {
        tracing::debug!(%e, %peer, "connection ended with an error");
    }
}
