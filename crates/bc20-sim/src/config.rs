//! How a simulated module is set up: boot values, identity, and the choices spec/DECISIONS.md
//! leaves configurable.

use std::time::Duration;

use bc20_grammar::{Mode, DEFAULT_MAX_LINE_LEN};

use crate::quirks::Quirks;

/// Which MQTT protocol version CONNECT announces (D39).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum MqttVersion {
    /// MQTT 3.1: protocol name `MQIsdp`, level 3 (the version the note cites).
    V31,
    /// MQTT 3.1.1: protocol name `MQTT`, level 4 (default, D39).
    #[default]
    V311,
}

/// How test forms (`AT+QMTxxx=?`) are answered (D14, D42).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TestStyle {
    /// The 3.2.x syntax instantiated with ranges, e.g. `+QMTOPEN: (0-5),"<host_name>",(1-65535)`
    /// (D14, default).
    #[default]
    Ranges,
    /// The texts chapter 6 prints, e.g. `+QMTOPEN: (0-5),"<host_name>",<port>`, so that the
    /// chapter 6 session replays byte for byte (D42).
    Chapter6,
}

/// What `AT+QMTCFG="aliauth"` does to the next `AT+QMTCONN` without a user name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum AliAuthMode {
    /// Store and report the values only; CONNECT carries no credentials.
    StoreOnly,
    /// Derive client id, user name and password with AliCloud's documented `hmacsha1`
    /// signing scheme (see [`crate::aliauth`]), as real firmware does (D21, default).
    #[default]
    Sign,
}

/// Everything a [`crate::Modem`] is built from. `Default` is a BC20 as spec/ describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModemConfig {
    /// How host command lines are decoded (strict by default, D-preamble).
    pub mode: Mode,
    /// Echo at boot (on, D4).
    pub echo: bool,
    /// `AT+CMEE` at boot (1, numeric `+CME ERROR`, D5).
    pub cmee: u8,
    /// Longest command line kept, CR excluded (D12); also the longest line the module
    /// writes: a message whose `+QMTRECV` line would be longer is dropped (D61).
    pub max_line_len: usize,
    /// The revision `ATI` and `AT+CGMR` report (D40).
    pub revision: String,
    /// The PDP address of the `+IP:` URC (D40).
    pub ip_address: String,
    /// Time from boot until the module is attached and emits `+IP:`; `None`: never attaches
    /// (then `AT+CGATT?` says 0 and QMTOPEN reports result 3, D24).
    pub attach_after: Option<Duration>,
    /// `<stat>` of `+CEREG: 0,<stat>` once attached (1 home, 5 roaming; D40).
    pub cereg_stat: u8,
    /// `+CSQ: <rssi>,<ber>`.
    pub csq: (u8, u8),
    /// MQTT protocol version of CONNECT (D39).
    pub mqtt_version: MqttVersion,
    /// How test forms are answered (D14/D42).
    pub test_style: TestStyle,
    /// ALIAUTH behaviour (D21).
    pub aliauth: AliAuthMode,
    /// How long QMTOPEN waits for the TCP connection before result -1 (3.2.2: 75 s).
    pub open_timeout: Duration,
    /// Largest MQTT packet accepted from the network; a larger one closes the link.
    pub max_packet_size: usize,
    /// Deviations from the note (none by default).
    pub quirks: Quirks,
}

impl Default for ModemConfig {
    fn default() -> Self {
        ModemConfig {
            mode: Mode::Strict,
            echo: true,
            cmee: 1,
            max_line_len: DEFAULT_MAX_LINE_LEN,
            revision: "bc20kit-sim".to_owned(),
            ip_address: "10.0.0.1".to_owned(),
            attach_after: Some(Duration::ZERO),
            cereg_stat: 1,
            csq: (31, 99),
            mqtt_version: MqttVersion::V311,
            test_style: TestStyle::Ranges,
            aliauth: AliAuthMode::Sign,
            open_timeout: Duration::from_millis(bc20_grammar::limits::QMTOPEN_RESPONSE_MS),
            max_packet_size: 64 * 1024,
            quirks: Quirks::NONE,
        }
    }
}

impl ModemConfig {
    /// The default module with echo off: what a host sees after `ATE0` (handy in tests).
    pub fn echo_off() -> Self {
        ModemConfig {
            echo: false,
            ..ModemConfig::default()
        }
    }
}
