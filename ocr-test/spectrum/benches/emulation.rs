//! Emulation speed, ours vs plain rustzx-core measured in the same run, in "x real time"
//! (emulated seconds per wall second, higher is better).
//!
//! After criterion's output, prints one line per case to stderr from the medians of
//! `SUMMARY_RUNS` runs timed here with `Instant`, e.g.
//! `boot_idle: retromesh 123.4x real time, rustzx-core 45.6x, ratio 2.71 (emulated 9.98 s vs 9.98 s)`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, SamplingMode};
use retromesh_spectrum::formats::tap::{basic_program_tape, parse_tap, Tape};
use retromesh_spectrum::{MachineConfig, Spectrum, StopReason, StopWhen};
use rustzx_core::host::{
    BufferCursor, DebugInterface, FrameBuffer, FrameBufferSource, Host, HostContext,
    StubIoExtender, Tape as PeerTape,
};
use rustzx_core::zx::keys::ZXKey;
use rustzx_core::zx::machine::ZXMachine;
use rustzx_core::zx::video::colors::{ZXBrightness, ZXColor};
use rustzx_core::{EmulationMode, EmulationStopReason, Emulator, RustzxSettings};

const SUMMARY_RUNS: usize = 15;
const CLOCK_HZ: f64 = 3_500_000.0;
const FRAME_TSTATES: u64 = 69_888;
/// boot_idle runs both machines for this many 48K frames (9.98 emulated seconds).
const IDLE_FRAMES: u64 = 500;
const PROGRAM: &str = "10 FOR i=1 TO 2000: LET a=i*2.5: NEXT i\n";
/// 48K ROM: WAIT-KEY1, where the editor waits for a key (booted, or program ended).
const WAIT_KEY1: u16 = 0x15DE;
/// 48K ROM system variable ERR_NR: 0xFF after report "0 OK".
const ERR_NR: u16 = 0x5C3A;

// ---- rustzx-core with a headless host: no frame buffer, no clock reads ----

struct NullFrameBuffer;

impl FrameBuffer for NullFrameBuffer {
    type Context = ();
    fn new(_: usize, _: usize, _: FrameBufferSource, _: ()) -> Self {
        NullFrameBuffer
    }
    fn set_color(&mut self, _: usize, _: usize, _: ZXColor, _: ZXBrightness) {}
}

struct NullStopwatch;

impl rustzx_core::host::Stopwatch for NullStopwatch {
    fn new() -> Self {
        NullStopwatch
    }
    fn measure(&self) -> Duration {
        Duration::ZERO
    }
}

/// Breaks at WAIT-KEY1 while armed.
struct WaitKeyBreak {
    armed: bool,
}

impl DebugInterface for WaitKeyBreak {
    fn check_pc_breakpoint(&mut self, addr: u16) -> bool {
        self.armed && addr == WAIT_KEY1
    }
}

struct Headless;

struct HeadlessContext;

impl HostContext<Headless> for HeadlessContext {
    fn frame_buffer_context(&self) {}
}

impl Host for Headless {
    type Context = HeadlessContext;
    type TapeAsset = BufferCursor<Vec<u8>>;
    type FrameBuffer = NullFrameBuffer;
    type EmulationStopwatch = NullStopwatch;
    type IoExtender = StubIoExtender;
    type DebugInterface = WaitKeyBreak;
}

/// A rustzx-core 48K at power-on, with its embedded ROM and tape fast load.
fn peer_new() -> Emulator<Headless> {
    let settings = RustzxSettings {
        machine: ZXMachine::Sinclair48K,
        emulation_mode: EmulationMode::FrameCount(1),
        tape_fastload_enabled: true,
        kempston_enabled: false,
        mouse_enabled: false,
        load_default_rom: true,
    };
    Emulator::new(settings, HeadlessContext).expect("rustzx-core emulator")
}

/// One frame, or less if the breakpoint fired. Returns true on a breakpoint.
fn peer_frame(emu: &mut Emulator<Headless>) -> bool {
    let info = emu
        .emulate_frames(Duration::MAX)
        .expect("rustzx-core frame");
    info.stop_reason == EmulationStopReason::Breakpoint
}

/// Power-on, boot and idle, `IDLE_FRAMES` frames. Returns emulated seconds.
fn peer_boot_idle() -> f64 {
    let mut emu = peer_new();
    for _ in 0..IDLE_FRAMES {
        peer_frame(&mut emu);
    }
    black_box(emu.peek(0x5C78)); // FRAMES
    (IDLE_FRAMES * FRAME_TSTATES) as f64 / CLOCK_HZ
}

/// A booted rustzx-core 48K waiting at WAIT-KEY1 with the program's tape inserted.
fn peer_booted_with_tape(tap: &[u8]) -> Emulator<Headless> {
    let mut emu = peer_new();
    emu.set_debug_interface(WaitKeyBreak { armed: true });
    let mut frames = 0;
    while !peer_frame(&mut emu) {
        frames += 1;
        assert!(frames < 500, "rustzx-core did not boot");
    }
    emu.debug_interface().unwrap().armed = false;
    emu.load_tape(PeerTape::Tap(BufferCursor::new(tap.to_vec())))
        .expect("rustzx-core tape");
    emu
}

/// Types LOAD "" and runs until the program has ended. Returns emulated seconds (whole
/// frames; the last partial frame is not counted).
fn peer_basic_loop(mut emu: Emulator<Headless>) -> f64 {
    let mut frames = 0u64;
    let mut run = |emu: &mut Emulator<Headless>, n: u64| {
        for _ in 0..n {
            peer_frame(emu);
        }
        frames += n;
    };
    // LOAD "" : J, then " (symbol shift + P) twice, then ENTER; held 4 frames, released 10.
    let keys: [&[ZXKey]; 4] = [
        &[ZXKey::J],
        &[ZXKey::SymShift, ZXKey::P],
        &[ZXKey::SymShift, ZXKey::P],
        &[ZXKey::Enter],
    ];
    for chord in keys {
        chord.iter().for_each(|&k| emu.send_key(k, true));
        run(&mut emu, 4);
        chord.iter().for_each(|&k| emu.send_key(k, false));
        run(&mut emu, 10);
    }
    emu.debug_interface().unwrap().armed = true;
    loop {
        if peer_frame(&mut emu) {
            break;
        }
        frames += 1;
        assert!(frames < 100 * 50, "rustzx-core: program did not end");
    }
    assert_eq!(
        emu.peek(ERR_NR),
        0xFF,
        "rustzx-core: program did not end with 0 OK"
    );
    (frames * FRAME_TSTATES) as f64 / CLOCK_HZ
}

// ---- ours ----

/// Power-on, boot and idle to the same T-state as the peer. Returns emulated seconds.
fn ours_boot_idle() -> f64 {
    let mut m = Spectrum::new(MachineConfig::default()).expect("machine");
    m.boot().expect("boot");
    let stop = StopWhen {
        budget_tstates: IDLE_FRAMES * FRAME_TSTATES - m.now(),
        breakpoints: Vec::new(),
        printer_idle_tstates: None,
        program_end: false,
    };
    let out = m.run(&stop, &mut |_| None);
    assert_eq!(out.reason, StopReason::Budget);
    m.timing().secs(m.now())
}

/// Fast-loads the program into a booted machine and runs it to its end. Returns emulated
/// seconds.
fn ours_basic_loop(mut m: Spectrum, tape: Tape) -> f64 {
    m.load_tape(tape);
    let stop = StopWhen::budget_secs(m.model(), 100.0);
    let out = m.run(&stop, &mut |_| None);
    match &out.reason {
        StopReason::ProgramEnded { report } if report.starts_with("0 ") => {}
        other => panic!("retromesh: program did not end with 0 OK: {other:?}"),
    }
    out.secs
}

/// The program as a .tap, from zmakebas (falls back to our tokeniser if it is missing).
fn program_tap() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let bas = dir.path().join("loop.bas");
    let tap = dir.path().join("loop.tap");
    std::fs::write(&bas, PROGRAM).expect("write .bas");
    let made = std::process::Command::new("zmakebas")
        .args(["-a", "10", "-o"])
        .arg(&tap)
        .arg(&bas)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        return std::fs::read(&tap).expect("read .tap");
    }
    eprintln!("zmakebas failed; using retromesh's tokeniser");
    #[allow(clippy::needless_update)] // the options may grow
    let opts = retromesh_spectrum::basic::TokeniseOptions {
        autostart: Some(10),
        ..Default::default()
    };
    let prog = retromesh_spectrum::basic::tokenise(PROGRAM, &opts).expect("tokenise");
    basic_program_tape("loop", &prog.bytes, prog.autostart).to_bytes()
}

// ---- timing ----

/// Median x-real-time and median emulated seconds of `SUMMARY_RUNS` runs; `run` does
/// untimed setup and returns the timed part's emulated seconds and wall time.
fn medians(mut run: impl FnMut() -> (f64, Duration)) -> (f64, f64) {
    let (mut xs, mut secs): (Vec<f64>, Vec<f64>) = (0..SUMMARY_RUNS)
        .map(|_| {
            let (emulated, wall) = run();
            (emulated / wall.as_secs_f64(), emulated)
        })
        .unzip();
    xs.sort_by(f64::total_cmp);
    secs.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], secs[secs.len() / 2])
}

fn timed<S>(setup: impl FnOnce() -> S, f: impl FnOnce(S) -> f64) -> (f64, Duration) {
    let input = setup();
    let start = Instant::now();
    let emulated = black_box(f(input));
    (emulated, start.elapsed())
}

fn main() {
    // Iterations take 0.05-0.4 s: flat sampling keeps 10 samples within 5 s.
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();

    let tap = program_tap();
    let tape = parse_tap(&tap).expect("parse .tap");
    let booted = Spectrum::booted(MachineConfig::default()).expect("boot");

    {
        let mut g = c.benchmark_group("boot_idle");
        g.sampling_mode(SamplingMode::Flat);
        g.bench_function("retromesh", |b| b.iter(ours_boot_idle));
        g.bench_function("rustzx-core", |b| b.iter(peer_boot_idle));
        g.finish();
    }
    {
        let mut g = c.benchmark_group("basic_loop");
        g.sampling_mode(SamplingMode::Flat);
        g.bench_function("retromesh", |b| {
            b.iter_batched(
                || (booted.clone(), tape.clone()),
                |(m, t)| ours_basic_loop(m, t),
                BatchSize::PerIteration,
            )
        });
        g.bench_function("rustzx-core", |b| {
            b.iter_batched(
                || peer_booted_with_tape(&tap),
                peer_basic_loop,
                BatchSize::PerIteration,
            )
        });
        g.finish();
    }
    c.final_summary();

    // Own medians, only when benchmarking (not under `cargo test --benches`).
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let wanted = |case: &str| {
        filters.is_empty()
            || filters.iter().any(|f| {
                format!("{case}/retromesh").contains(f.as_str())
                    || format!("{case}/rustzx-core").contains(f.as_str())
            })
    };
    let mut lines = Vec::new();
    if wanted("boot_idle") {
        let ours = medians(|| timed(|| (), |()| ours_boot_idle()));
        let peer = medians(|| timed(|| (), |()| peer_boot_idle()));
        lines.push(("boot_idle", ours, peer));
    }
    if wanted("basic_loop") {
        let ours = medians(|| {
            timed(
                || (booted.clone(), tape.clone()),
                |(m, t)| ours_basic_loop(m, t),
            )
        });
        let peer = medians(|| timed(|| peer_booted_with_tape(&tap), peer_basic_loop));
        lines.push(("basic_loop", ours, peer));
    }
    for (case, (ours, ours_secs), (peer, peer_secs)) in lines {
        eprintln!(
            "{case}: retromesh {ours:.1}x real time, rustzx-core {peer:.1}x, ratio {:.2} \
             (emulated {ours_secs:.2} s vs {peer_secs:.2} s)",
            ours / peer
        );
    }
}
