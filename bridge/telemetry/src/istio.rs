//! Istio's standard metrics: `istio_requests_total`, `istio_request_duration_milliseconds`,
//! `istio_request_bytes`, `istio_response_bytes`, with the label set Kiali and the Istio
//! Grafana dashboards query. A label with no value is "unknown", as Istio writes it.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The labels of every Istio request metric.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IstioLabels {
    /// `destination` for the gateway's inbound requests, `source` for a micro's outbound ones.
    pub reporter: String,
    pub source_workload: String,
    pub source_workload_namespace: String,
    pub source_principal: String,
    pub source_app: String,
    pub source_canonical_service: String,
    pub destination_workload: String,
    pub destination_workload_namespace: String,
    pub destination_principal: String,
    pub destination_app: String,
    pub destination_canonical_service: String,
    pub destination_service: String,
    pub destination_service_name: String,
    pub destination_service_namespace: String,
    pub request_protocol: String,
    pub response_code: String,
    pub response_flags: String,
    /// `mutual_tls` or `unknown`.
    pub connection_security_policy: String,
}

const UNKNOWN: &str = "unknown";

impl IstioLabels {
    /// Labels with every field "unknown" except `reporter`; fill in what is known.
    pub fn new(reporter: &str) -> Self {
        let u = || UNKNOWN.to_string();
        IstioLabels {
            reporter: reporter.into(),
            source_workload: u(),
            source_workload_namespace: u(),
            source_principal: u(),
            source_app: u(),
            source_canonical_service: u(),
            destination_workload: u(),
            destination_workload_namespace: u(),
            destination_principal: u(),
            destination_app: u(),
            destination_canonical_service: u(),
            destination_service: u(),
            destination_service_name: u(),
            destination_service_namespace: u(),
            request_protocol: "http".into(),
            response_code: u(),
            response_flags: "-".into(),
            connection_security_policy: u(),
        }
    }

    /// Fills the source side from a SPIFFE ID `spiffe://td/ns/NS/sa/SA`.
    pub fn with_source_principal(mut self, spiffe_id: &str) -> Self {
        if let Some((ns, sa)) = ns_sa(spiffe_id) {
            self.source_workload = sa.clone();
            self.source_workload_namespace = ns;
            self.source_app = sa.clone();
            self.source_canonical_service = sa;
        }
        self.source_principal = spiffe_id.into();
        self
    }

    /// Fills the destination side for a micro served under `spiffe_id`.
    pub fn with_destination_principal(mut self, spiffe_id: &str, service_host: &str) -> Self {
        if let Some((ns, sa)) = ns_sa(spiffe_id) {
            self.destination_workload = sa.clone();
            self.destination_app = sa.clone();
            self.destination_canonical_service = sa.clone();
            self.destination_service_name = sa;
            self.destination_workload_namespace = ns.clone();
            self.destination_service_namespace = ns;
        }
        self.destination_principal = spiffe_id.into();
        self.destination_service = service_host.into();
        self
    }
}

/// `ns` and `sa` of an Istio-form SPIFFE ID.
fn ns_sa(spiffe_id: &str) -> Option<(String, String)> {
    let path = spiffe_id.strip_prefix("spiffe://")?.split_once('/')?.1;
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["ns", ns, "sa", sa] => Some((ns.to_string(), sa.to_string())),
        _ => None,
    }
}

/// The four request metrics, registered under Istio's names.
#[derive(Debug, Clone)]
pub struct RequestMetrics {
    requests: Family<IstioLabels, Counter>,
    duration_ms: Family<IstioLabels, Histogram>,
    request_bytes: Family<IstioLabels, Histogram>,
    response_bytes: Family<IstioLabels, Histogram>,
}

impl RequestMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        // Istio's own bucket boundaries are in milliseconds from 0.5 ms up; requests to a
        // micro at 9600 baud take 50 ms to many seconds, so the range reaches ~65 s.
        let ms = || Histogram::new(exponential_buckets(0.5, 2.0, 18));
        let bytes = || Histogram::new(exponential_buckets(1.0, 4.0, 10));
        let m = RequestMetrics {
            requests: Family::default(),
            duration_ms: Family::new_with_constructor(ms),
            request_bytes: Family::new_with_constructor(bytes),
            response_bytes: Family::new_with_constructor(bytes),
        };
        registry.register(
            "istio_requests",
            "Requests, as Istio counts them",
            m.requests.clone(),
        );
        registry.register(
            "istio_request_duration_milliseconds",
            "Request duration in milliseconds",
            m.duration_ms.clone(),
        );
        registry.register(
            "istio_request_bytes",
            "Request body sizes",
            m.request_bytes.clone(),
        );
        registry.register(
            "istio_response_bytes",
            "Response body sizes",
            m.response_bytes.clone(),
        );
        m
    }

    /// Counts one finished request.
    pub fn record(
        &self,
        labels: &IstioLabels,
        took: Duration,
        request_bytes: u64,
        response_bytes: u64,
    ) {
        self.requests.get_or_create(labels).inc();
        self.duration_ms
            .get_or_create(labels)
            .observe(took.as_secs_f64() * 1000.0);
        self.request_bytes
            .get_or_create(labels)
            .observe(request_bytes as f64);
        self.response_bytes
            .get_or_create(labels)
            .observe(response_bytes as f64);
    }
}
