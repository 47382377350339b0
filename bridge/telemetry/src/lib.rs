//! Telemetry for the bridge: Prometheus text with Istio's standard request metrics (so Kiali
//! and Grafana's Istio dashboards show the micros), the link's counters as
//! `retromesh_link_*`, certificate expiry, and the readiness endpoint.

pub mod certs;
pub mod istio;
pub mod link;
pub mod server;

pub use certs::{CertCollector, CertExpiry, CertSource};
pub use istio::{IstioLabels, RequestMetrics};
pub use link::LinkCollector;
pub use server::{serve_metrics, serve_readiness};
