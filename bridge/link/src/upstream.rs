//! Where a micro's GET and POST go: named services reached over HTTP.
//!
//! The session only knows the [`Upstream`] trait. [`HttpServices`] is the plain-HTTP table
//! used by the link on its own; the gateway puts mutual TLS and identity checks behind the
//! same trait.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use retromesh_link_frame::Method;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamRequest {
    pub micro: String,
    pub method: Method,
    /// `service/path`, as the micro wrote it.
    pub target: String,
    pub body: Vec<u8>,
}

/// The answer, or the bridge's own error as a status with a text body naming the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamResponse {
    pub status: u16,
    pub reason: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl UpstreamResponse {
    pub fn error(status: u16, reason: &str, detail: impl Into<String>) -> Self {
        UpstreamResponse {
            status,
            reason: reason.into(),
            content_type: Some("text/plain".into()),
            body: detail.into().into_bytes(),
        }
    }

    /// Text bodies are transcoded for the micro; anything else is passed as bytes.
    pub fn is_text(&self) -> bool {
        self.content_type
            .as_deref()
            .is_none_or(|ct| ct.starts_with("text/") || ct.starts_with("application/json"))
    }
}

pub type UpstreamFuture = Pin<Box<dyn Future<Output = UpstreamResponse> + Send>>;

pub trait Upstream: Send + Sync + 'static {
    fn call(&self, request: UpstreamRequest) -> UpstreamFuture;
}

/// Services by name, each a base URL (`http://host:port/prefix`).
#[derive(Clone)]
pub struct HttpServices {
    services: Arc<BTreeMap<String, String>>,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    timeout: Duration,
    max_response: usize,
}

impl HttpServices {
    pub fn new(services: BTreeMap<String, String>, timeout: Duration, max_response: usize) -> Self {
        HttpServices {
            services: Arc::new(services),
            client: Client::builder(TokioExecutor::new()).build_http(),
            timeout,
            max_response,
        }
    }

    /// Splits `service/path` and finds the service's URL.
    pub fn resolve(&self, target: &str) -> Result<String, UpstreamResponse> {
        let (name, path) = target.split_once('/').unwrap_or((target, ""));
        let base = self.services.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.services.keys().map(String::as_str).collect();
            UpstreamResponse::error(
                404,
                "NO SUCH SERVICE",
                format!(
                    "no service \"{name}\": known services are {}; add it under [services] in the config",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ),
            )
        })?;
        Ok(format!("{}/{}", base.trim_end_matches('/'), path))
    }
}

/// The HTTP request for a micro's call to `url`.
pub fn request_for(
    request: UpstreamRequest,
    url: &str,
) -> Result<hyper::Request<Full<Bytes>>, UpstreamResponse> {
    let method = match request.method {
        Method::Get => hyper::Method::GET,
        Method::Post => hyper::Method::POST,
    };
    hyper::Request::builder()
        .method(method)
        .uri(url)
        .header(
            "user-agent",
            concat!("retromesh/", env!("CARGO_PKG_VERSION")),
        )
        .header("x-retromesh-micro", &request.micro)
        .body(Full::new(Bytes::from(request.body)))
        .map_err(|e| UpstreamResponse::error(400, "BAD TARGET", format!("{url}: {e}")))
}

/// A service's answer, its body capped at `max_response` bytes.
pub async fn answer_from(
    url: &str,
    resp: hyper::Response<hyper::body::Incoming>,
    max_response: usize,
) -> Result<UpstreamResponse, UpstreamResponse> {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = Limited::new(resp.into_body(), max_response)
        .collect()
        .await
        .map_err(|e| {
            UpstreamResponse::error(
                502,
                "ANSWER TOO BIG",
                format!("{url}: {e} (the limit is {max_response} bytes)"),
            )
        })?
        .to_bytes();
    Ok(UpstreamResponse {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        content_type,
        body: body.to_vec(),
    })
}

/// `call`'s answer, or a 504 once `timeout` has passed.
pub async fn within(
    timeout: Duration,
    url: &str,
    call: impl Future<Output = Result<UpstreamResponse, UpstreamResponse>>,
) -> UpstreamResponse {
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(r)) | Ok(Err(r)) => r,
        Err(_) => UpstreamResponse::error(
            504,
            "SERVICE TIMED OUT",
            format!("{url} did not answer within {timeout:?}"),
        ),
    }
}

impl Upstream for HttpServices {
    fn call(&self, request: UpstreamRequest) -> UpstreamFuture {
        let this = self.clone();
        Box::pin(async move {
            let url = match this.resolve(&request.target) {
                Ok(url) => url,
                Err(e) => return e,
            };
            let req = match request_for(request, &url) {
                Ok(r) => r,
                Err(e) => return e,
            };
            let call = async {
                let resp = this.client.request(req).await.map_err(|e| {
                    UpstreamResponse::error(502, "SERVICE UNREACHABLE", format!("{url}: {e}"))
                })?;
                answer_from(&url, resp, this.max_response).await
            };
            within(this.timeout, &url, call).await
        })
    }
}
