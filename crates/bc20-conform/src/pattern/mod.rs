//! Line matchers: typed (checked against the grammar and compared with its typed parameters),
//! literal, and regex. `source.rs` splits a typed pattern as written; module lines are never
//! split here.

mod source;
mod typed;

use std::collections::BTreeMap;

use bc20_grammar::Line;
use regex::Regex;

pub use typed::{FieldPattern, TypedError, TypedPattern};

use crate::template::Template;

/// How an `expect` recognises a module line.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// `expect PATTERN`: a typed pattern.
    Typed(TypedPattern),
    /// `expect literal TEXT`: the line's bytes, exactly (after `${var}` expansion).
    Literal(Template),
    /// `expect regex RE`: the regex must match the whole line; named groups are captured.
    Regex(RegexPattern),
}

/// A regex matcher. `${var}` in it is replaced by the variable's value, regex-escaped.
#[derive(Debug, Clone)]
pub struct RegexPattern {
    /// The regex as written (anchored at both ends when compiled).
    pub source: Template,
    /// Compiled at parse time when the regex has no `${var}`.
    pub compiled: Option<Regex>,
    /// Names of its capture groups.
    pub names: Vec<String>,
}

/// Largest compiled regex accepted (keeps hostile scripts bounded).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl RegexPattern {
    /// Compiles `source` (with every `${var}` standing for `placeholder`, regex-escaped).
    pub fn build(source: &Template, vars: &BTreeMap<String, String>) -> Result<Regex, String> {
        let mut text = String::new();
        for p in &source.pieces {
            match p {
                crate::template::Piece::Text(t) => text.push_str(t),
                crate::template::Piece::Var(v) => match vars.get(v) {
                    Some(value) => text.push_str(&regex::escape(value)),
                    None => return Err(format!("variable `{v}` is not defined")),
                },
            }
        }
        regex::RegexBuilder::new(&format!("^(?:{text})$"))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| e.to_string().lines().last().unwrap_or("").trim().to_owned())
    }
}

/// Captured `(name, value)` pairs.
pub type Captures = Vec<(String, String)>;

impl Matcher {
    /// Tries the matcher on a module line (`raw` without terminator, `decoded` when the
    /// grammar accepted it). `Err` says why it does not match.
    pub fn matches(
        &self,
        raw: &[u8],
        decoded: Option<&Line<'_>>,
        vars: &BTreeMap<String, String>,
    ) -> Result<Captures, String> {
        match self {
            Matcher::Typed(p) => p.matches(decoded, vars),
            Matcher::Literal(t) => {
                let want = t
                    .expand(vars)
                    .map_err(|v| format!("variable `{v}` is not defined"))?;
                if raw == want.as_bytes() {
                    Ok(Vec::new())
                } else {
                    Err("the text differs".to_owned())
                }
            }
            Matcher::Regex(p) => {
                let built;
                let re = match &p.compiled {
                    Some(re) => re,
                    None => {
                        built = RegexPattern::build(&p.source, vars)?;
                        &built
                    }
                };
                let text = String::from_utf8_lossy(raw);
                let caps = re
                    .captures(&text)
                    .ok_or_else(|| "the regex does not match".to_owned())?;
                Ok(re
                    .capture_names()
                    .flatten()
                    .filter_map(|n| caps.name(n).map(|m| (n.to_owned(), m.as_str().to_owned())))
                    .collect())
            }
        }
    }

    /// The matcher as a script writes it.
    pub fn describe(&self) -> String {
        match self {
            Matcher::Typed(p) => p.source.clone(),
            Matcher::Literal(t) => format!("literal {}", t.source()),
            Matcher::Regex(p) => format!("regex {}", p.source.source()),
        }
    }

    /// Names the matcher can capture.
    pub fn capture_names(&self) -> Vec<String> {
        match self {
            Matcher::Typed(p) => p.capture_names().map(str::to_owned).collect(),
            Matcher::Literal(_) => Vec::new(),
            Matcher::Regex(p) => p.names.clone(),
        }
    }

    /// Variables the matcher reads.
    pub fn var_refs(&self) -> Vec<String> {
        match self {
            Matcher::Typed(p) => p.var_refs().map(str::to_owned).collect(),
            Matcher::Literal(t) | Matcher::Regex(RegexPattern { source: t, .. }) => {
                t.vars().map(str::to_owned).collect()
            }
        }
    }
}
