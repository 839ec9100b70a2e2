//! `wamp.2.cbor`: byte strings for binary; tags other than bignums in the 64-bit range are
//! rejected.

use super::cbor_read;
use super::value_serde::{MAX_DEPTH, MessageRef};
use crate::error::ProtocolError;
use crate::message::Message;
use crate::value::Value;

fn malformed(reason: impl std::fmt::Display) -> ProtocolError {
    ProtocolError::Malformed {
        serializer: "CBOR",
        reason: reason.to_string(),
    }
}

pub(super) fn encode(message: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    // Cannot fail: the writer is a Vec and every length is known.
    let _ = ciborium::into_writer(&MessageRef::<false>(message), &mut out);
    out
}

pub(super) fn encode_value(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    // Cannot fail: as in `encode`.
    let _ = ciborium::into_writer(value, &mut out);
    out
}

/// Decodes one value: [`cbor_read::read_value`] first, which reads the CBOR that peers
/// write several times faster; ciborium for what it gives up on, which decides the error.
pub(super) fn decode_value(bytes: &[u8]) -> Result<Value, ProtocolError> {
    match cbor_read::read_value(bytes) {
        Ok(value) => Ok(value),
        Err(cbor_read::Unsupported) => decode_value_with_ciborium(bytes),
    }
}

pub(super) fn decode_value_with_ciborium(bytes: &[u8]) -> Result<Value, ProtocolError> {
    let mut rest = bytes;
    // Our own depth check (in the value visitor) fires first; ciborium's is a second guard.
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, MAX_DEPTH + 1)
        .map_err(malformed)?;
    if !rest.is_empty() {
        return Err(malformed(format_args!(
            "{} bytes after the value",
            rest.len()
        )));
    }
    Ok(value)
}
