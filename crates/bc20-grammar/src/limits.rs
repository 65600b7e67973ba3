//! Every number the note gives for a parameter: ranges and defaults, in one table
//! (mirrored by spec/commands/*.toml; `tests/spec_coverage.rs` checks they agree).

use crate::mqtt_command::MqttCommand;

/// `<tcpconnectID>` range (all commands): 0-5. Called `conn_id` in Rust.
pub const CONN_ID: (i64, i64) = (0, 5);
/// `<msgID>` range of +QMTSUB/+QMTUNS (3.2.6, 3.2.7).
pub const SUB_MSG_ID: (i64, i64) = (1, 65535);
/// `<msgID>` range of +QMTPUB (3.2.8); 0 only with QoS 0.
pub const PUB_MSG_ID: (i64, i64) = (0, 65535);
/// `<port>` range (3.2.2).
pub const PORT: (i64, i64) = (1, 65535);
/// `<keep-alive time>` range in seconds (3.2.1); default 120.
pub const KEEPALIVE: (i64, i64) = (0, 3600);
/// Default `<keep-alive time>` (3.2.1).
pub const KEEPALIVE_DEFAULT: u16 = 120;
/// `<pkt_timeout>` range in seconds (3.2.1); default 10.
pub const PKT_TIMEOUT: (i64, i64) = (1, 60);
/// Default `<pkt_timeout>` (3.2.1).
pub const PKT_TIMEOUT_DEFAULT: u8 = 10;
/// `<retry_times>` range (3.2.1); default 3.
pub const RETRY_TIMES: (i64, i64) = (0, 10);
/// Default `<retry_times>` (3.2.1).
pub const RETRY_TIMES_DEFAULT: u8 = 3;
/// Default `<clean_session>` (3.2.1): 1, clean.
pub const CLEAN_SESSION_DEFAULT: bool = true;
/// Default `<timeout_notice>`: 0, not reported (the note gives none; spec/DECISIONS.md D20).
pub const TIMEOUT_NOTICE_DEFAULT: bool = false;
/// `AT+CMEE=<n>` range (basic command).
pub const CMEE: (i64, i64) = (0, 2);
/// Most topics one AT+QMTSUB / AT+QMTUNS may carry (our limit, spec/DECISIONS.md).
pub const MAX_TOPICS: usize = 16;
/// Maximum response time of AT+QMTCFG, AT+QMTCLOSE and AT+QMTDISC (3.2.1, 3.2.3, 3.2.5), in ms.
pub const SHORT_RESPONSE_MS: u64 = 300;
/// Maximum response time of AT+QMTOPEN (3.2.2), in ms.
pub const QMTOPEN_RESPONSE_MS: u64 = 75_000;
/// The note's printed default for `<pkt_timeout> * <retry_times>` (3.2.6-3.2.8), in ms.
pub const RETRIED_RESPONSE_DEFAULT_MS: u64 = 40_000;
/// `<clientID>` length in bytes (ours, spec/DECISIONS.md D11).
pub const CLIENT_ID_LEN: (usize, usize) = (1, 128);
/// `<username>`, `<password>` length in bytes (ours, D11).
pub const CREDENTIAL_LEN: (usize, usize) = (0, 256);
/// `<topic>`, `<will_topic>` length in bytes (ours, D11).
pub const TOPIC_LEN: (usize, usize) = (1, 1024);
/// `<msg>`, `<will_msg>` length in bytes (ours, D11: the largest publish of the family).
pub const MSG_LEN: (usize, usize) = (0, 1548);
/// `<product_key>`, `<device_name>`, `<device_secret>` length in bytes (ours, D11).
pub const ALIAUTH_LEN: (usize, usize) = (1, 64);

/// The note's maximum response time of an MQTT command, in ms, for a slot configured with
/// `pkt_timeout` (s) and `retry_times` (spec/DECISIONS.md D23: QMTSUB/QMTUNS/QMTPUB wait for the
/// first transmission plus `retry_times` retransmissions, which gives the note's 40 s default).
pub const fn max_response_ms(cmd: MqttCommand, pkt_timeout: u8, retry_times: u8) -> u64 {
    use MqttCommand as M;
    match cmd {
        M::QmtCfg | M::QmtClose | M::QmtDisc => SHORT_RESPONSE_MS,
        M::QmtOpen => QMTOPEN_RESPONSE_MS,
        M::QmtConn => pkt_timeout as u64 * 1000,
        M::QmtSub | M::QmtUns | M::QmtPub => pkt_timeout as u64 * 1000 * (retry_times as u64 + 1),
    }
}
