//! Values at the edges of their ranges, in every serializer.

use wamp_proto::{Dict, Serializer, Value};

fn roundtrip(value: Value) {
    for serializer in Serializer::ALL {
        let bytes = serializer.encode_value(&value);
        assert_eq!(
            serializer.decode_value(&bytes),
            Ok(value.clone()),
            "{serializer:?}"
        );
    }
}

#[test]
fn integers() {
    for i in [
        i64::MIN,
        i64::MIN + 1,
        -(1 << 53),
        -129,
        -128,
        -33,
        -32,
        -1,
        0,
        1,
        23,
        24,
        127,
        128,
        255,
        256,
    ] {
        roundtrip(Value::Int(i));
    }
    for i in [65535, 65536, 1 << 32, 1 << 53, (1 << 53) + 1, i64::MAX] {
        roundtrip(Value::Int(i));
    }
    for u in [i64::MAX as u64 + 1, u64::MAX] {
        roundtrip(Value::UInt(u));
    }
}

#[test]
fn integers_decode_canonically() {
    // u64 encodings of small numbers decode as Int.
    assert_eq!(
        Serializer::MsgPack.decode_value(&[0xcf, 0, 0, 0, 0, 0, 0, 0, 5]),
        Ok(Value::Int(5))
    );
    assert_eq!(
        Serializer::Cbor.decode_value(&[0x1b, 0, 0, 0, 0, 0, 0, 0, 5]),
        Ok(Value::Int(5))
    );
    assert_eq!(
        Serializer::Json.decode_value(b"9223372036854775807"),
        Ok(Value::Int(i64::MAX))
    );
    assert_eq!(
        Serializer::Json.decode_value(b"9223372036854775808"),
        Ok(Value::UInt(i64::MAX as u64 + 1))
    );
    // Encoders take the non-canonical form too, and the decoder makes it canonical.
    for serializer in Serializer::ALL {
        let bytes = serializer.encode_value(&Value::UInt(7));
        assert_eq!(
            serializer.decode_value(&bytes),
            Ok(Value::Int(7)),
            "{serializer:?}"
        );
    }
}

#[test]
fn floats() {
    for f in [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        0.1,
        1.5e-300,
        1e300,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        65504.0,
        1e16,
    ] {
        roundtrip(Value::Float(f));
    }
    // Whole floats stay floats, including in JSON.
    assert_eq!(Serializer::Json.encode_value(&Value::Float(1.0)), b"1.0");
    assert_eq!(Serializer::Json.decode_value(b"1.0"), Ok(Value::Float(1.0)));
    assert_eq!(
        Serializer::Json.decode_value(b"1e2"),
        Ok(Value::Float(100.0))
    );
    assert_eq!(Serializer::Json.decode_value(b"1"), Ok(Value::Int(1)));
}

#[test]
fn non_finite_floats() {
    // JSON cannot write them: null.
    for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(Serializer::Json.encode_value(&Value::Float(f)), b"null");
    }
    // The binary formats keep them.
    for serializer in [Serializer::MsgPack, Serializer::Cbor] {
        for f in [f64::INFINITY, f64::NEG_INFINITY] {
            let bytes = serializer.encode_value(&Value::Float(f));
            assert_eq!(serializer.decode_value(&bytes), Ok(Value::Float(f)));
        }
        let bytes = serializer.encode_value(&Value::Float(f64::NAN));
        assert!(matches!(serializer.decode_value(&bytes), Ok(Value::Float(f)) if f.is_nan()));
    }
}

#[test]
fn strings() {
    for s in [
        "",
        "a",
        "ünïcödé",
        "日本語",
        "🦀 emoji",
        "a\0b",
        "quote \" and \\ backslash",
        "\u{7f}\u{1}\n\t",
    ] {
        roundtrip(Value::from(s));
    }
    roundtrip(Value::Str("x".repeat(70_000)));
}

#[test]
fn bytes() {
    roundtrip(Value::Bytes(vec![]));
    roundtrip(Value::Bytes(vec![0]));
    roundtrip(Value::Bytes((0..=255).collect()));
    roundtrip(Value::Bytes(
        (0..200_000).map(|i| (i * 7 % 256) as u8).collect(),
    ));
    assert_eq!(
        Serializer::Json.encode_value(&Value::Bytes(vec![])),
        br#""\u0000""#
    );
    assert_eq!(
        Serializer::Json.encode_value(&Value::Bytes(b"hi".to_vec())),
        br#""\u0000aGk=""#
    );
}

#[test]
fn containers() {
    roundtrip(Value::List(vec![]));
    roundtrip(Value::Dict(Dict::new()));
    let dict: Dict = (0..100)
        .map(|i| (format!("key{i}"), Value::Int(i)))
        .collect();
    roundtrip(Value::List(vec![
        Value::Dict(dict),
        Value::List((0..70_000).map(Value::from).collect()),
    ]));
    // Keys that look like JSON binary stay strings: only values carry binary.
    roundtrip(Value::Dict(Dict::from([(
        "\0AA==".to_owned(),
        Value::Null,
    )])));
}

#[test]
fn duplicate_keys_keep_the_last_value() {
    assert_eq!(
        Serializer::Json.decode_value(br#"{"a":1,"a":2}"#),
        Ok(Value::Dict(Dict::from([("a".to_owned(), Value::Int(2))])))
    );
}
