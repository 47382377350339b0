//! The admin page (loopback only, 15000 as Envoy's): what the bridge is doing, per micro. `/` is
//! a page for people; `/micros` and `/micros/NAME` are the JSON that `retromesh describe` reads.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hyper::StatusCode;
use retromesh_gateway::authz::{Policies, Rule};
use retromesh_gateway::Api;
use retromesh_identity::{root_validity, Identity};
use retromesh_link::{LinkState, Micro};
use retromesh_telemetry::server::{serve, text};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// One micro as the bridge serves it.
#[derive(Clone)]
pub struct Served {
    pub micro: Micro,
    pub spiffe_id: String,
    pub host: String,
    /// Where the identity comes from, for people: `development CA`, a directory, a socket.
    pub identity_source: String,
    /// Absent when the bridge has no mTLS listener.
    pub identity: Option<watch::Receiver<Arc<Identity>>>,
}

/// `/micros/NAME`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MicroReport {
    pub name: String,
    pub spiffe_id: String,
    pub host: String,
    pub link: String,
    pub why_down: Option<String>,
    pub mode: Option<String>,
    pub machine: Option<String>,
    pub client_version: Option<String>,
    pub identity: Option<IdentityReport>,
    pub recent_errors: serde_json::Value,
    pub policies: Vec<Rule>,
    pub stats: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IdentityReport {
    pub source: String,
    pub spiffe_id: String,
    pub not_after: String,
    pub expires_in_secs: u64,
    pub roots: Vec<RootReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RootReport {
    pub subject: String,
    pub not_after: String,
}

pub struct Admin {
    pub served: Vec<Served>,
    pub policies: Policies,
    pub api: Api,
}

fn utc(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

impl Admin {
    pub fn report(&self, name: &str) -> Option<MicroReport> {
        let s = self.served.iter().find(|s| s.micro.name() == name)?;
        let (link, why_down, mode, hello) = match s.micro.state() {
            LinkState::Connecting => ("connecting", None, None, None),
            LinkState::Down { why } => ("down", Some(why), None, None),
            LinkState::Up { mode, hello } => {
                ("up", None, Some(format!("{mode:?}").to_lowercase()), hello)
            }
        };
        let now = SystemTime::now();
        let identity = s.identity.as_ref().map(|rx| {
            let i = rx.borrow().clone();
            IdentityReport {
                source: s.identity_source.clone(),
                spiffe_id: i.id.to_string(),
                not_after: utc(i.not_after),
                expires_in_secs: i.expires_in(now).as_secs(),
                roots: i
                    .roots
                    .iter()
                    .filter_map(|r| root_validity(r).ok())
                    .map(|(subject, not_after)| RootReport {
                        subject,
                        not_after: utc(not_after),
                    })
                    .collect(),
            }
        });
        Some(MicroReport {
            name: name.to_string(),
            spiffe_id: s.spiffe_id.clone(),
            host: s.host.clone(),
            link: link.into(),
            why_down,
            mode,
            machine: hello.map(|h| format!("{:?}", h.machine)),
            client_version: hello.map(|h| h.version.to_string()),
            identity,
            recent_errors: serde_json::to_value(self.api.recent_errors(name)).unwrap_or_default(),
            policies: self.policies.rules_for(name).into_iter().cloned().collect(),
            stats: serde_json::to_value(s.micro.stats()).unwrap_or_default(),
        })
    }

    fn page(&self) -> String {
        let mut rows = String::new();
        for s in &self.served {
            let state = match s.micro.state() {
                LinkState::Up { .. } => "up".to_string(),
                LinkState::Connecting => "connecting".to_string(),
                LinkState::Down { why } => format!("down: {}", html(&why)),
            };
            let expiry = s
                .identity
                .as_ref()
                .map(|rx| {
                    let left = rx.borrow().expires_in(SystemTime::now());
                    humantime::format_duration(Duration::from_secs(left.as_secs() / 60 * 60))
                        .to_string()
                })
                .unwrap_or_else(|| "no mTLS".into());
            let name = html(s.micro.name());
            rows.push_str(&format!(
                "<tr><td><a href=\"/micros/{name}\">{name}</a></td><td>{}</td><td>{state}</td><td>{expiry}</td><td>{}</td></tr>\n",
                html(&s.spiffe_id),
                self.api.recent_errors(s.micro.name()).len(),
            ));
        }
        format!(
            "<!doctype html><title>retromesh admin</title>\n<h1>retromesh bridge</h1>\n\
             <table border=1 cellpadding=4><tr><th>micro</th><th>SPIFFE ID</th><th>link</th>\
             <th>certificate expires in</th><th>recent errors</th></tr>\n{rows}</table>\n\
             <p>JSON: <a href=\"/micros\">/micros</a>, /micros/NAME. \
             From a shell: <code>retromesh describe NAME</code>.</p>\n"
        )
    }
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Binds the admin page; refuses anything but a loopback address.
pub async fn start(addr: &str, admin: Arc<Admin>) -> Result<SocketAddr, String> {
    let parsed: SocketAddr = addr
        .parse()
        .map_err(|_| format!("--admin-listen {addr}: write it as 127.0.0.1:PORT"))?;
    if !parsed.ip().is_loopback() {
        return Err(format!(
            "--admin-listen {addr}: the admin page shows identities and errors, so it listens on loopback only; use 127.0.0.1:{}",
            parsed.port()
        ));
    }
    let listener = tokio::net::TcpListener::bind(parsed).await.map_err(|e| {
        format!("cannot listen on {addr} for the admin page: {e}: pick another with --admin-listen")
    })?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(serve(listener, move |req| {
        let path = req.uri().path();
        if path == "/" {
            return text(StatusCode::OK, "text/html; charset=utf-8", admin.page());
        }
        if path == "/micros" {
            let all: Vec<MicroReport> = admin
                .served
                .iter()
                .filter_map(|s| admin.report(s.micro.name()))
                .collect();
            return json(StatusCode::OK, &all);
        }
        match path.strip_prefix("/micros/") {
            Some(name) => match admin.report(name) {
                Some(r) => json(StatusCode::OK, &r),
                None => {
                    let known: Vec<&str> = admin.served.iter().map(|s| s.micro.name()).collect();
                    text(
                        StatusCode::NOT_FOUND,
                        "text/plain",
                        format!(
                            "no micro {name:?} here; this bridge serves: {}\n",
                            known.join(", ")
                        ),
                    )
                }
            },
            None => text(
                StatusCode::NOT_FOUND,
                "text/plain",
                "try /, /micros or /micros/NAME\n".into(),
            ),
        }
    }));
    Ok(bound)
}

fn json<T: Serialize>(
    status: StatusCode,
    value: &T,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    match serde_json::to_string_pretty(value) {
        Ok(body) => text(status, "application/json", body + "\n"),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            format!("{e}\n"),
        ),
    }
}
