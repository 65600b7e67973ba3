//! Skip or require: what a test does when an external tool (mosquitto, node with aedes) is not
//! installed.
//!
//! `cargo test --workspace` passes on a machine with only Rust, so a missing tool skips the
//! test with a visible notice on stderr; CI installs the tools and sets the tool's `REQUIRE`
//! variable (`BC20_REQUIRE_MOSQUITTO=1`, `BC20_REQUIRE_AEDES=1`), so there a missing tool fails
//! the test instead of letting it pass by not running.

use std::ffi::OsStr;
use std::io::Write;

/// Whether a `REQUIRE` variable's value (`None` when unset) asks for the tool: set to anything
/// but empty or `0`.
pub fn is_required(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0")
}

/// `notice: TOOL is not installed: SKIPPING WHAT (WHY; ENV=1 makes this a failure)`.
pub fn notice(tool: &str, what: &str, why: &str, env: &str) -> String {
    format!(
        "notice: {tool} is not installed: SKIPPING {what} ({why}; {env}=1 makes this a failure)"
    )
}

/// For a `tool` found missing (`why`): `Err` with a message when the variable `env` requires
/// it, otherwise prints [`notice`] to stderr and returns `Ok` so the caller skips `what`.
///
/// The notice goes through the stderr handle, not `eprintln!`: the test harness captures (and
/// hides, for a passing test) what the print macros write, and a skip must be visible.
///
/// # Errors
///
/// `Err(message)` naming the tool, why it is missing and the variable, when `env` is set.
pub fn skip_unless_required(tool: &str, what: &str, why: &str, env: &str) -> Result<(), String> {
    if is_required(std::env::var_os(env).as_deref()) {
        return Err(format!(
            "{what}: {tool} is not installed ({why}) and {env} is set"
        ));
    }
    let _ = writeln!(std::io::stderr(), "{}", notice(tool, what, why, env));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_require_variable_counts_unless_empty_or_zero() {
        assert!(!is_required(None));
        assert!(!is_required(Some(OsStr::new(""))));
        assert!(!is_required(Some(OsStr::new("0"))));
        for v in ["1", "yes", "true"] {
            assert!(is_required(Some(OsStr::new(v))), "{v}");
        }
    }

    #[test]
    fn the_notice_names_the_tool_what_is_skipped_and_the_variable() {
        assert_eq!(
            notice(
                "aedes",
                "the 3.1 run",
                "node is not on PATH",
                "BC20_REQUIRE_AEDES"
            ),
            "notice: aedes is not installed: SKIPPING the 3.1 run (node is not on PATH; \
             BC20_REQUIRE_AEDES=1 makes this a failure)"
        );
    }
}
