//! End-to-end latency of one 4-line LPRINT test, and throughput of a 50-spec directory.
//!
//! Besides criterion's report, prints median figures (15 timed runs each) to stderr:
//! `cargo bench -p retromesh-harness --bench harness`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use retromesh_harness::spec::Spec;
use retromesh_harness::{expect, run, run_specs, RunOptions};
use retromesh_spectrum::{MachineConfig, Spectrum};

const FOUR_LINES: &str =
    "10 LPRINT \"ONE\"\n20 LPRINT \"TWO\"\n30 LPRINT \"THREE\"\n40 LPRINT \"FOUR\"\n";
const EXPECTED: &str = "ONE\nTWO\nTHREE\nFOUR";

fn four_line_spec(dir: &Path) -> Spec {
    std::fs::write(dir.join("four.bas"), FOUR_LINES).unwrap();
    let spec = dir.join("four.toml");
    std::fs::write(
        &spec,
        format!(
            "program = \"four.bas\"\n[expect]\ntext = \"{}\"\n",
            EXPECTED.replace('\n', "\\n")
        ),
    )
    .unwrap();
    Spec::load(&spec).unwrap()
}

fn e2e(spec: &Spec) {
    let report = run(&spec.request(), None).unwrap();
    assert!(expect::check(spec, &report).is_empty());
}

fn fifty_specs(dir: &Path) -> Vec<PathBuf> {
    (0..50)
        .map(|i| {
            let program = format!(
                "10 FOR i=1 TO {}: LPRINT \"line \";i;\" of spec {i}\": NEXT i\n",
                1 + i % 4
            );
            std::fs::write(dir.join(format!("s{i}.bas")), program).unwrap();
            let spec = dir.join(format!("s{i}.toml"));
            std::fs::write(
                &spec,
                format!("program = \"s{i}.bas\"\n[expect]\ncontains = [\"of spec {i}\"]\n"),
            )
            .unwrap();
            spec
        })
        .collect()
}

fn median(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let spec = four_line_spec(dir.path());
    let specs = fifty_specs(dir.path());
    let mut group = c.benchmark_group("harness");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("boot_48k", |b| {
        b.iter(|| Spectrum::booted(MachineConfig::default()).unwrap())
    });
    group.bench_function("e2e_four_lprint_lines", |b| b.iter(|| e2e(&spec)));
    group.bench_function("fifty_specs_jobs_2", |b| {
        b.iter(|| {
            assert!(run_specs(
                &specs,
                &RunOptions {
                    jobs: 2,
                    bless: false
                },
                &|_| {}
            )
            .iter()
            .all(|r| r.passed()))
        })
    });
    group.finish();

    let boot = median(|| drop(Spectrum::booted(MachineConfig::default()).unwrap()));
    let warm = median(|| e2e(&spec));
    let one = median(|| {
        drop(run_specs(
            &specs,
            &RunOptions {
                jobs: 1,
                bless: false,
            },
            &|_| {},
        ))
    });
    let two = median(|| {
        drop(run_specs(
            &specs,
            &RunOptions {
                jobs: 2,
                bless: false,
            },
            &|_| {},
        ))
    });
    eprintln!("e2e 4-line LPRINT test: {:.1} ms median from a cached boot; booting a 48K once costs {:.1} ms; cold (boot + test) {:.1} ms", ms(warm), ms(boot), ms(warm + boot));
    eprintln!(
        "50 specs: --jobs 2 {:.0} ms ({:.0} specs/s), --jobs 1 {:.0} ms; speed-up {:.2}x",
        ms(two),
        50.0 / two.as_secs_f64(),
        ms(one),
        one.as_secs_f64() / two.as_secs_f64()
    );
}

criterion_group!(harness, benches);
criterion_main!(harness);
