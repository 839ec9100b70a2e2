//! The suite: every workload against the dev-router, then against Crossbar.io, and one
//! table with both and the ratio.
//!
//! The routers never run together: each workload runs against each router in turn, and
//! every run gets a freshly started router, stopped after it. A workload that fails is
//! reported in the table and the suite goes on.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use wamp_proto::Serializer;
use wamp_proto::batch::Subprotocol;

use crate::floor::{self, Floor};
use crate::peer::Target;
use crate::procstat::Probe;
use crate::report::{self, Better, Measurement, Row, Unit};
use crate::router::{RouterKind, RouterProcess};
use crate::workload::{self, Rate, Timing, Workload};

/// What `wamp-bench suite` was asked to do.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// A few seconds of every workload, dev-router only, asserting correctness.
    pub(crate) smoke: bool,
    /// The dev-router binary.
    pub(crate) dev_router: PathBuf,
    /// The `crossbar` script of a venv, to measure the reference too.
    pub(crate) crossbar: Option<PathBuf>,
    pub(crate) timing: Timing,
    /// Where to write the Markdown results.
    pub(crate) output: Option<PathBuf>,
    /// Logs and Crossbar.io's node directory.
    pub(crate) work_dir: PathBuf,
    /// Run only the workloads whose title contains one of these.
    pub(crate) only: Vec<String>,
    /// Runs of each workload against each router; the table shows the median.
    pub(crate) repeat: usize,
    /// Pin the routers to CPU 0 (the generator pinned itself to CPU 1).
    pub(crate) pin: bool,
    /// The command line, for the results file.
    pub(crate) command: String,
}

/// One workload with its subprotocol.
#[derive(Debug, Clone, Copy)]
struct Case {
    workload: Workload,
    protocol: Subprotocol,
}

impl Case {
    fn title(&self) -> String {
        self.workload.title(self.protocol)
    }
}

/// The publisher's window at max rate, whatever the number of subscribers: no subscriber
/// has more than 256 events queued (a quarter of the dev-router's queue, so nobody is cut
/// off). It once shrank with the number of subscribers (8 at 1,000), which made the run
/// measure the round trip to the slowest of them, not throughput: 170,000 events/s at max
/// rate while 1,000 publishes/s delivered a million.
const MAX_RATE_WINDOW: u32 = 256;

fn plan(smoke: bool) -> Vec<Case> {
    const JSON: Subprotocol = Subprotocol::single(Serializer::Json);
    const MSGPACK: Subprotocol = Subprotocol::single(Serializer::MsgPack);
    const CBOR: Subprotocol = Subprotocol::single(Serializer::Cbor);
    const JSON_BATCHED: Subprotocol = Subprotocol::batched(Serializer::Json);
    const MSGPACK_BATCHED: Subprotocol = Subprotocol::batched(Serializer::MsgPack);
    let rpc = |callers, in_flight, protocol| Case {
        workload: Workload::Rpc { callers, in_flight },
        protocol,
    };
    let max = |subscribers, protocol| Case {
        workload: Workload::Fanout {
            subscribers,
            rate: Rate::Max {
                window: MAX_RATE_WINDOW,
            },
        },
        protocol,
    };
    let fixed = |subscribers, rate, protocol| Case {
        workload: Workload::Fanout {
            subscribers,
            rate: Rate::PerSecond(rate),
        },
        protocol,
    };
    let sessions = |count| Case {
        workload: Workload::Sessions { count },
        protocol: JSON,
    };
    if smoke {
        // Every workload and every serializer once, small.
        return vec![
            sessions(1000),
            rpc(1, 1, JSON),
            rpc(8, 16, MSGPACK),
            rpc(8, 4, CBOR),
            rpc(8, 16, JSON_BATCHED),
            max(100, JSON),
            max(10, MSGPACK),
            max(100, MSGPACK_BATCHED),
            fixed(100, 1000, CBOR),
        ];
    }
    let mut plan = vec![sessions(1000), sessions(5000), sessions(10_000)];
    for protocol in [JSON, MSGPACK, CBOR] {
        plan.push(rpc(1, 1, protocol));
    }
    for protocol in [JSON, MSGPACK, CBOR] {
        plan.push(rpc(8, 16, protocol));
    }
    for in_flight in [1, 4, 64] {
        plan.push(rpc(8, in_flight, JSON));
    }
    for subscribers in [10, 100, 1000] {
        plan.push(max(subscribers, JSON));
    }
    for subscribers in [10, 100, 1000] {
        plan.push(fixed(subscribers, 1000, JSON));
    }
    // The same over the batched subprotocols (several WAMP messages per WebSocket message,
    // both routers speak them): what the cost per WebSocket message is.
    for protocol in [JSON_BATCHED, MSGPACK_BATCHED] {
        plan.push(rpc(8, 16, protocol));
    }
    for subscribers in [10, 100, 1000] {
        plan.push(max(subscribers, JSON_BATCHED));
    }
    plan.push(fixed(1000, 1000, JSON_BATCHED));
    plan
}

/// Runs the suite; returns whether it passed: no failed run and no problem (a count that
/// does not add up) with the dev-router, and in smoke mode no note either (no cut-off).
///
/// # Errors
/// If a router cannot be started, or the results cannot be written.
pub(crate) async fn run(options: &Options) -> Result<bool> {
    let plan: Vec<Case> = plan(options.smoke)
        .into_iter()
        .filter(|case| {
            options.only.is_empty() || options.only.iter().any(|only| case.title().contains(only))
        })
        .collect();
    let mut kinds = vec![RouterKind::DevRouter];
    if options.crossbar.is_some() && !options.smoke {
        kinds.push(RouterKind::Crossbar);
    }
    let load_before = load_average();
    let started = SystemTime::now();
    // Blocking sockets, on a thread of their own.
    let pin = options.pin;
    // As many sockets as the largest fan-out has subscribers.
    let subscribers = plan
        .iter()
        .filter_map(|case| match case.workload {
            Workload::Fanout { subscribers, .. } => Some(subscribers),
            _ => None,
        })
        .max()
        .unwrap_or(10);
    let floor = tokio::task::spawn_blocking(move || floor::measure(pin, subscribers))
        .await
        .context("the floor measurement stopped")??;
    for line in floor_lines(&floor) {
        println!("{line}");
    }

    let mut columns = Vec::new();
    for &kind in &kinds {
        columns.push(Column {
            idle: Ok(idle(options, kind).await?),
            results: Vec::new(),
        });
    }
    // Each workload against every router in turn, so that both meet about the same
    // background load on a shared machine.
    for case in &plan {
        let mut runs: Vec<Vec<Result<Measurement, String>>> =
            kinds.iter().map(|_| Vec::new()).collect();
        for _ in 0..options.repeat.max(1) {
            for (runs, &kind) in runs.iter_mut().zip(&kinds) {
                runs.push(run_logged(options, kind, case).await);
            }
        }
        for (column, runs) in columns.iter_mut().zip(runs) {
            column.results.push(median(runs));
        }
    }

    // The table: idle memory first, then the plan in order.
    let routers: Vec<&str> = kinds.iter().map(|kind| kind.name()).collect();
    let titles: Vec<String> = plan.iter().map(Case::title).collect();
    let mut rows = vec![Row {
        title: "idle (just started)",
        results: columns.iter().map(|column| Some(&column.idle)).collect(),
    }];
    for (index, title) in titles.iter().enumerate() {
        rows.push(Row {
            title,
            results: columns
                .iter()
                .map(|column| column.results.get(index))
                .collect(),
        });
    }
    let table = report::table(&routers, &rows);

    // A failure of ours fails the run; the reference's is only reported.
    let mut findings = String::new();
    let mut passed = true;
    for (column, &kind) in columns.iter().zip(&kinds) {
        let ours = kind == RouterKind::DevRouter;
        for (result, title) in column.results.iter().zip(&titles) {
            match result {
                Err(error) => {
                    passed &= !ours;
                    let _ = writeln!(findings, "- {} / {title}: failed: {error}", kind.name());
                }
                Ok(measurement) => {
                    for problem in &measurement.problems {
                        passed &= !ours;
                        let _ =
                            writeln!(findings, "- {} / {title}: PROBLEM: {problem}", kind.name());
                    }
                    for note in &measurement.notes {
                        // In smoke mode nothing may be cut off: the window prevents it.
                        passed &= !options.smoke;
                        let _ = writeln!(findings, "- {} / {title}: note: {note}", kind.name());
                    }
                }
            }
        }
    }

    let document = document(
        options,
        &table,
        &findings,
        load_before,
        started,
        &routers,
        floor,
    );
    println!("\n{document}");
    if let Some(output) = &options.output {
        if let Some(parent) = output.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(output, &document).with_context(|| format!("writing {}", output.display()))?;
        println!("written to {}", output.display());
    }
    Ok(passed)
}

/// What one router gave.
struct Column {
    idle: Result<Measurement, String>,
    results: Vec<Result<Measurement, String>>,
}

/// Starts `kind` and waits until it listens.
async fn start(options: &Options, kind: RouterKind) -> Result<RouterProcess> {
    let cpu = options.pin.then_some(0);
    let dir = &options.work_dir;
    let mut process = match (kind, &options.crossbar) {
        (RouterKind::DevRouter, _) => RouterProcess::dev_router(&options.dev_router, dir, cpu)?,
        (RouterKind::Crossbar, Some(crossbar)) => RouterProcess::crossbar(crossbar, dir, cpu)?,
        (RouterKind::Crossbar, None) => anyhow::bail!("no crossbar script given"),
    };
    process.ready().await?;
    Ok(process)
}

/// Of several runs of one workload against one router, the one with the median of the
/// first figure (the rate); every problem and note of every run is kept; a failed run
/// makes the result a failure.
fn median(runs: Vec<Result<Measurement, String>>) -> Result<Measurement, String> {
    let mut measurements = Vec::new();
    for run in runs {
        measurements.push(run?);
    }
    let problems: Vec<String> = measurements
        .iter()
        .flat_map(|m| m.problems.iter().cloned())
        .collect();
    let notes: Vec<String> = measurements
        .iter()
        .flat_map(|m| m.notes.iter().cloned())
        .collect();
    let rate = |m: &Measurement| m.metrics.first().map_or(0.0, |metric| metric.value);
    measurements.sort_by(|a, b| rate(a).total_cmp(&rate(b)));
    let middle = measurements.len() / 2;
    let mut chosen = measurements
        .into_iter()
        .nth(middle)
        .ok_or_else(|| "no run".to_owned())?;
    chosen.problems = problems;
    chosen.notes = notes;
    Ok(chosen)
}

/// The router's memory right after it started, with nothing connected.
async fn idle(options: &Options, kind: RouterKind) -> Result<Measurement> {
    println!("\n==> {}", kind.name());
    let process = start(options, kind).await?;
    println!(
        "{} pid {} at {} (log: {})",
        kind.name(),
        process.pid(),
        process.url(),
        process.log().display()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut idle = Measurement::default();
    if let Some(rss) = Probe::new(Some(process.pid())).router_rss() {
        idle.push("router RSS", rss as f64, Unit::Bytes, Better::Lower);
    }
    process.stop();
    Ok(idle)
}

/// [`run_case`], with a line of figures (or the failure) on the terminal.
async fn run_logged(
    options: &Options,
    kind: RouterKind,
    case: &Case,
) -> Result<Measurement, String> {
    println!("--- {}: {}", kind.name(), case.title());
    let result = run_case(options, kind, case)
        .await
        .map_err(|error| format!("{error:#}"));
    match &result {
        Ok(measurement) => {
            let figures: Vec<String> = measurement
                .metrics
                .iter()
                .map(|metric| {
                    format!(
                        "{} {}",
                        metric.name,
                        report::format_value(metric.value, metric.unit)
                    )
                })
                .collect();
            println!("    {}", figures.join(", "));
            for problem in &measurement.problems {
                println!("    PROBLEM: {problem}");
            }
            for note in &measurement.notes {
                println!("    note: {note}");
            }
        }
        Err(error) => println!("    FAILED: {error}"),
    }
    result
}

/// One case against a router started for it, and stopped after it.
async fn run_case(options: &Options, kind: RouterKind, case: &Case) -> Result<Measurement> {
    let mut process = start(options, kind).await?;
    let probe = Probe::new(Some(process.pid()));
    // Let a router that just started settle (Crossbar.io finishes starting its realm).
    tokio::time::sleep(Duration::from_millis(if options.smoke { 100 } else { 500 })).await;
    let target = Target {
        url: process.url().to_owned(),
        realm: "realm1".to_owned(),
        serializer: case.protocol.serializer,
        batched: case.protocol.batched,
    };
    let result = workload::run(&target, case.workload, &options.timing, &probe).await;
    if result.is_err() && !process.is_running() {
        anyhow::bail!(
            "{} died during the run; see {}",
            kind.name(),
            process.log().display()
        );
    }
    drop(probe);
    process.stop();
    result
}

/// The Markdown results: context, the table, the findings.
fn document(
    options: &Options,
    table: &str,
    findings: &str,
    load_before: String,
    started: SystemTime,
    routers: &[&str],
    floor: Floor,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# wamp-bench results\n");
    let _ = writeln!(out, "- run: {} UTC", utc(started));
    let _ = writeln!(out, "- machine: {}", machine());
    let _ = writeln!(
        out,
        "- load average (1, 5, 15 min): {load_before} before, {} after",
        load_average()
    );
    let _ = writeln!(
        out,
        "- the load generator runs on the same machine as the router{}",
        if options.pin {
            ", pinned: router on CPU 0, generator on CPU 1"
        } else {
            ", sharing all cores with it (not pinned)"
        }
    );
    let timing = &options.timing;
    let _ = writeln!(
        out,
        "- each workload: {:.1} s warm-up, {:.1} s measured, against a freshly started router; \
         {}; WebSocket on 127.0.0.1",
        timing.warmup.as_secs_f64(),
        timing.duration.as_secs_f64(),
        match options.repeat {
            0 | 1 => "one run".to_owned(),
            runs => format!("{runs} runs, the routers in turn, the median shown"),
        }
    );
    for line in floor_lines(&floor) {
        let _ = writeln!(out, "- {line}");
    }
    let _ = writeln!(out, "- command: `{}`\n", options.command);
    out.push_str(table);
    if routers.len() == 2 {
        let _ = writeln!(
            out,
            "\nratio: how many times better {} is than {} (higher rate, lower latency or \
             memory). Latencies are in the generator, from sending to receiving.",
            routers[0], routers[1]
        );
    }
    if findings.is_empty() {
        let _ = writeln!(
            out,
            "\nEvery count added up: no loss, no error, every session joined."
        );
    } else {
        let _ = writeln!(out, "\n## Findings\n\n{findings}");
    }
    out
}

/// The machine's floors as the run prints them and the results file states them.
fn floor_lines(floor: &Floor) -> [String; 3] {
    let micros =
        |duration: Duration| report::format_value(duration.as_secs_f64() * 1e6, Unit::Micros);
    let fan_out = &floor.fan_out;
    [
        format!(
            "the machine's floor for one call: two TCP round trips over loopback between two \
             threads, 32 bytes, nothing else (no WebSocket, no WAMP), p50 {}, p99 {}; a call \
             with one caller makes the same four hops through any router",
            micros(floor.call.p50),
            micros(floor.call.p99),
        ),
        format!(
            "the same call through a relay that only copies bytes (a single-threaded tokio \
             runtime on the routers' CPU, one task per direction): p50 {}, p99 {}; the \
             dev-router's own work is what its latency adds to this",
            micros(floor.relay.p50),
            micros(floor.relay.p99),
        ),
        format!(
            "the machine's floor for a fan-out: one {}-byte write to each of {} loopback TCP \
             sockets from one thread, read by a tokio runtime on the other CPU, nothing else, \
             p50 {} a round ({} a write); no router on one core reaches the last of {} \
             subscribers sooner after a publication",
            floor::EVENT,
            fan_out.subscribers,
            micros(fan_out.round),
            micros(fan_out.write()),
            fan_out.subscribers,
        ),
    ]
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// `2 cores (AMD EPYC), 23.5 GiB memory`.
pub(crate) fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    // The machine's, not this process's: with --pin the generator may use only one of them
    // (which is what `available_parallelism` reports).
    let cores = match cpuinfo
        .lines()
        .filter(|line| line.starts_with("processor"))
        .count()
    {
        0 => std::thread::available_parallelism().map_or(0, usize::from),
        counted => counted,
    };
    let model = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|line| line.starts_with("MemTotal:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or("unknown memory".to_owned(), |kb| {
            format!("{:.1} GiB memory", kb / 1024.0 / 1024.0)
        });
    format!("{cores} cores ({model}), {memory}")
}

/// `YYYY-MM-DD HH:MM` in UTC.
fn utc(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let (hour, minute) = ((seconds % 86_400) / 3600, (seconds % 3600) / 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00");
        let time = UNIX_EPOCH + Duration::from_secs(1_795_392_000 + 3 * 3600 + 25 * 60);
        assert_eq!(utc(time), "2026-11-23 03:25");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(utc(leap), "2000-02-29 00:00");
    }

    #[test]
    fn the_median_run_is_shown_with_every_problem() {
        let run = |rate: f64, problem: Option<&str>| {
            let mut measurement = Measurement::default();
            measurement.push("calls", rate, Unit::PerSecond, Better::Higher);
            measurement.problems.extend(problem.map(str::to_owned));
            Ok(measurement)
        };
        let chosen = median(vec![run(3.0, None), run(1.0, Some("lost")), run(2.0, None)])
            .expect("three good runs");
        assert_eq!(chosen.metrics[0].value, 2.0);
        assert_eq!(chosen.problems, ["lost"]);
        assert!(median(vec![run(1.0, None), Err("timed out".to_owned())]).is_err());
    }

    #[test]
    fn the_smoke_plan_covers_every_workload_and_serializer() {
        let plan = plan(true);
        for serializer in Serializer::ALL {
            assert!(
                plan.iter()
                    .any(|case| case.protocol.serializer == serializer)
            );
        }
        assert!(plan.iter().any(|case| case.protocol.batched));
        assert!(
            plan.iter()
                .any(|c| matches!(c.workload, Workload::Sessions { .. }))
        );
        assert!(plan.iter().any(|c| matches!(
            c.workload,
            Workload::Fanout {
                rate: Rate::Max { .. },
                ..
            }
        )));
        assert!(plan.iter().any(|c| matches!(
            c.workload,
            Workload::Fanout {
                rate: Rate::PerSecond(_),
                ..
            }
        )));
        assert!(
            plan.iter()
                .any(|c| matches!(c.workload, Workload::Rpc { .. }))
        );
    }
}
