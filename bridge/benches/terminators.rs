//! mTLS terminators side by side: the retromesh bridge against stunnel, nginx and haproxy,
//! and a plaintext baseline. See docs/benchmarks.md, "mTLS terminators side by side".
//!
//!     scripts/bench-deps.sh
//!     cargo bench -p retromesh --bench terminators [-- --quick] [-- --only retromesh,nginx]
//!
//! Topology: load generator (open loop, fixed rate) → its in-process rustls client (the
//! client-side mTLS hop, the same for all) → the terminator → an echo backend. For the peers
//! the backend is a hyper HTTP/1.1 echo server in a child process; for retromesh it is a micro
//! on the bridge's TCP line, played by another child process, so that path includes the link.
//! Each latency repetition interleaves the baseline and the terminators request by request
//! (see `run_all`).

#[path = "terminators/load.rs"]
mod load;
#[path = "terminators/micro.rs"]
mod micro;
#[path = "terminators/paired.rs"]
mod paired;
#[path = "terminators/procs.rs"]
mod procs;
#[path = "terminators/targets.rs"]
mod targets;

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use load::Endpoint;
use procs::Proc;
use targets::Kind;

struct Settings {
    quick: bool,
    /// Requests a second in the latency runs, in all: the baseline and the terminators share
    /// them in turn.
    rate: f64,
    /// Each stream gets `rate * secs` requests per repetition.
    secs: f64,
    reps: usize,
    /// Keep-alive connections in the latency runs' pool.
    pool: usize,
    hs_secs: f64,
    hs_reps: usize,
    hs_conc: usize,
    /// Idle mTLS connections held for the RSS figure.
    idle_conns: usize,
    body_len: usize,
    only: Option<Vec<String>>,
    /// RLIMIT_NOFILE after raising it; the targets size their connection limits from it.
    nofile: u64,
}

impl Settings {
    fn from_args() -> Settings {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let quick = args.iter().any(|a| a == "--quick");
        let mut s = if quick {
            Settings {
                quick,
                rate: 200.0,
                secs: 2.0,
                reps: 3,
                pool: 4,
                hs_secs: 2.0,
                hs_reps: 1,
                hs_conc: 8,
                idle_conns: 1000,
                body_len: 32,
                only: None,
                nofile: 0,
            }
        } else {
            Settings {
                quick,
                rate: 200.0,
                secs: 10.0,
                reps: 5,
                pool: 4,
                hs_secs: 5.0,
                hs_reps: 3,
                hs_conc: 8,
                idle_conns: 10_000,
                body_len: 32,
                only: None,
                nofile: 0,
            }
        };
        let value = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .cloned()
        };
        if let Some(v) = value("--rate").and_then(|v| v.parse().ok()) {
            s.rate = v;
        }
        if let Some(v) = value("--secs").and_then(|v| v.parse().ok()) {
            s.secs = v;
        }
        if let Some(v) = value("--reps").and_then(|v| v.parse().ok()) {
            s.reps = v;
        }
        if let Some(v) = value("--conns").and_then(|v| v.parse().ok()) {
            s.idle_conns = v;
        }
        if let Some(v) = value("--only") {
            s.only = Some(v.split(',').map(str::to_string).collect());
        }
        s
    }
}

#[derive(Default)]
struct Row {
    name: String,
    skipped: Option<String>,
    /// The terminator's own medians, µs.
    abs: [f64; 3],
    /// Each repetition's (terminator − baseline) at p50, p99, p99.9, µs.
    reps_added: [Vec<f64>; 3],
    cpu_per_1k: f64,
    rss_idle_kib: u64,
    rss_held_kib: u64,
    held_alive: u64,
    held_opened: u64,
    held_failed: u64,
    held_note: Option<String>,
    open_secs: f64,
    hs_per_sec: f64,
    hs_errors: u64,
    errors: u64,
    notes: Vec<String>,
}

impl Row {
    /// Median over repetitions of the added latency at p50, p99, p99.9 (`i` = 0, 1, 2), µs.
    fn added(&self, i: usize) -> f64 {
        median(self.reps_added[i].clone())
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--self-test") {
        match paired::self_test() {
            Ok(()) => println!("terminators self-test: the paired comparison checks out"),
            Err(what) => {
                eprintln!("terminators self-test failed: {what}");
                std::process::exit(1);
            }
        }
        return;
    }
    if args.iter().any(|a| a == "--echo-server") {
        load::echo_server_main();
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--echo-micro") {
        micro::main(args.get(i + 1).map_or("", String::as_str));
        return;
    }
    let mut s = Settings::from_args();
    let started = Instant::now();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let nofile = procs::raise_nofile(65_536);
    s.nofile = nofile;
    println!(
        "mTLS terminators, {} mode: {} CPU cores, RLIMIT_NOFILE {nofile}",
        if s.quick { "quick" } else { "full" },
        cores
    );
    println!(
        "latency: {} req/s open loop, dealt in turn to the baseline and each terminator, {} requests \
         each per repetition x {} repetitions, {} keep-alive connections each, {}-byte POST bodies; \
         handshakes: {} loops x {} s x {}; idle: {} mTLS connections",
        s.rate,
        (s.rate * s.secs).round(),
        s.reps,
        s.pool,
        s.body_len,
        s.hs_conc,
        s.hs_secs,
        s.hs_reps,
        s.idle_conns
    );
    if (nofile as usize) < 2 * s.idle_conns + 1000 {
        println!(
            "warning: RLIMIT_NOFILE {nofile} is too low for {} held connections through a \
             terminator that opens a backend connection each (stunnel); raise the hard limit \
             (ulimit -Hn, /etc/security/limits.conf) or run as root",
            s.idle_conns
        );
    }
    let tmp = tempfile::tempdir().expect("a temp dir");
    if let Err(e) = targets::make_certs(tmp.path()) {
        eprintln!("certificates: {e}");
        std::process::exit(1);
    }
    let echo = start_echo(tmp.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let rows = runtime.block_on(run_all(&s, tmp.path(), echo.1));
    drop(echo);
    print_table(&s, &rows);
    println!("\ntotal time {:.0} s", started.elapsed().as_secs_f64());
}

/// The echo backend, in a child process (this binary with `--echo-server`).
fn start_echo(dir: &Path) -> (Proc, u16) {
    let (proc, line) = start_child("echo backend", &["--echo-server"], dir.join("echo.log"))
        .expect("start the echo backend");
    let port: u16 = line.trim().parse().expect("a port number");
    (proc, port)
}

/// Starts this binary with `args` and returns it with the first line it prints.
fn start_child(name: &str, args: &[&str], log: PathBuf) -> Result<(Proc, String), String> {
    let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    let err = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()
        .map_err(|e| format!("start the {name}: {e}"))?;
    let out = child.stdout.take().expect("piped");
    let proc = Proc::from_child(name, child, log);
    let mut line = String::new();
    std::io::BufReader::new(out)
        .read_line(&mut line)
        .map_err(|e| format!("the {name}'s first line: {e}"))?;
    Ok((proc, line))
}

/// The latency percentiles reported, in the order of `Row::added` and `Row::abs`.
const PERCENTILES: [f64; 3] = [50.0, 99.0, 99.9];

/// A started terminator and what is gathered about it.
struct Target {
    kind: Kind,
    run: targets::Running,
    /// retromesh only: the micro on its line.
    _micro: Option<Proc>,
    ep: Endpoint,
    pool: Vec<load::Sender>,
    row: Row,
    /// Per repetition: (terminator − baseline) and the terminator's own p50, p99, p99.9;
    /// CPU seconds per 1,000 requests.
    added: [Vec<f64>; 3],
    abs: [Vec<f64>; 3],
    cpu: Vec<f64>,
    failed: Option<String>,
}

async fn run_all(s: &Settings, tmp: &Path, echo_port: u16) -> Vec<Row> {
    let body = Bytes::from(vec![b'x'; s.body_len]);
    let baseline = Endpoint {
        addr: SocketAddr::from(([127, 0, 0, 1], echo_port)),
        path: "/echo",
        tls: None,
    };
    if let Err(e) = load::wait_ready(&baseline, &body, Duration::from_secs(10)).await {
        eprintln!("the echo backend does not answer: {e}");
        std::process::exit(1);
    }
    let skipped = |kind: Kind, why: String| {
        println!("{}: skipped: {why}", kind.name());
        Row {
            name: kind.name().into(),
            skipped: Some(why),
            ..Row::default()
        }
    };
    let mut rows = Vec::new();
    let mut started = Vec::new();
    for kind in Kind::ALL {
        if let Some(only) = &s.only {
            if !only.iter().any(|o| o == kind.name()) {
                continue;
            }
        }
        println!("starting {}", kind.name());
        match start_target(s, kind, tmp, echo_port, &body).await {
            Ok(t) => started.push(t),
            Err(e) => rows.push(skipped(kind, e)),
        }
    }

    // Each repetition interleaves the baseline and every terminator request by request, so a
    // slow spell on the machine falls on all of them alike, and each added latency is taken
    // against the baseline of the same moments.
    let mut base_pool = Vec::new();
    for _ in 0..s.pool {
        match load::connect(&baseline).await {
            Ok(c) => base_pool.push(c),
            Err(e) => {
                eprintln!("the echo backend: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("\n== latency, {} repetitions", s.reps);
    let mut base_abs: Vec<[f64; 3]> = Vec::new();
    let mut base = Row {
        name: "baseline (plaintext, no terminator)".into(),
        ..Row::default()
    };
    // Round 0 is a warm-up, not counted.
    for rep in 0..=s.reps {
        let live: Vec<&mut Target> = started.iter_mut().filter(|t| t.failed.is_none()).collect();
        if live.is_empty() {
            break;
        }
        let pids: Vec<Vec<u32>> = live.iter().map(|t| t.run.proc.tree()).collect();
        let c0: Vec<f64> = pids.iter().map(|p| procs::cpu_secs(p)).collect();
        let ways = live.len() + 1;
        let secs = if rep == 0 { 1.0 } else { s.secs } * ways as f64;
        let mut streams = vec![load::Stream {
            ep: &baseline,
            senders: &mut base_pool,
        }];
        for t in live {
            streams.push(load::Stream {
                ep: &t.ep,
                senders: &mut t.pool,
            });
        }
        let mut runs = load::open_loop_interleaved(&mut streams, &body, s.rate, secs).await;
        drop(streams);
        if rep == 0 {
            continue;
        }
        let b = runs.remove(0);
        base_abs.push(PERCENTILES.map(|p| b.pct(p)));
        base.errors += b.errors;
        if let Some(e) = b.first_error.clone() {
            base.notes.push(format!("request error: {e}"));
        }
        for (i, t) in started
            .iter_mut()
            .filter(|t| t.failed.is_none())
            .enumerate()
        {
            let cpu = procs::cpu_secs(&pids[i]) - c0[i];
            if let Err(e) = latency_rep(t, &runs[i], &b, cpu, rep) {
                t.failed = Some(e);
            }
        }
    }
    drop(base_pool);

    for mut t in started {
        println!("\n== {}", t.kind.name());
        let finished = match t.failed.take() {
            Some(e) => Err(e),
            None => finish(s, &mut t).await,
        };
        rows.push(match finished {
            Ok(()) => t.row,
            Err(e) => skipped(
                t.kind,
                format!("{e}\n{} log:\n{}", t.kind.name(), t.run.proc.log_tail()),
            ),
        });
        // Dropping `t` stops the terminator before the next one holds its idle connections.
    }
    rows.sort_by_key(|r| Kind::ALL.iter().position(|k| k.name() == r.name));
    for i in 0..3 {
        base.abs[i] = median(base_abs.iter().map(|a| a[i]).collect());
    }
    rows.insert(0, base);
    rows
}

/// Starts `kind` (and, for retromesh, the micro on its line), checks that it answers only
/// with a client certificate, takes its idle RSS and opens its keep-alive pool.
async fn start_target(
    s: &Settings,
    kind: Kind,
    tmp: &Path,
    echo_port: u16,
    body: &Bytes,
) -> Result<Target, String> {
    let program = kind.program()?;
    let dir = tmp.join(kind.name());
    let mut run = targets::start(kind, &program, tmp, &dir, echo_port, s.nofile)?;
    let mut micro = None;
    if let Some(line) = run.line_port {
        let addr = format!("127.0.0.1:{line}");
        let log = dir.join("micro.log");
        // Reading its first line blocks until it LISTENs: off the runtime's threads.
        let started = tokio::task::spawn_blocking(move || {
            start_child("echo micro", &["--echo-micro", &addr], log)
        })
        .await
        .map_err(|e| e.to_string())?;
        match started {
            Ok((proc, ready)) if ready.trim() == "ready" => micro = Some(proc),
            Ok((proc, why)) => {
                let (why, its_log) = (why.trim(), proc.log_tail());
                return Err(format!(
                    "the echo micro: {why}\n{its_log}\nretromesh's log:\n{}",
                    run.proc.log_tail()
                ));
            }
            Err(why) => return Err(format!("the echo micro: {why}")),
        }
    }
    let ep = Endpoint {
        addr: SocketAddr::from(([127, 0, 0, 1], run.port)),
        path: run.path,
        tls: Some(load::client_config(tmp, true)?),
    };
    let checked = async {
        load::wait_ready(&ep, body, Duration::from_secs(20))
            .await
            .map_err(|e| format!("not ready: {e}"))?;
        run.proc.check_alive()?;
        // The same request without a client certificate must fail, or this is not mTLS.
        let anon = Endpoint {
            tls: Some(load::client_config(tmp, false)?),
            ..ep.clone()
        };
        let refused = tokio::time::timeout(Duration::from_secs(5), async {
            let mut c = load::connect(&anon).await?;
            load::request(&mut c, &anon, body).await
        })
        .await;
        if let Ok(Ok(())) = refused {
            return Err("a client without a certificate got an answer: check the config".into());
        }
        settle(&run.proc.tree()).await;
        let rss_idle_kib = procs::rss_kib(&run.proc.tree());
        let mut pool = Vec::new();
        for _ in 0..s.pool {
            pool.push(load::connect(&ep).await?);
        }
        Ok::<_, String>((rss_idle_kib, pool))
    }
    .await;
    let (rss_idle_kib, pool) =
        checked.map_err(|e| format!("{e}\n{} log:\n{}", kind.name(), run.proc.log_tail()))?;
    Ok(Target {
        kind,
        row: Row {
            name: kind.name().into(),
            rss_idle_kib,
            ..Row::default()
        },
        run,
        _micro: micro,
        ep,
        pool,
        added: Default::default(),
        abs: Default::default(),
        cpu: Vec::new(),
        failed: None,
    })
}

/// Records repetition `rep` of `t`: its run `r`, the baseline `b` interleaved with it, and
/// `cpu`, the CPU seconds its processes used meanwhile.
fn latency_rep(
    t: &mut Target,
    r: &load::RunResult,
    b: &load::RunResult,
    cpu: f64,
    rep: usize,
) -> Result<(), String> {
    t.run.proc.check_alive()?;
    let mut line = format!("rep {} {}: ", rep, t.kind.name());
    for (i, p) in PERCENTILES.iter().enumerate() {
        let (tv, bv) = (r.pct(*p), b.pct(*p));
        t.added[i].push(tv - bv);
        t.abs[i].push(tv);
        line += &format!("p{p} {tv:.0} µs (baseline {bv:.0})  ");
    }
    let done = r.latencies_us.len() as f64;
    if done > 0.0 {
        t.cpu.push(cpu / (done / 1000.0));
    }
    t.row.errors += r.errors;
    if let Some(e) = r.first_error.clone() {
        t.row.notes.push(format!("request error: {e}"));
    }
    println!(
        "{line}cpu {:.3} s/1k, {} answers, {} errors",
        t.cpu.last().copied().unwrap_or(f64::NAN),
        r.latencies_us.len(),
        r.errors
    );
    Ok(())
}

/// The latency medians, then full handshakes a second and the RSS with idle connections held.
async fn finish(s: &Settings, t: &mut Target) -> Result<(), String> {
    let row = &mut t.row;
    for i in 0..3 {
        row.reps_added[i] = t.added[i].clone();
        row.abs[i] = median(t.abs[i].clone());
    }
    row.cpu_per_1k = median(t.cpu.clone());
    t.pool.clear();

    let mut hs = Vec::new();
    for _ in 0..s.hs_reps {
        let (rate, errors, first) = load::handshakes(&t.ep, s.hs_conc, s.hs_secs).await;
        println!("handshakes: {rate:.0}/s, {errors} errors");
        hs.push(rate);
        row.hs_errors += errors;
        if let Some(e) = first {
            row.notes.push(format!("handshake error: {e}"));
        }
        t.run.proc.check_alive()?;
    }
    row.hs_per_sec = median(hs);
    // Let the terminator finish closing the handshake loops' connections.
    settle(&t.run.proc.tree()).await;

    let held = load::hold(&t.ep, s.idle_conns, 64).await;
    settle(&t.run.proc.tree()).await;
    row.rss_held_kib = procs::rss_kib(&t.run.proc.tree());
    row.held_alive = held.alive.load(std::sync::atomic::Ordering::Relaxed);
    row.held_opened = held.opened;
    row.held_failed = held.failed;
    row.open_secs = held.open_secs;
    row.held_note = held.first_error.clone();
    println!(
        "idle connections: {} opened in {:.1} s, {} failed, {} still open when sampled; RSS {:.1} MB idle, {:.1} MB held",
        held.opened,
        held.open_secs,
        held.failed,
        row.held_alive,
        mb(row.rss_idle_kib),
        mb(row.rss_held_kib)
    );
    drop(held);
    t.run.proc.check_alive()?;
    Ok(())
}

/// Waits (up to 10 s) until the terminator has used no CPU for half a second: it has then
/// finished the server side of every handshake.
async fn settle(pids: &[u32]) {
    let until = Instant::now() + Duration::from_secs(10);
    let mut last = procs::cpu_secs(pids);
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = procs::cpu_secs(pids);
        if now - last < 0.005 {
            return;
        }
        last = now;
    }
}

fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

fn us(v: f64) -> String {
    if v.is_nan() {
        "—".into()
    } else {
        format!("{v:+.0} µs")
    }
}

fn print_table(s: &Settings, rows: &[Row]) {
    println!(
        "\n## Results ({} mode, {} req/s interleaved, {} x {} requests each; {} idle mTLS connections)\n",
        if s.quick { "quick" } else { "full" },
        s.rate,
        s.reps,
        (s.rate * s.secs).round(),
        s.idle_conns
    );
    println!(
        "| terminator | p50 added | p99 added | p99.9 added | CPU s / 1k req | RSS idle | RSS, {} idle mTLS conns | full handshakes/s |",
        s.idle_conns
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        if let Some(why) = &r.skipped {
            println!(
                "| {} | skipped: {} | | | | | | |",
                r.name,
                why.lines().next().unwrap_or("")
            );
            continue;
        }
        if r.name.starts_with("baseline") {
            println!(
                "| {} | p50 {:.0} µs | p99 {:.0} µs | p99.9 {:.0} µs | — | — | — | — |",
                r.name, r.abs[0], r.abs[1], r.abs[2]
            );
            continue;
        }
        let held = if r.held_alive < s.idle_conns as u64 {
            format!(
                "{:.1} MB ({} of {} open)",
                mb(r.rss_held_kib),
                r.held_alive,
                s.idle_conns
            )
        } else {
            format!("{:.1} MB", mb(r.rss_held_kib))
        };
        println!(
            "| {} | {} | {} | {} | {:.3} | {:.1} MB | {} | {:.0} |",
            r.name,
            us(r.added(0)),
            us(r.added(1)),
            us(r.added(2)),
            r.cpu_per_1k,
            mb(r.rss_idle_kib),
            held,
            r.hs_per_sec
        );
    }
    for r in rows {
        if r.errors > 0 || r.hs_errors > 0 || r.held_failed > 0 {
            println!(
                "\n{}: {} request errors, {} handshake errors, {} held connections failed",
                r.name, r.errors, r.hs_errors, r.held_failed
            );
            for n in r.notes.iter().take(3) {
                println!("  {n}");
            }
            if let Some(n) = &r.held_note {
                println!("  held: {n}");
            }
        }
    }
    goals(s, rows);
}

/// retromesh against `peer` repetition by repetition; for the goal's own percentile, the
/// verdict as well.
fn compare(what: &str, rm: &[f64], peer: &Row, theirs: &[f64], goal: bool) {
    let Some(p) = paired::Paired::new(rm, theirs) else {
        println!("  {what}: no repetition measured both");
        return;
    };
    let verdict = match p.verdict() {
        paired::Verdict::Met => "MET",
        paired::Verdict::NotMet => "NOT MET",
        paired::Verdict::Unsettled => {
            "NOT SHOWN: level within the noise (more --reps narrow the interval)"
        }
    };
    println!(
        "  {what}, retromesh minus {} per repetition: median {}, {:.0}% interval {} to {}, \
         at or below in {} of {}{}",
        peer.name,
        us(p.median),
        p.confidence * 100.0,
        us(p.lo),
        us(p.hi),
        p.at_or_below,
        p.reps,
        if goal {
            format!(": {verdict}")
        } else {
            String::new()
        }
    );
}

fn goals(s: &Settings, rows: &[Row]) {
    println!("\nGoals:");
    let measured = |r: &&Row| r.skipped.is_none() && !r.name.starts_with("baseline");
    let Some(rm) = rows.iter().filter(measured).find(|r| r.name == "retromesh") else {
        println!("- retromesh was not measured");
        return;
    };
    let best = rows
        .iter()
        .filter(measured)
        .filter(|r| r.name != "retromesh")
        .min_by(|a, b| a.added(1).partial_cmp(&b.added(1)).expect("no NaN"));
    match best {
        Some(b) => {
            println!(
                "- p99 added latency no worse than the best peer: retromesh {} vs {} {} \
                 (medians over repetitions)",
                us(rm.added(1)),
                b.name,
                us(b.added(1))
            );
            for (i, what) in [(1, "p99"), (0, "p50")] {
                compare(what, &rm.reps_added[i], b, &b.reps_added[i], i == 1);
            }
        }
        None => println!("- p99 against the peers: no peer was measured"),
    }
    let idle = mb(rm.rss_idle_kib);
    println!(
        "- RSS idle ≤ 20 MB: {idle:.1} MB: {}",
        if idle <= 20.0 { "MET" } else { "NOT MET" }
    );
    let held = mb(rm.rss_held_kib);
    if s.idle_conns >= 10_000 && rm.held_alive >= 10_000 {
        println!(
            "- RSS ≤ 60 MB with 10,000 idle mTLS connections: {held:.1} MB: {}",
            if held <= 60.0 { "MET" } else { "NOT MET" }
        );
    } else {
        println!(
            "- RSS ≤ 60 MB with 10,000 idle mTLS connections: not checked ({} of {} connections \
             open when sampled; {held:.1} MB)",
            rm.held_alive, s.idle_conns
        );
    }
}
