//! One connection's WAMP session, as a state machine without sockets.
//!
//! ```text
//! Establishing --HELLO, anonymous----------------------------> Established
//!   |                                                            ^     |
//!   +--HELLO, other method: CHALLENGE--> Authenticating          |     +--GOODBYE / ABORT /
//!   |                                      |  +--AUTHENTICATE ok-+     |  violation--> Closed
//!   |                                      +--wrong credentials,       +--router shutdown-->
//!   |                                         anything else--> Closed     Closing --GOODBYE
//!   |                                         (after ABORT)               reply--> Closed
//!   +--anything else, bad HELLO, no acceptable method, decode error--> Closed (after ABORT)
//! ```
//!
//! Which method, and whether the credentials hold, is [`crate::auth`]'s business; this layer
//! sends the CHALLENGE, keeps the pending handshake, and turns the verdict into WELCOME or
//! ABORT. The randomness and time a handshake needs come from [`Session`]'s entropy source,
//! which tests replace.
//!
//! The transport decodes each frame and calls [`Session::handle_received`] (or
//! [`Session::handle_decode_error`], [`Session::handle_oversized`]); the returned [`Step`]
//! says whether to go on, or what to send last before closing. Everything the realm sends
//! to this session, WELCOME included, goes through its outbound queue, so it arrives in
//! routing order. Spec: "Session Lifecycle" (`rfc/text/basic/bp_sessions.md`).
//!
//! Once a message names a realm (HELLO), this layer also records in the realm's message
//! trace what the realm itself does not see: the handshake (HELLO, CHALLENGE,
//! AUTHENTICATE), the peer's GOODBYE or ABORT, and the ABORT or GOODBYE sent last.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use wamp_proto::batch::Subprotocol;
use wamp_proto::{Dict, Message, ProtocolError, Serializer, SessionId, Uri, UriRule, Value};

use crate::auth::{Begin, Denial, Entropy, Identity, Pending};
use crate::realm::{Outgoing, SessionInfo, Violation};
use crate::router::{Peer, RealmHandle, Router};

/// The URIs this layer answers with (spec: "Predefined URIs").
pub(crate) mod reason {
    pub(crate) const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
    pub(crate) const NO_SUCH_REALM: &str = "wamp.error.no_such_realm";
    pub(crate) const INVALID_URI: &str = "wamp.error.invalid_uri";
    pub(crate) const GOODBYE_AND_OUT: &str = "wamp.close.goodbye_and_out";
    pub(crate) const SYSTEM_SHUTDOWN: &str = "wamp.close.system_shutdown";
    /// Not in the spec, which leaves slow readers to the implementation; outside the
    /// reserved `wamp.` namespace on purpose.
    pub(crate) const SLOW_CONSUMER: &str = "dev_router.error.slow_consumer";
}

/// What the transport does after a message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Keep reading.
    Continue,
    /// Send the queued messages, then `last` (if any), then close with `ending`.
    Close {
        last: Option<Message>,
        ending: Ending,
    },
}

/// Why a connection closes; transports map it to their close codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// GOODBYE handshake, or the peer closed.
    Normal,
    /// The peer broke the protocol.
    ProtocolViolation,
    /// The peer sent a message larger than the limit.
    MessageTooBig,
    /// The peer did not read its messages fast enough.
    SlowConsumer,
    /// The router is shutting down.
    Shutdown,
}

#[derive(Debug)]
enum State {
    Establishing,
    /// CHALLENGE sent; waiting for AUTHENTICATE. `id` is reserved for the WELCOME.
    Authenticating {
        realm: Arc<RealmHandle>,
        id: SessionId,
        pending: Box<Pending>,
    },
    Established {
        realm: Arc<RealmHandle>,
        id: SessionId,
    },
    /// The router said GOODBYE and waits for the peer's.
    Closing,
    Closed,
}

/// The WAMP session of one connection.
#[derive(Debug)]
pub(crate) struct Session {
    router: Arc<Router>,
    transport: &'static str,
    serializer: Serializer,
    /// Whether the WebSocket subprotocol is a batched one (`wamp.2.json.batched`...).
    batched: bool,
    remote: String,
    peer: Peer,
    state: State,
    /// `HELLO.Details.roles`, kept from HELLO to WELCOME for the realm's [`SessionInfo`].
    client_roles: Dict,
    /// Randomness and time for the handshake: the OS's, or a test's.
    entropy: fn() -> Entropy,
}

impl Session {
    /// A session waiting for HELLO, and the receiving end of its outbound queue.
    pub(crate) fn new(
        router: Arc<Router>,
        transport: &'static str,
        protocol: Subprotocol,
        remote: String,
    ) -> (Session, mpsc::Receiver<Outgoing>) {
        let Subprotocol {
            serializer,
            batched,
        } = protocol;
        let (queue, receiver) = mpsc::channel(router.queue_capacity());
        let peer = Peer::new(queue, serializer);
        let session = Session {
            router,
            transport,
            serializer,
            batched,
            remote,
            peer,
            state: State::Establishing,
            client_roles: Dict::new(),
            entropy: Entropy::draw,
        };
        (session, receiver)
    }

    /// Cancelled when the router cuts this session off for not reading; then call
    /// [`Session::cut_off`].
    pub(crate) fn cut_off_token(&self) -> CancellationToken {
        self.peer.cut_off.clone()
    }

    /// Cancelled when the realm has closed this session (meta API `wamp.session.kill`): its
    /// GOODBYE is the last message queued; send the queue, then close.
    pub(crate) fn close_token(&self) -> CancellationToken {
        self.peer.closed.clone()
    }

    /// The serializer the connection negotiated.
    pub(crate) fn serializer(&self) -> Serializer {
        self.serializer
    }

    /// The session ID, once established.
    pub(crate) fn id(&self) -> Option<SessionId> {
        match &self.state {
            State::Established { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Whether the session still waits for HELLO, or for AUTHENTICATE.
    pub(crate) fn is_establishing(&self) -> bool {
        matches!(
            self.state,
            State::Establishing | State::Authenticating { .. }
        )
    }

    /// The peer did not complete the handshake (HELLO, and AUTHENTICATE if challenged)
    /// within `waited`.
    pub(crate) fn handle_hello_timeout(&mut self, waited: Duration) -> Step {
        let expected = match self.state {
            State::Authenticating { .. } => "AUTHENTICATE",
            _ => "HELLO",
        };
        let message = format!("no {expected} within {} seconds", waited.as_secs());
        self.abort(
            reason::PROTOCOL_VIOLATION,
            message,
            Ending::ProtocolViolation,
        )
    }

    /// Handles one message from the peer, decoded from `frame` (which the message trace
    /// keeps).
    pub(crate) fn handle_received(&mut self, message: Message, frame: Bytes) -> Step {
        match &self.state {
            State::Establishing => self.handle_establishing(message, frame),
            State::Authenticating { .. } => self.handle_authenticating(message, frame),
            State::Established { realm, id } => {
                let (realm, id) = (realm.clone(), *id);
                match message {
                    Message::Hello { .. } => {
                        realm.trace_received(id, self.serializer, &message, frame);
                        self.abort(
                            reason::PROTOCOL_VIOLATION,
                            "HELLO received in an established session".into(),
                            Ending::ProtocolViolation,
                        )
                    }
                    Message::Goodbye { ref reason, .. } => {
                        tracing::debug!(session = %id, reason = %reason, "peer said goodbye");
                        realm.trace_received(id, self.serializer, &message, frame);
                        self.leave();
                        let goodbye = Message::Goodbye {
                            details: Dict::new(),
                            reason: Uri::new(reason::GOODBYE_AND_OUT),
                        };
                        realm.trace_sent(id, self.serializer, &goodbye);
                        Step::Close {
                            last: Some(goodbye),
                            ending: Ending::Normal,
                        }
                    }
                    Message::Abort {
                        ref reason,
                        ref details,
                    } => {
                        tracing::debug!(session = %id, reason = %reason, ?details, "peer aborted");
                        realm.trace_received(id, self.serializer, &message, frame);
                        self.leave();
                        Step::Close {
                            last: None,
                            ending: Ending::Normal,
                        }
                    }
                    message => match realm.handle(id, message, frame) {
                        Ok(()) => Step::Continue,
                        Err(Violation { reason, message }) => {
                            self.abort(reason.as_str(), message, Ending::ProtocolViolation)
                        }
                    },
                }
            }
            State::Closing => match message {
                Message::Goodbye { .. } | Message::Abort { .. } => {
                    self.state = State::Closed;
                    Step::Close {
                        last: None,
                        ending: Ending::Shutdown,
                    }
                }
                // Whatever else the peer had in flight is moot now.
                _ => Step::Continue,
            },
            State::Closed => Step::Close {
                last: None,
                ending: Ending::Normal,
            },
        }
    }

    /// [`Session::handle_received`] for tests: the frame is the message encoded.
    #[cfg(test)]
    pub(crate) fn handle_message(&mut self, message: Message) -> Step {
        let frame = Bytes::from(self.serializer.encode(&message));
        self.handle_received(message, frame)
    }

    /// Handles a frame that does not decode as a WAMP message.
    pub(crate) fn handle_decode_error(&mut self, error: &ProtocolError) -> Step {
        self.abort(
            reason::PROTOCOL_VIOLATION,
            error.to_string(),
            Ending::ProtocolViolation,
        )
    }

    /// Handles a message larger than `limit`; `size` is its length when the transport
    /// knows it.
    pub(crate) fn handle_oversized(&mut self, size: Option<usize>, limit: usize) -> Step {
        let message = match size {
            Some(size) => format!("message of {size} bytes exceeds the limit of {limit}"),
            None => format!("message exceeds the limit of {limit} bytes"),
        };
        self.abort(reason::PROTOCOL_VIOLATION, message, Ending::MessageTooBig)
    }

    /// Handles a transport-level breach (bad framing, invalid UTF-8 in a text frame).
    pub(crate) fn handle_transport_violation(&mut self, message: String) -> Step {
        self.abort(
            reason::PROTOCOL_VIOLATION,
            message,
            Ending::ProtocolViolation,
        )
    }

    /// Starts the closing handshake for a router shutdown: leaves the realm and returns the
    /// GOODBYE to send, after which [`Session::handle_received`] waits for the peer's
    /// GOODBYE. `None` when no session is established: just close then.
    pub(crate) fn shutdown(&mut self) -> Option<Message> {
        if self.id().is_none() {
            self.leave();
            return None;
        }
        self.leave();
        self.state = State::Closing;
        Some(Message::Goodbye {
            details: Dict::new(),
            reason: Uri::new(reason::SYSTEM_SHUTDOWN),
        })
    }

    /// The router has cut this session off (its queue was full): returns the ABORT to try
    /// to send. The router has already removed it from the realm.
    pub(crate) fn cut_off(&mut self) -> Message {
        let capacity = self.router.queue_capacity();
        let abort = abort_message(
            reason::SLOW_CONSUMER,
            format!(
                "more than {capacity} messages waited for this peer to read them; it is cut off"
            ),
        );
        if let State::Established { realm, id } = &self.state {
            realm.trace_sent(*id, self.serializer, &abort);
        }
        self.leave();
        abort
    }

    /// The connection is gone: leave the realm, if joined. Idempotent; also done on drop.
    pub(crate) fn close(&mut self) {
        self.leave();
    }

    fn handle_establishing(&mut self, message: Message, frame: Bytes) -> Step {
        match message {
            Message::Hello { .. } => self.hello(&message, frame),
            Message::Abort { .. } => {
                self.state = State::Closed;
                Step::Close {
                    last: None,
                    ending: Ending::Normal,
                }
            }
            Message::Authenticate { .. } => self.abort(
                reason::PROTOCOL_VIOLATION,
                "AUTHENTICATE without a CHALLENGE: send HELLO first".into(),
                Ending::ProtocolViolation,
            ),
            other => self.abort(
                reason::PROTOCOL_VIOLATION,
                format!(
                    "the first message must be HELLO, not {}",
                    other.message_type()
                ),
                Ending::ProtocolViolation,
            ),
        }
    }

    fn handle_authenticating(&mut self, message: Message, frame: Bytes) -> Step {
        let State::Authenticating { realm, id, pending } =
            std::mem::replace(&mut self.state, State::Closed)
        else {
            return self.abort(
                reason::PROTOCOL_VIOLATION,
                "no authentication in progress".into(),
                Ending::ProtocolViolation,
            );
        };
        // Redacted as it is recorded: the signature (a ticket, for one) is never kept.
        realm.trace_received(id, self.serializer, &message, frame);
        let step = match message {
            Message::Authenticate { signature, .. } => {
                match realm.authenticator().finish(pending, &signature) {
                    Ok(identity) => return self.welcome(realm, id, identity),
                    Err(denial) => {
                        self.router.release_session_id(id);
                        self.deny(denial)
                    }
                }
            }
            Message::Abort { .. } => {
                self.router.release_session_id(id);
                Step::Close {
                    last: None,
                    ending: Ending::Normal,
                }
            }
            other => {
                self.router.release_session_id(id);
                let message = format!(
                    "after a CHALLENGE the next message must be AUTHENTICATE, not {}",
                    other.message_type()
                );
                self.abort(
                    reason::PROTOCOL_VIOLATION,
                    message,
                    Ending::ProtocolViolation,
                )
            }
        };
        self.trace_last(&realm, id, &step);
        step
    }

    fn hello(&mut self, hello: &Message, frame: Bytes) -> Step {
        let Message::Hello {
            realm: realm_uri,
            details,
        } = hello
        else {
            return self.abort(
                reason::PROTOCOL_VIOLATION,
                "expected HELLO".into(),
                Ending::ProtocolViolation,
            );
        };
        if realm_uri.as_str().is_empty() || !realm_uri.is_valid(UriRule::Loose, false) {
            let message = format!("realm {:?} is not a valid URI", realm_uri.as_str());
            return self.abort(reason::INVALID_URI, message, Ending::ProtocolViolation);
        }
        let Some(realm) = self.router.realm(realm_uri.as_str()).cloned() else {
            let message = format!(
                "no realm {:?} on this router (it serves: {})",
                realm_uri.as_str(),
                self.router.realm_names().join(", ")
            );
            return self.abort(reason::NO_SUCH_REALM, message, Ending::Normal);
        };
        match details.get("roles") {
            Some(Value::Dict(roles)) if !roles.is_empty() => self.client_roles = roles.clone(),
            _ => {
                let message = "HELLO.Details.roles must be a non-empty dictionary".to_owned();
                return self.abort(
                    reason::PROTOCOL_VIOLATION,
                    message,
                    Ending::ProtocolViolation,
                );
            }
        }

        // The ID is drawn now because a WAMP-CRA challenge names it; it is given back if
        // the handshake fails.
        let id = self.router.allocate_session_id();
        realm.trace_received(id, self.serializer, hello, frame);
        let entropy = (self.entropy)();
        match realm.authenticator().begin(details, id, &entropy) {
            Begin::Welcome(identity) => self.welcome(realm, id, identity),
            Begin::Challenge { challenge, pending } => {
                tracing::debug!(session = %id, realm = %realm.name(), authmethod = %pending.method(), "challenging");
                realm.trace_sent(id, self.serializer, &challenge);
                // The queue is new and empty, so there is room; a failure means the
                // connection is gone, and then so is the handshake.
                let _ = self.peer.queue.try_send(Outgoing::new(challenge));
                self.state = State::Authenticating { realm, id, pending };
                Step::Continue
            }
            Begin::Deny(denial) => {
                self.router.release_session_id(id);
                let step = self.deny(denial);
                self.trace_last(&realm, id, &step);
                step
            }
        }
    }

    /// Records in the realm's trace the message a closing `step` sends last.
    fn trace_last(&self, realm: &RealmHandle, id: SessionId, step: &Step) {
        if let Step::Close {
            last: Some(last), ..
        } = step
        {
            realm.trace_sent(id, self.serializer, last);
        }
    }

    /// Joins the realm as `identity`; the realm queues the WELCOME.
    fn welcome(&mut self, realm: Arc<RealmHandle>, id: SessionId, identity: Identity) -> Step {
        let info = SessionInfo {
            authid: identity.authid,
            authrole: identity.authrole,
            authmethod: identity.authmethod.as_str().into(),
            authprovider: identity.authprovider.into(),
            transport: self.transport.into(),
            serializer: self.serializer,
            batched: self.batched,
            peer: self.remote.clone(),
            client_roles: std::mem::take(&mut self.client_roles),
        };
        tracing::info!(
            session = %id,
            realm = %realm.name(),
            authid = %info.authid,
            authrole = %info.authrole,
            authmethod = %info.authmethod,
            "session joined"
        );
        realm.join(id, info, self.peer.clone());
        self.state = State::Established { realm, id };
        Step::Continue
    }

    /// ABORT for a refused handshake.
    fn deny(&mut self, denial: Denial) -> Step {
        let ending = match denial.reason {
            reason::PROTOCOL_VIOLATION => Ending::ProtocolViolation,
            _ => Ending::Normal,
        };
        self.abort(denial.reason, denial.message, ending)
    }

    /// Leaves the realm (if joined) and says: send ABORT, then close.
    fn abort(&mut self, reason: &str, message: String, ending: Ending) -> Step {
        tracing::info!(session = ?self.id(), remote = %self.remote, %reason, %message, "aborting session");
        let abort = abort_message(reason, message);
        if let State::Established { realm, id } = &self.state {
            realm.trace_sent(*id, self.serializer, &abort);
        }
        self.leave();
        Step::Close {
            last: Some(abort),
            ending,
        }
    }

    fn leave(&mut self) {
        match std::mem::replace(&mut self.state, State::Closed) {
            State::Established { realm, id } => {
                realm.leave(id);
                self.router.release_session_id(id);
                tracing::info!(session = %id, realm = %realm.name(), "session left");
            }
            State::Authenticating { id, .. } => self.router.release_session_id(id),
            State::Establishing | State::Closing | State::Closed => {}
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.leave();
    }
}

/// `ABORT` with `{"message": message}` details.
fn abort_message(reason: &str, message: String) -> Message {
    Message::Abort {
        details: Dict::from([("message".to_owned(), Value::Str(message))]),
        reason: Uri::new(reason),
    }
}

#[cfg(test)]
mod tests {
    use wamp_proto::{Id, Payload};

    use super::*;
    use crate::config::Config;

    fn new_session() -> (Session, mpsc::Receiver<Outgoing>) {
        // Recording from the start, as if somebody watched the trace.
        let mut config = Config::default();
        config.realms[0].trace_always = true;
        let router = Arc::new(Router::new(&config));
        Session::new(
            router,
            "test",
            Subprotocol::single(Serializer::Json),
            "127.0.0.1:1".into(),
        )
    }

    fn hello(realm: &str, details: Dict) -> Message {
        Message::Hello {
            realm: Uri::new(realm),
            details,
        }
    }

    fn client_details() -> Dict {
        let roles = Dict::from([("caller".to_owned(), Value::Dict(Dict::new()))]);
        Dict::from([("roles".to_owned(), Value::Dict(roles))])
    }

    fn abort_reason(step: &Step) -> &str {
        match step {
            Step::Close {
                last: Some(Message::Abort { reason, .. }),
                ..
            } => reason.as_str(),
            other => panic!("expected ABORT, got {other:?}"),
        }
    }

    fn established() -> (Session, mpsc::Receiver<Outgoing>) {
        let (mut session, mut queue) = new_session();
        assert_eq!(
            session.handle_message(hello("realm1", client_details())),
            Step::Continue
        );
        match queue.try_recv().unwrap().message() {
            Message::Welcome { details, .. } => {
                assert_eq!(details.get("authrole"), Some(&Value::from("anonymous")));
                assert_eq!(details.get("authmethod"), Some(&Value::from("anonymous")));
            }
            other => panic!("expected WELCOME, got {other:?}"),
        }
        assert!(session.id().is_some());
        (session, queue)
    }

    #[test]
    fn hello_gets_welcome() {
        established();
    }

    #[test]
    fn hello_with_anonymous_among_authmethods_is_fine() {
        let (mut session, _queue) = new_session();
        let mut details = client_details();
        details.insert(
            "authmethods".into(),
            Value::List(vec!["ticket".into(), "anonymous".into()]),
        );
        assert_eq!(
            session.handle_message(hello("realm1", details)),
            Step::Continue
        );
    }

    #[test]
    fn bad_hellos_are_aborted() {
        let cases: Vec<(Message, &str)> = vec![
            (hello("nope", client_details()), reason::NO_SUCH_REALM),
            (hello("a realm", client_details()), reason::INVALID_URI),
            (hello("", client_details()), reason::INVALID_URI),
            (hello("realm1", Dict::new()), reason::PROTOCOL_VIOLATION),
            (
                hello(
                    "realm1",
                    Dict::from([("roles".to_owned(), Value::Dict(Dict::new()))]),
                ),
                reason::PROTOCOL_VIOLATION,
            ),
            (
                hello(
                    "realm1",
                    Dict::from([("roles".to_owned(), Value::from("caller"))]),
                ),
                reason::PROTOCOL_VIOLATION,
            ),
            (
                hello("realm1", {
                    let mut details = client_details();
                    details.insert(
                        "authmethods".into(),
                        Value::List(vec!["ticket".into(), "wampcra".into()]),
                    );
                    details
                }),
                "wamp.error.no_auth_method",
            ),
            (
                hello("realm1", {
                    let mut details = client_details();
                    details.insert("authmethods".into(), "anonymous".into());
                    details
                }),
                reason::PROTOCOL_VIOLATION,
            ),
            (
                Message::Publish {
                    request: Id::new(1).unwrap(),
                    options: Dict::new(),
                    topic: Uri::new("t"),
                    payload: Payload::default(),
                },
                reason::PROTOCOL_VIOLATION,
            ),
        ];
        for (message, expected) in cases {
            let (mut session, mut queue) = new_session();
            let step = session.handle_message(message.clone());
            assert_eq!(abort_reason(&step), expected, "for {message:?}");
            assert!(queue.try_recv().is_err(), "nothing queued for {message:?}");
            assert_eq!(session.id(), None);
        }
    }

    #[test]
    fn second_hello_is_a_violation() {
        let (mut session, _queue) = established();
        let step = session.handle_message(hello("realm1", client_details()));
        assert_eq!(abort_reason(&step), reason::PROTOCOL_VIOLATION);
        assert_eq!(session.id(), None);
    }

    #[test]
    fn goodbye_is_answered() {
        let (mut session, _queue) = established();
        let goodbye = Message::Goodbye {
            details: Dict::new(),
            reason: Uri::new("wamp.close.close_realm"),
        };
        match session.handle_message(goodbye) {
            Step::Close {
                last: Some(Message::Goodbye { reason, .. }),
                ending: Ending::Normal,
            } => {
                assert_eq!(reason.as_str(), reason::GOODBYE_AND_OUT);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(session.id(), None);
    }

    /// The session's realm's trace as `(direction, type, uri)`.
    fn traced(session: &Session) -> Vec<(String, String, Value)> {
        let records = session.router.realm("realm1").unwrap().trace_snapshot();
        records
            .iter()
            .map(|r| {
                let text = |key: &str| r[key].as_str().unwrap().to_owned();
                (text("direction"), text("type"), r["uri"].clone())
            })
            .collect()
    }

    #[test]
    fn the_sessions_end_is_traced() {
        let entry = |direction: &str, message_type: &str, uri: Option<&str>| {
            let uri = uri.map_or(Value::Null, Value::from);
            (direction.to_owned(), message_type.to_owned(), uri)
        };
        // Each test session has a router of its own.
        let (mut session, _queue) = established();
        let goodbye = Message::Goodbye {
            details: Dict::new(),
            reason: Uri::new("wamp.close.close_realm"),
        };
        session.handle_message(goodbye);
        assert_eq!(
            traced(&session),
            [
                entry("in", "HELLO", Some("realm1")),
                entry("out", "WELCOME", None),
                entry("in", "GOODBYE", Some("wamp.close.close_realm")),
                entry("out", "GOODBYE", Some(reason::GOODBYE_AND_OUT)),
            ]
        );

        let (mut violator, _queue) = established();
        let welcome = Message::Welcome {
            session: Id::new(5).unwrap(),
            details: Dict::new(),
        };
        violator.handle_message(welcome);
        assert_eq!(
            traced(&violator)[2..],
            [
                entry("in", "WELCOME", None),
                entry("out", "ABORT", Some(reason::PROTOCOL_VIOLATION)),
            ]
        );
    }

    #[test]
    fn realm_violations_abort() {
        let (mut session, _queue) = established();
        let welcome = Message::Welcome {
            session: Id::new(5).unwrap(),
            details: Dict::new(),
        };
        let step = session.handle_message(welcome);
        assert_eq!(abort_reason(&step), reason::PROTOCOL_VIOLATION);
    }

    #[test]
    fn decode_errors_and_oversized_messages_abort() {
        let (mut session, _queue) = established();
        let step = session.handle_decode_error(&ProtocolError::UnknownMessageType(99));
        assert_eq!(abort_reason(&step), reason::PROTOCOL_VIOLATION);

        let (mut session, _queue) = new_session();
        let step = session.handle_oversized(Some(20_000_000), 16_777_216);
        assert_eq!(abort_reason(&step), reason::PROTOCOL_VIOLATION);
        match step {
            Step::Close {
                last: Some(Message::Abort { details, .. }),
                ending: Ending::MessageTooBig,
            } => {
                let message = details.get("message").and_then(Value::as_str).unwrap();
                assert_eq!(
                    message,
                    "message of 20000000 bytes exceeds the limit of 16777216"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_hello_in_time() {
        let (mut session, _queue) = new_session();
        assert!(session.is_establishing());
        let step = session.handle_hello_timeout(Duration::from_secs(10));
        assert_eq!(abort_reason(&step), reason::PROTOCOL_VIOLATION);
        assert!(!session.is_establishing());
    }

    #[test]
    fn shutdown_says_goodbye_and_waits_for_the_reply() {
        let (mut session, _queue) = established();
        match session.shutdown() {
            Some(Message::Goodbye { reason, .. }) => {
                assert_eq!(reason.as_str(), reason::SYSTEM_SHUTDOWN)
            }
            other => panic!("{other:?}"),
        }
        let call = Message::Call {
            request: Id::new(1).unwrap(),
            options: Dict::new(),
            procedure: Uri::new("p"),
            payload: Payload::default(),
        };
        assert_eq!(session.handle_message(call), Step::Continue);
        let goodbye = Message::Goodbye {
            details: Dict::new(),
            reason: Uri::new(reason::GOODBYE_AND_OUT),
        };
        assert_eq!(
            session.handle_message(goodbye),
            Step::Close {
                last: None,
                ending: Ending::Shutdown
            }
        );

        let (mut session, _queue) = new_session();
        assert_eq!(session.shutdown(), None);
    }

    mod authentication {
        use wamp_proto::auth::Credential;
        use wamp_proto::auth::cryptosign::PrivateKey;

        use super::*;

        const AUTH_EXAMPLE: &str = include_str!("../examples/auth.toml");

        fn fixed_entropy() -> Entropy {
            Entropy {
                random: [9; 32],
                now: std::time::UNIX_EPOCH,
            }
        }

        fn new_session() -> (Session, mpsc::Receiver<Outgoing>) {
            let mut config = Config::parse(AUTH_EXAMPLE).unwrap();
            config.validate().unwrap();
            for realm in &mut config.realms {
                realm.trace_always = true;
            }
            let router = Arc::new(Router::new(&config));
            let (mut session, queue) = Session::new(
                router,
                "test",
                Subprotocol::single(Serializer::Json),
                "127.0.0.1:1".into(),
            );
            session.entropy = fixed_entropy;
            (session, queue)
        }

        fn hello_with(realm: &str, methods: &[&str], authid: Option<&str>, extra: Dict) -> Message {
            let mut details = client_details();
            let methods = methods.iter().map(|m| Value::from(*m)).collect();
            details.insert("authmethods".into(), Value::List(methods));
            if let Some(authid) = authid {
                details.insert("authid".into(), authid.into());
            }
            details.insert("authextra".into(), extra.into());
            hello(realm, details)
        }

        fn authenticate(signature: &str) -> Message {
            Message::Authenticate {
                signature: signature.into(),
                extra: Dict::new(),
            }
        }

        /// HELLO, then the CHALLENGE from the queue.
        fn challenged(
            session: &mut Session,
            queue: &mut mpsc::Receiver<Outgoing>,
            hello: Message,
        ) -> (String, Dict) {
            assert_eq!(session.handle_message(hello), Step::Continue);
            assert!(session.is_establishing());
            assert_eq!(session.id(), None);
            match queue.try_recv().unwrap().message() {
                Message::Challenge { auth_method, extra } => (auth_method.clone(), extra.clone()),
                other => panic!("expected CHALLENGE, got {other:?}"),
            }
        }

        /// The WELCOME details from the queue.
        fn welcomed(session: &Session, queue: &mut mpsc::Receiver<Outgoing>) -> Dict {
            assert!(session.id().is_some());
            assert!(!session.is_establishing());
            match queue.try_recv().unwrap().message() {
                Message::Welcome { details, .. } => details.clone(),
                other => panic!("expected WELCOME, got {other:?}"),
            }
        }

        fn abort_of(step: &Step) -> (&str, &str) {
            match step {
                Step::Close {
                    last: Some(Message::Abort { reason, details }),
                    ..
                } => (
                    reason.as_str(),
                    details.get("message").and_then(Value::as_str).unwrap(),
                ),
                other => panic!("expected ABORT, got {other:?}"),
            }
        }

        /// Runs a whole handshake answering the CHALLENGE with `credential`.
        fn handshake(
            hello: Message,
            credential: &Credential,
        ) -> (Step, Session, mpsc::Receiver<Outgoing>) {
            let (mut session, mut queue) = new_session();
            let (method, extra) = challenged(&mut session, &mut queue, hello);
            assert_eq!(method, credential.auth_method());
            let signature = credential.respond(&method, &extra).unwrap();
            let step = session.handle_message(authenticate(&signature));
            (step, session, queue)
        }

        fn assert_identity(details: &Dict, authid: &str, authrole: &str, authmethod: &str) {
            assert_eq!(details["authid"], Value::from(authid));
            assert_eq!(details["authrole"], Value::from(authrole));
            assert_eq!(details["authmethod"], Value::from(authmethod));
            assert_eq!(details["authprovider"], Value::from("static"));
        }

        /// Wrong credentials: ABORT not_authorized, with one message whatever was wrong.
        fn assert_refused(step: &Step) {
            let (reason, message) = abort_of(step);
            assert_eq!(reason, "wamp.error.not_authorized");
            assert_eq!(
                message,
                "authentication failed: these credentials are not valid on this realm"
            );
            assert!(matches!(
                step,
                Step::Close {
                    ending: Ending::Normal,
                    ..
                }
            ));
        }

        #[test]
        fn ticket() {
            let hello = hello_with("realm1", &["ticket"], Some("alice"), Dict::new());
            let (step, session, mut queue) =
                handshake(hello.clone(), &Credential::Ticket("alice-ticket".into()));
            assert_eq!(step, Step::Continue);
            assert_identity(
                &welcomed(&session, &mut queue),
                "alice",
                "frontend",
                "ticket",
            );

            let (step, session, mut queue) = handshake(hello, &Credential::Ticket("alice".into()));
            assert_refused(&step);
            assert_eq!(session.id(), None);
            assert!(queue.try_recv().is_err());
            let unknown = hello_with("realm1", &["ticket"], Some("mallory"), Dict::new());
            assert_refused(&handshake(unknown, &Credential::Ticket("alice-ticket".into())).0);
        }

        /// The realm's trace as `(direction, type)`, and all of it as text.
        fn traced(session: &Session, realm: &str) -> (Vec<(String, String)>, String) {
            let records = session.router.realm(realm).unwrap().trace_snapshot();
            let kinds = records
                .iter()
                .map(|record| {
                    let text = |key: &str| record[key].as_str().unwrap().to_owned();
                    (text("direction"), text("type"))
                })
                .collect();
            (kinds, format!("{records:?}"))
        }

        fn kind(direction: &str, message_type: &str) -> (String, String) {
            (direction.to_owned(), message_type.to_owned())
        }

        #[test]
        fn the_handshake_is_traced_without_its_secrets() {
            let extra = Dict::from([("ticket".to_owned(), Value::from("alice-ticket"))]);
            let hello = hello_with("realm1", &["ticket"], Some("alice"), extra);
            let (step, session, _queue) =
                handshake(hello.clone(), &Credential::Ticket("alice-ticket".into()));
            assert_eq!(step, Step::Continue);
            let (kinds, text) = traced(&session, "realm1");
            assert_eq!(
                kinds,
                [
                    kind("in", "HELLO"),
                    kind("out", "CHALLENGE"),
                    kind("in", "AUTHENTICATE"),
                    kind("out", "WELCOME"),
                ]
            );
            assert!(!text.contains("alice-ticket"), "{text}");
            assert!(text.contains(crate::trace::REDACTED) && text.contains("alice"));

            // Refused: the ABORT is traced too, and the wrong ticket is not kept either.
            let (step, session, _queue) =
                handshake(hello, &Credential::Ticket("wrong-ticket".into()));
            assert_refused(&step);
            let (kinds, text) = traced(&session, "realm1");
            assert_eq!(kinds.last(), Some(&kind("out", "ABORT")));
            assert_eq!(kinds.len(), 4);
            assert!(!text.contains("wrong-ticket"), "{text}");
        }

        #[test]
        fn wampcra_plain_and_salted() {
            let bob = hello_with("realm1", &["wampcra"], Some("bob"), Dict::new());
            let (step, session, mut queue) =
                handshake(bob.clone(), &Credential::WampCra("bob-secret".into()));
            assert_eq!(step, Step::Continue);
            let details = welcomed(&session, &mut queue);
            assert_identity(&details, "bob", "backend", "wampcra");
            assert_refused(&handshake(bob, &Credential::WampCra("carol-secret".into())).0);

            let carol = hello_with("realm1", &["wampcra"], Some("carol"), Dict::new());
            let (mut session, mut queue) = new_session();
            let (_, extra) = challenged(&mut session, &mut queue, carol.clone());
            assert_eq!(extra["salt"], Value::from("carol-salt"));
            let challenge: serde_json::Value =
                serde_json::from_str(extra["challenge"].as_str().unwrap()).unwrap();
            assert_eq!(challenge["timestamp"], "1970-01-01T00:00:00.000Z");
            assert_eq!(challenge["nonce"], "09".repeat(16));
            let signature = Credential::WampCra("carol-secret".into())
                .respond("wampcra", &extra)
                .unwrap();
            assert_eq!(
                session.handle_message(authenticate(&signature)),
                Step::Continue
            );
            let welcome = welcomed(&session, &mut queue);
            assert_identity(&welcome, "carol", "backend", "wampcra");
            // The challenge named the session that WELCOME gives.
            let id = session.id().unwrap();
            assert_eq!(challenge["session"], id.get());

            // The salted key is not the secret.
            assert_refused(&handshake(carol, &Credential::WampCra("carol-secret!".into())).0);
        }

        #[test]
        fn cryptosign() {
            let key = PrivateKey::from_seed([0xd4; 32]);
            let authextra = key.public_key().to_authextra();
            let credential = Credential::Cryptosign(key);
            for authid in [Some("dave"), None] {
                let hello = hello_with("realm1", &["cryptosign"], authid, authextra.clone());
                let (step, session, mut queue) = handshake(hello, &credential);
                assert_eq!(step, Step::Continue);
                assert_identity(
                    &welcomed(&session, &mut queue),
                    "dave",
                    "frontend",
                    "cryptosign",
                );
            }
            let stranger = PrivateKey::from_seed([1; 32]);
            let hello = hello_with(
                "realm1",
                &["cryptosign"],
                Some("dave"),
                stranger.public_key().to_authextra(),
            );
            assert_refused(&handshake(hello, &Credential::Cryptosign(stranger)).0);
        }

        #[test]
        fn the_clients_preference_order_decides() {
            let (mut session, mut queue) = new_session();
            let hello = hello_with(
                "realm1",
                &["cryptosign", "wampcra", "ticket"],
                Some("bob"),
                Dict::new(),
            );
            // No pubkey announced, yet cryptosign is first: the HELLO cannot authenticate.
            let step = session.handle_message(hello);
            assert_eq!(abort_of(&step).0, "wamp.error.not_authorized");
            assert!(abort_of(&step).1.contains("pubkey"));
            assert!(queue.try_recv().is_err());

            let (mut session, mut queue) = new_session();
            let hello = hello_with("realm1", &["wampcra", "ticket"], Some("bob"), Dict::new());
            assert_eq!(challenged(&mut session, &mut queue, hello).0, "wampcra");
        }

        #[test]
        fn anonymous_only_where_enabled() {
            for details in [client_details(), {
                let mut details = client_details();
                details.insert("authmethods".into(), Value::List(vec!["anonymous".into()]));
                details
            }] {
                let (mut session, mut queue) = new_session();
                let step = session.handle_message(hello("realm1", details.clone()));
                let (reason, message) = abort_of(&step);
                assert_eq!(reason, "wamp.error.no_auth_method");
                assert!(message.contains("ticket, wampcra, cryptosign"), "{message}");
                assert!(queue.try_recv().is_err());

                let (mut session, mut queue) = new_session();
                assert_eq!(
                    session.handle_message(hello("public", details)),
                    Step::Continue
                );
                let welcome = welcomed(&session, &mut queue);
                assert_eq!(welcome["authrole"], Value::from("guest"));
                assert_eq!(welcome["authmethod"], Value::from("anonymous"));
            }
        }

        #[test]
        fn authenticate_out_of_place_is_a_violation() {
            let (mut session, _queue) = new_session();
            let step = session.handle_message(authenticate("alice-ticket"));
            let (reason, message) = abort_of(&step);
            assert_eq!(reason, reason::PROTOCOL_VIOLATION);
            assert!(message.contains("without a CHALLENGE"), "{message}");

            // After WELCOME.
            let hello = hello_with("realm1", &["ticket"], Some("alice"), Dict::new());
            let (step, mut session, _queue) =
                handshake(hello, &Credential::Ticket("alice-ticket".into()));
            assert_eq!(step, Step::Continue);
            let step = session.handle_message(authenticate("alice-ticket"));
            assert_eq!(abort_of(&step).0, reason::PROTOCOL_VIOLATION);
            assert_eq!(session.id(), None);
        }

        #[test]
        fn anything_but_authenticate_after_a_challenge_is_a_violation() {
            let ticket_hello = || hello_with("realm1", &["ticket"], Some("alice"), Dict::new());
            let (mut session, mut queue) = new_session();
            challenged(&mut session, &mut queue, ticket_hello());
            let step = session.handle_message(ticket_hello());
            let (reason, message) = abort_of(&step);
            assert_eq!(reason, reason::PROTOCOL_VIOLATION);
            assert!(
                message.contains("must be AUTHENTICATE, not HELLO"),
                "{message}"
            );
            assert!(!session.is_establishing());

            // The client may give up with ABORT.
            let (mut session, mut queue) = new_session();
            challenged(&mut session, &mut queue, ticket_hello());
            let abort = Message::Abort {
                details: Dict::new(),
                reason: Uri::new("wamp.close.normal"),
            };
            assert_eq!(
                session.handle_message(abort),
                Step::Close {
                    last: None,
                    ending: Ending::Normal
                }
            );
        }

        #[test]
        fn timeout_and_shutdown_while_authenticating() {
            let hello = hello_with("realm1", &["ticket"], Some("alice"), Dict::new());
            let (mut session, mut queue) = new_session();
            challenged(&mut session, &mut queue, hello.clone());
            let step = session.handle_hello_timeout(Duration::from_secs(10));
            assert_eq!(
                abort_of(&step),
                (
                    reason::PROTOCOL_VIOLATION,
                    "no AUTHENTICATE within 10 seconds"
                )
            );
            assert!(!session.is_establishing());

            let (mut session, mut queue) = new_session();
            challenged(&mut session, &mut queue, hello);
            assert_eq!(session.shutdown(), None);
            assert!(!session.is_establishing());
        }
    }
}
