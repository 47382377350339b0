//! Link benchmarks over a real PTY pair (socat), with both ends' writes held to the line rate
//! (a PTY moves bytes as fast as memory; a UART does not).
//!
//! - goodput in frame mode at 9600, 38400 and 115200 baud, against the raw line rate and what
//!   the framing allows (250 payload bytes in 257+ wire bytes, plus the ACK's turnaround);
//! - request latency in frame and line mode at 9600 baud, against the physical minimum (the
//!   bytes on the wire divided by the line rate);
//! - the bridge's CPU per 1,000 frames, against a plain copy of the same bytes, and its CPU
//!   while the link is idle.
//!
//! Run: `cargo bench -p retromesh-link --bench link` (needs socat). Medians of `RUNS` runs.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use retromesh_link::client::FrameClient;
use retromesh_link::profile::{LinkOverrides, MachineProfile};
use retromesh_link::session::{ConnectError, ConnectFuture, Connector};
use retromesh_link::transport::{self, BoxedIo, TransportConfig};
use retromesh_link::upstream::HttpServices;
use retromesh_link::MicroSpec;
use retromesh_link_frame::{Body, MachineId, SessionConfig};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};

const RUNS: usize = 5;

/// Holds writes to `baud` (10 bits a byte), as the UART behind a real port would: a chunk
/// reaches the other end when its last bit would have. Wake-ups late by the timer's
/// granularity are caught up while the line stays busy, so they do not add up.
struct LineRate<T> {
    inner: T,
    secs_per_byte: f64,
    free_at: Instant,
    pending: Option<(usize, Pin<Box<tokio::time::Sleep>>)>,
}

impl<T> LineRate<T> {
    fn new(inner: T, baud: u32) -> Self {
        LineRate {
            inner,
            secs_per_byte: 10.0 / baud as f64,
            free_at: Instant::now(),
            pending: None,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for LineRate<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for LineRate<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            let now = Instant::now();
            let busy = this.free_at + Duration::from_millis(3) > now;
            let start = if busy { this.free_at } else { now };
            let n = buf.len().min(32);
            let done = start + Duration::from_secs_f64(n as f64 * this.secs_per_byte);
            this.free_at = done;
            this.pending = Some((n, Box::pin(tokio::time::sleep_until(done.into()))));
        }
        let (n, sleep) = this.pending.as_mut().expect("set above");
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let n = *n;
        match Pin::new(&mut this.inner).poll_write(cx, &buf[..n.min(buf.len())]) {
            Poll::Ready(Ok(written)) => {
                this.pending = None;
                Poll::Ready(Ok(written))
            }
            other => other,
        }
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[path = "../tests/support/pty.rs"]
mod pty;

fn socat(dir: &Path) -> (pty::PtyPair, PathBuf, PathBuf) {
    let pair = pty::PtyPair::start(dir);
    let (a, b) = (pair.micro.clone(), pair.bridge.clone());
    (pair, a, b)
}

fn profile(baud: u32) -> MachineProfile {
    LinkOverrides {
        baud: Some(baud),
        byte_gap_ms: Some(0),
        line_gap_ms: Some(0),
        ..Default::default()
    }
    .apply(MachineProfile::by_name("zx-next").unwrap())
    .unwrap()
}

/// The bridge's end: the PTY, held to the line rate (`baud` 0 = unshaped).
struct Shaped {
    path: PathBuf,
    baud: u32,
    shape: bool,
    used: Mutex<bool>,
}

impl Connector for Shaped {
    fn connect(&self) -> ConnectFuture<'_> {
        Box::pin(async move {
            if std::mem::replace(&mut *self.used.lock().unwrap(), true) {
                return Err(ConnectError::from("bench line used once"));
            }
            let io = transport::open(&TransportConfig::Serial {
                path: self.path.clone(),
                settings: profile(self.baud).serial,
            })
            .await?;
            Ok(if self.shape {
                Box::new(LineRate::new(io, self.baud)) as BoxedIo
            } else {
                io
            })
        })
    }
    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

async fn open_micro(path: &Path, baud: u32, shape: bool) -> BoxedIo {
    let io = transport::open(&TransportConfig::Serial {
        path: path.into(),
        settings: profile(baud).serial,
    })
    .await
    .unwrap();
    if shape {
        Box::new(LineRate::new(io, baud))
    } else {
        io
    }
}

fn start_bridge(path: &Path, baud: u32, shape: bool) -> retromesh_link::Micro {
    let spec = MicroSpec::new(
        "bench",
        profile(baud),
        Arc::new(Shaped {
            path: path.into(),
            baud,
            shape,
            used: Mutex::new(false),
        }),
    );
    let upstream = Arc::new(HttpServices::new(
        Default::default(),
        Duration::from_secs(5),
        4096,
    ));
    retromesh_link::spawn(spec, upstream)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Payload bytes per second from micro to bridge: LOG messages filling whole frames.
async fn goodput(baud: u32, frames: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let (_socat, a, b) = socat(dir.path());
    let _bridge = start_bridge(&b, baud, true);
    let mut c = FrameClient::new(
        open_micro(&a, baud, true).await,
        SessionConfig::for_baud(baud),
    );
    c.hello(MachineId::ZxNext, Duration::from_secs(10))
        .await
        .unwrap();
    // 250-byte payloads: op, id, flags, level + 246 text bytes with nothing to escape.
    let text = vec![b'R'; 246];
    let mut payload = vec![0x07, 1, 0, 2];
    payload.extend(&text);
    let t = Instant::now();
    for _ in 0..frames {
        c.send(&payload, Duration::from_secs(30)).await.unwrap();
    }
    (frames * payload.len()) as f64 / t.elapsed().as_secs_f64()
}

async fn frame_latency(baud: u32) -> (f64, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (_socat, a, b) = socat(dir.path());
    let _bridge = start_bridge(&b, baud, true);
    let mut c = FrameClient::new(
        open_micro(&a, baud, true).await,
        SessionConfig::for_baud(baud),
    );
    c.hello(MachineId::ZxNext, Duration::from_secs(10))
        .await
        .unwrap();
    let data = [b'E'; 32];
    let mut times = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        c.call(Body::Echo { data: &data }, Duration::from_secs(10))
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64());
    }
    // ECHO out (3+32 payload, 5 header/CRC, 2 ENDs), the bridge's ACK (7), ECHOED back (42).
    (median(times), 42 + 7 + 42)
}

async fn line_latency(baud: u32) -> (f64, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (_socat, a, b) = socat(dir.path());
    let _bridge = start_bridge(&b, baud, true);
    let io = open_micro(&a, baud, true).await;
    let (rd, mut wr) = tokio::io::split(io);
    let mut rd = BufReader::new(rd);
    let cmd = format!("ECHO {}\r", "E".repeat(26));
    let mut times = Vec::new();
    let mut answer_len = 0;
    for _ in 0..15 {
        let t = Instant::now();
        wr.write_all(cmd.as_bytes()).await.unwrap();
        wr.flush().await.unwrap();
        answer_len = 0;
        loop {
            let mut line = Vec::new();
            rd.read_until(b'\r', &mut line).await.unwrap();
            answer_len += line.len();
            if line == b".\r" {
                break;
            }
        }
        times.push(t.elapsed().as_secs_f64());
    }
    (median(times), cmd.len() + answer_len)
}

/// CPU seconds this thread has used.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Runs `f` on a runtime of its own thread and returns its CPU time there.
fn on_own_thread<F: std::future::Future<Output = ()> + Send + 'static>(
    f: impl FnOnce() -> F + Send + 'static,
) -> std::thread::JoinHandle<f64> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let c0 = thread_cpu();
        rt.block_on(f());
        thread_cpu() - c0
    })
}

/// The bridge's CPU for 1,000 ECHO exchanges (2,000 DATA frames plus their ACKs), and a plain
/// copy loop's CPU for the same bytes.
fn cpu_per_1000_frames() -> (f64, f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let (_socat, a, b) = socat(dir.path());
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let bridge_path = b.clone();
    let bridge = on_own_thread(move || async move {
        let _m = start_bridge(&bridge_path, 115_200, false);
        tokio::task::spawn_blocking(move || done_rx.recv())
            .await
            .unwrap()
            .ok();
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let wire_bytes = rt.block_on(async {
        let mut c = FrameClient::new(
            open_micro(&a, 115_200, false).await,
            SessionConfig::for_baud(115_200),
        );
        c.hello(MachineId::ZxNext, Duration::from_secs(10))
            .await
            .unwrap();
        let data = [b'E'; 64];
        for _ in 0..1000 {
            c.call(Body::Echo { data: &data }, Duration::from_secs(10))
                .await
                .unwrap();
        }
        1000 * (2 * (64 + 3 + 5 + 2) + 2 * 7)
    });
    let chunks = wire_bytes / 2 / 74;
    let copied = chunks * 74;
    done_tx.send(()).unwrap();
    let bridge_cpu = bridge.join().unwrap();
    // Idle CPU: a bridge with nothing on its line, for 2 s.
    let d2 = tempfile::tempdir().unwrap();
    let (_s2, _a2, b2) = socat(d2.path());
    let (idle_tx, idle_rx) = std::sync::mpsc::channel::<()>();
    let idle = on_own_thread(move || async move {
        let _m = start_bridge(&b2, 115_200, false);
        tokio::task::spawn_blocking(move || idle_rx.recv())
            .await
            .unwrap()
            .ok();
    });
    std::thread::sleep(Duration::from_secs(2));
    idle_tx.send(()).unwrap();
    let idle_cpu = idle.join().unwrap();
    // Peer: the same number of bytes each way, copied through a PTY pair by a plain loop.
    let d3 = tempfile::tempdir().unwrap();
    let (_s3, a3, b3) = socat(d3.path());
    let (copy_tx, copy_rx) = std::sync::mpsc::channel::<()>();
    let copier = on_own_thread(move || async move {
        let mut io = open_micro(&b3, 115_200, false).await;
        let mut buf = [0u8; 512];
        let mut seen = 0;
        use tokio::io::AsyncReadExt;
        while seen < copied {
            let n = io.read(&mut buf).await.unwrap();
            io.write_all(&buf[..n]).await.unwrap();
            seen += n;
        }
        tokio::task::spawn_blocking(move || copy_rx.recv())
            .await
            .unwrap()
            .ok();
    });
    rt.block_on(async {
        let mut io = open_micro(&a3, 115_200, false).await;
        let chunk = [b'E'; 74];
        let mut back = [0u8; 74];
        use tokio::io::AsyncReadExt;
        for _ in 0..chunks {
            io.write_all(&chunk).await.unwrap();
            io.read_exact(&mut back).await.unwrap();
        }
    });
    copy_tx.send(()).unwrap();
    let copy_cpu = copier.join().unwrap();
    // 1,000 exchanges = 2,000 DATA frames: per 1,000 frames, halve.
    (bridge_cpu / 2.0, copy_cpu / 2.0, idle_cpu)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("retromesh link benchmarks (medians of {RUNS} runs)\n");
    println!("goodput, frame mode, micro -> bridge, over a PTY pair held to the line rate:");
    // What the framing allows: 250 payload bytes in 255 body + 2 END bytes on the wire.
    let framing = 250.0 / 257.0;
    for (baud, frames) in [(9600u32, 12usize), (38400, 40), (115_200, 120)] {
        let runs: Vec<f64> = (0..RUNS)
            .map(|_| rt.block_on(goodput(baud, frames)))
            .collect();
        let g = median(runs);
        let raw = baud as f64 / 10.0;
        println!(
            "  {baud:>6} baud: {g:>8.1} B/s = {:.1}% of the line rate; {:.1}% of what the framing allows ({:.1}%)",
            100.0 * g / raw,
            100.0 * g / raw / framing,
            100.0 * framing
        );
    }
    println!(
        "\nrequest latency at 9600 baud (ECHO, 32 bytes), against bytes on the wire / line rate:"
    );
    let frame: Vec<(f64, usize)> = (0..RUNS)
        .map(|_| rt.block_on(frame_latency(9600)))
        .collect();
    let line: Vec<(f64, usize)> = (0..RUNS).map(|_| rt.block_on(line_latency(9600))).collect();
    for (name, runs) in [("frame mode", frame), ("line mode", line)] {
        let bytes = runs[0].1;
        let t = median(runs.iter().map(|r| r.0).collect());
        let min = bytes as f64 * 10.0 / 9600.0;
        println!(
            "  {name}: {:.1} ms; physical minimum {:.1} ms ({bytes} bytes); ratio {:.2}",
            t * 1e3,
            min * 1e3,
            t / min
        );
    }
    println!("\nbridge CPU per 1,000 frames (115200 baud, unshaped PTY), against a plain copy of the same bytes:");
    let cpu: Vec<(f64, f64, f64)> = (0..RUNS).map(|_| cpu_per_1000_frames()).collect();
    let bridge = median(cpu.iter().map(|c| c.0).collect());
    let copy = median(cpu.iter().map(|c| c.1).collect());
    let idle = median(cpu.iter().map(|c| c.2).collect());
    println!(
        "  bridge {:.1} ms, plain copy {:.1} ms, ratio {:.2}",
        bridge * 1e3,
        copy * 1e3,
        bridge / copy
    );
    println!("  idle link for 2 s: {:.2} ms CPU", idle * 1e3);
}
