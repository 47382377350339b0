//! `retromesh bridge`: serve micros on their lines and expose them over the `/v1` HTTP API.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use retromesh_harness::linked::start_emulated;
use retromesh_harness::{Input, RunRequest, StopSpec};
use retromesh_link::profile::{LinkOverrides, MachineProfile};
use retromesh_link::session::Connector;
use retromesh_link::transport::TransportConfig;
use retromesh_link::upstream::HttpServices;
use retromesh_link::{LinkState, Micro, MicroSpec};
use retromesh_readback::ReadMode;
use retromesh_spectrum::{MachineConfig, Model, SerialHardware};

use crate::cli::{BridgeArgs, MtlsModeName};
use crate::commands::mesh;
use crate::config::{Config, MicroConfig};
use crate::exit::Exit;
use retromesh_gateway::MtlsMode;

pub fn execute(args: Box<BridgeArgs>, config: &Config) -> Exit {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot start the runtime: {e}");
            return Exit::Environment;
        }
    };
    runtime.block_on(serve(*args, config))
}

async fn serve(args: BridgeArgs, config: &Config) -> Exit {
    let mut services: BTreeMap<String, String> = config.services.clone();
    for s in &args.service {
        match s.split_once('=') {
            Some((name, url)) => {
                services.insert(name.into(), url.into());
            }
            None => {
                tracing::error!(
                    "--service {s}: write it as NAME=URL, e.g. weather=http://127.0.0.1:9000"
                );
                return Exit::Usage;
            }
        }
    }
    let deadline = Duration::from_secs_f64(
        args.deadline
            .or(config.bridge.deadline_secs)
            .unwrap_or(30.0),
    );
    let upstream = Arc::new(HttpServices::new(services, deadline, 64 * 1024));
    let mut entries: Vec<MicroConfig> = config.micros.clone();
    if let Some(entry) = flag_micro(&args) {
        entries.push(entry);
    }
    let mut micros: Vec<Micro> = Vec::new();
    for entry in &entries {
        let spec = match micro_spec(entry, &args) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("micro {}: {e}", entry.name);
                return Exit::Usage;
            }
        };
        let mut spec = spec;
        spec.deadline = deadline;
        spec.queue_depth = config.bridge.queue_depth.unwrap_or(spec.queue_depth);
        tracing::info!(micro = %spec.name, line = %spec.connector.describe(), profile = spec.profile.name, "serving");
        micros.push(retromesh_link::spawn(spec, upstream.clone()));
    }
    if let Some(program) = &args.emulate {
        match emulated(program, &args) {
            Ok(m) => micros.push(retromesh_link::spawn(m, upstream.clone())),
            Err(e) => {
                tracing::error!("{e}");
                return Exit::BadInput;
            }
        }
    }
    if micros.is_empty() {
        tracing::error!(
            "no micros to serve: add [[micros]] to the config, or pass --device PATH (or --tcp, --emulate PROGRAM)"
        );
        return Exit::Usage;
    }
    let listen = args
        .listen
        .clone()
        .or(config.bridge.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("cannot listen on {listen}: {e}: pick another address with --listen");
            return Exit::Environment;
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or(listen);
    tracing::info!(%addr, "API listening: GET /v1/micros, POST /v1/micros/NAME/rpc");
    let (requests, ready) = match mesh::start_telemetry(
        args.metrics_listen.clone(),
        args.ready_listen.clone(),
        &micros,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("{e}");
            return Exit::Environment;
        }
    };
    let policies = match retromesh_gateway::authz::Policies::new(config.policies.clone()) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("[[policies]]: {e}");
            return Exit::Usage;
        }
    };
    let mut api = retromesh_gateway::Api::new(micros.clone()).with_policies(policies);
    if let Some(metrics) = requests {
        let (principals, hosts) = mesh::principals(&args.trust_domain, &micros);
        api = api.with_telemetry(retromesh_gateway::ApiTelemetry {
            metrics,
            principals,
            hosts,
        });
    }
    if let Some(mtls) = &args.mtls_listen {
        let mut dirs = BTreeMap::new();
        for d in &args.identity_dir {
            match d.split_once('=') {
                Some((name, dir)) => {
                    dirs.insert(name.to_string(), std::path::PathBuf::from(dir));
                }
                None => {
                    tracing::error!("--identity-dir {d}: write it as NAME=DIR");
                    return Exit::Usage;
                }
            }
        }
        let opts = mesh::MeshOptions {
            listen: mtls.clone(),
            mode: match args.mtls_mode {
                MtlsModeName::Strict => MtlsMode::Strict,
                MtlsModeName::Permissive => MtlsMode::Permissive,
            },
            trust_domain: args.trust_domain.clone(),
            state_dir: args
                .state_dir
                .clone()
                .unwrap_or_else(super::certs::default_state_dir),
            identity_dirs: dirs,
        };
        match mesh::start_mtls(opts, &micros, api.clone()).await {
            Ok(addr) => tracing::info!(%addr, "mTLS API listening"),
            Err(e) => {
                tracing::error!("{e}");
                return Exit::BadInput;
            }
        }
    }
    let _ = ready.send(Ok(()));
    for m in &micros {
        let m = m.clone();
        tokio::spawn(async move {
            let mut last = m.state();
            loop {
                let now = m.wait_for(|s| s != &last).await;
                if now == last {
                    break;
                }
                if let LinkState::Up { mode, hello } = &now {
                    tracing::info!(micro = m.name(), ?mode, client = ?hello.map(|h| h.version.to_string()), "link up");
                }
                last = now;
            }
        });
    }
    tokio::select! {
        _ = retromesh_gateway::serve(listener, api) => Exit::Ok,
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("interrupted: shutting down");
            Exit::Ok
        }
    }
}

/// A micro given on the command line instead of the config.
fn flag_micro(args: &BridgeArgs) -> Option<MicroConfig> {
    if args.device.is_none() && args.tcp.is_none() && args.tcp_listen.is_none() {
        return None;
    }
    Some(MicroConfig {
        name: args.name.clone(),
        profile: args.profile.clone(),
        device: args.device.clone(),
        tcp: args.tcp.clone(),
        tcp_listen: args.tcp_listen.clone(),
        ip232: args.ip232,
        line: LinkOverrides {
            baud: args.baud,
            ..Default::default()
        },
    })
}

fn micro_spec(entry: &MicroConfig, _args: &BridgeArgs) -> Result<MicroSpec, String> {
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
        _ => return Err("give exactly one of device, tcp or tcp_listen".into()),
    };
    Ok(MicroSpec::new(
        entry.name.clone(),
        profile,
        Arc::new(transport) as Arc<dyn Connector>,
    ))
}

fn emulated(program: &std::path::Path, args: &BridgeArgs) -> Result<MicroSpec, String> {
    let port = match args.port.as_str() {
        "if1" => SerialHardware::If1,
        "ay128" => SerialHardware::Ay128,
        "next" => SerialHardware::NextUart,
        other => return Err(format!("--port {other}: use if1, ay128 or next")),
    };
    let model = if port == SerialHardware::Ay128 {
        Model::Spectrum128K
    } else {
        Model::Spectrum48K
    };
    let baud = args.baud.unwrap_or(if port == SerialHardware::NextUart {
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
    let micro = start_emulated(&args.name, &request, port, baud, 1.0).map_err(|e| e.to_string())?;
    let profile = retromesh_harness::linked::emulated_profile(port, baud);
    Ok(MicroSpec::new(
        args.name.clone(),
        profile,
        Arc::new(micro.line),
    ))
}
