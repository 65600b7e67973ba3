//! Conformance testing for the MQTT AT commands of the Quectel BC20.
//!
//! A conformance script (`conformance/*.bc20`, format in `conformance/README.md`) is parsed
//! by [`parse_script`] into a [`Script`]; the runner replays it over a [`link::ModuleLink`]
//! (a serial port; or the simulator in-process on virtual time, deterministic, either on a
//! real broker with a clock that stands still while the broker answers, [`testbed::SimBed`],
//! or with its virtual broker, [`testbed::VirtualBed`]) with a broker-side
//! MQTT peer, matching every
//! module line with a [`pattern::Matcher`] typed by `bc20-grammar`, timing every command
//! against the note's maximum response time, and writing the transcript as it happens. The
//! reports ([`report`]) are JUnit XML, JSON and one self-contained HTML file;
//! [`diff`] compares two JSON reports. The `bc20 conform` command (its arguments, console
//! and signal handling) is the `bc20` binary's front to [`suite::run_suite`]; it sets the
//! [`interrupt`] flag this crate's runner watches.
//!
//! ```
//! use bc20_conform::parse_script;
//!
//! let script = parse_script("open.bc20", "\
//! tags 3.2.2 qmtopen.write
//! send AT+QMTOPEN=0,\"${broker_host}\",${broker_port}
//! expect OK
//! expect +QMTOPEN: 0,$result
//! ").unwrap();
//! assert_eq!(script.name, "open");
//! assert_eq!(script.test.len(), 3);
//!
//! let err = parse_script("bad.bc20", "expect +QMTOPEN: 0,0,0,0,0\n").unwrap_err();
//! assert_eq!((err.line, err.column), (1, 8));
//! ```

#![deny(missing_docs)]

pub mod pattern;
pub mod script;

pub use script::{load_script, parse_script, Script, ScriptError, ScriptErrorKind};
pub mod diff;
pub mod interrupt;
pub mod link;
pub mod mask;
pub mod peer;
pub mod report;
pub mod runner;
pub mod select;
pub mod suite;
pub mod template;
pub mod testbed;
pub mod transcript;
