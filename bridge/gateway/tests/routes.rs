//! The `/v1` routes a user meets with curl: print, printout, screen, per-route body limits,
//! and bad input (bad names, traversal, wrong methods, malformed HTTP), each with a clear
//! status and a record in the micro's recent errors.

mod support;

use std::sync::Arc;

use retromesh_gateway::{Api, MicroView, ViewFuture};
use support::{answering_micro, echo_micro, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A printer and screen with fixed contents, standing in for the emulator.
struct FixedView;

impl MicroView for FixedView {
    fn printout_png(&self) -> ViewFuture<Vec<u8>> {
        Box::pin(async { Ok(b"\x89PNG\r\n\x1a\nprintout".to_vec()) })
    }
    fn printout_text(&self) -> ViewFuture<String> {
        Box::pin(async { Ok("HELLO FROM THE PRINTER".to_string()) })
    }
    fn screen_png(&self) -> ViewFuture<Vec<u8>> {
        Box::pin(async { Ok(b"\x89PNG\r\n\x1a\nscreen".to_vec()) })
    }
}

/// speccy (emulated: has a view; replies with its request line) and c64 (real: no view).
async fn api() -> Api {
    let speccy = answering_micro("speccy", |block| {
        block.iter().find(|l| l.starts_with("REQUEST ")).cloned()
    })
    .await;
    Api::new([speccy, echo_micro("c64").await]).with_view("speccy", Arc::new(FixedView))
}

async fn serve(api: Api) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(retromesh_gateway::serve(listener, api));
    format!("http://{addr}")
}

/// curl: (status, content type, body).
async fn curl(args: &[&str]) -> (String, String, String) {
    let mut all = vec!["-sS", "-o", "-", "-w", "\n%{http_code} %{content_type}"];
    all.extend(args);
    let o = run("curl", &all, None).await;
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let (body, tail) = text.rsplit_once('\n').unwrap();
    let (status, ct) = tail.split_once(' ').unwrap_or((tail, ""));
    (status.to_string(), ct.to_string(), body.to_string())
}

#[tokio::test]
async fn print_goes_to_the_micro_as_post_print() {
    let base = serve(api().await).await;
    let (status, _, body) = curl(&["-d", "HELLO", &format!("{base}/v1/micros/speccy/print")]).await;
    assert_eq!(
        (status.as_str(), body.as_str()),
        ("200", "REQUEST 1 POST /print")
    );
}

#[tokio::test]
async fn printout_is_png_by_default_and_text_on_request() {
    let base = serve(api().await).await;
    let url = format!("{base}/v1/micros/speccy/printout");
    let (status, ct, body) = curl(&[&url]).await;
    assert_eq!((status.as_str(), ct.as_str()), ("200", "image/png"));
    assert!(body.ends_with("printout"), "{body}");
    let (status, ct, body) = curl(&["-H", "Accept: text/plain", &url]).await;
    assert_eq!(status, "200");
    assert!(ct.starts_with("text/plain"), "{ct}");
    assert_eq!(body.trim_end(), "HELLO FROM THE PRINTER");
    let (_, ct, body) = curl(&[&format!("{url}.txt")]).await;
    assert!(
        ct.starts_with("text/plain") && body.contains("PRINTER"),
        "{ct} {body}"
    );
    let (_, ct, _) = curl(&["-H", "Accept: text/plain", &format!("{url}.png")]).await;
    assert_eq!(ct, "image/png", "the extension wins over Accept");

    // A real micro's printer is paper the bridge cannot see.
    let (status, _, body) = curl(&[&format!("{base}/v1/micros/c64/printout")]).await;
    assert_eq!(status, "404");
    assert!(body.contains("real paper"), "{body}");
}

#[tokio::test]
async fn screen_from_the_emulator_or_501_naming_why_for_a_line_mode_micro() {
    let base = serve(api().await).await;
    let (status, ct, body) = curl(&[&format!("{base}/v1/micros/speccy/screen.png")]).await;
    assert_eq!((status.as_str(), ct.as_str()), ("200", "image/png"));
    assert!(body.ends_with("screen"));
    let (status, _, body) = curl(&[&format!("{base}/v1/micros/c64/screen.png")]).await;
    assert_eq!(status, "501", "{body}");
    assert!(body.contains("line mode"), "{body}");
}

#[tokio::test]
async fn each_route_has_a_body_limit_and_a_413_states_it() {
    let base = serve(api().await).await;
    let print = format!("{base}/v1/micros/speccy/print");
    let big = "A".repeat(3000);
    let (status, _, body) = curl(&["-d", &big, &print]).await;
    assert_eq!(status, "413");
    assert!(body.contains("at most 2048"), "{body}");
    // Chunked, so no Content-Length to refuse early: the limited reader catches it.
    let (status, _, body) = curl(&["-H", "Transfer-Encoding: chunked", "-d", &big, &print]).await;
    assert_eq!(status, "413", "{body}");
    let (status, _, body) = curl(&[
        "-d",
        "x",
        "-X",
        "GET",
        &format!("{base}/v1/micros/speccy/printout"),
    ])
    .await;
    assert_eq!(status, "413");
    assert!(
        body.contains("takes no request body (limit 0 bytes)"),
        "{body}"
    );
    let rpc_big = "B".repeat(70 * 1024);
    let (status, _, body) = curl(&["-d", &rpc_big, &format!("{base}/v1/micros/speccy/rpc")]).await;
    assert_eq!(status, "413");
    assert!(body.contains("takes at most"), "{body}");
    let (status, _, _) = curl(&["-d", "FITS", &print]).await;
    assert_eq!(status, "200");
}

#[tokio::test]
async fn bad_names_traversal_unknown_micros_and_wrong_methods() {
    let api = api().await;
    let base = serve(api.clone()).await;
    for (path, status, says) in [
        ("/v1/micros/../rpc", "400", "is not a micro name"),
        (
            "/v1/micros/..%2f..%2fetc%2fpasswd/rpc",
            "400",
            "is not a micro name",
        ),
        ("/v1/micros/%2e%2e/printout", "400", "is not a micro name"),
        ("/v1/micros/SPECCY/rpc", "400", "lowercase letters"),
        (
            "/v1/micros/a-very-long-name-that-is-over-thirty-two/rpc",
            "400",
            "1-32",
        ),
        ("/v1/micros/zx81/rpc", "404", "this bridge has: c64, speccy"),
        ("/v1/micros/speccy/reboot", "404", "the routes are"),
        ("/etc/passwd", "404", "no route"),
    ] {
        let (got, _, body) = curl(&["--path-as-is", &format!("{base}{path}")]).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(says), "{path}: {body}");
    }
    let o = run(
        "curl",
        &[
            "-sS",
            "-i",
            "-X",
            "PUT",
            &format!("{base}/v1/micros/speccy/rpc"),
        ],
        None,
    )
    .await;
    let head = String::from_utf8_lossy(&o.stdout).to_lowercase();
    assert!(
        head.starts_with("http/1.1 405") && head.contains("allow: get, post"),
        "{head}"
    );
    let o = run(
        "curl",
        &[
            "-sS",
            "-i",
            "-X",
            "DELETE",
            &format!("{base}/v1/micros/speccy/print"),
        ],
        None,
    )
    .await;
    let head = String::from_utf8_lossy(&o.stdout).to_lowercase();
    assert!(
        head.starts_with("http/1.1 405") && head.contains("allow: post"),
        "{head}"
    );

    let recent = api.recent_errors("speccy");
    assert!(
        recent.iter().any(|e| e.status == 405 && e.method == "PUT"),
        "{recent:?}"
    );
    assert!(recent.iter().all(|e| !e.reason.is_empty()));
    assert!(
        api.recent_errors("zx81").is_empty(),
        "made-up names are not kept"
    );
}

#[tokio::test]
async fn malformed_http_gets_a_400_and_the_server_carries_on() {
    let base = serve(api().await).await;
    let addr = base.trim_start_matches("http://");
    for junk in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /v1/micros HTTP/9.9\r\n\r\n",
        b"GET /v1/micros HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"\x00\x01\x02\x03\r\n\r\n",
    ] {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(junk).await.unwrap();
        let mut got = Vec::new();
        tokio::time::timeout(support::WAIT, s.read_to_end(&mut got))
            .await
            .expect("the connection is answered and closed, not left hanging")
            .unwrap();
        let text = String::from_utf8_lossy(&got);
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 400") || text.starts_with("HTTP/1.1 505"),
            "{junk:?}: {text}"
        );
    }
    let (status, _, _) = curl(&[&format!("{base}/v1/micros")]).await;
    assert_eq!(status, "200");
}

#[tokio::test]
async fn a_body_that_stops_half_way_gets_a_408_naming_the_wait() {
    let api = api()
        .await
        .with_body_timeout(std::time::Duration::from_millis(300));
    let base = serve(api).await;
    let mut s = TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    s.write_all(
        b"POST /v1/micros/speccy/rpc HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part",
    )
    .await
    .unwrap();
    let mut got = vec![0u8; 1024];
    let n = tokio::time::timeout(support::WAIT, s.read(&mut got))
        .await
        .expect("answered, not left hanging")
        .unwrap();
    let text = String::from_utf8_lossy(&got[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains("request body not complete within 300ms")
            && text.contains("at most 2048 bytes"),
        "{text}"
    );
}

/// A frame-mode micro on an in-memory line, its client announcing `capabilities`.
async fn frame_micro(
    capabilities: u8,
) -> (
    retromesh_link::Micro,
    retromesh_link::client::FrameClient<tokio::io::DuplexStream>,
) {
    use retromesh_link::profile::{LinkOverrides, MachineProfile};
    use retromesh_link_frame::{MachineId, SessionConfig};
    let (a, b) = tokio::io::duplex(64 * 1024);
    let profile = LinkOverrides {
        baud: Some(115_200),
        byte_gap_ms: Some(0),
        line_gap_ms: Some(0),
        ..Default::default()
    }
    .apply(MachineProfile::by_name("zx-if1").unwrap())
    .unwrap();
    let spec = retromesh_link::MicroSpec::new(
        "speccy",
        profile,
        Arc::new(retromesh_link::session::OpenedLine::new(
            Box::new(a),
            "test line",
        )),
    );
    let micro = retromesh_link::spawn(
        spec,
        Arc::new(retromesh_link::upstream::HttpServices::new(
            Default::default(),
            support::WAIT,
            1024,
        )),
    );
    let mut client = retromesh_link::client::FrameClient::new(b, SessionConfig::for_baud(115_200));
    client
        .hello_with(MachineId::Zx48, capabilities, support::WAIT)
        .await
        .unwrap();
    tokio::time::timeout(support::WAIT, micro.wait_for(|s| s.is_up()))
        .await
        .unwrap();
    (micro, client)
}

#[tokio::test]
async fn a_real_micro_sends_its_screen_over_the_link_when_its_library_can() {
    use retromesh_link_frame::hello::CAP_SCREEN;
    let (micro, mut client) = frame_micro(CAP_SCREEN).await;
    // The renderer is the bridge's; here it reports what it was given.
    let api = Api::new([micro]).with_screen_renderer(Arc::new(|b: &[u8]| {
        Ok(format!("drawn {} bytes, first {:02x}", b.len(), b[0]).into_bytes())
    }));
    let base = serve(api).await;
    let screen: Vec<u8> = (0..6912).map(|i| (i % 251) as u8 + 1).collect();
    let answering = tokio::spawn(async move {
        client.answer_screen(&screen, support::WAIT).await.unwrap();
        client
    });
    let (status, ct, body) = curl(&[&format!("{base}/v1/micros/speccy/screen.png")]).await;
    assert_eq!(
        (status.as_str(), ct.as_str()),
        ("200", "image/png"),
        "{body}"
    );
    assert_eq!(body, "drawn 6912 bytes, first 01");
    answering.await.unwrap();
}

#[tokio::test]
async fn a_real_micro_whose_library_cannot_send_its_screen_gets_a_501_naming_its_version() {
    let (micro, _client) = frame_micro(0).await;
    let base = serve(Api::new([micro])).await;
    let (status, _, body) = curl(&[&format!("{base}/v1/micros/speccy/screen.png")]).await;
    assert_eq!(status, "501", "{body}");
    assert!(
        body.contains("version 1.1") && body.contains("cannot send its screen"),
        "{body}"
    );
}
