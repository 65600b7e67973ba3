//! Script errors: what was wrong, where (file, line, column), and a caret excerpt.

use std::fmt;

use thiserror::Error;

/// What is wrong with a script. Each variant names one mistake.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScriptErrorKind {
    /// The first word of a line is not a step, directive or section.
    #[error("unknown step `{0}` (see conformance/README.md for the step list)")]
    UnknownStep(String),
    /// A step needs an argument that is missing.
    #[error("`{step}` needs {what}")]
    MissingArgument {
        /// The step keyword.
        step: &'static str,
        /// What is missing, e.g. "a duration".
        what: &'static str,
    },
    /// Text after a complete step.
    #[error("unexpected `{0}` after the step")]
    TrailingText(String),
    /// A duration such as `2s` or `500ms` was expected.
    #[error("bad duration `{0}`: write e.g. `500ms`, `2s`, `1.5s` or `2m`")]
    BadDuration(String),
    /// A peer step's topic MQTT forbids (a wildcard in a publish topic, `+`/`#` not a whole
    /// level of a filter): no broker accepts it (spec/DECISIONS.md D62).
    #[error("topic `{topic}`: {rule}")]
    BadTopic {
        /// The topic as written.
        topic: String,
        /// The MQTT rule it breaks.
        rule: bc20_grammar::mqtt_topic::TopicError,
    },
    /// A `${name}` reference is malformed.
    #[error("bad variable reference: {0}")]
    BadVariable(&'static str),
    /// A variable is used before any `set`, `secret` or capture defines it.
    #[error("variable `{0}` is used before it is defined (by `set`, `secret` or a `$capture`)")]
    UndefinedVariable(String),
    /// A name (variable, capture) has characters outside `[A-Za-z0-9_]`.
    #[error("bad name `{0}`: use letters, digits and `_`, starting with a letter or `_`")]
    BadName(String),
    /// A quoted string is not closed.
    #[error("unterminated quoted string")]
    UnterminatedString,
    /// A `\` escape that the format does not know.
    #[error("unknown escape `\\{0}` (known: \\r \\n \\t \\\\ \\\" \\xHH)")]
    BadEscape(String),
    /// The regex does not compile.
    #[error("bad regex: {0}")]
    BadRegex(String),
    /// A typed pattern that no line of the grammar can match.
    #[error("no line of the BC20 grammar fits this pattern ({0}); use `literal` or `regex` for other lines")]
    UntypedPattern(String),
    /// A typed pattern is malformed (e.g. `*` not last).
    #[error("bad pattern: {0}")]
    BadPattern(&'static str),
    /// An `expect-set` or `expect-any` block (the keyword) is not closed with `}`.
    #[error("`{0}` block is not closed with `}}`")]
    UnclosedBlock(&'static str),
    /// A `}` with no open block.
    #[error("`}}` without an open `expect-set` or `expect-any` block")]
    StrayBrace,
    /// An `expect-set` or `expect-any` block (the keyword) with no line in it.
    #[error("`{0}` block is empty")]
    EmptyBlock(&'static str),
    /// A `key=value` option that the step does not take.
    #[error("`{step}` does not take `{key}` (it takes: {known})")]
    UnknownOption {
        /// The step keyword.
        step: &'static str,
        /// The offending key.
        key: String,
        /// The keys the step takes.
        known: &'static str,
    },
    /// An option value is out of its range.
    #[error("bad value `{value}` for `{key}`: {expected}")]
    BadOptionValue {
        /// The key.
        key: &'static str,
        /// The value as written.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// A timing check's packet type that is not one the module retransmits.
    #[error(
        "`{0}` is not a packet the module retransmits (PUBLISH, SUBSCRIBE, UNSUBSCRIBE or PUBREL)"
    )]
    BadPacketType(String),
    /// A timing check's number out of its range (the note's, bc20_grammar::limits).
    #[error("{0}")]
    BadCheckValue(String),
    /// A timing check's `since=NAME` with no `mark NAME` before it.
    #[error("`since={0}`: no `mark {0}` comes before this step")]
    UndefinedMark(String),
    /// A `mark` name used twice in one script.
    #[error("mark `{0}` is already set earlier in this script; give this one another name")]
    DuplicateMark(String),
    /// A fault the runner does not know.
    #[error("unknown fault `{0}` (known: {known})", known = crate::script::FAULT_NAMES.join(", "))]
    UnknownFault(String),
    /// A fault step's arguments are wrong.
    #[error("bad fault arguments: {0}")]
    BadFault(String),
    /// `requires` with something other than `sim`.
    #[error("unknown requirement `{0}` (known: sim)")]
    UnknownRequirement(String),
    /// A tag is not a clause or id of spec/ (checked by the traceability test, not the parser).
    #[error("unknown tag `{0}`")]
    UnknownTag(String),
    /// A directive that may appear only once appears again.
    #[error("`{0}` is given twice")]
    Duplicate(&'static str),
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Io(String),
    /// An included file has a line that only a script may have (a section header, or a
    /// header other than `tags`, `ignore`, `requires sim` and `title`): it would be silently
    /// dropped or run in the wrong place.
    #[error("`{0}` in an included file is not honoured there; put it in the script itself")]
    NotInInclude(&'static str),
    /// `include` nests too deep (or includes itself).
    #[error("includes nest deeper than {0} levels (an include cycle?)")]
    IncludeDepth(usize),
    /// A script file with no step at all.
    #[error("the script has no step")]
    NoSteps,
    /// A line with a byte the format does not allow (NUL or another control byte).
    #[error("control byte 0x{0:02x} in the script (use `send-raw` with an escape)")]
    ControlByte(u8),
}

/// A script error with its location and the offending line, rendered with a caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// The file, as given.
    pub file: Box<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// Width of the underlined part, at least 1.
    pub width: u32,
    /// The text of the offending line (empty when the error is about the whole file).
    pub source_line: Box<str>,
    /// What is wrong.
    pub kind: ScriptErrorKind,
}

impl ScriptError {
    /// An error at `line`:`column` of `file`, underlining `width` characters.
    pub fn new(
        file: &str,
        line: usize,
        column: usize,
        width: usize,
        source_line: &str,
        kind: ScriptErrorKind,
    ) -> Self {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        ScriptError {
            file: file.into(),
            line: n(line),
            column: n(column.max(1)),
            width: n(width.max(1)),
            source_line: source_line.into(),
            kind,
        }
    }

    /// An error about the whole file (line 1, column 1, no excerpt).
    pub fn whole_file(file: &str, kind: ScriptErrorKind) -> Self {
        ScriptError::new(file, 1, 1, 1, "", kind)
    }
}

impl fmt::Display for ScriptError {
    /// `error: file:line:col: message`, then the line and a caret under the culprit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use annotate_snippets::{Level, Renderer, Snippet};
        // The first line stays `file:line:col: message`, which editors and CI parse.
        let title = format!("{}:{}:{}: {}", self.file, self.line, self.column, self.kind);
        if self.source_line.is_empty() {
            return write!(f, "error: {title}");
        }
        // One character per column, so the caret stays under the culprit: any blank (tab,
        // form feed, ...) as a plain blank, another control character as `·`. The renderer trims the line's
        // leading blanks and its margin arithmetic overflows when the culprit lies among
        // them (found by the conform_script fuzz target, form feeds before a step), so a
        // culprit among the leading blanks is shown as `·` too.
        let mut shown: Vec<char> = self
            .source_line
            .chars()
            .map(|c| match c {
                c if c.is_whitespace() => ' ',
                c if c.is_control() => '·',
                c => c,
            })
            .collect();
        let chars = shown.len();
        let first = (self.column as usize - 1).min(chars);
        let leading = shown.iter().take_while(|c| c.is_whitespace()).count();
        if first < leading {
            shown[first] = '·';
        }
        let shown: String = shown.into_iter().collect();
        let last = (first + self.width as usize).min(chars);
        let byte = |i: usize| shown.char_indices().nth(i).map_or(shown.len(), |(b, _)| b);
        // A culprit past the end of the line (a missing word) is marked one column after it.
        let span = if first == last {
            byte(first)..byte(first)
        } else {
            byte(first)..byte(last)
        };
        let message = Level::Error.title(&title).snippet(
            Snippet::source(&shown)
                .line_start(self.line as usize)
                .annotation(Level::Error.span(span)),
        );
        let renderer = Renderer::plain();
        let rendered = renderer.render(message).to_string();
        f.write_str(&rendered)
    }
}

impl std::error::Error for ScriptError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_with_blanks_of_any_kind_renders_without_panicking() {
        // Found by the conform_script fuzz target: form feeds before a step made the
        // snippet renderer's margin arithmetic overflow.
        let fuzzed = std::fs::read("../../fuzz/regressions/conform_script/formfeed-before-a-step")
            .expect("the fuzz regression input");
        let text = String::from_utf8_lossy(&fuzzed);
        if let Err(e) = crate::parse_script("fuzz.bc20", &text) {
            assert!(e.to_string().starts_with("error: fuzz.bc20:"));
        }
        for line in [
            "\u{c}\u{c}\u{c}  send AT+X",
            "\u{b}\r\u{85}\u{2028} send",
            "\u{3000}\u{200b} x",
        ] {
            for column in 1..=line.chars().count() + 1 {
                let e = ScriptError::new("f.bc20", 3, column, 2, line, ScriptErrorKind::NoSteps);
                assert!(
                    e.to_string().starts_with("error: f.bc20:3:"),
                    "{line:?} {column}"
                );
            }
        }
    }
}
