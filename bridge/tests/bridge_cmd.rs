//! `retromesh bridge` as a user meets it: an emulated Spectrum running the serve demo, called
//! with curl through the /v1 API; and a bridge on a real PTY pair with a line-mode micro.

use std::io::{BufRead, BufReader, Write};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../link/tests/support/pty.rs"]
mod pty;
mod support;

use support::{bridge, curl, free_port, issue, wait_until_ok, WAIT};

/// Polls GET /v1/micros until `pred` holds on its JSON.
fn wait_for_micros(port: u16, pred: impl Fn(&str) -> bool) -> String {
    let until = Instant::now() + WAIT;
    loop {
        let out = curl(&[&format!("http://127.0.0.1:{port}/v1/micros")]);
        let body = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() && pred(&body) {
            return body;
        }
        assert!(Instant::now() < until, "bridge never got there: {body}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn curl_calls_an_emulated_spectrum_through_the_bridge() {
    let port = free_port();
    let _b = bridge(&[
        "--emulate",
        "firmware/zx/demos/serve.bas",
        "--port",
        "if1",
        "--listen",
        &format!("127.0.0.1:{port}"),
    ]);
    let micros = wait_for_micros(port, |j| j.contains("\"mode\": \"line\""));
    assert!(micros.contains("\"name\": \"speccy\""), "{micros}");
    // The demo serves one request, then stops; until it has sent LISTEN, calls get 503.
    let url = format!("http://127.0.0.1:{port}/v1/micros/speccy/rpc/print");
    let until = Instant::now() + WAIT;
    let out = loop {
        let out = curl(&["-i", "--data-binary", "HELLO FROM CURL", &url]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !text.contains(" 503 ") {
            break text;
        }
        assert!(text.to_lowercase().contains("retry-after: 1"), "{text}");
        assert!(Instant::now() < until, "the micro never listened: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.trim_end().ends_with("PRINTED 1"), "{out}");
    // An unknown micro and an oversize body get named errors.
    let out = curl(&[
        "-i",
        "-d",
        "x",
        &format!("http://127.0.0.1:{port}/v1/micros/nosuch/rpc"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("HTTP/1.1 404") && text.contains("this bridge has: speccy"),
        "{text}"
    );
    let big = "x".repeat(3000);
    let out = curl(&["-i", "--data-binary", &big, &url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("HTTP/1.1 413") && text.contains("at most 2048"),
        "{text}"
    );
}

#[test]
fn a_bridge_on_a_pty_answers_a_line_mode_micro_and_reports_the_link_going_down() {
    let dir = tempfile::tempdir().unwrap();
    let socat = pty::PtyPair::start(dir.path());
    let (micro, line) = (socat.micro.clone(), socat.bridge.clone());
    let port = free_port();
    // This micro comes from the config file: [[micros]] with a profile and a line override.
    let config = dir.path().join("retromesh.toml");
    std::fs::write(
        &config,
        format!(
            "[bridge]\nlisten = \"127.0.0.1:{port}\"\n\n[[micros]]\nname = \"next\"\nprofile = \"zx-next\"\ndevice = \"{}\"\nline = {{ byte_gap_ms = 0 }}\n",
            line.display()
        ),
    )
    .unwrap();
    let _b = bridge(&["--config", config.to_str().unwrap()]);
    wait_for_micros(port, |j| j.contains("\"link\": \"up\""));
    // The micro's side: plain text, as BASIC's PRINT #4 sends it.
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&micro)
        .unwrap();
    tty.write_all(b"ECHO HELLO\rBOGUS\r").unwrap();
    let mut reader = BufReader::new(tty.try_clone().unwrap());
    let mut lines = Vec::new();
    while lines.len() < 5 {
        let mut l = Vec::new();
        reader.read_until(b'\r', &mut l).unwrap();
        lines.push(String::from_utf8(l).unwrap().trim_end().to_string());
    }
    assert_eq!(
        lines,
        [
            "200 OK",
            "HELLO",
            ".",
            "400 UNKNOWN COMMAND \"BOGUS\": SEND HELP FOR THE LIST",
            "."
        ]
    );
    socat.kill();
    let json = wait_for_micros(port, |j| {
        j.contains("\"link\": \"down\"") || j.contains("\"link\": \"connecting\"")
    });
    assert!(json.contains("next"), "{json}");
}

#[test]
fn a_bad_profile_or_no_micro_is_a_usage_error_that_names_the_fix() {
    let out = Command::new(env!("CARGO_BIN_EXE_retromesh"))
        .args([
            "bridge",
            "--device",
            "/dev/null",
            "--profile",
            "zx-foo",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("zx-foo") && err.contains("zx-if1"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_retromesh"))
        .args(["bridge", "--listen", "127.0.0.1:0"])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no micros to serve") && err.contains("--device"),
        "{err}"
    );
}

#[test]
fn an_emulated_spectrum_behind_mtls_with_its_own_spiffe_identity() {
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().join("state");
    let client = state.path().join("weather");
    // A sample service's certificate from the same development CA the bridge will use.
    let out = Command::new(env!("CARGO_BIN_EXE_retromesh"))
        .args([
            "certs",
            "--state-dir",
            state_dir.to_str().unwrap(),
            "issue",
            "--sa",
            "weather",
            "--out",
            client.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "spiffe://cluster.local/ns/default/sa/weather"
    );

    // Only the weather service may call the speccy (Istio semantics: one ALLOW rule denies the rest).
    let other = state.path().join("alice");
    let out = Command::new(env!("CARGO_BIN_EXE_retromesh"))
        .args([
            "certs",
            "--state-dir",
            state_dir.to_str().unwrap(),
            "issue",
            "--sa",
            "alice",
            "--out",
            other.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let config = state.path().join("retromesh.toml");
    std::fs::write(
        &config,
        "[[policies]]\nname = \"only-weather\"\nmicro = \"speccy\"\naction = \"ALLOW\"\nprincipals = [\"cluster.local/ns/default/sa/weather\"]\n",
    )
    .unwrap();
    let (api, mtls, metrics, ready) = (free_port(), free_port(), free_port(), free_port());
    let _b = bridge(&[
        "--config",
        config.to_str().unwrap(),
        "--emulate",
        "firmware/zx/demos/serve.bas",
        "--port",
        "if1",
        "--listen",
        &format!("127.0.0.1:{api}"),
        "--mtls-listen",
        &format!("127.0.0.1:{mtls}"),
        "--state-dir",
        state_dir.to_str().unwrap(),
        "--metrics-listen",
        &format!("127.0.0.1:{metrics}"),
        "--ready-listen",
        &format!("127.0.0.1:{ready}"),
    ]);
    let until = Instant::now() + WAIT;
    while !curl(&["-sf", &format!("http://127.0.0.1:{ready}/healthz/ready")])
        .status
        .success()
    {
        assert!(Instant::now() < until, "never ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let host = "speccy.retromesh.svc.cluster.local";
    let resolve = format!("{host}:{mtls}:127.0.0.1");
    let cert = |f: &str| client.join(f).to_str().unwrap().to_string();
    let mtls_curl = |extra: &[&str]| {
        let mut args = vec!["-i", "--resolve", &resolve, "--cacert"];
        let (ca, crt, key) = (
            cert("root-cert.pem"),
            cert("cert-chain.pem"),
            cert("key.pem"),
        );
        args.extend([ca.as_str(), "--cert", crt.as_str(), "--key", key.as_str()]);
        args.extend(extra);
        curl(&args)
    };
    let url = format!("https://{host}:{mtls}/v1/micros/speccy/rpc/print");
    let denied = curl(&[
        "-i",
        "--resolve",
        &resolve,
        "--cacert",
        &cert("root-cert.pem"),
        "--cert",
        other.join("cert-chain.pem").to_str().unwrap(),
        "--key",
        other.join("key.pem").to_str().unwrap(),
        "--data-binary",
        "LET ME IN",
        &url,
    ]);
    let denied = format!(
        "{}{}",
        String::from_utf8_lossy(&denied.stdout),
        String::from_utf8_lossy(&denied.stderr)
    );
    assert!(
        denied.starts_with("HTTP/2 403") || denied.starts_with("HTTP/1.1 403"),
        "{denied}"
    );
    assert!(
        denied.contains("only-weather"),
        "the 403 names the rule: {denied}"
    );
    let until = Instant::now() + WAIT;
    let text = loop {
        let out = mtls_curl(&["--data-binary", "HELLO OVER MTLS", &url]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !text.contains(" 503") {
            break text;
        }
        assert!(Instant::now() < until, "the micro never listened: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        text.contains(" 200") && text.trim_end().ends_with("PRINTED 1"),
        "{text}"
    );
    // The micro's certificate carries its own SPIFFE ID, and the mTLS port refuses plaintext.
    let served = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect 127.0.0.1:{mtls} -servername {host} -cert {} -key {} </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName",
            cert("cert-chain.pem"), cert("key.pem")
        ))
        .output()
        .unwrap();
    let san = String::from_utf8_lossy(&served.stdout);
    assert!(
        san.contains("URI:spiffe://cluster.local/ns/retromesh/sa/speccy"),
        "{san}"
    );
    assert!(
        !curl(&["-sf", &format!("http://127.0.0.1:{mtls}/v1/micros")])
            .status
            .success()
    );
    let scrape = curl(&[
        "-s",
        &format!("http://127.0.0.1:{metrics}/stats/prometheus"),
    ]);
    let scrape = String::from_utf8_lossy(&scrape.stdout);
    // The demo stops after one request, so the link may already be down: its counters stay.
    assert!(
        scrape.contains("retromesh_link_state{micro=\"speccy\"}"),
        "{scrape}"
    );
    let lines_rx = scrape
        .lines()
        .find(|l| l.starts_with("retromesh_link_lines_received_total{micro=\"speccy\"}"))
        .unwrap_or_else(|| panic!("no line counter:\n{scrape}"));
    assert!(
        !lines_rx.ends_with(" 0"),
        "the demo's command lines were counted: {lines_rx}"
    );
    // The mTLS call is counted the way Istio counts it, caller and micro named by SPIFFE ID.
    let line = scrape
        .lines()
        .find(|l| l.starts_with("istio_requests_total{") && l.contains("response_code=\"200\""))
        .unwrap_or_else(|| panic!("no istio_requests_total for the call:\n{scrape}"));
    for want in [
        "source_principal=\"spiffe://cluster.local/ns/default/sa/weather\"",
        "destination_principal=\"spiffe://cluster.local/ns/retromesh/sa/speccy\"",
        "destination_service=\"speccy.retromesh.svc.cluster.local\"",
        "connection_security_policy=\"mutual_tls\"",
    ] {
        assert!(line.contains(want), "{want} missing: {line}");
    }
}

#[test]
fn tls12_is_refused_unless_the_bridge_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let client = dir.path().join("weather");
    issue(
        &state,
        &["--sa", "weather", "--out", client.to_str().unwrap()],
    );
    let pem = |f: &str| client.join(f).to_str().unwrap().to_string();
    let host = "speccy.retromesh.svc.cluster.local";
    // GET /v1/micros over mTLS with TLS 1.2 at most: the status, or curl's error.
    let tls12_get = |mtls: u16| {
        let resolve = format!("{host}:{mtls}:127.0.0.1");
        let out = curl(&[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--tls-max",
            "1.2",
            "--resolve",
            &resolve,
            "--cacert",
            &pem("root-cert.pem"),
            "--cert",
            &pem("cert-chain.pem"),
            "--key",
            &pem("key.pem"),
            &format!("https://{host}:{mtls}/v1/micros"),
        ]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let start = |extra: &[&str]| {
        let (mtls, ready) = (free_port(), free_port());
        let mut args = vec![
            "--tcp-listen".to_string(),
            "127.0.0.1:0".into(),
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--mtls-listen".into(),
            format!("127.0.0.1:{mtls}"),
            "--ready-listen".into(),
            format!("127.0.0.1:{ready}"),
            "--state-dir".into(),
            state.to_str().unwrap().into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let running = bridge(&args);
        wait_until_ok(&format!("http://127.0.0.1:{ready}/healthz/ready"));
        (running, mtls)
    };

    let (_strict, mtls) = start(&[]);
    let (code, status) = tls12_get(mtls);
    // curl exits 35 when the handshake fails: the bridge answered with protocol_version.
    assert_eq!((code, status.as_str()), (Some(35), "000"));

    let (_lax, mtls) = start(&["--allow-tls12"]);
    assert_eq!(tls12_get(mtls), (Some(0), "200".to_string()));
}
