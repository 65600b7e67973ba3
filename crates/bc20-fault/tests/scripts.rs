//! Every literal fault step of the conformance suite is valid canonical text.

use std::path::Path;

use bc20_fault::Fault;

#[test]
fn every_fault_step_of_the_suite_parses_and_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "bc20") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let line = line.split("//").next().unwrap().trim();
            let Some(text) = line.strip_prefix("fault ") else {
                continue;
            };
            if text.contains('$') {
                continue;
            }
            let f: Fault = text
                .parse()
                .unwrap_or_else(|e| panic!("{}: `{text}`: {e}", path.display()));
            assert_eq!(f.to_string().parse::<Fault>(), Ok(f));
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} fault steps found");
}
