//! The WebSocket transport: one socket, frames in and out as bytes.
//!
//! The socket is any object with the browser's `WebSocket` interface, built with the
//! application's constructor or `globalThis.WebSocket`. Methods are called structurally (by
//! name, not through `WebSocket.prototype`), so the npm package `ws` works in Node too.

use js_sys::{Array, ArrayBuffer, Function, Reflect, Uint8Array};
use wamp_proto::Serializer;
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
}

/// What the socket tells its owner.
pub(crate) enum SocketEvent {
    /// The handshake completed with `protocol` as the subprotocol.
    Open { protocol: String },
    /// One frame: text frames as their UTF-8 bytes.
    Message(Vec<u8>),
    /// The socket closed (or never opened).
    Closed { code: u16, reason: String },
}

/// An open or opening WebSocket, with its event handlers.
pub(crate) struct Socket {
    socket: WebSocketLike,
    text: bool,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(JsValue)>,
}

impl Socket {
    /// Starts opening a WebSocket to `url` with the subprotocol of `serializer`; `on_event`
    /// hears what happens to it.
    ///
    /// # Errors
    /// The constructor's exception (e.g. a `SyntaxError` for a malformed URL), or a
    /// `TypeError` when there is no WebSocket constructor.
    pub(crate) fn open(
        constructor: Option<&Function>,
        url: &str,
        serializer: Serializer,
        on_event: impl FnMut(SocketEvent) + 'static,
    ) -> Result<Socket, JsValue> {
        let constructor = match constructor {
            Some(constructor) => constructor.clone(),
            None => global_websocket()?,
        };
        let arguments = Array::of2(
            &JsValue::from_str(url),
            &JsValue::from_str(serializer.subprotocol()),
        );
        let socket: WebSocketLike = Reflect::construct(&constructor, &arguments)?.unchecked_into();
        socket.set_binary_type("arraybuffer");

        let text = serializer.is_text();
        let on_event = std::rc::Rc::new(std::cell::RefCell::new(on_event));
        let sink = on_event.clone();
        let opened = socket.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || {
            let protocol = opened.protocol().as_string().unwrap_or_default();
            (sink.borrow_mut())(SocketEvent::Open { protocol });
        });
        let sink = on_event.clone();
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
            (sink.borrow_mut())(SocketEvent::Message(bytes));
        });
        let sink = on_event;
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let field = |name: &str| Reflect::get(&event, &JsValue::from_str(name)).ok();
            let code = field("code")
                .and_then(|code| code.as_f64())
                .unwrap_or(1006.0) as u16;
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
            socket,
            text,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends one frame: text for JSON, binary otherwise.
    pub(crate) fn send(&self, bytes: &[u8]) {
        let data = if self.text {
            // The JSON encoder writes UTF-8.
            JsValue::from_str(&String::from_utf8_lossy(bytes))
        } else {
            Uint8Array::from(bytes).into()
        };
        // A socket that is closing throws or drops the frame; its `close` event follows,
        // and the session learns then.
        let _ = self.socket.send(&data);
    }

    /// Closes the socket (normal closure) and stops listening to it.
    pub(crate) fn close(&self) {
        self.detach();
        let _ = self.socket.close(1000, "");
    }

    fn detach(&self) {
        self.socket.set_onopen(&JsValue::NULL);
        self.socket.set_onmessage(&JsValue::NULL);
        self.socket.set_onclose(&JsValue::NULL);
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
}

fn global_websocket() -> Result<Function, JsValue> {
    let constructor = Reflect::get(&js_sys::global(), &JsValue::from_str("WebSocket"))?;
    constructor.dyn_into::<Function>().map_err(|_| {
        js_sys::TypeError::new(
            "there is no global WebSocket: pass one in the `WebSocket` option \
             (in Node 20, e.g. `import WebSocket from \"ws\"`)",
        )
        .into()
    })
}
