//! The driver's clock. Time is an input: every call that can make progress is given `now`,
//! so a test on a virtual clock is exactly as deterministic as one on a wall clock is not.

/// A point in time, in whole milliseconds since an epoch the caller chooses (boot, test
/// start): bc20-grammar's one time type, the same type as the simulator's `SimTime`.
pub use bc20_grammar::time::Instant;
