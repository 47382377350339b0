//! TCP: connecting to tcpser or an emulator, and listening for an emulator that connects to us.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{lookup_host, TcpListener, TcpStream};

use super::{wrap_tcp, OpenLink, TransportError};

/// Connects to `addr` (`host:port`), trying each address it resolves to, within `timeout`.
pub(crate) async fn connect(addr: &str, timeout: Duration) -> Result<TcpStream, TransportError> {
    let addrs: Vec<SocketAddr> = lookup_host(addr)
        .await
        .map_err(|source| TransportError::Resolve {
            addr: addr.to_string(),
            source,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(TransportError::Resolve {
            addr: addr.to_string(),
            source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
        });
    }
    let attempt = async {
        let mut last = None;
        for a in &addrs {
            match TcpStream::connect(a).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("at least one address was tried"))
    };
    match tokio::time::timeout(timeout, attempt).await {
        Err(_) => Err(TransportError::ConnectTimeout {
            addr: addr.to_string(),
            timeout,
        }),
        Ok(Ok(stream)) => {
            tracing::info!(addr, "connected");
            Ok(stream)
        }
        Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
            Err(TransportError::ConnectionRefused {
                addr: addr.to_string(),
            })
        }
        Ok(Err(source)) => Err(TransportError::Connect {
            addr: addr.to_string(),
            source,
        }),
    }
}

/// A listening socket an emulator connects to (VICE's RS-232 in ip232 client mode).
///
/// Take connections one at a time: call [`accept`](Self::accept), run the link until it ends,
/// then accept the next. A second emulator connecting meanwhile waits in the backlog.
#[derive(Debug)]
pub struct LinkListener {
    listener: TcpListener,
    addr: SocketAddr,
    ip232: bool,
}

impl LinkListener {
    /// Binds `addr` (port 0 picks a free port: see [`local_addr`](Self::local_addr)).
    pub async fn bind(addr: SocketAddr, ip232: bool) -> Result<LinkListener, TransportError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| match source.kind() {
                io::ErrorKind::AddrInUse => TransportError::AddrInUse { addr },
                io::ErrorKind::PermissionDenied => TransportError::ListenPermission { addr },
                _ => TransportError::Listen { addr, source },
            })?;
        let bound = listener.local_addr().unwrap_or(addr);
        tracing::info!(addr = %bound, ip232, "listening for the micro's link");
        Ok(LinkListener {
            listener,
            addr: bound,
            ip232,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits for the next connection and returns it as a link.
    pub async fn accept(&self) -> Result<OpenLink, TransportError> {
        let (stream, peer) =
            self.listener
                .accept()
                .await
                .map_err(|source| TransportError::Listen {
                    addr: self.addr,
                    source,
                })?;
        tracing::info!(%peer, "micro connected");
        wrap_tcp(stream, self.ip232, peer.to_string()).await
    }
}
