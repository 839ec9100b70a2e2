//! What a session knows about itself: its state, what the router said in `WELCOME`, and its
//! active registrations and subscriptions.

use std::fmt;

use crate::id::{Id, SessionId};
use crate::uri::Uri;
use crate::value::{Dict, Value};

use super::options::{RegisterOptions, SubscribeOptions};

/// Where a session is in its lifetime (spec: "Sessions", the peer state chart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionState {
    /// `HELLO` is queued or sent; waiting for `WELCOME`, `CHALLENGE` or `ABORT`.
    Establishing,
    /// The router sent `CHALLENGE`: waiting for
    /// [`authenticate`](super::ClientSession::authenticate), then for `WELCOME`, `ABORT` or
    /// another `CHALLENGE`.
    Authenticating,
    /// `WELCOME` arrived: the session is open.
    Established {
        /// The session ID the router assigned.
        session: SessionId,
    },
    /// The application called [`leave`](super::ClientSession::leave): `GOODBYE` is queued or
    /// sent, and the router's `GOODBYE` has not arrived yet.
    Closing,
    /// The session is over. Nothing more is sent or received; only queued messages (a final
    /// `GOODBYE` or `ABORT`) and events remain to be polled.
    Closed,
}

impl SessionState {
    /// Whether the session is [`SessionState::Established`].
    pub fn is_established(self) -> bool {
        matches!(self, SessionState::Established { .. })
    }

    /// Whether the session is [`SessionState::Closed`].
    pub fn is_closed(self) -> bool {
        self == SessionState::Closed
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionState::Establishing => f.write_str("establishing"),
            SessionState::Authenticating => f.write_str("authenticating"),
            SessionState::Established { session } => write!(f, "established (session {session})"),
            SessionState::Closing => f.write_str("closing"),
            SessionState::Closed => f.write_str("closed"),
        }
    }
}

/// What the router said about the session in `WELCOME`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SessionDetails {
    /// The session ID (`WELCOME.Session`).
    pub session: SessionId,
    /// The realm joined: `WELCOME.Details.realm` if the router sends it, else the realm asked
    /// for in `HELLO`.
    pub realm: Uri,
    /// `WELCOME.Details.authid`: who the router authenticated the session as.
    pub authid: Option<String>,
    /// `WELCOME.Details.authrole`: the role the session's permissions come from.
    pub authrole: Option<String>,
    /// `WELCOME.Details.authmethod`, e.g. `"anonymous"`, `"ticket"`, `"wampcra"`.
    pub authmethod: Option<String>,
    /// `WELCOME.Details.authprovider`.
    pub authprovider: Option<String>,
    /// `WELCOME.Details.authextra` (empty if absent).
    pub authextra: Dict,
    /// `WELCOME.Details.agent`: the router's software.
    pub agent: Option<String>,
    /// The whole `WELCOME.Details`, including the router's `roles`.
    pub details: Dict,
}

impl SessionDetails {
    /// Reads `WELCOME.Details`; fields of the wrong type count as absent.
    pub(crate) fn from_welcome(session: SessionId, details: Dict, hello_realm: &Uri) -> Self {
        let text = |key: &str| details.get(key).and_then(Value::as_str).map(str::to_owned);
        SessionDetails {
            session,
            realm: text("realm").map_or_else(|| hello_realm.clone(), Uri::from),
            authid: text("authid"),
            authrole: text("authrole"),
            authmethod: text("authmethod"),
            authprovider: text("authprovider"),
            authextra: details
                .get("authextra")
                .and_then(Value::as_dict)
                .cloned()
                .unwrap_or_default(),
            agent: text("agent"),
            details,
        }
    }

    /// Whether the router announced `role` (`"broker"` or `"dealer"`) in
    /// `WELCOME.Details.roles`.
    pub fn router_has_role(&self, role: &str) -> bool {
        self.details
            .get("roles")
            .and_then(Value::as_dict)
            .and_then(|roles| roles.get(role))
            .is_some()
    }

    /// Whether the router announced `WELCOME.Details.roles.<role>.features.<feature> = true`,
    /// e.g. `router_supports("dealer", "call_canceling")`.
    pub fn router_supports(&self, role: &str, feature: &str) -> bool {
        self.details
            .get("roles")
            .and_then(Value::as_dict)
            .and_then(|roles| roles.get(role))
            .and_then(Value::as_dict)
            .and_then(|role| role.get("features"))
            .and_then(Value::as_dict)
            .and_then(|features| features.get(feature))
            .and_then(Value::as_bool)
            == Some(true)
    }
}

/// An active registration: what a driver needs to register it again on a new session.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Registration {
    /// The registration ID the router assigned (`REGISTERED.Registration`).
    pub registration: Id,
    /// The procedure URI or pattern, as registered.
    pub procedure: Uri,
    /// The options it was registered with.
    pub options: RegisterOptions,
}

/// An active subscription: what a driver needs to subscribe again on a new session.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Subscription {
    /// The subscription ID the router assigned (`SUBSCRIBED.Subscription`).
    pub subscription: Id,
    /// The topic URI or pattern, as subscribed.
    pub topic: Uri,
    /// The options it was subscribed with.
    pub options: SubscribeOptions,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict<const N: usize>(entries: [(&str, Value); N]) -> Dict {
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    #[test]
    fn welcome_details_are_read_leniently() {
        let session = Id::new(42).unwrap();
        let details = dict([
            ("authid", Value::from("joe")),
            ("authrole", Value::from("user")),
            ("authmethod", Value::Int(3)),
            ("authextra", Value::Dict(dict([("x", Value::Int(1))]))),
            (
                "roles",
                Value::Dict(dict([
                    (
                        "dealer",
                        Value::Dict(dict([(
                            "features",
                            Value::Dict(dict([
                                ("call_canceling", Value::Bool(true)),
                                ("progressive_call_results", Value::Int(1)),
                            ])),
                        )])),
                    ),
                    ("broker", Value::Dict(Dict::new())),
                ])),
            ),
        ]);
        let read = SessionDetails::from_welcome(session, details, &Uri::new("realm1"));
        assert_eq!(read.realm, "realm1");
        assert_eq!(read.authid.as_deref(), Some("joe"));
        assert_eq!(read.authrole.as_deref(), Some("user"));
        assert_eq!(read.authmethod, None, "not a string");
        assert_eq!(read.authextra.get("x"), Some(&Value::Int(1)));
        assert!(read.router_has_role("dealer"));
        assert!(read.router_has_role("broker"));
        assert!(!read.router_has_role("callee"));
        assert!(read.router_supports("dealer", "call_canceling"));
        assert!(!read.router_supports("dealer", "progressive_call_results"));
        assert!(!read.router_supports("broker", "call_canceling"));
    }

    #[test]
    fn states_display() {
        let session = Id::new(7).unwrap();
        assert_eq!(
            SessionState::Established { session }.to_string(),
            "established (session 7)"
        );
        assert_eq!(SessionState::Closed.to_string(), "closed");
        assert!(SessionState::Established { session }.is_established());
        assert!(SessionState::Closed.is_closed());
        assert!(!SessionState::Closing.is_closed());
    }
}
