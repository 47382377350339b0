//! The drivers' pin traffic, checked transaction by transaction with embedded-hal-mock.

mod common;

use common::{BusOp, LogBus};
use embedded_hal_mock::eh1::digital::{Mock as Pin, State, Transaction as T};
use embedded_hal_mock::eh1::MockError;
use retromesh_adapter::centronics::{CaptureEvent, CentronicsCapture, CentronicsConfig};
use retromesh_adapter::parallel::{ParallelConfig, ParallelLink};
use retromesh_adapter::Signal;

const L: State = State::Low;
const H: State = State::High;

#[test]
fn a_strobe_latches_the_bus_and_pulses_flag2() {
    let bus = LogBus::with_reads(b"R");
    let mut pc2 = Pin::new(&[T::get(L), T::get(H)]);
    let mut pa2 = Pin::new(&[T::get(H), T::get(H)]);
    let mut flag2 = Pin::new(&[T::set(H), T::set(L), T::set(H)]);
    let mut dir = Pin::new(&[T::set(H)]);
    let mut link: ParallelLink<_, _, _, _, _> = ParallelLink::new(
        bus.clone(),
        pc2.clone(),
        pa2.clone(),
        flag2.clone(),
        dir.clone(),
        ParallelConfig::default(),
    )
    .unwrap();
    link.poll(10).unwrap();
    link.poll(20).unwrap();
    assert_eq!(bus.ops(), [BusOp::Release, BusOp::Read(b'R')]);
    pc2.done();
    pa2.done();
    flag2.done();
    dir.done();
}

#[test]
fn the_turnaround_switches_dir_around_the_response() {
    // C64: 'R', EXCHANGE, len 0, 0; PA2 low; 4 acks (status, len lo, len hi, 1 data byte).
    let pc2_levels = [L, H, L, H, L, H, L, H, H, H, L, H, L, H, L, H, L, H];
    let pa2_levels = [H, H, H, H, H, H, H, H, L, L, L, L, L, L, L, L, L, H];
    let mut pc2 = Pin::new(&pc2_levels.map(T::get));
    let mut pa2 = Pin::new(&pa2_levels.map(T::get));
    let mut flag2 = Pin::new(&[
        T::set(H), // new()
        T::set(L),
        T::set(H),
        T::set(L),
        T::set(H),
        T::set(L),
        T::set(H),
        T::set(L),
        T::set(H),
        T::set(L),
        T::set(H), // status
        T::set(L),
        T::set(H),
        T::set(L),
        T::set(H),
        T::set(L),
        T::set(H), // len lo, hi, data
    ]);
    let mut dir = Pin::new(&[T::set(H), T::set(L), T::set(H)]);
    let bus = LogBus::with_reads(&[b'R', 0x01, 0, 0]);
    let mut link: ParallelLink<_, _, _, _, _> = ParallelLink::new(
        bus.clone(),
        pc2.clone(),
        pa2.clone(),
        flag2.clone(),
        dir.clone(),
        ParallelConfig::default(),
    )
    .unwrap();
    link.to_micro().push(0x5A).unwrap();
    for i in 0..pc2_levels.len() as u64 {
        link.poll(10 + 10 * i).unwrap();
    }
    use BusOp::*;
    assert_eq!(
        bus.ops(),
        [
            Release,
            Read(b'R'),
            Read(1),
            Read(0),
            Read(0),
            Write(0),
            Drive, // status OK
            Read(0xFF),
            Write(1),
            Read(0xFF),
            Write(0),
            Read(0xFF),
            Write(0x5A),
            Read(0xFF),
            Release,
        ]
    );
    assert!(link.to_micro().is_empty());
    assert_eq!(link.stats().responses, 1);
    pc2.done();
    pa2.done();
    flag2.done();
    dir.done();
}

#[test]
fn a_pin_error_names_the_signal() {
    let err = MockError::Io(std::io::ErrorKind::NotConnected);
    let mut pc2 = Pin::new(&[T::get(L).with_error(err)]);
    let mut pa2 = Pin::new(&[]);
    let mut flag2 = Pin::new(&[T::set(H)]);
    let mut dir = Pin::new(&[T::set(H)]);
    let mut link: ParallelLink<_, _, _, _, _> = ParallelLink::new(
        LogBus::default(),
        pc2.clone(),
        pa2.clone(),
        flag2.clone(),
        dir.clone(),
        ParallelConfig::default(),
    )
    .unwrap();
    let e = link.poll(0).unwrap_err();
    assert_eq!(e.signal, Signal::Pc2);
    assert!(e.to_string().contains("Pc2"), "{e}");
    pc2.done();
    pa2.done();
    flag2.done();
    dir.done();
}

#[test]
fn centronics_busy_and_ack_follow_a_strobe() {
    let times = [0u64, 1, 2, 6, 11, 2_000_011];
    let mut strobe = Pin::new(&[L, L, H, H, H, H].map(T::get));
    let mut busy = Pin::new(&[T::set(L), T::set(H), T::set(L)]);
    let mut ack = Pin::new(&[T::set(H), T::set(L), T::set(H)]);
    let data = LogBus::with_reads(b"A");
    let mut cap = CentronicsCapture::new(
        data.clone(),
        strobe.clone(),
        busy.clone(),
        ack.clone(),
        CentronicsConfig::default(),
    )
    .unwrap();
    let events: Vec<_> = times.iter().map(|&t| cap.poll(t)).collect();
    assert_eq!(
        events,
        [
            None,
            Some(CaptureEvent::Byte(b'A')),
            None,
            None,
            None,
            Some(CaptureEvent::JobEnded { bytes: 1 })
        ]
    );
    assert_eq!(
        data.ops(),
        [BusOp::Read(b'A')],
        "data read once, at the falling edge"
    );
    strobe.done();
    busy.done();
    ack.done();
}

#[test]
fn a_centronics_glitch_touches_neither_busy_nor_ack() {
    let mut strobe = Pin::new(&[L, H, H].map(T::get));
    let mut busy = Pin::new(&[T::set(L)]);
    let mut ack = Pin::new(&[T::set(H)]);
    let mut cap = CentronicsCapture::new(
        LogBus::with_reads(&[0x33]),
        strobe.clone(),
        busy.clone(),
        ack.clone(),
        CentronicsConfig::default(),
    )
    .unwrap();
    assert_eq!(cap.poll(100), None);
    assert_eq!(
        cap.poll(100),
        None,
        "high again within the same microsecond"
    );
    assert_eq!(cap.poll(3_000_000), None, "no job: nothing was taken");
    assert_eq!(cap.stats().glitches, 1);
    strobe.done();
    busy.done();
    ack.done();
}

#[test]
fn a_failing_strobe_pin_is_counted_by_poll() {
    let err = MockError::Io(std::io::ErrorKind::BrokenPipe);
    let mut strobe = Pin::new(&[T::get(L).with_error(err)]);
    let mut busy = Pin::new(&[T::set(L)]);
    let mut ack = Pin::new(&[T::set(H)]);
    let mut cap = CentronicsCapture::new(
        LogBus::default(),
        strobe.clone(),
        busy.clone(),
        ack.clone(),
        CentronicsConfig::default(),
    )
    .unwrap();
    assert_eq!(cap.poll(0), None);
    assert_eq!(cap.pin_errors(), 1);
    assert_eq!(cap.last_pin_error().map(|e| e.signal), Some(Signal::Strobe));
    strobe.done();
    busy.done();
    ack.done();
}
