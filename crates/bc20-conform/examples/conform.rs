//! `cargo run -p bc20-conform --example conform -- --sim` runs the suite as `bc20 conform`
//! does (`bc20 conform diff` is `--example conform -- diff OLD NEW`).

use std::process::ExitCode;

use bc20_conform::cli::{run, run_diff, ConformArgs, DiffArgs};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "conform", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    diff: Option<Sub>,
    #[command(flatten)]
    args: ConformArgs,
}

#[derive(Subcommand)]
enum Sub {
    /// Compare two report.json files.
    Diff(DiffArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.diff {
        Some(Sub::Diff(d)) => run_diff(d),
        None => run(&cli.args),
    }
}
