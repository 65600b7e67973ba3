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
        let token = format!("{:08x}", unique_token());
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
    let mut h =
        nanos ^ (u64::from(std::process::id()) << 32) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h as u32
}
