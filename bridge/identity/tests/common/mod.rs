//! Fixtures shared by the integration tests: a dev CA in a temp dir, hand-built certificates,
//! and a tracing layer that hands warnings to the test.

#![allow(dead_code)] // each test binary uses its own share of these

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime};

use rcgen::{
    CertificateParams, DistinguishedName, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, SanType,
    PKCS_ECDSA_P256_SHA256,
};
use retromesh_identity::{CertificateDer, DevCa, Identity, PrivateKeyDer, SpiffeId, TrustDomain};
use rustls_pki_types::PrivatePkcs8KeyDer;
use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

pub const HOUR: Duration = Duration::from_secs(3600);

pub fn td() -> TrustDomain {
    TrustDomain::new("cluster.local").unwrap()
}

pub fn speccy() -> SpiffeId {
    SpiffeId::workload(&td(), "retromesh", "speccy").unwrap()
}

pub fn c64() -> SpiffeId {
    SpiffeId::workload(&td(), "retromesh", "c64").unwrap()
}

pub fn dev_ca(state: &Path) -> DevCa {
    DevCa::load_or_create(state, &td()).unwrap()
}

/// The dev CA's own key, read back from disk, to sign certificates `DevCa::issue` won't.
pub fn ca_issuer(ca: &DevCa) -> Issuer<'static, KeyPair> {
    let key = std::fs::read_to_string(ca.dir().join("ca-key.pem")).unwrap();
    Issuer::from_ca_cert_pem(&ca.root_pem(), KeyPair::from_pem(&key).unwrap()).unwrap()
}

/// A leaf signed by `issuer` with exactly the given URI SANs and validity.
pub fn leaf_with(
    issuer: &Issuer<'_, KeyPair>,
    uris: &[&str],
    not_before: SystemTime,
    not_after: SystemTime,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "test leaf");
    for uri in uris {
        params
            .subject_alt_names
            .push(SanType::URI(uri.to_string().try_into().unwrap()));
    }
    params.is_ca = IsCa::ExplicitNoCa;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = not_before.into();
    params.not_after = not_after.into();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (cert.der().clone(), key)
}

/// An identity whose leaf `leaf_with` built, with the dev CA as its root. The SPIFFE ID is
/// `speccy()` whatever the leaf says, so `validate` can be asked to compare them.
pub fn hand_built(
    ca: &DevCa,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> Identity {
    Identity {
        id: speccy(),
        chain: vec![cert],
        key,
        roots: vec![ca.root().clone()],
        not_before: SystemTime::UNIX_EPOCH,
        not_after: SystemTime::UNIX_EPOCH,
    }
}

/// Installs a subscriber for this thread that sends every WARN event's fields, as text, to
/// the returned receiver.
pub fn capture_warnings() -> (
    tracing::subscriber::DefaultGuard,
    mpsc::UnboundedReceiver<String>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let subscriber = tracing_subscriber::registry().with(Warnings(tx));
    (tracing::subscriber::set_default(subscriber), rx)
}

struct Warnings(mpsc::UnboundedSender<String>);

impl<S: Subscriber> Layer<S> for Warnings {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if *event.metadata().level() == Level::WARN {
            let mut text = Fields(String::new());
            event.record(&mut text);
            let _ = self.0.send(text.0);
        }
    }
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}
