//! The outbound path with real handshakes: a micro's call to an `https://` service goes out
//! with the micro's own certificate, and the service must present the SPIFFE ID the table
//! names. The test upstream is a TLS server that requires client certificates.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use retromesh_gateway::outbound::{check_table, MeshServices, ServiceEntry};
use retromesh_gateway::tls::{leaf_spiffe_id, SpiffeClientVerifier};
use retromesh_gateway::{ServerIdentity, TlsPolicy};
use retromesh_link::upstream::{Upstream, UpstreamRequest};
use retromesh_link_frame::Method;
use support::{Leaf, Pki, CLIENT_ID, SPECCY_ID};
use tokio::sync::watch;

/// A service that answers with the caller's SPIFFE ID and the tail of its certificate.
struct TestUpstream {
    url: String,
    hits: Arc<AtomicUsize>,
}

async fn upstream(pki: &Pki, leaf: &Leaf, id: &str, body_len: Option<usize>) -> TestUpstream {
    let policy = TlsPolicy::default();
    let provider = policy.provider();
    let verifier = SpiffeClientVerifier::new(&pki.bundle(), provider.clone()).unwrap();
    let config = policy
        .server_config(&provider, "weather", &leaf.identity(id), Arc::new(verifier))
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let (acceptor, hits) = (acceptor.clone(), counted.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let leaf = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
                let who = format!(
                    "{} {:02x?}",
                    leaf_spiffe_id(&leaf).unwrap(),
                    &leaf[leaf.len() - 8..]
                );
                let svc = hyper::service::service_fn(move |_req| {
                    hits.fetch_add(1, Ordering::SeqCst);
                    let body = match body_len {
                        Some(n) => "x".repeat(n),
                        None => who.clone(),
                    };
                    async move {
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                            Bytes::from(body),
                        )))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    TestUpstream { url, hits }
}

fn tail(leaf: &Leaf) -> String {
    format!("{:02x?}", &leaf.der[leaf.der.len() - 8..])
}

fn services(url: &str, expected: &str) -> BTreeMap<String, ServiceEntry> {
    [(
        "weather".to_string(),
        ServiceEntry {
            url: url.to_string(),
            spiffe_id: Some(expected.to_string()),
        },
    )]
    .into_iter()
    .collect()
}

fn mesh(pki: &Pki, table: BTreeMap<String, ServiceEntry>, max: usize) -> (MeshServices, Senders) {
    let (id_tx, id_rx) = watch::channel(pki.speccy.identity(SPECCY_ID));
    let (b_tx, b_rx) = watch::channel(pki.bundle());
    let m = MeshServices::new(id_rx, b_rx, table, Duration::from_secs(10), max).unwrap();
    (
        m,
        Senders {
            id: id_tx,
            _bundle: b_tx,
        },
    )
}

/// The ends that would feed rotations; kept alive for the test.
struct Senders {
    id: watch::Sender<Arc<ServerIdentity>>,
    _bundle: watch::Sender<Arc<retromesh_gateway::TrustBundle>>,
}

fn get() -> UpstreamRequest {
    UpstreamRequest {
        micro: "speccy".into(),
        method: Method::Get,
        target: "weather/today".into(),
        body: Vec::new(),
    }
}

#[tokio::test]
async fn the_expected_service_sees_the_micros_own_identity() {
    let pki = Pki::new();
    let up = upstream(&pki, &pki.client, CLIENT_ID, None).await;
    let (m, _id) = mesh(&pki, services(&up.url, CLIENT_ID), 1024);
    let r = m.call(get()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        format!("{SPECCY_ID} {}", tail(&pki.speccy))
    );
}

#[tokio::test]
async fn a_service_with_another_identity_is_refused_before_any_request() {
    let pki = Pki::new();
    let up = upstream(&pki, &pki.client, CLIENT_ID, None).await;
    let expected = "spiffe://cluster.local/ns/default/sa/impostor-check";
    let (m, _id) = mesh(&pki, services(&up.url, expected), 1024);
    let r = m.call(get()).await;
    let body = String::from_utf8_lossy(&r.body);
    assert_eq!(
        (r.status, r.reason.as_str()),
        (502, "WRONG SERVICE IDENTITY"),
        "{body}"
    );
    assert!(
        body.contains(CLIENT_ID) && body.contains(expected),
        "{body}"
    );
    assert_eq!(up.hits.load(Ordering::SeqCst), 0, "no request reached it");
}

#[tokio::test]
async fn a_service_from_another_ca_is_not_trusted() {
    let pki = Pki::new();
    let up = upstream(&pki, &pki.stranger, CLIENT_ID, None).await;
    let (m, _id) = mesh(&pki, services(&up.url, CLIENT_ID), 1024);
    let r = m.call(get()).await;
    let body = String::from_utf8_lossy(&r.body);
    assert_eq!(
        (r.status, r.reason.as_str()),
        (502, "UNTRUSTED SERVICE"),
        "{body}"
    );
    assert!(body.contains("unknown CA"), "{body}");
}

#[tokio::test]
async fn a_rotated_micro_identity_is_used_for_the_next_call() {
    let pki = Pki::new();
    let up = upstream(&pki, &pki.client, CLIENT_ID, None).await;
    let (m, id) = mesh(&pki, services(&up.url, CLIENT_ID), 1024);
    let first = m.call(get()).await;
    assert!(String::from_utf8_lossy(&first.body).ends_with(&tail(&pki.speccy)));
    let renewed = pki.ca.issue(
        &pki.dir,
        support::LeafSpec::new("speccy-renewed", &[SPECCY_ID], &[]),
    );
    id.id.send(renewed.identity(SPECCY_ID)).unwrap();
    let second = m.call(get()).await;
    assert_eq!(
        String::from_utf8_lossy(&second.body),
        format!("{SPECCY_ID} {}", tail(&renewed))
    );
}

#[tokio::test]
async fn oversize_answers_closed_ports_and_bad_tables_are_clear_errors() {
    let pki = Pki::new();
    let up = upstream(&pki, &pki.client, CLIENT_ID, Some(2000)).await;
    let (m, _id) = mesh(&pki, services(&up.url, CLIENT_ID), 1024);
    let r = m.call(get()).await;
    assert_eq!((r.status, r.reason.as_str()), (502, "ANSWER TOO BIG"));
    assert!(String::from_utf8_lossy(&r.body).contains("1024 bytes"));

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (m, _id) = mesh(
        &pki,
        services(&format!("https://{closed}"), CLIENT_ID),
        1024,
    );
    let r = m.call(get()).await;
    assert_eq!((r.status, r.reason.as_str()), (502, "SERVICE UNREACHABLE"));

    let bad: BTreeMap<String, ServiceEntry> = [(
        "weather".to_string(),
        ServiceEntry {
            url: "https://weather.default.svc:8443".into(),
            spiffe_id: None,
        },
    )]
    .into_iter()
    .collect();
    let problems = check_table(&bad);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("service weather") && problems[0].contains("spiffe_id"),
        "{problems:?}"
    );
    let (_t, id_rx) = watch::channel(pki.speccy.identity(SPECCY_ID));
    let (_b, b_rx) = watch::channel(pki.bundle());
    let err = MeshServices::new(id_rx, b_rx, bad, Duration::from_secs(1), 1024)
        .err()
        .unwrap();
    assert!(err.contains("spiffe_id"), "{err}");
}
