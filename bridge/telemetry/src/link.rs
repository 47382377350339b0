//! The link's counters as `retromesh_link_*`, read from each micro at scrape time.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use retromesh_link::{LinkStats, Micro};

/// Reads every micro's counters and link state when Prometheus scrapes.
#[derive(Debug)]
pub struct LinkCollector {
    micros: Vec<Micro>,
}

impl LinkCollector {
    pub fn new(micros: impl IntoIterator<Item = Micro>) -> Self {
        LinkCollector {
            micros: micros.into_iter().collect(),
        }
    }
}

type Field = (&'static str, &'static str, fn(&LinkStats) -> u64);

const COUNTERS: &[Field] = &[
    (
        "retromesh_link_bytes_received",
        "Bytes read from the micro's line",
        |s| s.bytes_rx,
    ),
    (
        "retromesh_link_bytes_sent",
        "Bytes written to the micro's line",
        |s| s.bytes_tx,
    ),
    (
        "retromesh_link_frames_received",
        "Frames delivered from the micro",
        |s| s.frames_rx,
    ),
    (
        "retromesh_link_frames_sent",
        "DATA and NAK frames sent to the micro",
        |s| s.frames_tx,
    ),
    ("retromesh_link_crc_errors", "Frames with a bad CRC", |s| {
        s.crc_errors
    }),
    (
        "retromesh_link_resyncs",
        "Damaged or unusable frames thrown away",
        |s| s.resyncs,
    ),
    (
        "retromesh_link_naks_sent",
        "NAKs sent for damaged frames",
        |s| s.naks_sent,
    ),
    (
        "retromesh_link_retransmits",
        "DATA frames sent again",
        |s| s.retransmits,
    ),
    (
        "retromesh_link_duplicates",
        "Duplicate DATA frames re-ACKed, not delivered",
        |s| s.duplicates,
    ),
    (
        "retromesh_link_bad_messages",
        "Frames whose payload was not a message",
        |s| s.bad_messages,
    ),
    (
        "retromesh_link_lines_received",
        "Line-mode command lines",
        |s| s.lines_rx,
    ),
    (
        "retromesh_link_line_errors",
        "Line-mode lines answered with an error",
        |s| s.line_errors,
    ),
    (
        "retromesh_link_reconnects",
        "Times the line was reopened",
        |s| s.reconnects,
    ),
    (
        "retromesh_link_substituted_chars",
        "Characters transliterated or replaced for the micro",
        |s| s.substituted_chars,
    ),
];

impl Collector for LinkCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats: Vec<(String, LinkStats, i64)> = self
            .micros
            .iter()
            .map(|m| (m.name().to_string(), m.stats(), m.state().as_gauge()))
            .collect();
        for (name, help, get) in COUNTERS {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            for (micro, s, _) in &stats {
                let labels = [("micro", micro.as_str())];
                ConstCounter::new(get(s)).encode(family.encode_family(&labels)?)?;
            }
        }
        let mut family = encoder.encode_descriptor(
            "retromesh_link_state",
            "Link state: 0 down, 1 connecting, 2 up",
            None,
            MetricType::Gauge,
        )?;
        for (micro, _, state) in &stats {
            let labels = [("micro", micro.as_str())];
            ConstGauge::new(*state).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}
