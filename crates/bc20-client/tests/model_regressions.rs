//! Minimal sequences the model check once failed on, kept as regression tests.

use bc20_client::check::{ApiOp, PayloadChoice, Step, World};
use bc20_client::Qos;

fn run(chunks: Vec<usize>, steps: &[Step]) {
    let mut world = World::new(chunks).expect("boot");
    for step in steps {
        if let Err(e) = world.step(step) {
            panic!("{e}");
        }
    }
}

fn connect(slot: u8) -> Step {
    Step::Api(vec![
        ApiOp::Open {
            slot,
            reachable: true,
        },
        ApiOp::Connect { slot, client: slot },
    ])
}

/// A publish refused for its payload (`"` cannot be sent, D10) used to use up a msgID, so the
/// next QoS 1 publish went out with 2 where the allocator's cycle says 1 (D33).
#[test]
fn refused_publish_does_not_use_up_a_msg_id() {
    run(
        vec![1],
        &[
            connect(0),
            Step::Api(vec![ApiOp::Publish {
                slot: 0,
                qos: Qos::AtLeastOnce,
                retain: false,
                topic: 0,
                payload: PayloadChoice { n: 0, quote: true },
            }]),
            Step::Outage {
                slot: 0,
                secs: 15,
                during: vec![(Qos::AtMostOnce, 1, 1), (Qos::AtLeastOnce, 1, 1)],
            },
        ],
    );
}

/// Requests still waiting when +QMTSTAT arrives complete with `LinkLost` (5.1: the URC ends
/// them), after the notices of the retransmissions made so far (D25).
#[test]
fn link_loss_ends_requests_waiting_for_an_unacknowledged_packet() {
    use bc20_client::check::StallOp;
    run(
        vec![7, 2],
        &[
            Step::Api(vec![ApiOp::Configure {
                slot: 2,
                setting: bc20_client::check::SettingChoice::Timeout(5, 2, true),
            }]),
            connect(2),
            Step::Stall {
                slot: 2,
                ops: vec![
                    StallOp::Subscribe(Qos::ExactlyOnce, 1),
                    StallOp::Publish(Qos::ExactlyOnce, 0, 0),
                ],
                wait: 12,
                kill: false,
            },
        ],
    );
}

/// Takeover (3.2.4 NOTE): a second slot connecting with the same client id closes the first.
#[test]
fn takeover_closes_the_older_slot() {
    run(
        vec![200],
        &[
            connect(0),
            Step::Api(vec![
                ApiOp::Open {
                    slot: 1,
                    reachable: true,
                },
                ApiOp::Connect { slot: 1, client: 0 },
            ]),
            Step::Api(vec![ApiOp::Publish {
                slot: 0,
                qos: Qos::AtMostOnce,
                retain: false,
                topic: 0,
                payload: PayloadChoice { n: 1, quote: false },
            }]),
        ],
    );
}

/// With AT+QMTCFG="aliauth" set, a connect without user name signs in AliCloud's way (D21),
/// which changes the MQTT client id: no takeover of a slot that uses the bare id.
#[test]
fn aliauth_changes_the_client_id_so_there_is_no_takeover() {
    run(
        vec![1],
        &[
            Step::Api(vec![ApiOp::Configure {
                slot: 0,
                setting: bc20_client::check::SettingChoice::AliAuth,
            }]),
            Step::Api(vec![
                ApiOp::Open {
                    slot: 2,
                    reachable: true,
                },
                ApiOp::Connect { slot: 2, client: 2 },
            ]),
            Step::Api(vec![
                ApiOp::Open {
                    slot: 0,
                    reachable: true,
                },
                ApiOp::Connect { slot: 0, client: 2 },
            ]),
        ],
    );
}

/// Found by the fuzzer: a subscribe with no topics on a closed slot was refused for its
/// topic count before its state; a request is now judged by its state first.
#[test]
fn empty_subscribe_on_a_closed_slot_is_refused_for_the_state() {
    run(
        vec![1],
        &[Step::Api(vec![ApiOp::Subscribe {
            slot: 0,
            topics: vec![],
        }])],
    );
}

/// Slot 1 subscribed to topic 0 at QoS 2; slot 0 with clean session 0.
fn subscriber_and_persistent_publisher() -> Vec<Step> {
    use bc20_client::check::SettingChoice;
    vec![
        connect(1),
        Step::Api(vec![ApiOp::Subscribe {
            slot: 1,
            topics: vec![(0, Qos::ExactlyOnce)],
        }]),
        Step::Api(vec![ApiOp::Configure {
            slot: 0,
            setting: SettingChoice::Session(false),
        }]),
        connect(0),
    ]
}

/// D63: publishes left unacknowledged by a stall are sent again when the clean-session-0
/// session resumes; the subscriber may see them (QoS 1 again, QoS 2 only if the broker
/// lost it), and nothing else changes.
#[test]
fn a_resumed_session_resends_what_a_stall_left_unacknowledged() {
    use bc20_client::check::StallOp;
    for kill in [false, true] {
        let mut steps = subscriber_and_persistent_publisher();
        steps.push(Step::Stall {
            slot: 0,
            ops: vec![
                StallOp::Publish(Qos::AtLeastOnce, 0, 1),
                StallOp::Publish(Qos::ExactlyOnce, 0, 2),
            ],
            wait: 3,
            kill,
        });
        steps.push(connect(0));
        steps.push(Step::Api(vec![ApiOp::Publish {
            slot: 0,
            qos: Qos::AtLeastOnce,
            retain: false,
            topic: 0,
            payload: PayloadChoice { n: 3, quote: false },
        }]));
        run(vec![1], &steps);
    }
}

/// D63: the same after an outage, whose publishes may or may not have been acknowledged.
#[test]
fn a_resumed_session_resends_what_an_outage_left_unacknowledged() {
    let mut steps = subscriber_and_persistent_publisher();
    steps.push(Step::Outage {
        slot: 0,
        secs: 60,
        during: vec![(Qos::AtLeastOnce, 0, 1), (Qos::ExactlyOnce, 0, 2)],
    });
    steps.push(connect(0));
    run(vec![1], &steps);
}
