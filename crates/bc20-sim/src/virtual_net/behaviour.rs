//! How the virtual broker misbehaves on purpose, to reach the failure paths of the note.

/// Deliberate misbehaviour, for the failure paths of the note. All off by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerBehaviour {
    /// Answer every CONNECT with this CONNACK return code, then close (refused).
    pub refuse_with: Option<u8>,
    /// Never answer CONNECT.
    pub silent_connack: bool,
    /// Never answer PINGREQ.
    pub silent_ping: bool,
    /// Never answer SUBSCRIBE.
    pub silent_suback: bool,
    /// Never answer UNSUBSCRIBE.
    pub silent_unsuback: bool,
    /// Never acknowledge a client's PUBLISH (no PUBACK, no PUBREC).
    pub silent_puback: bool,
    /// Never answer PUBREL (no PUBCOMP).
    pub silent_pubcomp: bool,
    /// Filters granted 128 (rejected) in SUBACK, besides invalid ones.
    pub reject_filters: Vec<String>,
    /// Highest QoS granted (0-2).
    pub max_qos: u8,
    /// Close connections silent for 1.5 × their keep-alive.
    pub enforce_keepalive: bool,
    /// Accept MQTT 3.1 (`MQIsdp`) CONNECTs; otherwise CONNACK 1.
    pub accept_v31: bool,
    /// Deliver a QoS 2 message to subscribers when its PUBREL arrives (method A of
    /// [MQTT-4.3.3], what mosquitto and rumqttd do: a subscriber sees nothing while the
    /// publisher's PUBREC is lost); `false`: at its first PUBLISH (method B).
    pub qos2_on_pubrel: bool,
}

impl Default for BrokerBehaviour {
    fn default() -> Self {
        BrokerBehaviour {
            refuse_with: None,
            silent_connack: false,
            silent_ping: false,
            silent_suback: false,
            silent_unsuback: false,
            silent_puback: false,
            silent_pubcomp: false,
            reject_filters: Vec::new(),
            max_qos: 2,
            enforce_keepalive: true,
            accept_v31: true,
            qos2_on_pubrel: true,
        }
    }
}
