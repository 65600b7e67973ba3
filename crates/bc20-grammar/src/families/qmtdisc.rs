//! AT+QMTDISC (3.2.5): disconnect a client from the MQTT server.
//! The write command `AT+QMTDISC=<tcpconnectID>` and its result URC
//! `+QMTDISC: <tcpconnectID>,<result>`.

use crate::command::Command;
use crate::cursor::Cursor;
use crate::error::{DecodeError, EncodeError};
use crate::fields::{close_result, conn_id};
use crate::urc::Urc;
use crate::wire::{write_id, Wire};

/// `AT+QMTDISC=<tcpconnectID>`, after the `=`.
pub(crate) fn decode_write<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.end()?;
    Ok(Command::QmtDisc { conn_id })
}

/// The result URC `+QMTDISC: <tcpconnectID>,<result>`, after `+QMTDISC: `.
pub(crate) fn decode_answer<'a>(cur: &mut Cursor<'a>) -> Result<Urc<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("result")?;
    let result = close_result(cur)?;
    cur.end()?;
    Ok(Urc::QmtDisc { conn_id, result })
}

/// Writes an AT+QMTDISC line (without its CR).
pub(crate) fn encode_command<'v>(
    cmd: &'v Command<'_>,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    match cmd {
        Command::QmtDiscTest => w.name(b"AT+QMTDISC=?"),
        Command::QmtDisc { conn_id } => write_id(w, b"AT+QMTDISC=", *conn_id)?,
        other => unreachable!("{} is not an AT+QMTDISC form", other.spec_id()),
    };
    Ok(())
}

/// Writes the result URC `+QMTDISC: <tcpconnectID>,<result>`.
pub(crate) fn encode_urc<'v>(u: &'v Urc<'_>, w: &mut Wire<'_, 'v>) -> Result<(), EncodeError> {
    match u {
        Urc::QmtDisc { conn_id, result } => {
            write_id(w, b"+QMTDISC: ", *conn_id)?
                .comma()
                .int(result.code().into());
        }
        other => unreachable!("{} is not a +QMTDISC result", other.spec_id()),
    }
    Ok(())
}
