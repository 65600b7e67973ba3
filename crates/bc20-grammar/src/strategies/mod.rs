//! The one generator of typed lines (feature `strategies`): every variant of [`Command`],
//! [`Response`] and [`Urc`], with the ranges of [`crate::limits`] and spec/DECISIONS.md, the
//! edges favoured, and one draw in 32 outside its range (marked: [`Gen::is_wild`]).
//!
//! It draws from an [`arbitrary::Unstructured`], so the fuzz targets steer it with the
//! fuzzer's bytes (structure-aware fuzzing), and [`command`], [`response`], [`urc`] and
//! [`line()`] wrap it as proptest strategies (bytes in, values within the spec's ranges out) for
//! the grammar's property tests and anyone else's.
//!
//! ```
//! use arbitrary::Unstructured;
//! use bc20_grammar::strategies::Gen;
//!
//! let mut u = Unstructured::new(b"any bytes at all");
//! let mut g = Gen::new(&mut u);
//! let cmd = g.command();
//! if !g.is_wild() {
//!     cmd.to_bytes().expect("a value within the spec's ranges encodes");
//! }
//! ```

use arbitrary::Unstructured;
use proptest::collection::vec;
use proptest::prelude::*;

use crate::{Command, Line, Response, Urc};

mod commands;
mod lines;

pub use lines::TEST_RESPONSES;

/// Draws typed values from the bytes of an [`Unstructured`]. When the bytes run out every
/// draw takes its lowest choice, so any input gives a value.
pub struct Gen<'u, 'a> {
    pub(crate) u: &'u mut Unstructured<'a>,
    pub(crate) wild: bool,
}

impl<'u, 'a> Gen<'u, 'a> {
    /// A generator drawing from `u`.
    pub fn new(u: &'u mut Unstructured<'a>) -> Self {
        Gen { u, wild: false }
    }

    /// Whether some draw so far left the spec's ranges or rules (a number out of range, a
    /// wildcard in a topic name, a positional parameter without the one before it, ...):
    /// the encoder may then refuse the value.
    pub fn is_wild(&self) -> bool {
        self.wild
    }

    /// A host command: every variant of [`Command`] (D11 lengths, D18 positional timeout
    /// values, D29 topic counts, D32 the QMTPUB msgID rule, D62 topic rules).
    pub fn command(&mut self) -> Command<'static> {
        commands::command(self)
    }

    /// An information response or final result code: every variant of [`Response`].
    pub fn response(&mut self) -> Response<'static> {
        lines::response(self)
    }

    /// An unsolicited line: every variant of [`Urc`] (D27 ret_code, D30 the QMTSUB value
    /// list, D35/D36 received payloads).
    pub fn urc(&mut self) -> Urc<'static> {
        lines::urc(self)
    }

    /// Any line, commands and module output alike.
    pub fn line(&mut self) -> Line<'static> {
        lines::line(self)
    }

    /// A number in `lo..=hi`, often an edge; one draw in 32 anywhere in `0..=type_max`.
    pub(crate) fn num(&mut self, (lo, hi): (i64, i64), type_max: i64) -> i64 {
        match self.u.int_in_range(0..=31u8).unwrap_or(0) {
            0 | 1 => lo,
            2 | 3 => hi,
            4..=30 => self.u.int_in_range(lo..=hi).unwrap_or(lo),
            _ => {
                let v = self.u.int_in_range(lo.min(0)..=type_max).unwrap_or(lo);
                self.wild |= !(lo..=hi).contains(&v);
                v
            }
        }
    }

    pub(crate) fn u8(&mut self, range: (i64, i64)) -> u8 {
        self.num(range, 255) as u8
    }

    pub(crate) fn u16(&mut self, range: (i64, i64)) -> u16 {
        self.num(range, 65535) as u16
    }

    pub(crate) fn flag(&mut self) -> bool {
        self.u.arbitrary().unwrap_or(false)
    }

    pub(crate) fn index(&mut self, n: usize) -> usize {
        self.u.choose_index(n).unwrap_or(0)
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// One in `n`.
    pub(crate) fn one_in(&mut self, n: u8) -> bool {
        self.u.ratio(1, n).unwrap_or(false)
    }

    /// A length in `min..=max`: mostly short, sometimes exactly an edge.
    pub(crate) fn len(&mut self, (min, max): (usize, usize)) -> usize {
        match self.u.int_in_range(0..=15u8).unwrap_or(0) {
            0..=11 => self.u.int_in_range(min..=max.min(min + 12)).unwrap_or(min),
            12 | 13 => min,
            14 => max,
            _ => self.u.int_in_range(min..=max).unwrap_or(min),
        }
    }

    /// A string of `len` bytes from `alphabet` (its first token must be one ASCII byte, used
    /// to fill up when a longer token would not fit).
    pub(crate) fn text(&mut self, len: (usize, usize), alphabet: &[&str]) -> String {
        let n = self.len(len);
        let mut s = String::with_capacity(n);
        while s.len() < n {
            let token = self.pick(alphabet);
            s.push_str(if s.len() + token.len() <= n {
                token
            } else {
                alphabet[0]
            });
        }
        s
    }
}

/// A proptest strategy of the values `draw` makes from 64-1023 random bytes, keeping only
/// those within the spec's ranges (not [`Gen::is_wild`]). Shrinking shrinks the bytes.
fn within_spec<T: std::fmt::Debug>(draw: fn(&mut Gen<'_, '_>) -> T) -> impl Strategy<Value = T> {
    vec(any::<u8>(), 64..1024).prop_filter_map("outside the spec's ranges", move |bytes| {
        let mut u = Unstructured::new(&bytes);
        let mut g = Gen::new(&mut u);
        let value = draw(&mut g);
        (!g.wild).then_some(value)
    })
}

/// Host commands within the spec's ranges: every variant of [`Command`] (see [`Gen::command`]).
pub fn command() -> impl Strategy<Value = Command<'static>> {
    within_spec(|g| g.command())
}

/// Information responses and final result codes within the spec's ranges (see
/// [`Gen::response`]), and the note's own test responses ([`TEST_RESPONSES`]).
pub fn response() -> impl Strategy<Value = Response<'static>> {
    prop_oneof![
        15 => within_spec(|g| g.response()),
        1 => proptest::sample::select(TEST_RESPONSES).prop_map(|(command, params)| {
            Response::Test {
                command,
                params: params.into(),
            }
        }),
    ]
}

/// Unsolicited lines within the spec's ranges (see [`Gen::urc`]).
pub fn urc() -> impl Strategy<Value = Urc<'static>> {
    within_spec(|g| g.urc())
}

/// Any line within the spec's ranges (see [`Gen::line`]). The draw order of [`Gen`] is the
/// one the fuzz corpus and `fuzz/regressions/roundtrip/` were recorded with: keep it.
pub fn line() -> impl Strategy<Value = Line<'static>> {
    within_spec(|g| g.line())
}

/// Quotable text of `min..=max` bytes: anything but `"` and control bytes (D10), non-ASCII
/// and typographic quotes included.
pub fn quoted_text(min: usize, max: usize) -> impl Strategy<Value = String> {
    vec(any::<u8>(), 16..256).prop_map(move |bytes| {
        let mut u = Unstructured::new(&bytes);
        Gen::new(&mut u).text((min, max), lines::QUOTED)
    })
}
