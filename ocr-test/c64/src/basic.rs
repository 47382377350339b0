//! A C64 BASIC V2 tokeniser: program text to a .prg at $0801 with line links, as typing the
//! lines into a C64 would store them.
//!
//! Rules (BASIC's CRUNCH): outside quotes, keywords are matched in token-table order at each
//! position (so `PRINT#` wins over `PRINT`), `?` is PRINT; nothing is tokenised inside quotes,
//! after REM, or in DATA up to the next `:`. Spaces after the line number are dropped, others
//! kept. Letters (either case) become unshifted PETSCII $41-$5A, as typed in the default
//! upper-case mode. `{pi}` is π ($FF); `{$xx}` inserts a raw byte (e.g. `{$93}` clear screen).

use thiserror::Error;

/// Where BASIC programs start.
pub const BASIC_START: u16 = 0x0801;

/// BASIC V2 keywords from token $80 in order; `GO` is $CB.
pub const KEYWORDS: [&str; 76] = [
    "END", "FOR", "NEXT", "DATA", "INPUT#", "INPUT", "DIM", "READ", "LET", "GOTO", "RUN", "IF",
    "RESTORE", "GOSUB", "RETURN", "REM", "STOP", "ON", "WAIT", "LOAD", "SAVE", "VERIFY", "DEF",
    "POKE", "PRINT#", "PRINT", "CONT", "LIST", "CLR", "CMD", "SYS", "OPEN", "CLOSE", "GET", "NEW",
    "TAB(", "TO", "FN", "SPC(", "THEN", "NOT", "STEP", "+", "-", "*", "/", "^", "AND", "OR", ">",
    "=", "<", "SGN", "INT", "ABS", "USR", "FRE", "POS", "SQR", "RND", "LOG", "EXP", "COS", "SIN",
    "TAN", "ATN", "PEEK", "LEN", "STR$", "VAL", "ASC", "CHR$", "LEFT$", "RIGHT$", "MID$", "GO",
];

const TOKEN_REM: u8 = 0x8F;
const TOKEN_DATA: u8 = 0x83;
const TOKEN_PRINT: u8 = 0x99;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum BasicError {
    #[error("line {line_index}: \"{text}\" does not start with a line number (0-63999); number every line")]
    NoLineNumber { line_index: usize, text: String },
    #[error("line number {number} is above 63999, BASIC V2's largest; renumber the program")]
    LineNumberTooBig { number: u32 },
    #[error("line {number} comes after line {previous}; put the lines in ascending order")]
    OutOfOrder { number: u16, previous: u16 },
    #[error("line {number} is {len} bytes tokenised; BASIC lines hold at most 250")]
    LineTooLong { number: u16, len: usize },
    #[error(
        "line {number}: character {ch:?} has no PETSCII equivalent; use {{$xx}} for a raw byte"
    )]
    BadCharacter { number: u16, ch: char },
    #[error("the program does not fit below $A000 ({len} bytes); shorten it")]
    TooBig { len: usize },
}

/// Tokenises `source` (one BASIC line a text line; blank lines ignored) into a .prg at $0801.
pub fn tokenise(source: &str) -> Result<Vec<u8>, BasicError> {
    let mut prg = BASIC_START.to_le_bytes().to_vec();
    let mut addr = BASIC_START;
    let mut previous: Option<u16> = None;
    for (line_index, text) in source.lines().enumerate() {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let digits = text.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return Err(BasicError::NoLineNumber {
                line_index: line_index + 1,
                text: text.into(),
            });
        }
        let number: u32 = text[..digits].parse().unwrap_or(u32::MAX);
        if number > 63999 {
            return Err(BasicError::LineNumberTooBig { number });
        }
        let number = number as u16;
        if let Some(previous) = previous.filter(|&p| p >= number) {
            return Err(BasicError::OutOfOrder { number, previous });
        }
        previous = Some(number);
        let body = crunch(text[digits..].trim_start(), number)?;
        if body.len() > 250 {
            return Err(BasicError::LineTooLong {
                number,
                len: body.len(),
            });
        }
        let next = usize::from(addr) + 4 + body.len() + 1;
        if next >= 0xA000 {
            return Err(BasicError::TooBig { len: next });
        }
        addr = next as u16;
        prg.extend_from_slice(&addr.to_le_bytes());
        prg.extend_from_slice(&number.to_le_bytes());
        prg.extend_from_slice(&body);
        prg.push(0);
    }
    prg.extend_from_slice(&[0, 0]);
    Ok(prg)
}

/// One line's text after its number, tokenised.
fn crunch(text: &str, number: u16) -> Result<Vec<u8>, BasicError> {
    let bytes = petscii(text, number)?;
    let mut out = Vec::with_capacity(bytes.len());
    let (mut quoted, mut rem, mut data) = (false, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'"' {
            quoted = !quoted;
        }
        if b == b':' && !quoted {
            data = false;
        }
        if quoted || rem || data || b == b' ' {
            out.push(b);
            i += 1;
            continue;
        }
        if b == b'?' {
            out.push(TOKEN_PRINT);
            i += 1;
            continue;
        }
        if let Some((token, len)) = keyword_at(&bytes[i..]) {
            out.push(token);
            rem = token == TOKEN_REM;
            data = token == TOKEN_DATA;
            i += len;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Ok(out)
}

fn keyword_at(rest: &[u8]) -> Option<(u8, usize)> {
    KEYWORDS
        .iter()
        .enumerate()
        .find(|(_, k)| rest.starts_with(k.as_bytes()))
        .map(|(i, k)| (0x80 + i as u8, k.len()))
}

/// Text to PETSCII bytes, with `{pi}` and `{$xx}` escapes.
fn petscii(text: &str, number: u16) -> Result<Vec<u8>, BasicError> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        if ch == '{' {
            if let Some(end) = rest.find('}') {
                let inner = &rest[1..end];
                let byte = if inner.eq_ignore_ascii_case("pi") {
                    Some(0xFF)
                } else {
                    inner
                        .strip_prefix('$')
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                };
                if let Some(byte) = byte {
                    out.push(byte);
                    rest = &rest[end + 1..];
                    continue;
                }
            }
        }
        let byte = match ch {
            'a'..='z' => ch.to_ascii_uppercase() as u8,
            ' '..='_' => ch as u8,
            _ => return Err(BasicError::BadCharacter { number, ch }),
        };
        out.push(byte);
        rest = &rest[ch.len_utf8()..];
    }
    Ok(out)
}
