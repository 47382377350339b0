//! `SlipCodec` in a real `FramedRead`: line noise comes out as items and the stream goes on.
#![cfg(feature = "tokio")]

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use retromesh_link_frame::slip::{END, ESC};
use retromesh_link_frame::{Frame, FrameKind, FrameRef, SlipCodec, SlipError};
use tokio_util::codec::{Encoder, FramedRead};

/// Drains a stream whose source never pends (`&[u8]` is always ready).
fn collect<S: Stream + Unpin>(mut stream: S) -> Vec<S::Item> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut items = Vec::new();
    loop {
        match Pin::new(&mut stream).poll_next(&mut cx) {
            Poll::Ready(Some(item)) => items.push(item),
            Poll::Ready(None) => return items,
            Poll::Pending => panic!("a slice reader never pends"),
        }
    }
}

#[test]
fn framed_read_survives_noise() {
    let mut codec = SlipCodec::new();
    let mut wire = bytes::BytesMut::new();
    wire.extend_from_slice(&[0x11, ESC, 0x22, END, END, END]); // noise, bad escape
    codec
        .encode(
            FrameRef::new(FrameKind::Data, 1, &[END, ESC, 0]).unwrap(),
            &mut wire,
        )
        .unwrap();
    wire.extend_from_slice(&[END]);
    wire.extend(std::iter::repeat_n(0x33, 300)); // overflow
    wire.extend_from_slice(&[END]);
    codec
        .encode(FrameRef::new(FrameKind::Ack, 1, &[]).unwrap(), &mut wire)
        .unwrap();
    wire.extend_from_slice(&[0x44, 0x55]); // cut off by EOF: dropped

    let reader: &[u8] = &wire;
    let items: Vec<_> = collect(FramedRead::new(reader, SlipCodec::new()))
        .into_iter()
        .map(|r| r.expect("no I/O error"))
        .collect();
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(items[0], Err(SlipError::BadEscape(0x22)));
    let f = Frame::decode(items[1].as_ref().unwrap()).unwrap();
    assert_eq!(
        (f.kind, f.seq, f.payload),
        (FrameKind::Data, 1, &[END, ESC, 0][..])
    );
    assert_eq!(items[2], Err(SlipError::Overflow));
    let f = Frame::decode(items[3].as_ref().unwrap()).unwrap();
    assert_eq!(f.kind, FrameKind::Ack);
}
