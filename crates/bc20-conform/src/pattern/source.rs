//! Splitting a typed pattern's *source*, as a script writes it, into its name prefix and its
//! comma-separated fields: the pattern language, not AT. Module lines are never split here;
//! they are compared through the grammar's typed parameters ([`bc20_grammar::Line::params`]).

/// `+QMTOPEN: 0,0` → (`+QMTOPEN: `, `0,0`); a command (an echo) `AT+QMTOPEN=0,"h",1` →
/// (`AT+QMTOPEN=`, `0,"h",1`); any other line (`OK`, `AT+QMTOPEN?`) has no fields.
pub(crate) fn split_prefix(line: &str) -> (&str, Option<&str>) {
    if line
        .get(..2)
        .is_some_and(|at| at.eq_ignore_ascii_case("AT"))
    {
        // The first `=` ends a command's name: the parameters come after it.
        return match line.find('=') {
            Some(eq) => (&line[..=eq], Some(&line[eq + 1..])),
            None => (line, None),
        };
    }
    if !line.starts_with('+') {
        return (line, None);
    }
    let Some(colon) = line.find(':') else {
        return (line, None);
    };
    let mut end = colon + 1;
    if line[end..].starts_with(' ') {
        end += 1;
    }
    (&line[..end], Some(&line[end..]))
}

/// Splits at commas outside `"..."` and `(...)`. With `max_fields`, the last field takes the
/// rest of the line whatever it contains (the +QMTRECV payload, spec/DECISIONS.md D35).
pub(crate) fn split_fields(params: &str, max_fields: Option<usize>) -> Vec<&str> {
    let mut out = Vec::new();
    if params.is_empty() {
        return out;
    }
    let bytes = params.as_bytes();
    let mut start = 0;
    let mut in_quotes = false;
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if max_fields.is_some_and(|m| out.len() + 1 >= m) {
            break;
        }
        match b {
            b'"' => in_quotes = !in_quotes,
            b'(' if !in_quotes => depth += 1,
            b')' if !in_quotes => depth = depth.saturating_sub(1),
            b',' if !in_quotes && depth == 0 => {
                out.push(&params[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&params[start..]);
    out
}

/// The content of a `"..."` field, or `None` when the field is not quoted.
pub(crate) fn unquote(field: &str) -> Option<&str> {
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .filter(|_| field.len() >= 2)
}

/// How many fields a pattern with this prefix has at most, when its last field is free text:
/// a literal payload of `+QMTRECV:` or of an in-line `AT+QMTPUB=` may hold commas and quotes,
/// and is one field of the pattern as it is one parameter of the line.
pub(crate) fn max_fields_for(prefix: &str) -> Option<usize> {
    let name = prefix.trim_end();
    if name.eq_ignore_ascii_case("+QMTRECV:") {
        Some(4)
    } else if name.eq_ignore_ascii_case("AT+QMTPUB=") {
        Some(6)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_parens() {
        let (p, rest) = split_prefix("+QMTCFG: \"will\",(0-5),(0,1),\"a,b\"");
        assert_eq!(p, "+QMTCFG: ");
        assert_eq!(
            split_fields(rest.unwrap(), None),
            ["\"will\"", "(0-5)", "(0,1)", "\"a,b\""]
        );
    }

    #[test]
    fn recv_payload_keeps_commas_and_quotes() {
        let line = "+QMTRECV: 0,3,\"dev/cmd\",\"{\"a\":1,\"b\":2}\"";
        let (p, rest) = split_prefix(line);
        let f = split_fields(rest.unwrap(), max_fields_for(p));
        assert_eq!(f, ["0", "3", "\"dev/cmd\"", "\"{\"a\":1,\"b\":2}\""]);
        assert_eq!(unquote(f[3]), Some("{\"a\":1,\"b\":2}"));
    }

    #[test]
    fn commands_split_after_their_equals_sign() {
        assert_eq!(
            split_prefix("AT+QMTOPEN=0,\"${host}\",1883"),
            ("AT+QMTOPEN=", Some("0,\"${host}\",1883"))
        );
        assert_eq!(split_prefix("AT+QMTCFG=?"), ("AT+QMTCFG=", Some("?")));
        assert_eq!(split_prefix("AT+QMTOPEN?"), ("AT+QMTOPEN?", None));
        let (p, rest) = split_prefix("AT+QMTPUB=0,1,1,0,\"t\",\"a,\"b\"\"");
        let f = split_fields(rest.unwrap(), max_fields_for(p));
        assert_eq!(f, ["0", "1", "1", "0", "\"t\"", "\"a,\"b\"\""]);
    }

    #[test]
    fn bare_lines_have_no_fields() {
        assert_eq!(split_prefix("OK"), ("OK", None));
        assert_eq!(split_fields("", None), Vec::<&str>::new());
    }
}
