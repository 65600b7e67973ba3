//! The one point-in-time type of bc20kit: [`Instant`], whole milliseconds since an epoch the
//! driver chooses.
//!
//! It lives here, in the root of the crate graph, because both sans-IO cores take `now` as an
//! input and must agree on what it is: the simulator's `Modem` (bc20-sim, where it is
//! re-exported as `SimTime`) and the host driver's `Client` (bc20-client, re-exported as
//! `bc20_client::Instant`). bc20-client depends on bc20-sim only for its model check, so
//! bc20-grammar is the lowest crate both always depend on; a crate of its own for one type
//! would add a node to the graph for nothing. Neither core reads a system clock: drivers pass
//! `now` into every call, so tests can run a 10 s × 3 retransmission scenario in microseconds
//! and a shell can run time faster (`--time-scale`).
//!
//! ```
//! use bc20_grammar::time::Instant;
//! use std::time::Duration;
//!
//! let sent = Instant::from_secs(1);
//! let deadline = sent + Duration::from_millis(300);
//! assert_eq!(deadline.as_millis(), 1_300);
//! assert_eq!(deadline - sent, Duration::from_millis(300));
//! assert_eq!(deadline.to_string(), "1.300s");
//! ```

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

/// A point in time, in whole milliseconds since an epoch the driver chooses (boot, the start
/// of a test, the moment a simulator started), from 0 to `u64::MAX` ms.
///
/// Millisecond resolution is enough: the note's response times are 300 ms and up. Arithmetic
/// saturates instead of overflowing: adding a [`Duration`] stops at the end of time, and the
/// difference of two instants is never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(u64);

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant(0);

    /// `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Instant {
        Instant(ms)
    }

    /// `s` seconds after the epoch, saturating at the end of time.
    pub const fn from_secs(s: u64) -> Instant {
        Instant(s.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The time elapsed from `earlier` to `self`, zero if `earlier` is later.
    pub const fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// `self + d` in whole milliseconds (a fraction of a millisecond is dropped), saturating
    /// at the end of time.
    pub fn saturating_add(self, d: Duration) -> Instant {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(ms))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// [`Instant::saturating_add`].
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Instant {
    /// [`Instant::saturating_add`], in place.
    fn add_assign(&mut self, d: Duration) {
        *self = self.saturating_add(d);
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// [`Instant::saturating_since`]: zero if `earlier` is later.
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_since(earlier)
    }
}

impl fmt::Display for Instant {
    /// Seconds with milliseconds: `12.345s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_millis(5);
        assert_eq!((t + Duration::from_secs(1)).as_millis(), 1005);
        assert_eq!(Instant::ZERO - t, Duration::ZERO);
        assert_eq!(
            Instant::from_millis(u64::MAX) + Duration::MAX,
            Instant::from_millis(u64::MAX)
        );
        assert_eq!(Instant::from_secs(u64::MAX), Instant::from_millis(u64::MAX));
        assert_eq!(
            Instant::from_secs(1).saturating_since(Instant::from_secs(2)),
            Duration::ZERO
        );
        let mut u = Instant::from_secs(1);
        u += Duration::from_micros(5_999);
        assert_eq!(u, Instant::from_millis(1_005));
    }

    #[test]
    fn displays_seconds_and_milliseconds() {
        assert_eq!(Instant::from_millis(12_345).to_string(), "12.345s");
        assert_eq!(Instant::ZERO.to_string(), "0.000s");
    }
}
