//! Criterion benches: driver throughput (operations through the in-process simulator, and
//! through the driver alone on scripted bytes) and model-check cases per second.

#[path = "../tests/strategies/mod.rs"]
mod strategies;

use std::hint::black_box;

use bc20_client::check::{Step, World};
use bc20_client::{Client, ClientConfig, Event, Instant, Qos};
use bc20_sim::{Bench, ModemConfig};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use proptest_state_machine::ReferenceStateMachine;

/// Driver + simulator, without the model: the bare cost of an operation end to end.
struct Rig {
    client: Client,
    bench: Bench,
}

impl Rig {
    fn connected() -> Rig {
        let mut rig = Rig {
            client: Client::new(ClientConfig::default()),
            bench: Bench::new(ModemConfig::echo_off()),
        };
        rig.client.open(0, "broker", 1883).unwrap();
        rig.client.connect(0, "bench", None, None).unwrap();
        rig.client.subscribe(0, &[("t", Qos::AtMostOnce)]).unwrap();
        rig.pump();
        while rig.client.poll_event().is_some() {}
        rig
    }

    fn pump(&mut self) {
        let now = self.bench.now;
        loop {
            let out = self.bench.read(0);
            self.client.handle_input(now, &out);
            let wrote = self.client.poll_transmit(now);
            if out.is_empty() && wrote.is_none() {
                return;
            }
            if let Some(bytes) = wrote {
                self.bench.write(0, &bytes);
            }
        }
    }
}

fn driver_through_simulator(c: &mut Criterion) {
    let mut g = c.benchmark_group("driver+sim");
    g.throughput(Throughput::Elements(1));
    for (name, qos) in [
        ("publish_qos0", Qos::AtMostOnce),
        ("publish_qos1", Qos::AtLeastOnce),
        ("publish_qos2", Qos::ExactlyOnce),
    ] {
        let mut rig = Rig::connected();
        g.bench_function(name, |b| {
            b.iter(|| {
                rig.client.publish(0, qos, false, "t", b"payload").unwrap();
                rig.pump();
                // Completion plus the message the broker routes back to our subscription.
                while let Some(e) = rig.client.poll_event() {
                    black_box(e);
                }
            })
        });
    }
    g.finish();
}

fn driver_alone(c: &mut Criterion) {
    let mut g = c.benchmark_group("driver");
    g.throughput(Throughput::Elements(1));
    let mut client = Client::new(ClientConfig::default());
    client.open(0, "b", 1).unwrap();
    client.connect(0, "c", None, None).unwrap();
    let now = Instant::ZERO;
    client.poll_transmit(now);
    client.handle_input(now, b"\r\nOK\r\n\r\n+QMTOPEN: 0,0\r\n");
    client.poll_transmit(now);
    client.handle_input(now, b"\r\nOK\r\n\r\n+QMTCONN: 0,0,0\r\n");
    while client.poll_event().is_some() {}
    g.bench_function("publish_qos0_scripted", |b| {
        b.iter(|| {
            client
                .publish(0, Qos::AtMostOnce, false, "t", b"payload")
                .unwrap();
            black_box(client.poll_transmit(now));
            client.handle_input(now, b"\r\nOK\r\n\r\n+QMTPUB: 0,0,0\r\n");
            let e = client.poll_event();
            debug_assert!(matches!(e, Some(Event::Completed { .. })));
            black_box(e);
        })
    });
    g.bench_function("qmtrecv_scripted", |b| {
        b.iter(|| {
            client.handle_input(
                now,
                b"\r\n+QMTRECV: 0,3,\"dev/cmd\",\"{\"method\":\"set\"}\"\r\n",
            );
            black_box(client.poll_event());
        })
    });
    g.finish();
}

/// Pre-generated model-check cases (fixed seed), so that the bench measures running them.
fn cases(n: usize) -> Vec<(Vec<usize>, Vec<Step>)> {
    let config = Config::default();
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = <Reference as ReferenceStateMachine>::sequential_strategy(1..24);
    (0..n)
        .map(|_| {
            let (state, steps, _) = strategy.new_tree(&mut runner).unwrap().current();
            (state.chunks, steps)
        })
        .collect()
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = strategies::RefState;
    type Transition = Step;

    fn init_state() -> proptest::strategy::BoxedStrategy<Self::State> {
        strategies::init().boxed()
    }

    fn transitions(state: &Self::State) -> proptest::strategy::BoxedStrategy<Step> {
        strategies::step(state)
    }

    fn apply(mut state: Self::State, step: &Step) -> Self::State {
        state.model.apply(step);
        state
    }
}

fn model_check(c: &mut Criterion) {
    let set = cases(100);
    let mut g = c.benchmark_group("model_check");
    g.throughput(Throughput::Elements(set.len() as u64));
    g.sample_size(10);
    g.bench_function("cases", |b| {
        b.iter_batched(
            || set.clone(),
            |set| {
                for (chunks, steps) in set {
                    let mut world = World::new(chunks).unwrap();
                    for s in &steps {
                        world.step(s).unwrap();
                    }
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, driver_through_simulator, driver_alone, model_check);
criterion_main!(benches);
