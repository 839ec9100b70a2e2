//! JavaScript handlers as Rust handlers: invocation handlers (values, promises, `Result`s,
//! thrown `WampError`s, progressive results, the abort signal) and event handlers.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wamp_proto::client::TopicEvent;
use wamp_proto::{Payload, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::Invocation;
use crate::client::{RUNTIME_ERROR, WeakSession, exception_message};
use crate::error::{Error, WampError};

use super::bindings::console_error;
use super::convert::{dict_from_js, dict_to_js, list_from_js, list_to_js, value_from_js};
use super::errors::{
    abort_invocation, convert_error, event_details, invocation_details, is_result, is_wamp_error,
    new_chunks, to_js_error,
};
use super::when_settled;

pub(crate) fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn field(source: &JsValue, key: &str) -> JsValue {
    Reflect::get(source, &JsValue::from_str(key)).unwrap_or_default()
}

/// Whether `value` is a promise or another thenable.
fn is_thenable(value: &JsValue) -> bool {
    value.is_object() && (value.is_instance_of::<Promise>() || field(value, "then").is_function())
}

/// Reports an exception of the application to the session's `"error"` listeners.
pub(crate) fn report(session: &WeakSession, exception: JsValue) {
    match session.upgrade() {
        Some(session) => session.report_error(Error::Js(exception)),
        None => console_error("wamp-wasm: a handler failed:", &exception),
    }
}

/// The invocation an [`InvocationContext`] answers; `None` once answered.
type Pending = Rc<RefCell<Option<Invocation>>>;

// What `details.progress` is bound to.
#[wasm_bindgen]
pub struct InvocationContext {
    invocation: Pending,
}

#[wasm_bindgen]
impl InvocationContext {
    // Sends a progressive result.
    pub fn progress(&self, args: JsValue, kwargs: JsValue) -> Result<(), JsValue> {
        let args = list_from_js(&args, "progress args").map_err(|e| convert_error(&e))?;
        let kwargs = dict_from_js(&kwargs, "progress kwargs").map_err(|e| convert_error(&e))?;
        let invocation = self.invocation.borrow();
        let Some(invocation) = invocation.as_ref() else {
            return Err(super::errors::type_error(
                "progress() after the procedure returned its final result",
            ));
        };
        invocation
            .progress(Payload { args, kwargs })
            .map_err(|error| to_js_error(&error))
    }
}

/// A JavaScript string for `text`, made once while `text` stays the same (a handler's
/// procedure or topic is nearly always the one it was registered for).
fn cached_str(cache: &Cache, text: &str) -> JsValue {
    let mut cache = cache.borrow_mut();
    match &*cache {
        Some((cached, value)) if cached == text => value.clone(),
        _ => {
            let value = JsValue::from_str(text);
            *cache = Some((text.to_owned(), value.clone()));
            value
        }
    }
}

/// The last string [`cached_str`] made.
type Cache = RefCell<Option<(String, JsValue)>>;

/// A Rust invocation handler that calls the JavaScript `handler(args, kwargs, details)`.
pub(crate) fn invocation_handler(handler: Function) -> impl Fn(Invocation) + 'static {
    let procedure = Cache::default();
    move |invocation: Invocation| {
        let info = invocation.info();
        let args: JsValue = list_to_js(&info.payload.args).into();
        let kwargs: JsValue = dict_to_js(&info.payload.kwargs).into();
        let name = cached_str(&procedure, info.procedure.as_str());
        let registration = info.registration.get() as f64;
        let raw: JsValue = dict_to_js(&info.details).into();
        // The details' other fields come from `raw` in JavaScript.
        let made = invocation_details(&name, registration, &raw);
        // Without the package's classes (unit tests): an empty object.
        let details = made.unwrap_or_else(|| Object::new().into());
        let target = details.clone();
        invocation.on_interrupt(move || abort_invocation(&target));
        if invocation.is_progressive() {
            stream_chunks(&invocation, &details);
        }
        let receive_progress = info.receive_progress;
        let pending: Pending = Rc::new(RefCell::new(Some(invocation)));
        if receive_progress {
            let context = JsValue::from(InvocationContext {
                invocation: pending.clone(),
            });
            if let Some(progress) = field(&context, "progress").dyn_ref::<Function>() {
                set(&details, "progress", &progress.bind0(&context));
            }
        }

        match handler.call3(&JsValue::UNDEFINED, &args, &kwargs, &details) {
            Err(exception) => answer(&pending, Err(exception)),
            Ok(value) if is_thenable(&value) => {
                when_settled(&value, move |settled| answer(&pending, settled));
            }
            Ok(value) => answer(&pending, Ok(value)),
        }
    }
}

/// `details.chunks` of a progressive call invocation: each further chunk is pushed as it
/// arrives; the iteration ends after the caller's last chunk or an interrupt.
fn stream_chunks(invocation: &Invocation, details: &JsValue) {
    let Some(chunks) = new_chunks() else {
        return;
    };
    set(details, "chunks", &chunks);
    let method = |name: &str| field(&chunks, name).dyn_into::<Function>().ok();
    let (Some(push), Some(end)) = (method("push"), method("end")) else {
        return;
    };
    let target = chunks.clone();
    let finish = end.clone();
    invocation.on_chunk(move |payload, more| {
        let args: JsValue = list_to_js(&payload.args).into();
        let kwargs: JsValue = dict_to_js(&payload.kwargs).into();
        let _ = push.call2(&target, &args, &kwargs);
        if !more {
            let _ = finish.call0(&target);
        }
    });
    invocation.on_interrupt(move || drop(end.call0(&chunks)));
}

/// Answers the invocation with what the handler returned or threw.
fn answer(pending: &Pending, outcome: Result<JsValue, JsValue>) {
    let Ok(mut slot) = pending.try_borrow_mut() else {
        // `progress()` is running: answer right after it.
        let pending = pending.clone();
        when_settled(&JsValue::UNDEFINED, move |_| answer(&pending, outcome));
        return;
    };
    let Some(invocation) = slot.take() else {
        return;
    };
    drop(slot);
    let reply = match outcome {
        Ok(value) => payload_from_return(&value).map_err(|problem| {
            WampError::new(
                RUNTIME_ERROR,
                format!("the procedure's result cannot be sent: {problem}"),
            )
        }),
        Err(exception) => Err(error_from_exception(&exception)),
    };
    invocation.reply(reply);
}

/// What a handler's return value sends: nothing for `undefined`, a `Result` as it is, any
/// other value as the only positional argument.
fn payload_from_return(value: &JsValue) -> Result<Payload, String> {
    if value.is_undefined() {
        return Ok(Payload::default());
    }
    if is_result(value) {
        let args = list_from_js(&field(value, "args"), "result.args").map_err(|e| e.message)?;
        let kwargs =
            dict_from_js(&field(value, "kwargs"), "result.kwargs").map_err(|e| e.message)?;
        return Ok(Payload { args, kwargs });
    }
    let value = value_from_js(value, "return value").map_err(|e| e.message)?;
    Ok(Payload::args(vec![value]))
}

/// What a thrown exception answers: a `WampError` as it is, anything else as
/// `wamp.error.runtime_error` with its message.
fn error_from_exception(exception: &JsValue) -> WampError {
    if is_wamp_error(exception) {
        let uri = field(exception, "uri").as_string().unwrap_or_default();
        let args = list_from_js(&field(exception, "args"), "error.args");
        let kwargs = dict_from_js(&field(exception, "kwargs"), "error.kwargs");
        return match (args, kwargs) {
            (Ok(args), Ok(kwargs)) => WampError {
                uri,
                args,
                kwargs,
                details: Default::default(),
            },
            (Err(problem), _) | (_, Err(problem)) => WampError::new(
                RUNTIME_ERROR,
                format!("the procedure's error {uri} cannot be sent: {problem}"),
            ),
        };
    }
    WampError {
        uri: RUNTIME_ERROR.to_owned(),
        args: vec![Value::from(exception_message(exception))],
        kwargs: Default::default(),
        details: Default::default(),
    }
}

/// A Rust event handler that calls the JavaScript `handler(args, kwargs, details)`;
/// exceptions and rejections go to the session's `"error"` listeners.
pub(crate) fn event_handler(
    session: WeakSession,
    handler: Function,
) -> impl Fn(&TopicEvent) + 'static {
    let topic = Cache::default();
    move |event: &TopicEvent| {
        let args: JsValue = list_to_js(&event.payload.args).into();
        let kwargs: JsValue = dict_to_js(&event.payload.kwargs).into();
        let name = cached_str(&topic, event.topic.as_str());
        let subscription = event.subscription.get() as f64;
        let publication = event.publication.get() as f64;
        let raw: JsValue = dict_to_js(&event.details).into();
        let details = event_details(&name, subscription, publication, &raw)
            // Without the package's classes (unit tests): an empty object.
            .unwrap_or_else(|| Object::new().into());
        match handler.call3(&JsValue::UNDEFINED, &args, &kwargs, &details) {
            Err(exception) => report(&session, exception),
            Ok(value) if is_thenable(&value) => {
                let session = session.clone();
                when_settled(&value, move |settled| {
                    if let Err(exception) = settled {
                        report(&session, exception);
                    }
                });
            }
            Ok(_) => {}
        }
    }
}
