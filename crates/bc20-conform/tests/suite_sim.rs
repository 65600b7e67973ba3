//! The whole suite passes against the simulator with the embedded broker, every tag a passing
//! script claims was really seen, and each quirk profile makes at least one script fail.

mod common;

use bc20_conform::runner::Verdict;
use bc20_sim::{Quirk, Quirks};
use common::{failures, run_on_sim, suite};

#[test]
fn suite_passes_on_the_simulator_and_its_tags_are_observed() {
    let scripts = suite();
    let report = run_on_sim(&scripts, None, Quirks::NONE);
    assert!(report.all_passed(), "failed:\n{}", failures(&report));
    assert_eq!(report.scripts.len(), scripts.len());
    assert_eq!(report.module.revision.as_deref(), Some("bc20kit-sim"));
    for s in &report.scripts {
        assert_eq!(s.verdict, Verdict::Pass);
        // A tag that is a spec id or a coded result must show in what the script exchanged.
        for tag in &s.tags {
            let is_clause =
                tag.chars().all(|c| c.is_ascii_digit() || c == '.') || tag == "field-notes";
            if !is_clause {
                assert!(
                    s.observed.contains(tag),
                    "{}: tags `{tag}` but never sent or received it",
                    s.name
                );
            }
        }
        for c in &s.commands {
            assert_ne!(c.within_limit, Some(false), "{}: {:?}", s.name, c);
        }
    }
}

#[test]
fn every_quirk_profile_fails_at_least_one_script() {
    let scripts = suite();
    let mut missed = Vec::new();
    // Three quirk runs at a time: the simulators mostly wait on the broker.
    for chunk in Quirk::ALL.chunks(3) {
        let results: Vec<(Quirk, usize)> = std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|q| {
                    let scripts = &scripts;
                    s.spawn(move || {
                        let r = run_on_sim(scripts, None, Quirks::NONE.with(*q));
                        (*q, r.summary.failed)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (q, failed) in results {
            if failed == 0 {
                missed.push(q.name());
            }
        }
    }
    assert!(
        missed.is_empty(),
        "no script fails with quirk(s): {}",
        missed.join(", ")
    );
}
