//! The one place where JavaScript errors (and result objects) are made.
//!
//! The classes `WampError`, `ConnectionError` and `Result` are written in JavaScript by the
//! npm package (so that `instanceof` works and they can be exported synchronously) and
//! handed over with [`install`] at start-up. Without them (e.g. in unit tests) errors are
//! plain `Error`s with the same properties.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::error::{Error, WampError};
use crate::types::CallResult;

use super::bindings::{EventDetailsFunction, Function3, InvocationDetailsClass};
use super::convert::{ConvertError, dict_to_js, list_to_js};

struct Classes {
    wamp_error: Function,
    chunks: Function,
    connection_error: Function,
    result: Function,
    invocation_details: InvocationDetailsClass,
    event_details: EventDetailsFunction,
    /// `(args, kwargs, details) => new Result(args, kwargs, details)`.
    make_result: Function3,
}

thread_local! {
    static CLASSES: RefCell<Option<Classes>> = const { RefCell::new(None) };
}

// Hands over the package's JavaScript classes; the npm package calls it once at start-up.
#[wasm_bindgen(js_name = __install)]
pub fn install(
    wamp_error: Function,
    connection_error: Function,
    result: Function,
    chunks: Function,
    invocation_details: JsValue,
    event_details: JsValue,
    make_result: JsValue,
) {
    CLASSES.with(|classes| {
        *classes.borrow_mut() = Some(Classes {
            wamp_error,
            chunks,
            connection_error,
            result,
            invocation_details: invocation_details.unchecked_into(),
            event_details: event_details.unchecked_into(),
            make_result: make_result.unchecked_into(),
        });
    });
}

fn class(pick: fn(&Classes) -> &Function) -> Option<Function> {
    CLASSES.with(|classes| classes.borrow().as_ref().map(|c| pick(c).clone()))
}

/// An invocation's `details`, made by the package's `InvocationDetails.make`; `None`
/// without the package's classes.
pub(crate) fn invocation_details(
    procedure: &JsValue,
    registration: f64,
    raw: &JsValue,
) -> Option<JsValue> {
    CLASSES.with(|classes| {
        let classes = classes.borrow();
        Some(
            classes
                .as_ref()?
                .invocation_details
                .make(procedure, registration, raw),
        )
    })
}

/// Aborts the signal of `details` made by [`invocation_details`].
pub(crate) fn abort_invocation(details: &JsValue) {
    CLASSES.with(|classes| {
        if let Some(classes) = classes.borrow().as_ref() {
            classes.invocation_details.abort(details);
        }
    });
}

/// An event's `details`, made by the package's `eventDetails`; `None` without it.
pub(crate) fn event_details(
    topic: &JsValue,
    subscription: f64,
    publication: f64,
    raw: &JsValue,
) -> Option<JsValue> {
    CLASSES.with(|classes| {
        let classes = classes.borrow();
        let make = &classes.as_ref()?.event_details;
        Some(make.make(&JsValue::UNDEFINED, topic, subscription, publication, raw))
    })
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// The JavaScript error for a failed request.
pub(crate) fn to_js_error(error: &Error) -> JsValue {
    match error {
        Error::Wamp(error) => wamp_error(error, None),
        Error::Connection { message, reason } => connection_error(message, reason.as_deref()),
        Error::InvalidArgument(message) => type_error(message),
        Error::Js(value) => value.clone(),
    }
}

/// A `WampError`; `cause` becomes its `cause`.
pub(crate) fn wamp_error(error: &WampError, cause: Option<&JsValue>) -> JsValue {
    let args = list_to_js(&error.args);
    let kwargs = dict_to_js(&error.kwargs);
    let uri = JsValue::from_str(&error.uri);
    let options = Object::new();
    if let Some(cause) = cause {
        set(&options, "cause", cause);
    }
    let made = class(|c| &c.wamp_error).and_then(|class| {
        let arguments = Array::of4(&uri, &args, &kwargs, &options);
        Reflect::construct(&class, &arguments).ok()
    });
    let made = made.unwrap_or_else(|| {
        let message = error.message().unwrap_or(&error.uri);
        let fallback: JsValue = js_sys::Error::new(message).into();
        set(&fallback, "name", &JsValue::from_str("WampError"));
        set(&fallback, "uri", &uri);
        set(&fallback, "args", &args);
        set(&fallback, "kwargs", &kwargs);
        if let Some(cause) = cause {
            set(&fallback, "cause", cause);
        }
        fallback
    });
    set(&made, "details", &dict_to_js(&error.details));
    made
}

/// A `ConnectionError`.
pub(crate) fn connection_error(message: &str, reason: Option<&str>) -> JsValue {
    let reason = reason.map_or(JsValue::UNDEFINED, JsValue::from_str);
    let message = JsValue::from_str(message);
    class(|c| &c.connection_error)
        .and_then(|class| Reflect::construct(&class, &Array::of2(&message, &reason)).ok())
        .unwrap_or_else(|| {
            let fallback = js_sys::Error::new(&String::from(js_sys::JsString::from(message)));
            set(&fallback, "name", &JsValue::from_str("ConnectionError"));
            set(&fallback, "reason", &reason);
            fallback.into()
        })
}

/// A `TypeError`: the application passed something invalid.
pub(crate) fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// A `TypeError` or `RangeError` for a value that cannot be sent.
pub(crate) fn convert_error(error: &ConvertError) -> JsValue {
    if error.out_of_range {
        js_sys::RangeError::new(&error.message).into()
    } else {
        type_error(&error.message)
    }
}

/// A `Result` for a received call result.
pub(crate) fn result_object(result: &CallResult) -> JsValue {
    let args: JsValue = list_to_js(&result.args).into();
    let kwargs: JsValue = dict_to_js(&result.kwargs).into();
    let details: JsValue = dict_to_js(&result.details).into();
    let made = CLASSES.with(|classes| {
        let classes = classes.borrow();
        let make = &classes.as_ref()?.make_result;
        Some(make.call3(&JsValue::UNDEFINED, &args, &kwargs, &details))
    });
    made.unwrap_or_else(|| {
        let fallback: JsValue = Object::new().into();
        set(&fallback, "args", &args);
        set(&fallback, "kwargs", &kwargs);
        set(
            &fallback,
            "value",
            &Reflect::get(&args, &JsValue::from_f64(0.0)).unwrap_or_default(),
        );
        set(&fallback, "details", &details);
        fallback
    })
}

/// A new `Chunks` (the package's async iterable of progressive invocation chunks, with
/// `push(args, kwargs)` and `end()`), if the package installed its classes.
pub(crate) fn new_chunks() -> Option<JsValue> {
    class(|c| &c.chunks).and_then(|class| Reflect::construct(&class, &Array::new()).ok())
}

/// Whether `value` is a `Result` the application built.
pub(crate) fn is_result(value: &JsValue) -> bool {
    value.is_object() && class(|c| &c.result).is_some_and(|class| instance_of(value, &class))
}

/// Whether `value` is a `WampError` (of this copy of the package, or by its name and URI).
pub(crate) fn is_wamp_error(value: &JsValue) -> bool {
    if !value.is_object() {
        return false;
    }
    if class(|c| &c.wamp_error).is_some_and(|class| instance_of(value, &class)) {
        return true;
    }
    let field = |name: &str| Reflect::get(value, &JsValue::from_str(name)).unwrap_or_default();
    field("name").as_string().as_deref() == Some("WampError") && field("uri").is_string()
}

/// `value instanceof class`, walking the prototype chain.
fn instance_of(value: &JsValue, class: &Function) -> bool {
    let Ok(prototype) = Reflect::get(class, &JsValue::from_str("prototype")) else {
        return false;
    };
    let parent = |object: &JsValue| -> JsValue {
        Reflect::get_prototype_of(object).map_or(JsValue::NULL, Into::into)
    };
    let mut current = parent(value);
    // Prototype chains are short; the bound only guards against exotic proxies.
    for _ in 0..64 {
        if current.is_null() || current.is_undefined() {
            return false;
        }
        if current == prototype {
            return true;
        }
        current = parent(&current);
    }
    false
}
