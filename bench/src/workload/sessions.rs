//! Many sessions: `count` sessions join ([`super::JOIN_CONCURRENCY`] handshakes at a time)
//! and stay, idle, while the router's memory is read; then they all leave.
//!
//! Each session needs one file descriptor here and one in the router: `main` raises the
//! soft `RLIMIT_NOFILE` to the hard limit before it starts the routers, which inherit it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::sync::{Semaphore, mpsc, watch};
use wamp_proto::client::{Event, Roles};

use super::{JOIN_CONCURRENCY, Timing, latency_histogram, micros};
use crate::peer::{Buffers, Peer, Target};
use crate::procstat::Probe;
use crate::report::{Better, Measurement, Unit};

/// How long one join may take before it counts as failed.
const JOIN_TIMEOUT: Duration = Duration::from_secs(60);
/// How long all sessions may take to leave.
const LEAVE_PATIENCE: Duration = Duration::from_secs(10);

pub(crate) async fn run(
    target: &Target,
    count: usize,
    timing: &Timing,
    probe: &Probe,
) -> Result<Measurement> {
    let before = probe.router_rss();
    let window = probe.begin();
    let started = Instant::now();
    let semaphore = Arc::new(Semaphore::new(JOIN_CONCURRENCY));
    let (joined, mut joins) = mpsc::unbounded_channel();
    let (stop, stopped) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..count {
        tasks.spawn(hold(
            target.clone(),
            semaphore.clone(),
            joined.clone(),
            stopped.clone(),
        ));
    }
    drop(joined);

    let mut latency = latency_histogram(3)?;
    let mut failures = 0;
    let mut first_failure = None;
    while let Some(join) = joins.recv().await {
        match join {
            Ok(took) => {
                latency.saturating_record(micros(took));
            }
            Err(error) => {
                failures += 1;
                first_failure.get_or_insert(format!("{error:#}"));
            }
        }
        if latency.len() + failures == count as u64 {
            break;
        }
    }
    let joining = started.elapsed();
    let joined = latency.len();
    tokio::time::sleep(timing.hold).await;
    let held_rss = probe.router_rss();
    let resources = probe.end(&window);

    let _ = stop.send(true);
    let mut held = 0;
    let leaving = async {
        while let Some(result) = tasks.join_next().await {
            if result.is_ok_and(|still_there| still_there) {
                held += 1;
            }
        }
    };
    if tokio::time::timeout(LEAVE_PATIENCE, leaving).await.is_err() {
        tasks.abort_all();
    }

    let mut measurement = Measurement::default();
    measurement.push(
        "join rate",
        joined as f64 / joining.as_secs_f64().max(1e-9),
        Unit::PerSecond,
        Better::Higher,
    );
    if !latency.is_empty() {
        for (name, quantile) in [("join p50", 0.5), ("join p99", 0.99)] {
            let micros = latency.value_at_quantile(quantile) as f64;
            measurement.push(name, micros, Unit::Micros, Better::Lower);
        }
    }
    measurement.push("sessions held", held as f64, Unit::Count, Better::Neither);
    if let (Some(before), Some(held_rss)) = (before, held_rss) {
        measurement.push(
            &format!("router RSS, {count} sessions"),
            held_rss as f64,
            Unit::Bytes,
            Better::Lower,
        );
        measurement.push(
            "router RSS per session",
            held_rss.saturating_sub(before) as f64 / count as f64,
            Unit::Bytes,
            Better::Lower,
        );
    }
    measurement.push_resources(&resources);

    if failures > 0 {
        measurement.problems.push(format!(
            "{failures} of {count} sessions failed to join (first: {})",
            first_failure.unwrap_or_default()
        ));
    }
    if held != joined {
        measurement.problems.push(format!(
            "{joined} sessions joined, but only {held} were still there at the end"
        ));
    }
    Ok(measurement)
}

/// One session: joins, reports how long that took, and stays until `stop`. Returns whether
/// it was still joined then.
async fn hold(
    target: Target,
    semaphore: Arc<Semaphore>,
    joined: mpsc::UnboundedSender<Result<Duration>>,
    mut stop: watch::Receiver<bool>,
) -> bool {
    let peer = async {
        let _permit = semaphore.acquire_owned().await?;
        let started = Instant::now();
        let peer = tokio::time::timeout(
            JOIN_TIMEOUT,
            Peer::join(&target, Roles::none().caller(true), Buffers::Small),
        )
        .await
        .context("timed out")??;
        anyhow::Ok((peer, started.elapsed()))
    };
    let mut peer = match peer.await {
        Ok((peer, took)) => {
            let _ = joined.send(Ok(took));
            peer
        }
        Err(error) => {
            let _ = joined.send(Err(error));
            return false;
        }
    };
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            open = peer.receive() => {
                if !matches!(open, Ok(true)) {
                    return false;
                }
            }
        }
        while let Some(event) = peer.poll_event() {
            if let Event::Aborted { .. } | Event::Left { .. } | Event::Disconnected = event {
                return false;
            }
        }
    }
    peer.leave(LEAVE_PATIENCE).await;
    true
}
