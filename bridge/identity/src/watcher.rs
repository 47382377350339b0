//! Keeping an identity current: re-reading changed files, re-issuing from the development CA.
//!
//! Files are polled, not watched with inotify: Kubernetes swaps projected and CSI volumes in
//! through a `..data` symlink, which inotify on the file names misses, and polling works the
//! same on every filesystem. Each poll reads the three files (a few KB) and compares bytes
//! with the last set it used: mtime and size could miss a same-length certificate rewritten
//! within one timestamp tick.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::instrument::WithSubscriber;

use crate::dev_ca::DevCa;
use crate::error::IdentityError;
use crate::files::{FileSet, IdentityPaths, Layout};
use crate::identity::Identity;
use crate::spiffe_id::SpiffeId;

/// Where a micro's identity comes from. Whichever it is, [`start`](Self::start) hands back a
/// receiver that always holds a validated identity.
#[derive(Debug)]
pub enum IdentitySource {
    /// Issued by the development CA and re-issued when half its lifetime is gone.
    DevCa {
        ca: Arc<DevCa>,
        id: SpiffeId,
        dns_names: Vec<String>,
        lifetime: Duration,
    },
    /// PEM files in either [`Layout`], polled every `interval`.
    Files {
        dir: PathBuf,
        expected: Option<SpiffeId>,
        interval: Duration,
    },
    /// The SPIFFE Workload API (a SPIRE agent): X.509-SVIDs and their trust domain's bundle,
    /// pushed again on every rotation.
    WorkloadApi {
        /// `unix:///path/to/agent.sock`, or the socket's path; `None` reads
        /// `SPIFFE_ENDPOINT_SOCKET`, as SPIRE does.
        socket: Option<String>,
        /// The SVID to use when the agent sends several; `None` takes its default (the first).
        expected: Option<SpiffeId>,
        /// How long [`start`](IdentitySource::start) waits for the first valid SVID.
        timeout: Duration,
    },
}

impl IdentitySource {
    /// How long the Workload API source waits for its first SVID unless told otherwise.
    pub const WORKLOAD_API_TIMEOUT: Duration = crate::workload_api::DEFAULT_TIMEOUT;

    /// The Workload API source with the default timeout, as a `--workload-api` flag needs.
    pub fn workload_api(socket: Option<String>, expected: Option<SpiffeId>) -> IdentitySource {
        IdentitySource::WorkloadApi {
            socket,
            expected,
            timeout: Self::WORKLOAD_API_TIMEOUT,
        }
    }

    /// Gets the first identity (an error if that fails) and keeps it current in a task that
    /// ends once every receiver is dropped. Async so that sources which must talk to an
    /// agent (the SPIFFE Workload API) fit the same call.
    pub async fn start(self) -> Result<watch::Receiver<Arc<Identity>>, IdentityError> {
        let (rx, _task) = match self {
            IdentitySource::DevCa {
                ca,
                id,
                dns_names,
                lifetime,
            } => IdentityWatcher::from_dev_ca(ca, id, dns_names, lifetime)?,
            IdentitySource::Files {
                dir,
                expected,
                interval,
            } => IdentityWatcher::spawn(dir, expected, interval)?,
            IdentitySource::WorkloadApi {
                socket,
                expected,
                timeout,
            } => IdentityWatcher::from_workload_api(socket, expected, timeout).await?,
        };
        Ok(rx)
    }
}

/// Spawns the tasks behind [`IdentitySource`]. All need a tokio runtime, and all stop once
/// every receiver is dropped (or the handle is aborted).
pub struct IdentityWatcher;

impl IdentityWatcher {
    /// A poll interval that notices an istio-agent rotation within seconds, at the cost of
    /// reading a few KB.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

    /// Loads the identity files in `dir` (the first load must succeed), then polls them every
    /// `interval`. A changed set is published only if it validates (and is `expected`, if
    /// given); otherwise the current identity stays and a warning names the file and why.
    pub fn spawn(
        dir: impl Into<PathBuf>,
        expected: Option<SpiffeId>,
        interval: Duration,
    ) -> Result<(watch::Receiver<Arc<Identity>>, JoinHandle<()>), IdentityError> {
        let dir = dir.into();
        let paths = Layout::detect(&dir)?.paths(&dir);
        let seen = FileSet::read(&paths)?;
        let identity = seen.identity(&paths, expected.as_ref(), SystemTime::now())?;
        tracing::info!(id = %identity.id, dir = %dir.display(), "identity loaded");
        let (tx, rx) = watch::channel(Arc::new(identity));
        let poller = Poller {
            dir,
            paths,
            expected,
            seen,
            pending: None,
            warned_expired: false,
        };
        // Carry the caller's subscriber into the task, so its warnings land where the caller's do.
        let task = tokio::spawn(poller.run(tx, interval).with_current_subscriber());
        Ok((rx, task))
    }

    /// Issues `id` from `ca` now, then again each time half of `lifetime` has passed (as
    /// ztunnel does), so a peer never sees a certificate near its end.
    pub fn from_dev_ca(
        ca: Arc<DevCa>,
        id: SpiffeId,
        dns_names: Vec<String>,
        lifetime: Duration,
    ) -> Result<(watch::Receiver<Arc<Identity>>, JoinHandle<()>), IdentityError> {
        let identity = ca.issue(&id, &dns_names, lifetime)?;
        let (tx, rx) = watch::channel(Arc::new(identity));
        let renew = async move {
            let mut due = Due::after(lifetime / 2);
            loop {
                tokio::select! {
                    _ = tx.closed() => return,
                    _ = tokio::time::sleep_until(due.next_wake()) => {}
                }
                if !due.passed() {
                    continue;
                }
                match ca.issue(&id, &dns_names, lifetime) {
                    Ok(identity) => {
                        tracing::debug!(%id, not_after = ?identity.not_after, "identity re-issued");
                        tx.send_replace(Arc::new(identity));
                        due = Due::after(lifetime / 2);
                    }
                    Err(e) => {
                        // The current leaf still has half its life: retry well within it.
                        let retry = (lifetime / 10).min(Duration::from_secs(30));
                        tracing::warn!(%id, error = %e, ?retry, "cannot re-issue identity; keeping the current one");
                        due = Due::after(retry);
                    }
                }
            }
        };
        let task = tokio::spawn(renew.with_current_subscriber());
        Ok((rx, task))
    }

    /// Waits up to `timeout` for a valid X.509-SVID from the Workload API at `socket` (or
    /// `$SPIFFE_ENDPOINT_SOCKET`), with `expected`'s ID if given, then publishes each update
    /// that validates. An update that does not keeps the current identity and logs a warning
    /// saying why; a lost stream is reconnected with backoff.
    pub async fn from_workload_api(
        socket: Option<String>,
        expected: Option<SpiffeId>,
        timeout: Duration,
    ) -> Result<(watch::Receiver<Arc<Identity>>, JoinHandle<()>), IdentityError> {
        crate::workload_api::start(socket, expected, timeout).await
    }
}

/// When to re-issue, on both clocks: tokio's monotonic one stands still while the machine is
/// suspended (a laptop running the bridge overnight), the wall clock does not, and
/// certificates expire by the wall clock.
struct Due {
    at: Instant,
    wall: SystemTime,
}

impl Due {
    /// How often the wall clock is looked at.
    const WALL_CHECK: Duration = Duration::from_secs(60);

    fn after(wait: Duration) -> Due {
        Due {
            at: Instant::now() + wait,
            wall: SystemTime::now() + wait,
        }
    }

    fn next_wake(&self) -> Instant {
        self.at.min(Instant::now() + Self::WALL_CHECK)
    }

    fn passed(&self) -> bool {
        Instant::now() >= self.at || SystemTime::now() >= self.wall
    }
}

struct Poller {
    dir: PathBuf,
    paths: IdentityPaths,
    expected: Option<SpiffeId>,
    /// The bytes behind the published identity.
    seen: FileSet,
    /// The last poll's failure, if it failed.
    pending: Option<Failure>,
    warned_expired: bool,
}

/// A set of files that did not make an identity, and why.
struct Failure {
    set: Option<FileSet>,
    message: String,
    warned: bool,
}

impl Poller {
    async fn run(mut self, tx: watch::Sender<Arc<Identity>>, interval: Duration) {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ticks.tick().await; // the first tick is now, and the files were just read
        loop {
            tokio::select! {
                _ = tx.closed() => return,
                _ = ticks.tick() => {}
            }
            let paths = self.paths.clone();
            let read = tokio::task::spawn_blocking(move || FileSet::read(&paths)).await;
            match read {
                Ok(read) => self.poll(read, &tx, SystemTime::now()),
                Err(e) => {
                    tracing::warn!(dir = %self.dir.display(), error = %e, "identity file read failed")
                }
            }
        }
    }

    fn poll(
        &mut self,
        read: Result<FileSet, IdentityError>,
        tx: &watch::Sender<Arc<Identity>>,
        now: SystemTime,
    ) {
        let (set, error) = match read {
            Ok(set) if set == self.seen => {
                self.pending = None;
                self.warn_if_expired(&tx.borrow(), now);
                return;
            }
            Ok(set) => match set.identity(&self.paths, self.expected.as_ref(), now) {
                Ok(identity) => {
                    tracing::info!(id = %identity.id, dir = %self.dir.display(), not_after = ?identity.not_after, "identity reloaded");
                    tx.send_replace(Arc::new(identity));
                    self.seen = set;
                    self.pending = None;
                    self.warned_expired = false;
                    return;
                }
                Err(e) => (Some(set), e),
            },
            Err(e) => (None, e),
        };
        let message = error.to_string();
        match &mut self.pending {
            // The same bad set twice in a row: not a writer half-way through, so say so, once.
            Some(last) if last.set == set && last.message == message => {
                if !last.warned {
                    tracing::warn!(
                        dir = %self.dir.display(),
                        error = %message,
                        "identity files changed but do not make a valid identity; keeping the current one"
                    );
                    last.warned = true;
                }
            }
            _ => {
                tracing::debug!(dir = %self.dir.display(), error = %message, "identity files changed but are not valid yet; checking again at the next poll");
                self.pending = Some(Failure {
                    set,
                    message,
                    warned: false,
                });
            }
        }
    }

    fn warn_if_expired(&mut self, current: &Identity, now: SystemTime) {
        if !self.warned_expired && current.expires_in(now).is_zero() {
            tracing::warn!(id = %current.id, dir = %self.dir.display(), "identity has expired and its files have not been renewed");
            self.warned_expired = true;
        }
    }
}
