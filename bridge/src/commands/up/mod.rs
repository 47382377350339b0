//! `retromesh up`: the whole demo on one machine. An emulated Spectrum runs the demo client
//! as a mesh workload with its own SPIFFE ID, calls a sample service over mutual TLS, prints
//! the answer on its virtual ZX Printer, and serves the `/v1` API over mTLS.

mod client;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use retromesh_gateway::authz::{Action, Rule};
use retromesh_identity::{DevCa, Layout, SpiffeId, TrustDomain};
use tokio::sync::mpsc;

use crate::cli::UpArgs;
use crate::commands::bridge::{self, Running};
use crate::commands::mesh::{micro_host, MICRO_NAMESPACE};
use crate::commands::{block_on, sample, Runtime};
use crate::config::{MicroConfig, ServiceConfig};
use crate::exit::Exit;
use crate::settings::Settings;

/// The demo client: fetch `hello/greeting`, print it, then serve requests.
const DEMO_PROGRAM: &str = include_str!("../../../../firmware/zx/demos/mesh.bas");
const MICRO: &str = "speccy";
/// What the sample service's answer starts with, as the printout shows it.
const GREETING: &str = "HELLO FROM THE MESH";
/// The demo takes about a second; this leaves room for a slow, busy machine.
const DEMO_DEADLINE: Duration = Duration::from_secs(120);

pub fn execute(args: UpArgs) -> Exit {
    block_on(Runtime::MultiThread, up(args))
}

/// What the user's curl needs: a certificate from the development CA.
struct Caller {
    dir: PathBuf,
    id: SpiffeId,
}

async fn up(args: UpArgs) -> Exit {
    let state = args
        .state_dir
        .clone()
        .unwrap_or_else(crate::commands::certs::default_state_dir);
    let td = match TrustDomain::new(&args.trust_domain) {
        Ok(td) => td,
        Err(e) => {
            tracing::error!("--trust-domain: {e}");
            return Exit::Usage;
        }
    };
    step("development CA");
    let ca = match DevCa::load_or_create(&state, &td) {
        Ok(ca) => ca,
        Err(e) => {
            tracing::error!("{e}");
            return Exit::BadInput;
        }
    };
    let demo_dir = state.join("up");
    let prepared = prepare(&ca, &td, &demo_dir);
    let (sample_id, caller, program) = match prepared {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("{e}");
            return Exit::Environment;
        }
    };
    step("sample service `hello`");
    let (calls_tx, mut calls) = mpsc::unbounded_channel();
    let sample_addr =
        match sample::start(&args.sample_listen, &sample_id, td.as_str(), calls_tx).await {
            Ok(a) => a,
            Err(e) => {
                tracing::error!("{e}");
                return Exit::Environment;
            }
        };
    step("bridge, gateway and an emulated 48K Spectrum");
    let settings = settings(&args, &state, &td, &program, sample_addr, &sample_id.id);
    let running = match bridge::start(settings).await {
        Ok(r) => r,
        Err(e) => return e.report(),
    };
    banner(&running, &caller, &td, sample_addr, &sample_id.id);

    let demo = demo(&running, &caller, &mut calls);
    let outcome = tokio::select! {
        r = demo => r,
        _ = tokio::signal::ctrl_c() => {
            println!("\nInterrupted: shutting down.");
            running.stop();
            return Exit::Ok;
        }
    };
    match outcome {
        Ok(()) if args.once => {
            running.stop();
            Exit::Ok
        }
        Ok(()) => {
            println!("\nServing until Ctrl-C. Paste the commands above into another terminal.");
            let _ = tokio::signal::ctrl_c().await;
            println!("\nInterrupted: shutting down.");
            running.stop();
            Exit::Ok
        }
        Err(e) => {
            tracing::error!("{e}");
            running.stop();
            Exit::Failed
        }
    }
}

fn step(what: &str) {
    println!("▸ starting {what}");
}

/// The sample service's identity, the user's client certificate, and the demo program on disk.
fn prepare(
    ca: &DevCa,
    td: &TrustDomain,
    dir: &Path,
) -> Result<(retromesh_identity::Identity, Caller, PathBuf), String> {
    let day = Duration::from_secs(24 * 3600);
    let sample_id = SpiffeId::workload(td, "default", "hello").map_err(|e| e.to_string())?;
    let sample = ca
        .issue(&sample_id, &["hello.default.svc.cluster.local".into()], day)
        .map_err(|e| e.to_string())?;
    let you = SpiffeId::workload(td, "default", "you").map_err(|e| e.to_string())?;
    let identity = ca.issue(&you, &[], day).map_err(|e| e.to_string())?;
    let caller_dir = dir.join("you");
    DevCa::write_pem_files(&identity, &caller_dir, Layout::IstioOutputCerts)
        .map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let program = dir.join("mesh.bas");
    std::fs::write(&program, DEMO_PROGRAM).map_err(|e| format!("{}: {e}", program.display()))?;
    Ok((
        sample,
        Caller {
            dir: caller_dir,
            id: you,
        },
        program,
    ))
}

fn settings(
    args: &UpArgs,
    state: &Path,
    td: &TrustDomain,
    program: &Path,
    sample: std::net::SocketAddr,
    sample_id: &SpiffeId,
) -> Settings {
    let micro = MicroConfig {
        name: MICRO.into(),
        profile: "zx-if1".into(),
        device: None,
        tcp: None,
        tcp_listen: None,
        ip232: false,
        emulate: Some(program.to_path_buf()),
        port: Some("if1".into()),
        identity_dir: None,
        line: Default::default(),
    };
    let services = [(
        "hello".to_string(),
        ServiceConfig::Entry {
            url: format!("https://{sample}"),
            spiffe_id: Some(sample_id.to_string()),
        },
    )]
    .into_iter()
    .collect();
    // Callers from the `default` namespace only: shows a policy, and the curl commands match it.
    let policy = Rule {
        name: "default-namespace-only".into(),
        micro: MICRO.into(),
        action: Action::Allow,
        principals: vec![],
        namespaces: vec!["default".into()],
        methods: vec![],
        paths: vec![],
    };
    Settings {
        listen: args.listen.clone(),
        mtls_listen: Some(args.mtls_listen.clone()),
        mtls_mode: retromesh_gateway::MtlsMode::Strict,
        tls_policy: retromesh_gateway::TlsPolicy::default(),
        trust_domain: td.as_str().into(),
        state_dir: state.to_path_buf(),
        metrics_listen: Some(args.metrics_listen.clone()),
        ready_listen: Some(args.ready_listen.clone()),
        admin_listen: Some(args.admin_listen.clone()),
        workload_api: None,
        deadline: Duration::from_secs(30),
        drain: Duration::from_secs(5),
        queue_depth: None,
        services,
        micros: vec![micro],
        policies: vec![policy],
    }
}

fn banner(
    r: &Running,
    caller: &Caller,
    td: &TrustDomain,
    sample: std::net::SocketAddr,
    sample_id: &SpiffeId,
) {
    let host = micro_host(MICRO);
    let mtls = r.mtls_addr.map(|a| a.to_string()).unwrap_or_default();
    let port = r.mtls_addr.map(|a| a.port()).unwrap_or(8443);
    let ip = r.mtls_addr.map(|a| a.ip().to_string()).unwrap_or_default();
    let d = caller.dir.display();
    let curl = format!(
        "curl --resolve {host}:{port}:{ip} --cacert {d}/root-cert.pem --cert {d}/cert-chain.pem --key {d}/key.pem"
    );
    let base = format!("https://{host}:{port}/v1/micros/{MICRO}");
    println!(
        "\n\
The Spectrum is a mesh workload:\n\
  micro       {MICRO} (emulated 48K Spectrum, Interface 1 RS-232 at 9600 baud)\n\
  SPIFFE ID   spiffe://{td}/ns/{MICRO_NAMESPACE}/sa/{MICRO}\n\
  mTLS API    {mtls} (SNI {host}, STRICT)\n\
  plain API   http://{api}   (loopback)\n\
  metrics     http://{metrics}/stats/prometheus\n\
  readiness   http://{ready}/healthz/ready\n\
  admin       http://{admin}/   (`retromesh describe {MICRO}`)\n\
  sample      https://{sample} as {sample_id}\n\
  you         {you} (certificate in {d})\n\
\n\
Paste these:\n\
  {curl} {base}/printout -o printout.png\n\
  {curl} {base}/printout.txt\n\
  {curl} -d 'HELLO SPECTRUM' {base}/print\n\
  {curl} {base}/screen.png -o screen.png\n\
  {curl} https://{host}:{port}/v1/micros\n",
        api = r.api_addr,
        metrics = opt(r.metrics_addr),
        ready = opt(r.ready_addr),
        admin = opt(r.admin_addr),
        you = caller.id,
    );
}

fn opt(a: Option<std::net::SocketAddr>) -> String {
    a.map(|a| a.to_string()).unwrap_or_else(|| "-".into())
}

/// Follows the demo to its end: the Spectrum calls the sample service, prints the answer, and
/// the printout is served over mTLS.
async fn demo(
    r: &Running,
    caller: &Caller,
    calls: &mut mpsc::UnboundedReceiver<sample::SampleCall>,
) -> Result<(), String> {
    let started = Instant::now();
    let deadline = started + DEMO_DEADLINE;
    let micro = r
        .served
        .iter()
        .find(|s| s.micro.name() == MICRO)
        .map(|s| s.micro.clone())
        .ok_or("the demo micro is missing")?;
    println!("▸ the Spectrum boots, opens #4 to the bridge and sends GET hello/greeting…");
    let call = tokio::time::timeout_at(deadline.into(), calls.recv())
        .await
        .map_err(|_| {
            format!(
                "the Spectrum did not call the sample service within {}s; link state: {:?}",
                DEMO_DEADLINE.as_secs(),
                micro.state()
            )
        })?
        .ok_or("the sample service stopped")?;
    println!(
        "▸ {:>5.1}s the Spectrum called hello{} over mTLS as {}",
        started.elapsed().as_secs_f64(),
        call.path,
        call.caller
    );
    let mtls = r.mtls_addr.ok_or("no mTLS listener")?;
    let client = client::MtlsClient::new(&caller.dir, mtls, &micro_host(MICRO))?;
    let text = loop {
        let (status, body) = client
            .get(&format!("/v1/micros/{MICRO}/printout.txt"))
            .await?;
        let text = String::from_utf8_lossy(&body).into_owned();
        // Done once the last line, the sample's own ID, is on paper (however it wrapped).
        if status == 200 && text.contains(GREETING) && text.replace('\n', "").ends_with("/sa/hello")
        {
            break text;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the printout did not show {GREETING:?} within {}s; last answer {status}: {text}",
                DEMO_DEADLINE.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    println!(
        "▸ {:>5.1}s the Spectrum printed the answer on its ZX Printer:",
        started.elapsed().as_secs_f64()
    );
    for line in text.lines() {
        println!("      │ {line}");
    }
    let (status, png) = client.get(&format!("/v1/micros/{MICRO}/printout")).await?;
    if status != 200 || !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(format!(
            "GET /v1/micros/{MICRO}/printout answered {status} without a PNG"
        ));
    }
    println!(
        "▸ {:>5.1}s GET /v1/micros/{MICRO}/printout over mTLS: 200, a {}-byte PNG",
        started.elapsed().as_secs_f64(),
        png.len()
    );
    Ok(())
}
