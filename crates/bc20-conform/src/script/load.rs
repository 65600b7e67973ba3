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
                tags.extend(inc.tags.iter().cloned());
                ignore.extend(inc.ignore.iter().cloned());
                out.extend(inc.setup);
                out.extend(inc.test);
                out.extend(inc.teardown);
            }
            *part = out;
        }
        for t in tags {
            if !script.tags.contains(&t) {
                script.tags.push(t);
            }
        }
        script.ignore.extend(ignore);
    }
    check_script(&script)?;
    Ok(script)
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
