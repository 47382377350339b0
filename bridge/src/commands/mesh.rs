//! The mesh side of `retromesh bridge`: each micro's SPIFFE identity, the mTLS listener that
//! presents it, and the telemetry ports.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::registry::Registry;
use retromesh_gateway::{
    serve_tls, Api, IdentityChoice, MtlsMode, ServerIdentity, SniMap, TlsListener, TlsPolicy,
    TlsSettings, TrustBundle,
};
use retromesh_identity::{root_validity, DevCa, Identity, IdentitySource, SpiffeId, TrustDomain};
use retromesh_link::Micro;
use retromesh_telemetry::{
    serve_metrics, serve_readiness, CertCollector, CertExpiry, CertSource, LinkCollector,
    RequestMetrics,
};
use tokio::sync::watch;

/// The Kubernetes namespace micros are named in, in their SPIFFE IDs and service names.
pub const MICRO_NAMESPACE: &str = "retromesh";

/// One micro's identity as the bridge holds it.
pub struct MicroIdentity {
    pub micro: String,
    pub spiffe_id: SpiffeId,
    /// `NAME.retromesh.svc.cluster.local`: the SNI mesh clients send, and a DNS SAN.
    pub host: String,
    /// For people: where the identity comes from.
    pub source: String,
    pub identity: watch::Receiver<Arc<Identity>>,
}

/// Every micro's identity, and the trust bundle they share.
pub struct Identities {
    pub trust_domain: TrustDomain,
    pub micros: Vec<MicroIdentity>,
}

/// Where each micro's identity comes from: its own PEM directory, else the Workload API when
/// one is configured, else the development CA in `state_dir`.
pub struct IdentityOptions<'a> {
    pub trust_domain: &'a str,
    pub state_dir: &'a std::path::Path,
    pub workload_api: Option<&'a str>,
    /// Micro name → its identity directory, for those that have one.
    pub identity_dirs: BTreeMap<String, PathBuf>,
}

/// The host name mesh clients use for a micro.
pub fn micro_host(name: &str) -> String {
    format!("{name}.{MICRO_NAMESPACE}.svc.cluster.local")
}

/// Each micro's SPIFFE ID and service host, for metrics labels.
pub fn principals(
    trust_domain: &str,
    names: &[&str],
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let ids = names
        .iter()
        .map(|n| {
            let id = format!("spiffe://{trust_domain}/ns/{MICRO_NAMESPACE}/sa/{n}");
            (n.to_string(), id)
        })
        .collect();
    let hosts = names
        .iter()
        .map(|n| (n.to_string(), micro_host(n)))
        .collect();
    (ids, hosts)
}

/// Starts every micro's identity source; returns once each has a valid identity.
pub async fn start_identities(
    opts: IdentityOptions<'_>,
    names: &[&str],
) -> Result<Identities, String> {
    let td = TrustDomain::new(opts.trust_domain).map_err(|e| format!("trust domain: {e}"))?;
    let mut ca: Option<Arc<DevCa>> = None;
    let mut micros = Vec::new();
    for name in names {
        let id = SpiffeId::workload(&td, MICRO_NAMESPACE, name)
            .map_err(|e| format!("micro {name}: {e}"))?;
        let host = micro_host(name);
        let (source, what) = match (opts.identity_dirs.get(*name), opts.workload_api) {
            (Some(dir), _) => (
                IdentitySource::Files {
                    dir: dir.clone(),
                    expected: Some(id.clone()),
                    interval: Duration::from_secs(5),
                },
                format!("files in {}", dir.display()),
            ),
            (None, Some(socket)) => (
                IdentitySource::workload_api(Some(socket.to_string()), Some(id.clone())),
                format!("SPIFFE Workload API at {socket}"),
            ),
            (None, None) => {
                let ca = match &ca {
                    Some(ca) => ca.clone(),
                    None => {
                        let made = Arc::new(
                            DevCa::load_or_create(opts.state_dir, &td)
                                .map_err(|e| e.to_string())?,
                        );
                        ca = Some(made.clone());
                        made
                    }
                };
                let what = format!("development CA in {}", ca.dir().display());
                (
                    IdentitySource::DevCa {
                        ca,
                        id: id.clone(),
                        dns_names: vec![host.clone()],
                        lifetime: Duration::from_secs(24 * 3600),
                    },
                    what,
                )
            }
        };
        let rx = source
            .start()
            .await
            .map_err(|e| format!("micro {name}: {e}"))?;
        tracing::info!(micro = name, spiffe_id = %id, sni = %host, from = %what, "identity");
        micros.push(MicroIdentity {
            micro: name.to_string(),
            spiffe_id: id,
            host,
            source: what,
            identity: rx,
        });
    }
    Ok(Identities {
        trust_domain: td,
        micros,
    })
}

impl Identities {
    pub fn get(&self, micro: &str) -> Option<&MicroIdentity> {
        self.micros.iter().find(|m| m.micro == micro)
    }

    /// The roots clients and upstreams are checked against: the first micro's, kept current.
    pub fn bundle(&self) -> Result<watch::Receiver<Arc<TrustBundle>>, String> {
        let first = self.micros.first().ok_or("no micros to serve over mTLS")?;
        let td = self.trust_domain.as_str().to_string();
        Ok(follow(first.identity.clone(), move |i| TrustBundle {
            roots: i.roots.clone(),
            trust_domain: td.clone(),
        }))
    }

    /// The micro's identity as the TLS layer takes it.
    pub fn server_identity(&self, micro: &str) -> Option<watch::Receiver<Arc<ServerIdentity>>> {
        self.get(micro)
            .map(|m| follow(m.identity.clone(), server_identity))
    }
}

impl CertSource for Identities {
    fn certs(&self) -> Vec<CertExpiry> {
        let mut out = Vec::new();
        for m in &self.micros {
            let i = m.identity.borrow().clone();
            out.push(CertExpiry {
                micro: m.micro.clone(),
                subject: i.id.to_string(),
                kind: "leaf",
                not_after: i.not_after,
            });
            for root in &i.roots {
                if let Ok((subject, not_after)) = root_validity(root) {
                    out.push(CertExpiry {
                        micro: m.micro.clone(),
                        subject,
                        kind: "root",
                        not_after,
                    });
                }
            }
        }
        out
    }
}

/// Binds the mTLS listener serving `api`, each micro presenting its own identity by SNI.
pub async fn start_mtls(
    listen: &str,
    mode: MtlsMode,
    policy: TlsPolicy,
    ids: &Identities,
    api: Api,
) -> Result<std::net::SocketAddr, String> {
    let mut sni = SniMap::new();
    let mut served = Vec::new();
    for m in &ids.micros {
        served.push((m.micro.clone(), follow(m.identity.clone(), server_identity)));
        sni = sni
            .with_micro(&m.micro, &m.host)
            .map_err(|e| e.to_string())?;
    }
    if ids.micros.len() == 1 {
        sni = sni.with_default(&ids.micros[0].micro);
    }
    let mut settings = TlsSettings::new(IdentityChoice::BySni(sni));
    settings.mode = mode;
    settings.policy = policy;
    let tls = TlsListener::new(served, ids.bundle()?, settings).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}: pick another with --mtls-listen"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(serve_tls(listener, tls, api));
    Ok(addr)
}

fn server_identity(i: &Identity) -> ServerIdentity {
    ServerIdentity {
        spiffe_id: i.id.to_string(),
        chain: i.chain.clone(),
        key: i.key.clone_key(),
    }
}

/// A watch channel that follows `rx` through `map`, for as long as anyone listens.
fn follow<T: Send + Sync + 'static>(
    mut rx: watch::Receiver<Arc<Identity>>,
    map: impl Fn(&Identity) -> T + Send + 'static,
) -> watch::Receiver<Arc<T>> {
    let (tx, out) = watch::channel(Arc::new(map(&rx.borrow_and_update())));
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let next = Arc::new(map(&rx.borrow_and_update()));
            if tx.send(next).is_err() {
                break;
            }
        }
    });
    out
}

/// Serves Prometheus text (Istio's request metrics, which the returned handle records, and the
/// link's counters) on `metrics` and readiness on `ready`, either of which may be absent.
/// Readiness turns true when the caller says so.
pub struct Telemetry {
    pub requests: Option<RequestMetrics>,
    pub ready: watch::Sender<Result<(), String>>,
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub ready_addr: Option<std::net::SocketAddr>,
}

pub async fn start_telemetry(
    metrics: Option<&str>,
    ready: Option<&str>,
    micros: &[Micro],
    certs: Option<Arc<dyn CertSource>>,
) -> Result<Telemetry, String> {
    let (ready_tx, ready_rx) = watch::channel(Err("starting".to_string()));
    let mut out = Telemetry {
        requests: None,
        ready: ready_tx,
        metrics_addr: None,
        ready_addr: None,
    };
    if let Some(addr) = metrics {
        let mut registry = Registry::default();
        out.requests = Some(RequestMetrics::register(&mut registry));
        registry.register_collector(Box::new(LinkCollector::new(micros.iter().cloned())));
        if let Some(certs) = certs {
            registry.register_collector(Box::new(CertCollector::new(certs)));
        }
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            format!("cannot listen on {addr} for metrics: {e}: pick another with --metrics-listen")
        })?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(addr = %bound, "metrics at /stats/prometheus");
        out.metrics_addr = Some(bound);
        tokio::spawn(serve_metrics(listener, Arc::new(registry)));
    }
    if let Some(addr) = ready {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            format!("cannot listen on {addr} for readiness: {e}: pick another with --ready-listen")
        })?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(addr = %bound, "readiness at /healthz/ready");
        out.ready_addr = Some(bound);
        tokio::spawn(serve_readiness(listener, ready_rx));
    }
    Ok(out)
}
