//! The simulator testbed: a fresh simulated module per script, on the embedded broker or an
//! external one.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::OnceLock;

use bc20_sim::shell::EmbeddedBroker;
use bc20_sim::{MqttVersion, Quirks};

use super::broker_vars;
use crate::link::{LinkError, ModuleLink, SimLink, SimOptions};
use crate::peer::{BrokerPeer, MqttPeer, PeerError};
use crate::report::Target;
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

/// Simulated modules on a real broker.
pub struct SimBed {
    /// Simulator options (broker, quirks, MQTT version, time scale).
    pub options: SimOptions,
    /// Whether the broker is the embedded one.
    pub embedded: bool,
    /// Parallel simulators allowed.
    pub parallel: usize,
}

impl SimBed {
    /// A testbed on `broker` (`None`: the embedded broker, which speaks only MQTT 3.1.1:
    /// asking it for 3.1 is an error).
    pub fn new(
        broker: Option<SocketAddr>,
        quirks: Quirks,
        mqtt_version: MqttVersion,
        time_scale: f64,
        parallel: usize,
    ) -> Result<Self, String> {
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
                time_scale,
            },
            embedded,
            parallel,
        })
    }
}

impl Testbed for SimBed {
    fn target(&self) -> Target {
        Target {
            kind: "sim".to_owned(),
            links: vec![format!(
                "simulator, in-process, time ×{} ({} parallel)",
                self.options.time_scale, self.parallel
            )],
            broker: Some(format!(
                "mqtt://{}{}",
                self.options.broker,
                if self.embedded { " (embedded)" } else { "" }
            )),
            quirks: self.options.quirks.iter().map(|q| q.to_string()).collect(),
            mode: String::new(),
            mqtt_version: Some(mqtt_version_name(self.options.mqtt_version).to_owned()),
            // The response-time tolerance the CLI gives simulator runs (RunConfig::scaled).
            latency_resolution_ms: crate::runner::RunConfig::scaled(self.options.time_scale)
                .latency_tolerance
                .as_secs_f64()
                * 1000.0,
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

    fn open_peer(
        &self,
        uid: &str,
        _link: &mut dyn ModuleLink,
    ) -> Result<Option<Box<dyn BrokerPeer>>, PeerError> {
        let b = self.options.broker;
        Ok(Some(Box::new(MqttPeer::connect(
            &b.ip().to_string(),
            b.port(),
            &format!("peer-{uid}"),
        )?)))
    }

    fn vars(&self) -> BTreeMap<String, String> {
        broker_vars(
            &self.options.broker.ip().to_string(),
            self.options.broker.port(),
        )
    }
}

/// How reports name an MQTT version.
pub fn mqtt_version_name(v: MqttVersion) -> &'static str {
    match v {
        MqttVersion::V31 => "3.1",
        MqttVersion::V311 => "3.1.1",
    }
}
