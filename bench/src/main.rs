//! `wamp-bench`: a WAMP load generator on the `wamp-proto` client state machine, and the
//! benchmark suite that measures the dev-router against Crossbar.io.
//!
//! ```text
//! wamp-bench suite --dev-router target/release/dev-router [--crossbar VENV/bin/crossbar]
//!                  [--smoke] [--output results.md] [--pin]
//! wamp-bench run --url ws://127.0.0.1:8080/ws --workload rpc --callers 8 --in-flight 16
//! ```
//!
//! Layout:
//! - [`peer`]: one WAMP session over tokio-tungstenite, driven by `ClientSession`.
//! - [`workload`]: RPC latency and throughput, pub/sub fan-out, many sessions.
//! - [`procstat`]: router CPU and RSS (and the generator's CPU) from `/proc`.
//! - [`router`]: starting and stopping the dev-router and Crossbar.io.
//! - [`suite`]: the plan, run against each router in turn; [`report`]: the table.
//!
//! `cargo xtask bench` builds it, installs Crossbar.io, and runs the suite; `cargo xtask
//! test` runs `suite --smoke` against the dev-router only.

mod floor;
mod peer;
mod procstat;
mod report;
mod router;
mod suite;
mod workload;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, ValueEnum};
use wamp_proto::Serializer;

use crate::peer::Target;
use crate::procstat::Probe;
use crate::workload::{Rate, Timing, Workload};

/// A WAMP v2 load generator and benchmark suite (WebSocket; JSON, MessagePack, CBOR).
#[derive(Debug, Parser)]
#[command(name = "wamp-bench", version)]
enum Cli {
    /// Run every workload against the dev-router, and against Crossbar.io if given; print
    /// one table with both and the ratio
    Suite(SuiteArgs),
    /// Run one workload against a router that is already running
    Run(RunArgs),
}

#[derive(Debug, Args)]
struct SuiteArgs {
    /// The dev-router binary (a release build)
    #[arg(long, value_name = "PATH")]
    dev_router: PathBuf,
    /// The `crossbar` script of a venv with Crossbar.io: measure it too
    #[arg(long, value_name = "PATH")]
    crossbar: Option<PathBuf>,
    /// A few seconds of every workload, small, dev-router only; fails unless every count
    /// adds up (no loss, no error, every session joined)
    #[arg(long)]
    smoke: bool,
    /// Seconds measured per workload [default: 3, smoke: 0.5]
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
    /// Write the results (Markdown) here
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Router logs and Crossbar.io's node directory
    #[arg(long, value_name = "DIR", default_value = "target/bench/run")]
    work_dir: PathBuf,
    /// Run only workloads whose title contains this (repeatable), e.g. `fan-out`
    #[arg(long, value_name = "TEXT")]
    only: Vec<String>,
    /// Runs of each workload against each router, the routers in turn; the table shows
    /// the median (by rate), and the problems of every run
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: usize,
    /// Pin the router to CPU 0 and the generator to CPU 1 (needs `taskset`)
    #[arg(long)]
    pin: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SerializerArg {
    Json,
    Msgpack,
    Cbor,
}

impl From<SerializerArg> for Serializer {
    fn from(value: SerializerArg) -> Serializer {
        match value {
            SerializerArg::Json => Serializer::Json,
            SerializerArg::Msgpack => Serializer::MsgPack,
            SerializerArg::Cbor => Serializer::Cbor,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum WorkloadArg {
    /// --callers sessions with --in-flight calls each, to one callee
    Rpc,
    /// one publisher to --subscribers, at --rate (0: as fast as the subscribers read)
    Fanout,
    /// --sessions concurrent sessions, joined and held
    Sessions,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Router WebSocket URL
    #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
    url: String,
    /// Realm to join (anonymously)
    #[arg(long, default_value = "realm1")]
    realm: String,
    #[arg(long, value_enum, default_value = "json")]
    serializer: SerializerArg,
    /// Speak the serializer's batched subprotocol (e.g. wamp.2.json.batched)
    #[arg(long)]
    batched: bool,
    #[arg(long, value_enum, default_value = "rpc")]
    workload: WorkloadArg,
    #[arg(long, default_value_t = 1)]
    callers: usize,
    #[arg(long, default_value_t = 1)]
    in_flight: usize,
    #[arg(long, default_value_t = 10)]
    subscribers: usize,
    /// Publications per second; 0: as fast as the slowest subscriber reads
    #[arg(long, default_value_t = 0)]
    rate: u32,
    /// At max rate: publications not yet received by every subscriber
    #[arg(long, default_value_t = 64)]
    window: u32,
    #[arg(long, default_value_t = 1000)]
    sessions: usize,
    /// Seconds measured
    #[arg(long, default_value_t = 3.0)]
    duration: f64,
    /// Seconds of load before measuring
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// The router's process id, to sample its CPU and RSS from /proc
    #[arg(long)]
    router_pid: Option<u32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match try_main(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("wamp-bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn try_main(cli: Cli) -> Result<bool> {
    raise_open_file_limit();
    if let Cli::Suite(SuiteArgs { pin: true, .. }) = &cli {
        // Before the runtime starts its threads, which inherit the affinity.
        pin_to_cpu(1)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = run(cli) => outcome,
            () = interrupted() => bail!("interrupted: routers stopped"),
        }
    });
    // Tasks still running (after an error) are dropped here; the routers were stopped
    // when the future that owned them was dropped.
    runtime.shutdown_timeout(Duration::from_secs(1));
    outcome
}

async fn run(cli: Cli) -> Result<bool> {
    match cli {
        Cli::Suite(args) => {
            let smoke = args.smoke;
            let duration = args.duration.unwrap_or(if smoke { 0.5 } else { 3.0 });
            let timing = Timing {
                warmup: Duration::from_secs_f64(if smoke { 0.2 } else { 1.0 }),
                duration: Duration::from_secs_f64(duration),
                drain: Duration::from_secs(if smoke { 5 } else { 10 }),
                hold: Duration::from_secs_f64(if smoke { 0.2 } else { 1.0 }),
            };
            // Absolute paths: Crossbar.io runs in the work directory.
            std::fs::create_dir_all(&args.work_dir)
                .with_context(|| format!("creating {}", args.work_dir.display()))?;
            let absolute = |path: &std::path::Path| {
                std::fs::canonicalize(path).with_context(|| format!("{} not found", path.display()))
            };
            let options = suite::Options {
                smoke,
                dev_router: absolute(&args.dev_router)?,
                crossbar: args.crossbar.as_deref().map(absolute).transpose()?,
                timing,
                output: args.output,
                work_dir: absolute(&args.work_dir)?,
                only: args.only,
                repeat: args.repeat,
                pin: args.pin,
                command: std::env::args().collect::<Vec<_>>().join(" "),
            };
            let passed = suite::run(&options).await?;
            if smoke {
                println!(
                    "wamp-bench smoke: {}",
                    if passed {
                        "every count added up"
                    } else {
                        "FAILED (see the findings above)"
                    }
                );
            }
            Ok(passed)
        }
        Cli::Run(args) => {
            let target = Target {
                url: args.url,
                realm: args.realm,
                serializer: args.serializer.into(),
                batched: args.batched,
            };
            let workload = match args.workload {
                WorkloadArg::Rpc => Workload::Rpc {
                    callers: args.callers,
                    in_flight: args.in_flight,
                },
                WorkloadArg::Fanout => Workload::Fanout {
                    subscribers: args.subscribers,
                    rate: match args.rate {
                        0 => Rate::Max {
                            window: args.window,
                        },
                        rate => Rate::PerSecond(rate),
                    },
                },
                WorkloadArg::Sessions => Workload::Sessions {
                    count: args.sessions,
                },
            };
            let timing = Timing {
                warmup: Duration::from_secs_f64(args.warmup),
                duration: Duration::from_secs_f64(args.duration),
                drain: Duration::from_secs(10),
                hold: Duration::from_secs(1),
            };
            let probe = Probe::new(args.router_pid);
            println!(
                "{} against {}",
                workload.title(target.protocol()),
                target.url
            );
            let measurement = workload::run(&target, workload, &timing, &probe).await?;
            for metric in &measurement.metrics {
                println!(
                    "  {:<28} {}",
                    metric.name,
                    report::format_value(metric.value, metric.unit)
                );
            }
            for note in &measurement.notes {
                println!("  note: {note}");
            }
            for problem in &measurement.problems {
                println!("  PROBLEM: {problem}");
            }
            Ok(measurement.problems.is_empty())
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn interrupted() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Raises the soft limit on open files to the hard limit: ten thousand sessions need ten
/// thousand sockets here, and as many in the router, which inherits the limit.
fn raise_open_file_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(error) = setrlimit(Resource::Nofile, raised) {
            eprintln!(
                "wamp-bench: cannot raise the open-file limit from {:?}: {error}",
                limit.current
            );
        }
    }
}

pub(crate) fn pin_to_cpu(cpu: usize) -> Result<()> {
    use rustix::thread::{CpuSet, sched_setaffinity};
    if cpu >= CpuSet::MAX_CPU {
        bail!("no CPU {cpu}");
    }
    let mut set = CpuSet::new();
    set.set(cpu);
    sched_setaffinity(None, &set).with_context(|| format!("cannot pin the generator to CPU {cpu}"))
}
