//! The whole conformance suite on the virtual bed (`bc20 conform --sim --virtual -j1`), next
//! to the broker bed (`--sim`, ×20 scaled wall clock, embedded rumqttd, also -j1) measured
//! in the same run:
//!
//! | measured | baseline | target |
//! |---|---|---|
//! | `suite/virtual_j1` | one run of the broker bed | under 2 s wall |
//!
//! `cargo bench -p bc20-conform --bench suite` prints both and the ratio at the end;
//! `BC20_BENCH_NO_BROKER=1` skips the broker bed (~25 s).

use std::path::Path;
use std::time::{Duration, Instant};

use bc20_conform::report::RunReport;
use bc20_conform::runner::RunConfig;
use bc20_conform::script::Script;
use bc20_conform::suite::{discover, load_all, run_suite, Quiet, SuiteOptions, Testbed};
use bc20_conform::testbed::{SimBed, VirtualBed};
use bc20_sim::{MqttVersion, Quirks};
use criterion::Criterion;

fn suite() -> Vec<Script> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance");
    let files = discover(&[dir]).expect("the conformance folder");
    load_all(&files).unwrap_or_else(|_| panic!("script errors in conformance/"))
}

fn run(scripts: &[Script], bed: &dyn Testbed, config: RunConfig) -> RunReport {
    let opts = SuiteOptions {
        config,
        jobs: 1,
        reports: None,
        progress: &Quiet,
        retry_failed: 0,
        certification: Default::default(),
        order: None,
    };
    run_suite(scripts, bed, &opts)
}

fn run_virtual(scripts: &[Script]) -> RunReport {
    let bed = VirtualBed::new(Quirks::NONE, MqttVersion::V311, 1);
    run(scripts, &bed, VirtualBed::run_config())
}

fn main() {
    let scripts = suite();
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    c.bench_function("suite/virtual_j1", |b| {
        b.iter(|| {
            let r = run_virtual(&scripts);
            assert!(r.all_passed(), "the suite fails on the virtual bed");
        });
    });
    c.final_summary();

    // The same figure by hand, for the ratio.
    let rounds = 5;
    let started = Instant::now();
    for _ in 0..rounds {
        run_virtual(&scripts);
    }
    let virtual_s = started.elapsed().as_secs_f64() / f64::from(rounds);
    println!(
        "suite/virtual_j1: {virtual_s:.3} s wall for {} scripts (target < 2 s)",
        scripts.len()
    );
    if std::env::var_os("BC20_BENCH_NO_BROKER").is_some() {
        return;
    }
    let scale = 20.0;
    let bed = match SimBed::new(None, Quirks::NONE, MqttVersion::V311, scale, 1) {
        Ok(b) => b,
        Err(e) => {
            println!("broker bed unavailable: {e}");
            return;
        }
    };
    let started = Instant::now();
    let r = run(&scripts, &bed, RunConfig::scaled(scale));
    let broker_s = started.elapsed().as_secs_f64();
    println!(
        "suite/broker_j1 (×{scale}, embedded rumqttd): {broker_s:.3} s wall, {} passed; \
         virtual is {:.0}× faster",
        r.summary.passed,
        broker_s / virtual_s
    );
}
