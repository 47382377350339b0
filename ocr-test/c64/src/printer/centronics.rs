//! A Centronics printer on the user port, geoCable-style: PB0-7 → D0-7, PA2 →
//! /STROBE, BUSY → /FLAG2. The printer side is the adapter firmware's own
//! [`CentronicsCapture`] on virtual pins, so the tests exercise the code a real adapter runs.

use std::sync::{Arc, Mutex, MutexGuard};

use retromesh_adapter::centronics::{
    CaptureEvent, CaptureStats, CentronicsCapture, CentronicsConfig,
};
use retromesh_adapter::sim::{VirtualBus, VirtualPin};

use super::{C64Printout, PetsciiPrinter};
use crate::userport::{UserPortDevice, UserPortIn, UserPortOut};
use crate::PAL_CLOCK_HZ;

/// What the printer has received, shared between the device (inside the C64) and the test.
#[derive(Debug)]
struct Shared {
    printer: PetsciiPrinter,
    bytes: Vec<u8>,
    job_open: bool,
    timeouts: u32,
    jobs: u32,
    stats: CaptureStats,
}

/// The printer's side of the user port, to attach with `C64::attach_user_port`.
#[derive(Debug)]
pub struct CentronicsPrinter {
    capture: CentronicsCapture<VirtualBus, VirtualPin, VirtualPin, VirtualPin>,
    data: VirtualBus,
    strobe: VirtualPin,
    busy: VirtualPin,
    /// The capture's counters as last shared, so the lock is taken only when they move.
    stats: CaptureStats,
    shared: Arc<Mutex<Shared>>,
}

/// The test's view of a [`CentronicsPrinter`] attached to a C64.
#[derive(Debug, Clone)]
pub struct PrinterHandle(Arc<Mutex<Shared>>);

impl CentronicsPrinter {
    /// A printer that prints with `printer` and ends a job after `idle_timeout_us` without a
    /// strobe (the capture's default: 2 s).
    pub fn new(
        printer: PetsciiPrinter,
        idle_timeout_us: u64,
    ) -> (CentronicsPrinter, PrinterHandle) {
        let (data, strobe, busy, ack) = (
            VirtualBus::new(),
            VirtualPin::new(true),
            VirtualPin::new(false),
            VirtualPin::new(true),
        );
        let config = CentronicsConfig {
            idle_timeout_us,
            ..CentronicsConfig::default()
        };
        // Virtual pins never fail (their error type is Infallible).
        let capture =
            CentronicsCapture::new(data.clone(), strobe.clone(), busy.clone(), ack, config)
                .expect("virtual pins cannot fail");
        let shared = Arc::new(Mutex::new(Shared {
            printer,
            bytes: Vec::new(),
            job_open: false,
            timeouts: 0,
            jobs: 0,
            stats: CaptureStats::default(),
        }));
        let device = CentronicsPrinter {
            capture,
            data,
            strobe,
            busy,
            stats: CaptureStats::default(),
            shared: shared.clone(),
        };
        (device, PrinterHandle(shared))
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A panic elsewhere cannot leave the paper half-changed in a way worth refusing to read.
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

impl UserPortDevice for CentronicsPrinter {
    fn step(&mut self, now_cycles: u64, out: &UserPortOut) -> UserPortIn {
        // The C64 drives the PB pins its DDR marks as outputs; the rest are pulled up.
        self.data.set_external(out.pb, out.pb_ddr);
        self.strobe.set(out.pa2);
        let now_us = (u128::from(now_cycles) * 1_000_000 / u128::from(PAL_CLOCK_HZ)) as u64;
        let event = self.capture.poll(now_us);
        if event.is_some() || *self.capture.stats() != self.stats {
            self.stats = *self.capture.stats();
            let mut shared = lock(&self.shared);
            shared.stats = self.stats;
            self.record(&mut shared, event);
        }
        // /FLAG2 carries BUSY: its fall (the printer ready again) is the FLAG edge.
        UserPortIn {
            pb: 0xFF,
            flag2_low: !self.busy.get(),
        }
    }
}

impl CentronicsPrinter {
    fn record(&self, shared: &mut Shared, event: Option<CaptureEvent>) {
        if let Some(event) = event {
            match event {
                CaptureEvent::Byte(byte) => {
                    shared.printer.write_byte(byte);
                    shared.bytes.push(byte);
                    shared.job_open = true;
                }
                CaptureEvent::JobEnded { .. } => {
                    shared.printer.end_job();
                    shared.job_open = false;
                    shared.timeouts += 1;
                    shared.jobs += 1;
                }
            }
        }
    }
}

impl PrinterHandle {
    /// Ends a job still open when the run stops (the program returned, or the budget ran out
    /// before the idle timeout), so its last line is finished. The paper so far is kept.
    pub fn finish(&self) {
        let mut shared = lock(&self.0);
        if std::mem::take(&mut shared.job_open) {
            shared.printer.end_job();
            shared.jobs += 1;
        }
    }

    pub fn printout(&self) -> C64Printout {
        lock(&self.0).printer.printout().clone()
    }

    /// The text the printer printed (its own transcript, not a reading of the paper).
    pub fn text(&self) -> String {
        lock(&self.0).printer.text()
    }

    /// Every byte latched, in order.
    pub fn bytes(&self) -> Vec<u8> {
        lock(&self.0).bytes.clone()
    }

    /// Jobs ended, by the idle timeout or by [`finish`](Self::finish).
    pub fn jobs_ended(&self) -> u32 {
        lock(&self.0).jobs
    }

    /// Jobs the capture's idle timeout closed.
    pub fn idle_timeouts(&self) -> u32 {
        lock(&self.0).timeouts
    }

    /// The capture's counters: bytes, jobs, glitches, strobes while busy.
    pub fn stats(&self) -> CaptureStats {
        lock(&self.0).stats
    }
}
