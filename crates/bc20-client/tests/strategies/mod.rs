//! proptest strategies for model-check steps: activity concentrated on slots 0-2 so that
//! sequences reach connected states, with an occasional slot that does not exist.

#![allow(dead_code)]

use bc20_client::check::{ApiOp, Model, PayloadChoice, SettingChoice, StallOp, Step};
use bc20_client::{Qos, SlotState};
use proptest::prelude::*;

/// The reference state: the model, and how the serial line is chunked.
#[derive(Debug, Clone)]
pub struct RefState {
    /// The reference model.
    pub model: Model,
    /// Chunk sizes for modem output, cycling.
    pub chunks: Vec<usize>,
}

/// The initial state: a fresh model and a random chunking.
pub fn init() -> impl Strategy<Value = RefState> {
    prop::collection::vec(prop_oneof![3 => 1..8usize, 1 => 8..200usize], 1..5).prop_map(|chunks| {
        RefState {
            model: Model::default(),
            chunks,
        }
    })
}

fn qos() -> impl Strategy<Value = Qos> {
    prop_oneof![
        Just(Qos::AtMostOnce),
        Just(Qos::AtLeastOnce),
        Just(Qos::ExactlyOnce)
    ]
}

fn slot() -> impl Strategy<Value = u8> {
    prop_oneof![12 => 0..3u8, 2 => 3..6u8, 1 => Just(6u8)]
}

fn topic() -> impl Strategy<Value = u8> {
    0..3u8
}

fn setting() -> impl Strategy<Value = SettingChoice> {
    prop_oneof![
        prop_oneof![Just(0u16), Just(5), Just(30), Just(120), Just(3601)]
            .prop_map(SettingChoice::KeepAlive),
        (prop_oneof![Just(1u8), Just(5), Just(10)], 0..3u8)
            .prop_map(|(p, r)| SettingChoice::Timeout(p, r, true)),
        any::<bool>().prop_map(SettingChoice::Session),
        (
            prop_oneof![Just(1u8), Just(2), Just(10), Just(61)],
            0..4u8,
            any::<bool>()
        )
            .prop_map(|(p, r, n)| SettingChoice::Timeout(p, r, n)),
        proptest::option::of((qos(), any::<bool>(), topic(), 0..4u8)).prop_map(SettingChoice::Will),
        Just(SettingChoice::AliAuth),
    ]
}

fn payload() -> impl Strategy<Value = PayloadChoice> {
    (0..8u8, prop::bool::weighted(0.05)).prop_map(|(n, quote)| PayloadChoice { n, quote })
}

/// One API call; the state picks a likely slot for each kind.
fn op(model: &Model) -> BoxedStrategy<ApiOp> {
    let in_state = |want: SlotState| -> BoxedStrategy<u8> {
        let fit: Vec<u8> = (0..6u8)
            .filter(|&s| model.slots[usize::from(s)].state == want)
            .collect();
        if fit.is_empty() {
            slot().boxed()
        } else {
            prop_oneof![4 => prop::sample::select(fit), 1 => slot()].boxed()
        }
    };
    let closed = in_state(SlotState::Closed);
    let open = in_state(SlotState::Open);
    let connected = in_state(SlotState::Connected);
    prop_oneof![
        2 => (slot(), setting()).prop_map(|(slot, setting)| ApiOp::Configure { slot, setting }),
        3 => (closed, prop::bool::weighted(0.9)).prop_map(|(slot, reachable)| ApiOp::Open { slot, reachable }),
        3 => (open, 0..3u8).prop_map(|(slot, client)| ApiOp::Connect { slot, client }),
        3 => (connected.clone(), prop::collection::vec((topic(), qos()), 1..3))
            .prop_map(|(slot, topics)| ApiOp::Subscribe { slot, topics }),
        1 => (connected.clone(), prop::collection::vec(topic(), 1..3))
            .prop_map(|(slot, topics)| ApiOp::Unsubscribe { slot, topics }),
        5 => (connected.clone(), qos(), prop::bool::weighted(0.2), topic(), payload())
            .prop_map(|(slot, qos, retain, topic, payload)| ApiOp::Publish { slot, qos, retain, topic, payload }),
        1 => connected.clone().prop_map(|slot| ApiOp::Disconnect { slot }),
        1 => slot().prop_map(|slot| ApiOp::Close { slot }),
    ]
    .boxed()
}

/// One step, API calls or environment.
pub fn step(state: &RefState) -> BoxedStrategy<Step> {
    let model = &state.model;
    prop_oneof![
        12 => prop::collection::vec(op(model), 1..4).prop_map(Step::Api),
        3 => (topic(), qos(), 0..8u8).prop_map(|(topic, qos, payload)| Step::PeerPublish { topic, qos, payload }),
        1 => slot().prop_map(|slot| Step::DropLink { slot }),
        1 => slot().prop_map(|slot| Step::LinkDown { slot }),
        1 => prop::collection::vec(any::<u8>(), 0..12).prop_map(|bytes| Step::Garbage { bytes }),
        1 => prop_oneof![Just(1u16), Just(11), Just(125), Just(600)].prop_map(|secs| Step::Advance { secs }),
        1 => (slot(), prop_oneof![Just(1u8), Just(15), Just(45)], prop::collection::vec((qos(), topic(), 0..4u8), 0..3))
            .prop_map(|(slot, secs, during)| Step::Outage { slot, secs, during }),
        2 => stall(model),
    ]
    .boxed()
}

fn stall_op() -> impl Strategy<Value = StallOp> {
    prop_oneof![
        3 => (qos(), topic(), 0..4u8).prop_map(|(q, t, n)| StallOp::Publish(q, t, n)),
        1 => (qos(), topic()).prop_map(|(q, t)| StallOp::Subscribe(q, t)),
        1 => topic().prop_map(StallOp::Unsubscribe),
    ]
}

/// A stall on a slot, preferably a connected one.
pub fn stall(model: &Model) -> BoxedStrategy<Step> {
    let connected: Vec<u8> = (0..6u8)
        .filter(|&s| model.slots[usize::from(s)].state == SlotState::Connected)
        .collect();
    let slot = if connected.is_empty() {
        slot().boxed()
    } else {
        prop::sample::select(connected).boxed()
    };
    (
        slot,
        prop::collection::vec(stall_op(), 1..4),
        prop_oneof![Just(0u8), Just(5), Just(12), Just(45)],
        any::<bool>(),
    )
        .prop_map(|(slot, ops, wait, kill)| Step::Stall {
            slot,
            ops,
            wait,
            kill,
        })
        .boxed()
}
