//! The whole suite passes against the simulator connected to mosquitto (a broker of its own
//! on a free loopback port). Without mosquitto the test is skipped with a notice on stderr,
//! unless BC20_REQUIRE_MOSQUITTO=1 (set by .ci/run), which makes that a failure.

mod common;

use bc20_sim::Quirks;
use bc20_testkit::Mosquitto;
use common::{failures, run_on_sim, suite};

#[test]
fn suite_passes_on_the_simulator_with_mosquitto() {
    let Some(broker) = Mosquitto::start_or_skip("suite_passes_on_the_simulator_with_mosquitto")
    else {
        return;
    };
    let report = run_on_sim(&suite(), Some(broker.addr()), Quirks::NONE);
    assert!(report.all_passed(), "failed:\n{}", failures(&report));
}
