//! AT+QMTCONN (3.2.4): connect a client to the MQTT server. The write command, the read
//! response `+QMTCONN: <tcpconnectID>,<state>` and the result URC
//! `+QMTCONN: <tcpconnectID>,<result>[,<ret_code>]`, which only the conversation tells apart
//! (spec/DECISIONS.md D26).

use std::borrow::Cow;

use crate::codes::{ConnState, ConnectReturnCode, PacketResult};
use crate::command::Command;
use crate::cursor::Cursor;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, WarningKind};
use crate::fields::{conn_id, limited};
use crate::limits;
use crate::line::Line;
use crate::response::Response;
use crate::text::check_string;
use crate::urc::Urc;
use crate::wire::{write_id, Wire};

/// `AT+QMTCONN=<tcpconnectID>,"<clientID>"[,"<username>"[,"<password>"]]`, after the `=`.
pub(crate) fn decode_write<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("clientID")?;
    let client_id = limited(
        cur,
        "clientID",
        limits::CLIENT_ID_LEN.0,
        limits::CLIENT_ID_LEN.1,
    )?;
    let mut username = None;
    let mut password = None;
    if cur.comma_or_end()? {
        username = Some(Cow::Borrowed(limited(
            cur,
            "username",
            limits::CREDENTIAL_LEN.0,
            limits::CREDENTIAL_LEN.1,
        )?));
        if cur.comma_or_end()? {
            password = Some(Cow::Borrowed(limited(
                cur,
                "password",
                limits::CREDENTIAL_LEN.0,
                limits::CREDENTIAL_LEN.1,
            )?));
            cur.end()?;
        }
    }
    Ok(Command::QmtConn {
        conn_id,
        client_id: Cow::Borrowed(client_id),
        username,
        password,
    })
}

/// `+QMTCONN: ` then the result URC, or the read response while `AT+QMTCONN?` awaits its final
/// result code (`conn_read_pending`, [`crate::Context`]).
pub(crate) fn decode_answer<'a>(
    cur: &mut Cursor<'a>,
    conn_read_pending: bool,
) -> Result<Line<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("result")?;
    let at = cur.pos();
    let n = cur.int("result", 0, 4)? as u8;
    let line = if cur.comma_or_end()? {
        if n == 1 && cur.lenient() {
            // Some firmware appends a retransmission count, as on +QMTPUB (D27).
            let count_at = cur.pos();
            let count = cur.int("value", 0, 255)? as u8;
            cur.end()?;
            cur.warn(count_at, WarningKind::ConnRetransmissionCount);
            return Ok(Line::Urc(Urc::QmtConn {
                conn_id,
                result: PacketResult::Retransmission,
                ret_code: None,
                value: Some(count),
            }));
        }
        if n != 0 {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::Rule {
                    rule: "ret_code comes with result 0 only (D27)",
                },
            ));
        }
        let rc = cur.int("ret_code", 0, 5)? as u8;
        cur.end()?;
        Line::Urc(Urc::QmtConn {
            conn_id,
            result: PacketResult::Sent,
            ret_code: ConnectReturnCode::from_code(rc),
            value: None,
        })
    } else if conn_read_pending && n >= 1 {
        Line::Response(Response::QmtConnRead {
            conn_id,
            state: ConnState::from_code(n).expect("range-checked"),
        })
    } else if n == 1 || n == 2 {
        Line::Urc(Urc::QmtConn {
            conn_id,
            result: PacketResult::from_code(n).expect("range-checked"),
            ret_code: None,
            value: None,
        })
    } else if n == 0 {
        if !cur.lenient() {
            return Err(cur.error(DecodeErrorKind::Missing { field: "ret_code" }));
        }
        cur.warn(cur.pos(), WarningKind::MissingRetCode);
        Line::Urc(Urc::QmtConn {
            conn_id,
            result: PacketResult::Sent,
            ret_code: None,
            value: None,
        })
    } else {
        // 3 and 4 are states only: a read response seen without its command.
        Line::Response(Response::QmtConnRead {
            conn_id,
            state: ConnState::from_code(n).expect("range-checked"),
        })
    };
    Ok(line)
}

/// Writes `AT+QMTCONN=<tcpconnectID>,"<clientID>"[,"<username>"[,"<password>"]]` (without
/// its CR).
pub(crate) fn encode_command<'v>(
    conn_id: u8,
    client_id: &'v str,
    username: Option<&'v str>,
    password: Option<&'v str>,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    if password.is_some() && username.is_none() {
        return Err(EncodeError::Rule {
            field: "password",
            rule: "password needs username (parameters are positional)",
        });
    }
    check_string("clientID", client_id.as_bytes(), limits::CLIENT_ID_LEN)?;
    for (field, v) in [("username", username), ("password", password)] {
        if let Some(v) = v {
            check_string(field, v.as_bytes(), limits::CREDENTIAL_LEN)?;
        }
    }
    let w = write_id(w, b"AT+QMTCONN=", conn_id)?.comma();
    w.quoted("clientID", client_id.as_bytes())?;
    if let Some(u) = username {
        w.comma().quoted("username", u.as_bytes())?;
    }
    if let Some(p) = password {
        w.comma().quoted("password", p.as_bytes())?;
    }
    Ok(())
}

/// Writes the read response `+QMTCONN: <tcpconnectID>,<state>`.
pub(crate) fn encode_response(
    conn_id: u8,
    state: ConnState,
    w: &mut Wire<'_, '_>,
) -> Result<(), EncodeError> {
    write_id(w, b"+QMTCONN: ", conn_id)?
        .comma()
        .int(state.code().into());
    Ok(())
}

/// Writes the result URC `+QMTCONN: <tcpconnectID>,<result>[,<ret_code>]`.
pub(crate) fn encode_urc(
    conn_id: u8,
    result: PacketResult,
    ret_code: Option<ConnectReturnCode>,
    value: Option<u8>,
    w: &mut Wire<'_, '_>,
) -> Result<(), EncodeError> {
    if value.is_some() {
        return Err(EncodeError::Rule {
            field: "value",
            rule: "+QMTCONN carries no retransmission count in the note (D27)",
        });
    }
    if (result == PacketResult::Sent) != ret_code.is_some() {
        return Err(EncodeError::Rule {
            field: "ret_code",
            rule: "ret_code is present if and only if result is 0",
        });
    }
    write_id(w, b"+QMTCONN: ", conn_id)?
        .comma()
        .int(result.code().into());
    if let Some(rc) = ret_code {
        w.comma().int(rc.code().into());
    }
    Ok(())
}
