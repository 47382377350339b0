//! Shared test parts: a test PKI made with rcgen (PEMs in a tempdir for curl, openssl and
//! Python), a gateway on 127.0.0.1, a micro that answers with its caller, captured logs, and
//! external clients run without blocking the runtime.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use retromesh_gateway::{
    serve_tls, Api, IdentityChoice, ServerIdentity, SniMap, TlsListener, TlsSettings, TrustBundle,
};
use retromesh_link::profile::{LinkOverrides, MachineProfile};
use retromesh_link::session::OpenedLine;
use retromesh_link::upstream::HttpServices;
use retromesh_link::{Micro, MicroSpec};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

pub const TRUST_DOMAIN: &str = "cluster.local";
pub const SPECCY_FQDN: &str = "speccy.retromesh.svc.cluster.local";
pub const C64_FQDN: &str = "c64.retromesh.svc.cluster.local";
pub const SPECCY_ID: &str = "spiffe://cluster.local/ns/retromesh/sa/speccy";
pub const C64_ID: &str = "spiffe://cluster.local/ns/retromesh/sa/c64";
pub const CLIENT_ID: &str = "spiffe://cluster.local/ns/mesh/sa/weather";
pub const WAIT: Duration = Duration::from_secs(15);

pub fn speccy_sni(port: u16) -> String {
    format!("outbound_.{port}_._.{SPECCY_FQDN}")
}

/// A CA able to issue leaves.
pub struct Ca {
    pub cert: rcgen::Certificate,
    key: KeyPair,
    pub pem: PathBuf,
}

/// A certificate and key, in DER and as PEM files.
#[derive(Clone)]
pub struct Leaf {
    pub der: CertificateDer<'static>,
    pub key_der: Vec<u8>,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

impl Leaf {
    pub fn identity(&self, spiffe_id: &str) -> Arc<ServerIdentity> {
        Arc::new(ServerIdentity {
            spiffe_id: spiffe_id.to_string(),
            chain: vec![self.der.clone()],
            key: self.key(),
        })
    }

    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

/// What a leaf looks like.
pub struct LeafSpec<'a> {
    pub name: &'a str,
    pub uris: &'a [&'a str],
    pub dns: &'a [&'a str],
    pub expired: bool,
}

impl<'a> LeafSpec<'a> {
    pub fn new(name: &'a str, uris: &'a [&'a str], dns: &'a [&'a str]) -> Self {
        LeafSpec {
            name,
            uris,
            dns,
            expired: false,
        }
    }
}

pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        path
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Ca {
    pub fn new(dir: &Dir, name: &str) -> Ca {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut p = CertificateParams::default();
        p.distinguished_name.push(DnType::CommonName, name);
        p.distinguished_name
            .push(DnType::OrganizationName, "retromesh test");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = p.self_signed(&key).unwrap();
        let pem = dir.write(&format!("{name}.pem"), &cert.pem());
        Ca { cert, key, pem }
    }

    pub fn der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    /// Issues a leaf usable for both server and client auth, as Istio's are.
    pub fn issue(&self, dir: &Dir, spec: LeafSpec<'_>) -> Leaf {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut p = CertificateParams::default();
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name.push(DnType::CommonName, spec.name);
        p.subject_alt_names = spec
            .uris
            .iter()
            .map(|u| SanType::URI(u.to_string().try_into().unwrap()))
            .chain(
                spec.dns
                    .iter()
                    .map(|d| SanType::DnsName(d.to_string().try_into().unwrap())),
            )
            .collect();
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        p.use_authority_key_identifier_extension = true;
        if spec.expired {
            p.not_before = rcgen::date_time_ymd(2020, 1, 1);
            p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let cert = p.signed_by(&key, &self.cert, &self.key).unwrap();
        Leaf {
            der: cert.der().clone(),
            key_der: key.serialize_der(),
            cert_pem: dir.write(&format!("{}.crt", spec.name), &cert.pem()),
            key_pem: dir.write(&format!("{}.key", spec.name), &key.serialize_pem()),
        }
    }
}

/// The usual cast: one mesh CA, an unrelated CA, two micros and clients good and bad.
pub struct Pki {
    pub dir: Dir,
    pub ca: Ca,
    pub other_ca: Ca,
    pub speccy: Leaf,
    pub c64: Leaf,
    pub client: Leaf,
    pub expired: Leaf,
    pub stranger: Leaf,
    pub sanless: Leaf,
    pub foreign_domain: Leaf,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = Dir::new();
        let ca = Ca::new(&dir, "mesh-ca");
        let other_ca = Ca::new(&dir, "other-ca");
        let speccy = ca.issue(&dir, LeafSpec::new("speccy", &[SPECCY_ID], &[SPECCY_FQDN]));
        let c64 = ca.issue(&dir, LeafSpec::new("c64", &[C64_ID], &[C64_FQDN]));
        let client = ca.issue(&dir, LeafSpec::new("client", &[CLIENT_ID], &[]));
        let expired = ca.issue(
            &dir,
            LeafSpec {
                expired: true,
                ..LeafSpec::new("expired", &[CLIENT_ID], &[])
            },
        );
        let stranger = other_ca.issue(&dir, LeafSpec::new("stranger", &[CLIENT_ID], &[]));
        let sanless = ca.issue(&dir, LeafSpec::new("sanless", &[], &[]));
        let foreign_domain = ca.issue(
            &dir,
            LeafSpec::new("foreign", &["spiffe://elsewhere.example/ns/x/sa/y"], &[]),
        );
        Pki {
            dir,
            ca,
            other_ca,
            speccy,
            c64,
            client,
            expired,
            stranger,
            sanless,
            foreign_domain,
        }
    }

    pub fn bundle(&self) -> Arc<TrustBundle> {
        Arc::new(TrustBundle {
            roots: vec![self.ca.der()],
            trust_domain: TRUST_DOMAIN.into(),
        })
    }

    pub fn sni_map(&self) -> SniMap {
        SniMap::new()
            .with_micro("speccy", SPECCY_FQDN)
            .unwrap()
            .with_micro("c64", C64_FQDN)
            .unwrap()
    }
}

/// A running gateway and the channels that feed it.
pub struct Gateway {
    pub addr: SocketAddr,
    pub speccy_tx: watch::Sender<Arc<ServerIdentity>>,
    pub c64_tx: watch::Sender<Arc<ServerIdentity>>,
    pub bundle_tx: watch::Sender<Arc<TrustBundle>>,
}

impl Gateway {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

/// Starts a gateway for speccy and c64 with `settings`, serving `api`.
pub async fn gateway(pki: &Pki, settings: TlsSettings, api: Api) -> Gateway {
    let (speccy_tx, speccy_rx) = watch::channel(pki.speccy.identity(SPECCY_ID));
    let (c64_tx, c64_rx) = watch::channel(pki.c64.identity(C64_ID));
    let (bundle_tx, bundle_rx) = watch::channel(pki.bundle());
    let tls = TlsListener::new(
        [
            ("speccy".to_string(), speccy_rx),
            ("c64".to_string(), c64_rx),
        ],
        bundle_rx,
        settings,
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_tls(listener, tls, api));
    Gateway {
        addr,
        speccy_tx,
        c64_tx,
        bundle_tx,
    }
}

pub fn by_sni(pki: &Pki) -> TlsSettings {
    TlsSettings::new(IdentityChoice::BySni(pki.sni_map()))
}

// --- a micro that answers every request with its FROM line ---

async fn read_block(r: &mut (impl AsyncBufReadExt + Unpin)) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    loop {
        let mut buf = Vec::new();
        if r.read_until(b'\r', &mut buf).await.ok()? == 0 {
            return None;
        }
        let line = String::from_utf8_lossy(&buf)
            .trim_end_matches('\r')
            .to_string();
        let end = line == ".";
        lines.push(line);
        if end {
            return Some(lines);
        }
    }
}

/// A line-mode micro named `name` that replies to each request with `FROM <caller>`.
pub async fn echo_micro(name: &str) -> Micro {
    answering_micro(name, |block| {
        block.iter().find(|l| l.starts_with("FROM ")).cloned()
    })
    .await
}

/// A line-mode micro that replies `REPLY <answer(request block)>` to each request; `None`
/// means the block was not a request.
pub async fn answering_micro(
    name: &str,
    answer: impl Fn(&[String]) -> Option<String> + Send + 'static,
) -> Micro {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let profile = LinkOverrides {
        baud: Some(115_200),
        byte_gap_ms: Some(0),
        line_gap_ms: Some(0),
        ..Default::default()
    }
    .apply(MachineProfile::by_name("zx-if1").unwrap())
    .unwrap();
    let mut spec = MicroSpec::new(
        name,
        profile,
        Arc::new(OpenedLine::new(Box::new(a), "test line")),
    );
    spec.deadline = WAIT;
    let upstream = Arc::new(HttpServices::new(BTreeMap::new(), WAIT, 1024));
    let micro = retromesh_link::spawn(spec, upstream);
    let (rd, mut wr) = tokio::io::split(b);
    let mut rd = BufReader::new(rd);
    wr.write_all(b"LISTEN\r").await.unwrap();
    let listening = tokio::time::timeout(WAIT, read_block(&mut rd))
        .await
        .unwrap();
    assert_eq!(listening.unwrap(), ["200 LISTENING", "."]);
    tokio::spawn(async move {
        while let Some(block) = read_block(&mut rd).await {
            if !block.iter().any(|l| l.starts_with("FROM ")) {
                continue; // the answer to our REPLY
            }
            let Some(text) = answer(&block) else {
                continue;
            };
            let reply = format!("REPLY {text}\r");
            if wr.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
        }
    });
    micro
}

/// An API with speccy and c64 micros that echo their caller.
pub async fn echo_api() -> Api {
    Api::new([echo_micro("speccy").await, echo_micro("c64").await])
}

// --- logs ---

/// Log lines of the current thread's tests (the runtime is single-threaded, so the gateway's
/// tasks log on this thread too).
#[derive(Clone, Default)]
pub struct Logs(Arc<(Mutex<String>, Notify)>);

impl Logs {
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        self.0 .0.lock().unwrap().clone()
    }

    /// Waits until a log line contains `needle` and returns that line.
    pub async fn wait_for(&self, needle: &str) -> String {
        self.wait_for_lines(needle, 1).await.remove(0)
    }

    /// Waits until `n` log lines contain `needle` and returns them.
    pub async fn wait_for_lines(&self, needle: &str, n: usize) -> Vec<String> {
        let find = || {
            let lines: Vec<String> = self
                .text()
                .lines()
                .filter(|l| l.contains(needle))
                .map(str::to_string)
                .collect();
            (lines.len() >= n).then_some(lines)
        };
        let wait = async {
            loop {
                let notified = self.0 .1.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if let Some(lines) = find() {
                    return lines;
                }
                notified.await;
            }
        };
        match tokio::time::timeout(WAIT, wait).await {
            Ok(lines) => lines,
            Err(_) => panic!("not {n} log lines with {needle:?}; logs:\n{}", self.text()),
        }
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
             .0
            .lock()
            .unwrap()
            .push_str(&String::from_utf8_lossy(buf));
        self.0 .1.notify_waiters();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// --- external clients ---

/// Runs a program to completion without blocking the runtime.
pub async fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{program} is needed for this test: {e}"));
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.unwrap();
    }
    drop(input);
    tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{program} {args:?} did not finish"))
        .unwrap()
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// curl to `https://{host}:{port}{path}` pinned to 127.0.0.1, with optional client cert.
/// Prints the body, then a last line `HTTP <code> <version>`.
pub async fn curl_tls(
    pki: &Pki,
    port: u16,
    host: &str,
    path: &str,
    client: Option<&Leaf>,
    extra: &[&str],
) -> Output {
    let resolve = format!("{host}:{port}:127.0.0.1");
    let url = format!("https://{host}:{port}{path}");
    let ca = pki.ca.pem.to_str().unwrap().to_string();
    let mut args: Vec<String> = [
        "-sS",
        "--max-time",
        "10",
        "--cacert",
        &ca,
        "--resolve",
        &resolve,
        "-w",
        "\nHTTP %{http_code} %{http_version}\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(c) = client {
        args.extend([
            "--cert".into(),
            c.cert_pem.to_str().unwrap().into(),
            "--key".into(),
            c.key_pem.to_str().unwrap().into(),
        ]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("curl", &args, None).await
}

/// openssl s_client against the gateway; `extra` adds e.g. `-alpn`, `-tls1_2`.
pub async fn s_client(pki: &Pki, port: u16, sni: &str, client: &Leaf, extra: &[&str]) -> Output {
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_client",
        "-connect",
        &connect,
        "-servername",
        sni,
        "-CAfile",
        pki.ca.pem.to_str().unwrap(),
        "-cert",
        client.cert_pem.to_str().unwrap(),
        "-key",
        client.key_pem.to_str().unwrap(),
        "-showcerts",
    ];
    args.extend_from_slice(extra);
    run("openssl", &args, Some("")).await
}
