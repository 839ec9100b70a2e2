//! Every WAMP v2 message, as data.
//!
//! A [`Message`] does not know how it is encoded: [`crate::wire`] maps it to and from the
//! spec's list form (`[code, field, ...]`) once, and each serializer only maps values to
//! bytes. Field names and orders follow the WAMP spec (`rfc/text/basic/bp_*.md` in
//! wamp-proto/wamp-proto).

use crate::id::Id;
use crate::uri::Uri;
use crate::value::{Dict, List};

/// `Arguments|list` and `ArgumentsKw|dict`, the application payload of a message.
///
/// An empty list or dictionary means "absent": encoders omit trailing empty parts, as the
/// spec asks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Payload {
    /// Positional arguments.
    pub args: List,
    /// Keyword arguments.
    pub kwargs: Dict,
}

impl Payload {
    /// A payload with positional arguments only.
    pub fn args(args: List) -> Self {
        Payload {
            args,
            kwargs: Dict::new(),
        }
    }

    /// Whether both parts are empty.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty() && self.kwargs.is_empty()
    }
}

macro_rules! message_types {
    ($($variant:ident = $code:literal, $name:literal;)*) => {
        /// The type code of a message: the first element of its list form.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum MessageType {
            $(
                #[doc = concat!("`", $name, "` (", stringify!($code), ")")]
                $variant = $code,
            )*
        }

        impl MessageType {
            /// Every message type, in code order.
            pub const ALL: &'static [MessageType] = &[$(MessageType::$variant),*];

            /// The type for a wire code, if the code is a known one.
            pub fn from_code(code: u64) -> Option<MessageType> {
                match code {
                    $($code => Some(MessageType::$variant),)*
                    _ => None,
                }
            }

            /// The wire code.
            pub fn code(self) -> u64 {
                self as u64
            }

            /// The spec's upper-case name, e.g. `"CALL"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(MessageType::$variant => $name,)*
                }
            }
        }
    };
}

message_types! {
    Hello = 1, "HELLO";
    Welcome = 2, "WELCOME";
    Abort = 3, "ABORT";
    Challenge = 4, "CHALLENGE";
    Authenticate = 5, "AUTHENTICATE";
    Goodbye = 6, "GOODBYE";
    Error = 8, "ERROR";
    Publish = 16, "PUBLISH";
    Published = 17, "PUBLISHED";
    Subscribe = 32, "SUBSCRIBE";
    Subscribed = 33, "SUBSCRIBED";
    Unsubscribe = 34, "UNSUBSCRIBE";
    Unsubscribed = 35, "UNSUBSCRIBED";
    Event = 36, "EVENT";
    Call = 48, "CALL";
    Cancel = 49, "CANCEL";
    Result = 50, "RESULT";
    Register = 64, "REGISTER";
    Registered = 65, "REGISTERED";
    Unregister = 66, "UNREGISTER";
    Unregistered = 67, "UNREGISTERED";
    Invocation = 68, "INVOCATION";
    Interrupt = 69, "INTERRUPT";
    Yield = 70, "YIELD";
}

impl std::fmt::Display for MessageType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One WAMP v2 message.
///
/// Field names follow the spec; `request` is always the `Request|id` that the message
/// carries or answers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(
    missing_docs,
    reason = "each variant's doc names its fields, in wire order"
)]
pub enum Message {
    /// `[HELLO, Realm|uri, Details|dict]`
    Hello { realm: Uri, details: Dict },
    /// `[WELCOME, Session|id, Details|dict]`
    Welcome { session: Id, details: Dict },
    /// `[ABORT, Details|dict, Reason|uri]`
    Abort { details: Dict, reason: Uri },
    /// `[CHALLENGE, AuthMethod|string, Extra|dict]`
    Challenge { auth_method: String, extra: Dict },
    /// `[AUTHENTICATE, Signature|string, Extra|dict]`
    Authenticate { signature: String, extra: Dict },
    /// `[GOODBYE, Details|dict, Reason|uri]`
    Goodbye { details: Dict, reason: Uri },
    /// `[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments|list, ArgumentsKw|dict]`
    Error {
        request_type: MessageType,
        request: Id,
        details: Dict,
        error: Uri,
        payload: Payload,
    },
    /// `[PUBLISH, Request|id, Options|dict, Topic|uri, Arguments|list, ArgumentsKw|dict]`
    Publish {
        request: Id,
        options: Dict,
        topic: Uri,
        payload: Payload,
    },
    /// `[PUBLISHED, PUBLISH.Request|id, Publication|id]`
    Published { request: Id, publication: Id },
    /// `[SUBSCRIBE, Request|id, Options|dict, Topic|uri]`
    Subscribe {
        request: Id,
        options: Dict,
        topic: Uri,
    },
    /// `[SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id]`
    Subscribed { request: Id, subscription: Id },
    /// `[UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id]`
    Unsubscribe { request: Id, subscription: Id },
    /// `[UNSUBSCRIBED, UNSUBSCRIBE.Request|id]`, or `[UNSUBSCRIBED, 0, Details|dict]` when the
    /// router revokes a subscription (`request` is `None` then).
    Unsubscribed { request: Option<Id>, details: Dict },
    /// `[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, Arguments|list, ArgumentsKw|dict]`
    Event {
        subscription: Id,
        publication: Id,
        details: Dict,
        payload: Payload,
    },
    /// `[CALL, Request|id, Options|dict, Procedure|uri, Arguments|list, ArgumentsKw|dict]`
    Call {
        request: Id,
        options: Dict,
        procedure: Uri,
        payload: Payload,
    },
    /// `[CANCEL, CALL.Request|id, Options|dict]`
    Cancel { request: Id, options: Dict },
    /// `[RESULT, CALL.Request|id, Details|dict, Arguments|list, ArgumentsKw|dict]`
    Result {
        request: Id,
        details: Dict,
        payload: Payload,
    },
    /// `[REGISTER, Request|id, Options|dict, Procedure|uri]`
    Register {
        request: Id,
        options: Dict,
        procedure: Uri,
    },
    /// `[REGISTERED, REGISTER.Request|id, Registration|id]`
    Registered { request: Id, registration: Id },
    /// `[UNREGISTER, Request|id, REGISTERED.Registration|id]`
    Unregister { request: Id, registration: Id },
    /// `[UNREGISTERED, UNREGISTER.Request|id]`, or `[UNREGISTERED, 0, Details|dict]` when the
    /// router revokes a registration (`request` is `None` then).
    Unregistered { request: Option<Id>, details: Dict },
    /// `[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, CALL.Arguments|list, CALL.ArgumentsKw|dict]`
    Invocation {
        request: Id,
        registration: Id,
        details: Dict,
        payload: Payload,
    },
    /// `[INTERRUPT, INVOCATION.Request|id, Options|dict]`
    Interrupt { request: Id, options: Dict },
    /// `[YIELD, INVOCATION.Request|id, Options|dict, Arguments|list, ArgumentsKw|dict]`
    Yield {
        request: Id,
        options: Dict,
        payload: Payload,
    },
}

impl Message {
    /// The message's type code.
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Hello { .. } => MessageType::Hello,
            Message::Welcome { .. } => MessageType::Welcome,
            Message::Abort { .. } => MessageType::Abort,
            Message::Challenge { .. } => MessageType::Challenge,
            Message::Authenticate { .. } => MessageType::Authenticate,
            Message::Goodbye { .. } => MessageType::Goodbye,
            Message::Error { .. } => MessageType::Error,
            Message::Publish { .. } => MessageType::Publish,
            Message::Published { .. } => MessageType::Published,
            Message::Subscribe { .. } => MessageType::Subscribe,
            Message::Subscribed { .. } => MessageType::Subscribed,
            Message::Unsubscribe { .. } => MessageType::Unsubscribe,
            Message::Unsubscribed { .. } => MessageType::Unsubscribed,
            Message::Event { .. } => MessageType::Event,
            Message::Call { .. } => MessageType::Call,
            Message::Cancel { .. } => MessageType::Cancel,
            Message::Result { .. } => MessageType::Result,
            Message::Register { .. } => MessageType::Register,
            Message::Registered { .. } => MessageType::Registered,
            Message::Unregister { .. } => MessageType::Unregister,
            Message::Unregistered { .. } => MessageType::Unregistered,
            Message::Invocation { .. } => MessageType::Invocation,
            Message::Interrupt { .. } => MessageType::Interrupt,
            Message::Yield { .. } => MessageType::Yield,
        }
    }
}
