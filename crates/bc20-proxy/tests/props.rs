//! Properties of the proxy's core over random packet streams in random chunkings.

use bc20_fault::Fault;
use bc20_grammar::time::Instant;
use bc20_proxy::{Action, Proxy, Side};
use proptest::prelude::*;

/// One well-formed MQTT packet of a random type (1-14) with a random body of 0-300 bytes.
fn packet() -> impl Strategy<Value = Vec<u8>> {
    (
        1u8..=14,
        0u8..16,
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(kind, flags, body)| {
            let mut p = vec![kind << 4 | flags];
            let mut len = body.len();
            loop {
                let mut b = (len % 128) as u8;
                len /= 128;
                if len > 0 {
                    b |= 0x80;
                }
                p.push(b);
                if len == 0 {
                    break;
                }
            }
            p.extend(body);
            p
        })
}

fn run(faults: &[Fault], packets: &[Vec<u8>], cuts: &[usize]) -> (Vec<u8>, Vec<Action>) {
    let mut p = Proxy::new();
    let t = Instant::ZERO;
    assert!(p.accept(t, 1));
    p.label(1, 0);
    for f in faults {
        p.inject(t, f).unwrap();
    }
    let stream: Vec<u8> = packets.concat();
    let mut at = 0;
    for &c in cuts {
        let end = (at + c).min(stream.len());
        p.receive(t, 1, Side::Module, &stream[at..end]);
        at = end;
    }
    p.receive(t, 1, Side::Module, &stream[at..]);
    p.handle_timeout(Instant::from_millis(u64::MAX / 2));
    let actions: Vec<Action> = std::iter::from_fn(|| p.poll_action()).collect();
    let sent = actions
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                to: Side::Broker,
                bytes,
                ..
            } => Some(bytes.to_vec()),
            _ => None,
        })
        .flatten()
        .collect();
    (sent, actions)
}

proptest! {
    #[test]
    fn without_faults_the_stream_passes_byte_for_byte(
        packets in proptest::collection::vec(packet(), 0..20),
        cuts in proptest::collection::vec(0usize..64, 0..40),
    ) {
        let (sent, _) = run(&[], &packets, &cuts);
        prop_assert_eq!(sent, packets.concat());
    }

    #[test]
    fn a_delay_keeps_every_packet_and_their_order(
        packets in proptest::collection::vec(packet(), 0..20),
        cuts in proptest::collection::vec(0usize..64, 0..40),
    ) {
        let delay: Fault = "delay 0 up 5s".parse().unwrap();
        let (sent, _) = run(&[delay], &packets, &cuts);
        prop_assert_eq!(sent, packets.concat());
    }

    #[test]
    fn a_black_hole_drops_whole_packets_only(
        packets in proptest::collection::vec(packet(), 1..20),
        cuts in proptest::collection::vec(0usize..64, 0..40),
    ) {
        let hole: Fault = "black-hole 0 up 5s".parse().unwrap();
        let (sent, actions) = run(&[hole], &packets, &cuts);
        prop_assert!(sent.is_empty());
        let dropped = actions.iter().filter(|a| matches!(a, Action::Log(_))).count();
        prop_assert_eq!(dropped, packets.len());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_either_pass_or_close(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        cuts in proptest::collection::vec(0usize..64, 0..40),
    ) {
        let (sent, actions) = run(&[], std::slice::from_ref(&bytes), &cuts);
        let closed = actions.iter().any(|a| matches!(a, Action::Close { .. }));
        // What passed is a prefix of the input (whole packets); the rest is buffered or
        // the connection was closed as not MQTT.
        prop_assert!(bytes.starts_with(&sent));
        prop_assert!(closed || sent.len() <= bytes.len());
    }
}
