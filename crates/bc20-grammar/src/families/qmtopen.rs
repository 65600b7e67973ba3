//! AT+QMTOPEN (3.2.2): open a network connection for an MQTT client. The write command, its
//! read response `+QMTOPEN: <id>,"<host_name>",<port>` and the result URC
//! `+QMTOPEN: <id>,<result>`.

use std::borrow::Cow;

use crate::codes::OpenResult;
use crate::command::Command;
use crate::cursor::{Cursor, LEFT_QUOTE};
use crate::error::{DecodeError, EncodeError, WarningKind};
use crate::fields::{conn_id, limited, limited_as};
use crate::limits;
use crate::line::Line;
use crate::response::Response;
use crate::text::{check_host_name, HOST_NAME_MAX_LEN};
use crate::urc::Urc;
use crate::wire::{range, write_id, Wire};

/// `AT+QMTOPEN=<tcpconnectID>,"<host_name>",<port>`, after the `=`.
pub(crate) fn decode_write<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("host_name")?;
    // Unquoted host names come from real drivers: lenient with a warning (D48).
    let host_name = limited_as(
        cur,
        "host_name",
        (1, HOST_NAME_MAX_LEN),
        Some(WarningKind::UnquotedString),
    )?;
    cur.comma("port")?;
    let port = cur.int("port", limits::PORT.0, limits::PORT.1)? as u16;
    cur.end()?;
    Ok(Command::QmtOpen {
        conn_id,
        host_name: Cow::Borrowed(host_name),
        port,
    })
}

/// `+QMTOPEN: ` then the read response (a quoted host name) or the result URC.
pub(crate) fn decode_answer<'a>(cur: &mut Cursor<'a>) -> Result<Line<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("result")?;
    let quoted = cur.rest().first() == Some(&b'"') || cur.rest().starts_with(LEFT_QUOTE);
    let line = if quoted {
        let host_name = limited(cur, "host_name", 1, HOST_NAME_MAX_LEN)?;
        cur.comma("port")?;
        let port = cur.int("port", limits::PORT.0, limits::PORT.1)? as u16;
        cur.end()?;
        Line::Response(Response::QmtOpenRead {
            conn_id,
            host_name: Cow::Borrowed(host_name),
            port,
        })
    } else {
        let v = cur.int("result", -1, 5)?;
        cur.end()?;
        Line::Urc(Urc::QmtOpen {
            conn_id,
            result: OpenResult::from_code(v as i8).expect("range-checked"),
        })
    };
    Ok(line)
}

/// Writes `AT+QMTOPEN=<tcpconnectID>,"<host_name>",<port>` (without its CR).
pub(crate) fn encode_command<'v>(
    conn_id: u8,
    host_name: &'v str,
    port: u16,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    write_target(b"AT+QMTOPEN=", conn_id, host_name, port, w)
}

/// Writes the read response `+QMTOPEN: <id>,"<host_name>",<port>`.
pub(crate) fn encode_response<'v>(
    conn_id: u8,
    host_name: &'v str,
    port: u16,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    write_target(b"+QMTOPEN: ", conn_id, host_name, port, w)
}

/// `<head><tcpconnectID>,"<host_name>",<port>`: the write command and the read response
/// carry the same three values under the same rules.
fn write_target<'v>(
    head: &[u8],
    conn_id: u8,
    host_name: &'v str,
    port: u16,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    check_host_name(host_name)?;
    range("port", port, limits::PORT)?;
    write_id(w, head, conn_id)?
        .comma()
        .quoted_unchecked(host_name.as_bytes())
        .comma()
        .int(port.into());
    Ok(())
}

/// Writes the result URC `+QMTOPEN: <id>,<result>`.
pub(crate) fn encode_urc(
    conn_id: u8,
    result: OpenResult,
    w: &mut Wire<'_, '_>,
) -> Result<(), EncodeError> {
    write_id(w, b"+QMTOPEN: ", conn_id)?
        .comma()
        .int(result.code().into());
    Ok(())
}
