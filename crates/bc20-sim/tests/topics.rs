//! D62: topic names and filters MQTT forbids are refused at the command with
//! `+CME ERROR: 50`; nothing reaches the broker and the link stays up.

mod common;

use common::{connected, framed, quiet};

const CME_50: &str = "+CME ERROR: 50";

#[test]
fn wildcards_in_a_publish_topic_are_refused_at_every_qos() {
    let mut b = connected(quiet());
    for topic in ["a/#", "#", "+", "a/+/b", "a+", "sport/tennis#"] {
        for (qos, msg_id) in [(0, 0), (1, 5), (2, 6)] {
            let cmd = format!("AT+QMTPUB=0,{msg_id},{qos},0,\"{topic}\",\"x\"");
            assert_eq!(b.command(&cmd), framed(&[CME_50]), "{cmd}");
        }
    }
    assert!(b.net.broker.published.is_empty());
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 0,3", "OK"]));
    // The msgIDs were not taken.
    assert_eq!(
        b.command("AT+QMTPUB=0,5,1,0,\"a/b\",\"x\""),
        framed(&["OK", "+QMTPUB: 0,5,0"])
    );
}

#[test]
fn malformed_filters_are_refused_in_any_position_of_qmtsub_and_qmtuns() {
    let mut b = connected(quiet());
    for bad in ["a/#/b", "a#", "#/", "a+", "a/+b", "++"] {
        for cmd in [
            format!("AT+QMTSUB=0,1,\"{bad}\",0"),
            format!("AT+QMTSUB=0,1,\"ok/+\",1,\"{bad}\",0"),
            format!("AT+QMTSUB=0,1,\"{bad}\",1,\"ok/#\",2"),
            format!("AT+QMTUNS=0,1,\"{bad}\""),
            format!("AT+QMTUNS=0,1,\"ok\",\"{bad}\""),
        ] {
            assert_eq!(b.command(&cmd), framed(&[CME_50]), "{cmd}");
        }
    }
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 0,3", "OK"]));
    assert_eq!(
        b.command("AT+QMTSUB=0,1,\"a/#\",1,\"+/b\",2,\"#\",0"),
        framed(&["OK", "+QMTSUB: 0,1,0,1,2,0"])
    );
    assert_eq!(
        b.command("AT+QMTUNS=0,2,\"a/#\",\"+/b\""),
        framed(&["OK", "+QMTUNS: 0,2,0"])
    );
}

#[test]
fn a_bad_topic_is_a_parameter_error_even_when_the_state_forbids_the_command() {
    // D6 order: parameters first, then state (+CME ERROR: 3).
    let mut b = bc20_sim::Bench::new(quiet());
    assert_eq!(
        b.command("AT+QMTPUB=0,1,1,0,\"a/#\",\"x\""),
        framed(&[CME_50])
    );
    assert_eq!(b.command("AT+QMTSUB=0,1,\"a/#/b\",0"), framed(&[CME_50]));
    assert_eq!(
        b.command("AT+QMTPUB=0,1,1,0,\"a/b\",\"x\""),
        framed(&["+CME ERROR: 3"])
    );
}

#[test]
fn a_will_topic_with_wildcards_is_refused_and_the_old_will_kept() {
    let mut b = bc20_sim::Bench::new(quiet());
    assert_eq!(
        b.command("AT+QMTCFG=\"will\",0,1,1,0,\"w/t\",\"bye\""),
        framed(&["OK"])
    );
    for topic in ["w/#", "w/+", "#"] {
        let cmd = format!("AT+QMTCFG=\"will\",0,1,1,0,\"{topic}\",\"bye\"");
        assert_eq!(b.command(&cmd), framed(&[CME_50]), "{cmd}");
    }
    let will = b.modems[0].slot_config(0).and_then(|c| c.will.clone());
    assert_eq!(
        will.map(|w| w.will_topic.into_owned()),
        Some("w/t".to_owned())
    );
}
