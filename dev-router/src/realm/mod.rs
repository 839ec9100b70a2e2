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
//! Each call pushes what to send to whom into a `Vec<`[`Delivery`]`>`; the caller drains it
//! into the sessions' outbound queues. A [`Delivery`] carries an [`Outgoing`], which is shared
//! (and encoded once per serializer) by every recipient of the same EVENT.
//!
//! Layout: [`broker`] (publish and subscribe), [`dealer`] (routed calls), [`outgoing`].
//! Spec: the basic profile (`rfc/text/basic/bp_*.md` in wamp-proto/wamp-proto) and, for the
//! features announced in [`Realm::welcome_details`], the advanced profile.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use wamp_proto::{
    Dict, Id, Message, MessageType, Payload, RequestId, Serializer, SessionId, Uri, UriRule, Value,
};

pub mod broker;
pub mod dealer;
mod index;
pub mod outgoing;

use broker::Broker;
use dealer::Dealer;
pub use outgoing::Outgoing;

/// One message for one session.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The recipient.
    pub to: SessionId,
    /// What to send; clones share one encoding.
    pub message: Outgoing,
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
    /// The remote address, e.g. `"127.0.0.1:53412"`.
    pub peer: String,
}

/// A realm's routing settings.
#[derive(Debug, Clone, Default)]
pub struct RealmConfig {
    /// Which URI rule topics and procedures must follow; others get `wamp.error.invalid_uri`.
    pub uri_rule: UriRule,
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
    /// Source of global-scope IDs (publications). Seeded once; no clock, no OS calls after.
    rng: StdRng,
    sessions: HashMap<SessionId, SessionInfo>,
    broker: Broker,
    dealer: Dealer,
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
            broker: Broker::default(),
            dealer: Dealer::default(),
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
            ("broker".to_owned(), role(broker::FEATURES)),
            ("dealer".to_owned(), role(dealer::FEATURES)),
        ]);
        details.insert("roles".into(), roles.into());
        details
    }

    /// Adds an established session. Call it before sending WELCOME, so that
    /// [`Realm::welcome_details`] can describe it. Joining again replaces the info.
    pub fn join(&mut self, session: SessionId, info: SessionInfo) {
        self.sessions.insert(session, info);
    }

    /// Removes a session, whatever the reason (GOODBYE, closed connection, violation).
    ///
    /// Its subscriptions and registrations go; every call in flight on a procedure it
    /// registered fails with `wamp.error.canceled` to its caller (pushed into `out`); calls
    /// it made itself are forgotten, and their late results dropped. Leaving twice, or
    /// without having joined, does nothing.
    pub fn leave(&mut self, session: SessionId, out: &mut Vec<Delivery>) {
        if self.sessions.remove(&session).is_none() {
            return;
        }
        self.broker.leave(session);
        self.dealer.leave(session, out);
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
    /// INVOCATION), or when `session` has not joined. Nothing is pushed into `out` then;
    /// the caller aborts the session and calls [`Realm::leave`].
    pub fn handle(
        &mut self,
        session: SessionId,
        message: Message,
        out: &mut Vec<Delivery>,
    ) -> Result<(), Violation> {
        if !self.sessions.contains_key(&session) {
            return Err(Violation::protocol(format!(
                "session {session} has not joined realm '{}'",
                self.name.as_str()
            )));
        }
        let rule = self.config.uri_rule;
        match message {
            Message::Subscribe {
                request,
                options,
                topic,
            } => {
                self.broker
                    .subscribe(session, request, &options, topic, rule, out);
            }
            Message::Unsubscribe {
                request,
                subscription,
            } => {
                self.broker.unsubscribe(session, request, subscription, out);
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
                self.broker.publish(publish, &self.sessions, rule, out);
            }
            Message::Register {
                request,
                options,
                procedure,
            } => {
                self.dealer
                    .register(session, request, &options, procedure, rule, out);
            }
            Message::Unregister {
                request,
                registration,
            } => {
                self.dealer.unregister(session, request, registration, out);
            }
            Message::Call {
                request,
                options,
                procedure,
                payload,
            } => {
                let call = dealer::Call {
                    caller: session,
                    request,
                    options,
                    procedure,
                    payload,
                };
                self.dealer.call(call, &self.sessions, rule, out);
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
            // Call canceling is not announced in the dealer's features yet, so a client has
            // no business sending CANCEL; ignoring it leaves the call to complete normally,
            // which the spec allows for any cancel mode the dealer does not honour.
            Message::Cancel { .. } => {}
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
}

/// `{"features": {name: true, ...}}` for WELCOME's `roles`.
fn role(features: &[&str]) -> Value {
    let features: Dict = features
        .iter()
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
    pub(crate) const OPTION_NOT_ALLOWED: &str = "wamp.error.option_not_allowed";
    pub(crate) const NO_SUCH_SUBSCRIPTION: &str = "wamp.error.no_such_subscription";
    pub(crate) const NO_SUCH_PROCEDURE: &str = "wamp.error.no_such_procedure";
    pub(crate) const PROCEDURE_ALREADY_EXISTS: &str = "wamp.error.procedure_already_exists";
    pub(crate) const NO_SUCH_REGISTRATION: &str = "wamp.error.no_such_registration";
    pub(crate) const CANCELED: &str = "wamp.error.canceled";
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
    out.push(Delivery {
        to,
        message: Outgoing::new(message),
    });
}

/// Helpers shared by the realm's unit tests.
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

    pub(crate) fn info(authid: &str, authrole: &str) -> SessionInfo {
        SessionInfo {
            authid: authid.to_owned(),
            authrole: authrole.to_owned(),
            authmethod: "anonymous".to_owned(),
            authprovider: "static".to_owned(),
            transport: "websocket".to_owned(),
            serializer: Serializer::Json,
            peer: "127.0.0.1:50000".to_owned(),
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
                realm.join(id(n), info(&format!("user{n}"), &format!("role{}", n % 2)));
            }
            Harness { realm }
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
    fn cancel_is_ignored_until_call_canceling_is_announced() {
        let mut h = Harness::new(2);
        h.register(2, "com.x", "exact");
        h.call(1, 5, "com.x", Dict::new());
        let out = h.send(
            1,
            Message::Cancel {
                request: id(5),
                options: Dict::new(),
            },
        );
        assert!(out.is_empty());
        assert_eq!(h.realm.dealer().pending_call_count(), 1);
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
        assert!(!features("dealer").contains_key("call_canceling"));
        assert!(!features("dealer").contains_key("shared_registration"));
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
            realm.join(id(1), info("a", "b"));
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
