//! Serial ports (and PTYs) through `tokio-serial`.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_serial::{DataBits, ErrorKind, SerialPortBuilderExt, SerialStream, StopBits};

use super::TransportError;
use crate::profile::{FlowControl, Parity, ProfileError, SerialSettings};

/// An open serial port.
///
/// Reads and writes go straight to the device. Two things differ from `tokio_serial`'s stream:
///
/// - `flush` returns at once. Written bytes are already with the kernel, which sends them even
///   after the port is closed; `tokio_serial` would wait in `tcdrain`, blocking the runtime's
///   thread, for as long as the line takes (forever on a PTY nobody reads, or with hardware
///   flow control held off by a micro that stopped listening).
/// - Read errors name the device and say what it probably means (EIO: the device went away).
pub struct SerialLink {
    inner: SerialStream,
    path: PathBuf,
}

impl std::fmt::Debug for SerialLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialLink")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SerialLink {
    /// Opens `path` with `settings` applied (baud, data bits, parity, stop bits, flow control).
    /// Needs a tokio runtime (the port is registered with its reactor).
    pub fn open(path: &Path, settings: &SerialSettings) -> Result<SerialLink, TransportError> {
        open_serial(path, settings)
    }

    /// The device path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying `tokio_serial` stream, e.g. to read modem lines with
    /// `tokio_serial::SerialPort`.
    pub fn get_ref(&self) -> &SerialStream {
        &self.inner
    }

    /// The underlying stream, mutably (e.g. to change the baud rate).
    pub fn get_mut(&mut self) -> &mut SerialStream {
        &mut self.inner
    }

    fn explain(&self, e: io::Error) -> io::Error {
        // EIO is what Linux gives for a tty whose device is gone (USB adapter unplugged) or
        // hung up (PTY whose other side closed).
        if e.raw_os_error() == Some(5) {
            io::Error::new(
                e.kind(),
                format!(
                    "serial device {} went away ({e}): was the adapter unplugged?",
                    self.path.display()
                ),
            )
        } else {
            io::Error::new(
                e.kind(),
                format!("serial device {}: {e}", self.path.display()),
            )
        }
    }
}

pub(crate) fn open_serial(
    path: &Path,
    settings: &SerialSettings,
) -> Result<SerialLink, TransportError> {
    if let Err(ProfileError::InvalidSetting {
        setting,
        value,
        expected,
    }) = settings.validate()
    {
        return Err(TransportError::UnsupportedSetting {
            path: path.to_path_buf(),
            setting,
            value,
            fix: format!("use {expected}"),
        });
    }
    let Some(path_str) = path.to_str() else {
        return Err(TransportError::NotASerialDevice {
            path: path.to_path_buf(),
        });
    };
    // A dangling symlink (socat gone, /dev/serial/by-id entry of an unplugged adapter) counts
    // as missing too.
    if !path.exists() {
        return Err(TransportError::NoSuchDevice {
            path: path.to_path_buf(),
        });
    }
    let data_bits = match settings.data_bits {
        5 => DataBits::Five,
        6 => DataBits::Six,
        7 => DataBits::Seven,
        _ => DataBits::Eight,
    };
    let stop_bits = if settings.stop_bits == 2 {
        StopBits::Two
    } else {
        StopBits::One
    };
    let parity = match settings.parity {
        Parity::None => tokio_serial::Parity::None,
        Parity::Odd => tokio_serial::Parity::Odd,
        Parity::Even => tokio_serial::Parity::Even,
    };
    let flow = match settings.flow {
        FlowControl::None => tokio_serial::FlowControl::None,
        FlowControl::Hardware => tokio_serial::FlowControl::Hardware,
        FlowControl::Software => tokio_serial::FlowControl::Software,
    };
    let builder = tokio_serial::new(path_str, settings.baud)
        .data_bits(data_bits)
        .stop_bits(stop_bits)
        .parity(parity)
        .flow_control(flow);
    match builder.open_native_async() {
        Ok(inner) => {
            tracing::info!(path = %path.display(), settings = %settings, "serial port open");
            Ok(SerialLink {
                inner,
                path: path.to_path_buf(),
            })
        }
        Err(e) => Err(explain_open_error(path, settings, e)),
    }
}

fn explain_open_error(
    path: &Path,
    settings: &SerialSettings,
    e: tokio_serial::Error,
) -> TransportError {
    let path = path.to_path_buf();
    let desc = e.description.to_ascii_lowercase();
    match e.kind {
        ErrorKind::Io(io::ErrorKind::NotFound) => TransportError::NoSuchDevice { path },
        ErrorKind::Io(io::ErrorKind::PermissionDenied) => TransportError::PermissionDenied { path },
        // serialport reports EBUSY and a lock held by someone else as NoDevice.
        ErrorKind::NoDevice if desc.contains("busy") || desc.contains("lock") => {
            TransportError::DeviceBusy { path }
        }
        ErrorKind::NoDevice => TransportError::NoSuchDevice { path },
        _ if desc.contains("inappropriate ioctl") || desc.contains("not a typewriter") => {
            TransportError::NotASerialDevice { path }
        }
        ErrorKind::InvalidInput | ErrorKind::Unknown
            if desc.contains("invalid argument")
                || desc.contains("did not apply")
                || desc.contains("baud") =>
        {
            TransportError::UnsupportedSetting {
                path,
                setting: "serial settings",
                value: settings.to_string(),
                fix: format!(
                    "the port refused them ({}): try a standard baud rate (1200, 2400, 4800, \
                     9600, 19200, 38400, 57600, 115200) and 8 data bits, or another adapter",
                    e.description
                ),
            }
        }
        _ => TransportError::Serial { path, source: e },
    }
}

impl AsyncRead for SerialLink {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(self.explain(e))),
            other => other,
        }
    }
}

impl AsyncWrite for SerialLink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(self.explain(e))),
            other => other,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // See the type's documentation: no tcdrain on the runtime thread.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explain(kind: ErrorKind, desc: &str) -> TransportError {
        explain_open_error(
            Path::new("/dev/ttyUSB0"),
            &SerialSettings::default(),
            tokio_serial::Error::new(kind, desc),
        )
    }

    #[test]
    fn open_errors_map_to_advice() {
        let e = explain(
            ErrorKind::Io(io::ErrorKind::PermissionDenied),
            "Permission denied",
        );
        assert!(
            matches!(e, TransportError::PermissionDenied { .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("dialout group"), "{e}");
        let e = explain(
            ErrorKind::Io(io::ErrorKind::NotFound),
            "No such file or directory",
        );
        assert!(matches!(e, TransportError::NoSuchDevice { .. }), "{e:?}");
        let e = explain(ErrorKind::NoDevice, "Device or resource busy");
        assert!(matches!(e, TransportError::DeviceBusy { .. }), "{e:?}");
        let e = explain(ErrorKind::Unknown, "Inappropriate ioctl for device");
        assert!(
            matches!(e, TransportError::NotASerialDevice { .. }),
            "{e:?}"
        );
        let e = explain(ErrorKind::Unknown, "Invalid argument");
        assert!(
            matches!(e, TransportError::UnsupportedSetting { .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("9600 8N1"), "{e}");
        let e = explain(ErrorKind::Unknown, "Something odd");
        assert!(matches!(e, TransportError::Serial { .. }), "{e:?}");
        assert!(e.to_string().contains("/dev/ttyUSB0"), "{e}");
    }
}
