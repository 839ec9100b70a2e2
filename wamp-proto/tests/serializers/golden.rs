//! Golden bytes, written by hand from the JSON, MessagePack and CBOR specs: each message must
//! encode to exactly these bytes, and these bytes must decode to the message.

use wamp_proto::{Dict, Id, Message, MessageType, Payload, Serializer, Uri, Value};

struct Golden {
    message: Message,
    json: &'static str,
    msgpack: &'static str,
    cbor: &'static str,
}

fn id(n: u64) -> Id {
    Id::new(n).unwrap()
}

fn dict<const N: usize>(entries: [(&str, Value); N]) -> Dict {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

/// `"aa bb cc"` to bytes.
fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).unwrap())
        .collect()
}

fn goldens() -> Vec<Golden> {
    vec![
        Golden {
            message: Message::Hello {
                realm: Uri::new("realm1"),
                details: dict([(
                    "roles",
                    Value::Dict(dict([("caller", Value::Dict(Dict::new()))])),
                )]),
            },
            json: r#"[1,"realm1",{"roles":{"caller":{}}}]"#,
            msgpack: "93 01 a6 72 65 61 6c 6d 31 81 a5 72 6f 6c 65 73 81 a6 63 61 6c 6c 65 72 80",
            cbor: "83 01 66 72 65 61 6c 6d 31 a1 65 72 6f 6c 65 73 a1 66 63 61 6c 6c 65 72 a0",
        },
        Golden {
            message: Message::Call {
                request: id(7),
                options: Dict::new(),
                procedure: Uri::new("com.myapp.add"),
                payload: Payload {
                    args: vec![
                        Value::Int(-1),
                        Value::Int(300),
                        Value::Float(1.5),
                        Value::Null,
                    ],
                    kwargs: dict([("k", Value::Bool(true))]),
                },
            },
            json: r#"[48,7,{},"com.myapp.add",[-1,300,1.5,null],{"k":true}]"#,
            msgpack: "96 30 07 80 ad 63 6f 6d 2e 6d 79 61 70 70 2e 61 64 64 \
                      94 ff cd 01 2c cb 3f f8 00 00 00 00 00 00 c0 81 a1 6b c3",
            // 1.5 is written in the shortest float that holds it exactly (half precision).
            cbor: "86 18 30 07 a0 6d 63 6f 6d 2e 6d 79 61 70 70 2e 61 64 64 \
                   84 20 19 01 2c f9 3e 00 f6 a1 61 6b f5",
        },
        Golden {
            message: Message::Event {
                subscription: id(1),
                publication: id(2),
                details: Dict::new(),
                payload: Payload::args(vec![Value::Bytes(vec![0x00, 0x01, 0xfe, 0xff])]),
            },
            json: r#"[36,1,2,{},["\u0000AAH+/w=="]]"#,
            msgpack: "95 24 01 02 80 91 c4 04 00 01 fe ff",
            cbor: "85 18 24 01 02 a0 81 44 00 01 fe ff",
        },
        Golden {
            message: Message::Error {
                request_type: MessageType::Call,
                request: id(7),
                details: Dict::new(),
                error: Uri::new("wamp.error.no_such_procedure"),
                payload: Payload::default(),
            },
            json: r#"[8,48,7,{},"wamp.error.no_such_procedure"]"#,
            msgpack: "95 08 30 07 80 bc 77 61 6d 70 2e 65 72 72 6f 72 2e \
                      6e 6f 5f 73 75 63 68 5f 70 72 6f 63 65 64 75 72 65",
            cbor: "85 08 18 30 07 a0 78 1c 77 61 6d 70 2e 65 72 72 6f 72 2e \
                   6e 6f 5f 73 75 63 68 5f 70 72 6f 63 65 64 75 72 65",
        },
        Golden {
            message: Message::Published {
                request: id(1),
                publication: id(1 << 53),
            },
            json: "[17,1,9007199254740992]",
            msgpack: "93 11 01 cf 00 20 00 00 00 00 00 00",
            cbor: "83 11 01 1b 00 20 00 00 00 00 00 00",
        },
        Golden {
            message: Message::Welcome {
                session: id(5),
                details: dict([(
                    "x",
                    Value::List(vec![Value::UInt(u64::MAX), Value::Int(i64::MIN)]),
                )]),
            },
            json: r#"[2,5,{"x":[18446744073709551615,-9223372036854775808]}]"#,
            msgpack: "93 02 05 81 a1 78 92 cf ff ff ff ff ff ff ff ff d3 80 00 00 00 00 00 00 00",
            cbor: "83 02 05 a1 61 78 82 1b ff ff ff ff ff ff ff ff 3b 7f ff ff ff ff ff ff ff",
        },
        Golden {
            message: Message::Unregistered {
                request: None,
                details: dict([("reason", Value::from("wamp.close.normal"))]),
            },
            json: r#"[67,0,{"reason":"wamp.close.normal"}]"#,
            msgpack: "93 43 00 81 a6 72 65 61 73 6f 6e b1 77 61 6d 70 2e 63 6c 6f 73 65 2e \
                      6e 6f 72 6d 61 6c",
            cbor: "83 18 43 00 a1 66 72 65 61 73 6f 6e 71 77 61 6d 70 2e 63 6c 6f 73 65 2e \
                   6e 6f 72 6d 61 6c",
        },
    ]
}

#[test]
fn json_golden() {
    for golden in goldens() {
        let encoded = Serializer::Json.encode(&golden.message);
        assert_eq!(String::from_utf8(encoded).unwrap(), golden.json);
        assert_eq!(
            Serializer::Json.decode(golden.json.as_bytes()).unwrap(),
            golden.message
        );
    }
}

#[test]
fn msgpack_golden() {
    for golden in goldens() {
        let expected = hex(golden.msgpack);
        assert_eq!(
            Serializer::MsgPack.encode(&golden.message),
            expected,
            "{}",
            golden.json
        );
        assert_eq!(
            Serializer::MsgPack.decode(&expected).unwrap(),
            golden.message
        );
    }
}

#[test]
fn cbor_golden() {
    for golden in goldens() {
        let expected = hex(golden.cbor);
        assert_eq!(
            Serializer::Cbor.encode(&golden.message),
            expected,
            "{}",
            golden.json
        );
        assert_eq!(Serializer::Cbor.decode(&expected).unwrap(), golden.message);
    }
}

/// Other writers' choices that we must read: JSON whitespace, non-shortest MessagePack
/// integers, CBOR indefinite lengths and single-precision floats.
#[test]
fn equivalent_encodings_decode() {
    let published = Message::Published {
        request: id(1),
        publication: id(2),
    };
    let json = b" [ 17 ,\n 1, 2 ]\n";
    assert_eq!(Serializer::Json.decode(json).unwrap(), published);
    // Array 16, uint 64 and int 8 where a fixint would do.
    let msgpack = hex("dc 00 03 cf 00 00 00 00 00 00 00 11 d0 01 cd 00 02");
    assert_eq!(Serializer::MsgPack.decode(&msgpack).unwrap(), published);
    // Indefinite-length array, 8-bit uint for 2.
    let cbor = hex("9f 11 01 18 02 ff");
    assert_eq!(Serializer::Cbor.decode(&cbor).unwrap(), published);

    // [1.5] as CBOR float32 and as MessagePack float32.
    assert_eq!(
        Serializer::Cbor
            .decode_value(&hex("81 fa 3f c0 00 00"))
            .unwrap(),
        Value::List(vec![Value::Float(1.5)])
    );
    assert_eq!(
        Serializer::MsgPack
            .decode_value(&hex("91 ca 3f c0 00 00"))
            .unwrap(),
        Value::List(vec![Value::Float(1.5)])
    );
    // A CBOR bignum that fits in u64 is an integer.
    assert_eq!(
        Serializer::Cbor.decode_value(&hex("c2 41 05")).unwrap(),
        Value::Int(5)
    );
}
