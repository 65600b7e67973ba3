//! A sans-IO host driver for the MQTT AT commands of the Quectel BC20: the code an MCU or a
//! gateway runs to drive the module over its UART, built on `bc20-grammar` and checked
//! against `bc20-sim`.
//!
//! [`Client`] has no I/O, threads or clock. Each API call ([`Client::open`],
//! [`Client::publish`], ...) is checked against the slot's state and returns a [`Handle`]
//! or a typed [`RequestError`]; accepted requests are queued and written one command at a
//! time ([`Client::poll_transmit`]). Modem bytes go into [`Client::handle_input`] in any
//! chunking; time goes into [`Client::handle_timeout`] ([`Client::poll_timeout`] says when).
//! Every accepted request ends with exactly one [`Event::Completed`]; +QMTRECV becomes
//! [`Event::Received`], +QMTSTAT [`Event::LinkLost`]. Slot states move only along
//! [`TRANSITIONS`], from which [`state_diagram_mermaid`] draws `docs/client-states.md`.
//!
//! ```
//! use bc20_client::{Client, ClientConfig, Completion, Event, Instant};
//!
//! let mut client = Client::new(ClientConfig::default());
//! let open = client.open(0, "broker.example", 1883).unwrap();
//! let now = Instant::ZERO;
//! assert_eq!(client.poll_transmit(now).unwrap(), b"AT+QMTOPEN=0,\"broker.example\",1883\r");
//! client.handle_input(now, b"\r\nOK\r\n\r\n+QMTOPEN: 0");
//! client.handle_input(now, b",0\r\n");
//! assert_eq!(
//!     client.poll_event(),
//!     Some(Event::Completed { handle: open, result: Ok(Completion::Opened) })
//! );
//! ```
//!
//! With the `check` feature, `check` holds the reference model and the harness that
//! model-checks the driver against the simulator.

#![deny(missing_docs)]

mod async_result;
mod client;
mod config;
mod diagram;
mod dispatch;
mod error;
mod event;
mod input;
mod msgid;
mod request;
mod slot;
mod time;
mod timers;
/// MQTT topic rules (D62), shared with the simulator through bc20-grammar.
pub use bc20_grammar::mqtt_topic as topic;

pub use bc20_grammar::SlotSettings;
pub use client::Client;
pub use config::{ClientConfig, Setting, WillConfig};
pub use diagram::state_diagram_mermaid;
pub use error::RequestError;
pub use event::{Completion, Diagnostic, Event, Failure, Handle, Message, Recovery, TimeoutStage};
pub use request::Operation;
pub use slot::{next_state, SlotState, Trigger, SLOT_COUNT, TRANSITIONS};
pub use time::Instant;

// The grammar types that appear in this crate's API.
pub use bc20_grammar::{
    CmeError, ConnectReturnCode, GrantedQos, Mode, OpenResult, QmtStatCode, Qos,
};

#[cfg(feature = "check")]
pub mod check;
