//! Every clause and id of spec/ is covered by a script of conformance/, every script tag names
//! something in spec/, and the result codes the note defines are covered unless listed below as
//! unreachable, with the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use bc20_conform::load_script;
use toml::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Codes no script can reach on the simulator with a standard broker, and why.
const UNREACHABLE: &[(&str, &str)] = &[
    ("qmtconn.result=1", "CONNECT is never retransmitted (D23): a timeout gives result 2"),
    (
        "qmtconn.read.response=4",
        "only while QMTDISC waits for the server to close, which is longer than QMTDISC's 300 ms (D28)",
    ),
    ("urc.qmtstat=8", "8-255 are reserved for future use (D38)"),
];

/// `final.cme_error` codes the simulator emits (D6); the rest of chapter 4's table is about
/// the SIM and the network, which no AT command of the note provokes.
const CME_REACHABLE: &[i64] = &[3, 24, 25, 50];

/// Chapters of the note that scripts may tag although spec/ has no `clause` with that value.
const EXTRA_TAGS: &[&str] = &["2", "6"];

struct Spec {
    clauses: BTreeSet<String>,
    ids: BTreeSet<String>,
    codes: BTreeSet<String>,
}

fn table_codes(doc: &Value, name: &str) -> Vec<i64> {
    doc.get("code_table")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t.get("name").and_then(Value::as_str) == Some(name))
        .flat_map(|t| {
            t.get("codes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|c| c.get("code").and_then(Value::as_integer))
        .collect()
}

fn read_spec() -> Spec {
    let spec = root().join("spec");
    let mut files: Vec<PathBuf> = std::fs::read_dir(spec.join("commands"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for f in ["final.toml", "urcs.toml", "basic.toml"] {
        files.push(spec.join(f));
    }
    let mut s = Spec {
        clauses: BTreeSet::new(),
        ids: BTreeSet::new(),
        codes: BTreeSet::new(),
    };
    let mut docs = BTreeMap::new();
    for f in &files {
        let doc: Value = toml::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        for key in ["form", "response", "urc", "final", "code_table"] {
            for item in doc.get(key).and_then(Value::as_array).into_iter().flatten() {
                if let Some(c) = item.get("clause").and_then(Value::as_str) {
                    s.clauses.insert(c.to_owned());
                }
                if key != "code_table" {
                    if let Some(id) = item.get("id").and_then(Value::as_str) {
                        s.ids.insert(id.to_owned());
                    }
                }
            }
        }
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        docs.insert(stem, doc);
    }
    let mut code = |id: &str, file: &str, table: &str| {
        let codes = table_codes(&docs[file], table);
        assert!(!codes.is_empty(), "spec/{file}: no code table `{table}`");
        for c in codes {
            s.codes.insert(format!("{id}={c}"));
        }
    };
    for cmd in [
        "qmtopen", "qmtclose", "qmtdisc", "qmtconn", "qmtsub", "qmtuns", "qmtpub",
    ] {
        code(&format!("{cmd}.result"), cmd, "result");
    }
    code("qmtconn.result.ret_code", "qmtconn", "ret_code");
    code("qmtconn.read.response", "qmtconn", "state");
    code("urc.qmtstat", "urcs", "qmtstat_err_code");
    code("final.cme_error", "final", "cme_error");
    s
}

fn script_tags() -> BTreeMap<String, Vec<String>> {
    let dir = root().join("conformance");
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "bc20") {
            let script = load_script(&p).unwrap_or_else(|e| panic!("{e}"));
            out.insert(script.name.clone(), script.tags);
        }
    }
    out
}

fn required(spec: &Spec) -> BTreeSet<String> {
    let unreachable: BTreeSet<&str> = UNREACHABLE.iter().map(|u| u.0).collect();
    let mut req: BTreeSet<String> = spec.clauses.union(&spec.ids).cloned().collect();
    for c in &spec.codes {
        if unreachable.contains(c.as_str()) {
            continue;
        }
        if let Some(n) = c.strip_prefix("final.cme_error=") {
            if !CME_REACHABLE.contains(&n.parse().unwrap()) {
                continue;
            }
        }
        req.insert(c.clone());
    }
    req
}

#[test]
fn every_spec_clause_id_and_reachable_code_is_tagged_by_a_script() {
    let spec = read_spec();
    assert!(spec.clauses.contains("3.2.4") && spec.ids.contains("qmtpub.write"));
    let tags = script_tags();
    let covered: BTreeSet<&String> = tags.values().flatten().collect();
    let missing: Vec<String> = required(&spec)
        .into_iter()
        .filter(|r| !covered.contains(r))
        .collect();
    assert!(
        missing.is_empty(),
        "no script in conformance/ tags: {}",
        missing.join(", ")
    );
}

#[test]
fn every_script_tag_names_a_clause_id_or_code_of_the_spec() {
    let spec = read_spec();
    let known: BTreeSet<String> = spec
        .clauses
        .iter()
        .chain(&spec.ids)
        .chain(&spec.codes)
        .cloned()
        .chain(EXTRA_TAGS.iter().map(|s| (*s).to_owned()))
        .collect();
    for (script, tags) in script_tags() {
        assert!(!tags.is_empty(), "{script}: no tags");
        for t in tags {
            assert!(known.contains(&t), "{script}: tag `{t}` is not in spec/");
        }
    }
}

#[test]
fn unreachable_list_names_real_codes() {
    let spec = read_spec();
    for (code, why) in UNREACHABLE {
        assert!(
            spec.codes.contains(*code),
            "{code} ({why}) is not a spec code"
        );
    }
}
