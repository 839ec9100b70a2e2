//! The message trace: records as the dev-router publishes them, the filter, and
//! [`TraceBuffer`], the bounded buffer behind the trace panel.
//!
//! The router offers the trace over WAMP in its own URI space: it publishes batches of
//! records on [`ON_MESSAGE`], answers [`HISTORY`] with the latest records, and applies the
//! filter a subscriber sets with [`SET_FILTER`] (keyed by its session) before publishing to
//! it. A record is a dictionary `{seq, time_ms, realm, session, direction, type, uri, size,
//! serializer, message}`.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::Arc;

use wamp_proto::{Dict, MessageType, Value};

use crate::endpoints::{EndpointKind, is_meta_uri};
use crate::json;

/// The topic the router publishes record batches on: `[[record, ...]]`.
pub const ON_MESSAGE: &str = "dev_router.trace.on_message";
/// The latest records: kwargs `{limit, session?, types?, uri?}` → `[[record, ...]]`.
pub const HISTORY: &str = "dev_router.trace.history";
/// Sets the calling session's filter for [`ON_MESSAGE`]: kwargs `{session?, types?, uri?}`.
pub const SET_FILTER: &str = "dev_router.trace.set_filter";

/// Which way a message went, seen from the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The router received it from the session.
    In,
    /// The router sent it to the session.
    Out,
}

impl Direction {
    /// `in` or `out`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// One traced message.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRecord {
    /// The router's sequence number, increasing.
    pub seq: u64,
    /// When the router handled it (Unix ms).
    pub time_ms: f64,
    /// The realm.
    pub realm: String,
    /// The session that sent or received it.
    pub session: u64,
    /// In to the router, or out from it.
    pub direction: Direction,
    /// The message type's name: `CALL`, `EVENT`, ...
    pub kind: String,
    /// The procedure, topic, realm or error URI the message names, if any.
    pub uri: Option<String>,
    /// Its size on the wire, in bytes.
    pub size: u64,
    /// `json`, `msgpack` or `cbor`.
    pub serializer: String,
    /// The message as a list, `[code, ...]`, with secrets redacted by the router.
    pub message: Value,
    /// A one-line summary of the message, made once.
    pub summary: String,
    /// The inspector's own background traffic (its meta API requests and events, its
    /// session's opening and closing), as [`TraceBuffer`] classified it; the console's
    /// requests are not background.
    pub background: bool,
}

impl TraceRecord {
    /// A record from the router's dictionary.
    ///
    /// # Errors
    /// Says which field is missing or of the wrong type.
    pub fn from_value(value: &Value) -> Result<TraceRecord, String> {
        let dict = value
            .as_dict()
            .ok_or("a trace record must be a dictionary")?;
        let number = |key: &str| -> Result<u64, String> {
            dict.get(key)
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("trace record field '{key}' must be a non-negative integer"))
        };
        let text = |key: &str| dict.get(key).and_then(Value::as_str).map(str::to_owned);
        let seq = number("seq")?;
        let session = number("session")?;
        let time_ms = match dict.get("time_ms") {
            Some(Value::Float(f)) => *f,
            Some(Value::Int(i)) => *i as f64,
            Some(Value::UInt(u)) => *u as f64,
            _ => return Err("trace record field 'time_ms' must be a number".to_owned()),
        };
        let direction = match text("direction").as_deref() {
            Some("in") => Direction::In,
            Some("out") => Direction::Out,
            _ => return Err("trace record field 'direction' must be \"in\" or \"out\"".to_owned()),
        };
        let message = dict
            .get("message")
            .cloned()
            .unwrap_or(Value::List(Vec::new()));
        let kind = text("type")
            .or_else(|| {
                let code = message.as_list()?.first()?.as_u64()?;
                MessageType::from_code(code).map(|t| t.name().to_owned())
            })
            .ok_or("trace record field 'type' is missing")?;
        let summary = summarize(&kind, &message);
        Ok(TraceRecord {
            seq,
            time_ms,
            realm: text("realm").unwrap_or_default(),
            session,
            direction,
            kind,
            uri: text("uri").filter(|uri| !uri.is_empty()),
            size: number("size").unwrap_or(0),
            serializer: text("serializer").unwrap_or_default(),
            message,
            summary,
            background: false,
        })
    }

    /// The record as JSON, in the router's shape (for export).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "seq": self.seq,
            "time_ms": self.time_ms,
            "realm": self.realm,
            "session": self.session,
            "direction": self.direction.as_str(),
            "type": self.kind,
            "uri": self.uri,
            "size": self.size,
            "serializer": self.serializer,
            "message": json::to_json(&self.message),
        })
    }

    /// The subscription or registration the message names by ID (EVENT, INVOCATION,
    /// SUBSCRIBED, REGISTERED, UNSUBSCRIBE, UNREGISTER), to show its URI where the record
    /// has none.
    pub fn endpoint_ref(&self) -> Option<(EndpointKind, u64)> {
        let list = self.message.as_list()?;
        let (kind, position) = match self.kind.as_str() {
            "EVENT" => (EndpointKind::Subscription, 1),
            "SUBSCRIBED" | "UNSUBSCRIBE" => (EndpointKind::Subscription, 2),
            "INVOCATION" | "REGISTERED" | "UNREGISTER" => (EndpointKind::Registration, 2),
            _ => return None,
        };
        Some((kind, list.get(position)?.as_u64()?))
    }

    /// For ERROR and ABORT: the human-readable message (ERROR's first argument, ABORT's
    /// `details.message`), if there is one.
    pub fn error_message(&self) -> Option<&str> {
        let list = self.message.as_list()?;
        match self.kind.as_str() {
            "ERROR" => list.get(5)?.as_list()?.first()?.as_str(),
            "ABORT" | "GOODBYE" => list.get(1)?.as_dict()?.get("message")?.as_str(),
            _ => None,
        }
    }

    /// The request ID the message carries or answers, if its type has one.
    pub fn request_id(&self) -> Option<u64> {
        let list = self.message.as_list()?;
        let position = match self.kind.as_str() {
            "ERROR" => 2,
            "PUBLISH" | "PUBLISHED" | "SUBSCRIBE" | "SUBSCRIBED" | "UNSUBSCRIBE"
            | "UNSUBSCRIBED" | "CALL" | "CANCEL" | "RESULT" | "REGISTER" | "REGISTERED"
            | "UNREGISTER" | "UNREGISTERED" | "INVOCATION" | "INTERRUPT" | "YIELD" => 1,
            _ => return None,
        };
        list.get(position)?.as_u64()
    }
}

/// The one-line summary of a message `[code, ...]` of type `kind`.
fn summarize(kind: &str, message: &Value) -> String {
    const WIDTH: usize = 160;
    let Some(list) = message.as_list() else {
        return json::compact_truncated(message, WIDTH);
    };
    let at = |i: usize| list.get(i);
    let payload = |args_at: usize| {
        let args = at(args_at)
            .and_then(Value::as_list)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let kwargs = at(args_at + 1)
            .and_then(Value::as_dict)
            .cloned()
            .unwrap_or_default();
        json::payload_line(args, &kwargs, WIDTH)
    };
    let id = |i: usize| {
        at(i)
            .and_then(Value::as_u64)
            .map_or_else(String::new, |id| id.to_string())
    };
    let detail = |i: usize, key: &str| {
        at(i)
            .and_then(Value::as_dict)
            .and_then(|d| d.get(key))
            .map(|v| v.as_str().map_or_else(|| json::compact(v), str::to_owned))
    };
    match kind {
        "HELLO" => {
            let methods = detail(2, "authmethods").unwrap_or_else(|| "[\"anonymous\"]".to_owned());
            let authid = detail(2, "authid")
                .map(|a| format!(" as {a}"))
                .unwrap_or_default();
            format!("join {}{authid} · authmethods {methods}", text_at(list, 1))
        }
        "WELCOME" => {
            let role = detail(2, "authrole").unwrap_or_default();
            format!("session {} · authrole {role}", id(1))
        }
        "ABORT" | "GOODBYE" => {
            let message = detail(1, "message")
                .map(|m| format!(" · {m}"))
                .unwrap_or_default();
            format!("{}{message}", text_at(list, 2))
        }
        "CHALLENGE" => format!("authmethod {}", text_at(list, 1)),
        "AUTHENTICATE" => "signature (redacted)".to_owned(),
        "ERROR" => {
            let request_type = at(1)
                .and_then(Value::as_u64)
                .and_then(MessageType::from_code)
                .map_or("?", MessageType::name);
            format!("{request_type} #{} · {}", id(2), payload(5))
        }
        "PUBLISH" | "CALL" => format!("#{} · {}", id(1), payload(4)),
        "EVENT" => format!("sub {} · pub {} · {}", id(1), id(2), payload(4)),
        "INVOCATION" => format!("#{} · reg {} · {}", id(1), id(2), payload(4)),
        "RESULT" | "YIELD" => {
            let progress = detail(2, "progress")
                .filter(|p| p == "true")
                .map_or("", |_| " · progress");
            format!("#{}{progress} · {}", id(1), payload(3))
        }
        "PUBLISHED" => format!("#{} · publication {}", id(1), id(2)),
        "SUBSCRIBE" | "REGISTER" => {
            let policy = detail(2, "match")
                .map(|m| format!(" · match {m}"))
                .unwrap_or_default();
            format!("#{}{policy}", id(1))
        }
        "SUBSCRIBED" => format!("#{} · subscription {}", id(1), id(2)),
        "REGISTERED" => format!("#{} · registration {}", id(1), id(2)),
        "UNSUBSCRIBE" => format!("#{} · subscription {}", id(1), id(2)),
        "UNREGISTER" => format!("#{} · registration {}", id(1), id(2)),
        "UNSUBSCRIBED" | "UNREGISTERED" => format!("#{}", id(1)),
        "CANCEL" | "INTERRUPT" => {
            let mode = detail(2, "mode")
                .map(|m| format!(" · mode {m}"))
                .unwrap_or_default();
            format!("#{}{mode}", id(1))
        }
        _ => json::compact_truncated(message, WIDTH),
    }
}

fn text_at(list: &[Value], i: usize) -> String {
    list.get(i)
        .map(|v| v.as_str().map_or_else(|| json::compact(v), str::to_owned))
        .unwrap_or_default()
}

/// Which records to show: all conditions must hold; empty conditions hold for everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TraceFilter {
    /// Only this session's messages.
    pub session: Option<u64>,
    /// Only these message types (names such as `CALL`); empty for all.
    pub types: BTreeSet<String>,
    /// Only messages whose URI contains this text (case insensitive); empty for all.
    pub uri: String,
    /// Leave out the inspector's own background traffic ([`TraceRecord::background`]).
    /// Applied here only: the router's filter has no such condition.
    pub hide_background: bool,
}

impl TraceFilter {
    /// Whether every record passes.
    pub fn is_empty(&self) -> bool {
        self.session.is_none()
            && self.types.is_empty()
            && self.uri.trim().is_empty()
            && !self.hide_background
    }

    /// Whether `record` passes.
    pub fn matches(&self, record: &TraceRecord) -> bool {
        if self
            .session
            .is_some_and(|session| session != record.session)
            || (self.hide_background && record.background)
        {
            return false;
        }
        if !self.types.is_empty() && !self.types.contains(&record.kind) {
            return false;
        }
        let uri = self.uri.trim();
        if !uri.is_empty() {
            let Some(record_uri) = &record.uri else {
                return false;
            };
            if !record_uri.to_lowercase().contains(&uri.to_lowercase()) {
                return false;
            }
        }
        true
    }

    /// The filter as the keyword arguments of [`SET_FILTER`] and [`HISTORY`]: only the
    /// conditions that are set (and the router knows).
    pub fn to_kwargs(&self) -> Dict {
        let mut kwargs = Dict::new();
        if let Some(session) = self.session {
            kwargs.insert("session".to_owned(), Value::from(session));
        }
        if !self.types.is_empty() {
            let types = self.types.iter().map(|t| Value::from(t.as_str())).collect();
            kwargs.insert("types".to_owned(), Value::List(types));
        }
        let uri = self.uri.trim();
        if !uri.is_empty() {
            kwargs.insert("uri".to_owned(), Value::from(uri));
        }
        kwargs
    }

    /// Reads the session field of the filter bar: empty for any session.
    ///
    /// # Errors
    /// When the text is not a session ID.
    pub fn parse_session(text: &str) -> Result<Option<u64>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<u64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Some)
            .ok_or_else(|| format!("'{text}' is not a session ID (a positive whole number)"))
    }
}

/// The names of every message type, in code order, for the type filter.
pub fn type_names() -> Vec<&'static str> {
    MessageType::ALL.iter().map(|t| t.name()).collect()
}

/// The records the trace panel holds: at most `capacity`, oldest dropped first; the ones
/// the filter lets through in view order; and, while paused, the records that arrived,
/// held back until resumed.
///
/// Records are addressed by a local index that grows by one per record kept, so that a
/// virtualized list finds row `i` of the filtered view in constant time.
#[derive(Debug, Clone)]
pub struct TraceBuffer {
    capacity: usize,
    records: VecDeque<Arc<TraceRecord>>,
    /// The local index of `records[0]`.
    first: u64,
    /// Local indices of the records that pass the filter, ascending.
    visible: VecDeque<u64>,
    filter: TraceFilter,
    paused: bool,
    held: VecDeque<Arc<TraceRecord>>,
    /// Records dropped from `held` because it was full.
    held_dropped: u64,
    /// Records dropped because the buffer was full, since the last clear.
    evicted: u64,
    /// The highest sequence number taken in: older or repeated records are duplicates.
    last_seq: Option<u64>,
    /// Cleared up to here: history must not bring these back.
    floor_seq: Option<u64>,
    revision: u64,
    /// What tells the inspector's background traffic apart.
    background: Background,
}

/// The inspector's session and its background requests and subscriptions, learnt from the
/// records as they pass (and from the app, for subscriptions made before the trace).
#[derive(Debug, Clone, Default)]
struct Background {
    session: Option<u64>,
    /// Meta API calls in flight: their RESULT or ERROR is background too.
    calls: HashSet<u64>,
    /// Meta API subscribe requests in flight: their SUBSCRIBED names a subscription.
    subscribes: HashSet<u64>,
    /// Subscriptions to meta topics: their EVENTs are background.
    subscriptions: HashSet<u64>,
}

/// Requests remembered at most; beyond, the oldest knowledge is dropped (a late answer
/// then shows as the console's).
const MAX_REMEMBERED: usize = 10_000;

impl Background {
    /// Whether `record` is the inspector's background traffic; learns from it.
    fn classify(&mut self, record: &TraceRecord) -> bool {
        if self.session != Some(record.session) {
            return false;
        }
        if self.calls.len() > MAX_REMEMBERED {
            self.calls.clear();
        }
        let meta = record.uri.as_deref().is_some_and(is_meta_uri);
        let request = record.request_id();
        match record.kind.as_str() {
            "HELLO" | "WELCOME" | "CHALLENGE" | "AUTHENTICATE" | "GOODBYE" | "ABORT" => true,
            "CALL" if meta => {
                self.calls.extend(request);
                true
            }
            "RESULT" | "ERROR" => request.is_some_and(|r| self.calls.contains(&r)),
            "SUBSCRIBE" if meta => {
                self.subscribes.extend(request);
                true
            }
            "SUBSCRIBED" => {
                let ours = request.is_some_and(|r| self.subscribes.remove(&r));
                if ours {
                    self.subscriptions
                        .extend(record.endpoint_ref().map(|(_, id)| id));
                }
                ours
            }
            "EVENT" | "UNSUBSCRIBE" => record
                .endpoint_ref()
                .is_some_and(|(_, id)| self.subscriptions.contains(&id)),
            _ => false,
        }
    }
}

impl TraceBuffer {
    /// An empty buffer keeping at most `capacity` records (at least 1).
    pub fn new(capacity: usize) -> Self {
        TraceBuffer {
            capacity: capacity.max(1),
            records: VecDeque::new(),
            first: 0,
            visible: VecDeque::new(),
            filter: TraceFilter::default(),
            paused: false,
            held: VecDeque::new(),
            held_dropped: 0,
            evicted: 0,
            last_seq: None,
            floor_seq: None,
            revision: 0,
            background: Background::default(),
        }
    }

    /// Tells the buffer the inspector's own session (after each join) and the IDs of its
    /// subscriptions to the meta API, so that their traffic is marked as background.
    pub fn set_own_session(
        &mut self,
        session: Option<u64>,
        subscriptions: impl IntoIterator<Item = u64>,
    ) {
        if self.background.session != session {
            self.background = Background {
                session,
                ..Background::default()
            };
        }
        self.background.subscriptions.extend(subscriptions);
    }

    /// Changes with every change of what is shown.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The most records kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Takes in records from the router, in sequence order. Repeats and records older than
    /// the last one taken in (or cleared) are dropped. While paused they are held back.
    ///
    /// Returns how many were new.
    pub fn push(&mut self, records: impl IntoIterator<Item = TraceRecord>) -> usize {
        self.take(records).len()
    }

    /// Like [`push`](TraceBuffer::push), returning the records that were new (classified:
    /// see [`TraceRecord::background`]).
    pub fn take(
        &mut self,
        records: impl IntoIterator<Item = TraceRecord>,
    ) -> Vec<Arc<TraceRecord>> {
        let mut taken = Vec::new();
        for mut record in records {
            if self.last_seq.is_some_and(|last| record.seq <= last)
                || self.floor_seq.is_some_and(|floor| record.seq <= floor)
            {
                continue;
            }
            self.last_seq = Some(record.seq);
            record.background = self.background.classify(&record);
            let record = Arc::new(record);
            taken.push(record.clone());
            if self.paused {
                if self.held.len() == self.capacity {
                    self.held.pop_front();
                    self.held_dropped += 1;
                }
                self.held.push_back(record);
            } else {
                self.keep(record);
            }
        }
        if !taken.is_empty() && !self.paused {
            self.revision += 1;
        }
        taken
    }

    fn keep(&mut self, record: Arc<TraceRecord>) {
        if self.records.len() == self.capacity {
            self.records.pop_front();
            if self.visible.front() == Some(&self.first) {
                self.visible.pop_front();
            }
            self.first += 1;
            self.evicted += 1;
        }
        let index = self.first + self.records.len() as u64;
        if self.filter.matches(&record) {
            self.visible.push_back(index);
        }
        self.records.push_back(record);
    }

    /// Replaces the content with the router's history (after connecting, or after the
    /// filter changed on the router). Records cleared by the user stay out.
    pub fn replace_with_history(&mut self, mut records: Vec<TraceRecord>) {
        records.sort_by_key(|record| record.seq);
        records.dedup_by_key(|record| record.seq);
        let held = self.paused;
        // Local indices keep growing, so that an index held from before (a selection) finds
        // nothing rather than another record.
        self.first += self.records.len() as u64;
        self.records.clear();
        self.visible.clear();
        self.held.clear();
        self.last_seq = None;
        self.paused = false;
        self.push(records);
        self.paused = held;
        self.revision += 1;
    }

    /// Sets the filter and recomputes what is shown.
    pub fn set_filter(&mut self, filter: TraceFilter) {
        if filter == self.filter {
            return;
        }
        self.filter = filter;
        self.visible = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, record)| self.filter.matches(record))
            .map(|(offset, _)| self.first + offset as u64)
            .collect();
        self.revision += 1;
    }

    /// The filter in force.
    pub fn filter(&self) -> &TraceFilter {
        &self.filter
    }

    /// Stops showing new records: they are held until [`resume`](TraceBuffer::resume).
    pub fn pause(&mut self) {
        self.paused = true;
        self.revision += 1;
    }

    /// Shows the held records and takes new ones in again.
    pub fn resume(&mut self) {
        self.paused = false;
        for record in std::mem::take(&mut self.held) {
            self.keep(record);
        }
        self.held_dropped = 0;
        self.revision += 1;
    }

    /// Whether paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Records held back while paused, and how many of those were dropped for space.
    pub fn held(&self) -> (usize, u64) {
        (self.held.len(), self.held_dropped)
    }

    /// Empties the buffer; records up to the last one seen will not come back.
    pub fn clear(&mut self) {
        self.first += self.records.len() as u64;
        self.records.clear();
        self.visible.clear();
        self.held.clear();
        self.held_dropped = 0;
        self.evicted = 0;
        self.floor_seq = self.last_seq;
        self.revision += 1;
    }

    /// The highest sequence number taken in so far.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// Every record kept, oldest first (whatever the filter).
    pub fn iter(&self) -> impl Iterator<Item = &Arc<TraceRecord>> {
        self.records.iter()
    }

    /// Records kept (shown or filtered out).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no records are kept.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Records dropped for space since the last clear.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Records the filter lets through: the rows of the view.
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// Rows `start..end` of the view (clamped), each with its local index.
    pub fn visible_rows(&self, start: usize, end: usize) -> Vec<(u64, Arc<TraceRecord>)> {
        let end = end.min(self.visible.len());
        let start = start.min(end);
        self.visible
            .range(start..end)
            .filter_map(|index| Some((*index, self.record(*index)?)))
            .collect()
    }

    /// The record at a local index, while it is kept.
    pub fn record(&self, index: u64) -> Option<Arc<TraceRecord>> {
        let offset = index.checked_sub(self.first)?;
        self.records.get(usize::try_from(offset).ok()?).cloned()
    }

    /// The view position of a local index, if it is shown.
    pub fn position(&self, index: u64) -> Option<usize> {
        self.visible.binary_search(&index).ok()
    }

    /// The local index of view row `position`.
    pub fn index_at(&self, position: usize) -> Option<u64> {
        self.visible.get(position).copied()
    }

    /// The last `limit` records of `session`, oldest first (whatever the filter).
    pub fn recent_of_session(&self, session: u64, limit: usize) -> Vec<Arc<TraceRecord>> {
        let mut recent: Vec<Arc<TraceRecord>> = self
            .records
            .iter()
            .rev()
            .filter(|record| record.session == session)
            .take(limit)
            .cloned()
            .collect();
        recent.reverse();
        recent
    }

    /// The last `limit` ERROR and ABORT records kept, newest first, with their local index.
    pub fn recent_errors(&self, limit: usize) -> Vec<(u64, Arc<TraceRecord>)> {
        self.records
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, record)| record.kind == "ERROR" || record.kind == "ABORT")
            .take(limit)
            .map(|(offset, record)| (self.first + offset as u64, record.clone()))
            .collect()
    }

    /// The records shown (or all kept, if not `only_visible`) as a JSON array, indented.
    pub fn export(&self, only_visible: bool) -> String {
        let records: Vec<serde_json::Value> = if only_visible {
            self.visible
                .iter()
                .filter_map(|index| self.record(*index))
                .map(|record| record.to_json())
                .collect()
        } else {
            self.records.iter().map(|record| record.to_json()).collect()
        };
        serde_json::to_string_pretty(&records).unwrap_or_else(|_| "[]".to_owned())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn record(seq: u64, session: u64, kind: &str, uri: Option<&str>) -> TraceRecord {
        let code = MessageType::ALL
            .iter()
            .find(|t| t.name() == kind)
            .map_or(0, |t| t.code());
        let message = match kind {
            "CALL" => Value::List(vec![
                code.into(),
                Value::Int(seq as i64),
                Value::Dict(Dict::new()),
                uri.unwrap_or("x").into(),
                Value::List(vec![Value::Int(2), Value::Int(3)]),
            ]),
            _ => Value::List(vec![code.into(), Value::Int(seq as i64)]),
        };
        let mut dict = Dict::from([
            ("seq".to_owned(), seq.into()),
            ("time_ms".to_owned(), Value::Float(1000.0 + seq as f64)),
            ("realm".to_owned(), "realm1".into()),
            ("session".to_owned(), session.into()),
            ("direction".to_owned(), "in".into()),
            ("type".to_owned(), kind.into()),
            ("size".to_owned(), 42.into()),
            ("serializer".to_owned(), "json".into()),
            ("message".to_owned(), message),
        ]);
        dict.insert("uri".to_owned(), uri.map_or(Value::Null, Value::from));
        TraceRecord::from_value(&Value::Dict(dict)).unwrap()
    }

    fn seqs(buffer: &TraceBuffer) -> Vec<u64> {
        buffer
            .visible_rows(0, usize::MAX)
            .iter()
            .map(|(_, record)| record.seq)
            .collect()
    }

    #[test]
    fn records_parse_and_summarize() {
        let call = record(5, 7, "CALL", Some("com.example.add"));
        assert_eq!(call.kind, "CALL");
        assert_eq!(call.uri.as_deref(), Some("com.example.add"));
        assert_eq!(call.summary, "#5 · [2,3]");
        assert_eq!(call.request_id(), Some(5));
        assert_eq!(call.endpoint_ref(), None);
        let mut event = record(7, 7, "EVENT", None);
        event.message = Value::List(vec![Value::Int(36), Value::Int(99), Value::Int(1234)]);
        assert_eq!(event.endpoint_ref(), Some((EndpointKind::Subscription, 99)));
        let mut error = record(8, 7, "ERROR", Some("wamp.error.no_such_procedure"));
        error.message = Value::List(vec![
            Value::Int(8),
            Value::Int(48),
            Value::Int(3),
            Value::Dict(Dict::new()),
            "wamp.error.no_such_procedure".into(),
            Value::List(vec!["no callee for com.x".into()]),
        ]);
        assert_eq!(error.error_message(), Some("no callee for com.x"));
        assert_eq!(call.error_message(), None);
        assert_eq!(record(6, 7, "RESULT", None).uri, None);

        let bad = Value::Dict(Dict::from([("seq".to_owned(), Value::from("x"))]));
        assert!(TraceRecord::from_value(&bad).unwrap_err().contains("'seq'"));
        assert!(TraceRecord::from_value(&Value::Int(1)).is_err());

        let json = call.to_json();
        assert_eq!(json["type"], "CALL");
        assert_eq!(json["message"][3], "com.example.add");
    }

    #[test]
    fn the_buffer_keeps_the_newest_up_to_its_capacity() {
        let mut buffer = TraceBuffer::new(3);
        let taken = buffer.push((1..=5).map(|seq| record(seq, 1, "CALL", Some("a"))));
        assert_eq!(taken, 5);
        assert_eq!(buffer.len(), 3);
        assert_eq!(seqs(&buffer), vec![3, 4, 5]);
        assert_eq!(buffer.evicted(), 2);
        // Indices keep growing: row 0 is local index 2.
        assert_eq!(buffer.index_at(0), Some(2));
        assert_eq!(buffer.record(2).unwrap().seq, 3);
        assert_eq!(buffer.record(1), None, "evicted");
        assert_eq!(buffer.position(4), Some(2));
    }

    #[test]
    fn repeats_and_old_records_are_dropped() {
        let mut buffer = TraceBuffer::new(10);
        buffer.push([record(1, 1, "CALL", None), record(2, 1, "CALL", None)]);
        assert_eq!(
            buffer.push([record(2, 1, "CALL", None), record(1, 1, "CALL", None)]),
            0
        );
        assert_eq!(buffer.push([record(3, 1, "CALL", None)]), 1);
        assert_eq!(seqs(&buffer), vec![1, 2, 3]);
    }

    #[test]
    fn the_filter_selects_by_session_type_and_uri() {
        let mut buffer = TraceBuffer::new(100);
        buffer.push([
            record(1, 1, "CALL", Some("com.example.add")),
            record(2, 2, "CALL", Some("com.example.mul")),
            record(3, 1, "RESULT", None),
            record(4, 2, "PUBLISH", Some("com.example.news")),
        ]);
        buffer.set_filter(TraceFilter {
            session: Some(1),
            ..TraceFilter::default()
        });
        assert_eq!(seqs(&buffer), vec![1, 3]);
        buffer.set_filter(TraceFilter {
            types: ["CALL".to_owned(), "PUBLISH".to_owned()].into(),
            ..TraceFilter::default()
        });
        assert_eq!(seqs(&buffer), vec![1, 2, 4]);
        buffer.set_filter(TraceFilter {
            uri: " EXAMPLE.m ".to_owned(),
            ..TraceFilter::default()
        });
        assert_eq!(
            seqs(&buffer),
            vec![2],
            "case-insensitive substring, trimmed"
        );
        // New records are filtered as they come.
        buffer.push([
            record(5, 3, "CALL", Some("com.example.mul")),
            record(6, 3, "CALL", Some("x")),
        ]);
        assert_eq!(seqs(&buffer), vec![2, 5]);
        buffer.set_filter(TraceFilter::default());
        assert_eq!(buffer.visible_len(), 6);
    }

    /// A record of `kind` with the message list `message` (after the type code).
    fn message(
        seq: u64,
        session: u64,
        kind: &str,
        uri: Option<&str>,
        fields: Vec<Value>,
    ) -> TraceRecord {
        let mut record = record(seq, session, kind, uri);
        let code = MessageType::ALL
            .iter()
            .find(|t| t.name() == kind)
            .map_or(0, |t| t.code());
        let mut list = vec![Value::from(code)];
        list.extend(fields);
        record.message = Value::List(list);
        record
    }

    #[test]
    fn the_inspectors_background_traffic_can_be_hidden() {
        let own = 7;
        let mut buffer = TraceBuffer::new(100);
        buffer.set_own_session(Some(own), [50]);
        buffer.set_filter(TraceFilter {
            hide_background: true,
            ..TraceFilter::default()
        });
        let empty = || Value::Dict(Dict::new());
        buffer.push([
            message(
                1,
                own,
                "CALL",
                Some("wamp.session.list"),
                vec![1.into(), empty(), "wamp.session.list".into()],
            ),
            message(2, own, "RESULT", None, vec![1.into(), empty()]),
            message(
                3,
                own,
                "CALL",
                Some("com.example.add"),
                vec![2.into(), empty(), "com.example.add".into()],
            ),
            message(4, own, "RESULT", None, vec![2.into(), empty()]),
            message(5, own, "EVENT", None, vec![50.into(), 9.into(), empty()]),
            message(
                6,
                own,
                "SUBSCRIBE",
                Some("wamp.registration.on_create"),
                vec![3.into(), empty(), "wamp.registration.on_create".into()],
            ),
            message(7, own, "SUBSCRIBED", None, vec![3.into(), 60.into()]),
            message(8, own, "EVENT", None, vec![60.into(), 10.into(), empty()]),
            message(
                9,
                own,
                "PUBLISH",
                Some("com.example.news"),
                vec![4.into(), empty(), "com.example.news".into()],
            ),
            message(10, 8, "EVENT", None, vec![50.into(), 11.into(), empty()]),
            message(11, own, "EVENT", None, vec![61.into(), 12.into(), empty()]),
        ]);
        assert_eq!(
            seqs(&buffer),
            vec![3, 4, 9, 10, 11],
            "the console's traffic and others' stay"
        );
        buffer.set_filter(TraceFilter::default());
        assert_eq!(buffer.visible_len(), 11);
        // A new session forgets the old one's requests.
        buffer.set_own_session(Some(8), []);
        buffer.push([message(12, 8, "RESULT", None, vec![1.into(), empty()])]);
        assert!(!buffer.record(11).unwrap().background);
    }

    #[test]
    fn filtered_rows_leave_with_their_records() {
        let mut buffer = TraceBuffer::new(2);
        buffer.set_filter(TraceFilter {
            session: Some(1),
            ..TraceFilter::default()
        });
        buffer.push([record(1, 1, "CALL", None), record(2, 2, "CALL", None)]);
        assert_eq!(seqs(&buffer), vec![1]);
        buffer.push([record(3, 2, "CALL", None)]);
        assert_eq!(seqs(&buffer), Vec::<u64>::new(), "record 1 was evicted");
        assert_eq!(buffer.visible_len(), 0);
    }

    #[test]
    fn the_filter_goes_to_the_router_as_kwargs() {
        let filter = TraceFilter {
            session: Some(9),
            types: ["EVENT".to_owned()].into(),
            uri: " com. ".to_owned(),
            hide_background: true,
        };
        let kwargs = filter.to_kwargs();
        assert_eq!(kwargs.len(), 3, "hide_background stays here");
        assert_eq!(kwargs.get("session"), Some(&Value::Int(9)));
        assert_eq!(
            kwargs.get("types"),
            Some(&Value::List(vec!["EVENT".into()]))
        );
        assert_eq!(kwargs.get("uri"), Some(&Value::from("com.")));
        assert!(TraceFilter::default().to_kwargs().is_empty());
        assert_eq!(TraceFilter::parse_session(" 12 "), Ok(Some(12)));
        assert_eq!(TraceFilter::parse_session(""), Ok(None));
        assert!(TraceFilter::parse_session("abc").is_err());
        assert!(TraceFilter::parse_session("0").is_err());
    }

    #[test]
    fn pausing_holds_records_back_until_resumed() {
        let mut buffer = TraceBuffer::new(3);
        buffer.push([record(1, 1, "CALL", None)]);
        buffer.pause();
        let revision = buffer.revision();
        buffer.push((2..=6).map(|seq| record(seq, 1, "CALL", None)));
        assert_eq!(seqs(&buffer), vec![1], "frozen while paused");
        assert_eq!(buffer.revision(), revision, "nothing to redraw");
        assert_eq!(buffer.held(), (3, 2), "held is bounded too");
        buffer.resume();
        assert_eq!(seqs(&buffer), vec![4, 5, 6]);
        assert_eq!(buffer.held(), (0, 0));
    }

    #[test]
    fn clearing_keeps_old_records_out() {
        let mut buffer = TraceBuffer::new(10);
        buffer.push((1..=3).map(|seq| record(seq, 1, "CALL", None)));
        buffer.clear();
        assert!(buffer.is_empty());
        assert_eq!(buffer.visible_len(), 0);
        buffer.replace_with_history((1..=4).map(|seq| record(seq, 1, "CALL", None)).collect());
        assert_eq!(
            seqs(&buffer),
            vec![4],
            "history does not bring cleared records back"
        );
        buffer.push([record(5, 1, "CALL", None)]);
        assert_eq!(seqs(&buffer), vec![4, 5]);
    }

    #[test]
    fn history_replaces_the_content() {
        let mut buffer = TraceBuffer::new(10);
        buffer.push((1..=3).map(|seq| record(seq, 1, "CALL", None)));
        let before = buffer.index_at(0).unwrap();
        buffer.replace_with_history(vec![record(9, 2, "CALL", None), record(8, 2, "CALL", None)]);
        assert_eq!(seqs(&buffer), vec![8, 9]);
        assert_eq!(buffer.record(before), None, "old indices name nothing");
        assert_eq!(
            buffer.push([record(9, 2, "CALL", None)]),
            0,
            "live repeats of history"
        );
        assert_eq!(buffer.push([record(10, 2, "CALL", None)]), 1);
    }

    #[test]
    fn recent_errors_newest_first() {
        let mut buffer = TraceBuffer::new(10);
        buffer.push([
            record(1, 1, "ERROR", Some("a")),
            record(2, 1, "CALL", Some("b")),
            record(3, 2, "ABORT", None),
            record(4, 2, "ERROR", Some("c")),
        ]);
        let seqs: Vec<u64> = buffer.recent_errors(2).iter().map(|(_, r)| r.seq).collect();
        assert_eq!(seqs, vec![4, 3]);
        let (index, record) = &buffer.recent_errors(5)[2];
        assert_eq!(buffer.record(*index).unwrap().seq, record.seq);
    }

    #[test]
    fn recent_messages_of_a_session_and_export() {
        let mut buffer = TraceBuffer::new(10);
        buffer.push((1..=6).map(|seq| record(seq, seq % 2, "CALL", Some("a"))));
        let recent: Vec<u64> = buffer
            .recent_of_session(1, 2)
            .iter()
            .map(|r| r.seq)
            .collect();
        assert_eq!(recent, vec![3, 5]);
        buffer.set_filter(TraceFilter {
            session: Some(0),
            ..TraceFilter::default()
        });
        let exported: serde_json::Value = serde_json::from_str(&buffer.export(true)).unwrap();
        assert_eq!(exported.as_array().unwrap().len(), 3);
        let all: serde_json::Value = serde_json::from_str(&buffer.export(false)).unwrap();
        assert_eq!(all.as_array().unwrap().len(), 6);
        assert_eq!(all[0]["seq"], 1);
    }
}
