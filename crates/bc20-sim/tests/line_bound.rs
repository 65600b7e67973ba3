//! D61: the module never writes a line its peers must reject (D12). An incoming message
//! whose +QMTRECV line would exceed the line bound is acknowledged and dropped.

mod common;

use bc20_grammar::{Direction, FrameKind, Mode, StreamConfig, StreamDecoder};
use bc20_sim::ModemConfig;
use common::{connected, framed, quiet, s};

/// What a strict host decoder with the default bound makes of the module's output.
fn kinds(out: &str) -> Vec<FrameKind> {
    let mut d = StreamDecoder::new(StreamConfig {
        mode: Mode::Strict,
        max_line_len: bc20_grammar::DEFAULT_MAX_LINE_LEN,
        direction: Direction::ModemToHost,
    });
    let mut kinds = d
        .feed_owned(out.as_bytes())
        .into_iter()
        .map(|f| f.kind)
        .collect::<Vec<_>>();
    kinds.extend(d.finish_owned().into_iter().map(|f| f.kind));
    kinds
}

/// Slot 0 connected and subscribed to `t` at `qos`.
fn subscribed(config: ModemConfig, qos: u8) -> bc20_sim::Bench {
    let mut b = connected(config);
    assert_eq!(
        b.command(&format!("AT+QMTSUB=0,1,\"t\",{qos}")),
        framed(&["OK", &format!("+QMTSUB: 0,1,0,{qos}")])
    );
    b
}

#[test]
fn a_5000_byte_message_is_acknowledged_and_dropped_at_every_qos() {
    for qos in 0..=2u8 {
        let mut b = subscribed(quiet(), qos);
        b.publish("t", &[b'x'; 5000], qos, false);
        assert_eq!(b.advance(s(1)), "", "qos {qos}");
        assert_eq!(b.modems[0].oversized_dropped(), 1, "qos {qos}");
        // The link is fine and the next message comes through.
        b.publish("t", b"small", qos, false);
        let out = b.advance(s(1));
        assert!(out.ends_with(",\"t\",\"small\"\r\n"), "qos {qos}: {out:?}");
        assert_eq!(kinds(&out), [FrameKind::Urc]);
        assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 0,3", "OK"]));
    }
}

#[test]
fn a_line_of_exactly_the_bound_is_written_and_decodes_one_more_byte_is_dropped() {
    let mut b = subscribed(quiet(), 0);
    // `+QMTRECV: 0,0,"t",` is 18 bytes, the payload's quotes 2.
    let fits = 4096 - 20;
    b.publish("t", &vec![b'y'; fits], 0, false);
    let out = b.advance(s(1));
    assert_eq!(out.len(), 4096 + 4);
    assert_eq!(kinds(&out), [FrameKind::Urc]);
    b.publish("t", &vec![b'y'; fits + 1], 0, false);
    assert_eq!(b.advance(s(1)), "");
    assert_eq!(b.modems[0].oversized_dropped(), 1);
}

#[test]
fn a_long_topic_counts_towards_the_bound_too() {
    let mut b = connected(quiet());
    let topic = "a".repeat(1024);
    b.command(&format!("AT+QMTSUB=0,1,\"{topic}\",0"));
    // The largest message D11 sizes for, on the longest topic: fits (D12's 2595 bytes).
    b.publish(&topic, &[b'z'; 1548], 0, false);
    let out = b.advance(s(1));
    assert_eq!(kinds(&out), [FrameKind::Urc]);
    b.publish(&topic, &[b'z'; 4096 - 1024], 0, false);
    assert_eq!(b.advance(s(1)), "");
}

#[test]
fn the_bound_follows_the_configured_line_length() {
    let config = ModemConfig {
        max_line_len: 64,
        ..quiet()
    };
    let mut b = subscribed(config, 1);
    b.publish("t", &[b'x'; 100], 1, false);
    assert_eq!(b.advance(s(1)), "");
    b.publish("t", &[b'x'; 40], 1, false);
    assert!(b.advance(s(1)).starts_with("\r\n+QMTRECV: 0,"));
}
