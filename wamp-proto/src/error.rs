//! What a decoder says about bad input.

use crate::message::MessageType;

/// Why bytes or a list of values are not a valid WAMP message.
///
/// A peer that sends such input gets `ABORT` with `wamp.error.protocol_violation`; the
/// `Display` text is suitable for the ABORT's `message` detail.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The bytes are not valid in the serializer's format.
    #[error("malformed {serializer} data: {reason}")]
    Malformed {
        /// `"JSON"`, `"MessagePack"` or `"CBOR"`.
        serializer: &'static str,
        /// What the format's parser said.
        reason: String,
    },
    /// The message is not a list, or is an empty list.
    #[error("a WAMP message must be a non-empty list")]
    NotAList,
    /// The first element is not a known message code.
    #[error("unknown message type {0}")]
    UnknownMessageType(u64),
    /// The first element is not a non-negative integer.
    #[error("the first element of a WAMP message must be a message code (a non-negative integer)")]
    InvalidMessageCode,
    /// The message has the wrong number of elements.
    #[error("{message_type} has {found} elements, expected {expected}")]
    WrongLength {
        /// The message's type.
        message_type: MessageType,
        /// What the spec allows, e.g. `"3"` or `"4 to 6"`.
        expected: &'static str,
        /// What arrived.
        found: usize,
    },
    /// A field has the wrong type or an out-of-range value.
    #[error("{message_type}: field {field} must be {expected}")]
    InvalidField {
        /// The message's type.
        message_type: MessageType,
        /// The field's spec name, e.g. `"Request|id"`.
        field: &'static str,
        /// What it must be, e.g. `"an integer in 1..=2^53"`.
        expected: &'static str,
    },
}
