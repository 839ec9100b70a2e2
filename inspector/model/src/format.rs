//! Times, sizes and durations as people read them in a dense table.

/// `HH:MM:SS.mmm` of a Unix time in milliseconds, shifted by `offset_minutes` (east of UTC
/// positive; the browser gives the negation of `Date.getTimezoneOffset()`).
pub fn clock_millis(time_ms: f64, offset_minutes: i32) -> String {
    if !time_ms.is_finite() {
        return "--:--:--.---".to_owned();
    }
    let local = time_ms as i64 + i64::from(offset_minutes) * 60_000;
    let day_ms = local.rem_euclid(86_400_000);
    let (hours, rest) = (day_ms / 3_600_000, day_ms % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, millis) = (rest / 1000, rest % 1000);
    format!("{hours:02}:{minutes:02}:{seconds:02}.{millis:03}")
}

/// `HH:MM:SS` of a Unix time in milliseconds, shifted by `offset_minutes`.
pub fn clock(time_ms: f64, offset_minutes: i32) -> String {
    let mut text = clock_millis(time_ms, offset_minutes);
    text.truncate(8);
    text
}

/// `512 B`, `1.5 KB`, `12 KB`, `3.4 MB`.
pub fn bytes(count: u64) -> String {
    const KB: f64 = 1024.0;
    let value = count as f64;
    if count < 1024 {
        format!("{count} B")
    } else if value < 10.0 * KB {
        format!("{:.1} KB", value / KB)
    } else if value < KB * KB {
        format!("{:.0} KB", value / KB)
    } else {
        format!("{:.1} MB", value / (KB * KB))
    }
}

/// `0.42 ms`, `12.3 ms`, `250 ms`, `1.25 s`.
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        "—".to_owned()
    } else if ms < 1.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// How long ago: `4 s`, `12 min`, `3 h`, `2 d`.
pub fn age(since_ms: f64, now_ms: f64) -> String {
    let seconds = ((now_ms - since_ms) / 1000.0).max(0.0) as u64;
    if seconds < 60 {
        format!("{seconds} s")
    } else if seconds < 3600 {
        format!("{} min", seconds / 60)
    } else if seconds < 86_400 {
        format!("{} h", seconds / 3600)
    } else {
        format!("{} d", seconds / 86_400)
    }
}

/// A count with thin grouping: `1 234 567`.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(digit);
    }
    out
}

/// Unix milliseconds of an RFC 3339 time such as `2026-11-23T06:12:34.123Z` or
/// `2026-11-23T07:12:34+01:00`; `None` if it is not one.
pub fn parse_rfc3339(text: &str) -> Option<f64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: u32 = date_parts.next()?.parse().ok()?;
    let day: u32 = date_parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // The offset: `Z`, or `+HH:MM` / `-HH:MM` after the seconds.
    let (clock, offset_minutes) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0i64)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset[1..].split_once(':')?;
        let minutes = hours.parse::<i64>().ok()? * 60 + minutes.parse::<i64>().ok()?;
        (clock, sign * minutes)
    };
    let mut clock_parts = clock.splitn(3, ':');
    let hours: i64 = clock_parts.next()?.parse().ok()?;
    let minutes: i64 = clock_parts.next()?.parse().ok()?;
    let seconds: f64 = clock_parts.next()?.parse().ok()?;
    let days = days_from_civil(year, month, day);
    let total_seconds = days as f64 * 86_400.0
        + (hours * 3600 + minutes * 60 - offset_minutes * 60) as f64
        + seconds;
    Some(total_seconds * 1000.0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert_eq!(clock_millis(0.0, 0), "00:00:00.000");
        assert_eq!(clock_millis(3_723_004.0, 0), "01:02:03.004");
        assert_eq!(clock_millis(3_723_004.0, 60), "02:02:03.004");
        assert_eq!(clock_millis(0.0, -30), "23:30:00.000");
        assert_eq!(clock(3_723_004.0, 0), "01:02:03");
        assert_eq!(clock_millis(f64::NAN, 0), "--:--:--.---");
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KB");
        assert_eq!(bytes(20 * 1024), "20 KB");
        assert_eq!(bytes(3 * 1024 * 1024 + 400 * 1024), "3.4 MB");
        assert_eq!(duration_ms(0.4213), "0.42 ms");
        assert_eq!(duration_ms(12.34), "12.3 ms");
        assert_eq!(duration_ms(250.2), "250 ms");
        assert_eq!(duration_ms(1250.0), "1.25 s");
        assert_eq!(age(0.0, 4_500.0), "4 s");
        assert_eq!(age(0.0, 12.5 * 60_000.0), "12 min");
        assert_eq!(count(1_234_567), "1\u{2009}234\u{2009}567");
        assert_eq!(count(123), "123");
    }

    #[test]
    fn rfc3339_times_parse() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("1970-01-02T00:00:01.5Z"), Some(86_401_500.0));
        assert_eq!(
            parse_rfc3339("2000-03-01T01:00:00+01:00"),
            parse_rfc3339("2000-03-01T00:00:00Z")
        );
        assert_eq!(
            parse_rfc3339("2026-11-23T06:12:34.123Z"),
            Some(1_795_414_354_123.0)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
    }
}
