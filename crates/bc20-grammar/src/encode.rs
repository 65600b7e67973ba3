//! The line encoder's dispatcher: `encode` and `to_bytes` of [`Command`], [`Response`] and
//! [`Urc`] frame the line (CR after a command, CR LF around a module line), bound its length,
//! and hand the variant's fields to its family in [`crate::families`], in one exhaustive match
//! per line type. Lines that are one fixed word (test and read forms, `AT`, `OK`) and lines
//! outside every family (test responses, unknown URCs) are written here.

use std::borrow::Cow;
use std::fmt;

use crate::command::{Command, MqttCommand};
use crate::error::EncodeError;
use crate::families::{
    basic, final_result, qmtcfg, qmtclose, qmtconn, qmtdisc, qmtopen, qmtpub, qmtrecv, qmtstat,
    qmtsub, qmtuns,
};
use crate::params::Params;
use crate::response::Response;
use crate::urc::Urc;
use crate::wire::{check_line_len, Wire};

impl Command<'_> {
    /// Appends the exact bytes the module expects, `AT...\r`, after checking every field.
    ///
    /// # Errors
    ///
    /// An [`EncodeError`] naming the field that breaks the note or a decision (range, length,
    /// a byte the wire cannot carry, a rule), or `LineTooLong` when the line would exceed
    /// [`crate::DEFAULT_MAX_LINE_LEN`] bytes (D12, D50); `out` is then left as it was.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        // The line without its CR must fit the bound every peer decodes (D12, D50).
        let result = self.write(&mut Wire::new(out)).and_then(|()| {
            out.push(b'\r');
            check_line_len(out.len() - start - 1)
        });
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// The encoded bytes in a new buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(64);
        self.encode(&mut out)?;
        Ok(out)
    }

    /// The line's name prefix and parameters in wire order (see [`Params`]): what
    /// [`Command::encode`] writes, without the CR, as typed values.
    ///
    /// # Errors
    ///
    /// The [`EncodeError`] [`Command::encode`] would return, but for the line bound.
    pub fn params(&self) -> Result<Params<'_>, EncodeError> {
        let mut p = Params::default();
        self.write(&mut Wire::params(&mut p))?;
        Ok(p)
    }

    fn write<'v>(&'v self, w: &mut Wire<'_, 'v>) -> Result<(), EncodeError> {
        use Command::*;
        use MqttCommand as M;
        match self {
            QmtCfgTest => test_form(w, M::QmtCfg),
            QmtCfg { conn_id, setting } => qmtcfg::encode_command(*conn_id, setting, w)?,
            QmtOpenTest => test_form(w, M::QmtOpen),
            QmtOpenRead => read_form(w, b"AT+QMTOPEN?"),
            QmtOpen {
                conn_id,
                host_name,
                port,
            } => qmtopen::encode_command(*conn_id, host_name, *port, w)?,
            QmtCloseTest => test_form(w, M::QmtClose),
            QmtClose { conn_id } => qmtclose::encode_command(*conn_id, w)?,
            QmtConnTest => test_form(w, M::QmtConn),
            QmtConnRead => read_form(w, b"AT+QMTCONN?"),
            QmtConn {
                conn_id,
                client_id,
                username,
                password,
            } => qmtconn::encode_command(
                *conn_id,
                client_id,
                username.as_deref(),
                password.as_deref(),
                w,
            )?,
            QmtDiscTest => test_form(w, M::QmtDisc),
            QmtDisc { conn_id } => qmtdisc::encode_command(*conn_id, w)?,
            QmtSubTest => test_form(w, M::QmtSub),
            QmtSub {
                conn_id,
                msg_id,
                topics,
            } => qmtsub::encode_command(*conn_id, *msg_id, topics, w)?,
            QmtUnsTest => test_form(w, M::QmtUns),
            QmtUns {
                conn_id,
                msg_id,
                topics,
            } => qmtuns::encode_command(*conn_id, *msg_id, topics, w)?,
            QmtPubTest => test_form(w, M::QmtPub),
            QmtPub {
                conn_id,
                msg_id,
                qos,
                retain,
                topic,
                msg,
            } => qmtpub::encode_command(
                qmtpub::PubFields {
                    conn_id: *conn_id,
                    msg_id: *msg_id,
                    qos: *qos,
                    retain: *retain,
                    topic,
                    msg: msg.as_bytes(),
                },
                w,
            )?,
            At => read_form(w, b"AT"),
            Echo { on } => basic::encode_echo(*on, w),
            Ati => read_form(w, b"ATI"),
            Cgmr => read_form(w, b"AT+CGMR"),
            Cmee { n } => basic::encode_cmee(*n, w)?,
            CpinRead => read_form(w, b"AT+CPIN?"),
            CeregRead => read_form(w, b"AT+CEREG?"),
            CgattRead => read_form(w, b"AT+CGATT?"),
            Csq => read_form(w, b"AT+CSQ"),
        }
        Ok(())
    }
}

impl Response<'_> {
    /// Appends `\r\n<line>\r\n`, after checking every field.
    ///
    /// # Errors
    ///
    /// An [`EncodeError`] naming the field that breaks the note or a decision (range, length,
    /// a byte the wire cannot carry, a rule), or `LineTooLong` when the line would exceed
    /// [`crate::DEFAULT_MAX_LINE_LEN`] bytes (D12, D50); `out` is then left as it was.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(b"\r\n");
        // The line between its CR LFs must fit the bound every peer decodes (D12, D50).
        let result = self
            .write(&mut Wire::new(out))
            .and_then(|()| check_line_len(out.len() - start - 2));
        match result {
            Result::Ok(()) => out.extend_from_slice(b"\r\n"),
            Err(_) => out.truncate(start),
        }
        result
    }

    /// The encoded bytes in a new buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(32);
        self.encode(&mut out)?;
        Result::Ok(out)
    }

    /// The line's name prefix and parameters in wire order (see [`Params`]): what
    /// [`Response::encode`] writes between the CR LFs, as typed values.
    ///
    /// # Errors
    ///
    /// The [`EncodeError`] [`Response::encode`] would return, but for the line bound.
    pub fn params(&self) -> Result<Params<'_>, EncodeError> {
        let mut p = Params::default();
        self.write(&mut Wire::params(&mut p))?;
        Ok(p)
    }

    fn write<'v>(&'v self, w: &mut Wire<'_, 'v>) -> Result<(), EncodeError> {
        use Response::*;
        match self {
            Test { command, params } => write_test(w, *command, params)?,
            QmtCfgKeepAlive { keepalive } => qmtcfg::encode_keepalive_response(*keepalive, w)?,
            QmtCfgSession { clean_session } => qmtcfg::encode_session_response(*clean_session, w),
            QmtCfgTimeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => qmtcfg::encode_timeout_response(*pkt_timeout, *retry_times, *timeout_notice, w)?,
            QmtCfgWill { will } => qmtcfg::encode_will_response(will.as_ref(), w)?,
            QmtCfgAliAuth {
                product_key,
                device_name,
                device_secret,
            } => qmtcfg::encode_aliauth_response(product_key, device_name, device_secret, w)?,
            QmtOpenRead {
                conn_id,
                host_name,
                port,
            } => qmtopen::encode_response(*conn_id, host_name, *port, w)?,
            QmtConnRead { conn_id, state } => qmtconn::encode_response(*conn_id, *state, w)?,
            Cpin { code } => basic::encode_cpin(code, w)?,
            Cereg { n, stat } => basic::encode_cereg(*n, *stat, w)?,
            Cgatt { state } => basic::encode_cgatt(*state, w),
            Csq { rssi, ber } => basic::encode_csq(*rssi, *ber, w)?,
            Text { text } => final_result::encode_text(text, w)?,
            Ok => read_form(w, b"OK"),
            Error => read_form(w, b"ERROR"),
            CmeError { err } => final_result::encode_cme_error(*err, w),
        }
        Result::Ok(())
    }
}

impl Urc<'_> {
    /// Appends `\r\n<line>\r\n`, after checking every field.
    ///
    /// # Errors
    ///
    /// An [`EncodeError`] naming the field that breaks the note or a decision (range, length,
    /// a byte the wire cannot carry, a rule), or `LineTooLong` when the line would exceed
    /// [`crate::DEFAULT_MAX_LINE_LEN`] bytes (D12, D50); `out` is then left as it was.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(b"\r\n");
        // The line between its CR LFs must fit the bound every peer decodes (D12, D50).
        let result = self
            .write(&mut Wire::new(out))
            .and_then(|()| check_line_len(out.len() - start - 2));
        match result {
            Ok(()) => out.extend_from_slice(b"\r\n"),
            Err(_) => out.truncate(start),
        }
        result
    }

    /// The encoded bytes in a new buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(32);
        self.encode(&mut out)?;
        Ok(out)
    }

    /// The line's name prefix and parameters in wire order (see [`Params`]): what
    /// [`Urc::encode`] writes between the CR LFs, as typed values.
    ///
    /// # Errors
    ///
    /// The [`EncodeError`] [`Urc::encode`] would return, but for the line bound.
    pub fn params(&self) -> Result<Params<'_>, EncodeError> {
        let mut p = Params::default();
        self.write(&mut Wire::params(&mut p))?;
        Ok(p)
    }

    fn write<'v>(&'v self, w: &mut Wire<'_, 'v>) -> Result<(), EncodeError> {
        match self {
            Urc::QmtOpen { conn_id, result } => qmtopen::encode_urc(*conn_id, *result, w),
            Urc::QmtClose { conn_id, result } => qmtclose::encode_urc(*conn_id, *result, w),
            Urc::QmtConn {
                conn_id,
                result,
                ret_code,
                value,
            } => qmtconn::encode_urc(*conn_id, *result, *ret_code, *value, w),
            Urc::QmtDisc { conn_id, result } => qmtdisc::encode_urc(*conn_id, *result, w),
            Urc::QmtSub(p) => qmtsub::encode_urc(p, w),
            Urc::QmtUns(p) => qmtuns::encode_urc(p, w),
            Urc::QmtPub(p) => qmtpub::encode_urc(p, w),
            Urc::QmtStat { conn_id, err_code } => qmtstat::encode_urc(*conn_id, *err_code, w),
            Urc::QmtRecv {
                conn_id,
                msg_id,
                topic,
                payload,
            } => qmtrecv::encode_urc(*conn_id, *msg_id, topic, payload, w),
            Urc::Ip { addr } => basic::encode_ip(addr, w),
            Urc::Unknown { text } => write_unknown(w, text),
        }
    }
}

/// A test form `AT+QMTxxx=?`.
fn test_form(w: &mut Wire<'_, '_>, command: MqttCommand) {
    w.name(command.test_line());
}

/// A command or final result code that is one fixed word (`AT+QMTOPEN?`, `ATI`, `OK`).
fn read_form(w: &mut Wire<'_, '_>, line: &'static [u8]) {
    w.name(line);
}

/// A test response `+QMTxxx: <params>`: the parameter description as read, with ASCII quotes.
fn write_test<'v>(
    w: &mut Wire<'_, 'v>,
    command: MqttCommand,
    params: &'v str,
) -> Result<(), EncodeError> {
    let b = params.as_bytes();
    if let Some(at) = b.iter().position(|&c| c < 0x20 || c == 0x7f) {
        return Err(EncodeError::Unrepresentable {
            field: "params",
            byte: b[at],
            at,
        });
    }
    // Blanks before the line end are a deviation strict decoding refuses (D46):
    // the encoder never writes a line its own decoder rejects.
    if b.last().is_some_and(|&c| c == b' ' || c == b'\t') {
        return Err(EncodeError::Rule {
            field: "params",
            rule: "no blank or tab before the line end (D46)",
        });
    }
    w.name(command.plus_name().as_bytes()).name(b": ");
    // The wire has ASCII quotes only (D2): typographic ones read leniently become `"`.
    let params = if params.contains(['\u{201c}', '\u{201d}']) {
        Cow::Owned(params.replace(['\u{201c}', '\u{201d}'], "\""))
    } else {
        Cow::Borrowed(params)
    };
    w.text_list(params);
    Ok(())
}

/// A line outside the grammar, kept whole (D41): it must still read back as one.
fn write_unknown<'v>(w: &mut Wire<'_, 'v>, text: &'v str) -> Result<(), EncodeError> {
    let b = text.as_bytes();
    if b.first() != Some(&b'+') || !b.contains(&b':') {
        return Err(EncodeError::Rule {
            field: "line",
            rule: "an unknown URC starts with '+' and has a ':'",
        });
    }
    if let Some(at) = b.iter().position(|&c| c < 0x20 || c == 0x7f) {
        return Err(EncodeError::Unrepresentable {
            field: "line",
            byte: b[at],
            at,
        });
    }
    // The name runs to the first ':' and the blank after it; the grammar knows nothing of
    // the rest but its commas.
    let colon = text.find(':').map_or(0, |c| c + 1);
    let end = colon + usize::from(text[colon..].starts_with(' '));
    w.name(&b[..end]);
    if end < b.len() {
        w.text_list(Cow::Borrowed(&text[end..]));
    }
    Ok(())
}

impl fmt::Display for Command<'_> {
    /// The wire line without its CR, or `<invalid: reason>` when a field cannot be encoded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_bytes() {
            Ok(mut b) => {
                b.pop();
                f.write_str(&String::from_utf8_lossy(&b))
            }
            Err(e) => write!(f, "<invalid {}: {e}>", self.name()),
        }
    }
}
