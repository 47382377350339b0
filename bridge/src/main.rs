//! `retromesh`: the one front door.

mod admin;
mod cli;
mod commands;
mod config;
mod exit;
mod http_get;
mod logging;
mod settings;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, LogFormat};
use crate::config::Config;
use crate::exit::Exit;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref());
    let (config, config_error) = match config {
        Ok(config) => (config, None),
        Err(e) => (Config::default(), Some(e)),
    };
    let format = cli
        .log_format
        .unwrap_or(match config.log.format.as_deref() {
            Some("json") => LogFormat::Json,
            _ => LogFormat::Human,
        });
    logging::init(format, cli.verbose, config.log.level.as_deref());
    if let Some(e) = config_error {
        tracing::error!("{e}");
        return Exit::Usage.into();
    }
    let exit = match cli.command {
        Command::Print(args) => commands::print::execute(args, &config),
        Command::Test(args) => commands::test::execute(args, &config),
        Command::Bridge(args) => commands::bridge::execute(args, &config),
        Command::Certs(args) => commands::certs::execute(args),
        Command::Analyze(args) => commands::analyze::execute(args),
        Command::Describe(args) => commands::describe::execute(args),
        Command::Up(args) => commands::up::execute(*args),
        Command::Sample(args) => commands::sample::execute(args),
        Command::Health(args) => commands::health::execute(args, &config),
    };
    exit.into()
}
