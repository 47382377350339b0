//! A server-side TLS stream on rustls' unbuffered API that holds no buffers while idle.
//!
//! rustls' buffered `ServerConnection` keeps a 4 KiB read buffer for the life of a
//! connection; at 10,000 idle mesh connections that alone is 40 MB. Here the ciphertext,
//! plaintext and outgoing buffers are plain `Vec`s owned by the stream and freed whenever they
//! empty. A TLS 1.3 connection then leaves rustls' connection object behind once its
//! handshake is done ([`super::records`]), so a connection that waits holds its traffic keys,
//! rustls' key schedule and little else.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use rustls::pki_types::CertificateDer;
use rustls::server::UnbufferedServerConnection;
use rustls::unbuffered::{
    ConnectionState, EncodeError, EncryptError, InsufficientSizeError, UnbufferedStatus,
};
use rustls::{ProtocolVersion, ServerConfig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::records::{Tls13Records, MAX_PLAINTEXT};
use crate::api::peek_byte;

/// How much ciphertext one socket read takes: a full TLS record and its header.
const READ_CHUNK: usize = 16 * 1024 + 256;
/// Plaintext encrypted per write call, so the outgoing buffer stays near one record.
const WRITE_CHUNK: usize = MAX_PLAINTEXT;

/// Why a handshake ended without a connection.
#[derive(Debug)]
pub(crate) enum HandshakeError {
    Tls(rustls::Error),
    Io(io::Error),
    /// The client closed the connection mid-handshake.
    Closed,
}

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandshakeError::Tls(e) => write!(f, "{e}"),
            HandshakeError::Io(e) => write!(f, "{e}"),
            HandshakeError::Closed => f.write_str("the client closed the connection mid-handshake"),
        }
    }
}

/// Where [`ServerTls::process`] stopped.
enum Step {
    /// The handshake needs more bytes from the client.
    NeedHandshakeData,
    /// Application data may flow; reading needs more bytes (or has produced plaintext).
    Traffic,
    /// The plaintext given was encrypted into the outgoing buffer.
    Encrypted(usize),
}

/// What to do once the connection can send application data.
enum Send<'a> {
    Nothing,
    Data(&'a [u8]),
    CloseNotify,
}

/// What the handshake settled, read before rustls' connection object is let go.
pub(crate) struct Established {
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) peer_certificates: Option<Vec<CertificateDer<'static>>>,
}

// Every TLS 1.3 connection ends up in the large variant; boxing it would only add a block.
#[allow(clippy::large_enum_variant)]
enum Session {
    /// The handshake, and TLS 1.2 connections throughout.
    Rustls(Box<UnbufferedServerConnection>),
    /// A TLS 1.3 connection once its handshake is done.
    Tls13(Tls13Records),
}

pub(crate) struct ServerTls {
    tcp: TcpStream,
    session: Session,
    /// Ciphertext read but not yet processed: at most a partial record between reads.
    incoming: Vec<u8>,
    /// Ciphertext to send; `outgoing[sent..]` is still unsent.
    outgoing: Vec<u8>,
    sent: usize,
    /// Decrypted bytes the reader has not taken; `plaintext[taken..]` is left.
    plaintext: Vec<u8>,
    taken: usize,
    /// The client sent close_notify or closed its side of TCP.
    read_done: bool,
    close_queued: bool,
    /// A TLS error ended the connection: its alert is queued and nothing more may be sent.
    broken: bool,
}

impl ServerTls {
    /// Runs the server side of a handshake. `hello` holds the bytes already read from `tcp`
    /// (the ClientHello). Alerts rustls raises are sent before an error returns. TLS 1.3
    /// connections whose config allows secret extraction go on without rustls' connection.
    pub(crate) async fn accept(
        tcp: TcpStream,
        hello: Vec<u8>,
        config: Arc<ServerConfig>,
    ) -> Result<(ServerTls, Established), HandshakeError> {
        let detach = config.enable_secret_extraction;
        let conn = UnbufferedServerConnection::new(config).map_err(HandshakeError::Tls)?;
        let mut tls = ServerTls {
            tcp,
            session: Session::Rustls(Box::new(conn)),
            incoming: hello,
            outgoing: Vec::new(),
            sent: 0,
            plaintext: Vec::new(),
            taken: 0,
            read_done: false,
            close_queued: false,
            broken: false,
        };
        loop {
            let step = tls.process(Send::Nothing);
            // Alerts go out before the error returns; the TLS error is the one worth naming.
            let sent = poll_fn(|cx| tls.poll_send(cx)).await;
            let step = step.map_err(HandshakeError::Tls)?;
            sent.map_err(HandshakeError::Io)?;
            match step {
                Step::Traffic | Step::Encrypted(_) => {
                    tls.release();
                    return tls.established(detach).map_err(HandshakeError::Tls);
                }
                Step::NeedHandshakeData => {
                    if poll_fn(|cx| tls.poll_fill(cx))
                        .await
                        .map_err(HandshakeError::Io)?
                        == 0
                    {
                        return Err(HandshakeError::Closed);
                    }
                }
            }
        }
    }

    /// Reads what the handshake settled and, when `detach` allows, hands a TLS 1.3
    /// connection's records over from rustls' connection to [`Tls13Records`].
    fn established(self, detach: bool) -> Result<(ServerTls, Established), rustls::Error> {
        let Session::Rustls(conn) = self.session else {
            unreachable!("a handshake runs on rustls' connection");
        };
        let established = Established {
            alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
            peer_certificates: conn.peer_certificates().map(<[_]>::to_vec),
        };
        let session = if detach && conn.protocol_version() == Some(ProtocolVersion::TLSv1_3) {
            Session::Tls13(Tls13Records::after_handshake(*conn)?)
        } else {
            Session::Rustls(conn)
        };
        Ok((ServerTls { session, ..self }, established))
    }

    /// Ready once the client has sent something after the handshake (or closed). It peeks at
    /// the socket from a poll rather than holding a read future: an idle connection waits in
    /// this, so it should cost nothing.
    pub(crate) fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.taken < self.plaintext.len() || !self.incoming.is_empty() || self.read_done {
            return Poll::Ready(());
        }
        peek_byte(&self.tcp, cx)
    }

    /// Opens the buffered ciphertext's whole records, then seals what `send` asks for.
    /// Decrypted data lands in `plaintext`, records to send in `outgoing`. On an error, any
    /// alert is queued first and the connection is done.
    fn process(&mut self, send: Send<'_>) -> Result<Step, rustls::Error> {
        let Session::Tls13(records) = &mut self.session else {
            return self.process_rustls(send);
        };
        let opened = records.open_all(&mut self.incoming, &mut self.plaintext, &mut self.outgoing);
        let step = match opened {
            Ok(closed) => {
                self.read_done |= closed;
                match send {
                    Send::Nothing => Ok(Step::Traffic),
                    Send::Data(data) => {
                        let data = &data[..data.len().min(WRITE_CHUNK)];
                        records
                            .seal_data(data, &mut self.outgoing)
                            .map(|()| Step::Encrypted(data.len()))
                    }
                    Send::CloseNotify => records
                        .seal_close_notify(&mut self.outgoing)
                        .map(|()| Step::Traffic),
                }
            }
            Err(fault) => Err(fault),
        };
        if let Err(fault) = &step {
            records.seal_alert_for(fault, &mut self.outgoing);
            self.fail();
        }
        step.map_err(|fault| fault.error)
    }

    /// The connection is dead: nothing buffered will be read, nothing more sent but the alert
    /// already queued.
    fn fail(&mut self) {
        self.incoming = Vec::new();
        self.read_done = true;
        self.broken = true;
    }

    /// [`Self::process`] while rustls' connection holds the session.
    fn process_rustls(&mut self, mut send: Send<'_>) -> Result<Step, rustls::Error> {
        let Session::Rustls(conn) = &mut self.session else {
            unreachable!("only called for rustls' connection");
        };
        loop {
            let UnbufferedStatus { mut discard, state } =
                conn.process_tls_records(&mut self.incoming);
            let step = match state {
                Err(e) => {
                    self.incoming.drain(..discard);
                    self.queue_alert();
                    self.fail();
                    return Err(e);
                }
                Ok(ConnectionState::ReadTraffic(mut records)) => {
                    while let Some(record) = records.next_record() {
                        let record = record?;
                        discard += record.discard;
                        self.plaintext.extend_from_slice(record.payload);
                    }
                    None
                }
                Ok(ConnectionState::EncodeTlsData(mut encode)) => {
                    grow_into(&mut self.outgoing, |out| match encode.encode(out) {
                        Err(EncodeError::InsufficientSize(InsufficientSizeError {
                            required_size,
                        })) => Err(required_size),
                        Err(e) => unreachable!("a record is encoded once: {e}"),
                        Ok(n) => Ok(n),
                    });
                    None
                }
                // Sent in order by `poll_send`; rustls only needs to know it is queued.
                Ok(ConnectionState::TransmitTlsData(transmit)) => {
                    transmit.done();
                    None
                }
                Ok(ConnectionState::BlockedHandshake) => Some(Step::NeedHandshakeData),
                Ok(ConnectionState::PeerClosed) => {
                    self.read_done = true;
                    None
                }
                Ok(ConnectionState::Closed) => {
                    self.read_done = true;
                    Some(Step::Traffic)
                }
                Ok(ConnectionState::WriteTraffic(mut write)) => {
                    match std::mem::replace(&mut send, Send::Nothing) {
                        Send::Nothing => Some(Step::Traffic),
                        Send::Data(data) => {
                            let data = &data[..data.len().min(WRITE_CHUNK)];
                            grow_into(&mut self.outgoing, |out| {
                                encrypted(write.encrypt(data, out))
                            });
                            Some(Step::Encrypted(data.len()))
                        }
                        Send::CloseNotify => {
                            grow_into(&mut self.outgoing, |out| {
                                encrypted(write.queue_close_notify(out))
                            });
                            Some(Step::Traffic)
                        }
                    }
                }
                // Early data is never enabled on the gateway's configs.
                Ok(_) => {
                    return Err(rustls::Error::General(
                        "unexpected TLS connection state (early data?)".into(),
                    ))
                }
            };
            self.incoming.drain(..discard);
            if let Some(step) = step {
                return Ok(step);
            }
        }
    }

    /// After an error rustls holds its alert (and any records queued just before it, such as
    /// a ServerHello) for the client: move them to `outgoing`. rustls hands out queued records
    /// before it looks at input again, and looking again at the input that failed would raise
    /// a second alert, so this stops once its queue is empty.
    fn queue_alert(&mut self) {
        let Session::Rustls(conn) = &mut self.session else {
            return;
        };
        while conn.wants_write() {
            let UnbufferedStatus { state, .. } = conn.process_tls_records(&mut self.incoming);
            let Ok(ConnectionState::EncodeTlsData(mut encode)) = state else {
                return;
            };
            grow_into(&mut self.outgoing, |out| match encode.encode(out) {
                Err(EncodeError::InsufficientSize(s)) => Err(s.required_size),
                Err(_) => Ok(0),
                Ok(n) => Ok(n),
            });
        }
    }

    /// Room is only made once the socket is readable, so a waiting connection holds none.
    /// The read goes through tokio's `poll_read`, which takes a short read as the socket
    /// drained: hyper's next read after a request then waits without a `recv` that would only
    /// say EAGAIN, on every request's path to the micro.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        ready!(self.tcp.poll_read_ready(cx))?;
        self.incoming.reserve(READ_CHUNK);
        let read = tokio_util::io::poll_read_buf(Pin::new(&mut self.tcp), cx, &mut self.incoming);
        if read.is_pending() {
            self.release();
        }
        read
    }

    /// Writes out everything queued in `outgoing`.
    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.outgoing.len() {
            let n = ready!(Pin::new(&mut self.tcp).poll_write(cx, &self.outgoing[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.outgoing = Vec::new();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }

    /// Frees the buffers that are empty, so a waiting connection holds none.
    fn release(&mut self) {
        if self.incoming.is_empty() {
            self.incoming = Vec::new();
        }
        if self.taken == self.plaintext.len() {
            self.plaintext = Vec::new();
            self.taken = 0;
        }
    }
}

/// Runs `f` on the spare end of `buf`, growing it by what `f` says it needs.
fn grow_into(buf: &mut Vec<u8>, mut f: impl FnMut(&mut [u8]) -> Result<usize, usize>) {
    let start = buf.len();
    let mut room = 0;
    loop {
        buf.resize(start + room, 0);
        match f(&mut buf[start..]) {
            Ok(n) => {
                buf.truncate(start + n);
                return;
            }
            Err(needed) if needed > room => room = needed,
            Err(_) => unreachable!("rustls asked for no more room than it was given"),
        }
    }
}

fn encrypted(r: Result<usize, EncryptError>) -> Result<usize, usize> {
    match r {
        Ok(n) => Ok(n),
        Err(EncryptError::InsufficientSize(s)) => Err(s.required_size),
        // Sequence numbers run out after 2^64 records; report nothing written.
        Err(_) => Ok(0),
    }
}

fn tls_error(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl AsyncRead for ServerTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.taken < this.plaintext.len() {
                let n = buf.remaining().min(this.plaintext.len() - this.taken);
                buf.put_slice(&this.plaintext[this.taken..this.taken + n]);
                this.taken += n;
                this.release();
                return Poll::Ready(Ok(()));
            }
            if this.read_done {
                return Poll::Ready(Ok(()));
            }
            let step = this.process(Send::Nothing);
            // Key-update replies and alerts go out as soon as they exist.
            if let Poll::Ready(Err(e)) = this.poll_send(cx) {
                return Poll::Ready(Err(e));
            }
            step.map_err(tls_error)?;
            if this.taken < this.plaintext.len() || this.read_done {
                continue;
            }
            this.release();
            if ready!(this.poll_fill(cx))? == 0 {
                // The client closed TCP without close_notify: the end of its data all the same.
                this.read_done = true;
                this.release();
            }
        }
    }
}

impl AsyncWrite for ServerTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_send(cx))?;
        if this.broken {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the TLS connection failed and was closed with an alert",
            )));
        }
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = match this.process(Send::Data(data)).map_err(tls_error)? {
            Step::Encrypted(n) => n,
            _ => {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "TLS connection cannot send application data",
                )))
            }
        };
        // Start sending now; what the socket does not take waits for the next call.
        if let Poll::Ready(Err(e)) = this.poll_send(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send(cx))?;
        Pin::new(&mut this.tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.close_queued && !this.broken {
            this.close_queued = true;
            this.process(Send::CloseNotify).map_err(tls_error)?;
        }
        ready!(this.poll_send(cx))?;
        Pin::new(&mut this.tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use rustls::server::WebPkiClientVerifier;
    use rustls::{ClientConfig, RootCertStore};
    use std::io::{Read, Write};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    struct Pki {
        server: Arc<ServerConfig>,
        client: Arc<ClientConfig>,
        anonymous: Arc<ClientConfig>,
    }

    fn leaf(
        ca: &rcgen::Certificate,
        ca_key: &KeyPair,
        uri: &str,
    ) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut p = CertificateParams::new(vec!["speccy.test".to_string()]).unwrap();
        p.subject_alt_names
            .push(SanType::URI(uri.to_string().try_into().unwrap()));
        let cert = p.signed_by(&key, ca, ca_key).unwrap();
        (
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
    }

    fn pki() -> Pki {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut p = CertificateParams::default();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = p.self_signed(&ca_key).unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(ca.der().clone()).unwrap();
        let roots = Arc::new(roots);
        let (chain, key) = leaf(&ca, &ca_key, "spiffe://test/ns/retro/sa/speccy");
        let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .unwrap();
        let mut server = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .unwrap();
        // As the gateway's policy sets it: TLS 1.3 records leave rustls after the handshake.
        server.enable_secret_extraction = true;
        let (chain, key) = leaf(&ca, &ca_key, "spiffe://test/ns/mesh/sa/caller");
        let client = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_client_auth_cert(chain, key)
            .unwrap();
        let anonymous = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Pki {
            server: Arc::new(server),
            client: Arc::new(client),
            anonymous: Arc::new(anonymous),
        }
    }

    /// A listening socket and the server side of the next handshake on it.
    async fn server(
        config: Arc<ServerConfig>,
    ) -> (
        std::net::SocketAddr,
        tokio::task::JoinHandle<Result<(ServerTls, Established), HandshakeError>>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            ServerTls::accept(tcp, Vec::new(), config).await
        });
        (addr, task)
    }

    async fn client(
        addr: std::net::SocketAddr,
        config: Arc<ClientConfig>,
    ) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(addr).await?;
        tokio_rustls::TlsConnector::from(config)
            .connect(ServerName::try_from("speccy.test").unwrap(), tcp)
            .await
    }

    /// The capacities of the incoming, outgoing and plaintext buffers.
    fn held(s: &ServerTls) -> (usize, usize, usize) {
        (
            s.incoming.capacity(),
            s.outgoing.capacity(),
            s.plaintext.capacity(),
        )
    }

    fn body(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    fn detached(s: &ServerTls) -> bool {
        matches!(s.session, Session::Tls13(_))
    }

    /// The established connection, and whether its records left rustls' connection.
    async fn connected(
        server: Arc<ServerConfig>,
        client_config: Arc<ClientConfig>,
    ) -> (tokio_rustls::client::TlsStream<TcpStream>, ServerTls) {
        let (addr, task) = self::server(server).await;
        let c = client(addr, client_config).await.unwrap();
        let (s, established) = task.await.unwrap().unwrap();
        let caller = established
            .peer_certificates
            .expect("the client's certificate");
        assert_eq!(caller.len(), 1);
        (c, s)
    }

    #[tokio::test]
    async fn large_bodies_cross_both_ways_and_close_notify_ends_the_read_side() {
        let pki = pki();
        let (c, s) = connected(pki.server.clone(), pki.client.clone()).await;
        assert!(
            detached(&s),
            "TLS 1.3 with secret extraction leaves rustls' connection"
        );
        echo_100k(c, s).await;
    }

    #[tokio::test]
    async fn rustls_carries_the_records_when_secrets_may_not_be_extracted() {
        let pki = pki();
        let mut config = (*pki.server).clone();
        config.enable_secret_extraction = false;
        let (c, s) = connected(Arc::new(config), pki.client.clone()).await;
        assert!(!detached(&s));
        echo_100k(c, s).await;
    }

    async fn echo_100k(mut c: tokio_rustls::client::TlsStream<TcpStream>, mut s: ServerTls) {
        let sent = body(100_000);
        let echo = tokio::spawn(async move {
            let mut got = vec![0u8; 100_000];
            s.read_exact(&mut got).await.unwrap();
            s.write_all(&got).await.unwrap();
            s.flush().await.unwrap();
            // The client's close_notify is the end of the stream, not an error.
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).await.unwrap();
            s.shutdown().await.unwrap();
            rest.len()
        });
        c.write_all(&sent).await.unwrap();
        let mut back = vec![0u8; sent.len()];
        c.read_exact(&mut back).await.unwrap();
        assert!(back == sent, "the echo differs from what was sent");
        c.shutdown().await.unwrap();
        assert_eq!(echo.await.unwrap(), 0, "nothing after the body");
        let mut tail = Vec::new();
        c.read_to_end(&mut tail).await.unwrap();
        assert!(tail.is_empty());
    }

    #[tokio::test]
    async fn a_connection_waiting_for_its_next_request_holds_no_buffers() {
        let pki = pki();
        let (mut c, mut s) = connected(pki.server.clone(), pki.client.clone()).await;
        assert_eq!(held(&s), (0, 0, 0), "after the handshake");
        c.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut head = [0u8; 18];
        s.read_exact(&mut head).await.unwrap();
        s.write_all(&body(40_000)).await.unwrap();
        s.flush().await.unwrap();
        let mut back = vec![0u8; 40_000];
        c.read_exact(&mut back).await.unwrap();
        // The next read finds nothing and waits: by then every buffer has been given back.
        let mut buf = [0u8; 64];
        let pending = poll_fn(|cx| {
            let r = Pin::new(&mut s).poll_read(cx, &mut ReadBuf::new(&mut buf));
            Poll::Ready(r.is_pending())
        })
        .await;
        assert!(pending, "the client sent nothing more");
        assert_eq!(held(&s), (0, 0, 0), "while waiting");
        assert!(poll_fn(|cx| Poll::Ready(s.poll_readable(cx).is_pending())).await);
        c.write_all(b"x").await.unwrap();
        poll_fn(|cx| s.poll_readable(cx)).await;
        s.read_exact(&mut buf[..1]).await.unwrap();
        assert_eq!(buf[0], b'x');
    }

    #[tokio::test]
    async fn records_arriving_a_few_bytes_at_a_time_are_put_back_together() {
        let pki = pki();
        let (addr, server) = server(pki.server.clone()).await;
        let client_config = pki.client.clone();
        let sent = body(30_000);
        let expected = sent.clone();
        // A blocking rustls client that hands its records to TCP in 7-byte pieces.
        let trickle = std::thread::spawn(move || {
            let mut tcp = std::net::TcpStream::connect(addr).unwrap();
            tcp.set_nodelay(true).unwrap();
            let name = ServerName::try_from("speccy.test").unwrap();
            let mut conn = rustls::ClientConnection::new(client_config, name).unwrap();
            while conn.is_handshaking() {
                conn.complete_io(&mut tcp).unwrap();
            }
            conn.writer().write_all(&sent).unwrap();
            let mut records = Vec::new();
            while conn.wants_write() {
                conn.write_tls(&mut records).unwrap();
            }
            for piece in records.chunks(7) {
                tcp.write_all(piece).unwrap();
            }
            // Wait for the server's one-byte verdict before closing.
            let mut reply = [0u8; 1];
            loop {
                conn.complete_io(&mut tcp).unwrap();
                if conn.reader().read(&mut reply).is_ok() {
                    return reply[0];
                }
            }
        });
        let (mut s, _) = server.await.unwrap().unwrap();
        let mut got = vec![0u8; expected.len()];
        s.read_exact(&mut got).await.unwrap();
        let verdict = if got == expected { b'=' } else { b'!' };
        s.write_all(&[verdict]).await.unwrap();
        s.flush().await.unwrap();
        let verdict = tokio::task::spawn_blocking(move || trickle.join().unwrap())
            .await
            .unwrap();
        assert_eq!(verdict, b'=', "the server read different bytes");
    }

    #[tokio::test]
    async fn a_client_without_a_certificate_is_told_so_by_an_alert() {
        let pki = pki();
        let (addr, server) = server(pki.server.clone()).await;
        // TLS 1.3 clients finish first; the refusal reaches them as an alert on their read.
        let c = client(addr, pki.anonymous.clone()).await;
        let err = match server.await.unwrap() {
            Err(e) => e.to_string(),
            Ok(_) => panic!("a handshake without a client certificate succeeded"),
        };
        assert!(err.contains("no certificates"), "{err}");
        let mut c = c.unwrap();
        let read = c.read(&mut [0u8; 8]).await;
        let alert = read.expect_err("the client is refused").to_string();
        assert!(alert.contains("CertificateRequired"), "{alert}");
    }

    #[tokio::test]
    async fn garbage_after_the_handshake_is_an_error_that_names_it() {
        let pki = pki();
        let cases: [(&[u8], &str, &str); 3] = [
            // A well-formed application-data record header with a body no key made.
            (
                b"\x17\x03\x03\x00\x20not encrypted by anyone at all!!",
                "decrypt",
                "BadRecordMac",
            ),
            // A record longer than TLS 1.3 allows.
            (
                b"\x17\x03\x03\x48\x00",
                "excess record size",
                "RecordOverflow",
            ),
            // An unprotected alert, which TLS 1.3 forbids once the handshake is done.
            (
                b"\x15\x03\x03\x00\x02\x02\x28",
                "Alert",
                "UnexpectedMessage",
            ),
        ];
        for (garbage, named, alert) in cases {
            let (mut c, mut s) = connected(pki.server.clone(), pki.client.clone()).await;
            c.get_mut().0.write_all(garbage).await.unwrap();
            let err = s.read(&mut [0u8; 16]).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(err.to_string().contains(named), "{err}");
            // The client hears why, and the server sends nothing more.
            let heard = c.read(&mut [0u8; 8]).await.unwrap_err().to_string();
            assert!(heard.contains(alert), "{heard}");
            let refused = s.write_all(b"late").await.unwrap_err();
            assert_eq!(refused.kind(), io::ErrorKind::BrokenPipe);
        }
    }

    #[tokio::test]
    async fn a_fatal_alert_from_the_client_ends_the_stream_with_its_name() {
        let pki = pki();
        let (mut c, mut s) = connected(pki.server.clone(), pki.client.clone()).await;
        // A record the client cannot open makes it send bad_record_mac, sealed as TLS 1.3 says.
        s.tcp
            .write_all(b"\x17\x03\x03\x00\x20no key made this record, honestly")
            .await
            .unwrap();
        let heard = c.read(&mut [0u8; 8]).await.unwrap_err().to_string();
        assert!(heard.contains("decrypt"), "{heard}");
        let _ = c.flush().await;
        let err = s.read(&mut [0u8; 8]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("BadRecordMac"), "{err}");
    }

    #[tokio::test]
    async fn a_key_update_the_client_asks_for_is_answered_in_both_directions() {
        let pki = pki();
        let (mut c, mut s) = connected(pki.server.clone(), pki.client.clone()).await;
        let mut buf = [0u8; 5];
        for round in 0..3u8 {
            c.write_all(b"ping").await.unwrap();
            c.get_mut().1.refresh_traffic_keys().unwrap();
            c.write_all(&[round]).await.unwrap();
            c.flush().await.unwrap();
            // Read under the client's old key, then its new one.
            s.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, &[b'p', b'i', b'n', b'g', round]);
            // The reply is sealed under the server's new key, which the client expects.
            s.write_all(&[round; 5]).await.unwrap();
            s.flush().await.unwrap();
            c.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf, [round; 5]);
            let Session::Tls13(records) = &s.session else {
                panic!("TLS 1.3 records left rustls' connection");
            };
            // The KeyUpdate went under the old key, the reply alone under the new one.
            assert_eq!(records.sealed_under_this_key(), 1, "round {round}");
        }
    }

    #[tokio::test]
    async fn the_server_changes_its_key_before_the_confidentiality_limit() {
        let pki = pki();
        let (mut c, mut s) = connected(pki.server.clone(), pki.client.clone()).await;
        let Session::Tls13(records) = &mut s.session else {
            panic!("TLS 1.3 records left rustls' connection");
        };
        records.set_limit(3);
        let sent = body(MAX_PLAINTEXT * 5 + 17);
        s.write_all(&sent).await.unwrap();
        s.flush().await.unwrap();
        let mut got = vec![0u8; sent.len()];
        c.read_exact(&mut got).await.unwrap();
        assert!(got == sent, "the client read different bytes");
        let Session::Tls13(records) = &s.session else {
            unreachable!()
        };
        // Six data records under a limit of 3 took two key changes; the count restarted.
        assert!(
            records.sealed_under_this_key() < 3,
            "the key was never changed"
        );
    }

    #[tokio::test]
    async fn a_client_that_vanishes_mid_handshake_is_named() {
        let pki = pki();
        let (addr, server) = server(pki.server.clone()).await;
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        // The first bytes of a ClientHello record, then nothing.
        tcp.write_all(b"\x16\x03\x01\x02\x00\x01").await.unwrap();
        drop(tcp);
        let err = match server.await.unwrap() {
            Err(e) => e,
            Ok(_) => panic!("a handshake completed with no client"),
        };
        assert!(matches!(err, HandshakeError::Closed), "{err}");
        assert!(err.to_string().contains("mid-handshake"), "{err}");
    }
}
