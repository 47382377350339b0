mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::{c64, dev_ca, speccy, td, HOUR};
use retromesh_identity::{write_pem_files, DevCa, IdentityError, Layout, SpiffeId, TrustDomain};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn dev_ca_is_created_once_then_reloaded_unchanged() {
    let state = tempfile::tempdir().unwrap();
    let first = dev_ca(state.path());
    let dir = state.path().join("ca");
    assert_eq!(first.dir(), dir);
    assert_eq!(mode(&dir), 0o700, "CA directory");
    assert_eq!(mode(&dir.join("ca-key.pem")), 0o600, "CA key");
    assert_eq!(
        std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
        first.root_pem()
    );

    let key_before = std::fs::read(dir.join("ca-key.pem")).unwrap();
    let again = dev_ca(state.path());
    assert_eq!(again.root(), first.root(), "same root DER after reload");
    assert_eq!(std::fs::read(dir.join("ca-key.pem")).unwrap(), key_before);

    // A leaf from the reloaded CA chains to the first one's root.
    let mut identity = again.issue(&speccy(), &[], HOUR).unwrap();
    identity.roots = vec![first.root().clone()];
    identity.validate(SystemTime::now()).unwrap();

    let (_, root) = X509Certificate::from_der(first.root()).unwrap();
    assert!(root.is_ca());
    assert!(
        root.subject().to_string().contains("cluster.local"),
        "{}",
        root.subject()
    );
}

#[test]
fn issued_leaf_validates_and_carries_its_spiffe_id() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let dns = vec![
        "speccy.retromesh.svc".to_owned(),
        "speccy.retromesh.svc.cluster.local".to_owned(),
    ];
    let before = SystemTime::now();
    let identity = ca.issue(&speccy(), &dns, HOUR).unwrap();

    identity.validate(SystemTime::now()).unwrap();
    assert_eq!(identity.id, speccy());
    assert_eq!(
        SpiffeId::from_cert_der(&identity.chain[0]).unwrap(),
        speccy()
    );
    assert_eq!(identity.chain.len(), 1);
    assert_eq!(identity.roots, vec![ca.root().clone()]);

    // Backdated a minute (to the second), valid for the lifetime asked.
    let backdate = before.duration_since(identity.not_before).unwrap();
    assert!((59..=61).contains(&backdate.as_secs()), "{backdate:?}");
    let left = identity.expires_in(SystemTime::now());
    assert!(
        left <= HOUR && left > HOUR - Duration::from_secs(5),
        "{left:?}"
    );
    assert_eq!(
        identity.expires_in(identity.not_after + HOUR),
        Duration::ZERO
    );

    let (_, leaf) = X509Certificate::from_der(&identity.chain[0]).unwrap();
    assert!(!leaf.is_ca());
    let san = leaf.subject_alternative_name().unwrap().unwrap();
    assert!(san.critical, "an empty subject needs a critical SAN");
    let names: Vec<String> = san
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::URI(u) => format!("URI:{u}"),
            GeneralName::DNSName(d) => format!("DNS:{d}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            "URI:spiffe://cluster.local/ns/retromesh/sa/speccy",
            "DNS:speccy.retromesh.svc",
            "DNS:speccy.retromesh.svc.cluster.local"
        ]
    );
    let eku = leaf.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth && eku.client_auth);

    // rustls accepts the pair as it will serve it.
    let certified = identity.certified_key().unwrap();
    certified.keys_match().unwrap();

    // Each issue is a fresh key and certificate.
    let other = ca.issue(&speccy(), &dns, HOUR).unwrap();
    assert_ne!(other.chain, identity.chain);
    assert_ne!(other.key.secret_der(), identity.key.secret_der());
}

#[test]
fn openssl_verifies_the_written_files() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let identity = ca
        .issue(&speccy(), &["speccy.retromesh.svc".to_owned()], HOUR)
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let paths = DevCa::write_pem_files(&identity, out.path(), Layout::IstioOutputCerts).unwrap();

    let openssl = |args: &[&str]| -> String {
        let output = Command::new("/usr/bin/openssl")
            .args(args)
            .output()
            .expect("run /usr/bin/openssl (Debian package openssl)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "openssl {args:?}: {text}");
        text
    };
    let (root, leaf) = (paths.roots.to_str().unwrap(), paths.chain.to_str().unwrap());
    for purpose in ["sslserver", "sslclient"] {
        let text = openssl(&["verify", "-purpose", purpose, "-CAfile", root, leaf]);
        assert!(text.contains(": OK"), "{text}");
    }
    let text = openssl(&["x509", "-in", leaf, "-noout", "-ext", "subjectAltName"]);
    assert!(
        text.contains("URI:spiffe://cluster.local/ns/retromesh/sa/speccy"),
        "{text}"
    );
    assert!(text.contains("DNS:speccy.retromesh.svc"), "{text}");
    // openssl reads the key and agrees it is the leaf's.
    let from_key = openssl(&["pkey", "-in", paths.key.to_str().unwrap(), "-pubout"]);
    let from_cert = openssl(&["x509", "-in", leaf, "-noout", "-pubkey"]);
    assert_eq!(from_key, from_cert);

    // A leaf from another CA does not verify against this root: the check can fail.
    let other = tempfile::tempdir().unwrap();
    let stranger = dev_ca(other.path()).issue(&speccy(), &[], HOUR).unwrap();
    let stranger_paths = write_pem_files(&stranger, other.path(), Layout::CsiDriverSpiffe).unwrap();
    let output = Command::new("/usr/bin/openssl")
        .args([
            "verify",
            "-CAfile",
            root,
            stranger_paths.chain.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
}

fn dev_ca_error(state: &Path, trust_domain: &TrustDomain) -> String {
    match DevCa::load_or_create(state, trust_domain) {
        Err(e @ IdentityError::DevCa { .. }) => e.to_string(),
        Err(other) => panic!("expected a DevCa error, got {other}"),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn corrupt_ca_file_is_an_error_and_is_left_alone() {
    let state = tempfile::tempdir().unwrap();
    dev_ca(state.path());
    let cert = state.path().join("ca/ca.pem");
    std::fs::write(&cert, "not a certificate\n").unwrap();

    let message = dev_ca_error(state.path(), &td());
    assert!(message.contains("ca.pem"), "{message}");
    assert!(message.contains("delete"), "names the fix: {message}");
    assert_eq!(
        std::fs::read_to_string(&cert).unwrap(),
        "not a certificate\n"
    );
}

#[test]
fn ca_key_of_another_ca_is_an_error() {
    let (state, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    dev_ca(state.path());
    dev_ca(other.path());
    std::fs::copy(
        other.path().join("ca/ca-key.pem"),
        state.path().join("ca/ca-key.pem"),
    )
    .unwrap();

    let message = dev_ca_error(state.path(), &td());
    assert!(
        message.contains("ca-key.pem does not belong to"),
        "{message}"
    );
    assert!(message.contains("delete"), "{message}");
}

#[test]
fn half_a_ca_is_an_error() {
    let state = tempfile::tempdir().unwrap();
    dev_ca(state.path());
    std::fs::remove_file(state.path().join("ca/ca-key.pem")).unwrap();
    let message = dev_ca_error(state.path(), &td());
    assert!(message.contains("ca.pem is there but"), "{message}");
    assert!(message.contains("ca-key.pem is not"), "{message}");
    assert!(
        !state.path().join("ca/ca-key.pem").exists(),
        "not recreated"
    );
}

#[test]
fn ca_of_another_trust_domain_is_an_error() {
    let state = tempfile::tempdir().unwrap();
    dev_ca(state.path());
    let message = dev_ca_error(state.path(), &TrustDomain::new("example.org").unwrap());
    assert!(
        message.contains("is for trust domain cluster.local, not example.org"),
        "{message}"
    );
}

#[test]
fn issue_refuses_another_trust_domain_and_a_zero_lifetime() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let foreign = SpiffeId::parse("spiffe://example.org/ns/a/sa/b").unwrap();
    let err = ca.issue(&foreign, &[], HOUR).unwrap_err();
    assert!(err.to_string().contains("not example.org"), "{err}");
    let err = ca.issue(&c64(), &[], Duration::ZERO).unwrap_err();
    assert!(err.to_string().contains("lifetime is zero"), "{err}");
    let err = ca
        .issue(&c64(), &["bäd.example".to_owned()], HOUR)
        .unwrap_err();
    assert!(err.to_string().contains("DNS name"), "{err}");
}
