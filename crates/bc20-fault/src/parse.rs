//! Reading a fault's text: words separated by ASCII whitespace, the fault's name first.
//!
//! ```text
//! fault     = "drop-link" conn_id [close] | ("kill-link" | "link-down" | "garbage") conn_id
//!           | ("black-hole" | "delay") conn_id [way] duration
//!           | "drop-packet" conn_id [way] type [narrow]
//!           | "hold-packet" conn_id [way] type duration [narrow]
//!           | "close-after" conn_id [way] type ["id" pkid] [close]
//!           | "connack" conn_id ("1" .. "5")
//!           | ("send-fail" | "hold-close") conn_id on_off
//!           | "refuse-connections" on_off
//!           | "fail-next-open" open_result | "fail-next-close" | "clear"
//! conn_id   = "0" .. "5"                      ; the note's <tcpconnectID>
//! way       = "up" | "down" | "both"          ; default both
//! on_off    = "on" | "off"
//! duration  = humantime word ("500ms", "5s", "1.5s", "2m"), at most one hour
//! open_result = "-1" | "1" | "2" | "3" | "4" | "5"
//! type      = an MQTT packet type's name, any case ("PUBACK", "pingresp")
//! narrow    = ["id" pkid] ["times" count]     ; pkid 1-65535, count 1-4294967295
//! close     = "reset" | "fin"                 ; default reset (drop-link), fin (close-after)
//! ```

use std::str::FromStr;

use bc20_grammar::OpenResult;

use crate::duration::parse_duration;
use crate::error::{ParseFaultError, ParseFaultErrorKind as K};
use crate::fault::{CloseHow, Fault, PacketFilter, MAX_CONN_ID, NAMES};
use crate::packet::{has_packet_id, travels, type_by_name, type_name, PacketType};
use crate::way::Way;

/// The words of a fault's text with their byte offsets.
struct Words<'a> {
    text: &'a str,
    words: Vec<(usize, &'a str)>,
    next: usize,
    fault: &'static str,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Words<'a> {
        let mut words = Vec::new();
        let mut start = None;
        for (i, b) in text.bytes().enumerate() {
            match (b.is_ascii_whitespace(), start) {
                (true, Some(s)) => {
                    words.push((s, &text[s..i]));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        if let Some(s) = start {
            words.push((s, &text[s..]));
        }
        Words {
            text,
            words,
            next: 0,
            fault: "",
        }
    }

    fn remaining(&self) -> usize {
        self.words.len() - self.next
    }

    /// The next word, not taken.
    fn peek(&self) -> Option<&'a str> {
        self.words.get(self.next).map(|w| w.1)
    }

    /// The next word, or a `Missing` error at the end of the text.
    fn take(&mut self, what: &'static str) -> Result<(usize, &'a str), ParseFaultError> {
        let w = self.words.get(self.next).copied().ok_or(ParseFaultError {
            at: self.text.len(),
            len: 0,
            kind: K::Missing {
                fault: self.fault,
                what,
            },
        })?;
        self.next += 1;
        Ok(w)
    }

    /// The next word read by `read`; its error points at the word.
    fn arg<T>(
        &mut self,
        what: &'static str,
        read: impl FnOnce(&str) -> Result<T, K>,
    ) -> Result<T, ParseFaultError> {
        let (at, w) = self.take(what)?;
        read(w).map_err(|kind| ParseFaultError {
            at,
            len: w.len(),
            kind,
        })
    }

    /// Fails on a word left over.
    fn end(&self) -> Result<(), ParseFaultError> {
        match self.words.get(self.next) {
            None => Ok(()),
            Some(&(at, w)) => Err(ParseFaultError {
                at,
                len: self.text.len() - at - trailing_blanks(&self.text[at..]),
                kind: K::Extra {
                    fault: self.fault,
                    text: w.to_owned(),
                },
            }),
        }
    }
}

fn trailing_blanks(s: &str) -> usize {
    s.len() - s.trim_end_matches(|c: char| c.is_ascii_whitespace()).len()
}

fn conn_id(w: &str) -> Result<u8, K> {
    w.parse::<u8>()
        .ok()
        .filter(|n| w.bytes().all(|b| b.is_ascii_digit()) && *n <= MAX_CONN_ID)
        .ok_or_else(|| K::BadConnId(w.to_owned()))
}

fn on_off(w: &str) -> Result<bool, K> {
    match w {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(K::BadOnOff(w.to_owned())),
    }
}

fn way(w: &str) -> Result<Way, K> {
    Way::from_word(w).ok_or_else(|| K::BadWay(w.to_owned()))
}

fn packet_type(w: &str) -> Result<PacketType, K> {
    type_by_name(w).ok_or_else(|| K::BadPacketType(w.to_owned()))
}

fn pkid(w: &str) -> Result<u16, K> {
    w.parse::<u16>()
        .ok()
        .filter(|n| *n != 0 && w.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| K::BadNumber {
            what: "a packet identifier, 1-65535",
            text: w.to_owned(),
        })
}

fn times(w: &str) -> Result<u32, K> {
    w.parse::<u32>()
        .ok()
        .filter(|n| *n != 0 && w.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| K::BadNumber {
            what: "a count, 1-4294967295",
            text: w.to_owned(),
        })
}

fn connack_code(w: &str) -> Result<u8, K> {
    match w {
        "1" | "2" | "3" | "4" | "5" => Ok(w.as_bytes()[0] - b'0'),
        _ => Err(K::BadNumber {
            what: "a refusing CONNACK return code, 1-5",
            text: w.to_owned(),
        }),
    }
}

fn close_how(w: &str) -> Option<CloseHow> {
    [CloseHow::Reset, CloseHow::Fin]
        .into_iter()
        .find(|h| h.as_str() == w)
}

impl Words<'_> {
    /// An optional direction word (default both).
    fn way_or_both(&mut self) -> Result<Way, ParseFaultError> {
        if self.peek().and_then(Way::from_word).is_some() {
            self.arg("a direction", way)
        } else {
            Ok(Way::Both)
        }
    }

    /// A packet type that travels `dir` (the error points at its word otherwise).
    fn packet_type(&mut self, dir: Way) -> Result<PacketType, ParseFaultError> {
        let at = self.words.get(self.next).map_or(self.text.len(), |w| w.0);
        let kind = self.arg("a packet TYPE", packet_type)?;
        let (up, down) = travels(kind);
        if !(dir.up() && up || dir.down() && down) {
            return Err(ParseFaultError {
                at,
                len: self.words[self.next - 1].1.len(),
                kind: K::WrongWay {
                    kind: type_name(kind),
                    way: dir,
                },
            });
        }
        Ok(kind)
    }

    /// `[id PKID] [times N]` after a packet type (`times` left out where `with_times` is off).
    fn narrowing(
        &mut self,
        kind: PacketType,
        with_times: bool,
    ) -> Result<PacketFilter, ParseFaultError> {
        let mut filter = PacketFilter::every(kind);
        if self.peek() == Some("id") {
            if !has_packet_id(kind) {
                let (at, w) = self.words[self.next];
                return Err(ParseFaultError {
                    at,
                    len: w.len(),
                    kind: K::NoPacketId(type_name(kind)),
                });
            }
            self.next += 1;
            filter.pkid = Some(self.arg("a packet identifier after `id`", pkid)?);
        }
        if with_times && self.peek() == Some("times") {
            self.next += 1;
            filter.times = Some(self.arg("a count after `times`", times)?);
        }
        Ok(filter)
    }

    /// An optional `reset` or `fin`, `default` when left out.
    fn close_how(&mut self, default: CloseHow) -> CloseHow {
        match self.peek().and_then(close_how) {
            Some(how) => {
                self.next += 1;
                how
            }
            None => default,
        }
    }
}

fn open_result(w: &str) -> Result<OpenResult, K> {
    OpenResult::ALL
        .iter()
        .copied()
        .find(|r| *r != OpenResult::Opened && r.code().to_string() == w)
        .ok_or_else(|| K::BadOpenResult(w.to_owned()))
}

impl FromStr for Fault {
    type Err = ParseFaultError;

    /// Reads a fault's canonical text (see the module's grammar); the direction may be left
    /// out (both), blanks between words may be any ASCII whitespace.
    fn from_str(text: &str) -> Result<Fault, ParseFaultError> {
        let mut w = Words::new(text);
        let (at, name) = w.words.first().copied().ok_or(ParseFaultError {
            at: 0,
            len: 0,
            kind: K::Empty,
        })?;
        w.next = 1;
        w.fault = NAMES
            .iter()
            .copied()
            .find(|n| *n == name)
            .ok_or_else(|| ParseFaultError {
                at,
                len: name.len(),
                kind: K::UnknownName(name.to_owned()),
            })?;
        let fault = match w.fault {
            "drop-link" => Fault::DropLink {
                conn_id: w.arg("a CONN_ID", conn_id)?,
                how: w.close_how(CloseHow::Reset),
            },
            "kill-link" => Fault::KillLink {
                conn_id: w.arg("a CONN_ID", conn_id)?,
            },
            "link-down" => Fault::LinkDown {
                conn_id: w.arg("a CONN_ID", conn_id)?,
            },
            "garbage" => Fault::Garbage {
                conn_id: w.arg("a CONN_ID", conn_id)?,
            },
            "drop-packet" => {
                let id = w.arg("a CONN_ID", conn_id)?;
                let dir = w.way_or_both()?;
                let kind = w.packet_type(dir)?;
                Fault::DropPacket {
                    conn_id: id,
                    way: dir,
                    filter: w.narrowing(kind, true)?,
                }
            }
            "hold-packet" => {
                let id = w.arg("a CONN_ID", conn_id)?;
                let dir = w.way_or_both()?;
                let kind = w.packet_type(dir)?;
                let delay = w.arg("a DURATION", parse_duration)?;
                Fault::HoldPacket {
                    conn_id: id,
                    way: dir,
                    filter: w.narrowing(kind, true)?,
                    delay,
                }
            }
            "close-after" => {
                let id = w.arg("a CONN_ID", conn_id)?;
                let dir = w.way_or_both()?;
                let kind = w.packet_type(dir)?;
                let mut filter = w.narrowing(kind, false)?;
                filter.times = Some(1);
                Fault::CloseAfter {
                    conn_id: id,
                    way: dir,
                    filter,
                    how: w.close_how(CloseHow::Fin),
                }
            }
            "connack" => Fault::Connack {
                conn_id: w.arg("a CONN_ID", conn_id)?,
                code: w.arg("a CODE", connack_code)?,
            },
            "black-hole" | "delay" => {
                let id = w.arg("a CONN_ID", conn_id)?;
                // A direction word as the last word means the duration is missing (say so,
                // rather than "bad duration `up`").
                let last_is_way = w.peek().and_then(Way::from_word).is_some();
                let dir = if w.remaining() >= 2 || last_is_way {
                    w.arg("a direction", way)?
                } else {
                    Way::Both
                };
                let d = w.arg("a DURATION", parse_duration)?;
                if w.fault == "delay" {
                    Fault::Delay {
                        conn_id: id,
                        way: dir,
                        delay: d,
                    }
                } else {
                    Fault::BlackHole {
                        conn_id: id,
                        way: dir,
                        duration: d,
                    }
                }
            }
            "send-fail" => Fault::SendFail {
                conn_id: w.arg("a CONN_ID", conn_id)?,
                on: w.arg("`on` or `off`", on_off)?,
            },
            "hold-close" => Fault::HoldClose {
                conn_id: w.arg("a CONN_ID", conn_id)?,
                on: w.arg("`on` or `off`", on_off)?,
            },
            "refuse-connections" => Fault::RefuseConnections {
                on: w.arg("`on` or `off`", on_off)?,
            },
            "fail-next-open" => Fault::FailNextOpen {
                result: w.arg("a RESULT", open_result)?,
            },
            "fail-next-close" => Fault::FailNextClose,
            // The last of NAMES, "clear".
            _ => Fault::Clear,
        };
        w.end()?;
        Ok(fault)
    }
}
