//! The SwiftLink 6551 at $DE00 with a peer at 38400 baud: bytes paced by the baud.

mod common;

use common::{machine_with, run_to_return, script_peer};
use retromesh_c64::serial::cycles_per_byte;
use retromesh_c64::{C64Config, SerialPort, PAL_CLOCK_HZ};

const ECHO: &str = "
        lda #$1F       ; 38400 (SwiftLink), 8N1, internal clock
        sta $DE03
        lda #$0B       ; DTR on, no receive IRQ, RTS low
        sta $DE02
        ldx #0
tx:     lda $DE01
        and #$10       ; TDRE
        beq tx
        lda msg,x
        sta $DE00
        inx
        cpx #8
        bne tx
        ldx #0
rx:     lda $DE01
        and #$08       ; RDRF
        beq rx
        lda $DE00
        sta $C200,x
        inx
        cpx #5
        bne rx
        lda $DE01
        sta $FB
        rts
msg:    .byte \"SWIFTLNK\"
";

#[test]
fn swiftlink_sends_and_receives_at_38400() {
    let config = C64Config {
        swiftlink: true,
        ..C64Config::default()
    };
    let mut c64 = machine_with(ECHO, config);
    let (peer, log) = script_peer(b"HELLO", 8);
    c64.attach_serial(SerialPort::SwiftLink, peer);
    let start = c64.cycles();
    run_to_return(&mut c64, 2_000_000);
    let sent: Vec<u8> = log.borrow().received.iter().map(|r| r.0).collect();
    assert_eq!(sent, b"SWIFTLNK");
    let got: Vec<u8> = (0..5).map(|i| c64.peek(0xC200 + i)).collect();
    assert_eq!(got, b"HELLO");
    assert_eq!(c64.peek(0xFB) & 0x04, 0, "no overrun");
    assert_eq!(c64.acia().unwrap().baud(), 38400);

    let byte = cycles_per_byte(PAL_CLOCK_HZ, 38400);
    assert_eq!(byte, 257);
    // 8 bytes out then 5 in, each a byte time on the wire: no faster than the line.
    let took = c64.cycles() - start;
    assert!(
        took >= 13 * byte,
        "took {took} cycles, less than 13 byte times"
    );
    // The peer's log shows sends spread over at least 7 byte times (exchanges are 985 apart).
    let first = log.borrow().received[0].1;
    let last = log.borrow().received[7].1;
    assert!(last - first >= 7 * byte - 985, "sends {first}..{last}");
}

#[test]
fn swiftlink_holds_received_bytes_while_dtr_is_off() {
    let config = C64Config {
        swiftlink: true,
        ..C64Config::default()
    };
    let mut c64 = machine_with(
        "
        lda #$1F
        sta $DE03
        ldy #4         ; about 5000 cycles: bytes from the first exchanges are due
        ldx #0
wait:   dex
        bne wait
        dey
        bne wait
        lda $DE01
        sta $FB
        rts
",
        config,
    );
    let (peer, _) = script_peer(b"X", 0);
    c64.attach_serial(SerialPort::SwiftLink, peer);
    run_to_return(&mut c64, 10_000);
    assert!(c64.cycles() > 985 + 257, "long enough for a byte to arrive");
    assert_eq!(c64.peek(0xFB) & 0x08, 0, "receiver off: no RDRF");
}

#[test]
fn swiftlink_receive_interrupts_arrive_as_nmis_through_0318() {
    let config = C64Config {
        swiftlink: true,
        ..C64Config::default()
    };
    let mut c64 = machine_with(
        "
        lda #<nmi
        sta $0318
        lda #>nmi
        sta $0319
        lda #$1F
        sta $DE03
        lda #$09       ; DTR on, receive interrupts on
        sta $DE02
wait:   lda $FB
        cmp #3
        bne wait
        lda #$0B       ; receive interrupts off again
        sta $DE02
        rts
nmi:    pha
        txa
        pha
        lda $DE01      ; status: bit 7 says the ACIA interrupted
        sta $FC
        ldx $FB
        lda $DE00
        sta $C200,x
        inc $FB
        pla
        tax
        pla
        rti
",
        config,
    );
    let (peer, _) = script_peer(b"NMI", 0);
    c64.attach_serial(SerialPort::SwiftLink, peer);
    run_to_return(&mut c64, 100_000);
    let got: Vec<u8> = (0..3).map(|i| c64.peek(0xC200 + i)).collect();
    assert_eq!(got, b"NMI");
    assert_eq!(c64.peek(0xFC) & 0x88, 0x88, "IRQ and RDRF in the status");
}
