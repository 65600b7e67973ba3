//! Which scripts a run takes and in which order: `-k` patterns on their names and paths, and
//! the forward, reversed or seeded-shuffle order recorded in the report ([`RunOrder`]).
//!
//! ```
//! use bc20_conform::select::Selector;
//!
//! let s = Selector::new("qmtcfg-*").unwrap();
//! assert!(Selector::new("[").is_err());
//! # let _ = s;
//! ```
//!
//! [`RunOrder`]: crate::report::RunOrder

use crate::report::OrderKind;
use crate::script::Script;

/// One `-k` pattern: a glob on the script's name or path, or a plain word anywhere in them.
#[derive(Debug, Clone)]
pub struct Selector {
    glob: Option<glob::Pattern>,
    word: String,
}

impl Selector {
    /// A glob when `p` has `*`, `?` or `[`, otherwise a word.
    ///
    /// # Errors
    ///
    /// A message naming the pattern when the glob does not parse.
    pub fn new(p: &str) -> Result<Self, String> {
        let glob = if p.contains(['*', '?', '[']) {
            Some(glob::Pattern::new(p).map_err(|e| format!("-k {p:?}: {e}"))?)
        } else {
            None
        };
        Ok(Selector {
            glob,
            word: p.to_owned(),
        })
    }

    /// Tried on the name (`qmtopen`), the file name (`qmtopen.bc20`) and the path.
    pub fn matches(&self, s: &Script) -> bool {
        let file = std::path::Path::new(&s.path)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let texts = [s.name.as_str(), file.as_str(), s.path.as_str()];
        match &self.glob {
            Some(g) => texts.iter().any(|t| g.matches(t)),
            None => texts.iter().any(|t| t.contains(&self.word)),
        }
    }
}

/// Puts the scripts in the order asked for and returns the shuffle's seed: `seed`, or one
/// picked at random (below 2^53, so that it survives JSON tools that read numbers as
/// doubles) when none is given. `None` for the forward and reverse orders.
pub fn order_scripts(scripts: &mut [Script], order: OrderKind, seed: Option<u64>) -> Option<u64> {
    match order {
        OrderKind::Forward => None,
        OrderKind::Reverse => {
            scripts.reverse();
            None
        }
        OrderKind::Shuffle => {
            let seed = seed.unwrap_or_else(|| fastrand::u64(..1 << 53));
            let mut rng = fastrand::Rng::with_seed(seed);
            rng.shuffle(scripts);
            Some(seed)
        }
    }
}
