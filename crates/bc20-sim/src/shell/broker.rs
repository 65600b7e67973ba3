//! The embedded broker: rumqttd on a loopback port, in-process, so `bc20 sim` needs no
//! install. rumqttd's `start()` blocks its thread and has no shutdown, and it cannot report
//! an ephemeral port, so a free port is picked first and the broker lives on its own thread
//! until the process ends.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::thread;
use std::time::{Duration, Instant};

use super::SimError;

/// A running embedded broker.
#[derive(Debug, Clone)]
pub struct EmbeddedBroker {
    addr: SocketAddr,
}

impl EmbeddedBroker {
    /// Starts rumqttd on a free 127.0.0.1 port and waits (up to 10 s) until it accepts.
    pub fn start() -> Result<EmbeddedBroker, SimError> {
        let port = free_port()?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let config = config(addr);
        thread::Builder::new()
            .name("bc20-sim-broker".into())
            .spawn(move || {
                let mut broker = rumqttd::Broker::new(config);
                if let Err(e) = broker.start() {
                    eprintln!("bc20 sim: embedded broker stopped: {e}");
                }
            })
            .map_err(SimError::Io)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(EmbeddedBroker { addr });
            }
            thread::sleep(Duration::from_millis(20));
        }
        Err(SimError::Broker(format!(
            "the embedded broker did not start listening on {addr}"
        )))
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// A port nobody listens on right now (bind to 0, read it, release it).
pub fn free_port() -> Result<u16, SimError> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(SimError::Io)?;
    Ok(l.local_addr().map_err(SimError::Io)?.port())
}

fn config(listen: SocketAddr) -> rumqttd::Config {
    let connections = rumqttd::ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: 1 << 20,
        max_inflight_count: 500,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    let server = rumqttd::ServerSettings {
        name: "v4-1".into(),
        listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections,
    };
    rumqttd::Config {
        id: 0,
        router: rumqttd::RouterConfig {
            max_connections: 1000,
            max_outgoing_packet_count: 200,
            max_segment_size: 16 << 20,
            max_segment_count: 10,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Default::default(),
        },
        v4: Some(HashMap::from([("1".to_owned(), server)])),
        ..Default::default()
    }
}

/// The address of an external broker given as `mqtt://host:port`, `tcp://host:port` or
/// `host:port` (port defaults to 1883), as `bc20 sim --broker` takes it.
///
/// # Errors
///
/// [`SimError::Config`] for a malformed URL or a host that does not resolve.
pub fn parse_broker(url: &str) -> Result<SocketAddr, SimError> {
    let rest = url
        .strip_prefix("mqtt://")
        .or_else(|| url.strip_prefix("tcp://"))
        .unwrap_or(url);
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains('/') {
        return Err(SimError::Config(format!(
            "bad broker URL {url:?} (expected mqtt://host:port)"
        )));
    }
    let with_port = if rest
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        rest.to_owned()
    } else {
        format!("{rest}:1883")
    };
    with_port
        .to_socket_addrs()
        .map_err(|e| SimError::Config(format!("cannot resolve broker {url:?}: {e}")))?
        .next()
        .ok_or_else(|| SimError::Config(format!("broker {url:?} resolves to no address")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls() {
        assert_eq!(
            parse_broker("mqtt://127.0.0.1:1884").unwrap(),
            "127.0.0.1:1884".parse().unwrap()
        );
        assert_eq!(
            parse_broker("127.0.0.1").unwrap(),
            "127.0.0.1:1883".parse().unwrap()
        );
        assert!(parse_broker("mqtt://").is_err());
        assert!(parse_broker("mqtt://h/x").is_err());
    }
}
