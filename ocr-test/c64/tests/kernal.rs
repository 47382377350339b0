//! The trap KERNAL: RS-232 (device 2) to and from a peer, the screen, the printer (device 4),
//! the RAM vectors, and errors.

mod common;

use common::{machine_with, run_to_return, script_peer, KERNAL_EQUATES};
use retromesh_c64::{C64Config, RunEnd, SerialPort, C64};

fn program(body: &str) -> String {
    format!("{KERNAL_EQUATES}\n{body}")
}

const RS232_ROUND_TRIP: &str = "
        lda #2         ; OPEN 2,2,0,CHR$(10): 2400 baud
        ldx #2
        ldy #0
        jsr SETLFS
        lda #1
        ldx #<name
        ldy #>name
        jsr SETNAM
        jsr OPEN
        bcs fail
        ldx #2
        jsr CHKOUT
        ldy #0
send:   lda msg,y
        jsr CHROUT
        iny
        cpy #6
        bne send
        jsr CLRCHN
        ldx #2
        jsr CHKIN
        ldy #0
recv:   jsr GETIN
        beq recv       ; 0 with Z: nothing yet
        sta $C200,y
        iny
        cpy #3
        bne recv
        jsr CLRCHN
        lda #2
        jsr CLOSE
        lda #0
        sta $FB
        rts
fail:   sta $FB
        rts
name:   .byte 10
msg:    .byte \"PING!\", 13
";

#[test]
fn open_2_2_print_reaches_the_peer_and_getin_reads_its_answer() {
    let mut c64 = machine_with(&program(RS232_ROUND_TRIP), C64Config::default());
    let (peer, log) = script_peer(b"OK\r", 6);
    c64.attach_serial(SerialPort::Kernal, peer);
    let start = c64.cycles();
    run_to_return(&mut c64, 5_000_000);
    assert_eq!(c64.peek(0xFB), 0, "OPEN failed");
    let sent: Vec<u8> = log.borrow().received.iter().map(|r| r.0).collect();
    assert_eq!(sent, b"PING!\r");
    let got: Vec<u8> = (0..3).map(|i| c64.peek(0xC200 + i)).collect();
    assert_eq!(got, b"OK\r");
    // 9 bytes at 2400 baud (4105 cycles each) at least.
    assert!(c64.cycles() - start >= 9 * 4105);
}

#[test]
fn getin_on_an_empty_rs232_buffer_gives_zero_with_z_and_status_bit_3() {
    let mut c64 = machine_with(
        &program(
            "
        lda #2
        ldx #2
        ldy #0
        jsr SETLFS
        lda #0
        jsr SETNAM
        jsr OPEN
        ldx #2
        jsr CHKIN
        lda #$55
        jsr GETIN
        php
        sta $FB
        pla
        sta $FC
        jsr READST
        sta $FD
        jsr READST     ; reading cleared it
        sta $FE
        rts
",
        ),
        C64Config::default(),
    );
    run_to_return(&mut c64, 100_000);
    assert_eq!(c64.peek(0xFB), 0);
    assert_ne!(c64.peek(0xFC) & 0x02, 0, "Z set");
    assert_ne!(
        c64.peek(0xFD) & 0x08,
        0,
        "RS-232 status: receive buffer empty"
    );
    assert_eq!(c64.peek(0xFE), 0);
}

#[test]
fn device_4_output_is_captured_as_the_printout() {
    let mut c64 = machine_with(
        &program(
            "
        lda #4
        ldx #4
        ldy #7
        jsr SETLFS
        lda #0
        jsr SETNAM
        jsr OPEN
        ldx #4
        jsr CHKOUT
        ldy #0
:       lda msg,y
        jsr CHROUT
        iny
        cpy #6
        bne :-
        jsr CLRCHN
        lda #'X'       ; to the screen now
        jsr CHROUT
        lda #4
        jsr CLOSE
        rts
msg:    .byte \"HELLO\", 13
",
        ),
        C64Config::default(),
    );
    run_to_return(&mut c64, 100_000);
    assert_eq!(c64.printer_output(), b"HELLO\r");
    assert_eq!(c64.screen_output(), b"X");
}

#[test]
fn a_hook_on_the_chrout_vector_sees_every_chrout() {
    let mut c64 = machine_with(
        &program(
            "
        lda $0326
        sta old
        lda $0327
        sta old+1
        lda #<hook
        sta $0326
        lda #>hook
        sta $0327
        lda #'A'
        jsr CHROUT
        lda #'B'
        jsr CHROUT
        lda #'C'
        jsr CHROUT
        rts
hook:   inc $FB
        jmp (old)
old:    .word 0
",
        ),
        C64Config::default(),
    );
    run_to_return(&mut c64, 100_000);
    assert_eq!(c64.peek(0xFB), 3);
    assert_eq!(c64.screen_output(), b"ABC");
}

#[test]
fn channel_errors_come_back_with_carry_and_the_kernal_number() {
    let mut c64 = machine_with(
        &program(
            "
        ldx #9
        jsr CHKOUT     ; file 9 is not open: error 3
        php
        sta $FB
        pla
        sta $FC
        lda #3
        ldx #9         ; device 9: not present
        ldy #0
        jsr SETLFS
        lda #0
        jsr SETNAM
        jsr OPEN
        sta $FD
        rts
",
        ),
        C64Config::default(),
    );
    run_to_return(&mut c64, 100_000);
    assert_eq!(c64.peek(0xFB), 3);
    assert_eq!(c64.peek(0xFC) & 1, 1, "carry set");
    assert_eq!(c64.peek(0xFD), 5);
}

#[test]
fn the_jump_table_goes_through_the_ram_vectors_at_the_real_addresses() {
    let c64 = C64::new(C64Config::default());
    // CHROUT: JMP ($0326); the vector points at the real KERNAL's $F1CA.
    assert_eq!(
        [c64.peek(0xFFD2), c64.peek(0xFFD3), c64.peek(0xFFD4)],
        [0x6C, 0x26, 0x03]
    );
    assert_eq!([c64.peek(0x0326), c64.peek(0x0327)], [0xCA, 0xF1]);
    // SETLFS: JMP $FE00.
    assert_eq!(
        [c64.peek(0xFFBA), c64.peek(0xFFBB), c64.peek(0xFFBC)],
        [0x4C, 0x00, 0xFE]
    );
}

#[test]
fn brk_stops_the_run_naming_its_address() {
    let mut c64 = machine_with("nop\nbrk\n.byte 0\n", C64Config::default());
    assert_eq!(
        c64.run(10_000),
        RunEnd::Stopped("BRK at $C001 (the trap KERNAL stops on BRK)".into())
    );
}

#[test]
fn a_full_rs232_output_buffer_blocks_chrout_until_the_line_drains() {
    let mut c64 = machine_with(
        &program(
            "
        lda #2
        ldx #2
        ldy #0
        jsr SETLFS
        lda #1
        ldx #<name
        ldy #>name
        jsr SETNAM
        jsr OPEN
        ldx #2
        jsr CHKOUT
        ldy #0
:       tya
        jsr CHROUT
        iny
        bne :-
:       tya
        jsr CHROUT
        iny
        cpy #10
        bne :-
        rts
name:   .byte 12       ; 9600 baud
",
        ),
        C64Config::default(),
    );
    let (peer, log) = script_peer(&[], 0);
    c64.attach_serial(SerialPort::Kernal, peer);
    run_to_return(&mut c64, 2_000_000);
    // 266 bytes into a 256-byte buffer: CHROUT waited for about 10 byte times.
    assert!(c64.cycles() >= 10 * 1027);
    c64.set_pc(retromesh_c64::kernal::IDLE_PC);
    assert_eq!(c64.run(400_000), RunEnd::Budget);
    let sent: Vec<u8> = log.borrow().received.iter().map(|r| r.0).collect();
    assert_eq!(sent.len(), 266);
    assert_eq!(
        &sent[250..],
        &(250..=255).chain(0..10).collect::<Vec<u8>>()[..]
    );
}

#[test]
fn cia1_timer_irq_goes_through_the_0314_vector() {
    let mut c64 = machine_with(
        "
        sei
        lda #<irq
        sta $0314
        lda #>irq
        sta $0315
        lda #<5000
        sta $DC04
        lda #>5000
        sta $DC05
        lda #$81       ; timer A interrupts on
        sta $DC0D
        lda #$11
        sta $DC0E
        cli
wait:   lda $FB
        cmp #3
        bcc wait
        sei
        lda #$7F
        sta $DC0D
        rts
irq:    inc $FB
        jmp $EA31      ; the default handler acknowledges CIA1 and returns
",
        C64Config::default(),
    );
    let start = c64.cycles();
    run_to_return(&mut c64, 100_000);
    assert_eq!(c64.peek(0xFB), 3);
    let took = c64.cycles() - start;
    assert!((3 * 5001..4 * 5001).contains(&took), "took {took}");
}

struct Stopper;

impl retromesh_c64::SerialPeer for Stopper {
    fn exchange(&mut self, _: &[u8], _: &mut Vec<u8>, now: u64) -> Option<String> {
        (now >= 5000).then(|| "peer is done".to_string())
    }
}

#[test]
fn a_peer_can_stop_the_run() {
    let mut c64 = machine_with("loop: jmp loop\n", C64Config::default());
    c64.attach_serial(SerialPort::Kernal, Box::new(Stopper));
    assert_eq!(c64.run(1_000_000), RunEnd::Stopped("peer is done".into()));
    assert!((5000..5000 + 985 + 10).contains(&c64.cycles()));
}
