//! MQTT topic names and filters as MQTT 3.1.1 section 4.7 allows them (spec/DECISIONS.md D62):
//! the one check that the simulator (`+CME ERROR: 50` before anything goes on the wire) and
//! the host driver (`RequestError::Topic` before anything goes to the module) share, so the
//! driver refuses exactly what the module refuses. The AT decoder and encoder apply it too
//! (`DecodeErrorKind::Topic`, `EncodeError::Topic`), in strict and lenient mode alike, so a
//! command with such a topic is a parameter error wherever it is read or written (D62).

use serde::Serialize;
use thiserror::Error;

/// Why a topic name or filter is refused (`+CME ERROR: 50`, D62).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum TopicError {
    /// A wildcard (`+` or `#`) in a topic name: a PUBLISH or a will topic
    /// ([MQTT-3.3.2-2], [MQTT-3.1.3-10]).
    #[error("wildcard {wildcard:?} at byte {at} in a topic name")]
    WildcardInName {
        /// The wildcard.
        wildcard: char,
        /// Its byte offset.
        at: usize,
    },
    /// `#` that is not the whole last level of a filter ([MQTT-4.7.1-2]).
    #[error("'#' at byte {at} is not the whole last level of the filter")]
    MisplacedMultiLevel {
        /// Its byte offset.
        at: usize,
    },
    /// `+` that is not a whole level of a filter ([MQTT-4.7.1-3]).
    #[error("'+' at byte {at} is not a whole level of the filter")]
    PartialSingleLevel {
        /// Its byte offset.
        at: usize,
    },
    /// U+0000 in a topic ([MQTT-4.7.3-2]).
    #[error("NUL at byte {at}")]
    Nul {
        /// Its byte offset.
        at: usize,
    },
}

/// Which of MQTT's two topic grammars a parameter follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicKind {
    /// A topic name: AT+QMTPUB's `<topic>` and the will's `<will_topic>` ([`check_topic_name`]).
    Name,
    /// A topic filter: the topics of AT+QMTSUB and AT+QMTUNS ([`check_topic_filter`]).
    Filter,
}

impl TopicKind {
    /// Checks `topic` by this kind's rules.
    ///
    /// # Errors
    ///
    /// The first offending byte, as a [`TopicError`].
    pub fn check(self, topic: &str) -> Result<(), TopicError> {
        match self {
            TopicKind::Name => check_topic_name(topic),
            TopicKind::Filter => check_topic_filter(topic),
        }
    }
}

impl TopicError {
    /// The offending byte's offset inside the topic.
    pub fn at(&self) -> usize {
        match *self {
            TopicError::WildcardInName { at, .. }
            | TopicError::MisplacedMultiLevel { at }
            | TopicError::PartialSingleLevel { at }
            | TopicError::Nul { at } => at,
        }
    }
}

/// Checks a topic name (PUBLISH, will): no wildcard, no NUL.
///
/// # Errors
///
/// The first offending byte, as a [`TopicError`].
pub fn check_topic_name(topic: &str) -> Result<(), TopicError> {
    match topic.bytes().position(|b| matches!(b, b'+' | b'#' | 0)) {
        None => Ok(()),
        Some(at) if topic.as_bytes()[at] == 0 => Err(TopicError::Nul { at }),
        Some(at) => Err(TopicError::WildcardInName {
            wildcard: char::from(topic.as_bytes()[at]),
            at,
        }),
    }
}

/// Checks a topic filter (SUBSCRIBE, UNSUBSCRIBE): `+` only as a whole level, `#` only as
/// the whole last level, no NUL.
///
/// # Errors
///
/// The first offending byte, as a [`TopicError`].
pub fn check_topic_filter(filter: &str) -> Result<(), TopicError> {
    let bytes = filter.as_bytes();
    let mut level_start = 0;
    for (at, &b) in bytes.iter().enumerate() {
        if b == b'/' {
            level_start = at + 1;
            continue;
        }
        let whole_level = at == level_start && bytes.get(at + 1).is_none_or(|&n| n == b'/');
        match b {
            0 => return Err(TopicError::Nul { at }),
            b'+' if !whole_level => return Err(TopicError::PartialSingleLevel { at }),
            b'#' if !whole_level || at + 1 != bytes.len() => {
                return Err(TopicError::MisplacedMultiLevel { at })
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_wildcards_anywhere() {
        for ok in ["a", "a/b", "/", "a//b", "sport/tennis player1", "$SYS/x"] {
            assert_eq!(check_topic_name(ok), Ok(()), "{ok}");
        }
        for (bad, wildcard, at) in [
            ("a/#", '#', 2),
            ("#", '#', 0),
            ("a/+/b", '+', 2),
            ("a+", '+', 1),
        ] {
            assert_eq!(
                check_topic_name(bad),
                Err(TopicError::WildcardInName { wildcard, at }),
                "{bad}"
            );
        }
        assert_eq!(check_topic_name("a\0"), Err(TopicError::Nul { at: 1 }));
    }

    #[test]
    fn filters_take_wildcards_only_as_whole_levels() {
        for ok in [
            "#",
            "+",
            "a/#",
            "a/+/b",
            "+/+",
            "/+",
            "+/",
            "a//#",
            "sport/+/player1/#",
        ] {
            assert_eq!(check_topic_filter(ok), Ok(()), "{ok}");
        }
        for (bad, err) in [
            ("a/#/b", TopicError::MisplacedMultiLevel { at: 2 }),
            ("a#", TopicError::MisplacedMultiLevel { at: 1 }),
            ("#/", TopicError::MisplacedMultiLevel { at: 0 }),
            ("a/b#", TopicError::MisplacedMultiLevel { at: 3 }),
            ("a+", TopicError::PartialSingleLevel { at: 1 }),
            ("a/+b", TopicError::PartialSingleLevel { at: 2 }),
            ("++", TopicError::PartialSingleLevel { at: 0 }),
            ("a/\0", TopicError::Nul { at: 2 }),
        ] {
            assert_eq!(check_topic_filter(bad), Err(err), "{bad}");
        }
    }
}
