//! The outbound path: a micro's GET or POST to a named service. `https://` services are
//! called over mutual TLS with the micro's own identity, and must present the SPIFFE ID the
//! service table names; `http://` ones are called plainly, as the link alone does.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use retromesh_link::upstream::{
    answer_from, request_for, within, HttpServices, Upstream, UpstreamFuture, UpstreamRequest,
    UpstreamResponse,
};
use rustls::pki_types::ServerName;
use serde::Deserialize;
use tokio::sync::watch;

use crate::tls::{
    ServerIdentity, SpiffeServerVerifier, TlsPolicy, TrustBundle, UntrustedPeer, WrongPeer,
};

/// One service a micro may call: `[services.NAME]` in the config.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub url: String,
    /// The SPIFFE ID the service's certificate must carry; required for `https://`.
    pub spiffe_id: Option<String>,
}

/// Problems in a service table, each naming the service and the fix.
pub fn check_table(services: &BTreeMap<String, ServiceEntry>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, s) in services {
        let https = s.url.starts_with("https://");
        if !https && !s.url.starts_with("http://") {
            out.push(format!(
                "service {name}: url {:?} is not http:// or https://; write it as https://host:port/prefix",
                s.url
            ));
        } else if s
            .url
            .parse::<hyper::Uri>()
            .map(|u| u.host().is_none())
            .unwrap_or(true)
        {
            out.push(format!("service {name}: url {:?} has no host", s.url));
        }
        match (&s.spiffe_id, https) {
            (None, true) => out.push(format!(
                "service {name}: an https service needs the SPIFFE ID its certificate carries: add spiffe_id = \"spiffe://TRUST-DOMAIN/ns/NS/sa/SA\""
            )),
            (Some(id), _) if crate::tls::verify::check_spiffe_id(id).is_err() => out.push(format!(
                "service {name}: spiffe_id {id:?} is not a SPIFFE ID; write it as spiffe://TRUST-DOMAIN/ns/NS/sa/SA"
            )),
            _ => {}
        }
    }
    out
}

/// A micro's service table. One per micro: it calls with that micro's identity.
#[derive(Clone)]
pub struct MeshServices {
    /// Name → URL, for lookups and for `http://` services.
    plain: HttpServices,
    /// Name → expected SPIFFE ID, for `https://` services.
    mesh: Arc<BTreeMap<String, String>>,
    identity: watch::Receiver<Arc<ServerIdentity>>,
    bundle: watch::Receiver<Arc<TrustBundle>>,
    timeout: Duration,
    max_response: usize,
}

impl MeshServices {
    pub fn new(
        identity: watch::Receiver<Arc<ServerIdentity>>,
        bundle: watch::Receiver<Arc<TrustBundle>>,
        services: BTreeMap<String, ServiceEntry>,
        timeout: Duration,
        max_response: usize,
    ) -> Result<MeshServices, String> {
        if let Some(problem) = check_table(&services).into_iter().next() {
            return Err(problem);
        }
        let mut mesh = BTreeMap::new();
        for (name, s) in &services {
            if s.url.starts_with("https://") {
                mesh.insert(name.clone(), s.spiffe_id.clone().unwrap_or_default());
            } else {
                tracing::info!(service = %name, url = %s.url, "plain-HTTP service: calls to it are neither encrypted nor authenticated");
            }
        }
        let urls = services.into_iter().map(|(n, s)| (n, s.url)).collect();
        Ok(MeshServices {
            plain: HttpServices::new(urls, timeout, max_response),
            mesh: Arc::new(mesh),
            identity,
            bundle,
            timeout,
            max_response,
        })
    }

    async fn call_mtls(
        &self,
        service: &str,
        expected: &str,
        url: String,
        request: UpstreamRequest,
    ) -> UpstreamResponse {
        let req = match request_for(request, &url) {
            Ok(r) => r,
            Err(e) => return e,
        };
        let call = async {
            let uri = req.uri().clone();
            let host = uri
                .host()
                .unwrap_or_default()
                .trim_matches(['[', ']'])
                .to_string();
            let port = uri.port_u16().unwrap_or(443);
            let unreachable = |e: String| {
                UpstreamResponse::error(502, "SERVICE UNREACHABLE", format!("{url}: {e}"))
            };
            let policy = TlsPolicy::default();
            let provider = policy.provider();
            let identity = self.identity.borrow().clone();
            let bundle = self.bundle.borrow().clone();
            let config = SpiffeServerVerifier::new(&bundle, provider.clone(), expected)
                .and_then(|v| policy.client_config(&provider, &identity, Arc::new(v)))
                .map_err(|e| {
                    UpstreamResponse::error(502, "NO CLIENT IDENTITY", format!("{url}: {e}"))
                })?;
            let name =
                ServerName::try_from(host.clone()).map_err(|e| unreachable(e.to_string()))?;
            let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|e| handshake_error(service, &url, e))?;
            let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            tokio::spawn(conn);
            let resp = send
                .send_request(req)
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            answer_from(&url, resp, self.max_response).await
        };
        within(self.timeout, &url, call).await
    }
}

/// A failed handshake in words: which identity was wrong, or why the chain is not trusted.
fn handshake_error(service: &str, url: &str, e: std::io::Error) -> UpstreamResponse {
    let tls = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let other = match tls {
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o))) => {
            Some(o.0.clone())
        }
        _ => None,
    };
    if let Some(wrong) = other.as_ref().and_then(|o| o.downcast_ref::<WrongPeer>()) {
        tracing::warn!(%service, %url, expected = %wrong.expected, presented = %wrong.found, "service presented the wrong identity");
        return UpstreamResponse::error(
            502,
            "WRONG SERVICE IDENTITY",
            format!(
                "service {service} at {url} presented {}, expected {}; fix spiffe_id in [services.{service}] or the service's certificate",
                wrong.found, wrong.expected
            ),
        );
    }
    if let Some(untrusted) = other
        .as_ref()
        .and_then(|o| o.downcast_ref::<UntrustedPeer>())
    {
        tracing::warn!(%service, %url, "service certificate not trusted: {}", untrusted.0);
        return UpstreamResponse::error(
            502,
            "UNTRUSTED SERVICE",
            format!(
                "service {service} at {url}: its certificate is not trusted: {}; it must chain to this trust bundle",
                untrusted.0
            ),
        );
    }
    tracing::warn!(%service, %url, "TLS handshake failed: {e}");
    UpstreamResponse::error(
        502,
        "TLS HANDSHAKE FAILED",
        format!("service {service} at {url}: {e}"),
    )
}

impl Upstream for MeshServices {
    fn call(&self, request: UpstreamRequest) -> UpstreamFuture {
        let this = self.clone();
        Box::pin(async move {
            let service = request.target.split('/').next().unwrap_or("").to_string();
            match this.mesh.get(&service) {
                None => this.plain.call(request).await,
                Some(expected) => {
                    let url = match this.plain.resolve(&request.target) {
                        Ok(u) => u,
                        Err(e) => return e,
                    };
                    let expected = expected.clone();
                    this.call_mtls(&service, &expected, url, request).await
                }
            }
        })
    }
}
