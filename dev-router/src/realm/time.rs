//! Time as the realm sees it: a value the server passes in, never read from a clock here.
//!
//! The realm needs time for two things: call timeouts (deadlines) and the `created` dates the
//! meta API reports. One monotonic, wall-anchored millisecond count serves both; the server
//! layer builds it from its own clock and hands it over through
//! [`Realm::handle_timeout`](super::Realm::handle_timeout).

use std::fmt;

/// Milliseconds since the UNIX epoch (1970-01-01T00:00:00Z).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The UNIX epoch itself: where a realm's clock starts until the server sets it.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// `millis` milliseconds after the UNIX epoch.
    pub const fn from_millis(millis: u64) -> Timestamp {
        Timestamp(millis)
    }

    /// Milliseconds since the UNIX epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `millis` milliseconds later, saturating at the end of time.
    pub const fn plus_millis(self, millis: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis))
    }

    /// The time in RFC 3339 (ISO 8601) form with milliseconds, in UTC, as the meta API
    /// reports it: `2026-11-02T10:11:12.345Z`.
    pub fn rfc3339(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0 % 1000;
        let seconds = self.0 / 1000;
        let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )
    }
}

/// The proleptic Gregorian date `days` days after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01, so that leap days fall at the end of each year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_rfc3339_utc_with_milliseconds() {
        let at = |millis| Timestamp::from_millis(millis).rfc3339();
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(at(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(951_868_799_999), "2000-02-29T23:59:59.999Z");
        assert_eq!(at(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
        assert_eq!(at(1_704_067_199_000), "2023-12-31T23:59:59.000Z");
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Timestamp::from_millis(5);
        assert_eq!(t.plus_millis(10).as_millis(), 15);
        assert_eq!(
            Timestamp::from_millis(u64::MAX).plus_millis(1).as_millis(),
            u64::MAX
        );
        assert!(Timestamp::EPOCH < t);
    }
}
