//! The link's timings and counters.

/// Timings of the link, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParallelConfig {
    /// How long /FLAG2 is held low per pulse. The 6526 samples FLAG on φ2 (~1 µs).
    pub flag2_pulse_us: u32,
    /// A request (or its turnaround) with no progress for this long is abandoned.
    pub request_timeout_us: u32,
    /// A response byte not acknowledged within this long ends the response; the bytes not yet
    /// acknowledged stay queued.
    pub ack_timeout_us: u32,
}

impl Default for ParallelConfig {
    fn default() -> Self {
        ParallelConfig {
            flag2_pulse_us: 2,
            request_timeout_us: 10_000,
            ack_timeout_us: 50_000,
        }
    }
}

/// Counters, one per outcome and error kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParallelStats {
    /// Requests received in full.
    pub requests: u32,
    /// Responses delivered in full.
    pub responses: u32,
    /// Payload bytes queued for the host.
    pub bytes_to_host: u32,
    /// Data bytes the C64 acknowledged.
    pub bytes_to_micro: u32,
    /// First bytes that were not 'R' (dropped).
    pub bad_first_byte: u32,
    /// Requests abandoned for lack of a next strobe or of the turnaround.
    pub request_timeouts: u32,
    /// Requests cut short by PA2 going low.
    pub requests_aborted: u32,
    /// Requests answered with [`STATUS_BAD_REQUEST`](super::STATUS_BAD_REQUEST).
    pub bad_requests: u32,
    /// Requests answered with [`STATUS_HOST_FULL`](super::STATUS_HOST_FULL).
    pub host_full: u32,
    /// Responses abandoned because an acknowledge did not come in time.
    pub ack_timeouts: u32,
    /// Responses cut short by PA2 going high.
    pub responses_aborted: u32,
    /// /PC2 edges that meant nothing (PA2 low with no response pending, or mid-turnaround).
    pub stray_strobes: u32,
}
