//! JavaScript APIs this module needs beyond `js-sys`, bound by name so that they work in
//! browsers and Node alike.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `AbortController`, for the signal an invocation handler gets.
    pub(crate) type AbortController;

    #[wasm_bindgen(constructor)]
    pub(crate) fn new() -> AbortController;
    #[wasm_bindgen(method, structural, getter)]
    pub(crate) fn signal(this: &AbortController) -> JsValue;
    #[wasm_bindgen(method, structural)]
    pub(crate) fn abort(this: &AbortController);

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

    /// `console.error`, for failures nobody listens to.
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    pub(crate) fn console_error(message: &str, value: &JsValue);
}
