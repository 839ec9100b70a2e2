//! RPC: `callers` sessions keep `in_flight` calls each outstanding against one callee that
//! echoes its arguments. With 1 × 1 it measures latency; with more, throughput.
//!
//! Every call carries its own sequence number and must come back with it: a result that
//! answers the wrong call, a call error, or a call never answered is a problem, not a
//! slower figure.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;
use tokio::sync::watch;
use wamp_proto::client::{CallOptions, Event, RegisterOptions, Roles};
use wamp_proto::{Payload, RequestId, Uri, Value};

use super::{Clock, Timing, latency_histogram, micros, unique_uri};
use crate::peer::{Buffers, Peer, Target};
use crate::procstat::Probe;
use crate::report::{Better, Measurement, Unit};

const SETUP_PATIENCE: Duration = Duration::from_secs(30);
const LEAVE_PATIENCE: Duration = Duration::from_secs(2);

/// What one caller saw.
struct CallerReport {
    issued: u64,
    completed: u64,
    /// Completed inside the measured window.
    in_window: u64,
    errors: u64,
    first_error: Option<String>,
    /// Results that came back with another call's arguments.
    mismatched: u64,
    /// Results for no outstanding call.
    unexpected: u64,
    latency: Histogram<u64>,
}

impl CallerReport {
    fn new() -> Result<CallerReport> {
        Ok(CallerReport {
            issued: 0,
            completed: 0,
            in_window: 0,
            errors: 0,
            first_error: None,
            mismatched: 0,
            unexpected: 0,
            latency: latency_histogram(3)?,
        })
    }
}

pub(crate) async fn run(
    target: &Target,
    callers: usize,
    in_flight: usize,
    timing: &Timing,
    probe: &Probe,
) -> Result<Measurement> {
    let procedure = Uri::new(unique_uri("rpc"));
    let mut callee = Peer::join(target, Roles::none().callee(true), Buffers::Large).await?;
    let request = callee
        .session()
        .register(procedure.clone(), RegisterOptions::default())?;
    callee.roundtrip(request, SETUP_PATIENCE).await?;
    // Registered: nothing more comes until the first invocation.
    callee.read_frames_directly();
    let (stop, stopped) = watch::channel(false);
    let callee = tokio::spawn(serve(callee, stopped));

    let peers =
        super::join_many(target, callers, Roles::none().caller(true), Buffers::Large).await?;
    let clock = Clock::new(timing);
    let tasks: Vec<_> = peers
        .into_iter()
        .map(|peer| {
            tokio::spawn(call(
                peer,
                procedure.clone(),
                in_flight,
                clock,
                clock.end + timing.drain,
            ))
        })
        .collect();

    tokio::time::sleep_until(clock.start.into()).await;
    let window = probe.begin();
    tokio::time::sleep_until(clock.end.into()).await;
    let resources = probe.end(&window);

    let mut reports = Vec::new();
    for task in tasks {
        reports.push(task.await.context("a caller task failed")??);
    }
    let _ = stop.send(true);
    let invocations = callee.await.context("the callee task failed")??;

    let mut measurement = Measurement::default();
    let mut total = CallerReport::new()?;
    for report in &reports {
        total
            .latency
            .add(&report.latency)
            .context("merging latencies")?;
        total.issued += report.issued;
        total.completed += report.completed;
        total.in_window += report.in_window;
        total.errors += report.errors;
        total.mismatched += report.mismatched;
        total.unexpected += report.unexpected;
        if total.first_error.is_none() {
            total.first_error.clone_from(&report.first_error);
        }
    }
    measurement.push(
        "calls",
        total.in_window as f64 / clock.seconds(),
        Unit::PerSecond,
        Better::Higher,
    );
    measurement.push_latency(&total.latency, true);
    measurement.push_resources(&resources);

    if total.completed == 0 {
        measurement.problems.push("no call completed".to_owned());
    }
    if total.errors > 0 {
        measurement.problems.push(format!(
            "{} calls failed (first: {})",
            total.errors,
            total.first_error.unwrap_or_default()
        ));
    }
    if total.completed + total.errors != total.issued {
        measurement.problems.push(format!(
            "{} calls issued, {} answered",
            total.issued,
            total.completed + total.errors
        ));
    }
    if invocations != total.issued {
        measurement.problems.push(format!(
            "{} calls issued, but the callee was invoked {invocations} times",
            total.issued
        ));
    }
    if total.mismatched > 0 || total.unexpected > 0 {
        measurement.problems.push(format!(
            "{} results with another call's arguments, {} results for no pending call",
            total.mismatched, total.unexpected
        ));
    }
    Ok(measurement)
}

/// The callee: echoes every invocation's payload until `stop`. Returns how many
/// invocations it answered.
async fn serve(mut peer: Peer, mut stop: watch::Receiver<bool>) -> Result<u64> {
    let mut invocations = 0;
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            open = peer.receive() => {
                if !open? {
                    bail!("the router closed the callee's connection");
                }
            }
        }
        while let Some(event) = peer.poll_event() {
            match event {
                Event::Invocation(invocation) => {
                    invocations += 1;
                    peer.session()
                        .yield_result(invocation.request, invocation.payload, false)?;
                }
                Event::Aborted { reason, .. } | Event::Left { reason, .. } => {
                    bail!("the router closed the callee's session: {reason}")
                }
                _ => {}
            }
        }
        peer.flush().await?;
    }
    peer.leave(LEAVE_PATIENCE).await;
    Ok(invocations)
}

/// One caller: keeps `in_flight` calls outstanding until the window ends, then waits for
/// the last answers until `deadline`.
async fn call(
    mut peer: Peer,
    procedure: Uri,
    in_flight: usize,
    clock: Clock,
    deadline: Instant,
) -> Result<CallerReport> {
    // Joined: nothing more comes until the first result.
    peer.read_frames_directly();
    let mut report = CallerReport::new()?;
    let mut outstanding: HashMap<RequestId, (Instant, i64)> = HashMap::with_capacity(in_flight);
    let mut sequence: i64 = 0;
    loop {
        if Instant::now() < clock.end {
            while outstanding.len() < in_flight {
                let request = peer.session().call(
                    procedure.clone(),
                    Payload::args(vec![Value::Int(sequence)]),
                    CallOptions::default(),
                )?;
                outstanding.insert(request, (Instant::now(), sequence));
                sequence += 1;
                report.issued += 1;
            }
        }
        if outstanding.is_empty() {
            break;
        }
        peer.flush().await?;
        let Ok(open) = tokio::time::timeout_at(deadline.into(), peer.receive()).await else {
            bail!("{} calls still unanswered after the run", outstanding.len());
        };
        let open = open?;
        let received = Instant::now();
        while let Some(event) = peer.poll_event() {
            match event {
                Event::Result {
                    request,
                    payload,
                    progress: false,
                    ..
                } => {
                    let Some((sent, sequence)) = outstanding.remove(&request) else {
                        report.unexpected += 1;
                        continue;
                    };
                    report.completed += 1;
                    if payload.args != [Value::Int(sequence)] {
                        report.mismatched += 1;
                    }
                    if clock.contains(received) {
                        report.in_window += 1;
                        report.latency.saturating_record(micros(received - sent));
                    }
                }
                Event::CallError { request, error, .. } => {
                    outstanding.remove(&request);
                    report.errors += 1;
                    report.first_error.get_or_insert_with(|| error.to_string());
                }
                Event::Aborted { reason, .. } | Event::Left { reason, .. } => {
                    bail!("the router closed a caller's session: {reason}")
                }
                _ => {}
            }
        }
        if !open {
            bail!("the router closed a caller's connection");
        }
    }
    peer.leave(LEAVE_PATIENCE).await;
    Ok(report)
}
