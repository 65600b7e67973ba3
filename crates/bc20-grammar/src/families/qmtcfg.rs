//! AT+QMTCFG (3.2.1): the write and query forms of its five keywords, their query responses,
//! and the Will and Alibaba parameters they share.

use std::borrow::Cow;

use crate::command::{CfgKeyword, CfgSetting, Command, Will};
use crate::cursor::Cursor;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, WarningKind};
use crate::fields::{conn_id, flag, limited, qos, topic};
use crate::limits;
use crate::mqtt_topic::TopicKind;
use crate::response::Response;
use crate::text::{check_string, check_topic};
use crate::wire::{range, Wire};

// ---------------------------------------------------------------- decode

/// A QMTCFG keyword: strict takes all-lower or all-upper (the note prints both), lenient any case.
fn cfg_keyword(cur: &mut Cursor<'_>) -> Result<CfgKeyword, DecodeError> {
    let at = cur.pos();
    // An unquoted keyword (`AT+QMTCFG=ALIAUTH,...` in BC26 tutorials) is lenient with a
    // warning (D48); in a query response it is D17's unquoted form.
    let unquoted = cur.unquoted.unwrap_or(WarningKind::UnquotedString);
    let word = cur.string_unquoted_as("keyword", Some(unquoted))?;
    let kw = CfgKeyword::ALL
        .into_iter()
        .find(|k| word.eq_ignore_ascii_case(k.as_str()))
        .ok_or_else(|| {
            DecodeError::new(
                at,
                DecodeErrorKind::Expected {
                    expected: "keepalive, session, timeout, will or aliauth",
                },
            )
        })?;
    let canonical = word.bytes().all(|b| b.is_ascii_lowercase())
        || word.bytes().all(|b| b.is_ascii_uppercase());
    if !canonical {
        if !cur.lenient() {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::Expected {
                    expected: "a keyword in all lower or all upper case (strict)",
                },
            ));
        }
        cur.warn(at, WarningKind::KeywordCase);
    }
    Ok(kw)
}

pub(crate) fn decode_write<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    let kw = cfg_keyword(cur)?;
    cur.comma("tcpconnectID")?;
    let conn_id = conn_id(cur)?;
    let more = cur.comma_or_end()?;
    let setting = if more {
        decode_setting(cur, kw)?
    } else {
        CfgSetting::Query(kw)
    };
    Ok(Command::QmtCfg { conn_id, setting })
}

/// The values of a write form after `<tcpconnectID>,`, to the end of the line.
fn decode_setting<'a>(cur: &mut Cursor<'a>, kw: CfgKeyword) -> Result<CfgSetting<'a>, DecodeError> {
    Ok(match kw {
        CfgKeyword::KeepAlive => {
            let keepalive =
                cur.int("keep-alive time", limits::KEEPALIVE.0, limits::KEEPALIVE.1)? as u16;
            cur.end()?;
            CfgSetting::KeepAlive { keepalive }
        }
        CfgKeyword::Session => {
            let clean_session = flag(cur, "clean_session")?;
            cur.end()?;
            CfgSetting::Session { clean_session }
        }
        CfgKeyword::Timeout => {
            let pkt_timeout =
                cur.int("pkt_timeout", limits::PKT_TIMEOUT.0, limits::PKT_TIMEOUT.1)? as u8;
            let mut retry_times = None;
            let mut timeout_notice = None;
            if cur.comma_or_end()? {
                retry_times =
                    Some(
                        cur.int("retry_times", limits::RETRY_TIMES.0, limits::RETRY_TIMES.1)? as u8,
                    );
                if cur.comma_or_end()? {
                    timeout_notice = Some(flag(cur, "timeout_notice")?);
                    cur.end()?;
                }
            }
            CfgSetting::Timeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            }
        }
        CfgKeyword::Will => CfgSetting::Will(will_params(cur)?),
        CfgKeyword::AliAuth => {
            let (product_key, device_name, device_secret) = aliauth_params(cur)?;
            CfgSetting::AliAuth {
                product_key,
                device_name,
                device_secret,
            }
        }
    })
}

/// `<will_fg>[,<will_qos>,<will_retain>,"<will_topic>","<will_msg>"]` to the end of the line.
fn will_params<'a>(cur: &mut Cursor<'a>) -> Result<Option<Will<'a>>, DecodeError> {
    if !flag(cur, "will_fg")? {
        cur.end()?;
        return Ok(None);
    }
    cur.comma("will_qos")?;
    let will_qos = qos(cur, "will_qos")?;
    cur.comma("will_retain")?;
    let will_retain = flag(cur, "will_retain")?;
    cur.comma("will_topic")?;
    let will_topic = topic(cur, "will_topic", TopicKind::Name)?;
    cur.comma("will_msg")?;
    let will_msg = limited(cur, "will_msg", limits::MSG_LEN.0, limits::MSG_LEN.1)?;
    cur.end()?;
    Ok(Some(Will {
        will_qos,
        will_retain,
        will_topic: Cow::Borrowed(will_topic),
        will_msg: Cow::Borrowed(will_msg),
    }))
}

type AliAuth<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

fn aliauth_params<'a>(cur: &mut Cursor<'a>) -> Result<AliAuth<'a>, DecodeError> {
    let (lo, hi) = limits::ALIAUTH_LEN;
    let product_key = limited(cur, "product_key", lo, hi)?;
    cur.comma("device_name")?;
    let device_name = limited(cur, "device_name", lo, hi)?;
    cur.comma("device_secret")?;
    let device_secret = limited(cur, "device_secret", lo, hi)?;
    cur.end()?;
    Ok((
        Cow::Borrowed(product_key),
        Cow::Borrowed(device_name),
        Cow::Borrowed(device_secret),
    ))
}

/// The query response `+QMTCFG: "<keyword>",<value>...`, after `+QMTCFG: `.
pub(crate) fn decode_response<'a>(cur: &mut Cursor<'a>) -> Result<Response<'a>, DecodeError> {
    // The note prints these strings unquoted; we quote them (D17).
    cur.unquoted = Some(WarningKind::QuotingDiffers);
    let kw = cfg_keyword(cur)?;
    cur.comma("value")?;
    let r = match kw {
        CfgKeyword::KeepAlive => {
            let keepalive =
                cur.int("keep-alive time", limits::KEEPALIVE.0, limits::KEEPALIVE.1)? as u16;
            cur.end()?;
            Response::QmtCfgKeepAlive { keepalive }
        }
        CfgKeyword::Session => {
            let clean_session = flag(cur, "clean_session")?;
            cur.end()?;
            Response::QmtCfgSession { clean_session }
        }
        CfgKeyword::Timeout => {
            let pkt_timeout =
                cur.int("pkt_timeout", limits::PKT_TIMEOUT.0, limits::PKT_TIMEOUT.1)? as u8;
            cur.comma("retry_times")?;
            let retry_times =
                cur.int("retry_times", limits::RETRY_TIMES.0, limits::RETRY_TIMES.1)? as u8;
            cur.comma("timeout_notice")?;
            let timeout_notice = flag(cur, "timeout_notice")?;
            cur.end()?;
            Response::QmtCfgTimeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            }
        }
        CfgKeyword::Will => Response::QmtCfgWill {
            will: will_params(cur)?,
        },
        CfgKeyword::AliAuth => {
            let (product_key, device_name, device_secret) = aliauth_params(cur)?;
            Response::QmtCfgAliAuth {
                product_key,
                device_name,
                device_secret,
            }
        }
    };
    Ok(r)
}

// ---------------------------------------------------------------- encode

/// Writes an `AT+QMTCFG="<keyword>",<id>[,...]` line (without its CR).
pub(crate) fn encode_command<'v>(
    conn_id: u8,
    setting: &'v CfgSetting<'_>,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    let keyword = setting.keyword().as_str().as_bytes();
    match setting {
        CfgSetting::Query(_) => {
            cfg(w, keyword, conn_id)?;
        }
        CfgSetting::KeepAlive { keepalive } => {
            range("keep-alive time", *keepalive, limits::KEEPALIVE)?;
            cfg(w, keyword, conn_id)?.comma().int((*keepalive).into());
        }
        CfgSetting::Session { clean_session } => {
            cfg(w, keyword, conn_id)?
                .comma()
                .int((*clean_session).into());
        }
        CfgSetting::Timeout {
            pkt_timeout,
            retry_times,
            timeout_notice,
        } => {
            range("pkt_timeout", *pkt_timeout, limits::PKT_TIMEOUT)?;
            if let Some(r) = retry_times {
                range("retry_times", *r, limits::RETRY_TIMES)?;
            }
            if timeout_notice.is_some() && retry_times.is_none() {
                return Err(EncodeError::Rule {
                    field: "timeout_notice",
                    rule: "timeout_notice needs retry_times (parameters are positional)",
                });
            }
            let w = cfg(w, keyword, conn_id)?.comma().int((*pkt_timeout).into());
            if let Some(r) = retry_times {
                w.comma().int((*r).into());
            }
            if let Some(n) = timeout_notice {
                w.comma().int((*n).into());
            }
        }
        CfgSetting::Will(will) => {
            let w = cfg(w, keyword, conn_id)?.comma();
            write_will(w, will.as_ref())?;
        }
        CfgSetting::AliAuth {
            product_key,
            device_name,
            device_secret,
        } => {
            let w = cfg(w, keyword, conn_id)?.comma();
            write_aliauth(w, product_key, device_name, device_secret)?;
        }
    }
    Ok(())
}

/// Writes `+QMTCFG: "keepalive",<keep-alive time>`.
pub(crate) fn encode_keepalive_response(
    keepalive: u16,
    w: &mut Wire<'_, '_>,
) -> Result<(), EncodeError> {
    range("keep-alive time", keepalive, limits::KEEPALIVE)?;
    response(w, CfgKeyword::KeepAlive).int(keepalive.into());
    Ok(())
}

/// Writes `+QMTCFG: "session",<clean_session>`.
pub(crate) fn encode_session_response(clean_session: bool, w: &mut Wire<'_, '_>) {
    response(w, CfgKeyword::Session).int(clean_session.into());
}

/// Writes `+QMTCFG: "timeout",<pkt_timeout>,<retry_times>,<timeout_notice>`.
pub(crate) fn encode_timeout_response(
    pkt_timeout: u8,
    retry_times: u8,
    timeout_notice: bool,
    w: &mut Wire<'_, '_>,
) -> Result<(), EncodeError> {
    range("pkt_timeout", pkt_timeout, limits::PKT_TIMEOUT)?;
    range("retry_times", retry_times, limits::RETRY_TIMES)?;
    response(w, CfgKeyword::Timeout)
        .int(pkt_timeout.into())
        .comma()
        .int(retry_times.into())
        .comma()
        .int(timeout_notice.into());
    Ok(())
}

/// Writes `+QMTCFG: "will",<will_fg>[,<will_qos>,<will_retain>,"<will_topic>","<will_msg>"]`.
pub(crate) fn encode_will_response<'v>(
    will: Option<&'v Will<'_>>,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    write_will(response(w, CfgKeyword::Will), will)?;
    Ok(())
}

/// Writes `+QMTCFG: "aliauth","<product_key>","<device_name>","<device_secret>"`.
pub(crate) fn encode_aliauth_response<'v>(
    product_key: &'v str,
    device_name: &'v str,
    device_secret: &'v str,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    let w = response(w, CfgKeyword::AliAuth);
    write_aliauth(w, product_key, device_name, device_secret)?;
    Ok(())
}

/// `+QMTCFG: "<keyword>",`: the head of every query response.
fn response<'w, 'o, 'v>(w: &'w mut Wire<'o, 'v>, keyword: CfgKeyword) -> &'w mut Wire<'o, 'v> {
    w.name(b"+QMTCFG: ")
        .quoted_unchecked(keyword.as_str().as_bytes())
        .comma()
}

/// Writes `<will_fg>[,<will_qos>,<will_retain>,"<will_topic>","<will_msg>"]`, shared by the
/// write command and the query response of AT+QMTCFG="will".
pub(crate) fn write_will<'w, 'o, 'v>(
    w: &'w mut Wire<'o, 'v>,
    will: Option<&'v Will<'_>>,
) -> Result<&'w mut Wire<'o, 'v>, EncodeError> {
    let Some(will) = will else {
        return Ok(w.int(0));
    };
    check_topic("will_topic", &will.will_topic, TopicKind::Name)?;
    check_string("will_msg", will.will_msg.as_bytes(), limits::MSG_LEN)?;
    w.int(1).comma().int(will.will_qos.code().into()).comma();
    w.int(will.will_retain.into()).comma();
    w.quoted("will_topic", will.will_topic.as_bytes())?.comma();
    w.quoted("will_msg", will.will_msg.as_bytes())
}

/// Writes `"<product_key>","<device_name>","<device_secret>"`, shared by the write command and
/// the query response of AT+QMTCFG="aliauth".
pub(crate) fn write_aliauth<'w, 'o, 'v>(
    w: &'w mut Wire<'o, 'v>,
    product_key: &'v str,
    device_name: &'v str,
    device_secret: &'v str,
) -> Result<&'w mut Wire<'o, 'v>, EncodeError> {
    let fields = [
        ("product_key", product_key),
        ("device_name", device_name),
        ("device_secret", device_secret),
    ];
    for (field, value) in fields {
        check_string(field, value.as_bytes(), limits::ALIAUTH_LEN)?;
    }
    for (i, (field, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            w.comma();
        }
        w.quoted(field, value.as_bytes())?;
    }
    Ok(w)
}

fn cfg<'w, 'o, 'v>(
    w: &'w mut Wire<'o, 'v>,
    keyword: &'static [u8],
    conn_id: u8,
) -> Result<&'w mut Wire<'o, 'v>, EncodeError> {
    range("tcpconnectID", conn_id, limits::CONN_ID)?;
    Ok(w.name(b"AT+QMTCFG=")
        .quoted_unchecked(keyword)
        .comma()
        .int(conn_id.into()))
}
