//! Runs with a link: the emulated Spectrum's serial port is wired to a real bridge session,
//! the micro's GETs go over HTTP to local services, and HTTP calls from the spec reach the
//! micro through the bridge's `/v1` API.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use retromesh_link::profile::{LinkOverrides, MachineProfile};
use retromesh_link::upstream::HttpServices;
use retromesh_link::{LinkStats, MicroSpec};
use retromesh_spectrum::{RunOutcome, SerialConfig, SerialHardware, Spectrum, StopWhen};

use crate::emulated::EmulatedLine;
use crate::fixture;

/// The micro's name on the bridge in link specs.
pub const MICRO_NAME: &str = "speccy";

#[derive(Debug, Clone, PartialEq)]
pub struct LinkRequest {
    pub port: SerialHardware,
    pub baud: u32,
    /// Put the Z80 client library on the tape after the program.
    pub client: bool,
    /// Emulated seconds per wall second once the line is in use; 0 = unthrottled.
    pub speed: f64,
    pub services: BTreeMap<String, ServiceSource>,
    pub calls: Vec<CallSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ServiceSource {
    /// Files of this folder, served over HTTP on 127.0.0.1.
    Dir(PathBuf),
    Url(String),
}

/// An HTTP call to the micro through the bridge, made once the micro listens.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSpec {
    pub method: String,
    pub path: String,
    pub body: String,
    pub status: Option<u16>,
    pub contains: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcome {
    pub spec: CallSpec,
    /// Status and body, or why no answer came.
    pub result: Result<(u16, String), String>,
}

pub struct LinkedRun {
    pub outcome: RunOutcome,
    pub calls: Vec<CallOutcome>,
    pub stats: LinkStats,
}

/// The profile the bridge uses for an emulated port: the real machine's settings, with no
/// pacing gaps, because the emulated UART honours CTS exactly.
pub fn emulated_profile(port: SerialHardware, baud: u32) -> MachineProfile {
    let name = match port {
        SerialHardware::If1 => "zx-if1",
        SerialHardware::Ay128 => "zx-128",
        SerialHardware::NextUart => "zx-next",
    };
    let profile = MachineProfile::by_name(name).expect("built-in profile");
    LinkOverrides {
        baud: Some(baud),
        byte_gap_ms: Some(0),
        line_gap_ms: Some(0),
        ..Default::default()
    }
    .apply(profile)
    .expect("built-in profile with a valid baud")
}

/// Runs `machine` (program loaded) with the link until `stop`.
pub fn run(
    machine: &mut Spectrum,
    link: &LinkRequest,
    stop: &StopWhen,
    observer: &mut dyn FnMut(&Spectrum) -> Option<String>,
) -> Result<LinkedRun, String> {
    machine
        .attach_serial(SerialConfig::new(link.port, link.baud))
        .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the bridge's runtime: {e}"))?;
    let (line, mut peer) = EmulatedLine::pair(MICRO_NAME, machine.timing().clock_hz, link.speed);
    let (micro, api_addr) = runtime.block_on(async {
        let mut services = BTreeMap::new();
        for (name, source) in &link.services {
            let url = match source {
                ServiceSource::Url(u) => u.clone(),
                ServiceSource::Dir(dir) => {
                    let addr = fixture::serve_dir(dir.clone())
                        .await
                        .map_err(|e| format!("service {name}: {e}"))?;
                    format!("http://{addr}")
                }
            };
            services.insert(name.clone(), url);
        }
        let upstream = Arc::new(HttpServices::new(
            services,
            Duration::from_secs(10),
            64 * 1024,
        ));
        let mut spec = MicroSpec::new(
            MICRO_NAME,
            emulated_profile(link.port, link.baud),
            Arc::new(line),
        );
        spec.deadline = Duration::from_secs(20);
        let micro = retromesh_link::spawn(spec, upstream);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot listen for the API: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        tokio::spawn(retromesh_gateway::serve(
            listener,
            retromesh_gateway::Api::new([micro.clone()]),
        ));
        Ok::<_, String>((micro, addr))
    })?;
    let calls = runtime.spawn(make_calls(api_addr, link.calls.clone()));
    let slice = machine.timing().tstates_from_ms(1) as u32;
    let outcome = machine.run_linked(stop, observer, &mut peer, slice);
    // Calls the micro already answered complete within moments; others get a named failure.
    let calls = runtime.block_on(async {
        match tokio::time::timeout(Duration::from_secs(5), calls).await {
            Ok(Ok(done)) => done,
            _ => link
                .calls
                .iter()
                .map(|spec| CallOutcome {
                    spec: spec.clone(),
                    result: Err("the program stopped before answering this call".into()),
                })
                .collect(),
        }
    });
    let stats = micro.stats();
    // The session goes with the runtime, before the line closes under it.
    runtime.shutdown_timeout(Duration::from_millis(200));
    drop(peer);
    Ok(LinkedRun {
        outcome,
        calls,
        stats,
    })
}

async fn make_calls(api: std::net::SocketAddr, specs: Vec<CallSpec>) -> Vec<CallOutcome> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut done = Vec::new();
    for spec in specs {
        let uri = format!("http://{api}/v1/micros/{MICRO_NAME}/rpc{}", spec.path);
        // The micro takes a while to start and send LISTEN: wait for that, not a fixed time.
        let mut wait = Duration::from_millis(20);
        let result = loop {
            let req = hyper::Request::builder()
                .method(spec.method.as_str())
                .uri(&uri)
                .body(Full::new(Bytes::from(spec.body.clone())));
            let req = match req {
                Ok(r) => r,
                Err(e) => break Err(format!("bad call: {e}")),
            };
            match client.request(req).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp
                        .into_body()
                        .collect()
                        .await
                        .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
                        .unwrap_or_default();
                    if status == 503 && body.contains("not listening") {
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(Duration::from_millis(200));
                        continue;
                    }
                    break Ok((status, body));
                }
                Err(e) => break Err(format!("HTTP call failed: {e}")),
            }
        };
        done.push(CallOutcome { spec, result });
    }
    done
}

/// An emulated micro running in its own thread, for a long-running bridge.
pub struct EmulatedMicro {
    /// Give this to the bridge as the micro's line.
    pub line: retromesh_link::session::OpenedLine,
    /// Ends when the program ends (or its budget runs out), with why.
    pub thread: std::thread::JoinHandle<RunOutcome>,
    /// Its printout and screen while it runs.
    pub view: crate::view::EmulatedView,
}

/// Boots a Spectrum, loads `program` with the client library for `port` after it, and runs it
/// in a thread with its serial port on the returned line.
pub fn start_emulated(
    name: &str,
    request: &crate::RunRequest,
    port: SerialHardware,
    baud: u32,
    speed: f64,
) -> Result<EmulatedMicro, crate::session::RunError> {
    let (address, code) = crate::session::client_code(port);
    let program = crate::program::Program::read(&request.program, request.bin)?.with_code(
        "retromesh",
        address,
        code,
    );
    let mut machine =
        Spectrum::booted(request.machine.clone()).map_err(crate::program::ProgramError::from)?;
    program.start(&mut machine)?;
    machine
        .attach_serial(SerialConfig::new(port, baud))
        .map_err(crate::program::ProgramError::from)?;
    let (line, mut peer) = EmulatedLine::pair(name, machine.timing().clock_hz, speed);
    let view = peer.view();
    let stop = StopWhen::budget_secs(machine.model(), request.budget_secs);
    let thread = std::thread::Builder::new()
        .name(format!("emulated-{name}"))
        .spawn(move || {
            let slice = machine.timing().tstates_from_ms(1) as u32;
            machine.run_linked(&stop, &mut |_| None, &mut peer, slice)
        })
        .map_err(|e| crate::program::ProgramError::Invalid {
            path: request.program.clone(),
            problem: format!("cannot start the emulator thread: {e}"),
        })?;
    Ok(EmulatedMicro { line, thread, view })
}
