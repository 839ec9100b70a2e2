//! JavaScript APIs this module needs beyond `js-sys`, bound by name so that they work in
//! browsers and Node alike.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// An `AbortSignal` the application passed (any object with its interface).
    pub(crate) type AbortSignalLike;

    #[wasm_bindgen(method, structural, getter)]
    pub(crate) fn aborted(this: &AbortSignalLike) -> bool;
    #[wasm_bindgen(method, structural, getter)]
    pub(crate) fn reason(this: &AbortSignalLike) -> JsValue;
    #[wasm_bindgen(method, structural, catch, js_name = addEventListener)]
    pub(crate) fn add_event_listener(
        this: &AbortSignalLike,
        kind: &str,
        listener: &JsValue,
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = removeEventListener)]
    pub(crate) fn remove_event_listener(
        this: &AbortSignalLike,
        kind: &str,
        listener: &JsValue,
    ) -> Result<(), JsValue>;

    /// The npm package's `InvocationDetails` class (`npm/src/classes.js`).
    pub(crate) type InvocationDetailsClass;

    /// `InvocationDetails.make(procedure, registration, raw)`: the rest comes from `raw`.
    #[wasm_bindgen(method, structural)]
    pub(crate) fn make(
        this: &InvocationDetailsClass,
        procedure: &JsValue,
        registration: f64,
        raw: &JsValue,
    ) -> JsValue;
    /// `InvocationDetails.abort(details)`: aborts its signal (made now if not yet).
    #[wasm_bindgen(method, structural)]
    pub(crate) fn abort(this: &InvocationDetailsClass, details: &JsValue);

    /// The npm package's `eventDetails(topic, subscription, publication, raw)`, called with
    /// `.call(undefined, ...)`.
    pub(crate) type EventDetailsFunction;

    #[wasm_bindgen(method, structural, js_name = call)]
    pub(crate) fn make(
        this: &EventDetailsFunction,
        this_arg: &JsValue,
        topic: &JsValue,
        subscription: f64,
        publication: f64,
        raw: &JsValue,
    ) -> JsValue;

    /// A function of the npm package called with `.call(undefined, a, b, c)`.
    pub(crate) type Function3;

    #[wasm_bindgen(method, structural, js_name = call)]
    pub(crate) fn call3(
        this: &Function3,
        this_arg: &JsValue,
        a: &JsValue,
        b: &JsValue,
        c: &JsValue,
    ) -> JsValue;

    /// `console.error`, for failures nobody listens to.
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    pub(crate) fn console_error(message: &str, value: &JsValue);
}
