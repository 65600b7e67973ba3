//! API calls of the model check made on the real driver: indices of the step alphabet
//! turned into topics, client ids and settings (prefixed with the world's namespace).

use crate::check::env::Environment;
use crate::check::step::{topic, ApiOp, SettingChoice, BAD_HOST, CLIENT_IDS, GOOD_HOST};
use crate::check::world::World;
use crate::{Handle, RequestError, Setting, WillConfig};

impl<E: Environment> World<E> {
    /// Makes one API call on the driver, with the topics and ids of the namespace.
    pub(super) fn call(&mut self, op: &ApiOp) -> Result<Handle, RequestError> {
        let ns = self.namespace.clone();
        let t = |i: u8| format!("{ns}{}", topic(i));
        let c = &mut self.client;
        let r = match op {
            ApiOp::Configure { slot, setting } => c.configure(*slot, setting_of(setting, &ns)),
            ApiOp::Open { slot, reachable } => {
                c.open(*slot, if *reachable { GOOD_HOST } else { BAD_HOST }, 1883)
            }
            ApiOp::Close { slot } => c.close(*slot),
            ApiOp::Connect { slot, client } => {
                let id = format!(
                    "{ns}{}",
                    CLIENT_IDS[usize::from(*client) % CLIENT_IDS.len()]
                );
                c.connect(*slot, &id, None, None)
            }
            ApiOp::Disconnect { slot } => c.disconnect(*slot),
            ApiOp::Subscribe { slot, topics } => {
                let list: Vec<(String, _)> = topics.iter().map(|(i, q)| (t(*i), *q)).collect();
                let list: Vec<(&str, _)> = list.iter().map(|(s, q)| (s.as_str(), *q)).collect();
                c.subscribe(*slot, &list)
            }
            ApiOp::Unsubscribe { slot, topics } => {
                let list: Vec<String> = topics.iter().map(|i| t(*i)).collect();
                let list: Vec<&str> = list.iter().map(String::as_str).collect();
                c.unsubscribe(*slot, &list)
            }
            ApiOp::Publish {
                slot,
                qos,
                retain,
                topic: i,
                payload,
            } => c.publish(*slot, *qos, *retain, &t(*i), &payload.bytes()),
        };
        self.accepted(r)
    }
}

fn setting_of(s: &SettingChoice, namespace: &str) -> Setting {
    match s {
        SettingChoice::KeepAlive(k) => Setting::KeepAlive { keepalive: *k },
        SettingChoice::Session(c) => Setting::Session { clean_session: *c },
        SettingChoice::Timeout(p, r, n) => Setting::Timeout {
            pkt_timeout: *p,
            retry_times: *r,
            timeout_notice: *n,
        },
        SettingChoice::Will(w) => Setting::Will(w.map(|(qos, retain, t, n)| WillConfig {
            qos,
            retain,
            topic: format!("{namespace}{}", topic(t)),
            message: format!("w{n}"),
        })),
        SettingChoice::AliAuth => Setting::AliAuth {
            product_key: "pk".into(),
            device_name: "dn".into(),
            device_secret: "ds".into(),
        },
    }
}
