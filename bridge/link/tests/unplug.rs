//! The serial transport on a real PTY pair (socat): a frame-mode micro on one end, the bridge
//! session on the other. The device vanishes mid-request, and comes back.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use retromesh_link::client::FrameClient;
use retromesh_link::transport::{self, TransportConfig};
use retromesh_link::{CallError, InboundRequest, LinkState, MicroSpec};
use retromesh_link_frame::{Body, MachineId, Method, Op, SessionConfig};
use support::pty::PtyPair;
use support::*;

const WAIT: Duration = Duration::from_secs(10);

async fn micro_end(path: &std::path::Path) -> FrameClient<transport::BoxedIo> {
    let settings = profile("zx-next", 115_200).serial;
    let io = transport::open(&TransportConfig::Serial {
        path: path.to_path_buf(),
        settings,
    })
    .await
    .expect("the micro's end opens");
    let mut c = FrameClient::new(io, SessionConfig::for_baud(115_200));
    c.hello(MachineId::ZxNext, WAIT)
        .await
        .expect("HELLO answered over the PTY");
    let l = c.call(Body::Listen { label: b"" }, WAIT).await.unwrap();
    assert_eq!(l.status, 200);
    c
}

fn print_request(body: &str) -> InboundRequest {
    InboundRequest {
        method: Method::Post,
        path: "/print".into(),
        caller: "test".into(),
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_vanishes_mid_request_and_the_session_resumes_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let socat = PtyPair::start(dir.path());
    let (micro_path, bridge_path) = (socat.micro.clone(), socat.bridge.clone());
    let svc = service().await;
    let prof = profile("zx-next", 115_200);
    let line = TransportConfig::Serial {
        path: bridge_path.clone(),
        settings: prof.serial,
    };
    let mut spec = MicroSpec::new("next", prof, Arc::new(line));
    spec.reconnect_initial = Duration::from_millis(50);
    spec.reconnect_max = Duration::from_millis(200);
    let micro = retromesh_link::spawn(spec, services(&svc));

    let mut c = micro_end(&micro_path).await;
    let m = micro.clone();
    let pending = tokio::spawn(async move { m.call(print_request("first")).await });
    let req = c.recv_message(WAIT).await.unwrap();
    assert_eq!((req.op, req.body.as_slice()), (Op::Request, &b"first"[..]));

    // Pull the cable while the request is at the micro.
    let pulled = Instant::now();
    socat.kill();
    let err = tokio::time::timeout(WAIT, pending)
        .await
        .expect("the caller is told")
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, CallError::LinkDown { .. }), "{err:?}");
    assert!(
        pulled.elapsed() < Duration::from_secs(3),
        "told at once, not at the deadline"
    );
    let down = tokio::time::timeout(
        WAIT,
        micro.wait_for(|s| matches!(s, LinkState::Down { .. })),
    )
    .await
    .unwrap();
    let LinkState::Down { why } = down else {
        unreachable!()
    };
    assert!(!why.is_empty());
    // While it is down, new callers are refused at once too.
    let refused = micro.call(print_request("while down")).await.unwrap_err();
    assert!(matches!(refused, CallError::LinkDown { .. }), "{refused:?}");

    // Plug it back in: the bridge reopens the device by itself.
    let _socat = PtyPair::start(dir.path());
    tokio::time::timeout(WAIT, micro.wait_for(|s| s.is_up()))
        .await
        .expect("session resumed");
    let mut c = micro_end(&micro_path).await;
    let m = micro.clone();
    let pending = tokio::spawn(async move { m.call(print_request("second")).await });
    let req = c.recv_message(WAIT).await.unwrap();
    assert_eq!(req.body, b"second");
    c.send_chunked(
        req.id,
        |b| Body::Reply {
            status: 200,
            body: b,
        },
        b"OK",
        WAIT,
    )
    .await
    .unwrap();
    let reply = pending.await.unwrap().unwrap();
    assert_eq!(reply.body, b"OK");
    assert!(micro.stats().reconnects >= 1);
}

#[tokio::test]
async fn a_missing_device_is_named_with_the_fix() {
    let err = transport::open(&TransportConfig::Serial {
        path: "/dev/retromesh-no-such-tty".into(),
        settings: profile("zx-if1", 9600).serial,
    })
    .await
    .err()
    .expect("no such device");
    let text = err.to_string();
    assert!(text.contains("/dev/retromesh-no-such-tty"), "{text}");
}
