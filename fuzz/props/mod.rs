//! The properties the fuzz targets check, as plain functions of the input bytes.
//!
//! Each target in `fuzz_targets/` is a few lines calling one function here, and
//! `benches/tests/fuzz_regressions.rs` includes this module (`#[path]`) to replay
//! `fuzz/regressions/<target>/` and `fuzz/seeds/<target>/` with a plain `cargo test`, so a
//! crash stays fixed on machines without libFuzzer. A property panics (with the input
//! escaped in the message) when it does not hold; any other outcome is a pass.
//!
//! | target | property |
//! |---|---|
//! | [`decode_line`] | both decoders never panic; strict lines carry no warnings, re-encode to the same bytes and decode the same leniently; every decoded value that encodes decodes back to itself |
//! | [`stream`] | frames do not depend on how the bytes are chunked; each frame's `raw`, `offset` and `line` match the input; the buffer stays within the configured bound |
//! | [`command`] | host bytes into the simulator's modem core (`bc20_sim::Modem`): never panics, one final result code per command line |
//! | [`client_ops`] | the driver against the simulator core agrees with the reference model under arbitrary calls and faults, and keeps the serial-line invariants |
//! | [`conform_script`] | the conformance script parser never panics; its spans and errors point into the input |
//! | [`proxy`] | the fault proxy's core under arbitrary bytes from both ends, faults, closes and time: never panics, passes on no more than it received |
//! | [`roundtrip`] | generated typed values: `decode(encode(x)) == x`; `encode` accepts every value built within the spec's ranges; mutated encodings satisfy [`decode_line`]'s canonical check |
//!
//! ```
//! bc20_fuzz::decode_line(b"+QMTRECV: 0,0,\"t\",\"payload\"");
//! bc20_fuzz::stream(b"\x00\r\nOK\r\n\r\n+QMTSTAT: 0,1\r\n");
//! bc20_fuzz::roundtrip(b"any bytes at all");
//! bc20_fuzz::command(b"\x00AT+QMTOPEN=?\rAT+CSQ\r");
//! ```

mod canonical;
mod client_ops;
mod command;
mod conform_script;
mod gen;
pub mod known;
mod proxy;
mod split;

pub use canonical::decode_line;
pub use client_ops::client_ops;
pub use command::command;
pub use conform_script::conform_script;
pub use gen::roundtrip;
pub use proxy::proxy;
pub use split::stream;

/// A property: panics when `data` shows a bug.
pub type Property = fn(&[u8]);

/// Every target with its property, for replaying files.
pub const TARGETS: &[(&str, Property)] = &[
    ("decode_line", decode_line),
    ("stream", stream),
    ("roundtrip", roundtrip),
    ("command", command),
    ("client_ops", client_ops),
    ("conform_script", conform_script),
    ("proxy", proxy),
];

/// The input as an escaped string (`\r`, `\n`, `\xNN`) for failure messages.
pub fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}
