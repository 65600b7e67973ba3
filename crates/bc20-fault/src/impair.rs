//! What the network faults of one link do to each MQTT packet: the one judgement that the
//! fault proxy and the simulator's link layer both apply, so that a fault means the same
//! thing wherever it acts (D65). Sans-IO: the caller owns the queues and the sockets, and
//! hands in each whole packet as it passes with the time.

use std::time::Duration;

use bc20_grammar::time::Instant;

use crate::fault::{CloseHow, Fault, PacketFilter};
use crate::packet::{PacketInfo, PacketType};
use crate::way::Way;

/// What the network does with one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Passed on now (behind any packet still held in the same direction: order is kept).
    Pass,
    /// Lost whole, by the fault named.
    Drop(&'static str),
    /// Passed on at the given time, not before (and behind any packet held before it).
    Hold(Instant),
    /// Passed on, then the connection is closed both ways: `how` towards the module, FIN
    /// towards the broker (`close-after`).
    PassThenClose(CloseHow),
    /// A CONNACK passed on with this return code instead of its own, then the connection
    /// closed with a FIN both ways, as a refusing server does ([MQTT-3.2.2-5], `connack`).
    Refuse(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Drop,
    Hold(Duration),
    CloseAfter(CloseHow),
    Connack(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    way: Way,
    filter: PacketFilter,
    /// Matching packets still to act on; `None`: every one.
    left: Option<u32>,
    act: Act,
}

/// The network impairments of one link (one `<tcpconnectID>`): black holes and delays per
/// direction, and the packet faults (`drop-packet`, `hold-packet`,
/// `close-after`, `connack`), which act in the order they were injected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkImpairments {
    /// Black hole per direction (0 up, 1 down): until when.
    black_hole: [Option<Instant>; 2],
    /// Delay per direction.
    delay: [Duration; 2],
    rules: Vec<Rule>,
}

fn index(up: bool) -> usize {
    usize::from(!up)
}

impl LinkImpairments {
    /// Applies `fault` if it is one of a link's network impairments (`black-hole`, `delay`,
    /// `drop-packet`, `hold-packet`, `close-after`, `connack`; the caller
    /// picks the link by the fault's `conn_id`). Returns whether it was one.
    pub fn apply(&mut self, now: Instant, fault: &Fault) -> bool {
        let mut rule = |way: Way, filter: PacketFilter, act: Act| {
            // `times 0` (only the typed API can say it) acts on nothing.
            if filter.times != Some(0) {
                self.rules.push(Rule {
                    way,
                    filter,
                    left: filter.times,
                    act,
                });
            }
        };
        match *fault {
            Fault::BlackHole { way, duration, .. } => {
                for (d, on) in [(0, way.up()), (1, way.down())] {
                    if on {
                        self.black_hole[d] = Some(now + duration);
                    }
                }
            }
            Fault::Delay { way, delay, .. } => {
                for (d, on) in [(0, way.up()), (1, way.down())] {
                    if on {
                        self.delay[d] = delay;
                    }
                }
            }
            Fault::DropPacket { way, filter, .. } => rule(way, filter, Act::Drop),
            Fault::HoldPacket {
                way, filter, delay, ..
            } => rule(way, filter, Act::Hold(delay)),
            Fault::CloseAfter {
                way, filter, how, ..
            } => rule(way, filter, Act::CloseAfter(how)),
            Fault::Connack { code, .. } => {
                let filter = PacketFilter {
                    times: Some(1),
                    ..PacketFilter::every(PacketType::ConnAck)
                };
                rule(Way::Down, filter, Act::Connack(code))
            }
            _ => return false,
        }
        true
    }

    /// Whether nothing is impaired at `now` (the callers' fast path).
    pub fn is_clear(&self, now: Instant) -> bool {
        self.rules.is_empty()
            && self.delay == [Duration::ZERO; 2]
            && self.black_hole.iter().all(|b| !b.is_some_and(|t| now < t))
    }

    /// Whether packets travelling `up` (module → broker) or down are black-holed at `now`.
    pub fn black_holed(&self, now: Instant, up: bool) -> bool {
        self.black_hole[index(up)].is_some_and(|t| now < t)
    }

    /// What happens to `packet` travelling `up` (module → broker) or down at `now`; a
    /// packet fault that acts on it is used up by one. A black hole comes first (the packet
    /// is lost before anything else can see it), then the packet faults in the order they
    /// were injected, then the direction's delay.
    pub fn judge(&mut self, now: Instant, up: bool, packet: &PacketInfo) -> Verdict {
        if self.black_holed(now, up) {
            return Verdict::Drop("black-hole");
        }
        let delay = self.delay[index(up)];
        let way_on = |w: Way| if up { w.up() } else { w.down() };
        // A counted rule leaves the list when its count runs out, so every rule listed acts.
        let hit = self
            .rules
            .iter()
            .position(|r| way_on(r.way) && r.filter.matches(packet.kind, packet.pkid));
        let Some(i) = hit else {
            return if delay.is_zero() {
                Verdict::Pass
            } else {
                Verdict::Hold(now + delay)
            };
        };
        let rule = &mut self.rules[i];
        let act = rule.act;
        if let Some(n) = rule.left.as_mut() {
            *n -= 1;
            if *n == 0 {
                self.rules.remove(i);
            }
        }
        match act {
            Act::Drop => Verdict::Drop("drop-packet"),
            Act::Hold(d) => Verdict::Hold(now + d.max(delay)),
            Act::CloseAfter(how) => Verdict::PassThenClose(how),
            Act::Connack(code) => Verdict::Refuse(code),
        }
    }

    /// Ends every impairment (`clear`).
    pub fn clear(&mut self) {
        *self = LinkImpairments::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(kind: PacketType, pkid: Option<u16>) -> PacketInfo {
        PacketInfo {
            kind,
            pkid,
            dup: false,
            qos: 0,
        }
    }

    fn with(faults: &[&str]) -> LinkImpairments {
        let mut l = LinkImpairments::default();
        for f in faults {
            assert!(l.apply(Instant::ZERO, &f.parse().unwrap()), "{f}");
        }
        l
    }

    const T: Instant = Instant::ZERO;

    #[test]
    fn a_counted_packet_fault_acts_that_many_times_then_goes() {
        let mut l = with(&["drop-packet 0 down PUBACK id 7 times 2"]);
        let ack7 = info(PacketType::PubAck, Some(7));
        assert_eq!(
            l.judge(T, false, &info(PacketType::PubAck, Some(8))),
            Verdict::Pass
        );
        assert_eq!(l.judge(T, true, &ack7), Verdict::Pass, "up is not impaired");
        assert_eq!(l.judge(T, false, &ack7), Verdict::Drop("drop-packet"));
        assert_eq!(l.judge(T, false, &ack7), Verdict::Drop("drop-packet"));
        assert_eq!(l.judge(T, false, &ack7), Verdict::Pass);
        assert!(l.is_clear(T));
    }

    #[test]
    fn black_hole_first_then_rules_then_delay() {
        let mut l = with(&[
            "black-hole 0 down 1s",
            "hold-packet 0 down PINGRESP 3s",
            "delay 0 down 5s",
        ]);
        let ping = info(PacketType::PingResp, None);
        assert_eq!(l.judge(T, false, &ping), Verdict::Drop("black-hole"));
        let t = Instant::from_secs(1);
        assert_eq!(
            l.judge(t, false, &ping),
            Verdict::Hold(t + Duration::from_secs(5))
        );
        let other = info(PacketType::SubAck, Some(1));
        assert_eq!(
            l.judge(t, false, &other),
            Verdict::Hold(t + Duration::from_secs(5))
        );
    }

    #[test]
    fn a_packet_fault_for_zero_packets_acts_on_none() {
        let mut l = LinkImpairments::default();
        let f = Fault::DropPacket {
            conn_id: 0,
            way: Way::Down,
            filter: PacketFilter {
                times: Some(0),
                ..PacketFilter::every(PacketType::PubAck)
            },
        };
        assert!(l.apply(T, &f));
        assert_eq!(
            l.judge(T, false, &info(PacketType::PubAck, Some(1))),
            Verdict::Pass
        );
        assert!(l.is_clear(T));
    }

    #[test]
    fn connack_and_close_after_act_once() {
        let mut l = with(&["connack 0 5", "close-after 0 up PUBLISH"]);
        let ack = info(PacketType::ConnAck, None);
        assert_eq!(l.judge(T, false, &ack), Verdict::Refuse(5));
        assert_eq!(l.judge(T, false, &ack), Verdict::Pass);
        let publish = info(PacketType::Publish, Some(1));
        assert_eq!(
            l.judge(T, true, &publish),
            Verdict::PassThenClose(CloseHow::Fin)
        );
        assert_eq!(l.judge(T, true, &publish), Verdict::Pass);
        assert!(l.is_clear(T));
    }

    #[test]
    fn faults_of_other_kinds_are_not_a_links() {
        let mut l = LinkImpairments::default();
        for f in [
            "drop-link 0",
            "kill-link 0",
            "send-fail 0 on",
            "clear",
            "garbage 0",
        ] {
            assert!(!l.apply(T, &f.parse().unwrap()), "{f}");
        }
        assert!(
            !l.apply(T, &"hold-close 0 on".parse().unwrap()),
            "inside the module"
        );
        assert!(l.apply(T, &"delay 0 up 1s".parse().unwrap()));
        assert!(!l.is_clear(T));
        l.clear();
        assert!(l.is_clear(T));
    }
}
