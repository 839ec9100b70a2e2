//! [`Event`]: what the session tells the application, one router message (or one local
//! decision) at a time.

use crate::id::{Id, RequestId, SessionId};
use crate::message::{MessageType, Payload};
use crate::uri::Uri;
use crate::value::{Dict, Value};

use super::options::CancelMode;
use super::state::SessionDetails;

/// Which side started closing a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Initiator {
    /// This client: [`leave`](super::ClientSession::leave),
    /// [`abort`](super::ClientSession::abort), or an `ABORT` for a router's protocol violation.
    Client,
    /// The router: its `GOODBYE` or `ABORT`.
    Router,
}

/// Something the application must know about, from
/// [`poll_event`](super::ClientSession::poll_event).
///
/// Every request the application makes gets exactly one terminal event, matched by its
/// request ID, even when the session closes first:
///
/// | request | success | failure |
/// |---|---|---|
/// | `call` | [`Event::Result`] with `progress: false` | [`Event::CallError`] |
/// | `register` | [`Event::Registered`] | [`Event::RequestFailed`] |
/// | `unregister` | [`Event::Unregistered`] | [`Event::RequestFailed`] |
/// | `subscribe` | [`Event::Subscribed`] | [`Event::RequestFailed`] |
/// | `unsubscribe` | [`Event::Unsubscribed`] | [`Event::RequestFailed`] |
/// | `publish` (acknowledged) | [`Event::Published`] | [`Event::RequestFailed`] |
///
/// When the session closes with requests outstanding, each fails with the close reason as
/// its error URI (the router's `GOODBYE` or `ABORT` reason, the application's `leave` reason,
/// `wamp.error.protocol_violation`, or `wamp.close.transport_lost`), and a message as the
/// first positional argument. The last event of every session is exactly one of
/// [`Event::Left`], [`Event::Aborted`] or [`Event::Disconnected`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The router sent `WELCOME`: the session is established.
    Joined(SessionDetails),
    /// The router sent `CHALLENGE`: answer with
    /// [`authenticate`](super::ClientSession::authenticate), or give up with
    /// [`abort`](super::ClientSession::abort).
    Challenge {
        /// `CHALLENGE.AuthMethod`, one of the configured `authmethods`.
        auth_method: String,
        /// `CHALLENGE.Extra`: what the method needs, e.g. the challenge string.
        extra: Dict,
    },
    /// The session ended with a `GOODBYE` exchange.
    Left {
        /// Who sent the first `GOODBYE`.
        initiator: Initiator,
        /// The router's `GOODBYE.Reason`: its own reason, or `wamp.close.goodbye_and_out`
        /// in reply to this client's.
        reason: Uri,
        /// The router's `GOODBYE.Details`.
        details: Dict,
    },
    /// The session ended with an `ABORT`: the router refused the session (e.g.
    /// `wamp.error.no_such_realm`, `wamp.error.not_authorized`) or aborted it, or this client
    /// aborted it.
    Aborted {
        /// Who sent the `ABORT`.
        initiator: Initiator,
        /// `ABORT.Reason`.
        reason: Uri,
        /// `ABORT.Details`; usually a human-readable `message`.
        details: Dict,
    },
    /// The transport was lost before the session closed
    /// ([`connection_lost`](super::ClientSession::connection_lost)).
    Disconnected,
    /// A `RESULT` for a call: the final one, or a progressive one (`progress`) after which
    /// the call is still pending.
    Result {
        /// The call's request ID.
        request: RequestId,
        /// `YIELD.Arguments` and `YIELD.ArgumentsKw`, as the callee sent them.
        payload: Payload,
        /// `RESULT.Details`.
        details: Dict,
        /// `RESULT.Details.progress`: more results follow.
        progress: bool,
    },
    /// A call failed: the dealer's or callee's `ERROR`, or the session closed first.
    CallError {
        /// The call's request ID.
        request: RequestId,
        /// `ERROR.Error`, e.g. `wamp.error.no_such_procedure`, `wamp.error.canceled`.
        error: Uri,
        /// `ERROR.Arguments` and `ERROR.ArgumentsKw`.
        payload: Payload,
        /// `ERROR.Details`.
        details: Dict,
    },
    /// `REGISTERED`: the procedure is registered.
    Registered {
        /// The `register` request ID.
        request: RequestId,
        /// The registration ID, for `unregister` and in [`Invocation::registration`].
        registration: Id,
    },
    /// `UNREGISTERED` in reply to `unregister`.
    Unregistered {
        /// The `unregister` request ID.
        request: RequestId,
        /// The registration that ended.
        registration: Id,
    },
    /// `SUBSCRIBED`: the topic is subscribed. A router may answer a repeated subscription
    /// with the ID it already gave; the session then still has one subscription with that
    /// ID, and one `unsubscribe` ends it.
    Subscribed {
        /// The `subscribe` request ID.
        request: RequestId,
        /// The subscription ID, for `unsubscribe` and in [`TopicEvent::subscription`].
        subscription: Id,
    },
    /// `UNSUBSCRIBED` in reply to `unsubscribe`.
    Unsubscribed {
        /// The `unsubscribe` request ID.
        request: RequestId,
        /// The subscription that ended.
        subscription: Id,
    },
    /// `PUBLISHED`: an acknowledged publication was accepted.
    Published {
        /// The `publish` request ID.
        request: RequestId,
        /// The publication ID; subscribers see it in [`TopicEvent::publication`].
        publication: Id,
    },
    /// A register, unregister, subscribe, unsubscribe or acknowledged publish failed: the
    /// router's `ERROR`, or the session closed first.
    RequestFailed {
        /// The request ID.
        request: RequestId,
        /// Which request: `Register`, `Unregister`, `Subscribe`, `Unsubscribe` or `Publish`.
        request_type: MessageType,
        /// `ERROR.Error`, e.g. `wamp.error.procedure_already_exists`.
        error: Uri,
        /// `ERROR.Arguments` and `ERROR.ArgumentsKw`.
        payload: Payload,
        /// `ERROR.Details`.
        details: Dict,
    },
    /// `INVOCATION`: a call for one of this session's registrations. Answer with
    /// [`yield_result`](super::ClientSession::yield_result) or
    /// [`yield_error`](super::ClientSession::yield_error).
    Invocation(Invocation),
    /// `INTERRUPT`: the caller canceled an invocation. With [`CancelMode::Kill`] the dealer
    /// still waits for an answer (usually `yield_error` with `wamp.error.canceled`); with
    /// [`CancelMode::KillNoWait`] it does not, and the invocation is already forgotten.
    ///
    /// The session also emits `KillNoWait` interrupts for every invocation still running when
    /// it closes, with the close reason in `options.reason`.
    Interrupt {
        /// The invocation's request ID.
        request: RequestId,
        /// `INTERRUPT.Options.mode`; [`CancelMode::Kill`] when absent or unknown.
        mode: CancelMode,
        /// `INTERRUPT.Options`.
        options: Dict,
    },
    /// `EVENT`: a publication on one of this session's subscriptions.
    Event(TopicEvent),
    /// `UNREGISTERED` without a request: the router revoked a registration (advanced:
    /// "Registration Revocation"). It is no longer active.
    RegistrationRevoked {
        /// The revoked registration.
        registration: Id,
        /// `Details.reason`, if given.
        reason: Option<String>,
        /// The `UNREGISTERED.Details`.
        details: Dict,
    },
    /// `UNSUBSCRIBED` without a request: the router revoked a subscription (advanced:
    /// "Subscription Revocation"). It is no longer active.
    SubscriptionRevoked {
        /// The revoked subscription.
        subscription: Id,
        /// `Details.reason`, if given.
        reason: Option<String>,
        /// The `UNSUBSCRIBED.Details`.
        details: Dict,
    },
}

/// One `INVOCATION`, with the details a callee usually needs read out.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Invocation {
    /// The invocation's request ID: answer with it.
    pub request: RequestId,
    /// The registration it came through.
    pub registration: Id,
    /// The procedure called: `INVOCATION.Details.procedure` (the concrete URI, for pattern
    /// registrations), else the registered URI.
    pub procedure: Uri,
    /// `CALL.Arguments` and `CALL.ArgumentsKw`.
    pub payload: Payload,
    /// `INVOCATION.Details.caller`, when the caller is disclosed.
    pub caller: Option<SessionId>,
    /// `INVOCATION.Details.caller_authid`.
    pub caller_authid: Option<String>,
    /// `INVOCATION.Details.caller_authrole`.
    pub caller_authrole: Option<String>,
    /// `INVOCATION.Details.receive_progress`: progressive results are welcome
    /// (`yield_result(.., progress: true)`).
    pub receive_progress: bool,
    /// `INVOCATION.Details.progress`: the caller sends more chunks of this call; they arrive
    /// as further `Invocation` events with the same request ID.
    pub progress: bool,
    /// Whether this is a further chunk of a progressive call invocation, not its first.
    pub continuation: bool,
    /// `INVOCATION.Details.timeout`: the dealer left the call's timeout (milliseconds) to this
    /// callee (see [`Roles::callee_call_timeout`](super::Roles::callee_call_timeout)).
    pub timeout_ms: Option<u64>,
    /// The whole `INVOCATION.Details`.
    pub details: Dict,
}

impl Invocation {
    /// The first (or only) chunk of an invocation, read from `INVOCATION.Details`.
    pub(crate) fn new(
        request: RequestId,
        registration: Id,
        registered: &Uri,
        details: Dict,
        payload: Payload,
    ) -> Self {
        let text = |key: &str| details.get(key).and_then(Value::as_str).map(str::to_owned);
        let flag = |key: &str| details.get(key).and_then(Value::as_bool) == Some(true);
        Invocation {
            request,
            registration,
            procedure: text("procedure").map_or_else(|| registered.clone(), Uri::from),
            payload,
            caller: details
                .get("caller")
                .and_then(Value::as_u64)
                .and_then(Id::new),
            caller_authid: text("caller_authid"),
            caller_authrole: text("caller_authrole"),
            receive_progress: flag("receive_progress"),
            progress: flag("progress"),
            continuation: false,
            timeout_ms: details
                .get("timeout")
                .and_then(Value::as_u64)
                .filter(|&ms| ms > 0),
            details,
        }
    }
}

/// One `EVENT`, with the details a subscriber usually needs read out.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TopicEvent {
    /// The subscription it came through.
    pub subscription: Id,
    /// The publication ID; the same event arriving through several pattern subscriptions has
    /// the same one.
    pub publication: Id,
    /// The topic published to: `EVENT.Details.topic` (the concrete URI, for pattern
    /// subscriptions), else the subscribed URI.
    pub topic: Uri,
    /// `PUBLISH.Arguments` and `PUBLISH.ArgumentsKw`.
    pub payload: Payload,
    /// `EVENT.Details.publisher`, when the publisher is disclosed.
    pub publisher: Option<SessionId>,
    /// `EVENT.Details.publisher_authid`.
    pub publisher_authid: Option<String>,
    /// `EVENT.Details.publisher_authrole`.
    pub publisher_authrole: Option<String>,
    /// `EVENT.Details.retained`: this is the topic's retained event, published before the
    /// subscription.
    pub retained: bool,
    /// The whole `EVENT.Details`.
    pub details: Dict,
}

impl TopicEvent {
    /// Reads `EVENT.Details`.
    pub(crate) fn new(
        subscription: Id,
        publication: Id,
        subscribed: &Uri,
        details: Dict,
        payload: Payload,
    ) -> Self {
        let text = |key: &str| details.get(key).and_then(Value::as_str).map(str::to_owned);
        TopicEvent {
            subscription,
            publication,
            topic: text("topic").map_or_else(|| subscribed.clone(), Uri::from),
            payload,
            publisher: details
                .get("publisher")
                .and_then(Value::as_u64)
                .and_then(Id::new),
            publisher_authid: text("publisher_authid"),
            publisher_authrole: text("publisher_authrole"),
            retained: details.get("retained").and_then(Value::as_bool) == Some(true),
            details,
        }
    }
}
