//! `retromesh test`: run specs in parallel, show progress, write JUnit.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use retromesh_harness::spec::discover;
use retromesh_harness::{
    junit, run_specs_with, C64Options, Progress, RunOptions, SpecResult, Verdict,
};
use tracing::{error, info};

use crate::cli::TestArgs;
use crate::config::Config;
use crate::exit::Exit;

pub fn execute(args: TestArgs, config: &Config) -> Exit {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let specs = match discover(&paths) {
        Ok(specs) => specs,
        Err(e) => {
            error!("{e}");
            return Exit::BadInput;
        }
    };
    if specs.is_empty() {
        error!(
            "no test specs (*.toml) found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Exit::BadInput;
    }
    let options = RunOptions {
        jobs: args.jobs.or(config.test.jobs).unwrap_or(0),
        bless: args.bless,
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(specs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}").expect("template"),
        );
        bar
    });
    let started = Instant::now();
    let c64 = C64Options {
        rom_dir: args.rom_dir.clone(),
    };
    let results = run_specs_with(&specs, &options, &c64, &|event| match event {
        Progress::Started { total } => info!("running {total} specs"),
        Progress::Finished {
            result,
            done,
            total,
        } => {
            let line = summary_line(result);
            match &bar {
                Some(bar) => {
                    bar.set_position(done as u64);
                    if result.passed() {
                        bar.set_message(result.name.clone());
                    } else {
                        bar.println(line);
                    }
                }
                None => info!("[{done}/{total}] {line}"),
            }
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for result in results.iter().filter(|r| !r.passed()) {
        eprintln!("{}", details(result));
    }
    for result in &results {
        if let Some(why) = &result.skipped {
            eprintln!("SKIPPED {}: {why}", result.name);
        }
    }
    if let Some(path) = args.junit.or(config.test.junit.clone()) {
        match std::fs::write(&path, junit::report(&results)) {
            Ok(()) => info!("JUnit report written to {}", path.display()),
            Err(e) => error!("cannot write the JUnit report to {}: {e}", path.display()),
        }
    }
    let passed = results.iter().filter(|r| r.passed()).count();
    let skipped = results.iter().filter(|r| r.skipped.is_some()).count();
    let errors = results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Error(_)))
        .count();
    let failed = results.len() - passed;
    if skipped == 0 {
        println!("{passed} passed, {failed} failed");
    } else {
        println!(
            "{} passed, {failed} failed, {skipped} skipped",
            passed - skipped
        );
    }
    info!(
        "{} specs in {:.2} s",
        results.len(),
        started.elapsed().as_secs_f64()
    );
    if failed == 0 {
        Exit::Ok
    } else if errors == failed {
        Exit::BadInput
    } else {
        Exit::Failed
    }
}

fn summary_line(result: &SpecResult) -> String {
    let status = match result.verdict {
        Verdict::Passed if result.skipped.is_some() => "SKIP",
        Verdict::Passed => "PASS",
        Verdict::Failed(_) => "FAIL",
        Verdict::Error(_) => "ERROR",
    };
    format!(
        "{status} {} ({:.0} ms, {:.1} emulated s)",
        result.name,
        result.wall.as_secs_f64() * 1000.0,
        result.emulated_secs
    )
}

fn details(result: &SpecResult) -> String {
    let mut out = format!("\n--- {} ({})\n", result.name, result.path.display());
    match &result.verdict {
        Verdict::Passed => {}
        Verdict::Error(message) => out.push_str(&format!("error: {message}\n")),
        Verdict::Failed(failures) => {
            for failure in failures {
                out.push_str(&format!("  - {}\n", failure.what));
                if let Some(diff) = &failure.diff {
                    out.push_str(diff);
                }
            }
        }
    }
    if let Some(stop) = &result.stop {
        out.push_str(&format!("  stopped: {stop}\n"));
    }
    for artifact in &result.artifacts {
        out.push_str(&format!("  wrote {}\n", artifact.display()));
    }
    out
}
