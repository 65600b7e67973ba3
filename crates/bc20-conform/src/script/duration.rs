//! Durations as scripts write them: `500ms`, `2s`, `1.5s`, `2m`.

use std::time::Duration;

/// The longest duration a script may ask for (one hour): keeps every run bounded.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

/// Parses `500ms`, `2s`, `1.5s` or `2m`; `None` when malformed or over an hour.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let (number, scale_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        return None;
    };
    let valid = !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && number.bytes().filter(|&b| b == b'.').count() <= 1
        && !number.starts_with('.')
        && !number.ends_with('.')
        && number.len() <= 12;
    if !valid {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let ms = value * scale_ms;
    if !ms.is_finite() || ms < 0.0 || ms > MAX_DURATION.as_millis() as f64 {
        return None;
    }
    Some(Duration::from_micros((ms * 1000.0).round() as u64))
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
    fn formats_shortest() {
        assert_eq!(format_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(format_duration(Duration::from_secs(75)), "75s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
    }
}
