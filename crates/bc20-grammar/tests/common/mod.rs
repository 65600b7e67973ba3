//! proptest strategies for every typed value: the whole representable domain of valid values.

#![allow(dead_code)]

use std::borrow::Cow;

use arrayvec::ArrayVec;
use bc20_grammar::codes::*;
use bc20_grammar::limits;
use bc20_grammar::{Command, MqttCommand, Payload, Response, SubTopic, SubValue, Urc, Will};
use proptest::collection::vec;
use proptest::prelude::*;

pub fn conn_id() -> impl Strategy<Value = u8> {
    0u8..=5
}

/// Quotable text: any characters but `"` and control characters (D10).
pub fn text(min: usize, max: usize) -> impl Strategy<Value = Cow<'static, str>> {
    proptest::string::string_regex(&format!("[^\"\\x00-\\x1f\\x7f]{{{min},{max}}}"))
        .unwrap()
        .prop_filter("byte length", move |s| s.len() >= min && s.len() <= max)
        .prop_map(Cow::Owned)
}

/// A topic as `+QMTRECV` reports it: any quotable text (the broker's topic, not judged).
pub fn topic() -> impl Strategy<Value = Cow<'static, str>> {
    prop_oneof![
        3 => proptest::string::string_regex("[a-z0-9/+#_.-]{1,24}").unwrap().prop_map(Cow::Owned),
        1 => text(1, 40),
    ]
}

/// A topic name (AT+QMTPUB, the will): no wildcard (D62).
pub fn topic_name() -> impl Strategy<Value = Cow<'static, str>> {
    prop_oneof![
        3 => proptest::string::string_regex("[a-z0-9/_.-]{1,24}").unwrap().prop_map(Cow::Owned),
        1 => text(1, 40).prop_map(|t| Cow::Owned(t.replace(['+', '#'], "_"))),
    ]
}

/// A topic filter (AT+QMTSUB, AT+QMTUNS): levels of text, `+` levels, and `#` as the whole
/// last level (D62).
pub fn topic_filter() -> impl Strategy<Value = Cow<'static, str>> {
    let level = prop_oneof![
        3 => proptest::string::string_regex("[a-z0-9_.-]{0,6}").unwrap(),
        1 => Just("+".to_owned()),
    ];
    (vec(level, 1..=4), any::<bool>()).prop_map(|(mut levels, hash)| {
        if hash {
            levels.push("#".to_owned());
        }
        let t = levels.join("/");
        Cow::Owned(if t.is_empty() { "#".to_owned() } else { t })
    })
}

pub fn qos() -> impl Strategy<Value = Qos> {
    prop_oneof![
        Just(Qos::AtMostOnce),
        Just(Qos::AtLeastOnce),
        Just(Qos::ExactlyOnce)
    ]
}

pub fn will() -> impl Strategy<Value = Will<'static>> {
    (qos(), any::<bool>(), topic_name(), text(0, 30)).prop_map(
        |(will_qos, will_retain, will_topic, will_msg)| Will {
            will_qos,
            will_retain,
            will_topic,
            will_msg,
        },
    )
}

fn ali() -> impl Strategy<Value = Cow<'static, str>> {
    text(1, 20)
}

pub fn command() -> impl Strategy<Value = Command<'static>> {
    let cfg = prop_oneof![
        Just(Command::QmtCfgTest),
        conn_id().prop_map(|conn_id| Command::QmtCfgKeepAliveQuery { conn_id }),
        (conn_id(), 0u16..=3600)
            .prop_map(|(conn_id, keepalive)| Command::QmtCfgKeepAlive { conn_id, keepalive }),
        conn_id().prop_map(|conn_id| Command::QmtCfgSessionQuery { conn_id }),
        (conn_id(), any::<bool>()).prop_map(|(conn_id, clean_session)| Command::QmtCfgSession {
            conn_id,
            clean_session
        }),
        conn_id().prop_map(|conn_id| Command::QmtCfgTimeoutQuery { conn_id }),
        (
            conn_id(),
            1u8..=60,
            proptest::option::of((0u8..=10, proptest::option::of(any::<bool>())))
        )
            .prop_map(|(conn_id, pkt_timeout, rest)| Command::QmtCfgTimeout {
                conn_id,
                pkt_timeout,
                retry_times: rest.map(|r| r.0),
                timeout_notice: rest.and_then(|r| r.1),
            }),
        conn_id().prop_map(|conn_id| Command::QmtCfgWillQuery { conn_id }),
        (conn_id(), proptest::option::of(will()))
            .prop_map(|(conn_id, will)| Command::QmtCfgWill { conn_id, will }),
        conn_id().prop_map(|conn_id| Command::QmtCfgAliAuthQuery { conn_id }),
        (conn_id(), ali(), ali(), ali()).prop_map(
            |(conn_id, product_key, device_name, device_secret)| {
                Command::QmtCfgAliAuth {
                    conn_id,
                    product_key,
                    device_name,
                    device_secret,
                }
            }
        ),
    ];
    let session = prop_oneof![
        Just(Command::QmtOpenTest),
        Just(Command::QmtOpenRead),
        (conn_id(), text(1, 100), 1u16..=65535).prop_map(|(conn_id, host_name, port)| {
            Command::QmtOpen {
                conn_id,
                host_name,
                port,
            }
        }),
        Just(Command::QmtCloseTest),
        conn_id().prop_map(|conn_id| Command::QmtClose { conn_id }),
        Just(Command::QmtConnTest),
        Just(Command::QmtConnRead),
        (
            conn_id(),
            text(1, 40),
            proptest::option::of((text(0, 20), proptest::option::of(text(0, 20))))
        )
            .prop_map(|(conn_id, client_id, creds)| Command::QmtConn {
                conn_id,
                client_id,
                username: creds.as_ref().map(|c| c.0.clone()),
                password: creds.and_then(|c| c.1),
            }),
        Just(Command::QmtDiscTest),
        conn_id().prop_map(|conn_id| Command::QmtDisc { conn_id }),
    ];
    let data = prop_oneof![
        Just(Command::QmtSubTest),
        (
            conn_id(),
            1u16..=65535,
            vec((topic_filter(), qos()), 1..=limits::MAX_TOPICS)
        )
            .prop_map(|(conn_id, msg_id, t)| {
                Command::QmtSub {
                    conn_id,
                    msg_id,
                    topics: t
                        .into_iter()
                        .map(|(topic, qos)| SubTopic { topic, qos })
                        .collect(),
                }
            }),
        Just(Command::QmtUnsTest),
        (
            conn_id(),
            1u16..=65535,
            vec(topic_filter(), 1..=limits::MAX_TOPICS)
        )
            .prop_map(|(conn_id, msg_id, t)| Command::QmtUns {
                conn_id,
                msg_id,
                topics: t.into_iter().collect()
            }),
        Just(Command::QmtPubTest),
        (
            conn_id(),
            1u16..=65535,
            qos(),
            any::<bool>(),
            topic_name(),
            text(0, 60)
        )
            .prop_map(|(conn_id, id, qos, retain, topic, msg)| {
                let msg_id = if qos == Qos::AtMostOnce { 0 } else { id };
                Command::QmtPub {
                    conn_id,
                    msg_id,
                    qos,
                    retain,
                    topic,
                    msg: Payload(Cow::Owned(msg.into_owned().into_bytes())),
                }
            }),
    ];
    let basic = prop_oneof![
        Just(Command::At),
        any::<bool>().prop_map(|on| Command::Echo { on }),
        Just(Command::Ati),
        Just(Command::Cgmr),
        (0u8..=2).prop_map(|n| Command::Cmee { n }),
        Just(Command::CpinRead),
        Just(Command::CeregRead),
        Just(Command::CgattRead),
        Just(Command::Csq),
    ];
    prop_oneof![cfg, session, data, basic]
}

/// Test responses as the note prints them (they describe ranges; D14).
pub const TEST_RESPONSES: &[(MqttCommand, &str)] = &[
    (MqttCommand::QmtCfg, "\"keepalive\",(0-5),(0-3600)"),
    (MqttCommand::QmtCfg, "\"session\",(0-5),(0,1)"),
    (MqttCommand::QmtCfg, "\"timeout\",(0-5),(1-60),(1-10),(0,1)"),
    (
        MqttCommand::QmtCfg,
        "\"will\",(0-5),(0,1),(0-2),(0,1),\"will_topic\",\"will_msg\"",
    ),
    (
        MqttCommand::QmtCfg,
        "\"aliauth\",(0-5),\"productkey\",\"devicename\",\"devicesecret\"",
    ),
    (MqttCommand::QmtOpen, "(0-5),\"<host_name>\",(1-65535)"),
    (MqttCommand::QmtClose, "(0-5)"),
    (
        MqttCommand::QmtConn,
        "(0-5),\"<clientID>\"[,\"<username>\"[,\"<password>\"]]",
    ),
    (MqttCommand::QmtDisc, "(0-5)"),
    (MqttCommand::QmtSub, "(0-5),(1-65535),\"<topic>\",(0-2)"),
    (MqttCommand::QmtUns, "(0-5),(1-65535),\"<topic>\""),
    (
        MqttCommand::QmtPub,
        "(0-5),(0-65535),(0-2),(0,1),\"<topic>\",\"<msg>\"",
    ),
    (
        MqttCommand::QmtSub,
        "(0-5),<msgID>,\"<topic>\",<qos>[,\"<topic>\",<qos>...]",
    ),
];

pub fn response() -> impl Strategy<Value = Response<'static>> {
    let cfg = prop_oneof![
        proptest::sample::select(TEST_RESPONSES).prop_map(|(command, p)| Response::Test {
            command,
            params: Cow::Borrowed(p)
        }),
        (0u16..=3600).prop_map(|keepalive| Response::QmtCfgKeepAlive { keepalive }),
        any::<bool>().prop_map(|clean_session| Response::QmtCfgSession { clean_session }),
        (1u8..=60, 0u8..=10, any::<bool>()).prop_map(
            |(pkt_timeout, retry_times, timeout_notice)| Response::QmtCfgTimeout {
                pkt_timeout,
                retry_times,
                timeout_notice
            }
        ),
        proptest::option::of(will()).prop_map(|will| Response::QmtCfgWill { will }),
        (ali(), ali(), ali()).prop_map(|(product_key, device_name, device_secret)| {
            Response::QmtCfgAliAuth {
                product_key,
                device_name,
                device_secret,
            }
        }),
    ];
    let other = prop_oneof![
        (conn_id(), text(1, 100), 1u16..=65535).prop_map(|(conn_id, host_name, port)| {
            Response::QmtOpenRead {
                conn_id,
                host_name,
                port,
            }
        }),
        (conn_id(), proptest::sample::select(ConnState::ALL))
            .prop_map(|(conn_id, state)| Response::QmtConnRead { conn_id, state }),
        proptest::sample::select(&["READY", "SIM PIN", "SIM PUK"][..]).prop_map(|c| {
            Response::Cpin {
                code: Cow::Borrowed(c),
            }
        }),
        (0u8..=5, 0u8..=10).prop_map(|(n, stat)| Response::Cereg { n, stat }),
        any::<bool>().prop_map(|state| Response::Cgatt { state }),
        (0u8..=99, 0u8..=99).prop_map(|(rssi, ber)| Response::Csq { rssi, ber }),
        proptest::string::string_regex("[B-Za-z][A-Za-z0-9 :._-]{0,20}[A-Za-z0-9]")
            .unwrap()
            .prop_filter("not a result word", |t| t != "OK"
                && !t.to_ascii_uppercase().starts_with("AT"))
            .prop_map(|t| Response::Text {
                text: Cow::Owned(t)
            }),
        Just(Response::Ok),
        Just(Response::Error),
        any::<u16>().prop_map(|c| Response::CmeError {
            err: CmeError::from_code(c)
        }),
    ];
    prop_oneof![cfg, other]
}

fn granted() -> impl Strategy<Value = GrantedQos> {
    prop_oneof![
        qos().prop_map(GrantedQos::Granted),
        Just(GrantedQos::Rejected)
    ]
}

/// A received payload: arbitrary bytes, as long as no `"` stands before a line end.
pub fn payload() -> impl Strategy<Value = Payload<'static>> {
    prop_oneof![
        text(0, 60).prop_map(|t| Payload(Cow::Owned(t.into_owned().into_bytes()))),
        vec(any::<u8>(), 0..80)
            .prop_filter("representable", |b| Payload(Cow::Borrowed(b))
                .check()
                .is_ok())
            .prop_map(|b| Payload(Cow::Owned(b))),
    ]
}

pub fn urc() -> impl Strategy<Value = Urc<'static>> {
    let results = prop_oneof![
        (conn_id(), proptest::sample::select(OpenResult::ALL))
            .prop_map(|(conn_id, result)| Urc::QmtOpen { conn_id, result }),
        (conn_id(), proptest::sample::select(CloseResult::ALL))
            .prop_map(|(conn_id, result)| Urc::QmtClose { conn_id, result }),
        (conn_id(), proptest::sample::select(CloseResult::ALL))
            .prop_map(|(conn_id, result)| Urc::QmtDisc { conn_id, result }),
        (
            conn_id(),
            proptest::option::of(proptest::sample::select(ConnectReturnCode::ALL))
        )
            .prop_flat_map(|(conn_id, rc)| {
                match rc {
                    Some(rc) => Just(Urc::QmtConn {
                        conn_id,
                        result: PacketResult::Sent,
                        ret_code: Some(rc),
                        value: None,
                    })
                    .boxed(),
                    None => prop_oneof![
                        Just(PacketResult::Retransmission),
                        Just(PacketResult::Failed)
                    ]
                    .prop_map(move |result| Urc::QmtConn {
                        conn_id,
                        result,
                        ret_code: None,
                        value: None,
                    })
                    .boxed(),
                }
            }),
        (
            conn_id(),
            1u16..=65535,
            prop_oneof![
                vec(granted(), 1..=limits::MAX_TOPICS).prop_map(|g| (
                    PacketResult::Sent,
                    Some(SubValue::Granted(
                        g.into_iter().collect::<ArrayVec<_, 16>>()
                    ))
                )),
                (0u8..=10).prop_map(|n| (
                    PacketResult::Retransmission,
                    Some(SubValue::Retransmissions(n))
                )),
                Just((PacketResult::Failed, None)),
            ]
        )
            .prop_map(|(conn_id, msg_id, (result, value))| Urc::QmtSub {
                conn_id,
                msg_id,
                result,
                value
            }),
        (conn_id(), 1u16..=65535, count_result(true)).prop_map(
            |(conn_id, msg_id, (result, value))| Urc::QmtUns {
                conn_id,
                msg_id,
                result,
                value
            }
        ),
        (conn_id(), 0u16..=65535, count_result(false)).prop_map(
            |(conn_id, msg_id, (result, value))| Urc::QmtPub {
                conn_id,
                msg_id,
                result,
                value
            }
        ),
    ];
    let unsolicited = prop_oneof![
        (conn_id(), 1u8..=255).prop_map(|(conn_id, c)| Urc::QmtStat {
            conn_id,
            err_code: QmtStatCode::from_code(c)
        }),
        (conn_id(), 0u16..=65535, topic(), payload()).prop_map(
            |(conn_id, msg_id, topic, payload)| Urc::QmtRecv {
                conn_id,
                msg_id,
                topic,
                payload
            }
        ),
        proptest::string::string_regex("[0-9]{1,3}(\\.[0-9]{1,3}){3}")
            .unwrap()
            .prop_map(|a| Urc::Ip {
                addr: Cow::Owned(a)
            }),
        proptest::string::string_regex("\\+(QIURC|QNTP|CTZV): [a-z0-9,\" ]{0,20}[a-z0-9\"]")
            .unwrap()
            .prop_map(|l| Urc::Unknown {
                text: Cow::Owned(l)
            }),
    ];
    prop_oneof![results, unsolicited]
}

fn count_result(optional_count: bool) -> BoxedStrategy<(PacketResult, Option<u8>)> {
    let base = prop_oneof![
        Just((PacketResult::Sent, None)),
        (0u8..=10).prop_map(|n| (PacketResult::Retransmission, Some(n))),
        Just((PacketResult::Failed, None)),
    ];
    if optional_count {
        // The count is optional on +QMTUNS (D31).
        prop_oneof![base, Just((PacketResult::Retransmission, None))].boxed()
    } else {
        base.boxed()
    }
}
