//! What the session tells the application: results, close information, lifecycle events.

use wamp_proto::{Dict, List, SessionId};

use crate::error::Error;

/// A call's result (final or progressive).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallResult {
    /// `RESULT.Arguments`.
    pub args: List,
    /// `RESULT.ArgumentsKw`.
    pub kwargs: Dict,
    /// `RESULT.Details`.
    pub details: Dict,
}

/// Who ended a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseInitiator {
    /// This client ([`Session::leave`](crate::Session::leave), or an `ABORT` it sent).
    Client,
    /// The router (`GOODBYE` or `ABORT`).
    Router,
    /// Nobody: the connection dropped (or could not be opened).
    Transport,
}

impl CloseInitiator {
    /// `"client"`, `"router"` or `"transport"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseInitiator::Client => "client",
            CloseInitiator::Router => "router",
            CloseInitiator::Transport => "transport",
        }
    }
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq)]
pub struct CloseInfo {
    /// The `GOODBYE` or `ABORT` reason, or `wamp.close.transport_lost`.
    pub reason: String,
    /// `Details.message`, if any.
    pub message: Option<String>,
    /// Who ended it.
    pub initiator: CloseInitiator,
    /// Whether a reconnection follows.
    pub will_reconnect: bool,
    /// `GOODBYE.Details` or `ABORT.Details`.
    pub details: Dict,
}

/// A session joined.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenInfo {
    /// The session ID.
    pub session: SessionId,
    /// A rejoin after a lost connection, with registrations and subscriptions restored.
    pub reconnected: bool,
    /// `WELCOME.Details`.
    pub details: Dict,
}

/// The lifecycle of a [`Session`](crate::Session), for
/// [`Session::on_event`](crate::Session::on_event).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SessionEvent {
    /// The session (re)joined.
    Open(OpenInfo),
    /// The session ended; see [`CloseInfo::will_reconnect`].
    Close(CloseInfo),
    /// A reconnection attempt is scheduled.
    Reconnecting {
        /// 1 for the first attempt after the connection dropped.
        attempt: u32,
        /// Milliseconds until the attempt.
        delay_ms: f64,
    },
    /// Something failed with no request to fail: restoring a registration or subscription
    /// after a reconnect, or an application handler.
    Error(Error),
}

/// Where a [`Session`](crate::Session) is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening the first connection (before [`connect`](crate::connect) resolves).
    Connecting,
    /// Joined.
    Open,
    /// The connection dropped; waiting to join again.
    Reconnecting,
    /// Over for good.
    Closed,
}

impl ConnectionState {
    /// `"connecting"`, `"open"`, `"reconnecting"` or `"closed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Open => "open",
            ConnectionState::Reconnecting => "reconnecting",
            ConnectionState::Closed => "closed",
        }
    }
}
