//! Bytes as readable text, for every place that shows what went over a wire: transcripts,
//! reports, error messages, the simulator's test bench. One rendering, reversible
//! ([`unprintable`]), built on std's [`u8::escape_ascii`] for the escapes themselves.

/// Renders bytes as readable text, losslessly: valid UTF-8 is kept, `\r`, `\n`, `\t` and
/// the other control bytes (`\x1b`, `\x7f`) are escaped, every byte that is not part of
/// valid UTF-8 is written `\xHH` (never U+FFFD, which would hide what the module sent), and a
/// backslash the module sent is written `\\`, so that every `\` in the rendering starts an
/// escape and [`unprintable`] gives the exact bytes back.
pub fn printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match u8::try_from(c) {
                // std's escape_ascii writes exactly these as `\\`, `\r`, `\n`, `\t`, `\xHH`.
                Ok(b) if b == b'\\' || b.is_ascii_control() => {
                    out.extend(b.escape_ascii().map(char::from));
                }
                _ => out.push(c),
            }
        }
        for &b in chunk.invalid() {
            // Not ASCII, so escape_ascii gives `\xHH`.
            out.extend(b.escape_ascii().map(char::from));
        }
    }
    out
}

/// The bytes a [`printable`] rendering stands for; None when `text` has an escape
/// [`printable`] does not write (then it is not such a rendering).
pub fn unprintable(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let esc = &rest[i + 1..];
        let (byte, used) = match esc.as_bytes().first()? {
            b'\\' => (b'\\', 1),
            b'r' => (b'\r', 1),
            b'n' => (b'\n', 1),
            b't' => (b'\t', 1),
            b'x' => {
                let hh = esc
                    .get(1..3)
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
                (u8::from_str_radix(hh, 16).ok()?, 3)
            }
            _ => return None,
        };
        out.push(byte);
        rest = &esc[used..];
    }
    out.extend_from_slice(rest.as_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_escaped_not_replaced() {
        let bytes = b"+QMTRECV: 0,0,\"t\",\"\xff\xfe\"\r\n";
        let text = printable(bytes);
        assert_eq!(text, "+QMTRECV: 0,0,\"t\",\"\\xff\\xfe\"\\r\\n");
        assert!(!text.contains('\u{fffd}'));
        assert_eq!(unprintable(&text).unwrap(), bytes);
    }

    #[test]
    fn valid_utf8_is_kept_and_a_backslash_doubled() {
        let bytes = "payload=caf\u{e9} \\x41 \u{1b}".as_bytes();
        let text = printable(bytes);
        assert_eq!(text, "payload=caf\u{e9} \\\\x41 \\x1b");
        assert_eq!(unprintable(&text).unwrap(), bytes);
        // A truncated multi-byte sequence is escaped byte by byte.
        assert_eq!(printable(b"\xc3"), "\\xc3");
    }

    #[test]
    fn quotes_and_commas_stay_as_the_wire_has_them() {
        assert_eq!(
            printable(b"AT+QMTPUB=0,0,0,0,\"t\",'x'\r"),
            "AT+QMTPUB=0,0,0,0,\"t\",'x'\\r"
        );
    }
}
