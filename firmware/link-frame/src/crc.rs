//! CRC-16/XMODEM: polynomial 0x1021, initial value 0, no reflection, no final XOR.
//!
//! The check value (CRC of the ASCII bytes `123456789`) is 0x31C3. The same CRC is
//! `binascii.crc_hqx(data, 0)` in Python, which is what a host-side script can use.
//!
//! One property to keep in mind: with an initial value of 0 a run of 0x00 bytes has a CRC of
//! 0x0000, so an all-zero body would pass the check. The frame layer therefore never gives
//! meaning to kind 0x00 (see [`crate::FrameKind`]).

/// The generator polynomial (x^16 + x^12 + x^5 + 1), MSB first.
pub const POLY: u16 = 0x1021;

/// 256-entry lookup table, built at compile time (512 bytes of flash on a microcontroller).
const TABLE: [u16; 256] = build_table();

const fn build_table() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ POLY
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// CRC-16/XMODEM of `data`.
pub fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc = Crc16::new();
    crc.update(data);
    crc.finish()
}

/// Incremental CRC-16/XMODEM, for computing the CRC while bytes stream past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Crc16 {
    crc: u16,
}

impl Crc16 {
    /// A fresh CRC (initial value 0).
    pub const fn new() -> Self {
        Crc16 { crc: 0 }
    }

    /// Feeds one byte.
    pub fn push(&mut self, byte: u8) {
        let index = ((self.crc >> 8) as u8 ^ byte) as usize;
        self.crc = (self.crc << 8) ^ TABLE[index];
    }

    /// Feeds a slice.
    pub fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.push(b);
        }
    }

    /// The CRC of everything fed so far (there is no final XOR, so this does not consume).
    pub const fn finish(&self) -> u16 {
        self.crc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-at-a-time reference, straight from the definition.
    fn bitwise(data: &[u8]) -> u16 {
        let mut crc: u16 = 0;
        for &b in data {
            crc ^= (b as u16) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ POLY
                } else {
                    crc << 1
                };
            }
        }
        crc
    }

    #[test]
    fn check_value() {
        assert_eq!(crc16_xmodem(b"123456789"), 0x31C3);
    }

    /// Expected values computed independently when this test was written, with CPython:
    /// `python3 -c "import binascii; print(hex(binascii.crc_hqx(DATA, 0)))"`.
    #[test]
    fn known_values_from_python_crc_hqx() {
        let all_bytes: [u8; 256] = core::array::from_fn(|i| i as u8);
        let cases: &[(&[u8], u16)] = &[
            (b"", 0x0000),
            (b"A", 0x58E5),
            (b"\x00", 0x0000),
            (b"\x00\x00\x00\x00", 0x0000),
            (b"\xff", 0x1EF0),
            (b"\xc0\xdb\xdc\xdd", 0x6C5B),
            (&all_bytes, 0x7E55),
            (b"The quick brown fox jumps over the lazy dog", 0xF0C8),
            (b"\x01\x07hello", 0xB342),
        ];
        for &(data, expected) in cases {
            assert_eq!(crc16_xmodem(data), expected, "data {data:02x?}");
        }
    }

    #[test]
    fn table_matches_bitwise_reference() {
        let mut data = [0u8; 300];
        let mut x: u32 = 0x1234_5678;
        for b in data.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        for len in 0..data.len() {
            assert_eq!(crc16_xmodem(&data[..len]), bitwise(&data[..len]));
        }
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data = b"retromesh link frame";
        for split in 0..=data.len() {
            let mut crc = Crc16::new();
            crc.update(&data[..split]);
            crc.update(&data[split..]);
            assert_eq!(crc.finish(), crc16_xmodem(data));
        }
    }

    #[test]
    fn appending_crc_big_endian_gives_zero_residue() {
        // Standard CRC property (useful to a Z80/6502 receiver): CRC(data ++ crc_be(data)) == 0.
        let data = b"\x01\x05payload";
        let crc = crc16_xmodem(data);
        let mut c = Crc16::new();
        c.update(data);
        c.update(&crc.to_be_bytes());
        assert_eq!(c.finish(), 0);
    }
}
