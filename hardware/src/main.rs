//! `retromesh-pinmap`: check the adapter's pin map and turn it into drawings, a BOM and constants.

use clap::{Parser, Subcommand};
use retromesh_hardware::{bom, bom_markdown, check, rust_consts, wireviz_all, PinMap};
use std::path::PathBuf;
use std::process::ExitCode;

const ABOUT: &str = "Check the retromesh adapter's pin map and turn it into wiring diagrams, a bill of materials and firmware constants.";

const LONG_ABOUT: &str = "\
Check the retromesh adapter's pin map and turn it into wiring diagrams, a bill of materials and firmware constants.

hardware/pinmap.toml is the single source of truth for the wiring. For every pin of every micro
connector (ZX Interface 1 and 128/+2 RS-232, C64 user port, Centronics) it says what the micro
does with the pin, its level (5 V TTL, ±12 V RS-232, 3.3 V), the level-shifter channel it passes
through (MAX3232, 74LVC245, 74LVC07) and the RP2040 GPIO (or USB-serial cable pin) it ends on.
A board can be wired several ways; each way is a [[variant]] with GPIOs of its own.

`check` finds every problem at once, for example:
  - two signals on one GPIO, or a GPIO the Pico does not bring out (GP23-25, GP29, >29)
  - a 5 V or ±12 V line reaching a GPIO with no level shifter, or through the wrong kind
  - one shifter channel carrying two signals
  - a wire to a pin the connector does not have, or a connector pin with no wire
  - directions that do not mirror (micro out must be adapter in), or that fight the shifter
  - a micro supply pin (C64 +5 V, 9 VAC, Interface 1 +9 V, 128 +12 V) wired to anything

Typical use:
  retromesh-pinmap check
  retromesh-pinmap wireviz --out target/hardware && hardware/render.sh
  retromesh-pinmap bom --board c64-parallel
  retromesh-pinmap consts > firmware/adapter/src/pins.rs

Exit codes: 0 = no problems, 1 = problems found (each names the fix), 2 = usage or I/O error.";

#[derive(Parser, Debug)]
#[command(name = "retromesh-pinmap", version, about = ABOUT, long_about = LONG_ABOUT)]
struct Cli {
    /// The pin map to read. Default: hardware/pinmap.toml under the current directory, else the
    /// copy this tool was built from.
    #[arg(long, global = true, env = "RETROMESH_PINMAP", value_name = "FILE")]
    map: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Find every problem in the pin map; exit 1 if there are any.
    Check,
    /// Write one WireViz 0.4 YAML file per variant into DIR (render them with `wireviz` or hardware/render.sh).
    Wireviz {
        /// Directory for the .yml files; created if missing.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Print the bill of materials as a markdown table (parts shared by variants of one board count once).
    Bom {
        /// Only this board (e.g. c64-parallel, zx-serial-pico); default: every board.
        #[arg(long)]
        board: Option<String>,
    },
    /// Print firmware/adapter/src/pins.rs: the GPIO constants per variant.
    Consts,
}

fn map_path(cli: &Cli) -> PathBuf {
    if let Some(p) = &cli.map {
        return p.clone();
    }
    let local = PathBuf::from(retromesh_hardware::DEFAULT_PATH);
    if local.exists() {
        local
    } else {
        retromesh_hardware::bundled_path()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let path = map_path(&cli);
    let map = match PinMap::load(&path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let problems = check(&map);
    if !problems.is_empty() {
        eprintln!("{}: {} problem(s):", path.display(), problems.len());
        for p in &problems {
            eprintln!("  - {p}");
        }
        return ExitCode::from(1);
    }
    match cli.command {
        Command::Check => {
            let wires: usize = map.variants.iter().map(|v| v.wires.len()).sum();
            println!(
                "{}: ok ({} variants, {} connector pins wired, {} GPIO assignments)",
                path.display(),
                map.variants.len(),
                wires,
                map.gpio_assignments().len()
            );
        }
        Command::Wireviz { out } => {
            if let Err(e) = std::fs::create_dir_all(&out) {
                eprintln!(
                    "error: cannot create {}: {e}; pick a writable --out directory",
                    out.display()
                );
                return ExitCode::from(2);
            }
            for (stem, yaml) in wireviz_all(&map) {
                let file = out.join(format!("{stem}.yml"));
                if let Err(e) = std::fs::write(&file, yaml) {
                    eprintln!(
                        "error: cannot write {}: {e}; pick a writable --out directory",
                        file.display()
                    );
                    return ExitCode::from(2);
                }
                println!("{}", file.display());
            }
        }
        Command::Bom { board } => {
            if let Some(b) = &board {
                if !map.variants.iter().any(|v| &v.board == b) {
                    let mut boards: Vec<&str> =
                        map.variants.iter().map(|v| v.board.as_str()).collect();
                    boards.sort_unstable();
                    boards.dedup();
                    eprintln!(
                        "error: no board '{b}' in the pin map; boards: {}",
                        boards.join(", ")
                    );
                    return ExitCode::from(2);
                }
            }
            print!("{}", bom_markdown(&bom(&map, board.as_deref())));
        }
        Command::Consts => print!("{}", rust_consts(&map)),
    }
    ExitCode::SUCCESS
}
