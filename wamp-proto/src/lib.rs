//! The WAMP v2 protocol, sans-IO.
//!
//! No sockets, no async, no clocks, no randomness of its own: this crate turns bytes into
//! [`Message`]s and back, checks URIs and IDs, and builds for native targets and `wasm32`.
//!
//! Layout:
//! - [`value`]: the payload type [`Value`], exact through every serializer.
//! - [`message`]: the [`Message`] enum, one variant per WAMP message.
//! - [`wire`]: `Message <-> [code, field, ...]`, written once for every serializer.
//! - [`serializer`]: JSON, MessagePack and CBOR, each `Value <-> bytes`.
//! - [`batch`]: the batched WebSocket subprotocols (`wamp.2.json.batched`, ...): several
//!   messages in one WebSocket message.
//! - [`uri`]: URI validation (strict and loose) and matching (exact, prefix, wildcard).
//! - [`id`]: IDs in `1..=2^53`, random and sequential.
//! - [`error`]: [`ProtocolError`], what a decoder says about bad input.
//! - [`auth`]: authentication math (ticket, WAMP-CRA, cryptosign), for clients and routers.
//! - [`client`]: the client session as a state machine, [`ClientSession`]: messages and
//!   application requests in, messages and events out.

#![warn(missing_docs)]

pub mod auth;
pub mod batch;
pub mod client;
pub mod error;
pub mod id;
pub mod message;
pub mod serializer;
pub mod uri;
pub mod value;
pub mod wire;

pub use auth::{AuthError, Credential};
pub use client::{ClientConfig, ClientError, ClientSession};
pub use error::ProtocolError;
pub use id::{Id, IdSequence, RequestId, SessionId};
pub use message::{Message, MessageType, Payload};
pub use serializer::Serializer;
pub use uri::{MatchPolicy, Uri, UriRule};
pub use value::{Dict, List, Value};
