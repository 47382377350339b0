//! Byte-stream peers on the C64's three serial paths, and the line model that paces bytes at
//! the configured baud (10 bits a byte: start, 8 data, stop), so a peer never delivers bytes
//! faster than the wire could.

use std::collections::VecDeque;

/// A byte stream peer (same shape as the Spectrum crate's SerialPeer).
pub trait SerialPeer {
    /// `from_micro`: bytes the C64 sent since the last call; push bytes for the C64 onto
    /// `to_micro`. Return Some(reason) to stop the run (`RunEnd::Stopped`).
    fn exchange(
        &mut self,
        from_micro: &[u8],
        to_micro: &mut Vec<u8>,
        now_cycles: u64,
    ) -> Option<String>;
}

/// Where a peer plugs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SerialPort {
    /// KERNAL RS-232, device 2 (trap KERNAL only), at the baud OPEN's control byte sets.
    Kernal,
    /// UP9600, wired as the real interface (Dallmann 1997, CCGMS): CIA1's SDR sends (SP1,
    /// user port pin 5, clocked by CIA1 timer A), CIA2's SDR receives (SP2, pin 7) and sets
    /// CIA2 ICR bit 3, which raises NMI when unmasked. Bytes are bit-reversed between the
    /// register and the wire because the CIA shifts MSB first while RS-232 sends LSB first:
    /// the peer gets `v.reverse_bits()` for a write of `v` to $DC0C, and a byte `b` from the
    /// peer reads back from $DD0C as `b.reverse_bits()` (the UP9600 driver's reverse table).
    /// Byte level: the FLAG2 start-bit edge, CIA2 timer B and its PB7 → CNT2 clock are not
    /// modelled. Receive is paced at 9600 baud; send is paced by CIA1 timer A.
    Up9600,
    /// SwiftLink: a 6551 ACIA at $DE00 (needs `C64Config::swiftlink`).
    SwiftLink,
}

/// 8N1 bits a byte.
const BITS_PER_BYTE: u64 = 10;

/// Cycles one byte takes on the wire at `baud`.
pub fn cycles_per_byte(clock_hz: u64, baud: u32) -> u64 {
    (clock_hz * BITS_PER_BYTE)
        .div_ceil(u64::from(baud.max(1)))
        .max(1)
}

/// One serial line between the C64 and a peer.
pub(crate) struct SerialLine {
    pub peer: Option<Box<dyn SerialPeer>>,
    pub cycles_per_byte: u64,
    /// Bytes the C64 finished sending, for the peer's next exchange.
    pub sent: Vec<u8>,
    /// Bytes from the peer still on the wire, with the cycle their stop bit ends.
    incoming: VecDeque<(u8, u64)>,
    /// When the receive wire is free for the next byte.
    rx_free_at: u64,
    scratch: Vec<u8>,
}

impl SerialLine {
    pub fn new(cycles_per_byte: u64) -> Self {
        SerialLine {
            peer: None,
            cycles_per_byte,
            sent: Vec::new(),
            incoming: VecDeque::new(),
            rx_free_at: 0,
            scratch: Vec::new(),
        }
    }

    /// Gives the peer what was sent and queues its answer at line rate from `now`.
    pub fn exchange(&mut self, now: u64) -> Option<String> {
        let peer = self.peer.as_mut()?;
        self.scratch.clear();
        let stop = peer.exchange(&self.sent, &mut self.scratch, now);
        self.sent.clear();
        for &b in &self.scratch {
            self.rx_free_at = self.rx_free_at.max(now) + self.cycles_per_byte;
            self.incoming.push_back((b, self.rx_free_at));
        }
        stop
    }

    /// The next byte fully received by `now`, if any.
    #[inline]
    pub fn receive(&mut self, now: u64) -> Option<u8> {
        match self.incoming.front() {
            Some(&(b, at)) if at <= now => {
                self.incoming.pop_front();
                Some(b)
            }
            _ => None,
        }
    }
}
