//! Loading a script from disk, with its `include`s resolved.

use std::path::Path;

use super::check::check_script;
use super::error::{ScriptError, ScriptErrorKind};
use super::parse::parse_unchecked;
use super::{Script, Step, StepKind};

/// Deepest `include` nesting accepted (a cycle is caught by this bound).
pub const MAX_INCLUDE_DEPTH: usize = 8;

/// Reads and parses `path`, replacing each `include FILE` (relative to the including file)
/// by that file's steps, and merging its tags and `ignore` lines. Then checks that every
/// variable is defined before use.
pub fn load_script(path: &Path) -> Result<Script, ScriptError> {
    let mut script = load_one(path)?;
    let mut depth = 0;
    while script
        .steps()
        .any(|s| matches!(s.kind, StepKind::Include(_)))
    {
        depth += 1;
        if depth > MAX_INCLUDE_DEPTH {
            let step = script
                .steps()
                .find(|s| matches!(s.kind, StepKind::Include(_)))
                .cloned();
            return Err(match step {
                Some(s) => located(&s, ScriptErrorKind::IncludeDepth(MAX_INCLUDE_DEPTH)),
                None => ScriptError::whole_file(
                    &script.path,
                    ScriptErrorKind::IncludeDepth(MAX_INCLUDE_DEPTH),
                ),
            });
        }
        let mut tags = Vec::new();
        let mut ignore = Vec::new();
        let mut requires_sim = false;
        for part in [&mut script.setup, &mut script.test, &mut script.teardown] {
            let mut out = Vec::with_capacity(part.len());
            for step in part.drain(..) {
                let StepKind::Include(rel) = &step.kind else {
                    out.push(step);
                    continue;
                };
                let base = Path::new(&step.span.file)
                    .parent()
                    .unwrap_or_else(|| Path::new("."));
                let inc = load_one(&base.join(rel)).map_err(|e| {
                    if matches!(e.kind, ScriptErrorKind::Io(_)) {
                        located(&step, e.kind)
                    } else {
                        e
                    }
                })?;
                if let Some(what) = script_only(&inc) {
                    return Err(located(&step, ScriptErrorKind::NotInInclude(what)));
                }
                tags.extend(inc.tags.iter().cloned());
                ignore.extend(inc.ignore.iter().cloned());
                requires_sim |= inc.requires_sim;
                // `set`/`secret` before any section land in the setup: they stay in order,
                // at the include.
                out.extend(inc.setup);
                out.extend(inc.test);
            }
            *part = out;
        }
        for t in tags {
            if !script.tags.contains(&t) {
                script.tags.push(t);
            }
        }
        script.ignore.extend(ignore);
        // A script that includes a simulator-only fragment needs the simulator too.
        script.requires_sim |= requires_sim;
    }
    check_script(&script)?;
    Ok(script)
}

/// The first line of `inc` that only a script may have, if any.
fn script_only(inc: &Script) -> Option<&'static str> {
    if inc
        .setup
        .iter()
        .any(|s| !matches!(s.kind, StepKind::Set { .. }))
    {
        Some("setup:")
    } else if !inc.teardown.is_empty() {
        Some("teardown:")
    } else if !inc.prologue {
        Some("prologue off")
    } else if inc.default_timeout.is_some() {
        Some("timeout")
    } else if inc.time_limit.is_some() {
        Some("time-limit")
    } else if inc.xfail.is_some() {
        Some("xfail")
    } else {
        None
    }
}

fn load_one(path: &Path) -> Result<Script, ScriptError> {
    let shown = path.display().to_string();
    let text = std::fs::read(path)
        .map_err(|e| ScriptError::whole_file(&shown, ScriptErrorKind::Io(e.to_string())))?;
    let text = String::from_utf8(text).map_err(|e| {
        ScriptError::whole_file(
            &shown,
            ScriptErrorKind::Io(format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to())),
        )
    })?;
    parse_unchecked(&shown, &text)
}

fn located(step: &Step, kind: ScriptErrorKind) -> ScriptError {
    let width = step
        .source
        .trim_end()
        .len()
        .saturating_sub(step.span.column - 1);
    ScriptError::new(
        &step.span.file,
        step.span.line,
        step.span.column,
        width,
        &step.source,
        kind,
    )
}
