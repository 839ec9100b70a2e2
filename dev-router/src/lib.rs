//! A fast WAMP v2 development router on tokio.
//!
//! One command (`dev-router`) starts it on localhost with the realm `realm1` ready to use;
//! the same server runs in-process for tests through [`server::run`].
//!
//! Layout, from the socket inwards:
//! - [`server`]: accepts connections on already-bound listeners, one task per connection,
//!   and shuts down gracefully on a [`CancellationToken`](tokio_util::sync::CancellationToken).
//! - `transport`: WebSocket (subprotocols `wamp.2.json`, `wamp.2.msgpack`, `wamp.2.cbor`
//!   and their batched kin `wamp.2.json.batched`, `wamp.2.msgpack.batched`,
//!   `wamp.2.cbor.batched`, behind a small HTTP front that also answers plain requests) and
//!   RawSocket. A transport
//!   turns frames into bytes and back, and knows nothing of WAMP sessions.
//! - `session`: the per-connection state machine (HELLO, WELCOME, GOODBYE, ABORT), without
//!   sockets: it takes decoded messages in and says what to send back and when to close.
//! - `router`: the state every connection shares: the realms, each behind its own mutex,
//!   with a bounded outbound queue per session, and a timer per realm for call timeouts. A
//!   session that does not read fast enough is cut off; it never stalls routing.
//! - [`realm`]: the routing core as plain data, with time as a parameter: broker and dealer
//!   (basic and advanced profile) and the WAMP meta API (sessions, registrations,
//!   subscriptions, testaments), answered by the realm itself.
//! - [`trace`]: the message trace, every message into and out of each realm in a bounded
//!   buffer, offered over WAMP (see below).
//! - [`auth`]: authentication (anonymous, ticket, WAMP-CRA, cryptosign) for the session
//!   handshake, and roles with permissions on URI patterns for the realm.
//! - [`config`]: the settings, from a TOML file or the built-in default.
//!
//! # Message trace
//!
//! Each realm keeps its last `trace_buffer` messages (4096 by default; 0 turns it off), in
//! and out, as the router saw them, recorded while somebody watches and for 10 minutes
//! after (or always, with `trace_always`), and offers them in the router's own URI space:
//!
//! - topic `dev_router.trace.on_message`: batches of new records, `args = [[record, ...]]`,
//!   `kwargs = {dropped: n}`, at most every 100 ms, each subscriber getting only the records
//!   that pass its own filter;
//! - procedure `dev_router.trace.set_filter`, kwargs `{session?, types?, uri?}`: sets the
//!   calling session's filter (empty kwargs clear it);
//! - procedure `dev_router.trace.history`, kwargs `{limit?, session?, types?, uri?}`: the
//!   newest matching records (500 by default), oldest first.
//!
//! A record is `{seq, time_ms, realm, session, direction: "in"|"out", type: "CALL", uri,
//! size, serializer, message}` with `message` the wire list, AUTHENTICATE's signature and
//! HELLO's secret `authextra` redacted. The trace's own traffic is not traced. The
//! procedures and the topic are permission-checked like any URI; on a router started with
//! `allow_remote`, a realm without roles does not give them (nor the meta API) to its
//! anonymous sessions. [`trace`] has the details; recording copies each message's encoded
//! bytes into a fixed ring, and the decoding happens only for what somebody asks for.

#![warn(missing_docs)]

pub mod auth;
pub mod config;
pub mod realm;
mod router;
pub mod server;
mod session;
pub mod trace;
mod transport;

pub use config::Config;
