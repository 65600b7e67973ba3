//! The broker's session behaviour, driven through a [`Bench`] module.

use crate::{Bench, ModemConfig};

fn quiet() -> ModemConfig {
    ModemConfig::echo_off()
}

/// A module with slot 0 subscribed to `a/#` at QoS 1 as client `dev`, then disconnected.
fn subscribed_then_away(session: u8) -> Bench {
    let mut b = Bench::new(quiet());
    b.command(&format!("AT+QMTCFG=\"session\",0,{session}"));
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.command("AT+QMTSUB=0,1,\"a/#\",1");
    assert!(b.command("AT+QMTDISC=0").contains("+QMTDISC: 0,0"));
    b
}

fn reconnect(b: &mut Bench, session: u8) -> String {
    b.command(&format!("AT+QMTCFG=\"session\",0,{session}"));
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"")
}

#[test]
fn qos1_published_while_a_persistent_session_is_offline_is_delivered_on_reconnect() {
    let mut b = subscribed_then_away(0);
    b.publish("a/b", b"while away", 1, false);
    b.publish("a/b", b"qos0 is dropped", 0, false);
    let out = reconnect(&mut b, 0);
    assert!(out.contains("+QMTCONN: 0,0,0"), "{out}");
    assert!(
        out.contains("+QMTRECV: 0,1,\"a/b\",\"while away\""),
        "{out}"
    );
    assert!(!out.contains("qos0"), "{out}");
}

#[test]
fn a_clean_session_queues_nothing_and_forgets_its_subscriptions() {
    let mut b = subscribed_then_away(1);
    b.publish("a/b", b"lost", 1, false);
    let out = reconnect(&mut b, 0);
    assert!(!out.contains("+QMTRECV"), "{out}");
    b.publish("a/b", b"after", 1, false);
    assert_eq!(
        b.read_text(0),
        "",
        "the clean session's subscription is gone"
    );
}

#[test]
fn reconnecting_with_clean_session_1_discards_the_queue() {
    let mut b = subscribed_then_away(0);
    b.publish("a/b", b"queued", 2, false);
    let out = reconnect(&mut b, 1);
    assert!(!out.contains("+QMTRECV"), "{out}");
}

#[test]
fn a_peer_unsubscribe_stops_its_deliveries() {
    let mut b = Bench::new(quiet());
    let p = b.peer("p");
    b.net.broker.peer_subscribe(p, "t/#", 1);
    b.publish("t/1", b"x", 1, false);
    b.net.broker.peer_unsubscribe(p, "t/#");
    b.publish("t/2", b"y", 1, false);
    let got = b.net.broker.take_inbox(p);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].topic, "t/1");
}

/// A module publishing at QoS 2 while its PUBRECs are lost for 1.5 s (one retransmission).
fn qos2_publish_with_lost_pubrec(on_pubrel: bool) -> (Bench, usize) {
    let mut b = Bench::new(quiet());
    b.net.broker.behaviour.qos2_on_pubrel = on_pubrel;
    let p = b.peer("p");
    b.net.broker.peer_subscribe(p, "q/#", 2);
    b.command("AT+QMTCFG=\"timeout\",0,1,3,1");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.inject(
        0,
        crate::Fault::BlackHole {
            conn_id: 0,
            way: crate::Way::Down,
            duration: std::time::Duration::from_millis(1500),
        },
    );
    b.write(0, b"AT+QMTPUB=0,7,2,0,\"q/1\",\"x\"\r");
    b.settle();
    (b, p)
}

#[test]
fn a_qos2_message_reaches_subscribers_at_its_pubrel_as_mosquitto_and_rumqttd_do() {
    let (mut b, p) = qos2_publish_with_lost_pubrec(true);
    assert!(b.net.broker.take_inbox(p).is_empty(), "held until PUBREL");
    let out = b.advance(std::time::Duration::from_secs(3));
    assert!(out.contains("+QMTPUB: 0,7,0"), "{out}");
    let got = b.net.broker.take_inbox(p);
    assert_eq!(got.len(), 1, "once, despite the retransmission");
    assert_eq!(&got[0].payload[..], b"x");
}

#[test]
fn method_b_delivers_a_qos2_message_at_its_first_publish() {
    let (mut b, p) = qos2_publish_with_lost_pubrec(false);
    assert_eq!(b.net.broker.take_inbox(p).len(), 1);
    b.advance(std::time::Duration::from_secs(3));
    assert!(b.net.broker.take_inbox(p).is_empty(), "not again");
}
