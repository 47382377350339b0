//! Fixed-capacity byte queue (no allocation) for the host <-> micro streams.
//!
//! A full queue refuses the byte and says so ([`RingFull`]) and counts it: the caller decides
//! whether to push back (stop reading USB) or to report the loss upstream.

/// A push found the queue full; the byte was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("queue full ({capacity} bytes): drain it faster or give it a larger capacity")]
pub struct RingFull {
    /// The queue's capacity.
    pub capacity: usize,
}

/// A FIFO of at most `N` bytes.
#[derive(Debug, Clone)]
pub struct Ring<const N: usize> {
    buf: [u8; N],
    head: usize,
    len: usize,
    overflows: u32,
}

impl<const N: usize> Default for Ring<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Ring<N> {
    /// An empty queue.
    pub const fn new() -> Self {
        Ring {
            buf: [0; N],
            head: 0,
            len: 0,
            overflows: 0,
        }
    }

    /// Bytes queued.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is queued.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Room left.
    pub const fn free(&self) -> usize {
        N - self.len
    }

    /// The capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// How many pushes were refused because the queue was full.
    pub const fn overflows(&self) -> u32 {
        self.overflows
    }

    /// Appends `byte`, or refuses it (and counts the refusal) when full.
    pub fn push(&mut self, byte: u8) -> Result<(), RingFull> {
        if self.len == N {
            self.overflows = self.overflows.saturating_add(1);
            return Err(RingFull { capacity: N });
        }
        self.buf[(self.head + self.len) % N] = byte;
        self.len += 1;
        Ok(())
    }

    /// Appends all of `bytes` or none of them (counted as one overflow).
    pub fn push_all(&mut self, bytes: &[u8]) -> Result<(), RingFull> {
        if bytes.len() > self.free() {
            self.overflows = self.overflows.saturating_add(1);
            return Err(RingFull { capacity: N });
        }
        for &b in bytes {
            self.buf[(self.head + self.len) % N] = b;
            self.len += 1;
        }
        Ok(())
    }

    /// Appends as many of `bytes` as fit and returns how many that was (no overflow counted:
    /// the caller keeps the rest, e.g. in the USB endpoint, which is flow control).
    pub fn push_some(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.free());
        for &b in &bytes[..n] {
            self.buf[(self.head + self.len) % N] = b;
            self.len += 1;
        }
        n
    }

    /// Removes and returns the oldest byte.
    pub fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let b = self.buf[self.head];
        self.head = (self.head + 1) % N;
        self.len -= 1;
        Some(b)
    }

    /// The `i`-th oldest byte, without removing it.
    pub fn peek_at(&self, i: usize) -> Option<u8> {
        (i < self.len).then(|| self.buf[(self.head + i) % N])
    }

    /// Moves up to `out.len()` bytes into `out`; returns how many.
    pub fn pop_into(&mut self, out: &mut [u8]) -> usize {
        let mut n = 0;
        while n < out.len() {
            match self.pop() {
                Some(b) => {
                    out[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        n
    }

    /// Copies up to `out.len()` of the oldest bytes into `out` without removing them; returns
    /// how many. With [`discard`](Self::discard): write what a port accepts, then drop that.
    pub fn peek_into(&self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len);
        for (i, b) in out[..n].iter_mut().enumerate() {
            *b = self.buf[(self.head + i) % N];
        }
        n
    }

    /// Drops the `n` oldest bytes (fewer if fewer are queued).
    pub fn discard(&mut self, n: usize) {
        let n = n.min(self.len);
        self.head = (self.head + n) % N;
        self.len -= n;
    }

    /// Drops everything queued.
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order_across_the_wrap() {
        let mut r = Ring::<4>::new();
        for round in 0..5u8 {
            r.push_all(&[round, round + 10, round + 20]).unwrap();
            assert_eq!(r.peek_at(1), Some(round + 10));
            let mut out = [0; 3];
            assert_eq!(r.pop_into(&mut out), 3);
            assert_eq!(out, [round, round + 10, round + 20]);
        }
        assert!(r.is_empty());
    }

    #[test]
    fn overflow_is_refused_and_counted() {
        let mut r = Ring::<2>::new();
        r.push(1).unwrap();
        r.push(2).unwrap();
        assert_eq!(r.push(3), Err(RingFull { capacity: 2 }));
        assert_eq!(r.push_all(&[4]), Err(RingFull { capacity: 2 }));
        assert_eq!(r.overflows(), 2);
        assert_eq!((r.pop(), r.pop(), r.pop()), (Some(1), Some(2), None));
        assert_eq!(r.push_some(&[7, 8, 9]), 2);
        assert_eq!(
            r.overflows(),
            2,
            "push_some is flow control, not an overflow"
        );
    }

    #[test]
    fn peek_then_discard_what_the_port_took() {
        let mut r = Ring::<4>::new();
        r.push_all(&[1, 2, 3]).unwrap();
        r.discard(2);
        r.push_all(&[4, 5, 6]).unwrap(); // wraps
        let mut out = [0; 8];
        assert_eq!(r.peek_into(&mut out), 4);
        assert_eq!(out[..4], [3, 4, 5, 6]);
        r.discard(3); // the port took 3
        assert_eq!((r.pop(), r.pop()), (Some(6), None));
        r.discard(9);
        assert!(r.is_empty());
    }
}
