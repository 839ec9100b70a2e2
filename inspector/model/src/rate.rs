//! Messages per second over the last minute, for the sparkline.

use std::collections::VecDeque;

/// Counts per whole second, for the last `window` seconds.
#[derive(Debug, Clone)]
pub struct RateMeter {
    window: usize,
    /// `(second, count)`, seconds ascending.
    buckets: VecDeque<(i64, u64)>,
    /// The second counting started: the series does not reach back before it.
    started: Option<i64>,
}

impl RateMeter {
    /// A meter remembering `window` seconds (at least 2).
    pub fn new(window: usize) -> Self {
        RateMeter {
            window: window.max(2),
            buckets: VecDeque::new(),
            started: None,
        }
    }

    /// Starts counting at `now_ms` (if not started yet): the series begins there.
    pub fn start(&mut self, now_ms: f64) {
        if self.started.is_none() && now_ms.is_finite() {
            self.started = Some((now_ms / 1000.0).floor() as i64);
        }
    }

    /// Counts `count` messages at `time_ms` (Unix ms). Times older than the window are
    /// ignored; a time before the newest bucket is counted in its own second if still kept.
    pub fn add(&mut self, time_ms: f64, count: u64) {
        self.start(time_ms);
        if count == 0 || !time_ms.is_finite() {
            return;
        }
        let second = (time_ms / 1000.0).floor() as i64;
        match self.buckets.back_mut() {
            Some((last, total)) if *last == second => *total += count,
            Some((last, _)) if *last > second => {
                if let Some(bucket) = self.buckets.iter_mut().find(|(s, _)| *s == second) {
                    bucket.1 += count;
                }
            }
            _ => self.buckets.push_back((second, count)),
        }
        let oldest = second - self.window as i64;
        while self.buckets.front().is_some_and(|(s, _)| *s <= oldest) {
            self.buckets.pop_front();
        }
    }

    /// Forgets everything, including when counting started.
    pub fn clear(&mut self) {
        self.buckets.clear();
        self.started = None;
    }

    /// The counts of the last `window` complete seconds before `now_ms` (but not before
    /// counting started), oldest first, zeros where nothing was counted.
    pub fn series(&self, now_ms: f64) -> Vec<u64> {
        let current = (now_ms / 1000.0).floor() as i64;
        let first =
            (current - self.window as i64).max(self.started.unwrap_or(i64::MIN).min(current - 2));
        (first..current)
            .map(|second| {
                self.buckets
                    .iter()
                    .find(|(s, _)| *s == second)
                    .map_or(0, |(_, count)| *count)
            })
            .collect()
    }

    /// Messages in the last complete second before `now_ms`.
    pub fn last_second(&self, now_ms: f64) -> u64 {
        self.series(now_ms).last().copied().unwrap_or(0)
    }
}

/// The SVG path (`M x y L x y ...`) of `series` drawn in a `width` × `height` box, scaled
/// so that its largest value (at least `min_peak`) touches the top.
pub fn sparkline_path(series: &[u64], width: f64, height: f64, min_peak: u64) -> String {
    if series.is_empty() {
        return String::new();
    }
    let peak = series
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(min_peak)
        .max(1) as f64;
    let step = if series.len() > 1 {
        width / (series.len() - 1) as f64
    } else {
        0.0
    };
    let mut path = String::with_capacity(series.len() * 14);
    for (i, value) in series.iter().enumerate() {
        let x = i as f64 * step;
        let y = height - (*value as f64 / peak) * height;
        path.push_str(if i == 0 { "M" } else { " L" });
        path.push_str(&format!("{x:.1} {y:.1}"));
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_second() {
        let mut meter = RateMeter::new(5);
        meter.start(0.0);
        meter.add(10_100.0, 3);
        meter.add(10_900.0, 2);
        meter.add(12_000.0, 7);
        meter.add(11_500.0, 0);
        assert_eq!(meter.series(13_500.0), vec![0, 0, 5, 0, 7]);
        assert_eq!(meter.last_second(13_500.0), 7);
        assert_eq!(meter.last_second(14_000.0), 0);
    }

    #[test]
    fn late_counts_land_in_their_second_and_old_ones_expire() {
        let mut meter = RateMeter::new(3);
        meter.start(0.0);
        meter.add(1_000.0, 1);
        meter.add(2_000.0, 1);
        meter.add(1_500.0, 4);
        assert_eq!(meter.series(3_000.0), vec![0, 5, 1]);
        meter.add(9_000.0, 1);
        assert_eq!(meter.series(10_000.0), vec![0, 0, 1]);
        meter.clear();
        meter.start(8_500.0);
        assert_eq!(
            meter.series(10_000.0),
            vec![0, 0],
            "not before the start (at least 2)"
        );
    }

    #[test]
    fn sparkline_paths_scale_to_the_box() {
        assert_eq!(sparkline_path(&[], 100.0, 20.0, 1), "");
        assert_eq!(
            sparkline_path(&[0, 5, 10], 100.0, 20.0, 1),
            "M0.0 20.0 L50.0 10.0 L100.0 0.0"
        );
        assert_eq!(
            sparkline_path(&[0, 1], 10.0, 10.0, 4),
            "M0.0 10.0 L10.0 7.5",
            "a small peak is not stretched to the top"
        );
    }
}
