//! A bridge's life as a container sees it: `retromesh health` while it runs, a SIGTERM that
//! drains the request in flight before the process exits 0, and `retromesh sample`, the sample
//! mesh service on its own.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../link/tests/support/pty.rs"]
mod pty;
mod support;

use support::{curl, free_port, issue, retromesh, wait_until_ok, Running, WAIT};

/// `retromesh health --url URL`: exit code and stdout.
fn health(url: &str) -> (Option<i32>, String) {
    let out = retromesh().args(["health", "--url", url]).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn wait_for_exit(child: &mut Child) -> Option<i32> {
    let until = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        assert!(
            Instant::now() < until,
            "the bridge did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads `\r`-ended lines from the micro's end until a line that is only `.`.
fn read_block(reader: &mut impl BufRead) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut l = Vec::new();
        reader.read_until(b'\r', &mut l).unwrap();
        let line = String::from_utf8(l).unwrap().trim_end().to_string();
        if line == "." {
            return lines;
        }
        lines.push(line);
    }
}

#[test]
fn sigterm_turns_readiness_off_finishes_the_request_in_flight_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let socat = pty::PtyPair::start(dir.path());
    let (api, ready) = (free_port(), free_port());
    let config = dir.path().join("retromesh.toml");
    std::fs::write(
        &config,
        format!(
            "[bridge]\nlisten = \"127.0.0.1:{api}\"\nready_listen = \"127.0.0.1:{ready}\"\ndrain_secs = 20\n\n\
             [[micros]]\nname = \"next\"\nprofile = \"zx-next\"\ndevice = \"{}\"\nline = {{ byte_gap_ms = 0 }}\n",
            socat.bridge.display()
        ),
    )
    .unwrap();
    let log = dir.path().join("bridge.log");
    let mut bridge = Running(
        retromesh()
            .args(["bridge", "--config", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let ready_url = format!("http://127.0.0.1:{ready}/healthz/ready");
    wait_until_ok(&ready_url);
    let (code, out) = health(&ready_url);
    assert_eq!(code, Some(0), "{out}");

    // The micro listens, and a request arrives.
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&socat.micro)
        .unwrap();
    let mut reader = BufReader::new(tty.try_clone().unwrap());
    tty.write_all(b"LISTEN\r").unwrap();
    let answer = read_block(&mut reader);
    assert!(answer[0].starts_with("200"), "{answer:?}");
    let url = format!("http://127.0.0.1:{api}/v1/micros/next/rpc/ping");
    let call = std::thread::spawn(move || curl(&["-w", "\n%{http_code}", "-d", "PING", &url]));
    let request = read_block(&mut reader);
    assert!(request[0].starts_with("REQUEST "), "{request:?}");
    assert!(request[0].ends_with("POST /ping"), "{request:?}");

    // The container stops while the micro is still working on it.
    let pid = bridge.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let until = Instant::now() + WAIT;
    loop {
        let (code, out) = health(&ready_url);
        if code == Some(1) {
            assert!(out.contains("draining"), "{out}");
            break;
        }
        assert!(Instant::now() < until, "readiness never turned 503: {out}");
        std::thread::sleep(Duration::from_millis(20));
    }
    // No new connections while draining.
    let refused = curl(&[
        "-s",
        "-o",
        "/dev/null",
        &format!("http://127.0.0.1:{api}/v1/micros"),
    ]);
    assert_eq!(
        refused.status.code(),
        Some(7),
        "a new connection was accepted while draining"
    );
    assert!(
        bridge.0.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );

    tty.write_all(b"REPLY 200 PONG\r").unwrap();
    let out = call.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        text.trim_end(),
        "PONG\n200",
        "the request in flight was not finished"
    );
    assert_eq!(wait_for_exit(&mut bridge.0), Some(0));
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("SIGTERM"), "{logged}");
    assert!(
        logged.contains("drained: every connection closed"),
        "{logged}"
    );
}

#[test]
fn health_says_when_no_bridge_answers() {
    let url = format!("http://127.0.0.1:{}/healthz/ready", free_port());
    let (code, out) = health(&url);
    assert_eq!(code, Some(5), "{out}");
    assert!(out.contains("no bridge answers"), "{out}");
    let bad = retromesh()
        .args(["health", "--url", "not a url"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_sample_service_takes_mutual_tls_only_and_names_its_caller() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let hello = dir.path().join("hello");
    let you = dir.path().join("you");
    issue(
        &state,
        &[
            "--sa",
            "hello",
            "--ns",
            "default",
            "--dns",
            "hello",
            "--out",
            hello.to_str().unwrap(),
        ],
    );
    let caller = issue(
        &state,
        &[
            "--sa",
            "you",
            "--ns",
            "default",
            "--out",
            you.to_str().unwrap(),
        ],
    );
    let port = free_port();
    let _sample = Running(
        retromesh()
            .args([
                "sample",
                "--identity-dir",
                hello.to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let resolve = format!("hello:{port}:127.0.0.1");
    let url = format!("https://hello:{port}/greeting");
    let root = you.join("root-cert.pem");
    let mtls = |extra: &[&str]| {
        let mut args = vec!["--resolve", &resolve, "--cacert", root.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(&url);
        curl(&args)
    };
    let cert = you.join("cert-chain.pem");
    let key = you.join("key.pem");
    let until = Instant::now() + WAIT;
    let out = loop {
        let out = mtls(&[
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ]);
        if out.status.success() || Instant::now() > until {
            break out;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let body = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(body.starts_with("HELLO FROM THE MESH"), "{body}");
    assert!(body.contains(&caller), "{body}");
    assert!(
        body.contains("spiffe://cluster.local/ns/default/sa/hello"),
        "{body}"
    );
    let anonymous = mtls(&[]);
    assert!(
        !anonymous.status.success(),
        "a caller without a certificate got in"
    );

    let broken = retromesh()
        .args(["sample", "--identity-dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(3));
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(err.contains("retromesh certs issue"), "{err}");
}
