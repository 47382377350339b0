mod common;

use std::time::{Duration, SystemTime};

use common::{c64, ca_issuer, dev_ca, hand_built, leaf_with, speccy, HOUR};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use retromesh_identity::{
    load_dir, write_pem_files, CertificateDer, Identity, IdentityError, Layout, Part, Problem,
    SpiffeId,
};

fn fails(result: Result<impl std::fmt::Debug, IdentityError>) -> (Problem, String) {
    let err = result.expect_err("expected a validation error");
    let problem = err
        .problem()
        .unwrap_or_else(|| panic!("not a Problem: {err}"))
        .clone();
    (problem, err.to_string())
}

#[test]
fn key_of_another_certificate_is_rejected() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let mut identity = ca.issue(&speccy(), &[], HOUR).unwrap();
    identity.key = ca.issue(&speccy(), &[], HOUR).unwrap().key;

    let (problem, message) = fails(identity.validate(SystemTime::now()));
    assert_eq!(problem, Problem::KeyMismatch);
    assert_eq!(problem.part(), Part::Key);
    assert!(
        message.contains("private key does not match the leaf certificate"),
        "{message}"
    );
}

#[test]
fn expired_leaf_is_rejected() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());

    // Issued properly, but checked after its end.
    let identity = ca.issue(&speccy(), &[], HOUR).unwrap();
    let later = identity.not_after + Duration::from_secs(1);
    let (problem, message) = fails(identity.validate(later));
    assert!(
        matches!(problem, Problem::Expired { index: 0, .. }),
        "{problem:?}"
    );
    assert!(
        message.contains("the leaf certificate expired at"),
        "{message}"
    );
    assert!(message.contains("renew"), "{message}");
    // ...and before its start.
    let (problem, _) = fails(identity.validate(identity.not_before - Duration::from_secs(1)));
    assert!(
        matches!(problem, Problem::NotYetValid { index: 0, .. }),
        "{problem:?}"
    );

    // Built already expired: not_after yesterday.
    let now = SystemTime::now();
    let (cert, key) = leaf_with(
        &ca_issuer(&ca),
        &["spiffe://cluster.local/ns/retromesh/sa/speccy"],
        now - 2 * 24 * HOUR,
        now - 24 * HOUR,
    );
    let identity = Identity::new(vec![cert], key, vec![ca.root().clone()]).unwrap();
    assert!(identity.expires_in(now).is_zero());
    let (problem, _) = fails(identity.validate(now));
    assert!(
        matches!(problem, Problem::Expired { index: 0, .. }),
        "{problem:?}"
    );
}

#[test]
fn leaf_from_another_ca_is_rejected() {
    let (mine, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ca = dev_ca(mine.path());
    let mut identity = dev_ca(theirs.path()).issue(&speccy(), &[], HOUR).unwrap();
    identity.roots = vec![ca.root().clone()];

    let (problem, message) = fails(identity.validate(SystemTime::now()));
    assert!(
        matches!(problem, Problem::Untrusted { roots: 1, .. }),
        "{problem:?}"
    );
    assert_eq!(problem.part(), Part::Roots);
    assert!(
        message.contains("does not lead to any of the 1 trust root"),
        "{message}"
    );
    assert!(
        message.contains("install the root of the CA that issued the leaf"),
        "{message}"
    );
}

#[test]
fn leaf_without_a_spiffe_uri_san_is_rejected() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let now = SystemTime::now();

    let (cert, key) = leaf_with(&ca_issuer(&ca), &[], now - HOUR, now + HOUR);
    let (problem, message) = fails(SpiffeId::from_cert_der(&cert));
    assert_eq!(problem, Problem::NoSpiffeId { other_uris: vec![] });
    assert!(message.contains("no spiffe:// URI SAN"), "{message}");
    let (problem, _) = fails(hand_built(&ca, cert.clone(), key.clone_key()).validate(now));
    assert_eq!(problem, Problem::NoSpiffeId { other_uris: vec![] });
    let (problem, _) = fails(Identity::new(vec![cert], key, vec![ca.root().clone()]));
    assert_eq!(problem, Problem::NoSpiffeId { other_uris: vec![] });

    // Other URIs are named, and do not count.
    let (cert, _) = leaf_with(
        &ca_issuer(&ca),
        &["https://speccy.example"],
        now - HOUR,
        now + HOUR,
    );
    let (_, message) = fails(SpiffeId::from_cert_der(&cert));
    assert!(
        message.contains("other URIs: https://speccy.example"),
        "{message}"
    );
}

#[test]
fn leaf_with_two_spiffe_ids_is_rejected() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let now = SystemTime::now();
    let uris = [
        "spiffe://cluster.local/ns/retromesh/sa/speccy",
        "spiffe://cluster.local/ns/retromesh/sa/c64",
    ];
    let (cert, _) = leaf_with(&ca_issuer(&ca), &uris, now - HOUR, now + HOUR);
    let (problem, message) = fails(SpiffeId::from_cert_der(&cert));
    assert!(
        matches!(problem, Problem::SeveralSpiffeIds(ref ids) if ids.len() == 2),
        "{problem:?}"
    );
    assert!(message.contains("exactly one"), "{message}");

    // One SPIFFE ID beside an https URI is fine.
    let (cert, _) = leaf_with(
        &ca_issuer(&ca),
        &["https://speccy.example", uris[0]],
        now - HOUR,
        now + HOUR,
    );
    assert_eq!(SpiffeId::from_cert_der(&cert).unwrap(), speccy());
}

#[test]
fn id_other_than_the_leafs_is_rejected() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let mut identity = ca.issue(&speccy(), &[], HOUR).unwrap();
    identity.id = c64();
    let (problem, message) = fails(identity.validate(SystemTime::now()));
    assert_eq!(
        problem,
        Problem::IdMismatch {
            expected: c64(),
            found: speccy()
        }
    );
    assert!(message.contains("is for spiffe://cluster.local/ns/retromesh/sa/speccy, not the expected spiffe://cluster.local/ns/retromesh/sa/c64"), "{message}");
}

#[test]
fn loading_with_another_expected_id_is_rejected_naming_the_file() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let out = tempfile::tempdir().unwrap();
    write_pem_files(
        &ca.issue(&speccy(), &[], HOUR).unwrap(),
        out.path(),
        Layout::IstioOutputCerts,
    )
    .unwrap();

    assert_eq!(load_dir(out.path(), Some(&speccy())).unwrap().id, speccy());
    let (problem, message) = fails(load_dir(out.path(), Some(&c64())));
    assert!(matches!(problem, Problem::IdMismatch { .. }), "{problem:?}");
    assert!(
        message.starts_with(&format!(
            "{}: ",
            out.path().join("cert-chain.pem").display()
        )),
        "{message}"
    );
}

#[test]
fn errors_from_files_name_the_file_at_fault() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let out = tempfile::tempdir().unwrap();
    let paths = write_pem_files(
        &ca.issue(&speccy(), &[], HOUR).unwrap(),
        out.path(),
        Layout::CsiDriverSpiffe,
    )
    .unwrap();
    let stranger = ca.issue(&speccy(), &[], HOUR).unwrap();
    let good_key = std::fs::read(&paths.key).unwrap();

    std::fs::write(&paths.key, retromesh_pem_key(&stranger)).unwrap();
    let (_, message) = fails(load_dir(out.path(), None));
    assert!(
        message.starts_with(&format!(
            "{}: the private key does not match",
            paths.key.display()
        )),
        "{message}"
    );

    std::fs::write(
        &paths.key,
        "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let (problem, message) = fails(load_dir(out.path(), None));
    assert!(
        matches!(
            problem,
            Problem::Pem {
                part: Part::Key,
                ..
            }
        ),
        "{problem:?}"
    );
    assert!(
        message.contains("tls.key: private key is not usable PEM"),
        "{message}"
    );

    std::fs::write(&paths.key, &good_key).unwrap();
    std::fs::write(&paths.roots, "").unwrap();
    let (problem, message) = fails(load_dir(out.path(), None));
    assert_eq!(problem, Problem::NoRoots);
    assert!(message.contains("ca.crt: no trust root"), "{message}");

    std::fs::write(&paths.chain, "").unwrap();
    let (problem, message) = fails(load_dir(out.path(), None));
    assert_eq!(problem, Problem::EmptyChain);
    assert!(message.contains("tls.crt: no certificate"), "{message}");
}

/// The key of `identity` as PEM, by writing it where the layout puts it.
fn retromesh_pem_key(identity: &Identity) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_pem_files(identity, dir.path(), Layout::IstioOutputCerts).unwrap();
    std::fs::read(paths.key).unwrap()
}

/// root → intermediate → leaf, built with rcgen.
fn three_level_chain() -> Identity {
    let now = SystemTime::now();
    let ca_params = |name: &str| {
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = (now - HOUR).into();
        params.not_after = (now + 24 * HOUR).into();
        params
    };
    let root_key = KeyPair::generate().unwrap();
    let root_params = ca_params("test root");
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_params, root_key);
    let mid_key = KeyPair::generate().unwrap();
    let mid_params = ca_params("test intermediate");
    let mid = mid_params.signed_by(&mid_key, &root_issuer).unwrap();
    let mid_issuer = Issuer::new(mid_params, mid_key);
    let (leaf, key) = leaf_with(
        &mid_issuer,
        &["spiffe://cluster.local/ns/retromesh/sa/speccy"],
        now - HOUR,
        now + HOUR,
    );
    Identity::new(vec![leaf, mid.der().clone()], key, vec![root.der().clone()]).unwrap()
}

#[test]
fn chain_through_an_intermediate_validates_and_must_be_in_order() {
    let identity = three_level_chain();
    identity.validate(SystemTime::now()).unwrap();

    // Without the intermediate the leaf leads nowhere.
    let mut short = identity.clone();
    short.chain.truncate(1);
    let (problem, _) = fails(short.validate(SystemTime::now()));
    assert!(matches!(problem, Problem::Untrusted { .. }), "{problem:?}");

    // With a stranger in the intermediate's place the chain is broken at the leaf.
    let state = tempfile::tempdir().unwrap();
    let mut broken = identity.clone();
    broken.chain[1] = dev_ca(state.path()).root().clone();
    let (problem, message) = fails(broken.validate(SystemTime::now()));
    assert!(
        matches!(problem, Problem::BrokenChain { index: 0, .. }),
        "{problem:?}"
    );
    assert!(
        message.contains("is not signed by certificate #1"),
        "{message}"
    );
}

#[test]
fn empty_chain_and_roots_and_garbage_der_are_rejected() {
    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let identity = ca.issue(&speccy(), &[], HOUR).unwrap();

    let mut no_roots = identity.clone();
    no_roots.roots.clear();
    assert_eq!(
        fails(no_roots.validate(SystemTime::now())).0,
        Problem::NoRoots
    );

    let mut no_chain = identity.clone();
    no_chain.chain.clear();
    assert_eq!(
        fails(no_chain.validate(SystemTime::now())).0,
        Problem::EmptyChain
    );

    let mut garbage = identity.clone();
    garbage
        .roots
        .push(CertificateDer::from(vec![0x30, 0x03, 1, 2, 3]));
    let (problem, message) = fails(garbage.validate(SystemTime::now()));
    assert!(
        matches!(
            problem,
            Problem::BadCertificate {
                part: Part::Roots,
                index: 1,
                ..
            }
        ),
        "{problem:?}"
    );
    assert!(
        message.contains("trust root #1 is not a valid X.509 certificate"),
        "{message}"
    );
}
