//! Header lines: facts about the whole script rather than steps (`title`, `tags`, `requires`,
//! `prologue`, `timeout`, `time-limit`, `xfail`, `ignore`).

use std::time::Duration;

use super::error::{ScriptError, ScriptErrorKind as K};
use super::lexer::LineCursor;
use super::parse_args::matcher;
use super::Script;

/// Reads a header line into `script` when `word` (at byte `start`, already consumed) is a
/// header keyword; `Ok(false)` when it is not.
pub(super) fn header(
    script: &mut Script,
    cur: &mut LineCursor<'_>,
    start: usize,
    word: &str,
) -> Result<bool, ScriptError> {
    match word {
        "title" => {
            once(cur, start, script.title.is_some(), "title")?;
            script.title = Some(free_text(cur, "title", "a text")?);
        }
        "xfail" => {
            once(cur, start, script.xfail.is_some(), "xfail")?;
            let reason = free_text(
                cur,
                "xfail",
                "a reason, e.g. the ticket of the known firmware defect",
            )?;
            script.xfail = Some(reason);
        }
        "tags" => tags(script, cur)?,
        "requires" => requires(script, cur)?,
        "prologue" => prologue(script, cur)?,
        "timeout" => {
            once(cur, start, script.default_timeout.is_some(), "timeout")?;
            let d = cur.duration("timeout")?;
            cur.expect_end()?;
            script.default_timeout = Some(d);
        }
        "time-limit" => {
            once(cur, start, script.time_limit.is_some(), "time-limit")?;
            script.time_limit = Some(time_limit(cur)?);
        }
        "ignore" => script.ignore.push(matcher(cur, "ignore")?),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Fails on the second of a header that may appear only once, underlining its keyword.
fn once(
    cur: &LineCursor<'_>,
    start: usize,
    given: bool,
    keyword: &'static str,
) -> Result<(), ScriptError> {
    if given {
        Err(cur.error_at(start, keyword.len(), K::Duplicate(keyword)))
    } else {
        Ok(())
    }
}

/// The rest of the line, trimmed; it must not be empty.
fn free_text(
    cur: &mut LineCursor<'_>,
    step: &'static str,
    what: &'static str,
) -> Result<String, ScriptError> {
    cur.skip_ws();
    let text = cur.rest().trim_end();
    if text.is_empty() {
        return Err(cur.error(1, K::MissingArgument { step, what }));
    }
    cur.pos = cur.text.len();
    Ok(text.to_owned())
}

/// `time-limit D`: one duration above zero (a zero limit would fail every run).
fn time_limit(cur: &mut LineCursor<'_>) -> Result<Duration, ScriptError> {
    cur.skip_ws();
    let at = cur.pos;
    let d = cur.duration("time-limit")?;
    if d.is_zero() {
        let w = &cur.text[at..cur.pos];
        return Err(cur.error_at(
            at,
            w.len(),
            K::BadOptionValue {
                key: "time-limit",
                value: w.to_owned(),
                expected: "a duration above zero",
            },
        ));
    }
    cur.expect_end()?;
    Ok(d)
}

fn tags(script: &mut Script, cur: &mut LineCursor<'_>) -> Result<(), ScriptError> {
    let mut any = false;
    loop {
        let (at, w) = cur.word();
        if w.is_empty() {
            break;
        }
        if !w
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '='))
        {
            return Err(cur.error_at(at, w.len(), K::UnknownTag(w.to_owned())));
        }
        any = true;
        if !script.tags.iter().any(|t| t == w) {
            script.tags.push(w.to_owned());
        }
    }
    if !any {
        return Err(cur.error(
            1,
            K::MissingArgument {
                step: "tags",
                what: "at least one spec clause or id",
            },
        ));
    }
    Ok(())
}

fn requires(script: &mut Script, cur: &mut LineCursor<'_>) -> Result<(), ScriptError> {
    let (at, w) = cur.word();
    match w {
        "sim" => {
            cur.expect_end()?;
            script.requires_sim = true;
            Ok(())
        }
        "" => Err(cur.error_at(
            at,
            1,
            K::MissingArgument {
                step: "requires",
                what: "`sim`",
            },
        )),
        other => Err(cur.error_at(at, other.len(), K::UnknownRequirement(other.to_owned()))),
    }
}

fn prologue(script: &mut Script, cur: &mut LineCursor<'_>) -> Result<(), ScriptError> {
    let (at, w) = cur.word();
    script.prologue = match w {
        "on" => true,
        "off" => false,
        _ => {
            return Err(cur.error_at(
                at,
                w.len(),
                K::BadOptionValue {
                    key: "prologue",
                    value: w.to_owned(),
                    expected: "`on` or `off`",
                },
            ))
        }
    };
    cur.expect_end()
}
