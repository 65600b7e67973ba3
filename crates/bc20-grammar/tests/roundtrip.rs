//! Round trips across the whole representable domain: `decode(encode(x)) == x` for every
//! typed value, and `encode(decode(b)) == b` for canonical bytes.

use bc20_grammar::strategies as common;

use bc20_grammar::{decode_line, Context, Line, Mode, Response};
use proptest::prelude::*;

/// The line without its framing (`AT...\r` or `\r\n...\r\n`).
fn unframe(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let b = b.strip_prefix(b"\r\n").unwrap_or(b);
    b.strip_suffix(b"\r\n").unwrap_or(b)
}

/// The params of a line, joined in wire syntax, are exactly its encoded line.
fn params_spell_the_line(line: &Line<'_>, bytes: &[u8]) -> Result<(), TestCaseError> {
    let params = line
        .params()
        .map_err(|e| TestCaseError::fail(format!("{line:?} has no params: {e}")))?;
    let mut joined = Vec::new();
    params.write_wire(&mut joined);
    prop_assert_eq!(
        String::from_utf8_lossy(&joined),
        String::from_utf8_lossy(unframe(bytes)),
        "{:?}",
        params
    );
    Ok(())
}

fn roundtrip(line: Line<'_>, ctx: Context) -> Result<(), TestCaseError> {
    let mut bytes = Vec::new();
    line.encode(&mut bytes)
        .map_err(|e| TestCaseError::fail(format!("{line:?} does not encode: {e}")))?;
    params_spell_the_line(&line, &bytes)?;
    for mode in [Mode::Strict, Mode::Lenient] {
        let decoded = decode_line(unframe(&bytes), mode, ctx).map_err(|e| {
            TestCaseError::fail(format!(
                "{:?} ({mode:?}): {e}",
                String::from_utf8_lossy(&bytes)
            ))
        })?;
        prop_assert_eq!(
            &decoded.line,
            &line,
            "{:?}",
            String::from_utf8_lossy(&bytes)
        );
        if mode == Mode::Strict {
            prop_assert!(decoded.warnings.is_empty());
        }
        params_spell_the_line(&decoded.line, &bytes)?;
        // And back: canonical bytes re-encode identically.
        let mut again = Vec::new();
        decoded.line.encode(&mut again).unwrap();
        prop_assert_eq!(&again, &bytes);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn commands_round_trip(cmd in common::command()) {
        roundtrip(Line::Command(cmd), Context::default())?;
    }

    #[test]
    fn responses_round_trip(resp in common::response()) {
        let ctx = Context { conn_read_pending: matches!(resp, Response::QmtConnRead { .. }) };
        roundtrip(Line::Response(resp), ctx)?;
    }

    #[test]
    fn urcs_round_trip(urc in common::urc()) {
        roundtrip(Line::Urc(urc), Context::default())?;
    }

    #[test]
    fn owned_copies_equal_the_borrowed_value(urc in common::urc()) {
        let bytes = urc.to_bytes().unwrap();
        let decoded = decode_line(unframe(&bytes), Mode::Strict, Context::default()).unwrap();
        prop_assert_eq!(decoded.line.clone().into_owned(), decoded.line);
    }

    #[test]
    fn json_round_trips_every_command(cmd in common::command()) {
        let json = serde_json::to_string(&cmd).unwrap();
        let back: bc20_grammar::Command<'static> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, cmd);
    }

    #[test]
    fn json_round_trips_every_urc(urc in common::urc()) {
        let json = serde_json::to_string(&urc).unwrap();
        let back: bc20_grammar::Urc<'static> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, urc);
    }

    #[test]
    fn json_round_trips_every_response(resp in common::response()) {
        let json = serde_json::to_string(&resp).unwrap();
        let back: Response<'static> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, resp);
    }

    /// Arbitrary bytes never panic either decoder, and whatever decodes strictly re-encodes
    /// to a line that decodes to the same value.
    #[test]
    fn arbitrary_lines_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        for mode in [Mode::Strict, Mode::Lenient] {
            if let Ok(d) = decode_line(&bytes, mode, Context::default()) {
                let mut out = Vec::new();
                if d.line.encode(&mut out).is_ok() {
                    let again = decode_line(unframe(&out), Mode::Strict, Context::default()).unwrap();
                    prop_assert_eq!(again.line, d.line);
                }
            }
        }
    }
}
