//! One connection's WAMP session, as a state machine without sockets.
//!
//! ```text
//! Establishing --HELLO--> Established --GOODBYE / ABORT / violation--> Closed
//!      |                       |
//!      |                       +--router shutdown--> Closing --GOODBYE reply--> Closed
//!      +--anything else, bad HELLO, decode error--> Closed (after ABORT)
//! ```
//!
//! The transport decodes each frame and calls [`Session::handle_message`] (or
//! [`Session::handle_decode_error`], [`Session::handle_oversized`]); the returned [`Step`]
//! says whether to go on, or what to send last before closing. Everything the realm sends
//! to this session, WELCOME included, goes through its outbound queue, so it arrives in
//! routing order. Spec: "Session Lifecycle" (`rfc/text/basic/bp_sessions.md`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use wamp_proto::{Dict, Message, ProtocolError, Serializer, SessionId, Uri, UriRule, Value};

use crate::realm::{Outgoing, SessionInfo, Violation};
use crate::router::{Peer, RealmHandle, Router};

/// The URIs this layer answers with (spec: "Predefined URIs").
pub(crate) mod reason {
    pub(crate) const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
    pub(crate) const NO_SUCH_REALM: &str = "wamp.error.no_such_realm";
    pub(crate) const INVALID_URI: &str = "wamp.error.invalid_uri";
    pub(crate) const NO_AUTH_METHOD: &str = "wamp.error.no_auth_method";
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
    remote: String,
    peer: Peer,
    state: State,
}

impl Session {
    /// A session waiting for HELLO, and the receiving end of its outbound queue.
    pub(crate) fn new(
        router: Arc<Router>,
        transport: &'static str,
        serializer: Serializer,
        remote: String,
    ) -> (Session, mpsc::Receiver<Outgoing>) {
        let (queue, receiver) = mpsc::channel(router.queue_capacity());
        let peer = Peer {
            queue,
            cut_off: CancellationToken::new(),
        };
        let session = Session {
            router,
            transport,
            serializer,
            remote,
            peer,
            state: State::Establishing,
        };
        (session, receiver)
    }

    /// Cancelled when the router cuts this session off for not reading; then call
    /// [`Session::cut_off`].
    pub(crate) fn cut_off_token(&self) -> CancellationToken {
        self.peer.cut_off.clone()
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

    /// Whether the session still waits for HELLO.
    pub(crate) fn is_establishing(&self) -> bool {
        matches!(self.state, State::Establishing)
    }

    /// The peer sent no HELLO within `waited`.
    pub(crate) fn handle_hello_timeout(&mut self, waited: Duration) -> Step {
        let message = format!("no HELLO within {} seconds", waited.as_secs());
        self.abort(
            reason::PROTOCOL_VIOLATION,
            message,
            Ending::ProtocolViolation,
        )
    }

    /// Handles one decoded message from the peer.
    pub(crate) fn handle_message(&mut self, message: Message) -> Step {
        match &self.state {
            State::Establishing => self.handle_establishing(message),
            State::Established { realm, id } => {
                let (realm, id) = (realm.clone(), *id);
                match message {
                    Message::Hello { .. } => self.abort(
                        reason::PROTOCOL_VIOLATION,
                        "HELLO received in an established session".into(),
                        Ending::ProtocolViolation,
                    ),
                    Message::Goodbye { reason, .. } => {
                        tracing::debug!(session = %id, reason = %reason, "peer said goodbye");
                        self.leave();
                        let goodbye = Message::Goodbye {
                            details: Dict::new(),
                            reason: Uri::new(reason::GOODBYE_AND_OUT),
                        };
                        Step::Close {
                            last: Some(goodbye),
                            ending: Ending::Normal,
                        }
                    }
                    Message::Abort { reason, details } => {
                        tracing::debug!(session = %id, reason = %reason, ?details, "peer aborted");
                        self.leave();
                        Step::Close {
                            last: None,
                            ending: Ending::Normal,
                        }
                    }
                    message => match realm.handle(id, message) {
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
    /// GOODBYE to send, after which [`Session::handle_message`] waits for the peer's
    /// GOODBYE. `None` when no session is established: just close then.
    pub(crate) fn shutdown(&mut self) -> Option<Message> {
        if self.id().is_none() {
            self.state = State::Closed;
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
        self.leave();
        let capacity = self.router.queue_capacity();
        abort_message(
            reason::SLOW_CONSUMER,
            format!(
                "more than {capacity} messages waited for this peer to read them; it is cut off"
            ),
        )
    }

    /// The connection is gone: leave the realm, if joined. Idempotent; also done on drop.
    pub(crate) fn close(&mut self) {
        self.leave();
    }

    fn handle_establishing(&mut self, message: Message) -> Step {
        match message {
            Message::Hello { realm, details } => self.hello(realm, &details),
            Message::Abort { .. } => {
                self.state = State::Closed;
                Step::Close {
                    last: None,
                    ending: Ending::Normal,
                }
            }
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

    fn hello(&mut self, realm_uri: Uri, details: &Dict) -> Step {
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
            Some(Value::Dict(roles)) if !roles.is_empty() => {}
            _ => {
                let message = "HELLO.Details.roles must be a non-empty dictionary".to_owned();
                return self.abort(
                    reason::PROTOCOL_VIOLATION,
                    message,
                    Ending::ProtocolViolation,
                );
            }
        }
        if let Err(step) = self.check_authmethods(details) {
            return step;
        }

        let id = self.router.allocate_session_id();
        let info = SessionInfo {
            authid: format!("anonymous-{:08x}", rand::random::<u32>()),
            authrole: "anonymous".into(),
            authmethod: "anonymous".into(),
            authprovider: "static".into(),
            transport: self.transport.into(),
            serializer: self.serializer,
            peer: self.remote.clone(),
        };
        tracing::info!(session = %id, realm = %realm.name(), authid = %info.authid, "session joined");
        realm.join(id, info, self.peer.clone());
        self.state = State::Established { realm, id };
        Step::Continue
    }

    /// Anonymous only, for now: fine when `authmethods` is absent, empty, or names
    /// `anonymous`.
    fn check_authmethods(&mut self, details: &Dict) -> Result<(), Step> {
        let Some(methods) = details.get("authmethods") else {
            return Ok(());
        };
        let Some(methods) = methods.as_list() else {
            let message = "HELLO.Details.authmethods must be a list of strings".to_owned();
            return Err(self.abort(
                reason::PROTOCOL_VIOLATION,
                message,
                Ending::ProtocolViolation,
            ));
        };
        if methods.is_empty()
            || methods
                .iter()
                .any(|method| method.as_str() == Some("anonymous"))
        {
            return Ok(());
        }
        let offered: Vec<String> = methods
            .iter()
            .map(|method| {
                method
                    .as_str()
                    .map_or_else(|| format!("{method:?}"), str::to_owned)
            })
            .collect();
        let message = format!(
            "none of the offered authentication methods ({}) is supported; this router offers: anonymous",
            offered.join(", ")
        );
        Err(self.abort(reason::NO_AUTH_METHOD, message, Ending::Normal))
    }

    /// Leaves the realm (if joined) and says: send ABORT, then close.
    fn abort(&mut self, reason: &str, message: String, ending: Ending) -> Step {
        tracing::info!(session = ?self.id(), remote = %self.remote, %reason, %message, "aborting session");
        self.leave();
        Step::Close {
            last: Some(abort_message(reason, message)),
            ending,
        }
    }

    fn leave(&mut self) {
        if let State::Established { realm, id } = std::mem::replace(&mut self.state, State::Closed)
        {
            realm.leave(id);
            self.router.release_session_id(id);
            tracing::info!(session = %id, realm = %realm.name(), "session left");
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
        let router = Arc::new(Router::new(&Config::default()));
        Session::new(router, "test", Serializer::Json, "127.0.0.1:1".into())
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
                reason::NO_AUTH_METHOD,
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
}
