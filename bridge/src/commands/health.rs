//! `retromesh health`: asks a running bridge whether it is ready. The container image's
//! HEALTHCHECK runs it, so the image needs no curl.

use std::time::Duration;

use crate::cli::HealthArgs;
use crate::commands::{block_on, Runtime};
use crate::config::Config;
use crate::exit::Exit;
use crate::http_get::{get, GetError};

const DEFAULT_READY: &str = "127.0.0.1:15021";

pub fn execute(args: HealthArgs, config: &Config) -> Exit {
    let url = args.url.clone().unwrap_or_else(|| {
        let listen = config
            .bridge
            .ready_listen
            .as_deref()
            .unwrap_or(DEFAULT_READY);
        format!("http://{}/healthz/ready", reachable(listen))
    });
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!(
            "--timeout {}: give a positive number of seconds",
            args.timeout
        );
        return Exit::Usage;
    }
    block_on(
        Runtime::OneThread,
        check(url, Duration::from_secs_f64(args.timeout)),
    )
}

/// A wildcard listen address is reached on loopback.
fn reachable(listen: &str) -> String {
    match listen.parse::<std::net::SocketAddr>() {
        Ok(a) if a.ip().is_unspecified() => {
            let ip = if a.is_ipv4() { "127.0.0.1" } else { "[::1]" };
            format!("{ip}:{}", a.port())
        }
        _ => listen.to_string(),
    }
}

async fn check(url: String, deadline: Duration) -> Exit {
    match get(&url, deadline).await {
        Ok((status, _)) if status.is_success() => {
            println!("ready: {url}");
            Exit::Ok
        }
        Ok((status, body)) => {
            println!(
                "not ready ({status}): {}",
                String::from_utf8_lossy(&body).trim_end()
            );
            Exit::Failed
        }
        Err(GetError::BadUrl(e)) => {
            eprintln!("--url {url}: {e}: write it as http://HOST:PORT/healthz/ready");
            Exit::Usage
        }
        Err(GetError::Unreachable(e)) => {
            println!("no bridge answers at {url}: {e}; is it running, and is ready_listen set?");
            Exit::Environment
        }
        Err(GetError::TimedOut(d)) => {
            println!("{url} did not answer within {d:?}");
            Exit::Environment
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reachable;

    #[test]
    fn wildcard_listen_addresses_are_reached_on_loopback() {
        assert_eq!(reachable("0.0.0.0:15021"), "127.0.0.1:15021");
        assert_eq!(reachable("[::]:15021"), "[::1]:15021");
        assert_eq!(reachable("10.0.0.5:15021"), "10.0.0.5:15021");
        assert_eq!(reachable("bridge:15021"), "bridge:15021");
    }
}
