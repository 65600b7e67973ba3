//! The whole suite passes against the simulator connected to mosquitto (a broker of its own
//! on a free loopback port). Without mosquitto the test fails, unless
//! BC20_SKIP_MOSQUITTO=1.

mod common;

use bc20_sim::shell::{mosquitto_binary, Mosquitto};
use bc20_sim::Quirks;
use common::{failures, run_on_sim, suite};

#[test]
fn suite_passes_on_the_simulator_with_mosquitto() {
    let Some(binary) = mosquitto_binary().expect("mosquitto") else {
        return;
    };
    let broker = Mosquitto::start(&binary).expect("mosquitto starts");
    let report = run_on_sim(&suite(), Some(broker.addr()), Quirks::NONE);
    assert!(report.all_passed(), "failed:\n{}", failures(&report));
}
