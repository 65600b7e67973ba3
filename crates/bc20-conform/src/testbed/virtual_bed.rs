//! The virtual testbed: per script a fresh world (one simulated module, the in-memory network
//! and the virtual broker) on a discrete-event clock. No sockets, no threads, no sleeping:
//! the whole suite runs in well under the time of one real retransmission, and two runs with
//! the same seed give the same report apart from wall-clock fields.

use std::collections::BTreeMap;

use bc20_sim::{ModemConfig, MqttVersion, Quirks};

use super::{broker_vars, mqtt_version_name};
use crate::link::{LinkError, ModuleLink, VirtualLink};
use crate::report::Target;
use crate::runner::RunIds;
use crate::suite::Testbed;

/// The broker address the scripts' QMTOPEN gives on the virtual bed (any name reaches the
/// virtual broker except `*.invalid`; a fixed one keeps transcripts identical run to run).
pub const VIRTUAL_BROKER: (&str, u16) = ("127.0.0.1", 1883);

/// Simulated modules on virtual time, each with its own virtual broker.
#[derive(Debug, Clone)]
pub struct VirtualBed {
    /// Quirk profiles that are on.
    pub quirks: Quirks,
    /// The MQTT version of the modules' CONNECT (the virtual broker speaks 3.1 and 3.1.1).
    pub mqtt_version: MqttVersion,
    /// Parallel scripts (each world is independent; more than the cores buys nothing).
    pub parallel: usize,
    /// Seed of the run ids (`${uid}`, `${cid}`): same seed, same bytes.
    pub seed: u64,
}

impl VirtualBed {
    /// A virtual bed with the default seed (0).
    pub fn new(quirks: Quirks, mqtt_version: MqttVersion, parallel: usize) -> Self {
        VirtualBed {
            quirks,
            mqtt_version,
            parallel,
            seed: 0,
        }
    }

    fn modem_config(&self) -> ModemConfig {
        ModemConfig {
            quirks: self.quirks,
            mqtt_version: self.mqtt_version,
            ..ModemConfig::default()
        }
    }
}

impl Testbed for VirtualBed {
    fn target(&self) -> Target {
        Target {
            kind: "sim".to_owned(),
            // No parallelism here: the report is the same whatever -j was.
            links: vec!["simulator, in-process, virtual time".to_owned()],
            broker: Some("virtual".to_owned()),
            quirks: self.quirks.iter().map(|q| q.to_string()).collect(),
            mode: String::new(),
            mqtt_version: Some(mqtt_version_name(self.mqtt_version).to_owned()),
            latency_resolution_ms: 0.0,
        }
    }

    fn max_parallel(&self) -> usize {
        self.parallel
    }

    fn fresh_per_script(&self) -> bool {
        true
    }

    fn hardware(&self) -> bool {
        false
    }

    fn open_link(&self, _worker: usize) -> Result<Box<dyn ModuleLink>, LinkError> {
        Ok(Box::new(VirtualLink::open(self.modem_config())))
    }

    fn vars(&self) -> BTreeMap<String, String> {
        broker_vars(VIRTUAL_BROKER.0, VIRTUAL_BROKER.1)
    }

    fn run_ids(&self, name: &str) -> RunIds {
        RunIds::seeded(name, self.seed)
    }
}
