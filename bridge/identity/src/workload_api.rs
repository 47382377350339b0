//! The SPIFFE Workload API as an identity source: an agent (SPIRE) on a unix socket streams the
//! workload's X.509-SVIDs with their trust bundles, and pushes new ones when it rotates them.
//!
//! Every message on the stream is turned into an [`Identity`] and validated before it is
//! published, the same rule the file watcher keeps: the TLS listener only ever sees an identity
//! that passed [`Identity::validate`].

use std::error::Error as _;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::{Stream, StreamExt as _};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use spiffe::transport::{Endpoint, GrpcStatusCode, TransportError};
use spiffe::{WorkloadApiClient, WorkloadApiError, X509Context, X509Svid};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::instrument::WithSubscriber;

use crate::error::IdentityError;
use crate::identity::Identity;
use crate::spiffe_id::SpiffeId;

/// The environment variable SPIRE and the SPIFFE spec use to tell a workload where the
/// Workload API is (`unix:///run/spire/sockets/agent.sock`).
pub const WORKLOAD_API_SOCKET_ENV: &str = "SPIFFE_ENDPOINT_SOCKET";

/// How long `start` waits for the first valid SVID by default: long enough for an agent that
/// is still attesting, short enough that a wrong socket is reported rather than waited on.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Backoff between attempts while waiting for the first SVID.
const FIRST_RETRY: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(2));
/// Backoff between reconnects once running: the current SVID is still good for a while.
const RECONNECT: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(30));

const FIX: &str =
    "is the SPIRE agent running and serving this socket? is this workload registered \
                   (spire-server entry create) with selectors that match this process?";

type Updates = Pin<Box<dyn Stream<Item = Result<X509Context, WorkloadApiError>> + Send>>;

/// Connects to the Workload API at `socket` (or `$SPIFFE_ENDPOINT_SOCKET`), waits up to
/// `timeout` for a valid SVID (with `expected`'s ID, if given), then follows the stream.
pub(crate) async fn start(
    socket: Option<String>,
    expected: Option<SpiffeId>,
    timeout: Duration,
) -> Result<(watch::Receiver<Arc<Identity>>, JoinHandle<()>), IdentityError> {
    let socket = match socket {
        Some(socket) => socket,
        None => std::env::var(WORKLOAD_API_SOCKET_ENV)
            .ok()
            .filter(|s| !s.is_empty())
            .ok_or(IdentityError::NoWorkloadApiSocket)?,
    };
    let agent = Agent::new(&socket, expected)?;
    let mut last = None;
    let first = tokio::time::timeout(timeout, agent.first(&mut last)).await;
    let (identity, updates) = match first {
        Ok(first) => first?,
        Err(_) => {
            let last = last.unwrap_or_else(|| "no answer".to_owned());
            return Err(agent.error(format!(
                "no X.509-SVID within {timeout:?} (last: {last}); {FIX}"
            )));
        }
    };
    tracing::info!(id = %identity.id, socket = %agent.socket, not_after = ?identity.not_after, "identity received from the Workload API");
    let (tx, rx) = watch::channel(Arc::new(identity));
    let task = tokio::spawn(agent.follow(updates, tx).with_current_subscriber());
    Ok((rx, task))
}

/// One Workload API endpoint and what is expected of it.
struct Agent {
    /// As given to `Endpoint::parse`, for messages.
    socket: String,
    endpoint: Endpoint,
    expected: Option<SpiffeId>,
}

/// Why an attempt at the first SVID failed: worth retrying until the timeout, or not.
enum Attempt {
    Retry(String),
    Fatal(IdentityError),
}

impl Agent {
    fn new(socket: &str, expected: Option<SpiffeId>) -> Result<Agent, IdentityError> {
        let socket = endpoint_uri(socket);
        let endpoint = Endpoint::parse(&socket).map_err(|e| IdentityError::WorkloadApi {
            socket: socket.clone(),
            detail: format!(
                "not a Workload API address ({e}); give unix:///path/to/agent.sock or the socket's path"
            ),
            problem: None,
        })?;
        Ok(Agent {
            socket,
            endpoint,
            expected,
        })
    }

    fn error(&self, detail: String) -> IdentityError {
        IdentityError::WorkloadApi {
            socket: self.socket.clone(),
            detail,
            problem: None,
        }
    }

    /// Tries until the first valid identity, or an answer that retrying will not change.
    /// `last` keeps the latest retryable failure for the caller's timeout message.
    async fn first(&self, last: &mut Option<String>) -> Result<(Identity, Updates), IdentityError> {
        let mut backoff = Backoff::new(FIRST_RETRY);
        loop {
            match self.attempt().await {
                Ok(first) => return Ok(first),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Retry(why)) => {
                    tracing::debug!(socket = %self.socket, error = %why, "Workload API not ready; retrying");
                    *last = Some(why);
                }
            }
            tokio::time::sleep(backoff.next()).await;
        }
    }

    async fn attempt(&self) -> Result<(Identity, Updates), Attempt> {
        let mut updates = self.connect().await.map_err(|e| self.classify(e))?;
        match updates.next().await {
            None => Err(Attempt::Retry(
                "the agent closed the stream without sending an SVID".to_owned(),
            )),
            Some(Err(e)) => Err(self.classify(e)),
            Some(Ok(context)) => match self.identity(&context, SystemTime::now()) {
                Ok(identity) => Ok((identity, updates)),
                Err(e) => Err(Attempt::Fatal(e)),
            },
        }
    }

    async fn connect(&self) -> Result<Updates, WorkloadApiError> {
        let client = WorkloadApiClient::connect(self.endpoint.clone()).await?;
        let updates = client.stream_x509_contexts().await?;
        Ok(Box::pin(updates))
    }

    /// An agent that is starting, or has not attested this workload yet, answers the same
    /// way a missing one does; a malformed answer or a refused request will not get better.
    fn classify(&self, e: WorkloadApiError) -> Attempt {
        let fatal = match &e {
            WorkloadApiError::Endpoint(_)
            | WorkloadApiError::X509Svid(_)
            | WorkloadApiError::X509Bundle(_)
            | WorkloadApiError::SpiffeId(_)
            | WorkloadApiError::MissingRequiredField { .. }
            | WorkloadApiError::InvalidResponseField { .. } => true,
            WorkloadApiError::Transport(TransportError::Status(status)) => matches!(
                status.code(),
                GrpcStatusCode::Unimplemented | GrpcStatusCode::InvalidArgument
            ),
            _ => false,
        };
        if fatal {
            Attempt::Fatal(self.error(format!(
                "the agent's answer is not usable ({}); is this socket a SPIFFE Workload API (SPIRE agent)?",
                chain(&e)
            )))
        } else {
            Attempt::Retry(chain(&e))
        }
    }

    /// The SVID this workload should use, with its trust domain's bundle as roots, validated.
    fn identity(&self, context: &X509Context, now: SystemTime) -> Result<Identity, IdentityError> {
        let svid = self.pick(context)?;
        let chain = svid
            .cert_chain()
            .iter()
            .map(|cert| CertificateDer::from(cert.as_bytes().to_vec()))
            .collect();
        // The Workload API sends keys as unencrypted PKCS#8 DER.
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            svid.private_key().as_bytes().to_vec(),
        ));
        let roots = context
            .bundle_set()
            .get(svid.spiffe_id().trust_domain())
            .map(|bundle| {
                bundle
                    .authorities()
                    .iter()
                    .map(|cert| CertificateDer::from(cert.as_bytes().to_vec()))
                    .collect()
            })
            .unwrap_or_default();
        let unusable = |e: IdentityError| match e {
            IdentityError::Invalid { problem, .. } => IdentityError::WorkloadApi {
                socket: self.socket.clone(),
                detail: format!(
                    "the X.509-SVID for {} is not usable: {problem}",
                    svid.spiffe_id()
                ),
                problem: Some(Box::new(problem)),
            },
            other => other,
        };
        let identity = Identity::new(chain, key, roots).map_err(unusable)?;
        identity.validate(now).map_err(unusable)?;
        Ok(identity)
    }

    /// `expected`'s SVID, else the agent's default (the first).
    fn pick<'c>(&self, context: &'c X509Context) -> Result<&'c X509Svid, IdentityError> {
        let svids = context.svids();
        let found = match &self.expected {
            None => svids.first(),
            Some(expected) => {
                let expected = expected.to_string();
                svids
                    .iter()
                    .find(|svid| svid.spiffe_id().to_string() == expected)
            }
        };
        found.map(|svid| &**svid).ok_or_else(|| {
            let offered: Vec<String> = svids.iter().map(|s| s.spiffe_id().to_string()).collect();
            let offered = match offered.as_slice() {
                [] => "none".to_owned(),
                _ => offered.join(", "),
            };
            match &self.expected {
                Some(expected) => self.error(format!(
                    "no X.509-SVID for {expected} (the agent offers: {offered}); register this workload for {expected}, or change the expected ID"
                )),
                None => self.error(format!("the agent sent no X.509-SVID; {FIX}")),
            }
        })
    }

    /// Publishes each valid update until every receiver is gone; reconnects when the stream
    /// ends, keeping the current identity meanwhile.
    async fn follow(self, mut updates: Updates, tx: watch::Sender<Arc<Identity>>) {
        loop {
            let next = tokio::select! {
                _ = tx.closed() => return,
                next = updates.next() => next,
            };
            match next {
                Some(Ok(context)) => self.apply(&context, &tx),
                Some(Err(e)) => {
                    tracing::warn!(socket = %self.socket, error = %chain(&e), "Workload API update is not usable; keeping the current identity")
                }
                None => match self.reconnect(&tx).await {
                    Some(fresh) => updates = fresh,
                    None => return,
                },
            }
        }
    }

    fn apply(&self, context: &X509Context, tx: &watch::Sender<Arc<Identity>>) {
        match self.identity(context, SystemTime::now()) {
            Ok(identity) => {
                // A reconnect resends the SVID already in use: no need to wake anyone for it.
                let changed = tx.send_if_modified(|current| {
                    if same(current, &identity) {
                        return false;
                    }
                    *current = Arc::new(identity);
                    true
                });
                if changed {
                    let current = tx.borrow();
                    tracing::info!(id = %current.id, socket = %self.socket, not_after = ?current.not_after, "identity updated from the Workload API");
                }
            }
            Err(e) => {
                tracing::warn!(socket = %self.socket, error = %e, "Workload API sent an identity that is not usable; keeping the current one")
            }
        }
    }

    /// A new stream, or `None` once every receiver is gone.
    async fn reconnect(&self, tx: &watch::Sender<Arc<Identity>>) -> Option<Updates> {
        let mut backoff = Backoff::new(RECONNECT);
        let mut why = "the agent closed the stream".to_owned();
        loop {
            let wait = backoff.next();
            tracing::warn!(socket = %self.socket, error = %why, retry_in = ?wait, "lost the Workload API stream; keeping the current identity and reconnecting");
            tokio::select! {
                _ = tx.closed() => return None,
                _ = tokio::time::sleep(wait) => {}
            }
            let connected = tokio::select! {
                _ = tx.closed() => return None,
                connected = self.connect() => connected,
            };
            match connected {
                Ok(updates) => return Some(updates),
                Err(e) => why = chain(&e),
            }
        }
    }
}

/// `unix:///path` and `unix:/path` as they are; a bare path becomes `unix://` + its absolute form.
fn endpoint_uri(socket: &str) -> String {
    if socket.starts_with("unix:") || socket.starts_with("tcp:") {
        return socket.to_owned();
    }
    let path = std::path::absolute(Path::new(socket)).unwrap_or_else(|_| socket.into());
    format!("unix://{}", path.display())
}

/// An error and its causes: tonic's own message ("transport error") hides the io error.
fn chain(e: &WorkloadApiError) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

fn same(a: &Identity, b: &Identity) -> bool {
    a.chain == b.chain && a.key.secret_der() == b.key.secret_der() && a.roots == b.roots
}

/// Doubling waits between `min` and `max`.
struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    fn new((min, max): (Duration, Duration)) -> Backoff {
        Backoff { next: min, max }
    }

    fn next(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        wait
    }
}
