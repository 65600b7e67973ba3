//! The one fault vocabulary of bc20kit: every impairment of a BC20's network link that the
//! tools can inject, as a typed [`Fault`], with one canonical text form. [`Fault`]'s `Display`
//! writes it and its `FromStr` reads it back; a [`ParseFaultError`] says at which byte of the
//! text what went wrong. Conformance scripts write a fault step as `fault <text>`, the
//! simulator's control channel takes `<text>` as a command line, and the simulator applies
//! the typed value. The grammar of the text is in `conformance/README.md` ("Fault steps") and
//! in [`SYNTAX`].
//!
//! ```
//! use std::time::Duration;
//! use bc20_fault::{Fault, Way};
//!
//! let f: Fault = "black-hole 0 up 5s".parse()?;
//! assert_eq!(f, Fault::BlackHole { conn_id: 0, way: Way::Up, duration: Duration::from_secs(5) });
//! assert_eq!(f.to_string(), "black-hole 0 up 5s");
//! // The direction defaults to both; Display always writes it.
//! assert_eq!("black-hole 1 500ms".parse::<Fault>()?.to_string(), "black-hole 1 both 500ms");
//! let e = "drop-link 9".parse::<Fault>().unwrap_err();
//! assert_eq!((e.at, e.len), (10, 1));
//! # Ok::<(), bc20_fault::ParseFaultError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod duration;
mod error;
mod fault;
pub mod impair;
pub mod log;
pub mod packet;
mod parse;
mod way;

pub use duration::{format_duration, parse_duration};
pub use error::{ParseFaultError, ParseFaultErrorKind};
pub use fault::{CloseHow, Fault, PacketFilter, Syntax, MAX_CONN_ID, MAX_DURATION, NAMES, SYNTAX};
pub use impair::{LinkImpairments, Verdict};
pub use log::{ConnKey, Fate, LogEntry};
pub use packet::{
    has_packet_id, travels, type_by_name, type_name, with_connack_code, PacketInfo, PacketType,
    PACKET_TYPES,
};
pub use way::Way;

/// `<result>` of +QMTOPEN, the value a [`Fault::FailNextOpen`] reports.
pub use bc20_grammar::OpenResult;
