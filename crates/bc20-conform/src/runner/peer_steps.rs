//! `peer publish|subscribe|unsubscribe|expect|expect-none`.

use std::time::Duration;

use super::{Session, StepError};
use crate::peer::{BrokerPeer, PeerError};
use crate::script::{format_duration, raw_bytes, PayloadPattern, PeerStep};
use crate::transcript::{printable, Dir};

impl Session<'_> {
    fn peer_mut(&mut self) -> Result<&mut (dyn BrokerPeer + '_), StepError> {
        match self.peer.as_deref_mut() {
            Some(p) => Ok(p),
            None => Err(StepError::Abort(PeerError::NoPeer.to_string())),
        }
    }

    pub(super) fn peer_step(&mut self, step: &PeerStep) -> Result<(), StepError> {
        match step {
            PeerStep::Publish {
                topic,
                payload,
                qos,
                retain,
            } => {
                let topic = self.expand(topic)?;
                let payload = raw_bytes(&self.expand(payload)?);
                self.log(
                    Dir::Peer,
                    &format!(
                        "publish topic={topic} qos={qos} retain={} payload={}",
                        u8::from(*retain),
                        printable(&payload)
                    ),
                    None,
                    None,
                );
                self.peer_mut()?
                    .publish(&topic, &payload, *qos, *retain)
                    .map_err(|e| StepError::Abort(e.to_string()))
            }
            PeerStep::Subscribe { topic, qos } => {
                let topic = self.expand(topic)?;
                self.log(
                    Dir::Peer,
                    &format!("subscribe topic={topic} qos={qos}"),
                    None,
                    None,
                );
                self.peer_mut()?
                    .subscribe(&topic, *qos)
                    .map_err(|e| StepError::Abort(e.to_string()))
            }
            PeerStep::Unsubscribe { topic } => {
                let topic = self.expand(topic)?;
                self.log(Dir::Peer, &format!("unsubscribe topic={topic}"), None, None);
                self.peer_mut()?
                    .unsubscribe(&topic)
                    .map_err(|e| StepError::Abort(e.to_string()))
            }
            PeerStep::Expect {
                topic,
                payload,
                qos,
                retain,
                within,
            } => {
                let topic = self.expand(topic)?;
                let want = match payload {
                    PayloadPattern::Exact(t) => Some(raw_bytes(&self.expand(t)?)),
                    _ => None,
                };
                let wait = within.unwrap_or(
                    self.script
                        .default_timeout
                        .unwrap_or(self.cfg.default_timeout),
                );
                let deadline = self.link.now() + wait;
                self.peer_mut()?;
                loop {
                    // What already arrived belongs to this instant (a retained message
                    // comes with its SUBACK): look before any time passes.
                    self.poll_peer();
                    let found = self.peer_inbox.iter().position(|m| {
                        m.topic == topic
                            && want.as_ref().is_none_or(|w| *w == m.payload)
                            && qos.is_none_or(|q| q == m.qos)
                            && retain.is_none_or(|r| r == m.retain)
                    });
                    if let Some(i) = found {
                        let m = self.peer_inbox.remove(i);
                        if let PayloadPattern::Capture(name) = payload {
                            self.vars.insert(
                                name.clone(),
                                String::from_utf8_lossy(&m.payload).into_owned(),
                            );
                        }
                        return Ok(());
                    }
                    if self.link.now() >= deadline {
                        let seen: Vec<String> = self
                            .peer_inbox
                            .iter()
                            .map(|m| {
                                format!(
                                    "{} qos={} retain={} `{}`",
                                    m.topic,
                                    m.qos,
                                    u8::from(m.retain),
                                    printable(&m.payload)
                                )
                            })
                            .collect();
                        return Err(StepError::Fail(format!(
                            "the peer got no message on `{topic}`{}{}{} within {}{}",
                            want.as_ref()
                                .map(|w| format!(" with payload `{}`", printable(w)))
                                .unwrap_or_default(),
                            qos.map(|q| format!(" at QoS {q}")).unwrap_or_default(),
                            retain
                                .map(|r| format!(" retain={}", u8::from(r)))
                                .unwrap_or_default(),
                            format_duration(wait),
                            if seen.is_empty() {
                                String::new()
                            } else {
                                format!("; it got: {}", seen.join("; "))
                            }
                        )));
                    }
                    self.peer_wait(deadline)?;
                }
            }
            PeerStep::ExpectNone(d) => {
                self.peer_mut()?;
                let until = self.link.now() + *d;
                loop {
                    self.poll_peer();
                    if let Some(m) = self.peer_inbox.first() {
                        return Err(StepError::Fail(format!(
                            "the peer expected no message for {}, got {} `{}`",
                            format_duration(*d),
                            m.topic,
                            printable(&m.payload)
                        )));
                    }
                    if self.link.now() >= until {
                        return Ok(());
                    }
                    self.peer_wait(until)?;
                }
            }
        }
    }

    /// Waits a little for the broker side: pumps the module link in short slices (module lines
    /// are queued, not consumed) so that peer messages are polled often.
    fn peer_wait(&mut self, deadline: std::time::Duration) -> Result<(), StepError> {
        let slice = (self.link.now() + Duration::from_millis(20)).min(deadline);
        self.pump(slice)?;
        Ok(())
    }
}
