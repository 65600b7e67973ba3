//! The script parser: text → [`Script`], or the first [`ScriptError`] with its location.

use std::time::Duration;

use super::check::check_script;
use super::error::{ScriptError, ScriptErrorKind as K};
use super::fault::fault_step;
use super::lexer::LineCursor;
use super::parse_args::{matcher, set_step, within};
use super::parse_header::header;
use super::parse_peer::peer_step;
use super::parse_timing::{mark_step, network_check};
use super::{Script, Section, Span, Step, StepKind};
use crate::pattern::Matcher;

/// Longest script accepted, in bytes (a bound for the fuzzer and for typos like `/dev/zero`).
pub const MAX_SCRIPT_LEN: usize = 1 << 20;

/// Parses a script. `path` is used in error messages and as the script's name; `include`
/// steps are kept as [`StepKind::Include`] (resolve them with [`super::load_script`]).
/// Variables are checked to be defined before use unless the script has includes. A UTF-8 byte
/// order mark at the very start is skipped.
///
/// # Errors
///
/// The first mistake, located at file:line:column (see [`ScriptErrorKind`](super::ScriptErrorKind)).
pub fn parse_script(path: &str, text: &str) -> Result<Script, ScriptError> {
    let script = parse_unchecked(path, text)?;
    let has_include = script
        .steps()
        .any(|s| matches!(s.kind, StepKind::Include(_)));
    if !has_include {
        check_script(&script)?;
    }
    Ok(script)
}

/// Parses without the whole-script checks (for included files, whose variables may be
/// defined by the including script).
pub(crate) fn parse_unchecked(path: &str, text: &str) -> Result<Script, ScriptError> {
    if text.len() > MAX_SCRIPT_LEN {
        return Err(ScriptError::whole_file(
            path,
            K::Io(format!("larger than {MAX_SCRIPT_LEN} bytes")),
        ));
    }
    let mut p = Parser {
        file: path,
        script: Script {
            path: path.to_owned(),
            name: script_name(path),
            title: None,
            tags: Vec::new(),
            requires_sim: false,
            prologue: true,
            default_timeout: None,
            xfail: None,
            time_limit: None,
            ignore: Vec::new(),
            setup: Vec::new(),
            test: Vec::new(),
            teardown: Vec::new(),
        },
        section: None,
        block: None,
    };
    // Windows editors (Notepad) save UTF-8 with a byte order mark; it is not part of the first
    // line. Anywhere else U+FEFF is an ordinary character, and a step cannot start with it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw_line) in text.split('\n').enumerate() {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        p.line(i + 1, line)?;
    }
    if let Some(block) = p.block.take() {
        let keyword = block.kind.keyword();
        return Err(ScriptError::new(
            path,
            block.span.line,
            block.span.column,
            keyword.len(),
            &block.source,
            K::UnclosedBlock(keyword),
        ));
    }
    Ok(p.script)
}

/// `conformance/qmtopen.bc20` → `qmtopen`.
fn script_name(path: &str) -> String {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file.split('.').next().unwrap_or(file).to_owned()
}

/// The steps written as a `{ ... }` block of matchers.
#[derive(Clone, Copy)]
enum BlockKind {
    /// `expect-set`: every matcher, in any order.
    Set,
    /// `expect-any`: one of the matchers.
    Any,
}

impl BlockKind {
    fn keyword(self) -> &'static str {
        match self {
            BlockKind::Set => "expect-set",
            BlockKind::Any => "expect-any",
        }
    }
}

struct OpenBlock {
    kind: BlockKind,
    span: Span,
    source: String,
    within: Option<Duration>,
    matchers: Vec<(Span, Matcher)>,
}

struct Parser<'f> {
    file: &'f str,
    script: Script,
    /// The current section; `None` before the first header.
    section: Option<Section>,
    block: Option<OpenBlock>,
}

impl Parser<'_> {
    fn line(&mut self, no: usize, line: &str) -> Result<(), ScriptError> {
        let mut cur = LineCursor::new(self.file, no, line);
        if let Some(at) = line
            .bytes()
            .position(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            return Err(cur.error_at(at, 1, K::ControlByte(line.as_bytes()[at])));
        }
        cur.skip_ws();
        if cur.at_end() || cur.rest().starts_with('#') {
            return Ok(());
        }
        let start = cur.pos;
        let span = Span {
            file: self.file.to_owned(),
            line: no,
            column: cur.column_of(start),
        };
        if self.block.is_some() {
            return self.block_line(&mut cur, span);
        }
        if cur.rest().trim_end() == "}" {
            return Err(cur.error(1, K::StrayBrace));
        }
        let (_, word) = cur.word();
        let section = match word {
            "setup:" => Some(Section::Setup),
            "test:" => Some(Section::Test),
            "teardown:" => Some(Section::Teardown),
            _ => None,
        };
        if let Some(s) = section {
            cur.expect_end()?;
            self.section = Some(s);
            return Ok(());
        }
        if header(&mut self.script, &mut cur, start, word)? {
            return Ok(());
        }
        let kind = match word {
            "send" => StepKind::Send(cur.rest_template("send", "a command line")?.1),
            "send-raw" => {
                let (at, text) = cur.quoted().map_err(|e| {
                    if cur.at_end() {
                        cur.error(
                            1,
                            K::MissingArgument {
                                step: "send-raw",
                                what: "a quoted string such as \"AT\\r\"",
                            },
                        )
                    } else {
                        e
                    }
                })?;
                cur.expect_end()?;
                StepKind::SendRaw(cur.template(at, &text)?)
            }
            "expect" => {
                let within = within(&mut cur)?;
                StepKind::Expect {
                    within,
                    matcher: matcher(&mut cur, "expect")?,
                }
            }
            "expect-eventually" => {
                let within = within(&mut cur)?;
                StepKind::ExpectEventually {
                    within,
                    matcher: matcher(&mut cur, "expect-eventually")?,
                }
            }
            "expect-set" | "expect-any" => {
                let kind = if word == "expect-set" {
                    BlockKind::Set
                } else {
                    BlockKind::Any
                };
                let within = within(&mut cur)?;
                if !cur.eat_word("{") {
                    return Err(cur.error(
                        1,
                        K::MissingArgument {
                            step: kind.keyword(),
                            what: "`{` at the end of the line",
                        },
                    ));
                }
                cur.expect_end()?;
                self.block = Some(OpenBlock {
                    kind,
                    span,
                    source: line.to_owned(),
                    within,
                    matchers: Vec::new(),
                });
                return Ok(());
            }
            "expect-none" => {
                let d = cur.duration("expect-none")?;
                cur.expect_end()?;
                StepKind::ExpectNone(d)
            }
            "wait" => {
                let d = cur.duration("wait")?;
                cur.expect_end()?;
                StepKind::Wait(d)
            }
            "set" | "secret" => set_step(&mut cur, word == "secret")?,
            "peer" => StepKind::Peer(peer_step(&mut cur)?),
            "fault" => StepKind::Fault(fault_step(&mut cur)?),
            "mark" => StepKind::Mark(mark_step(&mut cur)?),
            "expect-keepalive" => StepKind::Network(network_check(&mut cur, false)?),
            "expect-retransmissions" => StepKind::Network(network_check(&mut cur, true)?),
            "reset" => {
                cur.expect_end()?;
                StepKind::Reset
            }
            "note" => {
                cur.skip_ws();
                let at = cur.pos;
                StepKind::Note(cur.template(at, cur.rest().trim_end())?)
            }
            "include" => {
                let (at, w) = cur.word();
                if w.is_empty() {
                    return Err(cur.error_at(
                        at,
                        1,
                        K::MissingArgument {
                            step: "include",
                            what: "a file path",
                        },
                    ));
                }
                cur.expect_end()?;
                StepKind::Include(w.to_owned())
            }
            other => {
                return Err(cur.error_at(start, other.len(), K::UnknownStep(other.to_owned())))
            }
        };
        self.push(Step {
            span,
            source: line.to_owned(),
            kind,
        });
        Ok(())
    }

    /// Steps before the first section header are test steps, except `set` and `secret`,
    /// which run before the setup.
    fn push(&mut self, step: Step) {
        let section = self.section.unwrap_or(match step.kind {
            StepKind::Set { .. } => Section::Setup,
            _ => Section::Test,
        });
        match section {
            Section::Setup => self.script.setup.push(step),
            Section::Test => self.script.test.push(step),
            Section::Teardown => self.script.teardown.push(step),
        }
    }

    fn block_line(&mut self, cur: &mut LineCursor<'_>, span: Span) -> Result<(), ScriptError> {
        if cur.rest().trim_end() == "}" {
            let Some(block) = self.block.take() else {
                return Ok(());
            };
            if block.matchers.is_empty() {
                return Err(cur.error(1, K::EmptyBlock(block.kind.keyword())));
            }
            let (within, matchers) = (block.within, block.matchers);
            let kind = match block.kind {
                BlockKind::Set => StepKind::ExpectSet { within, matchers },
                BlockKind::Any => StepKind::ExpectAny { within, matchers },
            };
            self.push(Step {
                span: block.span,
                source: block.source,
                kind,
            });
            return Ok(());
        }
        let Some(block) = self.block.as_mut() else {
            return Ok(());
        };
        // A block opening inside a block is a forgotten `}`, not a text line to match.
        if matches!(cur.peek_word(), "expect-set" | "expect-any")
            && cur.rest().trim_end().ends_with('{')
        {
            let keyword = block.kind.keyword();
            return Err(ScriptError::new(
                self.file,
                block.span.line,
                block.span.column,
                keyword.len(),
                &block.source,
                K::UnclosedBlock(keyword),
            ));
        }
        let m = matcher(cur, block.kind.keyword())?;
        block.matchers.push((span, m));
        Ok(())
    }
}
