//! [`ClientError`]: why the session refused an application request, or why it aborted
//! after a router message.

use crate::id::{Id, RequestId};

use super::state::SessionState;

/// Shows a string in double quotes, with `"`, `\\` and control characters escaped as in
/// Rust's `{:?}`, for error messages. Unlike `{:?}` it needs no Unicode tables, which keeps
/// a WebAssembly build smaller.
///
/// ```
/// use wamp_proto::client::Quoted;
///
/// assert_eq!(Quoted("a \"b\"\n").to_string(), r#""a \"b\"\n""#);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(pub &'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\0' => f.write_str("\\0")?,
                // Control characters are all below U+00A0: at most two hex digits.
                c if c.is_control() => {
                    let code = c as usize;
                    f.write_str("\\u{")?;
                    if code >= 16 {
                        f.write_char(char::from(HEX[code >> 4]))?;
                    }
                    f.write_char(char::from(HEX[code & 15]))?;
                    f.write_char('}')?;
                }
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

/// Why a [`ClientSession`](super::ClientSession) method did not do what was asked.
///
/// Every variant but [`ClientError::ProtocolViolation`] is returned by an application call
/// (`call`, `subscribe`, ...) and means that nothing was queued and the session is unchanged.
/// [`ClientError::ProtocolViolation`] is returned by
/// [`handle_message`](super::ClientSession::handle_message) and means the opposite: the
/// router broke the protocol, and the session queued `ABORT`, emitted its terminal events
/// and is now [`SessionState::Closed`].
///
/// An application error that the router or a callee returns (`ERROR` with some URI) is not a
/// `ClientError`: it arrives as an [`Event`](super::Event).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A URI that the application passed breaks the loose URI rule (spec: "URIs").
    #[error("invalid {what} URI {}: {reason}", Quoted(uri))]
    InvalidUri {
        /// What the URI names: `"realm"`, `"procedure"`, `"topic"`, `"error"` or `"reason"`.
        what: &'static str,
        /// The URI as given.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The operation needs an established session, and the session is in `state`.
    #[error("the session is not established (it is {state})")]
    NotConnected {
        /// The session's state when the operation was attempted.
        state: SessionState,
    },
    /// The operation needs a role that [`Roles`](super::Roles) did not announce in `HELLO`.
    #[error("the {role} role was not announced in HELLO")]
    RoleNotAnnounced {
        /// `"caller"`, `"callee"`, `"publisher"` or `"subscriber"`.
        role: &'static str,
    },
    /// The operation needs an advanced feature that the router did not announce in
    /// `WELCOME.Details.roles.<role>.features`; sending it anyway would be a protocol error.
    #[error("the router's {role} does not announce the feature {feature}")]
    FeatureNotSupported {
        /// `"dealer"` or `"broker"`.
        role: &'static str,
        /// The feature's name, e.g. `"call_canceling"`.
        feature: &'static str,
    },
    /// [`authenticate`](super::ClientSession::authenticate) without an unanswered `CHALLENGE`.
    #[error("no CHALLENGE is waiting for an answer")]
    NoPendingChallenge,
    /// No call with this request ID is waiting for its final `RESULT` or `ERROR`.
    #[error("no call with request ID {0} is pending")]
    NoSuchCall(RequestId),
    /// [`continue_call`](super::ClientSession::continue_call) on a call that is not sending
    /// progressive invocations, or that already sent its last chunk or was canceled.
    #[error("call {0} is not sending progressive call invocations")]
    CallNotProgressive(RequestId),
    /// No invocation with this request ID is waiting for `YIELD` or `ERROR`: it was never
    /// received, was already answered, or was interrupted with mode `killnowait`.
    #[error("no invocation with request ID {0} is waiting for an answer")]
    NoSuchInvocation(RequestId),
    /// A progressive `YIELD` for an invocation whose caller did not ask for progressive
    /// results (`INVOCATION.Details.receive_progress`).
    #[error("invocation {0} did not ask for progressive results")]
    ProgressNotRequested(RequestId),
    /// No registration with this ID is active in this session.
    #[error("no registration {0} is active")]
    NoSuchRegistration(Id),
    /// No subscription with this ID is active in this session.
    #[error("no subscription {0} is active")]
    NoSuchSubscription(Id),
    /// The router broke the protocol; the session aborted with
    /// `wamp.error.protocol_violation`. The text is also the `ABORT`'s `message` detail.
    #[error("the router violated the protocol: {0}")]
    ProtocolViolation(String),
}

#[cfg(test)]
mod tests {
    use super::Quoted;

    #[test]
    fn quoted_is_debug_for_ascii_and_plain_text() {
        for text in [
            "",
            "plain",
            "a \"b\" \\ c",
            "\n\r\t\0",
            "\u{1}\u{1f}\u{7f}",
            "café ☕",
        ] {
            assert_eq!(Quoted(text).to_string(), format!("{text:?}"));
        }
    }
}
