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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_script;

    fn scripts(names: &[&str]) -> Vec<Script> {
        names
            .iter()
            .map(|n| {
                parse_script(&format!("conformance/{n}.bc20"), "send AT\nexpect OK\n").unwrap()
            })
            .collect()
    }

    fn names(s: &[Script]) -> Vec<&str> {
        s.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn a_glob_matches_names_and_a_word_matches_anywhere() {
        let all = scripts(&["qmtcfg-keepalive", "qmtopen", "qmtcfg-will"]);
        let glob = Selector::new("qmtcfg-*").unwrap();
        let hits: Vec<_> = all.iter().filter(|s| glob.matches(s)).collect();
        assert_eq!(hits.len(), 2);
        let word = Selector::new("open").unwrap();
        assert!(word.matches(&all[1]) && !word.matches(&all[0]));
        assert!(Selector::new("conformance/qmtopen.bc20")
            .unwrap()
            .matches(&all[1]));
        assert!(Selector::new("[").unwrap_err().contains("-k \"[\""));
    }

    #[test]
    fn a_seeded_shuffle_is_reproducible_and_reverse_reverses() {
        let mut a = scripts(&["a", "b", "c", "d", "e", "f"]);
        let mut b = a.clone();
        assert_eq!(order_scripts(&mut a, OrderKind::Shuffle, Some(7)), Some(7));
        assert_eq!(order_scripts(&mut b, OrderKind::Shuffle, Some(7)), Some(7));
        assert_eq!(names(&a), names(&b));
        let mut r = scripts(&["a", "b", "c"]);
        assert_eq!(order_scripts(&mut r, OrderKind::Reverse, None), None);
        assert_eq!(names(&r), ["c", "b", "a"]);
        let picked = order_scripts(&mut r, OrderKind::Shuffle, None).unwrap();
        assert!(picked < 1 << 53);
    }
}
