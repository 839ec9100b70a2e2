//! [`ClientConfig`]: what a session says in `HELLO`, and [`Roles`]: which roles and advanced
//! features it announces (spec: "Sessions", "Feature Announcement").

use crate::message::Message;
use crate::uri::{MatchPolicy, Uri};
use crate::value::{Dict, Value};

use super::error::ClientError;
use super::uri_check::check_uri;

/// The advanced features the session implements as a caller.
const CALLER_FEATURES: &[&str] = &[
    "call_canceling",
    "call_timeout",
    "caller_identification",
    "progressive_call_invocations",
    "progressive_call_results",
];

/// The advanced features the session implements as a callee. `call_timeout` is added only
/// with [`Roles::callee_call_timeout`].
const CALLEE_FEATURES: &[&str] = &[
    "call_canceling",
    "caller_identification",
    "pattern_based_registration",
    "progressive_call_invocations",
    "progressive_call_results",
    "registration_revocation",
    "shared_registration",
];

/// The advanced features the session implements as a publisher.
const PUBLISHER_FEATURES: &[&str] = &[
    "publisher_exclusion",
    "publisher_identification",
    "subscriber_blackwhite_listing",
];

/// The advanced features the session implements as a subscriber.
const SUBSCRIBER_FEATURES: &[&str] = &[
    "pattern_based_subscription",
    "publisher_identification",
    "subscription_revocation",
];

/// Which roles the session announces in `HELLO.Details.roles`, each with every advanced
/// feature the session implements for it.
///
/// An operation of a role that is not announced fails with
/// [`ClientError::RoleNotAnnounced`]. At least one role must be announced (the spec's
/// rule; a router aborts a `HELLO` without roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Roles {
    /// Call procedures.
    pub caller: bool,
    /// Register procedures and answer invocations.
    pub callee: bool,
    /// Publish events.
    pub publisher: bool,
    /// Subscribe to topics.
    pub subscriber: bool,
    /// Announce `call_timeout` as a callee. The dealer may then leave a call's timeout to this
    /// session ([`Invocation::timeout_ms`](super::Invocation::timeout_ms)), and the
    /// driver must answer `wamp.error.timeout` itself when it expires: this crate has no
    /// clock. Off by default.
    pub callee_call_timeout: bool,
}

impl Default for Roles {
    /// All four roles; `callee_call_timeout` off.
    fn default() -> Self {
        Roles {
            caller: true,
            callee: true,
            publisher: true,
            subscriber: true,
            callee_call_timeout: false,
        }
    }
}

impl Roles {
    /// No role at all: a starting point to enable roles one by one.
    pub fn none() -> Self {
        Roles {
            caller: false,
            callee: false,
            publisher: false,
            subscriber: false,
            callee_call_timeout: false,
        }
    }

    /// Sets [`Roles::caller`].
    pub fn caller(mut self, caller: bool) -> Self {
        self.caller = caller;
        self
    }

    /// Sets [`Roles::callee`].
    pub fn callee(mut self, callee: bool) -> Self {
        self.callee = callee;
        self
    }

    /// Sets [`Roles::publisher`].
    pub fn publisher(mut self, publisher: bool) -> Self {
        self.publisher = publisher;
        self
    }

    /// Sets [`Roles::subscriber`].
    pub fn subscriber(mut self, subscriber: bool) -> Self {
        self.subscriber = subscriber;
        self
    }

    /// Sets [`Roles::callee_call_timeout`].
    pub fn callee_call_timeout(mut self, callee_call_timeout: bool) -> Self {
        self.callee_call_timeout = callee_call_timeout;
        self
    }

    /// `HELLO.Details.roles`: `{"<role>": {"features": {"<feature>": true, ...}}, ...}`.
    pub fn to_dict(&self) -> Dict {
        // Inserts rather than `collect` or `Dict::from`: those sort first, and the sort code
        // would cost the WebAssembly build several KB.
        let role = |features: &[&str], extra: Option<&str>| {
            let mut set = Dict::new();
            for feature in features.iter().copied().chain(extra) {
                set.insert(feature.to_owned(), Value::Bool(true));
            }
            let mut role = Dict::new();
            role.insert("features".to_owned(), Value::Dict(set));
            Value::Dict(role)
        };
        let mut roles = Dict::new();
        if self.caller {
            roles.insert("caller".into(), role(CALLER_FEATURES, None));
        }
        if self.callee {
            let timeout = self.callee_call_timeout.then_some("call_timeout");
            roles.insert("callee".into(), role(CALLEE_FEATURES, timeout));
        }
        if self.publisher {
            roles.insert("publisher".into(), role(PUBLISHER_FEATURES, None));
        }
        if self.subscriber {
            roles.insert("subscriber".into(), role(SUBSCRIBER_FEATURES, None));
        }
        roles
    }
}

/// What a session asks for in `HELLO`: the realm, who it claims to be and how it can
/// authenticate, and which roles it plays.
///
/// ```
/// use wamp_proto::client::{ClientConfig, Roles};
///
/// let config = ClientConfig::new("realm1")?
///     .authid("joe")
///     .authmethods(["ticket"])
///     .roles(Roles::none().caller(true).subscriber(true));
/// assert_eq!(config.realm(), "realm1");
/// # Ok::<(), wamp_proto::client::ClientError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientConfig {
    realm: Uri,
    /// `HELLO.Details.authid`: who the session claims to be.
    pub authid: Option<String>,
    /// `HELLO.Details.authmethods`, in order of preference, e.g. `["cryptosign", "ticket"]`.
    /// Empty: anonymous, and the key is left out.
    pub authmethods: Vec<String>,
    /// `HELLO.Details.authextra`, e.g. the cryptosign public key. Left out when empty.
    pub authextra: Dict,
    /// `HELLO.Details.agent`: this client's software. Defaults to `wamp-proto/<version>`.
    pub agent: String,
    /// The roles and features to announce.
    pub roles: Roles,
    /// Further `HELLO.Details` entries (e.g. `transport`); the typed fields win on a clash.
    pub details: Dict,
}

impl ClientConfig {
    /// A configuration for `realm`, anonymous, with every role.
    ///
    /// # Errors
    /// [`ClientError::InvalidUri`] when `realm` is not a valid URI (loose rule, no empty
    /// components).
    pub fn new(realm: impl Into<Uri>) -> Result<Self, ClientError> {
        let realm = realm.into();
        check_uri(&realm, "realm", MatchPolicy::Exact)?;
        Ok(ClientConfig {
            realm,
            authid: None,
            authmethods: Vec::new(),
            authextra: Dict::new(),
            agent: concat!("wamp-proto/", env!("CARGO_PKG_VERSION")).to_owned(),
            roles: Roles::default(),
            details: Dict::new(),
        })
    }

    /// The realm to join.
    pub fn realm(&self) -> &Uri {
        &self.realm
    }

    /// Sets [`ClientConfig::authid`].
    pub fn authid(mut self, authid: impl Into<String>) -> Self {
        self.authid = Some(authid.into());
        self
    }

    /// Sets [`ClientConfig::authmethods`].
    pub fn authmethods<I, S>(mut self, authmethods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authmethods = authmethods.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`ClientConfig::authextra`].
    pub fn authextra(mut self, authextra: Dict) -> Self {
        self.authextra = authextra;
        self
    }

    /// Sets [`ClientConfig::agent`].
    pub fn agent(mut self, agent: impl Into<String>) -> Self {
        self.agent = agent.into();
        self
    }

    /// Sets [`ClientConfig::roles`].
    pub fn roles(mut self, roles: Roles) -> Self {
        self.roles = roles;
        self
    }

    /// The `HELLO` message this configuration asks for.
    pub fn hello(&self) -> Message {
        let mut details = self.details.clone();
        details.insert("agent".into(), Value::from(self.agent.as_str()));
        details.insert("roles".into(), Value::Dict(self.roles.to_dict()));
        if !self.authmethods.is_empty() {
            let methods = self.authmethods.iter().map(|m| Value::from(m.as_str()));
            details.insert("authmethods".into(), Value::List(methods.collect()));
        }
        if let Some(authid) = &self.authid {
            details.insert("authid".into(), Value::from(authid.as_str()));
        }
        if !self.authextra.is_empty() {
            details.insert("authextra".into(), Value::Dict(self.authextra.clone()));
        }
        Message::Hello {
            realm: self.realm.clone(),
            details,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features<'a>(roles: &'a Dict, role: &str) -> Vec<&'a str> {
        roles[role].as_dict().unwrap()["features"]
            .as_dict()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn default_roles_announce_every_feature() {
        let roles = Roles::default().to_dict();
        assert_eq!(
            roles.keys().collect::<Vec<_>>(),
            ["callee", "caller", "publisher", "subscriber"]
        );
        assert_eq!(features(&roles, "caller"), CALLER_FEATURES);
        assert_eq!(features(&roles, "callee"), CALLEE_FEATURES);
        assert_eq!(features(&roles, "publisher"), PUBLISHER_FEATURES);
        assert_eq!(features(&roles, "subscriber"), SUBSCRIBER_FEATURES);
    }

    #[test]
    fn callee_call_timeout_is_opt_in() {
        let roles = Roles::none()
            .callee(true)
            .callee_call_timeout(true)
            .to_dict();
        assert_eq!(roles.len(), 1);
        assert!(features(&roles, "callee").contains(&"call_timeout"));
        assert!(Roles::none().to_dict().is_empty());
    }

    #[test]
    fn realm_is_checked() {
        assert!(ClientConfig::new("realm1").is_ok());
        assert!(matches!(
            ClientConfig::new("realm..1"),
            Err(ClientError::InvalidUri { what: "realm", .. })
        ));
        assert!(ClientConfig::new("").is_err());
        assert!(ClientConfig::new("my realm").is_err());
    }

    #[test]
    fn hello_details() {
        let mut config = ClientConfig::new("realm1")
            .unwrap()
            .authid("joe")
            .authmethods(["cryptosign", "ticket"])
            .authextra(Dict::from([("pubkey".to_owned(), Value::from("abc"))]))
            .agent("test-agent");
        config
            .details
            .insert("agent".into(), Value::from("overridden"));
        config
            .details
            .insert("resumable".into(), Value::Bool(false));
        let Message::Hello { realm, details } = config.hello() else {
            panic!("not a HELLO");
        };
        assert_eq!(realm, "realm1");
        assert_eq!(details["agent"], Value::from("test-agent"));
        assert_eq!(details["authid"], Value::from("joe"));
        assert_eq!(
            details["authmethods"],
            Value::List(vec![Value::from("cryptosign"), Value::from("ticket")])
        );
        assert_eq!(details["authextra"].as_dict().unwrap().len(), 1);
        assert_eq!(details["resumable"], Value::Bool(false));
        assert!(details["roles"].as_dict().unwrap().contains_key("caller"));

        let Message::Hello { details, .. } = ClientConfig::new("realm1").unwrap().hello() else {
            panic!("not a HELLO");
        };
        assert_eq!(
            details.keys().collect::<Vec<_>>(),
            ["agent", "roles"],
            "anonymous: no auth keys"
        );
    }
}
