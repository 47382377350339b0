//! `retromesh analyze CONFIG`: checks a bridge's configuration without starting anything, in
//! the manner of `istioctl analyze`. Each finding has a code, a subject, what is wrong and the
//! fix.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};

use clap::{Args as _, FromArgMatches as _};
use retromesh_identity::{
    load_dir, root_validity, DevCa, IdentityError, Problem, SpiffeId, TrustDomain,
};
use retromesh_link::profile::MachineProfile;

use crate::cli::{AnalyzeArgs, BridgeArgs};
use crate::commands::mesh::MICRO_NAMESPACE;
use crate::config::{Config, MicroConfig};
use crate::exit::Exit;
use crate::settings::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub code: &'static str,
    pub subject: String,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Info => "Info",
            Level::Warning => "Warning",
            Level::Error => "Error",
        };
        write!(
            f,
            "{level} [{}] ({}) {}\n    fix: {}",
            self.code, self.subject, self.problem, self.fix
        )
    }
}

/// Certificates with less than this share of their lifetime left are reported: rotation
/// should have replaced them at half-life.
const SOON_FRACTION: f64 = 0.25;
/// Trust roots are reported this long before they expire.
const ROOT_WARNING: Duration = Duration::from_secs(30 * 24 * 3600);

pub fn execute(args: AnalyzeArgs) -> Exit {
    let config = match Config::load(Some(&args.file)) {
        Ok(c) => c,
        Err(e) => {
            println!(
                "Error [RM001] (config) {e}\n    fix: correct the file; see docs/gateway.md for every key"
            );
            return Exit::Usage;
        }
    };
    // The bridge's flags are not given here, but its environment variables apply as they would.
    let bridge_args = clap::Command::new("retromesh-analyze");
    let bridge_args = BridgeArgs::augment_args(bridge_args)
        .try_get_matches_from(["retromesh-analyze"])
        .and_then(|m| BridgeArgs::from_arg_matches(&m));
    let findings = match bridge_args {
        Ok(b) => match Settings::resolve(&b, &config) {
            Ok(settings) => analyze(&settings, SystemTime::now()),
            Err(e) => vec![finding(
                Level::Error,
                "RM002",
                "config",
                e,
                "correct the setting named",
            )],
        },
        Err(e) => vec![finding(
            Level::Error,
            "RM002",
            "environment",
            e.to_string(),
            "unset or correct the RETROMESH_* variable named",
        )],
    };
    let (errors, warnings) = (
        findings.iter().filter(|f| f.level == Level::Error).count(),
        findings
            .iter()
            .filter(|f| f.level == Level::Warning)
            .count(),
    );
    for f in &findings {
        println!("{f}");
    }
    if findings.is_empty() {
        println!(
            "✔ No problems found in {} (nothing was started).",
            args.file.display()
        );
    } else {
        println!(
            "{errors} error(s), {warnings} warning(s), {} note(s) in {}.",
            findings.len() - errors - warnings,
            args.file.display()
        );
    }
    if errors > 0 || (args.warnings_as_errors && warnings > 0) {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

fn finding(
    level: Level,
    code: &'static str,
    subject: impl Into<String>,
    problem: impl Into<String>,
    fix: impl Into<String>,
) -> Finding {
    Finding {
        level,
        code,
        subject: subject.into(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// Every check, in a stable order.
pub fn analyze(s: &Settings, now: SystemTime) -> Vec<Finding> {
    let mut out = Vec::new();
    let td = match TrustDomain::new(&s.trust_domain) {
        Ok(td) => Some(td),
        Err(e) => {
            out.push(finding(
                Level::Error,
                "RM003",
                "bridge.trust_domain",
                e.to_string(),
                "use a name like cluster.local: lowercase letters, digits, '.', '-', '_'",
            ));
            None
        }
    };
    micros(s, &mut out);
    if let Some(td) = &td {
        identities(s, td, now, &mut out);
        services(s, td, &mut out);
    }
    policies(s, td.as_ref(), &mut out);
    listeners(s, &mut out);
    out
}

fn micros(s: &Settings, out: &mut Vec<Finding>) {
    if s.micros.is_empty() {
        out.push(finding(
            Level::Error,
            "RM100",
            "micros",
            "no micros are configured, so the bridge would have nothing to serve",
            "add a [[micros]] entry with name, profile and one of device, tcp, tcp_listen or emulate",
        ));
    }
    let mut seen = BTreeMap::new();
    for (i, m) in s.micros.iter().enumerate() {
        let subject = format!("micros[{i}] {:?}", m.name);
        if let Some(first) = seen.insert(m.name.clone(), i) {
            out.push(finding(
                Level::Error,
                "RM101",
                &subject,
                format!("the name is also used by micros[{first}]"),
                "give each micro its own name: it is its SPIFFE ID and URL path",
            ));
        }
        if let Err(why) = retromesh_gateway::api::check_name(&m.name) {
            out.push(finding(
                Level::Error,
                "RM102",
                &subject,
                why,
                "rename it, e.g. speccy or c64-kitchen",
            ));
        }
        match MachineProfile::by_name(&m.profile) {
            Ok(p) => {
                if let Err(e) = m.line.apply(p) {
                    out.push(finding(
                        Level::Error,
                        "RM103",
                        &subject,
                        format!("line settings: {e}"),
                        "correct the value in line = { ... }",
                    ));
                }
            }
            Err(e) => out.push(finding(
                Level::Error,
                "RM103",
                &subject,
                e.to_string(),
                "use zx-if1, zx-128, zx-next, c64-userport or c64-swiftlink",
            )),
        }
        line(m, &subject, out);
    }
}

fn line(m: &MicroConfig, subject: &str, out: &mut Vec<Finding>) {
    let kinds = [
        m.device.is_some(),
        m.tcp.is_some(),
        m.tcp_listen.is_some(),
        m.emulate.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        out.push(finding(
            Level::Error,
            "RM110",
            subject,
            "a micro needs exactly one line: device, tcp, tcp_listen or emulate",
            "keep the one the micro is on and remove the others",
        ));
    }
    if let Some(dev) = &m.device {
        device(dev, subject, out);
    }
    if let Some(addr) = &m.tcp {
        if !addr
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
        {
            out.push(finding(
                Level::Error,
                "RM112",
                subject,
                format!("tcp = {addr:?} is not HOST:PORT"),
                "write it as host:port, e.g. 127.0.0.1:25232",
            ));
        }
    }
    if let Some(program) = &m.emulate {
        if !program.is_file() {
            out.push(finding(
                Level::Error,
                "RM113",
                subject,
                format!("emulate = {:?}: no such program", program.display().to_string()),
                "give the path of a .bas, .tap, .sna or .z80 file, relative to where the bridge runs",
            ));
        }
        if let Some(port) = &m.port {
            if !["if1", "ay128", "next"].contains(&port.as_str()) {
                out.push(finding(
                    Level::Error,
                    "RM114",
                    subject,
                    format!("port = {port:?} is not an emulated serial port"),
                    "use if1, ay128 or next",
                ));
            }
        }
    }
}

fn device(dev: &Path, subject: &str, out: &mut Vec<Finding>) {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::metadata(dev) {
        Err(_) => out.push(finding(
            Level::Error,
            "RM111",
            subject,
            format!("serial device {} does not exist", dev.display()),
            "plug in the adapter (see `ls /dev/serial/by-id/`) or correct device = ...; the bridge would keep retrying",
        )),
        Ok(meta) if !meta.file_type().is_char_device() => out.push(finding(
            Level::Error,
            "RM111",
            subject,
            format!("{} is not a serial device (not a character device)", dev.display()),
            "point device at the tty, e.g. /dev/ttyUSB0 or a PTY from socat",
        )),
        Ok(_) => {
            if std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(dev)
                .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
            {
                out.push(finding(
                    Level::Error,
                    "RM111",
                    subject,
                    format!("no permission to open {}", dev.display()),
                    "add the bridge's user to the device's group (usually dialout) and log in again",
                ));
            }
        }
    }
}

fn identities(s: &Settings, td: &TrustDomain, now: SystemTime, out: &mut Vec<Finding>) {
    let strict = s.mtls_mode == retromesh_gateway::MtlsMode::Strict;
    let mut any_roots = false;
    let mut dev_ca_used = false;
    for (i, m) in s.micros.iter().enumerate() {
        let subject = format!("micros[{i}] {:?} identity", m.name);
        let Some(dir) = &m.identity_dir else {
            dev_ca_used |= s.workload_api.is_none();
            continue;
        };
        match load_dir(dir, None) {
            Ok(identity) => {
                any_roots |= !identity.roots.is_empty();
                if identity.id.trust_domain() != td {
                    out.push(finding(
                        Level::Error,
                        "RM202",
                        &subject,
                        format!(
                            "the certificate's SPIFFE ID {} is outside the trust domain {td}",
                            identity.id
                        ),
                        format!(
                            "issue it in {td}, or set trust_domain = {:?}",
                            identity.id.trust_domain().as_str()
                        ),
                    ));
                } else if let Ok(expected) = SpiffeId::workload(td, MICRO_NAMESPACE, &m.name) {
                    if identity.id != expected {
                        out.push(finding(
                            Level::Error,
                            "RM203",
                            &subject,
                            format!("the certificate is for {}, not {expected}", identity.id),
                            format!("install the certificate issued for {expected}"),
                        ));
                    }
                }
                expiring(&subject, &identity, now, out);
            }
            Err(e) => identity_error(&subject, dir, &e, strict, out),
        }
    }
    if let Some(socket) = &s.workload_api {
        let path = socket.strip_prefix("unix://").unwrap_or(socket);
        use std::os::unix::fs::FileTypeExt;
        let is_socket = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket());
        if !is_socket {
            out.push(finding(
                Level::Error,
                "RM210",
                "bridge.workload_api",
                format!("no Workload API socket at {path}"),
                "start the SPIRE agent, or point workload_api (SPIFFE_ENDPOINT_SOCKET) at its socket",
            ));
        }
        any_roots = true;
    }
    if dev_ca_used {
        any_roots = true;
        dev_ca(s, td, now, out);
    }
    if s.mtls_listen.is_some() && strict && !any_roots {
        out.push(finding(
            Level::Error,
            "RM220",
            "bridge.mtls_listen",
            "the STRICT mTLS listener has no trust bundle: no identity has a root to check client certificates against",
            "add root-cert.pem (or ca.crt) to the identity directories, or leave identity_dir unset to use the development CA",
        ));
    }
}

fn dev_ca(s: &Settings, td: &TrustDomain, now: SystemTime, out: &mut Vec<Finding>) {
    let dir = s.state_dir.join("ca");
    if !dir.join("ca.pem").exists() && !dir.join("ca-key.pem").exists() {
        out.push(finding(
            Level::Info,
            "RM230",
            "development CA",
            format!(
                "no CA in {} yet; the bridge will create one on first run",
                dir.display()
            ),
            "nothing to do; run `retromesh certs ca` to create it now",
        ));
        return;
    }
    match DevCa::load_or_create(&s.state_dir, td) {
        Ok(ca) => {
            if let Ok((name, not_after)) = root_validity(ca.root()) {
                root_expiry("development CA", &name, not_after, now, out);
            }
        }
        Err(e) => out.push(finding(
            Level::Error,
            "RM231",
            "development CA",
            e.to_string(),
            "see the message: restore the files or delete the directory to make a new CA",
        )),
    }
}

fn root_expiry(
    subject: &str,
    name: &str,
    not_after: SystemTime,
    now: SystemTime,
    out: &mut Vec<Finding>,
) {
    match not_after.duration_since(now) {
        Err(_) => out.push(finding(
            Level::Error,
            "RM205",
            subject,
            format!("the trust root {name} has expired"),
            "replace the root and re-issue every certificate under it",
        )),
        Ok(left) if left < ROOT_WARNING => out.push(finding(
            Level::Warning,
            "RM206",
            subject,
            format!(
                "the trust root {name} expires in {}",
                humantime::format_duration(round(left))
            ),
            "plan a root rotation: add the new root to the bundle before re-issuing",
        )),
        Ok(_) => {}
    }
}

fn round(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs() / 60 * 60)
}

fn expiring(
    subject: &str,
    identity: &retromesh_identity::Identity,
    now: SystemTime,
    out: &mut Vec<Finding>,
) {
    let left = identity.expires_in(now);
    let lifetime = identity.lifetime().as_secs_f64().max(1.0);
    if left.as_secs_f64() / lifetime < SOON_FRACTION {
        out.push(finding(
            Level::Warning,
            "RM204",
            subject,
            format!(
                "the certificate for {} expires in {} ({:.0}% of its lifetime left)",
                identity.id,
                humantime::format_duration(round(left)),
                100.0 * left.as_secs_f64() / lifetime
            ),
            "check that whatever writes these files (istio-agent, cert-manager) is renewing them",
        ));
    }
    for root in &identity.roots {
        if let Ok((name, not_after)) = root_validity(root) {
            root_expiry(subject, &name, not_after, now, out);
        }
    }
}

fn identity_error(
    subject: &str,
    dir: &Path,
    e: &IdentityError,
    strict: bool,
    out: &mut Vec<Finding>,
) {
    let (code, level) = match e.problem() {
        Some(Problem::KeyMismatch) => ("RM201", Level::Error),
        Some(Problem::Expired { .. }) => ("RM205", Level::Error),
        Some(Problem::IdMismatch { .. }) => ("RM203", Level::Error),
        Some(Problem::NoRoots) if strict => ("RM220", Level::Error),
        _ => ("RM200", Level::Error),
    };
    let problem = match e.problem() {
        Some(Problem::KeyMismatch) => {
            format!("certificate and key do not match in {}: {e}", dir.display())
        }
        Some(Problem::NoRoots) => format!("no trust bundle in {}: {e}", dir.display()),
        _ => e.to_string(),
    };
    out.push(finding(
        level,
        code,
        subject,
        problem,
        "see the message; check the files with `openssl x509 -noout -text -in FILE`",
    ));
}

fn services(s: &Settings, td: &TrustDomain, out: &mut Vec<Finding>) {
    for (name, svc) in &s.services {
        let subject = format!("services.{name}");
        let url = svc.url();
        let https = url.starts_with("https://");
        if !https && !url.starts_with("http://") {
            out.push(finding(
                Level::Error,
                "RM300",
                &subject,
                format!("url {url:?} is not an http:// or https:// URL"),
                "write it as https://host:port/prefix",
            ));
            continue;
        }
        match (https, svc.spiffe_id()) {
            (true, None) => out.push(finding(
                Level::Error,
                "RM301",
                &subject,
                "an https service needs the SPIFFE ID its certificate must carry",
                format!("add spiffe_id = \"spiffe://{td}/ns/NS/sa/SA\" to [services.{name}]"),
            )),
            (false, _) => out.push(finding(
                Level::Info,
                "RM302",
                &subject,
                "plain http: calls are neither encrypted nor authenticated",
                "use https with a spiffe_id to call it over mutual TLS",
            )),
            (true, Some(id)) => match SpiffeId::parse(id) {
                Err(e) => out.push(finding(
                    Level::Error,
                    "RM303",
                    &subject,
                    format!("spiffe_id: {e}"),
                    "write it as spiffe://TRUST-DOMAIN/ns/NS/sa/SA",
                )),
                Ok(id) if id.trust_domain() != td => out.push(finding(
                    Level::Warning,
                    "RM304",
                    &subject,
                    format!("spiffe_id {id} is outside the trust domain {td}"),
                    "unless that trust domain is federated with this one, use an ID in this one",
                )),
                Ok(_) => {}
            },
        }
    }
}

fn policies(s: &Settings, td: Option<&TrustDomain>, out: &mut Vec<Finding>) {
    if let Err(e) = retromesh_gateway::authz::Policies::new(s.policies.clone()) {
        out.push(finding(
            Level::Error,
            "RM400",
            "policies",
            e.to_string(),
            "correct the rule named",
        ));
    }
    for rule in &s.policies {
        let subject = format!("policies {:?}", rule.name);
        if rule.micro != "*" && !s.micros.iter().any(|m| m.name == rule.micro) {
            let known: Vec<&str> = s.micros.iter().map(|m| m.name.as_str()).collect();
            out.push(finding(
                Level::Error,
                "RM401",
                &subject,
                format!(
                    "the rule names micro {:?}, which is not configured (micros: {})",
                    rule.micro,
                    known.join(", ")
                ),
                "name a configured micro, or \"*\" for all of them",
            ));
        }
        if let Some(td) = td {
            for p in &rule.principals {
                let bare = p.trim_start_matches('*');
                if p != "*" && !p.starts_with('*') && !bare.starts_with(&format!("{td}/")) {
                    out.push(finding(
                        Level::Warning,
                        "RM402",
                        &subject,
                        format!("principal {p:?} is outside the trust domain {td}, so no caller can match it"),
                        format!("write principals as {td}/ns/NS/sa/SA"),
                    ));
                }
            }
        }
    }
}

fn listeners(s: &Settings, out: &mut Vec<Finding>) {
    let mut bound: Vec<(String, SocketAddr)> = Vec::new();
    for (what, addr) in s.listeners() {
        let parsed: SocketAddr = match addr.parse() {
            Ok(a) => a,
            Err(_) => {
                out.push(finding(
                    Level::Error,
                    "RM500",
                    &what,
                    format!("{addr:?} is not IP:PORT"),
                    "write it as e.g. 127.0.0.1:8443 or 0.0.0.0:8443",
                ));
                continue;
            }
        };
        if let Some((other, _)) = bound.iter().find(|(_, b)| clash(*b, parsed)) {
            out.push(finding(
                Level::Error,
                "RM501",
                &what,
                format!("{addr} clashes with {other} on port {}", parsed.port()),
                "give each listener its own port",
            ));
        } else if parsed.port() != 0 && std::net::TcpListener::bind(parsed).is_err() {
            out.push(finding(
                Level::Warning,
                "RM502",
                &what,
                format!("{addr} is in use by another process (or not an address of this machine)"),
                "stop whatever holds it (`ss -ltnp`), or pick another port",
            ));
        }
        if what == "admin_listen" && !parsed.ip().is_loopback() {
            out.push(finding(
                Level::Error,
                "RM503",
                &what,
                format!("the admin page must stay on this machine, but {addr} is not a loopback address"),
                "use 127.0.0.1:15000",
            ));
        }
        bound.push((what, parsed));
    }
}

fn clash(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port()
        && a.port() != 0
        && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}
