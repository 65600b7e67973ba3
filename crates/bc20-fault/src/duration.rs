//! Durations in a fault's text: humantime's units (`500ms`, `5s`, `1.5s`, `2m`), one word,
//! at most [`MAX_DURATION`].

use std::time::Duration;

use crate::error::ParseFaultErrorKind;

/// The longest duration a fault may ask for (one hour): keeps every run bounded.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

/// Reads one duration word (`500ms`, `5s`, `1.5s`, `2m`; `0` alone is zero).
///
/// # Errors
/// [`ParseFaultErrorKind::BadDuration`] when humantime cannot read it,
/// [`ParseFaultErrorKind::DurationTooLong`] when it is over [`MAX_DURATION`].
pub fn parse_duration(word: &str) -> Result<Duration, ParseFaultErrorKind> {
    let d = humantime::parse_duration(word).map_err(|e| ParseFaultErrorKind::BadDuration {
        text: word.to_owned(),
        reason: e.to_string(),
    })?;
    if d > MAX_DURATION {
        return Err(ParseFaultErrorKind::DurationTooLong {
            text: word.to_owned(),
        });
    }
    Ok(d)
}

/// Writes a duration as one exact word in its largest whole unit: `5s`, `1500ms`, `20us`,
/// `7ns` (`0s` for zero). [`parse_duration`] reads it back to the same value.
pub fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns % 1_000_000_000 == 0 {
        format!("{}s", d.as_secs())
    } else if ns % 1_000_000 == 0 {
        format!("{}ms", ns / 1_000_000)
    } else if ns % 1_000 == 0 {
        format!("{}us", ns / 1_000)
    } else {
        format!("{ns}ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_durations_parse() {
        for (text, ms) in [
            ("500ms", 500),
            ("5s", 5000),
            ("1.5s", 1500),
            ("2m", 120_000),
            ("0", 0),
            ("0ms", 0),
            ("60m", 3_600_000),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(ms)),
                "{text}"
            );
        }
    }

    #[test]
    fn durations_are_written_in_whole_units() {
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_secs(200)), "200s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(format_duration(Duration::from_micros(20)), "20us");
        assert_eq!(format_duration(Duration::from_nanos(7)), "7ns");
    }
}
