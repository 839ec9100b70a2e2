//! The routing core of one realm: sessions, a broker and a dealer, as plain data.
//!
//! No sockets, no tasks, no clock. The server layer owns the connections and does the
//! session handshake (HELLO, WELCOME, ABORT, GOODBYE); the realm only sees established
//! sessions:
//!
//! 1. [`Realm::join`] when the handshake succeeds, then [`Realm::welcome_details`] to build
//!    the WELCOME,
//! 2. [`Realm::handle`] for every message the session sends afterwards,
//! 3. [`Realm::leave`] once the session is gone, for whatever reason.
//!
//! Time is a parameter, as in quinn-proto: the server calls [`Realm::handle_timeout`] with
//! the current [`Timestamp`] before each of the calls above, and again when
//! [`Realm::next_deadline`] (the earliest call timeout) is reached.
//!
//! Each call pushes what to send to whom into a `Vec<`[`Delivery`]`>`; the caller drains it
//! into the sessions' outbound queues. A [`Delivery`] carries an [`Outgoing`], which is shared
//! (and encoded once per serializer) by every recipient of the same EVENT. A delivery marked
//! [`Delivery::closes`] is the last one for its session: the realm has closed it (meta API
//! `wamp.session.kill`), and its connection must end once the message is sent.
//!
//! Layout: [`broker`] (publish and subscribe), [`dealer`] (routed calls), `meta` (the meta
//! API procedures and events, and testaments), [`outgoing`], `time`.
//! Spec: the basic profile (`rfc/text/basic/*.md` in wamp-proto/wamp-proto) and, for the
//! features announced in [`Realm::welcome_details`], the advanced profile.

use foldhash::{HashMap, HashMapExt};

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use wamp_proto::batch::Subprotocol;
use wamp_proto::{
    Dict, Id, Message, MessageType, Payload, RequestId, Serializer, SessionId, Uri, UriRule, Value,
};

mod about;
pub mod broker;
pub mod dealer;
mod index;
mod meta;
pub mod outgoing;
mod time;

pub use about::About;
use broker::Broker;
use dealer::Dealer;
pub use dealer::InvocationPolicy;
pub use outgoing::Outgoing;
pub use time::Timestamp;

/// One message for one session.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The recipient.
    pub to: SessionId,
    /// What to send; clones share one encoding.
    pub message: Outgoing,
    /// The realm has closed `to` (its GOODBYE is `message`) and it has already left: send
    /// what is queued for it, this message last, then close its connection.
    pub closes: bool,
    /// Monitoring traffic that the message trace leaves out, like its own:
    /// `dev_router.session.on_stats` EVENTs.
    pub untraced: bool,
}

impl Delivery {
    /// An ordinary delivery, after which the session goes on.
    pub fn new(to: SessionId, message: Outgoing) -> Delivery {
        Delivery {
            to,
            message,
            closes: false,
            untraced: false,
        }
    }
}

/// What the router knows about a session, fixed when it joins.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The authenticated identity (for anonymous sessions, whatever the server chose).
    pub authid: String,
    /// The role the session was given, e.g. `"anonymous"`.
    pub authrole: String,
    /// How it authenticated, e.g. `"anonymous"`, `"ticket"`.
    pub authmethod: String,
    /// Who authenticated it, e.g. `"static"`.
    pub authprovider: String,
    /// The transport, e.g. `"websocket"` or `"rawsocket"`.
    pub transport: String,
    /// The serializer the session speaks.
    pub serializer: Serializer,
    /// Whether its WebSocket subprotocol is a batched one (`wamp.2.json.batched`...),
    /// several messages per WebSocket message; never for RawSocket.
    pub batched: bool,
    /// The remote address, e.g. `"127.0.0.1:53412"`.
    pub peer: String,
    /// `HELLO.Details.roles` as the client sent it: which roles it plays and which
    /// advanced features it announced for each (see [`SessionInfo::announces`]).
    pub client_roles: Dict,
}

impl SessionInfo {
    /// The WebSocket subprotocol the session negotiated (for RawSocket, the one its
    /// serializer would have), e.g. `"wamp.2.json"` or `"wamp.2.cbor.batched"`.
    pub fn subprotocol(&self) -> Subprotocol {
        Subprotocol {
            serializer: self.serializer,
            batched: self.batched,
        }
    }

    /// Whether the client announced `feature` for `role` in HELLO
    /// (`roles.<role>.features.<feature> == true`).
    pub fn announces(&self, role: &str, feature: &str) -> bool {
        self.client_roles
            .get(role)
            .and_then(Value::as_dict)
            .and_then(|role| role.get("features"))
            .and_then(Value::as_dict)
            .and_then(|features| features.get(feature))
            .and_then(Value::as_bool)
            == Some(true)
    }
}

/// A realm's routing settings.
#[derive(Debug, Clone, Default)]
pub struct RealmConfig {
    /// Which URI rule topics and procedures must follow; others get `wamp.error.invalid_uri`.
    pub uri_rule: UriRule,
    /// What each role may do; [`Realm::handle`] checks every CALL, REGISTER, PUBLISH and
    /// SUBSCRIBE against it. The default allows everything.
    pub roles: crate::auth::Roles,
}

/// A session broke the protocol.
///
/// The caller must send `ABORT` with `details = {"message": message}` and reason `reason`,
/// close the session, and then call [`Realm::leave`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The ABORT reason, e.g. `wamp.error.protocol_violation`.
    pub reason: Uri,
    /// A human-readable explanation for the ABORT's `message` detail.
    pub message: String,
}

impl Violation {
    /// A `wamp.error.protocol_violation`.
    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Violation {
            reason: Uri::new(error_uri::PROTOCOL_VIOLATION),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.reason.as_str(), self.message)
    }
}

impl std::error::Error for Violation {}

/// One realm: its sessions, subscriptions, registrations and calls in flight.
///
/// See the [module documentation](self) for the order of calls.
#[derive(Debug)]
pub struct Realm {
    name: Uri,
    config: RealmConfig,
    /// Source of global-scope IDs (publications) and random picks (shared registrations).
    /// Seeded once; no clock, no OS calls after.
    rng: StdRng,
    sessions: HashMap<SessionId, SessionInfo>,
    /// What the realm counts and keeps per session besides its info; same keys as
    /// `sessions`.
    activity: HashMap<SessionId, Activity>,
    broker: Broker,
    dealer: Dealer,
    /// The latest time the server gave.
    now: Timestamp,
    /// When the next `dev_router.session.on_stats` EVENT is due.
    stats: meta::StatsClock,
}

/// Per-session state that changes while the session lives.
#[derive(Debug)]
struct Activity {
    joined: Timestamp,
    messages_in: u64,
    messages_out: u64,
    /// `(messages_in, messages_out)` as the last `dev_router.session.on_stats` told.
    reported: (u64, u64),
    testaments: meta::Testaments,
}

/// A session's counters, for inspection (and the meta API's `wamp.session.get`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStats {
    /// When it joined.
    pub joined: Timestamp,
    /// Messages it sent that the realm handled.
    pub messages_in: u64,
    /// Messages the realm sent it (WELCOME and GOODBYE, which the server sends, excluded).
    pub messages_out: u64,
}

/// What routing a message may consult besides the broker's or dealer's own state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) sessions: &'a HashMap<SessionId, SessionInfo>,
    pub(crate) rule: UriRule,
    pub(crate) now: Timestamp,
}

impl Context<'_> {
    /// Whether `session` announced `feature` for `role` in HELLO.
    pub(crate) fn announces(&self, session: SessionId, role: &str, feature: &str) -> bool {
        self.sessions
            .get(&session)
            .is_some_and(|info| info.announces(role, feature))
    }

    /// Whether `session`, as callee, understands INTERRUPT (spec: call canceling; the
    /// progressive call invocations section spells it `call_cancelling`).
    pub(crate) fn can_cancel(&self, session: SessionId) -> bool {
        self.announces(session, "callee", "call_canceling")
            || self.announces(session, "callee", "call_cancelling")
    }
}

/// A session removed from a subscription or registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Removed {
    pub(crate) id: Id,
    /// It was the last one: the subscription or registration is gone.
    pub(crate) deleted: bool,
}

impl Realm {
    /// An empty realm, with its ID generator seeded from the operating system.
    pub fn new(name: Uri, config: RealmConfig) -> Realm {
        Realm::with_rng(name, config, StdRng::from_os_rng())
    }

    /// An empty realm whose random IDs follow from `seed`, for tests.
    pub fn with_seed(name: Uri, config: RealmConfig, seed: u64) -> Realm {
        Realm::with_rng(name, config, StdRng::seed_from_u64(seed))
    }

    fn with_rng(name: Uri, config: RealmConfig, rng: StdRng) -> Realm {
        Realm {
            name,
            config,
            rng,
            sessions: HashMap::new(),
            activity: HashMap::new(),
            broker: Broker::default(),
            dealer: Dealer::default(),
            now: Timestamp::EPOCH,
            stats: meta::StatsClock::default(),
        }
    }

    /// The realm's URI.
    pub fn name(&self) -> &Uri {
        &self.name
    }

    /// The realm's settings.
    pub fn config(&self) -> &RealmConfig {
        &self.config
    }

    /// The `Details` of the WELCOME for `session`: its `authid`, `authrole`, `authmethod` and
    /// `authprovider` (when it has joined), the `realm`, and the router's `roles` with the
    /// features this realm implements.
    pub fn welcome_details(&self, session: SessionId) -> Dict {
        let mut details = Dict::new();
        if let Some(info) = self.sessions.get(&session) {
            details.insert("authid".into(), info.authid.as_str().into());
            details.insert("authrole".into(), info.authrole.as_str().into());
            details.insert("authmethod".into(), info.authmethod.as_str().into());
            details.insert("authprovider".into(), info.authprovider.as_str().into());
        }
        details.insert("realm".into(), self.name.as_str().into());
        let roles = Dict::from([
            (
                "broker".to_owned(),
                role([broker::FEATURES, meta::BROKER_FEATURES]),
            ),
            (
                "dealer".to_owned(),
                role([dealer::FEATURES, meta::DEALER_FEATURES]),
            ),
        ]);
        details.insert("roles".into(), roles.into());
        details
    }

    /// Adds an established session and publishes `wamp.session.on_join` to the others.
    /// Call it before sending WELCOME, so that [`Realm::welcome_details`] can describe it.
    /// Joining again replaces the info.
    pub fn join(&mut self, session: SessionId, info: SessionInfo, out: &mut Vec<Delivery>) {
        self.sessions.insert(session, info);
        self.activity.insert(
            session,
            Activity {
                joined: self.now,
                messages_in: 0,
                messages_out: 0,
                reported: (0, 0),
                testaments: meta::Testaments::default(),
            },
        );
        let start = out.len();
        self.publish_joined(session, out);
        self.count_out(start, out);
    }

    /// Removes a session, whatever the reason (GOODBYE, closed connection, violation,
    /// kill), pushing into `out` what its leaving causes, in this order: its testaments
    /// (`detached`, then `destroyed`); INTERRUPT to the callees of the calls it made (their
    /// late answers are dropped); ERROR `wamp.error.canceled` to the callers of the calls in
    /// flight on its procedures; the subscription and registration meta events; and
    /// `wamp.session.on_leave`. Leaving twice, or without having joined, does nothing.
    pub fn leave(&mut self, session: SessionId, out: &mut Vec<Delivery>) {
        let start = out.len();
        self.remove_session(session, out);
        self.count_out(start, out);
    }

    /// [`Realm::leave`], without counting what it sends.
    fn remove_session(&mut self, session: SessionId, out: &mut Vec<Delivery>) {
        if !self.sessions.contains_key(&session) {
            return;
        }
        if let Some(activity) = self.activity.remove(&session) {
            self.publish_testaments(session, activity.testaments, out);
        }
        let Some(info) = self.sessions.remove(&session) else {
            return;
        };
        let subscriptions = self.broker.leave(session);
        let context = Context {
            sessions: &self.sessions,
            rule: self.config.uri_rule,
            now: self.now,
        };
        let registrations = self.dealer.leave(session, &context, out);
        for removed in subscriptions {
            self.publish_unsubscribed(session, removed, out);
        }
        for removed in registrations {
            self.publish_unregistered(session, removed, out);
        }
        self.publish_left(session, &info, out);
    }

    /// Tells the realm the time, and fails the calls whose timeout has expired by then
    /// (ERROR `wamp.error.timeout` to the caller, INTERRUPT to the callee). Call it before
    /// every other call into the realm, and when [`Realm::next_deadline`] is reached; time
    /// that goes backwards is ignored.
    pub fn handle_timeout(&mut self, now: Timestamp, out: &mut Vec<Delivery>) {
        self.now = self.now.max(now);
        if self.next_stats().is_some_and(|next| next <= self.now) {
            self.publish_stats(out);
        }
        if self
            .dealer
            .next_deadline()
            .is_none_or(|next| next > self.now)
        {
            return;
        }
        let start = out.len();
        let context = Context {
            sessions: &self.sessions,
            rule: self.config.uri_rule,
            now: self.now,
        };
        self.dealer.expire(&context, out);
        self.count_out(start, out);
    }

    /// When [`Realm::handle_timeout`] must be called next, at the latest: the earliest call
    /// timeout or `dev_router.session.on_stats` EVENT. `None` when there is neither.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        match (self.dealer.next_deadline(), self.next_stats()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The latest time given to [`Realm::handle_timeout`].
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Routes one message that an established session sent, pushing replies, events,
    /// invocations and results into `out`.
    ///
    /// Application-level failures (unknown procedure, invalid URI, ...) are ERROR messages
    /// in `out`, not errors here.
    ///
    /// # Errors
    /// A [`Violation`] when the message is not one a client may send in an established
    /// session (HELLO, WELCOME, EVENT, RESULT, ..., or an ERROR that does not answer an
    /// INVOCATION, or a CANCEL with an unknown mode, or a progressive CALL it did not
    /// announce), or when `session` has not joined. Nothing is pushed into `out` then;
    /// the caller aborts the session and calls [`Realm::leave`].
    pub fn handle(
        &mut self,
        session: SessionId,
        message: Message,
        out: &mut Vec<Delivery>,
    ) -> Result<(), Violation> {
        let start = out.len();
        let result = self.route(session, message, out);
        if let Some(activity) = self.activity.get_mut(&session) {
            activity.messages_in += 1;
        }
        self.count_out(start, out);
        result
    }

    fn route(
        &mut self,
        session: SessionId,
        message: Message,
        out: &mut Vec<Delivery>,
    ) -> Result<(), Violation> {
        let Some(info) = self.sessions.get(&session) else {
            return Err(Violation::protocol(format!(
                "session {session} has not joined realm '{}'",
                self.name.as_str()
            )));
        };
        // Authorization (crate::auth::authorize): a refused request goes no further.
        if let crate::auth::authorize::Verdict::Refused(error) =
            self.config.roles.check(&info.authrole, &message)
        {
            out.extend(error.map(|error| Delivery::new(session, Outgoing::new(error))));
            return Ok(());
        }
        let context = Context {
            sessions: &self.sessions,
            rule: self.config.uri_rule,
            now: self.now,
        };
        match message {
            Message::Subscribe {
                request,
                options,
                topic,
            } => {
                let subscribed = self
                    .broker
                    .subscribe(session, request, &options, topic, &context, out);
                if let Some(subscribed) = subscribed {
                    self.publish_subscribed(session, subscribed, out);
                }
            }
            Message::Unsubscribe {
                request,
                subscription,
            } => {
                if let Some(removed) = self.broker.unsubscribe(session, request, subscription, out)
                {
                    self.publish_unsubscribed(session, removed, out);
                }
            }
            Message::Publish {
                request,
                options,
                topic,
                payload,
            } => {
                let publication = Id::from_random(self.rng.next_u64());
                let publish = broker::Publish {
                    publisher: session,
                    request,
                    options,
                    topic,
                    payload,
                    publication,
                };
                self.broker.publish(publish, &context, out);
            }
            Message::Register {
                request,
                options,
                procedure,
            } => {
                let registered = self
                    .dealer
                    .register(session, request, &options, procedure, &context, out);
                if let Some(registered) = registered {
                    self.publish_registered(session, registered, out);
                }
            }
            Message::Unregister {
                request,
                registration,
            } => {
                if let Some(removed) = self.dealer.unregister(session, request, registration, out) {
                    self.publish_unregistered(session, removed, out);
                }
            }
            Message::Call {
                request,
                options,
                procedure,
                payload,
            } => {
                if self.call_meta(session, request, &procedure, &payload, out) {
                    return Ok(());
                }
                let call = dealer::Call {
                    caller: session,
                    request,
                    options,
                    procedure,
                    payload,
                };
                let context = Context {
                    sessions: &self.sessions,
                    rule: self.config.uri_rule,
                    now: self.now,
                };
                self.dealer.call(call, &context, &mut self.rng, out)?;
            }
            Message::Cancel { request, options } => {
                self.dealer
                    .cancel(session, request, &options, &context, out)?;
            }
            Message::Yield {
                request,
                options,
                payload,
            } => {
                self.dealer
                    .yield_result(session, request, &options, payload, out);
            }
            Message::Error {
                request_type: MessageType::Invocation,
                request,
                details,
                error,
                payload,
            } => {
                self.dealer
                    .invocation_error(session, request, details, error, payload, out);
            }
            Message::Error { request_type, .. } => {
                return Err(Violation::protocol(format!(
                    "a client may send ERROR only in answer to INVOCATION, not to {request_type}"
                )));
            }
            other => {
                return Err(Violation::protocol(format!(
                    "{} is not a message a client may send in an established session",
                    other.message_type()
                )));
            }
        }
        Ok(())
    }

    /// How many sessions have joined.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// A joined session's info.
    pub fn session(&self, session: SessionId) -> Option<&SessionInfo> {
        self.sessions.get(&session)
    }

    /// A joined session's counters.
    pub fn session_stats(&self, session: SessionId) -> Option<SessionStats> {
        self.activity.get(&session).map(|activity| SessionStats {
            joined: activity.joined,
            messages_in: activity.messages_in,
            messages_out: activity.messages_out,
        })
    }

    /// Every joined session, in no particular order.
    pub fn sessions(&self) -> impl Iterator<Item = (SessionId, &SessionInfo)> {
        self.sessions.iter().map(|(id, info)| (*id, info))
    }

    /// The broker's state (subscriptions), for inspection.
    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// The dealer's state (registrations, calls in flight), for inspection.
    pub fn dealer(&self) -> &Dealer {
        &self.dealer
    }

    /// What a message from `session` belongs to when it does not say by itself (see
    /// [`About`]): looked up before the realm handles it, for the trace.
    pub(crate) fn about_received(&self, session: SessionId, message: &Message) -> Option<About> {
        About::of(message).or_else(|| self.dealer.about_received(session, message))
    }

    /// The URI of a subscription or registration, or of one deleted lately.
    pub(crate) fn uri_about(&self, about: About) -> Option<&Uri> {
        match about {
            About::Subscription(id) => self.broker.topic_of(id),
            About::Registration(id) => self.dealer.procedure_of(id),
        }
    }

    /// Counts the deliveries in `out[start..]` as messages out of their recipients.
    fn count_out(&mut self, start: usize, out: &[Delivery]) {
        for delivery in out.get(start..).unwrap_or_default() {
            if let Some(activity) = self.activity.get_mut(&delivery.to) {
                activity.messages_out += 1;
            }
        }
    }
}

/// `{"features": {name: true, ...}}` for WELCOME's `roles`.
fn role<const N: usize>(feature_lists: [&[&str]; N]) -> Value {
    let features: Dict = feature_lists
        .into_iter()
        .flatten()
        .map(|name| ((*name).to_owned(), Value::Bool(true)))
        .collect();
    Dict::from([("features".to_owned(), Value::Dict(features))]).into()
}

/// The error URIs the realm answers with (spec: "Predefined URIs", bp_uris.md and the
/// advanced profile).
pub(crate) mod error_uri {
    pub(crate) const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
    pub(crate) const INVALID_URI: &str = "wamp.error.invalid_uri";
    pub(crate) const INVALID_ARGUMENT: &str = "wamp.error.invalid_argument";
    pub(crate) const NO_SUCH_SUBSCRIPTION: &str = "wamp.error.no_such_subscription";
    pub(crate) const NO_SUCH_PROCEDURE: &str = "wamp.error.no_such_procedure";
    pub(crate) const PROCEDURE_ALREADY_EXISTS: &str = "wamp.error.procedure_already_exists";
    pub(crate) const NO_SUCH_REGISTRATION: &str = "wamp.error.no_such_registration";
    pub(crate) const NO_SUCH_SESSION: &str = "wamp.error.no_such_session";
    pub(crate) const CANCELED: &str = "wamp.error.canceled";
    pub(crate) const TIMEOUT: &str = "wamp.error.timeout";
    pub(crate) const FEATURE_NOT_SUPPORTED: &str = "wamp.error.feature_not_supported";
    /// The GOODBYE reason for a session closed by the meta API (advanced profile URIs).
    pub(crate) const CLOSE_KILLED: &str = "wamp.close.killed";
}

/// `ERROR` answering `request` of type `request_type`, with `{}` details and a
/// human-readable explanation as the only argument (as Crossbar.io does).
pub(crate) fn error_reply(
    request_type: MessageType,
    request: RequestId,
    error: &str,
    explanation: String,
) -> Message {
    Message::Error {
        request_type,
        request,
        details: Dict::new(),
        error: Uri::new(error),
        payload: Payload::args(vec![Value::Str(explanation)]),
    }
}

/// Pushes a message for one session.
pub(crate) fn send(out: &mut Vec<Delivery>, to: SessionId, message: Message) {
    out.push(Delivery::new(to, Outgoing::new(message)));
}

/// Pushes a message for one session that belongs to `about` without naming it.
pub(crate) fn send_about(out: &mut Vec<Delivery>, to: SessionId, message: Message, about: About) {
    out.push(Delivery::new(to, Outgoing::about(message, about)));
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    pub(crate) fn id(n: u64) -> Id {
        Id::new(n).unwrap()
    }

    pub(crate) fn uri(text: &str) -> Uri {
        Uri::new(text)
    }

    pub(crate) fn dict(pairs: &[(&str, Value)]) -> Dict {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    /// A session that announced every role with every advanced feature the realm looks at.
    pub(crate) fn info(authid: &str, authrole: &str) -> SessionInfo {
        let features = dict(&[
            ("call_canceling", true.into()),
            ("progressive_call_invocations", true.into()),
            ("progressive_call_results", true.into()),
        ]);
        let role = Value::Dict(dict(&[("features", Value::Dict(features))]));
        let roles = dict(&[
            ("caller", role.clone()),
            ("callee", role),
            ("publisher", Value::Dict(Dict::new())),
            ("subscriber", Value::Dict(Dict::new())),
        ]);
        info_with_roles(authid, authrole, roles)
    }

    /// A session that announced the given `HELLO.Details.roles`.
    pub(crate) fn info_with_roles(authid: &str, authrole: &str, roles: Dict) -> SessionInfo {
        SessionInfo {
            authid: authid.to_owned(),
            authrole: authrole.to_owned(),
            authmethod: "anonymous".to_owned(),
            authprovider: "static".to_owned(),
            transport: "websocket".to_owned(),
            serializer: Serializer::Json,
            batched: false,
            peer: "127.0.0.1:50000".to_owned(),
            client_roles: roles,
        }
    }

    /// A realm with sessions `1..=sessions` joined, each with authid `user<n>` and authrole
    /// `role<n % 2>`, and a place to collect what it sends.
    pub(crate) struct Harness {
        pub(crate) realm: Realm,
    }

    impl Harness {
        pub(crate) fn new(sessions: u64) -> Self {
            Self::with_config(sessions, RealmConfig::default())
        }

        pub(crate) fn with_config(sessions: u64, config: RealmConfig) -> Self {
            let mut realm = Realm::with_seed(uri("realm1"), config, 7);
            for n in 1..=sessions {
                let info = info(&format!("user{n}"), &format!("role{}", n % 2));
                realm.join(id(n), info, &mut Vec::new());
            }
            Harness { realm }
        }

        /// Joins another session; returns what was sent (meta events).
        pub(crate) fn join(&mut self, session: u64, info: SessionInfo) -> Vec<Delivery> {
            let mut out = Vec::new();
            self.realm.join(id(session), info, &mut out);
            out
        }

        /// Sets the realm's clock to `millis`; returns what expired.
        pub(crate) fn at(&mut self, millis: u64) -> Vec<Delivery> {
            let mut out = Vec::new();
            self.realm
                .handle_timeout(Timestamp::from_millis(millis), &mut out);
            out
        }

        /// Handles a message that must not be a violation; returns what was sent.
        pub(crate) fn send(&mut self, session: u64, message: Message) -> Vec<Delivery> {
            let mut out = Vec::new();
            self.realm.handle(id(session), message, &mut out).unwrap();
            out
        }

        pub(crate) fn leave(&mut self, session: u64) -> Vec<Delivery> {
            let mut out = Vec::new();
            self.realm.leave(id(session), &mut out);
            out
        }

        /// Subscribes and returns the subscription ID.
        pub(crate) fn subscribe(&mut self, session: u64, topic: &str, policy: &str) -> Id {
            let options = dict(&[("match", policy.into())]);
            let out = self.send(
                session,
                Message::Subscribe {
                    request: id(1),
                    options,
                    topic: uri(topic),
                },
            );
            match only(&out, session) {
                Message::Subscribed { subscription, .. } => *subscription,
                other => panic!("expected SUBSCRIBED, got {other:?}"),
            }
        }

        /// Registers and returns the registration ID.
        pub(crate) fn register(&mut self, session: u64, procedure: &str, policy: &str) -> Id {
            let options = dict(&[("match", policy.into())]);
            let out = self.send(
                session,
                Message::Register {
                    request: id(1),
                    options,
                    procedure: uri(procedure),
                },
            );
            match only(&out, session) {
                Message::Registered { registration, .. } => *registration,
                other => panic!("expected REGISTERED, got {other:?}"),
            }
        }

        pub(crate) fn publish(
            &mut self,
            session: u64,
            topic: &str,
            options: Dict,
            payload: Payload,
        ) -> Vec<Delivery> {
            self.send(
                session,
                Message::Publish {
                    request: id(9),
                    options,
                    topic: uri(topic),
                    payload,
                },
            )
        }

        pub(crate) fn call(
            &mut self,
            session: u64,
            request: u64,
            procedure: &str,
            options: Dict,
        ) -> Vec<Delivery> {
            let payload = Payload::args(vec![Value::Int(42)]);
            self.send(
                session,
                Message::Call {
                    request: id(request),
                    options,
                    procedure: uri(procedure),
                    payload,
                },
            )
        }
    }

    /// The one message in `out`, which must be for `to`.
    pub(crate) fn only(out: &[Delivery], to: u64) -> &Message {
        assert_eq!(out.len(), 1, "expected exactly one delivery, got {out:?}");
        assert_eq!(out[0].to, id(to), "delivered to the wrong session: {out:?}");
        out[0].message.message()
    }

    /// The error URI and request type of an ERROR.
    pub(crate) fn error_of(message: &Message) -> (MessageType, &str) {
        match message {
            Message::Error {
                request_type,
                error,
                payload,
                ..
            } => {
                assert!(
                    matches!(payload.args.first(), Some(Value::Str(_))),
                    "ERROR without explanation"
                );
                (*request_type, error.as_str())
            }
            other => panic!("expected ERROR, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn router_to_client_messages_are_violations() {
        let mut h = Harness::new(1);
        let d = Dict::new;
        let messages = vec![
            Message::Hello {
                realm: uri("realm1"),
                details: d(),
            },
            Message::Welcome {
                session: id(1),
                details: d(),
            },
            Message::Abort {
                details: d(),
                reason: uri("wamp.error.x"),
            },
            Message::Challenge {
                auth_method: "ticket".into(),
                extra: d(),
            },
            Message::Authenticate {
                signature: "s".into(),
                extra: d(),
            },
            Message::Goodbye {
                details: d(),
                reason: uri("wamp.close.close_realm"),
            },
            Message::Published {
                request: id(1),
                publication: id(2),
            },
            Message::Subscribed {
                request: id(1),
                subscription: id(2),
            },
            Message::Unsubscribed {
                request: Some(id(1)),
                details: d(),
            },
            Message::Event {
                subscription: id(1),
                publication: id(2),
                details: d(),
                payload: Payload::default(),
            },
            Message::Result {
                request: id(1),
                details: d(),
                payload: Payload::default(),
            },
            Message::Registered {
                request: id(1),
                registration: id(2),
            },
            Message::Unregistered {
                request: None,
                details: d(),
            },
            Message::Invocation {
                request: id(1),
                registration: id(2),
                details: d(),
                payload: Payload::default(),
            },
            Message::Interrupt {
                request: id(1),
                options: d(),
            },
            Message::Error {
                request_type: MessageType::Call,
                request: id(1),
                details: d(),
                error: uri("com.x"),
                payload: Payload::default(),
            },
        ];
        for message in messages {
            let name = message.message_type();
            let mut out = Vec::new();
            let violation = h.realm.handle(id(1), message, &mut out).unwrap_err();
            assert_eq!(
                violation.reason.as_str(),
                "wamp.error.protocol_violation",
                "{name}"
            );
            assert!(!violation.message.is_empty());
            assert!(out.is_empty(), "{name}: {out:?}");
        }
    }

    #[test]
    fn messages_from_a_session_that_has_not_joined_are_violations() {
        let mut h = Harness::new(1);
        let mut out = Vec::new();
        let subscribe = Message::Subscribe {
            request: id(1),
            options: Dict::new(),
            topic: uri("com.x"),
        };
        let violation = h.realm.handle(id(99), subscribe, &mut out).unwrap_err();
        assert_eq!(violation.reason.as_str(), "wamp.error.protocol_violation");
        assert!(out.is_empty());
    }

    #[test]
    fn messages_that_carry_ids_are_named_by_their_subscription_or_registration() {
        let mut h = Harness::new(2);
        let registration = h.register(2, "com.example.add", "exact");
        let out = h.call(1, 7, "com.example.add", Dict::new());
        let invocation = match only(&out, 2) {
            Message::Invocation { request, .. } => *request,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            out[0].message.subject(),
            Some(About::Registration(registration))
        );
        let yielded = Message::Yield {
            request: invocation,
            options: Dict::new(),
            payload: Payload::default(),
        };
        let cancel = Message::Cancel {
            request: id(7),
            options: Dict::new(),
        };
        let about = Some(About::Registration(registration));
        assert_eq!(h.realm.about_received(id(2), &yielded), about);
        assert_eq!(h.realm.about_received(id(1), &cancel), about);
        assert_eq!(
            h.realm.about_received(id(1), &yielded),
            None,
            "not its call"
        );
        let out = h.send(2, yielded);
        assert!(matches!(only(&out, 1), Message::Result { .. }));
        assert_eq!(out[0].message.subject(), about, "RESULT names no ID");
        assert_eq!(h.realm.about_received(id(1), &cancel), None, "answered");

        let subscription = h.subscribe(2, "com.example.news", "exact");
        let out = h.publish(1, "com.example.news", Dict::new(), Payload::default());
        assert_eq!(
            out[0].message.subject(),
            Some(About::Subscription(subscription))
        );
        // Named while they exist, and for a while after they are deleted.
        h.leave(2);
        assert_eq!(
            h.realm.uri_about(About::Registration(registration)),
            Some(&uri("com.example.add"))
        );
        assert_eq!(
            h.realm.uri_about(About::Subscription(subscription)),
            Some(&uri("com.example.news"))
        );
        assert_eq!(h.realm.uri_about(About::Subscription(id(999))), None);
    }

    #[test]
    fn sessions_count_their_messages_in_and_out() {
        let mut h = Harness::new(2);
        h.register(2, "com.x", "exact");
        h.call(1, 1, "com.x", Dict::new());
        let stats = |h: &Harness, n| h.realm.session_stats(id(n)).unwrap();
        assert_eq!(
            (stats(&h, 1).messages_in, stats(&h, 1).messages_out),
            (1, 0)
        );
        assert_eq!(
            (stats(&h, 2).messages_in, stats(&h, 2).messages_out),
            (1, 2)
        );
        let invocation = id(1);
        h.send(
            2,
            Message::Yield {
                request: invocation,
                options: Dict::new(),
                payload: Payload::default(),
            },
        );
        assert_eq!(
            (stats(&h, 1).messages_in, stats(&h, 1).messages_out),
            (1, 1)
        );
        assert_eq!(stats(&h, 2).messages_in, 2);
        assert_eq!(stats(&h, 1).joined, Timestamp::EPOCH);
        h.leave(1);
        assert!(h.realm.session_stats(id(1)).is_none());
    }

    #[test]
    fn the_clock_only_moves_forward() {
        let mut h = Harness::new(1);
        assert!(h.at(5_000).is_empty());
        h.at(1_000);
        assert_eq!(h.realm.now(), Timestamp::from_millis(5_000));
        h.join(9, info("late", "r"));
        assert_eq!(
            h.realm.session_stats(id(9)).unwrap().joined,
            Timestamp::from_millis(5_000)
        );
    }

    #[test]
    fn announced_features_are_read_from_the_hello_roles() {
        let info = info("a", "b");
        assert!(info.announces("callee", "call_canceling"));
        assert!(!info.announces("callee", "shared_registration"));
        assert!(!info.announces("broker", "call_canceling"));
        let odd = info_with_roles("a", "b", dict(&[("callee", Value::from("yes"))]));
        assert!(!odd.announces("callee", "call_canceling"));
    }

    #[test]
    fn welcome_details_describe_the_session_and_the_roles() {
        let h = Harness::new(1);
        let details = h.realm.welcome_details(id(1));
        assert_eq!(details["authid"], Value::from("user1"));
        assert_eq!(details["authrole"], Value::from("role1"));
        assert_eq!(details["authmethod"], Value::from("anonymous"));
        assert_eq!(details["authprovider"], Value::from("static"));
        assert_eq!(details["realm"], Value::from("realm1"));
        let roles = details["roles"].as_dict().unwrap();
        let features = |role: &str| {
            roles[role].as_dict().unwrap()["features"]
                .as_dict()
                .unwrap()
                .clone()
        };
        assert_eq!(features("broker")["publisher_exclusion"], Value::Bool(true));
        assert_eq!(
            features("broker")["pattern_based_subscription"],
            Value::Bool(true)
        );
        assert_eq!(
            features("dealer")["pattern_based_registration"],
            Value::Bool(true)
        );
        assert_eq!(
            features("dealer")["progressive_call_results"],
            Value::Bool(true)
        );
        for feature in [
            "call_canceling",
            "call_timeout",
            "caller_identification",
            "progressive_call_invocations",
            "shared_registration",
            "registration_meta_api",
            "session_meta_api",
            "testament_meta_api",
        ] {
            assert_eq!(features("dealer")[feature], Value::Bool(true), "{feature}");
        }
        for feature in [
            "event_retention",
            "publisher_identification",
            "subscriber_blackwhite_listing",
            "session_meta_api",
            "subscription_meta_api",
        ] {
            assert_eq!(features("broker")[feature], Value::Bool(true), "{feature}");
        }
    }

    #[test]
    fn join_and_leave_count_sessions() {
        let mut h = Harness::new(3);
        assert_eq!(h.realm.session_count(), 3);
        assert_eq!(h.realm.session(id(2)).unwrap().authid, "user2");
        assert!(h.leave(2).is_empty());
        assert!(h.leave(2).is_empty(), "leaving twice does nothing");
        assert_eq!(h.realm.session_count(), 2);
        assert!(h.realm.session(id(2)).is_none());
        let mut ids: Vec<u64> = h.realm.sessions().map(|(id, _)| id.get()).collect();
        ids.sort_unstable();
        assert_eq!(ids, [1, 3]);
    }

    #[test]
    fn seeded_realms_draw_the_same_publication_ids() {
        let publication = |seed| {
            let mut realm = Realm::with_seed(uri("realm1"), RealmConfig::default(), seed);
            realm.join(id(1), info("a", "b"), &mut Vec::new());
            let mut out = Vec::new();
            let options = Dict::from([("acknowledge".to_owned(), Value::Bool(true))]);
            let publish = Message::Publish {
                request: id(1),
                options,
                topic: uri("com.x"),
                payload: Payload::default(),
            };
            realm.handle(id(1), publish, &mut out).unwrap();
            match out[0].message.message() {
                Message::Published { publication, .. } => *publication,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(publication(1), publication(1));
        assert_ne!(publication(1), publication(2));
    }
}
