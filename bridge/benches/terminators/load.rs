//! The load generator and its mTLS client (the client-side hop), and the echo backend.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// One keep-alive HTTP/1.1 connection of the load generator's.
pub type Sender = SendRequest<Full<Bytes>>;

/// The name every terminator's certificate carries, sent as SNI and checked by the client.
pub const SERVER_NAME: &str = "echo.retromesh.svc.cluster.local";

/// Where and how to send requests.
#[derive(Clone)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub path: &'static str,
    /// None: plaintext (the baseline).
    pub tls: Option<TlsConnector>,
}

/// The client side of mTLS, the same for every terminator: rustls (ring), TLS 1.3 only,
/// TLS_AES_128_GCM_SHA256, P-256 key exchange (the only group retromesh offers, so no
/// HelloRetryRequest anywhere), no session resumption, the load generator's certificate.
pub fn client_config(certs: &Path, with_cert: bool) -> Result<TlsConnector, String> {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = vec![rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256];
    provider.kx_groups = vec![rustls::crypto::ring::kx_group::SECP256R1];
    let mut roots = rustls::RootCertStore::empty();
    let root_file = certs.join("client/root-cert.pem");
    for c in CertificateDer::pem_file_iter(&root_file).map_err(|e| format!("{e:?}"))? {
        roots
            .add(c.map_err(|e| format!("{e:?}"))?)
            .map_err(|e| e.to_string())?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    let mut config = if with_cert {
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(certs.join("client/cert-chain.pem"))
                .map_err(|e| format!("{e:?}"))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{e:?}"))?;
        let key = PrivateKeyDer::from_pem_file(certs.join("client/key.pem"))
            .map_err(|e| format!("{e:?}"))?;
        builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| e.to_string())?
    } else {
        builder.with_no_client_auth()
    };
    config.resumption = rustls::client::Resumption::disabled();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

fn server_name() -> ServerName<'static> {
    ServerName::try_from(SERVER_NAME).expect("a DNS name")
}

/// One keep-alive HTTP/1.1 connection.
pub async fn connect(ep: &Endpoint) -> Result<Sender, String> {
    let tcp = TcpStream::connect(ep.addr)
        .await
        .map_err(|e| format!("connect {}: {e}", ep.addr))?;
    let _ = tcp.set_nodelay(true);
    match &ep.tls {
        None => handshake_http(tcp).await,
        Some(tls) => {
            let s = tls
                .connect(server_name(), tcp)
                .await
                .map_err(|e| format!("TLS handshake with {}: {e}", ep.addr))?;
            handshake_http(s).await
        }
    }
}

async fn handshake_http<T>(io: T) -> Result<Sender, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok(sender)
}

/// POSTs `body` and checks that it comes back.
pub async fn request(sender: &mut Sender, ep: &Endpoint, body: &Bytes) -> Result<(), String> {
    sender.ready().await.map_err(|e| e.to_string())?;
    let req = hyper::Request::post(ep.path)
        .header("host", SERVER_NAME)
        .header("content-type", "application/octet-stream")
        .body(Full::new(body.clone()))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let got = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if status != 200 {
        return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&got)));
    }
    if got != *body {
        return Err(format!("body came back as {got:?}"));
    }
    Ok(())
}

/// Retries one request on a new connection until it works or `wait` passes.
pub async fn wait_ready(ep: &Endpoint, body: &Bytes, wait: Duration) -> Result<(), String> {
    let until = Instant::now() + wait;
    loop {
        let attempt = async {
            let mut s = connect(ep).await?;
            request(&mut s, ep, body).await
        };
        match tokio::time::timeout(Duration::from_secs(5), attempt).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) if Instant::now() > until => return Err(e),
            Err(_) if Instant::now() > until => return Err("no answer in 5 s".into()),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Latencies of one open-loop run.
pub struct RunResult {
    /// Microseconds from each request's intended send time to its whole answer, sorted.
    pub latencies_us: Vec<u64>,
    pub errors: u64,
    pub first_error: Option<String>,
}

impl RunResult {
    pub fn pct(&self, p: f64) -> f64 {
        percentile(&self.latencies_us, p)
    }
}

pub fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64
}

/// One stream of an interleaved run: where its requests go, and its fixed keep-alive pool.
pub struct Stream<'a> {
    pub ep: &'a Endpoint,
    pub senders: &'a mut Vec<Sender>,
}

/// Sends `rate` requests a second in all for `secs`, open loop, dealing the send slots to
/// `streams` in turn, so that a slow spell on the machine falls on every stream alike. The
/// round's first slot moves on by one stream every round, so each stream takes every place in
/// the round. The send times are fixed in advance by a ticker thread, and a request that has to
/// wait for a free connection of its stream's pool counts the wait in its latency. One result
/// per stream.
pub async fn open_loop_interleaved(
    streams: &mut [Stream<'_>],
    body: &Bytes,
    rate: f64,
    secs: f64,
) -> Vec<RunResult> {
    let n = (rate * secs).round() as u64;
    let ways = streams.len() as u64;
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..ways)
        .map(|_| tokio::sync::mpsc::unbounded_channel::<Instant>())
        .unzip();
    let start = Instant::now() + Duration::from_millis(20);
    // A plain thread: tokio's timer wheel has 1 ms steps, which would show up as latency.
    let period = Duration::from_secs_f64(1.0 / rate);
    let ticker = std::thread::spawn(move || {
        for i in 0..n {
            let at = start + period.mul_f64(i as f64);
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
            let round = i / ways;
            if txs[((i + round) % ways) as usize].send(at).is_err() {
                break;
            }
        }
    });
    let mut running = Vec::new();
    for (stream, rx) in streams.iter_mut().zip(rxs) {
        running.push(spawn_workers(stream, rx, body));
    }
    let _ = tokio::task::spawn_blocking(move || ticker.join()).await;
    let mut results = Vec::new();
    for (stream, workers) in streams.iter_mut().zip(running) {
        results.push(workers.collect(stream.senders).await);
    }
    results
}

/// A stream's pool at work: one task per connection, each taking the next send time.
struct Workers {
    tasks: Vec<tokio::task::JoinHandle<(Sender, Vec<u64>)>>,
    errors: Arc<AtomicU64>,
    first_error: Arc<std::sync::Mutex<Option<String>>>,
}

fn spawn_workers(
    stream: &mut Stream<'_>,
    rx: tokio::sync::mpsc::UnboundedReceiver<Instant>,
    body: &Bytes,
) -> Workers {
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let mut tasks = Vec::new();
    for mut s in stream.senders.drain(..) {
        let rx = rx.clone();
        let ep = stream.ep.clone();
        let body = body.clone();
        let errors = errors.clone();
        let first_error = first_error.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let Some(at) = rx.lock().await.recv().await else {
                    break;
                };
                match request(&mut s, &ep, &body).await {
                    Ok(()) => lat.push(at.elapsed().as_micros() as u64),
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        first_error.lock().unwrap().get_or_insert(e);
                        // The connection may be gone: replace it.
                        if let Ok(fresh) = connect(&ep).await {
                            s = fresh;
                        }
                    }
                }
            }
            (s, lat)
        }));
    }
    Workers {
        tasks,
        errors,
        first_error,
    }
}

impl Workers {
    /// Waits for the stream's last answers; its connections go back into `senders`.
    async fn collect(self, senders: &mut Vec<Sender>) -> RunResult {
        let mut all = Vec::new();
        for w in self.tasks {
            if let Ok((s, lat)) = w.await {
                senders.push(s);
                all.extend(lat);
            }
        }
        all.sort_unstable();
        let first_error = self.first_error.lock().unwrap().take();
        RunResult {
            latencies_us: all,
            errors: self.errors.load(Ordering::Relaxed),
            first_error,
        }
    }
}

/// Full handshakes a second: `conc` loops, each making a new TCP connection, a full TLS 1.3
/// handshake with the client certificate, then close_notify and waiting for the server to
/// close. That last step makes the server read (and so check) the client's certificate and
/// Finished, which in TLS 1.3 come after the client considers the handshake done.
pub async fn handshakes(ep: &Endpoint, conc: usize, secs: f64) -> (f64, u64, Option<String>) {
    let tls = ep.tls.clone().expect("handshakes need TLS");
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let tls = tls.clone();
        let addr = ep.addr;
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut bad, mut first) = (0u64, 0u64, None::<String>);
            while Instant::now() < until {
                let one = async {
                    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
                    let _ = tcp.set_nodelay(true);
                    let mut s = tls
                        .connect(server_name(), tcp)
                        .await
                        .map_err(|e| e.to_string())?;
                    s.shutdown().await.map_err(|e| e.to_string())?;
                    let mut buf = [0u8; 256];
                    loop {
                        match s.read(&mut buf).await {
                            Ok(0) => return Ok(()),
                            Ok(_) => {}
                            // Some servers reset, or close without their own close_notify,
                            // after ours: the handshake is done either way.
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    std::io::ErrorKind::ConnectionReset
                                        | std::io::ErrorKind::UnexpectedEof
                                ) =>
                            {
                                return Ok(())
                            }
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                };
                match tokio::time::timeout(Duration::from_secs(10), one).await {
                    Ok(Ok(())) => ok += 1,
                    Ok(Err(e)) => {
                        bad += 1;
                        first.get_or_insert(e);
                    }
                    Err(_) => {
                        bad += 1;
                        first.get_or_insert("handshake took over 10 s".into());
                    }
                }
            }
            (ok, bad, first)
        }));
    }
    let (mut ok, mut bad, mut first) = (0, 0, None);
    for t in tasks {
        if let Ok((o, b, f)) = t.await {
            ok += o;
            bad += b;
            if first.is_none() {
                first = f;
            }
        }
    }
    (ok as f64 / start.elapsed().as_secs_f64(), bad, first)
}

/// Completed mTLS connections held open (handshake only, no request), each watched by a task
/// that notices when the server closes it.
pub struct Held {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    pub alive: Arc<AtomicU64>,
    pub opened: u64,
    pub failed: u64,
    pub first_error: Option<String>,
    pub open_secs: f64,
}

impl Drop for Held {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

pub async fn hold(ep: &Endpoint, n: usize, conc: usize) -> Held {
    let tls = ep.tls.clone().expect("held connections are mTLS");
    let alive = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(conc));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<Result<(), String>>();
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let permit = sem.clone().acquire_owned().await.expect("open semaphore");
        let tls = tls.clone();
        let addr = ep.addr;
        let alive = alive.clone();
        let done_tx = done_tx.clone();
        tasks.push(tokio::spawn(async move {
            let one = async {
                let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
                let _ = tcp.set_nodelay(true);
                tls.connect(server_name(), tcp)
                    .await
                    .map_err(|e| e.to_string())
            };
            let s = tokio::time::timeout(Duration::from_secs(30), one).await;
            drop(permit);
            let mut s = match s {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    let _ = done_tx.send(Err(e));
                    return;
                }
                Err(_) => {
                    let _ = done_tx.send(Err("handshake took over 30 s".into()));
                    return;
                }
            };
            alive.fetch_add(1, Ordering::Relaxed);
            let _ = done_tx.send(Ok(()));
            // Reading processes anything the server sends (tickets); it returns when the
            // server closes or rejects the connection.
            let mut buf = [0u8; 64];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            alive.fetch_sub(1, Ordering::Relaxed);
            // Keep the socket until aborted, so the count of our fds stays put.
            std::future::pending::<()>().await;
        }));
    }
    drop(done_tx);
    let (mut opened, mut failed, mut first_error) = (0, 0, None);
    // Each task reports once and then lives on holding its sender: count, don't wait for close.
    for _ in 0..n {
        let Some(r) = done_rx.recv().await else {
            break;
        };
        match r {
            Ok(()) => opened += 1,
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    Held {
        tasks,
        alive,
        opened,
        failed,
        first_error,
        open_secs: start.elapsed().as_secs_f64(),
    }
}

/// The echo backend: HTTP/1.1 keep-alive, answers every request with its body. Run in its own
/// process (`--echo-server`) so that its sockets and CPU are apart from the load generator's.
pub fn echo_server_main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the echo backend");
        println!("{}", listener.local_addr().expect("bound").port());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(
                    |req: hyper::Request<hyper::body::Incoming>| async move {
                        let body = req.into_body().collect().await?.to_bytes();
                        Ok::<_, hyper::Error>(
                            hyper::Response::builder()
                                .header("content-type", "application/octet-stream")
                                .body(Full::new(body))
                                .expect("a response"),
                        )
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}
