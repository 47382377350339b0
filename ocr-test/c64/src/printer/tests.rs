//! The printer's paper, line by line, as a C64 program would drive it.

use super::*;

fn print(bytes: &[u8]) -> PetsciiPrinter {
    let mut printer = PetsciiPrinter::new();
    printer.write(bytes);
    printer
}

fn cell_at(paper: &C64Printout, line: usize, column: usize) -> Cell {
    std::array::from_fn(|r| paper.rows().get(line * 8 + r).map_or(0, |row| row[column]))
}

fn glyph(ch: char) -> Cell {
    Font::petscii().cell(ch).unwrap()
}

#[test]
fn cr_ends_a_line_and_an_lf_after_it_is_ignored() {
    let printer = print(b"HELLO\r\nWORLD\r\rX\nY");
    assert_eq!(printer.text(), "HELLO\nWORLD\n\nX\nY");
    let paper = printer.printout();
    assert_eq!(cell_at(paper, 0, 0), glyph('H'));
    assert_eq!(cell_at(paper, 1, 4), glyph('D'));
    assert_eq!(cell_at(paper, 2, 0), [0; 8]);
    assert_eq!(cell_at(paper, 3, 0), glyph('X'));
    assert_eq!(cell_at(paper, 4, 0), glyph('Y'));
}

#[test]
fn the_81st_character_starts_a_new_line() {
    let mut bytes = vec![b'1'; 80];
    bytes.extend(b"2\r");
    bytes.extend(vec![b'3'; 80]);
    bytes.extend(b"\rEND");
    let printer = print(&bytes);
    let lines: Vec<String> = printer.text().lines().map(String::from).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0], "1".repeat(80));
    assert_eq!(lines[1], "2");
    assert_eq!(lines[2], "3".repeat(80));
    assert_eq!(lines[3], "END");
    assert_eq!(cell_at(printer.printout(), 0, 79), glyph('1'));
    assert_eq!(cell_at(printer.printout(), 1, 0), glyph('2'));
}

#[test]
fn chr17_and_chr145_switch_case_as_an_mps803_does() {
    // "Hello" as ca65 -t c64 encodes it: a shifted H, then unshifted letters.
    // In upper case/graphics a shifted H is a graphic this font does not draw.
    let printer = print(b"\xD3 \xC8ELLO \x11\xC8ELLO 42\x91 \xD3\r");
    assert_eq!(printer.text(), "\u{2665} \u{FFFD}ELLO Hello 42 \u{2665}");
    assert_eq!(cell_at(printer.printout(), 0, 9), glyph('e'));
}

#[test]
fn reverse_field_inverts_cells_until_off_or_the_line_ends() {
    let printer = print(b"A\x12B\x92C\x12D\rE");
    let paper = printer.printout();
    assert_eq!(cell_at(paper, 0, 0), glyph('A'));
    assert_eq!(cell_at(paper, 0, 1), glyph('B').map(|r| !r));
    assert_eq!(cell_at(paper, 0, 2), glyph('C'));
    assert_eq!(cell_at(paper, 0, 3), glyph('D').map(|r| !r));
    assert_eq!(cell_at(paper, 1, 0), glyph('E'));
    assert_eq!(printer.text(), "ABCD\nE");
}

#[test]
fn double_width_spreads_a_character_over_two_cells() {
    let printer = print(b"\x0EI\x0FI");
    let paper = printer.printout();
    let i = glyph('I');
    let left = cell_at(paper, 0, 0);
    for r in 0..8 {
        for x in 0..4 {
            let dot = i[r] & (0x80 >> x) != 0;
            assert_eq!(left[r] & (0x80 >> (2 * x)) != 0, dot);
            assert_eq!(left[r] & (0x40 >> (2 * x)) != 0, dot);
        }
    }
    assert_eq!(cell_at(paper, 0, 2), i);
}

#[test]
fn tab_moves_the_head_and_controls_print_nothing() {
    let printer = print(b"A\x1020B\x07\x1B\r");
    assert_eq!(printer.text(), format!("A{}B", " ".repeat(19)));
    assert_eq!(cell_at(printer.printout(), 0, 20), glyph('B'));
}

#[test]
fn a_job_end_finishes_the_line_and_resets_the_case() {
    let mut printer = print(b"\x11AB");
    printer.end_job();
    printer.write(b"AB\r");
    assert_eq!(printer.text(), "ab\nAB");
    assert_eq!(printer.counts(), (6, 1));
}

#[test]
fn unknown_graphics_print_a_box() {
    let printer = print(&[0xA1, b'\r']);
    assert_eq!(printer.text(), MISSING.to_string());
    assert_eq!(cell_at(printer.printout(), 0, 0), glyph(MISSING));
}

mod centronics {
    use super::super::*;
    use crate::userport::{UserPortDevice, UserPortOut};

    fn out(pb: u8, strobe_high: bool) -> UserPortOut {
        UserPortOut {
            pb,
            pb_ddr: 0xFF,
            pa2: strobe_high,
            pc2_low: false,
        }
    }

    /// A well-formed byte: /STROBE low for 4 cycles, then BUSY and /ACK, sampled as every
    /// instruction would.
    fn send(device: &mut CentronicsPrinter, t: &mut u64, byte: u8) {
        assert!(
            device.step(*t, &out(byte, true)).flag2_low,
            "ready before the byte"
        );
        device.step(*t + 1, &out(byte, false));
        *t += 5;
        assert!(
            !device.step(*t, &out(byte, true)).flag2_low,
            "BUSY once latched"
        );
        *t += 20;
        device.step(*t, &out(byte, true));
        *t += 20;
        assert!(
            device.step(*t, &out(byte, true)).flag2_low,
            "BUSY falls when done"
        );
    }

    #[test]
    fn bytes_strobed_in_are_printed_and_busy_falls_after_each() {
        let (mut device, handle) = CentronicsPrinter::new(PetsciiPrinter::new(), 2_000_000);
        let mut t = 100;
        for &b in b"HI\r" {
            send(&mut device, &mut t, b);
        }
        assert_eq!(handle.bytes(), b"HI\r");
        assert_eq!(handle.text(), "HI");
        assert_eq!(handle.stats().bytes, 3);
    }

    #[test]
    fn noise_on_strobe_prints_no_garbage() {
        let (mut device, handle) = CentronicsPrinter::new(PetsciiPrinter::new(), 2_000_000);
        let mut t = 100;
        send(&mut device, &mut t, b'A');
        // Glitches: /STROBE low and high again within the same microsecond, data changing.
        for (i, junk) in [0x00u8, 0xFF, 0x93, 0x0D].into_iter().enumerate() {
            t += 10 + i as u64;
            device.step(t, &out(junk, false));
            device.step(t, &out(junk, true));
        }
        // Strobes while BUSY (a sender that ignores BUSY) are dropped, not printed.
        device.step(t + 20, &out(b'B', false));
        device.step(t + 25, &out(b'B', true));
        device.step(t + 26, &out(b'X', false));
        device.step(t + 30, &out(b'X', true));
        t += 100;
        send(&mut device, &mut t, b'C');
        assert_eq!(handle.bytes(), b"ABC");
        assert_eq!(handle.text(), "ABC");
        let stats = handle.stats();
        assert_eq!(stats.glitches, 4);
        assert_eq!(stats.strobes_while_busy, 1);
    }

    #[test]
    fn an_idle_job_is_closed_and_its_paper_kept() {
        let (mut device, handle) = CentronicsPrinter::new(PetsciiPrinter::new(), 2_000_000);
        let mut t = 100;
        for &b in b"HALF" {
            send(&mut device, &mut t, b);
        }
        // Just under 2 s of PAL cycles: still open.
        device.step(t + 1_960_000, &out(0, true));
        assert_eq!(handle.idle_timeouts(), 0);
        device.step(t + 1_980_000, &out(0, true));
        assert_eq!(handle.idle_timeouts(), 1);
        handle.finish();
        assert_eq!(handle.jobs_ended(), 1, "an ended job is not ended twice");
        assert_eq!(handle.text(), "HALF");
        assert!(!handle.printout().is_empty());
    }
}
