//! Where the inspector connects: [`ConnectionProfile`] (URL, realm, serializer,
//! authentication), its validation, and the last profiles used ([`SavedConnections`]),
//! remembered without their secrets.

use serde::{Deserialize, Serialize};
use wamp_proto::{Uri, UriRule};

/// How to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// No credentials.
    #[default]
    Anonymous,
    /// A ticket (password or token).
    Ticket,
    /// WAMP-CRA with a shared secret.
    WampCra,
    /// WAMP-Cryptosign with an Ed25519 private key.
    Cryptosign,
}

impl AuthMethod {
    /// Every method, in menu order.
    pub const ALL: [AuthMethod; 4] = [
        AuthMethod::Anonymous,
        AuthMethod::Ticket,
        AuthMethod::WampCra,
        AuthMethod::Cryptosign,
    ];

    /// The WAMP name: `anonymous`, `ticket`, `wampcra`, `cryptosign`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Anonymous => "anonymous",
            AuthMethod::Ticket => "ticket",
            AuthMethod::WampCra => "wampcra",
            AuthMethod::Cryptosign => "cryptosign",
        }
    }

    /// The method with this WAMP name.
    pub fn from_name(name: &str) -> Option<AuthMethod> {
        AuthMethod::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// What the secret field is called for this method; `None` for anonymous.
    pub fn secret_label(self) -> Option<&'static str> {
        match self {
            AuthMethod::Anonymous => None,
            AuthMethod::Ticket => Some("Ticket"),
            AuthMethod::WampCra => Some("Secret"),
            AuthMethod::Cryptosign => Some("Private key (hex)"),
        }
    }
}

/// A router and realm to connect to, without the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectionProfile {
    /// `ws://` or `wss://` URL of the router's WebSocket endpoint.
    pub url: String,
    /// The realm to join.
    pub realm: String,
    /// `json`, `msgpack` or `cbor`.
    pub serializer: String,
    /// How to authenticate.
    pub auth: AuthMethod,
    /// The authid (needed by every method but anonymous).
    pub authid: String,
}

impl Default for ConnectionProfile {
    fn default() -> Self {
        ConnectionProfile {
            url: "ws://127.0.0.1:8080/ws".to_owned(),
            realm: "realm1".to_owned(),
            serializer: "json".to_owned(),
            auth: AuthMethod::Anonymous,
            authid: String::new(),
        }
    }
}

/// The default realm of the dev-router.
pub const DEFAULT_REALM: &str = "realm1";

impl ConnectionProfile {
    /// The dev-router that served the page: `ws://host/ws` (`wss://` under `https:`),
    /// `realm1`, anonymous.
    pub fn same_origin(protocol: &str, host: &str) -> ConnectionProfile {
        let scheme = if protocol == "https:" { "wss" } else { "ws" };
        ConnectionProfile {
            url: format!("{scheme}://{host}/ws"),
            ..ConnectionProfile::default()
        }
    }

    /// `realm1 @ ws://127.0.0.1:8080/ws (ticket as alice)`: how the profile is listed.
    pub fn label(&self) -> String {
        let auth = match self.auth {
            AuthMethod::Anonymous => String::new(),
            method => format!(" ({} as {})", method.as_str(), self.authid),
        };
        format!("{} @ {}{auth}", self.realm, self.url)
    }

    /// Every problem with the profile and `secret`, in words; empty when it is ready.
    pub fn problems(&self, secret: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let url = self.url.trim();
        if !(url.starts_with("ws://") || url.starts_with("wss://")) || url.len() <= "wss://".len() {
            problems.push(format!(
                "the router URL must start with ws:// or wss://, like ws://127.0.0.1:8080/ws (got '{url}')"
            ));
        }
        let realm = self.realm.trim();
        if realm.is_empty() {
            problems.push("enter a realm, like realm1".to_owned());
        } else if !Uri::new(realm).is_valid(UriRule::Loose, false) {
            problems.push(format!(
                "'{realm}' is not a valid realm name (a URI such as realm1 or com.example)"
            ));
        }
        if !["json", "msgpack", "cbor"].contains(&self.serializer.as_str()) {
            problems.push(format!("unknown serializer '{}'", self.serializer));
        }
        if self.auth != AuthMethod::Anonymous {
            if self.authid.trim().is_empty() {
                problems.push(format!(
                    "{} authentication needs an authid",
                    self.auth.as_str()
                ));
            }
            if secret.is_empty() {
                let label = self.auth.secret_label().unwrap_or("secret").to_lowercase();
                problems.push(format!("enter the {label}"));
            } else if self.auth == AuthMethod::Cryptosign {
                let hex = secret.trim();
                if !(hex.len() == 64 || hex.len() == 128)
                    || !hex.chars().all(|c| c.is_ascii_hexdigit())
                {
                    problems.push(
                        "the private key must be 64 hexadecimal digits (a 32-byte Ed25519 seed), or 128 with the public key appended"
                            .to_owned(),
                    );
                }
            }
        }
        problems
    }
}

/// The last profiles used, most recent first, without duplicates, at most
/// [`SavedConnections::CAPACITY`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SavedConnections {
    profiles: Vec<ConnectionProfile>,
}

impl SavedConnections {
    /// The most profiles remembered.
    pub const CAPACITY: usize = 8;

    /// Remembers `profile` as the most recent.
    pub fn remember(&mut self, profile: ConnectionProfile) {
        self.profiles.retain(|p| *p != profile);
        self.profiles.insert(0, profile);
        self.profiles.truncate(SavedConnections::CAPACITY);
    }

    /// Forgets a profile.
    pub fn forget(&mut self, profile: &ConnectionProfile) {
        self.profiles.retain(|p| p != profile);
    }

    /// The profiles, most recent first.
    pub fn profiles(&self) -> &[ConnectionProfile] {
        &self.profiles
    }

    /// The most recent profile.
    pub fn last(&self) -> Option<&ConnectionProfile> {
        self.profiles.first()
    }

    /// As JSON, for local storage.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// From [`to_json`](SavedConnections::to_json)'s text; empty for anything unreadable.
    pub fn from_json(text: &str) -> SavedConnections {
        let mut saved: SavedConnections = serde_json::from_str(text).unwrap_or_default();
        saved.profiles.truncate(SavedConnections::CAPACITY);
        saved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_follows_the_page() {
        let plain = ConnectionProfile::same_origin("http:", "127.0.0.1:8080");
        assert_eq!(plain.url, "ws://127.0.0.1:8080/ws");
        assert_eq!(plain.realm, "realm1");
        let secure = ConnectionProfile::same_origin("https:", "example.com");
        assert_eq!(secure.url, "wss://example.com/ws");
    }

    #[test]
    fn profiles_are_checked() {
        assert!(ConnectionProfile::default().problems("").is_empty());
        let bad = ConnectionProfile {
            url: "http://x".to_owned(),
            realm: "bad realm".to_owned(),
            ..ConnectionProfile::default()
        };
        let problems = bad.problems("");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("ws://"));
        assert!(problems[1].contains("not a valid realm"));

        let ticket = ConnectionProfile {
            auth: AuthMethod::Ticket,
            ..ConnectionProfile::default()
        };
        let problems = ticket.problems("");
        assert!(problems.iter().any(|p| p.contains("needs an authid")));
        assert!(problems.iter().any(|p| p.contains("enter the ticket")));

        let cryptosign = ConnectionProfile {
            auth: AuthMethod::Cryptosign,
            authid: "alice".to_owned(),
            ..ConnectionProfile::default()
        };
        assert!(cryptosign.problems("abc")[0].contains("64 hexadecimal"));
        assert!(cryptosign.problems(&"ab".repeat(32)).is_empty());
    }

    #[test]
    fn saved_connections_are_recent_first_bounded_and_stored() {
        let mut saved = SavedConnections::default();
        for i in 0..10 {
            saved.remember(ConnectionProfile {
                realm: format!("realm{i}"),
                ..ConnectionProfile::default()
            });
        }
        assert_eq!(saved.profiles().len(), SavedConnections::CAPACITY);
        assert_eq!(saved.last().unwrap().realm, "realm9");
        saved.remember(ConnectionProfile {
            realm: "realm5".to_owned(),
            ..ConnectionProfile::default()
        });
        assert_eq!(saved.profiles()[0].realm, "realm5");
        assert_eq!(
            saved.profiles().len(),
            SavedConnections::CAPACITY,
            "moved, not added"
        );
        let restored = SavedConnections::from_json(&saved.to_json());
        assert_eq!(restored, saved);
        assert!(!saved.to_json().contains("secret"));
        assert_eq!(
            SavedConnections::from_json("{"),
            SavedConnections::default()
        );
        let first = saved.profiles()[0].clone();
        saved.forget(&first);
        assert_eq!(saved.profiles().len(), SavedConnections::CAPACITY - 1);
        assert_eq!(AuthMethod::from_name("wampcra"), Some(AuthMethod::WampCra));
        assert!(
            ConnectionProfile {
                auth: AuthMethod::Ticket,
                authid: "bob".to_owned(),
                ..ConnectionProfile::default()
            }
            .label()
            .ends_with("(ticket as bob)")
        );
    }
}
