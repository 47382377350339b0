mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{capture_warnings, dev_ca, speccy, HOUR};
use retromesh_identity::{write_pem_files, Identity, IdentitySource, IdentityWatcher, Layout};
use tokio::sync::{mpsc, watch};
use tokio::time::timeout;

const POLL: Duration = Duration::from_millis(20);
/// How long a test waits for something that should happen within a few polls.
const PATIENCE: Duration = Duration::from_secs(10);

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

fn same(a: &Identity, b: &Identity) -> bool {
    a.chain == b.chain && a.key.secret_der() == b.key.secret_der() && a.roots == b.roots
}

#[tokio::test]
async fn watcher_publishes_a_new_valid_identity() {
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ca = dev_ca(state.path());
    let first = ca.issue(&speccy(), &[], HOUR).unwrap();
    write_pem_files(&first, out.path(), Layout::IstioOutputCerts).unwrap();

    let (mut rx, task) = IdentityWatcher::spawn(out.path(), Some(speccy()), POLL).unwrap();
    assert!(same(&rx.borrow_and_update(), &first));

    let second = ca.issue(&speccy(), &[], HOUR).unwrap();
    write_pem_files(&second, out.path(), Layout::IstioOutputCerts).unwrap();
    assert!(same(&*next(&mut rx).await, &second));
    task.abort();
}

#[tokio::test]
async fn watcher_follows_a_kubernetes_symlink_swap_without_warning() {
    // A projected volume: tls.crt -> ..data/tls.crt, and ..data is swapped to a new directory
    // in one rename, so at most one poll can see a mixed set and nothing is warned about.
    let (_log, mut warnings) = capture_warnings();
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ca = dev_ca(state.path());
    let first = ca.issue(&speccy(), &[], HOUR).unwrap();
    write_pem_files(&first, &out.path().join("..v1"), Layout::CsiDriverSpiffe).unwrap();
    std::os::unix::fs::symlink("..v1", out.path().join("..data")).unwrap();
    for name in Layout::CsiDriverSpiffe.file_names() {
        std::os::unix::fs::symlink(format!("..data/{name}"), out.path().join(name)).unwrap();
    }
    let (mut rx, task) = IdentityWatcher::spawn(out.path(), Some(speccy()), POLL).unwrap();
    assert!(same(&rx.borrow_and_update(), &first));

    let second = ca.issue(&speccy(), &[], HOUR).unwrap();
    write_pem_files(&second, &out.path().join("..v2"), Layout::CsiDriverSpiffe).unwrap();
    std::os::unix::fs::symlink("..v2", out.path().join("..data_tmp")).unwrap();
    std::fs::rename(out.path().join("..data_tmp"), out.path().join("..data")).unwrap();
    assert!(same(&*next(&mut rx).await, &second));
    assert!(
        warnings.try_recv().is_err(),
        "an atomic swap warns of nothing"
    );
    task.abort();
}

#[tokio::test]
async fn watcher_keeps_the_old_identity_when_the_new_files_are_broken() {
    let (_log, mut warnings) = capture_warnings();
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ca = dev_ca(state.path());
    let first = ca.issue(&speccy(), &[], HOUR).unwrap();
    let paths = write_pem_files(&first, out.path(), Layout::IstioOutputCerts).unwrap();
    let (mut rx, task) = IdentityWatcher::spawn(out.path(), None, POLL).unwrap();
    rx.borrow_and_update();

    // Another leaf's key: parses, but is not this leaf's.
    let spare = tempfile::tempdir().unwrap();
    let stranger = ca.issue(&speccy(), &[], HOUR).unwrap();
    let stranger_paths =
        write_pem_files(&stranger, spare.path(), Layout::IstioOutputCerts).unwrap();
    std::fs::copy(&stranger_paths.key, &paths.key).unwrap();
    let text = warning(&mut warnings).await;
    assert!(
        text.contains("key.pem: the private key does not match"),
        "{text}"
    );
    assert!(text.contains("keeping the current one"), "{text}");
    assert!(!rx.has_changed().unwrap(), "nothing was published");
    assert!(same(&rx.borrow(), &first));

    // Not even PEM.
    std::fs::write(&paths.key, "garbage\n").unwrap();
    let text = warning(&mut warnings).await;
    assert!(
        text.contains("key.pem: private key is not usable PEM"),
        "{text}"
    );
    assert!(!rx.has_changed().unwrap());
    assert!(same(&rx.borrow(), &first));

    // A good set again is published.
    let third = ca.issue(&speccy(), &[], HOUR).unwrap();
    write_pem_files(&third, out.path(), Layout::IstioOutputCerts).unwrap();
    assert!(same(&*next(&mut rx).await, &third));
    task.abort();
}

#[tokio::test]
async fn watcher_refuses_a_leaf_for_another_id_than_expected() {
    let (_log, mut warnings) = capture_warnings();
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ca = dev_ca(state.path());
    let first = ca.issue(&speccy(), &[], HOUR).unwrap();
    write_pem_files(&first, out.path(), Layout::CsiDriverSpiffe).unwrap();
    let (rx, task) = IdentityWatcher::spawn(out.path(), Some(speccy()), POLL).unwrap();

    let c64 = ca.issue(&common::c64(), &[], HOUR).unwrap();
    write_pem_files(&c64, out.path(), Layout::CsiDriverSpiffe).unwrap();
    let text = warning(&mut warnings).await;
    assert!(
        text.contains(
            "tls.crt: the leaf certificate is for spiffe://cluster.local/ns/retromesh/sa/c64"
        ),
        "{text}"
    );
    assert!(same(&rx.borrow(), &first));
    task.abort();
}

#[tokio::test]
async fn watcher_publishes_when_only_the_roots_change() {
    let (state, other, out) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let ca = dev_ca(state.path());
    let first = ca.issue(&speccy(), &[], HOUR).unwrap();
    let paths = write_pem_files(&first, out.path(), Layout::CsiDriverSpiffe).unwrap();
    let (mut rx, task) = IdentityWatcher::spawn(out.path(), None, POLL).unwrap();

    // A CA rotation begins: the bundle gains the next root; the leaf stays.
    let next_ca = dev_ca(other.path());
    std::fs::write(&paths.roots, ca.root_pem() + &next_ca.root_pem()).unwrap();
    let updated = next(&mut rx).await;
    assert_eq!(
        updated.roots,
        vec![ca.root().clone(), next_ca.root().clone()]
    );
    assert_eq!(updated.chain, first.chain);
    task.abort();
}

#[tokio::test]
async fn watcher_needs_a_good_first_load() {
    let dir = tempfile::tempdir().unwrap();
    let err = IdentityWatcher::spawn(dir.path(), None, POLL).unwrap_err();
    assert!(err.to_string().contains("no identity files"), "{err}");

    let state = tempfile::tempdir().unwrap();
    let ca = dev_ca(state.path());
    let paths = write_pem_files(
        &ca.issue(&speccy(), &[], HOUR).unwrap(),
        dir.path(),
        Layout::IstioOutputCerts,
    )
    .unwrap();
    std::fs::write(&paths.key, "garbage\n").unwrap();
    let err = IdentityWatcher::spawn(dir.path(), None, POLL).unwrap_err();
    assert!(err.to_string().contains("key.pem"), "{err}");
}

#[tokio::test]
async fn watcher_stops_once_every_receiver_is_gone() {
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ca = dev_ca(state.path());
    write_pem_files(
        &ca.issue(&speccy(), &[], HOUR).unwrap(),
        out.path(),
        Layout::IstioOutputCerts,
    )
    .unwrap();
    let (rx, task) = IdentityWatcher::spawn(out.path(), None, POLL).unwrap();
    drop(rx);
    timeout(PATIENCE, task)
        .await
        .expect("task still running")
        .unwrap();
}

#[tokio::test]
async fn files_source_starts_a_watcher() {
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ca = dev_ca(state.path());
    let first = ca.issue(&speccy(), &[], HOUR).unwrap();
    write_pem_files(&first, out.path(), Layout::CsiDriverSpiffe).unwrap();
    let source = IdentitySource::Files {
        dir: out.path().to_owned(),
        expected: Some(speccy()),
        interval: POLL,
    };
    let mut rx = source.start().await.unwrap();
    assert!(same(&rx.borrow_and_update(), &first));
    let second = ca.issue(&speccy(), &[], HOUR).unwrap();
    write_pem_files(&second, out.path(), Layout::CsiDriverSpiffe).unwrap();
    assert!(same(&*next(&mut rx).await, &second));
}

#[tokio::test(start_paused = true)]
async fn dev_ca_source_reissues_when_half_the_lifetime_is_gone() {
    let state = tempfile::tempdir().unwrap();
    let source = IdentitySource::DevCa {
        ca: Arc::new(dev_ca(state.path())),
        id: speccy(),
        dns_names: vec!["speccy.retromesh.svc".into()],
        lifetime: HOUR,
    };
    let started = tokio::time::Instant::now();
    let mut rx = source.start().await.unwrap();
    let first = rx.borrow_and_update().clone();
    first.validate(SystemTime::now()).unwrap();

    for round in 1..=2u32 {
        // The paused clock jumps to the next timer: the re-issue, or the timeout if none.
        timeout(HOUR, rx.changed())
            .await
            .expect("not re-issued")
            .unwrap();
        let elapsed = started.elapsed();
        let due = HOUR / 2 * round;
        assert!(
            elapsed >= due && elapsed < due + Duration::from_secs(1),
            "round {round}: {elapsed:?}"
        );
        let renewed = rx.borrow_and_update().clone();
        renewed.validate(SystemTime::now()).unwrap();
        assert_eq!(renewed.id, speccy());
        assert_ne!(renewed.chain, first.chain);
    }
}

#[tokio::test]
async fn dev_ca_source_refuses_an_id_it_cannot_issue() {
    let state = tempfile::tempdir().unwrap();
    let source = IdentitySource::DevCa {
        ca: Arc::new(dev_ca(state.path())),
        id: "spiffe://example.org/ns/a/sa/b".parse().unwrap(),
        dns_names: vec![],
        lifetime: HOUR,
    };
    let err = source.start().await.unwrap_err();
    assert!(err.to_string().contains("example.org"), "{err}");
}
