//! Test fixtures shared by the bc20kit crates, used only as a dev-dependency (never published).
//!
//! - [`mosquitto`]: a private mosquitto broker on a free loopback port ([`Mosquitto`]), found
//!   by [`mosquitto_binary`] under the skip-or-require policy of [`require`]: a missing
//!   mosquitto skips a test with a visible `notice: ... SKIPPING ...` line, unless
//!   `BC20_REQUIRE_MOSQUITTO=1` (CI) makes it a failure. The aedes tests of the `bc20` binary
//!   use the same policy with `BC20_REQUIRE_AEDES`.
//! - [`free_port`]: a free TCP port on 127.0.0.1.
//! - [`chapter6`]: the chapter 6 session of `spec/examples.toml`, as steps and as the bytes a
//!   module sends.
//!
//! ```no_run
//! use bc20_testkit::{mosquitto_binary, Mosquitto};
//!
//! // `None`: mosquitto is missing and the test is skipped (a notice says so on stderr).
//! let Some(binary) = mosquitto_binary("my_test").expect("mosquitto") else {
//!     return;
//! };
//! let broker = Mosquitto::start(&binary).expect("mosquitto starts");
//! println!("mqtt://{}", broker.addr());
//! // The same in one call, panicking where the above returns an error:
//! let Some(broker) = Mosquitto::start_or_skip("my_test") else { return };
//! # let _ = broker;
//! ```
//!
//! The model-check harness of the host driver is not here: it stays behind bc20-client's
//! `check` feature. It drives `bc20_client::Client` against `bc20_sim`, so here it would make
//! bc20-client's own tests depend on a crate that depends on bc20-client (a dev-dependency
//! cycle, with two copies of the client's types in its unit tests), and the fuzz target and
//! the benches need it (with its `arbitrary` derives) as an ordinary dependency, which a
//! dev-only, unpublished crate is not.

#![deny(missing_docs)]

pub mod chapter6;
pub mod mosquitto;
mod net;
pub mod require;

pub use mosquitto::{
    decide_mosquitto, mosquitto_binary, skip_notice, Mosquitto, REQUIRE_MOSQUITTO_ENV,
};
pub use net::free_port;
