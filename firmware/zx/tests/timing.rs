//! Timing: how far off the bridge's baud rate may be for the bit-banged drivers, and how fast
//! each driver receives.

mod common;

use common::*;
use retromesh_zx_client::{entry, mem, Driver};

fn echo_at(driver: Driver, baud: u32) -> bool {
    let data: Vec<u8> = (0..247u32).map(|i| (i * 151 + 7) as u8).collect();
    let mut stub = Stub::default();
    stub.call_ok(entry::INIT)
        .ld_hl(STUB_DATA)
        .ld_bc(data.len() as u16)
        .call_ok(entry::ECHO)
        .exit_ok();
    let mut bridge = FrameBridge::new(setup(driver).0);
    let mut m = machine_at(driver, false, baud);
    let block = stub_block(&stub, &data);
    load(
        &mut m,
        &stub_loader(),
        &[
            (
                retromesh_zx_client::LOAD_ADDRESS,
                retromesh_zx_client::library(driver),
            ),
            (STUB, &block),
        ],
    );
    let outcome = run(&mut m, &mut bridge, 15.0);
    matches!(outcome.reason, retromesh_spectrum::StopReason::ExitCode(0))
        && peek_bytes(&m, mem::BODY_BUF, data.len()) == data
        && m.serial_stats().framing_errors == 0
        && bridge.session.stats().retransmits == 0
}

/// The drivers sample mid-bit: a bridge 3% fast or slow still gets through cleanly (at 8N2
/// the last bit sampled is 8.5 bits after the edge, so the limit is about ±5%).
#[test]
fn bit_banged_drivers_tolerate_a_3_percent_baud_mismatch() {
    for driver in [Driver::If1, Driver::Ay128] {
        for baud in [9312, 9600, 9888] {
            assert!(echo_at(driver, baud), "{} at {baud} baud", driver.name());
        }
    }
}

/// Prints the measured window and receive rates (run with --nocapture); asserts floors.
#[test]
fn receive_rates() {
    for driver in [Driver::If1, Driver::Ay128] {
        let ok: Vec<u32> = (88..=112)
            .map(|pct| 9600 * pct / 100)
            .filter(|&baud| echo_at(driver, baud))
            .collect();
        eprintln!(
            "{}: clean from {} to {} baud against a 9600 driver",
            driver.name(),
            ok.first().unwrap(),
            ok.last().unwrap()
        );
    }
    for driver in Driver::ALL {
        // A 1024-byte RESULT: five DATA frames, each ACKed before the next goes.
        let body: Vec<u8> = (0..1024u32).map(|i| b'A' + (i % 26) as u8).collect();
        let mut stub = Stub::default();
        stub.call_ok(entry::INIT)
            .ld_de(STUB_DATA)
            .ld_a(3)
            .call_ok(entry::GET)
            .exit_ok();
        let mut bridge = FrameBridge::new(setup(driver).0).answer("a/b", 200, &body);
        let (m, outcome) = run_stub(driver, &stub, b"a/b", &mut bridge, 30.0);
        assert_eq!(exit_code(&outcome, "rate"), 0);
        assert_eq!(peek_word(&m, mem::V_BODY_LEN), 1024);
        // From the first RESULT frame handed to the line to the ACK of the last CONT.
        let data: Vec<_> = bridge
            .timeline
            .iter()
            .filter(|e| e.1 == "tx" && e.2 == 0x01)
            .collect();
        let first = data.first().unwrap().0;
        let last_ack = bridge
            .timeline
            .iter()
            .rfind(|e| e.1 == "rx" && e.2 == 0x02)
            .unwrap()
            .0;
        let wire: usize = data.iter().map(|e| e.3).sum();
        let clock = m.timing().clock_hz as f64;
        let t = (last_ack - first) as f64;
        eprintln!(
            "{}: {} frames, {wire} wire bytes to the micro in {:.3} s with their ACKs: {:.0} T a byte, {:.0} bytes/s",
            driver.name(),
            data.len(),
            t / clock,
            t / wire as f64,
            wire as f64 * clock / t
        );
        let floor = match driver {
            Driver::If1 | Driver::Ay128 => 600.0,
            Driver::Next => 5000.0,
        };
        assert!(wire as f64 * clock / t > floor, "{}", driver.name());
    }
}
