//! Publish/subscribe fan-out: one publisher, `subscribers` sessions on its topic, a 32-byte
//! payload that carries the publication's sequence number and send time.
//!
//! At [`Rate::Max`] the publisher keeps at most `window` publications that some subscriber
//! has not received yet (every subscriber counts each publication in a shared ring, and the
//! one that completes it wakes the publisher, which refills the window once a quarter of it
//! is free). So it goes as fast as the slowest subscriber reads, and never overruns a router's per-session queue: the dev-router's holds 1,024
//! messages, the window is far smaller. At [`Rate::PerSecond`] it publishes on a clock,
//! whatever happens downstream.
//!
//! Every subscriber checks that it receives every publication exactly once, in order. A
//! gap is a lost event; a subscriber the router cut off (the dev-router aborts slow readers
//! with `dev_router.error.slow_consumer`) is reported with the events it missed; events
//! still under way when the drain time is over are late, not lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hdrhistogram::Histogram;
use tokio::sync::{Notify, watch};
use wamp_proto::client::{Event, PublishOptions, Roles, SubscribeOptions};
use wamp_proto::{Payload, Serializer, Uri, Value};

use super::{Clock, Rate, Timing, latency_histogram, micros, unique_uri};
use crate::peer::{Buffers, Peer, SLOW_CONSUMER, Target};
use crate::procstat::Probe;
use crate::report::{Better, Measurement, Unit};

/// The payload size the workload is defined with.
const PAYLOAD_SIZE: usize = 32;
const SETUP_PATIENCE: Duration = Duration::from_secs(60);
const LEAVE_PATIENCE: Duration = Duration::from_secs(2);
/// At max rate, how long the publisher waits for the slowest subscriber before it gives up.
const STALL_TIMEOUT: Duration = Duration::from_secs(5);

/// The byte that fills a stamp after its two numbers.
const FILLER: u8 = 0xa5;
/// How many bytes of a stamp carry numbers: `seq` and the send time.
const NUMBERS: usize = 16;
/// A stamp in base64 (with padding), as JSON carries it after the `\u0000` prefix.
const STAMP_CHARS: usize = PAYLOAD_SIZE.div_ceil(3) * 4;
/// The base64 characters that cover the numbers: whole groups of three bytes, so that what
/// follows (filler only) always encodes to the same text ([`filler_chars`]).
const HEAD_CHARS: usize = NUMBERS.div_ceil(3) * 4;

/// `seq`, the send time (ns on the run's clock), then filler: 32 bytes.
fn stamp(sequence: u64, sent: u64) -> Value {
    let mut bytes = Vec::with_capacity(PAYLOAD_SIZE);
    bytes.extend_from_slice(&sequence.to_le_bytes());
    bytes.extend_from_slice(&sent.to_le_bytes());
    bytes.resize(PAYLOAD_SIZE, FILLER);
    Value::Bytes(bytes)
}

/// The base64 text of a stamp after its first [`HEAD_CHARS`] characters: the same for every
/// stamp, since it covers filler only.
fn filler_chars() -> &'static [u8] {
    static TAIL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| BASE64.encode([FILLER; PAYLOAD_SIZE - HEAD_CHARS / 4 * 3]));
    TAIL.as_bytes()
}

/// `(sequence, sent)` from an event's payload.
fn read_stamp(payload: &Payload) -> Option<(u64, u64)> {
    let Some(Value::Bytes(bytes)) = payload.args.first() else {
        return None;
    };
    if bytes.len() != PAYLOAD_SIZE {
        return None;
    }
    let sequence = u64::from_le_bytes(bytes.get(0..8)?.try_into().ok()?);
    let sent = u64::from_le_bytes(bytes.get(8..16)?.try_into().ok()?);
    Some((sequence, sent))
}

/// `(sequence, sent)` from a JSON EVENT of `subscription` that carries exactly one
/// argument, a 32-byte binary stamp, and no keyword arguments:
/// `[36, subscription, publication, {details}, ["\u0000" + base64]]`, whitespace allowed
/// between tokens (Crossbar.io's frames take the same path as the dev-router's). `None` for
/// anything else, which the caller then decodes in full.
///
/// Only the base64 that carries the numbers is decoded; the rest, filler in every stamp the
/// publisher sends, is compared with its known text. This runs once per event received,
/// and at a million events a second the generator's time goes here.
fn scan_json_event(bytes: &[u8], subscription: u64) -> Option<(u64, u64)> {
    let mut scan = Scan { bytes, at: 0 };
    scan.token(b'[')?;
    if scan.integer()? != 36 {
        return None;
    }
    scan.token(b',')?;
    if scan.integer()? != subscription {
        return None;
    }
    scan.token(b',')?;
    scan.integer()?;
    scan.token(b',')?;
    scan.object()?;
    scan.token(b',')?;
    scan.token(b'[')?;
    scan.token(b'"')?;
    let rest = scan.bytes.get(scan.at..)?;
    let encoded = rest.strip_prefix(b"\\u0000")?;
    let (chars, after) = encoded.split_at_checked(STAMP_CHARS)?;
    if after.first() != Some(&b'"') || chars[HEAD_CHARS..] != *filler_chars() {
        return None;
    }
    let mut head = [0u8; HEAD_CHARS / 4 * 3];
    if BASE64.decode_slice(&chars[..HEAD_CHARS], &mut head).ok()? != head.len() {
        return None;
    }
    scan.at += 6 + STAMP_CHARS + 1;
    scan.token(b']')?;
    scan.token(b']')?;
    scan.skip_whitespace();
    if scan.at != bytes.len() {
        return None;
    }
    let sequence = u64::from_le_bytes(head[0..8].try_into().ok()?);
    let sent = u64::from_le_bytes(head[8..16].try_into().ok()?);
    Some((sequence, sent))
}

/// A cursor over JSON text for [`scan_json_event`].
struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scan<'_> {
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn token(&mut self, expected: u8) -> Option<()> {
        self.skip_whitespace();
        (*self.bytes.get(self.at)? == expected).then(|| self.at += 1)
    }

    /// A non-negative integer without sign, fraction or exponent.
    fn integer(&mut self) -> Option<u64> {
        self.skip_whitespace();
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(&digit @ b'0'..=b'9') = self.bytes.get(self.at) {
            value = value
                .checked_mul(10)?
                .checked_add(u64::from(digit - b'0'))?;
            self.at += 1;
        }
        (self.at > start).then_some(value)
    }

    /// A JSON object, skipped: braces balanced outside strings, escapes honoured.
    fn object(&mut self) -> Option<()> {
        self.token(b'{')?;
        let mut depth = 1usize;
        let mut in_string = false;
        while depth > 0 {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            match (in_string, byte) {
                (true, b'\\') => self.at += 1,
                (true, b'"') | (false, b'"') => in_string = !in_string,
                (false, b'{' | b'[') => depth += 1,
                (false, b'}' | b']') => depth -= 1,
                _ => {}
            }
        }
        Some(())
    }
}

/// Where the run is, as the subscribers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Publishing,
    /// The publisher is done after this many publications.
    Published(u64),
    /// Drain time is over: stop waiting.
    Stop,
}

/// What the publisher and the subscribers share at max rate.
struct Window {
    subscribers: u32,
    /// For publication `s`, at `s % len`: how many subscribers received it.
    received: Box<[AtomicU32]>,
    /// Signalled when a publication has reached every subscriber.
    progress: Notify,
}

impl Window {
    fn new(subscribers: u32, window: u32) -> Window {
        let len = window.max(1).next_power_of_two() as usize;
        Window {
            subscribers,
            received: (0..len).map(|_| AtomicU32::new(0)).collect(),
            progress: Notify::new(),
        }
    }

    fn slot(&self, sequence: u64) -> &AtomicU32 {
        &self.received[(sequence % self.received.len() as u64) as usize]
    }

    /// One subscriber received `sequence`.
    fn credit(&self, sequence: u64) {
        if self.slot(sequence).fetch_add(1, Ordering::AcqRel) + 1 == self.subscribers {
            self.progress.notify_one();
        }
    }

    /// Whether every subscriber received `sequence`; if so, frees its slot for reuse.
    fn complete(&self, sequence: u64) -> bool {
        let slot = self.slot(sequence);
        if slot.load(Ordering::Acquire) >= self.subscribers {
            slot.store(0, Ordering::Release);
            true
        } else {
            false
        }
    }
}

#[derive(Default)]
struct PublisherReport {
    published: u64,
    in_window: u64,
    stalled: bool,
}

struct SubscriberReport {
    /// The next sequence number expected: every one before it was received or lost.
    next: u64,
    received: u64,
    in_window: u64,
    lost: u64,
    duplicates: u64,
    malformed: u64,
    /// Events decoded in full rather than checked from their bytes (see [`subscribe`]).
    decoded: u64,
    /// Why the router ended this session early, if it did.
    cut: Option<String>,
    latency: Histogram<u64>,
}

pub(crate) async fn run(
    target: &Target,
    subscribers: usize,
    rate: Rate,
    timing: &Timing,
    probe: &Probe,
) -> Result<Measurement> {
    let topic = Uri::new(unique_uri("fanout"));
    let mut peers = super::join_many(
        target,
        subscribers,
        Roles::none().subscriber(true),
        Buffers::Medium,
    )
    .await?;
    // All SUBSCRIBEs first, then the answers: one round trip in all, not one per peer.
    let mut requests = Vec::with_capacity(peers.len());
    for peer in &mut peers {
        let request = peer
            .session()
            .subscribe(topic.clone(), SubscribeOptions::default())?;
        peer.flush().await?;
        requests.push(request);
    }
    let mut subscriptions = Vec::with_capacity(peers.len());
    for (peer, request) in peers.iter_mut().zip(requests) {
        match peer.roundtrip(request, SETUP_PATIENCE).await? {
            Event::Subscribed { subscription, .. } => subscriptions.push(subscription.get()),
            other => bail!("expected SUBSCRIBED, got {other:?}"),
        }
    }
    let publisher = Peer::join(target, Roles::none().publisher(true), Buffers::Large).await?;

    let count = u32::try_from(subscribers).context("too many subscribers")?;
    let window = match rate {
        Rate::Max { window } => Some(Arc::new(Window::new(count, window))),
        Rate::PerSecond(_) => None,
    };
    let clock = Clock::new(timing);
    let (phase, phases) = watch::channel(Phase::Publishing);
    let fast = target.serializer == Serializer::Json;
    let tasks: Vec<_> = peers
        .into_iter()
        .zip(subscriptions)
        .map(|(peer, subscription)| {
            let fast = fast.then_some(subscription);
            tokio::spawn(subscribe(peer, fast, window.clone(), clock, phases.clone()))
        })
        .collect();
    let publishing = match (rate, window) {
        (Rate::Max { window: size }, Some(window)) => {
            tokio::spawn(publish_max(publisher, topic, window, size, clock))
        }
        (Rate::PerSecond(rate), _) => tokio::spawn(publish_fixed(publisher, topic, rate, clock)),
        (Rate::Max { .. }, None) => bail!("max rate without a window"),
    };

    tokio::time::sleep_until(clock.start.into()).await;
    let resources_window = probe.begin();
    tokio::time::sleep_until(clock.end.into()).await;
    let resources = probe.end(&resources_window);

    let publisher = publishing.await.context("the publisher task failed")??;
    let _ = phase.send(Phase::Published(publisher.published));
    let drain_time = timing.drain;
    let drain = tokio::spawn(async move {
        tokio::time::sleep(drain_time).await;
        let _ = phase.send(Phase::Stop);
    });
    let mut reports = Vec::new();
    for task in tasks {
        reports.push(task.await.context("a subscriber task failed")??);
    }
    drain.abort();

    let mut latency = latency_histogram(3)?;
    let (mut received, mut in_window, mut duplicates, mut malformed) = (0, 0, 0, 0);
    let mut decoded = 0;
    // Missing events: gaps in what a subscriber received (lost), what a subscriber the
    // router cut off never got (cut), what was still under way when the drain time ended
    // (late: the router is behind, nothing says it would not have come).
    let (mut lost, mut cut_off, mut late) = (0, 0, 0);
    let mut cuts = 0;
    let mut other_ends = Vec::new();
    for report in &reports {
        latency.add(&report.latency).context("merging latencies")?;
        received += report.received;
        in_window += report.in_window;
        duplicates += report.duplicates;
        malformed += report.malformed;
        decoded += report.decoded;
        let tail = publisher.published.saturating_sub(report.next);
        match report.cut.as_deref() {
            Some(reason) => {
                cut_off += report.lost + tail;
                if reason == SLOW_CONSUMER {
                    cuts += 1;
                } else {
                    other_ends.push(reason.to_owned());
                }
            }
            None => {
                lost += report.lost;
                late += tail;
            }
        }
    }

    let mut measurement = Measurement::default();
    let seconds = clock.seconds();
    measurement.push(
        "events delivered",
        in_window as f64 / seconds,
        Unit::PerSecond,
        Better::Higher,
    );
    measurement.push(
        "publishes",
        publisher.in_window as f64 / seconds,
        Unit::PerSecond,
        Better::Neither,
    );
    measurement.push_latency(&latency, false);
    measurement.push(
        "lost events",
        (lost + cut_off) as f64,
        Unit::Count,
        Better::Neither,
    );
    measurement.push(
        "late events (after drain)",
        late as f64,
        Unit::Count,
        Better::Neither,
    );
    measurement.push_resources(&resources);

    let expected = publisher.published * subscribers as u64;
    if publisher.published == 0 {
        measurement
            .problems
            .push("nothing was published".to_owned());
    }
    if lost > 0 {
        measurement.problems.push(format!(
            "{lost} of {expected} events lost by subscribers that were not cut off"
        ));
    }
    if cuts > 0 {
        measurement.notes.push(format!(
            "the router cut off {cuts} slow subscribers ({SLOW_CONSUMER}); they missed \
             {cut_off} events"
        ));
    }
    if late > 0 {
        measurement.notes.push(format!(
            "{late} of {expected} events were still under way {:.0} s after the last \
             publication (the router fell behind)",
            timing.drain.as_secs_f64()
        ));
    }
    if received + lost + cut_off + late != expected {
        measurement.problems.push(format!(
            "{expected} events expected ({} publications × {subscribers}), {received} \
             received, {} missing",
            publisher.published,
            lost + cut_off + late
        ));
    }
    if fast && decoded > 0 {
        // Not an error: the router sent EVENTs in a shape the byte check does not know, so
        // the generator spent more on them than on the others.
        measurement.notes.push(format!(
            "{decoded} of {received} events were decoded in full, not checked from their bytes"
        ));
    }
    if duplicates > 0 || malformed > 0 {
        measurement.problems.push(format!(
            "{duplicates} events duplicated or out of order, {malformed} with a wrong payload"
        ));
    }
    if !other_ends.is_empty() {
        measurement.problems.push(format!(
            "{} subscribers ended early: {}",
            other_ends.len(),
            other_ends[0]
        ));
    }
    if publisher.stalled {
        let problem = format!(
            "the publisher stalled: some subscriber received nothing for {STALL_TIMEOUT:?}"
        );
        if cuts > 0 {
            measurement.notes.push(problem);
        } else {
            measurement.problems.push(problem);
        }
    }
    Ok(measurement)
}

impl SubscriberReport {
    /// Counts one event that carried `(sequence, sent)`, received at `now`.
    fn record(
        &mut self,
        sequence: u64,
        sent: u64,
        now: &mut Now,
        clock: &Clock,
        window: Option<&Window>,
    ) {
        if sequence < self.next {
            self.duplicates += 1;
            return;
        }
        self.lost += sequence - self.next;
        self.next = sequence + 1;
        self.received += 1;
        if let Some(window) = window {
            window.credit(sequence);
        }
        let (now_nanos, measured) = now.read(clock);
        if measured {
            self.in_window += 1;
        }
        // The latency of every event published in the window, whenever it arrives: a router
        // that falls behind shows it in full.
        if clock.contains_nanos(sent) {
            let latency = Duration::from_nanos(now_nanos.saturating_sub(sent));
            self.latency.saturating_record(micros(latency));
        }
    }
}

/// The time of one batch of received frames, read once, on first use.
struct Now(Option<(u64, bool)>);

impl Now {
    fn new() -> Now {
        Now(None)
    }

    /// `(nanos on the run's clock, whether in the measured window)`.
    fn read(&mut self, clock: &Clock) -> (u64, bool) {
        *self.0.get_or_insert_with(|| {
            let now = Instant::now();
            (clock.nanos(now), clock.contains(now))
        })
    }
}

/// One subscriber: receives until it has every publication or the drain time is over.
///
/// With `fast` (the subscription ID, JSON only), an EVENT of that subscription in the shape
/// of [`scan_json_event`] is checked from its bytes, without decoding it into a message:
/// the same checks (subscription, sequence, payload size), for a fraction of the cost.
/// Anything else goes through the client session as usual.
async fn subscribe(
    mut peer: Peer,
    fast: Option<u64>,
    window: Option<Arc<Window>>,
    clock: Clock,
    mut phases: watch::Receiver<Phase>,
) -> Result<SubscriberReport> {
    peer.read_frames_directly();
    let mut report = SubscriberReport {
        next: 0,
        received: 0,
        in_window: 0,
        lost: 0,
        duplicates: 0,
        malformed: 0,
        decoded: 0,
        cut: None,
        latency: latency_histogram(2)?,
    };
    let window = window.as_deref();
    loop {
        let mut abandoned = false;
        let mut now = Now::new();
        let open = {
            let report = &mut report;
            let now = &mut now;
            let take = |bytes: &[u8]| match fast.and_then(|id| scan_json_event(bytes, id)) {
                Some((sequence, sent)) => {
                    report.record(sequence, sent, now, &clock, window);
                    true
                }
                None => false,
            };
            tokio::select! {
                changed = phases.changed() => {
                    // The run was abandoned (its task ended): stop too.
                    abandoned = changed.is_err();
                    true
                }
                open = peer.receive_filtered(take) => open?,
            }
        };
        while let Some(event) = peer.poll_event() {
            match event {
                Event::Event(event) => {
                    report.decoded += 1;
                    let Some((sequence, sent)) = read_stamp(&event.payload) else {
                        report.malformed += 1;
                        continue;
                    };
                    report.record(sequence, sent, &mut now, &clock, window);
                }
                Event::Aborted { reason, .. } | Event::Left { reason, .. } => {
                    report.cut.get_or_insert(reason.into_string());
                }
                Event::Disconnected => {
                    report
                        .cut
                        .get_or_insert("the connection was lost".to_owned());
                }
                _ => {}
            }
        }
        if !open || abandoned || report.cut.is_some() {
            break;
        }
        match *phases.borrow() {
            Phase::Published(published) if report.next >= published => break,
            Phase::Stop => break,
            _ => {}
        }
    }
    if report.cut.is_none() {
        peer.leave(LEAVE_PATIENCE).await;
    }
    Ok(report)
}

fn publish(peer: &mut Peer, topic: &Uri, sequence: u64, clock: &Clock) -> Result<()> {
    let payload = Payload::args(vec![stamp(sequence, clock.nanos(Instant::now()))]);
    peer.session()
        .publish(topic.clone(), payload, PublishOptions::default())?;
    Ok(())
}

/// Reads whatever the router sent the publisher (nothing, normally) and fails if it ended
/// the session.
fn check_publisher(peer: &mut Peer, open: bool) -> Result<()> {
    while let Some(event) = peer.poll_event() {
        if let Event::Aborted { reason, .. } | Event::Left { reason, .. } = event {
            bail!("the router closed the publisher's session: {reason}");
        }
    }
    if !open {
        bail!("the router closed the publisher's connection");
    }
    Ok(())
}

/// Publishes as fast as the window allows until the measured window ends.
async fn publish_max(
    mut peer: Peer,
    topic: Uri,
    window: Arc<Window>,
    size: u32,
    clock: Clock,
) -> Result<PublisherReport> {
    let mut report = PublisherReport::default();
    let size = u64::from(size.max(1));
    // Refills the window a quarter at a time, not one publication per one completed: a
    // write (and a read in the router) per batch of publications rather than per one.
    let refill = (size / 4).max(1);
    // Every publication before `oldest` reached every subscriber.
    let mut oldest = 0;
    loop {
        while oldest < report.published && window.complete(oldest) {
            oldest += 1;
        }
        let now = Instant::now();
        if now >= clock.end {
            break;
        }
        if size - (report.published - oldest) >= refill {
            while report.published - oldest < size {
                publish(&mut peer, &topic, report.published, &clock)?;
                report.published += 1;
                if clock.contains(now) {
                    report.in_window += 1;
                }
            }
            peer.flush().await?;
            continue;
        }
        tokio::select! {
            () = window.progress.notified() => {}
            open = peer.receive() => check_publisher(&mut peer, open?)?,
            () = tokio::time::sleep(STALL_TIMEOUT) => {
                report.stalled = true;
                break;
            }
            () = tokio::time::sleep_until(clock.end.into()) => break,
        }
    }
    peer.leave(LEAVE_PATIENCE).await;
    Ok(report)
}

/// Publishes `rate` publications per second, on a 1 ms tick, until the window ends.
async fn publish_fixed(
    mut peer: Peer,
    topic: Uri,
    rate: u32,
    clock: Clock,
) -> Result<PublisherReport> {
    let mut report = PublisherReport::default();
    let mut ticker = tokio::time::interval(Duration::from_millis(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let started = Instant::now();
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            open = peer.receive() => check_publisher(&mut peer, open?)?,
        }
        let now = Instant::now();
        if now >= clock.end {
            break;
        }
        let due = ((now - started).as_secs_f64() * f64::from(rate)) as u64 + 1;
        while report.published < due {
            publish(&mut peer, &topic, report.published, &clock)?;
            report.published += 1;
            if clock.contains(now) {
                report.in_window += 1;
            }
        }
        peer.flush().await?;
    }
    peer.leave(LEAVE_PATIENCE).await;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wamp_proto::{Dict, Id, Message};

    #[test]
    fn the_stamp_is_32_bytes_and_reads_back() {
        let value = stamp(7, 123_456_789);
        let Value::Bytes(bytes) = &value else {
            panic!("a stamp is bytes");
        };
        assert_eq!(bytes.len(), PAYLOAD_SIZE);
        let payload = Payload::args(vec![value]);
        assert_eq!(read_stamp(&payload), Some((7, 123_456_789)));
        assert_eq!(read_stamp(&Payload::args(vec![Value::Int(7)])), None);
        assert_eq!(read_stamp(&Payload::default()), None);
    }

    #[test]
    fn json_events_are_scanned_like_decoded_ones() {
        let subscription = Id::new(5_000_000_001).unwrap();
        let event = |payload: Payload, details: Dict| {
            let message = Message::Event {
                subscription,
                publication: Id::new(77).unwrap(),
                details,
                payload,
            };
            Serializer::Json.encode(&message)
        };
        let stamped = Payload::args(vec![stamp(9, 123_456)]);
        let plain = event(stamped.clone(), Dict::new());
        assert_eq!(
            scan_json_event(&plain, subscription.get()),
            Some((9, 123_456))
        );
        assert_eq!(scan_json_event(&plain, 1), None, "another subscription");
        // Every bit of both numbers is read (the 16th byte shares a base64 group with filler).
        let extreme = event(
            Payload::args(vec![stamp(u64::MAX, u64::MAX - 1)]),
            Dict::new(),
        );
        assert_eq!(
            scan_json_event(&extreme, subscription.get()),
            Some((u64::MAX, u64::MAX - 1))
        );
        let details = Dict::from([("topic".to_owned(), Value::from("a.{b}\"c[]"))]);
        let detailed = event(stamped.clone(), details);
        assert_eq!(
            scan_json_event(&detailed, subscription.get()),
            Some((9, 123_456))
        );
        // Whitespace as another router may write it.
        let spaced = String::from_utf8(plain.clone()).unwrap().replace(',', ", ");
        assert_eq!(
            scan_json_event(spaced.as_bytes(), subscription.get()),
            Some((9, 123_456))
        );
        // Anything else is left to the full decoder.
        let mut kwargs = stamped.clone();
        kwargs.kwargs.insert("k".to_owned(), Value::Null);
        for other in [
            event(kwargs, Dict::new()),
            event(Payload::args(vec![Value::Bytes(vec![1; 31])]), Dict::new()),
            event(Payload::args(vec![Value::Bytes(vec![1; 32])]), Dict::new()),
            event(Payload::args(vec![stamp(1, 2), Value::Null]), Dict::new()),
            event(Payload::args(vec![Value::from("x")]), Dict::new()),
            event(Payload::default(), Dict::new()),
            plain[..plain.len() - 1].to_vec(),
            [&plain[..], b"x"].concat(),
            b"[36,".to_vec(),
            Vec::new(),
        ] {
            assert_eq!(
                scan_json_event(&other, subscription.get()),
                None,
                "{}",
                String::from_utf8_lossy(&other)
            );
        }
    }

    #[test]
    fn a_publication_completes_when_every_subscriber_has_it() {
        let window = Window::new(3, 4);
        for _ in 0..2 {
            window.credit(5);
        }
        assert!(!window.complete(5));
        window.credit(5);
        assert!(window.complete(5));
        // The slot is free again for publication 5 + 4.
        assert!(!window.complete(9));
    }
}
