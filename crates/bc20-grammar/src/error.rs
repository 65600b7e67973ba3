//! Typed errors and lenient-mode warnings. None of them allocate, so the borrowing decode
//! path stays allocation-free even when a line is bad.

use std::fmt;

use arrayvec::ArrayVec;
use serde::Serialize;
use thiserror::Error;

use crate::mqtt_topic::TopicError;

/// Why a line could not be decoded, and where (a 0-based byte column within the line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize)]
#[error("column {}: {kind}", .column + 1)]
pub struct DecodeError {
    /// 0-based byte offset within the line where the problem starts (1-based in JSON and text).
    #[serde(serialize_with = "one_based")]
    pub column: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    pub(crate) const fn new(column: usize, kind: DecodeErrorKind) -> Self {
        DecodeError { column, kind }
    }
}

/// What was wrong with a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum DecodeErrorKind {
    /// The line is empty.
    #[error("empty line")]
    Empty,
    /// A token other than the one the grammar needs here.
    #[error("expected {expected}")]
    Expected {
        /// What the grammar wanted, in words.
        expected: &'static str,
    },
    /// An `AT` line naming a command outside the grammar.
    #[error("unknown command")]
    UnknownCommand,
    /// A command the note defines, in a form it does not have (`AT+QMTCFG?`, `AT+QMTOPEN`).
    #[error("this command has no such form (spec/)")]
    NoSuchForm,
    /// A `+XXX:` line with a prefix outside the grammar.
    #[error("unknown response prefix")]
    UnknownResponse,
    /// A number outside the range the note gives for this parameter.
    #[error("{field} = {value} is out of range {min}..={max}")]
    OutOfRange {
        /// The note's parameter name.
        field: &'static str,
        /// The value on the wire.
        value: i64,
        /// Smallest legal value.
        min: i64,
        /// Largest legal value.
        max: i64,
    },
    /// A code outside the note's table for this field.
    #[error("{value} is not a valid {field}")]
    BadCode {
        /// The note's parameter name.
        field: &'static str,
        /// The value on the wire.
        value: i64,
    },
    /// A required parameter is absent.
    #[error("missing parameter {field}")]
    Missing {
        /// The note's parameter name.
        field: &'static str,
    },
    /// More parameters than the form allows.
    #[error("unexpected extra parameter")]
    Extra,
    /// A string field is not UTF-8.
    #[error("{field} is not valid UTF-8")]
    Utf8 {
        /// The note's parameter name.
        field: &'static str,
    },
    /// A string field breaks a length limit.
    #[error("{field} has {len} bytes, allowed {min}..={max}")]
    Length {
        /// The note's parameter name.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// Fewest bytes allowed.
        min: usize,
        /// Most bytes allowed.
        max: usize,
    },
    /// A rule tying parameters together is broken (spec/ `[[rule]]`).
    #[error("{rule}")]
    Rule {
        /// The rule, in words.
        rule: &'static str,
    },
    /// More topics than [`crate::MAX_TOPICS`].
    #[error("more than {max} topics")]
    TooManyTopics {
        /// The limit.
        max: usize,
    },
    /// A control byte where text belongs.
    #[error("control byte 0x{byte:02x}")]
    ControlByte {
        /// The byte.
        byte: u8,
    },
    /// The streaming decoder met a line longer than its configured limit.
    #[error("line longer than {limit} bytes")]
    LineTooLong {
        /// The configured limit.
        limit: usize,
    },
    /// The stream ended in the middle of a line.
    #[error("stream ended inside a line")]
    Truncated,
    /// Blanks or tabs before the line end (strict; spec/DECISIONS.md D9, D46).
    #[error("blank or tab before the line end (strict)")]
    TrailingBlank,
    /// `“` or `”` where a `"` is required (strict; D2).
    #[error("typographic quote where '\"' is required (strict)")]
    TypographicQuote,
    /// A string parameter without its quotes where no decision allows that (D48).
    #[error("{field} must be in '\"' quotes")]
    UnquotedString {
        /// The note's parameter name.
        field: &'static str,
    },
    /// An AT+QMTSUB or AT+QMTUNS without any topic (D29).
    #[error("no topic: at least one is required")]
    NoTopics,
    /// A topic that is the empty string (D29).
    #[error("{field} is empty")]
    EmptyTopic {
        /// The note's parameter name (`topic`, `will_topic`).
        field: &'static str,
    },
    /// An information response outside the response window of a command that admits it,
    /// where the decoder sees every command (D13, D51).
    #[error("information response outside its command's response window (D13)")]
    OutsideWindow,
    /// A topic name with a wildcard, or a topic filter whose `+`/`#` is not a whole level
    /// (MQTT 3.1.1 section 4.7; spec/DECISIONS.md D62). The column is the offending byte's.
    #[error("{field}: {rule}")]
    Topic {
        /// The note's parameter name (`topic`, `will_topic`).
        field: &'static str,
        /// The MQTT rule broken, with the byte offset inside the topic.
        rule: TopicError,
    },
    /// An AT+QMTPUB in the prompt form (five parameters, data after `>`) or the length form
    /// (a byte count for `<msg>`) of other modules: only the inline message exists (D34, D48).
    #[error(
        "the {form} form of AT+QMTPUB is not supported; the message goes inline, quoted (D34)"
    )]
    UnsupportedPromptForm {
        /// `prompt` or `length`.
        form: &'static str,
    },
}

/// Why a typed value cannot be put on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// A number outside the note's range for the field.
    #[error("{field} = {value} is out of range {min}..={max}")]
    OutOfRange {
        /// The note's parameter name.
        field: &'static str,
        /// The offending value.
        value: i64,
        /// Smallest legal value.
        min: i64,
        /// Largest legal value.
        max: i64,
    },
    /// A byte the wire form cannot carry inside this field (`"`, CR, LF, NUL).
    #[error("{field} cannot carry byte 0x{byte:02x} (at byte {at}): AT strings have no escapes")]
    Unrepresentable {
        /// The note's parameter name.
        field: &'static str,
        /// The byte.
        byte: u8,
        /// Its index in the field.
        at: usize,
    },
    /// A string breaks a length limit.
    #[error("{field} has {len} bytes, allowed {min}..={max}")]
    Length {
        /// The note's parameter name.
        field: &'static str,
        /// Its length.
        len: usize,
        /// Fewest bytes allowed.
        min: usize,
        /// Most bytes allowed.
        max: usize,
    },
    /// A rule tying parameters together is broken.
    #[error("{field}: {rule}")]
    Rule {
        /// The parameter the rule is about.
        field: &'static str,
        /// The rule, in words.
        rule: &'static str,
    },
    /// An AT+QMTSUB or AT+QMTUNS without any topic (D29).
    #[error("no topic: at least one is required")]
    NoTopics,
    /// More topics than [`crate::MAX_TOPICS`] (D29).
    #[error("more than {max} topics")]
    TooManyTopics {
        /// The limit.
        max: usize,
    },
    /// A topic that is the empty string (D29).
    #[error("{field} is empty")]
    EmptyTopic {
        /// The note's parameter name.
        field: &'static str,
    },
    /// A topic MQTT forbids where the command needs a topic name (AT+QMTPUB, the will) or a
    /// topic filter (AT+QMTSUB, AT+QMTUNS): spec/DECISIONS.md D62.
    #[error("{field}: {rule}")]
    Topic {
        /// The note's parameter name (`topic`, `will_topic`).
        field: &'static str,
        /// The MQTT rule broken, with the byte offset inside the topic.
        rule: TopicError,
    },
    /// The encoded line is longer than the line bound its peers accept (D12, D50): its length
    /// without the terminator exceeds [`crate::DEFAULT_MAX_LINE_LEN`].
    #[error("the line has {len} bytes, more than the {limit} a peer accepts (D12)")]
    LineTooLong {
        /// Bytes of the line without its terminator.
        len: usize,
        /// The bound.
        limit: usize,
    },
}

/// A deviation from the note that lenient decoding accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// 0-based byte column in the line (1-based in JSON and text, like [`DecodeError`]).
    #[serde(serialize_with = "one_based")]
    pub column: usize,
    /// What deviated.
    pub kind: WarningKind,
}

/// The kinds of deviation lenient decoding accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// `“` or `”` used as a string quote.
    TypographicQuote,
    /// A string parameter without quotes.
    UnquotedString,
    /// Spaces around a parameter or a separator.
    StraySpace,
    /// A keyword or command name not in upper case (or a QMTCFG keyword in mixed case).
    KeywordCase,
    /// No space after the `:` of an information response or URC.
    MissingSpaceAfterColon,
    /// A +QMTRECV payload that is not in quotes.
    UnquotedPayload,
    /// A +QMTRECV in the `recv/mode` length form of later firmware (outside the note).
    PayloadLengthField,
    /// A +QMTPUB command with QoS 0 and a non-zero msgID.
    Qos0NonZeroMsgId,
    /// A +QMTSUB result 0 without the granted QoS `<value>`.
    MissingGrantedQos,
    /// `+CME ERROR: <text>` (AT+CMEE=2) instead of the numeric code.
    VerboseCmeError,
    /// A number with leading zeros.
    LeadingZero,
    /// A value the note prints unquoted was quoted, or the reverse, in a query response.
    QuotingDiffers,
    /// `+QMTCONN: <id>,0` without the `<ret_code>` (D27).
    MissingRetCode,
    /// A retransmission count after `+QMTCONN` result 1, which the note does not define (D27).
    ConnRetransmissionCount,
    /// A +QMTSUB result 1 without its retransmission count `<value>` (D30).
    MissingRetransmissionCount,
    /// Values after a +QMTSUB result 2, which has none (D30); they are ignored.
    ValueAfterFailure,
    /// Blanks or tabs before the line end (D9, D46); the line is read without them.
    TrailingBlank,
    /// A module line ended by LF without CR (D3, D47).
    BareLf,
    /// An information response outside its command's response window, kept as an `Unknown`
    /// line (D13, D51).
    OutsideWindow,
}

impl WarningKind {
    /// Every kind, indexed by its discriminant (how [`Warnings`] unpacks them).
    pub const ALL: [WarningKind; 19] = [
        WarningKind::TypographicQuote,
        WarningKind::UnquotedString,
        WarningKind::StraySpace,
        WarningKind::KeywordCase,
        WarningKind::MissingSpaceAfterColon,
        WarningKind::UnquotedPayload,
        WarningKind::PayloadLengthField,
        WarningKind::Qos0NonZeroMsgId,
        WarningKind::MissingGrantedQos,
        WarningKind::VerboseCmeError,
        WarningKind::LeadingZero,
        WarningKind::QuotingDiffers,
        WarningKind::MissingRetCode,
        WarningKind::ConnRetransmissionCount,
        WarningKind::MissingRetransmissionCount,
        WarningKind::ValueAfterFailure,
        WarningKind::TrailingBlank,
        WarningKind::BareLf,
        WarningKind::OutsideWindow,
    ];
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {:?}", self.column + 1, self.kind)
    }
}

/// Most warnings one line can carry; further ones are dropped (the first ones say enough).
pub const MAX_WARNINGS: usize = 8;

/// The warnings of one decoded line, stored inline so decoding does not allocate.
///
/// Each warning is packed into a `u32` (column in the upper 24 bits, kind in the lower 8):
/// every decoded line carries this list, empty or not, and at 36 bytes it keeps a decoded
/// line under the size that the compiler copies with a few vector moves instead of a
/// `memcpy` call per frame. Columns past 2^24 - 1 (16 MiB lines) are reported as that.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings(ArrayVec<u32, MAX_WARNINGS>);

/// Largest column a packed warning can hold.
const MAX_PACKED_COLUMN: usize = (1 << 24) - 1;

impl Warnings {
    pub(crate) fn push(&mut self, column: usize, kind: WarningKind) {
        let column = column.min(MAX_PACKED_COLUMN) as u32;
        let _ = self.0.try_push(column << 8 | kind as u32);
    }

    /// Whether no deviation was seen.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The warnings in line order of discovery.
    pub fn iter(&self) -> impl Iterator<Item = Warning> + '_ {
        self.0.iter().map(|&packed| Warning {
            column: (packed >> 8) as usize,
            kind: WarningKind::ALL[(packed & 0xff) as usize],
        })
    }

    /// How many warnings were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl Serialize for Warnings {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Columns are 0-based in Rust (slice indices) and 1-based for people and JSON.
fn one_based<S: serde::Serializer>(column: &usize, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(*column as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails to compile when a kind is added, as a reminder to add it to `WarningKind::ALL`.
    fn listed(kind: WarningKind) -> bool {
        use WarningKind::*;
        match kind {
            TypographicQuote
            | UnquotedString
            | StraySpace
            | KeywordCase
            | MissingSpaceAfterColon
            | UnquotedPayload
            | PayloadLengthField
            | Qos0NonZeroMsgId
            | MissingGrantedQos
            | VerboseCmeError
            | LeadingZero
            | QuotingDiffers
            | MissingRetCode
            | ConnRetransmissionCount
            | MissingRetransmissionCount
            | ValueAfterFailure
            | TrailingBlank
            | BareLf
            | OutsideWindow => WarningKind::ALL.contains(&kind),
        }
    }

    #[test]
    fn every_warning_kind_unpacks_to_itself() {
        assert!(WarningKind::ALL.iter().all(|&k| listed(k)));
        for (i, kind) in WarningKind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, i);
            let mut w = Warnings::default();
            w.push(4095, *kind);
            w.push(usize::MAX, *kind);
            let got: Vec<_> = w.iter().map(|w| (w.column, w.kind)).collect();
            assert_eq!(got, [(4095, *kind), (MAX_PACKED_COLUMN, *kind)]);
        }
    }
}
