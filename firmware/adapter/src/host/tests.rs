use std::string::ToString;
use std::vec::Vec;

use super::*;
use crate::centronics::CaptureEvent;

/// Everything the reader made of `wire`: (job, bytes) of each DATA, END records, errors.
#[derive(Debug, Default)]
struct Host {
    data: Vec<u8>,
    ends: Vec<(u16, u32, u32, bool)>,
    errors: Vec<CaptureError>,
}

fn read_all(reader: &mut CaptureReader, wire: &[u8], host: &mut Host) {
    for &b in wire {
        match reader.push(b) {
            Some(Ok(CaptureRecord::Data { bytes, .. })) => host.data.extend_from_slice(bytes),
            Some(Ok(CaptureRecord::JobEnd {
                job,
                bytes,
                dropped,
                intact,
            })) => host.ends.push((job, bytes, dropped, intact)),
            Some(Err(e)) => host.errors.push(e),
            None => {}
        }
    }
}

fn drain<const N: usize>(up: &mut CaptureUplink<N>) -> Vec<u8> {
    core::iter::from_fn(|| up.wire().pop()).collect()
}

fn capture(up: &mut CaptureUplink<4096>, now: u64, text: &[u8]) {
    for &b in text {
        up.push(now, CaptureEvent::Byte(b));
    }
    up.push(
        now,
        CaptureEvent::JobEnded {
            bytes: text.len() as u32,
        },
    );
}

#[test]
fn a_job_reaches_the_host_whole_with_its_end_marker() {
    let mut up = CaptureUplink::<4096>::new(20_000);
    let text: Vec<u8> = (0..600u32).map(|i| (i * 7) as u8).collect(); // 0xC0 and 0xDB included
    capture(&mut up, 0, &text);
    capture(&mut up, 10, b"second");
    let mut host = Host::default();
    read_all(&mut CaptureReader::new(), &drain(&mut up), &mut host);
    assert!(host.errors.is_empty(), "{:?}", host.errors);
    assert_eq!(host.data[..600], text[..]);
    assert_eq!(&host.data[600..], b"second");
    assert_eq!(host.ends, [(0, 600, 0, true), (1, 6, 0, true)]);
}

#[test]
fn a_partial_chunk_is_flushed_after_the_flush_delay() {
    let mut up = CaptureUplink::<4096>::new(20_000);
    up.push(100, CaptureEvent::Byte(b'A'));
    up.poll(20_000);
    assert!(up.wire().is_empty(), "not yet");
    up.poll(20_100);
    let mut host = Host::default();
    read_all(&mut CaptureReader::new(), &drain(&mut up), &mut host);
    assert_eq!(host.data, b"A");
}

#[test]
fn a_host_that_does_not_read_sees_the_loss_in_the_end_record() {
    let mut up = CaptureUplink::<600>::new(20_000);
    let text = [b'x'; 2_000];
    let mut wire = Vec::new();
    for (i, &b) in text.iter().enumerate() {
        up.push(i as u64, CaptureEvent::Byte(b));
        if i == 1_500 {
            wire.extend(drain(&mut up)); // the host reads once, late
        }
    }
    up.push(3_000, CaptureEvent::JobEnded { bytes: 2_000 });
    wire.extend(drain(&mut up));
    up.poll(3_001);
    wire.extend(drain(&mut up));
    let mut host = Host::default();
    read_all(&mut CaptureReader::new(), &wire, &mut host);
    let dropped = up.stats().dropped;
    assert!(dropped > 0);
    assert_eq!(host.ends, [(0, 2_000, dropped, false)]);
    assert_eq!(host.data.len() as u32 + dropped, 2_000);
}

#[test]
fn a_lost_frame_is_reported_and_the_job_marked_incomplete() {
    let mut up = CaptureUplink::<4096>::new(20_000);
    capture(&mut up, 0, &[b'y'; 600]);
    let wire = drain(&mut up);
    // Cut the second frame (of three DATA + END) out of the stream.
    let ends: Vec<usize> = (0..wire.len()).filter(|&i| wire[i] == 0xC0).collect();
    let mut cut = wire[..ends[1] + 1].to_vec();
    cut.extend_from_slice(&wire[ends[3] + 1..]);
    let mut host = Host::default();
    read_all(&mut CaptureReader::new(), &cut, &mut host);
    assert_eq!(
        host.errors,
        [CaptureError::FramesLost {
            expected: 1,
            got: 2
        }]
    );
    assert_eq!(host.ends.len(), 1);
    assert!(!host.ends[0].3, "job must not be reported intact");
}

#[test]
fn link_frames_on_the_capture_port_are_named() {
    let mut wire = Vec::new();
    retromesh_link_frame::FrameRef::ack(3).encode_slip(|b| wire.push(b));
    let mut host = Host::default();
    read_all(&mut CaptureReader::new(), &wire, &mut host);
    assert_eq!(host.errors, [CaptureError::NotARecord(0x02)]);
    assert!(host.errors[0].to_string().contains("link port"));
}

#[test]
fn the_link_channel_is_transparent_and_pushes_back_when_full() {
    let mut to_micro = Ring::<4>::new();
    let mut from_micro = Ring::<4>::new();
    from_micro.push_all(&[0xC0, 1, 0xDB]).unwrap();
    let mut out = [0u8; 8];
    let (taken, n) = pump_link(
        &[9, 8, 7, 6, 5, 4],
        &mut to_micro,
        &mut from_micro,
        &mut out,
    );
    assert_eq!((taken, &out[..n]), (4, &[0xC0, 1, 0xDB][..]));
    assert_eq!(to_micro.overflows(), 0, "left in the endpoint, not dropped");
}
