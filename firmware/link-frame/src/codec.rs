//! `tokio_util::codec` glue for the bridge (feature `tokio`).
//!
//! [`SlipCodec`] turns a byte stream into SLIP frame bodies and back. Damaged frames are
//! yielded as `Ok(Some(Err(SlipError)))` items rather than as codec errors: a `FramedRead`
//! ends the stream after an error, and line noise must not end a serial session. The codec
//! error type is `std::io::Error`, for real I/O failures only. CRC and frame checks are left
//! to [`Frame::decode`](crate::Frame::decode) or a [`LinkSession`](crate::LinkSession).

use std::io;
use std::vec::Vec;

use bytes::{Buf, BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::frame::{FrameRef, MAX_BODY_LEN};
use crate::slip::{encoded_len, SlipDecoder, SlipEncoder, SlipError};

/// SLIP framing as a tokio codec. Bodies are limited to [`MAX_BODY_LEN`] bytes.
#[derive(Debug, Clone, Default)]
pub struct SlipCodec {
    decoder: SlipDecoder<MAX_BODY_LEN>,
}

impl SlipCodec {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Decoder for SlipCodec {
    type Item = Result<Vec<u8>, SlipError>;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        let mut consumed = 0;
        let mut item = None;
        for &b in src.iter() {
            consumed += 1;
            if let Some(outcome) = self.decoder.push(b) {
                item = Some(outcome.map(<[u8]>::to_vec));
                break;
            }
        }
        // Everything looked at is held by the decoder now (or was a finished frame).
        src.advance(consumed);
        Ok(item)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        // A frame cut off by the end of the stream is dropped silently.
        self.decode(src)
    }
}

impl Encoder<&[u8]> for SlipCodec {
    type Error = io::Error;

    fn encode(&mut self, body: &[u8], dst: &mut BytesMut) -> Result<(), io::Error> {
        if body.len() > MAX_BODY_LEN {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("frame body of {} bytes, at most {MAX_BODY_LEN}", body.len()),
            ));
        }
        dst.reserve(encoded_len(body));
        SlipEncoder::encode(body, |b| dst.put_u8(b));
        Ok(())
    }
}

impl Encoder<FrameRef<'_>> for SlipCodec {
    type Error = io::Error;

    fn encode(&mut self, frame: FrameRef<'_>, dst: &mut BytesMut) -> Result<(), io::Error> {
        dst.reserve(crate::slip::max_encoded_len(frame.body_len()));
        frame.encode_slip(|b| dst.put_u8(b));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Frame, FrameKind};
    use crate::slip::{END, ESC};

    #[test]
    fn decodes_split_input_and_keeps_going_after_noise() {
        let mut codec = SlipCodec::new();
        let mut wire = BytesMut::new();
        codec.encode(&[1u8, END, ESC, 0][..], &mut wire).unwrap();
        let mut stream = vec![0x42, 0x43, ESC, 0x00, END];
        stream.extend_from_slice(&wire);
        stream.extend([END, END]);

        let mut buf = BytesMut::new();
        let mut items = Vec::new();
        for chunk in stream.chunks(3) {
            buf.extend_from_slice(chunk);
            while let Some(item) = codec.decode(&mut buf).unwrap() {
                items.push(item);
            }
        }
        assert_eq!(
            items,
            [Err(SlipError::BadEscape(0)), Ok(vec![1, END, ESC, 0])]
        );
        assert!(buf.is_empty());
        assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
    }

    #[test]
    fn encodes_frames_and_rejects_oversized_bodies() {
        let mut codec = SlipCodec::new();
        let mut wire = BytesMut::new();
        let f = FrameRef::new(FrameKind::Data, 9, &[END; 250]).unwrap();
        codec.encode(f, &mut wire).unwrap();
        let body = codec.decode(&mut wire).unwrap().unwrap().unwrap();
        assert_eq!(Frame::decode(&body), Ok(f));
        assert!(codec
            .encode(&[0u8; MAX_BODY_LEN + 1][..], &mut wire)
            .is_err());
        assert!(wire.is_empty());
    }

    #[test]
    fn overflow_is_an_item_not_an_error() {
        let mut codec = SlipCodec::new();
        let mut buf = BytesMut::new();
        buf.put_u8(END);
        buf.put_bytes(0x11, MAX_BODY_LEN + 10);
        buf.put_u8(END);
        assert_eq!(
            codec.decode(&mut buf).unwrap(),
            Some(Err(SlipError::Overflow))
        );
    }
}
