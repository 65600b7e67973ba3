//! A simulated Quectel BC20 NB-IoT module speaking the MQTT AT-command set of the Quectel
//! application note, for QA desks and CI: any serial tool opens it like `/dev/ttyUSB0`.
//!
//! The crate has three layers:
//!
//! - **The sans-IO core**, [`Modem`]: host bytes, network events and the passage of
//!   [`SimTime`] in; host bytes and [`NetAction`]s out. Six MQTT slots with their QMTCFG
//!   settings, the response windows and result codes of spec/DECISIONS.md, MQTT sessions
//!   (packet ids, retransmission, keep-alive) on top of the `rumqttc::mqttbytes` codec,
//!   [`Fault`] injection and firmware [`Quirk`]s. All AT parsing and encoding goes through
//!   `bc20-grammar`.
//! - **A deterministic harness**, [`virtual_net`]: an in-memory network and MQTT broker model
//!   driven by virtual time, and [`Bench`], which wires modules to it. Thousands of scenarios
//!   per second, no sockets.
//! - **The shells**, [`shell`]: a real (or scaled) clock, TCP to a real broker (an embedded
//!   rumqttd, or mosquitto, ...), and a PTY, TCP, stdio or in-process host transport; a control
//!   channel for faults. The `bc20 sim` command (its arguments, the files it keeps for
//!   other programs, its signal handling) is the `bc20` binary's front to these shells.
//!
//! ```
//! use bc20_sim::{Bench, ModemConfig};
//! use std::time::Duration;
//!
//! let mut bench = Bench::new(ModemConfig::echo_off());
//! bench.command("AT+QMTOPEN=0,\"broker\",1883");
//! assert_eq!(bench.command("AT+QMTCONN=0,\"dev\""), "\r\nOK\r\n\r\n+QMTCONN: 0,0,0\r\n");
//! bench.net.broker.behaviour.silent_puback = true;
//! bench.command("AT+QMTPUB=0,1,1,0,\"t\",\"x\"");
//! // pkt_timeout 10 s, retry_times 3: result 2 after 40 virtual seconds, in microseconds.
//! assert!(bench.advance(Duration::from_secs(40)).ends_with("+QMTPUB: 0,1,2\r\n"));
//! ```
//!
//! Names follow the note: `conn_id` is `<tcpconnectID>` (a *slot* is what it indexes), `msg_id`
//! is `<msgID>`, and the QMTCFG values keep theirs (`pkt_timeout`, `retry_times`,
//! `timeout_notice`, `keepalive`, `clean_session`, `will_*`).

#![deny(missing_docs)]

pub mod aliauth;
pub mod config;
pub mod faults;
mod modem;
pub mod mqtt;
pub mod quirks;
pub mod shell;
pub mod time;
/// MQTT topic rules (D62), shared with the driver through bc20-grammar.
pub use bc20_grammar::mqtt_topic as topic;
pub mod virtual_net;

pub use bc20_fault::{Fate, LogEntry};
pub use config::{AliAuthMode, ModemConfig, MqttVersion, TestStyle};
pub use faults::{Fault, Way};
pub use modem::{
    conn_ids, ConnectFailure, Modem, NetAction, NetEvent, SlotSettings, SlotState, SLOTS,
};
pub use quirks::{list_quirks, Quirk, Quirks, UnknownQuirk};
pub use time::SimTime;
pub use virtual_net::{Bench, VirtualNetwork};
