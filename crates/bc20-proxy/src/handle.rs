//! One handle on a fault proxy, wherever it runs: in this process ([`ProxyServer`]) or on
//! another host behind its control channel ([`RemoteProxy`]). The conformance runner's
//! serial link holds an `Arc<dyn FaultProxyHandle>`.

use std::time::Instant as WallInstant;

use bc20_fault::{Fault, LogEntry};
use bc20_grammar::time::Instant;

use crate::remote::RemoteProxy;
use crate::shell::{ProxyServer, ShellError};

/// What a runner does with a fault proxy.
pub trait FaultProxyHandle: Send + Sync {
    /// How a report names the proxy (`127.0.0.1:40123`, `remote 10.0.0.1:7000`).
    fn describe(&self) -> String;

    /// The next connection to arrive is slot `conn_id`'s ([`ProxyServer::expect_connection`]).
    ///
    /// # Errors
    /// [`ShellError`] when the proxy has stopped or cannot be reached.
    fn expect_connection(&self, conn_id: u8) -> Result<(), ShellError>;

    /// Slot `conn_id`'s AT+QMTOPEN made no connection ([`ProxyServer::cancel_connection`]).
    ///
    /// # Errors
    /// [`ShellError`] when the proxy has stopped or cannot be reached.
    fn cancel_connection(&self, conn_id: u8) -> Result<(), ShellError>;

    /// Applies a fault ([`ProxyServer::inject`]).
    ///
    /// # Errors
    /// [`ShellError::Fault`] for a fault that happens inside the module; another
    /// [`ShellError`] when the proxy has stopped or cannot be reached.
    fn inject(&self, fault: Fault) -> Result<(), ShellError>;

    /// What the proxy did since the last call, oldest first.
    ///
    /// # Errors
    /// [`ShellError`] when the proxy has stopped or cannot be reached.
    fn take_log(&self) -> Result<Vec<LogEntry>, ShellError>;

    /// The instant of this host's clock at which the proxy's clock read `at` (a
    /// [`LogEntry::at`]); for a remote proxy an estimate ([`RemoteProxy::clock_uncertainty`]).
    fn local_time(&self, at: Instant) -> WallInstant;
}

impl FaultProxyHandle for ProxyServer {
    fn describe(&self) -> String {
        self.addr().to_string()
    }

    fn expect_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        ProxyServer::expect_connection(self, conn_id)
    }

    fn cancel_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        ProxyServer::cancel_connection(self, conn_id)
    }

    fn inject(&self, fault: Fault) -> Result<(), ShellError> {
        ProxyServer::inject(self, fault)
    }

    fn take_log(&self) -> Result<Vec<LogEntry>, ShellError> {
        Ok(ProxyServer::take_log(self))
    }

    fn local_time(&self, at: Instant) -> WallInstant {
        self.epoch() + std::time::Duration::from_millis(at.as_millis())
    }
}

impl FaultProxyHandle for RemoteProxy {
    fn describe(&self) -> String {
        format!(
            "remote {} (modules dial {})",
            self.control_addr(),
            self.addr()
        )
    }

    fn expect_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        RemoteProxy::expect_connection(self, conn_id)
    }

    fn cancel_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        RemoteProxy::cancel_connection(self, conn_id)
    }

    fn inject(&self, fault: Fault) -> Result<(), ShellError> {
        RemoteProxy::inject(self, fault)
    }

    fn take_log(&self) -> Result<Vec<LogEntry>, ShellError> {
        RemoteProxy::take_log(self)
    }

    fn local_time(&self, at: Instant) -> WallInstant {
        RemoteProxy::local_time(self, at)
    }
}
