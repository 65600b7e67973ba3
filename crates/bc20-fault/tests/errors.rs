//! Every parse error: what it says and the byte range it points at.

use bc20_fault::{Fault, ParseFaultError, ParseFaultErrorKind as K};

/// Parses `text` and returns the error with the culprit's text.
fn err(text: &str) -> (ParseFaultError, &str) {
    let e = text.parse::<Fault>().unwrap_err();
    let culprit = &text[e.at..e.at + e.len];
    (e, culprit)
}

#[test]
fn empty_text_has_no_fault_name() {
    for text in ["", "   "] {
        let (e, _) = err(text);
        assert_eq!(e.kind, K::Empty);
        assert_eq!((e.at, e.len), (0, 0));
    }
}

#[test]
fn unknown_name_points_at_the_name() {
    let (e, culprit) = err(" meteor 0");
    assert_eq!(e.kind, K::UnknownName("meteor".into()));
    assert_eq!(culprit, "meteor");
    assert!(e
        .to_string()
        .starts_with("unknown fault `meteor` (known: drop-link, kill-link"));
    // The simulator's old control words are not fault names.
    for old in [
        "failopen 1",
        "blackhole up 0 5000",
        "drop 0",
        "BLACK-HOLE 0 5s",
    ] {
        assert!(matches!(err(old).0.kind, K::UnknownName(_)), "{old}");
    }
}

#[test]
fn missing_argument_points_at_the_end() {
    for (text, what) in [
        ("drop-link", "a CONN_ID"),
        ("kill-link ", "a CONN_ID"),
        ("black-hole 0", "a DURATION"),
        ("black-hole 0 up", "a DURATION"),
        ("delay 2 both ", "a DURATION"),
        ("delay", "a CONN_ID"),
        ("send-fail 0", "`on` or `off`"),
        ("hold-close 1", "`on` or `off`"),
        ("refuse-connections", "`on` or `off`"),
        ("fail-next-open", "a RESULT"),
    ] {
        let (e, _) = err(text);
        assert!(
            matches!(e.kind, K::Missing { what: w, .. } if w == what),
            "{text}: {e}"
        );
        assert_eq!((e.at, e.len), (text.len(), 0), "{text}");
    }
    assert_eq!(
        err("drop-link").0.to_string(),
        "`drop-link` needs a CONN_ID (at byte 9)"
    );
}

#[test]
fn extra_words_point_at_the_rest() {
    let (e, culprit) = err("black-hole 0 up 5s now please ");
    assert_eq!(
        e.kind,
        K::Extra {
            fault: "black-hole",
            text: "now".into()
        }
    );
    assert_eq!(culprit, "now please");
    assert_eq!(err("clear all").1, "all");
    assert_eq!(err("fail-next-close 0").1, "0");
    assert_eq!(err("drop-link 0 1").1, "1");
}

#[test]
fn bad_conn_id_points_at_it() {
    for bad in ["6", "9", "-1", "+1", "x", "256", "0x1"] {
        let text = format!("drop-link {bad}");
        let (e, culprit) = err(&text);
        assert_eq!(e.kind, K::BadConnId(bad.into()), "{text}");
        assert_eq!(culprit, bad);
    }
    assert_eq!(
        err("kill-link 9").0.to_string(),
        "CONN_ID must be a <tcpconnectID>, 0-5, not `9` (at byte 10)"
    );
}

#[test]
fn bad_way_points_at_it() {
    let (e, culprit) = err("black-hole 0 sideways 1s");
    assert_eq!(e.kind, K::BadWay("sideways".into()));
    assert_eq!(culprit, "sideways");
    assert_eq!((e.at, e.len), (13, 8));
}

#[test]
fn bad_on_off_points_at_it() {
    for text in ["send-fail 0 yes", "hold-close 0 ON", "refuse-connections 1"] {
        let (e, culprit) = err(text);
        assert_eq!(e.kind, K::BadOnOff(culprit.into()), "{text}");
        assert_eq!(culprit, text.rsplit(' ').next().unwrap());
    }
}

#[test]
fn bad_duration_points_at_it() {
    for bad in ["5", "5x", "1..2s", "-1s", "s", "sideways", ".s"] {
        let text = format!("delay 0 up {bad}");
        let (e, culprit) = err(&text);
        assert!(
            matches!(&e.kind, K::BadDuration { text, .. } if text == bad),
            "{text}: {e}"
        );
        assert_eq!(culprit, bad);
    }
}

#[test]
fn duration_over_an_hour_is_its_own_error() {
    for bad in ["61m", "3601s", "2h", "3600001ms"] {
        let text = format!("black-hole 0 {bad}");
        let (e, culprit) = err(&text);
        assert_eq!(e.kind, K::DurationTooLong { text: bad.into() }, "{text}");
        assert_eq!(culprit, bad);
    }
    assert!(err("black-hole 0 2h")
        .0
        .to_string()
        .contains("over the one-hour maximum"));
}

#[test]
fn bad_open_result_points_at_it() {
    for bad in ["0", "6", "-2", "+1", "01", "x"] {
        let text = format!("fail-next-open {bad}");
        let (e, culprit) = err(&text);
        assert_eq!(e.kind, K::BadOpenResult(bad.into()), "{text}");
        assert_eq!(culprit, bad);
    }
}

#[test]
fn a_packet_fault_that_could_never_act_is_refused() {
    let (e, culprit) = err("drop-packet 0 up CONNACK");
    assert_eq!(culprit, "CONNACK");
    assert!(e.to_string().contains("CONNACK never travels up"), "{e}");
    let (e, culprit) = err("close-after 0 down DISCONNECT");
    assert_eq!(culprit, "DISCONNECT");
    assert!(matches!(e.kind, K::WrongWay { .. }), "{e}");
    let (e, culprit) = err("drop-packet 0 down PINGRESP id 5");
    assert_eq!(culprit, "id");
    assert_eq!(e.kind, K::NoPacketId("PINGRESP"));
    // Both ways is fine whenever the type travels one of them.
    assert!("drop-packet 0 CONNACK".parse::<Fault>().is_ok());
    assert!("hold-packet 0 up PUBACK 1s id 3".parse::<Fault>().is_ok());
}
