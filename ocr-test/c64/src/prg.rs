//! The .prg format: a 2-byte little-endian load address, then the bytes.

use thiserror::Error;

/// Where a .prg landed. `end` is one past the last byte, as KERNAL LOAD leaves it in
/// $AE/$AF ($0000 when the file ends exactly at $FFFF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prg {
    pub load: u16,
    pub end: u16,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PrgError {
    #[error(".prg is {len} byte(s): it needs a 2-byte load address and at least one data byte; check the file was not truncated")]
    TooShort { len: usize },
    #[error(
        ".prg has a load address (${load:04X}) but no data; assemble or save the program again"
    )]
    Empty { load: u16 },
    #[error(
        ".prg at ${load:04X} with {len} data bytes runs past $FFFF; link it at a lower address"
    )]
    PastEnd { load: u16, len: usize },
    #[error(".prg ${load:04X}-${last:04X} overlaps I/O at $D000-$DFFF; link it below $D000 or above $DFFF")]
    OverlapsIo { load: u16, last: u16 },
}

/// Checks a .prg and splits it into load address and data.
pub fn parse(prg: &[u8]) -> Result<(u16, &[u8]), PrgError> {
    match prg {
        [] | [_] => Err(PrgError::TooShort { len: prg.len() }),
        [lo, hi] => Err(PrgError::Empty {
            load: u16::from_le_bytes([*lo, *hi]),
        }),
        [lo, hi, data @ ..] => {
            let load = u16::from_le_bytes([*lo, *hi]);
            let last = usize::from(load) + data.len() - 1;
            if last > 0xFFFF {
                return Err(PrgError::PastEnd {
                    load,
                    len: data.len(),
                });
            }
            let last = last as u16;
            if load <= 0xDFFF && last >= 0xD000 {
                return Err(PrgError::OverlapsIo { load, last });
            }
            Ok((load, data))
        }
    }
}
