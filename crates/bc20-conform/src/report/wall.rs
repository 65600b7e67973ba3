//! Wall-clock formatting.

use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

/// `2025-11-25T09:30:00Z` for `t` (UTC, whole seconds).
pub fn rfc3339(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads an RFC 3339 time back (None when `s` is not one, e.g. empty).
pub(crate) fn parse_rfc3339(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_063_000);
        assert_eq!(rfc3339(t), "2025-11-25T09:30:00Z");
        assert_eq!(
            parse_rfc3339("2025-11-25T09:30:00Z").map(|d| d.timestamp()),
            Some(1_764_063_000)
        );
        assert_eq!(parse_rfc3339(""), None);
    }
}
