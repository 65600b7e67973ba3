//! A scripted modem for the driver's unit tests: the test plays the module by hand.

#![allow(dead_code)]

use std::time::Duration;

use bc20_client::{Client, ClientConfig, Completion, Event, Failure, Handle, Instant};

/// A driver plus a virtual clock.
pub struct Script {
    pub client: Client,
    pub now: Instant,
}

impl Script {
    pub fn new() -> Self {
        Self::with(ClientConfig::default())
    }

    pub fn with(config: ClientConfig) -> Self {
        Script {
            client: Client::new(config),
            now: Instant::ZERO,
        }
    }

    /// The next command line the driver writes, without its CR; panics if there is none.
    pub fn sent(&mut self) -> String {
        let bytes = self
            .client
            .poll_transmit(self.now)
            .expect("the driver should have a command to write");
        let text = String::from_utf8(bytes).unwrap();
        text.strip_suffix('\r')
            .expect("commands end with CR")
            .to_owned()
    }

    /// Asserts that the driver has nothing to write.
    pub fn silent(&mut self) {
        if let Some(b) = self.client.poll_transmit(self.now) {
            panic!("unexpected write: {:?}", String::from_utf8_lossy(&b));
        }
    }

    /// The module sends `bytes`.
    pub fn modem(&mut self, bytes: &str) {
        self.client.handle_input(self.now, bytes.as_bytes());
    }

    /// The module sends each line framed as `\r\n<line>\r\n`.
    pub fn lines(&mut self, lines: &[&str]) {
        for l in lines {
            self.modem(&format!("\r\n{l}\r\n"));
        }
    }

    /// The module answers `OK`.
    pub fn ok(&mut self) {
        self.lines(&["OK"]);
    }

    /// Advances the clock and fires due deadlines.
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        self.client.handle_timeout(self.now);
    }

    /// Every event so far.
    pub fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.client.poll_event()).collect()
    }

    /// The completions so far (other events dropped).
    pub fn completions(&mut self) -> Vec<(Handle, Result<Completion, Failure>)> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Completed { handle, result } => Some((handle, result)),
                _ => None,
            })
            .collect()
    }

    /// Opens and connects slot `id`, draining the events.
    pub fn connected(&mut self, id: u8) {
        self.client.open(id, "broker", 1883).unwrap();
        self.client.connect(id, "dev", None, None).unwrap();
        self.sent();
        self.ok();
        self.lines(&[&format!("+QMTOPEN: {id},0")]);
        self.sent();
        self.ok();
        self.lines(&[&format!("+QMTCONN: {id},0,0")]);
        assert_eq!(self.completions().len(), 2);
    }
}

pub fn ok(handle: Handle, c: Completion) -> Event {
    Event::Completed {
        handle,
        result: Ok(c),
    }
}

pub fn err(handle: Handle, f: Failure) -> Event {
    Event::Completed {
        handle,
        result: Err(f),
    }
}
