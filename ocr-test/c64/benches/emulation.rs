//! Emulation speed in multiples of a real PAL C64 (985,248 cycles a second; higher is
//! better), with plain `mos6502` on flat memory running the same busy loop for reference.
//!
//! After criterion's output, prints one line per case to stderr from the median of
//! `SUMMARY_RUNS` runs of one emulated second each, e.g.
//! `busy_loop: 123.4x a PAL C64 (bare mos6502 on flat RAM: 456.7x)`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use mos6502::cpu::CPU;
use mos6502::instruction::Nmos6502;
use mos6502::memory::{Bus, Memory};
use retromesh_c64::{
    C64Config, RunEnd, UserPortDevice, UserPortIn, UserPortOut, C64, PAL_CLOCK_HZ,
};

const SUMMARY_RUNS: usize = 7;

/// Sums a page into $FB/$FC, forever.
const BUSY_LOOP: [u8; 20] = [
    0xA2, 0x00, // C000 LDX #0
    0xBD, 0x00, 0xC1, // C002 LDA $C100,X
    0x18, // C005 CLC
    0x65, 0xFB, // C006 ADC $FB
    0x85, 0xFB, // C008 STA $FB
    0x90, 0x02, // C00A BCC C00E
    0xE6, 0xFC, // C00C INC $FC
    0xE8, // C00E INX
    0xD0, 0xF1, // C00F BNE C002
    0x4C, 0x00, 0xC0, // C011 JMP C000
];

/// Runs CIA1 timer A continuously and polls its ICR bit, counting underflows in $FB.
const CIA_POLL: [u8; 27] = [
    0xA9, 0x40, // C000 LDA #$40
    0x8D, 0x04, 0xDC, // C002 STA $DC04
    0xA9, 0x00, // C005 LDA #0
    0x8D, 0x05, 0xDC, // C007 STA $DC05
    0xA9, 0x11, // C00A LDA #$11: start, continuous, load
    0x8D, 0x0E, 0xDC, // C00C STA $DC0E
    0xAD, 0x0D, 0xDC, // C00F LDA $DC0D
    0x29, 0x01, // C012 AND #1
    0xF0, 0xF9, // C014 BEQ C00F
    0xE6, 0xFB, // C016 INC $FB
    0x4C, 0x0F, 0xC0, // C018 JMP C00F
];

/// A user-port device that answers every step (the cost the parallel-link driver pays).
struct Idle;

impl UserPortDevice for Idle {
    fn step(&mut self, _now: u64, out: &UserPortOut) -> UserPortIn {
        UserPortIn {
            pb: !out.pb_ddr,
            flag2_low: false,
        }
    }
}

fn machine(code: &[u8], user_port: bool) -> C64 {
    let mut c64 = C64::new(C64Config::default());
    let mut prg = vec![0x00, 0xC0];
    prg.extend_from_slice(code);
    c64.load_prg(&prg).expect("load");
    for i in 0..=255u16 {
        c64.poke(0xC100 + i, i as u8 | 1);
    }
    if user_port {
        c64.attach_user_port(Box::new(Idle));
    }
    c64.sys(0xC000);
    c64
}

/// Runs one emulated second; returns the wall time.
fn one_second(code: &[u8], user_port: bool) -> Duration {
    let mut c64 = machine(code, user_port);
    let start = Instant::now();
    let end = c64.run(PAL_CLOCK_HZ);
    let wall = start.elapsed();
    assert_eq!(end, RunEnd::Budget);
    assert!(c64.peek(0xFB) != 0 || c64.peek(0xFC) != 0, "the loop ran");
    black_box(c64.cycles());
    wall
}

/// Plain mos6502 on flat memory, the same busy loop, one emulated second.
fn bare_second() -> Duration {
    let mut mem = Memory::new();
    mem.set_bytes(0xC000, &BUSY_LOOP);
    let mut cpu = CPU::new(mem, Nmos6502);
    cpu.registers.program_counter = 0xC000;
    let start = Instant::now();
    while cpu.cycles < PAL_CLOCK_HZ {
        cpu.single_step();
    }
    let wall = start.elapsed();
    black_box(cpu.memory.get_byte(0xFB));
    wall
}

fn multiple(mut run: impl FnMut() -> Duration) -> f64 {
    let mut xs: Vec<f64> = (0..SUMMARY_RUNS)
        .map(|_| 1.0 / run().as_secs_f64())
        .collect();
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("one_emulated_second");
        g.sampling_mode(SamplingMode::Flat);
        g.bench_function("busy_loop", |b| b.iter(|| one_second(&BUSY_LOOP, false)));
        g.bench_function("cia_poll", |b| b.iter(|| one_second(&CIA_POLL, false)));
        g.bench_function("cia_poll_user_port", |b| {
            b.iter(|| one_second(&CIA_POLL, true))
        });
        g.bench_function("bare_mos6502_busy_loop", |b| b.iter(bare_second));
        g.finish();
    }
    c.final_summary();

    // Own medians, only when benchmarking (not under `cargo test --benches`).
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let bare = multiple(bare_second);
    eprintln!(
        "busy_loop: {:.1}x a PAL C64 (bare mos6502 on flat RAM: {bare:.1}x)",
        multiple(|| one_second(&BUSY_LOOP, false))
    );
    eprintln!(
        "cia_poll: {:.1}x a PAL C64",
        multiple(|| one_second(&CIA_POLL, false))
    );
    eprintln!(
        "cia_poll_user_port: {:.1}x a PAL C64",
        multiple(|| one_second(&CIA_POLL, true))
    );
}
