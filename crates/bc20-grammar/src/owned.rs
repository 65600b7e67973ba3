//! Owned copies of the line types ([`Command`], [`Response`], [`Urc`]) that outlive the input
//! buffer the decoder borrowed from: one field-by-field copy per variant.

use std::borrow::Cow;

use crate::command::{Command, Will};
use crate::response::Response;
use crate::urc::Urc;

fn own(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

impl Command<'_> {
    /// An owned copy that outlives the input buffer.
    pub fn into_owned(self) -> Command<'static> {
        use Command::*;
        match self {
            QmtCfgTest => QmtCfgTest,
            QmtCfg { conn_id, setting } => QmtCfg {
                conn_id,
                setting: setting.into_owned(),
            },
            QmtOpenTest => QmtOpenTest,
            QmtOpenRead => QmtOpenRead,
            QmtOpen {
                conn_id,
                host_name,
                port,
            } => QmtOpen {
                conn_id,
                host_name: own(host_name),
                port,
            },
            QmtCloseTest => QmtCloseTest,
            QmtClose { conn_id } => QmtClose { conn_id },
            QmtConnTest => QmtConnTest,
            QmtConnRead => QmtConnRead,
            QmtConn {
                conn_id,
                client_id,
                username,
                password,
            } => QmtConn {
                conn_id,
                client_id: own(client_id),
                username: username.map(own),
                password: password.map(own),
            },
            QmtDiscTest => QmtDiscTest,
            QmtDisc { conn_id } => QmtDisc { conn_id },
            QmtSubTest => QmtSubTest,
            QmtSub {
                conn_id,
                msg_id,
                topics,
            } => QmtSub {
                conn_id,
                msg_id,
                topics: topics.into_owned(),
            },
            QmtUnsTest => QmtUnsTest,
            QmtUns {
                conn_id,
                msg_id,
                topics,
            } => QmtUns {
                conn_id,
                msg_id,
                topics: topics.into_owned(),
            },
            QmtPubTest => QmtPubTest,
            QmtPub {
                conn_id,
                msg_id,
                qos,
                retain,
                topic,
                msg,
            } => QmtPub {
                conn_id,
                msg_id,
                qos,
                retain,
                topic: own(topic),
                msg: msg.into_owned(),
            },
            At => At,
            Echo { on } => Echo { on },
            Ati => Ati,
            Cgmr => Cgmr,
            Cmee { n } => Cmee { n },
            CpinRead => CpinRead,
            CeregRead => CeregRead,
            CgattRead => CgattRead,
            Csq => Csq,
        }
    }
}

impl Response<'_> {
    /// An owned copy that outlives the input buffer.
    pub fn into_owned(self) -> Response<'static> {
        use Response::*;
        match self {
            Test { command, params } => Test {
                command,
                params: own(params),
            },
            QmtCfgKeepAlive { keepalive } => QmtCfgKeepAlive { keepalive },
            QmtCfgSession { clean_session } => QmtCfgSession { clean_session },
            QmtCfgTimeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => QmtCfgTimeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            },
            QmtCfgWill { will } => QmtCfgWill {
                will: will.map(Will::into_owned),
            },
            QmtCfgAliAuth {
                product_key,
                device_name,
                device_secret,
            } => QmtCfgAliAuth {
                product_key: own(product_key),
                device_name: own(device_name),
                device_secret: own(device_secret),
            },
            QmtOpenRead {
                conn_id,
                host_name,
                port,
            } => QmtOpenRead {
                conn_id,
                host_name: own(host_name),
                port,
            },
            QmtConnRead { conn_id, state } => QmtConnRead { conn_id, state },
            Cpin { code } => Cpin { code: own(code) },
            Cereg { n, stat } => Cereg { n, stat },
            Cgatt { state } => Cgatt { state },
            Csq { rssi, ber } => Csq { rssi, ber },
            Text { text } => Text { text: own(text) },
            Ok => Ok,
            Error => Error,
            CmeError { err } => CmeError { err },
        }
    }
}

impl Urc<'_> {
    /// An owned copy that outlives the input buffer.
    pub fn into_owned(self) -> Urc<'static> {
        match self {
            Urc::QmtOpen { conn_id, result } => Urc::QmtOpen { conn_id, result },
            Urc::QmtClose { conn_id, result } => Urc::QmtClose { conn_id, result },
            Urc::QmtConn {
                conn_id,
                result,
                ret_code,
                value,
            } => Urc::QmtConn {
                conn_id,
                result,
                ret_code,
                value,
            },
            Urc::QmtDisc { conn_id, result } => Urc::QmtDisc { conn_id, result },
            Urc::QmtSub(p) => Urc::QmtSub(p),
            Urc::QmtUns(p) => Urc::QmtUns(p),
            Urc::QmtPub(p) => Urc::QmtPub(p),
            Urc::QmtStat { conn_id, err_code } => Urc::QmtStat { conn_id, err_code },
            Urc::QmtRecv {
                conn_id,
                msg_id,
                topic,
                payload,
            } => Urc::QmtRecv {
                conn_id,
                msg_id,
                topic: own(topic),
                payload: payload.into_owned(),
            },
            Urc::Ip { addr } => Urc::Ip { addr: own(addr) },
            Urc::Unknown { text } => Urc::Unknown { text: own(text) },
        }
    }
}
