//! `bc20 diagram` prints the committed driver state diagram.

use crate::support::bc20;

#[test]
fn diagram_matches_the_committed_docs() {
    let out = bc20().arg("diagram").output().unwrap();
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/client-states.md"
    ))
    .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        committed,
        "regenerate with: cargo run -p bc20 -- diagram > docs/client-states.md"
    );
}
