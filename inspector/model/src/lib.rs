//! The inspector's state, as plain data with methods: no browser, no WAMP session, no clock.
//!
//! The app (`inspector`, a Leptos wasm crate) feeds these types with what the router says
//! (meta API results and events, message trace records) and what the user types, and renders
//! what they hold. Everything here runs natively, so the logic is unit-tested without a
//! browser; time arrives as a parameter (`now_ms`), like every other input.
//!
//! Layout:
//! - [`json`]: the console's JSON editors (parse with line and column on error) and the JSON
//!   shown for payloads and messages;
//! - [`meta`]: the WAMP meta API's payloads and events, parsed;
//! - [`sessions`]: the sessions table; [`endpoints`]: the registrations and subscriptions
//!   tables, each kept current by meta events;
//! - [`trace`]: trace records, the filter, and the bounded buffer behind the trace panel;
//! - [`rate`]: messages per second for the sparkline;
//! - [`graph`]: sessions linked to procedures and topics, laid out in layers;
//! - [`console`]: call, publish and subscribe requests, their validation, and the history;
//! - [`connection`]: connection profiles, their validation and the remembered ones;
//! - [`format`]: times, sizes and durations as people read them.

#![warn(missing_docs)]

pub mod connection;
pub mod console;
pub mod endpoints;
pub mod format;
pub mod graph;
pub mod json;
pub mod meta;
pub mod rate;
pub mod sessions;
pub mod stats;
pub mod trace;

pub use connection::{AuthMethod, ConnectionProfile, SavedConnections};
pub use console::{CallRequest, History, HistoryEntry, PublishRequest, Request, SubscribeRequest};
pub use endpoints::{Endpoint, EndpointKind, EndpointTable};
pub use graph::{Graph, Usage};
pub use json::JsonError;
pub use meta::MetaEvent;
pub use rate::RateMeter;
pub use sessions::{SessionRow, SessionsTable};
pub use stats::Stats;
pub use trace::{Direction, TraceBuffer, TraceFilter, TraceRecord};
pub use wamp_proto::{Dict, List, Value};
