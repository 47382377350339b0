//! SLIP byte stuffing (RFC 1055 escapes), streaming in both directions, no allocation.
//!
//! On the wire a frame is `END, escaped body, END`. Inside the body END (0xC0) is sent as
//! `ESC ESC_END` (0xDB 0xDC) and ESC (0xDB) as `ESC ESC_ESC` (0xDB 0xDD); every other byte,
//! 0x00 included, goes as it is. The leading END flushes whatever line noise the receiver had
//! collected; two ENDs in a row are an empty frame, which receivers skip.
//!
//! Both directions work one byte at a time with no look-ahead, so the same logic is a few
//! instructions on a Z80 or 6502.

/// Frame delimiter.
pub const END: u8 = 0xC0;
/// Escape introducer.
pub const ESC: u8 = 0xDB;
/// `ESC ESC_END` stands for a 0xC0 data byte.
pub const ESC_END: u8 = 0xDC;
/// `ESC ESC_ESC` stands for a 0xDB data byte.
pub const ESC_ESC: u8 = 0xDD;

/// Worst-case wire length of a body of `body_len` bytes (every byte escaped, plus two ENDs).
pub const fn max_encoded_len(body_len: usize) -> usize {
    2 + 2 * body_len
}

/// Exact wire length of `body` once encoded.
pub fn encoded_len(body: &[u8]) -> usize {
    2 + body
        .iter()
        .map(|&b| if b == END || b == ESC { 2 } else { 1 })
        .sum::<usize>()
}

/// What the decoder reports for a frame it had to throw away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlipError {
    /// ESC was followed by this byte instead of ESC_END or ESC_ESC (END counts: it still ends
    /// the frame, so a lone ESC never swallows the next frame).
    BadEscape(u8),
    /// The body was longer than the decoder's buffer; bytes were dropped up to the next END.
    Overflow,
}

impl core::fmt::Display for SlipError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SlipError::BadEscape(b) => write!(f, "SLIP escape byte followed by 0x{b:02X}"),
            SlipError::Overflow => f.write_str("SLIP frame longer than the receive buffer"),
        }
    }
}

impl core::error::Error for SlipError {}

/// The output slice given to [`SlipEncoder::encode_to_slice`] was too short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BufferTooSmall {
    /// Bytes the encoded frame needs.
    pub needed: usize,
}

impl core::fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "output buffer too small: {} bytes needed", self.needed)
    }
}

impl core::error::Error for BufferTooSmall {}

/// Push-style streaming encoder: feed body bytes, escaped bytes come out through a sink closure.
///
/// ```
/// use retromesh_link_frame::slip::{SlipEncoder, END, ESC, ESC_END};
/// let mut out = [0u8; 8];
/// let mut n = 0;
/// let mut sink = |b| { out[n] = b; n += 1; };
/// let mut enc = SlipEncoder::new();
/// enc.push(0x01, &mut sink); // the first byte opens the frame with END
/// enc.push(0xC0, &mut sink);
/// enc.finish(&mut sink);
/// assert_eq!(&out[..n], &[END, 0x01, ESC, ESC_END, END]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SlipEncoder {
    open: bool,
}

impl SlipEncoder {
    /// A new encoder with no frame open.
    pub const fn new() -> Self {
        SlipEncoder { open: false }
    }

    /// Whether a frame has been opened and not yet finished.
    pub const fn is_open(&self) -> bool {
        self.open
    }

    /// Opens a frame by sending END. Calling it with a frame open sends END again, which ends
    /// the partial frame (the receiver will reject it) and starts a new one.
    pub fn begin(&mut self, mut sink: impl FnMut(u8)) {
        sink(END);
        self.open = true;
    }

    /// Sends one body byte, escaped; opens the frame first if needed.
    pub fn push(&mut self, byte: u8, mut sink: impl FnMut(u8)) {
        if !self.open {
            self.begin(&mut sink);
        }
        match byte {
            END => {
                sink(ESC);
                sink(ESC_END);
            }
            ESC => {
                sink(ESC);
                sink(ESC_ESC);
            }
            b => sink(b),
        }
    }

    /// Sends a run of body bytes.
    pub fn push_slice(&mut self, bytes: &[u8], mut sink: impl FnMut(u8)) {
        for &b in bytes {
            self.push(b, &mut sink);
        }
    }

    /// Closes the frame with END (an empty frame comes out as `END END`).
    pub fn finish(&mut self, mut sink: impl FnMut(u8)) {
        if !self.open {
            self.begin(&mut sink);
        }
        sink(END);
        self.open = false;
    }

    /// Encodes a whole body as one frame.
    pub fn encode(body: &[u8], mut sink: impl FnMut(u8)) {
        let mut enc = SlipEncoder::new();
        enc.begin(&mut sink);
        enc.push_slice(body, &mut sink);
        enc.finish(&mut sink);
    }

    /// Encodes a whole body into `out`, returning the number of bytes written. Nothing is
    /// written if it does not fit.
    pub fn encode_to_slice(body: &[u8], out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let needed = encoded_len(body);
        if out.len() < needed {
            return Err(BufferTooSmall { needed });
        }
        let mut n = 0;
        SlipEncoder::encode(body, |b| {
            out[n] = b;
            n += 1;
        });
        debug_assert_eq!(n, needed);
        Ok(n)
    }
}

/// Pull-style encoder state: hands out the wire bytes of one body one at a time, for a UART
/// transmit interrupt or a "fill what the port can take" loop. It keeps only a position, so
/// the body can live anywhere; pass the same body on every call.
#[derive(Debug, Clone, Default)]
pub struct SlipCursor {
    pos: usize,
    state: CursorState,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum CursorState {
    #[default]
    Start,
    Body,
    Escaped(u8),
    Done,
}

impl SlipCursor {
    /// A cursor at the start of a frame.
    pub const fn new() -> Self {
        SlipCursor {
            pos: 0,
            state: CursorState::Start,
        }
    }

    /// The next wire byte of `body`'s frame, or `None` once the closing END has been handed out.
    pub fn next_byte(&mut self, body: &[u8]) -> Option<u8> {
        match self.state {
            CursorState::Start => {
                self.state = CursorState::Body;
                Some(END)
            }
            CursorState::Body => match body.get(self.pos) {
                Some(&b) => {
                    self.pos += 1;
                    match b {
                        END => {
                            self.state = CursorState::Escaped(ESC_END);
                            Some(ESC)
                        }
                        ESC => {
                            self.state = CursorState::Escaped(ESC_ESC);
                            Some(ESC)
                        }
                        b => Some(b),
                    }
                }
                None => {
                    self.state = CursorState::Done;
                    Some(END)
                }
            },
            CursorState::Escaped(b) => {
                self.state = CursorState::Body;
                Some(b)
            }
            CursorState::Done => None,
        }
    }

    /// Whether the closing END has been handed out.
    pub fn is_done(&self) -> bool {
        self.state == CursorState::Done
    }

    /// Whether no byte has been handed out yet.
    pub fn is_at_start(&self) -> bool {
        self.state == CursorState::Start
    }
}

/// Iterator over the wire bytes of one frame; see [`encode_iter`].
#[derive(Debug, Clone)]
pub struct SlipBytes<'a> {
    body: &'a [u8],
    cursor: SlipCursor,
}

impl Iterator for SlipBytes<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        self.cursor.next_byte(self.body)
    }
}

impl core::iter::FusedIterator for SlipBytes<'_> {}

/// The wire bytes of `body` as one frame, as an iterator.
pub fn encode_iter(body: &[u8]) -> SlipBytes<'_> {
    SlipBytes {
        body,
        cursor: SlipCursor::new(),
    }
}

/// Streaming decoder with a fixed buffer of `N` body bytes.
///
/// Push one byte at a time; when an END closes a non-empty frame, [`push`](Self::push) returns
/// the decoded body (valid until the next push) or the reason the frame was thrown away. Empty
/// frames (END END) are skipped silently. After an error the decoder drops bytes until the next
/// END and then starts afresh, so it always resynchronises at the next frame boundary.
#[derive(Debug, Clone)]
pub struct SlipDecoder<const N: usize> {
    buf: [u8; N],
    len: usize,
    state: DecodeState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecodeState {
    Normal,
    Escape,
    Discard(SlipError),
}

impl<const N: usize> Default for SlipDecoder<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> SlipDecoder<N> {
    /// An empty decoder, waiting for body bytes.
    pub const fn new() -> Self {
        SlipDecoder {
            buf: [0; N],
            len: 0,
            state: DecodeState::Normal,
        }
    }

    /// Buffer capacity in body bytes.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Body bytes collected since the last END (0 while discarding after an error).
    pub const fn pending_len(&self) -> usize {
        self.len
    }

    /// Whether the decoder is between frames (nothing collected, no error pending).
    pub fn is_idle(&self) -> bool {
        self.len == 0 && self.state == DecodeState::Normal
    }

    /// Forgets any partial frame.
    pub fn reset(&mut self) {
        self.len = 0;
        self.state = DecodeState::Normal;
    }

    /// Feeds one wire byte. Returns `Some` only when this byte is an END that closes a
    /// non-empty frame: `Ok(body)` for a good one, `Err` for one that was thrown away.
    pub fn push(&mut self, byte: u8) -> Option<Result<&[u8], SlipError>> {
        if byte == END {
            let state = self.state;
            let len = self.len;
            self.reset();
            return match state {
                DecodeState::Discard(e) => Some(Err(e)),
                DecodeState::Escape => Some(Err(SlipError::BadEscape(END))),
                DecodeState::Normal if len == 0 => None,
                DecodeState::Normal => Some(Ok(&self.buf[..len])),
            };
        }
        match self.state {
            DecodeState::Discard(_) => {}
            DecodeState::Normal => {
                if byte == ESC {
                    self.state = DecodeState::Escape;
                } else {
                    self.store(byte);
                }
            }
            DecodeState::Escape => match byte {
                ESC_END => {
                    self.state = DecodeState::Normal;
                    self.store(END);
                }
                ESC_ESC => {
                    self.state = DecodeState::Normal;
                    self.store(ESC);
                }
                other => self.discard(SlipError::BadEscape(other)),
            },
        }
        None
    }

    fn store(&mut self, byte: u8) {
        if self.len < N {
            self.buf[self.len] = byte;
            self.len += 1;
        } else {
            self.discard(SlipError::Overflow);
        }
    }

    fn discard(&mut self, error: SlipError) {
        self.len = 0;
        self.state = DecodeState::Discard(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn encode_vec(body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        SlipEncoder::encode(body, |b| v.push(b));
        v
    }

    /// Feeds `wire` and collects every outcome, copying bodies out.
    fn decode_all<const N: usize>(
        dec: &mut SlipDecoder<N>,
        wire: &[u8],
    ) -> Vec<Result<Vec<u8>, SlipError>> {
        let mut out = Vec::new();
        for &b in wire {
            if let Some(r) = dec.push(b) {
                out.push(r.map(|body| body.to_vec()));
            }
        }
        out
    }

    #[test]
    fn escapes_exactly_end_and_esc() {
        assert_eq!(
            encode_vec(&[0x00, END, 0x01, ESC, 0xFF, ESC_END, ESC_ESC]),
            [END, 0x00, ESC, ESC_END, 0x01, ESC, ESC_ESC, 0xFF, ESC_END, ESC_ESC, END]
        );
        assert_eq!(encode_vec(&[]), [END, END]);
    }

    #[test]
    fn zero_bytes_are_not_special() {
        let body = [0u8; 16];
        let wire = encode_vec(&body);
        assert_eq!(wire.len(), 18);
        assert!(wire[1..17].iter().all(|&b| b == 0));
        let mut dec = SlipDecoder::<32>::new();
        assert_eq!(decode_all(&mut dec, &wire), [Ok(body.to_vec())]);
    }

    #[test]
    fn push_pull_and_slice_encoders_agree() {
        let body: Vec<u8> = (0..=255u8).chain([END, ESC, END, END, ESC]).collect();
        let pushed = encode_vec(&body);
        let pulled: Vec<u8> = encode_iter(&body).collect();
        let mut out = [0u8; 600];
        let n = SlipEncoder::encode_to_slice(&body, &mut out).unwrap();
        assert_eq!(pushed, pulled);
        assert_eq!(pushed, &out[..n]);
        assert_eq!(n, encoded_len(&body));
        assert!(n <= max_encoded_len(body.len()));
    }

    #[test]
    fn encode_to_slice_reports_needed_length() {
        let mut out = [0u8; 4];
        assert_eq!(
            SlipEncoder::encode_to_slice(&[END, ESC], &mut out),
            Err(BufferTooSmall { needed: 6 })
        );
        let mut out = [0u8; 6];
        assert_eq!(SlipEncoder::encode_to_slice(&[END, ESC], &mut out), Ok(6));
    }

    #[test]
    fn cursor_is_fused() {
        let mut c = SlipCursor::new();
        assert!(c.is_at_start());
        let body = [ESC];
        let mut got = Vec::new();
        while let Some(b) = c.next_byte(&body) {
            got.push(b);
        }
        assert_eq!(got, [END, ESC, ESC_ESC, END]);
        assert!(c.is_done());
        assert_eq!(c.next_byte(&body), None);
    }

    #[test]
    fn stepwise_encoder_auto_opens_and_empty_finish() {
        let mut v = Vec::new();
        let mut enc = SlipEncoder::new();
        assert!(!enc.is_open());
        enc.finish(|b| v.push(b));
        assert_eq!(v, [END, END]);
        v.clear();
        enc.push_slice(&[1, 2], |b| v.push(b));
        assert!(enc.is_open());
        enc.finish(|b| v.push(b));
        assert_eq!(v, [END, 1, 2, END]);
    }

    #[test]
    fn round_trip_back_to_back_frames() {
        let bodies: [&[u8]; 4] = [&[1], &[END; 5], &[ESC, ESC_END, ESC_ESC], &[0, 0, 0]];
        let mut wire = Vec::new();
        for b in bodies {
            wire.extend(encode_vec(b));
        }
        let mut dec = SlipDecoder::<16>::new();
        let got = decode_all(&mut dec, &wire);
        let want: Vec<_> = bodies.iter().map(|b| Ok(b.to_vec())).collect();
        assert_eq!(got, want);
        assert!(dec.is_idle());
    }

    #[test]
    fn empty_frames_are_skipped() {
        let mut dec = SlipDecoder::<8>::new();
        assert_eq!(decode_all(&mut dec, &[END; 100]), []);
        assert_eq!(
            decode_all(&mut dec, &[END, END, 7, END, END]),
            [Ok(vec![7])]
        );
    }

    #[test]
    fn bad_escape_is_reported_at_end_and_decoder_resyncs() {
        let mut dec = SlipDecoder::<8>::new();
        let wire = [END, 1, ESC, 0x42, 2, 3, END, 9, END];
        assert_eq!(
            decode_all(&mut dec, &wire),
            [Err(SlipError::BadEscape(0x42)), Ok(vec![9])]
        );
    }

    #[test]
    fn esc_then_end_still_ends_the_frame() {
        let mut dec = SlipDecoder::<8>::new();
        let wire = [END, 1, ESC, END, 5, END];
        assert_eq!(
            decode_all(&mut dec, &wire),
            [Err(SlipError::BadEscape(END)), Ok(vec![5])]
        );
    }

    #[test]
    fn overflow_drops_until_next_end() {
        let mut dec = SlipDecoder::<4>::new();
        assert_eq!(
            decode_all(&mut dec, &[END, 1, 2, 3, 4, END]),
            [Ok(vec![1, 2, 3, 4])]
        );
        let wire = [END, 1, 2, 3, 4, 5, 6, 7, 8, END, 9, END];
        assert_eq!(
            decode_all(&mut dec, &wire),
            [Err(SlipError::Overflow), Ok(vec![9])]
        );
        // An escaped byte can overflow too.
        let wire = [END, 1, 2, 3, 4, ESC, ESC_END, END, ESC, ESC_ESC, END];
        assert_eq!(
            decode_all(&mut dec, &wire),
            [Err(SlipError::Overflow), Ok(vec![ESC])]
        );
    }

    #[test]
    fn zero_capacity_decoder_only_reports_overflow() {
        let mut dec = SlipDecoder::<0>::new();
        assert_eq!(
            decode_all(&mut dec, &[END, 1, END, END]),
            [Err(SlipError::Overflow)]
        );
    }

    #[test]
    fn garbage_never_panics_and_decoder_resyncs() {
        let mut x: u32 = 0xDEAD_BEEF;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut dec = SlipDecoder::<64>::new();
        for round in 0..200 {
            // Garbage of several flavours: random bytes, biased toward the special ones,
            // END floods, lone ESCs.
            let len = (rnd() % 300) as usize;
            for _ in 0..len {
                let b = match rnd() % 8 {
                    0 => END,
                    1 => ESC,
                    2 => ESC_END,
                    _ => rnd() as u8,
                };
                let _ = dec.push(b);
            }
            match round % 3 {
                0 => {
                    let _ = dec.push(END);
                    for _ in 0..50 {
                        assert!(dec.push(END).is_none());
                    }
                }
                1 => {
                    let _ = dec.push(ESC);
                }
                _ => {}
            }
            // A good frame right after the garbage is always recovered intact.
            let body: Vec<u8> = (0..(rnd() % 64)).map(|_| rnd() as u8).collect();
            let got = decode_all(&mut dec, &encode_vec(&body));
            // The leading END may close the garbage (as a bad or a bogus frame): at most one
            // outcome for it, then exactly the body (an empty body is skipped).
            if body.is_empty() {
                assert!(got.len() <= 1, "round {round}: {got:?}");
            } else {
                assert_eq!(got.last(), Some(&Ok(body.clone())), "round {round}");
                assert!(got.len() <= 2, "round {round}: {got:?}");
            }
            assert!(dec.is_idle());
        }
    }
}
