//! Authentication: from HELLO to WELCOME or ABORT, with a CHALLENGE in between for every
//! method but anonymous.
//!
//! [`Authenticator::begin`] reads the HELLO and picks the first method in the client's
//! `authmethods` that the realm enables (`anonymous` when the client names none). Anonymous
//! is welcomed at once; the others get a CHALLENGE and a [`Pending`] to keep until the
//! AUTHENTICATE, which [`Authenticator::finish`] checks:
//!
//! | method       | HELLO needs                       | CHALLENGE extra                                   | AUTHENTICATE signature |
//! |--------------|-----------------------------------|---------------------------------------------------|------------------------|
//! | `ticket`     | `authid`                          | `{}`                                              | the ticket             |
//! | `wampcra`    | `authid`                          | `challenge` (JSON), + `salt`, `iterations`, `keylen` if salted | base64 HMAC-SHA256 |
//! | `cryptosign` | `authextra.pubkey` (+ `authid`)   | `challenge` (32 random bytes, hex), `channel_binding: null` | hex Ed25519 signature |
//!
//! A wrong ticket, secret or signature, an unknown `authid` and a key that is not the
//! principal's all end in the same ABORT (`wamp.error.not_authorized`, same message), after
//! the same kind of CHALLENGE, so the ABORT says nothing about which part was wrong. The
//! WAMP-CRA challenge names the principal's role (as the spec has it) and carries its salt:
//! for an authid without a WAMP-CRA secret it names a decoy instead, the role and salt
//! parameters of one of the realm's WAMP-CRA principals with a made-up salt, the same for the
//! same authid on every try, so that a challenge does not tell which authids exist.
//! Comparisons are constant-time ([`wamp_proto::auth`]). Randomness and time come in as
//! [`Entropy`] (and the decoys' key as an argument), so none of this touches the OS.
//!
//! Spec: "Authentication Methods" (`ap_authentication_*.md`).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::time::SystemTime;

use wamp_proto::auth::cra::{self, KeyDerivation};
use wamp_proto::auth::cryptosign::{self, PublicKey};
use wamp_proto::auth::ticket;
use wamp_proto::{Dict, Message, SessionId, Value};

use super::Roles;
use super::settings::{AuthMethod, PrincipalSettings};
use crate::realm::Timestamp;

/// ABORT reason for a failed authentication (and for a HELLO that cannot authenticate).
pub(crate) const NOT_AUTHORIZED: &str = "wamp.error.not_authorized";
/// ABORT reason when none of the client's methods is enabled.
pub(crate) const NO_AUTH_METHOD: &str = "wamp.error.no_auth_method";
/// ABORT reason for a malformed HELLO.
pub(crate) const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";

/// `authprovider` for principals from the configuration file (Crossbar.io's name for it).
const STATIC_PROVIDER: &str = "static";

/// The one message for every failed authentication, whatever failed.
const FAILED: &str = "authentication failed: these credentials are not valid on this realm";

/// What a handshake draws from the world: fresh random bytes and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entropy {
    /// From a CSPRNG, fresh for each handshake.
    pub(crate) random: [u8; 32],
    /// Now.
    pub(crate) now: SystemTime,
}

impl Entropy {
    /// Draws from the thread's CSPRNG and the system clock.
    pub(crate) fn draw() -> Entropy {
        Entropy {
            random: rand::random(),
            now: SystemTime::now(),
        }
    }
}

/// Who a session is, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) authid: String,
    pub(crate) authrole: String,
    pub(crate) authmethod: AuthMethod,
    pub(crate) authprovider: &'static str,
}

/// Why a HELLO or AUTHENTICATE is refused: the ABORT to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Denial {
    /// The ABORT reason.
    pub(crate) reason: &'static str,
    /// The ABORT's `message` detail.
    pub(crate) message: String,
}

impl Denial {
    fn new(reason: &'static str, message: impl Into<String>) -> Denial {
        Denial {
            reason,
            message: message.into(),
        }
    }
}

/// What to answer a HELLO with.
#[derive(Debug)]
pub(crate) enum Begin {
    /// WELCOME now.
    Welcome(Identity),
    /// Send `challenge`, keep `pending` for [`Authenticator::finish`].
    Challenge {
        challenge: Message,
        pending: Box<Pending>,
    },
    /// ABORT.
    Deny(Denial),
}

/// A handshake waiting for its AUTHENTICATE. `Debug` shows no secret.
pub(crate) struct Pending {
    identity: Identity,
    expected: Expected,
}

/// What the AUTHENTICATE must prove; `None` for an unknown principal (never proven).
enum Expected {
    Ticket(Option<String>),
    Cra {
        key: Option<Vec<u8>>,
        challenge: String,
    },
    Cryptosign {
        key: Option<PublicKey>,
        challenge: String,
    },
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("authid", &self.identity.authid)
            .field("authmethod", &self.identity.authmethod)
            .finish_non_exhaustive()
    }
}

impl Pending {
    /// The method being used.
    pub(crate) fn method(&self) -> AuthMethod {
        self.identity.authmethod
    }
}

/// A realm's authentication settings, checked and ready: enabled methods, the anonymous
/// role, and the principals with their credentials (salted WAMP-CRA keys derived once, at
/// start). `Debug` shows no secret.
pub(crate) struct Authenticator {
    methods: Vec<AuthMethod>,
    anonymous_role: String,
    principals: HashMap<String, Principal>,
    /// Cryptosign public key to authid, for clients that announce only their key.
    by_key: HashMap<[u8; 32], String>,
    /// What a WAMP-CRA challenge for an unknown authid imitates.
    decoys: Decoys,
}

/// WAMP-CRA challenges for authids that have no WAMP-CRA secret, like those of the ones
/// that have: each unknown authid is assigned one of the real principals by a keyed hash,
/// and gets its role and salt parameters, with a salt of the same length made from the hash.
struct Decoys {
    /// The HMAC key of the assignment: secret, so that nobody can tell a decoy by
    /// recomputing it.
    key: [u8; 32],
    /// The WAMP-CRA principals' roles and salt parameters, in the configuration's order.
    templates: Vec<(String, Option<KeyDerivation>)>,
}

impl Decoys {
    /// The role and salt parameters to show for `authid`: the empty role without salt if the
    /// realm has no WAMP-CRA principal (then every authid is unknown alike).
    fn for_authid(&self, authid: &str) -> (String, Option<KeyDerivation>) {
        let digest = cra::sign(&self.key, authid);
        let pick = digest.bytes().fold(0usize, |acc, byte| {
            acc.wrapping_mul(31).wrapping_add(byte.into())
        });
        let Some((role, derivation)) = self
            .templates
            .get(pick % self.templates.len().max(1))
            .cloned()
        else {
            return (String::new(), None);
        };
        let derivation = derivation.map(|template| {
            // Salt characters from the digest (base64, letters and digits kept), repeated
            // to the template's length.
            let alphabet: Vec<char> = digest.chars().filter(char::is_ascii_alphanumeric).collect();
            let salt = (0..template.salt.chars().count())
                .map(|i| {
                    alphabet
                        .get(i % alphabet.len().max(1))
                        .copied()
                        .unwrap_or('x')
                })
                .collect();
            KeyDerivation { salt, ..template }
        });
        (role, derivation)
    }
}

struct Principal {
    role: String,
    ticket: Option<String>,
    cra: Option<CraKey>,
    keys: Vec<PublicKey>,
}

/// The HMAC key for WAMP-CRA: the secret, or for a salted one the derived key's text.
struct CraKey {
    key: Vec<u8>,
    derivation: Option<KeyDerivation>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut authids: Vec<&String> = self.principals.keys().collect();
        authids.sort();
        f.debug_struct("Authenticator")
            .field("methods", &self.methods)
            .field("anonymous_role", &self.anonymous_role)
            .field("principals", &authids)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Builds and checks a realm's authentication settings against its `roles`.
    ///
    /// # Errors
    /// A message saying what is wrong: no methods or one listed twice; an anonymous role or
    /// a principal's role that `roles` does not define; an empty or duplicate authid; a
    /// principal without a credential for any enabled method; salt parameters without a
    /// salt (or a salt without a secret) or out of range; a public key that is not 64 hex
    /// digits of an Ed25519 key, or that two principals share; an enabled method that no
    /// principal can use.
    ///
    /// `decoy_key` keys the decoy challenges for unknown authids: random, and secret.
    pub(crate) fn new(
        methods: &[AuthMethod],
        anonymous_role: &str,
        principals: &[PrincipalSettings],
        roles: &Roles,
        decoy_key: [u8; 32],
    ) -> Result<Authenticator, String> {
        if methods.is_empty() {
            return Err("authmethods is empty, so nobody could join".into());
        }
        for (index, method) in methods.iter().enumerate() {
            if methods[..index].contains(method) {
                return Err(format!("authmethods lists {method} twice"));
            }
        }
        if methods.contains(&AuthMethod::Anonymous) && !roles.contains(anonymous_role) {
            return Err(format!(
                "anonymous_role {anonymous_role:?} is not defined by any [[realms.roles]] entry"
            ));
        }
        let mut authenticator = Authenticator {
            methods: methods.to_vec(),
            anonymous_role: anonymous_role.to_owned(),
            principals: HashMap::new(),
            by_key: HashMap::new(),
            decoys: Decoys {
                key: decoy_key,
                templates: Vec::new(),
            },
        };
        for settings in principals {
            authenticator.add_principal(settings, roles)?;
        }
        for method in methods {
            let used = *method == AuthMethod::Anonymous
                || principals
                    .iter()
                    .any(|principal| principal.can_use(*method));
            if !used {
                return Err(format!(
                    "authmethods enables {method}, but no principal has a credential for it"
                ));
            }
        }
        Ok(authenticator)
    }

    /// An authenticator that lets nobody in: every HELLO gets `no_auth_method`. For realms
    /// whose settings did not pass [`Authenticator::new`] (fail closed).
    pub(crate) fn closed() -> Authenticator {
        Authenticator {
            methods: Vec::new(),
            anonymous_role: String::new(),
            principals: HashMap::new(),
            by_key: HashMap::new(),
            decoys: Decoys {
                key: [0; 32],
                templates: Vec::new(),
            },
        }
    }

    fn add_principal(&mut self, settings: &PrincipalSettings, roles: &Roles) -> Result<(), String> {
        let authid = &settings.authid;
        if authid.is_empty() {
            return Err("a [[realms.principals]] entry has an empty authid".into());
        }
        if roles.is_open() || !roles.contains(&settings.role) {
            return Err(format!(
                "principal {authid:?} has role {:?}, which no [[realms.roles]] entry defines",
                settings.role
            ));
        }
        if !self.methods.iter().any(|method| settings.can_use(*method)) {
            return Err(format!(
                "principal {authid:?} has no credential for any method in authmethods ({})",
                list(&self.methods)
            ));
        }
        if settings.ticket.as_deref() == Some("") {
            return Err(format!("principal {authid:?} has an empty ticket"));
        }
        let cra = cra_key(settings)?;
        if let Some(cra) = &cra {
            let template = (settings.role.clone(), cra.derivation.clone());
            self.decoys.templates.push(template);
        }
        let mut keys = Vec::new();
        for hex in settings.public_keys() {
            let key = PublicKey::from_hex(hex).map_err(|error| {
                format!("principal {authid:?}: public key {hex:?} is not valid: {error}")
            })?;
            match self.by_key.entry(key.to_bytes()) {
                Entry::Occupied(other) if other.get() == authid => {}
                Entry::Occupied(other) => {
                    return Err(format!(
                        "principals {:?} and {authid:?} have the same public key {hex:?}",
                        other.get()
                    ));
                }
                Entry::Vacant(entry) => {
                    entry.insert(authid.clone());
                }
            }
            keys.push(key);
        }
        let principal = Principal {
            role: settings.role.clone(),
            ticket: settings.ticket.clone(),
            cra,
            keys,
        };
        match self.principals.entry(authid.clone()) {
            Entry::Occupied(_) => Err(format!("principal {authid:?} is listed twice")),
            Entry::Vacant(entry) => {
                entry.insert(principal);
                Ok(())
            }
        }
    }

    /// Answers a HELLO's `details` for the session that WELCOME will name `session`.
    pub(crate) fn begin(&self, details: &Dict, session: SessionId, entropy: &Entropy) -> Begin {
        match self.try_begin(details, session, entropy) {
            Ok(begin) => begin,
            Err(denial) => Begin::Deny(denial),
        }
    }

    fn try_begin(
        &self,
        details: &Dict,
        session: SessionId,
        entropy: &Entropy,
    ) -> Result<Begin, Denial> {
        let offered = offered_methods(details)?;
        let Some(method) = offered.iter().find_map(|name| {
            AuthMethod::from_name(name).filter(|method| self.methods.contains(method))
        }) else {
            return Err(Denial::new(
                NO_AUTH_METHOD,
                format!(
                    "none of the offered authentication methods ({}) is enabled on this realm; \
                     it offers: {}",
                    offered.join(", "),
                    list(&self.methods)
                ),
            ));
        };
        let authid = match details.get("authid") {
            None | Some(Value::Null) => None,
            Some(Value::Str(authid)) => Some(authid.as_str()),
            Some(_) => {
                return Err(Denial::new(
                    PROTOCOL_VIOLATION,
                    "HELLO.Details.authid must be a string",
                ));
            }
        };
        match method {
            AuthMethod::Anonymous => Ok(Begin::Welcome(Identity {
                authid: format!("anonymous-{}", hex::encode(&entropy.random[..4])),
                authrole: self.anonymous_role.clone(),
                authmethod: AuthMethod::Anonymous,
                authprovider: STATIC_PROVIDER,
            })),
            AuthMethod::Ticket => {
                let authid = required_authid(authid, method)?;
                let principal = self.principals.get(authid);
                let pending = Pending {
                    identity: self.identity(authid, principal, method),
                    expected: Expected::Ticket(principal.and_then(|p| p.ticket.clone())),
                };
                Ok(challenge(method, Dict::new(), pending))
            }
            AuthMethod::Wampcra => {
                let authid = required_authid(authid, method)?;
                let principal = self.principals.get(authid);
                let identity = self.identity(authid, principal, method);
                let cra = principal.and_then(|p| p.cra.as_ref());
                let (authrole, derivation) = match cra {
                    Some(cra) => (identity.authrole.clone(), cra.derivation.clone()),
                    None => self.decoys.for_authid(authid),
                };
                let json = cra::Challenge {
                    authid,
                    authrole: &authrole,
                    authprovider: STATIC_PROVIDER,
                    nonce: &hex::encode(&entropy.random[..16]),
                    timestamp: &timestamp(entropy.now),
                    session,
                }
                .to_json();
                let extra = cra::challenge_extra(&json, derivation.as_ref());
                let pending = Pending {
                    identity,
                    expected: Expected::Cra {
                        key: cra.map(|cra| cra.key.clone()),
                        challenge: json,
                    },
                };
                Ok(challenge(method, extra, pending))
            }
            AuthMethod::Cryptosign => {
                let authextra = match details.get("authextra") {
                    Some(Value::Dict(authextra)) => authextra.clone(),
                    _ => Dict::new(),
                };
                let key = PublicKey::from_authextra(&authextra).map_err(|error| {
                    Denial::new(
                        NOT_AUTHORIZED,
                        format!(
                            "cryptosign needs the client's public key in \
                             HELLO.Details.authextra.pubkey (64 hex digits): {error}"
                        ),
                    )
                })?;
                let found = match authid {
                    Some(authid) => self
                        .principals
                        .get_key_value(authid)
                        .filter(|(_, principal)| principal.keys.contains(&key)),
                    None => self
                        .by_key
                        .get(&key.to_bytes())
                        .and_then(|authid| self.principals.get_key_value(authid)),
                };
                let identity = match found {
                    Some((authid, principal)) => self.identity(authid, Some(principal), method),
                    None => self.identity(authid.unwrap_or_default(), None, method),
                };
                let challenge_hex = cryptosign::challenge(entropy.random);
                let mut extra = cryptosign::challenge_extra(&challenge_hex);
                extra.insert("channel_binding".into(), Value::Null);
                let pending = Pending {
                    identity,
                    expected: Expected::Cryptosign {
                        key: found.map(|_| key),
                        challenge: challenge_hex,
                    },
                };
                Ok(challenge(method, extra, pending))
            }
        }
    }

    fn identity(
        &self,
        authid: &str,
        principal: Option<&Principal>,
        method: AuthMethod,
    ) -> Identity {
        Identity {
            authid: authid.to_owned(),
            authrole: principal.map(|p| p.role.clone()).unwrap_or_default(),
            authmethod: method,
            authprovider: STATIC_PROVIDER,
        }
    }

    /// Checks the AUTHENTICATE `signature` answering `pending`'s CHALLENGE.
    ///
    /// # Errors
    /// A [`Denial`] with `wamp.error.not_authorized` and the same message whatever was wrong.
    pub(crate) fn finish(
        &self,
        pending: Box<Pending>,
        signature: &str,
    ) -> Result<Identity, Denial> {
        let Pending { identity, expected } = *pending;
        // An unknown principal still costs a comparison, so that timing does not tell it
        // from a wrong credential.
        let proven = match &expected {
            Expected::Ticket(Some(ticket)) => ticket::verify(ticket, signature),
            Expected::Ticket(None) => {
                std::hint::black_box(ticket::verify("\0unknown principal", signature));
                false
            }
            Expected::Cra {
                key: Some(key),
                challenge,
            } => cra::verify(key, challenge, signature),
            Expected::Cra {
                key: None,
                challenge,
            } => {
                std::hint::black_box(cra::verify(b"\0unknown principal", challenge, signature));
                false
            }
            Expected::Cryptosign {
                key: Some(key),
                challenge,
            } => key.verify_challenge(challenge, signature, None),
            Expected::Cryptosign { key: None, .. } => false,
        };
        if proven {
            Ok(identity)
        } else {
            tracing::info!(authid = %identity.authid, authmethod = %identity.authmethod, "authentication failed");
            Err(Denial::new(NOT_AUTHORIZED, FAILED))
        }
    }
}

/// The client's `authmethods`, in its order of preference; `anonymous` if it names none.
fn offered_methods(details: &Dict) -> Result<Vec<&str>, Denial> {
    let offered: Vec<&str> = match details.get("authmethods") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(methods)) => methods.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(Denial::new(
                PROTOCOL_VIOLATION,
                "HELLO.Details.authmethods must be a list of strings",
            ));
        }
    };
    match offered.is_empty() {
        true => Ok(vec![AuthMethod::Anonymous.as_str()]),
        false => Ok(offered),
    }
}

fn required_authid(authid: Option<&str>, method: AuthMethod) -> Result<&str, Denial> {
    authid.ok_or_else(|| {
        Denial::new(
            NOT_AUTHORIZED,
            format!("{method} authentication needs HELLO.Details.authid"),
        )
    })
}

fn challenge(method: AuthMethod, extra: Dict, pending: Pending) -> Begin {
    Begin::Challenge {
        challenge: Message::Challenge {
            auth_method: method.as_str().to_owned(),
            extra,
        },
        pending: Box::new(pending),
    }
}

/// The WAMP-CRA key of a principal, derived now if salted.
fn cra_key(settings: &PrincipalSettings) -> Result<Option<CraKey>, String> {
    let authid = &settings.authid;
    let Some(secret) = &settings.secret else {
        if settings.salt.is_some() || settings.iterations.is_some() || settings.keylen.is_some() {
            return Err(format!(
                "principal {authid:?} has salt, iterations or keylen, but no secret"
            ));
        }
        return Ok(None);
    };
    if secret.is_empty() {
        return Err(format!("principal {authid:?} has an empty secret"));
    }
    let Some(salt) = &settings.salt else {
        if settings.iterations.is_some() || settings.keylen.is_some() {
            return Err(format!(
                "principal {authid:?} has iterations or keylen but no salt: they apply only \
                 to a salted secret"
            ));
        }
        return Ok(Some(CraKey {
            key: secret.as_bytes().to_vec(),
            derivation: None,
        }));
    };
    let derivation = KeyDerivation {
        salt: salt.clone(),
        iterations: settings.iterations.unwrap_or(cra::DEFAULT_ITERATIONS),
        key_length: settings.keylen.unwrap_or(cra::DEFAULT_KEY_LENGTH),
    };
    let key = derivation
        .derive_key(secret.as_bytes())
        .map_err(|error| format!("principal {authid:?}: {error}"))?;
    Ok(Some(CraKey {
        key: key.into_bytes(),
        derivation: Some(derivation),
    }))
}

/// `a, b, c`.
fn list(methods: &[AuthMethod]) -> String {
    let names: Vec<&str> = methods.iter().map(|method| method.as_str()).collect();
    match names.is_empty() {
        true => "none".to_owned(),
        false => names.join(", "),
    }
}

/// UTC time in ISO 8601 with milliseconds, as WAMP-CRA challenges carry it:
/// `2014-06-22T16:36:25.448Z`. Times before 1970 show as 1970.
fn timestamp(time: SystemTime) -> String {
    Timestamp::from(time).rfc3339()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use wamp_proto::Id;
    use wamp_proto::auth::Credential;
    use wamp_proto::auth::cryptosign::PrivateKey;

    use super::*;
    use crate::auth::settings::RoleSettings;

    const SEED: [u8; 32] = [0xd4; 32];

    fn entropy() -> Entropy {
        Entropy {
            random: [7; 32],
            now: UNIX_EPOCH + Duration::from_millis(1_403_455_000_448),
        }
    }

    fn principal(
        authid: &str,
        role: &str,
        edit: impl FnOnce(&mut PrincipalSettings),
    ) -> PrincipalSettings {
        let mut principal = PrincipalSettings::new(authid, role);
        edit(&mut principal);
        principal
    }

    fn authenticator() -> Authenticator {
        let roles = Roles::from_settings(&[
            RoleSettings {
                name: "user".into(),
                permissions: Vec::new(),
            },
            RoleSettings {
                name: "guest".into(),
                permissions: Vec::new(),
            },
        ])
        .unwrap();
        let key = PrivateKey::from_seed(SEED).public_key().to_hex();
        let principals = [
            principal("alice", "user", |p| p.ticket = Some("alice-ticket".into())),
            principal("bob", "user", |p| p.secret = Some("bob-secret".into())),
            principal("carol", "user", |p| {
                p.secret = Some("carol-secret".into());
                p.salt = Some("pepper".into());
                p.iterations = Some(10);
                p.keylen = Some(16);
            }),
            principal("dave", "user", |p| p.authorized_keys = vec![key]),
        ];
        Authenticator::new(
            &[
                AuthMethod::Ticket,
                AuthMethod::Wampcra,
                AuthMethod::Cryptosign,
                AuthMethod::Anonymous,
            ],
            "guest",
            &principals,
            &roles,
            [9; 32],
        )
        .unwrap()
    }

    fn hello(authmethods: &[&str], authid: Option<&str>, authextra: Option<Dict>) -> Dict {
        let mut details = Dict::new();
        let methods = authmethods.iter().map(|m| Value::from(*m)).collect();
        details.insert("authmethods".into(), Value::List(methods));
        if let Some(authid) = authid {
            details.insert("authid".into(), authid.into());
        }
        if let Some(authextra) = authextra {
            details.insert("authextra".into(), authextra.into());
        }
        details
    }

    fn session() -> SessionId {
        Id::new(3_251_278_072_152_162).unwrap()
    }

    /// Runs the handshake with `credential` and returns the outcome.
    fn authenticate(details: &Dict, credential: &Credential) -> Result<Identity, Denial> {
        let auth = authenticator();
        match auth.begin(details, session(), &entropy()) {
            Begin::Challenge { challenge, pending } => {
                let Message::Challenge { auth_method, extra } = challenge else {
                    panic!("not a CHALLENGE: {challenge:?}");
                };
                let signature = credential.respond(&auth_method, &extra).unwrap();
                auth.finish(pending, &signature)
            }
            other => panic!("expected a CHALLENGE, got {other:?}"),
        }
    }

    fn failed(result: Result<Identity, Denial>) {
        assert_eq!(result, Err(Denial::new(NOT_AUTHORIZED, FAILED)));
    }

    fn denied(begin: Begin) -> Denial {
        match begin {
            Begin::Deny(denial) => denial,
            other => panic!("expected a denial, got {other:?}"),
        }
    }

    #[test]
    fn anonymous_is_welcomed_with_the_anonymous_role() {
        let auth = authenticator();
        for details in [
            Dict::new(),
            hello(&[], None, None),
            hello(&["anonymous"], Some("x"), None),
        ] {
            match auth.begin(&details, session(), &entropy()) {
                Begin::Welcome(identity) => {
                    assert_eq!(identity.authid, "anonymous-07070707");
                    assert_eq!(identity.authrole, "guest");
                    assert_eq!(identity.authmethod, AuthMethod::Anonymous);
                    assert_eq!(identity.authprovider, "static");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn the_clients_first_enabled_method_is_used() {
        let auth = authenticator();
        let details = hello(&["scram", "wampcra", "ticket"], Some("alice"), None);
        match auth.begin(&details, session(), &entropy()) {
            Begin::Challenge { pending, .. } => assert_eq!(pending.method(), AuthMethod::Wampcra),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ticket() {
        let auth = authenticator();
        let details = hello(&["ticket"], Some("alice"), None);
        match auth.begin(&details, session(), &entropy()) {
            Begin::Challenge { challenge, .. } => assert_eq!(
                challenge,
                Message::Challenge {
                    auth_method: "ticket".into(),
                    extra: Dict::new()
                }
            ),
            other => panic!("{other:?}"),
        }
        let identity = authenticate(&details, &Credential::Ticket("alice-ticket".into())).unwrap();
        assert_eq!(
            identity,
            Identity {
                authid: "alice".into(),
                authrole: "user".into(),
                authmethod: AuthMethod::Ticket,
                authprovider: "static",
            }
        );
        failed(authenticate(
            &details,
            &Credential::Ticket("alice-ticket!".into()),
        ));
        failed(authenticate(&details, &Credential::Ticket(String::new())));
        // bob has no ticket, and mallory does not exist: the same failure.
        let bob = hello(&["ticket"], Some("bob"), None);
        failed(authenticate(&bob, &Credential::Ticket("bob-secret".into())));
        let mallory = hello(&["ticket"], Some("mallory"), None);
        failed(authenticate(
            &mallory,
            &Credential::Ticket("alice-ticket".into()),
        ));
    }

    #[test]
    fn wampcra_plain() {
        let auth = authenticator();
        let details = hello(&["wampcra"], Some("bob"), None);
        let Begin::Challenge { challenge, .. } = auth.begin(&details, session(), &entropy()) else {
            panic!("expected a CHALLENGE");
        };
        let Message::Challenge { auth_method, extra } = challenge else {
            panic!("not a CHALLENGE");
        };
        assert_eq!(auth_method, "wampcra");
        assert_eq!(extra.len(), 1, "no salt for a plain secret: {extra:?}");
        let json: serde_json::Value =
            serde_json::from_str(extra["challenge"].as_str().unwrap()).unwrap();
        assert_eq!(json["authid"], "bob");
        assert_eq!(json["authrole"], "user");
        assert_eq!(json["authmethod"], "wampcra");
        assert_eq!(json["authprovider"], "static");
        assert_eq!(json["nonce"], "07".repeat(16));
        assert_eq!(json["timestamp"], "2014-06-22T16:36:40.448Z");
        assert_eq!(json["session"], 3_251_278_072_152_162_u64);

        let identity = authenticate(&details, &Credential::WampCra("bob-secret".into())).unwrap();
        assert_eq!(identity.authid, "bob");
        assert_eq!(identity.authmethod, AuthMethod::Wampcra);
        failed(authenticate(
            &details,
            &Credential::WampCra("bob-Secret".into()),
        ));
        let mallory = hello(&["wampcra"], Some("mallory"), None);
        failed(authenticate(
            &mallory,
            &Credential::WampCra("bob-secret".into()),
        ));
    }

    #[test]
    fn wampcra_salted() {
        let auth = authenticator();
        let details = hello(&["wampcra"], Some("carol"), None);
        let Begin::Challenge { challenge, .. } = auth.begin(&details, session(), &entropy()) else {
            panic!("expected a CHALLENGE");
        };
        let Message::Challenge { extra, .. } = challenge else {
            panic!("not a CHALLENGE");
        };
        assert_eq!(extra["salt"], Value::from("pepper"));
        assert_eq!(extra["iterations"], Value::from(10u64));
        assert_eq!(extra["keylen"], Value::from(16u64));
        let identity = authenticate(&details, &Credential::WampCra("carol-secret".into())).unwrap();
        assert_eq!(identity.authid, "carol");
        failed(authenticate(
            &details,
            &Credential::WampCra("carol-secret ".into()),
        ));
    }

    /// The CHALLENGE's extra and its `challenge` JSON for a WAMP-CRA HELLO from `authid`.
    fn cra_challenge(auth: &Authenticator, authid: &str) -> (Dict, serde_json::Value) {
        let details = hello(&["wampcra"], Some(authid), None);
        let Begin::Challenge { challenge, .. } = auth.begin(&details, session(), &entropy()) else {
            panic!("expected a CHALLENGE");
        };
        let Message::Challenge { extra, .. } = challenge else {
            panic!("not a CHALLENGE");
        };
        let json = serde_json::from_str(extra["challenge"].as_str().unwrap()).unwrap();
        (extra, json)
    }

    #[test]
    fn wampcra_challenges_do_not_tell_unknown_authids() {
        let auth = authenticator();
        let mut salted = 0;
        for n in 0..64 {
            let authid = format!("mallory-{n}");
            let (extra, json) = cra_challenge(&auth, &authid);
            assert_eq!(json["authid"], authid.as_str());
            assert_eq!(json["authrole"], "user", "a real WAMP-CRA principal's role");
            // Either bob's shape (no salt) or carol's (10 iterations, 16 bytes, a salt as
            // long as "pepper"), the same on every try.
            if extra.contains_key("salt") {
                salted += 1;
                assert_eq!(extra["iterations"], Value::from(10u64));
                assert_eq!(extra["keylen"], Value::from(16u64));
                let salt = extra["salt"].as_str().unwrap();
                assert_eq!(salt.len(), "pepper".len());
                assert_ne!(salt, "pepper");
            } else {
                assert_eq!(extra.len(), 1, "{extra:?}");
            }
            assert_eq!(cra_challenge(&auth, &authid).0, extra, "the same each time");
        }
        assert!(
            (8..=56).contains(&salted),
            "decoys imitate both: {salted} of 64 salted"
        );
        // A principal without a WAMP-CRA secret (alice has a ticket) is no different.
        let (_, json) = cra_challenge(&auth, "alice");
        assert_eq!(json["authrole"], "user");
    }

    #[test]
    fn cryptosign_by_authid_and_by_key() {
        let key = PrivateKey::from_seed(SEED);
        let authextra = key.public_key().to_authextra();
        let credential = Credential::Cryptosign(key);

        let details = hello(&["cryptosign"], Some("dave"), Some(authextra.clone()));
        let auth = authenticator();
        let Begin::Challenge { challenge, .. } = auth.begin(&details, session(), &entropy()) else {
            panic!("expected a CHALLENGE");
        };
        let Message::Challenge { extra, .. } = challenge else {
            panic!("not a CHALLENGE");
        };
        assert_eq!(extra["challenge"], Value::from("07".repeat(32)));
        assert_eq!(extra["channel_binding"], Value::Null);
        assert_eq!(authenticate(&details, &credential).unwrap().authid, "dave");

        let by_key = hello(&["cryptosign"], None, Some(authextra.clone()));
        let identity = authenticate(&by_key, &credential).unwrap();
        assert_eq!(
            (identity.authid.as_str(), identity.authrole.as_str()),
            ("dave", "user")
        );

        // Another key, whether announced for dave or alone, and dave's key for another
        // principal: the same failure, after a challenge.
        let other = PrivateKey::from_seed([1; 32]);
        let other_extra = other.public_key().to_authextra();
        let other = Credential::Cryptosign(other);
        failed(authenticate(
            &hello(&["cryptosign"], Some("dave"), Some(other_extra.clone())),
            &other,
        ));
        failed(authenticate(
            &hello(&["cryptosign"], None, Some(other_extra)),
            &other,
        ));
        failed(authenticate(
            &hello(&["cryptosign"], Some("alice"), Some(authextra)),
            &credential,
        ));
    }

    #[test]
    fn a_signature_for_another_challenge_fails() {
        let key = PrivateKey::from_seed(SEED);
        let details = hello(&["cryptosign"], None, Some(key.public_key().to_authextra()));
        let auth = authenticator();
        let Begin::Challenge { pending, .. } = auth.begin(&details, session(), &entropy()) else {
            panic!("expected a CHALLENGE");
        };
        let replayed = key.sign_challenge(&"08".repeat(32), None).unwrap();
        failed(auth.finish(pending, &replayed));
        let Begin::Challenge { pending, .. } = auth.begin(&details, session(), &entropy()) else {
            panic!("expected a CHALLENGE");
        };
        failed(auth.finish(pending, "not hex"));
    }

    #[test]
    fn hellos_that_cannot_authenticate() {
        let auth = authenticator();
        let begin = |details: &Dict| auth.begin(details, session(), &entropy());

        let denial = denied(begin(&hello(&["scram", "tls"], Some("alice"), None)));
        assert_eq!(denial.reason, NO_AUTH_METHOD);
        assert!(
            denial.message.contains("(scram, tls)"),
            "{}",
            denial.message
        );
        assert!(
            denial
                .message
                .contains("ticket, wampcra, cryptosign, anonymous"),
            "{}",
            denial.message
        );

        let denial = denied(begin(&hello(&["ticket"], None, None)));
        assert_eq!(denial.reason, NOT_AUTHORIZED);
        assert!(denial.message.contains("authid"), "{}", denial.message);

        let denial = denied(begin(&hello(&["cryptosign"], Some("dave"), None)));
        assert_eq!(denial.reason, NOT_AUTHORIZED);
        assert!(denial.message.contains("pubkey"), "{}", denial.message);
        let bad_key = Dict::from([("pubkey".to_owned(), Value::from("zz"))]);
        let denial = denied(begin(&hello(&["cryptosign"], Some("dave"), Some(bad_key))));
        assert!(denial.message.contains("pubkey"), "{}", denial.message);

        let mut details = hello(&["ticket"], None, None);
        details.insert("authid".into(), 5.into());
        assert_eq!(denied(begin(&details)).reason, PROTOCOL_VIOLATION);
        let details = Dict::from([("authmethods".to_owned(), Value::from("ticket"))]);
        assert_eq!(denied(begin(&details)).reason, PROTOCOL_VIOLATION);
    }

    #[test]
    fn anonymous_needs_enabling() {
        let roles = Roles::open();
        let principals = [principal("alice", "user", |p| p.ticket = Some("t".into()))];
        // Principals need listed roles.
        assert!(
            Authenticator::new(
                &[AuthMethod::Ticket],
                "anonymous",
                &principals,
                &roles,
                [0; 32]
            )
            .is_err()
        );
        let roles = Roles::from_settings(&[RoleSettings {
            name: "user".into(),
            permissions: Vec::new(),
        }])
        .unwrap();
        let auth = Authenticator::new(
            &[AuthMethod::Ticket],
            "anonymous",
            &principals,
            &roles,
            [0; 32],
        )
        .unwrap();
        for details in [Dict::new(), hello(&["anonymous"], None, None)] {
            let denial = denied(auth.begin(&details, session(), &entropy()));
            assert_eq!(denial.reason, NO_AUTH_METHOD);
            assert!(
                denial.message.ends_with("it offers: ticket"),
                "{}",
                denial.message
            );
        }
        let closed = Authenticator::closed();
        assert_eq!(
            denied(closed.begin(&Dict::new(), session(), &entropy())).reason,
            NO_AUTH_METHOD
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let auth = authenticator();
        let shown = format!("{auth:?}");
        assert!(shown.contains("alice"), "{shown}");
        assert!(
            !shown.contains("alice-ticket") && !shown.contains("bob-secret"),
            "{shown}"
        );
        let details = hello(&["ticket"], Some("alice"), None);
        let Begin::Challenge { pending, .. } = auth.begin(&details, session(), &entropy()) else {
            panic!("expected a CHALLENGE");
        };
        let shown = format!("{pending:?}");
        assert!(!shown.contains("alice-ticket"), "{shown}");
    }

    #[test]
    fn timestamps_are_iso_8601_utc() {
        let at = |millis: u64| timestamp(UNIX_EPOCH + Duration::from_millis(millis));
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(1_403_455_000_448), "2014-06-22T16:36:40.448Z");
        assert_eq!(at(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
        assert_eq!(at(1_709_251_199_001), "2024-02-29T23:59:59.001Z");
        assert_eq!(
            timestamp(UNIX_EPOCH - Duration::from_secs(5)),
            "1970-01-01T00:00:00.000Z"
        );
    }
}
