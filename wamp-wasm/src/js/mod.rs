//! The JavaScript API (feature `js`): `connect()` and the classes of the npm package.
//!
//! - `session`: the classes `Session`, `Registration`, `Subscription`;
//! - `handlers`: JavaScript handlers as Rust handlers;
//! - `options`: reading option objects;
//! - [`convert`]: values between JavaScript and WAMP;
//! - `errors`: the one place where JavaScript errors are made;
//! - `bindings`: JavaScript APIs beyond `js-sys`.

mod bindings;
pub(crate) mod convert;
mod errors;
mod handlers;
mod options;
mod session;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::reply::Reply;
use errors::to_js_error;
use session::JsSession;

// `connect(options)`: resolves to a joined `Session`.
#[wasm_bindgen(js_name = connect)]
pub fn connect(options: JsValue) -> Promise {
    let options = match options::connect_options(&options) {
        Ok(options) => options,
        Err(failure) => return Promise::reject(&failure),
    };
    promise(crate::connect(options), |session| {
        JsSession::new(session).into()
    })
}

/// A promise that settles with what `reply` gives, turned into JavaScript by `to_js`.
pub(crate) fn promise<T: 'static>(
    reply: Reply<T>,
    to_js: impl FnOnce(T) -> JsValue + 'static,
) -> Promise {
    settle_with(reply, move |outcome| {
        outcome.map(to_js).map_err(|error| to_js_error(&error))
    })
}

/// A promise that settles with what `settle` makes of the reply.
pub(crate) fn settle_with<T: 'static>(
    reply: Reply<T>,
    settle: impl FnOnce(Result<T, Error>) -> Result<JsValue, JsValue> + 'static,
) -> Promise {
    // Only the small callback below is made per `T`; making the promise and settling it is
    // not generic, so that every request type does not carry its own copy.
    let (promise, callbacks) = new_promise();
    reply.on_complete(move |outcome| settle_promise(&callbacks, settle(outcome)));
    promise
}

/// A promise settled already.
pub(crate) fn settled_promise(outcome: Result<JsValue, JsValue>) -> Promise {
    match outcome {
        Ok(value) => Promise::resolve(&value),
        Err(error) => Promise::reject(&error),
    }
}

/// A pending promise and its `resolve` and `reject` functions.
fn new_promise() -> (Promise, Option<(Function, Function)>) {
    let mut callbacks = None;
    let promise = Promise::new(&mut |resolve, reject| callbacks = Some((resolve, reject)));
    (promise, callbacks)
}

fn settle_promise(callbacks: &Option<(Function, Function)>, outcome: Result<JsValue, JsValue>) {
    let Some((resolve, reject)) = callbacks else {
        return;
    };
    let _ = match outcome {
        Ok(value) => resolve.call1(&JsValue::UNDEFINED, &value),
        Err(error) => reject.call1(&JsValue::UNDEFINED, &error),
    };
}

/// One pair of callbacks for `then`; both go once either has run.
type Callbacks = Rc<RefCell<Vec<Closure<dyn FnMut(JsValue)>>>>;
/// What to do once a promise settled; taken by the first callback that runs.
type Settle = Rc<RefCell<Option<Box<dyn FnOnce(Result<JsValue, JsValue>)>>>>;

/// Calls `settle` once `value` (a promise, a thenable, or any value) has settled.
pub(crate) fn when_settled(
    value: &JsValue,
    settle: impl FnOnce(Result<JsValue, JsValue>) + 'static,
) {
    let settle: Settle = Rc::new(RefCell::new(Some(Box::new(settle))));
    let keep: Callbacks = Rc::default();
    let callback = |fulfilled: bool| {
        let settle = settle.clone();
        let keep = keep.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
            // Dropping both closures here is fine: wasm-bindgen frees a running closure
            // when it returns.
            let _done = std::mem::take(&mut *keep.borrow_mut());
            let Some(settle) = settle.borrow_mut().take() else {
                return;
            };
            settle(if fulfilled { Ok(value) } else { Err(value) });
        })
    };
    let on_fulfilled = callback(true);
    let on_rejected = callback(false);
    let _ = Promise::resolve(value).then2(&on_fulfilled, &on_rejected);
    keep.borrow_mut().extend([on_fulfilled, on_rejected]);
}
