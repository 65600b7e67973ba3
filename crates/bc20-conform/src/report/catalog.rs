//! What spec/ defines, compiled in: every clause and every form, response, URC and final id,
//! so that the traceability matrix also shows what no script covers.

use std::collections::BTreeSet;

use toml::Value;

/// The spec/ files, embedded at build time.
const SPEC_FILES: &[(&str, &str)] = &[
    (
        "qmtcfg",
        include_str!("../../../../spec/commands/qmtcfg.toml"),
    ),
    (
        "qmtopen",
        include_str!("../../../../spec/commands/qmtopen.toml"),
    ),
    (
        "qmtclose",
        include_str!("../../../../spec/commands/qmtclose.toml"),
    ),
    (
        "qmtconn",
        include_str!("../../../../spec/commands/qmtconn.toml"),
    ),
    (
        "qmtdisc",
        include_str!("../../../../spec/commands/qmtdisc.toml"),
    ),
    (
        "qmtsub",
        include_str!("../../../../spec/commands/qmtsub.toml"),
    ),
    (
        "qmtuns",
        include_str!("../../../../spec/commands/qmtuns.toml"),
    ),
    (
        "qmtpub",
        include_str!("../../../../spec/commands/qmtpub.toml"),
    ),
    ("final", include_str!("../../../../spec/final.toml")),
    ("urcs", include_str!("../../../../spec/urcs.toml")),
    ("basic", include_str!("../../../../spec/basic.toml")),
];

/// Every `clause` value and every form/response/URC/final id of spec/, sorted.
pub fn spec_tags() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, text) in SPEC_FILES {
        let Ok(doc) = toml::from_str::<Value>(text) else {
            continue;
        };
        for key in ["form", "response", "urc", "final", "code_table"] {
            for item in doc.get(key).and_then(Value::as_array).into_iter().flatten() {
                if let Some(c) = item.get("clause").and_then(Value::as_str) {
                    out.insert(c.to_owned());
                }
                if let Some(id) = item.get("id").and_then(Value::as_str) {
                    out.insert(id.to_owned());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_has_clauses_and_ids() {
        let tags = spec_tags();
        for t in [
            "3.2.2",
            "5.1",
            "field-notes",
            "qmtopen.write",
            "urc.qmtstat",
            "final.ok",
        ] {
            assert!(tags.contains(t), "{t}");
        }
    }
}
