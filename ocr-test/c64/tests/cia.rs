//! CIA2 and the user port: port B with its DDR, /PC2 after $DD01, the FLAG edge, timers;
//! UP9600 through the shift registers.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{machine_with, run_to_return, script_peer};
use retromesh_c64::{C64Config, SerialPort, UserPortDevice, UserPortIn, UserPortOut};

/// A device that drives fixed pins, pulls /FLAG2 low from `flag_at` for a few cycles, and
/// logs every step.
struct Probe {
    pins: u8,
    flag_at: Option<u64>,
    log: StepLog,
}

/// Every step the device saw: (cycle, what the C64 drove).
type StepLog = Rc<RefCell<Vec<(u64, UserPortOut)>>>;

impl UserPortDevice for Probe {
    fn step(&mut self, now: u64, out: &UserPortOut) -> UserPortIn {
        self.log.borrow_mut().push((now, *out));
        let flag2_low = self.flag_at.is_some_and(|at| now >= at && now < at + 20);
        UserPortIn {
            pb: self.pins,
            flag2_low,
        }
    }
}

fn probe(pins: u8, flag_at: Option<u64>) -> (Box<Probe>, StepLog) {
    let log = Rc::new(RefCell::new(Vec::new()));
    (
        Box::new(Probe {
            pins,
            flag_at,
            log: log.clone(),
        }),
        log,
    )
}

#[test]
fn port_b_reads_c64_outputs_and_device_inputs_by_ddr() {
    let mut c64 = machine_with(
        "
        lda #$F0
        sta $DD03
        lda #$A5
        sta $DD01
        nop
        lda $DD01
        sta $FB
        rts
",
        C64Config::default(),
    );
    let (device, log) = probe(0x3C, None);
    c64.attach_user_port(device);
    run_to_return(&mut c64, 1000);
    // High nibble from the C64 ($A0), low nibble from the device ($0C).
    assert_eq!(c64.peek(0xFB), 0xAC);
    let log = log.borrow();
    let last = log.last().unwrap().1;
    assert_eq!((last.pb, last.pb_ddr), (0xA5, 0xF0));
}

#[test]
fn pc2_pulses_for_the_instruction_after_each_dd01_access() {
    let mut c64 = machine_with(
        "
        lda #$FF
        sta $DD03
        nop
        sta $DD01  ; write: pulse
        nop
        nop
        lda $DD01  ; read: pulse
        nop
        lda $DD00  ; port A: no pulse
        nop
        rts
",
        C64Config::default(),
    );
    let (device, log) = probe(0xFF, None);
    c64.attach_user_port(device);
    run_to_return(&mut c64, 1000);
    let log = log.borrow();
    let pulses: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, (_, out))| out.pc2_low)
        .map(|(i, _)| i)
        .collect();
    // Steps follow instructions 0-based: LDA, STA, NOP, STA $DD01 (3), NOP, NOP, LDA $DD01 (6).
    assert_eq!(pulses, vec![3, 6]);
}

#[test]
fn flag_edge_sets_icr_bit4_and_reading_dd0d_clears_it() {
    let mut c64 = machine_with(
        "
        lda $DD0D      ; clear anything pending
wait:   lda $DD0D
        and #$10
        beq wait
        lda $DD0D      ; read again: cleared
        sta $FB
        rts
",
        C64Config::default(),
    );
    let (device, _) = probe(0xFF, Some(500));
    c64.attach_user_port(device);
    let start = c64.cycles();
    run_to_return(&mut c64, 10_000);
    assert!(c64.cycles() - start > 500, "returned only after the edge");
    assert_eq!(c64.peek(0xFB) & 0x10, 0);
}

#[test]
fn pa2_follows_dd00_bit2_where_ddr_drives_it() {
    let mut c64 = machine_with(
        "
        lda #$04
        sta $DD02
        lda #$00
        sta $DD00
        nop
        rts
",
        C64Config::default(),
    );
    let (device, log) = probe(0xFF, None);
    c64.attach_user_port(device);
    run_to_return(&mut c64, 1000);
    let log = log.borrow();
    assert!(log[0].1.pa2, "DDR A bit 2 clear: PA2 floats high");
    assert!(!log.last().unwrap().1.pa2);
}

#[test]
fn timer_a_one_shot_underflow_sets_icr_bit0_after_latch_plus_one() {
    let mut c64 = machine_with(
        "
        lda #<1000
        sta $DC04
        lda #>1000
        sta $DC05
        lda $DC0D
        lda #$19       ; start, one-shot, force load
        sta $DC0E
wait:   lda $DC0D
        and #$01
        beq wait
        lda $DC0E
        sta $FB
        rts
",
        C64Config::default(),
    );
    let start = c64.cycles();
    run_to_return(&mut c64, 10_000);
    // 22 cycles of setup, 1001 to the underflow, then up to one 9-cycle poll, the
    // final BEQ (2), LDA/STA (7) and RTS (6).
    let took = c64.cycles() - start;
    assert!(
        (22 + 1001 + 15..=22 + 1001 + 9 + 15).contains(&took),
        "took {took}"
    );
    assert_eq!(c64.peek(0xFB) & 1, 0, "one-shot stops the timer");
}

#[test]
fn timer_b_counts_timer_a_underflows() {
    let mut c64 = machine_with(
        "
        lda #9
        sta $DC04
        lda #0
        sta $DC05
        lda #4
        sta $DC06
        lda #0
        sta $DC07
        lda $DC0D
        lda #$59       ; B: start, one-shot, load, count TA underflows
        sta $DC0F
        lda #$11       ; A: start, continuous, load
        sta $DC0E
wait:   lda $DC0D
        and #$02
        beq wait
        rts
",
        C64Config::default(),
    );
    let start = c64.cycles();
    run_to_return(&mut c64, 10_000);
    // 40 cycles of setup (timer A counts from inside its starting STA), five underflows of
    // a 10-cycle timer A (latch 4 counts 4..0), up to one 9-cycle poll plus the 4 cycles
    // a read can lag (CIAs are clocked after each instruction), BEQ (2), RTS (6).
    let took = c64.cycles() - start;
    assert!(
        (40 - 4 + 50 + 8..=40 + 50 + 9 + 4 + 8).contains(&took),
        "took {took}"
    );
}

const UP9600_SEND: &str = "
        lda #$7F
        sta $DC0D
        sta $DD0D
        lda $DC0D
        lda $DD0D
        lda #50        ; CIA1 timer A: 51 cycles an underflow
        sta $DC04
        lda #0
        sta $DC05
        lda #$51       ; start, continuous, force load, serial port out
        sta $DC0E
        ldx #0
next:   lda msg,x
        sta $DC0C
wait:   lda $DC0D
        and #$08
        beq wait
        inx
        cpx #4
        bne next
        ; receive 3 bytes in CIA2's SDR (NMI masked: polled here)
        lda $DD0D
        ldx #0
rx:     lda $DD0D
        and #$08
        beq rx
        lda $DD0C
        sta $C200,x
        inx
        cpx #3
        bne rx
        rts
msg:    .byte $01, $80, $F0, $55
";

#[test]
fn up9600_sends_through_cia1_sdr_and_receives_in_cia2_sdr() {
    let mut c64 = machine_with(UP9600_SEND, C64Config::default());
    let (peer, log) = script_peer(&[0x41, 0x0D, 0xC3], 4);
    c64.attach_serial(SerialPort::Up9600, peer);
    let start = c64.cycles();
    run_to_return(&mut c64, 200_000);
    let sent: Vec<u8> = log.borrow().received.iter().map(|r| r.0).collect();
    // MSB-first shifting: the wire carries the bit-reversed register value.
    assert_eq!(sent, vec![0x80, 0x01, 0x0F, 0xAA]);
    let got: Vec<u8> = (0..3).map(|i| c64.peek(0xC200 + i)).collect();
    assert_eq!(
        got,
        vec![
            0x41u8.reverse_bits(),
            0x0Du8.reverse_bits(),
            0xC3u8.reverse_bits()
        ]
    );
    // 4 bytes x 16 underflows x 51 cycles to send, then 3 bytes at 9600 baud to receive.
    assert!(c64.cycles() - start >= 4 * 16 * 51 + 3 * 1026);
    assert_eq!(c64.up9600_overruns(), 0);
}

const UP9600_NMI: &str = "
        lda #$7F
        sta $DC0D
        sta $DD0D
        lda $DC0D
        lda $DD0D
        lda #0
        sta $C300      ; bytes taken by the NMI handler
        lda #<nmi
        sta $0318
        lda #>nmi
        sta $0319
        lda #$88       ; CIA2: SP interrupt on (NMI)
        sta $DD0D
        lda #50        ; CIA1 timer A: 51 cycles an underflow
        sta $DC04
        lda #0
        sta $DC05
        lda #$51       ; start, continuous, force load, serial port out
        sta $DC0E
        lda #$82       ; a byte out makes the peer answer
        sta $DC0C
wait:   lda $C300      ; main code only watches memory
        cmp #3
        bne wait
        lda #$08
        sta $DD0D
        rts
nmi:    pha
        txa
        pha
        lda $DD0D
        and #$08
        beq done
        ldx $C300
        lda $DD0C
        sta $C200,x
        inc $C300
done:   pla
        tax
        pla
        rti
";

#[test]
fn up9600_receive_raises_nmi_through_0318() {
    let mut c64 = machine_with(UP9600_NMI, C64Config::default());
    let (peer, log) = script_peer(&[0x41, 0x0D, 0xC3], 1);
    c64.attach_serial(SerialPort::Up9600, peer);
    run_to_return(&mut c64, 200_000);
    let sent: Vec<u8> = log.borrow().received.iter().map(|r| r.0).collect();
    assert_eq!(sent, vec![0x41]);
    let got: Vec<u8> = (0..3).map(|i| c64.peek(0xC200 + i)).collect();
    assert_eq!(got, [0x41u8, 0x0D, 0xC3].map(u8::reverse_bits));
    assert_eq!(c64.up9600_overruns(), 0);
}
