//! Virtual time: the only clock the sans-IO core knows.
//!
//! [`SimTime`] is a point on the simulator's own time line, in milliseconds since an epoch
//! the driver chooses (usually the moment the simulator started). The core never reads a
//! system clock; drivers pass `now` into every call, so tests can run a 10 s × 3
//! retransmission scenario in microseconds and a shell can run time faster (`--time-scale`).

use std::fmt;
use std::ops::{Add, AddAssign};
use std::time::Duration;

/// A point in virtual time, in whole milliseconds since the driver's epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(u64);

impl SimTime {
    /// The epoch.
    pub const ZERO: SimTime = SimTime(0);

    /// `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms)
    }

    /// `s` seconds after the epoch.
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, saturating at the end of time.
    pub fn saturating_add(self, d: Duration) -> SimTime {
        SimTime(
            self.0
                .saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        )
    }
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, d: Duration) -> SimTime {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for SimTime {
    fn add_assign(&mut self, d: Duration) {
        *self = self.saturating_add(d);
    }
}

impl fmt::Display for SimTime {
    /// `12.345s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

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
    fn adding_durations_saturates() {
        assert_eq!(
            SimTime::from_secs(1) + Duration::from_millis(5),
            SimTime::from_millis(1005)
        );
        assert_eq!(
            SimTime::from_millis(u64::MAX) + Duration::from_secs(1),
            SimTime::from_millis(u64::MAX)
        );
        assert_eq!(
            SimTime::from_secs(1).saturating_since(SimTime::from_secs(2)),
            Duration::ZERO
        );
        assert_eq!(SimTime::from_millis(12_345).to_string(), "12.345s");
    }

    #[test]
    fn earliest_ignores_none() {
        let t = SimTime::from_secs(3);
        assert_eq!(earliest(None, Some(t)), Some(t));
        assert_eq!(earliest(Some(SimTime::ZERO), Some(t)), Some(SimTime::ZERO));
        assert_eq!(earliest(None, None), None);
    }
}
