//! Word wrap for narrow screens (32 columns on a Spectrum, 40 on a C64).
//!
//! Wrap *after* transcoding ([`super::to_micro`]): a character can become several on the micro
//! ("€" → "EUR"), and [`wrap_bytes`] counts the bytes the micro will print, one column each.
//! [`wrap`] does the same on a `str`, counting `char`s, for text already in the micro's
//! repertoire (or for previews); [`super::layout`] transcodes and wraps in one go.
//!
//! Rules, per line of the input (lines end at a line feed; a final line feed ends the last
//! line rather than starting an empty one, like [`str::lines`]):
//!
//! - words (runs of non-spaces) are packed greedily, keeping the spaces between words on the
//!   same output line as they were;
//! - a line break eats the spaces it replaces, and trailing spaces are trimmed;
//! - leading spaces (indentation) are kept on the first output line if the first word fits
//!   after them;
//! - a word longer than the width is split into pieces of `width` characters;
//! - empty (or all-space) lines stay, as empty lines.
//!
//! A line of exactly `width` characters fills the screen row: on both micros the print
//! position then moves to the next row by itself, so a client that prints a CR after it gets
//! an empty row in between. Clients print such lines with `;` (no newline) or use `width - 1`.

/// Wraps transcoded bytes (0x0A between lines) at `width` columns. Width 0 counts as 1.
pub fn wrap_bytes(bytes: &[u8], width: usize) -> Vec<Vec<u8>> {
    wrap_units(bytes, b' ', b'\n', width)
}

/// Wraps `text` at `width` characters (see the module documentation). `\r\n` counts as `\n`.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.replace("\r\n", "\n").chars().collect();
    wrap_units(&chars, ' ', '\n', width)
        .into_iter()
        .map(|line| line.into_iter().collect())
        .collect()
}

fn wrap_units<T: Copy + PartialEq>(units: &[T], space: T, newline: T, width: usize) -> Vec<Vec<T>> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let body = match units.split_last() {
        None => return lines,
        Some((last, rest)) if *last == newline => rest,
        Some(_) => units,
    };
    for para in body.split(|u| *u == newline) {
        wrap_paragraph(para, space, width, &mut lines);
    }
    lines
}

fn wrap_paragraph<T: Copy + PartialEq>(
    para: &[T],
    space: T,
    width: usize,
    lines: &mut Vec<Vec<T>>,
) {
    let end = para.iter().rposition(|u| *u != space).map_or(0, |i| i + 1);
    let para = &para[..end];
    if para.is_empty() {
        lines.push(Vec::new());
        return;
    }
    let mut line: Vec<T> = Vec::with_capacity(width);
    let mut i = para.iter().take_while(|u| **u == space).count();
    // Spaces waiting to go before the next word: at first, the indentation.
    let mut gap = i;
    while i < para.len() {
        let start = i;
        while i < para.len() && para[i] != space {
            i += 1;
        }
        let word = &para[start..i];
        let gap_start = i;
        while i < para.len() && para[i] == space {
            i += 1;
        }
        place(&mut line, lines, word, gap, space, width);
        gap = i - gap_start;
    }
    lines.push(line);
}

fn place<T: Copy + PartialEq>(
    line: &mut Vec<T>,
    lines: &mut Vec<Vec<T>>,
    word: &[T],
    gap: usize,
    space: T,
    width: usize,
) {
    if line.len() + gap + word.len() <= width {
        line.extend(std::iter::repeat_n(space, gap));
        line.extend_from_slice(word);
        return;
    }
    if !line.is_empty() {
        lines.push(std::mem::take(line));
    }
    let mut rest = word;
    while rest.len() > width {
        lines.push(rest[..width].to_vec());
        rest = &rest[width..];
    }
    line.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_wrap_at_width() {
        assert_eq!(
            wrap("the quick brown fox jumps over the lazy dog", 10),
            ["the quick", "brown fox", "jumps over", "the lazy", "dog"]
        );
    }

    #[test]
    fn long_words_are_split() {
        assert_eq!(
            wrap("ab abcdefghij xy", 4),
            ["ab", "abcd", "efgh", "ij", "xy"]
        );
        assert_eq!(wrap("abcdefgh", 4), ["abcd", "efgh"]);
    }

    #[test]
    fn newlines_blank_lines_and_trailing_spaces() {
        assert_eq!(wrap("a  \n\n  \nb", 8), ["a", "", "", "b"]);
        assert_eq!(wrap("a\n", 8), ["a"]);
        assert_eq!(wrap("a\n\n", 8), ["a", ""]);
        assert_eq!(wrap("\n", 8), [""]);
        assert!(wrap("", 8).is_empty());
        assert_eq!(wrap("x\r\ny", 8), ["x", "y"]);
    }

    #[test]
    fn inner_spaces_kept_and_eaten_at_breaks() {
        assert_eq!(wrap("a  b     c", 5), ["a  b", "c"]);
        assert_eq!(wrap("  indented text", 11), ["  indented", "text"]);
        assert_eq!(wrap("      toolong", 8), ["toolong"]);
    }

    #[test]
    fn bytes_version_matches() {
        assert_eq!(
            wrap_bytes(b"\x60100 for it\nok", 6),
            [b"\x60100".to_vec(), b"for it".to_vec(), b"ok".to_vec()]
        );
        assert_eq!(
            wrap_bytes(b"abc", 0),
            [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
    }
}
