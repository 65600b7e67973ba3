//! The JSON form of one frame: what `bc20 decode` writes and `bc20 encode` reads.
//!
//! A decoded frame is one object, keys in this order:
//!
//! ```text
//! {"kind":"command","name":"AT+QMTPUB","form":"qmtpub.write","tcpconnectID":0,"msgID":0,
//!  "qos":0,"retain":0,"topic":"topic/pub","msg":"hello MQTT.","line":43,"raw":"AT+QMTPUB=..."}
//! ```
//!
//! - `kind`: `command`, `echo`, `response`, `final`, `urc` or `error`;
//! - `name`: the line's name as printed (`AT+QMTPUB`, `+QMTRECV`, `OK`, `+CME ERROR`);
//! - `form` and the typed fields: the grammar's serde form of `Command`, `Response` or
//!   `Urc` (`form` is the spec/ form id, fields carry the note's parameter names). One
//!   exception: the grammar's `unknown` URC keeps its whole line in a field named `line`,
//!   which would collide with the line number, so here it is `text` ([`UNKNOWN_TEXT_KEY`]);
//! - `warnings` (lenient mode, only when not empty): `[{"column":N,"kind":"typographic_quote"}]`;
//! - `line`: 1-based line number (one plus the LF bytes before the frame);
//! - `raw`: the line's bytes without its terminator, as a JSON string when they are UTF-8,
//!   otherwise `raw_hex`: lower-case hex of the bytes.
//!
//! A line that could not be decoded is
//! `{"kind":"error","line":N,"raw":"...","error":"column 14: expected ...","column":14,"code":"expected"}`
//! where `code` is the grammar's `DecodeErrorKind` in snake_case. Columns are 1-based bytes.

use bc20_grammar::{DecodeError, Frame, Line, Urc, Warnings};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// Keys of the frame object that are not part of the typed value; `encode` ignores them.
pub(crate) const ENVELOPE_KEYS: [&str; 9] = [
    "kind", "name", "warnings", "line", "raw", "raw_hex", "error", "column", "code",
];

/// The key under which the text of an `unknown` URC is written.
pub(crate) const UNKNOWN_TEXT_KEY: &str = "text";

/// The grammar's field name for the text of an `unknown` URC (the same key).
pub(crate) const UNKNOWN_GRAMMAR_KEY: &str = "text";

/// The `form` of the grammar's `unknown` URC.
pub(crate) fn unknown_form() -> &'static str {
    Urc::Unknown {
        text: std::borrow::Cow::Borrowed(""),
    }
    .spec_id()
}

/// One frame as its JSON object (see the module docs).
pub(crate) struct FrameJson<'f, 'a> {
    /// The `kind` to print (the caller maps `echo` to `command` for captures).
    pub(crate) kind: &'static str,
    /// The frame.
    pub(crate) frame: &'f Frame<'a>,
}

impl Serialize for FrameJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = Raw::new(&self.frame.raw);
        match &self.frame.decoded {
            Ok(decoded) => DecodedJson {
                kind: self.kind,
                name: decoded.line.name(),
                fields: Fields(&decoded.line),
                warnings: WarningsJson(&decoded.warnings),
                line: self.frame.line,
                raw,
            }
            .serialize(s),
            Err(error) => ErrorJson {
                kind: self.kind,
                line: self.frame.line,
                raw,
                error: error.to_string(),
                column: error.column + 1,
                code: error_code(error),
            }
            .serialize(s),
        }
    }
}

/// A decoded frame, in key order.
#[derive(Serialize)]
struct DecodedJson<'r, 'a> {
    /// `command`, `echo`, `response`, `final` or `urc`.
    kind: &'static str,
    /// The name as printed (`AT+QMTPUB`, `+QMTRECV`, `OK`).
    name: &'static str,
    /// `form` and the typed fields.
    #[serde(flatten)]
    fields: Fields<'r, 'a>,
    /// Lenient deviations; the key is left out when there are none.
    #[serde(skip_serializing_if = "WarningsJson::is_empty")]
    warnings: WarningsJson<'r>,
    /// 1-based line number.
    line: u64,
    /// `raw` or `raw_hex`.
    #[serde(flatten)]
    raw: Raw<'r>,
}

/// A frame that failed to decode, in key order.
#[derive(Serialize)]
struct ErrorJson<'r> {
    /// Always `error`.
    kind: &'static str,
    /// 1-based line number.
    line: u64,
    /// `raw` or `raw_hex`.
    #[serde(flatten)]
    raw: Raw<'r>,
    /// The grammar's message, `column N: ...`.
    error: String,
    /// 1-based byte column where the problem starts.
    column: usize,
    /// The `DecodeErrorKind` variant in snake_case, for machines.
    code: String,
}

/// The line's bytes: `raw` when they are UTF-8, `raw_hex` otherwise (never lossy).
#[derive(Serialize)]
enum Raw<'r> {
    /// The bytes are UTF-8: a JSON string (control bytes escaped by JSON).
    #[serde(rename = "raw")]
    Text(&'r str),
    /// The bytes are not UTF-8: lower-case hex.
    #[serde(rename = "raw_hex")]
    Hex(String),
}

impl<'r> Raw<'r> {
    /// The form that keeps every byte.
    fn new(bytes: &'r [u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => Raw::Text(text),
            Err(_) => Raw::Hex(hex::encode(bytes)),
        }
    }
}

/// The typed value: the grammar's serde form, but `text` for the line of an `unknown` URC.
struct Fields<'r, 'a>(&'r Line<'a>);

impl Serialize for Fields<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Line::Urc(unknown @ Urc::Unknown { text: line }) => {
                let mut st = s.serialize_struct("Unknown", 2)?;
                st.serialize_field("form", unknown.spec_id())?;
                st.serialize_field(UNKNOWN_TEXT_KEY, line)?;
                st.end()
            }
            line => line.serialize(s),
        }
    }
}

/// Lenient-mode warnings with 1-based columns, like the error messages.
struct WarningsJson<'r>(&'r Warnings);

impl WarningsJson<'_> {
    /// Whether there is nothing to print (the key is then left out).
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for WarningsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// One warning.
        #[derive(Serialize)]
        struct One<K: Serialize> {
            /// 1-based byte column.
            column: usize,
            /// The grammar's `WarningKind`, in snake_case.
            kind: K,
        }
        s.collect_seq(self.0.iter().map(|w| One {
            column: w.column + 1,
            kind: w.kind,
        }))
    }
}

/// The `DecodeErrorKind` variant in snake_case, as the grammar serialises it (its `error` tag).
fn error_code(error: &DecodeError) -> String {
    match serde_json::to_value(error.kind) {
        Ok(serde_json::Value::Object(map)) => map
            .get("error")
            .and_then(|v| v.as_str())
            .unwrap_or("unknown")
            .to_owned(),
        _ => "unknown".to_owned(),
    }
}
