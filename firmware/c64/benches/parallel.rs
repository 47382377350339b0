//! C64 parallel-link goodput: the 6502 client's GET, on the emulated C64 (`retromesh-c64`),
//! through the real adapter logic (`ParallelLink` on virtual pins) to a frame-mode bridge, in
//! emulated time (bytes per emulated second at PAL 985,248 Hz), beside WiC64's published
//! 20-40 kB/s; and how fast the emulator runs the client (multiples of a PAL C64), measured by
//! criterion.
//!
//! cargo bench -p retromesh-c64-client --bench parallel

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::bridge::FrameBridge;
use common::*;
use criterion::Criterion;
use retromesh_c64_client::{entry, mem, Driver, PAL_CLOCK_HZ};

const BODY: usize = 1000;
const GETS: usize = 10;

/// Emulated cycles for `GETS` GETs of a `BODY`-byte answer after init.
fn run_gets() -> (u64, u64) {
    let body = text_body(BODY);
    let (mut c64, _bridge, _) = wired(
        Driver::Parallel,
        FrameBridge::default().answer("bench/body", 200, &body),
    );
    call_ok(&mut c64, "init", entry::INIT, 0, 0, 0, 5.0);
    poke_bytes(&mut c64, ARGS, b"bench/body");
    let start = c64.cycles();
    for _ in 0..GETS {
        let c = call_ok(
            &mut c64,
            "get",
            entry::GET,
            10,
            ARGS as u8,
            (ARGS >> 8) as u8,
            10.0,
        );
        assert_eq!(c.xy(), 200);
        assert_eq!(peek_word(&c64, mem::V_BODY_LEN) as usize, BODY);
    }
    (c64.cycles() - start, c64.cycles())
}

fn main() {
    let wall = Instant::now();
    let (cycles, total) = run_gets();
    let wall = wall.elapsed().as_secs_f64();
    let secs = cycles as f64 / PAL_CLOCK_HZ as f64;
    let goodput = (GETS * BODY) as f64 / secs;
    println!(
        "C64 parallel goodput: {GETS} GETs of {BODY} bytes in {secs:.3} emulated s = {:.1} kB/s \
         ({:.2}x of WiC64's 20 kB/s, {:.2}x of its 40 kB/s)",
        goodput / 1000.0,
        goodput / 20_000.0,
        goodput / 40_000.0
    );
    println!(
        "6502 emulation: {total} cycles in {wall:.3} s wall = {:.0}x a PAL C64",
        total as f64 / PAL_CLOCK_HZ as f64 / wall
    );
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("c64_parallel_10_gets_of_1000_bytes", |b| b.iter(run_gets));
    c.final_summary();
}
