//! The JavaScript classes `Session`, `Registration` and `Subscription`.
//!
//! Exported items carry `//` comments, not `///`: wasm-bindgen copies doc comments into the
//! JavaScript glue that every browser downloads; `npm/index.d.ts` documents the API.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise};
use wamp_proto::client::Quoted;
use wamp_proto::{Payload, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::cancel::CancelToken;
use crate::error::{Error, WampError};
use crate::options::CallOptions;
use crate::types::{CloseInfo, SessionEvent};
use crate::{Registration, Session, Subscription};

use super::bindings::{AbortSignalLike, console_error};
use super::convert::{dict_from_js, dict_to_js, list_from_js};
use super::errors::{convert_error, result_object, to_js_error, type_error, wamp_error};
use super::handlers::{event_handler, invocation_handler, report, set};
use super::options::{
    Failure, Fields, cancel_mode, publish_options, register_options, subscribe_options,
};
use super::{promise, settle_with, settled_promise};

/// The events a session emits.
const EVENTS: [&str; 4] = ["open", "close", "reconnecting", "error"];

/// The JavaScript listeners of one session.
type Listeners = Rc<RefCell<Vec<(&'static str, Function)>>>;

// A joined session (JavaScript class `Session`).
#[wasm_bindgen(js_name = Session)]
pub struct JsSession {
    session: Session,
    listeners: Listeners,
    closed: RefCell<Option<Promise>>,
}

impl JsSession {
    pub(crate) fn new(session: Session) -> Self {
        let listeners: Listeners = Rc::default();
        let sink = listeners.clone();
        session.on_event(move |event| dispatch(&sink, event));
        JsSession {
            session,
            listeners,
            closed: RefCell::new(None),
        }
    }
}

/// Runs `start`, turning its failure into a rejected promise.
fn attempt(start: impl FnOnce() -> Result<Promise, Failure>) -> Promise {
    start().unwrap_or_else(|failure| Promise::reject(&failure))
}

fn uri(value: &JsValue, what: &str) -> Result<String, Failure> {
    value
        .as_string()
        .ok_or_else(|| type_error(&format!("{what} must be a string (a URI)")))
}

fn payload(args: &JsValue, kwargs: &JsValue) -> Result<Payload, Failure> {
    let args = list_from_js(args, "args").map_err(|e| convert_error(&e))?;
    let kwargs = dict_from_js(kwargs, "kwargs").map_err(|e| convert_error(&e))?;
    Ok(Payload { args, kwargs })
}

fn id_value(id: Option<wamp_proto::Id>) -> JsValue {
    id.map_or(JsValue::NULL, |id| JsValue::from_f64(id.get() as f64))
}

/// A string, or `undefined`. Getters return `JsValue`s rather than `String`s: that spares
/// each of them wasm-bindgen's string-passing shim.
fn optional_str(text: Option<String>) -> JsValue {
    text.map_or(JsValue::UNDEFINED, |text| JsValue::from_str(&text))
}

fn close_object(info: &CloseInfo) -> JsValue {
    let object: JsValue = Object::new().into();
    set(&object, "reason", &JsValue::from_str(&info.reason));
    if let Some(message) = &info.message {
        set(&object, "message", &JsValue::from_str(message));
    }
    set(
        &object,
        "initiator",
        &JsValue::from_str(info.initiator.as_str()),
    );
    set(
        &object,
        "willReconnect",
        &JsValue::from_bool(info.will_reconnect),
    );
    set(&object, "details", &dict_to_js(&info.details));
    object
}

fn dispatch(listeners: &Listeners, event: &SessionEvent) {
    let object: JsValue = Object::new().into();
    let (kind, payload) = match event {
        SessionEvent::Open(info) => {
            set(
                &object,
                "sessionId",
                &JsValue::from_f64(info.session.get() as f64),
            );
            set(
                &object,
                "reconnected",
                &JsValue::from_bool(info.reconnected),
            );
            set(&object, "details", &dict_to_js(&info.details));
            ("open", object)
        }
        SessionEvent::Close(info) => ("close", close_object(info)),
        SessionEvent::Reconnecting { attempt, delay_ms } => {
            set(&object, "attempt", &JsValue::from_f64(f64::from(*attempt)));
            set(&object, "delay", &JsValue::from_f64(*delay_ms));
            ("reconnecting", object)
        }
        SessionEvent::Error(error) => ("error", to_js_error(error)),
    };
    let targets: Vec<Function> = listeners
        .borrow()
        .iter()
        .filter(|(name, _)| *name == kind)
        .map(|(_, listener)| listener.clone())
        .collect();
    if kind == "error" && targets.is_empty() {
        console_error(
            "wamp-wasm: unhandled error (add session.on(\"error\", ...)):",
            &payload,
        );
    }
    for listener in targets {
        if let Err(exception) = listener.call1(&JsValue::UNDEFINED, &payload) {
            console_error("wamp-wasm: a session listener threw:", &exception);
        }
    }
}

#[wasm_bindgen(js_class = Session)]
impl JsSession {
    // The current session ID, or `null`.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> JsValue {
        id_value(self.session.id())
    }

    // The realm.
    #[wasm_bindgen(getter)]
    pub fn realm(&self) -> JsValue {
        JsValue::from_str(&self.session.realm())
    }

    // `WELCOME.Details.authid`.
    #[wasm_bindgen(getter)]
    pub fn authid(&self) -> JsValue {
        optional_str(self.session.details().and_then(|d| d.authid))
    }

    // `WELCOME.Details.authrole`.
    #[wasm_bindgen(getter)]
    pub fn authrole(&self) -> JsValue {
        optional_str(self.session.details().and_then(|d| d.authrole))
    }

    // `WELCOME.Details.authmethod`.
    #[wasm_bindgen(getter)]
    pub fn authmethod(&self) -> JsValue {
        optional_str(self.session.details().and_then(|d| d.authmethod))
    }

    // `WELCOME.Details.roles`.
    #[wasm_bindgen(getter, js_name = routerRoles)]
    pub fn router_roles(&self) -> JsValue {
        let roles = self
            .session
            .details()
            .and_then(|details| {
                details
                    .details
                    .get("roles")
                    .and_then(Value::as_dict)
                    .cloned()
            })
            .unwrap_or_default();
        dict_to_js(&roles).into()
    }

    // `WELCOME.Details`.
    #[wasm_bindgen(getter)]
    pub fn details(&self) -> JsValue {
        let details = self
            .session
            .details()
            .map(|d| d.details)
            .unwrap_or_default();
        dict_to_js(&details).into()
    }

    // `"json"`, `"msgpack"` or `"cbor"`.
    #[wasm_bindgen(getter)]
    pub fn serializer(&self) -> JsValue {
        JsValue::from_str(self.session.serializer().name())
    }

    // The WebSocket subprotocol of the current connection, e.g. `"wamp.2.json.batched"`;
    // `undefined` while not connected.
    #[wasm_bindgen(getter)]
    pub fn protocol(&self) -> JsValue {
        self.session
            .protocol()
            .map_or(JsValue::UNDEFINED, JsValue::from_str)
    }

    // `"open"`, `"reconnecting"` or `"closed"`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> JsValue {
        JsValue::from_str(self.session.state().as_str())
    }

    // Resolves when the session has ended for good.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> Promise {
        self.closed
            .borrow_mut()
            .get_or_insert_with(|| promise(self.session.closed(), |info| close_object(&info)))
            .clone()
    }

    // `call(procedure, args?, kwargs?, options?)`.
    pub fn call(
        &self,
        procedure: JsValue,
        args: JsValue,
        kwargs: JsValue,
        options: JsValue,
    ) -> Promise {
        attempt(|| {
            let procedure = uri(&procedure, "call: procedure")?;
            let payload = payload(&args, &kwargs)?;
            let fields = Fields::new(&options, "options")?;
            let mut call = CallOptions::default();
            if let Some(timeout) = fields
                .number("timeout")?
                .filter(|t| *t > 0.0 && t.is_finite())
            {
                call.wire.timeout_ms = Some(timeout.ceil() as u64);
            }
            call.wire.disclose_me = fields.flag("discloseMe")?;
            call.wire.extra = fields.extra()?;
            call.cancel_mode = cancel_mode(&fields)?;
            if let Some(on_progress) = fields.function("onProgress")? {
                let session = self.session.downgrade();
                call.on_progress = Some(Rc::new(move |result| {
                    if let Err(exception) =
                        on_progress.call1(&JsValue::UNDEFINED, &result_object(&result))
                    {
                        report(&session, exception);
                    }
                }));
            }
            let mut abort = None;
            if let Some(signal) = fields.value("signal") {
                let not_a_signal = || type_error("options.signal must be an AbortSignal");
                if !signal.is_object() {
                    return Err(not_a_signal());
                }
                let signal: AbortSignalLike = signal.unchecked_into();
                let aborted = js_sys::Reflect::get(&signal, &JsValue::from_str("aborted"))
                    .ok()
                    .and_then(|a| a.as_bool())
                    .unwrap_or(false);
                if aborted {
                    let error = WampError::new("wamp.error.canceled", "the call was canceled");
                    return Err(wamp_error(&error, Some(&signal.reason())));
                }
                let token = CancelToken::new();
                call.cancel = Some(token.clone());
                let listener = Closure::<dyn FnMut()>::new(move || token.cancel());
                signal
                    .add_event_listener("abort", listener.as_ref())
                    .map_err(|_| not_a_signal())?;
                abort = Some((signal, listener));
            }
            let reply = self.session.call(&procedure, payload, call);
            Ok(settle_with(reply, move |outcome| {
                let mut cause = None;
                if let Some((signal, listener)) = &abort {
                    let _ = signal.remove_event_listener("abort", listener.as_ref());
                    cause = Some(signal.reason());
                }
                match outcome {
                    Ok(result) => Ok(result_object(&result)),
                    Err(Error::Wamp(error)) if error.uri == "wamp.error.canceled" => Err(
                        wamp_error(&error, cause.as_ref().filter(|c| !c.is_undefined())),
                    ),
                    Err(error) => Err(to_js_error(&error)),
                }
            }))
        })
    }

    // `register(procedure, handler, options?)`.
    pub fn register(&self, procedure: JsValue, handler: JsValue, options: JsValue) -> Promise {
        attempt(|| {
            let procedure = uri(&procedure, "register: procedure")?;
            let handler: Function = handler
                .dyn_into()
                .map_err(|_| type_error("register: handler must be a function"))?;
            let options = register_options(&options)?;
            let reply = self
                .session
                .register(&procedure, options, invocation_handler(handler));
            Ok(promise(reply, |registration| {
                JsRegistration { registration }.into()
            }))
        })
    }

    // `subscribe(topic, handler, options?)`.
    pub fn subscribe(&self, topic: JsValue, handler: JsValue, options: JsValue) -> Promise {
        attempt(|| {
            let topic = uri(&topic, "subscribe: topic")?;
            let handler: Function = handler
                .dyn_into()
                .map_err(|_| type_error("subscribe: handler must be a function"))?;
            let options = subscribe_options(&options)?;
            let handler = event_handler(self.session.downgrade(), handler);
            let reply = self.session.subscribe(&topic, options, handler);
            Ok(promise(reply, |subscription| {
                JsSubscription { subscription }.into()
            }))
        })
    }

    // `publish(topic, args?, kwargs?, options?)`.
    pub fn publish(
        &self,
        topic: JsValue,
        args: JsValue,
        kwargs: JsValue,
        options: JsValue,
    ) -> Promise {
        attempt(|| {
            let topic = uri(&topic, "publish: topic")?;
            let payload = payload(&args, &kwargs)?;
            let options = publish_options(&options)?;
            let reply = self.session.publish(&topic, payload, options);
            let to_js = |publication: Option<wamp_proto::Id>| {
                publication.map_or(JsValue::UNDEFINED, |id| JsValue::from_f64(id.get() as f64))
            };
            // Without acknowledge the answer is there already: no executor, no callbacks.
            if let Some(outcome) = reply.take_ready() {
                return Ok(settled_promise(
                    outcome.map(to_js).map_err(|error| to_js_error(&error)),
                ));
            }
            Ok(promise(reply, to_js))
        })
    }

    // `leave(reason?)`.
    pub fn leave(&self, reason: JsValue) -> Promise {
        attempt(|| {
            let reason = if reason.is_undefined() || reason.is_null() {
                None
            } else {
                Some(uri(&reason, "leave: reason")?)
            };
            Ok(promise(self.session.leave(reason.as_deref()), |info| {
                close_object(&info)
            }))
        })
    }

    // `on(event, listener)`: returns a function that removes the listener.
    pub fn on(&self, event: String, listener: Function) -> Result<JsValue, JsValue> {
        let kind = event_kind(&event)?;
        self.listeners.borrow_mut().push((kind, listener.clone()));
        let listeners = Rc::downgrade(&self.listeners);
        let remove = move || {
            if let Some(listeners) = listeners.upgrade() {
                remove_listener(&listeners, kind, &listener);
            }
        };
        Ok(Closure::once_into_js(remove))
    }

    // `off(event, listener)`.
    pub fn off(&self, event: String, listener: Function) -> Result<(), JsValue> {
        let kind = event_kind(&event)?;
        remove_listener(&self.listeners, kind, &listener);
        Ok(())
    }
}

fn event_kind(event: &str) -> Result<&'static str, JsValue> {
    EVENTS
        .into_iter()
        .find(|name| *name == event)
        .ok_or_else(|| {
            type_error(&format!(
                "unknown session event {}: use \"open\", \"close\", \"reconnecting\" or \
                 \"error\"",
                Quoted(event)
            ))
        })
}

fn remove_listener(listeners: &Listeners, kind: &str, listener: &Function) {
    let mut listeners = listeners.borrow_mut();
    if let Some(index) = listeners
        .iter()
        .position(|(name, f)| *name == kind && f == listener)
    {
        listeners.remove(index);
    }
}

// A registration (JavaScript class `Registration`).
#[wasm_bindgen(js_name = Registration)]
pub struct JsRegistration {
    registration: Registration,
}

#[wasm_bindgen(js_class = Registration)]
impl JsRegistration {
    // The registration ID, or `null`.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> JsValue {
        id_value(self.registration.id())
    }

    // The procedure URI or pattern.
    #[wasm_bindgen(getter)]
    pub fn procedure(&self) -> JsValue {
        JsValue::from_str(self.registration.procedure())
    }

    // Whether it is in force.
    #[wasm_bindgen(getter)]
    pub fn active(&self) -> bool {
        self.registration.is_active()
    }

    // Ends the registration.
    pub fn unregister(&self) -> Promise {
        promise(self.registration.unregister(), |()| JsValue::UNDEFINED)
    }
}

// A subscription (JavaScript class `Subscription`).
#[wasm_bindgen(js_name = Subscription)]
pub struct JsSubscription {
    subscription: Subscription,
}

#[wasm_bindgen(js_class = Subscription)]
impl JsSubscription {
    // The subscription ID, or `null`.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> JsValue {
        id_value(self.subscription.id())
    }

    // The topic URI or pattern.
    #[wasm_bindgen(getter)]
    pub fn topic(&self) -> JsValue {
        JsValue::from_str(self.subscription.topic())
    }

    // Whether it is in force.
    #[wasm_bindgen(getter)]
    pub fn active(&self) -> bool {
        self.subscription.is_active()
    }

    // Ends the subscription.
    pub fn unsubscribe(&self) -> Promise {
        promise(self.subscription.unsubscribe(), |()| JsValue::UNDEFINED)
    }
}
