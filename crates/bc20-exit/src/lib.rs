//! The exit statuses of every `bc20` command, in one table. The `bc20` binary (`decode`,
//! `encode`), bc20-sim's `cli` (`bc20 sim`) and bc20-conform's `cli` (`bc20 conform`) all exit
//! through these constants; this crate exists because bc20-sim must not depend on
//! bc20-conform, and bc20-conform uses bc20-sim only behind its `sim` feature.
//!
//! The codes follow ripgrep and cargo: 0 nothing wrong, 1 the command ran and found a problem,
//! 2 it could not do its work as asked, 128 + N after signal N (what a shell reports for a
//! process the signal killed).
//!
//! | code | `decode`, `encode` | `sim` | `conform` | `conform diff` |
//! |------|--------------------|-------|-----------|----------------|
//! | [`OK`] 0 | every line processed | stopped normally | every script passed | nothing got worse |
//! | [`FAILED`] 1 | a line failed | could not start or failed | a script failed or could not run | something got worse |
//! | [`USAGE`] 2 | usage or I/O error | bad arguments | usage or script error (nothing sent) | usage error |
//! | [`signal`] 128 + N | — | signal N with `--pty-link`/`--pid-file` | interrupted by signal N (reports written) | — |
//!
//! Each command's `--help` lists the rows that apply to it.
//!
//! ```
//! use std::process::ExitCode;
//!
//! assert_eq!(bc20_exit::signal(15), 143); // SIGTERM
//! assert_eq!(bc20_exit::signal(2), 130); // SIGINT
//! let _status: ExitCode = bc20_exit::USAGE.into();
//! ```

/// Nothing wrong: every line, script or comparison came out as it should.
pub const OK: u8 = 0;

/// The command ran and found a problem (a line failed, a script failed, the simulator could
/// not start, a diff got worse).
pub const FAILED: u8 = 1;

/// The command could not do its work as asked: bad arguments, an unreadable input, a script
/// that does not parse (clap exits 2 for its own usage errors too).
pub const USAGE: u8 = 2;

/// Added to the signal number when a command stops on a terminating signal.
pub const SIGNAL_BASE: u8 = 128;

/// The status after signal `signo`: 128 + `signo` (143 SIGTERM, 130 SIGINT, 129 SIGHUP);
/// saturates at 255 for a number that would not fit.
pub fn signal(signo: i32) -> u8 {
    u8::try_from(signo).map_or(u8::MAX, |n| SIGNAL_BASE.saturating_add(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_status_is_128_plus_the_number() {
        assert_eq!(signal(1), 129);
        assert_eq!(signal(2), 130);
        assert_eq!(signal(15), 143);
        assert_eq!(signal(1000), u8::MAX);
    }
}
