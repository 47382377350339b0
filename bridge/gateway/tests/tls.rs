//! The gateway's mTLS layer against real clients: curl, openssl s_client, Python's ssl module
//! and a rustls client, with certificates made here by rcgen.

mod support;

use std::net::SocketAddr;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use retromesh_gateway::tls::verify::leaf_spiffe_id;
use retromesh_gateway::{
    Api, IdentityChoice, MtlsMode, ServerIdentity, TlsError, TlsListener, TlsPolicy, TlsSettings,
    TrustBundle,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

const WHO: &str = "/v1/micros/speccy/rpc/who";

/// The `HTTP <code> <version>` line curl_tls prints last.
fn status(o: &Output) -> String {
    out(o).lines().last().unwrap_or_default().to_string()
}

fn both(o: &Output) -> String {
    format!("{}{}", out(o), err(o))
}

#[tokio::test]
async fn good_client_gets_200_and_the_micro_sees_its_spiffe_id() {
    let (_logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let gw = gateway(&pki, by_sni(&pki), echo_api().await).await;

    let o = curl_tls(&pki, gw.port(), SPECCY_FQDN, WHO, Some(&pki.client), &[]).await;
    assert!(o.status.success(), "{}", err(&o));
    // curl offers h2 and http/1.1: h2 comes first in the gateway's order.
    assert_eq!(out(&o), format!("FROM {CLIENT_ID}\nHTTP 200 2\n"));

    let o = curl_tls(
        &pki,
        gw.port(),
        SPECCY_FQDN,
        "/v1/micros",
        Some(&pki.client),
        &["--http1.1"],
    )
    .await;
    assert_eq!(status(&o), "HTTP 200 1.1", "{}", both(&o));
    assert!(out(&o).contains("\"name\": \"c64\""), "{}", out(&o));
}

#[tokio::test]
async fn unknown_ca_expired_sanless_and_foreign_domain_certs_fail_the_handshake_and_say_why() {
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let gw = gateway(&pki, by_sni(&pki), echo_api().await).await;
    for (leaf, why) in [
        (&pki.stranger, "signed by an unknown CA (issuer "),
        (&pki.expired, "expired at "),
        (
            &pki.sanless,
            "it has no spiffe:// URI SAN (subject CN=sanless)",
        ),
        (
            &pki.foreign_domain,
            "it is for spiffe://elsewhere.example/ns/x/sa/y, outside trust domain cluster.local",
        ),
    ] {
        let o = curl_tls(&pki, gw.port(), SPECCY_FQDN, WHO, Some(leaf), &[]).await;
        assert!(!o.status.success(), "{why}: {}", both(&o));
        assert!(!out(&o).contains("HTTP 200"), "{why}: {}", both(&o));
        let line = logs
            .wait_for(&format!("client certificate rejected: {why}"))
            .await;
        assert!(line.contains("WARN"), "{line}");
        assert!(
            line.contains("sni="),
            "the line names the connection: {line}"
        );
    }
    let expired = logs.wait_for("expired at").await;
    assert!(expired.contains("2021"), "{expired}");
    let stranger = logs.wait_for("unknown CA").await;
    assert!(stranger.contains("other-ca"), "{stranger}");
}

#[tokio::test]
async fn strict_refuses_no_client_cert_and_plaintext() {
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let gw = gateway(&pki, by_sni(&pki), echo_api().await).await;

    let o = curl_tls(&pki, gw.port(), SPECCY_FQDN, WHO, None, &[]).await;
    assert!(!o.status.success(), "{}", both(&o));
    logs.wait_for("peer sent no certificates").await;

    let url = format!("http://127.0.0.1:{}{WHO}", gw.port());
    let o = run("curl", &["-sS", "--max-time", "10", &url], None).await;
    assert!(!o.status.success(), "{}", both(&o));
    assert!(out(&o).is_empty(), "{}", both(&o));
    logs.wait_for("plaintext refused on a STRICT listener")
        .await;

    // Still serving after all that.
    let o = curl_tls(&pki, gw.port(), SPECCY_FQDN, WHO, Some(&pki.client), &[]).await;
    assert_eq!(status(&o), "HTTP 200 2", "{}", both(&o));
}

#[tokio::test]
async fn permissive_serves_plaintext_and_mtls_on_one_port() {
    let (_logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let mut settings = by_sni(&pki);
    settings.mode = MtlsMode::Permissive;
    let gw = gateway(&pki, settings, echo_api().await).await;
    let url = format!("http://127.0.0.1:{}{WHO}", gw.port());
    let w = ["-w", "\nHTTP %{http_code} %{http_version}\n"];

    let o = run("curl", &[&["-sS", &url][..], &w].concat(), None).await;
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).starts_with("FROM tcp://127.0.0.1:"),
        "plain callers are unauthenticated: {}",
        out(&o)
    );
    assert_eq!(status(&o), "HTTP 200 1.1");

    let o = run(
        "curl",
        &[&["-sS", "--http2-prior-knowledge", &url][..], &w].concat(),
        None,
    )
    .await;
    assert_eq!(status(&o), "HTTP 200 2", "{}", both(&o));

    let o = curl_tls(&pki, gw.port(), SPECCY_FQDN, WHO, Some(&pki.client), &[]).await;
    assert_eq!(
        out(&o),
        format!("FROM {CLIENT_ID}\nHTTP 200 2\n"),
        "{}",
        err(&o)
    );

    // TLS on a PERMISSIVE port is still mutual.
    let o = curl_tls(&pki, gw.port(), SPECCY_FQDN, WHO, None, &[]).await;
    assert!(!o.status.success(), "{}", both(&o));
}

#[tokio::test]
async fn openssl_sees_istio_alpn_p256_and_tls13_only() {
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let gw = gateway(&pki, by_sni(&pki), Api::new([])).await;
    let sni = speccy_sni(gw.port());

    let o = s_client(
        &pki,
        gw.port(),
        &sni,
        &pki.client,
        &["-alpn", "istio-http/1.1,h2"],
    )
    .await;
    assert!(o.status.success(), "{}", both(&o));
    assert!(
        out(&o).contains("ALPN protocol: istio-http/1.1"),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains("TLSv1.3"), "{}", out(&o));
    assert!(
        out(&o).contains("prime256v1"),
        "key exchange on P-256: {}",
        out(&o)
    );
    assert!(
        out(&o).contains("Verify return code: 0 (ok)"),
        "{}",
        out(&o)
    );

    let o = s_client(
        &pki,
        gw.port(),
        &sni,
        &pki.client,
        &["-alpn", "istio-peer-exchange,istio-h2"],
    )
    .await;
    assert!(out(&o).contains("ALPN protocol: istio-h2"), "{}", both(&o));

    let o = s_client(
        &pki,
        gw.port(),
        &sni,
        &pki.client,
        &["-alpn", "istio-peer-exchange"],
    )
    .await;
    assert!(!o.status.success(), "{}", both(&o));
    assert!(both(&o).contains("no application protocol"), "{}", both(&o));
    logs.wait_for(
        "TLS handshake failed: peer doesn't support any known protocol (client offered ALPN [istio-peer-exchange])",
    )
    .await;

    let o = s_client(&pki, gw.port(), &sni, &pki.client, &["-tls1_2"]).await;
    assert!(!o.status.success(), "{}", both(&o));
    assert!(both(&o).contains("protocol version"), "{}", both(&o));

    // The same client gets in once TLS 1.2 is allowed, so the failure above was the policy.
    let mut settings = by_sni(&pki);
    settings.policy = TlsPolicy { allow_tls12: true };
    let lax = gateway(&pki, settings, Api::new([])).await;
    let o = s_client(
        &pki,
        lax.port(),
        &sni,
        &pki.client,
        &["-tls1_2", "-alpn", "http/1.1"],
    )
    .await;
    assert!(o.status.success(), "{}", both(&o));
    assert!(out(&o).contains("Protocol  : TLSv1.2"), "{}", out(&o));
    assert!(out(&o).contains("ECDHE-ECDSA-"), "{}", out(&o));
}

const PYTHON_GET: &str = r#"
import socket, ssl, sys
port, ca, cert, key, sni, path = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
ctx.set_alpn_protocols(["istio-http/1.1", "http/1.1"])
with socket.create_connection(("127.0.0.1", int(port))) as raw:
    with ctx.wrap_socket(raw, server_hostname=sni) as s:
        print(s.version(), s.selected_alpn_protocol())
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {sni}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
print(data.decode())
"#;

/// Runs `script` with the port, the CA, the client's certificate and key, speccy's SNI, the
/// `who` path, then `extra`.
async fn python_mtls(pki: &Pki, port: u16, script: &str, extra: &[&str]) -> Output {
    let port = port.to_string();
    let mut args = vec![
        "-c",
        script,
        &port,
        pki.ca.pem.to_str().unwrap(),
        pki.client.cert_pem.to_str().unwrap(),
        pki.client.key_pem.to_str().unwrap(),
        SPECCY_FQDN,
        WHO,
    ];
    args.extend_from_slice(extra);
    run("python3", &args, None).await
}

#[tokio::test]
async fn python_ssl_client_does_an_mtls_get() {
    let (_logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let gw = gateway(&pki, by_sni(&pki), echo_api().await).await;
    let o = python_mtls(&pki, gw.port(), PYTHON_GET, &[]).await;
    assert!(o.status.success(), "{}", both(&o));
    let text = out(&o);
    assert!(
        text.starts_with("TLSv1.3 istio-http/1.1\nHTTP/1.1 200 OK"),
        "{text}"
    );
    assert!(text.ends_with(&format!("FROM {CLIENT_ID}\n")), "{text}");
}

/// Two requests on one keep-alive connection, each after an idle wait the caller names.
const PYTHON_KEEPALIVE: &str = r#"
import http.client, socket, ssl, sys, time
port, ca, cert, key, sni, path, idle = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
ctx.set_alpn_protocols(["istio-http/1.1"])
conn = http.client.HTTPConnection(sni)
conn.sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(port))), server_hostname=sni)
for n in range(2):
    time.sleep(float(idle))
    conn.request("GET", path)
    r = conn.getresponse()
    print(n, r.status, r.read().decode().strip())
"#;

#[tokio::test]
async fn an_idle_keep_alive_connection_outlives_the_header_timeout() {
    let (_logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let mut settings = by_sni(&pki);
    settings.limits.http.header_read_timeout = Duration::from_millis(300);
    let gw = gateway(&pki, settings, echo_api().await).await;
    // Idle three times the header timeout before the first request and between requests:
    // what is being shown is that nothing cuts the connection in that time.
    let o = python_mtls(&pki, gw.port(), PYTHON_KEEPALIVE, &["0.9"]).await;
    assert!(o.status.success(), "{}", both(&o));
    assert_eq!(
        out(&o),
        format!("0 200 FROM {CLIENT_ID}\n1 200 FROM {CLIENT_ID}\n"),
        "{}",
        both(&o)
    );
}

#[tokio::test]
async fn a_connection_addresses_only_the_micro_whose_certificate_it_was_served() {
    let (_logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let gw = gateway(&pki, by_sni(&pki), echo_api().await).await;
    let c64_who = "/v1/micros/c64/rpc/who";
    // speccy's certificate, c64's path: 421 Misdirected Request, naming the fix.
    let o = curl_tls(
        &pki,
        gw.port(),
        SPECCY_FQDN,
        c64_who,
        Some(&pki.client),
        &[],
    )
    .await;
    let text = out(&o);
    assert!(text.ends_with("HTTP 421 2\n"), "{}", both(&o));
    assert!(
        text.contains("opened with micro \"speccy\"'s certificate, so it cannot address \"c64\"")
            && text.contains("connect with c64's host name as the TLS server name (SNI)"),
        "{text}"
    );
    // The right server name reaches c64; the list of micros is not any one micro's.
    let o = curl_tls(&pki, gw.port(), C64_FQDN, c64_who, Some(&pki.client), &[]).await;
    assert_eq!(
        out(&o),
        format!("FROM {CLIENT_ID}\nHTTP 200 2\n"),
        "{}",
        err(&o)
    );
    let o = curl_tls(
        &pki,
        gw.port(),
        SPECCY_FQDN,
        "/v1/micros",
        Some(&pki.client),
        &[],
    )
    .await;
    assert!(out(&o).ends_with("HTTP 200 2\n"), "{}", both(&o));
}

/// The SPIFFE ID of the certificate the gateway served to `sni`, or the failure.
async fn served_id(pki: &Pki, port: u16, sni: &str) -> Result<String, String> {
    let o = s_client(pki, port, sni, &pki.client, &[]).await;
    if !o.status.success() {
        return Err(both(&o));
    }
    let leaf = CertificateDer::pem_slice_iter(&o.stdout)
        .next()
        .ok_or_else(|| format!("no certificate shown: {}", both(&o)))?
        .map_err(|e| e.to_string())?;
    leaf_spiffe_id(&leaf).map_err(|e| e.to_string())
}

#[tokio::test]
async fn sni_chooses_each_micros_own_certificate() {
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let gw = gateway(&pki, by_sni(&pki), Api::new([])).await;
    let port = gw.port();
    for (sni, want) in [
        (
            "outbound_.8443_._.speccy.retromesh.svc.cluster.local",
            SPECCY_ID,
        ),
        ("outbound_.8443_._.c64.retromesh.svc.cluster.local", C64_ID),
        ("outbound_.80_.v2_.c64.retromesh.svc.cluster.local", C64_ID),
        (SPECCY_FQDN, SPECCY_ID),
        ("c64", C64_ID),
        ("speccy", SPECCY_ID),
    ] {
        assert_eq!(
            served_id(&pki, port, sni).await.as_deref(),
            Ok(want),
            "{sni}"
        );
    }

    let vic = "outbound_.8443_._.vic20.retromesh.svc.cluster.local";
    let refused = served_id(&pki, port, vic).await;
    assert!(refused.is_err(), "{refused:?}");
    logs.wait_for(&format!(
        "SNI \"{vic}\" names no micro and there is no default"
    ))
    .await;

    // With a default, unknown names get it.
    let mut settings = by_sni(&pki);
    settings.choice = IdentityChoice::BySni(pki.sni_map().with_default("c64"));
    let with_default = gateway(&pki, settings, Api::new([])).await;
    assert_eq!(
        served_id(&pki, with_default.port(), vic).await.as_deref(),
        Ok(C64_ID)
    );

    // A port dedicated to one micro ignores SNI.
    let fixed = gateway(
        &pki,
        TlsSettings::new(IdentityChoice::Fixed("speccy".into())),
        Api::new([]),
    )
    .await;
    let c64_sni = "outbound_.8443_._.c64.retromesh.svc.cluster.local";
    assert_eq!(
        served_id(&pki, fixed.port(), c64_sni).await.as_deref(),
        Ok(SPECCY_ID)
    );
}

#[tokio::test]
async fn a_listener_naming_a_micro_without_identity_is_refused() {
    let pki = Pki::new();
    let (_tx, rx) = watch::channel(pki.speccy.identity(SPECCY_ID));
    let (_btx, brx) = watch::channel(pki.bundle());
    let e = TlsListener::new(
        [("speccy".to_string(), rx.clone())],
        brx.clone(),
        TlsSettings::new(IdentityChoice::Fixed("vic20".into())),
    )
    .err()
    .unwrap();
    assert!(
        matches!(e, TlsError::NoIdentity(ref m) if m == "vic20"),
        "{e}"
    );

    // An identity whose certificate is for someone else is caught at start.
    let (_tx, wrong) = watch::channel(pki.c64.identity(SPECCY_ID));
    let e = TlsListener::new(
        [("speccy".to_string(), wrong)],
        brx,
        TlsSettings::new(IdentityChoice::Fixed("speccy".into())),
    )
    .err()
    .unwrap();
    assert!(
        e.to_string()
            .contains(&format!("certificate is for {C64_ID}")),
        "{e}"
    );
}

/// One request over a new rustls connection; the certificate the gateway served.
async fn rustls_get(
    addr: SocketAddr,
    roots: &RootCertStore,
    client: &Leaf,
) -> Result<CertificateDer<'static>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots.clone())
        .with_client_auth_cert(vec![client.der.clone()], client.key())
        .unwrap();
    config.alpn_protocols = vec![b"istio-http/1.1".to_vec()];
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    // As Envoy and curl do: else Nagle holds the request until the Finished flight is ACKed.
    tcp.set_nodelay(true).unwrap();
    let name = ServerName::try_from(SPECCY_FQDN).unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let served = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    tls.write_all(b"GET /v1/micros HTTP/1.1\r\nhost: speccy\r\nconnection: close\r\n\r\n")
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut response = Vec::new();
    tls.read_to_end(&mut response)
        .await
        .map_err(|e| format!("read: {e}"))?;
    if !response.starts_with(b"HTTP/1.1 200 ") {
        return Err(String::from_utf8_lossy(&response).into_owned());
    }
    Ok(served)
}

/// Waits until the hammer has finished `n` requests.
async fn until(done: &mut watch::Receiver<usize>, n: usize) {
    tokio::time::timeout(WAIT * 4, done.wait_for(|d| *d >= n))
        .await
        .expect("the hammer makes progress")
        .unwrap();
}

#[tokio::test]
async fn rotating_server_identity_and_ca_bundle_under_load_drops_nothing() {
    const N: usize = 200;
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let gw = gateway(&pki, by_sni(&pki), Api::new([])).await;
    // The new CA issues the micro's next certificate and the client's next one.
    let new_ca = &pki.other_ca;
    let speccy2 = new_ca.issue(
        &pki.dir,
        LeafSpec::new("speccy2", &[SPECCY_ID], &[SPECCY_FQDN]),
    );
    let client2 = pki.stranger.clone();
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca.der()).unwrap();
    roots.add(new_ca.der()).unwrap();

    let client_cert = Arc::new(Mutex::new(pki.client.clone()));
    let started = Arc::new(AtomicUsize::new(0));
    let (done_tx, mut done) = watch::channel(0usize);
    let hammer = {
        let (client_cert, started, roots) = (client_cert.clone(), started.clone(), roots.clone());
        let addr = gw.addr;
        tokio::spawn(async move {
            let mut results = Vec::with_capacity(N);
            for i in 0..N {
                started.store(i, Ordering::SeqCst);
                let cert = client_cert.lock().unwrap().clone();
                results.push(rustls_get(addr, &roots, &cert).await);
                done_tx.send_replace(i + 1);
            }
            results
        })
    };
    // 1. Trust both CAs while clients and the micro move over.
    until(&mut done, 40).await;
    gw.bundle_tx.send_replace(Arc::new(TrustBundle {
        roots: vec![pki.ca.der(), new_ca.der()],
        trust_domain: TRUST_DOMAIN.into(),
    }));
    // 2. New server certificate; clients switch to certificates from the new CA.
    until(&mut done, 80).await;
    gw.speccy_tx.send_replace(speccy2.identity(SPECCY_ID));
    let swapped_during = started.load(Ordering::SeqCst);
    *client_cert.lock().unwrap() = client2.clone();
    // 3. Once no request with an old client certificate can be in flight, drop the old CA.
    until(&mut done, swapped_during + 1).await;
    until(&mut done, 130).await;
    gw.bundle_tx.send_replace(Arc::new(TrustBundle {
        roots: vec![new_ca.der()],
        trust_domain: TRUST_DOMAIN.into(),
    }));

    let results = tokio::time::timeout(WAIT * 4, hammer)
        .await
        .unwrap()
        .unwrap();
    let failures: Vec<(usize, &String)> = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().err().map(|e| (i, e)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
    for (i, served) in results.iter().enumerate() {
        let served = served.as_ref().unwrap();
        if i < 80 {
            assert_eq!(served, &pki.speccy.der, "request {i} before the swap");
        } else if i > swapped_during {
            assert_eq!(served, &speccy2.der, "request {i} started after the swap");
        }
    }
    // The old CA is really gone for new handshakes, and the old leaf is not served.
    let old_client = rustls_get(gw.addr, &roots, &pki.client).await;
    assert!(old_client.is_err(), "{old_client:?}");
    logs.wait_for("signed by an unknown CA").await;
    assert_eq!(
        rustls_get(gw.addr, &roots, &client2).await,
        Ok(speccy2.der.clone())
    );
}

#[tokio::test]
async fn a_bad_rotation_keeps_the_last_good_identity_and_bundle() {
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let gw = gateway(&pki, by_sni(&pki), echo_api().await).await;
    let sni = speccy_sni(gw.port());

    // speccy's certificate with c64's key.
    gw.speccy_tx.send_replace(Arc::new(ServerIdentity {
        spiffe_id: SPECCY_ID.into(),
        chain: vec![pki.speccy.der.clone()],
        key: pki.c64.key(),
    }));
    assert_eq!(
        served_id(&pki, gw.port(), &sni).await.as_deref(),
        Ok(SPECCY_ID)
    );
    let line = logs
        .wait_for("new TLS identity not used, keeping the previous one")
        .await;
    assert!(line.contains("does not match"), "{line}");

    gw.bundle_tx.send_replace(Arc::new(TrustBundle {
        roots: vec![],
        trust_domain: TRUST_DOMAIN.into(),
    }));
    let o = curl_tls(&pki, gw.port(), SPECCY_FQDN, WHO, Some(&pki.client), &[]).await;
    assert_eq!(status(&o), "HTTP 200 2", "{}", both(&o));
    logs.wait_for("new trust bundle not used, keeping the previous one")
        .await;
}

/// Reads until the peer closes; what was read.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(WAIT, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    });
    read.await.expect("the gateway closes the connection");
    got
}

#[tokio::test]
async fn garbage_silence_and_slow_or_huge_headers_are_cut_off() {
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let mut settings = by_sni(&pki);
    settings.mode = MtlsMode::Permissive;
    settings.limits.handshake_timeout = Duration::from_millis(300);
    settings.limits.http.header_read_timeout = Duration::from_millis(300);
    let gw = gateway(&pki, settings, echo_api().await).await;

    // A TLS record header followed by nonsense.
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    s.write_all(b"\x16\x03\x01\x00\x08garbage!").await.unwrap();
    read_until_closed(&mut s).await;
    logs.wait_for("bad ClientHello: received corrupt message")
        .await;

    // Nothing at all, then half a ClientHello: both cut at the handshake timeout.
    let mut silent = TcpStream::connect(gw.addr).await.unwrap();
    let mut half = TcpStream::connect(gw.addr).await.unwrap();
    half.write_all(b"\x16\x03\x01\x02\x00\x01\x00")
        .await
        .unwrap();
    read_until_closed(&mut silent).await;
    read_until_closed(&mut half).await;
    let lines = logs
        .wait_for_lines("no TLS handshake within 300ms", 2)
        .await;
    assert!(lines.iter().all(|l| l.contains("WARN")), "{lines:?}");

    // Plaintext headers that never end: hyper's header timeout.
    let mut slow = TcpStream::connect(gw.addr).await.unwrap();
    slow.write_all(b"GET /v1/micros HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    read_until_closed(&mut slow).await;

    // Headers over the limit.
    let url = format!("http://127.0.0.1:{}{WHO}", gw.port());
    let big = format!("X-Big: {}", "a".repeat(40 * 1024));
    let o = run(
        "curl",
        &[
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            &big,
            &url,
        ],
        None,
    )
    .await;
    assert_eq!(out(&o), "431", "{}", both(&o));

    // And the gateway still serves.
    let o = curl_tls(&pki, gw.port(), SPECCY_FQDN, WHO, Some(&pki.client), &[]).await;
    assert_eq!(
        out(&o),
        format!("FROM {CLIENT_ID}\nHTTP 200 2\n"),
        "{}",
        err(&o)
    );
}
