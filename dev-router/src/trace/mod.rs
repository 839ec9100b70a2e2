//! The message trace: every message into and out of a realm, as the router saw it, kept in a
//! bounded buffer per realm and offered over WAMP, in the router's own URI space.
//!
//! # The API
//!
//! | URI | kind | arguments | result |
//! |---|---|---|---|
//! | `dev_router.trace.on_message` | topic | | events `args = [[record, ...]]`, `kwargs = {dropped}` |
//! | `dev_router.trace.set_filter` | procedure | kwargs `{session?, types?, uri?}` | `[filter]` |
//! | `dev_router.trace.history` | procedure | kwargs `{limit?, session?, types?, uri?}` | `[[record, ...]]` |
//!
//! A **record** is a dictionary:
//!
//! ```text
//! {seq: 41, time_ms: 1763880000123.456, realm: "realm1", session: 5091772368264431,
//!  direction: "in", type: "CALL", uri: "com.example.add", size: 37, serializer: "json",
//!  message: [48, 7, {}, "com.example.add", [2, 3]]}
//! ```
//!
//! - `seq` increases by one per record in the realm (a gap in what a watcher receives
//!   means records it did not get); `time_ms` is when the router handled the message, in
//!   milliseconds since the UNIX epoch, with a fractional part.
//! - `session` is the session the message came from (`in`) or went to (`out`).
//! - `type` is the spec's name (`"HELLO"` ... `"YIELD"`); `message` is the message as its
//!   wire list, the same whatever the serializer; `size` its encoded length in bytes with
//!   that session's `serializer` (`"json"`, `"msgpack"`, `"cbor"`).
//! - `uri` is the URI the message carries: HELLO's realm, the reason of ABORT and GOODBYE,
//!   ERROR's error, the topic of PUBLISH and SUBSCRIBE, the procedure of CALL and REGISTER,
//!   and the `topic` or `procedure` detail of an EVENT or INVOCATION from a pattern-based
//!   subscription or registration. A message that carries only IDs is named by what it
//!   belongs to: EVENT, SUBSCRIBED and UNSUBSCRIBE by their subscription's topic (or
//!   pattern); INVOCATION, REGISTERED, UNREGISTER, YIELD, RESULT and INTERRUPT, CANCEL, and
//!   an ERROR in answer to an INVOCATION, by their registration's procedure (or pattern).
//!   So a `uri` filter shows a whole exchange: CALL, INVOCATION, YIELD, RESULT. The names are
//!   looked up when records are read, in the realm and in its memory of the last 1,024
//!   deleted subscriptions and registrations; older ones, and the rest
//!   (PUBLISHED, UNSUBSCRIBED, UNREGISTERED, WELCOME, ...), have `null`.
//!
//! **Secrets never appear**: AUTHENTICATE's signature and extra become `"<redacted>"`, and so
//! does every `HELLO.Details.authextra` entry except `pubkey`, `channel_binding`,
//! `trustroot` and `challenge`. These two messages are redacted as they pass, so the buffer
//! never holds the secrets either. CHALLENGE holds none and is kept as it is.
//!
//! **Live stream**: subscribe to `dev_router.trace.on_message`. At most every 100 ms
//! ([`BATCH_INTERVAL_MS`]) each subscriber gets one EVENT with the new records that pass *its*
//! filter, oldest first, at most [`MAX_BATCH`] of them (the newest). `kwargs.dropped` counts
//! the records that passed its filter but did not reach it since its last batch: more than
//! [`MAX_BATCH`] in one interval, records overwritten in the buffer before a batch could
//! take them (counted whether or not they pass the filter), or a batch skipped because the
//! subscriber's outbound queue was more than half full. Nothing is sent while nothing new
//! passes the filter.
//!
//! **Filters** are set per session with `set_filter` and apply to what that session receives
//! on `on_message`; they last until changed or until the session leaves. `session` keeps the
//! messages from and to one session, `types` those of the listed types (names as in
//! records, any case), `uri` those whose `uri` contains the given text (ignoring ASCII
//! case). The parts combine (all must hold); a missing, `null` or empty part admits
//! everything, and empty kwargs clear the filter. The result is the filter as set, normalized. An unknown key or a value
//! of the wrong type fails with `wamp.error.invalid_argument`.
//!
//! **History**: `history` returns the newest `limit` records (default
//! [`DEFAULT_HISTORY_LIMIT`], at most the buffer's size) that pass the filter given in its
//! own kwargs (the session's `set_filter` does not apply), oldest first.
//!
//! **Not traced**: the trace's own traffic, so that watching does not feed itself: the
//! EVENTs on `dev_router.trace.on_message`, and the CALLs to `dev_router.trace.*` with their
//! RESULT or ERROR. Subscribing to the topic is traced like any subscription. Messages that
//! never reach a realm (a HELLO for an unknown realm, a frame that does not decode) are not
//! traced either.
//!
//! **Permissions**: the procedures and the topic are URIs like any other: a realm with
//! roles must grant `call` on the procedures and `subscribe` on the topic. The namespace
//! `dev_router.trace.` is the router's: clients may not register procedures or publish
//! there (`wamp.error.invalid_uri`).
//!
//! **Size**: `trace_buffer` records per realm in the configuration ([`DEFAULT_BUFFER`] by
//! default), and a ring of [`BYTES_PER_RECORD`] bytes per record for their encoded
//! messages (2 MiB by default); a run of large messages leaves fewer records. A message
//! larger than a sixteenth of that ring is held by reference instead, within a budget of
//! the same size. 0 turns the trace off for that realm (history is then empty, no batch is
//! ever sent, and nothing is allocated).
//!
//! **When it records**: while somebody watches (subscribes to `on_message`), and for
//! [`LINGER_SECS`] (10 minutes) after the last watcher left or the last `history` call, so
//! that a reload of the inspector or a second look loses nothing. Otherwise nothing is
//! recorded and the trace costs nothing: like a browser's network panel, it shows what
//! happened since it was opened. `trace_always = true` in the realm's configuration
//! records from the start instead, for history from before anybody looked.
//!
//! # Cost
//!
//! Not recording (nobody watched for 10 minutes), the trace costs one test per message.
//! Recording a message copies its encoded bytes into the byte ring (the recipients of one
//! EVENT share one copy per serializer) and pushes a record of a few scalars; forgetting the
//! oldest record frees nothing. The ring never holds a reference to a message, so messages
//! are freed when their recipients are done with them, as without the trace. A message
//! sent is recorded in its recipient's encoding, which the trace makes if the message has
//! none yet and leaves in it for the recipient's connection: work moved forward, not added.
//! Nothing is decoded or converted to records as messages pass; that happens only for
//! records someone asks for (a history call, or a batch for a subscriber), outside the
//! realm's lock. With nobody subscribed to the topic there is no batching work at all and
//! the batch timer does not run.
//!
//! The ignored test `router::tests::trace::trace_cost` measures it (`cargo test --release
//! -p dev-router --lib -- --ignored --nocapture trace_cost`). On the development machine,
//! per routed call (4 messages) of about 730 ns in the realm: +1 ns not recording (noise),
//! +108 ns recording; per publication to 20 subscribers of about 1,240 ns: +1 ns not
//! recording, +411 ns recording (about 20 ns per EVENT). End to end (`wamp-bench`, router
//! pinned to one core), recording all the time costs about 3% of the router's CPU per call
//! and 7% per delivered event, which is why it records only while watched.
//!
//! This module is plain data with time as a parameter, like the realm; `router` records into
//! it under the realm's lock and drives its batch timer.

use std::collections::VecDeque;

use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;

use bytes::Bytes;
use wamp_proto::{
    Dict, MatchPolicy, Message, MessageType, Payload, RequestId, Serializer, SessionId, Uri,
};

use crate::realm::broker::Broker;
use crate::realm::{About, Outgoing, Realm, Timestamp, error_reply, error_uri};

mod batch;
mod filter;
mod record;

use batch::Recipient;
pub(crate) use batch::{Batch, BatchPlan, HistoryQuery};
use filter::Filter;
pub use record::{Direction, REDACTED};
pub(crate) use record::{Frame, Materialized, Record, Subject};

/// The URI space of the trace: procedures, topic, and nothing clients may claim.
pub const NAMESPACE: &str = "dev_router.trace.";
/// The topic of the live stream of records.
pub const ON_MESSAGE: &str = "dev_router.trace.on_message";
/// The procedure that sets the calling session's filter.
pub const SET_FILTER: &str = "dev_router.trace.set_filter";
/// The procedure that returns the recent records.
pub const HISTORY: &str = "dev_router.trace.history";
/// Records kept per realm unless the configuration says otherwise (`trace_buffer`).
pub const DEFAULT_BUFFER: usize = 4096;
/// The most records `trace_buffer` may ask for.
pub const MAX_BUFFER: usize = 100_000;
/// Bytes of encoded messages kept per record of `trace_buffer`, on average: the byte ring
/// holds `trace_buffer` times this (2 MiB by default). A run of messages larger than this
/// leaves fewer records in the buffer.
pub const BYTES_PER_RECORD: usize = 512;
/// How many records `history` returns without a `limit`.
pub const DEFAULT_HISTORY_LIMIT: usize = 500;
/// The most records in one batch.
pub const MAX_BATCH: usize = 1000;
/// The shortest time between two batches.
pub const BATCH_INTERVAL_MS: u64 = 100;
/// How long recording goes on after the last watcher left or the last history call, unless
/// `trace_always`: a reload of the inspector, or a second look, loses nothing.
pub const LINGER_SECS: u64 = 600;

/// The trace of one realm: the ring of records, the bytes of their messages, and the
/// watchers' filters.
#[derive(Debug)]
pub(crate) struct Trace {
    realm: Arc<str>,
    capacity: usize,
    records: VecDeque<Record>,
    bytes: ByteRing,
    /// The bytes of the `Held` records (large messages) in `records`.
    held: usize,
    /// The message of the latest record if it was sent, and with which serializer: the next
    /// recipient of the same EVENT shares its bytes. Cleared by [`Trace::new_round`].
    last_sent: Option<LastSent>,
    /// The `seq` of the next record.
    next_seq: u64,
    /// The time given last, in microseconds since the UNIX epoch.
    now_us: u64,
    /// Filters and drop counts, by session; a session without an entry has the empty
    /// filter.
    watchers: HashMap<SessionId, Watcher>,
    /// Whether some subscription matches [`ON_MESSAGE`], as of `broker_revision`.
    watched: bool,
    broker_revision: Option<u64>,
    /// Every record up to this `seq` has been batched (or nobody watched it).
    batched: u64,
    last_batch: Timestamp,
    /// Record every message, watched or not (`trace_always`).
    always: bool,
    /// Without `always`, messages are recorded while somebody watches, and until this time
    /// (microseconds since the UNIX epoch): [`LINGER_SECS`] after the last watcher left or
    /// the last history call.
    armed_until_us: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LastSent {
    /// [`Outgoing::address`]: unique among the messages of one round of deliveries.
    message: usize,
    serializer: Serializer,
}

/// The encoded messages of the records, one after the other in a fixed buffer that wraps
/// around: writing is a copy, and forgetting the oldest is free. Positions are running
/// byte counts, so a record's bytes are at `position % capacity`; the capacity is a power
/// of two, so that this is a mask.
struct ByteRing {
    buffer: Vec<u8>,
    /// Where the next message goes.
    head: u64,
}

impl std::fmt::Debug for ByteRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteRing")
            .field("capacity", &self.buffer.len())
            .field("head", &self.head)
            .finish()
    }
}

impl ByteRing {
    /// A ring of at least `capacity` bytes (a power of two), allocated zeroed, so that the
    /// system maps its pages only as they are written; none for 0.
    fn new(capacity: usize) -> ByteRing {
        let capacity = match capacity {
            0 => 0,
            n => n.next_power_of_two(),
        };
        ByteRing {
            buffer: vec![0; capacity],
            head: 0,
        }
    }

    fn capacity(&self) -> usize {
        self.buffer.len()
    }

    /// Where `position` is in the buffer.
    fn offset(&self, position: u64) -> usize {
        // The capacity is a power of two and fits in usize: the mask keeps it in range.
        (position & (self.capacity() as u64).wrapping_sub(1)) as usize
    }

    /// Where `len` bytes would be written: at the head, or at the start of the buffer if
    /// they do not fit before its end (no message is split).
    fn start_for(&self, len: usize) -> u64 {
        let offset = self.offset(self.head);
        match offset + len > self.capacity() {
            true => self.head + (self.capacity() - offset) as u64,
            false => self.head,
        }
    }

    /// Writes `bytes` at [`ByteRing::start_for`]; returns their position.
    fn write(&mut self, bytes: &[u8]) -> u64 {
        let position = self.start_for(bytes.len());
        let offset = self.offset(position);
        if let Some(target) = self.buffer.get_mut(offset..offset + bytes.len()) {
            target.copy_from_slice(bytes);
        }
        self.head = position + bytes.len() as u64;
        position
    }

    /// The `len` bytes at `position`, which must still be in the ring.
    fn read(&self, position: u64, len: usize) -> &[u8] {
        let offset = self.offset(position);
        self.buffer.get(offset..offset + len).unwrap_or_default()
    }
}

#[derive(Debug, Default)]
struct Watcher {
    filter: Filter,
    /// Records it has missed and not yet been told of.
    dropped: u64,
}

/// What a call to a trace procedure gets.
#[derive(Debug)]
pub(crate) enum Answer {
    /// This RESULT or ERROR.
    Ready(Message),
    /// The records to look through, outside the lock: see [`HistoryQuery::answer`].
    History(HistoryQuery),
}

impl Answer {
    /// Names the subjects of a history's records in `realm`, under its lock.
    pub(crate) fn name_subjects(&mut self, realm: &Realm) {
        if let Answer::History(query) = self {
            query.name_subjects(realm);
        }
    }

    /// The RESULT or ERROR; the costly part of a history call happens here.
    pub(crate) fn into_message(self) -> Message {
        match self {
            Answer::Ready(message) => message,
            Answer::History(query) => query.answer(),
        }
    }
}

/// A record's `size`: the length of an encoded message, which `--max-message-size` keeps
/// far below 4 GiB.
fn size_of(bytes: &Bytes) -> u32 {
    u32::try_from(bytes.len()).unwrap_or(u32::MAX)
}

/// Whether `message` is a CALL to a trace procedure: answered by the trace, and not traced.
pub(crate) fn is_trace_call(message: &Message) -> bool {
    matches!(message, Message::Call { procedure, .. } if procedure.as_str().starts_with(NAMESPACE))
}

impl Trace {
    /// An empty trace that keeps up to `capacity` records; 0 keeps none (and allocates
    /// nothing). It records `always`, or only while watched (see [`Trace::is_recording`]).
    pub(crate) fn new(realm: &str, capacity: usize, always: bool) -> Trace {
        Trace {
            realm: realm.into(),
            capacity,
            records: VecDeque::with_capacity(capacity),
            bytes: ByteRing::new(capacity.saturating_mul(BYTES_PER_RECORD)),
            held: 0,
            last_sent: None,
            next_seq: 1,
            now_us: 0,
            watchers: HashMap::new(),
            watched: false,
            broker_revision: None,
            batched: 0,
            last_batch: Timestamp::EPOCH,
            always,
            armed_until_us: 0,
        }
    }

    /// Whether messages passing now are recorded: the trace is on, and it records always,
    /// or somebody watches, or did or asked for the history less than [`LINGER_SECS`] ago.
    /// Otherwise recording costs nothing (this test is all the router does per message).
    #[inline]
    pub(crate) fn is_recording(&self) -> bool {
        self.is_enabled() && (self.always || self.watched || self.now_us < self.armed_until_us)
    }

    /// Keeps recording for [`LINGER_SECS`] from now.
    fn arm(&mut self) {
        let until = self.now_us.saturating_add(LINGER_SECS * 1_000_000);
        self.armed_until_us = self.armed_until_us.max(until);
    }

    /// Whether records are kept at all.
    #[inline]
    pub(crate) fn is_enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Sets the time of the records that follow, in microseconds since the UNIX epoch.
    #[inline]
    pub(crate) fn set_time(&mut self, micros: u64) {
        self.now_us = micros;
    }

    /// Starts a round of deliveries: the messages recorded from now on are all alive until
    /// the round ends, so their addresses tell them apart (see [`Trace::record_sent`]).
    #[inline]
    pub(crate) fn new_round(&mut self) {
        self.last_sent = None;
    }

    /// Records a message received from `session`, with the bytes it was decoded from (which
    /// are copied), and what it belongs to if it does not say ([`Realm::about_received`]).
    /// HELLO and AUTHENTICATE are redacted now, so that their secrets are never kept.
    pub(crate) fn record_received(
        &mut self,
        session: SessionId,
        serializer: Serializer,
        message: &Message,
        frame: &Bytes,
        about: Option<About>,
    ) {
        if !self.is_recording() {
            return;
        }
        self.last_sent = None;
        let message_type = message.message_type();
        match message_type {
            MessageType::Hello | MessageType::Authenticate => {
                let redacted = Arc::new(Materialized::new(message, frame.len(), None));
                let position = self.bytes.head;
                self.push(
                    (session, Direction::In, serializer, message_type),
                    position,
                    size_of(frame),
                    Frame::Redacted(redacted),
                    None,
                );
            }
            _ => self.push_bytes(
                (session, Direction::In, serializer, message_type),
                frame,
                about,
            ),
        }
    }

    /// Records a message for `session`, as it is queued, in the recipient's encoding. That
    /// encoding is made now if the message has none yet, and kept in the message for the
    /// recipient's connection to send: it moves work forward, it adds none. The recipients
    /// of one EVENT come one after the other in a round of deliveries, and their records
    /// share its bytes.
    #[inline]
    pub(crate) fn record_sent(
        &mut self,
        session: SessionId,
        serializer: Serializer,
        message: &Outgoing,
    ) {
        if !self.is_recording() {
            return;
        }
        let kind = (
            session,
            Direction::Out,
            serializer,
            message.message().message_type(),
        );
        let this = LastSent {
            message: message.address(),
            serializer,
        };
        // Its bytes stay where they are until the ring writes over them, which it does not
        // while a record refers to them.
        if self.last_sent == Some(this)
            && let Some(last) = self.records.back()
        {
            let (position, size, frame) = (last.position, last.size, last.frame.clone());
            let subject = last.subject.clone();
            self.push(kind, position, size, frame, subject);
        } else {
            let about = message.subject();
            self.push_bytes(kind, message.encoded_ref(serializer), about);
        }
        self.last_sent = Some(this);
    }

    /// Records a message whose encoding is `bytes`: copied into the byte ring, or held by
    /// reference if it is too large for it.
    fn push_bytes(
        &mut self,
        kind: (SessionId, Direction, Serializer, MessageType),
        bytes: &Bytes,
        about: Option<About>,
    ) {
        let subject = about.map(Subject::Id);
        let large = bytes.len() > self.bytes.capacity() / 16;
        if large {
            while self.held + bytes.len() > self.bytes.capacity() && self.evict_oldest() {}
            let position = self.bytes.head;
            self.push(
                kind,
                position,
                size_of(bytes),
                Frame::Held(Box::new(bytes.clone())),
                subject,
            );
        } else {
            // Make room in the byte ring: the oldest records' bytes are the oldest there.
            let end = self.bytes.start_for(bytes.len()) + bytes.len() as u64;
            while let Some(oldest) = self.records.front()
                && end - oldest.position > self.bytes.capacity() as u64
            {
                self.evict_oldest();
            }
            let position = self.bytes.write(bytes);
            self.push(kind, position, size_of(bytes), Frame::Stored, subject);
        }
    }

    fn push(
        &mut self,
        (session, direction, serializer, message_type): (
            SessionId,
            Direction,
            Serializer,
            MessageType,
        ),
        position: u64,
        size: u32,
        frame: Frame,
        subject: Option<Subject>,
    ) {
        if self.records.len() >= self.capacity {
            self.evict_oldest();
        }
        if let Frame::Held(bytes) = &frame {
            self.held += bytes.len();
        }
        self.records.push_back(Record {
            seq: self.next_seq,
            time_us: self.now_us,
            session,
            direction,
            serializer,
            message_type,
            position,
            size,
            frame,
            subject,
        });
        self.next_seq += 1;
    }

    /// Forgets the oldest record; `false` if there was none.
    fn evict_oldest(&mut self) -> bool {
        match self.records.pop_front() {
            Some(record) => {
                if let Frame::Held(bytes) = &record.frame {
                    self.held -= bytes.len();
                }
                if self.records.is_empty() {
                    self.last_sent = None;
                }
                true
            }
            None => false,
        }
    }

    /// Copies of `records` that can be read outside the lock: their bytes copied out of the
    /// ring into one buffer, which the copies share.
    fn copied<'a>(&self, records: impl Iterator<Item = &'a Record> + Clone) -> Vec<Record> {
        let total = records
            .clone()
            .filter(|record| matches!(record.frame, Frame::Stored))
            .map(|record| record.size as usize)
            .sum();
        let mut buffer = Vec::with_capacity(total);
        let mut spans = Vec::new();
        for record in records.clone() {
            if let Frame::Stored = record.frame {
                let start = buffer.len();
                buffer.extend_from_slice(self.bytes.read(record.position, record.size as usize));
                spans.push(start..buffer.len());
            }
        }
        let buffer = Bytes::from(buffer);
        let mut spans = spans.into_iter();
        records
            .map(|record| {
                let mut copy = record.clone();
                if let Frame::Stored = record.frame {
                    let span = spans.next().unwrap_or_default();
                    copy.frame = Frame::Held(Box::new(buffer.slice(span)));
                }
                copy
            })
            .collect()
    }

    /// The `seq` of the latest record; 0 before the first.
    fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// Notices whether anybody subscribes to [`ON_MESSAGE`]. Call it after anything that
    /// may have changed the realm's subscriptions; it costs one comparison when nothing
    /// did. Records from before somebody started watching are not batched.
    pub(crate) fn update_watched(&mut self, broker: &Broker) {
        if self.broker_revision == Some(broker.revision()) {
            return;
        }
        self.broker_revision = Some(broker.revision());
        let watched = broker.has_matching(&Uri::new(ON_MESSAGE));
        if watched && !self.watched {
            self.batched = self.last_seq();
        }
        if self.watched && !watched {
            // The last watcher left: a reload of the inspector should find what it saw.
            self.arm();
        }
        self.watched = watched;
    }

    /// When the next batch is due: [`BATCH_INTERVAL_MS`] after the last one, if somebody
    /// watches and there are new records; otherwise never.
    pub(crate) fn next_batch(&self) -> Option<Timestamp> {
        (self.watched && self.last_seq() > self.batched)
            .then(|| self.last_batch.plus_millis(BATCH_INTERVAL_MS))
    }

    /// Takes the records since the last batch and the watchers with their filters, for
    /// [`BatchPlan::build`]; `None` when no batch is due at `now` or nobody watches.
    pub(crate) fn plan_batch(&mut self, now: Timestamp, broker: &Broker) -> Option<BatchPlan> {
        let due = self.next_batch()?;
        if now < due {
            return None;
        }
        let last = self.last_seq();
        let mut recipients = Vec::new();
        for subscription in broker.matching(&Uri::new(ON_MESSAGE)) {
            for &session in subscription.subscribers() {
                recipients.push(Recipient {
                    session,
                    subscription: subscription.id(),
                    pattern: subscription.policy() != MatchPolicy::Exact,
                    filter: Filter::default(),
                    dropped: 0,
                });
            }
        }
        let batched = std::mem::replace(&mut self.batched, last);
        self.last_batch = now;
        if recipients.is_empty() {
            return None;
        }
        // Records overwritten before any batch took them: nobody knows whether they would
        // have passed a filter, so they count as dropped for everyone.
        let oldest = self
            .records
            .front()
            .map_or(self.next_seq, |record| record.seq);
        let lost = oldest.saturating_sub(batched + 1);
        let first_new = self.records.partition_point(|record| record.seq <= batched);
        let records = self.copied(self.records.range(first_new..));
        for recipient in &mut recipients {
            let watcher = self.watchers.entry(recipient.session).or_default();
            watcher.dropped += lost;
            recipient.filter = watcher.filter.clone();
            recipient.dropped = watcher.dropped;
        }
        Some(BatchPlan {
            realm: self.realm.clone(),
            records,
            recipients,
        })
    }

    /// Accounts for one built batch: it was `delivered`, so the drops it reported are told;
    /// or it was not (the watcher is behind), so its records are dropped too.
    pub(crate) fn settle(&mut self, batch: &Batch, delivered: bool) {
        let Some(watcher) = self.watchers.get_mut(&batch.to) else {
            return;
        };
        if delivered {
            watcher.dropped = watcher
                .dropped
                .saturating_sub(batch.reported - batch.skipped);
        } else {
            watcher.dropped += batch.records + batch.skipped;
        }
    }

    /// Forgets a session that left: its filter and drop count.
    pub(crate) fn forget(&mut self, session: SessionId) {
        self.watchers.remove(&session);
    }

    /// Answers a CALL to a trace procedure (see [`is_trace_call`]) from `session`, which the
    /// caller has authorized: `request`, `procedure` and `payload` are the CALL's.
    pub(crate) fn call(
        &mut self,
        session: SessionId,
        request: RequestId,
        procedure: &Uri,
        payload: &Payload,
    ) -> Answer {
        let invalid = |explanation: String| {
            Answer::Ready(error_reply(
                MessageType::Call,
                request,
                error_uri::INVALID_ARGUMENT,
                explanation,
            ))
        };
        if !payload.args.is_empty() {
            return invalid(format!(
                "{} takes keyword arguments only",
                procedure.as_str()
            ));
        }
        match procedure.as_str() {
            SET_FILTER => match Filter::from_kwargs(&payload.kwargs, &[]) {
                Ok(filter) => {
                    let normalized = filter.to_value();
                    if filter.is_empty() {
                        if let Some(watcher) = self.watchers.get_mut(&session) {
                            watcher.filter = filter;
                        }
                    } else {
                        self.watchers.entry(session).or_default().filter = filter;
                    }
                    Answer::Ready(Message::Result {
                        request,
                        details: Dict::new(),
                        payload: Payload::args(vec![normalized]),
                    })
                }
                Err(explanation) => invalid(explanation),
            },
            HISTORY => match self.arm_and_history(request, &payload.kwargs) {
                Ok(query) => Answer::History(query),
                Err(explanation) => invalid(explanation),
            },
            other => Answer::Ready(error_reply(
                MessageType::Call,
                request,
                error_uri::NO_SUCH_PROCEDURE,
                format!(
                    "no procedure '{other}' in the trace API (it has {SET_FILTER} and {HISTORY})"
                ),
            )),
        }
    }

    /// A history call: somebody is looking, so recording goes on (or starts) for
    /// [`LINGER_SECS`].
    fn arm_and_history(
        &mut self,
        request: RequestId,
        kwargs: &Dict,
    ) -> Result<HistoryQuery, String> {
        self.arm();
        self.history(request, kwargs)
    }

    fn history(&self, request: RequestId, kwargs: &Dict) -> Result<HistoryQuery, String> {
        let filter = Filter::from_kwargs(kwargs, &["limit"])?;
        let limit = match kwargs.get("limit").filter(|value| !value.is_null()) {
            None => DEFAULT_HISTORY_LIMIT,
            Some(value) => value
                .as_u64()
                .ok_or_else(|| "argument 'limit' must be a non-negative integer".to_owned())?
                .try_into()
                .unwrap_or(usize::MAX),
        }
        .min(self.capacity);
        let matching = self
            .records
            .iter()
            .rev()
            .filter(|record| filter.admits_cheaply(record));
        // Without a URI part, the filter has decided already: take no more than needed.
        let take = match filter.needs_uri() {
            true => usize::MAX,
            false => limit,
        };
        let candidates = self.copied(matching.take(take));
        Ok(HistoryQuery {
            request,
            realm: self.realm.clone(),
            candidates,
            filter,
            limit,
        })
    }
}

#[cfg(test)]
impl Trace {
    /// Makes the next batch due at once.
    pub(crate) fn forget_last_batch(&mut self) {
        self.last_batch = Timestamp::EPOCH;
    }

    /// Every record in the buffer as the API shows it, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<Dict> {
        self.copied(self.records.iter())
            .iter()
            .filter_map(
                |record| match record.to_value(&self.realm, record.materialize()) {
                    wamp_proto::Value::Dict(dict) => Some(dict),
                    _ => None,
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests;
