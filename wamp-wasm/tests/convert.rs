//! Values between JavaScript and WAMP, in a real browser (wasm-bindgen-test in Chromium).
#![cfg(all(target_arch = "wasm32", feature = "js"))]
// `wasm_bindgen_test` functions are tests, but clippy's `allow-unwrap-in-tests` does not know.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use js_sys::{Array, BigInt, Object, Reflect, Uint8Array};
use wamp_proto::{Dict, Value};
use wamp_wasm::{from_js, to_js};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const TWO_53: i64 = 1 << 53;

fn js(source: &str) -> JsValue {
    // Test input written as JavaScript: `eval` is fine here.
    js_sys::eval(source).unwrap_or_else(|e| panic!("{source}: {e:?}"))
}

fn field(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap()
}

#[wasm_bindgen_test]
fn scalars_from_javascript() {
    assert_eq!(from_js(&JsValue::NULL), Ok(Value::Null));
    assert_eq!(from_js(&JsValue::UNDEFINED), Ok(Value::Null));
    assert_eq!(from_js(&JsValue::TRUE), Ok(Value::Bool(true)));
    assert_eq!(from_js(&JsValue::from_f64(42.0)), Ok(Value::Int(42)));
    assert_eq!(from_js(&JsValue::from_f64(-0.0)), Ok(Value::Int(0)));
    assert_eq!(from_js(&JsValue::from_f64(1.5)), Ok(Value::Float(1.5)));
    assert_eq!(from_js(&js("2 ** 53")), Ok(Value::Int(TWO_53)));
    assert_eq!(from_js(&js("-(2 ** 53)")), Ok(Value::Int(-TWO_53)));
    assert_eq!(
        from_js(&js("2 ** 53 + 2")),
        Ok(Value::Float(9007199254740994.0))
    );
    assert!(matches!(from_js(&js("NaN")), Ok(Value::Float(f)) if f.is_nan()));
    assert_eq!(
        from_js(&JsValue::from_str("héllo")),
        Ok(Value::from("héllo"))
    );
}

#[wasm_bindgen_test]
fn bigints_from_javascript() {
    assert_eq!(from_js(&js("5n")), Ok(Value::Int(5)));
    assert_eq!(from_js(&js("-(2n ** 63n)")), Ok(Value::Int(i64::MIN)));
    assert_eq!(from_js(&js("2n ** 64n - 1n")), Ok(Value::UInt(u64::MAX)));
    assert_eq!(from_js(&js("2n ** 63n")), Ok(Value::UInt(1 << 63)));
    let too_big = from_js(&js("[1, 2n ** 64n]")).unwrap_err();
    assert!(too_big.out_of_range);
    assert!(
        too_big
            .message
            .starts_with("value[1]: a BigInt beyond 64 bits"),
        "{}",
        too_big.message
    );
    assert!(from_js(&js("-(2n ** 63n) - 1n")).unwrap_err().out_of_range);
}

#[wasm_bindgen_test]
fn containers_and_bytes_from_javascript() {
    let value = from_js(&js(
        "({ list: [1, 'a', null, undefined], nested: { x: true }, skipped: undefined, \
          bytes: new Uint8Array([1, 2, 255]), buffer: new Uint8Array([7, 8]).buffer, \
          view: new Uint16Array([258]), date: new Date(0) })",
    ))
    .unwrap();
    let Value::Dict(dict) = value else {
        panic!("not a dict")
    };
    assert_eq!(
        dict.get("list"),
        Some(&Value::List(vec![
            Value::Int(1),
            Value::from("a"),
            Value::Null,
            Value::Null
        ]))
    );
    assert_eq!(
        dict.get("nested"),
        Some(&Value::Dict(Dict::from([(
            "x".to_owned(),
            Value::Bool(true)
        )])))
    );
    assert!(!dict.contains_key("skipped"));
    assert_eq!(dict.get("bytes"), Some(&Value::Bytes(vec![1, 2, 255])));
    assert_eq!(dict.get("buffer"), Some(&Value::Bytes(vec![7, 8])));
    assert_eq!(dict.get("view"), Some(&Value::Bytes(vec![2, 1])));
    assert_eq!(
        dict.get("date"),
        Some(&Value::from("1970-01-01T00:00:00.000Z"))
    );
}

#[wasm_bindgen_test]
fn what_cannot_be_sent_is_named() {
    let message = |source: &str| from_js(&js(source)).unwrap_err().message;
    assert_eq!(
        message("({ a: [0, () => 1] })"),
        "value.a[1]: a function cannot be sent"
    );
    assert_eq!(
        message("[Symbol('s')]"),
        "value[0]: a symbol cannot be sent"
    );
    assert!(message("[new Map()]").contains("a Map or Set cannot be sent"));
    assert!(message("[Promise.resolve(1)]").contains("is an `await` missing?"));
    assert!(message("({ 'a b': { f() {} } })").starts_with("value[\"a b\"].f: a function"));
    assert!(message("(() => { const a = []; a.push(a); return a; })()").contains("cycle"));
}

#[wasm_bindgen_test]
fn values_to_javascript() {
    assert!(to_js(&Value::Null).is_null());
    assert_eq!(to_js(&Value::Int(TWO_53)).as_f64(), Some(TWO_53 as f64));
    assert_eq!(to_js(&Value::Int(-TWO_53)).as_f64(), Some(-TWO_53 as f64));
    let big = to_js(&Value::Int(TWO_53 + 1));
    assert!(big.is_bigint());
    assert_eq!(big, JsValue::from(BigInt::from(TWO_53 + 1)));
    assert_eq!(
        to_js(&Value::UInt(u64::MAX)),
        JsValue::from(BigInt::from(u64::MAX))
    );
    let bytes = to_js(&Value::Bytes(vec![1, 2, 3]));
    assert_eq!(
        bytes.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec),
        Some(vec![1, 2, 3])
    );
    let list = to_js(&Value::List(vec![Value::from("a"), Value::Float(0.5)]));
    assert!(Array::is_array(&list));
    assert_eq!(Array::from(&list).get(1).as_f64(), Some(0.5));
}

#[wasm_bindgen_test]
fn dictionaries_become_plain_objects() {
    let dict = Dict::from([
        ("__proto__".to_owned(), Value::Int(1)),
        ("constructor".to_owned(), Value::from("c")),
    ]);
    let object = to_js(&Value::Dict(dict));
    // An own property, not the prototype.
    let object: &Object = object.unchecked_ref();
    assert_eq!(Object::keys(object).length(), 2);
    assert_eq!(
        field(object, "constructor").as_string().as_deref(),
        Some("c")
    );
    let own = Object::get_own_property_descriptor(object, &JsValue::from_str("__proto__"));
    assert_eq!(field(&own, "value").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
fn round_trips() {
    let values = [
        Value::Null,
        Value::Bool(false),
        Value::Int(-7),
        Value::Int(i64::MAX),
        Value::Int(i64::MIN),
        Value::UInt(u64::MAX),
        Value::Float(-2.25),
        Value::from("ünïcödé 😀"),
        Value::Bytes((0..=255).collect()),
        Value::List(vec![Value::List(vec![]), Value::Dict(Dict::new())]),
        Value::Dict(Dict::from([(
            "k".to_owned(),
            Value::List(vec![Value::Int(1)]),
        )])),
    ];
    for value in values {
        assert_eq!(from_js(&to_js(&value)), Ok(value.clone()), "{value:?}");
    }
}
