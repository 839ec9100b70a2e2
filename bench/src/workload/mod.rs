//! The workloads: RPC ([`rpc`]), publish/subscribe fan-out ([`pubsub`]) and many idle
//! sessions ([`sessions`]).
//!
//! Each runs against one router URL and returns a [`Measurement`]. The shape is the same
//! for all: set up (join, register, subscribe), warm up, measure for a fixed window marked
//! on the [`Probe`] (router CPU and RSS are read for exactly that window), drain, check that
//! every count adds up, leave.

pub(crate) mod pubsub;
pub(crate) mod rpc;
pub(crate) mod sessions;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use tokio::sync::Semaphore;
use wamp_proto::batch::Subprotocol;

use crate::peer::{Buffers, Peer, Target};
use crate::procstat::Probe;
use crate::report::Measurement;
use wamp_proto::client::Roles;

/// How fast the publisher goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rate {
    /// As fast as the slowest subscriber takes events: at most `window` publications that
    /// some subscriber has not received yet.
    Max { window: u32 },
    /// A fixed number of publications per second.
    PerSecond(u32),
}

/// One workload, independent of the router and serializer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Workload {
    /// `callers` sessions, each with `in_flight` calls outstanding, to one callee.
    Rpc { callers: usize, in_flight: usize },
    /// One publisher, `subscribers` sessions subscribed to its topic, 32-byte payloads.
    Fanout { subscribers: usize, rate: Rate },
    /// `count` sessions joined at once and held.
    Sessions { count: usize },
}

impl Workload {
    /// A title for tables, e.g. `RPC 8 callers × 16 in flight, msgpack` (or
    /// `..., msgpack.batched` over the batched subprotocol).
    pub(crate) fn title(&self, protocol: Subprotocol) -> String {
        let what = match *self {
            Workload::Rpc {
                callers: 1,
                in_flight: 1,
            } => "RPC latency, 1 caller × 1 in flight".to_owned(),
            Workload::Rpc { callers, in_flight } => {
                format!("RPC throughput, {callers} callers × {in_flight} in flight")
            }
            Workload::Fanout {
                subscribers,
                rate: Rate::Max { .. },
            } => format!("fan-out to {subscribers} subscribers, max rate"),
            Workload::Fanout {
                subscribers,
                rate: Rate::PerSecond(rate),
            } => format!("fan-out to {subscribers} subscribers, {rate} publishes/s"),
            Workload::Sessions { count } => format!("{count} concurrent sessions"),
        };
        let batched = if protocol.batched { ".batched" } else { "" };
        format!("{what}, {}{batched}", protocol.serializer.name())
    }
}

/// How long each phase lasts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// Load before measuring, not counted.
    pub(crate) warmup: Duration,
    /// The measured window.
    pub(crate) duration: Duration,
    /// How long to wait after the window for answers and events still under way.
    pub(crate) drain: Duration,
    /// How long the sessions workload holds its sessions before reading the router's RSS.
    pub(crate) hold: Duration,
}

/// The measured window of one run, and the origin of its timestamps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    origin: Instant,
    /// Start of the measured window.
    pub(crate) start: Instant,
    /// End of the measured window.
    pub(crate) end: Instant,
}

impl Clock {
    /// A window that starts after `timing.warmup` from now.
    pub(crate) fn new(timing: &Timing) -> Clock {
        let origin = Instant::now();
        let start = origin + timing.warmup;
        Clock {
            origin,
            start,
            end: start + timing.duration,
        }
    }

    /// Whether `at` falls in the measured window.
    pub(crate) fn contains(&self, at: Instant) -> bool {
        at >= self.start && at < self.end
    }

    /// Whether a timestamp from [`nanos`](Self::nanos) falls in the measured window.
    pub(crate) fn contains_nanos(&self, nanos: u64) -> bool {
        nanos >= self.nanos(self.start) && nanos < self.nanos(self.end)
    }

    /// Nanoseconds since the origin: timestamps carried in payloads.
    pub(crate) fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.origin).as_nanos()).unwrap_or(u64::MAX)
    }

    /// The measured window in seconds.
    pub(crate) fn seconds(&self) -> f64 {
        (self.end - self.start).as_secs_f64()
    }
}

/// Runs `workload` against `target` and measures it.
///
/// # Errors
/// When the workload cannot run at all (cannot connect, the router refuses a session, a
/// timeout); counting failures are [`Measurement::problems`] instead.
pub(crate) async fn run(
    target: &Target,
    workload: Workload,
    timing: &Timing,
    probe: &Probe,
) -> Result<Measurement> {
    match workload {
        Workload::Rpc { callers, in_flight } => {
            rpc::run(target, callers, in_flight, timing, probe).await
        }
        Workload::Fanout { subscribers, rate } => {
            pubsub::run(target, subscribers, rate, timing, probe).await
        }
        Workload::Sessions { count } => sessions::run(target, count, timing, probe).await,
    }
}

/// A URI no other run uses, so that a leftover session of an earlier run never interferes.
fn unique_uri(kind: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let run = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("bench.{kind}.p{}.r{run}", std::process::id())
}

/// A latency histogram in microseconds, 1 µs to 10 minutes.
fn latency_histogram(significant_figures: u8) -> Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 600_000_000, significant_figures)
        .context("creating a latency histogram")
}

/// Whole microseconds of `duration`, at least 1 (the histogram's lowest value).
fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// How many handshakes may be in progress at once. Below Twisted's default listen backlog
/// (50), and far below tokio's (1024), so that no SYN is dropped and retried a second later.
pub(crate) const JOIN_CONCURRENCY: usize = 32;

/// Joins `count` sessions, [`JOIN_CONCURRENCY`] at a time.
async fn join_many(
    target: &Target,
    count: usize,
    roles: Roles,
    buffers: Buffers,
) -> Result<Vec<Peer>> {
    let semaphore = std::sync::Arc::new(Semaphore::new(JOIN_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..count {
        let target = target.clone();
        let semaphore = semaphore.clone();
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await?;
            let peer = Peer::join(&target, roles, buffers).await?;
            anyhow::Ok((index, peer))
        });
    }
    let mut peers: Vec<Option<Peer>> = (0..count).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (index, peer) = joined.context("a joining task failed")??;
        peers[index] = Some(peer);
    }
    Ok(peers.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wamp_proto::Serializer;

    #[test]
    fn titles_name_the_workload_and_serializer() {
        let latency = Workload::Rpc {
            callers: 1,
            in_flight: 1,
        };
        assert_eq!(
            latency.title(Subprotocol::single(Serializer::Json)),
            "RPC latency, 1 caller × 1 in flight, json"
        );
        let fanout = Workload::Fanout {
            subscribers: 100,
            rate: Rate::PerSecond(1000),
        };
        assert_eq!(
            fanout.title(Subprotocol::single(Serializer::Cbor)),
            "fan-out to 100 subscribers, 1000 publishes/s, cbor"
        );
        assert_eq!(
            fanout.title(Subprotocol::batched(Serializer::MsgPack)),
            "fan-out to 100 subscribers, 1000 publishes/s, msgpack.batched"
        );
    }

    #[test]
    fn the_clock_measures_after_the_warmup() {
        let timing = Timing {
            warmup: Duration::from_millis(100),
            duration: Duration::from_secs(1),
            drain: Duration::ZERO,
            hold: Duration::ZERO,
        };
        let clock = Clock::new(&timing);
        assert!(!clock.contains(Instant::now()));
        assert!(clock.contains(clock.start));
        assert!(!clock.contains(clock.end));
        assert!((clock.seconds() - 1.0).abs() < 1e-9);
        assert!(clock.contains_nanos(clock.nanos(clock.start)));
        assert!(!clock.contains_nanos(clock.nanos(clock.end)));
        assert!(!clock.contains_nanos(0));
        assert_eq!(micros(Duration::from_nanos(10)), 1);
    }
}
