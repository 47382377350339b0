//! Listeners that terminate mTLS for the micros and serve the API with the caller's identity.
//!
//! `STRICT` takes TLS only; `PERMISSIVE` also takes plain HTTP on the same port, telling the
//! two apart by the first byte as Envoy does (0x16 opens a TLS handshake record). TLS always
//! requires a client certificate. Everything before the HTTP layer (first byte, ClientHello,
//! handshake) must finish within [`Limits::handshake_timeout`]; after that hyper's header
//! limits apply.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::server::{Accepted, AcceptedAlert, Acceptor, ResolvesServerCert};
use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tracing::Instrument;

use super::sni::IdentityChoice;
use super::store::ConfigStore;
use super::stream::ServerTls;
use super::verify::leaf_spiffe_id;
use super::{policy, ServerIdentity, TlsError, TlsPolicy, TrustBundle};
use crate::api::{
    serve_connection, serve_tcp, until_first_bytes, Api, Caller, HttpLimits, HttpVersion,
};

/// The first byte of a TLS record carrying a handshake message.
const TLS_HANDSHAKE: u8 = 0x16;

/// Istio's per-port mTLS modes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MtlsMode {
    /// mTLS only; plaintext connections are closed.
    #[default]
    Strict,
    /// mTLS or plain HTTP on one port; plain callers are unauthenticated.
    Permissive,
}

/// Time and size limits per connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// From accept to a finished TLS handshake (or to the first plaintext byte).
    pub handshake_timeout: Duration,
    pub http: HttpLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            handshake_timeout: Duration::from_secs(10),
            http: HttpLimits::default(),
        }
    }
}

/// How one listener behaves.
#[derive(Clone, Debug)]
pub struct TlsSettings {
    pub mode: MtlsMode,
    pub choice: IdentityChoice,
    pub policy: TlsPolicy,
    pub limits: Limits,
}

impl TlsSettings {
    /// STRICT, TLS 1.3, default limits.
    pub fn new(choice: IdentityChoice) -> Self {
        TlsSettings {
            mode: MtlsMode::Strict,
            choice,
            policy: TlsPolicy::default(),
            limits: Limits::default(),
        }
    }
}

/// A TLS front for the API: identities, trust bundle and settings. Cheap to clone.
#[derive(Clone)]
pub struct TlsListener {
    inner: Arc<Inner>,
}

struct Inner {
    store: ConfigStore,
    settings: TlsSettings,
    /// Answers handshakes whose SNI names no micro with a `handshake_failure` alert.
    refuse: Arc<ServerConfig>,
}

/// Why a connection ended before reaching HTTP.
enum Refused {
    /// The client closed before sending anything (TCP health checks): not worth a warning.
    Quiet(String),
    Loud(String),
}

impl TlsListener {
    /// Fails if a micro named by `settings.choice` has no identity, or if an identity or the
    /// bundle is unusable now; later bad updates are logged and the last good ones kept.
    pub fn new(
        identities: impl IntoIterator<Item = (String, watch::Receiver<Arc<ServerIdentity>>)>,
        bundle: watch::Receiver<Arc<TrustBundle>>,
        settings: TlsSettings,
    ) -> Result<Self, TlsError> {
        let store = ConfigStore::new(settings.policy, identities, bundle)?;
        if let Some(missing) = settings
            .choice
            .micros()
            .into_iter()
            .find(|m| !store.has_micro(m))
        {
            return Err(TlsError::NoIdentity(missing.to_string()));
        }
        let refuse = ServerConfig::builder_with_provider(store.provider().clone())
            .with_protocol_versions(store.policy().versions())?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(NoCert));
        Ok(TlsListener {
            inner: Arc::new(Inner {
                store,
                settings,
                refuse: Arc::new(refuse),
            }),
        })
    }

    pub fn settings(&self) -> &TlsSettings {
        &self.inner.settings
    }

    /// Serves one accepted connection until it ends. Never panics on bad input: every failure
    /// is logged (in a span with the peer) and closes the connection.
    ///
    /// The returned future is what a connection's task holds for its whole life, so the
    /// handshake and the HTTP machinery are boxed and dropped when done: an idle connection
    /// keeps only its wait for the first request byte.
    pub fn serve_connection(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        api: Api,
    ) -> impl Future<Output = ()> + Send + 'static {
        let span = tracing::info_span!(
            "gateway_conn",
            %peer,
            sni = tracing::field::Empty,
            micro = tracing::field::Empty
        );
        // Handshake flights and small responses must not wait on delayed ACKs.
        let _ = stream.set_nodelay(true);
        let limits = self.inner.settings.limits;
        // Built here so the task holds one pointer for it rather than its inputs.
        let this = self.clone();
        let open = Box::pin(async move { this.open(stream, peer).await });
        async move {
            // Matched on the await itself, so the wait below holds none of the result.
            let (tls, caller, version) = match tokio::time::timeout(limits.handshake_timeout, open)
                .await
            {
                Err(_) => {
                    return tracing::warn!(
                        "connection closed: no TLS handshake within {:?}",
                        limits.handshake_timeout
                    )
                }
                Ok(Err(Refused::Quiet(why))) => return tracing::debug!("connection closed: {why}"),
                Ok(Err(Refused::Loud(why))) => return tracing::warn!("connection closed: {why}"),
                Ok(Ok(Opened::Plain(stream, caller))) => {
                    return Box::pin(serve_tcp(stream, caller, api, limits.http)).await;
                }
                Ok(Ok(Opened::Tls(tls, caller, version))) => (tls, caller, version),
            };
            let readable = std::future::poll_fn(|cx| tls.poll_readable(cx));
            if until_first_bytes(&api, &limits.http, readable).await {
                Box::pin(serve_connection(*tls, caller, api, version, limits.http)).await
            }
        }
        .instrument(span)
    }

    async fn open(&self, mut stream: TcpStream, peer: SocketAddr) -> Result<Opened, Refused> {
        let mut first = [0u8; 1];
        match stream.peek(&mut first).await {
            Ok(0) => return Err(Refused::Quiet("closed before sending anything".into())),
            Ok(_) => {}
            Err(e) => return Err(Refused::Quiet(format!("read failed: {e}"))),
        }
        if first[0] != TLS_HANDSHAKE {
            return match self.inner.settings.mode {
                MtlsMode::Permissive => Ok(Opened::Plain(stream, Caller::unauthenticated(peer))),
                MtlsMode::Strict => Err(Refused::Loud(format!(
                    "plaintext refused on a STRICT listener (first byte {:#04x}, not a TLS handshake)",
                    first[0]
                ))),
            };
        }
        let (hello, accepted) = read_client_hello(&mut stream).await?;
        let client_hello = accepted.client_hello();
        let sni = client_hello.server_name().map(str::to_string);
        let offered: Vec<String> = client_hello
            .alpn()
            .into_iter()
            .flatten()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        let span = tracing::Span::current();
        span.record("sni", sni.as_deref().unwrap_or("-"));
        let micro = self
            .inner
            .settings
            .choice
            .resolve(sni.as_deref())
            .map(str::to_string);
        let Some(micro) = micro else {
            if let Err((_, alert)) = accepted.into_connection(self.inner.refuse.clone()) {
                send_alert(&mut stream, alert).await;
            }
            return Err(Refused::Loud(format!(
                "TLS handshake refused: SNI {} names no micro and there is no default",
                sni.as_deref()
                    .map_or("(none)".into(), |s| format!("\"{s}\""))
            )));
        };
        drop(accepted);
        span.record("micro", micro.as_str());
        let config = self.inner.store.config(&micro).map_err(|e| {
            Refused::Loud(format!("TLS handshake refused: no usable identity: {e}"))
        })?;
        let (tls, established) = ServerTls::accept(stream, hello, config)
            .await
            .map_err(|e| {
                Refused::Loud(format!(
                    "TLS handshake failed: {e} (client offered ALPN [{}])",
                    offered.join(", ")
                ))
            })?;
        let version = policy::http_version(established.alpn.as_deref());
        // The verifier has checked the chain and the SAN; this only reads the ID back.
        let spiffe_id = established
            .peer_certificates
            .as_deref()
            .and_then(|certs| certs.first())
            .and_then(|leaf| leaf_spiffe_id(leaf).ok());
        if spiffe_id.is_none() {
            return Err(Refused::Loud(
                "TLS handshake left no client SPIFFE ID".into(),
            ));
        }
        tracing::debug!(
            alpn = ?established.alpn.as_deref().map(String::from_utf8_lossy),
            caller = spiffe_id.as_deref().unwrap_or("-"),
            "mTLS established"
        );
        Ok(Opened::Tls(
            Box::new(tls),
            Caller {
                peer,
                spiffe_id,
                served_micro: Some(micro),
            },
            version,
        ))
    }
}

enum Opened {
    Plain(TcpStream, Caller),
    Tls(Box<ServerTls>, Caller, HttpVersion),
}

/// Reads until a whole ClientHello is in, and returns the bytes read with rustls' reading of
/// them, which names the SNI and ALPN the identity is chosen by. The bytes are replayed to the
/// connection that then runs the handshake.
async fn read_client_hello(stream: &mut TcpStream) -> Result<(Vec<u8>, Accepted), Refused> {
    let mut acceptor = Acceptor::default();
    let mut hello = Vec::new();
    loop {
        let fed = hello.len();
        hello.reserve(4096);
        match stream.read_buf(&mut hello).await {
            Ok(0) => {
                return Err(Refused::Loud(
                    "bad ClientHello: the client closed the connection mid-message".into(),
                ))
            }
            Ok(_) => {}
            Err(e) => return Err(Refused::Loud(format!("bad ClientHello: read failed: {e}"))),
        }
        let mut new = &hello[fed..];
        while !new.is_empty() {
            acceptor
                .read_tls(&mut new)
                .map_err(|e| Refused::Loud(format!("bad ClientHello: {e}")))?;
        }
        match acceptor.accept() {
            Ok(Some(accepted)) => return Ok((hello, accepted)),
            Ok(None) => {}
            Err((e, alert)) => {
                send_alert(stream, alert).await;
                return Err(Refused::Loud(format!("bad ClientHello: {e}")));
            }
        }
    }
}

/// Best effort: the connection is being closed anyway.
async fn send_alert(stream: &mut TcpStream, mut alert: AcceptedAlert) {
    let mut bytes = Vec::new();
    let _ = alert.write(&mut bytes);
    let _ = stream.write_all(&bytes).await;
}

/// Serves the API over mTLS (and plain HTTP if PERMISSIVE) on `listener` until the task is
/// dropped or the API's drain begins.
pub async fn serve_tls(listener: TcpListener, tls: TlsListener, api: Api) {
    let drain = api.drain().clone();
    drain
        .accept(listener, |stream, peer| {
            tls.serve_connection(stream, peer, api.clone())
        })
        .await
}

/// A resolver with no certificate: rustls then ends the handshake with an alert.
#[derive(Debug)]
struct NoCert;

impl ResolvesServerCert for NoCert {
    fn resolve(
        &self,
        _: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        None
    }
}
