//! Fuzzing the request routing and the header handling. `FUZZ_CASES` sets the cases per
//! property (default 2000); the count run is printed.

mod support;

use std::sync::OnceLock;

use hyper::Method;
use proptest::prelude::*;
use retromesh_gateway::api::{check_name, route, Route, RouteError};
use retromesh_gateway::{serve_connection, Api, Caller, HttpLimits, HttpVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn cases() -> u32 {
    let n = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    eprintln!("fuzz: {n} cases per property");
    n
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        Just(Method::HEAD),
        Just(Method::OPTIONS),
    ]
}

/// Paths near the real ones, and anything.
fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        Just("v1".to_string()),
        Just("micros".to_string()),
        Just("speccy".to_string()),
        Just("rpc".to_string()),
        Just("print".to_string()),
        Just("printout.txt".to_string()),
        Just("screen.png".to_string()),
        Just("..".to_string()),
        Just("%2e%2e".to_string()),
        "[a-z0-9-]{0,40}",
        "[ -~]{0,20}",
        any::<String>(),
    ];
    prop::collection::vec(segment, 0..6).prop_map(|s| format!("/{}", s.join("/")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Routing never panics, and agrees with a plain model for well-formed paths.
    #[test]
    fn routing_agrees_with_the_model(m in method(), name in "[ -~]{0,40}", action in prop_oneof![
        Just("rpc"), Just("rpc/x/y"), Just("print"), Just("printout"), Just("printout.txt"), Just("screen.png"), Just("nope")
    ]) {
        let path = format!("/v1/micros/{name}/{action}");
        let got = route(&m, &path, None);
        let name_ok = check_name(&name).is_ok() && !name.contains('/');
        match got {
            Err(RouteError::BadName(_)) => prop_assert!(!name_ok, "{path}"),
            Err(RouteError::NotFound(_)) => prop_assert!(!name_ok || action == "nope", "{path}"),
            Err(RouteError::Method { .. }) => prop_assert!(name_ok),
            Ok(r) => {
                prop_assert!(name_ok, "{path}");
                prop_assert_eq!(r.micro(), Some(name.as_str()));
                let expected_method = match (&r, &m) {
                    (Route::Rpc { .. }, m) => *m == Method::GET || *m == Method::POST,
                    (Route::Print { .. }, m) => *m == Method::POST,
                    (_, m) => *m == Method::GET || *m == Method::HEAD,
                };
                prop_assert!(expected_method, "{m} {path} -> {r:?}");
            }
        }
    }

    #[test]
    fn any_path_routes_without_panicking(m in method(), p in path(), q in proptest::option::of("[ -~]{0,20}")) {
        let _ = route(&m, &p, q.as_deref());
    }
}

fn runtime() -> &'static (tokio::runtime::Runtime, Api) {
    static RT: OnceLock<(tokio::runtime::Runtime, Api)> = OnceLock::new();
    RT.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let api = rt.block_on(async { Api::new([support::echo_micro("speccy").await]) });
        (rt, api)
    })
}

/// Writes `head` to a fresh connection and reads until the server answers or closes.
fn exchange(head: Vec<u8>) -> Vec<u8> {
    let (rt, api) = runtime();
    rt.block_on(async {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let limits = HttpLimits {
            header_read_timeout: std::time::Duration::from_millis(200),
            ..HttpLimits::default()
        };
        tokio::spawn(serve_connection(
            server,
            Caller::unauthenticated("127.0.0.1:1".parse().unwrap()),
            api.clone(),
            HttpVersion::Http1,
            limits,
        ));
        let (mut rd, mut wr) = tokio::io::split(client);
        let _ = wr.write_all(&head).await;
        let mut got = Vec::new();
        tokio::time::timeout(std::time::Duration::from_secs(5), rd.read_to_end(&mut got))
            .await
            .expect("every request head is answered or cut off within 5 s")
            .ok();
        got
    })
}

fn status(reply: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(reply.get(..12)?).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.parse().ok()
}

const STATUSES: &[u16] = &[
    200, 400, 403, 404, 405, 408, 413, 431, 501, 502, 503, 504, 505,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 4, ..ProptestConfig::default() })]

    /// Arbitrary request lines and headers through the real HTTP server: always a documented
    /// status (or a closed connection for bytes that are not HTTP at all), never a hang.
    #[test]
    fn request_heads_get_a_documented_status(
        m in "[A-Z]{1,8}",
        p in path(),
        headers in prop::collection::vec(("[A-Za-z-]{1,20}", "[ -~]{0,60}"), 0..6),
        raw in prop::collection::vec(any::<u8>(), 0..64),
        use_raw in any::<bool>(),
    ) {
        let head = if use_raw {
            let mut r = raw.clone();
            r.extend_from_slice(b"\r\n\r\n");
            r
        } else {
            let mut h = format!("{m} {p} HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n");
            for (k, v) in &headers {
                h.push_str(&format!("{k}: {v}\r\n"));
            }
            h.push_str("\r\n");
            h.into_bytes()
        };
        let reply = exchange(head);
        if let Some(code) = status(&reply) {
            prop_assert!(STATUSES.contains(&code), "status {code}: {}", String::from_utf8_lossy(&reply));
        } else {
            prop_assert!(reply.is_empty() || use_raw, "not HTTP: {}", String::from_utf8_lossy(&reply));
        }
    }
}
