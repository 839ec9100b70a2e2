//! The client side of a WAMP session, as a sans-IO state machine: [`ClientSession`].
//!
//! Router messages go in through [`ClientSession::handle_message`], application requests
//! through methods such as [`ClientSession::call`]; messages to send come out of
//! [`ClientSession::poll_transmit`] and news for the application out of
//! [`ClientSession::poll_event`]. No sockets, no clock, no randomness: the WebAssembly
//! client, the native test client and the load generator drive the same machine.
//!
//! Layout:
//! - this file: [`ClientSession`], its lifecycle (join, authenticate, leave, abort) and the
//!   dispatch of router messages.
//! - `rpc`: caller and callee (`CALL`, `CANCEL`, `REGISTER`, `INVOCATION`, `YIELD`, ...).
//! - `pubsub`: publisher and subscriber (`PUBLISH`, `SUBSCRIBE`, `EVENT`, ...).
//! - `pending`: the bookkeeping that maps each reply to its request.
//! - `config`, `options`: [`ClientConfig`] and [`Roles`]; the typed options of each request.
//! - `event`, `state`, `error`: [`Event`]; [`SessionState`] and what the session knows;
//!   [`ClientError`].
//! - `uri_check`: the URI rule for what the application passes.
//!
//! Spec: "Sessions" (`rfc/text/basic/sessions.md` in wamp-proto/wamp-proto), "Remote
//! Procedure Calls", "Publish and Subscribe", and the advanced features named on each item.

mod config;
mod error;
mod event;
mod options;
mod pending;
mod pubsub;
mod rpc;
mod state;
mod table;
mod uri_check;

pub use config::{ClientConfig, Roles};
pub use error::{ClientError, Quoted};
pub use event::{Event, Initiator, Invocation, TopicEvent};
pub use options::{
    CallOptions, CancelMode, InvokePolicy, PublishOptions, RegisterOptions, SubscribeOptions,
};
pub use state::{Registration, SessionDetails, SessionState, Subscription};
pub use table::Table;

use std::collections::VecDeque;

use crate::error::ProtocolError;
use crate::id::{Id, IdSequence, RequestId, SessionId};
use crate::message::{Message, MessageType, Payload};
use crate::uri::{MatchPolicy, Uri};
use crate::value::{Dict, Value};

use pending::{FinishedStreams, Pending, RunningInvocation};
use uri_check::check_uri;

/// `ABORT.Reason` for a peer that broke the protocol.
const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
/// `GOODBYE.Reason` in reply to the router's `GOODBYE`.
const GOODBYE_AND_OUT: &str = "wamp.close.goodbye_and_out";
/// The close reason when the transport is lost (Autobahn's name for it).
const TRANSPORT_LOST: &str = "wamp.close.transport_lost";

/// The client side of one WAMP session: from `HELLO` to the end of the session.
///
/// A session lives on one transport. It never blocks and never fails on router input: a
/// router that breaks the protocol gets `ABORT` (`wamp.error.protocol_violation`), and the
/// session closes cleanly with an event for everything outstanding.
///
/// # Call order
///
/// 1. Once the transport is open, create the session with [`ClientSession::new`]; it queues
///    `HELLO`.
/// 2. Then loop:
///    - send every message from [`poll_transmit`](Self::poll_transmit), in order;
///    - hand every event from [`poll_event`](Self::poll_event) to the application, in order;
///    - wait for the next input, and feed it in: a message decoded from the router
///      ([`handle_message`](Self::handle_message)), bytes that did not decode
///      ([`handle_decode_error`](Self::handle_decode_error)), the transport closing
///      ([`connection_lost`](Self::connection_lost)), or a request from the application
///      ([`authenticate`](Self::authenticate), [`call`](Self::call),
///      [`subscribe`](Self::subscribe), ..., [`leave`](Self::leave)).
///
///    Only inputs add to the two queues, so draining both after each input is enough, and
///    the order of drained messages is the order they must go on the wire.
/// 3. When [`state`](Self::state) is [`SessionState::Closed`] and `poll_transmit` returns
///    `None`, close the transport. By then the last event was [`Event::Left`],
///    [`Event::Aborted`] or [`Event::Disconnected`], and every request had its terminal
///    event (see [`Event`]).
/// 4. To reconnect, keep [`registrations`](Self::registrations) and
///    [`subscriptions`](Self::subscriptions) of the old session (they stay readable after it
///    closed), open a new transport and session, and after [`Event::Joined`] register and
///    subscribe again with the same URIs and options.
///
/// The session has no clock. A driver that wants a caller-side timeout calls
/// [`cancel`](Self::cancel) when it expires; one that bounds [`leave`](Self::leave) closes
/// the transport and calls [`connection_lost`](Self::connection_lost) when the router's
/// `GOODBYE` is late.
///
/// # Example
///
/// ```
/// use wamp_proto::client::{CallOptions, ClientConfig, ClientSession, Event};
/// use wamp_proto::{Dict, Id, Message, Payload, Uri, Value};
///
/// let mut session = ClientSession::new(ClientConfig::new("realm1")?);
/// assert!(matches!(session.poll_transmit(), Some(Message::Hello { .. })));
///
/// // The router's WELCOME, as the transport decoded it.
/// let welcome = Message::Welcome { session: Id::new(9129137332).unwrap(), details: Dict::new() };
/// session.handle_message(welcome)?;
/// assert!(matches!(session.poll_event(), Some(Event::Joined(_))));
///
/// let request = session.call(
///     Uri::new("com.myapp.add2"),
///     Payload::args(vec![Value::Int(23), Value::Int(7)]),
///     CallOptions::default(),
/// )?;
/// assert!(matches!(session.poll_transmit(), Some(Message::Call { .. })));
///
/// session.handle_message(Message::Result {
///     request,
///     details: Dict::new(),
///     payload: Payload::args(vec![Value::Int(30)]),
/// })?;
/// let Some(Event::Result { payload, progress: false, .. }) = session.poll_event() else {
///     panic!("expected the final result");
/// };
/// assert_eq!(payload.args, [Value::Int(30)]);
/// # Ok::<(), wamp_proto::client::ClientError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientSession {
    config: ClientConfig,
    state: SessionState,
    /// A `CHALLENGE` arrived and [`ClientSession::authenticate`] has not answered it yet.
    challenge_pending: bool,
    details: Option<SessionDetails>,
    requests: IdSequence,
    /// The last request ID handed out, to recognise late answers to requests that expect none.
    last_request: Option<RequestId>,
    pending: Table<RequestId, Pending>,
    invocations: Table<RequestId, RunningInvocation>,
    finished_streams: FinishedStreams,
    registrations: Table<Id, Registration>,
    subscriptions: Table<Id, Subscription>,
    transmit: VecDeque<Message>,
    events: VecDeque<Event>,
}

impl ClientSession {
    /// A session that joins `config.realm()`; `HELLO` is queued for
    /// [`poll_transmit`](Self::poll_transmit). Create it once the transport is open: `HELLO`
    /// must be the first message on it.
    pub fn new(config: ClientConfig) -> Self {
        let hello = config.hello();
        ClientSession {
            config,
            state: SessionState::Establishing,
            challenge_pending: false,
            details: None,
            requests: IdSequence::new(),
            last_request: None,
            pending: Table::default(),
            invocations: Table::default(),
            finished_streams: FinishedStreams::default(),
            registrations: Table::default(),
            subscriptions: Table::default(),
            transmit: VecDeque::from([hello]),
            events: VecDeque::new(),
        }
    }

    /// The configuration the session was created with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Where the session is in its lifetime.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// The session ID, once established (and after it closed).
    pub fn session_id(&self) -> Option<SessionId> {
        self.details.as_ref().map(|details| details.session)
    }

    /// What the router said in `WELCOME`, once established (and after it closed).
    pub fn details(&self) -> Option<&SessionDetails> {
        self.details.as_ref()
    }

    /// The active registrations, by registration ID. They stay readable after the session
    /// closed, for a driver to register them again on a new session.
    pub fn registrations(&self) -> impl Iterator<Item = &Registration> {
        self.registrations.values()
    }

    /// The active subscriptions, by subscription ID. They stay readable after the session
    /// closed, for a driver to subscribe them again on a new session.
    pub fn subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.values()
    }

    /// The next message to send to the router, oldest first; `None` when there is nothing
    /// to send.
    pub fn poll_transmit(&mut self) -> Option<Message> {
        self.transmit.pop_front()
    }

    /// The next event for the application, oldest first; `None` when there is none.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Feeds in one message from the router.
    ///
    /// Messages that arrive while [`SessionState::Closing`] (other than the router's
    /// `GOODBYE` or `ABORT`) or after [`SessionState::Closed`] are ignored, as the spec
    /// asks.
    ///
    /// # Errors
    /// [`ClientError::ProtocolViolation`] when the message breaks the protocol: a message
    /// the router must not send in this state (e.g. `CHALLENGE` after `WELCOME`, `EVENT`
    /// before it), a reply to a request this session did not send or of the wrong type, an
    /// `EVENT` or `INVOCATION` for a subscription or registration it does not have. The
    /// session then queued `ABORT` with `wamp.error.protocol_violation`, emitted the terminal
    /// events and [`Event::Aborted`], and is closed. The error is for logging; there is
    /// nothing left to undo.
    pub fn handle_message(&mut self, message: Message) -> Result<(), ClientError> {
        match self.state {
            SessionState::Establishing | SessionState::Authenticating => {
                self.handle_establishing(message)
            }
            SessionState::Established { .. } => self.handle_established(message),
            SessionState::Closing => {
                self.handle_closing(message);
                Ok(())
            }
            SessionState::Closed => Ok(()),
        }
    }

    /// Feeds in the fact that bytes from the router did not decode. The spec counts this as
    /// a protocol violation: the session queues `ABORT` and closes, as in
    /// [`handle_message`](Self::handle_message). Ignored once closed.
    pub fn handle_decode_error(&mut self, error: &ProtocolError) {
        if self.state != SessionState::Closed {
            self.violation(format!("undecodable message: {error}"));
        }
    }

    /// Feeds in the loss of the transport. Every outstanding request fails with
    /// `wamp.close.transport_lost`, running invocations get a `killnowait`
    /// [`Event::Interrupt`], unsent messages are dropped, [`Event::Disconnected`] is
    /// emitted, and the session is closed. Does nothing if it was closed already.
    pub fn connection_lost(&mut self) {
        if self.state == SessionState::Closed {
            return;
        }
        self.transmit.clear();
        self.finish(
            &Uri::new(TRANSPORT_LOST),
            "the connection was lost before the router answered",
            Event::Disconnected,
        );
    }

    /// Answers the router's `CHALLENGE` ([`Event::Challenge`]) with `AUTHENTICATE`.
    ///
    /// # Errors
    /// [`ClientError::NotConnected`] when the session is closing or closed;
    /// [`ClientError::NoPendingChallenge`] when no `CHALLENGE` waits for an answer.
    pub fn authenticate(&mut self, signature: String, extra: Dict) -> Result<(), ClientError> {
        if matches!(self.state, SessionState::Closing | SessionState::Closed) {
            return Err(self.not_connected());
        }
        if !self.challenge_pending {
            return Err(ClientError::NoPendingChallenge);
        }
        self.challenge_pending = false;
        self.transmit
            .push_back(Message::Authenticate { signature, extra });
        Ok(())
    }

    /// Leaves the realm: queues `GOODBYE` with `reason` (usually `wamp.close.close_realm`)
    /// and waits for the router's `GOODBYE`, which brings [`Event::Left`].
    ///
    /// Outstanding requests fail at once with `reason` (the spec has a closing session
    /// ignore everything but `GOODBYE`), and running invocations are interrupted.
    ///
    /// # Errors
    /// [`ClientError::InvalidUri`] for an invalid `reason`; [`ClientError::NotConnected`]
    /// unless established (before `WELCOME`, use [`abort`](Self::abort)).
    pub fn leave(&mut self, reason: Uri) -> Result<(), ClientError> {
        check_uri(&reason, "reason", MatchPolicy::Exact)?;
        self.require_established()?;
        self.transmit.push_back(Message::Goodbye {
            details: Dict::new(),
            reason: reason.clone(),
        });
        self.abandon_outstanding(&reason, "the session was closed before the router answered");
        self.state = SessionState::Closing;
        Ok(())
    }

    /// Aborts the session at once: queues `ABORT` with `reason` and `message` (as
    /// `Details.message`, if not empty), fails everything outstanding with `reason`, emits
    /// [`Event::Aborted`], and closes. Use it to give up during authentication (e.g. no
    /// credential for the challenged method) or when the driver finds the router's
    /// behaviour unacceptable.
    ///
    /// # Errors
    /// [`ClientError::InvalidUri`] for an invalid `reason`; [`ClientError::NotConnected`]
    /// when already closed.
    pub fn abort(&mut self, reason: Uri, message: &str) -> Result<(), ClientError> {
        check_uri(&reason, "reason", MatchPolicy::Exact)?;
        if self.state == SessionState::Closed {
            return Err(self.not_connected());
        }
        let details = message_details(message);
        self.transmit.push_back(Message::Abort {
            details: details.clone(),
            reason: reason.clone(),
        });
        self.finish(
            &reason,
            "the session was aborted before the router answered",
            Event::Aborted {
                initiator: Initiator::Client,
                reason: reason.clone(),
                details,
            },
        );
        Ok(())
    }

    fn handle_establishing(&mut self, message: Message) -> Result<(), ClientError> {
        match message {
            Message::Welcome { .. } if self.challenge_pending => {
                Err(self.violation("WELCOME before the CHALLENGE was answered".to_owned()))
            }
            Message::Welcome { session, details } => {
                let details = SessionDetails::from_welcome(session, details, self.config.realm());
                self.state = SessionState::Established { session };
                self.details = Some(details.clone());
                self.events.push_back(Event::Joined(details));
                Ok(())
            }
            Message::Challenge { .. } if self.challenge_pending => {
                Err(self.violation("a second CHALLENGE before the first was answered".to_owned()))
            }
            Message::Challenge { auth_method, extra } => {
                self.state = SessionState::Authenticating;
                self.challenge_pending = true;
                self.events
                    .push_back(Event::Challenge { auth_method, extra });
                Ok(())
            }
            Message::Abort { details, reason } => {
                self.aborted_by_router(details, reason);
                Ok(())
            }
            other => Err(self.violation(format!(
                "{} before the session was established",
                other.message_type()
            ))),
        }
    }

    fn handle_established(&mut self, message: Message) -> Result<(), ClientError> {
        match message {
            Message::Goodbye { details, reason } => {
                self.transmit.push_back(Message::Goodbye {
                    details: Dict::new(),
                    reason: Uri::new(GOODBYE_AND_OUT),
                });
                self.finish(
                    &reason,
                    "the router closed the session before answering",
                    Event::Left {
                        initiator: Initiator::Router,
                        reason: reason.clone(),
                        details,
                    },
                );
                Ok(())
            }
            Message::Abort { details, reason } => {
                self.aborted_by_router(details, reason);
                Ok(())
            }
            Message::Error {
                request_type,
                request,
                details,
                error,
                payload,
            } => self.handle_error(request_type, request, details, error, payload),
            Message::Result {
                request,
                details,
                payload,
            } => self.handle_result(request, details, payload),
            Message::Registered {
                request,
                registration,
            } => self.handle_registered(request, registration),
            Message::Unregistered { request, details } => {
                self.handle_unregistered(request, details)
            }
            Message::Invocation {
                request,
                registration,
                details,
                payload,
            } => self.handle_invocation(request, registration, details, payload),
            Message::Interrupt { request, options } => {
                self.handle_interrupt(request, options);
                Ok(())
            }
            Message::Subscribed {
                request,
                subscription,
            } => self.handle_subscribed(request, subscription),
            Message::Unsubscribed { request, details } => {
                self.handle_unsubscribed(request, details)
            }
            Message::Published {
                request,
                publication,
            } => self.handle_published(request, publication),
            Message::Event {
                subscription,
                publication,
                details,
                payload,
            } => self.handle_event(subscription, publication, details, payload),
            other => Err(self.violation(format!(
                "{} after the session was established",
                other.message_type()
            ))),
        }
    }

    /// After our `GOODBYE`, only the router's `GOODBYE` or `ABORT` counts (spec: "Sessions",
    /// transition 14: "Received other / ignore").
    fn handle_closing(&mut self, message: Message) {
        match message {
            Message::Goodbye { details, reason } => {
                self.state = SessionState::Closed;
                self.events.push_back(Event::Left {
                    initiator: Initiator::Client,
                    reason,
                    details,
                });
            }
            Message::Abort { details, reason } => self.aborted_by_router(details, reason),
            _ => {}
        }
    }

    /// `ERROR` for one of our requests, of the type it names.
    fn handle_error(
        &mut self,
        request_type: MessageType,
        request: RequestId,
        details: Dict,
        error: Uri,
        payload: Payload,
    ) -> Result<(), ClientError> {
        let Some(pending) = self.pending.get(&request) else {
            // Some routers answer an unacknowledged PUBLISH that failed; the spec says they
            // should not, but it is no reason to abort.
            if request_type == MessageType::Publish && self.was_issued(request) {
                return Ok(());
            }
            return Err(self.violation(format!(
                "ERROR for {request_type} request {request}, which is not pending"
            )));
        };
        if pending.request_type() != request_type {
            let expected = pending.request_type();
            return Err(self.violation(format!(
                "ERROR names request {request} a {request_type}, but it is a {expected}"
            )));
        }
        let Some(pending) = self.pending.remove(&request) else {
            return Ok(());
        };
        // The router says the registration or subscription is gone: forget it too.
        match &pending {
            Pending::Unregister { registration } if error == "wamp.error.no_such_registration" => {
                self.registrations.remove(registration);
            }
            Pending::Unsubscribe { subscription } if error == "wamp.error.no_such_subscription" => {
                self.subscriptions.remove(subscription);
            }
            _ => {}
        }
        self.events
            .push_back(pending.failed(request, error, payload, details));
        Ok(())
    }

    /// Removes and returns the pending request that a `reply` (e.g. `"REGISTERED"`) answers,
    /// if it is a request of type `expected`; otherwise the reply is a protocol violation.
    fn take_pending(
        &mut self,
        reply: &str,
        request: RequestId,
        expected: MessageType,
    ) -> Result<Pending, ClientError> {
        let found = self.pending.get(&request).map(Pending::request_type);
        if found == Some(expected)
            && let Some(pending) = self.pending.remove(&request)
        {
            return Ok(pending);
        }
        let kind = match found {
            Some(kind) => format!("a {kind}"),
            None => "not pending".to_owned(),
        };
        Err(self.violation(format!("{reply} for request {request}, which is {kind}")))
    }

    fn aborted_by_router(&mut self, details: Dict, reason: Uri) {
        self.finish(
            &reason,
            "the router aborted the session before answering",
            Event::Aborted {
                initiator: Initiator::Router,
                reason: reason.clone(),
                details,
            },
        );
    }

    /// The router broke the protocol: queue `ABORT`, close, and say why.
    fn violation(&mut self, message: String) -> ClientError {
        let reason = Uri::new(PROTOCOL_VIOLATION);
        let details = message_details(&message);
        self.transmit.push_back(Message::Abort {
            details: details.clone(),
            reason: reason.clone(),
        });
        self.finish(
            &reason,
            "the session was aborted before the router answered",
            Event::Aborted {
                initiator: Initiator::Client,
                reason: reason.clone(),
                details,
            },
        );
        ClientError::ProtocolViolation(message)
    }

    /// Closes the session: everything outstanding fails with `reason`, then `last` is the
    /// session's final event.
    fn finish(&mut self, reason: &Uri, message: &str, last: Event) {
        self.abandon_outstanding(reason, message);
        self.state = SessionState::Closed;
        self.events.push_back(last);
    }

    /// Fails every outstanding request and interrupts every running invocation, each in
    /// request-ID order.
    fn abandon_outstanding(&mut self, reason: &Uri, message: &str) {
        for (request, pending) in self.pending.take() {
            self.events
                .push_back(pending.abandoned(request, reason, message));
        }
        for (request, _) in self.invocations.take() {
            let mut options = Dict::new();
            options.insert(
                "mode".to_owned(),
                Value::from(CancelMode::KillNoWait.as_str()),
            );
            options.insert("reason".to_owned(), Value::from(reason.as_str()));
            self.events.push_back(Event::Interrupt {
                request,
                mode: CancelMode::KillNoWait,
                options,
            });
        }
        self.finished_streams.clear();
        self.challenge_pending = false;
    }

    /// The next request ID (spec: session scope IDs count up from 1).
    fn next_request(&mut self) -> RequestId {
        let request = self.requests.next();
        self.last_request = Some(request);
        request
    }

    /// Whether `request` was handed out by this session (before any wrap-around).
    fn was_issued(&self, request: RequestId) -> bool {
        self.last_request.is_some_and(|last| request <= last)
    }

    fn not_connected(&self) -> ClientError {
        ClientError::NotConnected { state: self.state }
    }

    fn require_established(&self) -> Result<(), ClientError> {
        if self.state.is_established() {
            Ok(())
        } else {
            Err(self.not_connected())
        }
    }

    fn require_role(&self, announced: bool, role: &'static str) -> Result<(), ClientError> {
        if announced {
            Ok(())
        } else {
            Err(ClientError::RoleNotAnnounced { role })
        }
    }

    fn require_router_feature(
        &self,
        role: &'static str,
        feature: &'static str,
    ) -> Result<(), ClientError> {
        let supported = self
            .details
            .as_ref()
            .is_some_and(|details| details.router_supports(role, feature));
        if supported {
            Ok(())
        } else {
            Err(ClientError::FeatureNotSupported { role, feature })
        }
    }
}

/// `{"message": message}`, or `{}` for an empty message.
fn message_details(message: &str) -> Dict {
    let mut details = Dict::new();
    if !message.is_empty() {
        details.insert("message".to_owned(), Value::from(message));
    }
    details
}
