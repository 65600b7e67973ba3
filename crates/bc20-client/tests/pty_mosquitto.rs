//! The model check over real I/O: the simulator's shell on a PTY (opened with `serialport`,
//! as the example does), its network side connected to a mosquitto this test starts on a
//! free loopback port, time running for real (scaled). About 20 cases.
//!
//! Needs mosquitto (Debian package `mosquitto`); without it the test is skipped with a notice
//! on stderr, unless `BC20_REQUIRE_MOSQUITTO=1` (set by .ci/run), which makes that a failure.
//! `BC20_PTY_CASES` sets the number of cases.

mod pty;
mod strategies;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bc20_client::check::{ApiOp, SettingChoice, Step, World};
use bc20_client::{ClientConfig, Qos};
use bc20_testkit::Mosquitto;
use proptest::prelude::*;
use proptest::test_runner::Config;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};
use pty::Pty;
use strategies::RefState;

static BROKER: std::sync::OnceLock<SocketAddr> = std::sync::OnceLock::new();
static CASE: AtomicUsize = AtomicUsize::new(0);

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = RefState;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<RefState> {
        strategies::init().boxed()
    }

    fn transitions(state: &RefState) -> BoxedStrategy<Step> {
        strategies::step(state)
    }

    /// What a real broker and a real clock make impractical or differently specified here:
    /// a broker that stops acknowledging (mosquitto cannot), long waits, persistent sessions
    /// (mosquitto queues QoS 1/2 messages for an offline session, as MQTT 3.1.1 says; the
    /// virtual broker does not) and takeover (whether the older connection's will is
    /// published is left open by MQTT 3.1.1 and differs between brokers).
    fn preconditions(_state: &RefState, step: &Step) -> bool {
        match step {
            Step::Stall { .. } => false,
            Step::Advance { secs } => *secs <= 125,
            Step::Outage { secs, .. } => *secs <= 15,
            Step::Api(ops) => ops.iter().all(|op| match op {
                ApiOp::Configure {
                    setting: SettingChoice::Session(false),
                    ..
                } => false,
                // At 50x, a 1 s packet timeout is 20 ms of real serial and TCP latency.
                ApiOp::Configure {
                    setting: SettingChoice::Timeout(1, ..),
                    ..
                } => false,
                ApiOp::Connect { slot, client } => client % 3 == *slot && *slot < 3,
                _ => true,
            }),
            _ => true,
        }
    }

    fn apply(mut state: RefState, step: &Step) -> RefState {
        state.model.apply(step);
        state
    }
}

struct System;

impl StateMachineTest for System {
    type SystemUnderTest = World<Pty>;
    type Reference = Reference;

    fn init_test(state: &RefState) -> World<Pty> {
        let broker = *BROKER.get().expect("mosquitto started");
        let case = CASE.fetch_add(1, Ordering::Relaxed);
        // The driver's clock runs at the simulator's scaled speed, so its own waits for a
        // final result code are scaled up to stay above real serial latency.
        let config = ClientConfig {
            final_timeout: Duration::from_secs(30),
            async_grace: Duration::from_secs(30),
            ..ClientConfig::default()
        };
        World::with_env(
            Pty::start(broker),
            format!("c{case}/"),
            state.chunks.clone(),
            config,
        )
        .expect("boot over the PTY")
    }

    fn apply(mut world: World<Pty>, _state: &RefState, step: Step) -> World<Pty> {
        if let Err(e) = world.step(&step) {
            panic!("{e}");
        }
        world
    }
}

fn cases() -> u32 {
    std::env::var("BC20_PTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

prop_state_machine! {
    #![proptest_config(Config {
        cases: cases(),
        max_shrink_iters: 64,
        failure_persistence: None,
        .. Config::default()
    })]

    fn model_check_over_pty(sequential 1..10 => System);
}

/// One deterministic session first, so that every path of real I/O is covered whatever
/// the random cases draw: subscribe, publish to ourselves, a peer's publishes at each QoS, a
/// retained message, an outage with retransmissions, a link drop and a will.
fn fixed_session() {
    use bc20_client::check::PayloadChoice;
    let mut world = System::init_test(&RefState {
        model: Default::default(),
        chunks: vec![5, 1, 64],
    });
    let publish = |slot, qos, retain, topic, n| ApiOp::Publish {
        slot,
        qos,
        retain,
        topic,
        payload: PayloadChoice { n, quote: false },
    };
    let steps = [
        Step::Api(vec![
            ApiOp::Configure {
                slot: 1,
                setting: SettingChoice::Will(Some((Qos::AtLeastOnce, false, 2, 1))),
            },
            ApiOp::Configure {
                slot: 0,
                setting: SettingChoice::Timeout(2, 2, true),
            },
            ApiOp::Configure {
                slot: 0,
                setting: SettingChoice::KeepAlive(30),
            },
        ]),
        Step::Api(vec![
            ApiOp::Open {
                slot: 0,
                reachable: true,
            },
            ApiOp::Connect { slot: 0, client: 0 },
        ]),
        Step::Api(vec![
            ApiOp::Open {
                slot: 1,
                reachable: true,
            },
            ApiOp::Connect { slot: 1, client: 1 },
        ]),
        Step::Api(vec![ApiOp::Subscribe {
            slot: 0,
            topics: vec![(0, Qos::ExactlyOnce), (2, Qos::AtLeastOnce)],
        }]),
        Step::Api(vec![
            publish(0, Qos::AtLeastOnce, false, 0, 1),
            publish(1, Qos::ExactlyOnce, true, 0, 2),
        ]),
        Step::PeerPublish {
            topic: 0,
            qos: Qos::AtMostOnce,
            payload: 3,
        },
        Step::PeerPublish {
            topic: 0,
            qos: Qos::ExactlyOnce,
            payload: 4,
        },
        Step::Api(vec![ApiOp::Subscribe {
            slot: 1,
            topics: vec![(0, Qos::AtLeastOnce)],
        }]),
        Step::Api(vec![ApiOp::Open {
            slot: 2,
            reachable: false,
        }]),
        Step::Outage {
            slot: 0,
            secs: 3,
            during: vec![(Qos::AtLeastOnce, 1, 0), (Qos::AtMostOnce, 1, 1)],
        },
        Step::DropLink { slot: 1 },
        Step::Garbage {
            bytes: vec![1, 2, 3],
        },
    ];
    let mut received = 0;
    for step in &steps {
        let obs = world.run(step).unwrap_or_else(|e| panic!("{step:?}: {e}"));
        received += obs
            .events
            .iter()
            .filter(|e| matches!(e, bc20_client::Event::Received(_)))
            .count();
        let expected = world.model.apply(step);
        if let Err(e) = expected.check(&obs) {
            panic!("{step:?}: {e}\n{:#?}", obs.events);
        }
    }
    assert!(received >= 4, "only {received} messages arrived");
}

#[test]
fn driver_matches_the_model_over_a_pty_with_mosquitto() {
    let Some(mosquitto) =
        Mosquitto::start_or_skip("driver_matches_the_model_over_a_pty_with_mosquitto")
    else {
        return;
    };
    BROKER.set(mosquitto.addr()).unwrap();
    fixed_session();
    model_check_over_pty();
    drop(mosquitto);
}
