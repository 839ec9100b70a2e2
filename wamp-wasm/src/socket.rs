//! The WebSocket transport: one socket, frames in and out as bytes.
//!
//! The socket is any object with the browser's `WebSocket` interface, built with the
//! application's constructor or `globalThis.WebSocket`. Methods are called structurally (by
//! name, not through `WebSocket.prototype`), so the npm package `ws` works in Node too.
//!
//! Batching ([`wamp_proto::batch`]): for MessagePack and CBOR the socket offers the
//! serializer's batched subprotocol first (`wamp.2.msgpack.batched`, ...) and the plain one
//! second; for JSON only when asked (see `Socket::open`). When the router picks the
//! batched one, what is sent within one turn of the event loop goes as one WebSocket
//! message, flushed by a microtask, and each received WebSocket message is split into its
//! WAMP messages. A WebSocket message costs a browser far more than its bytes (an event, a
//! copy between processes), so under load this is most of the client's speed.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, ArrayBuffer, Function, Reflect, Uint8Array};
use wamp_proto::batch::{self, Subprotocol};
use wamp_proto::{ProtocolError, Serializer};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// An object with the WebSocket interface.
    #[derive(Clone)]
    pub(crate) type WebSocketLike;

    #[wasm_bindgen(method, structural, setter = binaryType)]
    fn set_binary_type(this: &WebSocketLike, value: &str);
    #[wasm_bindgen(method, structural, getter)]
    fn protocol(this: &WebSocketLike) -> JsValue;
    #[wasm_bindgen(method, structural, setter)]
    fn set_onopen(this: &WebSocketLike, handler: &JsValue);
    #[wasm_bindgen(method, structural, setter)]
    fn set_onmessage(this: &WebSocketLike, handler: &JsValue);
    #[wasm_bindgen(method, structural, setter)]
    fn set_onclose(this: &WebSocketLike, handler: &JsValue);
    #[wasm_bindgen(method, structural, setter)]
    fn set_onerror(this: &WebSocketLike, handler: &JsValue);
    #[wasm_bindgen(method, structural, catch)]
    fn send(this: &WebSocketLike, data: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, catch)]
    fn close(this: &WebSocketLike, code: u16, reason: &str) -> Result<(), JsValue>;

    /// A `message` event.
    type MessageEvent;

    #[wasm_bindgen(method, structural, getter)]
    fn data(this: &MessageEvent) -> JsValue;

    /// `queueMicrotask` (browsers, Node 11+).
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &Function);

    /// `globalThis` (browsers, Node 12+). One import, where `js_sys::global()` brings four
    /// and code to try them in turn.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
}

/// What the socket tells its owner.
pub(crate) enum SocketEvent {
    /// The handshake completed with `protocol` as the subprotocol (`None`: one the socket
    /// did not offer, named in `name`).
    Open {
        protocol: Option<Subprotocol>,
        name: String,
    },
    /// One WAMP message: text as its UTF-8 bytes.
    Message(Vec<u8>),
    /// A batched frame that does not split into messages.
    Malformed(ProtocolError),
    /// The socket closed (or never opened).
    ///
    /// `code` is a `u32` rather than the `u16` a close code fits in: a message formats it,
    /// and `u32`'s `Display` is in the WebAssembly already (for `usize`).
    Closed { code: u32, reason: String },
}

/// An open or opening WebSocket, with its event handlers.
pub(crate) struct Socket {
    state: Rc<State>,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(JsValue)>,
}

/// What the socket's handlers and its microtask share.
struct State {
    socket: WebSocketLike,
    serializer: Serializer,
    /// Whether the router chose the batched subprotocol (known once open).
    batched: Cell<bool>,
    /// The batched frame being gathered until the microtask sends it.
    pending: RefCell<Vec<u8>>,
}

impl Socket {
    /// Starts opening a WebSocket to `url` with the subprotocol of `serializer`, offering its
    /// batched form first as [`ConnectOptions::batched`](crate::ConnectOptions::batched)
    /// says; `on_event` hears what happens to it.
    ///
    /// # Errors
    /// The constructor's exception (e.g. a `SyntaxError` for a malformed URL), or a
    /// `TypeError` when there is no WebSocket constructor.
    pub(crate) fn open(
        constructor: Option<&Function>,
        url: &str,
        serializer: Serializer,
        batched: Option<bool>,
        on_event: impl FnMut(SocketEvent) + 'static,
    ) -> Result<Socket, JsValue> {
        let constructor = match constructor {
            Some(constructor) => constructor.clone(),
            None => global_websocket()?,
        };
        let protocols = Array::of1(&JsValue::from_str(serializer.subprotocol()));
        // JSON batches only when asked: the spec ends their messages with 0x1E, while
        // Autobahn and Crossbar.io use 0x18, so a client cannot know that the router reads
        // what it writes (the router chooses the subprotocol; the client speaks first).
        let batched = batched.unwrap_or(!serializer.is_text());
        if batched {
            protocols.unshift(&JsValue::from_str(Subprotocol::batched(serializer).name()));
        }
        let arguments = Array::of2(&JsValue::from_str(url), &protocols);
        let socket: WebSocketLike = Reflect::construct(&constructor, &arguments)?.unchecked_into();
        socket.set_binary_type("arraybuffer");

        let text = serializer.is_text();
        let state = Rc::new(State {
            socket: socket.clone(),
            serializer,
            batched: Cell::new(false),
            pending: RefCell::new(Vec::new()),
        });
        let on_event = Rc::new(RefCell::new(on_event));
        let sink = on_event.clone();
        let opened = Rc::downgrade(&state);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            let Some(state) = opened.upgrade() else {
                return;
            };
            let name = state.socket.protocol().as_string().unwrap_or_default();
            let protocol = Subprotocol::parse(&name)
                .filter(|p| p.serializer == state.serializer && (batched || !p.batched));
            state.batched.set(protocol.is_some_and(|p| p.batched));
            (sink.borrow_mut())(SocketEvent::Open { protocol, name });
        });
        let sink = on_event.clone();
        let receiving = Rc::downgrade(&state);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            // Binary serializers get ArrayBuffers (`binaryType`): try that first.
            let buffer = if text {
                None
            } else {
                data.dyn_ref::<ArrayBuffer>()
            };
            let bytes = if let Some(buffer) = buffer {
                Uint8Array::new(buffer).to_vec()
            } else if let Some(text) = data.as_string() {
                text.into_bytes()
            } else if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
                Uint8Array::new(buffer).to_vec()
            } else if let Some(view) = data.dyn_ref::<Uint8Array>() {
                view.to_vec()
            } else {
                // A Blob or something stranger: not a frame we can read; the decoder
                // rejects it as malformed, and the session aborts.
                Vec::new()
            };
            let batched = receiving.upgrade().is_some_and(|state| state.batched.get());
            if !batched {
                (sink.borrow_mut())(SocketEvent::Message(bytes));
                return;
            }
            for message in batch::messages(serializer, &bytes) {
                let event = match message {
                    Ok(message) => SocketEvent::Message(message.to_vec()),
                    Err(error) => SocketEvent::Malformed(error),
                };
                (sink.borrow_mut())(event);
            }
        });
        let sink = on_event;
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let field = |name: &str| Reflect::get(&event, &JsValue::from_str(name)).ok();
            let code = field("code")
                .and_then(|code| code.as_f64())
                .unwrap_or(1006.0) as u32;
            let reason = field("reason")
                .and_then(|reason| reason.as_string())
                .unwrap_or_default();
            (sink.borrow_mut())(SocketEvent::Closed { code, reason });
        });
        socket.set_onopen(on_open.as_ref());
        socket.set_onmessage(on_message.as_ref());
        socket.set_onclose(on_close.as_ref());
        // Every error is followed by `close`, which carries what there is to know. The
        // `error` listener stays for good: in `ws`, an error without one is an uncaught
        // exception, and one may come after we closed a socket that was still connecting.
        NOOP.with(|noop| socket.set_onerror(noop));
        Ok(Socket {
            state,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends one message: now, as its own frame, or batched, in the frame that this turn's
    /// microtask sends.
    pub(crate) fn send(&self, bytes: &[u8]) {
        let state = &self.state;
        if !state.batched.get() {
            state.send_frame(bytes);
            return;
        }
        let mut pending = state.pending.borrow_mut();
        if pending.is_empty() {
            DUE.with(|due| {
                let mut due = due.borrow_mut();
                if due.is_empty() {
                    FLUSH.with(|flush| queue_microtask(flush.unchecked_ref()));
                }
                due.push(Rc::downgrade(state));
            });
        }
        batch::append(state.serializer, &mut pending, bytes);
    }

    /// Whether the router chose the batched subprotocol (`false` until the socket is open).
    pub(crate) fn batched(&self) -> bool {
        self.state.batched.get()
    }

    /// Sends what is batched, closes the socket (normal closure) and stops listening to it.
    pub(crate) fn close(&self) {
        self.state.send_pending();
        self.detach();
        let _ = self.state.socket.close(1000, "");
    }

    fn detach(&self) {
        let socket = &self.state.socket;
        socket.set_onopen(&JsValue::NULL);
        socket.set_onmessage(&JsValue::NULL);
        socket.set_onclose(&JsValue::NULL);
    }
}

impl State {
    /// Sends the batched frame gathered so far, if any.
    fn send_pending(&self) {
        let frame = std::mem::take(&mut *self.pending.borrow_mut());
        if !frame.is_empty() {
            self.send_frame(&frame);
        }
    }

    /// Sends one frame: text for JSON, binary otherwise.
    fn send_frame(&self, bytes: &[u8]) {
        let data = if self.serializer.is_text() {
            // The JSON encoder writes UTF-8, so the check never fails; `from_utf8_lossy`
            // would add its own decoder to the WebAssembly.
            JsValue::from_str(std::str::from_utf8(bytes).unwrap_or_default())
        } else {
            Uint8Array::from(bytes).into()
        };
        // A socket that is closing throws or drops the frame; its `close` event follows,
        // and the session learns then.
        let _ = self.socket.send(&data);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.close();
    }
}

thread_local! {
    /// One function that does nothing, for every socket's `onerror`.
    static NOOP: JsValue = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {}).into_js_value();
    /// The sockets with a batched frame gathered, for the next [`FLUSH`].
    static DUE: RefCell<Vec<Weak<State>>> = const { RefCell::new(Vec::new()) };
    /// The microtask that sends the frames of the sockets in [`DUE`]: one function for all
    /// sockets, made once and never freed, so that a socket closed while its microtask is
    /// queued leaves nothing dangling.
    static FLUSH: JsValue = Closure::<dyn FnMut()>::new(|| {
        let due = DUE.with(|due| std::mem::take(&mut *due.borrow_mut()));
        for state in due.iter().filter_map(Weak::upgrade) {
            state.send_pending();
        }
    })
    .into_js_value();
}

fn global_websocket() -> Result<Function, JsValue> {
    let constructor =
        GLOBAL_THIS.with(|global| Reflect::get(global, &JsValue::from_str("WebSocket")))?;
    constructor.dyn_into::<Function>().map_err(|_| {
        js_sys::TypeError::new(
            "there is no global WebSocket: pass one in the `WebSocket` option \
             (in Node 20, e.g. `import WebSocket from \"ws\"`)",
        )
        .into()
    })
}
