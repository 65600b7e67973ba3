//! Step arguments: matchers, `within`, `set`/`secret`.

use std::time::Duration;

use super::error::{ScriptError, ScriptErrorKind as K};
use super::lexer::{unescape_quoted, LineCursor};
use super::StepKind;
use crate::pattern::{Matcher, RegexPattern, TypedError, TypedPattern};
use crate::template::is_name;
use regex::Regex;

/// `within D` before a matcher, if present.
pub(super) fn within(cur: &mut LineCursor<'_>) -> Result<Option<Duration>, ScriptError> {
    if cur.eat_word("within") {
        Ok(Some(cur.duration("within")?))
    } else {
        Ok(None)
    }
}

/// `PATTERN`, `literal TEXT` or `regex RE`: the rest of the line.
pub(super) fn matcher(
    cur: &mut LineCursor<'_>,
    step: &'static str,
) -> Result<Matcher, ScriptError> {
    if cur.eat_word("literal") {
        let (_, t) = cur.rest_template(step, "the literal line text")?;
        return Ok(Matcher::Literal(t));
    }
    if cur.eat_word("regex") {
        cur.skip_ws();
        let at = cur.pos;
        let text = cur.rest().trim_end();
        if text.is_empty() {
            return Err(cur.error(
                1,
                K::MissingArgument {
                    step,
                    what: "a regex",
                },
            ));
        }
        let source = cur.template(at, text)?;
        // Probe-compile with every `${var}` as a plain word, to report errors now.
        let probe_vars = source
            .vars()
            .map(|v| (v.to_owned(), "x".to_owned()))
            .collect();
        let re = RegexPattern::build(&source, &probe_vars)
            .map_err(|e| cur.error_at(at, text.len(), K::BadRegex(e)))?;
        check_regex_names(cur, at, text, &re)?;
        cur.pos = cur.text.len();
        let names = re.capture_names().flatten().map(str::to_owned).collect();
        let compiled = source.is_literal().then_some(re);
        return Ok(Matcher::Regex(RegexPattern {
            source,
            compiled,
            names,
        }));
    }
    let (at, _) = cur.rest_template(step, "a line pattern")?;
    let text = cur.text[at..].trim_end();
    match TypedPattern::parse(text) {
        Ok(p) => Ok(Matcher::Typed(p)),
        Err(TypedError::StarNotLast) => Err(cur.error_at(
            at,
            text.len(),
            K::BadPattern("`*` may only stand for the last fields"),
        )),
        Err(TypedError::Untyped(why)) => Err(cur.error_at(at, text.len(), K::UntypedPattern(why))),
        Err(TypedError::VarInName) => Err(cur.error_at(
            at,
            text.len(),
            K::BadPattern(
                "`${var}` cannot stand in the name of a typed pattern (only in its fields); \
                 use `literal` or `regex`",
            ),
        )),
    }
}

fn check_regex_names(
    cur: &LineCursor<'_>,
    at: usize,
    text: &str,
    re: &Regex,
) -> Result<(), ScriptError> {
    for n in re.capture_names().flatten() {
        if !is_name(n) {
            return Err(cur.error_at(at, text.len(), K::BadName(n.to_owned())));
        }
    }
    Ok(())
}

/// `set NAME = VALUE` / `secret NAME = VALUE`.
pub(super) fn set_step(cur: &mut LineCursor<'_>, secret: bool) -> Result<StepKind, ScriptError> {
    let step = if secret { "secret" } else { "set" };
    cur.skip_ws();
    let at = cur.pos;
    let rest = cur.rest();
    let Some(eq) = rest.find('=') else {
        return Err(cur.error(
            rest.trim_end().len(),
            K::MissingArgument {
                step,
                what: "`NAME = VALUE`",
            },
        ));
    };
    let name = rest[..eq].trim();
    if !is_name(name) {
        return Err(cur.error_at(at, eq.max(1), K::BadName(name.to_owned())));
    }
    cur.pos += eq + 1;
    cur.skip_ws();
    let value_at = cur.pos;
    let text = cur.rest().trim_end();
    let value = if text.starts_with('"') {
        let (v, used) =
            unescape_quoted(text).map_err(|(off, k)| cur.error_at(value_at + off, 2, k))?;
        if !text[used..].trim().is_empty() {
            let extra = text[used..].trim();
            return Err(cur.error_at(
                value_at + used,
                extra.len(),
                K::TrailingText(extra.to_owned()),
            ));
        }
        cur.template(value_at, &v)?
    } else {
        cur.template(value_at, text)?
    };
    cur.pos = cur.text.len();
    Ok(StepKind::Set {
        name: name.to_owned(),
        value,
        secret,
    })
}
