mod common;

use std::os::unix::fs::PermissionsExt;

use common::{dev_ca, speccy, HOUR};
use retromesh_identity::{load, load_dir, write_pem_files, IdentityError, Layout};

#[test]
fn both_layouts_write_and_load_back() {
    let state = tempfile::tempdir().unwrap();
    let identity = dev_ca(state.path()).issue(&speccy(), &[], HOUR).unwrap();
    for (layout, names) in [
        (
            Layout::IstioOutputCerts,
            ["cert-chain.pem", "key.pem", "root-cert.pem"],
        ),
        (Layout::CsiDriverSpiffe, ["tls.crt", "tls.key", "ca.crt"]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let paths = write_pem_files(&identity, dir.path(), layout).unwrap();
        assert_eq!(paths, layout.paths(dir.path()));
        assert_eq!(layout.file_names(), names);
        let mut written: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        written.sort();
        let mut expected = names.map(String::from).to_vec();
        expected.sort();
        assert_eq!(written, expected, "no temporary files left behind");
        let key_mode = std::fs::metadata(&paths.key).unwrap().permissions().mode() & 0o777;
        assert_eq!(key_mode, 0o600, "{layout}");

        assert_eq!(Layout::detect(dir.path()).unwrap(), layout);
        let loaded = load_dir(dir.path(), None).unwrap();
        assert_eq!(loaded.id, speccy());
        assert_eq!(loaded.chain, identity.chain);
        assert_eq!(loaded.key.secret_der(), identity.key.secret_der());
        assert_eq!(loaded.roots, identity.roots);
        assert_eq!(loaded.not_after, identity.not_after);
        assert_eq!(load(&paths, Some(&speccy())).unwrap().chain, identity.chain);
    }
}

#[test]
fn detect_lists_both_layouts_when_neither_is_there() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tls.crt"), "").unwrap();
    let err = Layout::detect(dir.path()).unwrap_err();
    assert!(matches!(err, IdentityError::Layout { .. }), "{err:?}");
    let message = err.to_string();
    for expected in [
        "Istio output-certs (cert-chain.pem, key.pem, root-cert.pem) (missing cert-chain.pem, key.pem, root-cert.pem)",
        "csi-driver-spiffe (tls.crt, tls.key, ca.crt) (missing tls.key, ca.crt)",
    ] {
        assert!(message.contains(expected), "{message}");
    }
    assert!(
        message.starts_with(&dir.path().display().to_string()),
        "{message}"
    );
    assert!(load_dir(dir.path(), None).is_err());
}

#[test]
fn detect_refuses_a_directory_with_both_layouts() {
    let state = tempfile::tempdir().unwrap();
    let identity = dev_ca(state.path()).issue(&speccy(), &[], HOUR).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_pem_files(&identity, dir.path(), Layout::IstioOutputCerts).unwrap();
    write_pem_files(&identity, dir.path(), Layout::CsiDriverSpiffe).unwrap();
    let message = Layout::detect(dir.path()).unwrap_err().to_string();
    assert!(message.contains("holds both"), "{message}");
}

#[test]
fn layouts_follow_symlinks_as_kubernetes_volumes_use_them() {
    // A projected volume: tls.crt -> ..data/tls.crt, ..data -> ..2024_01_01.
    let state = tempfile::tempdir().unwrap();
    let identity = dev_ca(state.path()).issue(&speccy(), &[], HOUR).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_pem_files(
        &identity,
        &dir.path().join("..2024_01_01"),
        Layout::CsiDriverSpiffe,
    )
    .unwrap();
    std::os::unix::fs::symlink("..2024_01_01", dir.path().join("..data")).unwrap();
    for name in Layout::CsiDriverSpiffe.file_names() {
        std::os::unix::fs::symlink(format!("..data/{name}"), dir.path().join(name)).unwrap();
    }
    assert_eq!(load_dir(dir.path(), None).unwrap().chain, identity.chain);
}
