//! What a workload measured ([`Measurement`]), and the side-by-side table.

use std::fmt::Write as _;

use hdrhistogram::Histogram;

use crate::procstat::Resources;

/// Which way is better, for the ratio column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Better {
    Higher,
    Lower,
    /// No ratio (e.g. CPU use, counts that must be equal).
    Neither,
}

/// How to print a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    PerSecond,
    Micros,
    Count,
    Percent,
    Bytes,
}

/// One figure.
#[derive(Debug, Clone)]
pub(crate) struct Metric {
    pub(crate) name: String,
    pub(crate) value: f64,
    pub(crate) unit: Unit,
    pub(crate) better: Better,
}

/// What one workload measured against one router.
#[derive(Debug, Clone, Default)]
pub(crate) struct Measurement {
    pub(crate) metrics: Vec<Metric>,
    /// Correctness failures: counts that do not add up, lost events without a cut, errors.
    pub(crate) problems: Vec<String>,
    /// Things worth knowing that are not failures by themselves (e.g. slow-consumer cuts).
    pub(crate) notes: Vec<String>,
}

impl Measurement {
    pub(crate) fn push(&mut self, name: &str, value: f64, unit: Unit, better: Better) {
        self.metrics.push(Metric {
            name: name.to_owned(),
            value,
            unit,
            better,
        });
    }

    /// p50, p99 and p99.9 of a latency histogram in microseconds; nothing if it is empty.
    pub(crate) fn push_latency(&mut self, histogram: &Histogram<u64>, tail: bool) {
        if histogram.is_empty() {
            return;
        }
        let mut quantiles = vec![("p50", 0.5), ("p99", 0.99)];
        if tail {
            quantiles.push(("p99.9", 0.999));
        }
        for (name, quantile) in quantiles {
            let micros = histogram.value_at_quantile(quantile) as f64;
            self.push(name, micros, Unit::Micros, Better::Lower);
        }
    }

    /// Router CPU and peak RSS, and the generator's CPU, for the measured window.
    pub(crate) fn push_resources(&mut self, resources: &Resources) {
        if let Some(cpu) = resources.router_cpu {
            self.push("router CPU", cpu, Unit::Percent, Better::Neither);
        }
        if let Some(rss) = resources.router_rss_peak {
            self.push("router RSS (peak)", rss as f64, Unit::Bytes, Better::Lower);
        }
        self.push(
            "generator CPU",
            resources.generator_cpu,
            Unit::Percent,
            Better::Neither,
        );
    }

    pub(crate) fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|metric| metric.name == name)
    }
}

/// `12,345`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A value in its unit, rounded to what the measurement supports.
pub(crate) fn format_value(value: f64, unit: Unit) -> String {
    match unit {
        Unit::PerSecond => format!("{}/s", thousands(value.round() as u64)),
        Unit::Count => thousands(value.round() as u64),
        Unit::Micros if value >= 10_000.0 => format!("{:.1} ms", value / 1000.0),
        Unit::Micros if value >= 1000.0 => format!("{:.2} ms", value / 1000.0),
        Unit::Micros => format!("{} µs", value.round() as u64),
        Unit::Percent => format!("{value:.0}%"),
        Unit::Bytes if value >= 1024.0 * 1024.0 => {
            format!("{:.1} MiB", value / (1024.0 * 1024.0))
        }
        Unit::Bytes => format!("{:.1} KiB", value / 1024.0),
    }
}

/// How many times better `ours` is than `reference`: `12.3x`; `<` 1 means worse.
fn ratio(ours: &Metric, reference: &Metric) -> String {
    let (better, worse) = match ours.better {
        Better::Higher => (ours.value, reference.value),
        Better::Lower => (reference.value, ours.value),
        Better::Neither => return String::new(),
    };
    if worse <= 0.0 || better <= 0.0 {
        return String::new();
    }
    let factor = better / worse;
    if factor >= 10.0 {
        format!("{factor:.0}x")
    } else {
        format!("{factor:.2}x")
    }
}

/// One row of the plan: a workload's title, and what each router gave (or why not).
pub(crate) struct Row<'a> {
    pub(crate) title: &'a str,
    pub(crate) results: Vec<Option<&'a Result<Measurement, String>>>,
}

/// The table in Markdown: `workload | metric | router... | ratio`. The ratio, present with
/// two routers, is how many times better the first is than the second (higher throughput,
/// lower latency or memory).
pub(crate) fn table(routers: &[&str], rows: &[Row<'_>]) -> String {
    let mut out = String::new();
    let _ = write!(out, "| workload | metric |");
    for router in routers {
        let _ = write!(out, " {router} |");
    }
    if routers.len() == 2 {
        let _ = write!(out, " ratio |");
    }
    out.push('\n');
    out.push_str("|---|---|");
    for _ in routers {
        out.push_str("---:|");
    }
    if routers.len() == 2 {
        out.push_str("---:|");
    }
    out.push('\n');

    for row in rows {
        // Metric names in the order the first successful measurement gives them.
        let mut names: Vec<&str> = Vec::new();
        for measurement in row.results.iter().flatten().copied().flatten() {
            for metric in &measurement.metrics {
                if !names.contains(&metric.name.as_str()) {
                    names.push(&metric.name);
                }
            }
        }
        if names.is_empty() {
            names.push("");
        }
        for (index, name) in names.iter().enumerate() {
            let title = if index == 0 { row.title } else { "" };
            let _ = write!(out, "| {title} | {name} |");
            let mut found = Vec::new();
            for result in &row.results {
                let cell = match result {
                    None => "not run".to_owned(),
                    Some(Err(error)) if index == 0 => format!("failed: {}", short(error)),
                    Some(Err(_)) => String::new(),
                    Some(Ok(measurement)) => match measurement.metric(name) {
                        Some(metric) => {
                            found.push(Some(metric));
                            format_value(metric.value, metric.unit)
                        }
                        None => {
                            found.push(None);
                            String::new()
                        }
                    },
                };
                let _ = write!(out, " {cell} |");
            }
            if routers.len() == 2 {
                let cell = match found.as_slice() {
                    [Some(ours), Some(reference)] => ratio(ours, reference),
                    _ => String::new(),
                };
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
    }
    out
}

/// The first line of an error, shortened for a table cell.
fn short(error: &str) -> String {
    let line = error.lines().next().unwrap_or_default().replace('|', "/");
    if line.chars().count() > 80 {
        let cut: String = line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measurement(calls: f64, p50: f64) -> Measurement {
        let mut measurement = Measurement::default();
        measurement.push("calls", calls, Unit::PerSecond, Better::Higher);
        measurement.push("p50", p50, Unit::Micros, Better::Lower);
        measurement
    }

    #[test]
    fn values_are_printed_in_their_units() {
        assert_eq!(format_value(1234567.4, Unit::PerSecond), "1,234,567/s");
        assert_eq!(format_value(950.2, Unit::Micros), "950 µs");
        assert_eq!(format_value(1_234.0, Unit::Micros), "1.23 ms");
        assert_eq!(format_value(12_500.0, Unit::Micros), "12.5 ms");
        assert_eq!(format_value(3.0 * 1024.0 * 1024.0, Unit::Bytes), "3.0 MiB");
        assert_eq!(format_value(99.6, Unit::Percent), "100%");
        assert_eq!(format_value(0.0, Unit::Count), "0");
    }

    #[test]
    fn the_ratio_says_how_many_times_better_the_first_router_is() {
        let ours = Ok(measurement(50_000.0, 40.0));
        let reference = Ok(measurement(1_000.0, 1_000.0));
        let rows = [Row {
            title: "RPC",
            results: vec![Some(&ours), Some(&reference)],
        }];
        let table = table(&["dev-router", "Crossbar"], &rows);
        assert!(
            table.contains("| RPC | calls | 50,000/s | 1,000/s | 50x |"),
            "{table}"
        );
        assert!(
            table.contains("|  | p50 | 40 µs | 1.00 ms | 25x |"),
            "{table}"
        );
    }

    #[test]
    fn failures_and_missing_runs_show_in_the_table() {
        let failed: Result<Measurement, String> = Err("timed out | twice\nmore".to_owned());
        let rows = [Row {
            title: "fan-out",
            results: vec![Some(&failed), None],
        }];
        let table = table(&["dev-router", "Crossbar"], &rows);
        assert!(
            table.contains("failed: timed out / twice | not run"),
            "{table}"
        );
    }
}
