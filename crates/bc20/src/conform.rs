//! `bc20 conform`: the conformance runner of `bc20-conform`, and `bc20 conform diff`.

use std::process::ExitCode;

use bc20_conform::cli::{run, run_diff, ConformArgs, DiffArgs};
use clap::Subcommand;

/// `bc20 conform [SCRIPTS...] [OPTIONS]` or `bc20 conform diff OLD.json NEW.json`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// `diff`, or nothing to run scripts.
    #[command(subcommand)]
    diff: Option<Sub>,
    /// What to run and against which module.
    #[command(flatten)]
    args: ConformArgs,
}

/// The one nested subcommand.
#[derive(Debug, Subcommand)]
enum Sub {
    /// Compare two report.json files (two firmware releases): new failures, fixed failures,
    /// latency regressions.
    Diff(DiffArgs),
}

/// Runs the suite or the diff; the library prints its own messages and picks the status.
pub fn run_cmd(args: &Args) -> ExitCode {
    match &args.diff {
        Some(Sub::Diff(d)) => run_diff(d),
        None => run(&args.args),
    }
}
