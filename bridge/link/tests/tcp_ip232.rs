//! A frame-mode micro behind an emulator's ip232 socket (as VICE connects to a modem), and two
//! micros on one bridge process at once.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use retromesh_link::client::FrameClient;
use retromesh_link::transport::{Ip232, TransportConfig};
use retromesh_link::{InboundRequest, LinkState, MicroSpec, Mode};
use retromesh_link_frame::{Body, MachineId, Method, SessionConfig};
use support::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const WAIT: Duration = Duration::from_secs(10);

async fn connect(addr: std::net::SocketAddr) -> tokio::net::TcpStream {
    // The session binds when it (re)opens the line: wait for that, not a fixed time.
    let until = Instant::now() + WAIT;
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => return s,
            Err(e) => {
                assert!(Instant::now() < until, "bridge never listened: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

#[tokio::test]
async fn an_ip232_emulator_connects_speaks_frames_and_reconnects() {
    let svc = service().await;
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let line = TransportConfig::TcpListen { addr, ip232: true };
    let mut spec = MicroSpec::new("c64", profile("c64-swiftlink", 38_400), Arc::new(line));
    spec.reconnect_initial = Duration::from_millis(20);
    let micro = retromesh_link::spawn(spec, services(&svc));

    let mut c = FrameClient::new(
        Ip232::new(connect(addr).await),
        SessionConfig::for_baud(38_400),
    );
    c.hello(MachineId::C64, WAIT).await.unwrap();
    // 0xFF is ip232's escape: it must cross as data, both ways.
    let data = [0xFF, 0xFF, 0x00, 0x01, 0xC0, 0xFF];
    let echo = c.call(Body::Echo { data: &data }, WAIT).await.unwrap();
    assert_eq!(echo.body, data);
    drop(c);
    tokio::time::timeout(
        WAIT,
        micro.wait_for(|s| matches!(s, LinkState::Down { .. }) || *s == LinkState::Connecting),
    )
    .await
    .unwrap();
    let mut c = FrameClient::new(
        Ip232::new(connect(addr).await),
        SessionConfig::for_baud(38_400),
    );
    c.hello(MachineId::C64, WAIT).await.unwrap();
    let echo = c.call(Body::Echo { data: b"again" }, WAIT).await.unwrap();
    assert_eq!(echo.body, b"again");
    assert_eq!(micro.stats().reconnects, 1);
}

#[tokio::test]
async fn two_micros_on_one_bridge_keep_their_own_sessions() {
    let svc = service().await;
    let (line_a, end_a) = Once::pair();
    let (line_b, end_b) = Once::pair();
    let upstream = services(&svc);
    let a = retromesh_link::spawn(
        MicroSpec::new("a", profile("zx-if1", 115_200), line_a),
        upstream.clone(),
    );
    let b = retromesh_link::spawn(
        MicroSpec::new("b", profile("c64-userport", 115_200), line_b),
        upstream,
    );
    // a speaks frames, b speaks lines (a C64: 40 columns, PETSCII).
    let mut fa = FrameClient::new(end_a, SessionConfig::for_baud(115_200));
    fa.hello(MachineId::Zx48, WAIT).await.unwrap();
    let (rd, mut wb) = tokio::io::split(end_b);
    let mut rb = BufReader::new(rd);
    wb.write_all(b"LISTEN\r").await.unwrap();
    let mut l = Vec::new();
    rb.read_until(b'\r', &mut l).await.unwrap();
    assert_eq!(l, b"200 LISTENING\r");
    rb.read_until(b'\r', &mut Vec::new()).await.unwrap();
    assert!(matches!(
        a.state(),
        LinkState::Up {
            mode: Mode::Frame,
            ..
        }
    ));
    assert!(matches!(
        b.state(),
        LinkState::Up {
            mode: Mode::Line,
            ..
        }
    ));
    // b is listening, a is not: a call to a is refused while b gets its request.
    let refused = a
        .call(InboundRequest {
            method: Method::Get,
            path: "/".into(),
            caller: "t".into(),
            body: vec![],
        })
        .await;
    assert!(refused.is_err());
    let bb = b.clone();
    let pending = tokio::spawn(async move {
        bb.call(InboundRequest {
            method: Method::Post,
            path: "/p".into(),
            caller: "t".into(),
            body: b"Hi".to_vec(),
        })
        .await
    });
    let mut block = Vec::new();
    loop {
        let mut l = Vec::new();
        rb.read_until(b'\r', &mut l).await.unwrap();
        let done = l == b".\r";
        block.push(l);
        if done {
            break;
        }
    }
    // PETSCII in lowercase mode: "Hi" is 0xC8 0x49 ("H" shifted, "i" plain).
    assert_eq!(
        block[0],
        b"\xd2\xc5\xd1\xd5\xc5\xd3\xd4 1 \xd0\xcf\xd3\xd4 /\x50\r"
    );
    assert_eq!(block[2], b"\xc8\x49\r");
    wb.write_all(b"REPLY ok\r").await.unwrap();
    let reply = pending.await.unwrap().unwrap();
    assert_eq!(reply.body, b"OK");
    let echo = fa
        .call(
            Body::Echo {
                data: b"still here",
            },
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(echo.body, b"still here");
}

/// A C64 in line mode types `get weather/today` in lower case (PETSCII 0x41-0x5A): the service
/// is looked up by that name once decoded, not decoded twice into `WEATHER`.
#[tokio::test]
async fn a_petscii_line_mode_get_reaches_the_service_in_lower_case() {
    let svc = service().await;
    let (line, end) = Once::pair();
    let _c64 = retromesh_link::spawn(
        MicroSpec::new("c64", profile("c64-userport", 115_200), line),
        services(&svc),
    );
    let (rd, mut w) = tokio::io::split(end);
    let mut r = BufReader::new(rd);
    // Shifted PETSCII: plain letters 0x41-0x5A are lower case.
    w.write_all(b"GET WEATHER/TODAY\r").await.unwrap();
    let mut status = Vec::new();
    r.read_until(b'\r', &mut status).await.unwrap();
    assert_eq!(status, b"200 OK\r", "{}", String::from_utf8_lossy(&status));
}
