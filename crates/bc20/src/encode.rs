//! `bc20 encode`: JSON objects, one per line, → the canonical wire bytes.
//!
//! Each object is a frame as `bc20 decode` prints it ([`crate::json`]): `kind` picks the type
//! (`command`/`echo` → `Command`, `response`/`final` → `Response`, `urc` → `Urc`; without
//! `kind` the type is the one that has the `form`), the rest is deserialised with serde into
//! the grammar's type and encoded with its checks. Envelope keys (`line`, `raw`, `name`,
//! `warnings`, ...) are ignored, so `bc20 decode x | bc20 encode` reproduces canonical input.
//! A line that fails is reported on stderr as `error: <input>:<line>: field "msgID": ...`
//! and the next line is processed.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use bc20_grammar::{Command, EncodeError, Line, Response, Urc};
use serde::Deserialize;
use serde_json::{Map, Value};
use thiserror::Error;

use crate::input::Input;
use crate::json::{unknown_form, ENVELOPE_KEYS, UNKNOWN_GRAMMAR_KEY, UNKNOWN_TEXT_KEY};
use crate::outcome::{report, CliError, Status, EXIT_STATUS_HELP};
use crate::output::Output;

/// Arguments of `bc20 encode`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXIT_STATUS_HELP)]
pub(crate) struct Args {
    /// JSON objects, one per line (blank lines are skipped); `-` for standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    input: PathBuf,
}

/// Runs `bc20 encode`.
pub(crate) fn run(args: &Args) -> Result<Status, CliError> {
    let input = Input::new(&args.input);
    let mut reader = BufReader::new(input.open()?);
    let mut out = Output::stdout();
    let mut failed = false;
    let (mut text, mut wire) = (Vec::new(), Vec::new());
    for number in 1u64.. {
        text.clear();
        if reader
            .read_until(b'\n', &mut text)
            .map_err(|e| input.error(e))?
            == 0
        {
            break;
        }
        wire.clear();
        match encode_line(&text, &mut wire) {
            Ok(ignored) => {
                for (key, form) in ignored {
                    let message = format!(
                        "{input}:{number}: field \"{key}\" is not a parameter of {form}; ignored"
                    );
                    report("warning", &message);
                }
                out.write_all(&wire)?;
            }
            Err(e) => {
                failed = true;
                report("error", &format_args!("{input}:{number}: {e}"));
            }
        }
    }
    out.finish()?;
    Ok(Status::from_failed(failed))
}

/// Why one input line produced no bytes.
#[derive(Debug, Error)]
enum LineError {
    /// JSON text must be UTF-8.
    #[error("not UTF-8 (JSON text is UTF-8)")]
    NotUtf8,
    /// The line is not JSON.
    #[error("invalid JSON at column {column}: {message}")]
    Json {
        /// 1-based column serde_json stopped at.
        column: usize,
        /// What serde_json expected.
        message: String,
    },
    /// The line is JSON, but not an object.
    #[error("expected a JSON object, found {0}")]
    NotObject(&'static str),
    /// A field is missing, of the wrong type, out of range or breaks a rule of the note.
    #[error("field \"{field}\": {message}")]
    Field {
        /// The field's JSON key (the note's parameter name).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// An error serde could not pin on one field.
    #[error("{0}")]
    Other(String),
}

impl LineError {
    /// A [`LineError::Field`].
    fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        LineError::Field {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A parse error, its position moved out of serde_json's message.
    fn json(e: &serde_json::Error) -> Self {
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&position).unwrap_or(&full).to_owned();
        LineError::Json {
            column: e.column(),
            message,
        }
    }
}

/// A key that was not used, and the form that has no such parameter.
type Ignored = (String, String);

/// Encodes one JSON line into `wire`; returns the keys that were ignored.
fn encode_line(text: &[u8], wire: &mut Vec<u8>) -> Result<Vec<Ignored>, LineError> {
    let text = std::str::from_utf8(text)
        .map_err(|_| LineError::NotUtf8)?
        .trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| LineError::json(&e))?;
    let Value::Object(mut obj) = value else {
        return Err(LineError::NotObject(json_type(&value)));
    };
    if obj.get("kind").and_then(Value::as_str) == Some("error") {
        return Err(LineError::field(
            "kind",
            "\"error\": the line did not decode, there is no value to encode",
        ));
    }
    let form = match obj.get("form") {
        Some(Value::String(form)) => form.clone(),
        Some(other) => {
            return Err(LineError::field(
                "form",
                format!("expected a string, found {}", json_type(other)),
            ))
        }
        None => {
            return Err(LineError::field(
                "form",
                "missing (the spec/ form id, e.g. \"qmtpub.write\")",
            ))
        }
    };
    let family = family(&obj, &form)?;
    // `decode` writes the text of an unknown URC as `text`; the grammar calls it `line`.
    let unknown_text = if form == unknown_form() {
        obj.remove(UNKNOWN_TEXT_KEY).or_else(|| {
            obj.get(UNKNOWN_GRAMMAR_KEY)
                .filter(|v| v.is_string())
                .cloned()
        })
    } else {
        None
    };
    for key in ENVELOPE_KEYS {
        obj.remove(key);
    }
    if let Some(text) = unknown_text {
        obj.insert(UNKNOWN_GRAMMAR_KEY.to_owned(), text);
    }
    let value = Value::Object(obj);
    let line = deserialize(family, &value, &form)?;
    line.encode(wire).map_err(|e| encode_error(&e, &form))?;
    Ok(ignored_keys(&value, &line, &form))
}

/// The grammar type a JSON object is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// `Command`: `kind` `command` or `echo`.
    Command,
    /// `Response`: `kind` `response` or `final`.
    Response,
    /// `Urc`: `kind` `urc`.
    Urc,
}

impl Family {
    /// The order in which a missing `kind` is inferred.
    const ALL: [Family; 3] = [Family::Command, Family::Response, Family::Urc];

    /// The family of a `kind` value.
    fn of_kind(kind: &str) -> Option<Self> {
        match kind {
            "command" | "echo" => Some(Family::Command),
            "response" | "unpaired" | "final" => Some(Family::Response),
            "urc" => Some(Family::Urc),
            _ => None,
        }
    }

    /// The `kind` that names the family in messages.
    fn name(self) -> &'static str {
        match self {
            Family::Command => "command",
            Family::Response => "response",
            Family::Urc => "urc",
        }
    }

    /// Deserialises `value` as this family's grammar type.
    fn deserialize(self, value: &Value) -> Result<Line<'static>, serde_json::Error> {
        match self {
            Family::Command => Command::deserialize(value).map(Line::Command),
            Family::Response => Response::deserialize(value).map(Line::Response),
            Family::Urc => Urc::deserialize(value).map(Line::Urc),
        }
    }

    /// Whether `form` is one of this type's forms: `{"form": form}` alone either decodes or
    /// only lacks fields (the form ids of the three types are disjoint).
    fn has_form(self, form: &str) -> bool {
        let probe = Value::Object(Map::from_iter([(
            "form".to_owned(),
            Value::String(form.to_owned()),
        )]));
        match self.deserialize(&probe) {
            Ok(_) => true,
            Err(e) => missing_field(&e).is_some(),
        }
    }
}

/// The family from `kind`, checked against `form`, or inferred from `form`.
fn family(obj: &Map<String, Value>, form: &str) -> Result<Family, LineError> {
    let family = match obj.get("kind") {
        None | Some(Value::Null) => {
            return Family::ALL
                .into_iter()
                .find(|f| f.has_form(form))
                .ok_or_else(|| LineError::field("form", format!("unknown form \"{form}\"")));
        }
        Some(Value::String(kind)) => Family::of_kind(kind).ok_or_else(|| {
            LineError::field(
                "kind",
                format!("\"{kind}\" is not one of command, echo, response, final, urc"),
            )
        })?,
        Some(other) => {
            return Err(LineError::field(
                "kind",
                format!("expected a string, found {}", json_type(other)),
            ))
        }
    };
    if family.has_form(form) {
        return Ok(family);
    }
    let hint = match Family::ALL.into_iter().find(|f| f.has_form(form)) {
        Some(other) => format!(" (it is a {} form)", other.name()),
        None => String::new(),
    };
    Err(LineError::field(
        "form",
        format!("\"{form}\" is not a {} form{hint}", family.name()),
    ))
}

/// Deserialises `value` as `family`, naming the offending field when it fails.
///
/// serde's messages for a wrong value do not say which field it was, and the grammar's types
/// are internally tagged (serde buffers them, so no path-tracking deserializer can see inside).
/// The field is found by elimination: serde checks values as it meets them and missing fields
/// only at the end, so `{"form", <one key>}` fails with something other than "missing field"
/// exactly when that key's value is bad.
fn deserialize(family: Family, value: &Value, form: &str) -> Result<Line<'static>, LineError> {
    let err = match family.deserialize(value) {
        Ok(line) => return Ok(line),
        Err(err) => err,
    };
    if let Some(field) = missing_field(&err) {
        return Err(LineError::field(
            json_key(&field, form),
            format!("missing (required by {form})"),
        ));
    }
    if let Some(obj) = value.as_object() {
        for (key, v) in obj.iter().filter(|(k, _)| *k != "form") {
            let probe = Map::from_iter([
                ("form".to_owned(), Value::String(form.to_owned())),
                (key.clone(), v.clone()),
            ]);
            if let Err(e) = family.deserialize(&Value::Object(probe)) {
                if missing_field(&e).is_none() {
                    return Err(LineError::field(json_key(key, form), explain(&e)));
                }
            }
        }
    }
    Err(LineError::Other(err.to_string()))
}

/// The field of serde's "missing field `x`" error.
fn missing_field(e: &serde_json::Error) -> Option<String> {
    let message = e.to_string();
    let rest = message.strip_prefix("missing field `")?;
    Some(rest[..rest.find('`')?].to_owned())
}

/// serde's message; the grammar's untagged enums carry an `expecting` text naming the shapes,
/// and serde_json appends a position that means nothing inside one field.
fn explain(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.find(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message,
    }
}

/// The JSON key a user writes for a grammar field name.
fn json_key<'k>(field: &'k str, form: &str) -> &'k str {
    if form == unknown_form() && field == UNKNOWN_GRAMMAR_KEY {
        UNKNOWN_TEXT_KEY
    } else {
        field
    }
}

/// Turns the grammar's encode error into a field error.
fn encode_error(e: &EncodeError, form: &str) -> LineError {
    let field = match e {
        EncodeError::OutOfRange { field, .. }
        | EncodeError::Unrepresentable { field, .. }
        | EncodeError::Length { field, .. }
        | EncodeError::Rule { field, .. }
        | EncodeError::EmptyTopic { field }
        | EncodeError::Topic { field, .. } => *field,
        EncodeError::NoTopics | EncodeError::TooManyTopics { .. } => "topics",
        // The whole line, not one field (D12, D50).
        EncodeError::LineTooLong { .. } => return LineError::Other(e.to_string()),
    };
    let message = match e {
        // The rule's own text already says which parameters it ties together.
        EncodeError::Rule { rule, .. } => (*rule).to_owned(),
        other => other.to_string(),
    };
    LineError::field(json_key(field, form), message)
}

/// Non-null keys of the input that the typed value does not have (typos, the note's
/// `will_fg`, ...): reported as warnings, since they did not reach the wire.
fn ignored_keys(input: &Value, line: &Line<'_>, form: &str) -> Vec<Ignored> {
    let (Some(input), Ok(Value::Object(used))) = (input.as_object(), serde_json::to_value(line))
    else {
        return Vec::new();
    };
    input
        .iter()
        .filter(|(k, v)| !v.is_null() && !used.contains_key(*k))
        .map(|(k, _)| (k.clone(), form.to_owned()))
        .collect()
}

/// What kind of JSON value `v` is, for messages.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
