//! Line-mode text: transcoding and wrapping, by property and by example.

use proptest::prelude::*;
use retromesh_link::profile::{Charset, MachineProfile};
use retromesh_link::text::{from_micro, layout, layout_for, to_micro, wrap, wrap_bytes};

/// Bytes `to_micro` may produce: what the micro prints, plus 0x0A between lines.
fn valid_byte(b: u8, charset: Charset) -> bool {
    match charset {
        Charset::ZxAscii => matches!(b, 0x0A | 0x20..=0x7F | 0x81..=0x8F),
        Charset::Petscii => matches!(b, 0x0A | 0x20..=0x5F | 0xA4 | 0xC1..=0xDA | 0xDD),
    }
}

/// Printable ASCII after the documented substitutions.
fn ascii_expected(s: &str, charset: Charset) -> String {
    s.chars()
        .map(|c| match (charset, c) {
            (_, '`') => "'".to_string(),
            (Charset::Petscii, '\\') => "/".to_string(),
            (Charset::Petscii, '{') => "(".to_string(),
            (Charset::Petscii, '}') => ")".to_string(),
            (Charset::Petscii, '~') => "-".to_string(),
            _ => c.to_string(),
        })
        .collect()
}

fn charsets() -> impl Strategy<Value = Charset> {
    prop_oneof![Just(Charset::ZxAscii), Just(Charset::Petscii)]
}

/// Text with the awkward parts over-represented: line ends, tabs, controls, the micros'
/// special characters, accents, CJK, emoji, private use, zero-width characters.
fn texts() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[ -~]{0,12}",
        1 => Just("\n".to_string()),
        1 => Just("\r\n".to_string()),
        1 => Just("\t".to_string()),
        1 => "[£©^`↑←_|{}~\\\\éü€“”—中🦄\u{E000}\u{7}\u{1B}\u{7F}\u{85}\u{AD}\u{200B}\u{FEFF}▘█]{1,4}",
        1 => any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

fn non_space(s: impl IntoIterator<Item = char>) -> String {
    s.into_iter().filter(|c| *c != ' ' && *c != '\n').collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn to_micro_only_sends_bytes_the_micro_can_print(text in texts(), cs in charsets()) {
        let t = to_micro(&text, cs);
        for &b in &t.bytes {
            prop_assert!(valid_byte(b, cs), "byte {b:#04x} from {text:?}");
        }
    }

    #[test]
    fn nothing_is_lost_without_trace(text in texts(), cs in charsets()) {
        // Every character that is not listed as substituted comes back from the micro at
        // least as often as it went in (line ends and tabs are normalised, so not counted).
        // 0x5E shows as an up arrow and reads back as '^': count both as one.
        let text = text.replace('↑', "^");
        let t = to_micro(&text, cs);
        let back = from_micro(&t.bytes, cs);
        for c in text.chars() {
            if matches!(c, '\n' | '\r' | '\t') || t.substituted.iter().any(|s| s.0 == c) {
                continue;
            }
            let sent = text.chars().filter(|x| *x == c).count();
            let got = back.chars().filter(|x| *x == c).count();
            prop_assert!(got >= sent, "{c:?}: {sent} sent, {got} back; {t:?}");
        }
        // And each listed character was in the text, once.
        for (i, (c, _)) in t.substituted.iter().enumerate() {
            prop_assert!(text.contains(*c));
            prop_assert!(t.substituted[..i].iter().all(|s| s.0 != *c));
        }
    }

    #[test]
    fn printable_ascii_round_trips_except_documented_substitutions(
        s in "[ -~]{0,80}", cs in charsets()
    ) {
        let t = to_micro(&s, cs);
        let expected = ascii_expected(&s, cs);
        prop_assert_eq!(from_micro(&t.bytes, cs), expected.clone());
        // Exactly the characters that changed are listed.
        let changed: Vec<char> = s
            .chars()
            .filter(|c| ascii_expected(&c.to_string(), cs) != c.to_string())
            .collect();
        for c in &changed {
            prop_assert!(t.substituted.iter().any(|x| x.0 == *c));
        }
        prop_assert_eq!(t.substituted.iter().all(|x| changed.contains(&x.0)), true);
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word_character(text in texts(), width in 1usize..50) {
        let lines = wrap(&text, width);
        for l in &lines {
            prop_assert!(l.chars().count() <= width, "{l:?} wider than {width}");
            prop_assert!(!l.ends_with(' '), "trailing space in {l:?}");
            prop_assert!(!l.contains('\n'));
        }
        let normalised = text.replace("\r\n", "\n");
        prop_assert_eq!(non_space(lines.concat().chars()), non_space(normalised.chars()));
        // Every input line gives at least one output line (blank lines are kept).
        prop_assert!(lines.len() >= normalised.lines().count());
    }

    #[test]
    fn wrapped_bytes_fit_and_keep_every_non_space(bytes in prop::collection::vec(
        prop_oneof![4 => 0x21u8..0x7F, 2 => Just(b' '), 1 => Just(b'\n'), 1 => any::<u8>()], 0..300),
        width in 1usize..50,
    ) {
        let lines = wrap_bytes(&bytes, width);
        for l in &lines {
            prop_assert!(l.len() <= width);
            prop_assert!(l.last() != Some(&b' '));
            prop_assert!(!l.contains(&b'\n'));
        }
        let keep = |v: &[u8]| v.iter().copied().filter(|b| *b != b' ' && *b != b'\n').collect::<Vec<u8>>();
        prop_assert_eq!(keep(&lines.concat()), keep(&bytes));
    }

    #[test]
    fn layout_fits_the_screen(text in texts(), cs in charsets(), width in 1usize..50) {
        let out = layout(&text, cs, width);
        for l in &out.lines {
            prop_assert!(l.len() <= width);
            prop_assert!(l.iter().all(|&b| b != 0x0A && valid_byte(b, cs)));
        }
    }
}

#[test]
fn a_spectrum_screen_of_unicode() {
    let zx = MachineProfile::by_name("zx-if1").unwrap();
    let out = layout_for(
        "Price: €5 — “cheap”, £4 © ACME.\tTabbed\nsecond line, very long and wrapped at thirty-two columns",
        zx,
    );
    let lines: Vec<String> = out
        .lines
        .iter()
        .map(|l| from_micro(l, Charset::ZxAscii))
        .collect();
    assert_eq!(
        lines,
        [
            "Price: EUR5 -- \"cheap\", £4 ©",
            "ACME.  Tabbed",
            "second line, very long and",
            "wrapped at thirty-two columns",
        ]
    );
    let subs: Vec<char> = out.substituted.iter().map(|s| s.0).collect();
    assert_eq!(subs, ['€', '—', '“', '”']);
}

#[test]
fn a_c64_screen_in_petscii() {
    let c64 = MachineProfile::by_name("c64-userport").unwrap();
    let out = layout_for("READY. load \"x\",8\n{ok} ~ `tick` C:\\dos", c64);
    assert_eq!(out.lines[0][..6], [0xD2, 0xC5, 0xC1, 0xC4, 0xD9, b'.']);
    assert_eq!(out.lines[0][7..11], [0x4C, 0x4F, 0x41, 0x44]);
    let back: Vec<String> = out
        .lines
        .iter()
        .map(|l| from_micro(l, Charset::Petscii))
        .collect();
    assert_eq!(back, ["READY. load \"x\",8", "(ok) - 'tick' C:/dos"]);
    assert_eq!(out.substituted.len(), 5);
}
