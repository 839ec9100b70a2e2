//! [`Error`]: why a request of the application did not succeed.

use wamp_proto::client::ClientError;
use wamp_proto::{Dict, List, Payload};

/// An `ERROR` (or `ABORT`) from the router or a callee: a WAMP error URI with its arguments.
///
/// Also what an invocation handler answers with to fail a call
/// ([`Invocation::reply`](crate::Invocation::reply)).
#[derive(Debug, Clone, PartialEq)]
pub struct WampError {
    /// The error URI, e.g. `wamp.error.no_such_procedure` or an application's own.
    pub uri: String,
    /// `ERROR.Arguments`; by convention the first one is a human-readable message.
    pub args: List,
    /// `ERROR.ArgumentsKw`.
    pub kwargs: Dict,
    /// `ERROR.Details` (`ABORT.Details` for a refused session); empty when sent.
    pub details: Dict,
}

impl WampError {
    /// An error with `uri` and a message as its only argument.
    pub fn new(uri: impl Into<String>, message: impl Into<String>) -> Self {
        WampError {
            uri: uri.into(),
            args: vec![message.into().into()],
            kwargs: Dict::new(),
            details: Dict::new(),
        }
    }

    /// An error with `uri` and `payload` as its arguments.
    pub fn with_payload(uri: impl Into<String>, payload: Payload) -> Self {
        WampError {
            uri: uri.into(),
            args: payload.args,
            kwargs: payload.kwargs,
            details: Dict::new(),
        }
    }

    /// The first argument, if it is a string: by convention, the message.
    pub fn message(&self) -> Option<&str> {
        self.args.first().and_then(|arg| arg.as_str())
    }
}

impl std::fmt::Display for WampError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.message() {
            Some(message) => write!(f, "{}: {message}", self.uri),
            None => f.write_str(&self.uri),
        }
    }
}

impl std::error::Error for WampError {}

/// Why a request failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The router or a callee answered with an error URI (also `wamp.error.timeout` and
    /// `wamp.error.canceled` for calls that timed out or were canceled here).
    #[error(transparent)]
    Wamp(WampError),
    /// No session to send on: not connected (yet, or any more), the connection could not be
    /// opened, or it dropped before the answer.
    #[error("{message}")]
    Connection {
        /// What happened.
        message: String,
        /// A WAMP close URI, e.g. `wamp.close.transport_lost`, when there is one.
        reason: Option<String>,
    },
    /// The application asked for something invalid (an invalid URI, an option the router does
    /// not support, ...). Nothing was sent.
    #[error("{0}")]
    InvalidArgument(String),
    /// A JavaScript exception, e.g. thrown by an event handler (reported through
    /// [`SessionEvent::Error`](crate::SessionEvent::Error)).
    #[error("a JavaScript exception")]
    Js(wasm_bindgen::JsValue),
}

/// The close reason the session state machine gives requests that a lost transport ended.
pub(crate) const TRANSPORT_LOST: &str = "wamp.close.transport_lost";

impl Error {
    pub(crate) fn connection(message: impl Into<String>) -> Self {
        Error::Connection {
            message: message.into(),
            reason: None,
        }
    }

    /// An `ERROR` from the router, or a request the session failed when it closed: those
    /// failed by a lost transport are [`Error::Connection`].
    pub(crate) fn from_reply(uri: String, payload: Payload, details: Dict) -> Self {
        let error = WampError {
            uri,
            args: payload.args,
            kwargs: payload.kwargs,
            details,
        };
        if error.uri == TRANSPORT_LOST {
            return Error::Connection {
                message: error
                    .message()
                    .unwrap_or("the connection was lost")
                    .to_owned(),
                reason: Some(error.uri),
            };
        }
        Error::Wamp(error)
    }
}

impl Error {
    /// The message, built without `core::fmt` (it is what `Display` shows).
    pub(crate) fn text(&self) -> String {
        match self {
            Error::Wamp(error) => match error.message() {
                Some(message) => concat(&[error.uri.as_str(), ": ", message]),
                None => error.uri.clone(),
            },
            Error::Connection { message, .. } | Error::InvalidArgument(message) => message.clone(),
            Error::Js(value) => crate::client::exception_message(value),
        }
    }
}

impl From<ClientError> for Error {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::NotConnected { .. } => Error::connection(error.to_string()),
            ClientError::ProtocolViolation(_) => Error::Connection {
                message: error.to_string(),
                reason: Some("wamp.error.protocol_violation".to_owned()),
            },
            other => Error::InvalidArgument(other.to_string()),
        }
    }
}

/// The parts one after the other: `[&str]::concat` without its generic join, which adds
/// half a kilobyte of WebAssembly.
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut text = String::new();
    for part in parts {
        text.push_str(part);
    }
    text
}
