//! `bc20`, the bc20kit command line.
//!
//! This file only parses arguments and maps outcomes to exit statuses; each subcommand is a
//! module that drives a library crate: `decode` and `encode` the `bc20-grammar` codecs,
//! `sim_cmd` the shells of `bc20-sim`, `conform_cmd` the suite runner of `bc20-conform`,
//! `proxy_cmd` the fault proxy of `bc20-proxy`;
//! `diagram` prints a library's output. Every clap type, the console and the signal handlers
//! live here; the statuses are `bc20-exit`'s one table.

/// `println!` that never panics: a closed stdout (`bc20 conform ... | head -1`) must not
/// kill a run that still has reports to write; what cannot be printed is dropped.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// `print!` that never panics (see [`outln!`]).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

/// `eprintln!` that never panics (a closed stderr, see [`outln!`]).
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

mod conform_cmd;
mod decode;
mod encode;
mod input;
mod json;
mod outcome;
mod output;
mod proxy_cmd;
mod sim_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::outcome::{CliError, EXIT_STATUS_HELP};

/// Conformance and fuzzing toolkit for the MQTT AT commands of the Quectel BC20.
#[derive(Debug, Parser)]
#[command(name = "bc20", version, after_help = EXIT_STATUS_HELP)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    cmd: Cmd,
}

/// The subcommands; each variant's arguments live in its own module.
#[derive(Debug, Subcommand)]
enum Cmd {
    /// Decode a transcript (modem output or a host/modem capture) into one JSON object per frame.
    Decode(decode::Args),
    /// Encode JSON objects (one per line, as `decode` prints them) into wire bytes.
    Encode(encode::Args),
    /// Start simulated BC20 modules on a PTY, TCP or stdio (see crates/bc20-sim/README.md).
    Sim(sim_cmd::SimArgs),
    /// Run conformance scripts against a module or the simulator and write reports
    /// (exit 0 all passed, 1 a script failed, 2 usage or script error).
    Conform(Box<conform_cmd::Args>),
    /// Run the MQTT-aware fault proxy on its own, on a host the module can reach, with a
    /// control channel for `bc20 conform --proxy-control`.
    Proxy(proxy_cmd::ProxyArgs),
    /// Print the host driver's state diagram (Mermaid, generated from its own transition
    /// table): `bc20 diagram > docs/client-states.md`.
    Diagram,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Decode(args) => decode::run(&args),
        Cmd::Encode(args) => encode::run(&args),
        // These two print their own messages and pick their own statuses.
        Cmd::Sim(args) => return sim_cmd::run(args),
        Cmd::Conform(args) => return conform_cmd::run_cmd(&args),
        Cmd::Proxy(args) => return proxy_cmd::run(&args),
        Cmd::Diagram => {
            out!("{}", bc20_client::state_diagram_mermaid());
            return ExitCode::from(bc20_exit::OK);
        }
    };
    match result {
        Ok(status) => status.exit_code(),
        // The reader went away (`bc20 decode x | head`): stop quietly, as ripgrep does.
        Err(CliError::BrokenPipe) => ExitCode::from(bc20_exit::OK),
        Err(e) => {
            outcome::report("error", &e);
            CliError::EXIT_CODE.into()
        }
    }
}
