//! String and payload fields: what the wire can carry, and the serde form of payload bytes.
//!
//! AT command strings have no escape mechanism (spec/DECISIONS.md): a `"` ends the string and
//! a CR ends the command line, so neither can be carried inside a quoted parameter.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::EncodeError;
use crate::mqtt_topic::TopicKind;

/// The longest `<host_name>` the note allows (3.2.2): 100 bytes.
pub const HOST_NAME_MAX_LEN: usize = 100;

/// Checks that `value` can stand inside a quoted AT string parameter.
pub fn check_quoted(field: &'static str, value: &[u8]) -> Result<(), EncodeError> {
    // Control bytes have line-editing meanings on an AT interface (V.25ter), so none is carried.
    if let Some(at) = value
        .iter()
        .position(|&b| b == b'"' || b < 0x20 || b == 0x7f)
    {
        return Err(EncodeError::Unrepresentable {
            field,
            byte: value[at],
            at,
        });
    }
    Ok(())
}

/// Checks a `<host_name>`: quotable, not empty, at most [`HOST_NAME_MAX_LEN`] bytes.
pub fn check_host_name(value: &str) -> Result<(), EncodeError> {
    check_quoted("host_name", value.as_bytes())?;
    if value.is_empty() || value.len() > HOST_NAME_MAX_LEN {
        return Err(EncodeError::Length {
            field: "host_name",
            len: value.len(),
            min: 1,
            max: HOST_NAME_MAX_LEN,
        });
    }
    Ok(())
}

/// Checks an MQTT topic: quotable, 1-1024 bytes (spec/DECISIONS.md D11).
///
/// # Errors
///
/// [`EncodeError::EmptyTopic`] for `""` (D29), else as [`check_string`], then
/// [`EncodeError::Topic`] for a topic MQTT forbids as a `kind` (D62).
pub fn check_topic(field: &'static str, value: &str, kind: TopicKind) -> Result<(), EncodeError> {
    if value.is_empty() {
        return Err(EncodeError::EmptyTopic { field });
    }
    check_string(field, value.as_bytes(), crate::limits::TOPIC_LEN)?;
    kind.check(value)
        .map_err(|rule| EncodeError::Topic { field, rule })
}

/// Checks a quoted string parameter and its byte-length limits `(min, max)` (D11).
pub fn check_string(
    field: &'static str,
    value: &[u8],
    (min, max): (usize, usize),
) -> Result<(), EncodeError> {
    check_quoted(field, value)?;
    if value.len() < min || value.len() > max {
        return Err(EncodeError::Length {
            field,
            len: value.len(),
            min,
            max,
        });
    }
    Ok(())
}

/// The bytes of a received `<payload>` (+QMTRECV, 5.2).
///
/// Payload bytes are carried raw by the module: quotes are not escaped and text-mode firmware
/// passes CR/LF through. The only bytes that cannot round-trip are a `"` directly before a
/// line end, because that is what ends the URC.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Payload<'a>(pub Cow<'a, [u8]>);

impl<'a> Payload<'a> {
    /// A payload borrowing `bytes`.
    pub fn borrowed(bytes: &'a [u8]) -> Self {
        Payload(Cow::Borrowed(bytes))
    }

    /// The payload bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// An owned copy that outlives the input buffer.
    pub fn into_owned(self) -> Payload<'static> {
        Payload(Cow::Owned(self.0.into_owned()))
    }

    /// Checks that the payload can be carried in a +QMTRECV line and read back unchanged.
    pub fn check(&self) -> Result<(), EncodeError> {
        match crate::decode::quote_before_line_end(self.as_bytes()) {
            Some(at) => Err(EncodeError::Unrepresentable {
                field: "payload",
                byte: b'"',
                at,
            }),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for Payload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

impl<'a> From<&'a str> for Payload<'a> {
    fn from(s: &'a str) -> Self {
        Payload(Cow::Borrowed(s.as_bytes()))
    }
}

/// JSON form: a string when the bytes are UTF-8, else `{"hex": "..."}`.
impl Serialize for Payload<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => s.serialize_str(text),
            Err(_) => {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("hex", &to_hex(&self.0))?;
                m.end()
            }
        }
    }
}

impl<'de, 'a> Deserialize<'de> for Payload<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a payload string or {\"hex\": \"...\"}")]
        enum Form {
            Text(String),
            Hex { hex: String },
        }
        match Form::deserialize(d)? {
            Form::Text(t) => Ok(Payload(Cow::Owned(t.into_bytes()))),
            Form::Hex { hex } => from_hex(&hex)
                .map(|b| Payload(Cow::Owned(b)))
                .ok_or_else(|| {
                    serde::de::Error::custom("payload.hex is not an even-length hex string")
                }),
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_refuse_quote_and_line_ends() {
        assert!(check_quoted("topic", b"a/b,c").is_ok());
        assert!(matches!(
            check_quoted("topic", b"a\"b"),
            Err(EncodeError::Unrepresentable { at: 1, .. })
        ));
        assert!(check_quoted("msg", b"x\r").is_err());
    }

    #[test]
    fn host_name_is_limited_to_100_bytes() {
        assert!(check_host_name(&"h".repeat(100)).is_ok());
        assert!(check_host_name(&"h".repeat(101)).is_err());
        assert!(check_host_name("").is_err());
    }

    #[test]
    fn payload_refuses_quote_before_line_end_only() {
        assert!(Payload::from("{\"a\":1}").check().is_ok());
        assert!(Payload::from("a\r\nb").check().is_ok());
        assert!(Payload::from("a\"\r\nb").check().is_err());
    }

    #[test]
    fn payload_json_uses_hex_for_binary() {
        let p = Payload(Cow::Owned(vec![0xff, 0x00]));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"hex":"ff00"}"#);
        let back: Payload<'_> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }
}
