//! The `decode_line` target: one line, both modes, and what the two decoders and the encoder
//! promise about each other (spec/DECISIONS.md: "Every example decodes in strict mode and
//! re-encodes byte-identically. The encoder always writes the canonical form").

use bc20_grammar::{decode_line as decode, Context, Decoded, Line, Mode, Response, Urc};

use super::known::{self, tolerated};
use super::show;

/// Decodes `data` as one line in both modes and checks the decoders against each other and
/// against the encoder:
///
/// - neither mode panics, whatever the bytes;
/// - a strict decode carries no warnings, re-encodes to exactly `data` (the canonical form;
///   upper-case QMTCFG keywords excepted, D15) and lenient decoding accepts it too, with the
///   same value unless it warns (it then read the line as a deviation of another form);
/// - re-encoding is stable: for any decoded value the encoder accepts,
///   `encode(decode_strict(encode(v))) == encode(v)` (lenient decoding normalises; normalising
///   twice changes nothing).
pub fn decode_line(data: &[u8]) {
    for ctx in contexts(data) {
        let strict = decode(data, Mode::Strict, ctx);
        let lenient = decode(data, Mode::Lenient, ctx);
        if let Ok(s) = &strict {
            check_strict(data, ctx, s);
            match &lenient {
                // A lenient reading with warnings took the line for a deviation of another form
                // (`ok` is free text to strict, `OK` to lenient); without warnings it must agree.
                Ok(l) if l.warnings.is_empty() => {
                    assert_eq!(
                        l.line,
                        s.line,
                        "lenient decodes a strict line differently: {}",
                        show(data)
                    )
                }
                Ok(_) => {}
                Err(_)
                    if contains(data, "\u{201d}") && tolerated(known::G6_LENIENT_CLOSING_QUOTE) => {
                }
                Err(e) => panic!("lenient rejects a strict line ({e}): {}", show(data)),
            }
        }
        match (&strict, &lenient) {
            // The strict check above already re-encoded this very value to `data`.
            (Ok(s), Ok(l)) if s.line == l.line => {}
            (_, Ok(l)) => check_stable(data, ctx, &l.line),
            (_, Err(_)) => {}
        }
    }
}

/// The contexts a line can be read in: only `+QMTCONN:` lines depend on one (D26).
pub(crate) fn contexts(data: &[u8]) -> impl Iterator<Item = Context> {
    let conn = data.len() >= 8 && data[..8].eq_ignore_ascii_case(b"+QMTCONN");
    let pending = [Context {
        conn_read_pending: true,
    }];
    std::iter::once(Context::default()).chain(pending.into_iter().filter(move |_| conn))
}

/// A strict decode: no warnings, and the encoder gives the input back.
fn check_strict(data: &[u8], ctx: Context, s: &Decoded<'_>) {
    assert!(
        s.warnings.is_empty(),
        "strict decoding produced warnings {:?}: {}",
        s.warnings,
        show(data)
    );
    let wire = match wire_line(&s.line) {
        Ok(w) => w,
        Err(_) if is_cpin(&s.line, |c| c.contains('"')) && tolerated(known::G2_CPIN_QUOTE) => {
            return
        }
        Err(_) if is_cpin(&s.line, |c| c.contains("  ")) && tolerated(known::G3_CPIN_BLANKS) => {
            return
        }
        Err(_)
            if matches!(s.line, Line::Urc(Urc::QmtRecv { .. }))
                && tolerated(known::G8_RECV_PAYLOAD_QUOTE_CR) =>
        {
            return
        }
        Err(e) => panic!(
            "strict decode gives {:?} but the encoder refuses it ({e}): {}",
            s.line,
            show(data)
        ),
    };
    if wire != data
        && is_cpin(&s.line, |_| data.ends_with(b" "))
        && tolerated(known::G3_CPIN_BLANKS)
    {
        return;
    }
    if wire != data && contains(data, "-0") && tolerated(known::G5_MINUS_ZERO) {
        return;
    }
    if wire != data && !same_but_cfg_keyword_case(data, &wire) {
        panic!(
            "strict line is not canonical: {} re-encodes as {} (ctx {ctx:?})",
            show(data),
            show(&wire)
        );
    }
}

fn contains(data: &[u8], needle: &str) -> bool {
    data.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn is_cpin(line: &Line<'_>, code: impl Fn(&str) -> bool) -> bool {
    matches!(line, Line::Response(Response::Cpin { code: c }) if code(c))
}

/// Whatever decoded and encodes, encodes to a fixed point: the encoding decodes strictly, and
/// that value encodes to the same bytes again (for a line that was canonical already, the
/// value itself comes back: the strict check above).
pub(crate) fn check_stable(data: &[u8], ctx: Context, line: &Line<'_>) {
    let Ok(wire) = wire_line(line) else { return };
    let again = match decode(&wire, Mode::Strict, ctx) {
        Ok(again) => again,
        Err(_)
            if matches!(line, Line::Urc(Urc::Unknown { .. }))
                && tolerated(known::G1_UNKNOWN_LINE_STRICTNESS) =>
        {
            return
        }
        Err(_)
            if is_test_with_typographic_quotes(line)
                && tolerated(known::G4_TEST_RESPONSE_QUOTES) =>
        {
            return
        }
        Err(e) => panic!(
            "{} decodes as {line:?}, which encodes as {}, which strict decoding rejects: {e}",
            show(data),
            show(&wire)
        ),
    };
    match wire_line(&again.line) {
        Ok(twice) => assert!(
            twice == wire,
            "re-encoding is not stable: {} -> {} -> {}",
            show(data),
            show(&wire),
            show(&twice)
        ),
        Err(e) => panic!(
            "{} -> {} decodes to {:?}, which the encoder refuses: {e}",
            show(data),
            show(&wire),
            again.line
        ),
    }
}

fn is_test_with_typographic_quotes(line: &Line<'_>) -> bool {
    matches!(line, Line::Response(Response::Test { params, .. }) if params.contains(['\u{201c}', '\u{201d}']))
}

/// The canonical line of a value, without its terminator (`\r` after a command, `\r\n`
/// around a module line).
pub(crate) fn wire_line(line: &Line<'_>) -> Result<Vec<u8>, bc20_grammar::EncodeError> {
    let mut out = Vec::with_capacity(64);
    line.encode(&mut out)?;
    let (head, tail): (&[u8], &[u8]) = match line {
        Line::Command(_) => (b"", b"\r"),
        Line::Response(_) | Line::Urc(_) => (b"\r\n", b"\r\n"),
    };
    assert!(
        out.starts_with(head) && out.ends_with(tail),
        "unframed encoding {}",
        show(&out)
    );
    out.truncate(out.len() - tail.len());
    out.drain(..head.len());
    Ok(out)
}

/// D15: strict accepts `"KEEPALIVE"` as well as `"keepalive"`; the encoder writes lower case.
fn same_but_cfg_keyword_case(data: &[u8], wire: &[u8]) -> bool {
    let is_cfg = data.starts_with(b"AT+QMTCFG=\"") || data.starts_with(b"+QMTCFG: \"");
    if !is_cfg || data.len() != wire.len() {
        return false;
    }
    let open = data.iter().position(|&b| b == b'"').expect("checked above");
    let close = open
        + 1
        + data[open + 1..]
            .iter()
            .position(|&b| b == b'"')
            .unwrap_or(0);
    let mut lowered = data.to_vec();
    lowered[open + 1..close].make_ascii_lowercase();
    lowered == wire
}
