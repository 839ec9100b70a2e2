//! Messages to bytes and back, small: the WebAssembly client's own encoders (and JSON and
//! CBOR decoders), with `wamp-proto`'s wire form ([`wire::to_value`], [`wire::from_value`]).
//!
//! Why not `wamp-proto`'s serializers: they go through serde, `serde_json` and `ciborium`,
//! which add about 60 KB (gzipped) to the WebAssembly; these add a few. They follow the
//! same conventions (see [`wamp_proto::serializer`]), and the tests check them against
//! `wamp-proto`'s: the same bytes for the same value (floats aside: JSON floats are written
//! by JavaScript, CBOR floats are always 64-bit), and the same value for the same bytes.
//!
//! [`wire::to_value`]: wamp_proto::wire::to_value
//! [`wire::from_value`]: wamp_proto::wire::from_value

mod base64;
mod cbor;
mod json;
mod msgpack;

use wamp_proto::serializer::MAX_DEPTH;
use wamp_proto::{Message, ProtocolError, Serializer, Value, wire};

/// Encodes a message. (`wamp-proto` writes messages without building a [`Value`]; here the
/// value is built first, which costs an allocation per message and saves code.)
pub(crate) fn encode(serializer: Serializer, message: &Message) -> Vec<u8> {
    let value = wire::to_value(message);
    match serializer {
        Serializer::Json => json::encode(&value),
        Serializer::MsgPack => msgpack::encode(&value),
        Serializer::Cbor => cbor::encode(&value),
    }
}

/// Decodes one message.
///
/// # Errors
/// [`ProtocolError`] for anything but one valid WAMP message.
pub(crate) fn decode(serializer: Serializer, bytes: &[u8]) -> Result<Message, ProtocolError> {
    let value = match serializer {
        Serializer::Json => json::decode(bytes)?,
        Serializer::MsgPack => msgpack::decode(bytes)?,
        Serializer::Cbor => cbor::decode(bytes)?,
    };
    wire::from_value(value)
}

fn malformed(serializer: &'static str, reason: impl Into<String>) -> ProtocolError {
    ProtocolError::Malformed {
        serializer,
        reason: reason.into(),
    }
}

/// The depth check of every decoder: a list or map at `depth` (0 for the message itself).
fn check_depth(serializer: &'static str, depth: usize) -> Result<(), ProtocolError> {
    if depth >= MAX_DEPTH {
        return Err(malformed(
            serializer,
            format!("nesting deeper than {MAX_DEPTH}"),
        ));
    }
    Ok(())
}

/// A value's canonical integer for `i128` arithmetic results.
fn integer(value: i128) -> Option<Value> {
    if let Ok(i) = i64::try_from(value) {
        Some(Value::Int(i))
    } else {
        u64::try_from(value).ok().map(Value::UInt)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

/// JSON floats are written and read by JavaScript in WebAssembly: check them there.
#[cfg(all(test, target_arch = "wasm32"))]
mod wasm_tests {
    use wamp_proto::Value;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::json;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn json_floats_round_trip() {
        for f in [0.1, -2.5, 1e21, 1e-7, 5e-324, f64::MAX, 123456.789, 3.0] {
            let value = Value::List(vec![Value::Float(f)]);
            let text = json::encode(&value);
            assert_eq!(
                json::decode(&text),
                Ok(value),
                "{}",
                String::from_utf8_lossy(&text)
            );
        }
        assert_eq!(json::encode(&Value::Float(3.0)), b"3.0");
        assert_eq!(json::encode(&Value::Float(1e21)), b"1e+21");
    }
}
