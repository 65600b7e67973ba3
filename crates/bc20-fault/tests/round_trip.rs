//! `Display` then `FromStr` gives the same fault, for every fault.

use std::time::Duration;

use bc20_fault::{
    CloseHow, Fault, OpenResult, PacketFilter, Way, MAX_CONN_ID, MAX_DURATION, PACKET_TYPES,
};
use proptest::prelude::*;

fn way() -> impl Strategy<Value = Way> {
    prop::sample::select(Way::ALL.to_vec())
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0..=MAX_DURATION.as_secs()).prop_map(Duration::from_secs),
        (0..=MAX_DURATION.as_millis() as u64).prop_map(Duration::from_millis),
        (0..=MAX_DURATION.as_nanos() as u64).prop_map(Duration::from_nanos),
    ]
}

fn open_result() -> impl Strategy<Value = OpenResult> {
    let failing: Vec<OpenResult> = OpenResult::ALL
        .iter()
        .copied()
        .filter(|r| *r != OpenResult::Opened)
        .collect();
    prop::sample::select(failing)
}

fn how() -> impl Strategy<Value = CloseHow> {
    prop::sample::select(vec![CloseHow::Reset, CloseHow::Fin])
}

fn filter(with_times: bool) -> impl Strategy<Value = PacketFilter> {
    let times = if with_times {
        prop::option::of(1..=u32::MAX).boxed()
    } else {
        Just(Some(1)).boxed()
    };
    (
        prop::sample::select(PACKET_TYPES.to_vec()),
        prop::option::of(1..=u16::MAX),
        times,
    )
        .prop_map(|(kind, pkid, times)| PacketFilter { kind, pkid, times })
}

/// A direction and a filter a packet fault can act on: the type travels that way, and an
/// `id` only where the type has packet identifiers (the parser refuses the rest).
fn way_and_filter(with_times: bool) -> impl Strategy<Value = (Way, PacketFilter)> {
    (way(), filter(with_times)).prop_filter_map("a fault that can act", |(w, mut f)| {
        let (up, down) = bc20_fault::travels(f.kind);
        if !(w.up() && up || w.down() && down) {
            return None;
        }
        if !bc20_fault::has_packet_id(f.kind) {
            f.pkid = None;
        }
        Some((w, f))
    })
}

fn packet_fault() -> impl Strategy<Value = Fault> {
    let id = 0..=MAX_CONN_ID;
    prop_oneof![
        (id.clone(), way_and_filter(true)).prop_map(|(conn_id, (way, filter))| {
            Fault::DropPacket {
                conn_id,
                way,
                filter,
            }
        }),
        (id.clone(), way_and_filter(true), duration()).prop_map(
            |(conn_id, (way, filter), delay)| Fault::HoldPacket {
                conn_id,
                way,
                filter,
                delay,
            }
        ),
        (id.clone(), way_and_filter(false), how()).prop_map(|(conn_id, (way, filter), how)| {
            Fault::CloseAfter {
                conn_id,
                way,
                filter,
                how,
            }
        }),
        (id.clone(), 1..=5u8).prop_map(|(conn_id, code)| Fault::Connack { conn_id, code }),
        id.clone().prop_map(|conn_id| Fault::LinkDown { conn_id }),
        id.prop_map(|conn_id| Fault::Garbage { conn_id }),
    ]
}

fn fault() -> impl Strategy<Value = Fault> {
    let id = 0..=MAX_CONN_ID;
    prop_oneof![
        packet_fault(),
        (id.clone(), how()).prop_map(|(conn_id, how)| Fault::DropLink { conn_id, how }),
        id.clone().prop_map(|conn_id| Fault::KillLink { conn_id }),
        (id.clone(), way(), duration()).prop_map(|(conn_id, way, duration)| Fault::BlackHole {
            conn_id,
            way,
            duration
        }),
        (id.clone(), way(), duration()).prop_map(|(conn_id, way, delay)| Fault::Delay {
            conn_id,
            way,
            delay
        }),
        (id.clone(), any::<bool>()).prop_map(|(conn_id, on)| Fault::SendFail { conn_id, on }),
        (id, any::<bool>()).prop_map(|(conn_id, on)| Fault::HoldClose { conn_id, on }),
        any::<bool>().prop_map(|on| Fault::RefuseConnections { on }),
        open_result().prop_map(|result| Fault::FailNextOpen { result }),
        Just(Fault::FailNextClose),
        Just(Fault::Clear),
    ]
}

proptest! {
    #[test]
    fn display_then_from_str_gives_the_same_fault(f in fault()) {
        let text = f.to_string();
        prop_assert_eq!(text.parse::<Fault>(), Ok(f.clone()), "{}", text);
        prop_assert!(text.starts_with(f.name()));
        prop_assert!(!text.contains("  "));
    }

    #[test]
    fn the_parser_never_panics(text in "\\PC{0,40}") {
        let _ = text.parse::<Fault>();
    }

    #[test]
    fn an_error_range_lies_within_the_text(text in "[a-z0-9 .-]{0,30}") {
        if let Err(e) = text.parse::<Fault>() {
            prop_assert!(e.at + e.len <= text.len(), "{:?} in {:?}", e, text);
        }
    }
}

#[test]
fn every_fault_has_a_canonical_text() {
    let cases = [
        (
            Fault::DropLink {
                conn_id: 0,
                how: Default::default(),
            },
            "drop-link 0",
        ),
        (Fault::KillLink { conn_id: 5 }, "kill-link 5"),
        (
            Fault::BlackHole {
                conn_id: 0,
                way: Way::Both,
                duration: Duration::from_secs(5),
            },
            "black-hole 0 both 5s",
        ),
        (
            Fault::Delay {
                conn_id: 2,
                way: Way::Down,
                delay: Duration::from_millis(1500),
            },
            "delay 2 down 1500ms",
        ),
        (
            Fault::SendFail {
                conn_id: 3,
                on: true,
            },
            "send-fail 3 on",
        ),
        (
            Fault::HoldClose {
                conn_id: 4,
                on: false,
            },
            "hold-close 4 off",
        ),
        (
            Fault::RefuseConnections { on: true },
            "refuse-connections on",
        ),
        (
            Fault::FailNextOpen {
                result: OpenResult::FailedToOpen,
            },
            "fail-next-open -1",
        ),
        (Fault::FailNextClose, "fail-next-close"),
        (Fault::Clear, "clear"),
    ];
    for (f, text) in cases {
        assert_eq!(f.to_string(), text);
        assert_eq!(text.parse::<Fault>(), Ok(f));
    }
}

#[test]
fn the_direction_defaults_to_both_and_blanks_are_free() {
    assert_eq!(
        "  black-hole\t1   1.5s ".parse::<Fault>(),
        Ok(Fault::BlackHole {
            conn_id: 1,
            way: Way::Both,
            duration: Duration::from_millis(1500),
        })
    );
    assert_eq!(
        "delay 0 0".parse::<Fault>(),
        Ok(Fault::Delay {
            conn_id: 0,
            way: Way::Both,
            delay: Duration::ZERO,
        })
    );
}

#[test]
fn a_one_hour_duration_is_the_longest() {
    assert_eq!(
        "black-hole 0 up 60m".parse::<Fault>(),
        Ok(Fault::BlackHole {
            conn_id: 0,
            way: Way::Up,
            duration: MAX_DURATION,
        })
    );
}
