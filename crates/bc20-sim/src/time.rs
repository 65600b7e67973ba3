//! Virtual time: the only clock the sans-IO core knows.
//!
//! [`SimTime`] is a point on the simulator's own time line, in milliseconds since an epoch
//! the driver chooses (usually the moment the simulator started). The core never reads a
//! system clock; drivers pass `now` into every call, so tests can run a 10 s × 3
//! retransmission scenario in microseconds and a shell can run time faster (`--time-scale`).

use std::time::Duration;

/// A point in virtual time, in whole milliseconds since the driver's epoch: bc20-grammar's
/// one time type ([`bc20_grammar::time::Instant`]) under the simulator's name, so that a
/// `SimTime` and the host driver's `bc20_client::Instant` are the same type.
pub use bc20_grammar::time::Instant as SimTime;

/// Whole seconds as a [`Duration`] (the note's timing parameters are in seconds).
pub(crate) const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The earliest of two optional deadlines.
pub(crate) fn earliest(a: Option<SimTime>, b: Option<SimTime>) -> Option<SimTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_ignores_none() {
        let t = SimTime::from_secs(3);
        assert_eq!(earliest(None, Some(t)), Some(t));
        assert_eq!(earliest(Some(SimTime::ZERO), Some(t)), Some(SimTime::ZERO));
        assert_eq!(earliest(None, None), None);
    }
}
