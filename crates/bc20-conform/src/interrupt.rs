//! The run's interrupt: set by the signal handler of `bc20 conform` (SIGINT, SIGTERM,
//! SIGHUP), read by every wait of the runner and of the links (a reset hook, a port being
//! reopened), so that a signal is noticed within a fraction of a second wherever the run is.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal that interrupted the run (0: none). Set by [`interrupt`]; every session stops at
/// its next wait, runs its teardown within `RunConfig::teardown_bound`, and no new script
/// starts.
static INTERRUPT: AtomicI32 = AtomicI32::new(0);

/// Asks every running session to stop because of `signal` (2 SIGINT, 15 SIGTERM). Returns the
/// signal that was already recorded, if any (a second signal).
pub fn interrupt(signal: i32) -> Option<i32> {
    match INTERRUPT.swap(signal.max(1), Ordering::SeqCst) {
        0 => None,
        earlier => Some(earlier),
    }
}

/// Forgets an earlier interrupt, so a program that embeds the runner can start a new run in
/// the same process after an interrupted one.
pub fn clear_interrupt() {
    INTERRUPT.store(0, Ordering::SeqCst);
}

/// The signal that interrupted the run, if any.
pub fn interrupted() -> Option<i32> {
    match INTERRUPT.load(Ordering::Relaxed) {
        0 => None,
        s => Some(s),
    }
}

/// The name of an interrupting signal, for messages and reports (`SIGTERM`).
pub fn signal_name(signal: i32) -> String {
    match signal {
        1 => "SIGHUP".to_owned(),
        2 => "SIGINT".to_owned(),
        15 => "SIGTERM".to_owned(),
        n => format!("signal {n}"),
    }
}
