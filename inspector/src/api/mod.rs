//! The data layer: everything the inspector asks the router, over the `wamp-wasm` Rust
//! API, returning the model's types. Components never touch WAMP directly.
//!
//! - this file: [`Client`] (connect, lifecycle) and [`ApiError`];
//! - [`meta`]: the session, registration and subscription meta API;
//! - [`trace`]: the dev-router's message trace;
//! - [`console`]: the console's calls, publications and subscriptions.

pub(crate) mod console;
pub(crate) mod meta;
pub(crate) mod trace;

use inspector_model::{AuthMethod, ConnectionProfile, Dict, List};
use wamp_wasm::wamp_proto::auth::cryptosign::PrivateKey;
use wamp_wasm::wamp_proto::{Credential, Payload, Serializer};
use wamp_wasm::{CallOptions, CallResult, ConnectOptions, Session, SessionEvent};

/// Why a request to the router failed, in words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    /// The WAMP error URI, when the router or a callee answered with one.
    pub(crate) uri: Option<String>,
    /// What happened.
    pub(crate) message: String,
    /// The error's arguments and keyword arguments, for the console.
    pub(crate) args: List,
    pub(crate) kwargs: Dict,
}

impl ApiError {
    fn new(message: impl Into<String>) -> Self {
        ApiError {
            uri: None,
            message: message.into(),
            args: List::new(),
            kwargs: Dict::new(),
        }
    }

    /// Whether the router does not know the procedure (a router without this API).
    pub(crate) fn is_no_such_procedure(&self) -> bool {
        self.uri.as_deref() == Some("wamp.error.no_such_procedure")
    }

    /// Whether the router refused it to this session.
    pub(crate) fn is_not_authorized(&self) -> bool {
        matches!(
            self.uri.as_deref(),
            Some("wamp.error.not_authorized" | "wamp.error.authorization_failed")
        )
    }

    /// The error as one sentence: the URI, then the message if it adds something.
    pub(crate) fn describe(&self) -> String {
        match &self.uri {
            Some(uri) if self.message.is_empty() || self.message == *uri => uri.clone(),
            Some(uri) => format!("{uri}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl From<wamp_wasm::Error> for ApiError {
    fn from(error: wamp_wasm::Error) -> Self {
        match error {
            wamp_wasm::Error::Wamp(error) => ApiError {
                message: error.message().unwrap_or_default().to_owned(),
                uri: Some(error.uri),
                args: error.args,
                kwargs: error.kwargs,
            },
            wamp_wasm::Error::Connection { message, reason } => ApiError {
                uri: reason,
                message,
                args: List::new(),
                kwargs: Dict::new(),
            },
            other => ApiError::new(other.to_string()),
        }
    }
}

/// The inspector's WAMP session.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    session: Session,
}

impl Client {
    /// Connects with `profile` and `secret` (ignored for anonymous); reconnects by itself
    /// after a lost connection.
    ///
    /// # Errors
    /// Bad credentials (before connecting), or why the router could not be reached or
    /// refused the session.
    pub(crate) async fn connect(
        profile: &ConnectionProfile,
        secret: &str,
    ) -> Result<Client, ApiError> {
        let serializer = Serializer::ALL
            .into_iter()
            .find(|s| s.name() == profile.serializer)
            .unwrap_or(Serializer::Json);
        let mut options = ConnectOptions::new(profile.url.trim(), profile.realm.trim())
            .serializer(serializer)
            .agent(concat!("wamp-inspector/", env!("CARGO_PKG_VERSION")));
        let credential = match profile.auth {
            AuthMethod::Anonymous => None,
            AuthMethod::Ticket => Some(Credential::Ticket(secret.to_owned())),
            AuthMethod::WampCra => Some(Credential::WampCra(secret.to_owned())),
            AuthMethod::Cryptosign => {
                let seed = secret.trim().get(..64).unwrap_or_default();
                let key = PrivateKey::from_hex(seed).map_err(|error| {
                    ApiError::new(format!("the private key is not usable: {error}"))
                })?;
                Some(Credential::Cryptosign(key))
            }
        };
        if let Some(credential) = credential {
            options = options.authid(profile.authid.trim()).credential(credential);
        }
        let session = wamp_wasm::connect(options).await?;
        Ok(Client { session })
    }

    /// The session ID, while joined.
    pub(crate) fn id(&self) -> Option<u64> {
        self.session.id().map(|id| id.get())
    }

    /// The authid and authrole the router gave this session.
    pub(crate) fn identity(&self) -> (Option<String>, Option<String>) {
        match self.session.details() {
            Some(details) => (details.authid, details.authrole),
            None => (None, None),
        }
    }

    /// The underlying `wamp-wasm` session.
    pub(crate) fn wamp(&self) -> &Session {
        &self.session
    }

    /// Calls `listener` with every lifecycle event (open, close, reconnecting, errors).
    pub(crate) fn on_event(&self, listener: impl Fn(&SessionEvent) + 'static) -> u64 {
        self.session.on_event(listener)
    }

    /// Removes a listener of [`on_event`](Client::on_event).
    pub(crate) fn remove_listener(&self, key: u64) {
        self.session.remove_listener(key);
    }

    /// Leaves the realm; nothing reconnects.
    pub(crate) async fn leave(&self) {
        let _ = self.session.leave(None).await;
    }

    /// Calls a procedure with `args` and `kwargs`, no options.
    pub(crate) async fn call(
        &self,
        procedure: &str,
        args: List,
        kwargs: Dict,
    ) -> Result<CallResult, ApiError> {
        let payload = Payload { args, kwargs };
        Ok(self
            .session
            .call(procedure, payload, CallOptions::default())
            .await?)
    }
}
