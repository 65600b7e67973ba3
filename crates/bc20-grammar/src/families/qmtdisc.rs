//! AT+QMTDISC (3.2.5): disconnect a client from the MQTT server.
//! The write command `AT+QMTDISC=<tcpconnectID>` and its result URC
//! `+QMTDISC: <tcpconnectID>,<result>`.

use crate::codes::CloseResult;
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

/// Writes `AT+QMTDISC=<tcpconnectID>` (without its CR).
pub(crate) fn encode_command(conn_id: u8, w: &mut Wire<'_, '_>) -> Result<(), EncodeError> {
    write_id(w, b"AT+QMTDISC=", conn_id)?;
    Ok(())
}

/// Writes the result URC `+QMTDISC: <tcpconnectID>,<result>`.
pub(crate) fn encode_urc(
    conn_id: u8,
    result: CloseResult,
    w: &mut Wire<'_, '_>,
) -> Result<(), EncodeError> {
    write_id(w, b"+QMTDISC: ", conn_id)?
        .comma()
        .int(result.code().into());
    Ok(())
}
