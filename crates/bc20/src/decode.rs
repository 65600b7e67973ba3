//! `bc20 decode`: a transcript → one JSON object per frame ([`crate::json`] has the shape).
//!
//! The input is read in 64 KiB chunks into the grammar's [`StreamDecoder`], so any size of
//! capture decodes in bounded memory. Framing is always the modem's (lines end at LF, the CRs
//! before it are dropped, spec/DECISIONS.md D3): a canonical capture interleaves `AT...\r`
//! from the host with `\r\nOK\r\n` from the module, and that framing splits both. The only
//! difference between `--from capture` and `--from modem` is what an `AT` line is called.

use std::io::{ErrorKind, Read};
use std::path::PathBuf;

use bc20_grammar::{
    Direction, Frame, FrameKind, Mode, StreamConfig, StreamDecoder, DEFAULT_MAX_LINE_LEN,
};
use clap::builder::RangedU64ValueParser;
use clap::ValueEnum;

use crate::input::Input;
use crate::json::FrameJson;
use crate::outcome::{CliError, Status, EXIT_STATUS_HELP};
use crate::output::Output;

/// Read size: the decoder copies at most one line's worth at a time, so this only sets the
/// number of read calls.
const CHUNK: usize = 64 * 1024;

/// `--help` text: the JSON shape in brief (crate::json has the details).
const LONG_ABOUT: &str = "\
Decode a transcript (modem output or a host/modem capture) into one JSON object per line.

Each frame is printed as
  {\"kind\":\"urc\",\"name\":\"+QMTRECV\",\"form\":\"urc.qmtrecv\",\"tcpconnectID\":0,\"msgID\":0,...,\"line\":34,\"raw\":\"...\"}
kind is command, echo, response, unpaired, final, urc or error (unpaired: an information response
with no command seen before it, --from modem only); the typed fields carry the note's parameter
names; \"warnings\" lists lenient deviations; raw is the line (raw_hex when it is not UTF-8).
A line that does not decode is
  {\"kind\":\"error\",\"line\":3,\"raw\":\"...\",\"error\":\"column 14: expected ...\",\"column\":14,\"code\":\"expected\"}
and decoding goes on with the next line. `bc20 encode` turns the objects back into bytes.";

/// Arguments of `bc20 decode`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXIT_STATUS_HELP, long_about = LONG_ABOUT)]
pub(crate) struct Args {
    /// Also accept what field logs contain (typographic quotes, stray blanks, lower case, bare
    /// LF, ...); each deviation is listed under "warnings".
    #[arg(long)]
    lenient: bool,
    /// Whose bytes the input holds: decides whether an `AT` line is a "command" or an "echo".
    #[arg(long, value_enum, default_value_t = Source::Capture)]
    from: Source,
    /// Longest line decoded, terminator excluded; longer lines become an "error" object.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE_LEN,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    max_line_len: usize,
    /// The transcript; `-` for standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    input: PathBuf,
}

/// What produced the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Source {
    /// A host/modem capture or a hand-written transcript: `AT` lines are "command".
    Capture,
    /// The module's output (echo on, ATE1): `AT` lines are its "echo" of the command.
    Modem,
}

/// Runs `bc20 decode`.
pub(crate) fn run(args: &Args) -> Result<Status, CliError> {
    let input = Input::new(&args.input);
    let mut reader = input.open()?;
    let mode = if args.lenient {
        Mode::Lenient
    } else {
        Mode::Strict
    };
    let mut decoder = StreamDecoder::new(StreamConfig {
        mode,
        max_line_len: args.max_line_len,
        direction: Direction::ModemToHost,
    });
    if args.from == Source::Capture {
        // Both directions are in the capture: an information response outside its command's
        // window answers no command (D13, D51).
        decoder.sees_every_command();
    }
    let mut sink = Sink {
        out: Output::stdout(),
        source: args.from,
        failed: false,
        error: None,
    };
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                // Frames decoded so far are still written (the buffer flushes on drop).
                return Err(input.error(e));
            }
        };
        decoder.feed(&chunk[..n], |frame| sink.frame(frame));
        sink.check()?;
    }
    // An unterminated last line is reported, not lost.
    decoder.finish(|frame| sink.frame(frame));
    sink.check()?;
    let failed = sink.failed;
    sink.out.finish()?;
    Ok(Status::from_failed(failed))
}

/// Writes frames as JSON lines from inside the decoder's callback, keeping the first error.
struct Sink {
    /// Standard output.
    out: Output,
    /// Decides the `kind` of `AT` lines.
    source: Source,
    /// Whether an `error` object was written (exit 1).
    failed: bool,
    /// The first write error; later frames are dropped.
    error: Option<CliError>,
}

impl Sink {
    /// Writes one frame, unless writing already failed.
    fn frame(&mut self, frame: &Frame<'_>) {
        if self.error.is_some() {
            return;
        }
        self.failed |= frame.kind == FrameKind::Error;
        let json = FrameJson {
            kind: kind_name(frame.kind, self.source),
            frame,
        };
        if let Err(e) = self.out.json_line(&json) {
            self.error = Some(e);
        }
    }

    /// The first write error, if any (the callback cannot return it).
    fn check(&mut self) -> Result<(), CliError> {
        self.error.take().map_or(Ok(()), Err)
    }
}

/// The `kind` key for a frame: an `AT` line read with modem framing is an echo, which in a
/// capture is the command itself.
fn kind_name(kind: FrameKind, source: Source) -> &'static str {
    match kind {
        FrameKind::Command => "command",
        FrameKind::Echo if source == Source::Capture => "command",
        FrameKind::Echo => "echo",
        FrameKind::Response => "response",
        FrameKind::Unpaired => "unpaired",
        FrameKind::Final => "final",
        FrameKind::Urc => "urc",
        FrameKind::Error => "error",
    }
}
