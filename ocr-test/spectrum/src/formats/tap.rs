//! `.tap` tapes: a sequence of blocks exactly as the ROM's `SA-BYTES` writes them.
//!
//! Each block is a little-endian `u16` length (counting flag, data and checksum), the flag
//! byte, the data and an XOR checksum over flag and data.

use std::fmt;

use super::FormatError;

/// Flag byte of a header block.
pub const FLAG_HEADER: u8 = 0x00;
/// Flag byte of a data block.
pub const FLAG_DATA: u8 = 0xFF;
/// `param1` of a program header meaning "no autostart" (any value >= 32768 does).
pub const NO_AUTOSTART: u16 = 32768;

/// One tape block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapBlock {
    /// 0x00 for headers, 0xFF for data; loaders compare it with what they expect.
    pub flag: u8,
    /// The payload, without flag and checksum.
    pub data: Vec<u8>,
}

/// A whole tape, blocks in playing order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tape {
    pub blocks: Vec<TapBlock>,
}

/// The type byte of a standard 17-byte ROM header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderKind {
    Program,
    NumberArray,
    CharacterArray,
    Code,
}

impl HeaderKind {
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(Self::Program),
            1 => Some(Self::NumberArray),
            2 => Some(Self::CharacterArray),
            3 => Some(Self::Code),
            _ => None,
        }
    }

    pub fn to_byte(self) -> u8 {
        match self {
            Self::Program => 0,
            Self::NumberArray => 1,
            Self::CharacterArray => 2,
            Self::Code => 3,
        }
    }
}

impl fmt::Display for HeaderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The ROM's own words, as printed by LOAD.
        f.write_str(match self {
            Self::Program => "Program",
            Self::NumberArray => "Number array",
            Self::CharacterArray => "Character array",
            Self::Code => "Bytes",
        })
    }
}

/// A decoded standard ROM header (the 17 data bytes of a flag-0x00 block).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapeHeader {
    pub kind: HeaderKind,
    /// The 10 name bytes as stored (space padded).
    pub raw_name: [u8; 10],
    /// Length of the data block that follows.
    pub length: u16,
    /// Program: autostart line (>= 32768: none). Code: start address. Arrays: byte 14 holds
    /// the variable name.
    pub param1: u16,
    /// Program: length of the program without variables. Code: 32768.
    pub param2: u16,
}

impl TapeHeader {
    /// The name as text, trailing spaces removed; Spectrum-only characters are approximated.
    pub fn name(&self) -> String {
        let s: String = self.raw_name.iter().map(|&b| spectrum_char(b)).collect();
        s.trim_end_matches(' ').to_string()
    }

    /// Autostart line of a program header, if it has one.
    pub fn autostart(&self) -> Option<u16> {
        (self.kind == HeaderKind::Program && self.param1 < NO_AUTOSTART).then_some(self.param1)
    }
}

impl fmt::Display for TapeHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: \"{}\", {} bytes",
            self.kind,
            self.name(),
            self.length
        )?;
        match self.kind {
            HeaderKind::Program => match self.autostart() {
                Some(line) => write!(f, ", LINE {line}"),
                None => Ok(()),
            },
            HeaderKind::Code => write!(f, " at {}", self.param1),
            _ => Ok(()),
        }
    }
}

fn spectrum_char(b: u8) -> char {
    match b {
        0x60 => '£',
        0x7F => '©',
        0x20..=0x7E => b as char,
        _ => '?',
    }
}

fn name_bytes(name: &str) -> [u8; 10] {
    let mut out = [b' '; 10];
    for (slot, c) in out.iter_mut().zip(name.chars()) {
        *slot = match c {
            '£' => 0x60,
            '©' => 0x7F,
            ' '..='~' => c as u8,
            _ => b'?',
        };
    }
    out
}

fn xor(flag: u8, data: &[u8]) -> u8 {
    data.iter().fold(flag, |acc, &b| acc ^ b)
}

impl TapBlock {
    /// The checksum byte `.tap` stores after the data.
    pub fn checksum(&self) -> u8 {
        xor(self.flag, &self.data)
    }

    /// Decodes a standard 17-byte ROM header; `None` for data blocks and non-standard headers.
    pub fn header(&self) -> Option<TapeHeader> {
        if self.flag != FLAG_HEADER || self.data.len() != 17 {
            return None;
        }
        let d = &self.data;
        let word = |i: usize| u16::from_le_bytes([d[i], d[i + 1]]);
        Some(TapeHeader {
            kind: HeaderKind::from_byte(d[0])?,
            raw_name: d[1..11].try_into().expect("10 bytes"),
            length: word(11),
            param1: word(13),
            param2: word(15),
        })
    }
}

/// Builds a standard header block. `name` is cut or space-padded to 10 characters;
/// characters the Spectrum lacks become `?`.
pub fn header_block(
    kind: HeaderKind,
    name: &str,
    length: u16,
    param1: u16,
    param2: u16,
) -> TapBlock {
    let mut data = Vec::with_capacity(17);
    data.push(kind.to_byte());
    data.extend_from_slice(&name_bytes(name));
    for w in [length, param1, param2] {
        data.extend_from_slice(&w.to_le_bytes());
    }
    TapBlock {
        flag: FLAG_HEADER,
        data,
    }
}

fn data_len(data: &[u8]) -> u16 {
    // The header's length field is 16 bits; the Spectrum has no more memory than that anyway.
    u16::try_from(data.len()).unwrap_or_else(|_| {
        panic!(
            "{} bytes do not fit in one tape block (max 65535)",
            data.len()
        )
    })
}

/// A tape holding a BASIC program (tokenised, no variables) as `SAVE "name" LINE autostart`
/// would write it.
///
/// # Panics
/// If `program` is longer than 65535 bytes.
pub fn basic_program_tape(name: &str, program: &[u8], autostart: Option<u16>) -> Tape {
    let len = data_len(program);
    let header = header_block(
        HeaderKind::Program,
        name,
        len,
        autostart.unwrap_or(NO_AUTOSTART),
        len,
    );
    Tape {
        blocks: vec![
            header,
            TapBlock {
                flag: FLAG_DATA,
                data: program.to_vec(),
            },
        ],
    }
}

/// A tape holding `data` as `SAVE "name" CODE start, len` would write it.
///
/// # Panics
/// If `data` is longer than 65535 bytes.
pub fn code_tape(name: &str, start: u16, data: &[u8]) -> Tape {
    let header = header_block(HeaderKind::Code, name, data_len(data), start, 32768);
    Tape {
        blocks: vec![
            header,
            TapBlock {
                flag: FLAG_DATA,
                data: data.to_vec(),
            },
        ],
    }
}

impl Tape {
    /// The `.tap` file bytes.
    ///
    /// # Panics
    /// If a block's data is longer than 65533 bytes (its length word would overflow).
    pub fn to_bytes(&self) -> Vec<u8> {
        let total: usize = self.blocks.iter().map(|b| b.data.len() + 4).sum();
        let mut out = Vec::with_capacity(total);
        for (i, block) in self.blocks.iter().enumerate() {
            let len = u16::try_from(block.data.len() + 2).unwrap_or_else(|_| {
                panic!(
                    "tape block {} has {} data bytes; a .tap block holds at most 65533",
                    i + 1,
                    block.data.len()
                )
            });
            out.extend_from_slice(&len.to_le_bytes());
            out.push(block.flag);
            out.extend_from_slice(&block.data);
            out.push(block.checksum());
        }
        out
    }
}

/// Parses a `.tap` file. Blocks are numbered from 1 in errors; offsets are those of the
/// block's length word.
pub fn parse_tap(bytes: &[u8]) -> Result<Tape, FormatError> {
    if bytes.is_empty() {
        return Err(FormatError::Truncated(
            "the file is empty: a .tap file holds at least one block".into(),
        ));
    }
    let mut blocks = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let n = blocks.len() + 1;
        let remaining = bytes.len() - pos;
        if remaining < 2 {
            return Err(FormatError::Truncated(format!(
                "block {n} at offset {pos:#X}: only {remaining} byte left where a 2-byte block \
                 length belongs: the file is truncated"
            )));
        }
        let len = usize::from(u16::from_le_bytes([bytes[pos], bytes[pos + 1]]));
        let body = pos + 2;
        if len < 2 {
            // Even an empty block has a flag and a checksum.
            return Err(FormatError::Corrupt(format!(
                "block {n} at offset {pos:#X} says {len} bytes, but a block needs at least a \
                 flag and a checksum: the tape is corrupt"
            )));
        }
        if len > bytes.len() - body {
            return Err(FormatError::Truncated(format!(
                "block {n} at offset {pos:#X} says {len} bytes but only {} remain: the file is \
                 truncated",
                bytes.len() - body
            )));
        }
        let flag = bytes[body];
        let data = &bytes[body + 1..body + len - 1];
        let stored = bytes[body + len - 1];
        let computed = xor(flag, data);
        if stored != computed {
            return Err(FormatError::Corrupt(format!(
                "block {n} at offset {pos:#X}: checksum {stored:#04X} but data gives \
                 {computed:#04X}: the tape is corrupt"
            )));
        }
        blocks.push(TapBlock {
            flag,
            data: data.to_vec(),
        });
        pos = body + len;
    }
    Ok(Tape { blocks })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_tape() -> Tape {
        let mut tape = basic_program_tape("hello", &[0, 10, 2, 0, 0xF5, 0x0D], Some(10));
        tape.blocks
            .extend(code_tape("screen", 16384, &[0xAA; 6912]).blocks);
        tape.blocks.push(TapBlock {
            flag: 0x42,
            data: vec![],
        });
        tape
    }

    #[test]
    fn round_trip() {
        let tape = sample_tape();
        let bytes = tape.to_bytes();
        assert_eq!(parse_tap(&bytes).unwrap(), tape);
    }

    #[test]
    fn program_header_fields() {
        let tape = basic_program_tape("a-very-long-name", &[1, 2, 3], Some(10));
        let h = tape.blocks[0].header().unwrap();
        assert_eq!(h.kind, HeaderKind::Program);
        assert_eq!(h.name(), "a-very-lon");
        assert_eq!((h.length, h.param1, h.param2), (3, 10, 3));
        assert_eq!(h.autostart(), Some(10));
        assert_eq!(h.to_string(), "Program: \"a-very-lon\", 3 bytes, LINE 10");
        assert_eq!(tape.blocks[1].flag, FLAG_DATA);
        assert!(tape.blocks[1].header().is_none());

        let none = basic_program_tape("x", &[1], None);
        let h = none.blocks[0].header().unwrap();
        assert_eq!(h.param1, 32768);
        assert_eq!(h.autostart(), None);
        assert_eq!(h.raw_name, *b"x         ");
    }

    #[test]
    fn code_header_fields() {
        let tape = code_tape("£code", 32768, &[9; 5]);
        let h = tape.blocks[0].header().unwrap();
        assert_eq!(h.kind, HeaderKind::Code);
        assert_eq!(h.raw_name[0], 0x60);
        assert_eq!(h.name(), "£code");
        assert_eq!((h.length, h.param1, h.param2), (5, 32768, 32768));
        assert_eq!(h.to_string(), "Bytes: \"£code\", 5 bytes at 32768");
    }

    #[test]
    fn exact_bytes_of_a_tiny_block() {
        let tape = Tape {
            blocks: vec![TapBlock {
                flag: 0xFF,
                data: vec![0x01, 0x02],
            }],
        };
        assert_eq!(tape.to_bytes(), [4, 0, 0xFF, 1, 2, 0xFF ^ 1 ^ 2]);
    }

    #[test]
    fn empty_file() {
        assert!(matches!(parse_tap(&[]), Err(FormatError::Truncated(m)) if m.contains("empty")));
    }

    #[test]
    fn zero_and_one_length_blocks() {
        for len in [0u8, 1] {
            let mut bytes = sample_tape().to_bytes();
            bytes.extend_from_slice(&[len, 0, 0xFF]);
            let err = parse_tap(&bytes).unwrap_err();
            assert!(
                matches!(&err, FormatError::Corrupt(m) if m.contains("block 6") && m.contains(&format!("says {len} bytes"))),
                "{err}"
            );
        }
    }

    #[test]
    fn truncated_message() {
        let bytes = sample_tape().to_bytes();
        // Header block (21 bytes) and program block (10 bytes) come first.
        let cut = 31 + 2 + 10;
        let err = parse_tap(&bytes[..cut]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "truncated: block 3 at offset 0x1F says 19 bytes but only 10 remain: the file is \
             truncated"
        );
        let err = parse_tap(&bytes[..32]).unwrap_err();
        assert!(err
            .to_string()
            .contains("block 3 at offset 0x1F: only 1 byte left"));
    }

    #[test]
    fn every_cut_is_err_or_a_block_prefix() {
        let tape = sample_tape();
        let bytes = tape.to_bytes();
        let mut boundaries = vec![0];
        for b in &tape.blocks {
            boundaries.push(boundaries.last().unwrap() + b.data.len() + 4);
        }
        for cut in 0..bytes.len() {
            match parse_tap(&bytes[..cut]) {
                Ok(t) => {
                    let i = boundaries
                        .iter()
                        .position(|&b| b == cut)
                        .unwrap_or_else(|| {
                            panic!("cut at {cut} parsed although it splits a block")
                        });
                    assert_eq!(t.blocks, tape.blocks[..i]);
                }
                Err(FormatError::Truncated(_)) => assert!(!boundaries[1..].contains(&cut)),
                Err(e) => panic!("cut at {cut}: unexpected {e}"),
            }
        }
    }

    #[test]
    fn every_flipped_byte_is_caught() {
        // Flipping any flag, data or checksum byte must break the checksum of its block.
        let tape = sample_tape();
        let bytes = tape.to_bytes();
        let mut pos = 0;
        for (i, b) in tape.blocks.iter().enumerate() {
            for k in pos + 2..pos + b.data.len() + 4 {
                let mut bad = bytes.clone();
                bad[k] ^= 0x10;
                let err = parse_tap(&bad).unwrap_err();
                let want = format!("block {} at offset {pos:#X}: checksum", i + 1);
                assert!(
                    matches!(&err, FormatError::Corrupt(m) if m.starts_with(&want)),
                    "byte {k}: {err}"
                );
            }
            pos += b.data.len() + 4;
        }
    }

    #[test]
    fn checksum_message() {
        let mut bytes = code_tape("x", 0, &[0x12]).to_bytes();
        let last = bytes.len() - 1;
        let good = bytes[last];
        bytes[last] = good ^ 0xFF;
        let err = parse_tap(&bytes).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "corrupt: block 2 at offset 0x15: checksum {:#04X} but data gives {good:#04X}: \
                 the tape is corrupt",
                good ^ 0xFF
            )
        );
    }

    #[test]
    fn non_standard_headers_are_not_decoded() {
        let short = TapBlock {
            flag: 0,
            data: vec![0; 16],
        };
        assert!(short.header().is_none());
        let mut bad_type = header_block(HeaderKind::Code, "x", 1, 2, 3);
        bad_type.data[0] = 7;
        assert!(bad_type.header().is_none());
    }
}
