//! One-shot timers on the JavaScript event loop (`setTimeout`), in browsers and Node.

use std::cell::Cell;

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &JsValue, milliseconds: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// A pending `setTimeout`; dropping it clears the timeout.
pub(crate) struct Timer {
    /// `setTimeout`'s handle: a number in browsers, an object in Node.
    handle: JsValue,
    fired: std::rc::Rc<Cell<bool>>,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    /// Runs `action` once after `milliseconds`, unless the timer is dropped first.
    pub(crate) fn new(milliseconds: f64, action: impl FnOnce() + 'static) -> Timer {
        let mut action = Some(action);
        let fired = std::rc::Rc::new(Cell::new(false));
        let flag = fired.clone();
        let callback = Closure::<dyn FnMut()>::new(move || {
            flag.set(true);
            if let Some(action) = action.take() {
                action();
            }
        });
        let handle = set_timeout(callback.as_ref(), milliseconds);
        Timer {
            handle,
            fired,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if !self.fired.get() {
            clear_timeout(&self.handle);
        }
    }
}

impl std::fmt::Debug for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timer")
            .field("fired", &self.fired.get())
            .finish()
    }
}
