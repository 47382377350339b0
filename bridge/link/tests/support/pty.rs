//! A PTY pair made by socat, as tests and benchmarks use it in place of a serial cable.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PtyPair {
    child: Child,
    /// The micro's end and the bridge's end.
    pub micro: PathBuf,
    pub bridge: PathBuf,
}

impl PtyPair {
    /// Starts socat with the two ends linked at `dir/micro` and `dir/bridge`, and waits until
    /// both exist.
    pub fn start(dir: &Path) -> PtyPair {
        let (micro, bridge) = (dir.join("micro"), dir.join("bridge"));
        let _ = std::fs::remove_file(&micro);
        let _ = std::fs::remove_file(&bridge);
        let child = Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", micro.display()))
            .arg(format!("pty,raw,echo=0,link={}", bridge.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat runs (scripts/deps.sh installs it)");
        let until = Instant::now() + Duration::from_secs(10);
        while !(micro.exists() && bridge.exists()) {
            assert!(Instant::now() < until, "socat made no PTYs");
            std::thread::sleep(Duration::from_millis(2));
        }
        PtyPair {
            child,
            micro,
            bridge,
        }
    }

    /// Pulls the cable: socat goes, and both ends with it.
    pub fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PtyPair {
    fn drop(&mut self) {
        self.stop();
    }
}
