//! Bad input gets the right error, in every serializer.

use wamp_proto::{Dict, MessageType, ProtocolError, Serializer, Value, serializer::MAX_DEPTH};

/// The value in every serializer's encoding.
fn encodings(value: &Value) -> [(Serializer, Vec<u8>); 3] {
    Serializer::ALL.map(|s| (s, s.encode_value(value)))
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn assert_error(value: Value, expected: ProtocolError) {
    for (serializer, bytes) in encodings(&value) {
        assert_eq!(
            serializer.decode(&bytes),
            Err(expected.clone()),
            "{serializer:?} {value:?}"
        );
    }
}

fn is_malformed(result: &Result<impl std::fmt::Debug, ProtocolError>) -> bool {
    matches!(result, Err(ProtocolError::Malformed { .. }))
}

#[test]
fn not_a_list() {
    assert_error(Value::Dict(Dict::new()), ProtocolError::NotAList);
    assert_error(Value::from("HELLO"), ProtocolError::NotAList);
    assert_error(Value::Null, ProtocolError::NotAList);
}

#[test]
fn empty_list() {
    assert_error(list(vec![]), ProtocolError::NotAList);
}

#[test]
fn unknown_code() {
    assert_error(
        list(vec![Value::Int(99)]),
        ProtocolError::UnknownMessageType(99),
    );
    assert_error(
        list(vec![Value::Int(7), Value::Null]),
        ProtocolError::UnknownMessageType(7),
    );
}

#[test]
fn code_not_an_integer() {
    assert_error(
        list(vec![Value::from("1")]),
        ProtocolError::InvalidMessageCode,
    );
    assert_error(
        list(vec![Value::Int(-16)]),
        ProtocolError::InvalidMessageCode,
    );
}

#[test]
fn wrong_length() {
    let expected = |found| ProtocolError::WrongLength {
        message_type: MessageType::Subscribe,
        expected: "4",
        found,
    };
    assert_error(
        list(vec![
            Value::Int(32),
            Value::Int(1),
            Value::Dict(Dict::new()),
        ]),
        expected(3),
    );
    assert_error(
        list(vec![
            Value::Int(32),
            Value::Int(1),
            Value::Dict(Dict::new()),
            "topic".into(),
            list(vec![]),
        ]),
        expected(5),
    );
    let publish_too_long = list(vec![
        Value::Int(16),
        Value::Int(1),
        Value::Dict(Dict::new()),
        "topic".into(),
        list(vec![]),
        Value::Dict(Dict::new()),
        Value::Null,
    ]);
    assert_error(
        publish_too_long,
        ProtocolError::WrongLength {
            message_type: MessageType::Publish,
            expected: "4 to 6",
            found: 7,
        },
    );
}

fn published(request: Value) -> Value {
    list(vec![Value::Int(17), request, Value::Int(1)])
}

#[test]
fn id_out_of_range() {
    let expected = ProtocolError::InvalidField {
        message_type: MessageType::Published,
        field: "PUBLISH.Request|id",
        expected: "an integer in 1..=2^53",
    };
    for bad in [
        Value::Int(0),
        Value::Int(-1),
        Value::Int((1 << 53) + 1),
        Value::UInt(u64::MAX),
        Value::Float(5.0),
        Value::from("5"),
    ] {
        assert_error(published(bad), expected.clone());
    }
    for (serializer, bytes) in encodings(&published(Value::Int(1 << 53))) {
        assert!(serializer.decode(&bytes).is_ok(), "{serializer:?}");
    }
}

#[test]
fn string_where_dict_expected() {
    assert_error(
        list(vec![Value::Int(1), "realm1".into(), "details".into()]),
        ProtocolError::InvalidField {
            message_type: MessageType::Hello,
            field: "Details|dict",
            expected: "a dictionary",
        },
    );
    assert_error(
        list(vec![Value::Int(1), Value::Int(1), Value::Dict(Dict::new())]),
        ProtocolError::InvalidField {
            message_type: MessageType::Hello,
            field: "Realm|uri",
            expected: "a string",
        },
    );
    assert_error(
        list(vec![
            Value::Int(50),
            Value::Int(1),
            Value::Dict(Dict::new()),
            Value::Dict(Dict::new()),
        ]),
        ProtocolError::InvalidField {
            message_type: MessageType::Result,
            field: "Arguments|list",
            expected: "a list",
        },
    );
    assert_error(
        list(vec![
            Value::Int(50),
            Value::Int(1),
            Value::Dict(Dict::new()),
            list(vec![]),
            list(vec![]),
        ]),
        ProtocolError::InvalidField {
            message_type: MessageType::Result,
            field: "ArgumentsKw|dict",
            expected: "a dictionary",
        },
    );
}

/// `depth` lists, one inside the other.
fn nested(depth: usize) -> Value {
    let mut value = Value::Null;
    for _ in 0..depth {
        value = list(vec![value]);
    }
    value
}

/// Runs `f` on a thread with tokio's default worker stack, 2 MiB.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn nesting_limit_is_the_same_everywhere() {
    on_small_stack(|| {
        for (serializer, bytes) in encodings(&nested(MAX_DEPTH)) {
            assert_eq!(
                serializer.decode_value(&bytes),
                Ok(nested(MAX_DEPTH)),
                "{serializer:?}"
            );
        }
        for (serializer, bytes) in encodings(&nested(MAX_DEPTH + 1)) {
            assert!(
                is_malformed(&serializer.decode_value(&bytes)),
                "{serializer:?}"
            );
        }
    });
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    on_small_stack(|| {
        const DEPTH: usize = 100_000;
        let json = "[".repeat(DEPTH);
        let json_closed = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
        let json_maps = "{\"a\":".repeat(DEPTH);
        let inputs: Vec<(Serializer, Vec<u8>)> = vec![
            (Serializer::Json, json.into_bytes()),
            (Serializer::Json, json_closed.into_bytes()),
            (Serializer::Json, json_maps.into_bytes()),
            (Serializer::MsgPack, vec![0x91; DEPTH]),
            (Serializer::MsgPack, [0x81, 0xa1, b'a'].repeat(DEPTH)),
            (
                Serializer::MsgPack,
                [0xdd, 0xff, 0xff, 0xff, 0xff].repeat(DEPTH),
            ),
            (Serializer::Cbor, vec![0x81; DEPTH]),
            (Serializer::Cbor, vec![0x9f; DEPTH]),
            (Serializer::Cbor, [0xa1, 0x61, b'a'].repeat(DEPTH)),
            // Nested tags.
            (Serializer::Cbor, vec![0xc6; DEPTH]),
        ];
        for (serializer, bytes) in inputs {
            assert!(is_malformed(&serializer.decode(&bytes)), "{serializer:?}");
        }
    });
}

#[test]
fn trailing_bytes() {
    let value = list(vec![Value::Int(17), Value::Int(1), Value::Int(2)]);
    for (serializer, mut bytes) in encodings(&value) {
        assert!(serializer.decode(&bytes).is_ok());
        bytes.push(0);
        assert!(is_malformed(&serializer.decode(&bytes)), "{serializer:?}");
        // A second whole message is trailing garbage too.
        let twice = [
            serializer.encode_value(&value),
            serializer.encode_value(&value),
        ]
        .concat();
        assert!(is_malformed(&serializer.decode(&twice)), "{serializer:?}");
    }
    assert!(is_malformed(&Serializer::Json.decode(b"[17,1,2] x")));
    // Trailing whitespace is not garbage in JSON.
    assert!(Serializer::Json.decode(b"[17,1,2] \n").is_ok());
}

#[test]
fn truncated_input() {
    let value = list(vec![
        Value::Int(1),
        "realm1".into(),
        Value::Dict(Dict::new()),
    ]);
    for (serializer, bytes) in encodings(&value) {
        for end in 0..bytes.len() {
            assert!(
                is_malformed(&serializer.decode(&bytes[..end])),
                "{serializer:?} {end}"
            );
        }
    }
}

#[test]
fn invalid_utf8() {
    // "realm1" with its first byte replaced by 0xff.
    let json = b"[1,\"\xffealm1\",{}]";
    assert!(is_malformed(&Serializer::Json.decode(json)));
    let msgpack = [0x93, 0x01, 0xa6, 0xff, b'e', b'a', b'l', b'm', b'1', 0x80];
    assert!(is_malformed(&Serializer::MsgPack.decode(&msgpack)));
    let cbor = [0x83, 0x01, 0x66, 0xff, b'e', b'a', b'l', b'm', b'1', 0xa0];
    assert!(is_malformed(&Serializer::Cbor.decode(&cbor)));
    // Also inside a payload, where MessagePack must not turn it into bytes.
    assert!(is_malformed(
        &Serializer::MsgPack.decode_value(&[0x91, 0xa1, 0xff])
    ));
}

#[test]
fn json_binary_needs_valid_base64() {
    assert!(is_malformed(
        &Serializer::Json.decode_value(br#""\u0000!!!""#)
    ));
    assert!(is_malformed(
        &Serializer::Json.decode_value(br#""\u0000AAH+/w=""#)
    ));
    assert!(is_malformed(
        &Serializer::Json.decode_value(br#""\u0000AAH+/w""#)
    ));
    assert_eq!(
        Serializer::Json.decode_value(br#""\u0000""#),
        Ok(Value::Bytes(vec![]))
    );
    let hello = br#"[1,"\u0000!!!",{}]"#;
    assert!(is_malformed(&Serializer::Json.decode(hello)));
    // A URI that arrives as binary is a field error, not a format error.
    assert!(matches!(
        Serializer::Json.decode(br#"[1,"\u0000AA==",{}]"#),
        Err(ProtocolError::InvalidField {
            field: "Realm|uri",
            ..
        })
    ));
}

#[test]
fn map_keys_must_be_strings() {
    // {1: null} as the HELLO details.
    let msgpack = [0x93, 0x01, 0xa1, b'r', 0x81, 0x01, 0xc0];
    assert!(is_malformed(&Serializer::MsgPack.decode(&msgpack)));
    let cbor = [0x83, 0x01, 0x61, b'r', 0xa1, 0x01, 0xf6];
    assert!(is_malformed(&Serializer::Cbor.decode(&cbor)));
    // Binary keys too.
    assert!(is_malformed(
        &Serializer::MsgPack.decode_value(&[0x81, 0xc4, 0x01, b'a', 0xc0])
    ));
    assert!(is_malformed(
        &Serializer::Cbor.decode_value(&[0xa1, 0x41, b'a', 0xf6])
    ));
}

#[test]
fn integers_beyond_64_bits() {
    // CBOR -2^64, the most negative CBOR integer.
    let cbor = [0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert!(is_malformed(&Serializer::Cbor.decode_value(&cbor)));
    // CBOR bignum 2^64.
    let bignum = [0xc2, 0x49, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];
    assert!(is_malformed(&Serializer::Cbor.decode_value(&bignum)));
    // CBOR -2^63 is i64::MIN.
    let min = [0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert_eq!(
        Serializer::Cbor.decode_value(&min),
        Ok(Value::Int(i64::MIN))
    );
}

#[test]
fn foreign_types_are_rejected() {
    // MessagePack ext and timestamp, and the never-used 0xc1.
    assert!(is_malformed(
        &Serializer::MsgPack.decode_value(&[0xd4, 0x01, 0x00])
    ));
    assert!(is_malformed(
        &Serializer::MsgPack.decode_value(&[0xd6, 0xff, 0, 0, 0, 0])
    ));
    assert!(is_malformed(&Serializer::MsgPack.decode_value(&[0xc1])));
    // CBOR date-time tag, and a simple value that is not false/true/null/undefined.
    assert!(is_malformed(&Serializer::Cbor.decode_value(&[0xc1, 0x00])));
    assert!(is_malformed(&Serializer::Cbor.decode_value(&[0xf0])));
}

#[test]
fn huge_declared_lengths_do_not_allocate() {
    // Array and bin of 4 GiB declared, 5 bytes given.
    assert!(is_malformed(
        &Serializer::MsgPack.decode_value(&[0xdd, 0xff, 0xff, 0xff, 0xff])
    ));
    assert!(is_malformed(
        &Serializer::MsgPack.decode_value(&[0xc6, 0xff, 0xff, 0xff, 0xff])
    ));
    let cbor_array = [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert!(is_malformed(&Serializer::Cbor.decode_value(&cbor_array)));
    let cbor_bytes = [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert!(is_malformed(&Serializer::Cbor.decode_value(&cbor_bytes)));
}

#[test]
fn errors_read_well() {
    let error = Serializer::Json.decode(b"[1,2]").unwrap_err();
    assert_eq!(error.to_string(), "HELLO has 2 elements, expected 3");
    let error = Serializer::Json.decode(b"[99]").unwrap_err();
    assert_eq!(error.to_string(), "unknown message type 99");
    let error = Serializer::Json.decode(b"[").unwrap_err();
    assert!(
        error.to_string().starts_with("malformed JSON data: "),
        "{error}"
    );
}
