//! The BASIC V2 tokeniser against known token values and a known program image.

use retromesh_c64::basic::{tokenise, BasicError, KEYWORDS};

#[test]
fn known_token_values() {
    let token = |k: &str| 0x80 + KEYWORDS.iter().position(|&w| w == k).unwrap() as u8;
    for (k, v) in [
        ("END", 0x80),
        ("REM", 0x8F),
        ("PRINT#", 0x98),
        ("PRINT", 0x99),
        ("SYS", 0x9E),
        ("OPEN", 0x9F),
        ("CLOSE", 0xA0),
        ("GET", 0xA1),
        ("THEN", 0xA7),
        ("+", 0xAA),
        ("=", 0xB2),
        ("PEEK", 0xC2),
        ("CHR$", 0xC7),
        ("MID$", 0xCA),
        ("GO", 0xCB),
    ] {
        assert_eq!(token(k), v, "{k}");
    }
}

#[test]
fn ten_print_hi_is_the_well_known_image() {
    assert_eq!(
        tokenise("10 PRINT\"HI\"").unwrap(),
        vec![0x01, 0x08, 0x0B, 0x08, 0x0A, 0x00, 0x99, 0x22, 0x48, 0x49, 0x22, 0x00, 0x00, 0x00]
    );
}

#[test]
fn line_links_point_at_the_next_line() {
    let prg = tokenise("10 OPEN4,4\n20 PRINT#4,\"HELLO\"\n30 CLOSE4\n").unwrap();
    // Line 10 at $0801: link, 10, OPEN 4 , 4, 0 -> 9 bytes, next at $080A.
    assert_eq!(
        &prg[2..13],
        &[0x0A, 0x08, 10, 0, 0x9F, b'4', b',', b'4', 0, 0x19, 0x08]
    );
    // Line 20 at $080A: link $0819, 20, PRINT# 4 , "HELLO" 0 -> 15 bytes.
    assert_eq!(&prg[13..15], &[20, 0]);
    assert_eq!(prg[15], 0x98);
    assert_eq!(&prg[16..25], b"4,\"HELLO\"");
    // Line 30 at $0819: link $0820, 30, CLOSE 4 0 -> 7 bytes; then the 0 0 end link.
    assert_eq!(&prg[26..33], &[0x20, 0x08, 30, 0, 0xA0, b'4', 0]);
    assert_eq!(prg.len(), 2 + 9 + 15 + 7 + 2);
    assert_eq!(&prg[prg.len() - 2..], &[0, 0]);
}

#[test]
fn strings_rem_and_data_are_not_tokenised_and_question_mark_is_print() {
    let prg = tokenise("5 ?\"PRINT\":REM PRINT IT\n6 DATA TO,AND:PRINT").unwrap();
    let line5 = &prg[6..];
    assert_eq!(line5[0], 0x99);
    assert_eq!(&line5[1..8], b"\"PRINT\"");
    assert_eq!(&line5[8..10], &[b':', 0x8F]);
    assert_eq!(&line5[10..19], b" PRINT IT");
    let line6_start = 6 + 19 + 1 + 4;
    assert_eq!(prg[line6_start], 0x83);
    assert_eq!(&prg[line6_start + 1..line6_start + 9], b" TO,AND:");
    assert_eq!(prg[line6_start + 9], 0x99);
}

#[test]
fn lowercase_is_typed_as_unshifted_and_escapes_give_raw_bytes() {
    let prg = tokenise("1 print chr$(65){$93}{pi}").unwrap();
    assert_eq!(
        &prg[6..],
        &[0x99, b' ', 0xC7, b'(', b'6', b'5', b')', 0x93, 0xFF, 0, 0, 0]
    );
}

#[test]
fn bad_programs_say_what_to_fix() {
    assert!(matches!(
        tokenise("PRINT"),
        Err(BasicError::NoLineNumber { line_index: 1, .. })
    ));
    assert_eq!(
        tokenise("20 END\n10 END"),
        Err(BasicError::OutOfOrder {
            number: 10,
            previous: 20
        })
    );
    assert_eq!(
        tokenise("64000 END"),
        Err(BasicError::LineNumberTooBig { number: 64000 })
    );
    assert_eq!(
        tokenise("1 PRINT \"€\""),
        Err(BasicError::BadCharacter {
            number: 1, ch: '€'
        })
    );
}
