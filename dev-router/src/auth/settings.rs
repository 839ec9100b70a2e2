//! The authentication and authorization keys of a `[[realms]]` entry, as the TOML file
//! spells them. [`crate::config`] documents the format; the authenticator and
//! [`super::Roles`] turn these into what the router runs with, and say what is invalid.

use std::fmt;

use serde::Deserialize;
use wamp_proto::MatchPolicy;
use wamp_proto::auth::{cra, cryptosign, ticket};

/// An authentication method a realm may enable: `authmethods = ["anonymous", "ticket",
/// "wampcra", "cryptosign"]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// No credentials: the session gets the realm's `anonymous_role`.
    Anonymous,
    /// A shared ticket (password or token), sent in clear: over TLS or on localhost only.
    Ticket,
    /// WAMP-CRA: an HMAC over a challenge with a shared secret, optionally salted (PBKDF2).
    Wampcra,
    /// WAMP-Cryptosign: an Ed25519 signature over a random challenge.
    Cryptosign,
}

impl AuthMethod {
    /// Every method, in the order the router lists them in messages.
    pub const ALL: [AuthMethod; 4] = [
        AuthMethod::Anonymous,
        AuthMethod::Ticket,
        AuthMethod::Wampcra,
        AuthMethod::Cryptosign,
    ];

    /// The name in `HELLO.Details.authmethods`, `CHALLENGE` and `WELCOME.Details.authmethod`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Anonymous => "anonymous",
            AuthMethod::Ticket => ticket::METHOD,
            AuthMethod::Wampcra => cra::METHOD,
            AuthMethod::Cryptosign => cryptosign::METHOD,
        }
    }

    /// The method with this name, if it is one the router knows.
    pub fn from_name(name: &str) -> Option<AuthMethod> {
        AuthMethod::ALL
            .into_iter()
            .find(|method| method.as_str() == name)
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `[[realms.principals]]` entry: a user (or service) who may authenticate, its role,
/// and its credentials: any of `ticket`, `secret` (WAMP-CRA, salted when `salt` is given)
/// and public keys (cryptosign).
///
/// `Debug` never shows a ticket or secret.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalSettings {
    /// The authentication ID the client announces in `HELLO.Details.authid`.
    pub authid: String,
    /// The role the session gets; a `[[realms.roles]]` entry must define it.
    pub role: String,
    /// The ticket for the `ticket` method.
    pub ticket: Option<String>,
    /// The shared secret for `wampcra`. With `salt`, the router derives the key from it
    /// (PBKDF2-HMAC-SHA256), as a client does with Autobahn's `derive_key`.
    pub secret: Option<String>,
    /// Makes the WAMP-CRA secret salted: the salt sent in the CHALLENGE.
    pub salt: Option<String>,
    /// PBKDF2 iterations for a salted secret; default 1000.
    pub iterations: Option<u32>,
    /// Derived key length in bytes for a salted secret; default 32.
    pub keylen: Option<usize>,
    /// One Ed25519 public key for `cryptosign`, 64 hex digits.
    pub pubkey: Option<String>,
    /// More Ed25519 public keys for `cryptosign`, 64 hex digits each.
    #[serde(default)]
    pub authorized_keys: Vec<String>,
}

impl PrincipalSettings {
    /// A principal with a role and no credentials yet.
    pub fn new(authid: impl Into<String>, role: impl Into<String>) -> PrincipalSettings {
        PrincipalSettings {
            authid: authid.into(),
            role: role.into(),
            ticket: None,
            secret: None,
            salt: None,
            iterations: None,
            keylen: None,
            pubkey: None,
            authorized_keys: Vec::new(),
        }
    }

    /// The cryptosign public keys, `pubkey` first, as written.
    pub(crate) fn public_keys(&self) -> impl Iterator<Item = &str> {
        self.pubkey
            .iter()
            .chain(&self.authorized_keys)
            .map(String::as_str)
    }

    /// Whether the principal has a credential for `method`.
    pub(crate) fn can_use(&self, method: AuthMethod) -> bool {
        match method {
            AuthMethod::Anonymous => false,
            AuthMethod::Ticket => self.ticket.is_some(),
            AuthMethod::Wampcra => self.secret.is_some(),
            AuthMethod::Cryptosign => self.public_keys().next().is_some(),
        }
    }
}

impl fmt::Debug for PrincipalSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |secret: &Option<String>| secret.as_ref().map(|_| "..");
        f.debug_struct("PrincipalSettings")
            .field("authid", &self.authid)
            .field("role", &self.role)
            .field("ticket", &hidden(&self.ticket))
            .field("secret", &hidden(&self.secret))
            .field("salt", &self.salt)
            .field("iterations", &self.iterations)
            .field("keylen", &self.keylen)
            .field("pubkey", &self.pubkey)
            .field("authorized_keys", &self.authorized_keys)
            .finish()
    }
}

/// One `[[realms.roles]]` entry: a role's name and what it may do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSettings {
    /// The role's name, as principals and `anonymous_role` refer to it.
    pub name: String,
    /// What the role may do, on which URIs. Anything no permission allows is denied.
    #[serde(default)]
    pub permissions: Vec<PermissionSettings>,
}

/// One permission of a role: a URI pattern and the actions it allows there.
///
/// For a given URI the most specific matching permission decides, alone: an `exact` one,
/// else the longest matching `prefix`, else the matching `wildcard` with the most non-empty
/// components (the first listed among equals). Every action and disclosure defaults to
/// `false`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSettings {
    /// The URI pattern, e.g. `com.example.` with `match = "prefix"`.
    pub uri: String,
    /// How `uri` matches: `"exact"` (the default), `"prefix"` or `"wildcard"`.
    #[serde(rename = "match", default)]
    pub policy: MatchSetting,
    /// May call procedures.
    #[serde(default)]
    pub call: bool,
    /// May register procedures.
    #[serde(default)]
    pub register: bool,
    /// May publish to topics.
    #[serde(default)]
    pub publish: bool,
    /// May subscribe to topics.
    #[serde(default)]
    pub subscribe: bool,
    /// Whether the session may disclose its identity (`disclose_me`).
    #[serde(default)]
    pub disclose: DiscloseSettings,
}

impl PermissionSettings {
    /// A permission on `uri` that allows nothing yet.
    pub fn new(uri: impl Into<String>, policy: MatchSetting) -> PermissionSettings {
        PermissionSettings {
            uri: uri.into(),
            policy,
            call: false,
            register: false,
            publish: false,
            subscribe: false,
            disclose: DiscloseSettings::default(),
        }
    }
}

/// `disclose = { caller = true, publisher = true }`: whether a CALL or PUBLISH may carry
/// `disclose_me`. Without it, such a request gets `wamp.error.option_disallowed.disclose_me`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscloseSettings {
    /// A CALL may disclose the caller to the callee.
    #[serde(default)]
    pub caller: bool,
    /// A PUBLISH may disclose the publisher to the subscribers.
    #[serde(default)]
    pub publisher: bool,
}

/// `match = "exact" | "prefix" | "wildcard"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchSetting {
    /// The URI equals the pattern.
    #[default]
    Exact,
    /// The URI starts with the pattern (as text: `com.a` also matches `com.ab`).
    Prefix,
    /// Same number of components, equal in every non-empty component of the pattern.
    Wildcard,
}

impl From<MatchSetting> for MatchPolicy {
    fn from(setting: MatchSetting) -> MatchPolicy {
        match setting {
            MatchSetting::Exact => MatchPolicy::Exact,
            MatchSetting::Prefix => MatchPolicy::Prefix,
            MatchSetting::Wildcard => MatchPolicy::Wildcard,
        }
    }
}

/// The default `authmethods`: anonymous only.
pub(crate) fn default_authmethods() -> Vec<AuthMethod> {
    vec![AuthMethod::Anonymous]
}

/// The default `anonymous_role`.
pub(crate) fn default_anonymous_role() -> String {
    "anonymous".to_owned()
}
