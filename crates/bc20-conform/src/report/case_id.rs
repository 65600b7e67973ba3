//! Unique case names for the scripts of a run, and the transcript file names derived from
//! them.
//!
//! A script's file stem is not unique (`conformance/qmtopen.bc20` and `extra/qmtopen.bc20`),
//! so JUnit test cases, HTML anchors, transcript files and the diff use a case id instead:
//! the script's path relative to the deepest directory that holds every script of the run,
//! without the extension, with `/` separators. All scripts in `conformance/` give plain
//! stems (`qmtopen`), the same ids as the `name`s of `/1` reports, so runs stay comparable.

use std::collections::HashSet;
use std::path::{Component, Path};

/// The normal components of `path` (`.` dropped, a root or drive prefix ignored, `..` kept).
pub(crate) fn components(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_owned()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect()
}

/// How many leading directory components all `paths` share.
pub(crate) fn common_dir_len(paths: &[Vec<String>]) -> usize {
    let Some((first, rest)) = paths.split_first() else {
        return 0;
    };
    let dirs = |p: &Vec<String>| p.len().saturating_sub(1);
    let mut n = dirs(first);
    for p in rest {
        n = n.min(dirs(p));
        n = first
            .iter()
            .zip(p)
            .take(n)
            .take_while(|(a, b)| a == b)
            .count();
    }
    n
}

/// The case id of every path, in the same order (see the module documentation).
///
/// The ids, and the transcript file names made from them, are unique even on a file system
/// that ignores case: a later path whose id would collide with an earlier one gets `~2`,
/// `~3`, ... appended, "earlier" meaning in sorted path order, so the ids do not depend on
/// the order the paths are given in.
pub fn case_ids<S: AsRef<str>>(paths: &[S]) -> Vec<String> {
    let parts: Vec<Vec<String>> = paths.iter().map(|p| components(p.as_ref())).collect();
    let skip = common_dir_len(&parts);
    let base: Vec<String> = parts
        .iter()
        .map(|c| {
            let mut rel: Vec<String> = c[skip.min(c.len())..].to_vec();
            if let Some(last) = rel.last_mut() {
                if let Some(stem) = Path::new(last.as_str()).file_stem() {
                    *last = stem.to_string_lossy().into_owned();
                }
            }
            rel.join("/")
        })
        .collect();
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by(|&a, &b| paths[a].as_ref().cmp(paths[b].as_ref()).then(a.cmp(&b)));
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = vec![String::new(); paths.len()];
    for i in order {
        let mut id = base[i].clone();
        let mut n = 1;
        while !taken.insert(transcript_file_name(&id).to_lowercase()) {
            n += 1;
            id = format!("{}~{n}", base[i]);
        }
        out[i] = id;
    }
    out
}

/// The transcript file name of case id `id`: the id with each `/` replaced by `__` and every
/// character other than an ASCII letter, digit, `-`, `_`, `.` or `~` replaced by `_`, plus
/// `.jsonl`. One flat folder: nothing nested to create or clean, and no `..` can leave it.
/// [`case_ids`] keeps these names unique within a run.
pub fn transcript_file_name(id: &str) -> String {
    let mut name = String::with_capacity(id.len() + 8);
    for c in id.chars() {
        match c {
            '/' => name.push_str("__"),
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~') => name.push(c),
            _ => name.push('_'),
        }
    }
    if name.is_empty() {
        name.push('_');
    }
    name.push_str(".jsonl");
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_of_one_folder_are_named_by_their_stem() {
        assert_eq!(
            case_ids(&["conformance/qmtopen.bc20", "conformance/qmtconn.bc20"]),
            ["qmtopen", "qmtconn"]
        );
        assert_eq!(case_ids(&["./conformance/qmtopen.bc20"]), ["qmtopen"]);
    }

    #[test]
    fn same_stem_in_two_folders_keeps_the_folders() {
        let ids = case_ids(&[
            "suite/conformance/qmtopen.bc20",
            "suite/extra/qmtopen.bc20",
            "suite/extra/deep/x.bc20",
        ]);
        assert_eq!(
            ids,
            ["conformance/qmtopen", "extra/qmtopen", "extra/deep/x"]
        );
        assert_eq!(transcript_file_name(&ids[1]), "extra__qmtopen.jsonl");
    }

    #[test]
    fn colliding_ids_get_a_suffix_whatever_the_order() {
        let a = case_ids(&["d/Open.bc20", "d/open.bc20", "d/open.txt"]);
        assert_eq!(a, ["Open", "open~2", "open~3"]);
        let b = case_ids(&["d/open.txt", "d/open.bc20", "d/Open.bc20"]);
        assert_eq!(b, ["open~3", "open~2", "Open"]);
        // `a/b` and `a__b` would share a transcript file.
        let c = case_ids(&["r/a/b.bc20", "r/a__b.bc20"]);
        assert_eq!(c, ["a/b", "a__b~2"]);
        let names: HashSet<String> = c.iter().map(|i| transcript_file_name(i)).collect();
        assert_eq!(names.len(), 2);
    }

    #[test]
    fn file_names_stay_in_the_transcripts_folder() {
        assert_eq!(transcript_file_name("../x y"), "..__x_y.jsonl");
        assert_eq!(transcript_file_name(""), "_.jsonl");
        assert_eq!(case_ids(&["/abs/a.bc20", "rel/b.bc20"]), ["abs/a", "rel/b"]);
    }
}
