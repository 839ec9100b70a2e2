//! Time as the realm sees it: a value the server passes in, never read from a clock here.
//!
//! The realm needs time for two things: call timeouts (deadlines) and the `created` dates the
//! meta API reports. One monotonic, wall-anchored millisecond count serves both; the server
//! layer builds it from its own clock and hands it over through
//! [`Realm::handle_timeout`](super::Realm::handle_timeout).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// The last millisecond RFC 3339 can write: 9999-12-31T23:59:59.999Z.
const LAST_WRITABLE_MILLIS: u64 = 253_402_300_799_999;

impl From<SystemTime> for Timestamp {
    /// Times before the UNIX epoch become the epoch.
    fn from(time: SystemTime) -> Timestamp {
        let millis = time
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        Timestamp(u64::try_from(millis).unwrap_or(u64::MAX))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Clamped, because humantime fails on years past 9999.
        let time = UNIX_EPOCH + Duration::from_millis(self.0.min(LAST_WRITABLE_MILLIS));
        humantime::format_rfc3339_millis(time).fmt(f)
    }
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
        assert_eq!(at(u64::MAX), "9999-12-31T23:59:59.999Z");
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
