//! The simulator in-process: a fresh simulated BC20 per link, on a scaled clock, connecting
//! to a real broker (the embedded one or an external one).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bc20_sim::shell::{Route, SimConfig, SimHandle, Simulator, Transport};
use bc20_sim::{ModemConfig, MqttVersion, Quirks};

use super::{Fault, LinkError, ModuleLink, Reset, MAX_BLOCK};

/// How to build simulated modules.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The broker every QMTOPEN reaches (whatever host name it gives, except `*.invalid`).
    pub broker: SocketAddr,
    /// Quirk profiles that are on.
    pub quirks: Quirks,
    /// The MQTT version of the modules' CONNECT (D39; 3.1 also limits client ids, D64).
    pub mqtt_version: MqttVersion,
    /// Virtual seconds per real second.
    pub time_scale: f64,
}

/// A [`ModuleLink`] to an in-process simulated module; time is the simulator's virtual time
/// (real time × `time_scale`).
pub struct SimLink {
    options: SimOptions,
    handle: Option<SimHandle>,
    epoch: Instant,
}

impl SimLink {
    /// Boots a fresh simulated module.
    pub fn open(options: SimOptions) -> Result<Self, LinkError> {
        let handle = spawn(&options)?;
        Ok(SimLink {
            options,
            handle: Some(handle),
            epoch: Instant::now(),
        })
    }

    fn handle(&mut self) -> Result<&mut SimHandle, LinkError> {
        self.handle.as_mut().ok_or(LinkError::Closed)
    }
}

fn spawn(o: &SimOptions) -> Result<SimHandle, LinkError> {
    let config = SimConfig {
        modem: ModemConfig {
            quirks: o.quirks,
            mqtt_version: o.mqtt_version,
            ..ModemConfig::default()
        },
        route: Route::Fixed(o.broker),
        transport: Transport::InProcess,
        time_scale: o.time_scale,
    };
    Simulator::spawn(config).map_err(|e| LinkError::Open {
        path: "simulator".to_owned(),
        reason: e.to_string(),
    })
}

impl ModuleLink for SimLink {
    fn describe(&self) -> String {
        let quirks: Vec<String> = self.options.quirks.iter().map(|q| q.to_string()).collect();
        format!(
            "simulator (time ×{}, broker {}{}{})",
            self.options.time_scale,
            self.options.broker,
            if self.options.mqtt_version == MqttVersion::V31 {
                ", MQTT 3.1"
            } else {
                ""
            },
            if quirks.is_empty() {
                String::new()
            } else {
                format!(", quirks {}", quirks.join(","))
            }
        )
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed().mul_f64(self.options.time_scale)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.handle()?
            .write(bytes)
            .map_err(|e| LinkError::Io(e.to_string()))
    }

    fn read(&mut self, deadline: Duration, buf: &mut Vec<u8>) -> Result<usize, LinkError> {
        let now = self.now();
        if now >= deadline {
            return Ok(0);
        }
        let real = (deadline - now)
            .div_f64(self.options.time_scale)
            .clamp(Duration::from_micros(200), MAX_BLOCK);
        let got = self
            .handle()?
            .read_timeout(real)
            .map_err(|e| LinkError::Io(e.to_string()))?;
        buf.extend_from_slice(&got);
        Ok(got.len())
    }

    fn supports_faults(&self) -> bool {
        true
    }

    fn inject(&mut self, fault: &Fault) -> Result<(), LinkError> {
        let f = fault.parse()?;
        self.handle()?
            .inject(f)
            .map_err(|e| LinkError::Io(e.to_string()))
    }

    fn can_reset(&self) -> bool {
        true
    }

    fn reset(&mut self) -> Result<Reset, LinkError> {
        if let Some(h) = self.handle.take() {
            h.shutdown();
        }
        self.handle = Some(spawn(&self.options)?);
        Ok(Reset {
            settle: Duration::ZERO,
            notes: vec!["a fresh simulated module booted".to_owned()],
        })
    }
}
