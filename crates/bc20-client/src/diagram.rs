//! The driver's state diagram, drawn from [`TRANSITIONS`] so that it cannot drift from the
//! code. `docs/client-states.md` holds its output (`cargo run -p bc20 -- diagram >
//! docs/client-states.md`); a test fails when the committed file is stale.

use std::fmt::Write;

use crate::slot::{SlotState, TRANSITIONS};

/// The state diagram of one slot as a Markdown document with a Mermaid `stateDiagram-v2`
/// block: one edge per row of [`TRANSITIONS`], edges with the same ends merged into one label.
pub fn state_diagram_mermaid() -> String {
    let mut out = String::new();
    out.push_str("# bc20-client: slot states\n\n");
    out.push_str(
        "Generated from `bc20_client::TRANSITIONS` by `cargo run -p bc20 -- diagram > \
         docs/client-states.md`; do not edit by hand.\n\n",
    );
    out.push_str(
        "Each of the six slots (`<tcpconnectID>` 0-5) follows this diagram. A request whose \
         command has no edge from the slot's state is refused before anything is sent.\n\n",
    );
    out.push_str("```mermaid\nstateDiagram-v2\n");
    let _ = writeln!(out, "    [*] --> {}", SlotState::Closed.name());
    let mut edges: Vec<(SlotState, SlotState, Vec<&'static str>)> = Vec::new();
    for (from, trigger, to) in TRANSITIONS {
        match edges.iter_mut().find(|(f, t, _)| f == from && t == to) {
            Some((_, _, labels)) => labels.push(trigger.label()),
            None => edges.push((*from, *to, vec![trigger.label()])),
        }
    }
    for (from, to, labels) in edges {
        let _ = writeln!(
            out,
            "    {} --> {}: {}",
            from.name(),
            to.name(),
            labels.join(" / ").replace(':', "#58;")
        );
    }
    out.push_str("```\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagram_has_one_line_per_state_pair() {
        let d = state_diagram_mermaid();
        assert!(d.contains("Closed --> Opening: OK to AT+QMTOPEN"));
        assert!(d.contains("Connected --> Connected: OK to AT+QMTSUB/UNS/PUB"));
        assert!(d.contains(
            "Opening --> Closed: +QMTOPEN#58; id,-1|1|3|4|5 / timeout / +QMTSTAT#58; id,err_code"
        ));
    }
}
