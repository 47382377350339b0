//! The retromesh path's echo backend: a micro, played in Rust over the bridge's TCP line, that
//! LISTENs and answers each REQUEST with a REPLY carrying the request's body. It runs in its
//! own process (`--echo-micro ADDR`), as the peers' echo backend does, so that its scheduling
//! and CPU are apart from the load generator's.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use retromesh_link::client::{Answer, ClientError, FrameClient};
use retromesh_link_frame::{Body, MachineId, Op, SessionConfig};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

/// The child process's body: connects to the bridge's line at `line`, prints `ready` once it
/// LISTENs (or the reason it cannot, and exits 1), then serves until the line closes.
pub fn main(line: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let started = match line.parse() {
            Ok(addr) => start(addr).await,
            Err(e) => Err(format!("--echo-micro {line}: {e}")),
        };
        match started {
            Ok(c) => {
                println!("ready");
                serve(c).await;
            }
            Err(e) => {
                println!("{e}");
                std::process::exit(1);
            }
        }
    });
}

/// Connects to the bridge's `--tcp-listen` port (retrying while the bridge starts), says
/// HELLO and LISTEN.
async fn start(line: SocketAddr) -> Result<FrameClient<TcpStream>, String> {
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
    Ok(c)
}

/// Echoes each REQUEST's body in a REPLY sent at once: the REQUEST's ACK leaves in the same
/// write, as the peers' echo backend answers in one write.
async fn serve(mut c: FrameClient<TcpStream>) {
    let echo = |a: &Answer| (a.op == Op::Request).then(|| (200, a.body.clone()));
    loop {
        match c.answer_next(Duration::from_secs(3600), echo).await {
            Ok(_) | Err(ClientError::Timeout(_)) => {}
            Err(e) => {
                eprintln!("echo micro: {e}");
                return;
            }
        }
    }
}
