//! Typed codecs for the MQTT AT-command set of the Quectel BC20 NB-IoT module, as the
//! Quectel application note specifies it (spec/ holds the note as data).
//!
//! Every command the host sends is a [`Command`], every line the module answers with is a
//! [`Response`] (information responses and final result codes) or a [`Urc`] (asynchronous
//! `+QMTxxx:` results, +QMTSTAT, +QMTRECV). Each encodes to the exact wire bytes and decodes
//! with [`decode_line`] in [`Mode::Strict`] (the note, for conformance) or [`Mode::Lenient`]
//! (what field logs contain, every deviation a [`Warning`]). [`StreamDecoder`] turns UART
//! bytes in any chunking into [`Frame`]s with bounded memory and no allocation per frame.
//! Names follow the note: `conn_id` is `<tcpconnectID>`, `msg_id` is `<msgID>`.
//! [`Command::async_key`] and [`Urc::async_key`] pair a command with the `+QMTxxx:` result
//! that answers it after `OK`. [`Line::params`] lists a line's name prefix and its
//! parameters as typed [`Param`]s in wire order, from the same code that writes its bytes.
//!
//! Inside, one module per command family of the note (`families/qmtopen.rs`, `qmtpub.rs`,
//! `qmtrecv.rs`, `basic.rs`, `final_result.rs`, ...) holds that family's decoding and encoding;
//! below them sit the lexer, the shared field readers and writers, the text checks and the line
//! types; above them the line dispatcher (`decode.rs`), the encoder's framing (`encode.rs`) and
//! the stream decoder. No module depends on one above it.
//!
//! ```
//! use bc20_grammar::{decode_line, Context, Line, Mode, Urc, OpenResult, StreamDecoder, StreamConfig};
//!
//! let decoded = decode_line(b"+QMTOPEN: 0,0", Mode::Strict, Context::default()).unwrap();
//! assert_eq!(decoded.line, Line::Urc(Urc::QmtOpen { conn_id: 0, result: OpenResult::Opened }));
//!
//! let mut stream = StreamDecoder::new(StreamConfig::default());
//! let mut names = Vec::new();
//! stream.feed(b"AT+QMTOPEN=0,\"broker\",1883\r\r\nOK\r\n\r\n+QMT", |f| names.push(f.decoded.as_ref().unwrap().line.name()));
//! stream.feed(b"OPEN: 0,0\r\n", |f| names.push(f.decoded.as_ref().unwrap().line.name()));
//! assert_eq!(names, ["AT+QMTOPEN", "OK", "+QMTOPEN"]);
//! ```

#![deny(missing_docs)]

mod async_key;
mod cfg_setting;
pub mod codes;
mod command;
mod command_json;
mod conversation;
mod cursor;
mod decode;
mod encode;
mod error;
mod families;
mod fields;
mod frame;
pub mod limits;
mod line;
mod mqtt_command;
pub mod mqtt_topic;
mod owned;
mod params;
pub mod printable;
mod response;
mod serde_int;
mod slot_settings;
#[cfg(feature = "strategies")]
pub mod strategies;
mod stream;
mod text;
pub mod time;
mod topics;
mod urc;
mod wire;

pub use async_key::AsyncKey;
pub use codes::{
    CloseResult, CmeError, ConnState, ConnectReturnCode, GrantedQos, OpenResult, PacketResult,
    QmtStatCode, Qos,
};
pub use command::{CfgKeyword, CfgSetting, Command, SubTopic, SubTopics, UnsTopics, Will};
pub use cursor::Mode;
pub use decode::decode_line;
pub use error::{
    DecodeError, DecodeErrorKind, EncodeError, Warning, WarningKind, Warnings, MAX_WARNINGS,
};
pub use families::qmtpub::check_pub_msg_id;
pub use families::qmtrecv::recv_payload_open;
pub use frame::{Direction, Frame, FrameKind};
pub use limits::MAX_TOPICS;
pub use line::{Context, Decoded, Line};
pub use mqtt_command::MqttCommand;
pub use params::{split_params, Param, Params};
pub use response::Response;
pub use slot_settings::{AliAuth, SlotSettings};
pub use stream::{StreamConfig, StreamDecoder};
pub use text::{Payload, HOST_NAME_MAX_LEN};
pub use urc::{PacketOutcome, SubValue, Urc};
pub use wire::DEFAULT_MAX_LINE_LEN;
