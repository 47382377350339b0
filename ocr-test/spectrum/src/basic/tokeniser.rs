//! zmakebas-syntax BASIC text to tokenised Spectrum program bytes.
//!
//! This is a port of zmakebas 1.2's algorithm (keyword matching on a lower-cased copy with
//! strings blanked out, space removal, escapes, hidden numbers via `strtod`), so the output
//! is byte-for-byte what `zmakebas` writes, except where zmakebas 1.2 writes a program the
//! ROM cannot run as intended. There we do what the ROM's own line editor does:
//!
//! * `DEF FN f(x,y$)` gets the six hidden bytes (0x0E and five zeros) after each parameter,
//!   which the ROM's FN evaluation writes the arguments into (zmakebas 1.2 omits them).
//! * `VAL$` becomes the VAL$ token, not VAL followed by `$`.
//! * Digits inside a variable name (`is48`, `x1234`) never start a hidden number.
//! * `REM` after a word containing "rem" (`LET premium=1: REM ...`) still stops keyword
//!   matching, and `CLOSE #a`/`OPEN #s` are tokenised when a letter follows the `#`.
//! * Input zmakebas would hang on (`1e400`, a final `\`), warn about (unknown escapes) or
//!   quietly mangle (`BIN 102`, a number too small for exponent byte 1) is an error instead.
//!
//! Also accepted: CRLF line ends, whitespace-only lines (skipped), `£` and `©` in UTF-8.

use super::BasicProgram;

/// How to tokenise. Mirrors the zmakebas command line options that matter here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokeniseOptions {
    /// Line to RUN from after loading (zmakebas `-a`), 0..=9999.
    pub autostart: Option<u16>,
}

/// Why a source text could not be tokenised. `line` is the 1-based line in the source text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokeniseError {
    #[error(
        "line {line}: no line number: every BASIC line starts with a number 0-9999 \
         (lines starting with # are comments)"
    )]
    MissingLineNumber { line: usize },

    #[error("line {line}: line number {number} is out of range 0..=9999: renumber the line")]
    LineNumberOutOfRange { line: usize, number: String },

    #[error(
        "line {line}: line number {number} does not follow {previous}: BASIC line numbers \
         must increase from one line to the next, without repeats"
    )]
    LineNumberNotIncreasing {
        line: usize,
        number: u16,
        previous: u16,
    },

    #[error(
        "line {line}: unterminated string: add the closing \" (write \"\" for a quote inside \
         a string)"
    )]
    UnterminatedString { line: usize },

    #[error(
        "line {line}: unknown escape {escape}: use \\a..\\u for UDGs, \\ plus two of \
         ' .:' (space, apostrophe, dot, colon) for block graphics such as \\':, \\* for ©, \
         \\\\ for a backslash, \\@ for @, or \\{{n}} for character code n"
    )]
    UnknownEscape { line: usize, escape: String },

    #[error(
        "line {line}: bad block graphic escape {escape}: after the \\ write exactly two \
         characters, left then right column, each a space (empty), ' (top), . (bottom) or \
         : (both), e.g. \\': or \\.:"
    )]
    BadBlockGraphic { line: usize, escape: String },

    #[error(
        "line {line}: \\{{ without a closing }}: write a character code as \\{{16}} or \\{{0x10}}"
    )]
    UnclosedCodeEscape { line: usize },

    #[error(
        "line {line}: \\{{{text}}} is not a character code 0..=255: write it in decimal \
         (\\{{16}}), hex (\\{{0x10}}) or octal (\\{{020}})"
    )]
    BadCodeEscape { line: usize, text: String },

    #[error(
        "line {line}: bad BIN number {text}: BIN takes binary digits (BIN 1010) or a C hex \
         number (BIN 0xFF) of at most 64 bits"
    )]
    BadBinNumber { line: usize, text: String },

    #[error(
        "line {line}: number {text} is too big for the Spectrum (largest about 1.7e38): \
         use a smaller number"
    )]
    NumberTooBig { line: usize, text: String },

    #[error(
        "line {line}: number {text} is too small for the Spectrum (smallest non-zero about \
         2.9e-39): write 0 instead"
    )]
    NumberTooSmall { line: usize, text: String },

    #[error("line {line}: {}", describe_unsupported(*ch))]
    UnsupportedCharacter { line: usize, ch: char },

    #[error(
        "line {line}: the last line ends in \\ (line continuation) but no line follows: \
         remove the \\ or add the rest of the statement"
    )]
    ContinuationAtEnd { line: usize },

    #[error(
        "line {line}: BASIC line {number} is {len} bytes once tokenised, more than the {max} \
         bytes a 48K Spectrum has for the whole program: split it into several lines"
    )]
    LineTooLong {
        line: usize,
        number: u16,
        len: usize,
        max: usize,
    },

    #[error(
        "line {line}: the program reaches {len} bytes here, more than the {max} bytes a 48K \
         Spectrum has between PROG and RAMTOP: make it shorter"
    )]
    ProgramTooLarge { line: usize, len: usize, max: usize },

    #[error("autostart line {autostart} is out of range 0..=9999: pick an existing line number")]
    AutostartOutOfRange { autostart: u16 },
}

fn describe_unsupported(ch: char) -> String {
    let code = u32::from(ch);
    if ch.is_control() {
        format!(
            "control character U+{code:04X} cannot appear in BASIC text: use \\{{{code}}} if \
             you mean character code {code}"
        )
    } else {
        format!(
            "character '{ch}' (U+{code:04X}) has no Spectrum code: use ASCII, £ or ` for the \
             pound sign, © or \\* for the copyright sign, \\a..\\u for UDGs, or \\{{n}} for \
             any character code"
        )
    }
}

/// Bytes from PROG (23755) up to the default RAMTOP (65367) on a 48K machine: an upper bound
/// on what LOAD can take, as variables and stacks need some of it too.
const PROGRAM_AREA: usize = 65367 - 23755;

const TOKEN_REM: u8 = 0xEA;
const TOKEN_BIN: u8 = 0xC4;
const TOKEN_DEF_FN: u8 = 0xCE;
/// zmakebas marks characters already consumed by a keyword with this byte and drops it later.
const CONSUMED: u8 = 0x01;
const NUMBER_MARKER: u8 = 0x0E;

/// zmakebas's keyword list, in its matching order: highest code first so that `go to` wins
/// over `to` and `def fn` over `fn`. Second spellings are alternatives for the same token.
/// Exception: VAL$ is tried before VAL, or `val$` would match as VAL and a `$`.
const KEYWORDS: &[(u8, &str, &str)] = &[
    (0xFF, "copy", ""),
    (0xFE, "return", ""),
    (0xFD, "clear", ""),
    (0xFC, "draw", ""),
    (0xFB, "cls", ""),
    (0xFA, "if", ""),
    (0xF9, "randomize", "randomise"),
    (0xF8, "save", ""),
    (0xF7, "run", ""),
    (0xF6, "plot", ""),
    (0xF5, "print", ""),
    (0xF4, "poke", ""),
    (0xF3, "next", ""),
    (0xF2, "pause", ""),
    (0xF1, "let", ""),
    (0xF0, "list", ""),
    (0xEF, "load", ""),
    (0xEE, "input", ""),
    (0xED, "go sub", "gosub"),
    (0xEC, "go to", "goto"),
    (0xEB, "for", ""),
    (0xEA, "rem", ""),
    (0xE9, "dim", ""),
    (0xE8, "continue", ""),
    (0xE7, "border", ""),
    (0xE6, "new", ""),
    (0xE5, "restore", ""),
    (0xE4, "data", ""),
    (0xE3, "read", ""),
    (0xE2, "stop", ""),
    (0xE1, "llist", ""),
    (0xE0, "lprint", ""),
    (0xDF, "out", ""),
    (0xDE, "over", ""),
    (0xDD, "inverse", ""),
    (0xDC, "bright", ""),
    (0xDB, "flash", ""),
    (0xDA, "paper", ""),
    (0xD9, "ink", ""),
    (0xD8, "circle", ""),
    (0xD7, "beep", ""),
    (0xD6, "verify", ""),
    (0xD5, "merge", ""),
    (0xD4, "close #", "close#"),
    (0xD3, "open #", "open#"),
    (0xD2, "erase", ""),
    (0xD1, "move", ""),
    (0xD0, "format", ""),
    (0xCF, "cat", ""),
    (0xCE, "def fn", "deffn"),
    (0xCD, "step", ""),
    (0xCC, "to", ""),
    (0xCB, "then", ""),
    (0xCA, "line", ""),
    (0xC9, "<>", ""),
    (0xC8, ">=", ""),
    (0xC7, "<=", ""),
    (0xC6, "and", ""),
    (0xC5, "or", ""),
    (0xC4, "bin", ""),
    (0xC3, "not", ""),
    (0xC2, "chr$", ""),
    (0xC1, "str$", ""),
    (0xC0, "usr", ""),
    (0xBF, "in", ""),
    (0xBE, "peek", ""),
    (0xBD, "abs", ""),
    (0xBC, "sgn", ""),
    (0xBB, "sqr", ""),
    (0xBA, "int", ""),
    (0xB9, "exp", ""),
    (0xB8, "ln", ""),
    (0xB7, "atn", ""),
    (0xB6, "acs", ""),
    (0xB5, "asn", ""),
    (0xB4, "tan", ""),
    (0xB3, "cos", ""),
    (0xB2, "sin", ""),
    (0xB1, "len", ""),
    (0xAE, "val$", ""),
    (0xB0, "val", ""),
    (0xAF, "code", ""),
    (0xAD, "tab", ""),
    (0xAC, "at", ""),
    (0xAB, "attr", ""),
    (0xAA, "screen$", ""),
    (0xA9, "point", ""),
    (0xA8, "fn", ""),
    (0xA7, "pi", ""),
    (0xA6, "inkey$", ""),
    (0xA5, "rnd", ""),
    (0xA4, "play", ""),
    (0xA3, "spectrum", ""),
];

/// Block graphics 0x80..=0x8F as zmakebas draws them: left column then right column.
const BLOCK_ESCAPES: [&[u8; 2]; 16] = [
    b"  ", b" '", b"' ", b"''", b" .", b" :", b"'.", b"':", b". ", b".'", b": ", b":'", b"..",
    b".:", b":.", b"::",
];

/// Tokenises a whole program.
pub fn tokenise(source: &str, opts: &TokeniseOptions) -> Result<BasicProgram, TokeniseError> {
    if let Some(autostart) = opts.autostart {
        if autostart > 9999 {
            return Err(TokeniseError::AutostartOutOfRange { autostart });
        }
    }
    let source = source.strip_prefix('\u{FEFF}').unwrap_or(source);
    let mut physical: Vec<&str> = source.split('\n').collect();
    if source.ends_with('\n') {
        physical.pop();
    }
    let physical: Vec<&str> = physical
        .into_iter()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();

    let mut bytes = Vec::new();
    let mut previous: Option<u16> = None;
    let mut next = 0;
    while next < physical.len() {
        let first = next;
        next += 1;
        let text = physical[first];
        if text.starts_with('#') || text.bytes().all(|b| b == b' ' || b == b'\t') {
            continue;
        }
        let mut line = LogicalLine::new(first + 1);
        line.push_text(text, first + 1)?;
        // A trailing backslash joins the next physical line, whatever that line holds.
        while line.buf.last() == Some(&b'\\') {
            line.buf.pop();
            let Some(more) = physical.get(next) else {
                return Err(TokeniseError::ContinuationAtEnd { line: next });
            };
            next += 1;
            line.push_text(more, next)?;
        }
        let (number, body) = line.tokenise(previous)?;
        previous = Some(number);
        if body.len() > PROGRAM_AREA {
            return Err(TokeniseError::LineTooLong {
                line: first + 1,
                number,
                len: body.len(),
                max: PROGRAM_AREA,
            });
        }
        bytes.extend_from_slice(&number.to_be_bytes());
        // Fits: body.len() <= PROGRAM_AREA < 65536.
        bytes.extend_from_slice(&(body.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&body);
        if bytes.len() > PROGRAM_AREA {
            return Err(TokeniseError::ProgramTooLarge {
                line: first + 1,
                len: bytes.len(),
                max: PROGRAM_AREA,
            });
        }
    }
    Ok(BasicProgram {
        bytes,
        autostart: opts.autostart,
    })
}

/// One BASIC line after joining continuations, as Spectrum character codes.
struct LogicalLine {
    /// Byte 0 is a space so that every position has a predecessor, as in zmakebas.
    buf: Vec<u8>,
    /// (offset in `buf`, source line) for each joined physical line.
    starts: Vec<(usize, usize)>,
}

impl LogicalLine {
    fn new(line: usize) -> Self {
        LogicalLine {
            buf: vec![b' '],
            starts: vec![(1, line)],
        }
    }

    fn push_text(&mut self, text: &str, line: usize) -> Result<(), TokeniseError> {
        if self.starts.last().map(|s| s.1) != Some(line) {
            self.starts.push((self.buf.len(), line));
        }
        for ch in text.chars() {
            let code = match ch {
                '\t' => 9,
                ' '..='\u{7F}' => ch as u8,
                '£' => 0x60,
                '©' => 0x7F,
                _ => return Err(TokeniseError::UnsupportedCharacter { line, ch }),
            };
            self.buf.push(code);
        }
        Ok(())
    }

    /// The source line holding `buf[pos]`.
    fn source_line(&self, pos: usize) -> usize {
        self.starts
            .iter()
            .rev()
            .find(|(start, _)| *start <= pos)
            .map_or(self.starts[0].1, |&(_, line)| line)
    }

    /// Returns the line number and the tokenised body, 0x0D included.
    fn tokenise(mut self, previous: Option<u16>) -> Result<(u16, Vec<u8>), TokeniseError> {
        let first_line = self.starts[0].1;
        let mut p = 1;
        while p < self.buf.len() && is_space(self.buf[p]) {
            p += 1;
        }
        let digits_start = p;
        while p < self.buf.len() && self.buf[p].is_ascii_digit() {
            p += 1;
        }
        if p == digits_start {
            return Err(TokeniseError::MissingLineNumber { line: first_line });
        }
        let digits = &self.buf[digits_start..p];
        let number = match std::str::from_utf8(digits)
            .ok()
            .and_then(|s| s.parse::<u16>().ok())
        {
            Some(n) if n <= 9999 => n,
            _ => {
                return Err(TokeniseError::LineNumberOutOfRange {
                    line: first_line,
                    number: String::from_utf8_lossy(digits).into_owned(),
                })
            }
        };
        if let Some(previous) = previous {
            if number <= previous {
                return Err(TokeniseError::LineNumberNotIncreasing {
                    line: first_line,
                    number,
                    previous,
                });
            }
        }
        while p < self.buf.len() && is_space(self.buf[p]) {
            p += 1;
        }
        // The body's predecessor reads as a space, so `10 .5` and `10.5` agree.
        self.buf[p - 1] = b' ';
        let body = p;
        // Padding so that look-ahead past the end reads zeros.
        let end = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        let original = self.buf.clone();

        self.match_keywords(body, end);
        self.emit(body, &original).map(|out| (number, out))
    }

    /// Replaces keywords in `buf[body..end]` by their tokens, the rest of each keyword (and the
    /// spaces after it) by CONSUMED. Nothing after the first REM is matched.
    fn match_keywords(&mut self, body: usize, end: usize) {
        // Lower-cased copy with string contents blanked, so keywords in strings never match.
        let mut lc = vec![0u8; self.buf.len()];
        let mut in_quotes = false;
        for (l, &c) in lc[body..end].iter_mut().zip(&self.buf[body..end]) {
            if c == b'"' {
                in_quotes = !in_quotes;
            }
            *l = if in_quotes && c != b'"' {
                b' '
            } else {
                c.to_ascii_lowercase()
            };
        }

        // Everything after the first real REM is left alone.
        let mut stop = end;
        let mut from = body;
        while let Some(p) = find(&lc, b"rem", from, end) {
            if !is_alpha(lc[p - 1]) && !is_alpha(lc[p + 3]) {
                stop = p;
                self.buf[p] = TOKEN_REM;
                self.buf[p + 1] = CONSUMED;
                self.buf[p + 2] = CONSUMED;
                // A REM swallows at most one space.
                if lc[p + 3] == b' ' {
                    self.buf[p + 3] = CONSUMED;
                }
                lc[p..end].fill(0);
                break;
            }
            from = p + 3;
        }

        for &(code, spelling, alternative) in KEYWORDS {
            for word in [spelling, alternative] {
                if word.is_empty() {
                    continue;
                }
                let word = word.as_bytes();
                let len = word.len();
                let mut from = body;
                while let Some(p) = find(&lc, word, from, stop) {
                    let operator = word[0] == b'<' || word[1] == b'=';
                    let left_ok = !is_alpha(lc[p - 1]);
                    // `close #a`: the # already ends the keyword.
                    let right_ok = word[len - 1] == b'#' || !is_alpha(lc[p + len]);
                    if operator || (left_ok && right_ok) {
                        self.buf[p] = code;
                        lc[p] = code;
                        self.buf[p + 1..p + len].fill(CONSUMED);
                        lc[p + 1..p + len].fill(CONSUMED);
                        let mut f = len;
                        while self.buf[p + f] == b' ' {
                            self.buf[p + f] = CONSUMED;
                            f += 1;
                        }
                        // BIN goes right before its digits, where the number scan looks.
                        if code == TOKEN_BIN {
                            self.buf[p] = CONSUMED;
                            lc[p] = CONSUMED;
                            self.buf[p + f - 1] = code;
                            lc[p + f - 1] = code;
                        }
                    }
                    from = p + len;
                }
            }
        }
    }

    /// Drops spaces outside strings and REMs, expands escapes and adds hidden numbers.
    fn emit(&self, body: usize, original: &[u8]) -> Result<Vec<u8>, TokeniseError> {
        let buf = &self.buf;
        let mut out = Vec::with_capacity(buf.len());
        let mut in_quotes = false;
        let mut in_rem = false;
        let mut quote_opened = body;
        let mut def_fn = DefFn::Off;
        let mut number_end = 0;
        let mut p = body;
        while buf[p] != 0 {
            let c = buf[p];
            if c == b'"' {
                in_quotes = !in_quotes;
                if in_quotes {
                    quote_opened = p;
                }
            }
            // zmakebas drops tabs even inside strings.
            if c == CONSUMED || c == b'\t' || (!in_quotes && !in_rem && c == b' ') {
                p += 1;
                continue;
            }
            if c == TOKEN_REM {
                in_rem = true;
            }
            if c == b'\\' {
                p = self.escape(p, original, &mut out)?;
                continue;
            }
            let prev = buf[p - 1];
            // A digit that is not the end of a number belongs to a name like is48.
            let in_name = prev.is_ascii_alphabetic() || (prev.is_ascii_digit() && p != number_end);
            if !in_rem
                && !in_quotes
                && !in_name
                && (c.is_ascii_digit() || (c == b'.' && buf[p + 1].is_ascii_digit()))
            {
                let line = self.source_line(p);
                let (end, value) = if prev == TOKEN_BIN {
                    scan_bin(buf, p).ok_or_else(|| TokeniseError::BadBinNumber {
                        line,
                        text: word_at(original, p),
                    })?
                } else {
                    scan_number(buf, p)
                };
                let text = || String::from_utf8_lossy(&buf[p..end]).into_owned();
                let encoded = match encode_number(value) {
                    Ok(encoded) => encoded,
                    Err(NumberRange::TooBig) => {
                        return Err(TokeniseError::NumberTooBig { line, text: text() })
                    }
                    Err(NumberRange::TooSmall) => {
                        return Err(TokeniseError::NumberTooSmall { line, text: text() })
                    }
                };
                out.extend_from_slice(&buf[p..end]);
                out.push(NUMBER_MARKER);
                out.extend_from_slice(&encoded);
                p = end;
                number_end = end;
                continue;
            }
            def_fn = def_fn.step(c, &mut out);
            out.push(c);
            p += 1;
        }
        if in_quotes && !in_rem {
            return Err(TokeniseError::UnterminatedString {
                line: self.source_line(quote_opened),
            });
        }
        out.push(0x0D);
        Ok(out)
    }

    /// Expands the escape at `buf[p]` (a backslash) into `out`; returns where to go on.
    fn escape(&self, p: usize, original: &[u8], out: &mut Vec<u8>) -> Result<usize, TokeniseError> {
        let buf = &self.buf;
        let line = self.source_line(p);
        let next = buf[p + 1];
        match next {
            b'a'..=b'u' | b'A'..=b'U' => {
                out.push(0x90 + (next.to_ascii_lowercase() - b'a'));
                Ok(p + 2)
            }
            b'\\' | b'@' => {
                out.push(next);
                Ok(p + 2)
            }
            b'*' => {
                out.push(0x7F);
                Ok(p + 2)
            }
            b'\'' | b'.' | b':' | b' ' => {
                let pair = [buf[p + 1], buf[p + 2]];
                match BLOCK_ESCAPES.iter().position(|e| **e == pair) {
                    Some(n) => {
                        out.push(0x80 + n as u8);
                        Ok(p + 3)
                    }
                    None => Err(TokeniseError::BadBlockGraphic {
                        line,
                        escape: escape_text(&original[p..p + 3]),
                    }),
                }
            }
            b'{' => {
                let close = buf[p + 2..]
                    .iter()
                    .take_while(|&&b| b != 0)
                    .position(|&b| b == b'}')
                    .map(|i| p + 2 + i)
                    .ok_or(TokeniseError::UnclosedCodeEscape { line })?;
                let inner = &original[p + 2..close];
                let code = parse_code(inner).ok_or_else(|| TokeniseError::BadCodeEscape {
                    line,
                    text: String::from_utf8_lossy(inner).into_owned(),
                })?;
                out.push(code);
                Ok(close + 1)
            }
            _ => {
                let escape = if next >= 0x80 {
                    // A keyword was matched right after the backslash.
                    let word = KEYWORDS
                        .iter()
                        .find(|k| k.0 == next)
                        .map_or("", |k| k.1)
                        .to_ascii_uppercase();
                    format!("\\ before the keyword {word}")
                } else if next == 0 {
                    "\\ at the end of the line".to_string()
                } else {
                    escape_text(&original[p..p + 2])
                };
                Err(TokeniseError::UnknownEscape { line, escape })
            }
        }
    }
}

/// Where we are in `DEF FN name(params)=...`, to add the parameters' hidden bytes.
#[derive(Clone, Copy)]
enum DefFn {
    Off,
    BeforeParams,
    /// In the parameter list; the current parameter starts at this output offset.
    Params(usize),
}

impl DefFn {
    /// Called with each plain byte `c` about to be appended to `out`.
    fn step(self, c: u8, out: &mut Vec<u8>) -> DefFn {
        if c == TOKEN_DEF_FN {
            return DefFn::BeforeParams;
        }
        match (self, c) {
            (DefFn::BeforeParams, b'(') => DefFn::Params(out.len() + 1),
            (DefFn::BeforeParams | DefFn::Params(_), b':' | b'=') => DefFn::Off,
            (DefFn::Params(start), b',' | b')') => {
                // The ROM stores each argument in 0x0E plus five bytes after its parameter.
                let param = &out[start..];
                let is_param = matches!(param, [l] | [l, b'$'] if l.is_ascii_alphabetic());
                if is_param {
                    out.extend_from_slice(&[NUMBER_MARKER, 0, 0, 0, 0, 0]);
                }
                if c == b',' {
                    DefFn::Params(out.len() + 1)
                } else {
                    DefFn::Off
                }
            }
            (state, _) => state,
        }
    }
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `isalpha` in the C locale, as zmakebas uses it (token bytes are not letters).
fn is_alpha(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

fn find(hay: &[u8], needle: &[u8], from: usize, end: usize) -> Option<usize> {
    if from >= end || end - from < needle.len() {
        return None;
    }
    hay[from..end]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| from + i)
}

fn escape_text(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| match b {
            0x60 => '£',
            0x7F => '©',
            b => b as char,
        })
        .collect()
}

/// The run of alphanumerics (and `.`) at `p`, to quote in an error.
fn word_at(buf: &[u8], p: usize) -> String {
    let end = buf[p..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'.'))
        .map_or(buf.len(), |i| p + i);
    String::from_utf8_lossy(&buf[p..end]).into_owned()
}

/// `\{...}` contents: decimal, 0x hex or 0 octal like C's strtoul, 0..=255.
fn parse_code(inner: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(inner).ok()?.trim_matches([' ', '\t']);
    let value = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()?
    } else if text.len() > 1 && text.starts_with('0') {
        u32::from_str_radix(&text[1..], 8).ok()?
    } else {
        text.parse::<u32>().ok()?
    };
    // from_str_radix accepts a sign; C code escapes never have one.
    if text.contains(['+', '-']) {
        return None;
    }
    u8::try_from(value).ok()
}

/// A number as C's `strtod` reads it at `buf[p]` (a digit, or `.` and a digit): decimal with
/// optional fraction and exponent, or glibc's hex form `0x1F`, `0x1.8p3`.
fn scan_number(buf: &[u8], p: usize) -> (usize, f64) {
    let hex_start = buf[p] == b'0'
        && matches!(buf[p + 1], b'x' | b'X')
        && (buf[p + 2].is_ascii_hexdigit()
            || (buf[p + 2] == b'.' && buf[p + 3].is_ascii_hexdigit()));
    if hex_start {
        return scan_hex_float(buf, p + 2);
    }
    let mut i = p;
    while buf[i].is_ascii_digit() {
        i += 1;
    }
    if buf[i] == b'.' {
        i += 1;
        while buf[i].is_ascii_digit() {
            i += 1;
        }
    }
    if matches!(buf[i], b'e' | b'E') {
        let mut j = i + 1;
        if matches!(buf[j], b'+' | b'-') {
            j += 1;
        }
        if buf[j].is_ascii_digit() {
            while buf[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    // All ASCII digits, '.', 'e' and signs, so this parses; NaN would be refused later.
    let value = std::str::from_utf8(&buf[p..i])
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    (i, value)
}

fn scan_hex_float(buf: &[u8], mut i: usize) -> (usize, f64) {
    let mut mantissa: u64 = 0;
    let mut exp2: i64 = 0;
    let mut sticky = false;
    let mut digit = |d: u64, fraction: bool, mantissa: &mut u64, exp2: &mut i64| {
        if *mantissa >> 60 == 0 {
            *mantissa = *mantissa * 16 + d;
            if fraction {
                *exp2 -= 4;
            }
        } else {
            sticky |= d != 0;
            if !fraction {
                *exp2 += 4;
            }
        }
    };
    while let Some(d) = hex_value(buf[i]) {
        digit(d, false, &mut mantissa, &mut exp2);
        i += 1;
    }
    if buf[i] == b'.' {
        i += 1;
        while let Some(d) = hex_value(buf[i]) {
            digit(d, true, &mut mantissa, &mut exp2);
            i += 1;
        }
    }
    if matches!(buf[i], b'p' | b'P') {
        let mut j = i + 1;
        let negative = buf[j] == b'-';
        if matches!(buf[j], b'+' | b'-') {
            j += 1;
        }
        if buf[j].is_ascii_digit() {
            let mut e: i64 = 0;
            while buf[j].is_ascii_digit() {
                e = (e * 10 + i64::from(buf[j] - b'0')).min(100_000);
                j += 1;
            }
            exp2 += if negative { -e } else { e };
            i = j;
        }
    }
    // The low bit stands in for dropped digits, so rounding of ties comes out right.
    let mut value = (mantissa | u64::from(sticky)) as f64;
    let mut exp2 = exp2.clamp(-10_000, 10_000) as i32;
    while exp2 != 0 && value != 0.0 && value.is_finite() {
        let step = exp2.clamp(-1000, 1000);
        value *= 2f64.powi(step);
        exp2 -= step;
    }
    (i, value)
}

fn hex_value(b: u8) -> Option<u64> {
    (b as char).to_digit(16).map(u64::from)
}

/// The number after BIN: binary digits or `0x` hex. None if malformed.
fn scan_bin(buf: &[u8], p: usize) -> Option<(usize, f64)> {
    let mut value: u64 = 0;
    let mut i = p;
    if buf[p] == b'0' && matches!(buf[p + 1], b'x' | b'X') {
        i += 2;
        hex_value(buf[i])?;
        while let Some(d) = hex_value(buf[i]) {
            value = value.checked_mul(16)? + d;
            i += 1;
        }
    } else {
        if !matches!(buf[p], b'0' | b'1') {
            return None;
        }
        while matches!(buf[i], b'0' | b'1') {
            value = value.checked_mul(2)? + u64::from(buf[i] - b'0');
            i += 1;
        }
        // BIN 102: the ROM would refuse it; zmakebas would quietly split it.
        if buf[i].is_ascii_digit() {
            return None;
        }
    }
    Some((i, value as f64))
}

enum NumberRange {
    TooBig,
    TooSmall,
}

/// The five hidden bytes after a number, as zmakebas's `dbl2spec` makes them: small integers
/// in the ROM's integer form, everything else as exponent and 32-bit mantissa with the sign
/// bit clear (the sign is the `-` in the text).
fn encode_number(value: f64) -> Result<[u8; 5], NumberRange> {
    if !value.is_finite() {
        return Err(NumberRange::TooBig);
    }
    if value.fract() == 0.0 && (-65535.0..=65535.0).contains(&value) {
        let n = value.abs() as u16;
        let [lo, hi] = n.to_le_bytes();
        return Ok([0, 0, lo, hi, 0]);
    }
    let mut num = value.abs();
    let mut exp: i32 = 0;
    while num >= 1.0 {
        num /= 2.0;
        exp += 1;
    }
    while num < 0.5 {
        num *= 2.0;
        exp -= 1;
    }
    if exp > 127 {
        return Err(NumberRange::TooBig);
    }
    // zmakebas allows -128, but exponent byte 0 would read back as the integer form.
    if exp < -127 {
        return Err(NumberRange::TooSmall);
    }
    num *= 2.0;
    let mut mantissa: u32 = 0;
    for _ in 0..32 {
        let bit = u32::from(num >= 1.0);
        mantissa = (mantissa << 1) | bit;
        num -= f64::from(bit);
        num *= 2.0;
    }
    if num >= 1.0 && mantissa != u32::MAX {
        mantissa += 1;
    }
    mantissa &= 0x7FFF_FFFF;
    let [m0, m1, m2, m3] = mantissa.to_be_bytes();
    Ok([(128 + exp) as u8, m0, m1, m2, m3])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> TokeniseOptions {
        TokeniseOptions::default()
    }

    /// The body (after the 4-byte header) of a one-line program, header checked.
    fn body(source: &str) -> Vec<u8> {
        let program = tokenise(source, &opts()).unwrap_or_else(|e| panic!("{source:?}: {e}"));
        let bytes = program.bytes;
        assert!(bytes.len() >= 5, "{source:?}: {bytes:02X?}");
        let len = usize::from(u16::from_le_bytes([bytes[2], bytes[3]]));
        assert_eq!(len, bytes.len() - 4, "{source:?}: one line, length field");
        assert_eq!(bytes.last(), Some(&0x0D));
        bytes[4..].to_vec()
    }

    fn err(source: &str) -> TokeniseError {
        match tokenise(source, &opts()) {
            Ok(p) => panic!("{source:?} should fail, gave {:02X?}", p.bytes),
            Err(e) => e,
        }
    }

    /// `text` followed by its hidden number.
    fn num(text: &str, hidden: [u8; 5]) -> Vec<u8> {
        let mut v = text.as_bytes().to_vec();
        v.push(0x0E);
        v.extend_from_slice(&hidden);
        v
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    /// The value of five hidden bytes as the ROM reads them.
    fn decode(b: [u8; 5]) -> f64 {
        if b[0] == 0 {
            let n = f64::from(u16::from_le_bytes([b[2], b[3]]));
            return if b[1] == 0xFF { n - 65536.0 } else { n };
        }
        let mantissa = u32::from_be_bytes([b[1] | 0x80, b[2], b[3], b[4]]);
        f64::from(mantissa) / 2f64.powi(32) * 2f64.powi(i32::from(b[0]) - 128)
    }

    fn hidden_of(source: &str) -> [u8; 5] {
        let b = body(source);
        let i = b.iter().position(|&x| x == 0x0E).expect("a hidden number");
        b[i + 1..i + 6].try_into().unwrap()
    }

    // ---- numbers ----

    #[test]
    fn small_integers_use_the_integer_form() {
        assert_eq!(
            body("10 PRINT 0"),
            cat(&[&[0xF5], &num("0", [0; 5]), &[0x0D]])
        );
        assert_eq!(hidden_of("10 PRINT 1"), [0, 0, 1, 0, 0]);
        assert_eq!(hidden_of("10 PRINT 256"), [0, 0, 0, 1, 0]);
        assert_eq!(hidden_of("10 PRINT 65535"), [0, 0, 0xFF, 0xFF, 0]);
        assert_eq!(hidden_of("10 PRINT 00012"), [0, 0, 12, 0, 0]);
        assert_eq!(hidden_of("10 PRINT 3.0"), [0, 0, 3, 0, 0]);
    }

    #[test]
    fn the_sign_stays_in_the_text_not_the_hidden_number() {
        assert_eq!(
            body("10 PRINT -5"),
            cat(&[&[0xF5], &num("-5", [0, 0, 5, 0, 0]), &[0x0D]])
        );
        assert_eq!(
            body("10 PRINT 2*-3"),
            cat(&[
                &[0xF5],
                &num("2", [0, 0, 2, 0, 0]),
                b"*",
                &num("-3", [0, 0, 3, 0, 0]),
                &[0x0D]
            ])
        );
        // 65536 = 0.5 * 2^17: exponent 128+17, mantissa 0.5 with the sign bit cleared.
        assert_eq!(hidden_of("10 PRINT -65536"), [0x91, 0, 0, 0, 0]);
        assert_eq!(hidden_of("10 PRINT -65535"), [0, 0, 0xFF, 0xFF, 0]);
    }

    #[test]
    fn other_numbers_use_exponent_and_mantissa() {
        assert_eq!(hidden_of("10 PRINT 65536"), [0x91, 0, 0, 0, 0]);
        // From the zmakebas man page.
        assert_eq!(hidden_of("10 PRINT 0.5"), [0x80, 0, 0, 0, 0]);
        assert_eq!(hidden_of("10 PRINT .5"), [0x80, 0, 0, 0, 0]);
        // 1.5 = 0.75 * 2^1.
        assert_eq!(hidden_of("10 PRINT 1.5"), [0x81, 0x40, 0, 0, 0]);
        // 65535.5 / 65536 = 0xFFFF8000 / 2^32.
        assert_eq!(hidden_of("10 PRINT 65535.5"), [0x90, 0x7F, 0xFF, 0x80, 0]);
        // 1e10 = 0x2540BE400, 34 bits: mantissa 0x9502F900.
        assert_eq!(hidden_of("10 PRINT 1e10"), [0xA2, 0x15, 0x02, 0xF9, 0x00]);
        assert_eq!(hidden_of("10 PRINT 1E+10"), [0xA2, 0x15, 0x02, 0xF9, 0x00]);
        // 0.1 rounds up in the last bit, as the ROM has it.
        assert_eq!(hidden_of("10 PRINT 0.1"), [0x7D, 0x4C, 0xCC, 0xCC, 0xCD]);
    }

    #[test]
    fn number_text_is_kept_as_typed() {
        assert_eq!(
            body("10 PRINT 1.e2;2.5E-3"),
            cat(&[
                &[0xF5],
                &num("1.e2", [0, 0, 100, 0, 0]),
                b";",
                &num("2.5E-3", encode_number(2.5e-3).ok().unwrap()),
                &[0x0D]
            ])
        );
        // `1e` is not an exponent: the e stays a letter.
        assert_eq!(
            body("10 PRINT 1e"),
            cat(&[&[0xF5], &num("1", [0, 0, 1, 0, 0]), b"e", &[0x0D]])
        );
    }

    #[test]
    fn hidden_numbers_read_back_close_to_the_text() {
        for text in [
            "3.14159",
            "0.1",
            "1e-5",
            "123456789",
            "4294967295",
            "4294967296",
            "1.7e38",
            "5e-39",
            "99999.99",
            "0.000001",
            "2.5",
            "1e30",
            "65535.9",
        ] {
            let want: f64 = text.parse().unwrap();
            let got = decode(hidden_of(&format!("10 PRINT {text}")));
            let error = ((got - want) / want).abs();
            assert!(error <= 2f64.powi(-31), "{text}: read back as {got}");
        }
    }

    #[test]
    fn bin_numbers_get_their_value() {
        assert_eq!(
            body("10 PRINT BIN 101"),
            cat(&[&[0xF5, 0xC4], &num("101", [0, 0, 5, 0, 0]), &[0x0D]])
        );
        assert_eq!(hidden_of("10 PRINT BIN 0"), [0; 5]);
        assert_eq!(hidden_of("10 PRINT bin 11111111"), [0, 0, 0xFF, 0, 0]);
        assert_eq!(
            hidden_of("10 PRINT BIN 1111111111111111"),
            [0, 0, 0xFF, 0xFF, 0]
        );
        assert_eq!(
            hidden_of("10 PRINT BIN 10000000000000000"),
            [0x91, 0, 0, 0, 0]
        );
        assert_eq!(
            body("10 PRINT BIN 0xFF"),
            cat(&[&[0xF5, 0xC4], &num("0xFF", [0, 0, 0xFF, 0, 0]), &[0x0D]])
        );
        assert_eq!(hidden_of("10 PRINT BIN 0x10000"), [0x91, 0, 0, 0, 0]);
    }

    #[test]
    fn c_hex_numbers_are_read_like_strtod() {
        assert_eq!(
            body("10 PRINT 0x10"),
            cat(&[&[0xF5], &num("0x10", [0, 0, 16, 0, 0]), &[0x0D]])
        );
        assert_eq!(hidden_of("10 PRINT 0x1.8p1"), [0, 0, 3, 0, 0]);
        // 0x without hex digits is just 0 and a letter.
        assert_eq!(
            body("10 PRINT 0xg"),
            cat(&[&[0xF5], &num("0", [0; 5]), b"xg", &[0x0D]])
        );
    }

    #[test]
    fn digits_in_names_are_not_numbers() {
        assert_eq!(
            body("10 LET a1=2"),
            cat(&[&[0xF1], b"a1=", &num("2", [0, 0, 2, 0, 0]), &[0x0D]])
        );
        assert_eq!(body("10 PRINT is48"), cat(&[&[0xF5], b"is48", &[0x0D]]));
        // After a number, a following number is still a number.
        assert_eq!(
            body("10 DATA 1.5.25"),
            cat(&[
                &[0xE4],
                &num("1.5", [0x81, 0x40, 0, 0, 0]),
                &num(".25", [0x7F, 0, 0, 0, 0]),
                &[0x0D]
            ])
        );
    }

    #[test]
    fn a_body_starting_with_a_number_works_with_or_without_a_space() {
        assert_eq!(
            body("10 .5"),
            cat(&[&num(".5", [0x80, 0, 0, 0, 0]), &[0x0D]])
        );
        assert_eq!(
            body("10.5"),
            cat(&[&num(".5", [0x80, 0, 0, 0, 0]), &[0x0D]])
        );
    }

    // ---- keywords ----

    /// The 48K token table from the Spectrum manual, 0xA5 upwards.
    const MANUAL_TOKENS: [&str; 91] = [
        "RND",
        "INKEY$",
        "PI",
        "FN",
        "POINT",
        "SCREEN$",
        "ATTR",
        "AT",
        "TAB",
        "VAL$",
        "CODE",
        "VAL",
        "LEN",
        "SIN",
        "COS",
        "TAN",
        "ASN",
        "ACS",
        "ATN",
        "LN",
        "EXP",
        "INT",
        "SQR",
        "SGN",
        "ABS",
        "PEEK",
        "IN",
        "USR",
        "STR$",
        "CHR$",
        "NOT",
        "BIN",
        "OR",
        "AND",
        "<=",
        ">=",
        "<>",
        "LINE",
        "THEN",
        "TO",
        "STEP",
        "DEF FN",
        "CAT",
        "FORMAT",
        "MOVE",
        "ERASE",
        "OPEN #",
        "CLOSE #",
        "MERGE",
        "VERIFY",
        "BEEP",
        "CIRCLE",
        "INK",
        "PAPER",
        "FLASH",
        "BRIGHT",
        "INVERSE",
        "OVER",
        "OUT",
        "LPRINT",
        "LLIST",
        "STOP",
        "READ",
        "DATA",
        "RESTORE",
        "NEW",
        "BORDER",
        "CONTINUE",
        "DIM",
        "REM",
        "FOR",
        "GO TO",
        "GO SUB",
        "INPUT",
        "LOAD",
        "LIST",
        "LET",
        "PAUSE",
        "NEXT",
        "POKE",
        "PRINT",
        "PLOT",
        "RUN",
        "SAVE",
        "RANDOMIZE",
        "IF",
        "CLS",
        "DRAW",
        "CLEAR",
        "RETURN",
        "COPY",
    ];

    #[test]
    fn every_48k_keyword_gets_its_token() {
        for (i, name) in MANUAL_TOKENS.iter().enumerate() {
            let code = 0xA5 + i as u8;
            for text in [name.to_string(), name.to_lowercase()] {
                let b = body(&format!("10 {text} "));
                assert_eq!(b[0], code, "{text:?} gives {:02X?}", b);
                assert!(b[1..].iter().all(|&x| x < 0x80), "{text:?}: one token only");
            }
        }
        // zmakebas also knows the two 128K keywords.
        assert_eq!(body("10 PLAY \"a\"")[0], 0xA4);
        assert_eq!(body("10 SPECTRUM")[0], 0xA3);
    }

    #[test]
    fn alternative_spellings_and_any_case() {
        for text in ["GO TO 10", "goto 10", "GoTo 10", "go to 10"] {
            assert_eq!(
                body(&format!("5 {text}")),
                cat(&[&[0xEC], &num("10", [0, 0, 10, 0, 0]), &[0x0D]]),
                "{text}"
            );
        }
        assert_eq!(body("5 gosub 1")[0], 0xED);
        assert_eq!(body("5 GO SUB 1")[0], 0xED);
        assert_eq!(body("5 randomise")[0], 0xF9);
        assert_eq!(body("5 RANDOMIZE")[0], 0xF9);
        assert_eq!(body("5 deffn a()=1")[0], 0xCE);
        assert_eq!(body("5 pRiNt")[0], 0xF5);
    }

    #[test]
    fn keywords_inside_words_are_left_alone() {
        assert_eq!(
            body("10 LET total=1")[..7],
            [0xF1, b't', b'o', b't', b'a', b'l', b'=']
        );
        assert_eq!(body("10 PRINT attr"), [0xF5, 0xAB, 0x0D]);
        // Documented zmakebas limitation: CHR$ needs a space or bracket after it.
        assert_eq!(body("10 PRINT CHR$a"), cat(&[&[0xF5], b"CHR$a", &[0x0D]]));
        // Operators need no separation.
        assert_eq!(
            body("10 IF a<>b THEN STOP"),
            [0xFA, b'a', 0xC9, b'b', 0xCB, 0xE2, 0x0D]
        );
        assert_eq!(body("10 IF a<=b OR a>=b THEN STOP")[2], 0xC7);
    }

    #[test]
    fn val_dollar_is_its_own_token() {
        assert_eq!(
            body("10 PRINT VAL$ \"1\""),
            [0xF5, 0xAE, b'"', b'1', b'"', 0x0D]
        );
        assert_eq!(
            body("10 PRINT VAL \"1\""),
            [0xF5, 0xB0, b'"', b'1', b'"', 0x0D]
        );
    }

    #[test]
    fn streams_after_open_close_print() {
        assert_eq!(
            body("10 OPEN #4,\"k\""),
            cat(&[&[0xD3], &num("4", [0, 0, 4, 0, 0]), b",\"k\"", &[0x0D]])
        );
        assert_eq!(body("10 close#4")[0], 0xD4);
        assert_eq!(body("10 CLOSE #s"), [0xD4, b's', 0x0D]);
        assert_eq!(
            body("10 PRINT #3;\"x\""),
            cat(&[
                &[0xF5, b'#'],
                &num("3", [0, 0, 3, 0, 0]),
                b";\"x\"",
                &[0x0D]
            ])
        );
    }

    #[test]
    fn def_fn_parameters_get_hidden_slots() {
        const SLOT: [u8; 6] = [0x0E, 0, 0, 0, 0, 0];
        assert_eq!(
            body("10 DEF FN f(x)=x"),
            cat(&[&[0xCE], b"f(x", &SLOT, b")=x", &[0x0D]])
        );
        assert_eq!(
            body("10 DEF FN g$(a$, b) = a$"),
            cat(&[&[0xCE], b"g$(a$", &SLOT, b",b", &SLOT, b")=a$", &[0x0D]])
        );
        assert_eq!(
            body("10 DEF FN z()=1"),
            cat(&[&[0xCE], b"z()=", &num("1", [0, 0, 1, 0, 0]), &[0x0D]])
        );
        // FN calls are not definitions.
        assert_eq!(
            body("10 PRINT FN f(x)"),
            cat(&[&[0xF5, 0xA8], b"f(x)", &[0x0D]])
        );
    }

    // ---- strings and REM ----

    #[test]
    fn strings_are_copied_verbatim() {
        assert_eq!(
            body("10 PRINT \"GO TO 10  rem 1e5\""),
            cat(&[&[0xF5], b"\"GO TO 10  rem 1e5\"", &[0x0D]])
        );
        assert_eq!(
            body("10 PRINT \"a\"\"b\""),
            cat(&[&[0xF5], b"\"a\"\"b\"", &[0x0D]])
        );
        assert_eq!(
            body("10 PRINT  \" a \" ;  x"),
            cat(&[&[0xF5], b"\" a \";x", &[0x0D]])
        );
        // zmakebas drops tabs everywhere, strings included.
        assert_eq!(
            body("10 PRINT \"a\tb\""),
            cat(&[&[0xF5], b"\"ab\"", &[0x0D]])
        );
    }

    #[test]
    fn nothing_after_rem_is_tokenised() {
        assert_eq!(
            body("10 REM PRINT 1: GO TO 5"),
            cat(&[&[0xEA], b"PRINT 1: GO TO 5", &[0x0D]])
        );
        // REM eats one space only.
        assert_eq!(body("10 rem  x"), cat(&[&[0xEA], b" x", &[0x0D]]));
        assert_eq!(body("10 REM"), [0xEA, 0x0D]);
        assert_eq!(
            body("10 PRINT 1: REM go to"),
            cat(&[
                &[0xF5],
                &num("1", [0, 0, 1, 0, 0]),
                b":",
                &[0xEA],
                b"go to",
                &[0x0D]
            ])
        );
        assert_eq!(
            body("10 LET premium=1: REM print"),
            cat(&[
                &[0xF1],
                b"premium=",
                &num("1", [0, 0, 1, 0, 0]),
                b":",
                &[0xEA],
                b"print",
                &[0x0D]
            ])
        );
        assert_eq!(body("10 REMARK"), cat(&[b"REMARK", &[0x0D]]));
        // An odd quote in a REM is fine.
        assert_eq!(body("10 REM it\"s"), cat(&[&[0xEA], b"it\"s", &[0x0D]]));
        // Escapes still work in REM (zmakebas 1.2).
        assert_eq!(body("10 REM \\a"), [0xEA, 0x90, 0x0D]);
    }

    // ---- escapes and characters ----

    #[test]
    fn udg_escapes() {
        let letters = "abcdefghijklmnopqrstu";
        let source = format!(
            "10 PRINT \"{}\"",
            letters
                .chars()
                .map(|c| format!("\\{c}"))
                .collect::<String>()
        );
        let want: Vec<u8> = (0x90..=0xA4).collect();
        assert_eq!(body(&source), cat(&[&[0xF5, b'"'], &want, &[b'"', 0x0D]]));
        assert_eq!(
            body("10 PRINT \"\\A\\U\""),
            [0xF5, b'"', 0x90, 0xA4, b'"', 0x0D]
        );
    }

    #[test]
    fn block_graphic_escapes_follow_the_rom_quadrant_bits() {
        // ROM: bit 0 top right, bit 1 top left, bit 2 bottom right, bit 3 bottom left.
        let quarters = [(' ', 0, 0), ('\'', 1, 0), ('.', 0, 1), (':', 1, 1)];
        for &(left, lt, lb) in &quarters {
            for &(right, rt, rb) in &quarters {
                let code = 0x80 | rt | (lt << 1) | (rb << 2) | (lb << 3);
                let source = format!("10 PRINT \"\\{left}{right}\"");
                assert_eq!(body(&source), [0xF5, b'"', code, b'"', 0x0D], "{source}");
            }
        }
        // Outside strings too.
        assert_eq!(body("10 PRINT \\':"), [0xF5, 0x87, 0x0D]);
    }

    #[test]
    fn other_escapes_and_characters() {
        assert_eq!(
            body("10 PRINT \"\\*\\\\\\@\""),
            cat(&[&[0xF5], b"\"", &[0x7F], b"\\@\"", &[0x0D]])
        );
        for code in ["16", "0x10", "0X10", "020", " 16 "] {
            assert_eq!(
                body(&format!("10 PRINT \"\\{{{code}}}\"")),
                [0xF5, b'"', 16, b'"', 0x0D],
                "{code}"
            );
        }
        assert_eq!(
            body("10 PRINT \"\\{255}\\{0}\""),
            [0xF5, b'"', 255, 0, b'"', 0x0D]
        );
        assert_eq!(
            body("10 PRINT \"£`©\""),
            [0xF5, b'"', 0x60, 0x60, 0x7F, b'"', 0x0D]
        );
    }

    // ---- program layout ----

    #[test]
    fn line_header_is_big_endian_number_little_endian_length() {
        let p = tokenise("300 CLS\n9999 STOP\n", &opts()).unwrap();
        assert_eq!(
            p.bytes,
            [0x01, 0x2C, 2, 0, 0xFB, 0x0D, 0x27, 0x0F, 2, 0, 0xE2, 0x0D]
        );
        assert_eq!(p.autostart, None);
        let long = format!("10 REM {}", "x".repeat(300));
        let p = tokenise(&long, &opts()).unwrap();
        assert_eq!(&p.bytes[..4], &[0, 10, 0x2E, 0x01]); // 1 + 300 + 1 = 302
    }

    #[test]
    fn comments_blank_lines_crlf_and_continuations() {
        let plain = tokenise("10 CLS\n20 PRINT 1;2\n", &opts()).unwrap();
        let fancy = "# comment\n\n10 CLS\r\n   \n\t\n# 15 not a line\n20 PRINT 1;\\\n2";
        assert_eq!(tokenise(fancy, &opts()).unwrap(), plain);
        assert_eq!(
            tokenise("\u{FEFF}10 CLS\n20 PRINT 1;2", &opts()).unwrap(),
            plain
        );
        assert_eq!(tokenise("", &opts()).unwrap().bytes, Vec::<u8>::new());
        // Line 0 is allowed, as in zmakebas.
        assert_eq!(
            tokenise("0 CLS", &opts()).unwrap().bytes,
            [0, 0, 2, 0, 0xFB, 0x0D]
        );
    }

    #[test]
    fn autostart_is_passed_through() {
        let p = tokenise(
            "10 CLS",
            &TokeniseOptions {
                autostart: Some(10),
            },
        )
        .unwrap();
        assert_eq!(p.autostart, Some(10));
        let p = tokenise("10 CLS", &TokeniseOptions { autostart: Some(0) }).unwrap();
        assert_eq!(p.autostart, Some(0));
    }

    // ---- errors ----

    #[test]
    fn missing_line_number() {
        let e = err("# c\n\nPRINT 1");
        assert_eq!(e, TokeniseError::MissingLineNumber { line: 3 });
        assert!(e.to_string().starts_with("line 3: no line number"), "{e}");
        assert!(matches!(
            err("  #x"),
            TokeniseError::MissingLineNumber { line: 1 }
        ));
    }

    #[test]
    fn line_number_out_of_range() {
        let e = err("10 CLS\n10000 CLS");
        assert_eq!(
            e,
            TokeniseError::LineNumberOutOfRange {
                line: 2,
                number: "10000".into()
            }
        );
        assert!(
            e.to_string().contains("10000 is out of range 0..=9999"),
            "{e}"
        );
        assert!(matches!(
            err("99999999999999999999999 CLS"),
            TokeniseError::LineNumberOutOfRange { line: 1, .. }
        ));
    }

    #[test]
    fn line_numbers_must_increase() {
        let e = err("20 CLS\n10 CLS");
        assert_eq!(
            e,
            TokeniseError::LineNumberNotIncreasing {
                line: 2,
                number: 10,
                previous: 20
            }
        );
        assert!(e.to_string().contains("must increase"), "{e}");
        assert!(matches!(
            err("10 CLS\n10 CLS"),
            TokeniseError::LineNumberNotIncreasing { .. }
        ));
    }

    #[test]
    fn unterminated_string() {
        let e = err("10 CLS\n20 PRINT \"abc");
        assert_eq!(e, TokeniseError::UnterminatedString { line: 2 });
        assert!(e.to_string().contains("add the closing \""), "{e}");
        // The opening quote's line is reported across continuations.
        assert_eq!(
            err("10 PRINT 1;\\\n\"abc"),
            TokeniseError::UnterminatedString { line: 2 }
        );
    }

    #[test]
    fn unknown_escapes() {
        let e = err("10 CLS\n\n\n20 PRINT \"\\x\"");
        assert_eq!(
            e,
            TokeniseError::UnknownEscape {
                line: 4,
                escape: "\\x".into()
            }
        );
        let text = e.to_string();
        assert!(
            text.starts_with("line 4: unknown escape \\x: use \\a..\\u for UDGs"),
            "{text}"
        );
        assert!(text.contains("\\{n}"), "{text}");
        for bad in ["\\v", "\\z", "\\1", "\\\""] {
            assert!(
                matches!(
                    err(&format!("10 PRINT \"{bad}\"")),
                    TokeniseError::UnknownEscape { .. }
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_block_graphic() {
        let e = err("10 PRINT \"\\'x\"");
        assert_eq!(
            e,
            TokeniseError::BadBlockGraphic {
                line: 1,
                escape: "\\'x".into()
            }
        );
        assert!(e.to_string().contains("two characters"), "{e}");
    }

    #[test]
    fn bad_code_escapes() {
        assert_eq!(
            err("10 PRINT \"\\{16"),
            TokeniseError::UnclosedCodeEscape { line: 1 }
        );
        assert!(err("10 PRINT \"\\{16").to_string().contains("closing }"));
        for bad in ["256", "", "abc", "-1", "+1", "0x", "09", "1 2"] {
            let e = err(&format!("10 PRINT \"\\{{{bad}}}\""));
            assert_eq!(
                e,
                TokeniseError::BadCodeEscape {
                    line: 1,
                    text: bad.into()
                },
                "{bad}"
            );
        }
        assert!(err("10 PRINT \"\\{256}\"").to_string().contains("0..=255"));
    }

    #[test]
    fn bad_bin_numbers() {
        for (source, text) in [
            ("10 PRINT BIN 2", "2"),
            ("10 PRINT BIN 102", "102"),
            ("10 PRINT BIN .1", ".1"),
            ("10 PRINT BIN 0xZ", "0xZ"),
        ] {
            assert_eq!(
                err(source),
                TokeniseError::BadBinNumber {
                    line: 1,
                    text: text.into()
                },
                "{source}"
            );
        }
        let too_long = format!("10 PRINT BIN 1{}", "0".repeat(64));
        assert!(matches!(err(&too_long), TokeniseError::BadBinNumber { .. }));
        assert!(err("10 PRINT BIN 2").to_string().contains("BIN 1010"));
    }

    #[test]
    fn numbers_out_of_range() {
        let e = err("10 PRINT 1e39");
        assert_eq!(
            e,
            TokeniseError::NumberTooBig {
                line: 1,
                text: "1e39".into()
            }
        );
        assert!(e.to_string().contains("too big"), "{e}");
        assert!(matches!(
            err("10 PRINT 1e400"),
            TokeniseError::NumberTooBig { .. }
        ));
        assert!(matches!(
            err("10 PRINT 0x1p200"),
            TokeniseError::NumberTooBig { .. }
        ));
        let e = err("10 PRINT 1e-40");
        assert_eq!(
            e,
            TokeniseError::NumberTooSmall {
                line: 1,
                text: "1e-40".into()
            }
        );
        assert!(e.to_string().contains("write 0"), "{e}");
        // Underflow to exactly zero is just zero, as with strtod.
        assert_eq!(hidden_of("10 PRINT 1e-400"), [0; 5]);
    }

    #[test]
    fn unsupported_characters() {
        let e = err("10 PRINT \"café\"");
        assert_eq!(e, TokeniseError::UnsupportedCharacter { line: 1, ch: 'é' });
        assert!(e.to_string().contains("'é' (U+00E9)"), "{e}");
        let e = err("10 PRINT \"\u{1}\"");
        assert!(
            e.to_string().contains("U+0001") && e.to_string().contains("\\{1}"),
            "{e}"
        );
        // Comment lines are not read at all.
        assert!(tokenise("# café\n10 CLS", &opts()).is_ok());
    }

    #[test]
    fn continuation_at_end_of_file() {
        let e = err("10 PRINT 1;\\\n");
        assert_eq!(e, TokeniseError::ContinuationAtEnd { line: 1 });
        assert!(e.to_string().contains("remove the \\"), "{e}");
        assert_eq!(
            err("10 CLS\n20 PRINT\\\n1\\"),
            TokeniseError::ContinuationAtEnd { line: 3 }
        );
    }

    #[test]
    fn too_long() {
        let e = err(&format!("10 CLS\n20 REM {}", "x".repeat(PROGRAM_AREA)));
        assert!(
            matches!(e, TokeniseError::LineTooLong { line: 2, number: 20, len, max: PROGRAM_AREA } if len == PROGRAM_AREA + 2),
            "{e:?}"
        );
        assert!(e.to_string().contains("split it"), "{e}");
        let half = "x".repeat(PROGRAM_AREA / 2);
        let e = err(&format!("10 REM {half}\n20 REM {half}\n"));
        assert!(
            matches!(
                e,
                TokeniseError::ProgramTooLarge {
                    line: 2,
                    max: PROGRAM_AREA,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn autostart_out_of_range() {
        let e = tokenise(
            "10 CLS",
            &TokeniseOptions {
                autostart: Some(10000),
            },
        )
        .unwrap_err();
        assert_eq!(e, TokeniseError::AutostartOutOfRange { autostart: 10000 });
        assert!(e.to_string().contains("0..=9999"), "{e}");
    }
}
