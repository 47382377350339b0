//! A damaged line, for tests: [`FaultyIo`] drops, duplicates and flips bits of bytes going
//! through it, at set rates, reproducibly from a seed.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Fault rates for one direction, each a probability per byte in `0.0..=1.0`.
///
/// For each byte, in this order: with probability `drop` it is lost (nothing else happens to
/// it); otherwise with probability `flip` one of its bits (chosen uniformly) is inverted; then
/// with probability `duplicate` it is sent twice. The random draws per byte don't depend on
/// how the stream is cut into reads and writes, so a seed always damages the same bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultConfig {
    /// Probability that a byte is lost.
    pub drop: f64,
    /// Probability that a byte is sent twice.
    pub duplicate: f64,
    /// Probability that one bit of a byte is inverted.
    pub flip: f64,
    /// Seed of the PRNG (ChaCha8: the same on every platform and `rand` version that has it).
    pub seed: u64,
}

impl FaultConfig {
    /// No faults.
    pub const fn clean() -> FaultConfig {
        FaultConfig {
            drop: 0.0,
            duplicate: 0.0,
            flip: 0.0,
            seed: 0,
        }
    }

    fn check(&self) {
        for (name, p) in [
            ("drop", self.drop),
            ("duplicate", self.duplicate),
            ("flip", self.flip),
        ] {
            assert!(
                (0.0..=1.0).contains(&p),
                "FaultConfig::{name} = {p} is not a probability (0.0..=1.0)"
            );
        }
    }
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig::clean()
    }
}

/// What a [`FaultyIo`] did in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirectionStats {
    /// Bytes that came in (from the writer, or from the wrapped stream).
    pub bytes_in: u64,
    /// Bytes that went out (to the wrapped stream, or to the reader).
    pub bytes_out: u64,
    /// Bytes lost.
    pub dropped: u64,
    /// Bytes sent twice.
    pub duplicated: u64,
    /// Bytes with a bit inverted.
    pub flipped: u64,
}

/// What a [`FaultyIo`] did, per direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultStats {
    /// Bytes written through the wrapper towards the wrapped stream.
    pub tx: DirectionStats,
    /// Bytes read from the wrapped stream through the wrapper.
    pub rx: DirectionStats,
}

/// Shared view of a [`FaultyIo`]'s counters; stays valid after the link is boxed.
#[derive(Debug, Clone, Default)]
pub struct FaultStatsHandle(Arc<Mutex<FaultStats>>);

impl FaultStatsHandle {
    /// The counters now.
    pub fn get(&self) -> FaultStats {
        *self.lock()
    }

    fn lock(&self) -> MutexGuard<'_, FaultStats> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One direction's damage.
#[derive(Debug)]
struct Damage {
    config: FaultConfig,
    rng: ChaCha8Rng,
}

impl Damage {
    fn new(config: FaultConfig, stream: u64) -> Damage {
        config.check();
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        rng.set_stream(stream);
        Damage { config, rng }
    }

    /// Appends what becomes of `input` to `out`, counting into `stats`.
    fn apply(&mut self, input: &[u8], out: &mut VecDeque<u8>, stats: &mut DirectionStats) {
        let c = self.config;
        if c.drop == 0.0 && c.flip == 0.0 && c.duplicate == 0.0 {
            out.extend(input);
            stats.bytes_in += input.len() as u64;
            stats.bytes_out += input.len() as u64;
            return;
        }
        for &b in input {
            stats.bytes_in += 1;
            // Always three draws per byte (plus one for a flip), so the sequence of decisions
            // depends only on the byte's position in the stream.
            let drop = self.rng.random_bool(c.drop);
            let flip = self.rng.random_bool(c.flip);
            let dup = self.rng.random_bool(c.duplicate);
            if drop {
                stats.dropped += 1;
                continue;
            }
            let mut byte = b;
            if flip {
                byte ^= 1 << self.rng.random_range(0..8u32);
                stats.flipped += 1;
            }
            out.push_back(byte);
            stats.bytes_out += 1;
            if dup {
                out.push_back(byte);
                stats.bytes_out += 1;
                stats.duplicated += 1;
            }
        }
    }
}

/// Wraps any byte stream and damages the bytes going through it in both directions.
///
/// Writes take the caller's bytes at once and pass on what survives; when the wrapped stream
/// can't take it all the rest is kept and sent first on the next write or flush, so flush when
/// you stop writing (as `FramedWrite` and `write_all` + `flush` do).
#[derive(Debug)]
pub struct FaultyIo<T> {
    inner: T,
    tx: Damage,
    rx: Damage,
    tx_out: VecDeque<u8>,
    rx_ready: VecDeque<u8>,
    stats: FaultStatsHandle,
}

impl<T> FaultyIo<T> {
    /// Same rates both ways; the two directions draw from independent streams of the seed.
    ///
    /// # Panics
    /// If a rate is outside `0.0..=1.0`.
    pub fn new(inner: T, config: FaultConfig) -> FaultyIo<T> {
        FaultyIo::with_directions(inner, config, config)
    }

    /// Separate rates (and seeds) for writing (`tx`) and reading (`rx`).
    ///
    /// # Panics
    /// If a rate is outside `0.0..=1.0`.
    pub fn with_directions(inner: T, tx: FaultConfig, rx: FaultConfig) -> FaultyIo<T> {
        FaultyIo {
            inner,
            tx: Damage::new(tx, 0),
            rx: Damage::new(rx, 1),
            tx_out: VecDeque::new(),
            rx_ready: VecDeque::new(),
            stats: FaultStatsHandle::default(),
        }
    }

    /// What was done so far.
    pub fn stats(&self) -> FaultStats {
        self.stats.get()
    }

    /// A handle to the counters that outlives boxing the link.
    pub fn stats_handle(&self) -> FaultStatsHandle {
        self.stats.clone()
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: AsyncWrite + Unpin> FaultyIo<T> {
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.tx_out.is_empty() {
            let (front, _) = self.tx_out.as_slices();
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, front))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.tx_out.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for FaultyIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        while this.rx_ready.is_empty() {
            let mut raw = [0u8; 1024];
            let mut raw_buf = ReadBuf::new(&mut raw);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut raw_buf))?;
            if raw_buf.filled().is_empty() {
                return Poll::Ready(Ok(())); // EOF
            }
            let mut stats = this.stats.lock();
            this.rx
                .apply(raw_buf.filled(), &mut this.rx_ready, &mut stats.rx);
        }
        let n = buf.remaining().min(this.rx_ready.len());
        let (a, b) = this.rx_ready.as_slices();
        let from_a = n.min(a.len());
        buf.put_slice(&a[..from_a]);
        buf.put_slice(&b[..n - from_a]);
        this.rx_ready.drain(..n);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for FaultyIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let chunk = &buf[..buf.len().min(4096)];
        {
            let mut stats = this.stats.lock();
            this.tx.apply(chunk, &mut this.tx_out, &mut stats.tx);
        }
        // Push out what we can now; the rest goes first next time.
        if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
            tracing::debug!(error = %e, "FaultyIo: write failed, kept for the next call");
        }
        Poll::Ready(Ok(chunk.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
