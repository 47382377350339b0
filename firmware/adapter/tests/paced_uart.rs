//! The paced UART against a fake port: gaps, CTS and pass-through.

use std::collections::VecDeque;
use std::convert::Infallible;

use retromesh_adapter::sim::VirtualPin;
use retromesh_adapter::uart::{NoCts, PacedUart, PacingConfig};

/// Records each byte written with the poll time the test sets.
#[derive(Default)]
struct FakeUart {
    rx: VecDeque<u8>,
    tx: Vec<(u64, u8)>,
    now: u64,
}

impl embedded_io::ErrorType for FakeUart {
    type Error = Infallible;
}

impl embedded_io::Read for FakeUart {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = buf.len().min(self.rx.len());
        for b in buf.iter_mut().take(n) {
            *b = self.rx.pop_front().unwrap();
        }
        Ok(n)
    }
}

impl embedded_io::ReadReady for FakeUart {
    fn read_ready(&mut self) -> Result<bool, Infallible> {
        Ok(!self.rx.is_empty())
    }
}

impl embedded_io::Write for FakeUart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        self.tx.extend(buf.iter().map(|&b| (self.now, b)));
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

fn run<C: embedded_hal::digital::InputPin>(
    u: &mut PacedUart<FakeUart, C>,
    until_us: u64,
    mut each: impl FnMut(u64),
) {
    let mut now = 0;
    while now <= until_us {
        each(now);
        u.uart().now = now;
        u.poll(now).unwrap();
        now += 1_000;
    }
}

#[test]
fn the_plus3_gets_its_80ms_gaps() {
    let mut u = PacedUart::<_, NoCts>::new(FakeUart::default(), None, PacingConfig::ZX_PLUS3);
    u.to_micro().push_all(b"AB\r").unwrap();
    run(&mut u, 400_000, |_| {});
    assert_eq!(u.uart().tx, [(0, b'A'), (80_000, b'B'), (160_000, b'\r')]);
}

#[test]
fn the_interface_1_gets_one_byte_per_cts() {
    let cts = VirtualPin::new(true); // deasserted (active low)
    let mut u = PacedUart::new(FakeUart::default(), Some(cts.clone()), PacingConfig::ZX_IF1);
    u.to_micro().push_all(b"xyz").unwrap();
    // The IF1 asserts CTS at 10 ms and 30 ms only.
    run(&mut u, 60_000, |now| {
        cts.set(!(10_000..15_000).contains(&now) && !(30_000..35_000).contains(&now))
    });
    assert_eq!(u.uart().tx, [(10_000, b'x'), (30_000, b'y')]);
    assert_eq!(u.to_micro().len(), 1, "z waits for the next CTS");
}

#[test]
fn bytes_from_the_micro_pass_straight_through_and_overflow_is_counted() {
    let mut u = PacedUart::<_, NoCts, 8>::new(FakeUart::default(), None, PacingConfig::NONE);
    u.uart().rx.extend(b"0123456789");
    u.poll(0).unwrap();
    let got: Vec<u8> = std::iter::from_fn(|| u.to_host().pop()).collect();
    assert_eq!(got, b"01234567");
    assert_eq!(u.stats().from_micro_dropped, 2);
    assert_eq!(u.to_host().overflows(), 2);
}
