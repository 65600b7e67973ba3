//! The model check (feature `check`): a reference model of host + module + broker, the
//! alphabet of steps it is checked on, and [`World`], which runs the real driver against
//! the real simulator core on its deterministic virtual network and compares every step
//! with the model.
//!
//! `tests/model_check.rs` drives it with proptest-state-machine, `fuzz/fuzz_targets/
//! client_ops.rs` with libFuzzer, `benches/client.rs` with criterion.
//!
//! ```
//! use bc20_client::check::{ApiOp, Step, World};
//!
//! let mut world = World::new(vec![3, 1, 64]).unwrap();
//! world.step(&Step::Api(vec![ApiOp::Open { slot: 0, reachable: true }])).unwrap();
//! world.step(&Step::DropLink { slot: 0 }).unwrap();
//! ```

mod broker;
mod calls;
mod env;
mod expect;
mod faults;
mod model;
mod monitor;
mod step;
mod world;

pub use broker::{BrokerModel, Delivery, Publication};
pub use env::{Environment, Virtual};
pub use expect::{CallExpect, Expected, LinkLossExpect, Observation, Refusal};
pub use faults::outage_span_secs;
pub use model::{Model, SlotModel};
pub use step::{
    noise, topic, ApiOp, PayloadChoice, SettingChoice, StallOp, Step, BAD_HOST, CLIENT_IDS,
    GOOD_HOST, TOPICS,
};
pub use world::{World, MAX_ADVANCE_SECS};
