//! Serializers: JSON, MessagePack and CBOR.
//!
//! Each maps [`Value`] to bytes and back; [`crate::wire`] maps values to messages, so the
//! message layout is written once. Decoding never panics, whatever the input.
//!
//! Encoding writes a message straight from its borrowed list form, with no intermediate
//! [`Value`] tree. Decoding reads one [`Value`] and then [`crate::wire::from_value`] checks it.
//!
//! Conventions, the same in every format:
//! - Integers are canonical: [`Value::Int`] for anything that fits in `i64`, [`Value::UInt`]
//!   only above `i64::MAX`. Larger or smaller integers (possible in CBOR) are an
//!   error. JSON numbers beyond `u64` are read as floats, as `serde_json` does.
//! - Map keys must be strings. A repeated key keeps its last value.
//! - Lists and dictionaries nest at most [`MAX_DEPTH`] deep (the message's own list counts);
//!   deeper input is an error, never a stack overflow. Encoders do not check depth: a value
//!   built deeper than that encodes, but no peer of ours will decode it.
//! - Exactly one value: trailing bytes are an error (JSON allows trailing whitespace).
//! - JSON: [`Value::Bytes`] is the string `"\u0000" + base64` (standard alphabet, padded),
//!   and every decoded string that starts with `\u0000` must be such bytes. NaN and the
//!   infinities, which JSON cannot express, are encoded as `null`. So a [`Value::Str`] that
//!   starts with NUL cannot travel in JSON (it arrives as bytes, or fails to decode).

use crate::error::ProtocolError;
use crate::message::Message;
use crate::value::Value;

mod cbor;
mod cbor_read;
mod json;
mod json_read;
mod msgpack;
mod value_serde;

pub use value_serde::MAX_DEPTH;

/// One of the three WAMP serializers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Serializer {
    /// `wamp.2.json`; binary travels as `"\u0000" + base64`.
    Json,
    /// `wamp.2.msgpack`.
    MsgPack,
    /// `wamp.2.cbor`.
    Cbor,
}

impl Serializer {
    /// Every serializer, in order of preference.
    pub const ALL: [Serializer; 3] = [Serializer::Json, Serializer::MsgPack, Serializer::Cbor];

    /// The WebSocket subprotocol name, e.g. `"wamp.2.json"`.
    pub fn subprotocol(self) -> &'static str {
        match self {
            Serializer::Json => "wamp.2.json",
            Serializer::MsgPack => "wamp.2.msgpack",
            Serializer::Cbor => "wamp.2.cbor",
        }
    }

    /// The serializer for a WebSocket subprotocol name.
    pub fn from_subprotocol(name: &str) -> Option<Serializer> {
        Serializer::ALL
            .into_iter()
            .find(|s| s.subprotocol() == name)
    }

    /// The RawSocket serializer code (1 JSON, 2 MessagePack, 3 CBOR).
    pub fn rawsocket_code(self) -> u8 {
        match self {
            Serializer::Json => 1,
            Serializer::MsgPack => 2,
            Serializer::Cbor => 3,
        }
    }

    /// The serializer for a RawSocket serializer code.
    pub fn from_rawsocket_code(code: u8) -> Option<Serializer> {
        Serializer::ALL
            .into_iter()
            .find(|s| s.rawsocket_code() == code)
    }

    /// A short human name: `"json"`, `"msgpack"` or `"cbor"`.
    pub fn name(self) -> &'static str {
        match self {
            Serializer::Json => "json",
            Serializer::MsgPack => "msgpack",
            Serializer::Cbor => "cbor",
        }
    }

    /// Whether frames of this serializer are text (WebSocket text frames) or binary.
    pub fn is_text(self) -> bool {
        matches!(self, Serializer::Json)
    }

    /// Encodes a message.
    pub fn encode(self, message: &Message) -> Vec<u8> {
        match self {
            Serializer::Json => json::encode(message),
            Serializer::MsgPack => msgpack::encode(message),
            Serializer::Cbor => cbor::encode(message),
        }
    }

    /// Decodes one message.
    ///
    /// # Errors
    /// [`ProtocolError`] for any input that is not one valid WAMP message in this format.
    pub fn decode(self, bytes: &[u8]) -> Result<Message, ProtocolError> {
        crate::wire::from_value(self.decode_value(bytes)?)
    }

    /// Encodes a value.
    pub fn encode_value(self, value: &Value) -> Vec<u8> {
        match self {
            Serializer::Json => json::encode_value(value),
            Serializer::MsgPack => msgpack::encode_value(value),
            Serializer::Cbor => cbor::encode_value(value),
        }
    }

    /// Decodes a value.
    ///
    /// # Errors
    /// [`ProtocolError::Malformed`] for input that is not one value in this format.
    pub fn decode_value(self, bytes: &[u8]) -> Result<Value, ProtocolError> {
        match self {
            Serializer::Json => json::decode_value(bytes),
            Serializer::MsgPack => msgpack::decode_value(bytes),
            Serializer::Cbor => cbor::decode_value(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        for serializer in Serializer::ALL {
            assert_eq!(
                Serializer::from_subprotocol(serializer.subprotocol()),
                Some(serializer)
            );
            assert_eq!(
                Serializer::from_rawsocket_code(serializer.rawsocket_code()),
                Some(serializer)
            );
            assert_eq!(
                serializer.subprotocol(),
                format!("wamp.2.{}", serializer.name())
            );
        }
        assert_eq!(Serializer::Json.rawsocket_code(), 1);
        assert_eq!(Serializer::MsgPack.rawsocket_code(), 2);
        assert_eq!(Serializer::Cbor.rawsocket_code(), 3);
        assert!(Serializer::Json.is_text());
        assert!(!Serializer::MsgPack.is_text());
        assert!(!Serializer::Cbor.is_text());
        assert_eq!(Serializer::from_subprotocol("wamp.2.ubjson"), None);
        assert_eq!(Serializer::from_subprotocol("WAMP.2.JSON"), None);
        assert_eq!(Serializer::from_rawsocket_code(0), None);
        assert_eq!(Serializer::from_rawsocket_code(4), None);
    }
}
