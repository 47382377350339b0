//! The mesh side of `retromesh bridge`: each micro's SPIFFE identity, the mTLS listener that
//! presents it, and the telemetry ports.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::registry::Registry;
use retromesh_gateway::{
    serve_tls, Api, IdentityChoice, MtlsMode, ServerIdentity, SniMap, TlsListener, TlsSettings,
    TrustBundle,
};
use retromesh_identity::{DevCa, Identity, IdentitySource, SpiffeId, TrustDomain};
use retromesh_link::Micro;
use retromesh_telemetry::{serve_metrics, serve_readiness, LinkCollector, RequestMetrics};
use tokio::sync::watch;

/// The Kubernetes namespace micros are named in, in their SPIFFE IDs and service names.
pub const MICRO_NAMESPACE: &str = "retromesh";

pub struct MeshOptions {
    pub listen: String,
    pub mode: MtlsMode,
    pub trust_domain: String,
    pub state_dir: PathBuf,
    /// Micros whose identity comes from PEM files (Istio or csi-driver-spiffe layout).
    pub identity_dirs: BTreeMap<String, PathBuf>,
}

/// Each micro's SPIFFE ID and service host, for metrics labels.
pub fn principals(
    trust_domain: &str,
    micros: &[Micro],
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let ids = micros
        .iter()
        .map(|m| {
            let id = format!(
                "spiffe://{trust_domain}/ns/{MICRO_NAMESPACE}/sa/{}",
                m.name()
            );
            (m.name().to_string(), id)
        })
        .collect();
    let hosts = micros
        .iter()
        .map(|m| {
            let host = format!("{}.{MICRO_NAMESPACE}.svc.cluster.local", m.name());
            (m.name().to_string(), host)
        })
        .collect();
    (ids, hosts)
}

/// Starts each micro's identity and the mTLS listener. Returns once the listener is bound.
pub async fn start_mtls(opts: MeshOptions, micros: &[Micro], api: Api) -> Result<String, String> {
    let td = TrustDomain::new(&opts.trust_domain).map_err(|e| format!("trust domain: {e}"))?;
    let mut ca: Option<Arc<DevCa>> = None;
    let mut identities = Vec::new();
    let mut sni = SniMap::new();
    let mut bundle_from: Option<watch::Receiver<Arc<Identity>>> = None;
    for m in micros {
        let id = SpiffeId::workload(&td, MICRO_NAMESPACE, m.name())
            .map_err(|e| format!("micro {}: {e}", m.name()))?;
        let fqdn = format!("{}.{MICRO_NAMESPACE}.svc.cluster.local", m.name());
        let source = match opts.identity_dirs.get(m.name()) {
            Some(dir) => IdentitySource::Files {
                dir: dir.clone(),
                expected: Some(id.clone()),
                interval: Duration::from_secs(5),
            },
            None => {
                let ca = match &ca {
                    Some(ca) => ca.clone(),
                    None => {
                        let made = Arc::new(
                            DevCa::load_or_create(&opts.state_dir, &td)
                                .map_err(|e| e.to_string())?,
                        );
                        ca = Some(made.clone());
                        made
                    }
                };
                IdentitySource::DevCa {
                    ca,
                    id: id.clone(),
                    dns_names: vec![fqdn.clone()],
                    lifetime: Duration::from_secs(24 * 3600),
                }
            }
        };
        let rx = source
            .start()
            .await
            .map_err(|e| format!("micro {}: {e}", m.name()))?;
        tracing::info!(micro = m.name(), spiffe_id = %id, sni = %fqdn, "identity");
        bundle_from.get_or_insert_with(|| rx.clone());
        identities.push((m.name().to_string(), follow(rx, server_identity)));
        sni = sni.with_micro(m.name(), &fqdn).map_err(|e| e.to_string())?;
    }
    if micros.len() == 1 {
        sni = sni.with_default(micros[0].name());
    }
    let first = bundle_from.ok_or("no micros to serve over mTLS")?;
    let td_name = td.as_str().to_string();
    let bundle = follow(first, move |i| TrustBundle {
        roots: i.roots.clone(),
        trust_domain: td_name.clone(),
    });
    let mut settings = TlsSettings::new(IdentityChoice::BySni(sni));
    settings.mode = opts.mode;
    let tls = TlsListener::new(identities, bundle, settings).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(&opts.listen)
        .await
        .map_err(|e| {
            format!(
                "cannot listen on {}: {e}: pick another with --mtls-listen",
                opts.listen
            )
        })?;
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or(opts.listen);
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
pub async fn start_telemetry(
    metrics: Option<String>,
    ready: Option<String>,
    micros: &[Micro],
) -> Result<(Option<RequestMetrics>, watch::Sender<Result<(), String>>), String> {
    let (ready_tx, ready_rx) = watch::channel(Err("starting".to_string()));
    let mut requests = None;
    if let Some(addr) = metrics {
        let mut registry = Registry::default();
        requests = Some(RequestMetrics::register(&mut registry));
        registry.register_collector(Box::new(LinkCollector::new(micros.iter().cloned())));
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("cannot listen on {addr} for metrics: {e}"))?;
        tracing::info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or(addr), "metrics at /stats/prometheus");
        tokio::spawn(serve_metrics(listener, Arc::new(registry)));
    }
    if let Some(addr) = ready {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("cannot listen on {addr} for readiness: {e}"))?;
        tracing::info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or(addr), "readiness at /healthz/ready");
        tokio::spawn(serve_readiness(listener, ready_rx));
    }
    Ok((requests, ready_tx))
}
