//! String and payload fields: what the wire can carry, and the serde form of payload bytes.
//!
//! AT command strings have no escape mechanism (spec/DECISIONS.md): a `"` ends the string and
//! a CR ends the command line, so neither can be carried inside a quoted parameter.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::cursor::{trim_end_blanks, Mode};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
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
        match quote_before_line_end(self.as_bytes()) {
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
                m.serialize_entry("hex", &hex::encode(&self.0))?;
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

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

// ---------------------------------------------------------------- control bytes and line ends

/// Which bytes a line may hold outside a +QMTRECV payload, per mode: a table lookup keeps this
/// per-byte loop free of comparisons (and of the fuzzer's comparison hooks).
const fn text_bytes(tab_ok: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0x20;
    while b < 256 {
        table[b] = b != 0x7f;
        b += 1;
    }
    table[b'\t' as usize] = tab_ok;
    table
}

static STRICT_TEXT: [bool; 256] = text_bytes(false);
static LENIENT_TEXT: [bool; 256] = text_bytes(true);

/// Whether `bytes` holds no control byte (below 0x20, or DEL). Eight bytes at a time, with the
/// usual word tricks for "some byte is below n" and "some byte is zero" (both exact as tests
/// of existence): topics and short lines are too short for a vectorised loop to pay off, and a
/// byte loop was a fourteenth of the stream decoder's time. The caller looks for where the
/// first control byte is only on lines that have one.
pub(crate) fn control_free(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_control = |x: u64| {
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let del = x ^ (ONES * 0x7f);
        let is_del = del.wrapping_sub(ONES) & !del & HIGHS;
        (below_space | is_del) != 0
    };
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        if has_control(u64::from_le_bytes(w)) {
            return false;
        }
    }
    words.remainder().iter().all(|&b| b >= 0x20 && b != 0x7f)
}

pub(crate) fn check_controls(line: &[u8], mode: Mode) -> Result<(), DecodeError> {
    if control_free(line) {
        return Ok(());
    }
    let table = match mode {
        Mode::Strict => &STRICT_TEXT,
        Mode::Lenient => &LENIENT_TEXT,
    };
    match line.iter().position(|&b| !table[usize::from(b)]) {
        Some(at) => Err(DecodeError::new(
            at,
            DecodeErrorKind::ControlByte { byte: line[at] },
        )),
        None => Ok(()),
    }
}

/// Where a `"` stands before a line end (blanks and tabs, then CRs, then LF) inside `body`, if
/// anywhere: such a payload cannot arrive in one URC, because the line ends there (D36, D46).
pub(crate) fn quote_before_line_end(body: &[u8]) -> Option<usize> {
    // Searched from the LFs (usually none: only a joined payload holds one), at memchr speed
    // rather than a byte loop over every payload.
    memchr::memchr_iter(b'\n', body).find_map(|lf| {
        let before = &body[..lf];
        let crs = before.iter().rev().take_while(|&&c| c == b'\r').count();
        let before = &before[..before.len() - crs];
        let blanks = before.len() - trim_end_blanks(before).len();
        let quote = lf.checked_sub(crs + blanks + 1)?;
        (body[quote] == b'"').then_some(quote)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    /// The definition D36 and D46 state: the first `"` followed by blanks/tabs, CRs and an LF.
    fn quote_before_line_end_by_definition(body: &[u8]) -> Option<usize> {
        body.iter().enumerate().find_map(|(i, &b)| {
            let after = &body[i + 1..];
            let blanks = after
                .iter()
                .take_while(|&&c| c == b' ' || c == b'\t')
                .count();
            let crs = after[blanks..].iter().take_while(|&&c| c == b'\r').count();
            (b == b'"' && after.get(blanks + crs) == Some(&b'\n')).then_some(i)
        })
    }

    proptest! {
        #[test]
        fn control_free_matches_its_definition(
            bytes in proptest::collection::vec(prop_oneof![
                Just(0x1fu8), Just(0x20), Just(0x7e), Just(0x7f), Just(0x80), Just(0xff), Just(0),
                any::<u8>()
            ], 0..40)
        ) {
            prop_assert_eq!(
                control_free(&bytes),
                bytes.iter().all(|&b| b >= 0x20 && b != 0x7f)
            );
        }

        #[test]
        fn quote_before_line_end_matches_its_definition(
            body in proptest::collection::vec(prop_oneof![
                Just(b'"'), Just(b'\r'), Just(b'\n'), Just(b'a'), Just(b' '), Just(b'\t')
            ], 0..24)
        ) {
            prop_assert_eq!(
                quote_before_line_end(&body),
                quote_before_line_end_by_definition(&body)
            );
        }
    }
}
