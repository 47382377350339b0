//! The metrics port as Prometheus scrapes it: real HTTP, text that parses, Istio's label set,
//! the link's counters from a live micro; and the readiness port.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use prometheus_client::registry::Registry;
use retromesh_link::profile::MachineProfile;
use retromesh_link::session::OpenedLine;
use retromesh_link::upstream::HttpServices;
use retromesh_link::MicroSpec;
use retromesh_telemetry::{
    serve_metrics, serve_readiness, IstioLabels, LinkCollector, RequestMetrics,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A sample's number. OpenMetrics names a counter's family without `_total`, which this
/// parser reads as untyped: the number is what matters here.
fn value(v: &prometheus_parse::Value) -> f64 {
    match v {
        prometheus_parse::Value::Counter(x)
        | prometheus_parse::Value::Gauge(x)
        | prometheus_parse::Value::Untyped(x) => *x,
        other => panic!("not a plain number: {other:?}"),
    }
}

async fn get(url: String) -> (u16, String) {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let resp = client.get(url.parse().unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_with_istio_labels_and_link_counters() {
    let (a, b) = tokio::io::duplex(4096);
    let micro = retromesh_link::spawn(
        MicroSpec::new(
            "speccy",
            MachineProfile::by_name("zx-next").unwrap().clone(),
            Arc::new(OpenedLine::new(Box::new(a), "test line")),
        ),
        Arc::new(HttpServices::new(
            Default::default(),
            Duration::from_secs(1),
            1024,
        )),
    );
    // Some line-mode traffic, so the counters are not all zero.
    let (rd, mut wr) = tokio::io::split(b);
    let mut rd = BufReader::new(rd);
    wr.write_all(b"ECHO HI\rNOPE\r").await.unwrap();
    let mut lines = 0;
    while lines < 5 {
        let mut l = Vec::new();
        rd.read_until(b'\r', &mut l).await.unwrap();
        lines += 1;
    }

    let mut registry = Registry::default();
    let requests = RequestMetrics::register(&mut registry);
    registry.register_collector(Box::new(LinkCollector::new([micro.clone()])));
    let labels = IstioLabels::new("destination")
        .with_source_principal("spiffe://cluster.local/ns/default/sa/weather")
        .with_destination_principal(
            "spiffe://cluster.local/ns/retromesh/sa/speccy",
            "speccy.retromesh.svc.cluster.local",
        );
    let mut ok = labels.clone();
    ok.response_code = "200".into();
    ok.connection_security_policy = "mutual_tls".into();
    requests.record(&ok, Duration::from_millis(120), 11, 9);
    requests.record(&ok, Duration::from_millis(80), 5, 9);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_metrics(listener, Arc::new(registry)));
    let (status, text) = get(format!("http://{addr}/stats/prometheus")).await;
    assert_eq!(status, 200);

    let scrape =
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("parses");
    let requests_total = scrape
        .samples
        .iter()
        .find(|s| s.metric == "istio_requests_total")
        .unwrap_or_else(|| panic!("istio_requests_total missing:\n{text}"));
    assert_eq!(value(&requests_total.value), 2.0, "{text}");
    for label in [
        "reporter",
        "source_workload",
        "source_workload_namespace",
        "source_principal",
        "destination_workload",
        "destination_workload_namespace",
        "destination_principal",
        "destination_service",
        "destination_service_name",
        "destination_service_namespace",
        "request_protocol",
        "response_code",
        "response_flags",
        "connection_security_policy",
    ] {
        assert!(
            requests_total.labels.get(label).is_some(),
            "label {label} missing"
        );
    }
    assert_eq!(
        requests_total.labels.get("source_workload"),
        Some("weather")
    );
    assert_eq!(
        requests_total.labels.get("destination_workload_namespace"),
        Some("retromesh")
    );
    assert_eq!(
        requests_total.labels.get("connection_security_policy"),
        Some("mutual_tls")
    );
    let duration = scrape
        .samples
        .iter()
        .find(|s| s.metric == "istio_request_duration_milliseconds")
        .expect("duration histogram");
    match &duration.value {
        prometheus_parse::Value::Histogram(buckets) => {
            let le_128 = buckets
                .iter()
                .find(|b| b.less_than == 128.0)
                .expect("a 128 ms bucket");
            assert_eq!(le_128.count, 2.0, "both requests took under 128 ms");
        }
        other => panic!("not a histogram: {other:?}"),
    }

    let sample = |name: &str| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && s.labels.get("micro") == Some("speccy"))
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
            .value
            .clone()
    };
    assert_eq!(value(&sample("retromesh_link_lines_received_total")), 2.0);
    assert_eq!(value(&sample("retromesh_link_line_errors_total")), 1.0);
    assert_eq!(value(&sample("retromesh_link_state")), 2.0);
    assert!(
        text.contains("# TYPE istio_requests counter") && text.trim_end().ends_with("# EOF"),
        "OpenMetrics text"
    );
}

#[tokio::test]
async fn readiness_says_why_it_is_not_ready() {
    let (tx, rx) = tokio::sync::watch::channel(Err("no identity yet".to_string()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_readiness(listener, rx));
    let (status, body) = get(format!("http://{addr}/healthz/ready")).await;
    assert_eq!(
        (status, body.as_str()),
        (503, "not ready: no identity yet\n")
    );
    tx.send(Ok(())).unwrap();
    let (status, _) = get(format!("http://{addr}/healthz/ready")).await;
    assert_eq!(status, 200);
}

struct FixedCerts(Vec<retromesh_telemetry::CertExpiry>);

impl retromesh_telemetry::CertSource for FixedCerts {
    fn certs(&self) -> Vec<retromesh_telemetry::CertExpiry> {
        self.0.clone()
    }
}

#[tokio::test]
async fn certificate_expiry_gauges_carry_the_micro_and_the_unix_time() {
    use std::time::{SystemTime, UNIX_EPOCH};
    let leaf_end = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
    let root_end = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    let source = FixedCerts(vec![
        retromesh_telemetry::CertExpiry {
            micro: "speccy".into(),
            subject: "spiffe://cluster.local/ns/retromesh/sa/speccy".into(),
            kind: "leaf",
            not_after: leaf_end,
        },
        retromesh_telemetry::CertExpiry {
            micro: "speccy".into(),
            subject: "CN=retromesh dev CA".into(),
            kind: "root",
            not_after: root_end,
        },
    ]);
    let mut registry = Registry::default();
    registry.register_collector(Box::new(retromesh_telemetry::CertCollector::new(Arc::new(
        source,
    ))));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_metrics(listener, Arc::new(registry)));
    let (status, text) = get(format!("http://{addr}/stats/prometheus")).await;
    assert_eq!(status, 200);
    let scrape =
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("parses");
    let gauge = |kind: &str| {
        scrape
            .samples
            .iter()
            .find(|s| {
                s.metric == "retromesh_cert_expiry_timestamp_seconds"
                    && s.labels.get("kind") == Some(kind)
            })
            .unwrap_or_else(|| panic!("no {kind} expiry gauge in:\n{text}"))
    };
    assert_eq!(value(&gauge("leaf").value), 1_900_000_000.0);
    assert_eq!(gauge("leaf").labels.get("micro"), Some("speccy"));
    assert_eq!(
        gauge("leaf").labels.get("subject"),
        Some("spiffe://cluster.local/ns/retromesh/sa/speccy")
    );
    assert_eq!(value(&gauge("root").value), 2_000_000_000.0);
    assert!(SystemTime::now() < leaf_end);
}
