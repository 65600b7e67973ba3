//! The names that keep one script run apart from the others on a shared broker: the
//! predefined script variables `${uid}` and `${cid}` (conformance/README.md).

use std::sync::atomic::{AtomicUsize, Ordering};

/// The names that keep one script run apart from the others on a shared broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunIds {
    /// `${uid}`: `name-1a2b3c4d`, for topics (and anything else without a length limit).
    pub uid: String,
    /// `${cid}`: `1a2b3c4d`, 8 lowercase hex digits, for client ids: `c0-${cid}` and even
    /// `clientExample-${cid}` fit MQTT 3.1's 23 bytes (D64).
    pub cid: String,
}

impl RunIds {
    /// Fresh ids for one run of the script `name`: one random token, shared by both.
    pub fn new(name: &str) -> Self {
        Self::with_token(name, unique_token())
    }

    /// Reproducible ids for the virtual bed: the token is derived from the script name and
    /// `seed` only, so two runs with the same seed send the same bytes. (A virtual broker is
    /// private to its script, so nothing else can collide with them.)
    pub fn seeded(name: &str, seed: u64) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self::with_token(name, mix(h))
    }

    fn with_token(name: &str, token: u32) -> Self {
        let token = format!("{token:08x}");
        let clean: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(40)
            .collect();
        RunIds {
            uid: format!("{clean}-{token}"),
            cid: token,
        }
    }
}

/// 32 bits that differ between calls, processes and instants.
fn unique_token() -> u32 {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) as u64;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    mix(nanos ^ (u64::from(std::process::id()) << 32) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// 64 bits folded to 32 well-mixed ones (murmur3's finaliser).
fn mix(mut h: u64) -> u32 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h as u32
}

#[cfg(test)]
mod tests {
    use super::RunIds;

    #[test]
    fn seeded_ids_depend_only_on_the_name_and_the_seed() {
        assert_eq!(RunIds::seeded("qmtsub", 1), RunIds::seeded("qmtsub", 1));
        assert_ne!(RunIds::seeded("qmtsub", 1), RunIds::seeded("qmtsub", 2));
        assert_ne!(
            RunIds::seeded("qmtsub", 1).cid,
            RunIds::seeded("qmtuns", 1).cid
        );
        assert_eq!(RunIds::seeded("qmtsub", 1).cid.len(), 8);
    }
}
