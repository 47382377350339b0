//! `retromesh describe MICRO`: one micro of a running bridge, read from its admin page.

use std::time::Duration;

use crate::admin::MicroReport;
use crate::cli::DescribeArgs;
use crate::commands::{block_on, Runtime};
use crate::exit::Exit;
use crate::http_get::{get, GetError};

pub fn execute(args: DescribeArgs) -> Exit {
    block_on(Runtime::OneThread, describe(args))
}

async fn describe(args: DescribeArgs) -> Exit {
    let url = format!("http://{}/micros/{}", args.admin, args.micro);
    let (status, body) = match get(&url, Duration::from_secs(5)).await {
        Ok(r) => r,
        Err(GetError::BadUrl(e)) => {
            tracing::error!("--admin {}: {e}: write it as HOST:PORT", args.admin);
            return Exit::Usage;
        }
        Err(GetError::Unreachable(e)) => {
            tracing::error!(
                "no bridge answers at {}: {e}; start one with --admin-listen {} (or `retromesh up`), or pass --admin",
                args.admin,
                args.admin
            );
            return Exit::Environment;
        }
        Err(GetError::TimedOut(_)) => {
            tracing::error!("the admin page at {} did not answer within 5 s", args.admin);
            return Exit::Environment;
        }
    };
    let text = String::from_utf8_lossy(&body);
    if status == hyper::StatusCode::NOT_FOUND {
        tracing::error!("{}", text.trim_end());
        return Exit::Failed;
    }
    if !status.is_success() {
        tracing::error!("admin page answered {status}: {}", text.trim_end());
        return Exit::Environment;
    }
    if args.json {
        print!("{text}");
        return Exit::Ok;
    }
    match serde_json::from_slice::<MicroReport>(&body) {
        Ok(r) => {
            print!("{}", summary(&r));
            Exit::Ok
        }
        Err(e) => {
            tracing::error!("the admin page's answer is not a micro report ({e}); is {} a retromesh bridge of this version?", args.admin);
            Exit::Environment
        }
    }
}

fn summary(r: &MicroReport) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<16}{v}\n"));
    line("Micro:", &r.name);
    line("SPIFFE ID:", &r.spiffe_id);
    line("Service host:", &r.host);
    let link = match (&r.link[..], &r.why_down) {
        ("down", Some(why)) => format!("down: {why}"),
        (state, _) => match &r.mode {
            Some(mode) => format!("{state} ({mode} mode)"),
            None => state.to_string(),
        },
    };
    line("Link:", &link);
    if let Some(m) = &r.machine {
        line("Machine:", m);
    }
    if let Some(v) = &r.client_version {
        line("Client library:", v);
    }
    match &r.identity {
        Some(i) => {
            line("Identity from:", &i.source);
            let left = std::time::Duration::from_secs(i.expires_in_secs / 60 * 60);
            line(
                "Certificate:",
                &format!(
                    "{} until {} (in {})",
                    i.spiffe_id,
                    i.not_after,
                    humantime::format_duration(left)
                ),
            );
            for root in &i.roots {
                line(
                    "Trust root:",
                    &format!("{} until {}", root.subject, root.not_after),
                );
            }
        }
        None => line("Identity:", "none: the bridge has no mTLS listener"),
    }
    if r.policies.is_empty() {
        line("Policies:", "none (every caller is allowed)");
    } else {
        for p in &r.policies {
            let mut what = vec![format!(
                "{} {:?}",
                format!("{:?}", p.action).to_uppercase(),
                p.name
            )];
            for (k, v) in [
                ("principals", &p.principals),
                ("namespaces", &p.namespaces),
                ("methods", &p.methods),
                ("paths", &p.paths),
            ] {
                if !v.is_empty() {
                    what.push(format!("{k}={}", v.join(",")));
                }
            }
            line("Policy:", &what.join(" "));
        }
    }
    match r.recent_errors.as_array() {
        Some(errors) if !errors.is_empty() => {
            line("Recent errors:", "");
            for e in errors {
                out.push_str(&format!("  {}\n", compact(e)));
            }
        }
        _ => line("Recent errors:", "none"),
    }
    out
}

/// One error as `time method path -> status reason`, whatever fields it has.
fn compact(e: &serde_json::Value) -> String {
    let field = |k: &str| match e.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() => v.to_string(),
        _ => String::new(),
    };
    format!(
        "{} {} {} -> {} {}",
        field("time"),
        field("method"),
        field("path"),
        field("status"),
        field("reason")
    )
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ")
}
