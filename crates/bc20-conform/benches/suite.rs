//! The whole conformance suite as `bc20 conform --sim -j1` runs it (the broker bed: embedded
//! rumqttd, the clock frozen while the broker answers), next to the virtual bed
//! (`--sim --virtual -j1`, no sockets) measured in the same run as its baseline:
//!
//! | measured | baseline | target |
//! |---|---|---|
//! | `suite/broker_j1` | `suite/virtual_j1` | under 2 s wall |
//!
//! `cargo bench -p bc20-conform --bench suite` prints both and the ratio at the end;
//! `BC20_BENCH_NO_BROKER=1` measures the virtual bed only.

use std::path::Path;
use std::time::{Duration, Instant};

use bc20_conform::report::RunReport;
use bc20_conform::runner::RunConfig;
use bc20_conform::script::Script;
use bc20_conform::suite::{discover, load_all, run_suite, Quiet, SuiteOptions, Testbed};
use bc20_conform::testbed::{sim_run_config, SimBed, VirtualBed};
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
    run(scripts, &bed, sim_run_config())
}

/// A fresh bed per run: its run ids are new, so runs never meet on the broker.
fn run_broker(scripts: &[Script]) -> Result<RunReport, String> {
    let bed = SimBed::new(None, Quirks::NONE, MqttVersion::V311, 1)?;
    Ok(run(scripts, &bed, sim_run_config()))
}

/// Mean wall time of `rounds` calls of `f`.
fn mean(rounds: u32, mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..rounds {
        f();
    }
    started.elapsed().as_secs_f64() / f64::from(rounds)
}

fn main() {
    let scripts = suite();
    let broker = std::env::var_os("BC20_BENCH_NO_BROKER").is_none();
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
    if broker {
        c.bench_function("suite/broker_j1", |b| {
            b.iter(|| {
                let r = run_broker(&scripts).expect("the embedded broker");
                assert!(r.all_passed(), "the suite fails on the broker bed");
            });
        });
    }
    c.final_summary();

    // The same figures by hand, for the ratio.
    let virtual_s = mean(5, || {
        run_virtual(&scripts);
    });
    println!(
        "suite/virtual_j1: {virtual_s:.3} s wall for {} scripts",
        scripts.len()
    );
    if !broker {
        return;
    }
    let broker_s = mean(5, || {
        run_broker(&scripts).expect("the embedded broker");
    });
    println!(
        "suite/broker_j1 (embedded rumqttd): {broker_s:.3} s wall (target < 2 s), {:.1}× the \
         virtual bed",
        broker_s / virtual_s
    );
}
