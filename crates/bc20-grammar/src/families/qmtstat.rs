//! +QMTSTAT (5.1): the module reports a change in an MQTT link's state,
//! `+QMTSTAT: <tcpconnectID>,<err_code>`.

use crate::codes::QmtStatCode;
use crate::cursor::Cursor;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::fields::conn_id;
use crate::urc::Urc;
use crate::wire::{write_id, Wire};

/// The URC, after `+QMTSTAT: `. `<err_code>` 0 is outside the note (1-255): lenient only.
pub(crate) fn decode<'a>(cur: &mut Cursor<'a>) -> Result<Urc<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("err_code")?;
    let at = cur.pos();
    let code = cur.int("err_code", 0, 255)? as u8;
    if code == 0 && !cur.lenient() {
        return Err(DecodeError::new(
            at,
            DecodeErrorKind::OutOfRange {
                field: "err_code",
                value: 0,
                min: 1,
                max: 255,
            },
        ));
    }
    cur.end()?;
    Ok(Urc::QmtStat {
        conn_id,
        err_code: QmtStatCode::from_code(code),
    })
}

/// Writes `+QMTSTAT: <tcpconnectID>,<err_code>`.
pub(crate) fn encode_urc(
    conn_id: u8,
    err_code: QmtStatCode,
    w: &mut Wire<'_, '_>,
) -> Result<(), EncodeError> {
    if err_code.code() == 0 {
        return Err(EncodeError::OutOfRange {
            field: "err_code",
            value: 0,
            min: 1,
            max: 255,
        });
    }
    write_id(w, b"+QMTSTAT: ", conn_id)?
        .comma()
        .int(err_code.code().into());
    Ok(())
}
