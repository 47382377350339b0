//! What `retromesh bridge` (and `up`, and `analyze`) will run: flags over environment over
//! `retromesh.toml` over defaults, resolved once into one value.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use retromesh_gateway::authz::Rule;
use retromesh_gateway::{MtlsMode, TlsPolicy};
use retromesh_link::profile::LinkOverrides;

use crate::cli::{BridgeArgs, MtlsModeName};
use crate::config::{Config, MicroConfig, ServiceConfig};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_TRUST_DOMAIN: &str = "cluster.local";

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub mtls_listen: Option<String>,
    pub mtls_mode: MtlsMode,
    pub tls_policy: TlsPolicy,
    pub trust_domain: String,
    pub state_dir: PathBuf,
    pub metrics_listen: Option<String>,
    pub ready_listen: Option<String>,
    pub admin_listen: Option<String>,
    pub workload_api: Option<String>,
    pub deadline: Duration,
    pub drain: Duration,
    pub queue_depth: Option<usize>,
    pub services: BTreeMap<String, ServiceConfig>,
    /// The config's micros, then the one given by flags.
    pub micros: Vec<MicroConfig>,
    pub policies: Vec<Rule>,
}

impl Settings {
    /// Merges flags into the config. Errors are usage errors naming the flag and the fix.
    pub fn resolve(args: &BridgeArgs, config: &Config) -> Result<Settings, String> {
        let b = &config.bridge;
        let mut services = config.services.clone();
        for s in &args.service {
            let (name, url) = s.split_once('=').ok_or_else(|| {
                format!("--service {s}: write it as NAME=URL, e.g. weather=http://127.0.0.1:9000")
            })?;
            services.insert(name.into(), ServiceConfig::Url(url.into()));
        }
        let mut micros = config.micros.clone();
        if let Some(m) = flag_micro(args) {
            micros.push(m);
        }
        for d in &args.identity_dir {
            let (name, dir) = d
                .split_once('=')
                .ok_or_else(|| format!("--identity-dir {d}: write it as NAME=DIR"))?;
            let m = micros.iter_mut().find(|m| m.name == name).ok_or_else(|| {
                format!("--identity-dir {d}: there is no micro named {name}; name one of the micros served")
            })?;
            m.identity_dir = Some(PathBuf::from(dir));
        }
        let mtls_mode = match args.mtls_mode {
            Some(MtlsModeName::Strict) => MtlsMode::Strict,
            Some(MtlsModeName::Permissive) => MtlsMode::Permissive,
            None => match b.mtls_mode.as_deref() {
                None | Some("strict") | Some("STRICT") => MtlsMode::Strict,
                Some("permissive") | Some("PERMISSIVE") => MtlsMode::Permissive,
                Some(other) => {
                    return Err(format!(
                        "[bridge] mtls_mode = {other:?}: use \"strict\" or \"permissive\""
                    ))
                }
            },
        };
        let deadline = seconds("deadline", args.deadline.or(b.deadline_secs), 30.0)?;
        let drain = seconds("drain_secs", args.drain_secs.or(b.drain_secs), 25.0)?;
        Ok(Settings {
            listen: args
                .listen
                .clone()
                .or(b.listen.clone())
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            mtls_listen: args.mtls_listen.clone().or(b.mtls_listen.clone()),
            mtls_mode,
            tls_policy: TlsPolicy {
                allow_tls12: args.allow_tls12.or(b.allow_tls12).unwrap_or(false),
            },
            trust_domain: args
                .trust_domain
                .clone()
                .or(b.trust_domain.clone())
                .unwrap_or_else(|| DEFAULT_TRUST_DOMAIN.into()),
            state_dir: args
                .state_dir
                .clone()
                .or(b.state_dir.clone())
                .unwrap_or_else(crate::commands::certs::default_state_dir),
            metrics_listen: args.metrics_listen.clone().or(b.metrics_listen.clone()),
            ready_listen: args.ready_listen.clone().or(b.ready_listen.clone()),
            admin_listen: args.admin_listen.clone().or(b.admin_listen.clone()),
            workload_api: args.workload_api.clone().or(b.workload_api.clone()),
            deadline,
            drain,
            queue_depth: b.queue_depth,
            services,
            micros,
            policies: config.policies.clone(),
        })
    }

    /// Every address this bridge would bind, with what it is for.
    pub fn listeners(&self) -> Vec<(String, String)> {
        let mut out = vec![("listen".to_string(), self.listen.clone())];
        let named = [
            ("mtls_listen", &self.mtls_listen),
            ("metrics_listen", &self.metrics_listen),
            ("ready_listen", &self.ready_listen),
            ("admin_listen", &self.admin_listen),
        ];
        for (what, addr) in named {
            if let Some(a) = addr {
                out.push((what.to_string(), a.clone()));
            }
        }
        for m in &self.micros {
            if let Some(a) = &m.tcp_listen {
                out.push((format!("micro {} tcp_listen", m.name), a.clone()));
            }
        }
        out
    }
}

/// A micro given on the command line instead of the config.
fn flag_micro(args: &BridgeArgs) -> Option<MicroConfig> {
    if args.device.is_none()
        && args.tcp.is_none()
        && args.tcp_listen.is_none()
        && args.emulate.is_none()
    {
        return None;
    }
    Some(MicroConfig {
        name: args.name.clone(),
        profile: args.profile.clone(),
        device: args.device.clone(),
        tcp: args.tcp.clone(),
        tcp_listen: args.tcp_listen.clone(),
        ip232: args.ip232,
        emulate: args.emulate.clone(),
        port: Some(args.port.clone()),
        identity_dir: None,
        line: LinkOverrides {
            baud: args.baud,
            ..Default::default()
        },
    })
}

/// A positive, finite number of seconds, or `default`.
fn seconds(what: &str, given: Option<f64>, default: f64) -> Result<Duration, String> {
    let s = given.unwrap_or(default);
    if s.is_finite() && s > 0.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(format!("{what} {s}: give a positive number of seconds"))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn resolve(flags: &[&str], file: &str) -> Settings {
        let cli = Cli::try_parse_from(["retromesh", "bridge"].iter().chain(flags)).unwrap();
        let Command::Bridge(args) = cli.command else {
            panic!("parsed as bridge")
        };
        let config: Config = toml::from_str(file).unwrap();
        Settings::resolve(&args, &config).unwrap()
    }

    #[test]
    fn tls12_is_off_unless_the_file_or_a_flag_turns_it_on_and_the_flag_wins() {
        let on = |flags: &[&str], file: &str| resolve(flags, file).tls_policy.allow_tls12;
        assert!(!on(&[], ""));
        assert!(on(&[], "[bridge]\nallow_tls12 = true\n"));
        assert!(on(&["--allow-tls12"], ""));
        assert!(!on(
            &["--allow-tls12", "false"],
            "[bridge]\nallow_tls12 = true\n"
        ));
    }
}
