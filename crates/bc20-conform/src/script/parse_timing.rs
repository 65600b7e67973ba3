//! The timing checks of the network log and their marks:
//!
//! ```text
//! mark NAME
//! expect-keepalive SLOT keepalive=D [tolerance=D] [since=NAME]
//! expect-retransmissions SLOT TYPE [id=N] retries=N every=D [tolerance=D] [since=NAME]
//! ```
//!
//! Values may be written with `${var}`: a literal one is checked here, one with variables
//! when the step runs ([`NetValue::number`], [`NetValue::duration`]: one reading for both).

use std::time::Duration;

use bc20_fault::{type_by_name, PacketType};

use super::duration::try_parse_duration;
use super::error::{ScriptError, ScriptErrorKind as K};
use super::lexer::LineCursor;
use super::parse_peer::Opts;
use super::{NetworkCheck, NetworkCheckKind};
use crate::template::{is_name, Template};

const KEEPALIVE_KEYS: &str = "keepalive, tolerance, since";
const RETRANSMISSION_KEYS: &str = "id, retries, every, tolerance, since";

/// The packets a module retransmits (3.2.1 `pkt_timeout`/`retry_times`, D25).
const RETRANSMITTED: [PacketType; 4] = [
    PacketType::Publish,
    PacketType::Subscribe,
    PacketType::Unsubscribe,
    PacketType::PubRel,
];

/// The tolerance of a timing check that does not set `tolerance=` (spec/DECISIONS.md D66):
/// a tenth of the interval measured, at least 100 ms. Real firmware runs its second-unit
/// timers on a tick, and a serial port and the fault proxy add tens of milliseconds; a
/// late PINGREQ at 1.25 × the keep-alive is still caught.
pub fn default_tolerance(interval: Duration) -> Duration {
    (interval / 10).max(Duration::from_millis(100))
}

/// What a [`NetValue`] holds, and its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetValueKind {
    /// A `<tcpconnectID>`, 0-5.
    Slot,
    /// A packet id (msgID), 1-65535.
    PacketId,
    /// A `retry_times`, 0-10 (3.2.1).
    Retries,
    /// A duration (`keepalive=`, `every=`, `tolerance=`), as scripts write them.
    Duration,
}

/// A number or duration of a timing check, as written (maybe with `${var}`).
#[derive(Debug, Clone)]
pub struct NetValue {
    /// The key (`slot` for the positional slot), for messages.
    pub key: &'static str,
    /// What it holds.
    pub kind: NetValueKind,
    /// The text.
    pub text: Template,
}

impl NetValue {
    /// Reads `text` (the value expanded) as a number of this kind.
    ///
    /// # Errors
    /// What the range is, when `text` is not a number in it (or the value is a duration).
    pub fn number(&self, text: &str) -> Result<u16, String> {
        use bc20_grammar::limits::{CONN_ID, RETRY_TIMES, SUB_MSG_ID};
        // A retransmitted packet has an id; the note's msgID range of QMTSUB is MQTT's.
        let ((min, max), what) = match self.kind {
            NetValueKind::Slot => (CONN_ID, "a <tcpconnectID>"),
            NetValueKind::PacketId => (SUB_MSG_ID, "a packet id"),
            NetValueKind::Retries => (RETRY_TIMES, "a retry_times"),
            NetValueKind::Duration => return Err(format!("`{}` is a duration", self.key)),
        };
        text.parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .and_then(|n| u16::try_from(n).ok())
            .ok_or_else(|| format!("bad value `{text}` for `{}`: {what}, {min}-{max}", self.key))
    }

    /// Reads `text` (the value expanded) as a duration.
    ///
    /// # Errors
    /// The duration parser's reason.
    pub fn duration(&self, text: &str) -> Result<Duration, String> {
        try_parse_duration(text).map_err(|e| format!("`{}`: {e}", self.key))
    }
}

/// `mark NAME`.
pub(super) fn mark_step(cur: &mut LineCursor<'_>) -> Result<String, ScriptError> {
    let (at, name) = cur.word();
    if name.is_empty() {
        return Err(cur.error_at(
            at,
            1,
            K::MissingArgument {
                step: "mark",
                what: "a name",
            },
        ));
    }
    if !is_name(name) {
        return Err(cur.error_at(at, name.len(), K::BadName(name.to_owned())));
    }
    cur.expect_end()?;
    Ok(name.to_owned())
}

/// `expect-keepalive ...` (`retransmissions` false) or `expect-retransmissions ...`.
pub(super) fn network_check(
    cur: &mut LineCursor<'_>,
    retransmissions: bool,
) -> Result<NetworkCheck, ScriptError> {
    let step = if retransmissions {
        "expect-retransmissions"
    } else {
        "expect-keepalive"
    };
    let (at, word) = cur.word();
    if word.is_empty() || word.contains('=') {
        return Err(cur.error_at(
            at,
            word.len().max(1),
            K::MissingArgument {
                step,
                what: "the slot (<tcpconnectID>) first",
            },
        ));
    }
    let slot = value(cur, at, word, "slot", NetValueKind::Slot)?;
    let packet = if retransmissions {
        let (at, word) = cur.word();
        if word.is_empty() || word.contains('=') {
            return Err(cur.error_at(
                at,
                word.len().max(1),
                K::MissingArgument {
                    step,
                    what: "the packet type after the slot (PUBLISH, SUBSCRIBE, UNSUBSCRIBE or PUBREL)",
                },
            ));
        }
        let kind = type_by_name(word).filter(|k| RETRANSMITTED.contains(k));
        Some(kind.ok_or_else(|| cur.error_at(at, word.len(), K::BadPacketType(word.to_owned())))?)
    } else {
        None
    };
    let opts = cur.options()?;
    let known = if retransmissions {
        RETRANSMISSION_KEYS
    } else {
        KEEPALIVE_KEYS
    };
    let o = Opts::new(cur, step, known, &opts)?;
    let get = |key: &'static str, kind| -> Result<Option<NetValue>, ScriptError> {
        match o.get(key) {
            Some(opt) => Ok(Some(value(cur, opt.value_at, &opt.value, key, kind)?)),
            None => Ok(None),
        }
    };
    let required = |key: &'static str, kind, what| -> Result<NetValue, ScriptError> {
        get(key, kind)?.ok_or_else(|| cur.error(1, K::MissingArgument { step, what }))
    };
    let since = match o.get("since") {
        Some(opt) if !is_name(&opt.value) => {
            return Err(cur.error_at(
                opt.value_at,
                opt.value.len().max(1),
                K::BadName(opt.value.clone()),
            ))
        }
        Some(opt) => Some(opt.value.clone()),
        None => None,
    };
    let tolerance = get("tolerance", NetValueKind::Duration)?;
    let kind = match packet {
        Some(packet) => NetworkCheckKind::Retransmissions {
            packet,
            id: get("id", NetValueKind::PacketId)?,
            retries: required(
                "retries",
                NetValueKind::Retries,
                "`retries=N` (retry_times)",
            )?,
            every: required("every", NetValueKind::Duration, "`every=D` (pkt_timeout)")?,
        },
        None => NetworkCheckKind::KeepAlive {
            keepalive: required(
                "keepalive",
                NetValueKind::Duration,
                "`keepalive=D` (the keep-alive time)",
            )?,
        },
    };
    Ok(NetworkCheck {
        slot,
        kind,
        tolerance,
        since,
    })
}

/// A value at byte `at` of the line: a template, checked now when it is literal.
fn value(
    cur: &LineCursor<'_>,
    at: usize,
    text: &str,
    key: &'static str,
    kind: NetValueKind,
) -> Result<NetValue, ScriptError> {
    let v = NetValue {
        key,
        kind,
        text: cur.template(at, text)?,
    };
    if v.text.is_literal() {
        let width = text.len().max(1);
        match kind {
            NetValueKind::Duration if v.duration(text).is_err() => {
                return Err(cur.error_at(at, width, K::BadDuration(text.to_owned())));
            }
            NetValueKind::Duration => {}
            _ => {
                if let Err(e) = v.number(text) {
                    return Err(cur.error_at(at, width, K::BadCheckValue(e)));
                }
            }
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::default_tolerance;
    use crate::script::{parse_script, NetworkCheckKind, ScriptErrorKind, StepKind};

    fn check(line: &str) -> crate::script::NetworkCheck {
        let s = parse_script("t.bc20", &format!("mark m\n{line}\n")).unwrap();
        let kind = s.steps().nth(1).map(|s| s.kind.clone());
        match kind {
            Some(StepKind::Network(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    /// The column, width and message of the error for a one-line script after `mark m`.
    fn error(line: &str) -> (u32, u32, String) {
        let e = parse_script("t.bc20", &format!("mark m\n{line}\n")).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        (e.column, e.width, e.kind.to_string())
    }

    #[test]
    fn a_retransmission_check_reads_its_type_id_and_values() {
        let c =
            check("expect-retransmissions 0 publish id=6 retries=3 every=10s tolerance=1s since=m");
        assert_eq!(c.slot.text.source(), "0");
        assert_eq!(c.since.as_deref(), Some("m"));
        assert_eq!(c.tolerance.unwrap().text.source(), "1s");
        let NetworkCheckKind::Retransmissions {
            packet,
            id,
            retries,
            every,
        } = c.kind
        else {
            panic!("not a retransmission check");
        };
        assert_eq!(packet, bc20_fault::PacketType::Publish);
        assert_eq!(id.unwrap().text.source(), "6");
        assert_eq!(retries.text.source(), "3");
        assert_eq!(every.text.source(), "10s");
    }

    #[test]
    fn a_keepalive_check_reads_its_keepalive_and_takes_variables() {
        let s = parse_script(
            "t.bc20",
            "set ka = 2s\nset slot = 1\nexpect-keepalive ${slot} keepalive=${ka}\n",
        )
        .unwrap();
        let Some(StepKind::Network(c)) = s.steps().nth(2).map(|s| &s.kind) else {
            panic!("not a network check");
        };
        assert_eq!(c.slot.text.source(), "${slot}");
        assert!(c.since.is_none() && c.tolerance.is_none());
        assert!(
            matches!(&c.kind, NetworkCheckKind::KeepAlive { keepalive } if keepalive.text.source() == "${ka}")
        );
    }

    #[test]
    fn bad_values_are_script_errors_at_the_value() {
        let cases = [
            (
                "expect-keepalive 6 keepalive=2s",
                (18, 1, "bad value `6` for `slot`: a <tcpconnectID>, 0-5"),
            ),
            (
                "expect-keepalive 0 keepalive=2x",
                (30, 2, "bad duration `2x`: write e.g. `500ms`, `2s`, `1.5s` or `2m`"),
            ),
            (
                "expect-keepalive 0",
                (
                    19,
                    1,
                    "`expect-keepalive` needs `keepalive=D` (the keep-alive time)",
                ),
            ),
            (
                "expect-keepalive keepalive=2s",
                (
                    18,
                    12,
                    "`expect-keepalive` needs the slot (<tcpconnectID>) first",
                ),
            ),
            (
                "expect-retransmissions 0 PUBACK retries=3 every=1s",
                (
                    26,
                    6,
                    "`PUBACK` is not a packet the module retransmits (PUBLISH, SUBSCRIBE, UNSUBSCRIBE or PUBREL)",
                ),
            ),
            (
                "expect-retransmissions 0 PUBLISH retries=11 every=1s",
                (42, 2, "bad value `11` for `retries`: a retry_times, 0-10"),
            ),
            (
                "expect-retransmissions 0 PUBLISH id=0 retries=1 every=1s",
                (37, 1, "bad value `0` for `id`: a packet id, 1-65535"),
            ),
            (
                "expect-retransmissions 0 PUBLISH retries=1",
                (
                    43,
                    1,
                    "`expect-retransmissions` needs `every=D` (pkt_timeout)",
                ),
            ),
            (
                "expect-retransmissions 0 PUBLISH retries=1 every=1s qos=1",
                (
                    53,
                    3,
                    "`expect-retransmissions` does not take `qos` (it takes: id, retries, every, tolerance, since)",
                ),
            ),
            (
                "expect-keepalive 0 keepalive=2s since=nowhere",
                (
                    33,
                    13,
                    "`since=nowhere`: no `mark nowhere` comes before this step",
                ),
            ),
            (
                "expect-keepalive 0 keepalive=2s since=a-b",
                (39, 3, "bad name `a-b`: use letters, digits and `_`, starting with a letter or `_`"),
            ),
            ("mark", (5, 1, "`mark` needs a name")),
            ("mark a b", (8, 1, "unexpected `b` after the step")),
        ];
        for (line, (col, width, msg)) in cases {
            assert_eq!(error(line), (col, width, msg.to_owned()), "{line}");
        }
    }

    #[test]
    fn a_mark_must_come_before_its_use() {
        let e = parse_script(
            "t.bc20",
            "expect-keepalive 0 keepalive=2s since=later\nmark later\n",
        )
        .unwrap_err();
        assert_eq!(e.kind, ScriptErrorKind::UndefinedMark("later".to_owned()));
    }

    #[test]
    fn a_mark_name_is_set_once() {
        let e = parse_script("t.bc20", "mark a\nsend AT\nmark a\n").unwrap_err();
        assert_eq!(e.kind, ScriptErrorKind::DuplicateMark("a".to_owned()));
        assert_eq!((e.line, e.column), (3, 6));
    }

    #[test]
    fn the_default_tolerance_is_a_tenth_and_at_least_100_ms() {
        assert_eq!(
            default_tolerance(Duration::from_secs(10)),
            Duration::from_secs(1)
        );
        assert_eq!(
            default_tolerance(Duration::from_millis(500)),
            Duration::from_millis(100)
        );
    }
}
