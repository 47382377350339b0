//! What the command-line tests share: the binary, free ports, curl, and a child process that
//! is killed when the test ends however it ends.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(30);

pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn retromesh() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_retromesh"));
    c.current_dir(repo());
    c
}

/// `retromesh bridge ARGS`, output discarded.
pub fn bridge(args: &[&str]) -> Running {
    Running(
        retromesh()
            .arg("bridge")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("retromesh runs"),
    )
}

pub fn curl(args: &[&str]) -> Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "30"])
        .args(args)
        .output()
        .expect("curl installed")
}

/// Polls until `url` answers 2xx, for at most [`WAIT`].
pub fn wait_until_ok(url: &str) {
    let until = Instant::now() + WAIT;
    while !curl(&["-sf", url]).status.success() {
        assert!(Instant::now() < until, "{url} never answered 2xx");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `retromesh certs --state-dir STATE issue ARGS`; returns the SPIFFE ID it printed.
pub fn issue(state: &Path, args: &[&str]) -> String {
    let out = retromesh()
        .args(["certs", "--state-dir", state.to_str().unwrap(), "issue"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
