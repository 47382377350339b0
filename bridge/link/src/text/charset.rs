//! Unicode text to and from the micro's character set.
//!
//! # ZX Spectrum ([`Charset::ZxAscii`])
//!
//! 0x20..=0x7E are ASCII except that 0x5E shows as an up arrow (↑), 0x60 is £ and 0x7F is ©.
//! 0x80..=0x8F are the block graphics (2×2 quadrants).
//!
//! | text | sent | why |
//! |---|---|---|
//! | printable ASCII | itself | |
//! | `^`, `↑` | 0x5E | the Spectrum shows ↑ for it; `^` is kept as the nearest thing |
//! | `£`, `©` | 0x60, 0x7F | |
//! | `` ` `` | `'` | 0x60 would show as £ |
//! | `▘▝▀▖▌▞▛▗▚▐▜▄▙▟█` | 0x81..=0x8F | block graphics |
//!
//! # Commodore 64 ([`Charset::Petscii`])
//!
//! The shifted (lower/upper case) set a BASIC user gets after `PRINT CHR$(14)`: lower case a-z
//! are 0x41..=0x5A, upper case A-Z are 0xC1..=0xDA (0x61..=0x7A read as upper case too).
//!
//! | text | sent | why |
//! |---|---|---|
//! | space, digits, `!"#$%&'()*+,-./:;<=>?@[]` | same as ASCII | |
//! | `£` | 0x5C | PETSCII has £ where ASCII has `\` |
//! | `^`, `↑` | 0x5E | shows as ↑ |
//! | `←` | 0x5F | |
//! | `_` | 0xA4 | a line at the bottom of the cell, the nearest glyph |
//! | `\|` | 0xDD | a vertical line |
//! | `\` `{` `}` `~` `` ` `` `©` | `/` `(` `)` `-` `'` `(C)` | no such glyph |
//!
//! # Both
//!
//! Line ends (`\n`, `\r\n`, `\r`) become one 0x0A: the caller turns lines into what the micro
//! wants (usually CR, 0x0D). A tab becomes spaces up to the next multiple of [`TAB_WIDTH`]
//! columns. Other non-ASCII characters are transliterated with `deunicode` (é → e, “ → ",
//! € → EUR, — → --, 中 → "Zhong "); characters with no transliteration, control characters and
//! private-use characters become `?`. Every character not sent as itself is listed once in
//! [`Transcoded::substituted`] with what was sent instead (an empty string for invisible ones
//! deunicode drops, such as a soft hyphen or a byte-order mark): nothing is lost without trace.
//!
//! [`from_micro`] reads what the micro sends: CR (and CR LF, and LF) become `\n`, the
//! characters above map back (0x5E as `^`, so ASCII round-trips), and any byte with no meaning becomes `\{n}` with `n` its decimal
//! value (the number a BASIC programmer would give `CHR$`).

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::profile::Charset;

/// Columns between tab stops.
pub const TAB_WIDTH: usize = 4;

/// The line separator in [`Transcoded::bytes`].
pub const LINE_END: u8 = 0x0A;

/// Text in the micro's character set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transcoded {
    /// The bytes, with 0x0A between lines.
    pub bytes: Vec<u8>,
    /// Each character that was not sent as itself (once, in order of first appearance), with
    /// what was sent in its place, written as the text it shows (e.g. `('€', "EUR")`,
    /// `('\u{E000}', "?")`).
    pub substituted: Vec<(char, String)>,
}

/// ZX block graphics 0x80..=0x8F: bit 0 top right, bit 1 top left, bit 2 bottom right, bit 3
/// bottom left.
const ZX_BLOCKS: [char; 16] = [
    ' ', '▝', '▘', '▀', '▗', '▐', '▚', '▜', '▖', '▞', '▌', '▛', '▄', '▟', '▙', '█',
];

/// The byte for `c` if the micro shows `c` itself.
fn exact(c: char, charset: Charset) -> Option<u8> {
    match charset {
        Charset::ZxAscii => match c {
            '`' => None,
            ' '..='~' => Some(c as u8),
            '↑' => Some(0x5E),
            '£' => Some(0x60),
            '©' => Some(0x7F),
            _ => ZX_BLOCKS[1..]
                .iter()
                .position(|&g| g == c)
                .map(|i| 0x81 + i as u8),
        },
        Charset::Petscii => match c {
            'a'..='z' => Some(c as u8 - 0x20),
            'A'..='Z' => Some(c as u8 + 0x80),
            ' '..='@' | '[' | ']' | '^' => Some(c as u8),
            '£' => Some(0x5C),
            '↑' => Some(0x5E),
            '←' => Some(0x5F),
            '_' => Some(0xA4),
            '|' => Some(0xDD),
            _ => None,
        },
    }
}

/// Our own replacement for a character the micro lacks, before asking deunicode.
fn replacement(c: char, charset: Charset) -> Option<&'static str> {
    match (charset, c) {
        (_, '`') => Some("'"),
        (Charset::Petscii, '\\') => Some("/"),
        (Charset::Petscii, '{') => Some("("),
        (Charset::Petscii, '}') => Some(")"),
        (Charset::Petscii, '~') => Some("-"),
        (Charset::Petscii, '©') => Some("(C)"),
        _ => None,
    }
}

struct Encoder {
    charset: Charset,
    bytes: Vec<u8>,
    column: usize,
    substituted: Vec<(char, String)>,
    seen: HashSet<char>,
}

impl Encoder {
    fn push(&mut self, b: u8) {
        self.bytes.push(b);
        self.column = if b == LINE_END { 0 } else { self.column + 1 };
    }

    fn record(&mut self, c: char, shown: String) {
        if self.seen.insert(c) {
            self.substituted.push((c, shown));
        }
    }

    /// Sends the ASCII string `s` as well as the charset allows; returns what it shows as.
    fn push_ascii(&mut self, s: &str) -> String {
        let mut shown = String::with_capacity(s.len());
        for c in s.chars() {
            if let Some(b) = exact(c, self.charset) {
                self.push(b);
                shown.push(c);
            } else if let Some(r) = replacement(c, self.charset) {
                for rc in r.chars() {
                    // Replacements only use characters every charset has.
                    self.push(exact(rc, self.charset).unwrap_or(b'?'));
                }
                shown.push_str(r);
            } else {
                self.push(b'?');
                shown.push('?');
            }
        }
        shown
    }

    fn char(&mut self, c: char) {
        if let Some(b) = exact(c, self.charset) {
            self.push(b);
            return;
        }
        if let Some(r) = replacement(c, self.charset) {
            let shown = self.push_ascii(r);
            self.record(c, shown);
            return;
        }
        let is_private = matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
        let translit = if c.is_control() || is_private {
            None
        } else {
            deunicode::deunicode_char(c)
        };
        let shown = match translit {
            Some(s) => self.push_ascii(s),
            None => {
                self.push(b'?');
                "?".to_string()
            }
        };
        self.record(c, shown);
    }

    fn tab(&mut self) {
        let spaces = TAB_WIDTH - self.column % TAB_WIDTH;
        for _ in 0..spaces {
            self.push(b' ');
        }
    }
}

/// Transcodes `text` for the micro. See the [module documentation](self).
pub fn to_micro(text: &str, charset: Charset) -> Transcoded {
    let mut enc = Encoder {
        charset,
        bytes: Vec::with_capacity(text.len()),
        column: 0,
        substituted: Vec::new(),
        seen: HashSet::new(),
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => enc.push(LINE_END),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                enc.push(LINE_END);
            }
            '\t' => enc.tab(),
            _ => enc.char(c),
        }
    }
    Transcoded {
        bytes: enc.bytes,
        substituted: enc.substituted,
    }
}

/// Reads text the micro sent. See the [module documentation](self).
pub fn from_micro(bytes: &[u8], charset: Charset) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut after_cr = false;
    for &b in bytes {
        let cr = match charset {
            Charset::ZxAscii => b == 0x0D,
            Charset::Petscii => b == 0x0D || b == 0x8D,
        };
        if cr {
            out.push('\n');
            after_cr = true;
            continue;
        }
        if b == 0x0A {
            if !after_cr {
                out.push('\n');
            }
            after_cr = false;
            continue;
        }
        after_cr = false;
        let c = match charset {
            Charset::ZxAscii => match b {
                0x60 => Some('£'),
                0x7F => Some('©'),
                0x20..=0x7E => Some(b as char),
                0x80..=0x8F => Some(ZX_BLOCKS[usize::from(b - 0x80)]),
                _ => None,
            },
            Charset::Petscii => match b {
                0x41..=0x5A => Some((b + 0x20) as char),
                0x61..=0x7A => Some(b as char).map(|c| c.to_ascii_uppercase()),
                0xC1..=0xDA => Some((b - 0x80) as char),
                0x5C => Some('£'),
                0x5F => Some('←'),
                0xA0 => Some(' '),
                0xA4 => Some('_'),
                0x7D | 0xDD => Some('|'),
                0x20..=0x40 | 0x5B | 0x5D | 0x5E => Some(b as char),
                _ => None,
            },
        };
        match c {
            Some(c) => out.push(c),
            None => {
                let _ = write!(out, "\\{{{b}}}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zx(s: &str) -> Transcoded {
        to_micro(s, Charset::ZxAscii)
    }
    fn pet(s: &str) -> Transcoded {
        to_micro(s, Charset::Petscii)
    }

    #[test]
    fn zx_specials() {
        let t = zx("£5 © ^x `q`");
        assert_eq!(t.bytes, b"\x605 \x7F ^x 'q'");
        assert_eq!(t.substituted, vec![('`', "'".to_string())]);
        assert_eq!(from_micro(&t.bytes, Charset::ZxAscii), "£5 © ^x 'q'");
        assert_eq!(zx("↑").bytes, [0x5E]);
    }

    #[test]
    fn zx_transliterates_and_records() {
        let t = zx("café “hi” — €5 über");
        assert_eq!(
            String::from_utf8(t.bytes.clone()).unwrap(),
            "cafe \"hi\" -- EUR5 uber"
        );
        let subs: Vec<char> = t.substituted.iter().map(|s| s.0).collect();
        assert_eq!(subs, ['é', '“', '”', '—', '€', 'ü']);
        assert!(t.substituted.contains(&('€', "EUR".to_string())));
    }

    #[test]
    fn untranslatable_becomes_question_mark_and_is_recorded() {
        for cs in [Charset::ZxAscii, Charset::Petscii] {
            let t = to_micro("a\u{E000}b\u{7}c\u{E000}", cs);
            assert_eq!(t.bytes.len(), 6);
            assert_eq!(t.bytes[1], b'?');
            assert_eq!(t.bytes[3], b'?');
            assert_eq!(
                t.substituted,
                vec![('\u{E000}', "?".to_string()), ('\u{7}', "?".to_string())]
            );
        }
        // Invisible characters deunicode drops are recorded with an empty replacement.
        let t = zx("soft\u{AD}hyphen");
        assert_eq!(t.bytes, b"softhyphen");
        assert_eq!(t.substituted, vec![('\u{AD}', String::new())]);
    }

    #[test]
    fn line_ends_and_tabs() {
        assert_eq!(zx("a\r\nb\rc\nd").bytes, b"a\nb\nc\nd");
        assert_eq!(zx("\tx\tyz\t.").bytes, b"    x   yz  .");
        assert_eq!(zx("ab\n\tc").bytes, b"ab\n    c");
    }

    #[test]
    fn zx_block_graphics_round_trip() {
        let blocks: String = ZX_BLOCKS[1..].iter().collect();
        let t = zx(&blocks);
        assert_eq!(t.bytes, (0x81..=0x8F).collect::<Vec<u8>>());
        assert!(t.substituted.is_empty());
        assert_eq!(from_micro(&t.bytes, Charset::ZxAscii), blocks);
    }

    #[test]
    fn petscii_case_and_specials() {
        let t = pet("Hello, World! £1 a_b |x| ^←");
        assert_eq!(
            t.bytes,
            [
                0xC8, 0x45, 0x4C, 0x4C, 0x4F, b',', b' ', 0xD7, 0x4F, 0x52, 0x4C, 0x44, b'!', b' ',
                0x5C, b'1', b' ', 0x41, 0xA4, 0x42, b' ', 0xDD, 0x58, 0xDD, b' ', 0x5E, 0x5F
            ]
        );
        assert!(t.substituted.is_empty());
        assert_eq!(
            from_micro(&t.bytes, Charset::Petscii),
            "Hello, World! £1 a_b |x| ^←"
        );
    }

    #[test]
    fn petscii_substitutions() {
        let t = pet("a\\b {c} ~`©");
        assert_eq!(from_micro(&t.bytes, Charset::Petscii), "a/b (c) -'(C)");
        let subs: Vec<(char, &str)> = t
            .substituted
            .iter()
            .map(|(c, s)| (*c, s.as_str()))
            .collect();
        assert_eq!(
            subs,
            [
                ('\\', "/"),
                ('{', "("),
                ('}', ")"),
                ('~', "-"),
                ('`', "'"),
                ('©', "(C)")
            ]
        );
        // Transliterations go through the same mapping: "Æ" → "AE" in upper case PETSCII.
        assert_eq!(pet("Æ").bytes, [0xC1, 0xC5]);
    }

    #[test]
    fn from_micro_escapes_unknown_bytes_and_reads_line_ends() {
        assert_eq!(
            from_micro(b"ok\r\nA\x00\x90\xFF\rB\n", Charset::ZxAscii),
            "ok\nA\\{0}\\{144}\\{255}\nB\n"
        );
        assert_eq!(
            from_micro(
                &[0x48, 0x49, 0x0D, 0xC8, 0x69, 0x8D, 0x14, 0xA0],
                Charset::Petscii
            ),
            "hi\nHI\n\\{20} "
        );
        assert_eq!(from_micro(b"\n\n", Charset::ZxAscii), "\n\n");
        assert_eq!(from_micro(b"\r\r\n", Charset::ZxAscii), "\n\n");
    }
}
