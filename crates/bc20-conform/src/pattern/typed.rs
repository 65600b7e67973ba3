//! Typed patterns: a response line with holes, checked against the bc20-grammar.
//!
//! `+QMTRECV: 0,_,"t/${uid}",$payload` matches a line that the grammar decodes as
//! `urc.qmtrecv`, field by field against the grammar's typed parameters of the line
//! ([`Line::params`]): `_` is any parameter, `$name` captures one (a quoted one without its
//! quotes), `"$name"` captures a quoted one (a string or a payload), `*` (last) any number of
//! remaining parameters, anything else is literal after `${var}` expansion and compared with
//! the parameter's wire spelling (`"a"` with a quoted `a`, `1` with the number 1). When the script is
//! parsed, the pattern is tried against the grammar with probe values in its holes; the spec ids
//! it can decode to are kept, and a line of another form never matches. Echoed commands are
//! split the same way after their `=`: `AT+QMTOPEN=0,"${broker_host}",$port`; a test command
//! `AT+QMTOPEN=?` has no fields, like the line it matches.

use std::collections::BTreeMap;

use bc20_grammar::{decode_line, Context, Line, Mode, Param};

use super::source::{max_fields_for, split_fields, split_prefix, unquote};
use crate::template::{Piece, Template};

/// One field of a typed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldPattern {
    /// `_`: any value.
    Any,
    /// `$name` (any field, captured without quotes) or `"$name"` (a quoted field).
    Capture {
        /// The capture name.
        name: String,
        /// Whether the field must be quoted.
        quoted: bool,
    },
    /// Literal text, after `${var}` expansion.
    Literal(Template),
}

/// A line pattern typed by the grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedPattern {
    /// The pattern as written.
    pub source: String,
    /// `+QMTOPEN: `, `AT+QMTOPEN=` (an echoed command), or the whole line for lines without
    /// fields (`OK`, `AT+QMTOPEN?`).
    pub prefix: String,
    /// The fields after the prefix.
    pub fields: Vec<FieldPattern>,
    /// `*` ended the pattern: any number of further fields.
    pub rest: bool,
    /// The spec ids the pattern can decode to (empty: not determined, any form).
    pub forms: Vec<&'static str>,
}

/// Why a typed pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypedError {
    /// `*` before the last field.
    StarNotLast,
    /// No probe decodes; the text says what the grammar said for the plainest probe.
    Untyped(String),
    /// A `${var}` in the name part (`${reply}`, `+${name}: 0`): the name decides which forms
    /// the pattern can match, so it must be known when the script is parsed.
    VarInName,
}

/// Probe values tried in each hole; chosen to hit every field type of the grammar.
const PROBES: &[&str] = &["0", "1", "2", "\"a\"", "3", "128", "-1", "5"];
/// Most probe lines tried per pattern (beyond that the pattern is accepted untyped): four
/// holes of any type, or a `*` after three.
const MAX_PROBES: usize = 1024;

/// Patterns already type-checked on this thread (scripts repeat their patterns a lot).
const CACHE_MAX: usize = 4096;

thread_local! {
    static FORMS: std::cell::RefCell<std::collections::HashMap<String, Result<Vec<&'static str>, TypedError>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

impl TypedPattern {
    /// Parses and type-checks a pattern: a response, URC or command (echo) line, whose fields
    /// may hold `_`, `$name`, `"$name"`, a last `*` and `${var}` references.
    ///
    /// # Errors
    ///
    /// [`TypedError`]: `*` not last, a `${var}` in the name, or no form of the grammar fits.
    pub fn parse(source: &str) -> Result<Self, TypedError> {
        let (prefix, params) = match split_prefix(source) {
            // A test command names its form whole, as the grammar's prefix does.
            (_, Some("?")) => (source, None),
            split => split,
        };
        if Template::parse(prefix).is_ok_and(|t| !t.is_literal()) {
            return Err(TypedError::VarInName);
        }
        let mut fields = Vec::new();
        let mut rest = false;
        if let Some(params) = params {
            let raw = split_fields(params, max_fields_for(prefix));
            let n = raw.len();
            for (i, f) in raw.into_iter().enumerate() {
                if f == "*" {
                    if i + 1 != n {
                        return Err(TypedError::StarNotLast);
                    }
                    rest = true;
                    continue;
                }
                fields.push(field_pattern(f));
            }
        }
        let mut pattern = TypedPattern {
            source: source.to_owned(),
            prefix: prefix.to_owned(),
            fields,
            rest,
            forms: Vec::new(),
        };
        let cached = FORMS.with(|c| c.borrow().get(source).cloned());
        let forms = match cached {
            Some(f) => f,
            None => {
                let f = pattern.probe_forms();
                FORMS.with(|c| {
                    let mut c = c.borrow_mut();
                    if c.len() >= CACHE_MAX {
                        c.clear();
                    }
                    c.insert(source.to_owned(), f.clone());
                });
                f
            }
        };
        pattern.forms = forms?;
        Ok(pattern)
    }

    /// The spec ids the grammar decodes probe instances of this pattern to.
    fn probe_forms(&self) -> Result<Vec<&'static str>, TypedError> {
        let slots: Vec<Vec<String>> = self.fields.iter().map(probe_values).collect();
        let extra: &[usize] = if self.rest { &[0, 1, 2, 3] } else { &[0] };
        let mut forms: Vec<&'static str> = Vec::new();
        let mut first_error = None;
        let mut tried = 0usize;
        for &n_extra in extra {
            let mut all = slots.clone();
            all.extend(std::iter::repeat_n(
                PROBES.iter().map(|s| (*s).to_owned()).collect(),
                n_extra,
            ));
            let mut idx = vec![0usize; all.len()];
            loop {
                tried += 1;
                if tried > MAX_PROBES {
                    return Ok(Vec::new());
                }
                let line = self.instance(&all, &idx);
                for ctx in [
                    Context::default(),
                    Context {
                        conn_read_pending: true,
                    },
                ] {
                    match decode_line(line.as_bytes(), Mode::Strict, ctx) {
                        Ok(d) => {
                            let id = d.line.spec_id();
                            if !forms.contains(&id) {
                                forms.push(id);
                            }
                        }
                        Err(e) if first_error.is_none() => {
                            first_error = Some(format!("`{line}`: {}", e.kind));
                        }
                        Err(_) => {}
                    }
                }
                if !advance(&mut idx, &all) {
                    break;
                }
            }
        }
        forms.retain(|f| *f != "unknown");
        let is_plus = self.prefix.starts_with('+');
        if is_plus {
            forms.retain(|f| *f != "text");
        }
        if forms.is_empty() {
            let why = first_error.unwrap_or_else(|| "a name outside the grammar".to_owned());
            return Err(TypedError::Untyped(why));
        }
        forms.sort_unstable();
        Ok(forms)
    }

    fn instance(&self, slots: &[Vec<String>], idx: &[usize]) -> String {
        let mut line = self.prefix.clone();
        for (i, slot) in slots.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(&slot[idx[i]]);
        }
        line
    }

    /// Matches a decoded module line; on success returns the captures.
    pub fn matches(
        &self,
        decoded: Option<&Line<'_>>,
        vars: &BTreeMap<String, String>,
    ) -> Result<Vec<(String, String)>, String> {
        let Some(line) = decoded else {
            return Err("the line does not decode in the grammar".to_owned());
        };
        let id = line.spec_id();
        if !self.forms.is_empty() && !self.forms.contains(&id) {
            return Err(format!(
                "the line is `{id}`, the pattern wants {}",
                self.forms.join(" or ")
            ));
        }
        let params = line
            .params()
            .map_err(|e| format!("the line's parameters cannot be listed: {e}"))?;
        let fields = &params.values;
        if params.prefix != self.prefix {
            return Err(format!("name `{}` is not `{}`", params.prefix, self.prefix));
        }
        if fields.len() < self.fields.len() || (!self.rest && fields.len() != self.fields.len()) {
            return Err(format!(
                "{} field(s), the pattern has {}{}",
                fields.len(),
                self.fields.len(),
                if self.rest { " or more" } else { "" }
            ));
        }
        let mut captures: Vec<(String, String)> = Vec::new();
        for (i, (pat, actual)) in self.fields.iter().zip(fields).enumerate() {
            match pat {
                FieldPattern::Any => {}
                FieldPattern::Capture { name, quoted } => {
                    if *quoted && !actual.is_quoted() {
                        return Err(format!("field {} `{actual}` is not quoted", i + 1));
                    }
                    let value = actual.text();
                    let bound = captures
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.as_str())
                        .or_else(|| vars.get(name).map(String::as_str));
                    if let Some(bound) = bound {
                        if bound != value {
                            return Err(format!(
                                "field {} is `{value}`, but ${name} is `{bound}`",
                                i + 1
                            ));
                        }
                    }
                    captures.push((name.clone(), value.into_owned()));
                }
                FieldPattern::Literal(t) => {
                    let want = t
                        .expand(vars)
                        .map_err(|v| format!("variable `{v}` is not defined"))?;
                    if !spelled(actual, &want) {
                        return Err(format!("field {} is `{actual}`, not `{want}`", i + 1));
                    }
                }
            }
        }
        Ok(captures)
    }

    /// Names this pattern captures.
    pub fn capture_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().filter_map(|f| match f {
            FieldPattern::Capture { name, .. } => Some(name.as_str()),
            _ => None,
        })
    }

    /// Variables this pattern reads.
    pub fn var_refs(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().flat_map(|f| match f {
            FieldPattern::Literal(t) => t.vars().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }
}

/// Whether a parameter's wire spelling is `want`: a quoted literal matches a quoted
/// parameter (a string or a payload) with that content, anything else an unquoted one spelled
/// so (`1883`, `READY`, `(0-5)`).
fn spelled(actual: &Param<'_>, want: &str) -> bool {
    match (actual, unquote(want)) {
        (Param::Quoted(s), Some(inner)) => s == inner,
        (Param::Bytes(b), Some(inner)) => *b == inner.as_bytes(),
        (Param::Int(n), None) => n.to_string() == want,
        (Param::Bare(s), None) => s == want,
        _ => false,
    }
}

fn field_pattern(f: &str) -> FieldPattern {
    if f == "_" {
        return FieldPattern::Any;
    }
    if let Some(name) = f.strip_prefix('$').filter(|n| crate::template::is_name(n)) {
        return FieldPattern::Capture {
            name: name.to_owned(),
            quoted: false,
        };
    }
    if let Some(name) = unquote(f)
        .and_then(|inner| inner.strip_prefix('$'))
        .filter(|n| crate::template::is_name(n))
    {
        return FieldPattern::Capture {
            name: name.to_owned(),
            quoted: true,
        };
    }
    // Template::parse never fails on text that came through the script lexer (which has
    // already checked every `${`); a literal is the safe fallback.
    FieldPattern::Literal(Template::parse(f).unwrap_or_else(|_| Template::literal(f)))
}

/// The values tried for one field when type-checking.
fn probe_values(f: &FieldPattern) -> Vec<String> {
    match f {
        FieldPattern::Any | FieldPattern::Capture { quoted: false, .. } => {
            PROBES.iter().map(|s| (*s).to_owned()).collect()
        }
        FieldPattern::Capture { quoted: true, .. } => vec!["\"a\"".to_owned()],
        FieldPattern::Literal(t) if t.is_literal() => vec![probe_template(t, "")],
        FieldPattern::Literal(t) => {
            let quoted = matches!(t.pieces.first(), Some(Piece::Text(s)) if s.starts_with('"'));
            if quoted {
                vec![probe_template(t, "a")]
            } else {
                PROBES
                    .iter()
                    .map(|p| probe_template(t, p.trim_matches('"')))
                    .collect()
            }
        }
    }
}

fn probe_template(t: &Template, value: &str) -> String {
    t.pieces
        .iter()
        .map(|p| match p {
            Piece::Text(s) => s.as_str(),
            Piece::Var(_) => value,
        })
        .collect()
}

/// Odometer over the slot indices; false when every combination was produced.
fn advance(idx: &mut [usize], slots: &[Vec<String>]) -> bool {
    for i in (0..idx.len()).rev() {
        idx[i] += 1;
        if idx[i] < slots[i].len() {
            return true;
        }
        idx[i] = 0;
    }
    false
}

#[cfg(test)]
#[path = "typed_tests.rs"]
mod tests;
