//! The alphabet of the model check: API calls and environment events, over a small fixed
//! universe of topics, payloads and client ids so that random sequences collide often.

use std::fmt;

use bc20_grammar::Qos;

/// The topics every step draws from (exact names; the model routes by equality).
pub const TOPICS: [&str; 3] = ["a", "b/c", "d"];

/// Client ids a connect draws from; two slots with the same id exercise takeover.
pub const CLIENT_IDS: [&str; 3] = ["dev0", "dev1", "dev2"];

/// The host name the virtual network resolves, and one it never resolves (`*.invalid`).
pub const GOOD_HOST: &str = "broker.local";
/// See [`GOOD_HOST`].
pub const BAD_HOST: &str = "nowhere.invalid";

/// A payload: `m<n>`, or with `quote` a string the AT syntax cannot carry (D10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PayloadChoice {
    /// Which payload.
    pub n: u8,
    /// Put a `"` in it: the request must be refused.
    pub quote: bool,
}

impl PayloadChoice {
    /// The bytes.
    pub fn bytes(self) -> Vec<u8> {
        if self.quote {
            format!("m\"{}", self.n).into_bytes()
        } else {
            format!("m{}", self.n).into_bytes()
        }
    }
}

/// Which AT+QMTCFG setting a configure writes (all five of 3.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum SettingChoice {
    /// `"keepalive"`, seconds.
    KeepAlive(u16),
    /// `"session"`, clean or not.
    Session(bool),
    /// `"timeout"`: pkt_timeout, retry_times, timeout_notice.
    Timeout(u8, u8, bool),
    /// `"will"`: QoS, retain, topic index, payload; `None` clears.
    Will(Option<(Qos, bool, u8, u8)>),
    /// `"aliauth"` (stored only, D21).
    AliAuth,
}

/// One API call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ApiOp {
    /// [`crate::Client::configure`].
    Configure {
        /// Slot (6 and up do not exist).
        slot: u8,
        /// What to set.
        setting: SettingChoice,
    },
    /// [`crate::Client::open`] to [`GOOD_HOST`] or, unless `reachable`, [`BAD_HOST`].
    Open {
        /// Slot.
        slot: u8,
        /// Resolvable host.
        reachable: bool,
    },
    /// [`crate::Client::close`].
    Close {
        /// Slot.
        slot: u8,
    },
    /// [`crate::Client::connect`] with client id `CLIENT_IDS[client % 3]`.
    Connect {
        /// Slot.
        slot: u8,
        /// Client id index.
        client: u8,
    },
    /// [`crate::Client::disconnect`].
    Disconnect {
        /// Slot.
        slot: u8,
    },
    /// [`crate::Client::subscribe`]: topic indices with QoS (1-3 of them).
    Subscribe {
        /// Slot.
        slot: u8,
        /// `(topic index, qos)`.
        topics: Vec<(u8, Qos)>,
    },
    /// [`crate::Client::unsubscribe`].
    Unsubscribe {
        /// Slot.
        slot: u8,
        /// Topic indices.
        topics: Vec<u8>,
    },
    /// [`crate::Client::publish`].
    Publish {
        /// Slot.
        slot: u8,
        /// QoS.
        qos: Qos,
        /// Retain flag.
        retain: bool,
        /// Topic index.
        topic: u8,
        /// Payload.
        payload: PayloadChoice,
    },
}

/// A packet command made while the broker does not acknowledge (see [`Step::Stall`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum StallOp {
    /// Publish `s<n>` on the topic at this QoS.
    Publish(Qos, u8, u8),
    /// Subscribe to the topic at this QoS.
    Subscribe(Qos, u8),
    /// Unsubscribe from the topic.
    Unsubscribe(u8),
}

/// One step of a sequence: API calls (submitted back to back, then run to quiescence) or
/// something the environment does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Step {
    /// 1-3 API calls in a row.
    Api(Vec<ApiOp>),
    /// Another client publishes on the broker (not retained).
    PeerPublish {
        /// Topic index.
        topic: u8,
        /// QoS.
        qos: Qos,
        /// Payload number.
        payload: u8,
    },
    /// The broker side resets the slot's TCP link (`+QMTSTAT: <id>,1`).
    DropLink {
        /// Slot.
        slot: u8,
    },
    /// The module's bearer goes under the slot's link (`link-down`: `+QMTSTAT: <id>,7`).
    LinkDown {
        /// Slot.
        slot: u8,
    },
    /// A line of noise on the serial line, between two modem frames.
    Garbage {
        /// Its bytes (mapped onto a noise alphabet; CR and LF excluded).
        bytes: Vec<u8>,
    },
    /// Virtual time passes.
    Advance {
        /// Seconds.
        secs: u16,
    },
    /// The slot's packets vanish both ways for `secs` seconds while the host publishes on
    /// it; time then runs until every retry and keep-alive has played out, and the link is
    /// dropped, so that the step ends with the slot closed.
    Outage {
        /// Slot.
        slot: u8,
        /// Length of the black hole, seconds (0 is taken as 1).
        secs: u8,
        /// Publishes made while the hole is open: `(qos, topic index, payload number)`.
        during: Vec<(Qos, u8, u8)>,
    },
    /// The broker stops acknowledging SUBSCRIBE, UNSUBSCRIBE and PUBLISH; the host makes
    /// packet commands on the slot; time runs `wait` seconds (retransmissions, notices,
    /// perhaps result 2); then the link is dropped (`kill`: dies, code 7; else reset, code
    /// 1) with whatever is still waiting, and the broker behaves again.
    Stall {
        /// Slot.
        slot: u8,
        /// The commands.
        ops: Vec<StallOp>,
        /// Seconds to wait before the link goes.
        wait: u8,
        /// Kill (code 7) rather than reset (code 1).
        kill: bool,
    },
}

/// The noise alphabet: bytes that cannot spell a known line (no `+`, no letters of OK,
/// ERROR or AT in either case), with control and non-ASCII bytes.
const NOISE: &[u8] = b"0123456789 ,.;:#~_-*/\"\x00\x01\x07\x1b\x7f\x80\xc3\xfe\xff";

/// Maps arbitrary bytes onto the noise alphabet.
pub fn noise(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .take(64)
        .map(|b| NOISE[usize::from(*b) % NOISE.len()])
        .collect()
}

/// The topic of an index.
pub fn topic(i: u8) -> &'static str {
    TOPICS[usize::from(i) % TOPICS.len()]
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}
