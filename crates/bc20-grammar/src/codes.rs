//! Every coded field of the note as an enum: the number on the wire is the spec's, the
//! variant name is the spec's meaning.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a closed code table: enum, `code()`, `from_code()`, serde as the bare number.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident : $repr:ty { $($(#[$vmeta:meta])* $variant:ident = $code:expr),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value of the table, in the note's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The number the note assigns to this value.
            pub const fn code(self) -> $repr {
                match self { $($name::$variant => $code),+ }
            }

            /// The value for a wire number, or `None` when the table has no such code.
            pub const fn from_code(code: $repr) -> Option<Self> {
                match code { $(c if c == $code => Some($name::$variant),)+ _ => None }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.code().serialize(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <$repr>::deserialize(d)?;
                Self::from_code(code).ok_or_else(|| {
                    serde::de::Error::custom(format_args!(
                        "{} is not a valid {} code", code, stringify!($name)
                    ))
                })
            }
        }
    };
}

coded_enum!(
    /// `<qos>`, `<will_qos>` (3.2.1, 3.2.6, 3.2.8): the MQTT quality of service.
    Qos: u8 {
        /// 0: at most once.
        AtMostOnce = 0,
        /// 1: at least once.
        AtLeastOnce = 1,
        /// 2: exactly once.
        ExactlyOnce = 2,
    }
);

coded_enum!(
    /// `<result>` of +QMTOPEN (3.2.2).
    OpenResult: i8 {
        /// -1: failed to open network.
        FailedToOpen = -1,
        /// 0: opened network successfully.
        Opened = 0,
        /// 1: wrong parameter.
        WrongParameter = 1,
        /// 2: MQTT identifier is occupied.
        IdentifierOccupied = 2,
        /// 3: failed to activate PDP.
        PdpActivationFailed = 3,
        /// 4: failed to parse domain name.
        DomainNameParseFailed = 4,
        /// 5: network disconnection error.
        NetworkDisconnected = 5,
    }
);

coded_enum!(
    /// `<result>` of +QMTCLOSE (3.2.3) and +QMTDISC (3.2.5).
    CloseResult: i8 {
        /// -1: failed to close.
        Failed = -1,
        /// 0: closed successfully.
        Closed = 0,
    }
);

coded_enum!(
    /// `<result>` of +QMTCONN, +QMTSUB, +QMTUNS and +QMTPUB (3.2.4, 3.2.6-3.2.8).
    PacketResult: u8 {
        /// 0: sent packet successfully and received ACK from server.
        Sent = 0,
        /// 1: packet retransmission (a timeout notice; the command is still running).
        Retransmission = 1,
        /// 2: failed to send packet.
        Failed = 2,
    }
);

coded_enum!(
    /// `<state>` of the +QMTCONN read response (3.2.4).
    ConnState: u8 {
        /// 1: MQTT is initial.
        Initial = 1,
        /// 2: MQTT is connecting.
        Connecting = 2,
        /// 3: MQTT is connected.
        Connected = 3,
        /// 4: MQTT is disconnecting.
        Disconnecting = 4,
    }
);

coded_enum!(
    /// `<ret_code>` of +QMTCONN (3.2.4): the CONNACK return code.
    ConnectReturnCode: u8 {
        /// 0: connection accepted.
        Accepted = 0,
        /// 1: refused, unacceptable protocol version.
        UnacceptableProtocolVersion = 1,
        /// 2: refused, identifier rejected.
        IdentifierRejected = 2,
        /// 3: refused, server unavailable.
        ServerUnavailable = 3,
        /// 4: refused, bad user name or password.
        BadUserNameOrPassword = 4,
        /// 5: refused, not authorized.
        NotAuthorized = 5,
    }
);

/// One element of the +QMTSUB `<value>` vector (3.2.6): a granted QoS or 128 for rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum GrantedQos {
    /// The server granted this QoS.
    Granted(Qos),
    /// 128: the server rejected the subscription.
    Rejected,
}

impl GrantedQos {
    /// The wire number: 0, 1, 2 or 128.
    pub const fn code(self) -> u8 {
        match self {
            GrantedQos::Granted(q) => q.code(),
            GrantedQos::Rejected => 128,
        }
    }

    /// The value for a wire number.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            128 => Some(GrantedQos::Rejected),
            c => match Qos::from_code(c) {
                Some(q) => Some(GrantedQos::Granted(q)),
                None => None,
            },
        }
    }
}

impl Serialize for GrantedQos {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.code().serialize(s)
    }
}

impl<'de> Deserialize<'de> for GrantedQos {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u8::deserialize(d)?;
        Self::from_code(code).ok_or_else(|| {
            serde::de::Error::custom(format_args!("{code} is not a granted QoS (0, 1, 2 or 128)"))
        })
    }
}

/// Declares an open code table: the listed codes plus a catch-all for codes the note
/// reserves or does not list.
macro_rules! open_coded_enum {
    ($(#[$meta:meta])* $name:ident : $repr:ty, $other:ident { $($(#[$vmeta:meta])* $variant:ident = $code:expr),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A code the note does not define; kept so no information is lost.
            $other($repr),
        }

        impl $name {
            /// Every value the note defines, in the note's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire number.
            pub const fn code(self) -> $repr {
                match self { $($name::$variant => $code,)+ $name::$other(c) => c }
            }

            /// The value for a wire number; unknown numbers map to the catch-all.
            pub const fn from_code(code: $repr) -> Self {
                match code { $(c if c == $code => $name::$variant,)+ c => $name::$other(c) }
            }

            /// Whether this is one of the note's listed codes.
            pub const fn is_known(self) -> bool {
                !matches!(self, $name::$other(_))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.code().serialize(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$repr>::deserialize(d).map(Self::from_code)
            }
        }
    };
}

open_coded_enum!(
    /// `<err>` of `+CME ERROR: <err>` (chapter 4). The note lists "some of the general error
    /// codes", so other numbers are legal and kept as [`CmeError::Other`].
    CmeError: u16, Other {
        /// 3: operation not allowed.
        OperationNotAllowed = 3,
        /// 4: operation not supported.
        OperationNotSupported = 4,
        /// 10: USIM not inserted.
        UsimNotInserted = 10,
        /// 13: USIM failure.
        UsimFailure = 13,
        /// 14: USIM busy.
        UsimBusy = 14,
        /// 20: USIM memory full.
        UsimMemoryFull = 20,
        /// 23: memory failure.
        MemoryFailure = 23,
        /// 24: text string too long.
        TextStringTooLong = 24,
        /// 25: invalid characters in text string.
        InvalidCharacters = 25,
        /// 30: no network service.
        NoNetworkService = 30,
        /// 31: network timeout.
        NetworkTimeout = 31,
        /// 32: network not allowed, emergency calls only.
        NetworkNotAllowed = 32,
        /// 50: incorrect parameters.
        IncorrectParameters = 50,
        /// 100: unknown.
        Unknown = 100,
    }
);

open_coded_enum!(
    /// `<err_code>` of the +QMTSTAT URC (5.1). 8-255 are reserved for future use and decode
    /// as [`QmtStatCode::Reserved`].
    QmtStatCode: u8, Reserved {
        /// 1: connection is closed or reset by peer.
        ClosedByPeer = 1,
        /// 2: sending PINGREQ packet timed out or failed.
        PingFailed = 2,
        /// 3: sending CONNECT packet timed out or failed.
        ConnectFailed = 3,
        /// 4: receiving CONNACK packet timed out or failed.
        ConnackFailed = 4,
        /// 5: the server closed the connection after the client's DISCONNECT (normal).
        ServerClosedAfterDisconnect = 5,
        /// 6: the client closed the connection because sending kept failing.
        SendFailures = 6,
        /// 7: the link is not alive or the server is unavailable.
        LinkNotAlive = 7,
    }
);

impl CmeError {
    /// Chapter 4's description of the code (the AT+CMEE=2 verbose text).
    pub const fn description(self) -> &'static str {
        match self {
            CmeError::OperationNotAllowed => "Operation not allowed",
            CmeError::OperationNotSupported => "Operation not supported",
            CmeError::UsimNotInserted => "USIM not inserted",
            CmeError::UsimFailure => "USIM failure",
            CmeError::UsimBusy => "USIM busy",
            CmeError::UsimMemoryFull => "USIM memory full",
            CmeError::MemoryFailure => "Memory failure",
            CmeError::TextStringTooLong => "Text string too long",
            CmeError::InvalidCharacters => "Invalid characters in text string",
            CmeError::NoNetworkService => "No network service",
            CmeError::NetworkTimeout => "Network timeout",
            CmeError::NetworkNotAllowed => "Network not allowed - emergency calls only",
            CmeError::IncorrectParameters => "Incorrect parameters",
            CmeError::Unknown => "Unknown",
            CmeError::Other(_) => "Unlisted error",
        }
    }
}

impl QmtStatCode {
    /// The note's "How to do" column (Table 3, 5.1): what the host should do next.
    pub const fn recovery(self) -> &'static str {
        match self {
            QmtStatCode::ClosedByPeer => "Execute AT+QMTOPEN command and reopen MQTT connection.",
            QmtStatCode::PingFailed => "Deactivate PDP first, and then active PDP and reopen MQTT connection.",
            QmtStatCode::ConnectFailed => {
                "1. Check whether the inputted user name and password are correct or not. 2. Make sure the client ID is not used. 3. Reopen MQTT connection and try to send CONNECT packet to server again."
            }
            QmtStatCode::ConnackFailed => {
                "1. Check whether the inputted user name and password are correct. 2. Make sure the client ID is not used. 3. Reopen MQTT connection and try to send CONNECT packet to server again."
            }
            QmtStatCode::ServerClosedAfterDisconnect => "This is a normal process.",
            QmtStatCode::SendFailures => "1. Make sure the data is correct. 2. Try to reopen MQTT connection since there may be network congestion or an error.",
            QmtStatCode::LinkNotAlive => "Make sure the link is alive or the server is available currently.",
            QmtStatCode::Reserved(_) => "Reserved for future use.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_tables_round_trip_every_code() {
        for q in Qos::ALL {
            assert_eq!(Qos::from_code(q.code()), Some(*q));
        }
        for r in OpenResult::ALL {
            assert_eq!(OpenResult::from_code(r.code()), Some(*r));
        }
        assert_eq!(OpenResult::from_code(6), None);
        assert_eq!(GrantedQos::from_code(128), Some(GrantedQos::Rejected));
        assert_eq!(GrantedQos::from_code(3), None);
    }

    #[test]
    fn open_tables_keep_unknown_codes() {
        assert_eq!(CmeError::from_code(50), CmeError::IncorrectParameters);
        assert_eq!(CmeError::from_code(9999), CmeError::Other(9999));
        assert_eq!(QmtStatCode::from_code(8), QmtStatCode::Reserved(8));
        assert!(!QmtStatCode::Reserved(200).is_known());
    }
}
