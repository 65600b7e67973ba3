//! Firmware quirk profiles: named, deliberate deviations from the note.
//!
//! Real modules differ from the application note in small ways. Each [`Quirk`] reproduces
//! one such deviation so that the conformance suite can be shown to catch it (a suite that
//! passes against every quirk catches nothing). No quirk is on by default.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// One named deviation from the note. `--quirk NAME` turns it on in `bc20 sim`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Quirk {
    /// `+QMTRECV: 0,0,"topic",payload`: the payload without its quotes (as 5.2 prints it).
    UnquotedRecvPayload,
    /// The asynchronous `+QMTxxx:` result is sent before the command's `OK` (the `OK` is
    /// held back until the result is known), against Figure 1 and D13.
    ResultBeforeOk,
    /// `+QMTSUB: <id>,<msgID>,0` without the granted-QoS `<value>` list.
    SubMissingValue,
    /// Lower-case URC and response names: `+qmtopen: 0,0`.
    LowercaseKeywords,
    /// `<ret_code>` 0 when the broker refused the connection, 5 when it accepted it.
    WrongRetCode,
    /// `ATE0` answers `OK` but echo stays on.
    NoEchoOff,
    /// No `+QMTPUB` result for QoS 0 publishes.
    PubResultMissing,
    /// No blank after the colon: `+QMTOPEN:0,0` (BC28 style, D9).
    NoSpaceAfterColon,
    /// Plain `ERROR` instead of `+CME ERROR: <err>`, whatever `AT+CMEE` says.
    PlainError,
    /// A retransmitted PUBLISH keeps DUP 0 (against MQTT 3.1.1 3.3.1.1 and D25). Only the
    /// network shows it: the fault proxy's timing checks (`expect-retransmissions`).
    ResendDupZero,
    /// The last of the `retry_times` retransmissions is announced (`+QMTPUB: ...,1,<n>`)
    /// but never sent: one sending fewer than 3.2.1 says, seen only on the network.
    OneRetryFewer,
    /// PINGREQ at 1.25 × the keep-alive after the last packet sent instead of at the
    /// keep-alive (Figure 1 T2, D22): a broker still tolerates it (MQTT 3.1.1 3.1.2.10 lets
    /// it wait 1.5 ×), so only the network log shows it (`expect-keepalive`).
    LatePingreq,
}

impl Quirk {
    /// Every quirk, in listing order.
    pub const ALL: [Quirk; 12] = [
        Quirk::UnquotedRecvPayload,
        Quirk::ResultBeforeOk,
        Quirk::SubMissingValue,
        Quirk::LowercaseKeywords,
        Quirk::WrongRetCode,
        Quirk::NoEchoOff,
        Quirk::PubResultMissing,
        Quirk::NoSpaceAfterColon,
        Quirk::PlainError,
        Quirk::ResendDupZero,
        Quirk::OneRetryFewer,
        Quirk::LatePingreq,
    ];

    /// The name `--quirk` takes, e.g. `unquoted-recv-payload`.
    pub const fn name(self) -> &'static str {
        match self {
            Quirk::UnquotedRecvPayload => "unquoted-recv-payload",
            Quirk::ResultBeforeOk => "result-before-ok",
            Quirk::SubMissingValue => "sub-missing-value",
            Quirk::LowercaseKeywords => "lowercase-keywords",
            Quirk::WrongRetCode => "wrong-ret-code",
            Quirk::NoEchoOff => "no-echo-off",
            Quirk::PubResultMissing => "pub-result-missing",
            Quirk::NoSpaceAfterColon => "no-space-after-colon",
            Quirk::PlainError => "plain-error",
            Quirk::ResendDupZero => "resend-dup-0",
            Quirk::OneRetryFewer => "one-retry-fewer",
            Quirk::LatePingreq => "late-pingreq",
        }
    }

    /// One line saying what the quirk does.
    pub const fn description(self) -> &'static str {
        match self {
            Quirk::UnquotedRecvPayload => "+QMTRECV payload without quotes",
            Quirk::ResultBeforeOk => "asynchronous +QMTxxx result before the command's OK",
            Quirk::SubMissingValue => "+QMTSUB result 0 without the granted QoS value",
            Quirk::LowercaseKeywords => "lower-case response and URC names (+qmtopen: 0,0)",
            Quirk::WrongRetCode => "+QMTCONN ret_code 0 when refused, 5 when accepted",
            Quirk::NoEchoOff => "ATE0 answers OK but echo stays on",
            Quirk::PubResultMissing => "no +QMTPUB result for QoS 0 publishes",
            Quirk::NoSpaceAfterColon => "no blank after the colon (+QMTOPEN:0,0)",
            Quirk::PlainError => "ERROR instead of +CME ERROR: <err>",
            Quirk::ResendDupZero => "a retransmitted PUBLISH keeps DUP 0 (network only)",
            Quirk::OneRetryFewer => {
                "the last retransmission is announced but not sent (network only)"
            }
            Quirk::LatePingreq => "PINGREQ at 1.25 x the keep-alive (network only)",
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A quirk name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown quirk {0:?} (bc20 sim --list-quirks lists them)")]
pub struct UnknownQuirk(pub String);

impl FromStr for Quirk {
    type Err = UnknownQuirk;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quirk::ALL
            .into_iter()
            .find(|q| q.name() == s)
            .ok_or_else(|| UnknownQuirk(s.to_owned()))
    }
}

/// The quirk names, one per entry, in listing order (what `--list-quirks` prints).
pub fn list_quirks() -> Vec<&'static str> {
    Quirk::ALL.iter().map(|q| q.name()).collect()
}

/// A set of quirks (a bit set; cheap to copy and test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Quirks(u32);

impl Quirks {
    /// No quirk: the note as spec/DECISIONS.md reads it.
    pub const NONE: Quirks = Quirks(0);

    /// Whether `q` is on.
    pub const fn has(self, q: Quirk) -> bool {
        self.0 & (1 << q as u32) != 0
    }

    /// Turns `q` on.
    pub fn insert(&mut self, q: Quirk) {
        self.0 |= 1 << q as u32;
    }

    /// This set plus `q`.
    pub const fn with(self, q: Quirk) -> Quirks {
        Quirks(self.0 | (1 << q as u32))
    }

    /// The quirks that are on, in listing order.
    pub fn iter(self) -> impl Iterator<Item = Quirk> {
        Quirk::ALL.into_iter().filter(move |q| self.has(*q))
    }
}

impl FromIterator<Quirk> for Quirks {
    fn from_iter<I: IntoIterator<Item = Quirk>>(iter: I) -> Self {
        let mut s = Quirks::NONE;
        for q in iter {
            s.insert(q);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for q in Quirk::ALL {
            assert_eq!(q.name().parse::<Quirk>(), Ok(q));
        }
        let mut names = list_quirks();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Quirk::ALL.len());
        assert!("no-such-quirk".parse::<Quirk>().is_err());
    }

    #[test]
    fn set_operations() {
        let s = Quirks::NONE.with(Quirk::NoEchoOff);
        assert!(s.has(Quirk::NoEchoOff));
        assert!(!s.has(Quirk::PlainError));
        assert_eq!(s.iter().collect::<Vec<_>>(), [Quirk::NoEchoOff]);
    }
}
