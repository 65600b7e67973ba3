//! The broker bed: a fresh simulated module per script, on the embedded broker or an
//! external one, on a clock that stands still while the broker answers and jumps when it
//! owes nothing ([`SimLink`]).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use bc20_sim::shell::EmbeddedBroker;
use bc20_sim::{MqttVersion, Quirks};

use super::{broker_vars, VIRTUAL_BROKER};
use crate::link::{LinkError, ModuleLink, SimLink, SimOptions};
use crate::report::Target;
use crate::runner::RunIds;
use crate::suite::Testbed;

/// The process's embedded broker (rumqttd cannot be stopped, so one serves every run).
static EMBEDDED: OnceLock<Result<SocketAddr, String>> = OnceLock::new();

/// Starts (once) the embedded broker and returns its address.
pub fn embedded_broker() -> Result<SocketAddr, String> {
    EMBEDDED
        .get_or_init(|| {
            EmbeddedBroker::start()
                .map(|b| b.addr())
                .map_err(|e| e.to_string())
        })
        .clone()
}

/// Why MQTT 3.1 needs an external broker: rumqttd reads only "MQTT" level 4 (and 5) and
/// drops a 3.1 CONNECT ("MQIsdp", level 3) without a CONNACK.
pub const EMBEDDED_NO_MQTT31: &str = "the embedded broker does not speak MQTT 3.1 (rumqttd \
     closes a 3.1 CONNECT without a CONNACK); give --broker mqtt://HOST:PORT of a broker that \
     does, e.g. mosquitto or aedes";

/// Simulated modules on a real broker, on the broker bed's clock ([`SimLink`]).
pub struct SimBed {
    /// Simulator options (broker, quirks, MQTT version).
    pub options: SimOptions,
    /// Whether the broker is the embedded one.
    pub embedded: bool,
    /// Parallel simulators allowed.
    pub parallel: usize,
    /// Seed of the run ids on the embedded broker (`None` on an external broker, which
    /// outlives the process: there every run gets fresh random ids).
    pub seed: Option<u64>,
}

impl SimBed {
    /// A testbed on `broker` (`None`: the embedded broker, which speaks only MQTT 3.1.1:
    /// asking it for 3.1 is an error).
    ///
    /// On the embedded broker, which lives as long as the process, the run ids are seeded
    /// by the number of beds this process built before: the first run of a process (every
    /// `bc20 conform` invocation) sends the same bytes and writes the same report each
    /// time, and a second run in the same process cannot meet the first one's sessions.
    ///
    /// # Errors
    /// [`EMBEDDED_NO_MQTT31`] for MQTT 3.1 on the embedded broker; the embedded broker's
    /// start-up error.
    pub fn new(
        broker: Option<SocketAddr>,
        quirks: Quirks,
        mqtt_version: MqttVersion,
        parallel: usize,
    ) -> Result<Self, String> {
        static BEDS: AtomicU64 = AtomicU64::new(0);
        let (addr, embedded) = match broker {
            Some(a) => (a, false),
            None if mqtt_version == MqttVersion::V31 => {
                return Err(EMBEDDED_NO_MQTT31.to_owned());
            }
            None => (embedded_broker()?, true),
        };
        Ok(SimBed {
            options: SimOptions {
                broker: addr,
                quirks,
                mqtt_version,
            },
            embedded,
            parallel,
            seed: embedded.then(|| BEDS.fetch_add(1, Ordering::Relaxed)),
        })
    }
}

impl Testbed for SimBed {
    fn target(&self) -> Target {
        Target {
            kind: "sim".to_owned(),
            // No parallelism here: the report is the same whatever -j was.
            links: vec!["simulator, in-process, broker bed".to_owned()],
            // The embedded broker's port is a free one, different every run: it is not
            // part of what was tested.
            broker: Some(if self.embedded {
                "embedded (rumqttd)".to_owned()
            } else {
                format!("mqtt://{}", self.options.broker)
            }),
            quirks: self.options.quirks.iter().map(|q| q.to_string()).collect(),
            mode: String::new(),
            mqtt_version: Some(mqtt_version_name(self.options.mqtt_version).to_owned()),
            // Response times are the module's own virtual time: exact.
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
        Ok(Box::new(SimLink::open(self.options.clone())?))
    }

    fn vars(&self) -> BTreeMap<String, String> {
        if self.embedded {
            // Every QMTOPEN reaches the embedded broker whatever address it names: the
            // scripts name a fixed one, so transcripts do not carry a port that changes.
            broker_vars(VIRTUAL_BROKER.0, VIRTUAL_BROKER.1)
        } else {
            broker_vars(
                &self.options.broker.ip().to_string(),
                self.options.broker.port(),
            )
        }
    }

    fn run_ids(&self, name: &str) -> RunIds {
        match self.seed {
            Some(seed) => RunIds::seeded(name, seed),
            None => RunIds::new(name),
        }
    }
}

/// How reports name an MQTT version.
pub fn mqtt_version_name(v: MqttVersion) -> &'static str {
    match v {
        MqttVersion::V31 => "3.1",
        MqttVersion::V311 => "3.1.1",
    }
}
