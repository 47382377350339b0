//! A bridge session against a micro played by Rust code speaking the same protocol: frame
//! mode, line mode, faults on the line, deadlines, busy micros and oversize bodies.

mod support;

use std::sync::Arc;
use std::time::Duration;

use retromesh_link::client::FrameClient;
use retromesh_link::transport::{FaultConfig, FaultyIo};
use retromesh_link::{CallError, InboundRequest, LinkState, Micro, MicroSpec, Mode};
use retromesh_link_frame::{Body, MachineId, Method, Op, SessionConfig};
use support::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const WAIT: Duration = Duration::from_secs(10);

fn spec(name: &str, line: Arc<retromesh_link::session::OpenedLine>) -> MicroSpec {
    let mut spec = MicroSpec::new(name, profile("zx-if1", 115_200), line);
    spec.deadline = Duration::from_secs(5);
    spec
}

async fn up(micro: &Micro, mode: Mode) {
    let s = tokio::time::timeout(
        WAIT,
        micro.wait_for(|s| matches!(s, LinkState::Up { mode: m, .. } if *m == mode)),
    )
    .await
    .expect("link came up");
    assert!(s.is_up());
}

#[tokio::test]
async fn frame_mode_hello_echo_time_get_and_post() {
    let svc = service().await;
    let (line, end) = Once::pair();
    let micro = retromesh_link::spawn(spec("speccy", line), services(&svc));
    let mut c = FrameClient::new(end, SessionConfig::for_baud(115_200));
    let reply = c.hello(MachineId::Zx48, WAIT).await.unwrap();
    assert_eq!(reply.max_payload, 250);
    up(&micro, Mode::Frame).await;
    match micro.state() {
        LinkState::Up { hello: Some(h), .. } => assert_eq!(h.machine, MachineId::Zx48),
        other => panic!("state {other:?}"),
    }

    let data = [0u8, 0xC0, 0xDB, 0xDC, 0xDD, 0xFF, b'x'];
    let echo = c.call(Body::Echo { data: &data }, WAIT).await.unwrap();
    assert_eq!((echo.op, echo.body.as_slice()), (Op::Echoed, &data[..]));

    let time = c.call(Body::Time, WAIT).await.unwrap();
    assert_eq!(time.op, Op::TimeIs);
    assert_eq!(time.body.len(), "2026-11-22 05:52:00".len());

    // A GET whose answer is transcoded for the Spectrum: ° and — have no ZX glyphs.
    let got = c
        .call(
            Body::Get {
                target: b"weather/today",
            },
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!((got.op, got.status), (Op::Result, 200));
    let text = String::from_utf8(got.body).unwrap();
    assert!(text.starts_with("Sunny, 21"), "{text}");
    assert!(
        text.is_ascii() && text.contains("21degC -- light wind"),
        "{text}"
    );

    // A POST longer than a frame goes out in CONT messages and arrives whole.
    let body: Vec<u8> = (0..600).map(|i| b'a' + (i % 26) as u8).collect();
    c.send_chunked(
        9,
        |b| Body::Post {
            target: b"svc/in",
            body: b,
        },
        &body,
        WAIT,
    )
    .await
    .unwrap();
    let a = c.recv_message(WAIT).await.unwrap();
    assert_eq!((a.id, a.status), (9, 200));
    assert_eq!(
        a.body.len(),
        4 + 600,
        "the answer came back in CONT frames too"
    );
    assert_eq!(
        svc.posts.lock().unwrap().as_slice(),
        [String::from_utf8(body).unwrap()]
    );

    let missing = c
        .call(
            Body::Get {
                target: b"nosuch/x",
            },
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(missing.status, 404);
    let why = String::from_utf8(missing.body).unwrap();
    assert!(
        why.contains("no service \"nosuch\"") && why.contains("weather"),
        "{why}"
    );
    assert_eq!(micro.stats().crc_errors, 0);
}

#[tokio::test]
async fn frame_mode_serves_a_request_from_the_mesh() {
    let svc = service().await;
    let (line, end) = Once::pair();
    let micro = retromesh_link::spawn(spec("speccy", line), services(&svc));
    let mut c = FrameClient::new(end, SessionConfig::for_baud(115_200));
    c.hello(MachineId::Zx128, WAIT).await.unwrap();
    let caller = micro.clone();
    let call = |body: &str| {
        let caller = caller.clone();
        let body = body.as_bytes().to_vec();
        tokio::spawn(async move {
            caller
                .call(InboundRequest {
                    method: Method::Post,
                    path: "/print".into(),
                    caller: "spiffe://retromesh.local/ns/default/sa/weather".into(),
                    body,
                })
                .await
        })
    };
    // Before LISTEN the caller is told at once.
    let early = call("too early").await.unwrap();
    assert!(
        matches!(early, Err(CallError::NotListening { .. })),
        "{early:?}"
    );

    let listening = c.call(Body::Listen { label: b"" }, WAIT).await.unwrap();
    assert_eq!(listening.status, 200);
    let pending = call("HELLO SPECTRUM");
    let req = c.recv_message(WAIT).await.unwrap();
    assert_eq!(req.op, Op::Request);
    assert_eq!(req.path, b"/print");
    assert_eq!(
        req.caller,
        b"spiffe://retromesh.local/ns/default/sa/weather"
    );
    assert_eq!(req.body, b"HELLO SPECTRUM");
    c.send_chunked(
        req.id,
        |b| Body::Reply {
            status: 201,
            body: b,
        },
        b"PRINTED 1",
        WAIT,
    )
    .await
    .unwrap();
    let reply = pending.await.unwrap().unwrap();
    assert_eq!(
        (reply.status, reply.body.as_slice()),
        (201, &b"PRINTED 1"[..])
    );
}

/// What one write holds, in order: "ACK" or "DATA" for each whole frame.
fn frames_in(write: &[u8]) -> Vec<&'static str> {
    use retromesh_link_frame::{slip::SlipDecoder, Frame, FrameKind};
    let mut slip = SlipDecoder::<{ retromesh_link_frame::MAX_BODY_LEN }>::new();
    let mut kinds = Vec::new();
    for &b in write {
        if let Some(body) = slip.push(b) {
            kinds.push(
                match Frame::decode(body.expect("good SLIP"))
                    .expect("a frame")
                    .kind
                {
                    FrameKind::Ack => "ACK",
                    FrameKind::Data => "DATA",
                    _ => "other",
                },
            );
        }
    }
    assert!(slip.is_idle(), "a write ends on a frame boundary");
    kinds
}

/// A micro that answers at once sends the REQUEST's ACK in the same write as its REPLY, so
/// the bridge wakes once for both; one that takes the request first ACKs it on its own. A
/// REQUEST in several frames has each earlier frame ACKed before the next comes.
#[tokio::test]
async fn answer_next_puts_the_requests_ack_and_the_reply_in_one_write() {
    let svc = service().await;
    let (line, end) = Once::pair();
    let micro = retromesh_link::spawn(spec("speccy", line), services(&svc));
    let end = Writes::new(end);
    let mut c = FrameClient::new(end, SessionConfig::for_baud(115_200));
    c.hello(MachineId::Zx128, WAIT).await.unwrap();
    let listening = c.call(Body::Listen { label: b"" }, WAIT).await.unwrap();
    assert_eq!(listening.status, 200);
    let call = |body: Vec<u8>| {
        let caller = micro.clone();
        tokio::spawn(async move {
            caller
                .call(InboundRequest {
                    method: Method::Post,
                    path: "/echo".into(),
                    caller: "spiffe://retromesh.local/ns/default/sa/weather".into(),
                    body,
                })
                .await
        })
    };

    // Taken first, then answered: two writes.
    let pending = call(b"one".to_vec());
    c.line_mut().writes.clear();
    let req = c.recv_message(WAIT).await.unwrap();
    c.reply(req.id, 200, &req.body, WAIT).await.unwrap();
    assert_eq!(pending.await.unwrap().unwrap().body, b"one");
    let writes: Vec<_> = c.line_mut().writes.iter().map(|w| frames_in(w)).collect();
    assert_eq!(writes, [vec!["ACK"], vec!["DATA"]]);

    // Answered at once: one write.
    let echo = |a: &retromesh_link::client::Answer| Some((200, a.body.clone()));
    for body in [b"two".to_vec(), vec![b'z'; 600]] {
        let pending = call(body.clone());
        c.line_mut().writes.clear();
        let req = c.answer_next(WAIT, echo).await.unwrap();
        assert_eq!((req.op, &req.body), (Op::Request, &body));
        let reply = pending.await.unwrap().unwrap();
        assert_eq!((reply.status, &reply.body), (200, &body));
        let writes: Vec<_> = c.line_mut().writes.iter().map(|w| frames_in(w)).collect();
        // Earlier frames of a long REQUEST are ACKed one by one; the last one's ACK goes with
        // the REPLY, and a long REPLY goes on in CONT frames.
        let at = writes
            .iter()
            .position(|w| *w == ["ACK", "DATA"])
            .unwrap_or_else(|| panic!("no ACK+DATA write: {writes:?}"));
        assert!(writes[..at].iter().all(|w| *w == ["ACK"]), "{writes:?}");
        assert!(
            writes[at + 1..].iter().all(|w| *w == ["DATA"]),
            "{writes:?}"
        );
        let more_frames = usize::from(body.len() > 250);
        assert_eq!(
            (at.min(1), (writes.len() - at - 1).min(1)),
            (more_frames, more_frames),
            "{writes:?}"
        );
    }
    assert_eq!(micro.stats().retransmits, 0);
}

/// The ACK of a REPLY waits while the caller takes the reply, so that the micro's wake-up does
/// not compete with the caller's answer. A caller whose task stalls costs one resend of the
/// REPLY, which ends the wait; the reply still arrives once.
#[tokio::test(start_paused = true)]
async fn a_replys_ack_waits_for_the_caller_to_take_it_or_for_the_micro_to_resend() {
    use std::future::Future;
    use std::task::Poll;
    use tokio::time::Instant;

    let svc = service().await;
    let (line, end) = Once::pair();
    let micro = retromesh_link::spawn(spec("speccy", line), services(&svc));
    let config = SessionConfig::for_baud(115_200);
    let resend_after = Duration::from_millis(config.retransmit_timeout_ms);
    let mut c = FrameClient::new(end, config);
    c.hello(MachineId::Zx48, WAIT).await.unwrap();
    c.call(Body::Listen { label: b"" }, WAIT).await.unwrap();
    let request = || InboundRequest {
        method: Method::Get,
        path: "/now".into(),
        caller: "spiffe://retromesh.local/ns/default/sa/clock".into(),
        body: Vec::new(),
    };

    // A caller waiting on its task: the ACK leaves as soon as the caller has the reply.
    let caller = micro.clone();
    let waiting = tokio::spawn(async move { caller.call(request()).await });
    let req = c.recv_message(WAIT).await.unwrap();
    let sent = Instant::now();
    c.reply(req.id, 200, b"AT ONCE", WAIT).await.unwrap();
    assert!(
        sent.elapsed() < resend_after,
        "ACK after {:?}",
        sent.elapsed()
    );
    assert_eq!(c.session().stats().retransmits, 0);
    assert_eq!(waiting.await.unwrap().unwrap().body, b"AT ONCE");

    // A caller whose task does not run while its reply arrives: the micro resends once.
    let mut stalled = Box::pin(micro.call(request()));
    let first = std::future::poll_fn(|cx| Poll::Ready(stalled.as_mut().poll(cx))).await;
    assert!(first.is_pending());
    let req = c.recv_message(WAIT).await.unwrap();
    let sent = Instant::now();
    c.reply(req.id, 200, b"STALLED", WAIT).await.unwrap();
    assert!(
        sent.elapsed() >= resend_after,
        "ACK after {:?}",
        sent.elapsed()
    );
    assert_eq!(c.session().stats().retransmits, 1);
    assert_eq!(stalled.await.unwrap().body, b"STALLED");
    assert!(micro.state().is_up(), "{:?}", micro.state());
    assert_eq!(micro.stats().bad_messages, 0);
}

#[tokio::test]
async fn every_message_arrives_once_and_in_order_over_a_faulty_line() {
    let svc = service().await;
    let (line, end) = Once::pair();
    let mut spec = spec("speccy", line);
    spec.deadline = Duration::from_secs(20);
    let micro = retromesh_link::spawn(spec, services(&svc));
    let faults = FaultConfig {
        drop: 0.003,
        duplicate: 0.003,
        flip: 0.003,
        seed: 7,
    };
    let faulty = FaultyIo::new(end, faults);
    let stats = faulty.stats_handle();
    let mut cfg = SessionConfig::for_baud(115_200);
    cfg.retransmit_timeout_ms = 150;
    cfg.max_retries = 30;
    let mut c = FrameClient::new(faulty, cfg);
    c.hello(MachineId::Zx48, WAIT).await.unwrap();
    let n = 80;
    for i in 0..n {
        let body = format!("MESSAGE {i:03} {}", "x".repeat(i % 12 * 3));
        let a = c
            .call(
                Body::Post {
                    target: b"svc/log",
                    body: body.as_bytes(),
                },
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(a.status, 200, "message {i}");
        assert_eq!(
            String::from_utf8(a.body).unwrap(),
            format!("GOT {body}"),
            "answer {i}"
        );
    }
    let posts = svc.posts.lock().unwrap().clone();
    let want: Vec<String> = (0..n)
        .map(|i| format!("MESSAGE {i:03} {}", "x".repeat(i % 12 * 3)))
        .collect();
    assert_eq!(
        posts, want,
        "the service saw each message exactly once, in order"
    );
    let f = stats.get();
    let damaged = f.tx.dropped
        + f.tx.duplicated
        + f.tx.flipped
        + f.rx.dropped
        + f.rx.duplicated
        + f.rx.flipped;
    assert!(damaged > 15, "the line really was damaged: {f:?}");
    let s = micro.stats();
    assert!(
        s.resyncs + s.duplicates > 0,
        "the bridge saw the damage: {s:?}"
    );
    assert!(c.session().stats().retransmits > 0);
}

async fn read_block(r: &mut (impl AsyncBufReadExt + Unpin)) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut buf = Vec::new();
        tokio::time::timeout(WAIT, r.read_until(b'\r', &mut buf))
            .await
            .expect("answer in time")
            .unwrap();
        let line = String::from_utf8(buf)
            .unwrap()
            .trim_end_matches('\r')
            .to_string();
        let end = line == "." || line == "+MORE";
        lines.push(line);
        if end {
            return lines;
        }
    }
}

#[tokio::test]
async fn line_mode_answers_commands_errors_and_pages() {
    let svc = service().await;
    let (line, end) = Once::pair();
    let micro = retromesh_link::spawn(spec("speccy", line), services(&svc));
    let (rd, mut wr) = tokio::io::split(end);
    let mut rd = BufReader::new(rd);

    wr.write_all(b"GET weather/today\r").await.unwrap();
    let block = read_block(&mut rd).await;
    up(&micro, Mode::Line).await;
    assert_eq!(block[0], "200 OK");
    assert!(
        block[1..block.len() - 1].iter().all(|l| l.len() <= 32),
        "{block:?}"
    );
    assert!(block.join(" ").contains("light wind"), "{block:?}");

    wr.write_all(b"FETCH weather\r").await.unwrap();
    assert_eq!(
        read_block(&mut rd).await,
        ["400 UNKNOWN COMMAND \"FETCH\": SEND HELP FOR THE LIST", "."]
    );
    wr.write_all(b"\x01\x02ECHO\xff\r").await.unwrap();
    assert_eq!(
        read_block(&mut rd).await[0],
        "400 GARBLED LINE (3 BAD BYTES): CHECK BAUD RATE AND FORMAT"
    );
    wr.write_all(b"GET nosuch/thing\r").await.unwrap();
    let block = read_block(&mut rd).await;
    assert_eq!(block[0], "404 NO SUCH SERVICE");

    wr.write_all(b"PAGE 5\rGET svc/long\r").await.unwrap();
    assert_eq!(read_block(&mut rd).await, ["200 PAGE 5", "."]);
    let page = read_block(&mut rd).await;
    assert_eq!(
        page,
        ["200 OK", "LINE 1", "LINE 2", "LINE 3", "LINE 4", "LINE 5", "+MORE"]
    );
    wr.write_all(b"MORE\r").await.unwrap();
    assert_eq!(read_block(&mut rd).await[0], "LINE 6");
    wr.write_all(b"ECHO \xa3 money\r").await.unwrap(); // a byte the ZX charset lacks
    assert_eq!(
        read_block(&mut rd).await[0],
        "400 GARBLED LINE (1 BAD BYTES): CHECK BAUD RATE AND FORMAT"
    );
    wr.write_all(b"MORE\r").await.unwrap();
    assert_eq!(
        read_block(&mut rd).await[0],
        "400 NOTHING MORE TO SEND",
        "another command dropped the rest"
    );
    assert_eq!(
        micro.stats().line_errors,
        3,
        "FETCH and the two garbled lines"
    );
}

#[tokio::test]
async fn line_mode_serves_a_request_and_says_when_there_is_nothing_to_reply_to() {
    let svc = service().await;
    let (line, end) = Once::pair();
    let micro = retromesh_link::spawn(spec("speccy", line), services(&svc));
    let (rd, mut wr) = tokio::io::split(end);
    let mut rd = BufReader::new(rd);
    wr.write_all(b"REPLY 200 nobody asked\r").await.unwrap();
    assert_eq!(
        read_block(&mut rd).await,
        ["409 NO REQUEST TO REPLY TO", "."]
    );
    wr.write_all(b"LISTEN\r").await.unwrap();
    assert_eq!(read_block(&mut rd).await, ["200 LISTENING", "."]);
    let m = micro.clone();
    let pending = tokio::spawn(async move {
        m.call(InboundRequest {
            method: Method::Post,
            path: "/print".into(),
            caller: "tcp://127.0.0.1:1".into(),
            body: "Café £5 ©2026".as_bytes().to_vec(),
        })
        .await
    });
    let block = read_block(&mut rd).await;
    assert_eq!(
        block,
        [
            "REQUEST 1 POST /print",
            "FROM tcp://127.0.0.1:1",
            "Cafe `5 \u{7f}2026",
            "."
        ]
    );
    wr.write_all(b"REPLY PRINTED \x60\r").await.unwrap();
    assert_eq!(read_block(&mut rd).await, ["200 SENT", "."]);
    let reply = pending.await.unwrap().unwrap();
    assert_eq!(
        (reply.status, String::from_utf8(reply.body).unwrap()),
        (200, "PRINTED £".to_string())
    );
}

#[tokio::test]
async fn deadlines_busy_micros_and_oversize_bodies_get_named_errors() {
    let svc = service().await;
    let (line, end) = Once::pair();
    let mut spec = spec("speccy", line);
    spec.deadline = Duration::from_millis(300);
    spec.queue_depth = 1;
    spec.max_request_body = 64;
    let micro = retromesh_link::spawn(spec, services(&svc));
    let (rd, mut wr) = tokio::io::split(end);
    let mut rd = BufReader::new(rd);
    wr.write_all(b"LISTEN\r").await.unwrap();
    read_block(&mut rd).await;
    let req = |body: &str| InboundRequest {
        method: Method::Post,
        path: "/".into(),
        caller: "test".into(),
        body: body.as_bytes().to_vec(),
    };
    // The micro never replies: the first call is at the micro, one waits, the third is refused.
    let (m1, m2) = (micro.clone(), micro.clone());
    let first = tokio::spawn(async move { m1.call(req("one")).await });
    read_block(&mut rd).await; // the REQUEST reached the micro
    let second = tokio::spawn(async move { m2.call(req("two")).await });
    while micro.waiting() < 1 {
        tokio::task::yield_now().await;
    }
    let third = micro.call(req("three")).await;
    assert!(
        matches!(third, Err(CallError::Busy { depth: 1, .. })),
        "{third:?}"
    );
    let first = first.await.unwrap().unwrap_err();
    assert_eq!(
        first.to_string(),
        "micro speccy did not reply within 300ms: is its program still running?"
    );
    assert!(matches!(
        second.await.unwrap(),
        Err(CallError::Deadline { .. })
    ));
    let big = micro.call(req(&"x".repeat(65))).await.unwrap_err();
    assert_eq!(
        big.to_string(),
        "request body is 65 bytes; micro speccy takes at most 64"
    );
}

#[tokio::test]
async fn garbage_bad_crcs_truncated_and_oversize_frames_are_counted_and_nothing_corrupt_is_delivered(
) {
    use retromesh_link_frame::{FrameKind, FrameRef};
    let svc = service().await;
    let (line, end) = Once::pair();
    let micro = retromesh_link::spawn(spec("speccy", line), services(&svc));
    let mut c = FrameClient::new(end, SessionConfig::for_baud(115_200));
    c.hello(MachineId::Zx48, WAIT).await.unwrap();
    let mut wire = Vec::new();
    FrameRef::new(FrameKind::Data, 1, b"\x06\x01\x00TAMPERED")
        .unwrap()
        .encode_slip(|b| wire.push(b));
    let mut bad_crc = wire.clone();
    let n = bad_crc.len();
    bad_crc[n - 2] ^= 0x40; // the CRC's low byte
    let truncated = wire[..wire.len() / 2]
        .iter()
        .copied()
        .chain([0xC0])
        .collect::<Vec<u8>>();
    let oversize: Vec<u8> = std::iter::once(0xC0)
        .chain(std::iter::repeat_n(b'Z', 400))
        .chain([0xC0])
        .collect();
    let noise = b"\x00\xffline noise\xdb\x01\xc0".to_vec();
    for bytes in [noise, bad_crc, truncated, oversize] {
        c.line_mut().write_all(&bytes).await.unwrap();
    }
    // The link is still in step: the next exchange works, and the tampered payload never
    // reached anyone (an ECHO of it would come back; the next answer is for our id).
    let echo = c
        .call(
            Body::Echo {
                data: b"after the garbage",
            },
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(echo.body, b"after the garbage");
    let s = micro.stats();
    assert!(s.crc_errors >= 1, "{s:?}");
    assert!(
        s.resyncs >= 4,
        "noise, bad CRC, truncated and oversize frames: {s:?}"
    );
    assert!(s.naks_sent >= 1, "damaged frames are NAKed: {s:?}");
    assert_eq!(s.bad_messages, 0, "{s:?}");
}
