//! The router's settings: a TOML file, or the built-in default when there is none.
//!
//! ```toml
//! host = "127.0.0.1"          # an IP address, or "localhost"
//! port = 8080                 # WebSocket (and HTTP); 0 picks a free port
//! rawsocket = true            # also listen for RawSocket (TCP)
//! rawsocket_port = 8081       # 0 picks a free port
//! allow_remote = false        # must be true to listen beyond the loopback interface
//! max_message_size = 16777216 # bytes: the largest WAMP message a peer may send
//! queue_capacity = 1024       # messages waiting for one slow reader before it is cut off
//!
//! [[realms]]
//! name = "realm1"
//! uri_rule = "loose"          # or "strict"
//! ```
//!
//! Every key is optional; unknown keys are an error, so that a typo does not silently fall
//! back to a default. Command-line flags override the file.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use wamp_proto::{Uri, UriRule};

use crate::realm::RealmConfig;

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
    /// Whether `host` may be other than a loopback address.
    pub allow_remote: bool,
    /// The largest WAMP message accepted, in bytes (serialized, without framing).
    pub max_message_size: usize,
    /// How many messages may wait in one session's outbound queue; a session whose queue
    /// is full is cut off.
    pub queue_capacity: usize,
    /// The realms served.
    pub realms: Vec<RealmSettings>,
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
    /// A realm with loose URIs.
    pub fn new(name: impl Into<String>) -> Self {
        RealmSettings {
            name: name.into(),
            uri_rule: UriRuleSetting::Loose,
        }
    }

    /// The realm's URI.
    pub fn uri(&self) -> Uri {
        Uri::new(self.name.as_str())
    }

    /// The routing settings for [`crate::realm::Realm::new`].
    pub fn realm_config(&self) -> RealmConfig {
        RealmConfig {
            uri_rule: self.uri_rule.into(),
        }
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
        assert_eq!(config.realms[1].realm_config().uri_rule, UriRule::Strict);
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
}
