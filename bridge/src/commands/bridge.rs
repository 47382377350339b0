//! `retromesh bridge`: serve micros on their lines and expose them over the `/v1` HTTP API,
//! over mutual TLS with each micro's own identity, with metrics, readiness and an admin page.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use retromesh_gateway::Drained;
use retromesh_harness::linked::start_emulated;
use retromesh_harness::{Input, RunRequest, StopSpec};
use retromesh_link::profile::MachineProfile;
use retromesh_link::session::Connector;
use retromesh_link::transport::TransportConfig;
use retromesh_link::upstream::{HttpServices, Upstream};
use retromesh_link::{Micro, MicroSpec};
use retromesh_readback::ReadMode;
use retromesh_spectrum::{MachineConfig, Model, SerialHardware};

use crate::admin::{self, Admin, Served};
use crate::cli::BridgeArgs;
use crate::commands::mesh::{self, Identities, IdentityOptions};
use crate::commands::{block_on, Runtime};
use crate::config::{Config, MicroConfig};
use crate::exit::Exit;
use crate::settings::Settings;

/// The most bytes of a service's answer passed on towards a micro.
const MAX_SERVICE_RESPONSE: usize = 64 * 1024;

pub fn execute(args: Box<BridgeArgs>, config: &Config) -> Exit {
    let settings = match Settings::resolve(&args, config) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("{e}");
            return Exit::Usage;
        }
    };
    let drain = settings.drain;
    block_on(Runtime::MultiThread, async {
        match start(settings).await {
            Ok(running) => {
                let signal = match shutdown_signal().await {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!("cannot wait for signals: {e}");
                        return Exit::Environment;
                    }
                };
                tracing::info!(
                    signal,
                    deadline_secs = drain.as_secs_f64(),
                    "draining: readiness is 503, no new connections, requests in flight finish"
                );
                match running.drain(drain).await {
                    Drained::Clean => tracing::info!("drained: every connection closed"),
                    Drained::TimedOut { open } => tracing::warn!(
                        open,
                        "drain deadline passed with connections open: cutting them off (raise drain_secs to wait longer)"
                    ),
                }
                Exit::Ok
            }
            Err(e) => e.report(),
        }
    })
}

/// Waits for SIGTERM (a container stopping) or SIGINT (Ctrl-C) and names it.
pub async fn shutdown_signal() -> std::io::Result<&'static str> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    })
}

/// Why the bridge could not start, with the exit code it means.
#[derive(Debug)]
pub struct StartError {
    pub exit: Exit,
    pub message: String,
}

impl StartError {
    fn new(exit: Exit, message: impl Into<String>) -> Self {
        StartError {
            exit,
            message: message.into(),
        }
    }

    pub fn report(self) -> Exit {
        tracing::error!("{}", self.message);
        self.exit
    }
}

/// A started bridge: where it listens and what it serves.
pub struct Running {
    pub api_addr: SocketAddr,
    pub mtls_addr: Option<SocketAddr>,
    pub metrics_addr: Option<SocketAddr>,
    pub ready_addr: Option<SocketAddr>,
    pub admin_addr: Option<SocketAddr>,
    pub served: Vec<Served>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    api: retromesh_gateway::Api,
    /// Readiness follows this: 200 while it holds `Ok`.
    ready: tokio::sync::watch::Sender<Result<(), String>>,
}

impl Running {
    /// Stops accepting; the runtime's end drops the rest.
    pub fn stop(self) {
        for t in self.tasks {
            t.abort();
        }
    }

    /// Turns readiness to 503, stops accepting, and waits up to `deadline` for the requests
    /// in flight to finish.
    pub async fn drain(self, deadline: std::time::Duration) -> Drained {
        let _ = self
            .ready
            .send(Err("draining: the bridge is shutting down".into()));
        let drained = self.api.drain().run(deadline).await;
        self.stop();
        drained
    }
}

/// Starts everything `settings` asks for and returns once every listener is bound and every
/// identity is valid; readiness turns 200 at that point.
pub async fn start(s: Settings) -> Result<Running, StartError> {
    let names: Vec<&str> = s.micros.iter().map(|m| m.name.as_str()).collect();
    if names.is_empty() {
        return Err(StartError::new(
            Exit::Usage,
            "no micros to serve: add [[micros]] to the config, or pass --device PATH (or --tcp, --emulate PROGRAM)",
        ));
    }
    let wants_identity =
        s.mtls_listen.is_some() || s.services.values().any(|v| v.url().starts_with("https://"));
    let identities = if wants_identity {
        let dirs = s
            .micros
            .iter()
            .filter_map(|m| Some((m.name.clone(), m.identity_dir.clone()?)))
            .collect();
        let opts = IdentityOptions {
            trust_domain: &s.trust_domain,
            state_dir: &s.state_dir,
            workload_api: s.workload_api.as_deref(),
            identity_dirs: dirs,
        };
        Some(Arc::new(
            mesh::start_identities(opts, &names)
                .await
                .map_err(|e| StartError::new(Exit::BadInput, e))?,
        ))
    } else {
        None
    };

    let mut micros: Vec<Micro> = Vec::new();
    let mut views = Vec::new();
    for entry in &s.micros {
        let upstream = upstream_for(&entry.name, &s, identities.as_deref())
            .map_err(|e| StartError::new(Exit::Usage, e))?;
        let (mut spec, view) = if let Some(program) = &entry.emulate {
            emulated(program, entry).map_err(|e| StartError::new(Exit::BadInput, e))?
        } else {
            (
                micro_spec(entry).map_err(|e| {
                    StartError::new(Exit::Usage, format!("micro {}: {e}", entry.name))
                })?,
                None,
            )
        };
        spec.deadline = s.deadline;
        spec.queue_depth = s.queue_depth.unwrap_or(spec.queue_depth);
        tracing::info!(micro = %spec.name, line = %spec.connector.describe(), profile = spec.profile.name, "serving");
        let micro = retromesh_link::spawn(spec, upstream);
        if let Some(v) = view {
            views.push((micro.name().to_string(), v));
        }
        micros.push(micro);
    }

    let certs = identities
        .clone()
        .map(|i| i as Arc<dyn retromesh_telemetry::CertSource>);
    let telemetry = mesh::start_telemetry(
        s.metrics_listen.as_deref(),
        s.ready_listen.as_deref(),
        &micros,
        certs,
    )
    .await
    .map_err(|e| StartError::new(Exit::Environment, e))?;
    let policies = retromesh_gateway::authz::Policies::new(s.policies.clone())
        .map_err(|e| StartError::new(Exit::Usage, format!("[[policies]]: {e}")))?;
    let mut api = retromesh_gateway::Api::new(micros.clone())
        .with_policies(policies.clone())
        .with_screen_renderer(Arc::new(|b: &[u8]| {
            retromesh_harness::view::screen_bytes_png(b)
        }));
    for (name, view) in views {
        api = api.with_view(&name, view);
    }
    if let Some(metrics) = telemetry.requests {
        let (principals, hosts) = mesh::principals(&s.trust_domain, &names);
        api = api.with_telemetry(retromesh_gateway::ApiTelemetry {
            metrics,
            principals,
            hosts,
        });
    }

    let mut tasks = Vec::new();
    let listener = tokio::net::TcpListener::bind(&s.listen)
        .await
        .map_err(|e| {
            StartError::new(
                Exit::Environment,
                format!(
                    "cannot listen on {}: {e}: pick another address with --listen",
                    s.listen
                ),
            )
        })?;
    let api_addr = listener
        .local_addr()
        .map_err(|e| StartError::new(Exit::Environment, e.to_string()))?;
    tracing::info!(addr = %api_addr, "API listening: GET /v1/micros, POST /v1/micros/NAME/rpc");
    tasks.push(tokio::spawn(retromesh_gateway::serve(
        listener,
        api.clone(),
    )));

    let mtls_addr = match (&s.mtls_listen, &identities) {
        (Some(listen), Some(ids)) => {
            let addr = mesh::start_mtls(listen, s.mtls_mode, s.tls_policy, ids, api.clone())
                .await
                .map_err(|e| StartError::new(Exit::Environment, e))?;
            let tls = if s.tls_policy.allow_tls12 {
                "1.3 and 1.2"
            } else {
                "1.3"
            };
            tracing::info!(%addr, mode = ?s.mtls_mode, tls, "mTLS API listening");
            Some(addr)
        }
        _ => None,
    };

    let (principals, hosts) = mesh::principals(&s.trust_domain, &names);
    let served: Vec<Served> = micros
        .iter()
        .map(|m| Served {
            micro: m.clone(),
            spiffe_id: identities
                .as_ref()
                .and_then(|i| i.get(m.name()))
                .map(|i| i.spiffe_id.to_string())
                .or_else(|| principals.get(m.name()).cloned())
                .unwrap_or_default(),
            host: hosts.get(m.name()).cloned().unwrap_or_default(),
            identity_source: identities
                .as_ref()
                .and_then(|i| i.get(m.name()))
                .map(|i| i.source.clone())
                .unwrap_or_else(|| "none (no mTLS listener)".into()),
            identity: identities
                .as_ref()
                .and_then(|i| i.get(m.name()))
                .map(|i| i.identity.clone()),
        })
        .collect();
    let admin_addr = match &s.admin_listen {
        Some(addr) => {
            let admin = Arc::new(Admin {
                served: served.clone(),
                policies,
                api: api.clone(),
            });
            let bound = admin::start(addr, admin)
                .await
                .map_err(|e| StartError::new(Exit::Usage, e))?;
            tracing::info!(addr = %bound, "admin page");
            Some(bound)
        }
        None => None,
    };
    let _ = telemetry.ready.send(Ok(()));
    Ok(Running {
        api_addr,
        mtls_addr,
        metrics_addr: telemetry.metrics_addr,
        ready_addr: telemetry.ready_addr,
        admin_addr,
        served,
        tasks,
        api,
        ready: telemetry.ready,
    })
}

/// Where a micro's GET and POST go: over mutual TLS with its own identity for `https://`
/// services, plain HTTP for `http://` ones.
fn upstream_for(
    micro: &str,
    s: &Settings,
    ids: Option<&Identities>,
) -> Result<Arc<dyn Upstream>, String> {
    let table: BTreeMap<String, retromesh_gateway::outbound::ServiceEntry> = s
        .services
        .iter()
        .map(|(name, svc)| {
            (
                name.clone(),
                retromesh_gateway::outbound::ServiceEntry {
                    url: svc.url().to_string(),
                    spiffe_id: svc.spiffe_id().map(str::to_string),
                },
            )
        })
        .collect();
    match ids {
        Some(ids) => {
            let identity = ids
                .server_identity(micro)
                .ok_or_else(|| format!("micro {micro} has no identity"))?;
            let services = retromesh_gateway::outbound::MeshServices::new(
                identity,
                ids.bundle()?,
                table,
                s.deadline,
                MAX_SERVICE_RESPONSE,
            )
            .map_err(|e| format!("[services]: {e}"))?;
            Ok(Arc::new(services))
        }
        None => {
            let plain = s
                .services
                .iter()
                .map(|(name, svc)| (name.clone(), svc.url().to_string()))
                .collect();
            Ok(Arc::new(HttpServices::new(
                plain,
                s.deadline,
                MAX_SERVICE_RESPONSE,
            )))
        }
    }
}

fn micro_spec(entry: &MicroConfig) -> Result<MicroSpec, String> {
    let base = MachineProfile::by_name(&entry.profile).map_err(|e| e.to_string())?;
    let profile = entry.line.apply(base).map_err(|e| e.to_string())?;
    let transport = match (&entry.device, &entry.tcp, &entry.tcp_listen) {
        (Some(path), None, None) => TransportConfig::Serial {
            path: path.clone(),
            settings: profile.serial,
        },
        (None, Some(addr), None) => TransportConfig::TcpConnect {
            addr: addr.clone(),
            ip232: entry.ip232,
        },
        (None, None, Some(addr)) => TransportConfig::TcpListen {
            addr: addr
                .parse()
                .map_err(|e| format!("tcp_listen = {addr:?}: {e}: write it as IP:PORT"))?,
            ip232: entry.ip232,
        },
        _ => return Err("give exactly one of device, tcp, tcp_listen or emulate".into()),
    };
    Ok(MicroSpec::new(
        entry.name.clone(),
        profile,
        Arc::new(transport) as Arc<dyn Connector>,
    ))
}

fn emulated(
    program: &std::path::Path,
    entry: &MicroConfig,
) -> Result<(MicroSpec, Option<Arc<dyn retromesh_gateway::MicroView>>), String> {
    let port = match entry.port.as_deref().unwrap_or("if1") {
        "if1" => SerialHardware::If1,
        "ay128" => SerialHardware::Ay128,
        "next" => SerialHardware::NextUart,
        other => return Err(format!("port {other}: use if1, ay128 or next")),
    };
    let model = if port == SerialHardware::Ay128 {
        Model::Spectrum128K
    } else {
        Model::Spectrum48K
    };
    let baud = entry
        .line
        .baud
        .unwrap_or(if port == SerialHardware::NextUart {
            115_200
        } else {
            9600
        });
    let request = RunRequest {
        program: program.to_path_buf(),
        machine: MachineConfig {
            model,
            ..Default::default()
        },
        bin: None,
        budget_secs: 24.0 * 3600.0,
        inputs: Vec::<Input>::new(),
        stop: StopSpec::default(),
        read: ReadMode::Exact,
        link: None,
    };
    let micro =
        start_emulated(&entry.name, &request, port, baud, 1.0).map_err(|e| e.to_string())?;
    let profile = retromesh_harness::linked::emulated_profile(port, baud);
    Ok((
        MicroSpec::new(entry.name.clone(), profile, Arc::new(micro.line)),
        Some(Arc::new(EmulatorView(micro.view))),
    ))
}

/// The emulator's printer and screen, as the API shows them.
struct EmulatorView(retromesh_harness::view::EmulatedView);

impl retromesh_gateway::MicroView for EmulatorView {
    fn printout_png(&self) -> retromesh_gateway::ViewFuture<Vec<u8>> {
        let v = self.0.clone();
        Box::pin(async move { v.printout_png().await })
    }

    fn printout_text(&self) -> retromesh_gateway::ViewFuture<String> {
        let v = self.0.clone();
        Box::pin(async move { v.printout_text().await })
    }

    fn screen_png(&self) -> retromesh_gateway::ViewFuture<Vec<u8>> {
        let v = self.0.clone();
        Box::pin(async move { v.screen_png().await })
    }
}
