//! Serializers: JSON, MessagePack and CBOR.
//!
//! Each maps [`Value`] to bytes and back; [`crate::wire`] maps values to messages, so the
//! message layout is written once. Decoding never panics, whatever the input.

use crate::error::ProtocolError;
use crate::message::Message;
use crate::value::Value;

mod cbor;
mod json;
mod msgpack;

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
        todo!()
    }

    /// The serializer for a WebSocket subprotocol name.
    pub fn from_subprotocol(name: &str) -> Option<Serializer> {
        todo!()
    }

    /// The RawSocket serializer code (1 JSON, 2 MessagePack, 3 CBOR).
    pub fn rawsocket_code(self) -> u8 {
        todo!()
    }

    /// The serializer for a RawSocket serializer code.
    pub fn from_rawsocket_code(code: u8) -> Option<Serializer> {
        todo!()
    }

    /// A short human name: `"json"`, `"msgpack"` or `"cbor"`.
    pub fn name(self) -> &'static str {
        todo!()
    }

    /// Whether frames of this serializer are text (WebSocket text frames) or binary.
    pub fn is_text(self) -> bool {
        todo!()
    }

    /// Encodes a message.
    pub fn encode(self, message: &Message) -> Vec<u8> {
        todo!()
    }

    /// Decodes one message.
    ///
    /// # Errors
    /// [`ProtocolError`] for any input that is not one valid WAMP message in this format.
    pub fn decode(self, bytes: &[u8]) -> Result<Message, ProtocolError> {
        todo!()
    }

    /// Encodes a value.
    pub fn encode_value(self, value: &Value) -> Vec<u8> {
        todo!()
    }

    /// Decodes a value.
    ///
    /// # Errors
    /// [`ProtocolError::Malformed`] for input that is not one value in this format.
    pub fn decode_value(self, bytes: &[u8]) -> Result<Value, ProtocolError> {
        todo!()
    }
}
