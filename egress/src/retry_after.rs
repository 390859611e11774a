//! `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, in any of the three
//! date formats RFC 9110 §5.6.7 says recipients must accept.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

/// The wait a `Retry-After` value asks for at `now`; `None` when it does not parse. A
/// date in the past asks for no wait.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = http_date(value)?;
    Some((at - now).to_std().unwrap_or_default())
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) or asctime (`Sun Nov  6 08:49:37 1994`).
fn http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc2822(value) {
        return Some(at.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_every_date_format_parse_and_garbage_does_not() {
        let now = DateTime::parse_from_rfc3339("1994-11-06T08:49:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(parse_retry_after("120", now), secs(120));
        assert_eq!(parse_retry_after(" 3 ", now), secs(3));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            secs(37)
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now),
            secs(37)
        );
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994", now), secs(37));
        assert_eq!(
            parse_retry_after("Sat, 05 Nov 1994 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
