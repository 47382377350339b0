//! The sample mesh service (`retromesh sample`, and part of `retromesh up`): a workload with
//! its own SPIFFE identity that takes mutual TLS only and tells each caller who it is. The
//! demo Spectrum calls it as `hello`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use retromesh_gateway::tls::{leaf_spiffe_id, SpiffeClientVerifier};
use retromesh_gateway::{ServerIdentity, TlsPolicy, TrustBundle};
use retromesh_identity::Identity;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::cli::SampleArgs;
use crate::commands::{block_on, Runtime};
use crate::exit::Exit;

/// Serves until SIGTERM or Ctrl-C, logging each call with the caller's SPIFFE ID.
pub fn execute(args: SampleArgs) -> Exit {
    let identity = match retromesh_identity::load_dir(&args.identity_dir, None) {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(
                "--identity-dir {}: {e}; issue one with `retromesh certs issue --sa hello --ns default --out DIR`",
                args.identity_dir.display()
            );
            return Exit::BadInput;
        }
    };
    block_on(Runtime::MultiThread, async move {
        let (tx, mut calls) = mpsc::unbounded_channel();
        let td = identity.id.trust_domain().as_str().to_string();
        let addr = match start(&args.listen, &identity, &td, tx).await {
            Ok(a) => a,
            Err(e) => {
                tracing::error!("{e}");
                return Exit::Environment;
            }
        };
        tracing::info!(%addr, spiffe_id = %identity.id, "sample service listening (mutual TLS only): GET /greeting");
        let stop = crate::commands::bridge::shutdown_signal();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                Some(call) = calls.recv() => {
                    tracing::info!(caller = %call.caller, path = %call.path, "answered");
                }
                signal = &mut stop => {
                    return match signal {
                        Ok(signal) => {
                            tracing::info!(signal, "stopping");
                            Exit::Ok
                        }
                        Err(e) => {
                            tracing::error!("cannot wait for signals: {e}");
                            Exit::Environment
                        }
                    };
                }
            }
        }
    })
}

/// A call the sample service answered, for the demo's progress output.
#[derive(Debug, Clone)]
pub struct SampleCall {
    pub caller: String,
    pub path: String,
}

/// Binds `addr` and serves until the runtime stops. Each answered call is sent to `calls`.
pub async fn start(
    addr: &str,
    identity: &Identity,
    trust_domain: &str,
    calls: mpsc::UnboundedSender<SampleCall>,
) -> Result<SocketAddr, String> {
    let policy = TlsPolicy::default();
    let provider = policy.provider();
    let bundle = TrustBundle {
        roots: identity.roots.clone(),
        trust_domain: trust_domain.to_string(),
    };
    let verifier =
        SpiffeClientVerifier::new(&bundle, provider.clone()).map_err(|e| e.to_string())?;
    let served = ServerIdentity {
        spiffe_id: identity.id.to_string(),
        chain: identity.chain.clone(),
        key: identity.key.clone_key(),
    };
    let config = policy
        .server_config(&provider, "hello", &served, Arc::new(verifier))
        .map_err(|e| e.to_string())?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} for the sample service: {e}: pick another with --listen (--sample-listen for `up`)"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let me = identity.id.to_string();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, peer)) = listener.accept().await else {
                continue;
            };
            let (acceptor, calls, me) = (acceptor.clone(), calls.clone(), me.clone());
            tokio::spawn(async move {
                let tls = match acceptor.accept(tcp).await {
                    Ok(t) => t,
                    // A TCP probe (a health check) closes before any ClientHello.
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                        tracing::debug!(%peer, "sample service: closed before a handshake");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(%peer, "sample service: handshake failed: {e}");
                        return;
                    }
                };
                let caller = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|leaf| leaf_spiffe_id(leaf).ok())
                    .unwrap_or_else(|| "unknown".into());
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let path = req.uri().path().to_string();
                    let _ = calls.send(SampleCall {
                        caller: caller.clone(),
                        path: path.clone(),
                    });
                    let body = answer(&path, &caller, &me);
                    async move {
                        Ok::<_, Infallible>(
                            Response::builder()
                                .status(body.0)
                                .header("content-type", "text/plain; charset=utf-8")
                                .body(Full::new(Bytes::from(body.1)))
                                .unwrap_or_default(),
                        )
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    Ok(bound)
}

/// Short lines: they end up on a 32-column printer.
fn answer(path: &str, caller: &str, me: &str) -> (StatusCode, String) {
    match path {
        "/greeting" => (
            StatusCode::OK,
            format!("HELLO FROM THE MESH\nYOU ARE\n{caller}\nI AM\n{me}\n"),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            format!("no {path} here; try /greeting\n"),
        ),
    }
}
