//! AliCloud IoT device credentials (`AT+QMTCFG="aliauth"`, 3.2.1 note 4).
//!
//! The note says that with ALIAUTH configured, `AT+QMTCONN` may leave user name and password
//! out; it does not say how the module fills them in. Real firmware uses AliCloud's
//! documented MQTT signing scheme for direct TCP connections ("securemode=3"), with
//! `signmethod=hmacsha1` and no timestamp:
//!
//! - MQTT client id: `<clientId>|securemode=3,signmethod=hmacsha1|`, where `<clientId>` is the
//!   `<clientID>` of AT+QMTCONN;
//! - user name: `<deviceName>&<productKey>`;
//! - password: lower-case hex of HMAC-SHA1 keyed with `<deviceSecret>` over
//!   `clientId<clientId>deviceName<deviceName>productKey<productKey>`.
//!
//! The simulator applies it with [`crate::AliAuthMode::Sign`], the default (D21);
//! [`crate::AliAuthMode::StoreOnly`] only stores and reports the values.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The three values AliCloud issues for a device (`AT+QMTCFG="aliauth",<id>,...`): the slot
/// settings' own type (`bc20_grammar::AliAuth`), re-exported.
pub use bc20_grammar::AliAuth;

/// The CONNECT fields AliCloud expects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AliCredentials {
    /// The MQTT client identifier.
    pub client_id: String,
    /// The MQTT user name.
    pub username: String,
    /// The MQTT password.
    pub password: String,
}

/// Signs for `client_id` (the `<clientID>` of AT+QMTCONN) with the device triple `auth`.
pub fn sign(auth: &AliAuth, client_id: &str) -> AliCredentials {
    let content = format!(
        "clientId{client_id}deviceName{}productKey{}",
        auth.device_name, auth.product_key
    );
    let password = hmac_sha1_hex(auth.device_secret.as_bytes(), content.as_bytes());
    AliCredentials {
        client_id: format!("{client_id}|securemode=3,signmethod=hmacsha1|"),
        username: format!("{}&{}", auth.device_name, auth.product_key),
        password,
    }
}

/// Lower-case hex of HMAC-SHA1(`key`, `message`).
pub fn hmac_sha1_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail; an empty string would
    // only come from a broken hmac crate, never a panic.
    let Ok(mut mac) = <Hmac<Sha1> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(message);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of AliCloud's signing documentation (with a timestamp field).
    #[test]
    fn hmac_matches_the_documented_example() {
        let content =
            b"clientIdSN1928339deviceNamelight1983432productKeya14Xib5kdYdtimestamp1539421321846";
        assert_eq!(
            hmac_sha1_hex(b"oLyaKqVxtRvjH284LdhqVgVUx1UPy6zq", content),
            "b2488041f64f425016b467ee1c94959ebd592ad1"
        );
    }

    /// The no-timestamp form the module uses (value checked with Python's hmac module).
    #[test]
    fn signs_without_timestamp() {
        let auth = AliAuth {
            product_key: "a1pC3rpU4xF".into(),
            device_name: "Lock_1".into(),
            device_secret: "cba236e94094a0399060a9fe355bef88".into(),
        };
        let c = sign(&auth, "Lock_1");
        assert_eq!(c.client_id, "Lock_1|securemode=3,signmethod=hmacsha1|");
        assert_eq!(c.username, "Lock_1&a1pC3rpU4xF");
        assert_eq!(c.password, "3f8155d9b497ee8745035882a6b7ed3c46adaaac");
    }
}
