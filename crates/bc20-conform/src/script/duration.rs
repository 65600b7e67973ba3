//! Durations as scripts write them: `500ms`, `2s`, `1.5s`, `2m` (parsed by humantime, bounded
//! by one hour).

use std::time::Duration;

/// The longest duration a script may ask for (one hour): keeps every run bounded.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

/// Parses `500ms`, `2s`, `1.5s`, `2m` (humantime's syntax, so `1m 30s` too) up to
/// one hour (`MAX_DURATION`).
///
/// # Errors
///
/// A message naming the text when it is not a duration, or when it is longer than an hour.
pub fn try_parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text)
        .map_err(|e| format!("bad duration `{text}`: {e} (write e.g. 500ms, 2s)"))?;
    if d > MAX_DURATION {
        return Err(format!(
            "duration `{text}` is longer than {}: runs stay bounded",
            format_duration(MAX_DURATION)
        ));
    }
    Ok(d)
}

/// [`try_parse_duration`] without the reason: `None` when malformed or over an hour.
pub fn parse_duration(text: &str) -> Option<Duration> {
    try_parse_duration(text).ok()
}

/// `1.5s`, `300ms`, `75s`: the shortest exact rendering used in reports.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 && d.as_micros() > 0 {
        format!("{}us", d.as_micros())
    } else if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        let frac = format!("{:03}", ms % 1000);
        format!("{}.{}s", ms / 1000, frac.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
    }

    #[test]
    fn rejects_malformed_and_huge() {
        for bad in [
            "",
            "s",
            "2",
            "1.s",
            ".5s",
            "1..2s",
            "-1s",
            "2h",
            "61m",
            "99999999999999s",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn says_why_a_duration_is_refused() {
        assert!(try_parse_duration("2x")
            .unwrap_err()
            .contains("bad duration `2x`"));
        assert!(try_parse_duration("61m")
            .unwrap_err()
            .contains("longer than 3600s"));
        assert_eq!(try_parse_duration("1h"), Ok(MAX_DURATION));
    }

    #[test]
    fn formats_shortest() {
        assert_eq!(format_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(format_duration(Duration::from_secs(75)), "75s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
    }
}
