//! `bc20 sim` through `cli::run` (the `bc20` binary only forwards to it).

use std::time::{Duration, Instant};

use bc20_sim::cli::{run, SimArgs};
use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    sim: SimArgs,
}

fn args(argv: &[&str]) -> SimArgs {
    Cli::try_parse_from(std::iter::once("sim").chain(argv.iter().copied()))
        .expect("arguments parse")
        .sim
}

fn code(c: std::process::ExitCode) -> String {
    format!("{c:?}")
}

#[test]
fn list_quirks_exits_0() {
    assert_eq!(
        code(run(args(&["--list-quirks"]))),
        code(std::process::ExitCode::from(0))
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        code(run(args(&["--stdio", "--count", "2"]))),
        code(std::process::ExitCode::from(2))
    );
    assert_eq!(
        code(run(args(&["--broker", "mqtt://"]))),
        code(std::process::ExitCode::from(2))
    );
    assert_eq!(
        code(run(args(&["--time-scale", "0", "--exit-after", "0"]))),
        code(std::process::ExitCode::from(2))
    );
    assert_eq!(
        code(run(args(&["--control", "0.0.0.0:0", "--exit-after", "0"]))),
        code(std::process::ExitCode::from(2))
    );
    assert!(Cli::try_parse_from(["sim", "--count", "0"]).is_err());
}

#[test]
fn tcp_modules_run_for_the_given_time() {
    let start = Instant::now();
    let c = run(args(&[
        "--tcp",
        "127.0.0.1:0",
        "--count",
        "2",
        "--exit-after",
        "0.3",
        "--quirk",
        "lowercase-keywords",
    ]));
    assert_eq!(code(c), code(std::process::ExitCode::from(0)));
    assert!(start.elapsed() >= Duration::from_millis(300));
}
