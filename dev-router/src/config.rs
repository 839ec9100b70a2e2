//! The router's settings: a TOML file, or the built-in default when there is none.
//!
//! ```toml
//! host = "127.0.0.1"          # an IP address, or "localhost"
//! port = 8080                 # WebSocket (and HTTP); 0 picks a free port
//! rawsocket = true            # also listen for RawSocket (TCP)
//! rawsocket_port = 8081       # 0 picks a free port
//! allow_remote = false        # must be true to listen beyond the loopback interface (and
//!                             #   then open realms keep their inspection APIs from anonymous)
//! max_message_size = 16777216 # bytes: the largest WAMP message a peer may send
//! queue_capacity = 1024       # messages waiting for one slow reader before it is cut off
//!
//! [[realms]]
//! name = "realm1"
//! uri_rule = "loose"          # or "strict"
//! trace_buffer = 4096         # messages kept for the message trace (with 512 bytes each of
//!                             #   message bytes on average, 2 MiB); 0 turns it off
//! trace_always = false        # record from the start, not only while somebody watches the
//!                             #   trace (and for 10 minutes after)
//! ```
//!
//! Every key is optional; unknown keys are an error, so that a typo does not silently fall
//! back to a default. Command-line flags override the file. The message trace and its API
//! are described in [`crate::trace`].
//!
//! # Authentication and authorization
//!
//! A realm with none of the keys below is open: anonymous sessions only, with the role
//! `anonymous`, allowed everything (meta API and message trace included) as long as the
//! router listens on localhost only. With `allow_remote`, that open role loses the
//! inspection APIs: the session, registration and subscription meta API (`wamp.session.`,
//! `wamp.registration.`, `wamp.subscription.`, testaments excepted), the trace
//! (`dev_router.trace.`) and the session stats (`dev_router.session.`); a role in `[[realms.roles]]` must grant them
//! ([`Roles::open_except_inspection`]). Otherwise:
//!
//! ```toml
//! [[realms]]
//! name = "realm1"
//! authmethods = ["ticket", "wampcra", "cryptosign", "anonymous"] # default ["anonymous"]
//! anonymous_role = "guest"    # the role of anonymous sessions; default "anonymous"
//!
//! [[realms.principals]]       # who may authenticate, with which credentials
//! authid = "alice"
//! role = "frontend"
//! ticket = "alice-ticket"     # for "ticket"
//! secret = "alice-secret"     # for "wampcra"; with salt, the router derives the key:
//! salt = "s4lt"               #   PBKDF2-HMAC-SHA256 (Autobahn's derive_key)
//! iterations = 1000           #   default 1000
//! keylen = 32                 #   default 32
//! pubkey = "c9f4...64 hex digits"  # for "cryptosign" (Ed25519), and/or
//! authorized_keys = ["...", "..."] #   a list of them
//!
//! [[realms.roles]]            # what each role may do
//! name = "frontend"
//! permissions = [
//!   { uri = "com.example.", match = "prefix", call = true, subscribe = true,
//!     disclose = { caller = true } },
//!   { uri = "com.example.admin.", match = "prefix" },       # nothing under here
//!   { uri = "com..status", match = "wildcard", publish = true },
//! ]
//! ```
//!
//! - A client names its methods in `HELLO.Details.authmethods`, in its order of preference;
//!   the router uses the first one the realm enables (`anonymous` when it names none).
//! - `match` is `exact` (the default), `prefix` or `wildcard`; `call`, `register`,
//!   `publish`, `subscribe` and `disclose.caller` / `disclose.publisher` (may a CALL or
//!   PUBLISH carry `disclose_me`) default to `false`. For a URI, the most specific matching
//!   permission decides alone: exact, else the longest prefix, else the wildcard with the
//!   most non-empty components. No match, no permission. The meta API (`wamp.`) and the
//!   trace URIs need permissions like any other URI.
//! - To give a remote router's anonymous sessions everything back, list the role with
//!   `{ uri = "", match = "prefix", call = true, register = true, publish = true,
//!   subscribe = true }`.
//! - Once a realm lists roles, they are all there is: each principal's role, and the
//!   anonymous role if anonymous is enabled, must be among them. A realm without roles has
//!   only the implicit, all-allowed anonymous role, so principals need roles.
//! - Checked at start: unknown roles, duplicate authids or roles, bad hex keys, invalid URI
//!   patterns, salt parameters without a salt, and enabled methods no principal can use.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use wamp_proto::{Uri, UriRule};

use crate::auth::settings::{default_anonymous_role, default_authmethods};
use crate::auth::{AuthMethod, Authenticator, PrincipalSettings, RoleSettings, Roles};
use crate::realm::RealmConfig;
use crate::trace;

/// The default WebSocket port.
pub const DEFAULT_PORT: u16 = 8080;
/// The default RawSocket port.
pub const DEFAULT_RAWSOCKET_PORT: u16 = 8081;
/// The default limit on one WAMP message: 16 MiB, the largest a RawSocket peer can announce.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;
/// The default outbound queue length per session.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
/// The smallest `max_message_size` accepted: RawSocket cannot announce less.
pub const MIN_MAX_MESSAGE_SIZE: usize = 512;

/// Everything the server needs to know, with defaults for every field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where to listen: an IP address or `localhost`.
    pub host: String,
    /// The WebSocket port; 0 picks a free one.
    pub port: u16,
    /// Whether to listen for RawSocket connections too.
    pub rawsocket: bool,
    /// The RawSocket port; 0 picks a free one.
    pub rawsocket_port: u16,
    /// Whether `host` may be other than a loopback address. Realms without roles then keep
    /// the meta API and the message trace from their anonymous sessions
    /// ([`RealmSettings::realm_config`]).
    pub allow_remote: bool,
    /// The largest WAMP message accepted, in bytes (serialized, without framing).
    pub max_message_size: usize,
    /// How many messages may wait in one session's outbound queue; a session whose queue
    /// is full is cut off.
    pub queue_capacity: usize,
    /// The realms served.
    pub realms: Vec<RealmSettings>,
    /// The built inspector (`cargo xtask inspector` makes `target/inspector/dist`), served
    /// over plain HTTP on the WebSocket port: `/` is its `index.html`. Without it, or when
    /// the directory has no `index.html`, `/` is a small page saying how to build it.
    pub inspector_dir: Option<PathBuf>,
}

/// One `[[realms]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealmSettings {
    /// The realm's URI, e.g. `realm1`.
    pub name: String,
    /// Which rule topic and procedure URIs must follow.
    #[serde(default)]
    pub uri_rule: UriRuleSetting,
    /// The authentication methods the realm accepts.
    #[serde(default = "default_authmethods")]
    pub authmethods: Vec<AuthMethod>,
    /// The role of anonymous sessions.
    #[serde(default = "default_anonymous_role")]
    pub anonymous_role: String,
    /// Who may authenticate, and how.
    #[serde(default)]
    pub principals: Vec<PrincipalSettings>,
    /// The roles and their permissions; none means every role may do everything (but the
    /// inspection APIs, with `allow_remote`).
    #[serde(default)]
    pub roles: Vec<RoleSettings>,
    /// How many messages the realm's trace keeps; 0 turns the trace off. Their bytes get
    /// [`trace::BYTES_PER_RECORD`] each on average.
    #[serde(default = "default_trace_buffer")]
    pub trace_buffer: usize,
    /// Record every message from the start, not only while somebody watches the trace (and
    /// for [`trace::LINGER_SECS`] after): history from before the inspector was opened, at
    /// a few percent of the router's CPU.
    #[serde(default)]
    pub trace_always: bool,
}

fn default_trace_buffer() -> usize {
    trace::DEFAULT_BUFFER
}

/// `uri_rule = "loose" | "strict"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UriRuleSetting {
    /// Components of anything but whitespace, `.` and `#`.
    #[default]
    Loose,
    /// Components of `[0-9a-z_]` only.
    Strict,
}

impl From<UriRuleSetting> for UriRule {
    fn from(setting: UriRuleSetting) -> UriRule {
        match setting {
            UriRuleSetting::Loose => UriRule::Loose,
            UriRuleSetting::Strict => UriRule::Strict,
        }
    }
}

impl RealmSettings {
    /// A realm with loose URIs, open to anonymous sessions with every permission.
    pub fn new(name: impl Into<String>) -> Self {
        RealmSettings {
            name: name.into(),
            uri_rule: UriRuleSetting::Loose,
            authmethods: default_authmethods(),
            anonymous_role: default_anonymous_role(),
            principals: Vec::new(),
            roles: Vec::new(),
            trace_buffer: trace::DEFAULT_BUFFER,
            trace_always: false,
        }
    }

    /// The realm's URI.
    pub fn uri(&self) -> Uri {
        Uri::new(self.name.as_str())
    }

    /// The routing settings for [`crate::realm::Realm::new`], on a router that accepts
    /// remote connections or not (`allow_remote`): without roles, a remote router's realm
    /// keeps the inspection APIs from its anonymous role
    /// ([`Roles::open_except_inspection`]).
    ///
    /// Roles that do not pass [`Config::validate`] give a realm where nothing is allowed.
    pub fn realm_config(&self, allow_remote: bool) -> RealmConfig {
        let roles = match self.roles() {
            Ok(roles) if roles.is_open() && allow_remote => {
                Roles::open_except_inspection(&self.anonymous_role)
            }
            Ok(roles) => roles,
            Err(error) => {
                tracing::error!(realm = %self.name, %error, "invalid roles: allowing nothing");
                Roles::closed()
            }
        };
        RealmConfig {
            uri_rule: self.uri_rule.into(),
            roles,
        }
    }

    /// The realm's roles.
    ///
    /// # Errors
    /// What is wrong with `roles`, as [`Roles::from_settings`] says.
    pub fn roles(&self) -> Result<Roles, String> {
        Roles::from_settings(&self.roles)
    }

    /// The realm's authentication settings, checked; a realm that lets nobody in if they do
    /// not pass [`Config::validate`].
    pub(crate) fn authenticator(&self) -> Authenticator {
        self.try_authenticator().unwrap_or_else(|error| {
            tracing::error!(realm = %self.name, %error, "invalid authentication settings: nobody can join");
            Authenticator::closed()
        })
    }

    fn try_authenticator(&self) -> Result<Authenticator, String> {
        let roles = self.roles()?;
        Authenticator::new(
            &self.authmethods,
            &self.anonymous_role,
            &self.principals,
            &roles,
            rand::random(),
        )
    }
}

impl Default for Config {
    /// Realm `realm1`, anonymous, loose URIs, on 127.0.0.1 ports 8080 and 8081.
    fn default() -> Self {
        Config {
            host: Ipv4Addr::LOCALHOST.to_string(),
            port: DEFAULT_PORT,
            rawsocket: true,
            rawsocket_port: DEFAULT_RAWSOCKET_PORT,
            allow_remote: false,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            realms: vec![RealmSettings::new("realm1")],
            inspector_dir: None,
        }
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has unknown keys or values of the wrong type.
    #[error("invalid config file {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The values parse but do not make sense together.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Reads a TOML file. Apply command-line overrides, then call [`Config::validate`].
    ///
    /// # Errors
    /// [`ConfigError`] when the file cannot be read or does not parse.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text).map_err(|error| match error {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.to_owned(),
                message,
            },
            other => other,
        })
    }

    /// Parses TOML text; missing keys take their defaults. Call [`Config::validate`] before
    /// use.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] (with an empty path) for bad TOML, unknown keys or wrong
    /// types.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: PathBuf::new(),
            message: error.to_string(),
        })
    }

    /// Checks what serde cannot: the host is an address, realm names are unique valid URIs,
    /// limits are in range, and a non-loopback host comes with `allow_remote`.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] saying what is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let ip = self.host_ip()?;
        if !ip.is_loopback() && !self.allow_remote {
            return Err(ConfigError::Invalid(format!(
                "host {ip} is reachable from other machines; this is a development router \
                 with anonymous access, so exposing it needs --allow-remote \
                 (or allow_remote = true in the config file)"
            )));
        }
        if self.realms.is_empty() {
            return Err(ConfigError::Invalid(
                "at least one [[realms]] entry is needed".into(),
            ));
        }
        for (index, realm) in self.realms.iter().enumerate() {
            if realm.name.is_empty() || !realm.uri().is_valid(UriRule::Loose, false) {
                return Err(ConfigError::Invalid(format!(
                    "realm name {:?} is not a valid URI",
                    realm.name
                )));
            }
            if self.realms[..index]
                .iter()
                .any(|other| other.name == realm.name)
            {
                return Err(ConfigError::Invalid(format!(
                    "realm {:?} is listed twice",
                    realm.name
                )));
            }
            if let Err(message) = realm.try_authenticator() {
                return Err(ConfigError::Invalid(format!(
                    "realm {:?}: {message}",
                    realm.name
                )));
            }
            if realm.trace_buffer > trace::MAX_BUFFER {
                return Err(ConfigError::Invalid(format!(
                    "realm {:?}: trace_buffer is {}; it may be at most {}",
                    realm.name,
                    realm.trace_buffer,
                    trace::MAX_BUFFER
                )));
            }
        }
        if self.max_message_size < MIN_MAX_MESSAGE_SIZE {
            return Err(ConfigError::Invalid(format!(
                "max_message_size is {} bytes; it must be at least {MIN_MAX_MESSAGE_SIZE}",
                self.max_message_size
            )));
        }
        if self.queue_capacity == 0 {
            return Err(ConfigError::Invalid(
                "queue_capacity must be at least 1".into(),
            ));
        }
        if self.rawsocket && self.port != 0 && self.port == self.rawsocket_port {
            return Err(ConfigError::Invalid(format!(
                "port and rawsocket_port are both {}; they must differ",
                self.port
            )));
        }
        Ok(())
    }

    /// The address to listen on: `host` as an IP address (`localhost` is 127.0.0.1).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] when `host` is neither an IP address nor `localhost`.
    pub fn host_ip(&self) -> Result<IpAddr, ConfigError> {
        if self.host.eq_ignore_ascii_case("localhost") {
            return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        self.host.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "host {:?} is not an IP address (nor \"localhost\")",
                self.host
            ))
        })
    }

    /// The realm names, comma-separated, for log lines.
    pub fn realm_names(&self) -> RealmNames<'_> {
        RealmNames(&self.realms)
    }
}

/// Displays realm names as `realm1, realm2`.
#[derive(Debug, Clone, Copy)]
pub struct RealmNames<'a>(&'a [RealmSettings]);

impl fmt::Display for RealmNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, realm) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&realm.name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::MatchSetting;

    /// Parses and validates.
    fn check(text: &str) -> Result<Config, ConfigError> {
        let config = Config::parse(text)?;
        config.validate()?;
        Ok(config)
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(check("").unwrap(), Config::default());
        let default = Config::default();
        assert_eq!(default.host, "127.0.0.1");
        assert_eq!(default.port, 8080);
        assert_eq!(default.rawsocket_port, 8081);
        assert_eq!(default.max_message_size, 16 * 1024 * 1024);
        assert_eq!(default.realms, vec![RealmSettings::new("realm1")]);
        default.validate().unwrap();
    }

    #[test]
    fn full_file_parses() {
        let config = check(
            r#"
            host = "localhost"
            port = 9000
            rawsocket = false
            rawsocket_port = 9001
            max_message_size = 65536
            queue_capacity = 16

            [[realms]]
            name = "realm1"

            [[realms]]
            name = "com.example.app"
            uri_rule = "strict"
            "#,
        )
        .unwrap();
        assert_eq!(config.port, 9000);
        assert!(!config.rawsocket);
        assert_eq!(config.max_message_size, 65536);
        assert_eq!(config.queue_capacity, 16);
        assert_eq!(config.realms.len(), 2);
        assert_eq!(config.realms[0].uri_rule, UriRuleSetting::Loose);
        assert_eq!(
            config.realms[1].realm_config(false).uri_rule,
            UriRule::Strict
        );
        assert_eq!(config.realm_names().to_string(), "realm1, com.example.app");
        assert_eq!(config.host_ip().unwrap(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let error = check("prot = 9000").unwrap_err();
        assert!(matches!(error, ConfigError::Parse { .. }));
        assert!(error.to_string().contains("prot"), "{error}");

        let error = check("[[realms]]\nname = \"r\"\nuri_rules = \"strict\"").unwrap_err();
        assert!(error.to_string().contains("uri_rules"), "{error}");
    }

    #[test]
    fn wrong_types_and_values_are_errors() {
        assert!(matches!(
            check("port = \"eighty\""),
            Err(ConfigError::Parse { .. })
        ));
        assert!(matches!(
            check("port = 70000"),
            Err(ConfigError::Parse { .. })
        ));
        let error = check("[[realms]]\nname = \"r\"\nuri_rule = \"lax\"").unwrap_err();
        assert!(error.to_string().contains("lax"), "{error}");
        assert!(matches!(
            check("this is not toml"),
            Err(ConfigError::Parse { .. })
        ));
    }

    #[test]
    fn semantic_checks() {
        let invalid = |text: &str| match check(text) {
            Err(ConfigError::Invalid(message)) => message,
            other => panic!("{text:?} gave {other:?}"),
        };
        assert!(invalid("realms = []").contains("at least one"));
        assert!(invalid("[[realms]]\nname = \"a b\"").contains("not a valid URI"));
        assert!(invalid("[[realms]]\nname = \"\"").contains("not a valid URI"));
        assert!(invalid("[[realms]]\nname = \"r\"\n[[realms]]\nname = \"r\"").contains("twice"));
        assert!(invalid("max_message_size = 100").contains("at least 512"));
        assert!(invalid("queue_capacity = 0").contains("at least 1"));
        assert!(invalid("port = 9000\nrawsocket_port = 9000").contains("must differ"));
        assert!(invalid("host = \"example.org\"").contains("not an IP address"));
        // Port 0 twice is fine: each listener gets its own free port.
        check("port = 0\nrawsocket_port = 0").unwrap();
    }

    #[test]
    fn remote_hosts_need_allow_remote() {
        let message = match check("host = \"0.0.0.0\"") {
            Err(ConfigError::Invalid(message)) => message,
            other => panic!("{other:?}"),
        };
        assert!(message.contains("--allow-remote"), "{message}");
        check("host = \"0.0.0.0\"\nallow_remote = true").unwrap();
        check("host = \"::1\"").unwrap();
    }

    /// The sample file that documents the auth format, and that the tests run with.
    const AUTH_EXAMPLE: &str = include_str!("../examples/auth.toml");

    #[test]
    fn the_auth_example_parses_and_validates() {
        let config = check(AUTH_EXAMPLE).unwrap();
        let realm = &config.realms[0];
        assert_eq!(realm.name, "realm1");
        assert_eq!(
            realm.authmethods,
            [
                AuthMethod::Ticket,
                AuthMethod::Wampcra,
                AuthMethod::Cryptosign
            ]
        );
        let authids: Vec<&str> = realm.principals.iter().map(|p| p.authid.as_str()).collect();
        assert_eq!(authids, ["alice", "bob", "carol", "dave", "erin"]);
        assert_eq!(realm.principals[2].salt.as_deref(), Some("carol-salt"));
        assert_eq!(realm.principals[2].iterations, Some(100));
        assert_eq!(realm.principals[4].authorized_keys.len(), 2);
        let frontend = &realm.roles[0];
        assert_eq!(frontend.permissions[0].policy, MatchSetting::Prefix);
        assert!(frontend.permissions[0].disclose.caller);
        assert!(!frontend.permissions[0].disclose.publisher);
        assert!(!frontend.permissions[0].register);
        let roles = realm.realm_config(false).roles;
        assert!(roles.permission("frontend", "com.example.news").publish);
        assert!(!roles.permission("frontend", "com.example.private.x").call);
        assert!(
            roles
                .permission("frontend", "com.example.private.status")
                .call
        );
        assert!(roles.permission("frontend", "org.acme.ping").call);
        assert!(roles.permission("backend", "wamp.session.count").call);
        assert!(!roles.permission("frontend", "wamp.session.count").call);

        let public = &config.realms[1];
        assert_eq!(public.authmethods, [AuthMethod::Anonymous]);
        assert_eq!(public.anonymous_role, "guest");

        // Debug output never shows a ticket or a secret.
        let shown = format!("{config:?}");
        assert!(
            shown.contains("alice") && !shown.contains("alice-ticket"),
            "{shown}"
        );
        assert!(!shown.contains("bob-secret") && !shown.contains("carol-secret"));
    }

    #[test]
    fn realms_without_auth_keys_are_open_to_anonymous() {
        let config = check("[[realms]]\nname = \"r\"").unwrap();
        assert_eq!(config.realms[0].authmethods, [AuthMethod::Anonymous]);
        assert_eq!(config.realms[0].anonymous_role, "anonymous");
        let roles = config.realms[0].realm_config(false).roles;
        assert!(roles.is_open());
        assert!(roles.permission("anonymous", "wamp.session.list").call);
    }

    #[test]
    fn trace_buffer_per_realm() {
        let config = check(
            "[[realms]]\nname = \"a\"\n[[realms]]\nname = \"b\"\ntrace_buffer = 0\n\
             [[realms]]\nname = \"c\"\ntrace_buffer = 10000\ntrace_always = true",
        )
        .unwrap();
        let sizes: Vec<usize> = config.realms.iter().map(|r| r.trace_buffer).collect();
        assert_eq!(sizes, [trace::DEFAULT_BUFFER, 0, 10000]);
        let always: Vec<bool> = config.realms.iter().map(|r| r.trace_always).collect();
        assert_eq!(
            always,
            [false, false, true],
            "only while watched, by default"
        );
        assert_eq!(
            Config::default().realms[0].trace_buffer,
            trace::DEFAULT_BUFFER
        );
        let error = check("[[realms]]\nname = \"a\"\ntrace_buffer = 200000").unwrap_err();
        assert!(error.to_string().contains("at most 100000"), "{error}");
        assert!(matches!(
            check("[[realms]]\nname = \"a\"\ntrace_buffer = -1"),
            Err(ConfigError::Parse { .. })
        ));
    }

    #[test]
    fn remote_routers_keep_inspection_from_open_realms() {
        let config = check("allow_remote = true\n[[realms]]\nname = \"r\"").unwrap();
        let local = config.realms[0].realm_config(false).roles;
        assert!(local.is_open());
        assert!(
            local
                .permission("anonymous", "dev_router.trace.history")
                .call
        );

        let remote = config.realms[0].realm_config(config.allow_remote).roles;
        assert!(!remote.is_open());
        let p = |uri| remote.permission("anonymous", uri);
        assert!(p("com.example.x").call && p("com.example.x").register);
        assert!(!p("wamp.session.list").call && !p("wamp.session.on_join").subscribe);
        assert!(!p("wamp.registration.list").call && !p("wamp.subscription.get").call);
        assert!(!p("dev_router.trace.history").call && !p("dev_router.trace.set_filter").call);
        assert!(!p("dev_router.trace.on_message").subscribe);
        assert!(p("wamp.session.add_testament").call);

        // The anonymous role keeps its configured name.
        let guest =
            check("allow_remote = true\n[[realms]]\nname = \"r\"\nanonymous_role = \"guest\"")
                .unwrap();
        let roles = guest.realms[0].realm_config(true).roles;
        assert!(roles.permission("guest", "com.x").call);
        assert!(!roles.permission("guest", "wamp.session.count").call);

        // Explicit roles are kept as they are, remote or not.
        let listed = check(
            "allow_remote = true\n[[realms]]\nname = \"r\"\n[[realms.roles]]\nname = \"anonymous\"\n\
             permissions = [{ uri = \"\", match = \"prefix\", call = true }]",
        )
        .unwrap();
        let roles = listed.realms[0].realm_config(true).roles;
        assert!(roles.permission("anonymous", "wamp.session.list").call);
        assert!(
            roles
                .permission("anonymous", "dev_router.trace.history")
                .call
        );
    }

    #[test]
    fn auth_settings_are_checked() {
        let invalid = |realm: &str| match check(&format!("[[realms]]\nname = \"r\"\n{realm}")) {
            Err(ConfigError::Invalid(message)) => {
                assert!(message.starts_with("invalid configuration: ") || !message.is_empty());
                message
            }
            other => panic!("{realm:?} gave {other:?}"),
        };
        let role = "[[realms.roles]]\nname = \"user\"\n";
        let alice = |credential: &str| {
            format!("[[realms.principals]]\nauthid = \"alice\"\nrole = \"user\"\n{credential}\n")
        };
        let ticket = "authmethods = [\"ticket\"]\n";

        let message = invalid(&format!(
            "{ticket}[[realms.principals]]\nauthid = \"alice\"\nrole = \"admin\"\nticket = \"t\"\n{role}"
        ));
        assert!(
            message.contains("\"admin\"") && message.contains("[[realms.roles]]"),
            "{message}"
        );
        assert!(message.contains("realm \"r\""), "{message}");
        // Without any roles, no principal role exists.
        let message = invalid(&format!("{ticket}{}", alice("ticket = \"t\"")));
        assert!(
            message.contains("no [[realms.roles]] entry defines"),
            "{message}"
        );
        let message = invalid(&format!(
            "{ticket}{}{}{role}",
            alice("ticket = \"t\""),
            alice("ticket = \"u\"")
        ));
        assert!(message.contains("\"alice\" is listed twice"), "{message}");
        let message = invalid(&format!(
            "authmethods = [\"cryptosign\"]\n{}{role}",
            alice("pubkey = \"xyz\"")
        ));
        assert!(
            message.contains("public key \"xyz\" is not valid"),
            "{message}"
        );
        let message = invalid(&format!(
            "authmethods = [\"cryptosign\"]\n{}{role}",
            alice("authorized_keys = [\"abcd\"]")
        ));
        assert!(message.contains("must be 32 bytes"), "{message}");
        let message = invalid(&format!(
            "authmethods = [\"wampcra\"]\n{}{role}",
            alice("secret = \"s\"\niterations = 5")
        ));
        assert!(message.contains("no salt"), "{message}");
        let message = invalid(&format!(
            "authmethods = [\"wampcra\"]\n{}{role}",
            alice("secret = \"s\"\nsalt = \"x\"\nkeylen = 0")
        ));
        assert!(message.contains("keylen"), "{message}");
        let message = invalid(&format!("{ticket}{}{role}", alice("secret = \"s\"")));
        assert!(
            message.contains("no credential for any method"),
            "{message}"
        );
        let message = invalid(&format!(
            "authmethods = [\"ticket\", \"wampcra\"]\n{}{role}",
            alice("ticket = \"t\"")
        ));
        assert!(
            message.contains("enables wampcra, but no principal"),
            "{message}"
        );
        let message = invalid("authmethods = []");
        assert!(message.contains("empty"), "{message}");
        let message = invalid("authmethods = [\"anonymous\", \"anonymous\"]");
        assert!(message.contains("twice"), "{message}");
        let message = invalid(&format!("anonymous_role = \"guest\"\n{role}"));
        assert!(message.contains("anonymous_role \"guest\""), "{message}");
        let message = invalid(&format!(
            "{role}permissions = [{{ uri = \"a b\", match = \"prefix\" }}]"
        ));
        assert!(message.contains("not a valid prefix pattern"), "{message}");

        // Unknown keys and values are parse errors.
        for bad in [
            "authmethods = [\"password\"]",
            "[[realms.principals]]\nauthid = \"a\"\nrole = \"r\"\npassword = \"p\"",
            "[[realms.roles]]\nname = \"r\"\npermissions = [{ uri = \"a\", match = \"regex\" }]",
            "[[realms.roles]]\nname = \"r\"\npermissions = [{ uri = \"a\", delete = true }]",
            "[[realms.roles]]\nname = \"r\"\npermissions = [{ uri = \"a\", disclose = { me = true } }]",
        ] {
            let error = check(&format!("[[realms]]\nname = \"r\"\n{bad}")).unwrap_err();
            assert!(matches!(error, ConfigError::Parse { .. }), "{bad}: {error}");
        }
    }

    #[test]
    fn invalid_auth_settings_fail_closed_without_validation() {
        let config = Config::parse(
            "[[realms]]\nname = \"r\"\n[[realms.roles]]\nname = \"a\"\n[[realms.roles]]\nname = \"a\"",
        )
        .unwrap();
        let roles = config.realms[0].realm_config(false).roles;
        assert!(!roles.is_open());
        assert!(!roles.permission("a", "x").call);
    }
}
