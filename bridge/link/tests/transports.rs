//! Transports against real parts: PTY pairs made by socat, TCP sockets on loopback, tokio
//! pipes. Timeouts here only bound a wait for something that must happen; nothing sleeps in
//! place of waiting for a condition.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod support;

use support::Writes;

use retromesh_link::profile::{FlowControl, MachineProfile, Pacing, Parity, SerialSettings};
use retromesh_link::transport::{
    self, ip232, open, open_link, write_paced, BoxedIo, FaultConfig, FaultyIo, Ip232, LinkListener,
    Paced, TransportConfig, TransportError,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};

/// Long enough for anything here on a loaded machine; only hit when something is broken.
const PATIENCE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// PTY pairs

/// A socat process joining two PTYs, linked at `a` and `b` in a temporary directory.
struct PtyPair {
    child: Child,
    dir: tempfile::TempDir,
    a: PathBuf,
    b: PathBuf,
}

impl PtyPair {
    fn new() -> PtyPair {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let log = File::create(dir.path().join("socat.log")).unwrap();
        let child = Command::new("socat")
            .arg("-d")
            .arg("-d")
            .arg(format!("pty,raw,echo=0,link={}", a.display()))
            .arg(format!("pty,raw,echo=0,link={}", b.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "can't run socat ({e}): install it with `bash scripts/deps.sh` \
                     (or apt-get install -y socat)"
                )
            });
        let mut pair = PtyPair { child, dir, a, b };
        pair.wait_for_links();
        pair
    }

    /// Polls the filesystem until socat has made both links.
    fn wait_for_links(&mut self) {
        let deadline = std::time::Instant::now() + PATIENCE;
        while !(self.a.exists() && self.b.exists()) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "socat exited ({status}) before making its PTYs:\n{}",
                    self.log()
                );
            }
            assert!(
                std::time::Instant::now() < deadline,
                "socat made no PTY links in {PATIENCE:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("socat.log")).unwrap_or_default()
    }

    /// Kills socat (by its pid) and waits for it to be gone.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PtyPair {
    fn drop(&mut self) {
        self.kill();
    }
}

fn serial(path: &Path, settings: SerialSettings) -> TransportConfig {
    TransportConfig::Serial {
        path: path.to_path_buf(),
        settings,
    }
}

const SETTINGS_8N2: SerialSettings = SerialSettings {
    baud: 9600,
    data_bits: 8,
    parity: Parity::None,
    stop_bits: 2,
    flow: FlowControl::None,
};

async fn read_exactly(io: &mut (impl AsyncRead + Unpin), n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    timeout(PATIENCE, io.read_exact(&mut buf))
        .await
        .unwrap_or_else(|_| panic!("{n} bytes did not arrive within {PATIENCE:?}"))
        .unwrap();
    buf
}

/// Sends `data` from `tx` to `rx` while reading it, so neither side's buffer limits the test.
async fn send_and_check(tx: &mut BoxedIo, rx: &mut BoxedIo, data: &[u8]) {
    let (write, got) = tokio::join!(
        async {
            tx.write_all(data).await.unwrap();
            tx.flush().await.unwrap();
        },
        read_exactly(rx, data.len())
    );
    let () = write;
    assert_eq!(got, data, "bytes changed on the way");
}

/// Bytes a tty layer not in raw mode would eat or change (CR, LF, ^C, ^D, ^Q/^S, DEL), the
/// framing bytes (0xC0, 0xDB), 0x00 and 0xFF.
const AWKWARD: &[u8] = &[
    0x00, 0xC0, 0xFF, 0xDB, 0xDC, 0xDD, 0x0D, 0x0A, 0x03, 0x04, 0x11, 0x13, 0x1A, 0x7F, 0x0D, 0x0D,
    0x0A, 0xFF, 0x00, 0x1B,
];

#[tokio::test]
async fn pty_pair_carries_every_byte_value_both_ways() {
    let pty = PtyPair::new();
    // One end as the Interface 1 profile has it (9600 8N2, hardware flow), the other 8N2.
    let if1 = MachineProfile::by_name("zx-if1").unwrap().serial;
    let mut a = open(&serial(&pty.a, if1)).await.unwrap();
    let mut b = open(&serial(&pty.b, SETTINGS_8N2)).await.unwrap();

    let all: Vec<u8> = (0..=255u8).collect();
    send_and_check(&mut a, &mut b, &all).await;
    send_and_check(&mut b, &mut a, AWKWARD).await;
    let mut rev = all.clone();
    rev.reverse();
    send_and_check(&mut b, &mut a, &rev).await;
    send_and_check(&mut a, &mut b, AWKWARD).await;
}

#[tokio::test]
async fn every_profile_opens_a_pty_and_passes_data() {
    let pty = PtyPair::new();
    for profile in MachineProfile::all() {
        let mut a = open(&serial(&pty.a, profile.serial))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", profile.name));
        let mut b = open(&serial(&pty.b, profile.serial)).await.unwrap();
        send_and_check(&mut a, &mut b, AWKWARD).await;
        send_and_check(&mut b, &mut a, AWKWARD).await;
        // Closing both ends lets the next profile open them again.
    }
}

#[tokio::test]
async fn vanished_device_ends_reads_and_reopening_names_the_problem() {
    let mut pty = PtyPair::new();
    let mut a = open(&serial(&pty.a, SETTINGS_8N2)).await.unwrap();
    let mut b = open(&serial(&pty.b, SETTINGS_8N2)).await.unwrap();
    send_and_check(&mut a, &mut b, b"still here").await;

    pty.kill();

    // A pending read must end, with EOF or an error, not hang and not return data.
    let mut buf = [0u8; 16];
    let ended = timeout(Duration::from_secs(2), a.read(&mut buf))
        .await
        .expect("read still waiting 2 s after the device vanished");
    match ended {
        Ok(0) => {}
        Ok(n) => panic!("read {n} bytes from a vanished device: {:?}", &buf[..n]),
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(&pty.a.display().to_string()), "{msg}");
        }
    }

    let err = open(&serial(&pty.a, SETTINGS_8N2)).await.err().unwrap();
    assert!(
        matches!(&err, TransportError::NoSuchDevice { path } if *path == pty.a),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("does not exist"), "{msg}");
    assert!(msg.contains("plugged in"), "{msg}");
    assert!(msg.contains("/dev/serial/by-id"), "{msg}");
}

#[tokio::test]
async fn open_errors_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("ttyUSB9");
    let err = open(&serial(&missing, SETTINGS_8N2)).await.err().unwrap();
    assert!(
        matches!(err, TransportError::NoSuchDevice { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ttyUSB9"), "{err}");

    let plain = dir.path().join("not-a-tty");
    std::fs::write(&plain, b"hello").unwrap();
    let err = open(&serial(&plain, SETTINGS_8N2)).await.err().unwrap();
    assert!(
        matches!(err, TransportError::NotASerialDevice { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not a serial device"), "{err}");

    let pty = PtyPair::new();
    for (bad, setting) in [
        (
            SerialSettings {
                data_bits: 9,
                ..SETTINGS_8N2
            },
            "data_bits",
        ),
        (
            SerialSettings {
                stop_bits: 3,
                ..SETTINGS_8N2
            },
            "stop_bits",
        ),
        (
            SerialSettings {
                baud: 0,
                ..SETTINGS_8N2
            },
            "baud",
        ),
    ] {
        let err = open(&serial(&pty.a, bad)).await.err().unwrap();
        assert!(
            matches!(&err, TransportError::UnsupportedSetting { setting: s, .. } if *s == setting),
            "{err:?}"
        );
        assert!(err.to_string().contains(setting), "{err}");
    }

    // The port is locked while open: a second opener is told who to look for.
    let _held = open(&serial(&pty.a, SETTINGS_8N2)).await.unwrap();
    let err = open(&serial(&pty.a, SETTINGS_8N2)).await.err().unwrap();
    assert!(matches!(err, TransportError::DeviceBusy { .. }), "{err:?}");
    assert!(err.to_string().contains("in use"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// TCP and ip232

/// Bytes with plenty of 0xFF, including runs and a trailing one.
fn ff_heavy() -> Vec<u8> {
    let mut v: Vec<u8> = (0..=255u8).collect();
    v.extend([0xFF, 0xFF, 0xFF, 0x00, 0xFF, 0x01, 0xFF, 0xC0, 0xFF]);
    v.extend((0..2000).map(|i| if i % 3 == 0 { 0xFF } else { i as u8 }));
    v.push(0xFF);
    v
}

#[tokio::test]
async fn tcp_listen_and_connect_pass_bytes_unchanged() {
    let listener = LinkListener::bind("127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let addr = listener.local_addr().to_string();
    let config = TransportConfig::TcpConnect { addr, ip232: false };
    let (server, client) = tokio::join!(listener.accept(), open(&config));
    let mut server = server.unwrap().io;
    let mut client = client.unwrap();
    let data = ff_heavy();
    send_and_check(&mut client, &mut server, &data).await;
    send_and_check(&mut server, &mut client, &data).await;

    // EOF from the peer is how a session learns the emulator went away.
    drop(client);
    let mut buf = [0u8; 8];
    let n = timeout(PATIENCE, server.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn ip232_both_ends_deliver_data_unescaped_and_see_each_others_line() {
    let listener = LinkListener::bind("127.0.0.1:0".parse().unwrap(), true)
        .await
        .unwrap();
    let addr = listener.local_addr().to_string();
    let config = TransportConfig::TcpConnect { addr, ip232: true };
    let (server, client) = tokio::join!(listener.accept(), open_link(&config));
    let (server, client) = (server.unwrap(), client.unwrap());
    let (server_signals, client_signals) = (server.signals.unwrap(), client.signals.unwrap());
    let (mut server, mut client) = (server.io, client.io);

    let data = ff_heavy();
    send_and_check(&mut client, &mut server, &data).await;
    send_and_check(&mut server, &mut client, &data).await;

    // Each side raised its line on connect; the other saw it, as a signal and not as data.
    for s in [server_signals, client_signals] {
        let s = *s.borrow();
        assert!(s.line, "{s:?}");
        assert_eq!(s.updates, 1, "{s:?}");
    }
}

#[tokio::test]
async fn ip232_listener_speaks_vices_framing() {
    let listener = LinkListener::bind("127.0.0.1:0".parse().unwrap(), true)
        .await
        .unwrap();
    // The "emulator": a raw socket speaking ip232 by hand.
    let (server, vice) = tokio::join!(listener.accept(), TcpStream::connect(listener.local_addr()));
    let server = server.unwrap();
    let mut vice = vice.unwrap();
    let mut signals = server.signals.unwrap();
    let mut bridge = server.io;

    // The bridge raises DCD as soon as the emulator connects.
    assert_eq!(read_exactly(&mut vice, 2).await, [0xFF, 0x01]);

    // DTR high, data, a literal 0xFF, DTR low, more data.
    vice.write_all(&[0xFF, 0x01, b'A', 0xFF, 0xFF, b'B', 0xFF, 0x00, b'C'])
        .await
        .unwrap();
    assert_eq!(read_exactly(&mut bridge, 4).await, [b'A', 0xFF, b'B', b'C']);
    let s = *signals.borrow_and_update();
    assert!(!s.dtr(), "DTR went low last: {s:?}");
    assert_eq!(s.updates, 2);

    // An escape split across two reads: the second half is sent only after the bridge has
    // answered for what came before it.
    vice.write_all(&[b'x', 0xFF]).await.unwrap();
    assert_eq!(read_exactly(&mut bridge, 1).await, b"x");
    bridge.write_all(b"k").await.unwrap();
    bridge.flush().await.unwrap();
    assert_eq!(read_exactly(&mut vice, 1).await, b"k");
    vice.write_all(&[0x01, b'y']).await.unwrap(); // 0xFF 0x01: DTR high, not data
    assert_eq!(read_exactly(&mut bridge, 1).await, b"y");
    assert!(signals.has_changed().unwrap());
    assert!(signals.borrow_and_update().dtr());

    vice.write_all(&[b'z', 0xFF]).await.unwrap();
    assert_eq!(read_exactly(&mut bridge, 1).await, b"z");
    vice.write_all(&[0xFF, b'!']).await.unwrap(); // 0xFF 0xFF: data
    assert_eq!(read_exactly(&mut bridge, 2).await, [0xFF, b'!']);
    assert!(!signals.has_changed().unwrap());

    // What the bridge sends reaches the emulator escaped.
    bridge.write_all(&[0x00, 0xFF, 0xC0, 0xFF]).await.unwrap();
    bridge.flush().await.unwrap();
    assert_eq!(
        read_exactly(&mut vice, 6).await,
        [0x00, 0xFF, 0xFF, 0xC0, 0xFF, 0xFF]
    );
}

#[tokio::test]
async fn ip232_survives_a_pipe_that_takes_a_few_bytes_at_a_time() {
    // A 3-byte pipe: the wrapper's writes are cut anywhere, often between the two halves of
    // an escaped 0xFF.
    let (near, far) = tokio::io::duplex(3);
    let mut writer = Ip232::new(near);
    let mut raw = far;
    let data = ff_heavy();
    let mut expected = Vec::new();
    ip232::escape_into(&data, &mut expected);
    let (_, got) = tokio::join!(
        async {
            writer.write_all(&data).await.unwrap();
            writer.flush().await.unwrap();
        },
        read_exactly(&mut raw, expected.len())
    );
    assert_eq!(got, expected);

    // And the other way: the reader gets them back whatever the cuts.
    let (near, far) = tokio::io::duplex(3);
    let mut reader = Ip232::new(far);
    let mut raw = near;
    let (_, got) = tokio::join!(
        async {
            raw.write_all(&expected).await.unwrap();
        },
        read_exactly(&mut reader, data.len())
    );
    assert_eq!(got, data);
    assert_eq!(reader.peer_signals().updates, 0);
}

#[tokio::test]
async fn set_line_sends_a_control_code_before_later_data() {
    let (near, mut far) = tokio::io::duplex(64);
    let mut link = Ip232::new(near);
    link.set_line(false);
    link.write_all(&[0x41]).await.unwrap();
    link.set_line(true);
    link.flush().await.unwrap();
    assert_eq!(
        read_exactly(&mut far, 5).await,
        [0xFF, 0x00, 0x41, 0xFF, 0x01]
    );
}

#[tokio::test]
async fn tcp_errors_say_what_to_do() {
    // A port nothing listens on: bind one, note it, close it.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = open(&TransportConfig::TcpConnect {
        addr: format!("127.0.0.1:{port}"),
        ip232: false,
    })
    .await
    .err()
    .unwrap();
    assert!(
        matches!(err, TransportError::ConnectionRefused { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("start the emulator"), "{err}");

    let err = open(&TransportConfig::TcpConnect {
        addr: "no port here".into(),
        ip232: false,
    })
    .await
    .err()
    .unwrap();
    assert!(matches!(err, TransportError::Resolve { .. }), "{err:?}");
    assert!(err.to_string().contains("host:port"), "{err}");

    let taken = LinkListener::bind("127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let err = LinkListener::bind(taken.local_addr(), false)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, TransportError::AddrInUse { .. }), "{err:?}");
    assert!(err.to_string().contains("pick another port"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// FaultyIo

fn sample(n: usize, seed: u64) -> Vec<u8> {
    // Adjacent bytes always differ, so a duplicate shows as a run of two.
    let mut x = seed | 1;
    let mut prev = None;
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = (x >> 32) as u8;
        if Some(b) != prev {
            v.push(b);
            prev = Some(b);
        }
    }
    v
}

/// Writes `data` through a FaultyIo with `config` on its write side; returns what arrived and
/// the stats.
async fn through_faults(data: &[u8], config: FaultConfig) -> (Vec<u8>, transport::FaultStats) {
    let (near, mut far) = tokio::io::duplex(256);
    let mut faulty = FaultyIo::with_directions(near, config, FaultConfig::clean());
    let stats = faulty.stats_handle();
    let (_, got) = tokio::join!(
        async {
            faulty.write_all(data).await.unwrap();
            faulty.flush().await.unwrap();
            faulty.shutdown().await.unwrap();
        },
        async {
            let mut got = Vec::new();
            timeout(PATIENCE, far.read_to_end(&mut got))
                .await
                .unwrap()
                .unwrap();
            got
        }
    );
    (got, stats.get())
}

#[tokio::test]
async fn fault_free_is_transparent_both_ways() {
    let data = sample(20_000, 7);
    let (got, stats) = through_faults(&data, FaultConfig::clean()).await;
    assert_eq!(got, data);
    assert_eq!(stats.tx.bytes_in, data.len() as u64);
    assert_eq!(stats.tx.bytes_out, data.len() as u64);
    assert_eq!(
        (stats.tx.dropped, stats.tx.duplicated, stats.tx.flipped),
        (0, 0, 0)
    );

    let (near, mut far) = tokio::io::duplex(256);
    let mut faulty = FaultyIo::new(near, FaultConfig::clean());
    let (_, got) = tokio::join!(
        async {
            far.write_all(&data).await.unwrap();
            far.shutdown().await.unwrap();
        },
        async {
            let mut got = Vec::new();
            faulty.read_to_end(&mut got).await.unwrap();
            got
        }
    );
    assert_eq!(got, data);
    assert_eq!(faulty.stats().rx.bytes_out, data.len() as u64);
}

#[tokio::test]
async fn flips_change_one_bit_of_exactly_the_counted_bytes() {
    let data = sample(20_000, 11);
    let config = FaultConfig {
        flip: 0.05,
        seed: 1,
        ..FaultConfig::clean()
    };
    let (got, stats) = through_faults(&data, config).await;
    assert_eq!(got.len(), data.len());
    let changed: Vec<u8> = data
        .iter()
        .zip(&got)
        .map(|(a, b)| a ^ b)
        .filter(|x| *x != 0)
        .collect();
    assert_eq!(changed.len() as u64, stats.tx.flipped);
    assert!(changed.iter().all(|x| x.count_ones() == 1));
    // 5 % of 20 000 is 1000; a working PRNG lands well within 800..1200.
    assert!((800..1200).contains(&stats.tx.flipped), "{stats:?}");
}

#[tokio::test]
async fn drops_leave_an_ordered_subsequence_of_the_counted_length() {
    let data = sample(20_000, 13);
    let config = FaultConfig {
        drop: 0.1,
        seed: 2,
        ..FaultConfig::clean()
    };
    let (got, stats) = through_faults(&data, config).await;
    assert_eq!(got.len() as u64, data.len() as u64 - stats.tx.dropped);
    let mut it = data.iter();
    assert!(
        got.iter().all(|g| it.any(|d| d == g)),
        "what arrived is not the sent bytes in order with some left out"
    );
    assert!((1700..2300).contains(&stats.tx.dropped), "{stats:?}");
}

#[tokio::test]
async fn duplicates_are_counted_runs_of_two() {
    let data = sample(20_000, 17);
    let config = FaultConfig {
        duplicate: 0.1,
        seed: 3,
        ..FaultConfig::clean()
    };
    let (got, stats) = through_faults(&data, config).await;
    assert_eq!(got.len() as u64, data.len() as u64 + stats.tx.duplicated);
    // Undo: collapse runs of two (the sample never repeats a byte).
    let mut collapsed = Vec::new();
    let mut doubles = 0;
    for &b in &got {
        if collapsed.last() == Some(&b) {
            doubles += 1;
        } else {
            collapsed.push(b);
        }
    }
    assert_eq!(collapsed, data);
    assert_eq!(doubles, stats.tx.duplicated);
}

#[tokio::test]
async fn seeds_are_deterministic_and_the_counts_add_up() {
    let data = sample(30_000, 19);
    let config = FaultConfig {
        drop: 0.03,
        duplicate: 0.03,
        flip: 0.03,
        seed: 42,
    };
    let (a, sa) = through_faults(&data, config).await;
    let (b, sb) = through_faults(&data, config).await;
    assert_eq!(a, b, "same seed, different damage");
    assert_eq!(sa, sb);
    assert_eq!(
        a.len() as u64,
        data.len() as u64 - sa.tx.dropped + sa.tx.duplicated
    );
    assert_eq!(sa.tx.bytes_out, a.len() as u64);
    assert!(sa.tx.dropped > 0 && sa.tx.duplicated > 0 && sa.tx.flipped > 0);

    let (c, _) = through_faults(&data, FaultConfig { seed: 43, ..config }).await;
    assert_ne!(a, c, "another seed should damage other bytes");
}

#[tokio::test]
async fn read_side_faults_count_separately() {
    let data = sample(10_000, 23);
    let (near, mut far) = tokio::io::duplex(256);
    let rx = FaultConfig {
        drop: 0.05,
        seed: 5,
        ..FaultConfig::clean()
    };
    let mut faulty = FaultyIo::with_directions(near, FaultConfig::clean(), rx);
    let (_, got) = tokio::join!(
        async {
            far.write_all(&data).await.unwrap();
            far.shutdown().await.unwrap();
        },
        async {
            let mut got = Vec::new();
            faulty.read_to_end(&mut got).await.unwrap();
            got
        }
    );
    let stats = faulty.stats();
    assert_eq!(stats.rx.bytes_in, data.len() as u64);
    assert_eq!(got.len() as u64, data.len() as u64 - stats.rx.dropped);
    assert!(stats.rx.dropped > 0);
    assert_eq!(stats.tx, Default::default());
}

#[test]
#[should_panic(expected = "not a probability")]
fn rates_outside_zero_to_one_are_refused() {
    let (near, _far) = tokio::io::duplex(1);
    let _ = FaultyIo::new(
        near,
        FaultConfig {
            drop: 1.5,
            ..FaultConfig::clean()
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Pacing (tokio's paused clock: virtual time, no wall-clock waiting)

/// Reads `n` bytes one at a time, noting the (virtual) time each arrived.
async fn arrivals(rx: &mut (impl AsyncRead + Unpin), n: usize) -> Vec<(u8, Instant)> {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while out.len() < n {
        rx.read_exact(&mut b).await.unwrap();
        out.push((b[0], Instant::now()));
    }
    out
}

#[tokio::test(start_paused = true)]
async fn paced_writer_leaves_the_byte_gap_between_bytes() {
    let pacing = Pacing {
        byte_gap: Duration::from_millis(5),
        line_gap: Duration::ZERO,
    };
    let (near, mut far) = tokio::io::duplex(64);
    let mut paced = Paced::new(near, pacing);
    let start = Instant::now();
    let (written_at, got) = tokio::join!(
        async {
            paced.write_all(b"0123456789").await.unwrap();
            paced.flush().await.unwrap();
            Instant::now()
        },
        arrivals(&mut far, 10)
    );
    let took = written_at - start;
    assert!(took >= Duration::from_millis(45), "10 bytes took {took:?}");
    assert!(took < Duration::from_millis(50), "10 bytes took {took:?}");
    for w in got.windows(2) {
        assert!(w[1].1 - w[0].1 >= Duration::from_millis(5), "{w:?}");
    }
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), b"0123456789");
}

#[tokio::test(start_paused = true)]
async fn paced_writer_adds_the_line_gap_after_cr() {
    let pacing = Pacing {
        byte_gap: Duration::from_millis(2),
        line_gap: Duration::from_millis(30),
    };
    let (near, mut far) = tokio::io::duplex(64);
    let mut paced = Paced::new(near, pacing);
    let (_, got) = tokio::join!(
        async {
            paced.write_all(b"ab\rcd\r").await.unwrap();
            paced.flush().await.unwrap();
        },
        arrivals(&mut far, 6)
    );
    let gaps: Vec<Duration> = got.windows(2).map(|w| w[1].1 - w[0].1).collect();
    assert!(gaps[0] >= Duration::from_millis(2) && gaps[0] < Duration::from_millis(30));
    assert!(gaps[2] >= Duration::from_millis(32), "{gaps:?}");
    assert!(gaps[3] < Duration::from_millis(30), "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn paced_writer_does_not_wait_once_the_gap_has_passed() {
    let pacing = Pacing {
        byte_gap: Duration::from_millis(5),
        line_gap: Duration::ZERO,
    };
    let (near, _far) = tokio::io::duplex(64);
    let mut paced = Paced::new(near, pacing);
    paced.write_all(b"a").await.unwrap();
    // Let virtual time pass beyond the gap (the clock is paused: this is free).
    tokio::time::sleep(Duration::from_millis(20)).await;
    let start = Instant::now();
    paced.write_all(b"b").await.unwrap();
    assert_eq!(Instant::now() - start, Duration::ZERO);
    // But the byte after waits again.
    paced.write_all(b"c").await.unwrap();
    assert!(Instant::now() - start >= Duration::from_millis(5));
}

#[tokio::test(start_paused = true)]
async fn zero_gaps_write_in_one_call() {
    let (near, mut far) = tokio::io::duplex(1024);
    let mut paced = Paced::new(Writes::new(near), Pacing::NONE);
    let data = [0x55u8; 300];
    let start = Instant::now();
    paced.write_all(&data).await.unwrap();
    paced.flush().await.unwrap();
    assert_eq!(paced.get_ref().writes.len(), 1);
    assert_eq!(Instant::now(), start);
    assert_eq!(read_exactly(&mut far, 300).await, data);

    // With a gap, the same bytes go one call each.
    paced.set_pacing(Pacing {
        byte_gap: Duration::from_millis(1),
        line_gap: Duration::ZERO,
    });
    paced.write_all(&data[..10]).await.unwrap();
    assert_eq!(paced.get_ref().writes.len(), 11);
}

#[tokio::test(start_paused = true)]
async fn write_paced_waits_after_every_byte() {
    let pacing = Pacing {
        byte_gap: Duration::from_millis(5),
        line_gap: Duration::ZERO,
    };
    let (mut near, mut far) = tokio::io::duplex(64);
    let start = Instant::now();
    write_paced(&mut near, b"0123456789", &pacing)
        .await
        .unwrap();
    let took = Instant::now() - start;
    assert!(took >= Duration::from_millis(45), "{took:?}");
    assert_eq!(read_exactly(&mut far, 10).await, b"0123456789");

    let start = Instant::now();
    write_paced(&mut near, b"0123456789", &Pacing::NONE)
        .await
        .unwrap();
    assert_eq!(Instant::now(), start);
}
