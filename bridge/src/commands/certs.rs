//! `retromesh certs`: the development CA, and certificates it issues for people and services.

use std::path::PathBuf;
use std::time::Duration;

use retromesh_identity::{DevCa, Layout, SpiffeId, TrustDomain};

use crate::cli::{CertsArgs, CertsCommand, LayoutName};
use crate::exit::Exit;

/// Where state lives when nothing says otherwise: `$XDG_STATE_HOME/retromesh`, else
/// `~/.local/state/retromesh`, else `./.retromesh`.
pub fn default_state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(d).join("retromesh");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/state/retromesh"),
        None => PathBuf::from(".retromesh"),
    }
}

pub fn execute(args: CertsArgs) -> Exit {
    let state = args.state_dir.clone().unwrap_or_else(default_state_dir);
    let td = match TrustDomain::new(&args.trust_domain) {
        Ok(td) => td,
        Err(e) => {
            tracing::error!("--trust-domain: {e}");
            return Exit::Usage;
        }
    };
    let ca = match DevCa::load_or_create(&state, &td) {
        Ok(ca) => ca,
        Err(e) => {
            tracing::error!("{e}");
            return Exit::BadInput;
        }
    };
    match args.command {
        CertsCommand::Ca => {
            print!("{}", ca.root_pem());
            tracing::info!("development CA in {}", ca.dir().display());
            Exit::Ok
        }
        CertsCommand::Issue {
            spiffe_id,
            ns,
            sa,
            dns,
            hours,
            out,
            layout,
        } => {
            let id = match (spiffe_id, sa) {
                (Some(id), _) => SpiffeId::parse(&id),
                (None, Some(sa)) => SpiffeId::workload(&td, &ns, &sa),
                (None, None) => {
                    tracing::error!(
                        "say whose certificate: --sa NAME (with --ns) or --spiffe-id ID"
                    );
                    return Exit::Usage;
                }
            };
            let id = match id {
                Ok(id) => id,
                Err(e) => {
                    tracing::error!("{e}");
                    return Exit::Usage;
                }
            };
            let identity = match ca.issue(&id, &dns, Duration::from_secs_f64(hours * 3600.0)) {
                Ok(i) => i,
                Err(e) => {
                    tracing::error!("{e}");
                    return Exit::Usage;
                }
            };
            let layout = match layout {
                LayoutName::Istio => Layout::IstioOutputCerts,
                LayoutName::Csi => Layout::CsiDriverSpiffe,
            };
            match retromesh_identity::write_pem_files(&identity, &out, layout) {
                Ok(paths) => {
                    println!("{id}");
                    tracing::info!(
                        chain = %paths.chain.display(),
                        key = %paths.key.display(),
                        roots = %paths.roots.display(),
                        "issued, valid for {hours} h"
                    );
                    Exit::Ok
                }
                Err(e) => {
                    tracing::error!("{e}");
                    Exit::Environment
                }
            }
        }
    }
}
