//! Open bc20-grammar issues the properties step over, so that a fuzzing run keeps looking for
//! new problems instead of stopping at a known one every second.
//!
//! Each issue has a minimal input in `fuzz/regressions/<target>/open-<id>-*`; the replay test
//! runs those with the issue enforced and expects them to fail until the grammar is fixed.
//! When one passes, delete its entry here and rename the file without `open-<id>-`.
//! `BC20_FUZZ_ENFORCE=1` enforces every issue in a fuzzing run (to check a fix).

use std::cell::Cell;
use std::sync::OnceLock;

/// An open issue: its id (file names use it) and what is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issue {
    /// `G1`, `G2`, ...
    pub id: &'static str,
    /// One line: the input class and the disagreement.
    pub summary: &'static str,
}

/// `+a:`: an unknown `+name:` line whose name has a lower-case letter is `Unknown` when
/// lenient but an error when strict, while D41 says unknown prefixes are `Unknown` in both.
pub const G1_UNKNOWN_LINE_STRICTNESS: Issue = Issue {
    id: "G1",
    summary: "strict rejects unknown +name: lines that lenient keeps as Unknown (D41: both modes)",
};

/// `+CPIN: READY"`: strict decoding takes `"` into the SIM state word, which the encoder
/// refuses (a word has no `"` or `,`).
pub const G2_CPIN_QUOTE: Issue = Issue {
    id: "G2",
    summary: "strict +CPIN: accepts '\"' in the state word; the encoder refuses it",
};

/// `+CPIN: READY ` and `+CPIN: SIM  PIN`: strict decoding trims trailing blanks and keeps
/// doubled ones (D9: strict has no stray blanks); the first re-encodes differently, the second
/// not at all.
pub const G3_CPIN_BLANKS: Issue = Issue {
    id: "G3",
    summary: "strict +CPIN: accepts trailing and doubled blanks",
};

/// `+QMTOPEN: (“`: lenient keeps typographic quotes in a test response's text, the encoder
/// writes them unchanged, and strict decoding rejects the result (D2: the encoder writes ASCII
/// quotes).
pub const G4_TEST_RESPONSE_QUOTES: Issue = Issue {
    id: "G4",
    summary: "test responses keep typographic quotes through the encoder, which strict rejects",
};

/// `AT+QMTCLOSE=-0`: strict integers accept `-0` (value 0), which re-encodes as `0` (D8: a
/// `-` only where the note has negative values; one canonical spelling).
pub const G5_MINUS_ZERO: Issue = Issue {
    id: "G5",
    summary: "strict integers accept -0",
};

/// `AT+QMTOPEN=0,"a”",1`: lenient decoding closes a string opened with `"` at a `”` inside
/// it, so a line strict accepts is an error when lenient.
pub const G6_LENIENT_CLOSING_QUOTE: Issue = Issue {
    id: "G6",
    summary: "lenient closes a \"-quoted string at a typographic quote inside it",
};

/// `Response::Cereg { n: 6, .. }` and `Response::Csq { rssi: 100, .. }` encode, but strict
/// decoding refuses the line (n 0-5, stat 0-10, rssi/ber 0-99): the encoder checks no range.
pub const G7_CEREG_CSQ_RANGES: Issue = Issue {
    id: "G7",
    summary: "the encoder writes +CEREG/+CSQ values the decoder refuses",
};

/// `+QMTRECV: 0,0,"t",""\r"`: the decoder takes `"` CR inside a payload (and, from
/// `decode_line`, even `"` LF), `Payload::check` refuses every `"` before CR or LF.
pub const G8_RECV_PAYLOAD_QUOTE_CR: Issue = Issue {
    id: "G8",
    summary: "strict +QMTRECV accepts payloads with '\"' before CR/LF that the encoder refuses",
};

/// Every issue still open. G1-G8 were fixed in bc20-grammar; their inputs now live in
/// `fuzz/regressions/` without the `open-` prefix and must keep passing.
pub const OPEN: &[Issue] = &[];

thread_local! {
    static ENFORCE: Cell<bool> = const { Cell::new(false) };
}

/// Whether a property may step over `issue` (it is open and not enforced).
pub(crate) fn tolerated(issue: Issue) -> bool {
    static FROM_ENV: OnceLock<bool> = OnceLock::new();
    let env =
        *FROM_ENV.get_or_init(|| std::env::var_os("BC20_FUZZ_ENFORCE").is_some_and(|v| v == "1"));
    !env && !ENFORCE.with(Cell::get) && OPEN.contains(&issue)
}

/// Runs `f` with every open issue enforced on this thread (for replaying `open-*` inputs).
pub fn enforced<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            ENFORCE.with(|e| e.set(self.0));
        }
    }
    let _reset = Reset(ENFORCE.with(|e| e.replace(true)));
    f()
}
