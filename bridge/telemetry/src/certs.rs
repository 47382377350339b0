//! Certificate expiry as gauges, read from the live identities at scrape time, so an alert can
//! fire before a micro's certificate or its trust root runs out
//! (`retromesh_cert_expiry_timestamp_seconds - time() < 3600`).

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;

/// One certificate a micro serves or trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertExpiry {
    pub micro: String,
    /// The SPIFFE ID for a leaf, the subject for a root.
    pub subject: String,
    /// `leaf` or `root`.
    pub kind: &'static str,
    pub not_after: SystemTime,
}

/// Whatever holds the current identities; asked at every scrape.
pub trait CertSource: Send + Sync + 'static {
    fn certs(&self) -> Vec<CertExpiry>;
}

pub struct CertCollector {
    source: Arc<dyn CertSource>,
}

impl CertCollector {
    pub fn new(source: Arc<dyn CertSource>) -> Self {
        CertCollector { source }
    }
}

impl fmt::Debug for CertCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CertCollector")
    }
}

fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

impl Collector for CertCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let certs = self.source.certs();
        let mut family = encoder.encode_descriptor(
            "retromesh_cert_expiry_timestamp_seconds",
            "When a certificate a micro serves (leaf) or trusts (root) expires, as Unix time",
            None,
            MetricType::Gauge,
        )?;
        for c in &certs {
            let labels = [
                ("micro", c.micro.as_str()),
                ("kind", c.kind),
                ("subject", c.subject.as_str()),
            ];
            ConstGauge::new(unix(c.not_after)).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}
