use bc20_fault::{Fate, LogEntry, PacketInfo, PacketType, Way};
use bc20_grammar::time::Instant;

use super::*;

fn authed() -> ControlSession {
    let mut s = ControlSession::new("tok en").unwrap();
    assert_eq!(s.line("auth tok en\n"), Step::Reply(ControlResponse::Ok));
    s
}

#[test]
fn a_request_before_the_token_is_refused_and_closes() {
    let mut s = ControlSession::new("secret").unwrap();
    let Step::Close(ControlResponse::Error(what), why) = s.line("inject clear") else {
        panic!("not closed");
    };
    assert_eq!(why, ControlError::NeedsAuth);
    assert!(what.contains("control needs the token"), "{what}");
    assert!(!s.authenticated());
}

#[test]
fn a_wrong_token_is_refused_and_closes() {
    let mut s = ControlSession::new("secret").unwrap();
    for guess in ["auth secreT", "auth secret2", "auth s"] {
        let Step::Close(ControlResponse::Error(what), why) = s.line(guess) else {
            panic!("{guess}: not closed");
        };
        assert_eq!(why, ControlError::WrongToken);
        assert!(what.contains("wrong token"), "{what}");
    }
    assert!(!s.authenticated());
}

#[test]
fn an_empty_token_is_no_token() {
    assert_eq!(
        ControlSession::new("").err(),
        Some(ControlError::EmptyToken)
    );
}

#[test]
fn a_malformed_command_gets_an_error_and_the_session_goes_on() {
    let mut s = authed();
    for (line, says) in [
        ("expect 9", "0-5"),
        ("expect", "0-5"),
        ("inject explode 3", "inject"),
        ("log please", "no argument"),
        ("frobnicate", "unknown control command `frobnicate`"),
        ("", "empty"),
        ("auth again", "already authenticated"),
    ] {
        match s.line(line) {
            Step::Reply(ControlResponse::Error(what)) => {
                assert!(what.contains(says), "{line}: {what}");
            }
            other => panic!("{line}: {other:?}"),
        }
    }
    assert_eq!(s.line("clock"), Step::Do(ControlRequest::Clock));
}

#[test]
fn a_line_too_long_closes() {
    assert!(matches!(
        authed().too_long(),
        Step::Close(_, ControlError::TooLong)
    ));
}

#[test]
fn every_request_round_trips() {
    let requests = [
        ControlRequest::Auth("abc".to_owned()),
        ControlRequest::Expect(0),
        ControlRequest::Cancel(5),
        ControlRequest::Inject("black-hole 2 down 5s".parse().unwrap()),
        ControlRequest::Inject("drop-link 1".parse().unwrap()),
        ControlRequest::TakeLog,
        ControlRequest::Clock,
        ControlRequest::Addr,
    ];
    for r in requests {
        assert_eq!(ControlRequest::parse(&r.to_string()), Ok(r.clone()), "{r}");
    }
}

fn entry(fate: Fate, packet: Option<PacketInfo>) -> LogEntry {
    LogEntry {
        at: Instant::from_millis(1234),
        key: 3,
        conn_id: Some(0),
        way: if packet.is_some() { Way::Up } else { Way::Both },
        packet,
        fate,
    }
}

#[test]
fn every_response_round_trips() {
    let publish = PacketInfo {
        kind: PacketType::Publish,
        pkid: Some(7),
        dup: true,
        qos: 2,
    };
    let log = vec![
        entry(Fate::Passed, Some(publish)),
        entry(Fate::Held(Instant::from_millis(5000)), Some(publish)),
        entry(Fate::Released, Some(publish)),
        entry(Fate::Dropped("black-hole"), Some(publish)),
        entry(Fate::Altered("connack 5".to_owned()), Some(publish)),
        entry(Fate::Refused, None),
        entry(Fate::Closed("Module closed".to_owned()), None),
        LogEntry {
            conn_id: None,
            ..entry(Fate::Passed, None)
        },
    ];
    let responses = [
        ControlResponse::Ok,
        ControlResponse::Clock(987_654),
        ControlResponse::Log(log),
        ControlResponse::Log(Vec::new()),
        ControlResponse::Addr("0.0.0.0:7000".parse().unwrap()),
        ControlResponse::Unavailable("fail-next-close".parse().unwrap()),
        ControlResponse::Error("wrong token: x".to_owned()),
    ];
    for r in responses {
        let line = r.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(ControlResponse::parse(&line), Ok(r.clone()), "{line}");
    }
}

#[test]
fn an_error_message_stays_on_one_line() {
    let r = ControlResponse::Error("two\nlines".to_owned());
    assert_eq!(r.to_string(), "error two lines");
}

#[test]
fn garbage_answers_are_typed_errors() {
    for line in [
        "",
        "okay",
        "clock soon",
        "log {",
        "addr here",
        "log [{\"at_ms\":1}]",
    ] {
        assert!(
            matches!(
                ControlResponse::parse(line),
                Err(ControlError::UnexpectedAnswer(_))
            ),
            "{line}"
        );
    }
}

#[test]
fn an_unknown_fault_name_in_a_log_keeps_the_log() {
    let line = r#"log [{"at_ms":1,"key":1,"conn_id":0,"way":"up","packet":null,"fate":{"dropped":"meteor"}}]"#;
    let Ok(ControlResponse::Log(entries)) = ControlResponse::parse(line) else {
        panic!("not a log");
    };
    assert_eq!(entries[0].fate, Fate::Dropped(UNKNOWN_FAULT));
}
