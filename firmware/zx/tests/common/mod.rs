//! Test support: machines with a serial port, program loading, the bridge ends (frame mode on
//! the reference `LinkSession` and line mode, from `retromesh-link-testkit`), a tiny Z80 stub
//! assembler, and reading the ZX Printer's paper back as text.

#![allow(dead_code)]

pub use retromesh_link_testkit::*;
use retromesh_spectrum::basic::{tokenise, TokeniseOptions};
use retromesh_spectrum::formats::tap::{basic_program_tape, code_tape, Tape};
use retromesh_spectrum::{
    MachineConfig, Model, RunOutcome, SerialConfig, SerialHardware, SerialPeer, Spectrum,
    StopReason, StopWhen,
};
use retromesh_zx_client::{library, Driver, CLEAR_ADDRESS, LOAD_ADDRESS};

/// Each driver on the machine the tests run it on.
pub fn setup(driver: Driver) -> (Model, SerialHardware, u32) {
    match driver {
        Driver::If1 => (Model::Spectrum48K, SerialHardware::If1, 9600),
        Driver::Ay128 => (Model::Spectrum128K, SerialHardware::Ay128, 9600),
        Driver::Next => (Model::Spectrum48K, SerialHardware::NextUart, 115_200),
    }
}

/// A booted machine with the driver's port attached. `basic48`: on a 128K, choose 48 BASIC
/// (LPRINT then drives the ZX Printer, as the demos want).
pub fn machine(driver: Driver, basic48: bool) -> Spectrum {
    machine_at(driver, basic48, setup(driver).2)
}

/// [`machine`] with the bridge's end of the line at `baud`.
pub fn machine_at(driver: Driver, basic48: bool, baud: u32) -> Spectrum {
    let (model, hardware, _) = setup(driver);
    let mut m = Spectrum::booted(MachineConfig {
        model,
        basic48,
        ..Default::default()
    })
    .expect("boots");
    m.attach_serial(SerialConfig::new(hardware, baud))
        .expect("port fits the model");
    m
}

/// A BASIC program (zmakebas syntax) that autostarts at its first line.
pub fn basic_tape(source: &str) -> Tape {
    let program = tokenise(source, &TokeniseOptions::default()).expect("test BASIC tokenises");
    let first = u16::from_be_bytes([program.bytes[0], program.bytes[1]]);
    basic_program_tape("test", &program.bytes, Some(first))
}

/// Loads `basic` and then `code` blocks from tape, as `LOAD ""` would, and starts it. (INPUT
/// #4 waits in the ROM's editor like keyboard INPUT; the emulator tells the two apart by the
/// current channel, so such a run is not taken for one waiting for typing.)
pub fn load(m: &mut Spectrum, basic: &str, code: &[(u16, &[u8])]) {
    let mut tape = basic_tape(basic);
    for (addr, bytes) in code {
        tape.blocks.extend(code_tape("code", *addr, bytes).blocks);
    }
    m.load_tape(tape);
}

/// Loads the library and runs `basic`.
pub fn load_with_library(m: &mut Spectrum, driver: Driver, basic: &str) {
    load(m, basic, &[(LOAD_ADDRESS, library(driver))]);
}

/// Runs with `peer` on the line for at most `secs` emulated seconds.
pub fn run(m: &mut Spectrum, peer: &mut dyn SerialPeer, secs: f64) -> RunOutcome {
    let mut stop = StopWhen::budget_secs(m.model(), secs);
    stop.program_end = true;
    let slice = (m.timing().clock_hz / 1000) as u32; // exchange every emulated ms
    m.run_linked(&stop, &mut |_| None, peer, slice)
}

/// The exit code, or a panic naming why the run ended otherwise.
pub fn exit_code(outcome: &RunOutcome, context: &str) -> u8 {
    match &outcome.reason {
        StopReason::ExitCode(code) => *code,
        other => panic!(
            "{context}: run ended with {other:?} after {:.2} s",
            outcome.secs
        ),
    }
}

/// The printer's paper as text lines (exact glyph matching against the font in memory).
pub fn printout_lines(m: &Spectrum) -> Vec<String> {
    let charset = m.charset();
    let rows = m.printout().rows();
    rows.chunks(8)
        .filter(|c| c.len() == 8)
        .map(|cell_rows| {
            (0..32)
                .map(|col| {
                    let cell: [u8; 8] = std::array::from_fn(|y| cell_rows[y][col]);
                    charset
                        .match_cell(&cell)
                        .map(|g| g.to_text())
                        .unwrap_or_else(|| "?".into())
                })
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

/// How many line-mode channel records ("W" and our two routine addresses) CHANS holds.
pub fn channel_records(m: &Spectrum, driver: Driver) -> usize {
    let word = |a: u16| u16::from_le_bytes([m.peek(a), m.peek(a + 1)]);
    let (chans, prog) = (word(0x5C4F), word(0x5C53));
    let out = retromesh_zx_client::symbol(driver, "chan_out").unwrap();
    let inp = retromesh_zx_client::symbol(driver, "chan_in").unwrap();
    let sig = [
        out as u8,
        (out >> 8) as u8,
        inp as u8,
        (inp >> 8) as u8,
        b'W',
    ];
    (chans..prog.saturating_sub(5))
        .filter(|&a| (0..5).all(|i| m.peek(a + i) == sig[i as usize]))
        .count()
}

pub fn peek_word(m: &Spectrum, addr: u16) -> u16 {
    u16::from_le_bytes([m.peek(addr), m.peek(addr + 1)])
}

pub fn peek_bytes(m: &Spectrum, addr: u16, len: usize) -> Vec<u8> {
    (0..len).map(|i| m.peek(addr + i as u16)).collect()
}

// ---------------------------------------------------------------------------------------
// Machine-code test stubs, assembled by hand.

/// Where stubs load and run: above the library code, below its buffers.
pub const STUB: u16 = 0xF000;
/// Data for the stub (strings to send).
pub const STUB_DATA: u16 = 0xF200;
/// Results the stub stores.
pub const STUB_RESULTS: u16 = 0xF400;

/// A few Z80 instructions, enough to call the library and keep what it returns.
#[derive(Default)]
pub struct Stub(pub Vec<u8>);

impl Stub {
    fn word(&mut self, op: &[u8], v: u16) -> &mut Self {
        self.0.extend_from_slice(op);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn ld_a(&mut self, v: u8) -> &mut Self {
        self.0.extend([0x3E, v]);
        self
    }
    pub fn ld_bc(&mut self, v: u16) -> &mut Self {
        self.word(&[0x01], v)
    }
    pub fn ld_de(&mut self, v: u16) -> &mut Self {
        self.word(&[0x11], v)
    }
    pub fn ld_hl(&mut self, v: u16) -> &mut Self {
        self.word(&[0x21], v)
    }
    pub fn store_bc(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xED, 0x43], addr)
    }
    pub fn store_de(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xED, 0x53], addr)
    }
    pub fn store_hl(&mut self, addr: u16) -> &mut Self {
        self.word(&[0x22], addr)
    }
    pub fn store_a(&mut self, addr: u16) -> &mut Self {
        self.word(&[0x32], addr)
    }
    pub fn load_a(&mut self, addr: u16) -> &mut Self {
        self.word(&[0x3A], addr)
    }
    pub fn load_bc(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xED, 0x4B], addr)
    }
    pub fn ldir(&mut self) -> &mut Self {
        self.0.extend([0xED, 0xB0]);
        self
    }
    /// CALL `addr`, whatever it returns.
    pub fn call(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xCD], addr)
    }
    /// CALL `addr`; if it returns carry clear, exit with 100 + A.
    pub fn call_ok(&mut self, addr: u16) -> &mut Self {
        self.word(&[0xCD], addr);
        // JR C,+8 ; ADD A,100 ; LD BC,0DEFFh ; OUT (C),A ; RET
        self.0
            .extend([0x38, 0x08, 0xC6, 100, 0x01, 0xFF, 0xDE, 0xED, 0x79, 0xC9]);
        self
    }
    /// Exit with code 0.
    pub fn exit_ok(&mut self) -> &mut Self {
        // XOR A ; LD BC,0DEFFh ; OUT (C),A ; RET
        self.0.extend([0xAF, 0x01, 0xFF, 0xDE, 0xED, 0x79, 0xC9]);
        self
    }
}

/// BASIC that loads the library and a stub block, then calls the stub.
pub fn stub_loader() -> String {
    format!(
        "10 CLEAR {CLEAR_ADDRESS}\n20 LOAD \"\" CODE\n30 LOAD \"\" CODE\n40 RANDOMIZE USR {STUB}\n50 STOP\n"
    )
}

/// The stub's block: code at STUB, `data` at STUB_DATA, up to STUB_RESULTS.
pub fn stub_block(stub: &Stub, data: &[u8]) -> Vec<u8> {
    assert!(stub.0.len() <= (STUB_DATA - STUB) as usize);
    assert!(data.len() <= (STUB_RESULTS - STUB_DATA) as usize);
    let mut block = vec![0u8; (STUB_RESULTS - STUB) as usize];
    block[..stub.0.len()].copy_from_slice(&stub.0);
    let d = (STUB_DATA - STUB) as usize;
    block[d..d + data.len()].copy_from_slice(data);
    block
}

/// Boots, loads the library and `stub` (with `data`), and runs it against `bridge`.
pub fn run_stub(
    driver: Driver,
    stub: &Stub,
    data: &[u8],
    bridge: &mut FrameBridge,
    secs: f64,
) -> (Spectrum, RunOutcome) {
    run_stub_at(driver, setup(driver).2, stub, data, bridge, secs)
}

/// [`run_stub`] with the bridge's end of the line at `baud`.
pub fn run_stub_at(
    driver: Driver,
    baud: u32,
    stub: &Stub,
    data: &[u8],
    bridge: &mut FrameBridge,
    secs: f64,
) -> (Spectrum, RunOutcome) {
    let mut m = machine_at(driver, false, baud);
    let block = stub_block(stub, data);
    load(
        &mut m,
        &stub_loader(),
        &[(LOAD_ADDRESS, library(driver)), (STUB, &block)],
    );
    let outcome = run(&mut m, bridge, secs);
    let stats = m.serial_stats();
    assert_eq!(
        (stats.framing_errors, stats.overruns, stats.tx_lost),
        (0, 0, 0),
        "the line saw no framing errors, overruns or lost bytes: {stats:?}"
    );
    (m, outcome)
}
