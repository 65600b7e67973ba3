//! The topic lists of AT+QMTSUB and AT+QMTUNS (3.2.6, 3.2.7).
//!
//! A decoded list keeps the validated parameter text it was read from and reads it again when
//! iterated, instead of holding up to 16 topics inline: inline storage made every [`Command`]
//! (and so every decoded line and frame) about 530 bytes, and moving those values cost the
//! streaming decoder a fifth of its time (benches/README.md). A list built by a program holds
//! its topics as a slice, borrowed or owned. Either way nothing is allocated while decoding.
//!
//! [`Command`]: crate::Command

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codes::Qos;
use crate::cursor::{Cursor, Mode};

/// One `"<topic>",<qos>` pair of AT+QMTSUB (3.2.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SubTopic<'a> {
    /// `<topic>`.
    pub topic: Cow<'a, str>,
    /// `<qos>`.
    pub qos: Qos,
}

/// What a list holds: a `"<topic>",<qos>` pair for AT+QMTSUB, a topic for AT+QMTUNS.
trait Entry<'a>: Clone {
    /// Whether each topic is followed by its QoS on the wire.
    const WITH_QOS: bool;
    /// The entry for a topic and its QoS (ignored where there is none).
    fn new(topic: Cow<'a, str>, qos: Qos) -> Self;
    /// The topic and the QoS (`AtMostOnce` where there is none).
    fn parts(&self) -> (&str, Qos);
}

impl<'a> Entry<'a> for SubTopic<'a> {
    const WITH_QOS: bool = true;

    fn new(topic: Cow<'a, str>, qos: Qos) -> Self {
        SubTopic { topic, qos }
    }

    fn parts(&self) -> (&str, Qos) {
        (&self.topic, self.qos)
    }
}

impl<'a> Entry<'a> for Cow<'a, str> {
    const WITH_QOS: bool = false;

    fn new(topic: Cow<'a, str>, _: Qos) -> Self {
        topic
    }

    fn parts(&self) -> (&str, Qos) {
        (self, Qos::AtMostOnce)
    }
}

/// Storage shared by both lists.
#[derive(Clone)]
enum List<'a, T> {
    /// As decoded: the line from the first topic to its end, already validated in `mode`
    /// (the decoder checked every topic, every QoS and the count).
    Wire { text: &'a [u8], mode: Mode, len: u8 },
    /// Built by a program from borrowed topics. (Not a `Cow<'a, [T]>`: its projection to
    /// `Vec<T>` would make the list, and every `Command<'a>`, invariant in `'a`.)
    Borrowed(&'a [T]),
    /// Built by a program.
    Owned(Vec<T>),
}

impl<'a, T: Entry<'a>> List<'a, T> {
    fn len(&self) -> usize {
        match self {
            List::Wire { len, .. } => usize::from(*len),
            List::Borrowed(items) => items.len(),
            List::Owned(items) => items.len(),
        }
    }

    /// Every topic with its QoS, in order, borrowed from the list.
    fn entries(&self) -> impl Iterator<Item = (&str, Qos)> + use<'_, 'a, T> {
        let (wire, items) = match self {
            List::Wire { text, mode, len } => {
                (Some(WireIter::new(text, *mode, *len, T::WITH_QOS)), None)
            }
            List::Borrowed(items) => (None, Some(items.iter())),
            List::Owned(items) => (None, Some(items.iter())),
        };
        let items = items.into_iter().flatten().map(T::parts);
        wire.into_iter().flatten().chain(items)
    }

    /// Appends an entry, turning the list into an owned one first.
    fn push(&mut self, entry: T) {
        let mut items = match std::mem::replace(self, List::Owned(Vec::new())) {
            List::Owned(items) => items,
            List::Borrowed(items) => items.to_vec(),
            List::Wire { text, mode, len } => WireIter::new(text, mode, len, T::WITH_QOS)
                .map(|(topic, qos)| T::new(Cow::Borrowed(topic), qos))
                .collect(),
        };
        items.push(entry);
        *self = List::Owned(items);
    }

    /// An owned copy of the entries.
    fn to_static<U: Entry<'static>>(&self) -> List<'static, U> {
        List::Owned(
            self.entries()
                .map(|(topic, qos)| U::new(Cow::Owned(topic.to_owned()), qos))
                .collect(),
        )
    }
}

/// Reads the topics of a validated wire list again. `with_qos` for AT+QMTSUB's pairs.
struct WireIter<'a> {
    cur: Cursor<'a>,
    left: u8,
    with_qos: bool,
}

impl<'a> WireIter<'a> {
    fn new(text: &'a [u8], mode: Mode, len: u8, with_qos: bool) -> Self {
        WireIter {
            cur: Cursor::new(text, mode),
            left: len,
            with_qos,
        }
    }
}

impl<'a> Iterator for WireIter<'a> {
    type Item = (&'a str, Qos);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // The text was validated by the same lexer in the same mode, so these cannot fail;
        // if they somehow did, the list ends rather than inventing a topic.
        let topic = self.cur.string("topic").ok()?;
        let qos = if self.with_qos {
            self.cur.comma("qos").ok()?;
            let code = self.cur.int("qos", 0, 2).ok()?;
            Qos::from_code(code as u8)?
        } else {
            Qos::AtMostOnce
        };
        if self.left > 0 {
            self.cur.comma("topic").ok()?;
        }
        Some((topic, qos))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(usize::from(self.left)))
    }
}

/// The topic list of AT+QMTSUB: 1 to [`MAX_TOPICS`](crate::MAX_TOPICS) topics, each with its
/// requested QoS (checked when encoded).
#[derive(Clone)]
pub struct SubTopics<'a>(List<'a, SubTopic<'a>>);

/// The topic list of AT+QMTUNS: 1 to [`MAX_TOPICS`](crate::MAX_TOPICS) topics (checked when
/// encoded).
#[derive(Clone)]
pub struct UnsTopics<'a>(List<'a, Cow<'a, str>>);

impl SubTopics<'_> {
    /// The topics in order, borrowed.
    pub fn iter(&self) -> impl Iterator<Item = SubTopic<'_>> + '_ {
        self.0.entries().map(|(topic, qos)| SubTopic {
            topic: Cow::Borrowed(topic),
            qos,
        })
    }

    /// The topics and their QoS in order, borrowed from the list itself (the encoder's view).
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, Qos)> + '_ {
        self.0.entries()
    }
}

impl UnsTopics<'_> {
    /// The topics in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.entries().map(|(topic, _)| topic)
    }
}

/// Implements what both lists share, in terms of their `iter` and their storage.
macro_rules! list_impls {
    ($list:ident, $item:ty, $wire_doc:literal) => {
        impl<'a> $list<'a> {
            /// An empty list, to [`push`](Self::push) onto.
            pub fn new() -> Self {
                $list(List::Owned(Vec::new()))
            }

            #[doc = $wire_doc]
            pub(crate) fn wire(text: &'a [u8], mode: Mode, len: u8) -> Self {
                $list(List::Wire { text, mode, len })
            }

            /// Appends a topic.
            pub fn push(&mut self, entry: $item) {
                self.0.push(entry);
            }

            /// How many topics there are.
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// Whether the list is empty (which no command may carry).
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// An owned copy that outlives the decoded line.
            pub fn into_owned(self) -> $list<'static> {
                $list(self.0.to_static())
            }
        }

        impl Default for $list<'_> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl PartialEq for $list<'_> {
            fn eq(&self, other: &Self) -> bool {
                self.len() == other.len() && self.iter().eq(other.iter())
            }
        }

        impl Eq for $list<'_> {}

        impl fmt::Debug for $list<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.iter()).finish()
            }
        }

        impl<'a> From<Vec<$item>> for $list<'a> {
            fn from(items: Vec<$item>) -> Self {
                $list(List::Owned(items))
            }
        }

        impl<'a> From<&'a [$item]> for $list<'a> {
            fn from(items: &'a [$item]) -> Self {
                $list(List::Borrowed(items))
            }
        }

        impl<'a> FromIterator<$item> for $list<'a> {
            fn from_iter<I: IntoIterator<Item = $item>>(iter: I) -> Self {
                $list(List::Owned(iter.into_iter().collect()))
            }
        }

        impl Serialize for $list<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.iter())
            }
        }

        impl<'de, 'a> Deserialize<'de> for $list<'a> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Vec::<$item>::deserialize(d).map(Self::from)
            }
        }
    };
}

list_impls!(
    SubTopics,
    SubTopic<'a>,
    "A decoded list: `text` holds `len` validated `\"<topic>\",<qos>` pairs in `mode`."
);
list_impls!(
    UnsTopics,
    Cow<'a, str>,
    "A decoded list: `text` holds `len` validated `\"<topic>\"` parameters in `mode`."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_and_built_lists_compare_by_content() {
        let wire = SubTopics::wire(b"\"a/b\",1,\"c\",0", Mode::Strict, 2);
        let built: SubTopics = vec![
            SubTopic {
                topic: "a/b".into(),
                qos: Qos::AtLeastOnce,
            },
            SubTopic {
                topic: "c".into(),
                qos: Qos::AtMostOnce,
            },
        ]
        .into();
        assert_eq!(wire, built);
        assert_eq!(wire.len(), 2);
        assert_eq!(format!("{wire:?}"), format!("{built:?}"));
        assert_ne!(wire, SubTopics::wire(b"\"a/b\",1", Mode::Strict, 1));
    }

    #[test]
    fn lenient_wire_text_reads_back_the_same_topics() {
        let wire = UnsTopics::wire("\u{201c}a\u{201d} , \"b\"".as_bytes(), Mode::Lenient, 2);
        assert_eq!(wire.iter().collect::<Vec<_>>(), ["a", "b"]);
        let mut grown = wire.clone();
        grown.push("c".into());
        assert_eq!(grown.iter().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(wire.into_owned().len(), 2);
    }

    #[test]
    fn push_onto_a_decoded_sub_list_keeps_its_topics() {
        let mut list = SubTopics::wire(b"\"x\",2", Mode::Strict, 1);
        list.push(SubTopic {
            topic: "y".into(),
            qos: Qos::AtMostOnce,
        });
        let topics: Vec<_> = list.iter().map(|t| (t.topic.into_owned(), t.qos)).collect();
        assert_eq!(
            topics,
            [
                ("x".to_owned(), Qos::ExactlyOnce),
                ("y".to_owned(), Qos::AtMostOnce)
            ]
        );
    }
}
