//! What the application asks for: [`ConnectOptions`] (with [`ReconnectPolicy`]) and
//! [`CallOptions`]. The options of `REGISTER`, `SUBSCRIBE` and `PUBLISH` are `wamp-proto`'s
//! own ([`RegisterOptions`](wamp_proto::client::RegisterOptions), ...).

use std::rc::Rc;

use js_sys::Function;
use wamp_proto::client::{CancelMode, Roles};
use wamp_proto::{Credential, Serializer};

use crate::auth::Auth;
use crate::cancel::CancelToken;
use crate::types::CallResult;

/// How to reach the router and join a realm; see [`connect`](crate::connect).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// The router's WebSocket URL, e.g. `ws://127.0.0.1:8080/ws`.
    pub url: String,
    /// The realm to join.
    pub realm: String,
    /// The serializer, which picks the WebSocket subprotocol. Default JSON.
    pub serializer: Serializer,
    /// Whether to offer the serializer's batched subprotocol (`wamp.2.msgpack.batched`, ...)
    /// before the plain one: what is sent in one turn of the event loop then travels as one
    /// WebSocket message. Routers without it pick the plain one.
    ///
    /// `None` (the default): for MessagePack and CBOR, not for JSON. `Some(true)`: for JSON
    /// too, whose batches end each message with the spec's 0x1E; Autobahn and Crossbar.io
    /// use 0x18 instead and cannot read them, so turn this on only with a router that
    /// follows the spec (the dev-router reads both). `Some(false)`: never.
    pub batched: Option<bool>,
    /// `HELLO.Details.authid`.
    pub authid: Option<String>,
    /// How to answer the router's `CHALLENGE` (set with
    /// [`credential`](ConnectOptions::credential)); `None` is anonymous.
    pub(crate) auth: Option<Auth>,
    /// Reconnection after a joined session lost its connection; `None` turns it off.
    pub reconnect: Option<ReconnectPolicy>,
    /// Milliseconds for the WebSocket to open and the router to welcome the session, per
    /// attempt; 0 waits forever. Default 10 000.
    pub timeout_ms: u32,
    /// `HELLO.Details.agent`.
    pub agent: String,
    /// A WebSocket constructor; `None` uses `globalThis.WebSocket`.
    pub websocket: Option<Function>,
    /// The roles to announce. Default: all four.
    pub roles: Roles,
}

impl ConnectOptions {
    /// Options for `url` and `realm`: JSON, anonymous, reconnecting with the default policy.
    pub fn new(url: impl Into<String>, realm: impl Into<String>) -> Self {
        ConnectOptions {
            url: url.into(),
            realm: realm.into(),
            serializer: Serializer::Json,
            batched: None,
            authid: None,
            auth: None,
            reconnect: Some(ReconnectPolicy::default()),
            timeout_ms: 10_000,
            agent: concat!("wamp-wasm/", env!("CARGO_PKG_VERSION")).to_owned(),
            websocket: None,
            roles: Roles::default(),
        }
    }

    /// Sets [`ConnectOptions::serializer`].
    pub fn serializer(mut self, serializer: Serializer) -> Self {
        self.serializer = serializer;
        self
    }

    /// Sets [`ConnectOptions::batched`].
    pub fn batched(mut self, batched: bool) -> Self {
        self.batched = Some(batched);
        self
    }

    /// Sets [`ConnectOptions::authid`].
    pub fn authid(mut self, authid: impl Into<String>) -> Self {
        self.authid = Some(authid.into());
        self
    }

    /// Answers the router's `CHALLENGE` with `credential` (and offers its method in `HELLO`).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.auth = Some(Auth(Rc::new(credential)));
        self
    }

    /// Sets [`ConnectOptions::reconnect`].
    pub fn reconnect(mut self, reconnect: Option<ReconnectPolicy>) -> Self {
        self.reconnect = reconnect;
        self
    }

    /// Sets [`ConnectOptions::timeout_ms`].
    pub fn timeout_ms(mut self, timeout_ms: u32) -> Self {
        self.timeout_ms = timeout_ms;
        self
    }

    /// Sets [`ConnectOptions::websocket`].
    pub fn websocket(mut self, constructor: Function) -> Self {
        self.websocket = Some(constructor);
        self
    }

    /// Sets [`ConnectOptions::agent`].
    pub fn agent(mut self, agent: impl Into<String>) -> Self {
        self.agent = agent.into();
        self
    }

    /// Sets [`ConnectOptions::roles`].
    pub fn roles(mut self, roles: Roles) -> Self {
        self.roles = roles;
        self
    }
}

/// Exponential backoff with jitter: the delay before attempt `n` (from 1) is
/// `min(max_delay, initial_delay * multiplier^(n-1))`, spread by ±`jitter` of itself.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ReconnectPolicy {
    /// Milliseconds before the first attempt. Default 500.
    pub initial_delay_ms: f64,
    /// Upper bound of the delay. Default 30 000.
    pub max_delay_ms: f64,
    /// Growth per attempt. Default 2.
    pub multiplier: f64,
    /// Random spread, a fraction in `0..=1`. Default 0.5.
    pub jitter: f64,
    /// Attempts before giving up; `None` never gives up.
    pub max_retries: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial_delay_ms: 500.0,
            max_delay_ms: 30_000.0,
            multiplier: 2.0,
            jitter: 0.5,
            max_retries: None,
        }
    }
}

impl ReconnectPolicy {
    /// The delay before `attempt` (from 1), for a `random` number in `0..1`.
    pub fn delay_ms(&self, attempt: u32, random: f64) -> f64 {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let base = (self.initial_delay_ms * self.multiplier.powi(exponent)).min(self.max_delay_ms);
        let jitter = self.jitter.clamp(0.0, 1.0);
        let spread = base * jitter * (random.clamp(0.0, 1.0) * 2.0 - 1.0);
        (base + spread).max(0.0)
    }
}

/// What to do with the progressive results of a call.
pub type ProgressHandler = Rc<dyn Fn(CallResult)>;

/// Options of a call.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// The wire options: `timeout_ms` is also enforced locally (the call fails with
    /// `wamp.error.timeout` and `CANCEL` is sent); `receive_progress` is set when
    /// [`on_progress`](CallOptions::on_progress) is.
    pub wire: wamp_proto::client::CallOptions,
    /// Receives every progressive result; the final result completes the call.
    pub on_progress: Option<ProgressHandler>,
    /// Cancels the call: it fails at once with `wamp.error.canceled`, and `CANCEL` with
    /// [`cancel_mode`](CallOptions::cancel_mode) is sent.
    pub cancel: Option<CancelToken>,
    /// The mode of that `CANCEL`. Default `kill`.
    pub cancel_mode: CancelMode,
}

impl CallOptions {
    /// Sets the timeout in milliseconds (0: none).
    pub fn timeout_ms(mut self, timeout_ms: u64) -> Self {
        self.wire.timeout_ms = Some(timeout_ms);
        self
    }

    /// Sets [`CallOptions::on_progress`].
    pub fn on_progress(mut self, on_progress: impl Fn(CallResult) + 'static) -> Self {
        self.on_progress = Some(Rc::new(on_progress));
        self
    }

    /// Sets [`CallOptions::cancel`].
    pub fn cancel(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("wire", &self.wire)
            .field("on_progress", &self.on_progress.is_some())
            .field("cancel", &self.cancel)
            .field("cancel_mode", &self.cancel_mode)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = ReconnectPolicy {
            jitter: 0.0,
            ..ReconnectPolicy::default()
        };
        assert_eq!(policy.delay_ms(1, 0.3), 500.0);
        assert_eq!(policy.delay_ms(2, 0.3), 1000.0);
        assert_eq!(policy.delay_ms(3, 0.3), 2000.0);
        assert_eq!(policy.delay_ms(20, 0.3), 30_000.0);
        assert_eq!(policy.delay_ms(u32::MAX, 0.3), 30_000.0);
    }

    #[test]
    fn jitter_spreads_around_the_delay() {
        let policy = ReconnectPolicy::default();
        assert_eq!(policy.delay_ms(1, 0.0), 250.0);
        assert_eq!(policy.delay_ms(1, 0.5), 500.0);
        assert_eq!(policy.delay_ms(1, 1.0), 750.0);
    }
}
