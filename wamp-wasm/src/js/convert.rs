//! Payload values between JavaScript and WAMP ([`Value`]).
//!
//! JavaScript to WAMP (what the application sends), like `JSON.stringify` but exact and
//! strict:
//! - `null`, `undefined` → null (object properties that are `undefined` are left out);
//! - numbers: integers up to ±2^53 → integers, others → floats; `BigInt` → a 64-bit
//!   integer (signed or unsigned), `RangeError` beyond;
//! - `Uint8Array`, `ArrayBuffer` and other views of bytes → binary;
//! - arrays → lists; objects → dictionaries of their own enumerable properties; an object
//!   with `toJSON()` (e.g. `Date`) → what that returns;
//! - functions, symbols, promises, `Map`, `Set` and nesting deeper than
//!   [`MAX_DEPTH`](wamp_proto::serializer::MAX_DEPTH) (a cycle) → `TypeError`, naming where.
//!
//! WAMP to JavaScript (what arrives): integers within ±2^53 → numbers, beyond → `BigInt`;
//! binary → `Uint8Array`; dictionaries → plain objects (built with `Object.fromEntries`, so a
//! key `__proto__` is an ordinary property).

use js_sys::{Array, ArrayBuffer, BigInt, Function, Object, Reflect, Uint8Array};
use wamp_proto::client::Quoted;
use wamp_proto::serializer::MAX_DEPTH;
use wamp_proto::{Dict, List, Value};
use wasm_bindgen::{JsCast, JsValue};

/// The largest integer magnitude that travels as a JavaScript number (IDs go up to 2^53).
const MAX_SAFE: u64 = 1 << 53;

/// Why a JavaScript value cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    /// What is wrong, and where (e.g. ``args[1].callback: a function cannot be sent``).
    pub message: String,
    /// A number out of range (a `RangeError` in JavaScript) rather than a wrong type.
    pub out_of_range: bool,
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConvertError {}

/// A JavaScript value as a WAMP value.
///
/// # Errors
/// [`ConvertError`] for what cannot be sent (see the module documentation).
pub fn from_js(value: &JsValue) -> Result<Value, ConvertError> {
    Walker::new("value").value(value, 0)
}

/// A JavaScript value as a WAMP value; `what` names it in error messages.
pub(crate) fn value_from_js(value: &JsValue, what: &str) -> Result<Value, ConvertError> {
    Walker::new(what).value(value, 0)
}

/// A WAMP value as a JavaScript value.
pub fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Int(i) if i.unsigned_abs() <= MAX_SAFE => JsValue::from_f64(*i as f64),
        Value::Int(i) => BigInt::from(*i).into(),
        Value::UInt(u) => BigInt::from(*u).into(),
        Value::Float(f) => JsValue::from_f64(*f),
        Value::Str(s) => JsValue::from_str(s),
        Value::Bytes(bytes) => Uint8Array::from(bytes.as_slice()).into(),
        Value::List(list) => list_to_js(list).into(),
        Value::Dict(dict) => dict_to_js(dict).into(),
    }
}

/// A list as a JavaScript array.
pub(crate) fn list_to_js(list: &List) -> Array {
    list.iter().map(to_js).collect()
}

/// A dictionary as a plain JavaScript object.
pub(crate) fn dict_to_js(dict: &Dict) -> Object {
    if dict.is_empty() {
        return Object::new();
    }
    let entries: Array = dict
        .iter()
        .map(|(key, value)| Array::of2(&JsValue::from_str(key), &to_js(value)))
        .collect();
    Object::from_entries(&entries).unwrap_or_default()
}

/// Positional arguments: an array, or `null`/`undefined` for none.
pub(crate) fn list_from_js(value: &JsValue, what: &str) -> Result<List, ConvertError> {
    if Array::is_array(value) {
        return Walker::new(what).list(value.unchecked_ref(), 0);
    }
    if value.is_null() || value.is_undefined() {
        return Ok(List::new());
    }
    Err(ConvertError::type_error(format!(
        "{what} must be an array (or null or undefined), not {}",
        describe(value)
    )))
}

/// Keyword arguments or options: a plain object, or `null`/`undefined` for none.
pub(crate) fn dict_from_js(value: &JsValue, what: &str) -> Result<Dict, ConvertError> {
    if value.is_null() || value.is_undefined() {
        return Ok(Dict::new());
    }
    if !value.is_object() || Array::is_array(value) || value.is_function() {
        return Err(ConvertError::type_error(format!(
            "{what} must be an object (or null or undefined), not {}",
            describe(value)
        )));
    }
    match Walker::new(what).value(value, 0)? {
        Value::Dict(dict) => Ok(dict),
        _ => Err(ConvertError::type_error(format!(
            "{what} must be a plain object"
        ))),
    }
}

impl ConvertError {
    fn type_error(message: String) -> Self {
        ConvertError {
            message,
            out_of_range: false,
        }
    }
}

enum Segment {
    Index(u32),
    Key(String),
}

/// Walks a value, remembering the path for error messages.
struct Walker {
    root: String,
    path: Vec<Segment>,
}

impl Walker {
    fn new(root: &str) -> Self {
        Walker {
            root: root.to_owned(),
            path: Vec::new(),
        }
    }

    fn error(&self, problem: &str, out_of_range: bool) -> ConvertError {
        let mut at = self.root.clone();
        for segment in &self.path {
            match segment {
                Segment::Index(index) => at.push_str(&format!("[{index}]")),
                Segment::Key(key) if is_identifier(key) => {
                    at.push('.');
                    at.push_str(key);
                }
                Segment::Key(key) => at.push_str(&format!("[{}]", Quoted(key))),
            }
        }
        ConvertError {
            message: format!("{at}: {problem}"),
            out_of_range,
        }
    }

    /// The items of an array, itself at `depth`.
    fn list(&mut self, array: &Array, depth: usize) -> Result<List, ConvertError> {
        let length = array.length();
        let mut list = List::with_capacity(length as usize);
        for index in 0..length {
            self.path.push(Segment::Index(index));
            list.push(self.value(&array.get(index), depth + 1)?);
            self.path.pop();
        }
        Ok(list)
    }

    fn value(&mut self, value: &JsValue, depth: usize) -> Result<Value, ConvertError> {
        // The common kinds first: each test is a call into JavaScript.
        if let Some(n) = value.as_f64() {
            return Ok(number(n));
        }
        if let Some(s) = value.as_string() {
            return Ok(Value::Str(s));
        }
        if value.is_null() || value.is_undefined() {
            return Ok(Value::Null);
        }
        if let Some(b) = value.as_bool() {
            return Ok(Value::Bool(b));
        }
        if value.is_bigint() {
            if let Ok(i) = i64::try_from(value.clone()) {
                return Ok(Value::Int(i));
            }
            if let Ok(u) = u64::try_from(value.clone()) {
                return Ok(Value::from(u));
            }
            return Err(self.error(
                "a BigInt beyond 64 bits cannot be sent (WAMP integers are signed or unsigned 64-bit)",
                true,
            ));
        }
        if value.is_symbol() {
            return Err(self.error("a symbol cannot be sent", false));
        }
        if value.is_function() {
            return Err(self.error("a function cannot be sent", false));
        }
        if depth >= MAX_DEPTH {
            return Err(self.error(
                &format!("nested more than {MAX_DEPTH} levels deep (is there a cycle?)"),
                false,
            ));
        }
        if Array::is_array(value) {
            return Ok(Value::List(self.list(value.unchecked_ref(), depth)?));
        }
        if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
            return Ok(Value::Bytes(bytes.to_vec()));
        }
        if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
            return Ok(Value::Bytes(Uint8Array::new(buffer).to_vec()));
        }
        if ArrayBuffer::is_view(value) {
            let field = |name: &str| Reflect::get(value, &JsValue::from_str(name)).ok();
            let buffer = field("buffer").and_then(|b| b.dyn_into::<ArrayBuffer>().ok());
            let offset = field("byteOffset").and_then(|n| n.as_f64());
            let length = field("byteLength").and_then(|n| n.as_f64());
            if let (Some(buffer), Some(offset), Some(length)) = (buffer, offset, length) {
                let view = Uint8Array::new_with_byte_offset_and_length(
                    &buffer,
                    offset as u32,
                    length as u32,
                );
                return Ok(Value::Bytes(view.to_vec()));
            }
        }
        if value.is_instance_of::<js_sys::Promise>() {
            return Err(self.error("a Promise cannot be sent (is an `await` missing?)", false));
        }
        if value.is_instance_of::<js_sys::Map>() || value.is_instance_of::<js_sys::Set>() {
            return Err(self.error(
                "a Map or Set cannot be sent (convert it to an object or an array first)",
                false,
            ));
        }
        if !value.is_object() {
            return Err(self.error(&format!("{} cannot be sent", describe(value)), false));
        }
        let to_json = Reflect::get(value, &JsValue::from_str("toJSON")).unwrap_or_default();
        if let Some(to_json) = to_json.dyn_ref::<Function>() {
            let json = to_json
                .call0(value)
                .map_err(|_| self.error("its toJSON() threw", false))?;
            return self.value(&json, depth + 1);
        }
        let object: &Object = value.unchecked_ref();
        let mut dict = Dict::new();
        for key in Object::keys(object) {
            let Some(key) = key.as_string() else {
                continue;
            };
            let item = Reflect::get(value, &JsValue::from_str(&key)).unwrap_or_default();
            if item.is_undefined() {
                continue;
            }
            self.path.push(Segment::Key(key));
            let converted = self.value(&item, depth + 1)?;
            let Some(Segment::Key(key)) = self.path.pop() else {
                continue;
            };
            dict.insert(key, converted);
        }
        Ok(Value::Dict(dict))
    }
}

/// A JavaScript number: an integer when it is one within ±2^53, else a float.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE as f64 {
        Value::Int(n as i64)
    } else {
        Value::Float(n)
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A short description of a value's type for error messages: "a string", "a function", ...
pub(crate) fn describe(value: &JsValue) -> String {
    let kind = if value.is_null() {
        "null"
    } else if value.is_undefined() {
        "undefined"
    } else if Array::is_array(value) {
        "an array"
    } else if value.is_function() {
        "a function"
    } else if value.is_string() {
        "a string"
    } else if value.as_f64().is_some() {
        "a number"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.is_bigint() {
        "a BigInt"
    } else if value.is_symbol() {
        "a symbol"
    } else {
        "an object"
    };
    kind.to_owned()
}
