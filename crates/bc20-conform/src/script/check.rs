//! Whole-script checks: the script has steps; every variable is defined before it is used,
//! every mark before a timing check starts its window there.

use super::error::{ScriptError, ScriptErrorKind as K};
use super::{
    NetworkCheck, NetworkCheckKind, PayloadPattern, PeerStep, Script, StepKind, PREDEFINED_VARS,
};
use crate::template::Template;
use std::collections::BTreeSet;

/// Checks a complete script (includes resolved): it has steps, and every variable is defined
/// before it is used (setup, then test, then teardown).
pub(crate) fn check_script(script: &Script) -> Result<(), ScriptError> {
    if script.steps().next().is_none() {
        return Err(ScriptError::whole_file(&script.path, K::NoSteps));
    }
    let mut defined: BTreeSet<String> = PREDEFINED_VARS.iter().map(|s| (*s).to_owned()).collect();
    let mut marks = BTreeSet::new();
    for step in script.steps() {
        match &step.kind {
            // A second mark of the same name would silently move every later window that
            // starts there.
            StepKind::Mark(name) if !marks.insert(name.clone()) => {
                let col = step.source[step.span.column - 1..]
                    .trim_end()
                    .rfind(name.as_str())
                    .map_or(step.span.column, |i| step.span.column + i);
                return Err(ScriptError::new(
                    &step.span.file,
                    step.span.line,
                    col,
                    name.len(),
                    &step.source,
                    K::DuplicateMark(name.clone()),
                ));
            }
            StepKind::Network(NetworkCheck {
                since: Some(name), ..
            }) if !marks.contains(name) => {
                let text = format!("since={name}");
                let col = step.source[step.span.column - 1..]
                    .find(&text)
                    .map_or(step.span.column, |i| step.span.column + i);
                return Err(ScriptError::new(
                    &step.span.file,
                    step.span.line,
                    col,
                    text.len(),
                    &step.source,
                    K::UndefinedMark(name.clone()),
                ));
            }
            _ => {}
        }
        let (reads, defines) = step_vars(&step.kind);
        for v in reads {
            if !defined.contains(&v) {
                let col = step.source[step.span.column - 1..]
                    .find(&format!("${{{v}}}"))
                    .map_or(step.span.column, |i| step.span.column + i);
                return Err(ScriptError::new(
                    &step.span.file,
                    step.span.line,
                    col,
                    v.len() + 3,
                    &step.source,
                    K::UndefinedVariable(v),
                ));
            }
        }
        defined.extend(defines);
    }
    Ok(())
}

/// Variables a step reads and defines.
fn step_vars(kind: &StepKind) -> (Vec<String>, Vec<String>) {
    let t = |t: &Template| t.vars().map(str::to_owned).collect::<Vec<_>>();
    match kind {
        StepKind::Send(x) | StepKind::SendRaw(x) | StepKind::Note(x) => (t(x), vec![]),
        StepKind::Expect { matcher, .. } | StepKind::ExpectEventually { matcher, .. } => {
            (matcher.var_refs(), matcher.capture_names())
        }
        StepKind::ExpectSet { matchers, .. } => {
            let mut r = Vec::new();
            let mut d = Vec::new();
            for (_, m) in matchers {
                r.extend(m.var_refs());
                d.extend(m.capture_names());
            }
            (r, d)
        }
        // Which alternative will match is not known here: only the names every alternative
        // captures are sure to be defined afterwards.
        StepKind::ExpectAny { matchers, .. } => {
            let reads = matchers.iter().flat_map(|(_, m)| m.var_refs()).collect();
            let mut defines = matchers
                .first()
                .map(|(_, m)| m.capture_names())
                .unwrap_or_default();
            for (_, m) in matchers.iter().skip(1) {
                let names = m.capture_names();
                defines.retain(|n| names.contains(n));
            }
            (reads, defines)
        }
        StepKind::Set { name, value, .. } => (t(value), vec![name.clone()]),
        StepKind::Peer(PeerStep::Publish { topic, payload, .. }) => {
            let mut r = t(topic);
            r.extend(t(payload));
            (r, vec![])
        }
        StepKind::Peer(PeerStep::Subscribe { topic, .. })
        | StepKind::Peer(PeerStep::Unsubscribe { topic }) => (t(topic), vec![]),
        StepKind::Peer(PeerStep::Expect { topic, payload, .. }) => {
            let mut r = t(topic);
            match payload {
                PayloadPattern::Exact(p) => {
                    r.extend(t(p));
                    (r, vec![])
                }
                PayloadPattern::Capture(c) => (r, vec![c.clone()]),
                PayloadPattern::Any => (r, vec![]),
            }
        }
        StepKind::Fault(f) => (f.args.iter().flat_map(t).collect(), vec![]),
        StepKind::Network(c) => {
            let mut values = vec![&c.slot];
            values.extend(&c.tolerance);
            match &c.kind {
                NetworkCheckKind::KeepAlive { keepalive } => values.push(keepalive),
                NetworkCheckKind::Retransmissions {
                    id, retries, every, ..
                } => {
                    values.extend(id);
                    values.extend([retries, every]);
                }
            }
            (
                values.into_iter().flat_map(|v| t(&v.text)).collect(),
                vec![],
            )
        }
        _ => (vec![], vec![]),
    }
}
