//! The two halves of an asynchronous serial line, timed in T-states.
//!
//! Both are evaluated lazily: the machine calls them only at port accesses and at sync points,
//! and they work out what happened on the line since, from timestamps. Calls must come in time
//! order. A sample at T-state `s` sees every level change made at T-states `<= s`.

use std::collections::VecDeque;

/// Line levels: mark (idle, logic 1) and space (logic 0).
pub const MARK: bool = true;
pub const SPACE: bool = false;

/// T-states per bit at `baud` on a machine clocked at `clock_hz`.
pub fn bit_tstates(clock_hz: u64, baud: u32) -> f64 {
    clock_hz as f64 / baud.max(1) as f64
}

/// A UART receiver: decodes the level a program drives (start bit, 8 data bits LSB first, one
/// or more stop bits), sampling each bit in its middle as a hardware UART does.
#[derive(Debug, Clone)]
pub struct UartRx {
    bit_tstates: f64,
    level: bool,
    /// The current frame: its start edge and the next bit to sample (0 = start, 9 = stop).
    frame: Option<(u64, u32)>,
    shift: u8,
    received: Vec<u8>,
    decoded: u64,
    framing_errors: u64,
}

impl UartRx {
    pub fn new(bit_tstates: f64) -> Self {
        UartRx {
            bit_tstates,
            level: MARK,
            frame: None,
            shift: 0,
            received: Vec::new(),
            decoded: 0,
            framing_errors: 0,
        }
    }

    /// Takes `level` as the line's state without treating it as an edge (e.g. when attaching).
    pub fn set_idle_level(&mut self, level: bool) {
        self.level = level;
    }

    /// The line changes to `level` at `now`.
    pub fn set_level(&mut self, level: bool, now: u64) {
        self.advance(now);
        if level == self.level {
            return;
        }
        self.level = level;
        // Only a mark-to-space edge while idle starts a frame; after a framing error the line
        // must return to mark first, as on a real UART.
        if level == SPACE && self.frame.is_none() {
            self.frame = Some((now, 0));
            self.shift = 0;
        }
    }

    /// Takes every sample due before `now`.
    pub fn advance(&mut self, now: u64) {
        while let Some((start, bit)) = self.frame {
            let at = start + (self.bit_tstates * (bit as f64 + 0.5)) as u64;
            if at >= now {
                return;
            }
            match bit {
                // A start bit gone by its middle was a glitch or a mistimed sender: counted,
                // never silently dropped.
                0 if self.level == MARK => {
                    self.framing_errors += 1;
                    self.frame = None;
                }
                0..=8 => {
                    if bit > 0 && self.level == MARK {
                        self.shift |= 1 << (bit - 1);
                    }
                    self.frame = Some((start, bit + 1));
                }
                _ => {
                    if self.level == MARK {
                        self.received.push(self.shift);
                        self.decoded += 1;
                    } else {
                        self.framing_errors += 1;
                    }
                    self.frame = None;
                }
            }
        }
    }

    pub fn received(&self) -> &[u8] {
        &self.received
    }

    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.received)
    }

    /// Bytes decoded so far, taken or not.
    pub fn decoded(&self) -> u64 {
        self.decoded
    }

    pub fn framing_errors(&self) -> u64 {
        self.framing_errors
    }
}

/// A transmitter that sends queued bytes one frame after another, each frame starting only
/// while its gate (CTS) is open. A frame once started always finishes.
#[derive(Debug, Clone)]
pub struct FrameTx {
    bit_tstates: f64,
    frame_bits: u32,
    /// Bytes waiting, with the T-state each was queued at.
    queue: VecDeque<(u8, u64)>,
    /// The frame on the wire: byte, start T-state and bit time (a speed change does not
    /// stretch it).
    current: Option<(u8, u64, f64)>,
    /// When the wire became free of the last frame.
    free_at: u64,
    gate_open: bool,
    gate_since: u64,
    sent: u64,
}

impl FrameTx {
    /// `stop_bits` mark bits end each frame.
    pub fn new(bit_tstates: f64, stop_bits: u8, gate_open: bool) -> Self {
        FrameTx {
            bit_tstates,
            frame_bits: 9 + stop_bits.max(1) as u32,
            queue: VecDeque::new(),
            current: None,
            free_at: 0,
            gate_open,
            gate_since: 0,
            sent: 0,
        }
    }

    /// Changes the speed for frames that start from now on (advance to now first).
    pub fn set_bit_tstates(&mut self, bit_tstates: f64) {
        self.bit_tstates = bit_tstates;
    }

    pub fn queue(&mut self, bytes: &[u8], now: u64) {
        self.queue.extend(bytes.iter().map(|&b| (b, now)));
    }

    /// Opens or closes the gate at `now`.
    pub fn set_gate(&mut self, open: bool, now: u64, done: impl FnMut(u8)) {
        self.advance(now, done);
        if open != self.gate_open {
            self.gate_open = open;
            self.gate_since = now;
        }
    }

    /// Runs the line up to `now`, passing each frame that has fully gone out to `done`.
    pub fn advance(&mut self, now: u64, mut done: impl FnMut(u8)) {
        loop {
            if let Some((byte, start, bit)) = self.current {
                let end = start + (bit * self.frame_bits as f64).round() as u64;
                if end > now {
                    return;
                }
                self.current = None;
                self.free_at = end;
                self.sent += 1;
                done(byte);
            }
            let Some(&(byte, queued)) = self.queue.front() else {
                return;
            };
            if !self.gate_open {
                return;
            }
            let start = self.free_at.max(queued).max(self.gate_since);
            if start > now {
                return;
            }
            self.queue.pop_front();
            self.current = Some((byte, start, self.bit_tstates));
        }
    }

    /// The line level at `now` (call [`FrameTx::advance`] up to `now` first).
    pub fn level(&self, now: u64) -> bool {
        let Some((byte, start, bit)) = self.current else {
            return MARK;
        };
        match (now.saturating_sub(start) as f64 / bit) as u32 {
            0 => SPACE,
            bit @ 1..=8 => byte & (1 << (bit - 1)) != 0,
            _ => MARK,
        }
    }

    /// Bytes queued and not yet started.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Whether a frame is on the wire.
    #[cfg(test)]
    pub fn busy(&self) -> bool {
        self.current.is_some()
    }

    /// Frames fully sent.
    pub fn sent(&self) -> u64 {
        self.sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives `rx` with `bytes` framed with `stop_bits`, each bit `bit` T-states long.
    fn drive(rx: &mut UartRx, bytes: &[u8], bit: f64, stop_bits: u32, start: u64) -> u64 {
        let mut t = start as f64;
        for &byte in bytes {
            let bits = std::iter::once(SPACE)
                .chain((0..8).map(|i| byte & (1 << i) != 0))
                .chain((0..stop_bits).map(|_| MARK));
            for level in bits {
                rx.set_level(level, t.round() as u64);
                t += bit;
            }
        }
        t.round() as u64
    }

    /// Connects a transmitter to a receiver by sampling the line every `step` T-states, as a
    /// polling program would see it.
    fn wire(tx: &mut FrameTx, rx: &mut UartRx, from: u64, to: u64, step: u64) {
        let mut t = from;
        while t < to {
            tx.advance(t, |_| {});
            rx.set_level(tx.level(t), t);
            t += step;
        }
        rx.advance(to);
    }

    #[test]
    fn bytes_round_trip_at_common_speeds() {
        let data: Vec<u8> = (0..=255).collect();
        for (clock, baud) in [(3_500_000, 9600), (3_546_900, 19200), (3_500_000, 115_200)] {
            for stop in [1u8, 2] {
                let bit = bit_tstates(clock, baud);
                let mut tx = FrameTx::new(bit, stop, true);
                let mut rx = UartRx::new(bit);
                tx.queue(&data, 100);
                let end = 100 + (bit * (9 + stop) as f64 * 257.0) as u64;
                wire(&mut tx, &mut rx, 0, end, 4);
                assert_eq!(rx.received(), &data[..], "{baud} baud, {stop} stop bits");
                assert_eq!(rx.framing_errors(), 0);
                assert_eq!(tx.sent(), 256);
            }
        }
    }

    #[test]
    fn a_receiver_accepts_one_or_more_stop_bits() {
        let bit = bit_tstates(3_500_000, 9600);
        for stop in [1, 2, 5] {
            let mut rx = UartRx::new(bit);
            let end = drive(&mut rx, b"Hi!", bit, stop, 1000);
            rx.advance(end + 1);
            assert_eq!(rx.received(), b"Hi!");
        }
    }

    #[test]
    fn framing_errors_are_counted() {
        let bit = bit_tstates(3_500_000, 9600);
        // Twice too fast: the receiver's stop bit lands in data.
        let mut rx = UartRx::new(bit);
        let end = drive(&mut rx, &[0x00, 0x00], bit / 2.0, 1, 0);
        rx.advance(end + 20 * bit as u64);
        assert!(rx.framing_errors() > 0);
        assert!(rx.received().is_empty(), "{:?}", rx.received());
        // A line held at space (a break) is one framing error, not a stream of zeros.
        let mut rx = UartRx::new(bit);
        rx.set_level(SPACE, 0);
        rx.advance(100 * bit as u64);
        assert_eq!((rx.framing_errors(), rx.received().len()), (1, 0));
        // A glitch shorter than half a bit is not a byte.
        let mut rx = UartRx::new(bit);
        rx.set_level(SPACE, 0);
        rx.set_level(MARK, 10);
        rx.advance(100 * bit as u64);
        assert_eq!((rx.framing_errors(), rx.received().len()), (1, 0));
    }

    #[test]
    fn no_byte_starts_while_the_gate_is_closed() {
        let bit = bit_tstates(3_500_000, 9600);
        let frame = (bit * 11.0).round() as u64;
        let mut tx = FrameTx::new(bit, 2, false);
        tx.queue(b"AB", 0);
        tx.advance(10 * frame, |_| {});
        assert_eq!((tx.sent(), tx.pending(), tx.busy()), (0, 2, false));
        assert_eq!(tx.level(10 * frame), MARK);
        // Open for one moment: one byte starts and finishes though the gate closes at once.
        let open_at = 10 * frame;
        tx.set_gate(true, open_at, |_| {});
        tx.set_gate(false, open_at + 10, |_| {});
        assert!(tx.busy());
        assert_eq!(tx.level(open_at + 10), SPACE, "start bit");
        let mut done = Vec::new();
        tx.advance(open_at + 5 * frame, |b| done.push(b));
        assert_eq!(done, b"A");
        assert_eq!((tx.pending(), tx.busy()), (1, false));
        // Opened again later: the next byte starts exactly then.
        let again = open_at + 7 * frame;
        tx.advance(again - 1, |_| {});
        assert_eq!(tx.level(again - 1), MARK);
        tx.set_gate(true, again, |_| {});
        tx.advance(again, |_| {});
        assert_eq!(tx.level(again), SPACE);
    }

    #[test]
    fn an_open_gate_sends_back_to_back_frames() {
        let bit = 100.0;
        let mut tx = FrameTx::new(bit, 1, true);
        tx.queue(&[0xFF, 0x00], 50);
        tx.advance(50, |_| {});
        assert_eq!(tx.level(50), SPACE);
        assert_eq!(tx.level(150), MARK, "data bit 0 of 0xFF");
        assert_eq!(tx.level(950), MARK, "stop bit");
        tx.advance(1050, |_| {});
        assert_eq!(
            tx.level(1050),
            SPACE,
            "second start bit right after the first stop bit"
        );
        assert_eq!(tx.level(1150), SPACE, "data bit 0 of 0x00");
    }
}
