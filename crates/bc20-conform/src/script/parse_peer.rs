//! `peer ...` steps.

use super::error::{ScriptError, ScriptErrorKind as K};
use super::lexer::{LineCursor, Opt};
use super::{PayloadPattern, PeerStep};
use crate::template::{is_name, Template};
use bc20_grammar::mqtt_topic::TopicKind;

const PUBLISH_KEYS: &str = "topic, payload, qos, retain";
const SUBSCRIBE_KEYS: &str = "topic, qos";
const EXPECT_KEYS: &str = "topic, payload, qos, retain, within";

pub(super) fn peer_step(cur: &mut LineCursor<'_>) -> Result<PeerStep, ScriptError> {
    let (at, action) = cur.word();
    match action {
        "publish" => {
            let opts = cur.options()?;
            let o = Opts::new(cur, "peer publish", PUBLISH_KEYS, &opts)?;
            Ok(PeerStep::Publish {
                topic: o.topic(cur, TopicKind::Name)?,
                payload: o.template(cur, "payload")?.unwrap_or_default(),
                qos: o.qos(cur)?.unwrap_or(0),
                retain: o.flag(cur, "retain")?.unwrap_or(false),
            })
        }
        "subscribe" => {
            let opts = cur.options()?;
            let o = Opts::new(cur, "peer subscribe", SUBSCRIBE_KEYS, &opts)?;
            Ok(PeerStep::Subscribe {
                topic: o.topic(cur, TopicKind::Filter)?,
                qos: o.qos(cur)?.unwrap_or(2),
            })
        }
        "unsubscribe" => {
            let opts = cur.options()?;
            let o = Opts::new(cur, "peer unsubscribe", "topic", &opts)?;
            Ok(PeerStep::Unsubscribe {
                topic: o.topic(cur, TopicKind::Filter)?,
            })
        }
        "expect" => {
            let opts = cur.options()?;
            let o = Opts::new(cur, "peer expect", EXPECT_KEYS, &opts)?;
            let payload = match o.get("payload") {
                None => PayloadPattern::Any,
                Some(p) if !p.quoted && p.value == "_" => PayloadPattern::Any,
                Some(p) if !p.quoted && p.value.starts_with('$') => {
                    let name = &p.value[1..];
                    if !is_name(name) {
                        return Err(cur.error_at(
                            p.value_at,
                            p.value.len(),
                            K::BadName(name.to_owned()),
                        ));
                    }
                    PayloadPattern::Capture(name.to_owned())
                }
                Some(_) => PayloadPattern::Exact(o.template(cur, "payload")?.unwrap_or_default()),
            };
            let within = match o.get("within") {
                Some(w) => Some(super::duration::parse_duration(&w.value).ok_or_else(|| {
                    cur.error_at(w.value_at, w.value.len(), K::BadDuration(w.value.clone()))
                })?),
                None => None,
            };
            Ok(PeerStep::Expect {
                topic: o.required_template(cur, "topic")?,
                payload,
                qos: o.qos(cur)?,
                retain: o.flag(cur, "retain")?,
                within,
            })
        }
        "expect-none" => {
            let d = cur.duration("peer expect-none")?;
            cur.expect_end()?;
            Ok(PeerStep::ExpectNone(d))
        }
        "" => Err(cur.error_at(
            at,
            1,
            K::MissingArgument {
                step: "peer",
                what: "publish, subscribe, unsubscribe, expect or expect-none",
            },
        )),
        other => Err(cur.error_at(at, other.len(), K::UnknownStep(format!("peer {other}")))),
    }
}

/// The `key=value` options of one step (peer steps, timing checks), checked against the
/// keys it takes.
pub(super) struct Opts<'o> {
    opts: &'o [Opt],
}

impl<'o> Opts<'o> {
    pub(super) fn new(
        cur: &LineCursor<'_>,
        step: &'static str,
        known: &'static str,
        opts: &'o [Opt],
    ) -> Result<Self, ScriptError> {
        for (i, o) in opts.iter().enumerate() {
            let ok = known.split(", ").any(|k| k == o.key);
            if !ok {
                return Err(cur.error_at(
                    o.at,
                    o.key.len(),
                    K::UnknownOption {
                        step,
                        key: o.key.clone(),
                        known,
                    },
                ));
            }
            if opts[..i].iter().any(|p| p.key == o.key) {
                let key: &'static str = known.split(", ").find(|k| *k == o.key).unwrap_or("option");
                return Err(cur.error_at(o.at, o.key.len(), K::Duplicate(key)));
            }
        }
        Ok(Opts { opts })
    }

    pub(super) fn get(&self, key: &str) -> Option<&'o Opt> {
        self.opts.iter().find(|o| o.key == key)
    }

    pub(super) fn template(
        &self,
        cur: &LineCursor<'_>,
        key: &'static str,
    ) -> Result<Option<Template>, ScriptError> {
        match self.get(key) {
            Some(o) => Ok(Some(cur.template(o.value_at, &o.value)?)),
            None => Ok(None),
        }
    }

    fn required_template(
        &self,
        cur: &LineCursor<'_>,
        key: &'static str,
    ) -> Result<Template, ScriptError> {
        self.template(cur, key)?.ok_or_else(|| {
            cur.error(
                1,
                K::MissingArgument {
                    step: "peer",
                    what: "`topic=...`",
                },
            )
        })
    }

    /// `topic=...` of publish (a name) or subscribe/unsubscribe (a filter): a literal topic
    /// MQTT forbids is a script error at the topic (D62); one with `${var}` is the broker's
    /// business at run time.
    fn topic(&self, cur: &LineCursor<'_>, kind: TopicKind) -> Result<Template, ScriptError> {
        let topic = self.required_template(cur, "topic")?;
        if let (true, Some(o)) = (topic.is_literal(), self.get("topic")) {
            if let Err(rule) = kind.check(&o.value) {
                return Err(cur.error_at(
                    o.value_at,
                    o.value.len().max(1),
                    K::BadTopic {
                        topic: o.value.clone(),
                        rule,
                    },
                ));
            }
        }
        Ok(topic)
    }

    fn qos(&self, cur: &LineCursor<'_>) -> Result<Option<u8>, ScriptError> {
        match self.get("qos") {
            None => Ok(None),
            Some(o) => match o.value.as_str() {
                "0" => Ok(Some(0)),
                "1" => Ok(Some(1)),
                "2" => Ok(Some(2)),
                _ => Err(cur.error_at(
                    o.value_at,
                    o.value.len().max(1),
                    K::BadOptionValue {
                        key: "qos",
                        value: o.value.clone(),
                        expected: "0, 1 or 2",
                    },
                )),
            },
        }
    }

    fn flag(&self, cur: &LineCursor<'_>, key: &'static str) -> Result<Option<bool>, ScriptError> {
        match self.get(key) {
            None => Ok(None),
            Some(o) => match o.value.as_str() {
                "0" => Ok(Some(false)),
                "1" => Ok(Some(true)),
                _ => Err(cur.error_at(
                    o.value_at,
                    o.value.len().max(1),
                    K::BadOptionValue {
                        key,
                        value: o.value.clone(),
                        expected: "0 or 1",
                    },
                )),
            },
        }
    }
}
