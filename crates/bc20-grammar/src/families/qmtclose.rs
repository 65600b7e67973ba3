//! AT+QMTCLOSE (3.2.3): close a network connection for an MQTT client.
//! The write command `AT+QMTCLOSE=<tcpconnectID>` and its result URC
//! `+QMTCLOSE: <tcpconnectID>,<result>`.

use crate::codes::CloseResult;
use crate::command::Command;
use crate::cursor::Cursor;
use crate::error::{DecodeError, EncodeError};
use crate::fields::{close_result, conn_id};
use crate::urc::Urc;
use crate::wire::{write_id, Wire};

/// `AT+QMTCLOSE=<tcpconnectID>`, after the `=`.
pub(crate) fn decode_write<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.end()?;
    Ok(Command::QmtClose { conn_id })
}

/// The result URC `+QMTCLOSE: <tcpconnectID>,<result>`, after `+QMTCLOSE: `.
pub(crate) fn decode_answer<'a>(cur: &mut Cursor<'a>) -> Result<Urc<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("result")?;
    let result = close_result(cur)?;
    cur.end()?;
    Ok(Urc::QmtClose { conn_id, result })
}

/// Writes `AT+QMTCLOSE=<tcpconnectID>` (without its CR).
pub(crate) fn encode_command(conn_id: u8, w: &mut Wire<'_, '_>) -> Result<(), EncodeError> {
    write_id(w, b"AT+QMTCLOSE=", conn_id)?;
    Ok(())
}

/// Writes the result URC `+QMTCLOSE: <tcpconnectID>,<result>`.
pub(crate) fn encode_urc(
    conn_id: u8,
    result: CloseResult,
    w: &mut Wire<'_, '_>,
) -> Result<(), EncodeError> {
    write_id(w, b"+QMTCLOSE: ", conn_id)?
        .comma()
        .int(result.code().into());
    Ok(())
}
