//! The codecs against `wamp-proto`'s serializers: same bytes for the same value, same value
//! for the same bytes, and no panic on any input.

use proptest::prelude::*;
use wamp_proto::{Dict, Id, Message, Payload, Serializer, Uri, Value};

use super::{cbor, decode, encode, json, msgpack};

/// Values without floats (whose text or width may differ) and with canonical integers.
fn exact_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<u64>().prop_map(Value::from),
        (-70i64..70).prop_map(Value::Int),
        "\\PC{0,40}".prop_map(Value::Str),
        // Strings starting with NUL are binary in JSON: not a plain string there.
        "[a-z\u{1}-\u{1f}\"\\\\\u{7f}é😀]{0,20}".prop_map(Value::Str),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(4, 64, 20, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..20).prop_map(Value::List),
            proptest::collection::btree_map("[a-z]{0,3}|\\PC{0,5}", inner, 0..20)
                .prop_map(Value::Dict),
        ]
    })
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        Just(0.1),
        Just(1e300),
        Just(-2.5e-300),
        Just(5e-324),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn same_bytes_as_wamp_proto(value in exact_value()) {
        prop_assert_eq!(json::encode(&value), Serializer::Json.encode_value(&value));
        prop_assert_eq!(msgpack::encode(&value), Serializer::MsgPack.encode_value(&value));
        prop_assert_eq!(cbor::encode(&value), Serializer::Cbor.encode_value(&value));
    }

    #[test]
    fn decodes_what_wamp_proto_encodes(value in exact_value()) {
        prop_assert_eq!(json::decode(&Serializer::Json.encode_value(&value))?, value.clone());
        prop_assert_eq!(cbor::decode(&Serializer::Cbor.encode_value(&value))?, value.clone());
        prop_assert_eq!(msgpack::decode(&Serializer::MsgPack.encode_value(&value))?, value);
    }

    #[test]
    fn floats_round_trip(f in float()) {
        let value = Value::List(vec![Value::Float(f)]);
        prop_assert_eq!(json::decode(&json::encode(&value))?, value.clone());
        prop_assert_eq!(Serializer::Json.decode_value(&json::encode(&value))?, value.clone());
        prop_assert_eq!(json::decode(&Serializer::Json.encode_value(&value))?, value.clone());
        prop_assert_eq!(cbor::decode(&cbor::encode(&value))?, value.clone());
        prop_assert_eq!(Serializer::Cbor.decode_value(&cbor::encode(&value))?, value.clone());
        prop_assert_eq!(cbor::decode(&Serializer::Cbor.encode_value(&value))?, value.clone());
        prop_assert_eq!(Serializer::MsgPack.decode_value(&msgpack::encode(&value))?, value.clone());
        prop_assert_eq!(msgpack::decode(&Serializer::MsgPack.encode_value(&value))?, value);
    }

    #[test]
    fn never_panics_and_agrees_on_what_is_valid(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(json::decode(&bytes).ok(), Serializer::Json.decode_value(&bytes).ok());
        prop_assert_eq!(cbor::decode(&bytes).ok(), Serializer::Cbor.decode_value(&bytes).ok());
        prop_assert_eq!(msgpack::decode(&bytes).ok(), Serializer::MsgPack.decode_value(&bytes).ok());
    }

    #[test]
    fn json_text_agrees(text in "[\\[\\]{}\",:0-9.eE+\\- a-z\\\\u]{0,24}") {
        let bytes = text.as_bytes();
        prop_assert_eq!(json::decode(bytes).ok(), Serializer::Json.decode_value(bytes).ok());
    }
}

#[test]
fn messages_round_trip_in_every_serializer() {
    let id = |n| Id::new(n).unwrap_or_else(|| unreachable!());
    let messages = [
        Message::Welcome {
            session: id(9_007_199_254_740_992),
            details: Dict::from([("authid".to_owned(), Value::from("joe"))]),
        },
        Message::Call {
            request: id(7),
            options: Dict::new(),
            procedure: Uri::new("com.example.add"),
            payload: Payload::args(vec![
                Value::Int(2),
                Value::Float(0.5),
                Value::Bytes(vec![0, 255]),
            ]),
        },
    ];
    for serializer in Serializer::ALL {
        for message in &messages {
            let bytes = encode(serializer, message);
            assert_eq!(
                serializer.decode(&bytes).as_ref(),
                Ok(message),
                "{serializer:?}"
            );
            assert_eq!(
                decode(serializer, &serializer.encode(message)).as_ref(),
                Ok(message)
            );
        }
    }
}

#[test]
fn json_details() {
    let value = |text: &str| json::decode(text.as_bytes());
    assert_eq!(
        value(" [1, -0, 18446744073709551615, -9223372036854775808] "),
        Ok(Value::List(vec![
            Value::Int(1),
            Value::Int(0),
            Value::UInt(u64::MAX),
            Value::Int(i64::MIN)
        ]))
    );
    assert_eq!(
        value("18446744073709551616"),
        Ok(Value::Float(18446744073709551616.0))
    );
    assert_eq!(value(r#""\ud83d\ude00\u00e9\/""#), Ok(Value::from("😀é/")));
    assert_eq!(value(r#""\u0000AAE=""#), Ok(Value::Bytes(vec![0, 1])));
    assert!(value(r#""\u0000!!""#).is_err());
    assert!(value(r#""\ud83d""#).is_err());
    assert!(value("01").is_err());
    assert!(value("[1,]").is_err());
    assert!(value("1 2").is_err());
    assert!(value(&"[".repeat(200)).is_err());
    assert_eq!(json::encode(&Value::Float(f64::NAN)), b"null");
}

#[test]
fn msgpack_details() {
    assert_eq!(msgpack::decode(&[0xd0, 0x80]), Ok(Value::Int(-128)));
    assert_eq!(msgpack::decode(&[0xd1, 0xff, 0x7f]), Ok(Value::Int(-129)));
    assert_eq!(
        msgpack::decode(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        Ok(Value::UInt(u64::MAX))
    );
    assert_eq!(
        msgpack::decode(&[0xca, 0x3f, 0xc0, 0, 0]),
        Ok(Value::Float(1.5))
    );
    assert!(msgpack::decode(&[0xa1, 0xff]).is_err());
    assert!(msgpack::decode(&[0x81, 0x01, 0x02]).is_err());
    assert!(msgpack::decode(&[0xd4, 0x01, 0x02]).is_err());
    assert!(msgpack::decode(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_err());
}

#[test]
fn cbor_details() {
    // Half and single floats, indefinite lengths, bignums, undefined.
    assert_eq!(cbor::decode(&[0xf9, 0x3c, 0x00]), Ok(Value::Float(1.0)));
    assert_eq!(
        cbor::decode(&[0xf9, 0x7c, 0x00]),
        Ok(Value::Float(f64::INFINITY))
    );
    assert_eq!(
        cbor::decode(&[0xfa, 0x3f, 0xc0, 0x00, 0x00]),
        Ok(Value::Float(1.5))
    );
    assert_eq!(
        cbor::decode(&[0x9f, 0x01, 0x7f, 0x61, 0x61, 0x61, 0x62, 0xff, 0xff]),
        Ok(Value::List(vec![Value::Int(1), Value::from("ab")]))
    );
    assert_eq!(cbor::decode(&[0xc2, 0x42, 0x01, 0x00]), Ok(Value::Int(256)));
    assert_eq!(cbor::decode(&[0xc3, 0x41, 0x00]), Ok(Value::Int(-1)));
    assert!(cbor::decode(&[0xc2, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    assert_eq!(cbor::decode(&[0xf7]), Ok(Value::Null));
    assert!(cbor::decode(&[0xc0, 0x60]).is_err());
    assert!(cbor::decode(&[0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
    assert!(cbor::decode(&[0xa1, 0x01, 0x02]).is_err());
    assert!(cbor::decode(&[0x01, 0x02]).is_err());
}
