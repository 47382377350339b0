//! Serial ports end to end: Z80 drivers, assembled with pasmo, running in the emulated machine
//! and talking to a remote peer through `run_linked`.

use std::process::Command;

use retromesh_spectrum::basic::{tokenise, TokeniseOptions};
use retromesh_spectrum::formats::tap::basic_program_tape;
use retromesh_spectrum::{
    MachineConfig, Model, SerialConfig, SerialHardware, SerialPeer, Spectrum, StopReason, StopWhen,
    Timing,
};

const ORG: u16 = 0x8000;

/// Assembles `source` (at [`ORG`]) with pasmo.
fn assemble(source: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (asm, bin) = (dir.path().join("t.asm"), dir.path().join("t.bin"));
    std::fs::write(&asm, format!("\torg {ORG}\n{source}")).unwrap();
    let out = Command::new("pasmo")
        .arg("--bin")
        .arg(&asm)
        .arg(&bin)
        .output()
        .unwrap_or_else(|e| panic!("pasmo: {e}: run scripts/deps.sh (apt-get install pasmo)"));
    assert!(
        out.status.success(),
        "pasmo failed:\n{}\n{source}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(bin).unwrap()
}

/// A booted machine running `code` from [`ORG`] with interrupts off.
fn machine_running(model: Model, code: &[u8]) -> Spectrum {
    let mut machine = Spectrum::booted(MachineConfig {
        model,
        ..Default::default()
    })
    .unwrap();
    for (addr, &byte) in (ORG..).zip(code) {
        machine.poke(addr, byte);
    }
    // Registers are set through a snapshot of the machine as it is.
    let mut snapshot = machine.to_snapshot();
    snapshot.regs.pc = ORG;
    snapshot.regs.sp = ORG;
    snapshot.regs.iff1 = false;
    snapshot.regs.iff2 = false;
    machine.load_snapshot(&snapshot).unwrap();
    machine
}

fn stop_after(model: Model, secs: f64) -> StopWhen {
    StopWhen {
        program_end: false,
        ..StopWhen::budget_secs(model, secs)
    }
}

/// Delay-loop counts for a bit-banging driver: `djnz` runs 13 T-states a turn, so a loop with
/// `overhead` other T-states per bit runs `n` turns; `half` turns take a just-detected start
/// edge (`lead` T-states of code between detection and the first sample) to mid-bit.
struct Delays {
    n: u32,
    half: u32,
}

fn delays(model: Model, baud: u32, overhead: f64, lead: f64) -> Delays {
    let bit = Timing::of(model).clock_hz as f64 / baud as f64;
    let n = ((bit - overhead) / 13.0).round().max(1.0);
    // Detection comes on average half a polling loop (~14 T) after the edge.
    let half = ((1.5 * bit - 14.0 - lead - 13.0 * n) / 13.0)
        .round()
        .max(1.0);
    Delays {
        n: n as u32,
        half: half as u32,
    }
}

/// Sends `message` once and collects the echo; stops the run when it is all back.
struct EchoPeer {
    message: Vec<u8>,
    sent: bool,
    echoed: Vec<u8>,
    calls: usize,
}

impl EchoPeer {
    fn new(message: &[u8]) -> Self {
        EchoPeer {
            message: message.to_vec(),
            sent: false,
            echoed: Vec::new(),
            calls: 0,
        }
    }
}

impl SerialPeer for EchoPeer {
    fn exchange(&mut self, from_micro: &[u8], to_micro: &mut Vec<u8>, _now: u64) -> Option<String> {
        self.calls += 1;
        if !std::mem::replace(&mut self.sent, true) {
            to_micro.extend_from_slice(&self.message);
        }
        self.echoed.extend_from_slice(from_micro);
        (self.echoed.len() >= self.message.len()).then(|| "echoed".into())
    }
}

const SLICE: u64 = 5_000;
const MESSAGE: &[u8] = b"Hello, mesh! \x00\x7F\xFE";

fn plus_one(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|b| b.wrapping_add(1)).collect()
}

/// Runs `code` against an echo peer and checks every byte came back + 1.
fn check_echo(model: Model, config: SerialConfig, code: &[u8]) {
    let mut machine = machine_running(model, code);
    machine.attach_serial(config).unwrap();
    let mut peer = EchoPeer::new(MESSAGE);
    let outcome = machine.run_linked(
        &stop_after(model, 5.0),
        &mut |_| None,
        &mut peer,
        SLICE as u32,
    );
    let stats = machine.serial_stats();
    assert_eq!(
        outcome.reason,
        StopReason::Observer("echoed".into()),
        "{config:?}: echoed {:?}, {stats:?}",
        String::from_utf8_lossy(&peer.echoed)
    );
    assert_eq!(peer.echoed, plus_one(MESSAGE), "{config:?}");
    assert_eq!(stats.framing_errors, 0, "{config:?}");
    assert_eq!(stats.from_micro, MESSAGE.len() as u64);
    assert_eq!(stats.to_micro, MESSAGE.len() as u64);
    assert_eq!(machine.serial_pending(), 0);
    assert!(
        peer.calls as u64 >= outcome.tstates / SLICE,
        "an exchange every slice: {} in {} T-states",
        peer.calls,
        outcome.tstates
    );
}

/// Interface 1 echo: data inverted on 0xF7 (OUT bit 0, IN bit 7), CTS on 0xEF bit 4, active
/// low, raised for one byte at a time.
fn if1_echo(model: Model, baud: u32) -> Vec<u8> {
    // Receive loop: ld b 7, djnz, in 11, rla 4, ccf 4, rr d 8, dec e 4, jr 12 = 13n + 45.
    // Send loop: ld b 7, djnz, rr d 8, sbc 4, inc 4, out 11, dec e 4, jr 12 = 13n + 45.
    let d = delays(model, baud, 45.0, 62.0);
    assemble(&format!(
        "
N       equ {n}
HALF    equ {half}
        di
        xor a
        out (0F7h),a        ; line idle: mark
echo:   call rx
        inc d
        call tx
        jr echo

rx:     xor a
        out (0EFh),a        ; CTS on: the remote may start a byte
rxwait: in a,(0F7h)         ; bit 7 = 1 while space: the start bit
        rla
        jr nc,rxwait
        ld a,10h
        out (0EFh),a        ; CTS off: this byte finishes, no other starts
        ld b,HALF
rxhalf: djnz rxhalf
        ld e,8
        ld d,0
rxbit:  ld b,N
rxdly:  djnz rxdly
        in a,(0F7h)
        rla
        ccf                 ; carry = mark = data 1
        rr d
        dec e
        jr nz,rxbit
        ret

tx:     ld e,8
        ld a,1
        out (0F7h),a        ; start bit: space, written inverted
txbit:  ld b,N
txdly:  djnz txdly
        rr d
        sbc a,a             ; FF for a 1 (mark) ...
        inc a               ; ... written as 0
        out (0F7h),a
        dec e
        jr nz,txbit
        ld b,N
txs1:   djnz txs1
        xor a
        out (0F7h),a        ; stop bits: mark
        ld b,N
txs2:   djnz txs2
        ld b,N
txs3:   djnz txs3
        ret
",
        n = d.n,
        half = d.half,
    ))
}

/// 128K AY port A echo: register 14 kept selected, data bit 3 (1 = mark) out, bit 7 in,
/// CTS bit 2, active low.
fn ay_echo(baud: u32) -> Vec<u8> {
    // Receive loop: ld b 7, djnz, ld b 7, in 12, rla 4, rr d 8, dec e 4, jr 12 = 13n + 49.
    // Send loop: ld b 7, djnz, rr d 8, sbc 4, and 7, or 7, ld b 7, out 12, dec e 4, jr 12
    // = 13n + 63.
    let rx = delays(Model::Spectrum128K, baud, 49.0, 78.0);
    let tx = delays(Model::Spectrum128K, baud, 63.0, 0.0);
    assemble(&format!(
        "
NRX     equ {nrx}
HALF    equ {half}
NTX     equ {ntx}
        di
        ld bc,0FFFDh
        ld a,14
        out (c),a           ; select port A for good
        ld b,0BFh
        ld a,0FFh
        out (c),a           ; mark, CTS off
echo:   call rx
        inc d
        call tx
        jr echo

rx:     ld b,0BFh
        ld a,0FBh
        out (c),a           ; CTS on (bit 2 low)
        ld b,0FFh
rxwait: in a,(c)
        rla                 ; bit 7: 1 = mark
        jr c,rxwait
        ld b,0BFh
        ld a,0FFh
        out (c),a           ; CTS off
        ld b,HALF
rxhalf: djnz rxhalf
        ld e,8
        ld d,0
rxbit:  ld b,NRX
rxdly:  djnz rxdly
        ld b,0FFh
        in a,(c)
        rla
        rr d
        dec e
        jr nz,rxbit
        ret

tx:     ld e,8
        ld b,0BFh
        ld a,0F7h
        out (c),a           ; start bit: space
txbit:  ld b,NTX
txdly:  djnz txdly
        rr d
        sbc a,a
        and 08h
        or 0F7h             ; FF = mark, F7 = space
        ld b,0BFh
        out (c),a
        dec e
        jr nz,txbit
        ld b,NTX
txs1:   djnz txs1
        ld b,0BFh
        ld a,0FFh
        out (c),a           ; stop bits
        ld b,NTX
txs2:   djnz txs2
        ld b,NTX
txs3:   djnz txs3
        ret
",
        nrx = rx.n,
        half = rx.half,
        ntx = tx.n,
    ))
}

/// Next UART echo: poll bit 0 of 0x133B, pop 0x143B, wait for bit 1 clear, write 0x133B.
fn next_echo(speed_index: u8) -> Vec<u8> {
    assemble(&format!(
        "
        di
        ld bc,143Bh
        ld a,{speed_index}
        out (c),a           ; speed
echo:   ld bc,133Bh
rxwait: in a,(c)
        rra                 ; bit 0: RX data
        jr nc,rxwait
        ld b,14h
        in d,(c)
        inc d
        ld b,13h
txwait: in a,(c)
        and 2               ; bit 1: TX busy
        jr nz,txwait
        out (c),d
        jr echo
"
    ))
}

#[test]
fn if1_echo_at_9600_on_a_48k() {
    let code = if1_echo(Model::Spectrum48K, 9600);
    check_echo(
        Model::Spectrum48K,
        SerialConfig::new(SerialHardware::If1, 9600),
        &code,
    );
}

#[test]
fn if1_echo_at_19200_on_a_128k() {
    let code = if1_echo(Model::Spectrum128K, 19200);
    check_echo(
        Model::Spectrum128K,
        SerialConfig::new(SerialHardware::If1, 19200),
        &code,
    );
}

#[test]
fn if1_echo_with_one_stop_bit_from_the_remote() {
    let code = if1_echo(Model::Spectrum48K, 9600);
    let config = SerialConfig {
        stop_bits: 1,
        ..SerialConfig::new(SerialHardware::If1, 9600)
    };
    check_echo(Model::Spectrum48K, config, &code);
}

#[test]
fn ay_echo_at_9600_on_a_128k() {
    check_echo(
        Model::Spectrum128K,
        SerialConfig::new(SerialHardware::Ay128, 9600),
        &ay_echo(9600),
    );
}

#[test]
fn next_uart_echo_at_115200_and_at_a_speed_the_program_sets() {
    for model in [Model::Spectrum48K, Model::Spectrum128K] {
        // Index 0 is 115200; index 4 is 9600, while the remote starts at 115200 and follows.
        for index in [0, 4] {
            check_echo(
                model,
                SerialConfig::new(SerialHardware::NextUart, 115_200),
                &next_echo(index),
            );
        }
    }
}

#[test]
fn a_driver_at_the_wrong_speed_gets_framing_errors() {
    // The program bit-bangs 9600; the remote listens at 4800 and sends at 4800.
    let code = if1_echo(Model::Spectrum48K, 9600);
    let mut machine = machine_running(Model::Spectrum48K, &code);
    machine
        .attach_serial(SerialConfig::new(SerialHardware::If1, 4800))
        .unwrap();
    let mut peer = EchoPeer::new(MESSAGE);
    let outcome = machine.run_linked(
        &stop_after(Model::Spectrum48K, 1.0),
        &mut |_| None,
        &mut peer,
        5_000,
    );
    assert_eq!(outcome.reason, StopReason::Budget);
    assert_ne!(peer.echoed, plus_one(MESSAGE));
    assert!(machine.serial_stats().framing_errors > 0);
}

#[test]
fn a_next_program_that_does_not_read_loses_bytes_to_overrun() {
    // DI; JR $: never reads the FIFO.
    let mut machine = machine_running(Model::Spectrum48K, &[0xF3, 0x18, 0xFE]);
    machine
        .attach_serial(SerialConfig::new(SerialHardware::NextUart, 115_200))
        .unwrap();
    machine.serial_send(&[0x55; 300]);
    assert_eq!(
        machine.serial_pending(),
        299,
        "the first is on the wire at once"
    );
    machine.run(&stop_after(Model::Spectrum48K, 0.1), &mut |_| None);
    let stats = machine.serial_stats();
    assert_eq!((stats.to_micro, stats.overruns), (256, 44));
    assert_eq!(machine.serial_pending(), 0);
}

#[test]
fn a_next_program_that_does_not_wait_for_tx_loses_bytes() {
    let code = assemble(
        "
        di
        ld bc,133Bh
        ld a,'A'
        out (c),a
        inc a
        out (c),a           ; still sending 'A': lost
wait:   in a,(c)
        and 2
        jr nz,wait
        ld a,'C'
        out (c),a
        jr $
",
    );
    let mut machine = machine_running(Model::Spectrum48K, &code);
    machine
        .attach_serial(SerialConfig::new(SerialHardware::NextUart, 115_200))
        .unwrap();
    machine.run(&stop_after(Model::Spectrum48K, 0.05), &mut |_| None);
    assert_eq!(machine.serial_take(), b"AC");
    assert_eq!(machine.serial_stats().tx_lost, 1);
}

#[test]
fn the_if1_remote_waits_for_cts() {
    // The echo driver, but it never gets past sending: a program that keeps CTS off.
    let code = assemble(
        "
        di
        ld a,10h
        out (0EFh),a        ; CTS off
        jr $
",
    );
    let mut machine = machine_running(Model::Spectrum48K, &code);
    machine
        .attach_serial(SerialConfig::new(SerialHardware::If1, 9600))
        .unwrap();
    machine.serial_send(b"xyz");
    machine.run(&stop_after(Model::Spectrum48K, 0.5), &mut |_| None);
    assert_eq!(machine.serial_pending(), 3);
    assert_eq!(machine.serial_stats().to_micro, 0);
}

#[test]
fn the_ay_port_needs_a_128k_and_says_so() {
    let mut machine = Spectrum::new(MachineConfig::default()).unwrap();
    let err = machine
        .attach_serial(SerialConfig::new(SerialHardware::Ay128, 9600))
        .unwrap_err()
        .to_string();
    assert!(err.contains("--machine 128k"), "{err}");
    assert!(machine
        .attach_serial(SerialConfig::new(SerialHardware::If1, 0))
        .is_err());
}

#[test]
fn with_the_ay_link_attached_128_basic_lprint_reaches_the_remote() {
    // The 128K ROM's own RS-232 driver (9600 baud, 8N2) checks this port's polarities.
    let program = tokenise("10 LPRINT \"MESH\"\n", &TokeniseOptions::default()).unwrap();
    let tape = basic_program_tape("t", &program.bytes, Some(10));
    let mut machine = Spectrum::booted(MachineConfig {
        model: Model::Spectrum128K,
        ..Default::default()
    })
    .unwrap();
    machine
        .attach_serial(SerialConfig::new(SerialHardware::Ay128, 9600))
        .unwrap();
    machine.load_tape(tape);
    let outcome = machine.run(
        &StopWhen::budget_secs(Model::Spectrum128K, 10.0),
        &mut |_| None,
    );
    assert!(outcome.reason.is_completion(), "{:?}", outcome.reason);
    assert_eq!(machine.serial_take(), b"MESH\r\n");
    assert_eq!(machine.serial_stats().framing_errors, 0);
    assert_eq!(machine.serial_output().text, "", "the printer is unplugged");
}

#[test]
fn a_cloned_machine_carries_the_port_and_its_queue() {
    let code = next_echo(0);
    let mut machine = machine_running(Model::Spectrum48K, &code);
    machine
        .attach_serial(SerialConfig::new(SerialHardware::NextUart, 115_200))
        .unwrap();
    machine.serial_send(b"ab");
    let mut copy = machine.clone();
    for m in [&mut machine, &mut copy] {
        m.run(&stop_after(Model::Spectrum48K, 0.01), &mut |_| None);
        assert_eq!(m.serial_take(), b"bc");
    }
}
