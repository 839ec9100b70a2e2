//! A WAMP v2 client for browsers and Node.js, compiled to WebAssembly.
//!
//! Two faces over one driver:
//! - the async Rust API: [`connect`] resolves to a [`Session`], whose requests return
//!   [`Reply`] futures (`call`, `register`, `subscribe`, `publish`, `leave`); the inspector
//!   uses it;
//! - with the `js` feature (on by default), the JavaScript API of the npm package
//!   `wamp-wasm`: promises, handlers that return values or promises, `WampError`s, events.
//!
//! The protocol is `wamp-proto`'s sans-IO [`ClientSession`](wamp_proto::ClientSession);
//! this crate adds the WebSocket, timers, reconnection and the bridges to futures and
//! JavaScript. It runs on one thread, the JavaScript event loop.
//!
//! ```no_run
//! use wamp_wasm::wamp_proto::client::{PublishOptions, RegisterOptions, SubscribeOptions};
//! use wamp_wasm::wamp_proto::{Payload, Value};
//! use wamp_wasm::{CallOptions, ConnectOptions, SessionEvent, connect};
//!
//! async fn example() -> Result<(), wamp_wasm::Error> {
//!     let session = connect(ConnectOptions::new("ws://127.0.0.1:8080/ws", "realm1")).await?;
//!     session.on_event(|event| {
//!         if let SessionEvent::Close(info) = event {
//!             log(&format!("closed: {} (reconnecting: {})", info.reason, info.will_reconnect));
//!         }
//!     });
//!     let _registration = session
//!         .register("com.example.add", RegisterOptions::default(), |invocation| {
//!             let sum: i64 = invocation.args().iter().filter_map(Value::as_i64).sum();
//!             invocation.reply(Ok(Payload::args(vec![Value::Int(sum)])));
//!         })
//!         .await?;
//!     let _subscription = session
//!         .subscribe("com.example.news", SubscribeOptions::default(), |event| {
//!             log(&format!("{}: {:?}", event.topic, event.payload.args));
//!         })
//!         .await?;
//!     let args = vec![Value::Int(2), Value::Int(3)];
//!     let result = session
//!         .call("com.example.add", Payload::args(args), CallOptions::default().timeout_ms(5000))
//!         .await?;
//!     assert_eq!(result.args, [Value::Int(5)]);
//!     let news = Payload::args(vec![Value::from("hello")]);
//!     session.publish("com.example.news", news, PublishOptions::default()).await?;
//!     session.leave(None).await?;
//!     Ok(())
//! }
//! # fn log(_: &str) {}
//! ```
//!
//! Layout:
//! - [`client`](Session): the driver (connection, reconnection, dispatch) and its handles;
//! - `options`, `types`, `error`: what goes in and out ([`ConnectOptions`], [`CallResult`],
//!   [`SessionEvent`], [`Error`], ...);
//! - `socket`, `timer`, `reply`, `cancel`: the WebSocket, `setTimeout`, one-shot futures,
//!   cancel tokens;
//! - `js` (feature `js`): the `#[wasm_bindgen]` API, the conversion of values between
//!   JavaScript and WAMP, and the one place where JavaScript errors are made.

#![warn(missing_docs)]

mod auth;
mod cancel;
mod client;
mod codec;
mod error;
// The `#[wasm_bindgen]` exports are public to JavaScript, not to Rust.
#[cfg(feature = "js")]
#[allow(unreachable_pub)]
mod js;
mod options;
mod reply;
mod socket;
mod timer;
mod types;

pub use cancel::CancelToken;
pub use client::{Invocation, Registration, Session, Subscription, connect};
pub use error::{Error, WampError};
pub use options::{CallOptions, ConnectOptions, ProgressHandler, ReconnectPolicy};
pub use reply::Reply;
pub use types::{CallResult, CloseInfo, CloseInitiator, ConnectionState, OpenInfo, SessionEvent};

#[cfg(feature = "js")]
pub use js::convert::{ConvertError, from_js, to_js};

pub use wamp_proto;

/// The npm package's allocator: Talc takes a few KB less WebAssembly than the default
/// dlmalloc. Only with the `js` feature, so that Rust applications keep their own choice.
#[cfg(all(
    feature = "js",
    target_arch = "wasm32",
    not(target_feature = "atomics")
))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
