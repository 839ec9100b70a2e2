//! CPU time and resident memory from `/proc`, for the router (a process and all its
//! descendants: Crossbar.io runs its router in a worker process under a controller) and for
//! the generator itself.
//!
//! [`Probe`] is what a workload sees: it marks the measured window ([`Probe::begin`],
//! [`Probe::end`]) and reads the router's memory on demand. A sampler thread records the
//! router's peak RSS every [`SAMPLE_INTERVAL`] in between.

use std::collections::HashMap;
use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the sampler reads the router's RSS.
const SAMPLE_INTERVAL: Duration = Duration::from_millis(100);

/// `(ppid, utime + stime in clock ticks)` from the text of `/proc/<pid>/stat`.
///
/// The command name (field 2) is in parentheses and may itself contain spaces and
/// parentheses, so fields are counted from the last `)`.
fn parse_stat(text: &str) -> Option<(u32, u64)> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(3) ppid(4) ... utime(14) stime(15), so index = field - 3.
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

/// `VmRSS` in bytes from the text of `/proc/<pid>/status`.
fn parse_rss(text: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

fn stat(pid: u32) -> Option<(u32, u64)> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn rss(pid: u32) -> Option<u64> {
    parse_rss(&fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// Clock ticks per second, the unit of CPU times in `/proc/<pid>/stat`.
fn ticks_per_second() -> f64 {
    match rustix::param::clock_ticks_per_second() {
        0 => 100.0,
        ticks => ticks as f64,
    }
}

/// `pid` and every process below it.
fn tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            if let Some((ppid, _)) = stat(pid) {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut pids = vec![root];
    let mut next = 0;
    while let Some(&pid) = pids.get(next) {
        pids.extend(children.get(&pid).into_iter().flatten());
        next += 1;
    }
    pids
}

/// CPU ticks used so far by `root` and its descendants (those alive now).
fn tree_ticks(root: u32) -> u64 {
    tree(root)
        .into_iter()
        .filter_map(stat)
        .map(|(_, t)| t)
        .sum()
}

/// Resident memory of `root` and its descendants, in bytes; `None` once `root` is gone.
fn tree_rss(root: u32) -> Option<u64> {
    let pids = tree(root);
    let root_rss = rss(root)?;
    Some(root_rss + pids.into_iter().skip(1).filter_map(rss).sum::<u64>())
}

/// CPU ticks used so far by this process.
fn own_ticks() -> u64 {
    fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|text| parse_stat(&text))
        .map_or(0, |(_, ticks)| ticks)
}

/// What the router and the generator used during one measured window.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Resources {
    /// Router CPU, in percent of one core (up to 100 × cores).
    pub(crate) router_cpu: Option<f64>,
    /// Router peak RSS during the window, in bytes.
    pub(crate) router_rss_peak: Option<u64>,
    /// Generator CPU, in percent of one core.
    pub(crate) generator_cpu: f64,
}

/// The start of a measured window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    at: Instant,
    router_ticks: Option<u64>,
    own_ticks: u64,
}

struct Sampler {
    root: u32,
    peak: AtomicU64,
    stop: AtomicBool,
}

/// Measures the router (when its pid is known) and the generator.
pub(crate) struct Probe {
    sampler: Option<(Arc<Sampler>, JoinHandle<()>)>,
    ticks_per_second: f64,
}

impl Probe {
    /// A probe for the router process `pid` (and its children), or only for the generator.
    pub(crate) fn new(pid: Option<u32>) -> Probe {
        let sampler = pid.map(|root| {
            let sampler = Arc::new(Sampler {
                root,
                peak: AtomicU64::new(0),
                stop: AtomicBool::new(false),
            });
            let shared = sampler.clone();
            let thread = std::thread::spawn(move || {
                while !shared.stop.load(Ordering::Relaxed) {
                    if let Some(rss) = tree_rss(shared.root) {
                        shared.peak.fetch_max(rss, Ordering::Relaxed);
                    }
                    std::thread::sleep(SAMPLE_INTERVAL);
                }
            });
            (sampler, thread)
        });
        Probe {
            sampler,
            ticks_per_second: ticks_per_second(),
        }
    }

    /// The router's RSS now, in bytes.
    pub(crate) fn router_rss(&self) -> Option<u64> {
        self.sampler
            .as_ref()
            .and_then(|(sampler, _)| tree_rss(sampler.root))
    }

    /// Starts a measured window: CPU counters now, and the peak RSS starts again from the
    /// current RSS.
    pub(crate) fn begin(&self) -> Window {
        let router_ticks = self.sampler.as_ref().map(|(sampler, _)| {
            sampler
                .peak
                .store(tree_rss(sampler.root).unwrap_or(0), Ordering::Relaxed);
            tree_ticks(sampler.root)
        });
        Window {
            at: Instant::now(),
            router_ticks,
            own_ticks: own_ticks(),
        }
    }

    /// Ends the window started by `window`.
    pub(crate) fn end(&self, window: &Window) -> Resources {
        let seconds = window.at.elapsed().as_secs_f64().max(1e-9);
        let percent = |ticks: u64| ticks as f64 / self.ticks_per_second / seconds * 100.0;
        let router = self.sampler.as_ref().map(|(sampler, _)| {
            let now = tree_rss(sampler.root).unwrap_or(0);
            let peak = sampler.peak.fetch_max(now, Ordering::Relaxed).max(now);
            let ticks = tree_ticks(sampler.root);
            (
                percent(ticks.saturating_sub(window.router_ticks.unwrap_or(ticks))),
                peak,
            )
        });
        Resources {
            router_cpu: router.map(|(cpu, _)| cpu),
            router_rss_peak: router.map(|(_, peak)| peak),
            generator_cpu: percent(own_ticks().saturating_sub(window.own_ticks)),
        }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        if let Some((sampler, thread)) = self.sampler.take() {
            sampler.stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_count_from_the_last_parenthesis() {
        let text = "4242 (tricky) name)) S 17 4242 4242 0 -1 4194560 1200 0 0 0 \
                    250 75 0 0 20 0 3 0 12345 1000000 500 18446744073709551615";
        assert_eq!(parse_stat(text), Some((17, 325)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn rss_is_read_from_status() {
        let text = "Name:\tdev-router\nVmPeak:\t  20000 kB\nVmRSS:\t    1536 kB\nThreads:\t3\n";
        assert_eq!(parse_rss(text), Some(1536 * 1024));
        assert_eq!(parse_rss("Name: x\n"), None);
    }

    #[test]
    fn this_process_is_measurable() {
        let pid = std::process::id();
        assert!(tree(pid).contains(&pid));
        assert!(tree_rss(pid).is_some_and(|rss| rss > 0));
        let probe = Probe::new(Some(pid));
        let window = probe.begin();
        let resources = probe.end(&window);
        assert!(resources.router_cpu.is_some());
        assert!(resources.router_rss_peak.is_some_and(|rss| rss > 0));
    }
}
