//! 6502 correctness and cycle counts on the C64's bus, and malformed .prg files.

mod common;

use common::{assemble, machine_with, run_to_return};
use retromesh_c64::{C64Config, PrgError, RunEnd, C64};

#[test]
fn checksum_loop_sums_a_page() {
    let mut c64 = machine_with(
        "
        ldx #0
        stx $FB
        stx $FC
loop:   lda $C100,x
        clc
        adc $FB
        sta $FB
        bcc :+
        inc $FC
:       inx
        bne loop
        rts
",
        C64Config::default(),
    );
    let data: Vec<u8> = (0..=255u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    for (i, b) in data.iter().enumerate() {
        c64.poke(0xC100 + i as u16, *b);
    }
    run_to_return(&mut c64, 100_000);
    let want: u16 = data.iter().map(|&b| u16::from(b)).sum();
    assert_eq!(u16::from_le_bytes([c64.peek(0xFB), c64.peek(0xFC)]), want);
}

#[test]
fn bcd_add_carries_in_decimal() {
    let mut c64 = machine_with(
        "
        sed
        clc
        lda #$19
        adc #$28
        sta $FB
        lda #$99
        adc #$01
        sta $FC
        php
        pla
        sta $FD
        sec
        lda #$50
        sbc #$01
        sta $FE
        cld
        rts
",
        C64Config::default(),
    );
    run_to_return(&mut c64, 1000);
    assert_eq!(c64.peek(0xFB), 0x47);
    assert_eq!(c64.peek(0xFC), 0x00);
    assert_eq!(c64.peek(0xFD) & 1, 1, "99 + 01 carries out");
    assert_eq!(c64.peek(0xFE), 0x49);
}

/// Cycles from `sys` to the sentinel, including the final RTS (6).
fn cycles_of(source: &str) -> u64 {
    let mut c64 = machine_with(source, C64Config::default());
    let start = c64.cycles();
    run_to_return(&mut c64, 1_000_000);
    c64.cycles() - start
}

#[test]
fn cycle_count_of_a_dex_bne_loop() {
    // LDX #0 (2), 256 x DEX (2), 255 taken BNE (3) + 1 not taken (2), RTS (6).
    assert_eq!(
        cycles_of("ldx #0\nloop: dex\nbne loop\nrts\n"),
        2 + 256 * 2 + 255 * 3 + 2 + 6
    );
}

#[test]
fn cycle_count_of_a_nested_loop() {
    // outer: LDY #10 (2); inner: LDX #100 (2), 100 DEX (2), 99 BNE taken (3), 1 not (2);
    // DEY (2); BNE outer taken 9x (3), 1x (2); RTS (6).
    let inner = 2 + 100 * 2 + 99 * 3 + 2;
    let want = 2 + 10 * (inner + 2) + 9 * 3 + 2 + 6;
    assert_eq!(
        cycles_of("ldy #10\nouter: ldx #100\ninner: dex\nbne inner\ndey\nbne outer\nrts\n"),
        want
    );
}

#[test]
fn page_cross_costs_reads_but_not_read_modify_writes() {
    // LDX #$20 (2); LDA $C0F0,X crosses (5); INC $C0F0,X crosses but is 7; STA $C0F0,X (5).
    assert_eq!(
        cycles_of("ldx #$20\nlda $C0F0,x\ninc $C0F0,x\nsta $C0F0,x\nrts\n"),
        2 + 5 + 7 + 5 + 6
    );
    // Without crossing: LDA abs,X 4.
    assert_eq!(
        cycles_of("ldx #$01\nlda $C0F0,x\ninc $C0F0,x\nsta $C0F0,x\nrts\n"),
        2 + 4 + 7 + 5 + 6
    );
}

#[test]
fn jam_opcode_ends_the_run_with_its_pc() {
    let mut c64 = C64::new(C64Config::default());
    c64.load_prg(&[0x00, 0xC0, 0xEA, 0xEA, 0x02]).unwrap();
    c64.sys(0xC000);
    assert_eq!(
        c64.run(1000),
        RunEnd::Jammed {
            pc: 0xC002,
            opcode: 0x02
        }
    );
}

#[test]
fn budget_ends_an_endless_loop() {
    let mut c64 = machine_with("loop: jmp loop\n", C64Config::default());
    assert_eq!(c64.run(10_000), RunEnd::Budget);
    assert!(c64.cycles() >= 10_000 && c64.cycles() < 10_010);
}

#[test]
fn banking_via_01_shows_ram_under_the_kernal() {
    let mut c64 = machine_with(
        "
        lda #$AB
        sta $E100      ; goes to RAM under the KERNAL
        lda $E100      ; reads the KERNAL
        sta $FB
        lda #$35       ; HIRAM off
        sta $01
        lda $E100
        sta $FC
        lda #$37
        sta $01
        rts
",
        C64Config::default(),
    );
    run_to_return(&mut c64, 1000);
    assert_ne!(c64.peek(0xFB), 0xAB);
    assert_eq!(c64.peek(0xFC), 0xAB);
}

#[test]
fn malformed_prg_files_are_named() {
    let mut c64 = C64::new(C64Config::default());
    assert_eq!(c64.load_prg(&[]), Err(PrgError::TooShort { len: 0 }));
    assert_eq!(c64.load_prg(&[1]), Err(PrgError::TooShort { len: 1 }));
    assert_eq!(
        c64.load_prg(&[0x01, 0x08]),
        Err(PrgError::Empty { load: 0x0801 })
    );
    assert_eq!(
        c64.load_prg(&[0xFE, 0xFF, 1, 2, 3]),
        Err(PrgError::PastEnd {
            load: 0xFFFE,
            len: 3
        })
    );
    assert_eq!(
        c64.load_prg(&[0xFF, 0xCF, 1, 2]),
        Err(PrgError::OverlapsIo {
            load: 0xCFFF,
            last: 0xD000
        })
    );
    let msg = c64.load_prg(&[0x00, 0xD4, 1]).unwrap_err().to_string();
    assert!(
        msg.contains("$D000-$DFFF") && msg.contains("link it"),
        "{msg}"
    );
    let ok = c64.load_prg(&[0xFE, 0xFF, 1, 2]).unwrap();
    assert_eq!((ok.load, ok.end), (0xFFFE, 0x0000));
}

#[test]
fn assembled_prg_has_its_load_address() {
    let prg = assemble("lda #1\nrts\n", 0xC000);
    assert_eq!(prg, vec![0x00, 0xC0, 0xA9, 0x01, 0x60]);
}

#[test]
fn an_unstable_opcode_stops_with_a_message_instead_of_spinning() {
    let mut c64 = C64::new(C64Config::default());
    c64.load_prg(&[0x00, 0xC0, 0xEA, 0xAB, 0x00]).unwrap();
    c64.sys(0xC000);
    match c64.run(1000) {
        RunEnd::Stopped(msg) => assert!(msg.contains("$AB at $C001"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn raster_compare_on_line_311_fires_as_on_a_pal_vic() {
    // What the KERNAL's CINT does to tell PAL from NTSC: compare line 311, wait for raster 0,
    // read $D019 bit 0.
    let mut c64 = machine_with(
        "
        lda #$9B       ; $D011 bit 7: compare line bit 8
        sta $D011
        lda #$37       ; 311 = $137
        sta $D012
        lda #$01
        sta $D019
        lda $D019
        and #1
        sta $FC
:       lda $D012
        bne :-
:       lda $D012      ; wait through line 0 into line 1
        beq :-
:       lda $D012      ; line 0 of the next frame (not 256)
        bne :-
        bit $D011
        bmi :-
        lda $D019
        and #1
        sta $FB
        rts
",
        C64Config::default(),
    );
    run_to_return(&mut c64, 100_000);
    assert_eq!(c64.peek(0xFC), 0, "not before line 311 came");
    assert_eq!(c64.peek(0xFB), 1, "line 311 exists on PAL");
}
