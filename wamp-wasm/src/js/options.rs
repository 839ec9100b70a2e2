//! Reading the option objects of the JavaScript API, with a `TypeError` naming the field for
//! anything of the wrong type.

use js_sys::{Array, Function, Reflect};
use std::rc::Rc;
use wamp_proto::client::{
    CancelMode, InvokePolicy, PublishOptions, Quoted, RegisterOptions, SubscribeOptions,
};

use wamp_proto::{Dict, Id, MatchPolicy, Serializer, SessionId};
use wasm_bindgen::{JsCast, JsValue};

use crate::auth::{Auth, Authenticator};
use crate::error::Error;
use crate::options::{ConnectOptions, ReconnectPolicy};
use crate::reply::Reply;

use super::convert::{describe, dict_from_js, dict_to_js};
use super::errors::{convert_error, type_error};
use super::when_settled;

/// A JavaScript exception to reject with.
pub(crate) type Failure = JsValue;

/// The fields of an options object (`undefined` and `null` count as `{}`).
pub(crate) struct Fields {
    /// `None` for `undefined` or `null`: then no field is read from JavaScript at all.
    object: Option<JsValue>,
    what: &'static str,
}

impl Fields {
    pub(crate) fn new(object: &JsValue, what: &'static str) -> Result<Fields, Failure> {
        if object.is_undefined() || object.is_null() {
            return Ok(Fields { object: None, what });
        }
        if !object.is_object() || Array::is_array(object) {
            return Err(type_error(&format!(
                "{what} must be an object, not {}",
                describe(object)
            )));
        }
        Ok(Fields {
            object: Some(object.clone()),
            what,
        })
    }

    /// The field's value; `undefined` when absent.
    pub(crate) fn get(&self, key: &str) -> JsValue {
        match &self.object {
            Some(object) => Reflect::get(object, &JsValue::from_str(key)).unwrap_or_default(),
            None => JsValue::UNDEFINED,
        }
    }

    /// The field's value; `None` when absent, `undefined` or `null`.
    pub(crate) fn value(&self, key: &str) -> Option<JsValue> {
        self.object.as_ref()?;
        let value = self.get(key);
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    fn wrong(&self, key: &str, expected: &str, found: &JsValue) -> Failure {
        type_error(&format!(
            "{}.{key} must be {expected}, not {}",
            self.what,
            describe(found)
        ))
    }

    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, Failure> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        value
            .as_string()
            .map(Some)
            .ok_or_else(|| self.wrong(key, "a string", &value))
    }

    pub(crate) fn required_string(&self, key: &str) -> Result<String, Failure> {
        let value = self.get(key);
        value
            .as_string()
            .ok_or_else(|| self.wrong(key, "a string", &value))
    }

    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, Failure> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        value
            .as_bool()
            .map(Some)
            .ok_or_else(|| self.wrong(key, "a boolean", &value))
    }

    pub(crate) fn flag(&self, key: &str) -> Result<bool, Failure> {
        Ok(self.boolean(key)?.unwrap_or(false))
    }

    /// A number `>= 0` (`Infinity` allowed).
    pub(crate) fn number(&self, key: &str) -> Result<Option<f64>, Failure> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        match value.as_f64() {
            Some(n) if n >= 0.0 => Ok(Some(n)),
            _ => Err(self.wrong(key, "a number >= 0", &value)),
        }
    }

    pub(crate) fn function(&self, key: &str) -> Result<Option<Function>, Failure> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        value
            .dyn_into::<Function>()
            .map(Some)
            .map_err(|value| self.wrong(key, "a function", &value))
    }

    /// Further wire options (`options: {...}`).
    pub(crate) fn extra(&self) -> Result<Dict, Failure> {
        let Some(extra) = self.value("options") else {
            return Ok(Dict::new());
        };
        let what = format!("{}.options", self.what);
        dict_from_js(&extra, &what).map_err(|e| convert_error(&e))
    }

    fn strings(&self, key: &str) -> Result<Option<Vec<String>>, Failure> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        let expected = "an array of strings";
        if !Array::is_array(&value) {
            return Err(self.wrong(key, expected, &value));
        }
        let array: Array = value.unchecked_into();
        array
            .iter()
            .map(|item| {
                item.as_string()
                    .ok_or_else(|| self.wrong(key, expected, &item))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn session_ids(&self, key: &str) -> Result<Option<Vec<SessionId>>, Failure> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        let expected = "an array of session IDs (integers in 1..=2^53)";
        if !Array::is_array(&value) {
            return Err(self.wrong(key, expected, &value));
        }
        let array: Array = value.unchecked_into();
        array
            .iter()
            .map(|item| id_from_js(&item).ok_or_else(|| self.wrong(key, expected, &item)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn match_policy(&self) -> Result<MatchPolicy, Failure> {
        match self.string("match")?.as_deref() {
            None | Some("exact") => Ok(MatchPolicy::Exact),
            Some("prefix") => Ok(MatchPolicy::Prefix),
            Some("wildcard") => Ok(MatchPolicy::Wildcard),
            Some(other) => Err(type_error(&format!(
                "{}.match must be \"exact\", \"prefix\" or \"wildcard\", not {}",
                self.what,
                Quoted(other)
            ))),
        }
    }
}

/// A session ID from a number or BigInt.
pub(crate) fn id_from_js(value: &JsValue) -> Option<Id> {
    let n = if let Some(n) = value.as_f64() {
        (n.fract() == 0.0 && (1.0..=9_007_199_254_740_992.0).contains(&n)).then_some(n as u64)?
    } else {
        u64::try_from(value.clone()).ok()?
    };
    Id::new(n)
}

/// `connect(options)`.
pub(crate) fn connect_options(value: &JsValue) -> Result<ConnectOptions, Failure> {
    if value.is_undefined() || value.is_null() {
        return Err(type_error("connect needs options: { url, realm, ... }"));
    }
    let fields = Fields::new(value, "options")?;
    let url = fields.required_string("url")?;
    let realm = fields.required_string("realm")?;
    let mut options = ConnectOptions::new(url, realm);
    options.serializer = match fields.string("serializer")?.as_deref() {
        None | Some("json") => Serializer::Json,
        Some("msgpack") => Serializer::MsgPack,
        Some("cbor") => Serializer::Cbor,
        Some(other) => {
            return Err(type_error(&format!(
                "options.serializer must be \"json\", \"msgpack\" or \"cbor\", not {}",
                Quoted(other)
            )));
        }
    };
    options.batched = fields.boolean("batched")?;
    read_auth(&fields.get("auth"), &mut options)?;
    options.reconnect = reconnect_policy(&fields.get("reconnect"))?;
    options.websocket = fields.function("WebSocket")?;
    if let Some(timeout) = fields.number("timeout")? {
        options.timeout_ms = timeout.min(f64::from(u32::MAX)) as u32;
    }
    if let Some(agent) = fields.string("agent")? {
        options.agent = agent;
    }
    Ok(options)
}

/// `options.auth` as the npm package's `auth.js` prepared it (checked there, with WebCrypto
/// doing the math): `{ method, authid?, authextra?, respond? }`.
fn read_auth(value: &JsValue, options: &mut ConnectOptions) -> Result<(), Failure> {
    if value.is_undefined() || value.is_null() {
        return Ok(());
    }
    let auth = Fields::new(value, "options.auth")?;
    let method = auth.required_string("method")?;
    options.authid = auth.string("authid")?;
    if let Some(respond) = auth.function("respond")? {
        let authextra = dict_from_js(&auth.get("authextra"), "options.auth.authextra")
            .map_err(|e| convert_error(&e))?;
        options.auth = Some(Auth(Rc::new(JsAuthenticator {
            method,
            authextra,
            respond,
        })));
    }
    Ok(())
}

/// Answers a `CHALLENGE` with a JavaScript function that returns a promise of the signature.
struct JsAuthenticator {
    method: String,
    authextra: Dict,
    respond: Function,
}

impl Authenticator for JsAuthenticator {
    fn auth_method(&self) -> String {
        self.method.clone()
    }

    fn hello_authextra(&self) -> Dict {
        self.authextra.clone()
    }

    fn respond(&self, auth_method: &str, extra: &Dict) -> Reply<String> {
        let (completer, reply) = Reply::pair();
        let answer = self.respond.call2(
            &JsValue::UNDEFINED,
            &JsValue::from_str(auth_method),
            &dict_to_js(extra),
        );
        match answer {
            Ok(promise) => when_settled(&promise, move |outcome| {
                completer.complete(match outcome {
                    Ok(signature) => signature.as_string().ok_or_else(|| {
                        Error::InvalidArgument("the signature is not a string".to_owned())
                    }),
                    Err(exception) => Err(Error::Js(exception)),
                });
            }),
            Err(exception) => completer.complete(Err(Error::Js(exception))),
        }
        reply
    }
}

fn reconnect_policy(value: &JsValue) -> Result<Option<ReconnectPolicy>, Failure> {
    if value.is_undefined() || value.is_null() {
        return Ok(Some(ReconnectPolicy::default()));
    }
    if let Some(enabled) = value.as_bool() {
        return Ok(enabled.then(ReconnectPolicy::default));
    }
    let fields = Fields::new(value, "options.reconnect")?;
    if fields.boolean("enabled")? == Some(false) {
        return Ok(None);
    }
    let mut policy = ReconnectPolicy::default();
    if let Some(delay) = fields.number("initialDelay")? {
        policy.initial_delay_ms = delay;
    }
    if let Some(delay) = fields.number("maxDelay")? {
        policy.max_delay_ms = delay;
    }
    if let Some(multiplier) = fields.number("multiplier")? {
        policy.multiplier = multiplier;
    }
    if let Some(jitter) = fields.number("jitter")? {
        policy.jitter = jitter.min(1.0);
    }
    if let Some(retries) = fields.number("maxRetries")? {
        policy.max_retries = retries
            .is_finite()
            .then(|| retries.min(f64::from(u32::MAX)) as u32);
    }
    Ok(Some(policy))
}

/// `register(.., options)`.
pub(crate) fn register_options(value: &JsValue) -> Result<RegisterOptions, Failure> {
    let fields = Fields::new(value, "options")?;
    let invoke = match fields.string("invoke")? {
        None => InvokePolicy::Single,
        Some(name) => InvokePolicy::from_option(&name).ok_or_else(|| {
            type_error(&format!(
                "options.invoke must be \"single\", \"roundrobin\", \"random\", \"first\" or \
                 \"last\", not {}",
                Quoted(&name)
            ))
        })?,
    };
    let mut options = RegisterOptions::default()
        .match_policy(fields.match_policy()?)
        .invoke(invoke)
        .disclose_caller(fields.flag("discloseCaller")?);
    options.extra = fields.extra()?;
    Ok(options)
}

/// `subscribe(.., options)`.
pub(crate) fn subscribe_options(value: &JsValue) -> Result<SubscribeOptions, Failure> {
    let fields = Fields::new(value, "options")?;
    let mut options = SubscribeOptions::default()
        .match_policy(fields.match_policy()?)
        .get_retained(fields.flag("getRetained")?);
    options.extra = fields.extra()?;
    Ok(options)
}

/// `publish(.., options)`.
pub(crate) fn publish_options(value: &JsValue) -> Result<PublishOptions, Failure> {
    let fields = Fields::new(value, "options")?;
    let mut options = PublishOptions::default()
        .acknowledge(fields.flag("acknowledge")?)
        .exclude_me(fields.boolean("excludeMe")?.unwrap_or(true))
        .disclose_me(fields.flag("discloseMe")?)
        .retain(fields.flag("retain")?);
    options.eligible = fields.session_ids("eligible")?;
    options.eligible_authid = fields.strings("eligibleAuthid")?;
    options.eligible_authrole = fields.strings("eligibleAuthrole")?;
    options.exclude = fields.session_ids("exclude")?.unwrap_or_default();
    options.exclude_authid = fields.strings("excludeAuthid")?.unwrap_or_default();
    options.exclude_authrole = fields.strings("excludeAuthrole")?.unwrap_or_default();
    options.extra = fields.extra()?;
    Ok(options)
}

/// `cancelMode` of `call(.., options)`.
pub(crate) fn cancel_mode(fields: &Fields) -> Result<CancelMode, Failure> {
    match fields.string("cancelMode")? {
        None => Ok(CancelMode::Kill),
        Some(name) => CancelMode::from_option(&name).ok_or_else(|| {
            type_error(&format!(
                "options.cancelMode must be \"kill\", \"killnowait\" or \"skip\", not {}",
                Quoted(&name)
            ))
        }),
    }
}
