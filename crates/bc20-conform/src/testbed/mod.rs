//! The testbeds: simulated modules (one per script, in parallel, on virtual time: with a real
//! broker on the broker bed, or with the virtual broker on the virtual bed) and serial ports.

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "sim")]
mod sim;
#[cfg(feature = "sim")]
pub use sim::{embedded_broker, mqtt_version_name, SimBed, EMBEDDED_NO_MQTT31};
#[cfg(feature = "sim")]
mod virtual_bed;
#[cfg(feature = "sim")]
pub use virtual_bed::{VirtualBed, VIRTUAL_BROKER};

use bc20_proxy::FaultProxyHandle;

use crate::link::{LinkError, ModuleLink, SerialLink, SerialOptions};
use crate::peer::{BrokerPeer, BrokerUrl, MqttPeer, PeerError};
use crate::report::Target;
use crate::runner::RunConfig;
use crate::suite::Testbed;

/// The runner's timings on the simulator's beds, both on virtual time: the slack of a
/// module at real speed (grace, settle, teardown bound), and no latency tolerance, since
/// response times are the module's own and exact.
pub fn sim_run_config() -> RunConfig {
    RunConfig {
        latency_tolerance: Duration::ZERO,
        ..RunConfig::scaled(1.0)
    }
}

/// The response-time tolerance on a serial port: a result the module's own timer causes (no
/// CONNACK within `pkt_timeout`: `+QMTCONN: <id>,2`) arrives at the note's limit by
/// definition, and the UART, the adapter's USB polling and the host's scheduling add
/// milliseconds to every measurement (a real-time simulator behind a PTY measured 2001 ms
/// for a 2000 ms limit).
pub const SERIAL_LATENCY_TOLERANCE: Duration = Duration::from_millis(50);

/// Real modules on serial ports (one script at a time per port).
pub struct SerialBed {
    /// One entry per port.
    pub ports: Vec<SerialOptions>,
    /// The broker the peer connects to, if any.
    pub broker: Option<BrokerUrl>,
    /// The broker as the module must reach it (host, port), when there is no proxy.
    pub module_broker: Option<(String, u16)>,
    /// The fault proxies between the modules and the broker, one per port (port `i`'s
    /// module dials `proxies[i]`), or none: fault steps act there. One proxy per module,
    /// since a proxy labels connections by the order of the AT+QMTOPENs it is told of.
    pub proxies: Vec<BedProxy>,
}

/// A fault proxy of a [`SerialBed`] and how its module reaches it.
#[derive(Clone)]
pub struct BedProxy {
    /// The proxy, in this process or remote.
    pub handle: Arc<dyn FaultProxyHandle>,
    /// Where the module dials it (host, port): `${broker_host}`/`${broker_port}`.
    pub module_addr: (String, u16),
}

impl Testbed for SerialBed {
    fn target(&self) -> Target {
        Target {
            kind: "serial".to_owned(),
            links: self
                .ports
                .iter()
                .enumerate()
                .map(|(i, o)| match self.proxies.get(i) {
                    Some(p) => format!(
                        "{} (network faults at the fault proxy {})",
                        o.describe(),
                        p.handle.describe()
                    ),
                    None => o.describe(),
                })
                .collect(),
            broker: self.broker.as_ref().map(BrokerUrl::to_string),
            quirks: Vec::new(),
            mode: String::new(),
            // `bc20 conform` sets RunConfig::latency_tolerance to the same.
            latency_resolution_ms: SERIAL_LATENCY_TOLERANCE.as_secs_f64() * 1000.0,
            // The module (or an external `bc20 sim --pty`) chooses its MQTT version.
            mqtt_version: None,
        }
    }

    fn max_parallel(&self) -> usize {
        self.ports.len()
    }

    fn fresh_per_script(&self) -> bool {
        false
    }

    fn hardware(&self) -> bool {
        true
    }

    fn open_link(&self, worker: usize) -> Result<Box<dyn ModuleLink>, LinkError> {
        let o = self.ports.get(worker).ok_or(LinkError::Closed)?;
        let link = SerialLink::open(o.clone())?;
        Ok(Box::new(match self.proxies.get(worker) {
            Some(p) => link.with_fault_proxy(p.handle.clone()),
            None => link,
        }))
    }

    fn open_peer(
        &self,
        uid: &str,
        _link: &mut dyn ModuleLink,
    ) -> Result<Option<Box<dyn BrokerPeer>>, PeerError> {
        match &self.broker {
            Some(b) => Ok(Some(Box::new(MqttPeer::connect_to(
                b,
                &format!("peer-{uid}"),
            )?))),
            None => Ok(None),
        }
    }

    fn vars(&self) -> BTreeMap<String, String> {
        self.vars_for(0)
    }

    fn vars_for(&self, worker: usize) -> BTreeMap<String, String> {
        match (self.proxies.get(worker), &self.module_broker, &self.broker) {
            (Some(p), _, _) => broker_vars(&p.module_addr.0, p.module_addr.1),
            (None, Some((h, p)), _) => broker_vars(h, *p),
            (None, None, Some(b)) => broker_vars(&b.host, b.port),
            (None, None, None) => BTreeMap::new(),
        }
    }
}

pub(crate) fn broker_vars(host: &str, port: u16) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("broker_host".to_owned(), host.to_owned()),
        ("broker_port".to_owned(), port.to_string()),
    ])
}

/// Resolves `host:port` to one socket address.
pub fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}:{port}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}:{port}: no address"))
}
