//! A fast WAMP v2 development router on tokio.
//!
//! One command (`dev-router`) starts it on localhost with the realm `realm1` ready to use;
//! the same server runs in-process for tests through [`server::run`].
//!
//! Layout, from the socket inwards:
//! - [`server`]: accepts connections on already-bound listeners, one task per connection,
//!   and shuts down gracefully on a [`CancellationToken`](tokio_util::sync::CancellationToken).
//! - `transport`: WebSocket (subprotocols `wamp.2.json`, `wamp.2.msgpack`, `wamp.2.cbor`,
//!   behind a small HTTP front that also answers plain requests) and RawSocket. A transport
//!   turns frames into bytes and back, and knows nothing of WAMP sessions.
//! - `session`: the per-connection state machine (HELLO, WELCOME, GOODBYE, ABORT), without
//!   sockets: it takes decoded messages in and says what to send back and when to close.
//! - `router`: the state every connection shares: the realms, each behind its own mutex,
//!   with a bounded outbound queue per session, and a timer per realm for call timeouts. A
//!   session that does not read fast enough is cut off; it never stalls routing.
//! - [`realm`]: the routing core as plain data, with time as a parameter: broker and dealer
//!   (basic and advanced profile) and the WAMP meta API (sessions, registrations,
//!   subscriptions, testaments), answered by the realm itself.
//! - [`auth`]: authentication (anonymous, ticket, WAMP-CRA, cryptosign) for the session
//!   handshake, and roles with permissions on URI patterns for the realm.
//! - [`config`]: the settings, from a TOML file or the built-in default.

#![warn(missing_docs)]

pub mod auth;
pub mod config;
pub mod realm;
mod router;
pub mod server;
mod session;
mod transport;

pub use config::Config;
