//! Byte pipes to a micro.
//!
//! [`open`] turns a [`TransportConfig`] into a [`BoxedIo`]: a serial port (or a PTY, which
//! behaves the same), a TCP connection to tcpser or an emulator, or a TCP connection an emulator
//! made to us. Wrappers add what a line needs on top: [`Ip232`] (the framing VICE and tcpser use
//! over TCP), [`Paced`] (gaps between bytes for micros that can't keep up) and [`FaultyIo`]
//! (a damaged line, for tests).
//!
//! A session learns that the micro has gone the usual way: a read returns an error or 0 bytes
//! (EOF). Serial devices that vanish (adapter unplugged, socat gone) give EOF or an I/O error
//! naming the device; TCP peers that close give EOF.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::profile::SerialSettings;

pub mod fault;
pub mod ip232;
pub mod pacing;
pub mod serial;
pub mod tcp;

pub use fault::{DirectionStats, FaultConfig, FaultStats, FaultStatsHandle, FaultyIo};
pub use ip232::{Ip232, PeerSignals};
pub use pacing::{write_paced, Paced};
pub use serial::SerialLink;
pub use tcp::LinkListener;

/// What a transport is: a bidirectional byte stream that can move between tasks.
pub trait LinkIo: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> LinkIo for T {}

/// An opened transport.
pub type BoxedIo = Box<dyn LinkIo>;

/// Where the micro is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportConfig {
    /// A serial port, USB adapter or PTY (a path made by `socat ... pty,link=PATH` works the
    /// same as `/dev/ttyUSB0`).
    Serial {
        /// Device path.
        path: PathBuf,
        /// Line settings, usually the profile's.
        settings: SerialSettings,
    },
    /// Connect to `addr` (`host:port`): tcpser, or an emulator listening with its RS-232 on a
    /// socket. `ip232`: speak the ip232 framing ([`Ip232`]).
    TcpConnect {
        /// `host:port`.
        addr: String,
        /// Use the ip232 framing.
        ip232: bool,
    },
    /// Listen on `addr` and take the first connection (VICE in ip232 client mode connects to
    /// us). For a long-running listener that takes one connection after another, use
    /// [`LinkListener`].
    TcpListen {
        /// Address to bind.
        addr: SocketAddr,
        /// Use the ip232 framing.
        ip232: bool,
    },
}

/// An opened transport with what is known about it beyond its bytes.
pub struct OpenLink {
    /// The byte stream.
    pub io: BoxedIo,
    /// For ip232 links: the modem-control lines the peer last reported (see [`Ip232`]).
    pub signals: Option<watch::Receiver<PeerSignals>>,
    /// Who is on the other end, for logs: a device path or a socket address.
    pub peer: String,
}

impl std::fmt::Debug for OpenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenLink")
            .field("peer", &self.peer)
            .field("signals", &self.signals.as_ref().map(|s| *s.borrow()))
            .finish_non_exhaustive()
    }
}

/// How long [`open`] waits for a TCP connection to be made.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the transport `config` describes.
pub async fn open(config: &TransportConfig) -> Result<BoxedIo, TransportError> {
    open_link(config).await.map(|link| link.io)
}

/// Opens the transport `config` describes, keeping the ip232 signal state and the peer's name.
pub async fn open_link(config: &TransportConfig) -> Result<OpenLink, TransportError> {
    match config {
        TransportConfig::Serial { path, settings } => {
            let link = serial::open_serial(path, settings)?;
            Ok(OpenLink {
                io: Box::new(link),
                signals: None,
                peer: path.display().to_string(),
            })
        }
        TransportConfig::TcpConnect { addr, ip232 } => {
            let stream = tcp::connect(addr, CONNECT_TIMEOUT).await?;
            let peer = stream
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_else(|_| addr.clone());
            wrap_tcp(stream, *ip232, peer).await
        }
        TransportConfig::TcpListen { addr, ip232 } => {
            let listener = LinkListener::bind(*addr, *ip232).await?;
            listener.accept().await
        }
    }
}

/// Wraps a connected socket as a link, announcing our line as up when it speaks ip232.
pub(crate) async fn wrap_tcp(
    mut stream: TcpStream,
    ip232: bool,
    peer: String,
) -> Result<OpenLink, TransportError> {
    // A link carries small frames and single keystrokes: Nagle's delay would only add latency.
    let _ = stream.set_nodelay(true);
    if !ip232 {
        return Ok(OpenLink {
            io: Box::new(stream),
            signals: None,
            peer,
        });
    }
    // The bridge is the micro's modem: it raises "its" line (the micro sees DCD, tcpser sees
    // DTR) as soon as the connection is up, as a modem set to keep carrier on would.
    stream
        .write_all(&ip232::control_sequence(true))
        .await
        .map_err(|source| TransportError::Io {
            context: format!("announcing the ip232 line to {peer}"),
            source,
        })?;
    let link = Ip232::new(stream);
    let signals = link.signals();
    Ok(OpenLink {
        io: Box::new(link),
        signals: Some(signals),
        peer,
    })
}

/// Why a transport could not be opened. Every message says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The device path does not exist.
    #[error(
        "serial device {} does not exist: is the adapter plugged in? (ls /dev/serial/by-id)",
        path.display()
    )]
    NoSuchDevice {
        /// The path asked for.
        path: PathBuf,
    },
    /// No permission to open the device.
    #[error(
        "no permission to open serial device {}: add yourself to the dialout group \
         (sudo usermod -aG dialout $USER, then log in again)",
        path.display()
    )]
    PermissionDenied {
        /// The path asked for.
        path: PathBuf,
    },
    /// Another program has the device open (or locked).
    #[error(
        "serial device {} is in use by another program: close it (fuser -v {}) and try again",
        path.display(),
        path.display()
    )]
    DeviceBusy {
        /// The path asked for.
        path: PathBuf,
    },
    /// The path exists but is not a terminal device.
    #[error(
        "{} is not a serial device: give the adapter's path, e.g. /dev/ttyUSB0 or one under \
         /dev/serial/by-id",
        path.display()
    )]
    NotASerialDevice {
        /// The path asked for.
        path: PathBuf,
    },
    /// A line setting the port (or this crate) can't do.
    #[error("serial device {}: {setting} = {value} is not supported: {fix}", path.display())]
    UnsupportedSetting {
        /// The path asked for.
        path: PathBuf,
        /// Which setting, as named in the configuration (`baud`, `data_bits`, ...).
        setting: &'static str,
        /// The value asked for.
        value: String,
        /// What to do instead.
        fix: String,
    },
    /// Any other failure opening a serial port.
    #[error("could not open serial device {}: {source}", path.display())]
    Serial {
        /// The path asked for.
        path: PathBuf,
        /// What the serial layer said.
        #[source]
        source: tokio_serial::Error,
    },
    /// `host:port` could not be resolved.
    #[error("could not resolve {addr:?}: write it as host:port, e.g. 127.0.0.1:25232 ({source})")]
    Resolve {
        /// The address asked for.
        addr: String,
        /// The resolver's error.
        #[source]
        source: io::Error,
    },
    /// Nothing listens at the address.
    #[error(
        "nothing is listening at {addr}: start the emulator or tcpser first, or check the port"
    )]
    ConnectionRefused {
        /// The address asked for.
        addr: String,
    },
    /// The connection was not made in time.
    #[error(
        "no answer from {addr} within {}s: is the host up and the port open in its firewall?",
        timeout.as_secs()
    )]
    ConnectTimeout {
        /// The address asked for.
        addr: String,
        /// How long we waited.
        timeout: Duration,
    },
    /// Another connection error.
    #[error("could not connect to {addr}: {source}")]
    Connect {
        /// The address asked for.
        addr: String,
        /// The socket error.
        #[source]
        source: io::Error,
    },
    /// Another program (or another bridge) listens on the address.
    #[error(
        "could not listen on {addr}: the address is in use by another program (ss -ltnp \
         'sport = :{}'): stop it or pick another port",
        addr.port()
    )]
    AddrInUse {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// Binding needs privileges we don't have.
    #[error(
        "could not listen on {addr}: permission denied: ports below 1024 need root, pick a \
         port of 1024 or above"
    )]
    ListenPermission {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// Another socket error.
    #[error("could not listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// The socket error.
        #[source]
        source: io::Error,
    },
    /// I/O on a freshly made link failed.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The error.
        #[source]
        source: io::Error,
    },
}
