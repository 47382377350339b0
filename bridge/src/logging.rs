//! tracing to stderr: human-readable by default, JSON on request.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

pub fn init(format: LogFormat, verbose: u8, configured_level: Option<&str>) {
    let default = match verbose {
        0 => configured_level.unwrap_or("info"),
        1 => "debug",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_env("RETROMESH_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    // Colours only on a terminal: `docker logs` and log files get plain text. NO_COLOR wins.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.with_target(false).init(),
        LogFormat::Json => builder.json().init(),
    }
}
