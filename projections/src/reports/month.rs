//! A calendar month in UTC, the unit every report covers: parsed strictly from
//! `YYYY-MM` at the edge, so code past the edge never re-checks it.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike as _, NaiveDate, TimeZone as _, Utc};

/// A calendar month, `[start, end)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

/// Why a month string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("month {given:?} is not a month; write it as YYYY-MM, e.g. 2026-10 ({why})")]
pub struct BadMonth {
    /// What was given.
    pub given: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl Month {
    /// The month holding `at`.
    pub fn of(at: DateTime<Utc>) -> Self {
        Self {
            year: at.year(),
            month: at.month(),
        }
    }

    /// The month before the one holding `now`: what the schedule reports on.
    pub fn previous(now: DateTime<Utc>) -> Self {
        Self::of(now).pred()
    }

    /// The month before this one.
    pub fn pred(self) -> Self {
        match self.month {
            1 => Self {
                year: self.year - 1,
                month: 12,
            },
            m => Self {
                year: self.year,
                month: m - 1,
            },
        }
    }

    /// The month after this one.
    pub fn succ(self) -> Self {
        match self.month {
            12 => Self {
                year: self.year + 1,
                month: 1,
            },
            m => Self {
                year: self.year,
                month: m + 1,
            },
        }
    }

    /// First instant of the month (inclusive).
    pub fn start(self) -> DateTime<Utc> {
        let date = NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default();
        Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
    }

    /// First instant of the next month (exclusive).
    pub fn end(self) -> DateTime<Utc> {
        self.succ().start()
    }

    /// Days in the month.
    pub fn days(self) -> u32 {
        u32::try_from((self.end() - self.start()).num_days()).unwrap_or(31)
    }

    /// True once the whole month lies before `now`.
    pub fn is_over(self, now: DateTime<Utc>) -> bool {
        now >= self.end()
    }
}

impl FromStr for Month {
    type Err = BadMonth;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why| BadMonth {
            given: s.chars().take(40).collect(),
            why,
        };
        let bytes = s.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return Err(bad(
                "expected 7 characters: 4-digit year, '-', 2-digit month",
            ));
        }
        let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
        if !digits(&bytes[..4]) || !digits(&bytes[5..]) {
            return Err(bad("year and month must be digits"));
        }
        let year: i32 = s[..4].parse().map_err(|_| bad("bad year"))?;
        let month: u32 = s[5..].parse().map_err(|_| bad("bad month"))?;
        if !(1..=12).contains(&month) {
            return Err(bad("the month must be 01 to 12"));
        }
        if year < 1970 {
            return Err(bad("the year must be 1970 or later"));
        }
        Ok(Self { year, month })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("timestamp")
    }

    #[test]
    fn parses_strictly_and_round_trips() {
        let month: Month = "2026-10".parse().expect("valid");
        assert_eq!(month.to_string(), "2026-10");
        assert_eq!(month.start(), at("2026-10-01T00:00:00Z"));
        assert_eq!(month.end(), at("2026-11-01T00:00:00Z"));
        assert_eq!(month.days(), 31);
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-10",
            "2026/10",
            "2026-10-01",
            "",
            "abcd-ef",
            "1969-12",
            "+202-10",
        ] {
            let err = bad.parse::<Month>().expect_err(bad);
            assert!(err.to_string().contains("YYYY-MM"), "{err}");
        }
    }

    #[test]
    fn the_previous_month_wraps_the_year() {
        assert_eq!(
            Month::previous(at("2026-11-21T12:00:00Z")).to_string(),
            "2026-10"
        );
        assert_eq!(
            Month::previous(at("2027-01-01T00:00:00Z")).to_string(),
            "2026-12"
        );
        assert_eq!("2024-02".parse::<Month>().expect("valid").days(), 29);
    }

    #[test]
    fn a_month_is_over_only_after_its_last_instant() {
        let month: Month = "2026-10".parse().expect("valid");
        assert!(!month.is_over(at("2026-10-31T23:59:59Z")));
        assert!(month.is_over(at("2026-11-01T00:00:00Z")));
    }
}
