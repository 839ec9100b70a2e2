//! `wamp.2.json`: binary as `"\u0000" + base64`, NaN and infinities as `null`.

use serde::de::DeserializeSeed;

use super::json_read;
use super::value_serde::{MessageRef, ValueRef, ValueSeed};
use crate::error::ProtocolError;
use crate::message::Message;
use crate::value::Value;

fn malformed(error: serde_json::Error) -> ProtocolError {
    ProtocolError::Malformed {
        serializer: "JSON",
        reason: error.to_string(),
    }
}

pub(super) fn encode(message: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    // Cannot fail: the writer is a Vec and every map key is a string.
    let _ = serde_json::to_writer(&mut out, &MessageRef::<true>(message));
    out
}

pub(super) fn encode_value(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    // Cannot fail: as in `encode`.
    let _ = serde_json::to_writer(&mut out, &ValueRef::<true>(value));
    out
}

/// Decodes one value: [`json_read::read_value`] first, which reads valid input about twice
/// as fast; `serde_json` for what it gives up on, which decides the error.
pub(super) fn decode_value(bytes: &[u8]) -> Result<Value, ProtocolError> {
    match json_read::read_value(bytes) {
        Ok(value) => Ok(value),
        Err(json_read::Unsupported) => decode_value_with_serde(bytes),
    }
}

pub(super) fn decode_value_with_serde(bytes: &[u8]) -> Result<Value, ProtocolError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = ValueSeed::<true>::top()
        .deserialize(&mut deserializer)
        .map_err(malformed)?;
    deserializer.end().map_err(malformed)?;
    Ok(value)
}
