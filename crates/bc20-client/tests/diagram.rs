//! docs/client-states.md must be what the code's transition table draws.

#[test]
fn committed_state_diagram_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/client-states.md");
    let generated = bc20_client::state_diagram_mermaid();
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/client-states.md is stale or missing; regenerate it with\n\n    \
         cargo run -p bc20 -- diagram > docs/client-states.md\n"
    );
}
