//! The spec's list form of a message, `[code, field, ...]`, written once for every serializer.

use crate::error::ProtocolError;
use crate::message::Message;
use crate::value::Value;

/// The message as the spec's list: `[code, field, ...]`, with trailing empty payload parts
/// omitted.
pub fn to_value(message: &Message) -> Value {
    todo!()
}

/// The message that a decoded value stands for.
///
/// # Errors
/// [`ProtocolError`] when the value is not a list, has an unknown code, the wrong length, or
/// a field of the wrong type or range.
pub fn from_value(value: Value) -> Result<Message, ProtocolError> {
    todo!()
}
