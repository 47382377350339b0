//! The operator's commands as a user runs them: `retromesh analyze` on good and broken
//! configs, `retromesh describe` against a running bridge's admin page, and `retromesh up`
//! followed by the curl commands it prints.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::{bridge, curl, free_port, issue, retromesh, wait_until_ok, Running};

fn analyze(config: &Path) -> (Option<i32>, String) {
    let out = retromesh()
        .args(["analyze", config.to_str().unwrap()])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The findings' codes, in order.
fn codes(report: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|l| {
            let start = l.find(" [RM")? + 2;
            Some(l[start..start + 5].to_string())
        })
        .collect()
}

#[test]
fn analyze_passes_a_good_config_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let config = dir.path().join("retromesh.toml");
    let (api, mtls) = (free_port(), free_port());
    std::fs::write(
        &config,
        format!(
            r#"[bridge]
listen = "127.0.0.1:{api}"
mtls_listen = "127.0.0.1:{mtls}"
state_dir = "{}"

[[micros]]
name = "speccy"
emulate = "firmware/zx/demos/serve.bas"
"#,
            state.display()
        ),
    )
    .unwrap();
    let (code, report) = analyze(&config);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(codes(&report), ["RM230"], "{report}");
    assert!(report.contains("will create one on first run"), "{report}");
    assert!(!state.exists(), "analyze must not create the CA");
}

#[test]
fn analyze_finds_each_problem_and_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let d = |name: &str| dir.path().join(name);
    // Key from another certificate: a mismatch.
    issue(
        &state,
        &[
            "--ns",
            "retromesh",
            "--sa",
            "mixed",
            "--out",
            d("mixed").to_str().unwrap(),
        ],
    );
    issue(
        &state,
        &["--sa", "other", "--out", d("other").to_str().unwrap()],
    );
    std::fs::copy(d("other").join("key.pem"), d("mixed").join("key.pem")).unwrap();
    // A certificate from another trust domain's CA.
    let foreign_state = dir.path().join("foreign-state");
    let out = retromesh()
        .args([
            "certs",
            "--state-dir",
            foreign_state.to_str().unwrap(),
            "--trust-domain",
            "example.org",
            "issue",
            "--ns",
            "retromesh",
            "--sa",
            "foreign",
            "--out",
            d("foreign").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    // 3.6 s left of a lifetime that starts 60 s back: well under a quarter.
    issue(
        &state,
        &[
            "--ns",
            "retromesh",
            "--sa",
            "soon",
            "--hours",
            "0.001",
            "--out",
            d("soon").to_str().unwrap(),
        ],
    );
    // No trust bundle.
    issue(
        &state,
        &[
            "--ns",
            "retromesh",
            "--sa",
            "rootless",
            "--out",
            d("rootless").to_str().unwrap(),
        ],
    );
    std::fs::write(d("rootless").join("root-cert.pem"), "").unwrap();

    let port = free_port();
    let config = d("retromesh.toml");
    std::fs::write(
        &config,
        format!(
            r#"[bridge]
listen = "127.0.0.1:{port}"
metrics_listen = "127.0.0.1:{port}"
mtls_listen = "127.0.0.1:0"
admin_listen = "0.0.0.0:15999"
state_dir = "{state}"
workload_api = "unix://{dir}/no-agent.sock"

[services.weather]
url = "https://weather.default.svc:8443"

[[micros]]
name = "unplugged"
device = "/dev/ttyRETROMESH-NONE"

[[micros]]
name = "mixed"
tcp_listen = "127.0.0.1:0"
identity_dir = "{dir}/mixed"

[[micros]]
name = "foreign"
tcp_listen = "127.0.0.1:0"
identity_dir = "{dir}/foreign"

[[micros]]
name = "soon"
tcp_listen = "127.0.0.1:0"
identity_dir = "{dir}/soon"

[[micros]]
name = "rootless"
tcp_listen = "127.0.0.1:0"
identity_dir = "{dir}/rootless"

[[policies]]
name = "for-a-ghost"
micro = "c64"
action = "ALLOW"
principals = ["cluster.local/ns/default/sa/weather"]
"#,
            state = state.display(),
            dir = dir.path().display()
        ),
    )
    .unwrap();
    let (code, report) = analyze(&config);
    assert_eq!(code, Some(1), "{report}");
    let found = codes(&report);
    for (code, words) in [
        ("RM111", "/dev/ttyRETROMESH-NONE does not exist"),
        ("RM201", "certificate and key do not match"),
        ("RM202", "outside the trust domain cluster.local"),
        ("RM204", "expires in"),
        ("RM220", "no trust bundle"),
        ("RM210", "no Workload API socket"),
        ("RM301", "needs the SPIFFE ID"),
        ("RM401", "\"c64\", which is not configured"),
        ("RM501", "clashes with listen"),
        ("RM503", "not a loopback address"),
    ] {
        assert!(found.iter().any(|c| c == code), "no {code} in:\n{report}");
        let line = report
            .lines()
            .find(|l| l.contains(&format!("[{code}]")) && l.contains(words));
        assert!(line.is_some(), "{code} does not say {words:?}:\n{report}");
    }
    assert_eq!(
        report.matches("\n    fix: ").count(),
        found.len(),
        "every finding has a fix:\n{report}"
    );
}

#[test]
fn analyze_exit_code_two_for_an_unreadable_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[bridge]\nlisten = \n").unwrap();
    let (code, report) = analyze(&config);
    assert_eq!(code, Some(2), "{report}");
    assert!(report.contains("[RM001]"), "{report}");
}

#[test]
fn describe_reads_a_running_bridge() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let (api, mtls, admin) = (free_port(), free_port(), free_port());
    let config = dir.path().join("retromesh.toml");
    std::fs::write(
        &config,
        "[[policies]]\nname = \"only-weather\"\nmicro = \"speccy\"\naction = \"ALLOW\"\nprincipals = [\"cluster.local/ns/default/sa/weather\"]\n",
    )
    .unwrap();
    let _b = bridge(&[
        "--config",
        config.to_str().unwrap(),
        "--tcp-listen",
        "127.0.0.1:0",
        "--listen",
        &format!("127.0.0.1:{api}"),
        "--mtls-listen",
        &format!("127.0.0.1:{mtls}"),
        "--admin-listen",
        &format!("127.0.0.1:{admin}"),
        "--state-dir",
        state.to_str().unwrap(),
    ]);
    wait_until_ok(&format!("http://127.0.0.1:{admin}/micros"));
    // A failed call, so there is a recent error to show: nobody is on the line.
    let out = curl(&[
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-d",
        "X",
        &format!("http://127.0.0.1:{api}/v1/micros/speccy/rpc"),
    ]);
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(status.starts_with('5') || status == "403", "{status}");

    let out = retromesh()
        .args([
            "describe",
            "speccy",
            "--admin",
            &format!("127.0.0.1:{admin}"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "spiffe://cluster.local/ns/retromesh/sa/speccy",
        "development CA",
        "ALLOW \"only-weather\" principals=cluster.local/ns/default/sa/weather",
        "Trust root:",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("POST /v1/micros/speccy/rpc ->")),
        "the failed call shows under recent errors:\n{text}"
    );

    let out = retromesh()
        .args([
            "describe",
            "nosuch",
            "--admin",
            &format!("127.0.0.1:{admin}"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("this bridge serves: speccy"));

    let out = retromesh()
        .args([
            "describe",
            "speccy",
            "--admin",
            &format!("127.0.0.1:{}", free_port()),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no bridge answers"));

    // The admin page refuses to listen beyond this machine.
    let out = retromesh()
        .args([
            "bridge",
            "--tcp-listen",
            "127.0.0.1:0",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "0.0.0.0:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback only"));
}

#[test]
fn up_runs_the_demo_and_its_curl_commands_work() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let ports: Vec<String> = (0..6)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    let mut child = Running(
        retromesh()
            .args([
                "up",
                "--state-dir",
                state.to_str().unwrap(),
                "--mtls-listen",
                &ports[0],
                "--listen",
                &ports[1],
                "--metrics-listen",
                &ports[2],
                "--ready-listen",
                &ports[3],
                "--admin-listen",
                &ports[4],
                "--sample-listen",
                &ports[5],
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = mpsc::channel();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let until = Instant::now() + Duration::from_secs(240);
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.contains("GET /v1/micros/speccy/printout over mTLS: 200"))
    {
        let left = until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("the demo did not finish:\n{}", seen.join("\n")),
        }
    }
    let all = seen.join("\n");
    for want in [
        "SPIFFE ID   spiffe://cluster.local/ns/retromesh/sa/speccy",
        "over mTLS as spiffe://cluster.local/ns/retromesh/sa/speccy",
        "HELLO FROM THE MESH",
    ] {
        assert!(all.contains(want), "no {want:?} in:\n{all}");
    }
    // The pasted commands, as printed.
    let printout = seen
        .iter()
        .find(|l| l.trim_start().starts_with("curl") && l.contains("/printout -o printout.png"))
        .unwrap_or_else(|| panic!("no printout command in:\n{all}"));
    let png = dir.path().join("printout.png");
    let args: Vec<String> = printout
        .split_whitespace()
        .skip(1)
        .map(|a| {
            if a == "printout.png" {
                png.display().to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = curl(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let image = image::open(&png).expect("a PNG");
    assert_eq!(image.width(), 256, "the ZX Printer's width");

    let text_cmd = seen
        .iter()
        .find(|l| l.trim_start().starts_with("curl") && l.ends_with("/printout.txt"))
        .unwrap();
    let args: Vec<&str> = text_cmd.split_whitespace().skip(1).collect();
    let out = curl(&args);
    assert!(String::from_utf8_lossy(&out.stdout).contains("HELLO FROM THE MESH"));

    // Without a client certificate the STRICT listener refuses.
    let bare: Vec<&str> = text_cmd
        .split_whitespace()
        .skip(1)
        .filter(|a| {
            !a.contains("cert-chain.pem")
                && !a.contains("key.pem")
                && *a != "--cert"
                && *a != "--key"
        })
        .collect();
    assert!(!curl(&bare).status.success());

    // Ctrl-C ends it cleanly.
    let pid = child.0.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let until = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < until, "up did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}
