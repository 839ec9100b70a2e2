//! The console: call, publish and subscribe requests as the user types them, their
//! validation (field by field, in words), the running call's state, watched topics, and the
//! history of requests, which can be re-run and is kept across visits.

use std::collections::{BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};
use wamp_proto::{Dict, List, Uri, UriRule, Value};

use crate::json::{self, JsonError};

/// A form field with a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The procedure or topic.
    Uri,
    /// The positional arguments editor.
    Args,
    /// The keyword arguments editor.
    Kwargs,
    /// The timeout.
    Timeout,
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: Field,
    /// What is wrong, in words (with line and column for JSON).
    pub message: String,
}

impl FieldError {
    fn new(field: Field, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }

    fn json(field: Field, error: &JsonError) -> Self {
        FieldError::new(field, error.to_string())
    }
}

/// Checks a procedure or topic URI (`what` names it in the message). Patterns (`prefix`,
/// `wildcard`) may have empty components.
///
/// # Errors
/// When empty or not a URI.
pub fn check_uri(text: &str, what: &str, match_policy: &str) -> Result<(), String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!(
            "enter a {what} URI, like com.example.{}",
            example(what)
        ));
    }
    let wildcard = match_policy == "wildcard";
    // A prefix may end in a dot (`com.example.` matches `com.example.news`, not
    // `com.examples`).
    let checked = match match_policy {
        "prefix" => text.strip_suffix('.').unwrap_or(text),
        _ => text,
    };
    if checked.is_empty() || !Uri::new(checked).is_valid(UriRule::Loose, wildcard) {
        return Err(format!(
            "'{text}' is not a valid {what} URI: dot-separated parts without spaces or '#'{}",
            if wildcard {
                " (empty parts match anything)"
            } else {
                ""
            }
        ));
    }
    Ok(())
}

fn example(what: &str) -> &'static str {
    if what == "topic" { "news" } else { "add" }
}

/// Reads the timeout field: empty or 0 for none, else milliseconds.
///
/// # Errors
/// When it is not a whole number of milliseconds.
pub fn parse_timeout(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u64>() {
        Ok(0) => Ok(None),
        Ok(ms) => Ok(Some(ms)),
        Err(_) => Err(format!(
            "'{text}' is not a timeout: a whole number of milliseconds"
        )),
    }
}

/// A call as the user typed it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CallRequest {
    /// The procedure URI.
    pub procedure: String,
    /// Positional arguments, JSON text (a list, or empty).
    pub args: String,
    /// Keyword arguments, JSON text (an object, or empty).
    pub kwargs: String,
    /// Timeout in milliseconds, text (empty for none).
    pub timeout: String,
    /// Ask the router to disclose this session to the callee.
    pub disclose_me: bool,
    /// Ask for progressive results.
    pub receive_progress: bool,
}

/// A call ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCall {
    /// The procedure URI, trimmed.
    pub procedure: String,
    /// Positional arguments.
    pub args: List,
    /// Keyword arguments.
    pub kwargs: Dict,
    /// Timeout in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Disclose the caller.
    pub disclose_me: bool,
    /// Progressive results.
    pub receive_progress: bool,
}

impl CallRequest {
    /// Every problem of the form, in field order.
    pub fn problems(&self) -> Vec<FieldError> {
        self.validate().err().unwrap_or_default()
    }

    /// The call to send.
    ///
    /// # Errors
    /// Every problem of the form.
    pub fn validate(&self) -> Result<ValidCall, Vec<FieldError>> {
        let mut problems = Vec::new();
        if let Err(message) = check_uri(&self.procedure, "procedure", "exact") {
            problems.push(FieldError::new(Field::Uri, message));
        }
        let args = json::parse_args(&self.args)
            .map_err(|e| problems.push(FieldError::json(Field::Args, &e)))
            .ok();
        let kwargs = json::parse_kwargs(&self.kwargs)
            .map_err(|e| problems.push(FieldError::json(Field::Kwargs, &e)))
            .ok();
        let timeout_ms = parse_timeout(&self.timeout)
            .map_err(|e| problems.push(FieldError::new(Field::Timeout, e)))
            .ok()
            .flatten();
        match (args, kwargs) {
            (Some(args), Some(kwargs)) if problems.is_empty() => Ok(ValidCall {
                procedure: self.procedure.trim().to_owned(),
                args,
                kwargs,
                timeout_ms,
                disclose_me: self.disclose_me,
                receive_progress: self.receive_progress,
            }),
            _ => Err(problems),
        }
    }
}

/// A publication as the user typed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublishRequest {
    /// The topic URI.
    pub topic: String,
    /// Positional arguments, JSON text.
    pub args: String,
    /// Keyword arguments, JSON text.
    pub kwargs: String,
    /// Ask the router to acknowledge (and report errors).
    pub acknowledge: bool,
    /// Leave this session out of the receivers (WAMP's default).
    pub exclude_me: bool,
    /// Disclose this session to subscribers.
    pub disclose_me: bool,
    /// Ask the router to retain the event for late subscribers.
    pub retain: bool,
}

impl Default for PublishRequest {
    fn default() -> Self {
        PublishRequest {
            topic: String::new(),
            args: String::new(),
            kwargs: String::new(),
            acknowledge: true,
            exclude_me: true,
            disclose_me: false,
            retain: false,
        }
    }
}

/// A publication ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPublish {
    /// The topic, trimmed.
    pub topic: String,
    /// Positional arguments.
    pub args: List,
    /// Keyword arguments.
    pub kwargs: Dict,
}

impl PublishRequest {
    /// Every problem of the form, in field order.
    pub fn problems(&self) -> Vec<FieldError> {
        self.validate().err().unwrap_or_default()
    }

    /// The publication to send (options are read from `self`).
    ///
    /// # Errors
    /// Every problem of the form.
    pub fn validate(&self) -> Result<ValidPublish, Vec<FieldError>> {
        let mut problems = Vec::new();
        if let Err(message) = check_uri(&self.topic, "topic", "exact") {
            problems.push(FieldError::new(Field::Uri, message));
        }
        let args = json::parse_args(&self.args)
            .map_err(|e| problems.push(FieldError::json(Field::Args, &e)))
            .ok();
        let kwargs = json::parse_kwargs(&self.kwargs)
            .map_err(|e| problems.push(FieldError::json(Field::Kwargs, &e)))
            .ok();
        match (args, kwargs) {
            (Some(args), Some(kwargs)) if problems.is_empty() => Ok(ValidPublish {
                topic: self.topic.trim().to_owned(),
                args,
                kwargs,
            }),
            _ => Err(problems),
        }
    }
}

/// A subscription as the user typed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscribeRequest {
    /// The topic, or a pattern.
    pub topic: String,
    /// `exact`, `prefix` or `wildcard`.
    pub match_policy: String,
}

impl Default for SubscribeRequest {
    fn default() -> Self {
        SubscribeRequest {
            topic: String::new(),
            match_policy: "exact".to_owned(),
        }
    }
}

impl SubscribeRequest {
    /// The problem of the form, if any.
    pub fn problems(&self) -> Vec<FieldError> {
        match check_uri(&self.topic, "topic", &self.match_policy) {
            Ok(()) => Vec::new(),
            Err(message) => vec![FieldError::new(Field::Uri, message)],
        }
    }
}

/// Any request of the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Request {
    /// A call.
    Call(CallRequest),
    /// A publication.
    Publish(PublishRequest),
    /// A subscription.
    Subscribe(SubscribeRequest),
}

impl Request {
    /// `call`, `publish` or `subscribe`.
    pub fn verb(&self) -> &'static str {
        match self {
            Request::Call(_) => "call",
            Request::Publish(_) => "publish",
            Request::Subscribe(_) => "subscribe",
        }
    }

    /// The procedure or topic.
    pub fn uri(&self) -> &str {
        match self {
            Request::Call(call) => call.procedure.trim(),
            Request::Publish(publish) => publish.topic.trim(),
            Request::Subscribe(subscribe) => subscribe.topic.trim(),
        }
    }

    /// The payload on one line (or the match policy of a subscription).
    pub fn summary(&self) -> String {
        let payload = |args: &str, kwargs: &str| {
            let mut parts: Vec<String> = [args, kwargs]
                .iter()
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|t| !t.is_empty())
                .collect();
            if parts.is_empty() {
                parts.push("—".to_owned());
            }
            json::truncate(&parts.join(" "), 80)
        };
        match self {
            Request::Call(call) => payload(&call.args, &call.kwargs),
            Request::Publish(publish) => payload(&publish.args, &publish.kwargs),
            Request::Subscribe(subscribe) => format!("match {}", subscribe.match_policy),
        }
    }
}

/// One request in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Unique in this history.
    pub id: u64,
    /// What was asked.
    pub request: Request,
    /// When it was last issued (Unix ms).
    pub time_ms: f64,
    /// How it went, in a few words (`ok · 3.2 ms`, an error URI), once known.
    pub outcome: Option<String>,
    /// Whether it failed.
    pub failed: bool,
}

/// The requests issued, newest first, at most `capacity`; issuing the same request again
/// moves it to the top.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    capacity: usize,
    entries: VecDeque<HistoryEntry>,
    next_id: u64,
}

impl History {
    /// An empty history of at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        History {
            capacity: capacity.max(1),
            entries: VecDeque::new(),
            next_id: 1,
        }
    }

    /// Records `request`, issued at `now_ms`; returns its entry's ID.
    pub fn push(&mut self, request: Request, now_ms: f64) -> u64 {
        self.entries.retain(|entry| entry.request != request);
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push_front(HistoryEntry {
            id,
            request,
            time_ms: now_ms,
            outcome: None,
            failed: false,
        });
        self.entries.truncate(self.capacity);
        id
    }

    /// Notes how request `id` went.
    pub fn set_outcome(&mut self, id: u64, outcome: impl Into<String>, failed: bool) {
        if let Some(entry) = self.entries.iter_mut().find(|entry| entry.id == id) {
            entry.outcome = Some(outcome.into());
            entry.failed = failed;
        }
    }

    /// The entries, newest first.
    pub fn entries(&self) -> impl Iterator<Item = &HistoryEntry> {
        self.entries.iter()
    }

    /// One entry.
    pub fn entry(&self, id: u64) -> Option<&HistoryEntry> {
        self.entries.iter().find(|entry| entry.id == id)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The URIs used with `verb` (`call`, `publish`, `subscribe`), most recent first.
    pub fn uris(&self, verb: &str) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.entries
            .iter()
            .filter(|entry| entry.request.verb() == verb)
            .map(|entry| entry.request.uri().to_owned())
            .filter(|uri| !uri.is_empty() && seen.insert(uri.clone()))
            .collect()
    }

    /// The history as JSON, for local storage.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A history from [`to_json`](History::to_json)'s text; an empty one for anything
    /// unreadable (an older format, a hand-edited value).
    pub fn from_json(text: &str, capacity: usize) -> History {
        match serde_json::from_str::<History>(text) {
            Ok(mut history) => {
                history.capacity = capacity.max(1);
                history.entries.truncate(history.capacity);
                let highest = history.entries.iter().map(|e| e.id).max().unwrap_or(0);
                history.next_id = history.next_id.max(highest + 1);
                history
            }
            Err(_) => History::new(capacity),
        }
    }
}

/// Completions for a URI field: `known` (from the tables), then `recent` (from the
/// history), then `extra` (the meta API), without duplicates.
pub fn completions(known: &[String], recent: &[String], extra: &[&str]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    known
        .iter()
        .chain(recent)
        .map(String::as_str)
        .chain(extra.iter().copied())
        .filter(|uri| seen.insert(*uri))
        .map(str::to_owned)
        .collect()
}

/// A call on its way: progressive results as they come, then the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct CallState {
    /// The procedure.
    pub procedure: String,
    /// When it was sent (ms, any clock).
    pub started_ms: f64,
    /// Progressive results, `(ms since start, args, kwargs)`.
    pub progress: Vec<(f64, List, Dict)>,
    /// How it ended, once it did.
    pub outcome: Option<CallOutcome>,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    /// A result.
    Result {
        /// Round-trip time in ms.
        rtt_ms: f64,
        /// `RESULT.Arguments`.
        args: List,
        /// `RESULT.ArgumentsKw`.
        kwargs: Dict,
    },
    /// An error from the router or the callee.
    Error {
        /// Round-trip time in ms.
        rtt_ms: f64,
        /// The error URI.
        uri: String,
        /// `ERROR.Arguments`.
        args: List,
        /// `ERROR.ArgumentsKw`.
        kwargs: Dict,
    },
    /// No answer: the connection was lost or the request could not be sent.
    Failed {
        /// What happened, in words.
        message: String,
    },
}

impl CallState {
    /// A call sent at `now_ms`.
    pub fn new(procedure: impl Into<String>, now_ms: f64) -> Self {
        CallState {
            procedure: procedure.into(),
            started_ms: now_ms,
            progress: Vec::new(),
            outcome: None,
        }
    }

    /// Whether no outcome yet.
    pub fn is_running(&self) -> bool {
        self.outcome.is_none()
    }

    /// A progressive result arrived at `now_ms` (ignored after the outcome).
    pub fn progress(&mut self, now_ms: f64, args: List, kwargs: Dict) {
        if self.is_running() {
            self.progress.push((now_ms - self.started_ms, args, kwargs));
        }
    }

    /// The final result arrived at `now_ms`.
    pub fn finish(&mut self, now_ms: f64, args: List, kwargs: Dict) {
        if self.is_running() {
            self.outcome = Some(CallOutcome::Result {
                rtt_ms: now_ms - self.started_ms,
                args,
                kwargs,
            });
        }
    }

    /// An error arrived at `now_ms`.
    pub fn fail(&mut self, now_ms: f64, uri: impl Into<String>, args: List, kwargs: Dict) {
        if self.is_running() {
            self.outcome = Some(CallOutcome::Error {
                rtt_ms: now_ms - self.started_ms,
                uri: uri.into(),
                args,
                kwargs,
            });
        }
    }

    /// The call got no answer.
    pub fn abandon(&mut self, message: impl Into<String>) {
        if self.is_running() {
            self.outcome = Some(CallOutcome::Failed {
                message: message.into(),
            });
        }
    }

    /// How it went, in a few words for the history: `ok · 3.2 ms` or the error URI.
    pub fn outcome_line(&self) -> Option<(String, bool)> {
        Some(match self.outcome.as_ref()? {
            CallOutcome::Result { rtt_ms, .. } => (
                format!("ok · {}", crate::format::duration_ms(*rtt_ms)),
                false,
            ),
            CallOutcome::Error { uri, .. } => (uri.clone(), true),
            CallOutcome::Failed { message } => (message.clone(), true),
        })
    }
}

/// A value for a result or event shown in the console: the arguments as they are when
/// there are no keyword arguments, else `{args, kwargs}`.
pub fn payload_value(args: &List, kwargs: &Dict) -> Value {
    match (args.is_empty(), kwargs.is_empty()) {
        (_, true) => Value::List(args.clone()),
        (true, false) => Value::Dict(kwargs.clone()),
        (false, false) => Value::Dict(Dict::from([
            ("args".to_owned(), Value::List(args.clone())),
            ("kwargs".to_owned(), Value::Dict(kwargs.clone())),
        ])),
    }
}

/// One event received on a watched topic.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchedEvent {
    /// Counter within its watch, from 1: a key for rendering.
    pub number: u64,
    /// When it arrived (Unix ms).
    pub time_ms: f64,
    /// The concrete topic (differs from the pattern for prefix and wildcard).
    pub topic: String,
    /// The publisher, if disclosed.
    pub publisher: Option<u64>,
    /// Arguments.
    pub args: List,
    /// Keyword arguments.
    pub kwargs: Dict,
}

/// A topic the console subscribed to, with its latest events.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// Unique among watches: a key for rendering.
    pub id: u64,
    /// The topic or pattern.
    pub topic: String,
    /// Its match policy.
    pub match_policy: String,
    /// The latest events, oldest first, at most [`Watch::CAPACITY`].
    pub events: VecDeque<WatchedEvent>,
    /// Every event received, kept or not.
    pub received: u64,
}

impl Watch {
    /// The most events kept per watch.
    pub const CAPACITY: usize = 200;

    /// A new watch.
    pub fn new(id: u64, topic: impl Into<String>, match_policy: impl Into<String>) -> Self {
        Watch {
            id,
            topic: topic.into(),
            match_policy: match_policy.into(),
            events: VecDeque::new(),
            received: 0,
        }
    }

    /// Records an event.
    pub fn push(
        &mut self,
        time_ms: f64,
        topic: String,
        publisher: Option<u64>,
        args: List,
        kwargs: Dict,
    ) {
        self.received += 1;
        if self.events.len() == Watch::CAPACITY {
            self.events.pop_front();
        }
        self.events.push_back(WatchedEvent {
            number: self.received,
            time_ms,
            topic,
            publisher,
            args,
            kwargs,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(procedure: &str, args: &str, kwargs: &str) -> CallRequest {
        CallRequest {
            procedure: procedure.to_owned(),
            args: args.to_owned(),
            kwargs: kwargs.to_owned(),
            ..CallRequest::default()
        }
    }

    #[test]
    fn a_valid_call() {
        let mut request = call(" com.example.add ", "[2, 3]", "");
        request.timeout = "1500".to_owned();
        request.receive_progress = true;
        let valid = request.validate().unwrap();
        assert_eq!(valid.procedure, "com.example.add");
        assert_eq!(valid.args, vec![Value::Int(2), Value::Int(3)]);
        assert!(valid.kwargs.is_empty());
        assert_eq!(valid.timeout_ms, Some(1500));
        assert!(valid.receive_progress);
        assert!(request.problems().is_empty());
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut request = call("", "[1,", "[]");
        request.timeout = "soon".to_owned();
        let problems = request.validate().unwrap_err();
        let fields: Vec<Field> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            vec![Field::Uri, Field::Args, Field::Kwargs, Field::Timeout]
        );
        assert!(problems[0].message.contains("enter a procedure URI"));
        assert!(
            problems[1].message.starts_with("line 1, column "),
            "{}",
            problems[1].message
        );
        assert!(problems[2].message.contains("must be a JSON object"));
        assert!(problems[3].message.contains("milliseconds"));
    }

    #[test]
    fn uris_are_checked_by_their_match_policy() {
        assert!(check_uri("com.example.add", "procedure", "exact").is_ok());
        assert!(check_uri("com example", "procedure", "exact").is_err());
        assert!(check_uri("com..add", "topic", "exact").is_err());
        assert!(check_uri("com..add", "topic", "wildcard").is_ok());
        assert!(check_uri("com.example", "topic", "prefix").is_ok());
        assert!(check_uri("com.example.", "topic", "prefix").is_ok());
        assert!(check_uri("com.example.", "topic", "exact").is_err());
        assert!(check_uri(".", "topic", "prefix").is_err());
        assert!(check_uri("a#b", "topic", "exact").is_err());
        let problems = SubscribeRequest {
            topic: "com..x".to_owned(),
            match_policy: "wildcard".to_owned(),
        }
        .problems();
        assert!(problems.is_empty());
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout(""), Ok(None));
        assert_eq!(parse_timeout("0"), Ok(None));
        assert_eq!(parse_timeout(" 250 "), Ok(Some(250)));
        assert!(parse_timeout("-1").is_err());
        assert!(parse_timeout("1.5").is_err());
    }

    #[test]
    fn publications_validate() {
        let request = PublishRequest {
            topic: "com.example.news".to_owned(),
            kwargs: "{\"headline\": \"hi\"}".to_owned(),
            ..PublishRequest::default()
        };
        let valid = request.validate().unwrap();
        assert_eq!(valid.kwargs.get("headline"), Some(&Value::from("hi")));
        assert!(request.acknowledge && request.exclude_me, "defaults");
        let bad = PublishRequest {
            topic: "x".to_owned(),
            args: "{}".to_owned(),
            ..PublishRequest::default()
        };
        assert_eq!(bad.problems()[0].field, Field::Args);
    }

    #[test]
    fn history_moves_repeats_to_the_top_and_is_bounded() {
        let mut history = History::new(3);
        let a = Request::Call(call("a", "", ""));
        let b = Request::Call(call("b", "", ""));
        history.push(a.clone(), 1.0);
        history.push(b.clone(), 2.0);
        let again = history.push(a.clone(), 3.0);
        let order: Vec<&str> = history.entries().map(|e| e.request.uri()).collect();
        assert_eq!(order, vec!["a", "b"]);
        history.set_outcome(again, "ok · 1.0 ms", false);
        assert_eq!(
            history.entry(again).unwrap().outcome.as_deref(),
            Some("ok · 1.0 ms")
        );
        for name in ["c", "d", "e"] {
            history.push(Request::Call(call(name, "", "")), 4.0);
        }
        assert_eq!(history.len(), 3);
        assert_eq!(history.uris("call"), vec!["e", "d", "c"]);
        assert!(history.uris("publish").is_empty());
    }

    #[test]
    fn history_survives_storage() {
        let mut history = History::new(10);
        history.push(Request::Publish(PublishRequest::default()), 1.0);
        let id = history.push(
            Request::Subscribe(SubscribeRequest {
                topic: "com.x".to_owned(),
                match_policy: "prefix".to_owned(),
            }),
            2.0,
        );
        let restored = History::from_json(&history.to_json(), 10);
        assert_eq!(restored, history);
        let mut restored = History::from_json(&history.to_json(), 1);
        assert_eq!(restored.len(), 1);
        assert!(restored.push(Request::Call(CallRequest::default()), 3.0) > id);
        assert!(History::from_json("not json", 5).is_empty());
        assert!(history.to_json().contains("\"kind\":\"subscribe\""));
    }

    #[test]
    fn completions_merge_without_duplicates() {
        let known = vec!["com.a".to_owned(), "com.b".to_owned()];
        let recent = vec!["com.b".to_owned(), "com.c".to_owned()];
        assert_eq!(
            completions(&known, &recent, &["wamp.session.list", "com.a"]),
            vec!["com.a", "com.b", "com.c", "wamp.session.list"]
        );
    }

    #[test]
    fn a_call_with_progress() {
        let mut state = CallState::new("com.example.count", 100.0);
        state.progress(110.0, vec![Value::Int(1)], Dict::new());
        state.progress(120.0, vec![Value::Int(2)], Dict::new());
        assert!(state.is_running());
        state.finish(130.5, vec![Value::Int(3)], Dict::new());
        state.progress(140.0, vec![Value::Int(4)], Dict::new());
        assert_eq!(state.progress.len(), 2, "nothing after the result");
        assert_eq!(
            state.outcome_line(),
            Some(("ok · 30.5 ms".to_owned(), false))
        );
        state.fail(150.0, "x", vec![], Dict::new());
        assert!(
            matches!(state.outcome, Some(CallOutcome::Result { .. })),
            "first outcome wins"
        );

        let mut failed = CallState::new("x", 0.0);
        failed.fail(5.0, "wamp.error.no_such_procedure", vec![], Dict::new());
        assert_eq!(
            failed.outcome_line(),
            Some(("wamp.error.no_such_procedure".to_owned(), true))
        );
    }

    #[test]
    fn payloads_show_compactly() {
        assert_eq!(
            payload_value(&vec![Value::Int(5)], &Dict::new()),
            Value::List(vec![Value::Int(5)])
        );
        let kwargs = Dict::from([("a".to_owned(), Value::Int(1))]);
        assert_eq!(payload_value(&vec![], &kwargs), Value::Dict(kwargs.clone()));
        let both = payload_value(&vec![Value::Int(5)], &kwargs);
        assert!(both.as_dict().unwrap().contains_key("kwargs"));
        assert_eq!(Request::Call(call("x", "[1,\n 2]", "")).summary(), "[1, 2]");
    }

    #[test]
    fn watches_keep_the_latest_events() {
        let mut watch = Watch::new(1, "com.x", "prefix");
        for i in 0..(Watch::CAPACITY as u64 + 5) {
            watch.push(i as f64, "com.x.y".to_owned(), None, vec![], Dict::new());
        }
        assert_eq!(watch.events.len(), Watch::CAPACITY);
        assert_eq!(watch.received, Watch::CAPACITY as u64 + 5);
        assert_eq!(watch.events.front().unwrap().number, 6);
    }
}
