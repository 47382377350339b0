//! The Workload API source against a fake SPIRE agent: real gRPC over a real unix socket, the
//! server generated from the SPIFFE spec's workload.proto (build.rs).

mod common;

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::capture_warnings;
use futures_util::Stream;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, PKCS_ECDSA_P256_SHA256,
};
use retromesh_identity::{
    CertificateDer, Identity, IdentityError, IdentitySource, IdentityWatcher, Problem, SpiffeId,
};
use tokio::net::UnixListener;
use tokio::sync::{mpsc, watch};
use tokio::time::{timeout, Instant};
use tonic::{Request, Response, Status};

#[allow(clippy::all, dead_code)]
mod pb {
    include!(concat!(env!("OUT_DIR"), "/_.rs"));
}

use pb::spiffe_workload_api_server::{SpiffeWorkloadApi, SpiffeWorkloadApiServer};
use pb::{
    JwtBundlesRequest, JwtBundlesResponse, JwtsvidRequest, JwtsvidResponse, ValidateJwtsvidRequest,
    ValidateJwtsvidResponse, X509BundlesRequest, X509BundlesResponse, X509svid, X509svidRequest,
    X509svidResponse,
};

const SPECCY: &str = "spiffe://example.org/ns/retromesh/sa/speccy";
const C64: &str = "spiffe://example.org/ns/retromesh/sa/c64";
/// How long a test waits for something that should happen at once.
const PATIENCE: Duration = Duration::from_secs(10);

// ---- certificates, as a SPIRE server would issue them ----

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .subject_alt_names
        .push(SanType::URI("spiffe://example.org".try_into().unwrap()));
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca {
        der: cert.der().clone(),
        issuer: Issuer::new(params, key),
    }
}

#[derive(Clone)]
struct Svid {
    id: String,
    cert: CertificateDer<'static>,
    /// PKCS#8 DER, as the Workload API sends it.
    key: Vec<u8>,
}

fn svid(ca: &Ca, id: &str) -> Svid {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, "speccy");
    params
        .subject_alt_names
        .push(SanType::URI(id.try_into().unwrap()));
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = SystemTime::now();
    params.not_before = (now - Duration::from_secs(60)).into();
    params.not_after = (now + Duration::from_secs(3600)).into();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    Svid {
        id: id.to_owned(),
        cert: cert.der().clone(),
        key: key.serialize_der(),
    }
}

/// One X509SVIDResponse: each SVID with `bundle` (the CA certificates, concatenated DER).
fn response(svids: &[&Svid], bundle: &[&Ca]) -> X509svidResponse {
    let bundle: Vec<u8> = bundle.iter().flat_map(|ca| ca.der.to_vec()).collect();
    X509svidResponse {
        svids: svids
            .iter()
            .map(|svid| X509svid {
                spiffe_id: svid.id.clone(),
                x509_svid: svid.cert.to_vec(),
                x509_svid_key: svid.key.clone(),
                bundle: bundle.clone(),
                hint: String::new(),
            })
            .collect(),
        ..Default::default()
    }
}

// ---- the fake agent ----

/// What the agent serves: the response, and an epoch that ends every open stream when it
/// changes, as an agent restart would.
type Served = (u64, X509svidResponse);

struct FakeAgent {
    served: watch::Sender<Served>,
    /// FetchX509SVID calls that carried the `workload.spiffe.io: true` header.
    calls: Arc<AtomicUsize>,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl FakeAgent {
    fn start(first: X509svidResponse) -> FakeAgent {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let (served, _) = watch::channel((0, first));
        let calls = Arc::new(AtomicUsize::new(0));
        serve(
            UnixListener::bind(&socket).unwrap(),
            Service {
                served: served.clone(),
                calls: calls.clone(),
            },
        );
        FakeAgent {
            served,
            calls,
            socket,
            _dir: dir,
        }
    }

    fn uri(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Sends `next` on every open stream, as a rotation does.
    fn push(&self, next: X509svidResponse) {
        self.served.send_modify(|(_, served)| *served = next);
    }

    /// Ends every open stream; whoever reconnects gets `next`.
    fn restart(&self, next: X509svidResponse) {
        self.served
            .send_modify(|(epoch, served)| (*epoch, *served) = (*epoch + 1, next));
    }
}

fn serve(listener: UnixListener, service: Service) {
    let incoming = futures_util::stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(stream, _)| stream);
        Some((accepted, listener))
    });
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(SpiffeWorkloadApiServer::new(service))
            .serve_with_incoming(incoming),
    );
}

#[derive(Clone)]
struct Service {
    served: watch::Sender<Served>,
    calls: Arc<AtomicUsize>,
}

/// SPIRE refuses requests without the header, so that a browser cannot be tricked into
/// fetching SVIDs.
fn check_header<T>(request: &Request<T>) -> Result<(), Status> {
    match request.metadata().get("workload.spiffe.io") {
        Some(value) if value == "true" => Ok(()),
        _ => Err(Status::invalid_argument(
            "security header missing from request",
        )),
    }
}

type Streamed<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl SpiffeWorkloadApi for Service {
    type FetchX509SVIDStream = Streamed<X509svidResponse>;
    type FetchX509BundlesStream = Streamed<X509BundlesResponse>;
    type FetchJWTBundlesStream = Streamed<JwtBundlesResponse>;

    async fn fetch_x509svid(
        &self,
        request: Request<X509svidRequest>,
    ) -> Result<Response<Self::FetchX509SVIDStream>, Status> {
        check_header(&request)?;
        self.calls.fetch_add(1, Ordering::SeqCst);
        let rx = self.served.subscribe();
        let epoch = rx.borrow().0;
        // The current response at once, then each change, until the epoch moves on.
        let stream = futures_util::stream::unfold((rx, true), move |(mut rx, first)| async move {
            if !first && rx.changed().await.is_err() {
                return None;
            }
            let (now, response) = rx.borrow_and_update().clone();
            (now == epoch).then_some((Ok(response), (rx, false)))
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn fetch_x509_bundles(
        &self,
        request: Request<X509BundlesRequest>,
    ) -> Result<Response<Self::FetchX509BundlesStream>, Status> {
        check_header(&request)?;
        let (_, served) = self.served.borrow().clone();
        let first = served.svids.first().map(|svid| {
            let td = svid
                .spiffe_id
                .split('/')
                .take(3)
                .collect::<Vec<_>>()
                .join("/");
            [(td, svid.bundle.clone())].into_iter().collect()
        });
        let response = X509BundlesResponse {
            crl: Vec::new(),
            bundles: first.unwrap_or_default(),
        };
        Ok(Response::new(Box::pin(futures_util::stream::iter([Ok(
            response,
        )]))))
    }

    async fn fetch_jwtsvid(
        &self,
        _: Request<JwtsvidRequest>,
    ) -> Result<Response<JwtsvidResponse>, Status> {
        Err(Status::unimplemented("the fake agent serves X.509 only"))
    }

    async fn fetch_jwt_bundles(
        &self,
        _: Request<JwtBundlesRequest>,
    ) -> Result<Response<Self::FetchJWTBundlesStream>, Status> {
        Err(Status::unimplemented("the fake agent serves X.509 only"))
    }

    async fn validate_jwtsvid(
        &self,
        _: Request<ValidateJwtsvidRequest>,
    ) -> Result<Response<ValidateJwtsvidResponse>, Status> {
        Err(Status::unimplemented("the fake agent serves X.509 only"))
    }
}

// ---- helpers ----

fn id(s: &str) -> SpiffeId {
    SpiffeId::parse(s).unwrap()
}

async fn next(rx: &mut watch::Receiver<Arc<Identity>>) -> Arc<Identity> {
    timeout(PATIENCE, rx.changed())
        .await
        .expect("no new identity was published")
        .expect("watcher task ended");
    rx.borrow_and_update().clone()
}

async fn warning(warnings: &mut mpsc::UnboundedReceiver<String>) -> String {
    timeout(PATIENCE, warnings.recv())
        .await
        .expect("no warning was logged")
        .unwrap()
}

fn assert_serves(identity: &Identity, svid: &Svid, roots: &[&Ca]) {
    assert_eq!(identity.id, id(&svid.id));
    assert_eq!(identity.chain, vec![svid.cert.clone()]);
    assert_eq!(identity.key.secret_der(), svid.key.as_slice());
    let roots: Vec<_> = roots.iter().map(|ca| ca.der.clone()).collect();
    assert_eq!(identity.roots, roots);
    identity.validate(SystemTime::now()).unwrap();
}

async fn start_err(socket: String, expected: Option<SpiffeId>, wait: Duration) -> IdentityError {
    IdentitySource::WorkloadApi {
        socket: Some(socket),
        expected,
        timeout: wait,
    }
    .start()
    .await
    .expect_err("start() should have failed")
}

fn socket_in(dir: &Path) -> String {
    format!("unix://{}", dir.join("agent.sock").display())
}

// ---- tests ----

#[tokio::test]
async fn start_gets_the_svid_and_bundle_the_agent_serves() {
    let ca = ca("example.org CA");
    let speccy = svid(&ca, SPECCY);
    let agent = FakeAgent::start(response(&[&speccy], &[&ca]));

    // A bare path works as well as unix://.
    let source = IdentitySource::workload_api(Some(agent.socket.display().to_string()), None);
    let rx = source.start().await.unwrap();

    assert_serves(&rx.borrow(), &speccy, &[&ca]);
    assert!(
        agent.calls.load(Ordering::SeqCst) >= 1,
        "the request carried workload.spiffe.io: true"
    );
}

#[tokio::test]
async fn start_reads_the_socket_from_spiffe_endpoint_socket() {
    let ca = ca("example.org CA");
    let speccy = svid(&ca, SPECCY);
    let agent = FakeAgent::start(response(&[&speccy], &[&ca]));
    // The only test here that leaves the socket to the environment.
    std::env::set_var(retromesh_identity::WORKLOAD_API_SOCKET_ENV, agent.uri());

    let rx = IdentitySource::workload_api(None, Some(id(SPECCY)))
        .start()
        .await
        .unwrap();
    assert_serves(&rx.borrow(), &speccy, &[&ca]);
}

#[tokio::test]
async fn a_pushed_rotation_and_a_new_bundle_are_published() {
    let (ca, next_ca) = (ca("example.org CA"), ca("example.org CA 2"));
    let first = svid(&ca, SPECCY);
    let agent = FakeAgent::start(response(&[&first], &[&ca]));
    let (mut rx, task) = IdentityWatcher::from_workload_api(Some(agent.uri()), None, PATIENCE)
        .await
        .unwrap();
    assert_serves(&rx.borrow_and_update(), &first, &[&ca]);

    // The agent rotates the SVID.
    let second = svid(&ca, SPECCY);
    agent.push(response(&[&second], &[&ca]));
    assert_serves(&*next(&mut rx).await, &second, &[&ca]);

    // The trust domain's CA is being rotated: the bundle gains the new root first.
    agent.push(response(&[&second], &[&ca, &next_ca]));
    assert_serves(&*next(&mut rx).await, &second, &[&ca, &next_ca]);

    // Then the SVID is issued by the new CA.
    let third = svid(&next_ca, SPECCY);
    agent.push(response(&[&third], &[&ca, &next_ca]));
    assert_serves(&*next(&mut rx).await, &third, &[&ca, &next_ca]);
    task.abort();
}

#[tokio::test]
async fn a_bad_update_keeps_the_current_identity_and_says_why() {
    let (_log, mut warnings) = capture_warnings();
    let ca = ca("example.org CA");
    let first = svid(&ca, SPECCY);
    let c64 = svid(&ca, C64);
    let agent = FakeAgent::start(response(&[&first], &[&ca]));
    let (mut rx, task) =
        IdentityWatcher::from_workload_api(Some(agent.uri()), Some(id(SPECCY)), PATIENCE)
            .await
            .unwrap();
    assert_serves(&rx.borrow_and_update(), &first, &[&ca]);

    // A new certificate with the old key.
    let mut mismatched = svid(&ca, SPECCY);
    mismatched.key = first.key.clone();
    agent.push(response(&[&mismatched], &[&ca]));
    let said = warning(&mut warnings).await;
    assert!(
        said.contains("does not match the leaf certificate"),
        "{said}"
    );
    assert!(!rx.has_changed().unwrap());
    assert_serves(&rx.borrow(), &first, &[&ca]);

    // An SVID for another workload than the expected one.
    agent.push(response(&[&c64], &[&ca]));
    let said = warning(&mut warnings).await;
    assert!(
        said.contains(&format!("no X.509-SVID for {SPECCY}")),
        "{said}"
    );
    assert!(said.contains(&format!("the agent offers: {C64}")), "{said}");
    assert!(!rx.has_changed().unwrap());

    // An SVID its bundle does not vouch for.
    let stranger = svid(&self::ca("another CA"), SPECCY);
    agent.push(response(&[&stranger], &[&ca]));
    let said = warning(&mut warnings).await;
    assert!(
        said.contains("does not lead to any of the 1 trust root"),
        "{said}"
    );
    assert!(!rx.has_changed().unwrap());
    assert_serves(&rx.borrow(), &first, &[&ca]);

    // The stream is still followed: the next good SVID gets through.
    let good = svid(&ca, SPECCY);
    agent.push(response(&[&c64, &good], &[&ca]));
    assert_serves(&*next(&mut rx).await, &good, &[&ca]);
    task.abort();
}

#[tokio::test]
async fn the_expected_id_is_picked_from_several_svids() {
    let ca = ca("example.org CA");
    let (c64, speccy) = (svid(&ca, C64), svid(&ca, SPECCY));
    // c64 first: the agent's default is not the one asked for.
    let agent = FakeAgent::start(response(&[&c64, &speccy], &[&ca]));

    let rx = IdentitySource::workload_api(Some(agent.uri()), Some(id(SPECCY)))
        .start()
        .await
        .unwrap();
    assert_serves(&rx.borrow(), &speccy, &[&ca]);

    let rx = IdentitySource::workload_api(Some(agent.uri()), None)
        .start()
        .await
        .unwrap();
    assert_serves(&rx.borrow(), &c64, &[&ca]);
}

#[tokio::test]
async fn an_expected_id_the_agent_does_not_offer_is_a_clear_error() {
    let ca = ca("example.org CA");
    let agent = FakeAgent::start(response(&[&svid(&ca, SPECCY), &svid(&ca, C64)], &[&ca]));
    let vic20 = "spiffe://example.org/ns/retromesh/sa/vic20";

    let started = Instant::now();
    let err = start_err(agent.uri(), Some(id(vic20)), PATIENCE).await;
    assert!(started.elapsed() < PATIENCE / 2, "no need to wait it out");
    assert!(matches!(err, IdentityError::WorkloadApi { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "SPIFFE Workload API at {}: no X.509-SVID for {vic20} (the agent offers: {SPECCY}, {C64}); \
             register this workload for {vic20}, or change the expected ID",
            agent.uri()
        )
    );
}

#[tokio::test]
async fn a_first_svid_that_does_not_validate_fails_start() {
    let ca = ca("example.org CA");
    let mut speccy = svid(&ca, SPECCY);
    speccy.key = svid(&ca, SPECCY).key;
    let agent = FakeAgent::start(response(&[&speccy], &[&ca]));

    let err = start_err(agent.uri(), None, PATIENCE).await;
    assert_eq!(err.problem(), Some(&Problem::KeyMismatch));
    let said = err.to_string();
    assert!(said.starts_with(&format!("SPIFFE Workload API at {}: the X.509-SVID for {SPECCY} is not usable: the private key does not match", agent.uri())), "{said}");
}

#[tokio::test]
async fn nobody_listening_is_a_clear_error_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let wait = Duration::from_millis(500);

    let started = Instant::now();
    let err = start_err(socket_in(dir.path()), None, wait).await;
    let took = started.elapsed();
    assert!(took >= wait && took < wait + PATIENCE / 2, "took {took:?}");
    let said = err.to_string();
    let socket = socket_in(dir.path());
    assert!(
        said.starts_with(&format!(
            "SPIFFE Workload API at {socket}: no X.509-SVID within 500ms"
        )),
        "{said}"
    );
    assert!(said.contains("No such file or directory"), "{said}");
    assert!(said.contains("is the SPIRE agent running"), "{said}");
}

#[tokio::test]
async fn a_socket_that_never_answers_is_a_clear_error_within_the_timeout() {
    // Bound but never accepted from: connecting works, the RPC never gets an answer.
    let dir = tempfile::tempdir().unwrap();
    let _listener = UnixListener::bind(dir.path().join("agent.sock")).unwrap();
    let wait = Duration::from_millis(500);

    let started = Instant::now();
    let err = start_err(socket_in(dir.path()), None, wait).await;
    let took = started.elapsed();
    assert!(took >= wait && took < wait + PATIENCE / 2, "took {took:?}");
    let said = err.to_string();
    assert!(said.contains("no X.509-SVID within 500ms"), "{said}");
    assert!(said.contains("is this workload registered"), "{said}");
}

#[tokio::test]
async fn an_address_that_is_not_a_socket_is_a_clear_error() {
    let err = IdentityWatcher::from_workload_api(Some("tcp://example.org".into()), None, PATIENCE)
        .await
        .expect_err("not an address");
    let said = err.to_string();
    assert!(said.contains("not a Workload API address"), "{said}");
    assert!(IdentityError::NoWorkloadApiSocket
        .to_string()
        .contains("SPIFFE_ENDPOINT_SOCKET"));
}

#[tokio::test]
async fn a_restarted_agent_is_reconnected_to() {
    let (_log, mut warnings) = capture_warnings();
    let ca = ca("example.org CA");
    let first = svid(&ca, SPECCY);
    let agent = FakeAgent::start(response(&[&first], &[&ca]));
    let (mut rx, task) = IdentityWatcher::from_workload_api(Some(agent.uri()), None, PATIENCE)
        .await
        .unwrap();
    assert_serves(&rx.borrow_and_update(), &first, &[&ca]);

    let second = svid(&ca, SPECCY);
    agent.restart(response(&[&second], &[&ca]));
    let said = warning(&mut warnings).await;
    assert!(said.contains("lost the Workload API stream"), "{said}");
    assert_serves(&*next(&mut rx).await, &second, &[&ca]);
    assert!(agent.calls.load(Ordering::SeqCst) >= 2);
    task.abort();
}
