//! A line's parameters as typed values in wire order: what [`crate::Line::params`] returns.
//!
//! The encoder writes each line through one writer (`wire.rs`) that either appends bytes or
//! collects these values, so the parameters and the wire text come from the same code and
//! cannot disagree: `prefix` followed by the values joined with `,` in wire syntax
//! ([`Params::write_wire`]) is exactly the line the encoder writes, without its framing.

use std::borrow::Cow;
use std::fmt;

/// One parameter of a line, as the wire carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param<'a> {
    /// A decimal number: `0`, `1883`, `-1`.
    Int(i64),
    /// A `"..."` string, without its quotes: a topic, a host name, a keyword (`"keepalive"`).
    Quoted(Cow<'a, str>),
    /// A +QMTRECV payload, written between quotes; it may hold commas and quotes
    /// (spec/DECISIONS.md D35) and any byte the wire carries.
    Bytes(&'a [u8]),
    /// Unquoted text: `READY` in `+CPIN: READY`, an address, a range list `(0-5)` of a test
    /// response.
    Bare(Cow<'a, str>),
}

impl Param<'_> {
    /// Whether the wire writes the value between quotes ([`Param::Quoted`], [`Param::Bytes`]).
    pub fn is_quoted(&self) -> bool {
        matches!(self, Param::Quoted(_) | Param::Bytes(_))
    }

    /// The value as text, without quotes (a payload read as UTF-8, lossily).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Param::Int(n) => Cow::Owned(n.to_string()),
            Param::Quoted(s) | Param::Bare(s) => Cow::Borrowed(s),
            Param::Bytes(b) => String::from_utf8_lossy(b),
        }
    }

    /// Appends the value in wire syntax (with its quotes).
    pub fn write_wire(&self, out: &mut Vec<u8>) {
        match self {
            Param::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Param::Quoted(s) => {
                out.push(b'"');
                out.extend_from_slice(s.as_bytes());
                out.push(b'"');
            }
            Param::Bytes(b) => {
                out.push(b'"');
                out.extend_from_slice(b);
                out.push(b'"');
            }
            Param::Bare(s) => out.extend_from_slice(s.as_bytes()),
        }
    }
}

impl fmt::Display for Param<'_> {
    /// The value in wire syntax (a payload read as UTF-8, lossily).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_quoted() {
            write!(f, "\"{}\"", self.text())
        } else {
            f.write_str(&self.text())
        }
    }
}

/// A line's name prefix and its parameters in wire order.
///
/// The prefix is everything before the first parameter: `+QMTOPEN: `, `AT+QMTOPEN=`,
/// `+CME ERROR: `; a line without parameters is all prefix (`OK`, `AT+QMTOPEN?`,
/// `AT+QMTOPEN=?`, a text line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params<'a> {
    /// The name part, separator included.
    pub prefix: String,
    /// The parameters after it.
    pub values: Vec<Param<'a>>,
}

impl Params<'_> {
    /// Appends the line in wire syntax, without framing: the prefix, then the values
    /// separated by `,`.
    pub fn write_wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.prefix.as_bytes());
        for (i, p) in self.values.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            p.write_wire(out);
        }
    }
}

/// Splits a parameter list as written on the wire at the commas outside `"..."` and
/// `(...)`, without reading the items: `"will",(0-5),(0,1),"a,b"` gives `"will"`, `(0-5)`,
/// `(0,1)`, `"a,b"`. For text the grammar keeps whole (a test response's description, an
/// unknown URC) and for tools that must find a field in a line the grammar rejects (masking a
/// password in a malformed command); a decoded line's parameters are [`crate::Line::params`].
pub fn split_params(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut depth = 0usize;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'(' if !in_quotes => depth += 1,
            b')' if !in_quotes => depth = depth.saturating_sub(1),
            b',' if !in_quotes && depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

/// [`split_params`] read as parameters: a `"..."` item is [`Param::Quoted`], any other
/// [`Param::Bare`].
pub(crate) fn split_text(text: &str) -> impl Iterator<Item = Param<'_>> {
    split_text_items(text).map(|(quoted, item)| {
        if quoted {
            Param::Quoted(Cow::Borrowed(item))
        } else {
            Param::Bare(Cow::Borrowed(item))
        }
    })
}

/// [`split_text`]'s items as `(quoted, text)`, the quotes of a quoted item removed.
pub(crate) fn split_text_items(text: &str) -> impl Iterator<Item = (bool, &str)> {
    split_params(text).into_iter().map(|item| {
        match item.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            Some(inner) => (true, inner),
            None => (false, item),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_descriptions_split_outside_quotes_and_parens() {
        let got: Vec<_> = split_text("\"will\",(0-5),(0,1),\"a,b\"").collect();
        assert_eq!(
            got,
            [
                Param::Quoted("will".into()),
                Param::Bare("(0-5)".into()),
                Param::Bare("(0,1)".into()),
                Param::Quoted("a,b".into()),
            ]
        );
    }

    /// The prefix and params of a line the grammar decodes, with the payload as text.
    fn params_of(line: &[u8]) -> (String, Vec<Param<'static>>) {
        let d = crate::decode_line(line, crate::Mode::Lenient, crate::Context::default()).unwrap();
        let p = d.line.params().unwrap();
        let values = p
            .values
            .into_iter()
            .map(|v| match v {
                Param::Bytes(b) => {
                    Param::Bare(Cow::Owned(format!("bytes:{}", String::from_utf8_lossy(b))))
                }
                Param::Quoted(s) => Param::Quoted(Cow::Owned(s.into_owned())),
                Param::Bare(s) => Param::Bare(Cow::Owned(s.into_owned())),
                Param::Int(n) => Param::Int(n),
            })
            .collect();
        (p.prefix, values)
    }

    #[test]
    fn recv_payload_is_one_bytes_param() {
        let line = b"+QMTRECV: 0,3,\"dev/cmd\",\"{\"a\":1,\"b\":2}\"";
        let d = crate::decode_line(line, crate::Mode::Strict, crate::Context::default()).unwrap();
        let p = d.line.params().unwrap();
        assert_eq!(p.prefix, "+QMTRECV: ");
        assert_eq!(
            p.values,
            [
                Param::Int(0),
                Param::Int(3),
                Param::Quoted("dev/cmd".into()),
                Param::Bytes(b"{\"a\":1,\"b\":2}"),
            ]
        );
    }

    #[test]
    fn each_kind_of_line_has_its_prefix() {
        let p = params_of(b"AT+QMTOPEN=0,\"broker\",1883");
        assert_eq!(p.0, "AT+QMTOPEN=");
        assert_eq!(
            p.1,
            [
                Param::Int(0),
                Param::Quoted("broker".into()),
                Param::Int(1883)
            ]
        );
        let p = params_of(b"+CPIN: READY");
        assert_eq!(
            (p.0.as_str(), &p.1[..]),
            ("+CPIN: ", &[Param::Bare("READY".into())][..])
        );
        let p = params_of(b"+QMTCFG: \"keepalive\",(0-5),(0-3600)");
        assert_eq!(p.0, "+QMTCFG: ");
        assert_eq!(
            p.1,
            [
                Param::Quoted("keepalive".into()),
                Param::Bare("(0-5)".into()),
                Param::Bare("(0-3600)".into()),
            ]
        );
        for bare in ["OK", "AT+QMTOPEN?", "AT+QMTCFG=?"] {
            let p = params_of(bare.as_bytes());
            assert_eq!((p.0.as_str(), p.1.len()), (bare, 0));
        }
        let p = params_of(b"+CME ERROR: 3");
        assert_eq!(
            (p.0.as_str(), &p.1[..]),
            ("+CME ERROR: ", &[Param::Int(3)][..])
        );
    }

    #[test]
    fn typographic_quotes_of_a_test_response_read_as_ascii_ones() {
        let p = params_of("+QMTOPEN: (0-5),\u{201c}<host_name>\u{201d},(1-65535)".as_bytes());
        assert_eq!(
            p.1,
            [
                Param::Bare("(0-5)".into()),
                Param::Quoted("<host_name>".into()),
                Param::Bare("(1-65535)".into()),
            ]
        );
    }

    #[test]
    fn params_write_back_in_wire_syntax() {
        let p = Params {
            prefix: "+QMTRECV: ".to_owned(),
            values: vec![
                Param::Int(0),
                Param::Int(3),
                Param::Quoted("t".into()),
                Param::Bytes(b"{\"a\":1,\"b\":2}"),
            ],
        };
        let mut out = Vec::new();
        p.write_wire(&mut out);
        assert_eq!(out, b"+QMTRECV: 0,3,\"t\",\"{\"a\":1,\"b\":2}\"");
    }
}
