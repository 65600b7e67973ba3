//! The model check: random sequences of API calls and environment events, run against the
//! real driver wired to the real simulator core (virtual network and clock), compared with
//! the reference model after every step (`bc20_client::check`).
//!
//! `BC20_MODEL_CASES` sets the number of cases (default 1000); `BC20_MODEL_STEPS` the
//! longest sequence (default 24). Failures shrink to a minimal sequence, which proptest
//! records in `proptest-regressions/` and which belongs in `tests/model_regressions.rs`.

mod strategies;

use bc20_client::check::{Step, World};
use proptest::prelude::*;
use proptest::test_runner::Config;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

use strategies::{step, RefState};

/// The reference state machine: the model, plus the chunking of the serial line.
struct Reference;

impl ReferenceStateMachine for Reference {
    type State = RefState;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<RefState> {
        strategies::init().boxed()
    }

    fn transitions(state: &RefState) -> BoxedStrategy<Step> {
        step(state)
    }

    fn apply(mut state: RefState, step: &Step) -> RefState {
        state.model.apply(step);
        state
    }
}

/// The real system: driver + simulator, with its own copy of the model to compare against.
struct System;

impl StateMachineTest for System {
    type SystemUnderTest = World;
    type Reference = Reference;

    fn init_test(state: &RefState) -> World {
        World::new(state.chunks.clone()).expect("boot and initialise")
    }

    fn apply(mut world: World, _state: &RefState, step: Step) -> World {
        if let Err(e) = world.step(&step) {
            panic!("{e}");
        }
        world
    }

    fn check_invariants(world: &World, state: &RefState) {
        assert_eq!(
            world.model, state.model,
            "the harness's model drifted from the reference"
        );
    }
}

fn cases() -> u32 {
    std::env::var("BC20_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn steps() -> usize {
    std::env::var("BC20_MODEL_STEPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

prop_state_machine! {
    #![proptest_config(Config {
        cases: cases(),
        max_shrink_iters: 4096,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        .. Config::default()
    })]

    #[test]
    fn driver_matches_the_model_against_the_simulator(sequential 1..steps() => System);
}
