//! The spec's list form of a message, `[code, field, ...]`, written once for every serializer.
//!
//! The table in `wire_table!` names every message's fields in wire order; encoding (to a
//! [`Value`] or, without an intermediate tree, straight into a serializer) and decoding are
//! both generated from it. Spec: "Message Definitions" (rfc/text/basic/bp_messages.md).

use crate::error::ProtocolError;
use crate::id::Id;
use crate::message::{Message, MessageType, Payload};
use crate::uri::Uri;
use crate::value::{Dict, List, Value};

/// The most elements any message has: `[ERROR, Type, Request, Details, Error, Args, Kwargs]`.
const MAX_FIELDS: usize = 7;

/// One element of a message's list form, borrowed from the message.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field<'a> {
    /// The message code, an ID, or `0` for a router-initiated UNSUBSCRIBED/UNREGISTERED.
    UInt(u64),
    /// A URI or a string.
    Str(&'a str),
    /// `Details`, `Options`, `Extra` or `ArgumentsKw`.
    Dict(&'a Dict),
    /// `Arguments`.
    List(&'a List),
}

/// A message's list form, borrowed: no allocation, so serializers can write it directly.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    items: [Field<'a>; MAX_FIELDS],
    len: usize,
}

impl<'a> Fields<'a> {
    fn new(message_type: MessageType) -> Self {
        Fields {
            items: [Field::UInt(message_type.code()); MAX_FIELDS],
            len: 1,
        }
    }

    fn push(&mut self, field: Field<'a>) {
        // The table never has more than MAX_FIELDS elements; `get_mut` keeps this panic-free.
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = field;
            self.len += 1;
        }
    }

    /// Trailing empty payload parts are omitted, as the spec asks.
    fn push_payload(&mut self, payload: &'a Payload) {
        if !payload.kwargs.is_empty() {
            self.push(Field::List(&payload.args));
            self.push(Field::Dict(&payload.kwargs));
        } else if !payload.args.is_empty() {
            self.push(Field::List(&payload.args));
        }
    }

    /// The elements, in wire order, starting with the message code.
    pub(crate) fn as_slice(&self) -> &[Field<'a>] {
        self.items.get(..self.len).unwrap_or(&[])
    }
}

/// A field type of the table: how it is borrowed for encoding and checked when decoding.
trait WireField: Sized {
    fn to_field(&self) -> Field<'_>;
    fn from_value(
        value: Value,
        message_type: MessageType,
        name: &'static str,
    ) -> Result<Self, ProtocolError>;
}

impl WireField for Id {
    fn to_field(&self) -> Field<'_> {
        Field::UInt(self.get())
    }

    fn from_value(
        value: Value,
        message_type: MessageType,
        name: &'static str,
    ) -> Result<Self, ProtocolError> {
        value
            .as_u64()
            .and_then(Id::new)
            .ok_or(ProtocolError::InvalidField {
                message_type,
                field: name,
                expected: "an integer in 1..=2^53",
            })
    }
}

impl WireField for Uri {
    fn to_field(&self) -> Field<'_> {
        Field::Str(self.as_str())
    }

    fn from_value(
        value: Value,
        message_type: MessageType,
        name: &'static str,
    ) -> Result<Self, ProtocolError> {
        match value {
            Value::Str(s) => Ok(Uri::new(s)),
            _ => Err(ProtocolError::InvalidField {
                message_type,
                field: name,
                expected: "a string",
            }),
        }
    }
}

impl WireField for String {
    fn to_field(&self) -> Field<'_> {
        Field::Str(self)
    }

    fn from_value(
        value: Value,
        message_type: MessageType,
        name: &'static str,
    ) -> Result<Self, ProtocolError> {
        match value {
            Value::Str(s) => Ok(s),
            _ => Err(ProtocolError::InvalidField {
                message_type,
                field: name,
                expected: "a string",
            }),
        }
    }
}

impl WireField for Dict {
    fn to_field(&self) -> Field<'_> {
        Field::Dict(self)
    }

    fn from_value(
        value: Value,
        message_type: MessageType,
        name: &'static str,
    ) -> Result<Self, ProtocolError> {
        match value {
            Value::Dict(d) => Ok(d),
            _ => Err(ProtocolError::InvalidField {
                message_type,
                field: name,
                expected: "a dictionary",
            }),
        }
    }
}

impl WireField for MessageType {
    fn to_field(&self) -> Field<'_> {
        Field::UInt(self.code())
    }

    fn from_value(
        value: Value,
        message_type: MessageType,
        name: &'static str,
    ) -> Result<Self, ProtocolError> {
        value
            .as_u64()
            .and_then(MessageType::from_code)
            .ok_or(ProtocolError::InvalidField {
                message_type,
                field: name,
                expected: "a known message type code",
            })
    }
}

/// The `expected` text of [`ProtocolError::WrongLength`] for a length range.
fn expected_length(min: usize, max: usize) -> &'static str {
    match (min, max) {
        (3, 3) => "3",
        (4, 4) => "4",
        (2, 3) => "2 or 3",
        (3, 5) => "3 to 5",
        (4, 6) => "4 to 6",
        (5, 7) => "5 to 7",
        // Every length in the table is listed above (a unit test checks it).
        _ => "a different number of",
    }
}

/// The next element, after the length has been checked. `Null` (which no field accepts) if
/// the list were somehow shorter, so that this can never panic.
fn next_element(elements: &mut std::vec::IntoIter<Value>) -> Value {
    elements.next().unwrap_or_default()
}

/// `Arguments|list` and `ArgumentsKw|dict`, each optional.
fn payload_from_values(
    elements: &mut std::vec::IntoIter<Value>,
    message_type: MessageType,
) -> Result<Payload, ProtocolError> {
    let args = match elements.next() {
        None => List::new(),
        Some(Value::List(l)) => l,
        Some(_) => {
            return Err(ProtocolError::InvalidField {
                message_type,
                field: "Arguments|list",
                expected: "a list",
            });
        }
    };
    let kwargs = match elements.next() {
        None => Dict::new(),
        Some(Value::Dict(d)) => d,
        Some(_) => {
            return Err(ProtocolError::InvalidField {
                message_type,
                field: "ArgumentsKw|dict",
                expected: "a dictionary",
            });
        }
    };
    Ok(Payload { args, kwargs })
}

/// UNSUBSCRIBED and UNREGISTERED: `[code, Request|id]`, or `[code, 0, Details|dict]` when the
/// router revokes (advanced profile, "Subscription Revocation"/"Registration Revocation").
fn revocation_fields<'a>(
    message_type: MessageType,
    request: Option<Id>,
    details: &'a Dict,
) -> Fields<'a> {
    let mut fields = Fields::new(message_type);
    fields.push(Field::UInt(request.map_or(0, Id::get)));
    if request.is_none() || !details.is_empty() {
        fields.push(Field::Dict(details));
    }
    fields
}

fn revocation_from_values(
    elements: &mut std::vec::IntoIter<Value>,
    message_type: MessageType,
    found: usize,
) -> Result<(Option<Id>, Dict), ProtocolError> {
    if !(2..=3).contains(&found) {
        return Err(ProtocolError::WrongLength {
            message_type,
            expected: "2 or 3",
            found,
        });
    }
    let request = match next_element(elements) {
        Value::Int(0) => None,
        other => Some(Id::from_value(other, message_type, "Request|id")?),
    };
    let details = match elements.next() {
        None => Dict::new(),
        Some(value) => Dict::from_value(value, message_type, "Details|dict")?,
    };
    Ok((request, details))
}

/// Generates [`fields`] and [`from_value`] from one table of every message's fields.
///
/// Each entry: `Variant { field: "Spec|name", ... }`, optionally followed by `+ payload` for
/// messages that end in `Arguments|list, ArgumentsKw|dict`.
macro_rules! wire_table {
    ($($variant:ident { $($field:ident : $name:literal),* } $(+ $payload:ident)?;)*) => {
        /// The message's list form, borrowed.
        pub(crate) fn fields(message: &Message) -> Fields<'_> {
            match message {
                Message::Unsubscribed { request, details } => {
                    revocation_fields(MessageType::Unsubscribed, *request, details)
                }
                Message::Unregistered { request, details } => {
                    revocation_fields(MessageType::Unregistered, *request, details)
                }
                $(
                    Message::$variant { $($field,)* $($payload,)? } => {
                        #[allow(unused_mut)]
                        let mut fields = Fields::new(MessageType::$variant);
                        $(fields.push(WireField::to_field($field));)*
                        $(fields.push_payload($payload);)?
                        fields
                    }
                )*
            }
        }

        /// The message that a decoded value stands for.
        ///
        /// # Errors
        /// [`ProtocolError`] when the value is not a list, has an unknown code, the wrong
        /// length, or a field of the wrong type or range.
        pub fn from_value(value: Value) -> Result<Message, ProtocolError> {
            let elements = match value {
                Value::List(elements) if !elements.is_empty() => elements,
                _ => return Err(ProtocolError::NotAList),
            };
            let found = elements.len();
            let mut elements = elements.into_iter();
            let message_type = match next_element(&mut elements) {
                Value::Int(code) => match u64::try_from(code) {
                    Ok(code) => MessageType::from_code(code)
                        .ok_or(ProtocolError::UnknownMessageType(code))?,
                    Err(_) => return Err(ProtocolError::InvalidMessageCode),
                },
                Value::UInt(code) => return Err(ProtocolError::UnknownMessageType(code)),
                _ => return Err(ProtocolError::InvalidMessageCode),
            };
            match message_type {
                MessageType::Unsubscribed => {
                    let (request, details) =
                        revocation_from_values(&mut elements, message_type, found)?;
                    Ok(Message::Unsubscribed { request, details })
                }
                MessageType::Unregistered => {
                    let (request, details) =
                        revocation_from_values(&mut elements, message_type, found)?;
                    Ok(Message::Unregistered { request, details })
                }
                $(
                    MessageType::$variant => {
                        let min = 1 $(+ { stringify!($field); 1 })*;
                        let max = min $(+ { stringify!($payload); 2 })?;
                        if !(min..=max).contains(&found) {
                            return Err(ProtocolError::WrongLength {
                                message_type,
                                expected: expected_length(min, max),
                                found,
                            });
                        }
                        $(
                            let $field = WireField::from_value(
                                next_element(&mut elements),
                                message_type,
                                $name,
                            )?;
                        )*
                        $(let $payload = payload_from_values(&mut elements, message_type)?;)?
                        Ok(Message::$variant { $($field,)* $($payload)? })
                    }
                )*
            }
        }

        #[cfg(test)]
        /// `(type, min, max)` length of every table entry, for tests.
        fn table_lengths() -> Vec<(MessageType, usize, usize)> {
            vec![$({
                let min = 1 $(+ { stringify!($field); 1 })*;
                let max = min $(+ { stringify!($payload); 2 })?;
                (MessageType::$variant, min, max)
            }),*]
        }
    };
}

wire_table! {
    Hello { realm: "Realm|uri", details: "Details|dict" };
    Welcome { session: "Session|id", details: "Details|dict" };
    Abort { details: "Details|dict", reason: "Reason|uri" };
    Challenge { auth_method: "AuthMethod|string", extra: "Extra|dict" };
    Authenticate { signature: "Signature|string", extra: "Extra|dict" };
    Goodbye { details: "Details|dict", reason: "Reason|uri" };
    Error {
        request_type: "REQUEST.Type|int",
        request: "REQUEST.Request|id",
        details: "Details|dict",
        error: "Error|uri"
    } + payload;
    Publish { request: "Request|id", options: "Options|dict", topic: "Topic|uri" } + payload;
    Published { request: "PUBLISH.Request|id", publication: "Publication|id" };
    Subscribe { request: "Request|id", options: "Options|dict", topic: "Topic|uri" };
    Subscribed { request: "SUBSCRIBE.Request|id", subscription: "Subscription|id" };
    Unsubscribe { request: "Request|id", subscription: "SUBSCRIBED.Subscription|id" };
    Event {
        subscription: "SUBSCRIBED.Subscription|id",
        publication: "PUBLISHED.Publication|id",
        details: "Details|dict"
    } + payload;
    Call { request: "Request|id", options: "Options|dict", procedure: "Procedure|uri" } + payload;
    Cancel { request: "CALL.Request|id", options: "Options|dict" };
    Result { request: "CALL.Request|id", details: "Details|dict" } + payload;
    Register { request: "Request|id", options: "Options|dict", procedure: "Procedure|uri" };
    Registered { request: "REGISTER.Request|id", registration: "Registration|id" };
    Unregister { request: "Request|id", registration: "REGISTERED.Registration|id" };
    Invocation {
        request: "Request|id",
        registration: "REGISTERED.Registration|id",
        details: "Details|dict"
    } + payload;
    Interrupt { request: "INVOCATION.Request|id", options: "Options|dict" };
    Yield { request: "INVOCATION.Request|id", options: "Options|dict" } + payload;
}

impl Field<'_> {
    fn to_value(self) -> Value {
        match self {
            Field::UInt(u) => Value::from(u),
            Field::Str(s) => Value::Str(s.to_owned()),
            Field::Dict(d) => Value::Dict(d.clone()),
            Field::List(l) => Value::List(l.clone()),
        }
    }
}

/// The message as the spec's list: `[code, field, ...]`, with trailing empty payload parts
/// omitted.
///
/// Serializers do not need this for encoding (they write the borrowed fields directly); it is for
/// tests, tracing and tools that want the list form.
pub fn to_value(message: &Message) -> Value {
    Value::List(
        fields(message)
            .as_slice()
            .iter()
            .map(|f| f.to_value())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> Id {
        Id::new(n).unwrap()
    }

    fn list(items: Vec<Value>) -> Value {
        Value::List(items)
    }

    #[test]
    fn every_length_has_a_text() {
        let lengths = table_lengths();
        // The two revocable acknowledgements are written by hand.
        assert_eq!(lengths.len(), MessageType::ALL.len() - 2);
        for (message_type, min, max) in lengths {
            assert_ne!(
                expected_length(min, max),
                "a different number of",
                "{message_type}"
            );
        }
    }

    #[test]
    fn call_omits_trailing_empty_payload() {
        let mut call = Message::Call {
            request: id(7),
            options: Dict::new(),
            procedure: Uri::new("com.example.add"),
            payload: Payload::default(),
        };
        let base = vec![
            Value::Int(48),
            Value::Int(7),
            Value::Dict(Dict::new()),
            "com.example.add".into(),
        ];
        assert_eq!(to_value(&call), list(base.clone()));

        if let Message::Call { payload, .. } = &mut call {
            payload.args = vec![Value::Int(1)];
        }
        let mut with_args = base.clone();
        with_args.push(list(vec![Value::Int(1)]));
        assert_eq!(to_value(&call), list(with_args));

        if let Message::Call { payload, .. } = &mut call {
            payload.args.clear();
            payload.kwargs.insert("a".into(), Value::Null);
        }
        let mut with_kwargs = base;
        with_kwargs.push(list(vec![]));
        with_kwargs.push(Value::Dict(Dict::from([("a".into(), Value::Null)])));
        assert_eq!(to_value(&call), list(with_kwargs));
        assert_eq!(from_value(to_value(&call)).unwrap(), call);
    }

    #[test]
    fn explicit_empty_payload_decodes_to_empty() {
        let value = list(vec![
            Value::Int(50),
            Value::Int(3),
            Value::Dict(Dict::new()),
            list(vec![]),
            Value::Dict(Dict::new()),
        ]);
        let message = from_value(value).unwrap();
        assert_eq!(
            message,
            Message::Result {
                request: id(3),
                details: Dict::new(),
                payload: Payload::default()
            }
        );
    }

    #[test]
    fn revocation_forms() {
        let plain = Message::Unsubscribed {
            request: Some(id(5)),
            details: Dict::new(),
        };
        assert_eq!(to_value(&plain), list(vec![Value::Int(35), Value::Int(5)]));
        assert_eq!(from_value(to_value(&plain)).unwrap(), plain);

        let details = Dict::from([("reason".into(), Value::from("wamp.error.revoked"))]);
        let revoked = Message::Unregistered {
            request: None,
            details: details.clone(),
        };
        assert_eq!(
            to_value(&revoked),
            list(vec![Value::Int(67), Value::Int(0), Value::Dict(details)])
        );
        assert_eq!(from_value(to_value(&revoked)).unwrap(), revoked);

        let bare_zero = from_value(list(vec![Value::Int(35), Value::Int(0)])).unwrap();
        assert_eq!(
            bare_zero,
            Message::Unsubscribed {
                request: None,
                details: Dict::new()
            }
        );
        let empty_revocation = Message::Unsubscribed {
            request: None,
            details: Dict::new(),
        };
        assert_eq!(
            from_value(to_value(&empty_revocation)).unwrap(),
            empty_revocation
        );

        assert!(matches!(
            from_value(list(vec![Value::Int(35)])),
            Err(ProtocolError::WrongLength { found: 1, .. })
        ));
        assert!(matches!(
            from_value(list(vec![Value::Int(67), Value::Int(0), "x".into()])),
            Err(ProtocolError::InvalidField {
                field: "Details|dict",
                ..
            })
        ));
        assert!(matches!(
            from_value(list(vec![Value::Int(67), Value::Int(-1)])),
            Err(ProtocolError::InvalidField {
                field: "Request|id",
                ..
            })
        ));
    }

    #[test]
    fn error_request_type_must_be_known() {
        let value = |code: i64| {
            list(vec![
                Value::Int(8),
                Value::Int(code),
                Value::Int(1),
                Value::Dict(Dict::new()),
                "wamp.error.no_such_procedure".into(),
            ])
        };
        let message = from_value(value(48)).unwrap();
        assert!(matches!(
            message,
            Message::Error {
                request_type: MessageType::Call,
                ..
            }
        ));
        assert!(matches!(
            from_value(value(99)),
            Err(ProtocolError::InvalidField {
                field: "REQUEST.Type|int",
                ..
            })
        ));
    }

    #[test]
    fn structural_errors() {
        assert_eq!(from_value(Value::Int(1)), Err(ProtocolError::NotAList));
        assert_eq!(from_value(list(vec![])), Err(ProtocolError::NotAList));
        assert_eq!(
            from_value(list(vec![Value::Int(99)])),
            Err(ProtocolError::UnknownMessageType(99))
        );
        assert_eq!(
            from_value(list(vec![Value::UInt(u64::MAX)])),
            Err(ProtocolError::UnknownMessageType(u64::MAX))
        );
        assert_eq!(
            from_value(list(vec!["HELLO".into()])),
            Err(ProtocolError::InvalidMessageCode)
        );
        assert_eq!(
            from_value(list(vec![Value::Int(-1)])),
            Err(ProtocolError::InvalidMessageCode)
        );
        assert_eq!(
            from_value(list(vec![Value::Float(1.0)])),
            Err(ProtocolError::InvalidMessageCode)
        );
        let hello = |extra: Vec<Value>| {
            let mut items = vec![Value::Int(1), "realm1".into(), Value::Dict(Dict::new())];
            items.extend(extra);
            list(items)
        };
        assert!(from_value(hello(vec![])).is_ok());
        assert_eq!(
            from_value(hello(vec![Value::Null])),
            Err(ProtocolError::WrongLength {
                message_type: MessageType::Hello,
                expected: "3",
                found: 4
            })
        );
        let published = |request: Value| list(vec![Value::Int(17), request, Value::Int(1)]);
        for bad in [
            Value::Int(0),
            Value::Int(-5),
            Value::Int((1 << 53) + 1),
            Value::UInt(u64::MAX),
        ] {
            assert_eq!(
                from_value(published(bad)),
                Err(ProtocolError::InvalidField {
                    message_type: MessageType::Published,
                    field: "PUBLISH.Request|id",
                    expected: "an integer in 1..=2^53"
                })
            );
        }
        assert!(from_value(published(Value::Int(1 << 53))).is_ok());
    }
}
