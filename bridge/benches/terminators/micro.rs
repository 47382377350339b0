//! The retromesh path's echo backend: a micro, played in Rust over the bridge's TCP line, that
//! LISTENs and answers each REQUEST with a REPLY carrying the request's body.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use retromesh_link::client::{ClientError, FrameClient};
use retromesh_link_frame::{Body, MachineId, Op, SessionConfig};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

/// Connects to the bridge's `--tcp-listen` port (retrying while the bridge starts), says
/// HELLO and LISTEN, then serves requests until the line closes.
pub async fn start(line: SocketAddr) -> Result<tokio::task::JoinHandle<()>, String> {
    let until = Instant::now() + Duration::from_secs(20);
    let stream = loop {
        match TcpStream::connect(line).await {
            Ok(s) => break s,
            Err(e) if Instant::now() > until => {
                return Err(format!("the bridge's line {line}: {e}"))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let _ = stream.set_nodelay(true);
    // The Next's UART speed only sets the retransmit timeout here: a TCP line is not paced.
    let mut c = FrameClient::new(stream, SessionConfig::for_baud(115_200));
    c.hello(MachineId::ZxNext, WAIT)
        .await
        .map_err(|e| format!("HELLO: {e}"))?;
    let l = c
        .call(Body::Listen { label: b"" }, WAIT)
        .await
        .map_err(|e| format!("LISTEN: {e}"))?;
    if l.status != 200 {
        return Err(format!("LISTEN answered {}", l.status));
    }
    Ok(tokio::spawn(async move {
        loop {
            match c.recv_message(Duration::from_secs(3600)).await {
                Ok(a) if a.op == Op::Request => {
                    let sent = c
                        .send_chunked(
                            a.id,
                            |b| Body::Reply {
                                status: 200,
                                body: b,
                            },
                            &a.body,
                            WAIT,
                        )
                        .await;
                    if let Err(e) = sent {
                        eprintln!("echo micro: REPLY failed: {e}");
                        return;
                    }
                }
                Ok(_) | Err(ClientError::Timeout(_)) => {}
                Err(e) => {
                    eprintln!("echo micro: {e}");
                    return;
                }
            }
        }
    }))
}
