//! An interrupt (SIGINT/SIGTERM) during a step: the step may finish within the bound, no
//! later step runs, the teardown runs within its bound, and the verdict says why. In a test
//! binary of its own, because the interrupt is process-wide.

use std::collections::VecDeque;
use std::time::Duration;

use bc20_conform::link::{LinkError, ModuleLink};
use bc20_conform::parse_script;
use bc20_conform::runner::RunIds;
use bc20_conform::runner::{clear_interrupt, interrupt, run_script, RunConfig, Verdict};
use bc20_conform::transcript::NullSink;

/// A module on a virtual clock that answers `AT+SLOW` after `slow`, everything else at
/// once, and raises SIGTERM (15) when its clock passes `signal_at`.
struct Fake {
    now: Duration,
    slow: Duration,
    signal_at: Duration,
    out: VecDeque<(Duration, Vec<u8>)>,
    sent: Vec<String>,
}

impl ModuleLink for Fake {
    fn describe(&self) -> String {
        "fake".into()
    }
    fn now(&self) -> Duration {
        self.now
    }
    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let line = String::from_utf8_lossy(bytes).trim_end().to_owned();
        let at = if line == "AT+SLOW" {
            self.now + self.slow
        } else {
            self.now + Duration::from_millis(1)
        };
        self.sent.push(line);
        self.out.push_back((at, b"\r\nOK\r\n".to_vec()));
        self.out.make_contiguous().sort_by_key(|(t, _)| *t);
        Ok(())
    }
    fn read(&mut self, deadline: Duration, buf: &mut Vec<u8>) -> Result<usize, LinkError> {
        let step = (self.now + Duration::from_millis(100)).min(deadline);
        match self.out.front() {
            Some((at, _)) if *at <= step => {
                let (at, b) = self.out.pop_front().unwrap();
                self.now = self.now.max(at);
                buf.extend_from_slice(&b);
            }
            _ => self.now = self.now.max(step),
        }
        if self.now >= self.signal_at {
            interrupt(15);
        }
        Ok(buf.len())
    }
}

#[test]
fn an_interrupted_step_may_finish_then_only_the_teardown_runs() {
    let text = "send AT+SLOW\nexpect within 20s OK\nsend AT+NEXT\nexpect OK\n\
                teardown:\nsend AT+CLEAN\nexpect OK\n";
    let script = parse_script("cut.bc20", text).unwrap();
    let cfg = RunConfig {
        teardown_bound: Duration::from_secs(5),
        ..RunConfig::default()
    };

    // SIGTERM at 1 s; the answer comes at 3 s, inside the 5 s bound: the step passes.
    let mut link = Fake {
        now: Duration::ZERO,
        slow: Duration::from_secs(3),
        signal_at: Duration::from_secs(1),
        out: VecDeque::new(),
        sent: Vec::new(),
    };
    let r = run_script(&script, &mut link, None, &cfg, &mut NullSink, &test_ids());
    assert_eq!(r.verdict, Verdict::Error);
    assert!(
        r.failures[0].message.contains("SIGTERM before this step"),
        "{:?}",
        r.failures
    );
    assert!(r.failures[0].step.contains("AT+NEXT"), "{:?}", r.failures);
    assert_eq!(
        link.sent,
        ["ATE0", "AT+CMEE=1", "AT+SLOW", "AT+CLEAN"],
        "no step after the signal but the teardown"
    );

    // The answer would come at 8 s, after the bound: the step is cut.
    clear_interrupt();
    let mut link = Fake {
        now: Duration::ZERO,
        slow: Duration::from_secs(8),
        signal_at: Duration::from_secs(1),
        out: VecDeque::new(),
        sent: Vec::new(),
    };
    let r = run_script(&script, &mut link, None, &cfg, &mut NullSink, &test_ids());
    assert_eq!(r.verdict, Verdict::Error);
    assert!(
        r.failures[0].message.contains("did not finish within 5s"),
        "{:?}",
        r.failures
    );
    assert!(
        link.now < Duration::from_secs(12),
        "bounded: {:?}",
        link.now
    );
}

/// Fixed run ids, so assertions can name them.
fn test_ids() -> RunIds {
    RunIds {
        uid: "u".to_owned(),
        cid: "0000c1d1".to_owned(),
    }
}
