//! Pairing a command with its asynchronous result (the note's Figure 1): AT+QMTOPEN, CLOSE,
//! CONN, DISC, SUB, UNS and PUB answer `OK` at once and their real result later as a
//! `+QMTxxx:` URC, which names the slot (`<tcpconnectID>`, `conn_id`) and, for SUB/UNS/PUB
//! (3.2.6-3.2.8), the `<msgID>` (`msg_id`). [`AsyncKey`] is what both sides have in common.

use crate::codes::PacketResult;
use crate::command::Command;
use crate::mqtt_command::MqttCommand;
use crate::urc::{PacketOutcome, Urc};

/// Which asynchronous result a command awaits and a result URC answers: equal keys pair a
/// command with its `+QMTxxx:` URC (Figure 1; 3.2.2-3.2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsyncKey {
    /// The command whose result this is.
    pub command: MqttCommand,
    /// `<tcpconnectID>`.
    pub conn_id: u8,
    /// `<msgID>` for AT+QMTSUB, AT+QMTUNS and AT+QMTPUB (0 for a QoS 0 publish, 3.2.8);
    /// `None` for the others, whose results carry none.
    pub msg_id: Option<u16>,
}

impl Command<'_> {
    /// The slot the command addresses (`<tcpconnectID>`): every AT+QMTCFG write and query,
    /// AT+QMTOPEN, CLOSE, CONN, DISC, SUB, UNS and PUB; `None` for test and read forms and the
    /// basic commands.
    pub fn conn_id(&self) -> Option<u8> {
        use Command::*;
        match self {
            QmtCfg { conn_id, .. }
            | QmtOpen { conn_id, .. }
            | QmtClose { conn_id }
            | QmtConn { conn_id, .. }
            | QmtDisc { conn_id }
            | QmtSub { conn_id, .. }
            | QmtUns { conn_id, .. }
            | QmtPub { conn_id, .. } => Some(*conn_id),
            _ => None,
        }
    }

    /// The `<msgID>` of AT+QMTSUB, AT+QMTUNS and AT+QMTPUB (3.2.6-3.2.8; 0 for a QoS 0
    /// publish); `None` for every other command.
    pub fn msg_id(&self) -> Option<u16> {
        match self {
            Command::QmtSub { msg_id, .. }
            | Command::QmtUns { msg_id, .. }
            | Command::QmtPub { msg_id, .. } => Some(*msg_id),
            _ => None,
        }
    }

    /// The key of the `+QMTxxx:` result URC this command produces after `OK` (Figure 1), or
    /// `None` for a command without one (exactly when [`Command::has_async_result`] is false).
    pub fn async_key(&self) -> Option<AsyncKey> {
        if !self.has_async_result() {
            return None;
        }
        Some(AsyncKey {
            command: self.mqtt_command()?,
            conn_id: self.conn_id()?,
            msg_id: self.msg_id(),
        })
    }
}

impl Urc<'_> {
    /// The `<msgID>` the line carries: +QMTSUB, +QMTUNS and +QMTPUB results and +QMTRECV
    /// (5.2); `None` for the others.
    pub fn msg_id(&self) -> Option<u16> {
        match self {
            Urc::QmtSub(PacketOutcome { msg_id, .. })
            | Urc::QmtUns(PacketOutcome { msg_id, .. })
            | Urc::QmtPub(PacketOutcome { msg_id, .. })
            | Urc::QmtRecv { msg_id, .. } => Some(*msg_id),
            _ => None,
        }
    }

    /// The key of the command this asynchronous result answers (Figure 1), or `None` when
    /// the line is not such a result (+QMTSTAT, +QMTRECV, +IP, unknown lines). A
    /// retransmission notice (see [`Urc::is_retransmission_notice`]) has the key of the
    /// command it is about, though that command is still running.
    pub fn async_key(&self) -> Option<AsyncKey> {
        Some(AsyncKey {
            command: self.result_of()?,
            conn_id: self.conn_id()?,
            msg_id: self.msg_id(),
        })
    }

    /// Whether this is a `<result>` 1 ("packet retransmission") notice of +QMTCONN, +QMTSUB,
    /// +QMTUNS or +QMTPUB (3.2.4, 3.2.6-3.2.8): the command is still running and its final
    /// result is yet to come.
    pub fn is_retransmission_notice(&self) -> bool {
        matches!(
            self,
            Urc::QmtConn {
                result: PacketResult::Retransmission,
                ..
            } | Urc::QmtSub(PacketOutcome {
                result: PacketResult::Retransmission,
                ..
            }) | Urc::QmtUns(PacketOutcome {
                result: PacketResult::Retransmission,
                ..
            }) | Urc::QmtPub(PacketOutcome {
                result: PacketResult::Retransmission,
                ..
            })
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::Mode;
    use crate::decode::decode_line;
    use crate::line::{Context, Line};

    fn command(line: &str) -> Command<'_> {
        Command::decode(line.as_bytes(), Mode::Strict).unwrap().0
    }

    fn urc(line: &str) -> Urc<'_> {
        match decode_line(line.as_bytes(), Mode::Strict, Context::default())
            .unwrap()
            .line
        {
            Line::Urc(u) => u,
            other => panic!("{line} is not a URC: {other:?}"),
        }
    }

    /// Every form of spec/, one line each.
    const COMMANDS: [&str; 36] = [
        "AT+QMTCFG=?",
        "AT+QMTCFG=\"keepalive\",1",
        "AT+QMTCFG=\"keepalive\",1,60",
        "AT+QMTCFG=\"session\",1",
        "AT+QMTCFG=\"session\",1,0",
        "AT+QMTCFG=\"timeout\",1",
        "AT+QMTCFG=\"timeout\",1,10,3,0",
        "AT+QMTCFG=\"will\",1",
        "AT+QMTCFG=\"will\",1,1,1,0,\"w\",\"bye\"",
        "AT+QMTCFG=\"aliauth\",1",
        "AT+QMTCFG=\"aliauth\",1,\"k\",\"n\",\"s\"",
        "AT+QMTOPEN=?",
        "AT+QMTOPEN?",
        "AT+QMTOPEN=1,\"broker\",1883",
        "AT+QMTCLOSE=?",
        "AT+QMTCLOSE=1",
        "AT+QMTCONN=?",
        "AT+QMTCONN?",
        "AT+QMTCONN=1,\"client\"",
        "AT+QMTDISC=?",
        "AT+QMTDISC=1",
        "AT+QMTSUB=?",
        "AT+QMTSUB=1,7,\"a/#\",1",
        "AT+QMTUNS=?",
        "AT+QMTUNS=1,8,\"a/#\"",
        "AT+QMTPUB=?",
        "AT+QMTPUB=1,9,1,0,\"a/b\",\"hi\"",
        "AT",
        "ATE0",
        "ATI",
        "AT+CGMR",
        "AT+CMEE=1",
        "AT+CPIN?",
        "AT+CEREG?",
        "AT+CGATT?",
        "AT+CSQ",
    ];

    #[test]
    fn async_key_exactly_for_commands_with_an_async_result() {
        for line in COMMANDS {
            let c = command(line);
            assert_eq!(c.async_key().is_some(), c.has_async_result(), "{line}");
            if let Some(key) = c.async_key() {
                assert_eq!(Some(key.conn_id), c.conn_id(), "{line}");
                assert_eq!(key.msg_id, c.msg_id(), "{line}");
                assert_eq!(Some(key.command), c.mqtt_command(), "{line}");
            }
        }
    }

    #[test]
    fn conn_id_and_msg_id_of_commands() {
        assert_eq!(command("AT+QMTCFG=\"will\",3").conn_id(), Some(3));
        assert_eq!(command("AT+QMTCFG=\"will\",3").msg_id(), None);
        assert_eq!(command("AT+QMTOPEN?").conn_id(), None);
        assert_eq!(command("AT+CSQ").conn_id(), None);
        assert_eq!(command("AT+QMTPUB=2,0,0,0,\"t\",\"\"").msg_id(), Some(0));
        assert_eq!(command("AT+QMTUNS=2,5,\"t\"").msg_id(), Some(5));
    }

    /// Every command with an asynchronous result, beside the result URCs that answer it
    /// (success, failure and a retransmission notice where the note has one).
    #[test]
    fn every_async_command_pairs_with_the_urc_that_answers_it() {
        let pairs: [(&str, &[&str]); 8] = [
            (
                "AT+QMTOPEN=1,\"broker\",1883",
                &["+QMTOPEN: 1,0", "+QMTOPEN: 1,-1"],
            ),
            ("AT+QMTCLOSE=1", &["+QMTCLOSE: 1,0", "+QMTCLOSE: 1,-1"]),
            (
                "AT+QMTCONN=1,\"client\"",
                &["+QMTCONN: 1,0,0", "+QMTCONN: 1,1", "+QMTCONN: 1,2"],
            ),
            ("AT+QMTDISC=1", &["+QMTDISC: 1,0", "+QMTDISC: 1,-1"]),
            (
                "AT+QMTSUB=1,7,\"a/#\",1",
                &["+QMTSUB: 1,7,0,1", "+QMTSUB: 1,7,1,2", "+QMTSUB: 1,7,2"],
            ),
            (
                "AT+QMTUNS=1,8,\"a/#\"",
                &["+QMTUNS: 1,8,0", "+QMTUNS: 1,8,2"],
            ),
            (
                "AT+QMTPUB=1,9,1,0,\"a/b\",\"hi\"",
                &["+QMTPUB: 1,9,0", "+QMTPUB: 1,9,1,1", "+QMTPUB: 1,9,2"],
            ),
            ("AT+QMTPUB=1,0,0,0,\"a/b\",\"hi\"", &["+QMTPUB: 1,0,0"]),
        ];
        for (cmd, answers) in pairs {
            let key = command(cmd).async_key().expect(cmd);
            for answer in answers {
                assert_eq!(urc(answer).async_key(), Some(key), "{cmd} / {answer}");
            }
            // Another slot or another message is not the answer.
            let other_slot = answers[0].replacen(": 1,", ": 2,", 1);
            assert_ne!(
                urc(&other_slot).async_key(),
                Some(key),
                "{cmd} / {other_slot}"
            );
        }
        // Every MQTT command with an async result is covered above.
        let covered: Vec<_> = pairs
            .iter()
            .map(|(c, _)| command(c).async_key().unwrap().command)
            .collect();
        for line in COMMANDS {
            if let Some(key) = command(line).async_key() {
                assert!(covered.contains(&key.command), "{line}");
            }
        }
        assert_ne!(
            urc("+QMTSUB: 1,6,0,1").async_key(),
            command("AT+QMTSUB=1,7,\"a/#\",1").async_key()
        );
    }

    #[test]
    fn lines_that_answer_no_command_have_no_key() {
        for line in [
            "+QMTSTAT: 1,1",
            "+QMTRECV: 1,3,\"t\",\"p\"",
            "+IP: 10.0.0.1",
            "+XYZ: 1",
        ] {
            assert_eq!(urc(line).async_key(), None, "{line}");
        }
        assert_eq!(urc("+QMTRECV: 1,3,\"t\",\"p\"").msg_id(), Some(3));
    }

    #[test]
    fn retransmission_notices() {
        for line in [
            "+QMTCONN: 0,1",
            "+QMTSUB: 0,1,1,2",
            "+QMTUNS: 0,1,1",
            "+QMTPUB: 0,1,1,1",
        ] {
            assert!(urc(line).is_retransmission_notice(), "{line}");
        }
        for line in [
            "+QMTCONN: 0,0,0",
            "+QMTPUB: 0,1,0",
            "+QMTOPEN: 0,1",
            "+QMTSTAT: 0,1",
        ] {
            assert!(!urc(line).is_retransmission_notice(), "{line}");
        }
    }
}
