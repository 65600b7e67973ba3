//! The `client_ops` property: arbitrary sequences of API calls and environment events (link
//! drops, black holes, stalls, peer publishes, serial garbage, clock advances) run against
//! bc20-client's driver wired to the simulator core; every step keeps the serial-line
//! invariants (one command in flight, no write on a closed slot, msgIDs unique and legal,
//! every request completed exactly once) and agrees with the reference model.

use arbitrary::{Arbitrary, Unstructured};
use bc20_client::check::{Step, World};

/// Most steps per input, and most calls per step: keeps each run in milliseconds.
const MAX_STEPS: usize = 32;
const MAX_CALLS: usize = 4;

/// Runs the steps `data` encodes; panics with the model's complaint when they disagree.
pub fn client_ops(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(chunks) = <[u8; 4]>::arbitrary(&mut u) else {
        return;
    };
    let chunks = chunks.iter().map(|&c| usize::from(c).max(1)).collect();
    let mut world = World::new(chunks).expect("the simulator boots and the driver initialises");
    for _ in 0..MAX_STEPS {
        let Ok(mut step) = Step::arbitrary(&mut u) else {
            break;
        };
        match &mut step {
            Step::Api(ops) => ops.truncate(MAX_CALLS),
            Step::Outage { during, .. } => during.truncate(MAX_CALLS),
            Step::Stall { ops, .. } => ops.truncate(MAX_CALLS),
            _ => {}
        }
        if let Err(e) = world.step(&step) {
            panic!("{e}");
        }
    }
}
