//! An MQTT-aware TCP fault proxy between a BC20 and its broker: the sans-IO core.
//!
//! A real module has no fault injection of its own; the network between it and the broker
//! can have one. The module dials the proxy instead of the broker (`AT+QMTOPEN` to the
//! proxy's address), the proxy dials the broker, and between the two it cuts each direction
//! of the byte stream into whole MQTT packets ([`frame`], rumqttc's codec; an MQTT 3.1
//! CONNECT passes untouched) so that a fault of `bc20-fault`'s vocabulary can act on the
//! packets that matter: `drop-link` (RST to the module, FIN to the broker, which then
//! publishes the Will), `kill-link` (nothing passes, nobody is told), `black-hole` and
//! `delay` per direction, packet faults (`drop-packet`, `hold-packet`, `close-after`,
//! `connack`), `garbage`, `refuse-connections`. A fault names a
//! `<tcpconnectID>` (`conn_id`, 0-5); MQTT carries none, so the runner labels each proxied
//! connection with the slot whose AT+QMTOPEN it just sent ([`Proxy::label`]).
//!
//! [`Proxy`] is a state machine: the shell gives it accepted connections, bytes from
//! either end, closes and the time; it returns what to send, what to close and a log entry
//! for every packet it passed, held or dropped. Sockets and clocks live in the shell
//! ([`shell::ProxyServer`]). When the module cannot reach the test machine, the proxy runs on
//! a host it can reach (`bc20 proxy`) and the runner drives it over a token-authenticated
//! line protocol ([`control`]) with a [`RemoteProxy`]; the runner holds either behind
//! [`FaultProxyHandle`].
//!
//! ```
//! use bc20_grammar::time::Instant;
//! use bc20_proxy::{Action, Proxy, Side};
//!
//! let mut p = Proxy::new();
//! let t = Instant::ZERO;
//! assert!(p.accept(t, 1));
//! p.label(1, 0);
//! p.inject(t, &"black-hole 0 down 5s".parse()?)?;
//! p.receive(t, 1, Side::Broker, b"\xd0\x00"); // PINGRESP: swallowed
//! p.receive(t, 1, Side::Module, b"\xc0\x00"); // PINGREQ: passed on
//! let sent: Vec<Action> = std::iter::from_fn(|| p.poll_action())
//!     .filter(|a| matches!(a, Action::Send { .. }))
//!     .collect();
//! assert_eq!(sent.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod control;
mod engine;
pub mod frame;
mod handle;
mod remote;
pub mod shell;

pub use bc20_fault::{CloseHow, ConnKey, Fate, LogEntry};
pub use engine::{Action, Proxy, ProxyError, Side};
pub use handle::FaultProxyHandle;
pub use remote::RemoteProxy;
