//! The keyboard matrix and keystroke injection.
//!
//! Keys are pressed on the matrix the ROM scans, frame by frame, as a person would press them:
//! programs that read the ports directly (INKEY$, IN 254) see them as well as the ROM does.

use std::collections::VecDeque;

/// A physical key: (half-row, bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    row: u8,
    bit: u8,
}

const ROWS: [&str; 8] = [
    "^zxcv", "asdfg", "qwert", "12345", "09876", "poiuy", "\nlkjh", " $mnb",
];

impl Key {
    pub const CAPS_SHIFT: Key = Key { row: 0, bit: 0 };
    pub const SYMBOL_SHIFT: Key = Key { row: 7, bit: 1 };
    pub const ENTER: Key = Key { row: 6, bit: 0 };
    pub const SPACE: Key = Key { row: 7, bit: 0 };

    /// The unshifted key with this legend (a letter, a digit, space or newline for ENTER).
    pub fn plain(legend: char) -> Option<Key> {
        let legend = legend.to_ascii_lowercase();
        if legend == '^' || legend == '$' {
            return None;
        }
        ROWS.iter().enumerate().find_map(|(row, keys)| {
            keys.chars().position(|k| k == legend).map(|bit| Key {
                row: row as u8,
                bit: bit as u8,
            })
        })
    }
}

/// Keys held down together for one keystroke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chord(pub Vec<Key>);

/// SYMBOL SHIFT combinations that type a character in L/C mode (48K keyboard legends).
const SYMBOLS: &[(char, char)] = &[
    ('!', '1'),
    ('@', '2'),
    ('#', '3'),
    ('$', '4'),
    ('%', '5'),
    ('&', '6'),
    ('\'', '7'),
    ('(', '8'),
    (')', '9'),
    ('_', '0'),
    ('<', 'r'),
    ('>', 't'),
    (';', 'o'),
    ('"', 'p'),
    ('^', 'h'),
    ('-', 'j'),
    ('+', 'k'),
    ('=', 'l'),
    (':', 'z'),
    ('£', 'x'),
    ('?', 'c'),
    ('/', 'v'),
    ('*', 'b'),
    (',', 'n'),
    ('.', 'm'),
];

/// Named keys inside `{...}` in key text.
const NAMED: &[(&str, &[Key])] = &[
    ("ENTER", &[Key::ENTER]),
    ("SPACE", &[Key::SPACE]),
    ("BREAK", &[Key::CAPS_SHIFT, Key::SPACE]),
    ("DELETE", &[Key::CAPS_SHIFT, Key { row: 4, bit: 0 }]),
    ("EDIT", &[Key::CAPS_SHIFT, Key { row: 3, bit: 0 }]),
    ("CAPSLOCK", &[Key::CAPS_SHIFT, Key { row: 3, bit: 1 }]),
    ("GRAPHICS", &[Key::CAPS_SHIFT, Key { row: 4, bit: 1 }]),
    ("LEFT", &[Key::CAPS_SHIFT, Key { row: 3, bit: 4 }]),
    ("DOWN", &[Key::CAPS_SHIFT, Key { row: 4, bit: 4 }]),
    ("UP", &[Key::CAPS_SHIFT, Key { row: 4, bit: 3 }]),
    ("RIGHT", &[Key::CAPS_SHIFT, Key { row: 4, bit: 2 }]),
    ("EXTEND", &[Key::CAPS_SHIFT, Key::SYMBOL_SHIFT]),
    ("CAPS", &[Key::CAPS_SHIFT]),
    ("SYMBOL", &[Key::SYMBOL_SHIFT]),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyTextError {
    #[error("character {0:?} cannot be typed on a Spectrum keyboard: spell it with a named key in braces, e.g. {{ENTER}}, or leave it out")]
    Untypeable(char),
    #[error("unknown key name {{{0}}}: use one of {1}")]
    UnknownName(String, String),
    #[error("unclosed '{{' in key text: write named keys as {{ENTER}}")]
    Unclosed,
}

/// Turns text into keystrokes for L (lower case) mode: letters, digits, space, `\n` as ENTER,
/// upper case with CAPS SHIFT, punctuation with SYMBOL SHIFT, `{NAME}` for named keys and
/// `{SS+k}` / `{CS+k}` for any shifted key.
pub fn parse_key_text(text: &str) -> Result<Vec<Chord>, KeyTextError> {
    let mut chords = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let chord = if c == '{' {
            let mut name = String::new();
            loop {
                match chars.next() {
                    Some('}') => break,
                    Some(c) => name.push(c),
                    None => return Err(KeyTextError::Unclosed),
                }
            }
            named_chord(&name)?
        } else if let Some(key) = Key::plain(c) {
            if c.is_ascii_uppercase() {
                vec![Key::CAPS_SHIFT, key]
            } else {
                vec![key]
            }
        } else if let Some((_, base)) = SYMBOLS.iter().find(|(sym, _)| *sym == c) {
            vec![
                Key::SYMBOL_SHIFT,
                Key::plain(*base).expect("symbol table names real keys"),
            ]
        } else {
            return Err(KeyTextError::Untypeable(c));
        };
        chords.push(Chord(chord));
    }
    Ok(chords)
}

fn named_chord(name: &str) -> Result<Vec<Key>, KeyTextError> {
    let upper = name.to_ascii_uppercase();
    if let Some((_, keys)) = NAMED.iter().find(|(n, _)| *n == upper) {
        return Ok(keys.to_vec());
    }
    let shifted = |prefix: &str, shift: Key| {
        let rest = upper.strip_prefix(prefix)?;
        let mut it = rest.chars();
        let key = Key::plain(it.next()?)?;
        it.next().is_none().then(|| vec![shift, key])
    };
    shifted("SS+", Key::SYMBOL_SHIFT)
        .or_else(|| shifted("CS+", Key::CAPS_SHIFT))
        .or_else(|| {
            (upper.len() == 1)
                .then(|| Key::plain(upper.chars().next()?).map(|k| vec![k]))
                .flatten()
        })
        .ok_or_else(|| {
            let names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
            KeyTextError::UnknownName(
                name.to_string(),
                format!("{}, SS+k, CS+k", names.join(", ")),
            )
        })
}

/// The 8 half-rows as the ULA reads them: a clear bit is a pressed key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matrix {
    rows: [u8; 8],
}

impl Default for Matrix {
    fn default() -> Self {
        Matrix { rows: [0x1F; 8] }
    }
}

impl Matrix {
    pub fn press(&mut self, chord: &Chord) {
        for key in &chord.0 {
            self.rows[key.row as usize] &= !(1 << key.bit);
        }
    }

    pub fn release_all(&mut self) {
        self.rows = [0x1F; 8];
    }

    /// Bits 0-4 of an IN from port 0xFE: every half-row whose address line is low is read.
    #[inline]
    pub fn read(&self, high_byte: u8) -> u8 {
        let mut value = 0x1F;
        for (row, bits) in self.rows.iter().enumerate() {
            if high_byte & (1 << row) == 0 {
                value &= bits;
            }
        }
        value
    }
}

/// When queued keys start being typed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TypeWhen {
    /// As soon as the previous input is typed, after this many frames.
    AfterFrames(u32),
    /// When the ROM is waiting in its editor for INPUT (or a command line).
    RomWaitsForInput,
}

#[derive(Debug, Clone)]
struct Pending {
    chords: VecDeque<Chord>,
    when: TypeWhen,
}

/// Frames a key is held, and frames between keys. The ROM registers a new key on the first
/// interrupt it sees it, and needs about 5 key-up frames before the same key counts again.
const HOLD_FRAMES: u32 = 2;
const GAP_FRAMES: u32 = 6;

/// Types queued input into the matrix, one frame at a time.
#[derive(Debug, Clone, Default)]
pub struct Typist {
    queue: VecDeque<Pending>,
    /// Frames left in the current press (positive) or gap.
    holding: u32,
    gap: u32,
    started: bool,
    waited: u32,
}

impl Typist {
    pub fn queue(&mut self, chords: Vec<Chord>, when: TypeWhen) {
        self.queue.push_back(Pending {
            chords: chords.into(),
            when,
        });
    }

    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.holding == 0 && self.gap == 0
    }

    /// What is queued but not typed yet, for error messages.
    pub fn pending(&self) -> Option<TypeWhen> {
        self.queue.front().map(|p| p.when)
    }

    /// Lets go of a held key now (loading a tape takes seconds on a real machine: nobody is
    /// still holding ENTER when the program starts).
    pub fn release(&mut self, matrix: &mut Matrix) {
        if self.holding > 0 {
            self.holding = 0;
            matrix.release_all();
            self.gap = GAP_FRAMES;
        }
    }

    /// Called once per frame, before the frame's interrupt.
    pub fn on_frame(&mut self, matrix: &mut Matrix, rom_waits_for_input: bool) {
        if self.holding > 0 {
            self.holding -= 1;
            if self.holding == 0 {
                matrix.release_all();
                self.gap = GAP_FRAMES;
            }
            return;
        }
        if self.gap > 0 {
            self.gap -= 1;
            return;
        }
        let Some(front) = self.queue.front_mut() else {
            return;
        };
        if !self.started {
            let ready = match front.when {
                TypeWhen::AfterFrames(n) => {
                    self.waited += 1;
                    self.waited > n
                }
                TypeWhen::RomWaitsForInput => rom_waits_for_input,
            };
            if !ready {
                return;
            }
            self.started = true;
        }
        match front.chords.pop_front() {
            Some(chord) => {
                matrix.press(&chord);
                self.holding = HOLD_FRAMES;
            }
            None => {
                self.queue.pop_front();
                self.started = false;
                self.waited = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_maps_to_chords() {
        let chords = parse_key_text("aB1\"{ENTER}").unwrap();
        assert_eq!(chords.len(), 5);
        assert_eq!(chords[0].0, vec![Key::plain('a').unwrap()]);
        assert_eq!(chords[1].0, vec![Key::CAPS_SHIFT, Key::plain('b').unwrap()]);
        assert_eq!(
            chords[3].0,
            vec![Key::SYMBOL_SHIFT, Key::plain('p').unwrap()]
        );
        assert_eq!(chords[4].0, vec![Key::ENTER]);
        assert_eq!(parse_key_text("\n").unwrap()[0].0, vec![Key::ENTER]);
    }

    #[test]
    fn bad_key_text_is_named() {
        assert_eq!(parse_key_text("~"), Err(KeyTextError::Untypeable('~')));
        assert!(
            matches!(parse_key_text("{NOPE}"), Err(KeyTextError::UnknownName(n, _)) if n == "NOPE")
        );
        assert_eq!(parse_key_text("{ENTER"), Err(KeyTextError::Unclosed));
    }

    #[test]
    fn matrix_reads_selected_rows_only() {
        let mut m = Matrix::default();
        m.press(&Chord(vec![Key::plain('a').unwrap()]));
        assert_eq!(m.read(0xFD), 0x1E);
        assert_eq!(m.read(0xFE), 0x1F);
        assert_eq!(m.read(0x00), 0x1E);
    }
}
