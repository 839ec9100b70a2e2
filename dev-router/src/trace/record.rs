//! One traced message: what is kept when it passes (a few scalars, and where its encoded
//! bytes are), and what it becomes when someone looks (decoded, redacted, a dictionary).

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use wamp_proto::{Dict, Message, MessageType, Serializer, SessionId, Value, wire};

use crate::realm::{About, Realm};

/// What replaces a secret in the trace.
pub const REDACTED: &str = "<redacted>";

/// `HELLO.Details.authextra` keys that are public and worth seeing: cryptosign's public key
/// and channel binding, its trust root, and a client's challenge to the router. Every other
/// key is redacted, since clients put tickets and tokens there too.
const PUBLIC_AUTHEXTRA: &[&str] = &["pubkey", "channel_binding", "trustroot", "challenge"];

/// Which way a message went, as the router saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From a session to the router.
    In,
    /// From the router to a session.
    Out,
}

impl Direction {
    /// `"in"` or `"out"`, as records spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// One message in the trace.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// Increasing per realm, from 1.
    pub(crate) seq: u64,
    /// Microseconds since the UNIX epoch.
    pub(crate) time_us: u64,
    /// The session it came from or went to.
    pub(crate) session: SessionId,
    pub(crate) direction: Direction,
    /// The serializer of that session's connection.
    pub(crate) serializer: Serializer,
    pub(crate) message_type: MessageType,
    /// Where its bytes start in the trace's byte ring (a running count of bytes written,
    /// never decreasing from one record to the next); for a record with no bytes there, the
    /// ring's position when it was recorded.
    pub(crate) position: u64,
    /// The encoded size in bytes (a message is at most `--max-message-size`, below 4 GiB).
    pub(crate) size: u32,
    pub(crate) frame: Frame,
    /// What the message belongs to, for a message that does not carry its URI itself (see
    /// [`About`]): an ID as it is recorded, named when the record is copied out to be read.
    pub(crate) subject: Option<Subject>,
}

/// A [`Record`]'s subscription or registration.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Subject {
    /// As recorded: cheap to keep.
    Id(About),
    /// Its URI, as looked up in the realm when the record was copied out (a thin pointer,
    /// to keep records small).
    Uri(Arc<String>),
}

impl Record {
    /// Replaces the subject's ID by its URI in the realm (the subscription's topic or the
    /// registration's procedure), if the realm knows it; a copy's work, under the lock.
    pub(crate) fn name_subject(&mut self, realm: &Realm) {
        if let Some(Subject::Id(about)) = self.subject {
            self.subject = realm
                .uri_about(about)
                .map(|uri| Subject::Uri(Arc::new(uri.as_str().to_owned())));
        }
    }
}

/// Where a [`Record`]'s message is.
#[derive(Clone)]
pub(crate) enum Frame {
    /// Its encoding is in the trace's byte ring, at the record's `position`.
    Stored,
    /// Its encoding, held here: a message too large for the byte ring, or a record copied
    /// out of the trace to be read. Boxed, like the others, so that a record stays small:
    /// records in the ring are mostly `Stored`.
    Held(Box<Bytes>),
    /// A handshake message (HELLO, AUTHENTICATE) with its secrets removed when it passed, so
    /// that the trace never holds them.
    Redacted(Arc<Materialized>),
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frame::Stored => f.write_str("Stored"),
            Frame::Held(bytes) => f.debug_tuple("Held").field(&bytes.len()).finish(),
            Frame::Redacted(materialized) => f.debug_tuple("Redacted").field(materialized).finish(),
        }
    }
}

/// A record's message as the trace API shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Materialized {
    /// The URI the message carries (see [`uri_of`]).
    pub(crate) uri: Option<String>,
    /// The wire list, secrets redacted; `null` if the bytes no longer decode (they did when
    /// they were recorded, so this does not happen).
    pub(crate) message: Value,
    /// The encoded size in bytes.
    pub(crate) size: usize,
}

impl Materialized {
    /// `message`, `size` bytes long on the wire, as the trace shows it; its URI is the one
    /// it carries, or else its `subject`'s.
    pub(crate) fn new(message: &Message, size: usize, subject: Option<&Subject>) -> Materialized {
        let mut value = wire::to_value(message);
        redact(message.message_type(), &mut value);
        let uri = uri_of(message)
            .map(str::to_owned)
            .or_else(|| match subject {
                Some(Subject::Uri(uri)) => Some(String::clone(uri)),
                Some(Subject::Id(_)) | None => None,
            });
        Materialized {
            uri,
            message: value,
            size,
        }
    }
}

impl Record {
    /// Decodes the message, redacted: the costly part of a record, done only for records
    /// somebody asked for, once they are copied out of the trace ([`Frame::Held`]).
    pub(crate) fn materialize(&self) -> Materialized {
        match &self.frame {
            Frame::Held(bytes) => match self.serializer.decode(bytes) {
                Ok(message) => {
                    Materialized::new(&message, self.size as usize, self.subject.as_ref())
                }
                Err(_) => Materialized {
                    uri: None,
                    message: Value::Null,
                    size: self.size as usize,
                },
            },
            Frame::Redacted(materialized) => Materialized::clone(materialized),
            // Still in the byte ring: copied out before anything reads it.
            Frame::Stored => Materialized {
                uri: None,
                message: Value::Null,
                size: self.size as usize,
            },
        }
    }

    /// The record as the trace API sends it: `{seq, time_ms, realm, session, direction, type,
    /// uri, size, serializer, message}`.
    pub(crate) fn to_value(&self, realm: &str, materialized: Materialized) -> Value {
        let Materialized { uri, message, size } = materialized;
        // Microseconds to fractional milliseconds: exact in an f64 for the next 280 years.
        #[allow(clippy::cast_precision_loss, reason = "see above")]
        let time_ms = self.time_us as f64 / 1000.0;
        Value::Dict(Dict::from([
            ("seq".to_owned(), Value::from(self.seq)),
            ("time_ms".to_owned(), Value::Float(time_ms)),
            ("realm".to_owned(), realm.into()),
            ("session".to_owned(), Value::from(self.session.get())),
            ("direction".to_owned(), self.direction.as_str().into()),
            ("type".to_owned(), self.message_type.name().into()),
            ("uri".to_owned(), uri.map_or(Value::Null, Value::Str)),
            ("size".to_owned(), Value::from(size as u64)),
            ("serializer".to_owned(), self.serializer.name().into()),
            ("message".to_owned(), message),
        ]))
    }
}

/// The URI a message carries, for display and for the `uri` filter: the realm of HELLO, the
/// reason of ABORT and GOODBYE, the error of ERROR, the topic of PUBLISH and SUBSCRIBE, the
/// procedure of CALL and REGISTER, and the concrete topic or procedure that EVENT and
/// INVOCATION carry in their details for pattern-based subscriptions and registrations.
/// `None` for the others, which carry only IDs (a record's [`Subject`] names those).
pub(crate) fn uri_of(message: &Message) -> Option<&str> {
    fn detail<'a>(details: &'a Dict, key: &str) -> Option<&'a str> {
        details.get(key).and_then(Value::as_str)
    }
    match message {
        Message::Hello { realm, .. } => Some(realm.as_str()),
        Message::Abort { reason, .. } | Message::Goodbye { reason, .. } => Some(reason.as_str()),
        Message::Error { error, .. } => Some(error.as_str()),
        Message::Publish { topic, .. } | Message::Subscribe { topic, .. } => Some(topic.as_str()),
        Message::Call { procedure, .. } | Message::Register { procedure, .. } => {
            Some(procedure.as_str())
        }
        Message::Event { details, .. } => detail(details, "topic"),
        Message::Invocation { details, .. } => detail(details, "procedure"),
        _ => None,
    }
}

/// Removes the secrets from a message's wire list: AUTHENTICATE's signature and extra, and
/// HELLO's `authextra` except its public keys ([`PUBLIC_AUTHEXTRA`]).
pub(crate) fn redact(message_type: MessageType, message: &mut Value) {
    let Value::List(fields) = message else {
        return;
    };
    match message_type {
        MessageType::Authenticate => {
            for field in fields.iter_mut().skip(1) {
                *field = REDACTED.into();
            }
        }
        MessageType::Hello => {
            let Some(Value::Dict(details)) = fields.get_mut(2) else {
                return;
            };
            match details.get_mut("authextra") {
                Some(Value::Dict(extra)) => {
                    for (key, value) in extra.iter_mut() {
                        if !PUBLIC_AUTHEXTRA.contains(&key.as_str()) {
                            *value = REDACTED.into();
                        }
                    }
                }
                Some(other) => *other = REDACTED.into(),
                None => {}
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use wamp_proto::{Id, Payload, Uri};

    use super::*;

    fn id(n: u64) -> Id {
        Id::new(n).unwrap()
    }

    fn record(message: &Message, frame: Frame) -> Record {
        let size = match &frame {
            Frame::Held(bytes) => bytes.len() as u32,
            _ => 0,
        };
        Record {
            seq: 7,
            time_us: 1_700_000_000_123_456,
            session: id(5),
            direction: Direction::In,
            serializer: Serializer::MsgPack,
            message_type: message.message_type(),
            position: 0,
            size,
            frame,
            subject: None,
        }
    }

    #[test]
    fn held_bytes_decode_on_demand() {
        let call = Message::Call {
            request: id(1),
            options: Dict::new(),
            procedure: Uri::new("com.example.add"),
            payload: Payload::args(vec![1.into(), 2.into()]),
        };
        let bytes = Bytes::from(Serializer::MsgPack.encode(&call));
        let size = bytes.len();
        let record = record(&call, Frame::Held(Box::new(bytes)));
        let materialized = record.materialize();
        assert_eq!(materialized.uri.as_deref(), Some("com.example.add"));
        assert_eq!(materialized.size, size);
        assert_eq!(materialized.message, wire::to_value(&call));

        let value = record.to_value("realm1", materialized);
        let dict = value.as_dict().unwrap();
        assert_eq!(dict["seq"], Value::from(7u64));
        assert_eq!(dict["time_ms"], Value::Float(1_700_000_000_123.456));
        assert_eq!(dict["realm"], Value::from("realm1"));
        assert_eq!(dict["session"], Value::from(5u64));
        assert_eq!(dict["direction"], Value::from("in"));
        assert_eq!(dict["type"], Value::from("CALL"));
        assert_eq!(dict["uri"], Value::from("com.example.add"));
        assert_eq!(dict["size"], Value::from(size as u64));
        assert_eq!(dict["serializer"], Value::from("msgpack"));
        assert_eq!(dict.len(), 10);
    }

    #[test]
    fn undecodable_or_unread_bytes_give_a_null_message() {
        let cancel = Message::Cancel {
            request: id(1),
            options: Dict::new(),
        };
        let garbage = record(&cancel, Frame::Held(Box::new(Bytes::from_static(b"\xc1"))));
        let materialized = garbage.materialize();
        assert_eq!(materialized.message, Value::Null);
        assert_eq!(materialized.uri, None);
        assert_eq!(materialized.size, 1);
        let mut stored = record(&cancel, Frame::Stored);
        stored.size = 12;
        assert_eq!(stored.materialize().message, Value::Null);
        assert_eq!(stored.materialize().size, 12);
    }

    #[test]
    fn authenticate_loses_signature_and_extra() {
        let authenticate = Message::Authenticate {
            signature: "alice-ticket".into(),
            extra: Dict::from([("nonce".to_owned(), Value::from("secretish"))]),
        };
        let materialized = Materialized::new(&authenticate, 40, None);
        assert_eq!(
            materialized.message,
            Value::List(vec![Value::from(5u64), REDACTED.into(), REDACTED.into()])
        );
        assert!(!format!("{materialized:?}").contains("alice-ticket"));
    }

    #[test]
    fn hello_keeps_public_keys_and_loses_the_rest_of_authextra() {
        let authextra = Dict::from([
            ("pubkey".to_owned(), Value::from("c9f4aa")),
            ("ticket".to_owned(), Value::from("alice-ticket")),
            ("token".to_owned(), Value::from("bearer-xyz")),
        ]);
        let details = Dict::from([
            ("authid".to_owned(), Value::from("alice")),
            ("authextra".to_owned(), Value::Dict(authextra)),
        ]);
        let hello = Message::Hello {
            realm: Uri::new("realm1"),
            details,
        };
        let materialized = Materialized::new(&hello, 99, None);
        assert_eq!(materialized.uri.as_deref(), Some("realm1"));
        let shown = format!("{:?}", materialized.message);
        assert!(
            !shown.contains("alice-ticket") && !shown.contains("bearer-xyz"),
            "{shown}"
        );
        let fields = materialized.message.as_list().unwrap();
        let extra = fields[2].as_dict().unwrap()["authextra"].as_dict().unwrap();
        assert_eq!(extra["pubkey"], Value::from("c9f4aa"));
        assert_eq!(extra["ticket"], Value::from(REDACTED));
        assert_eq!(extra["token"], Value::from(REDACTED));
        assert_eq!(fields[2].as_dict().unwrap()["authid"], Value::from("alice"));

        // An authextra that is not a dictionary goes altogether.
        let mut odd = Value::List(vec![
            Value::from(1u64),
            "realm1".into(),
            Value::Dict(Dict::from([(
                "authextra".to_owned(),
                Value::from("s3cret"),
            )])),
        ]);
        redact(MessageType::Hello, &mut odd);
        assert!(!format!("{odd:?}").contains("s3cret"));
    }

    #[test]
    fn challenge_and_others_are_untouched() {
        let challenge = Message::Challenge {
            auth_method: "wampcra".into(),
            extra: Dict::from([("salt".to_owned(), Value::from("s4lt"))]),
        };
        let materialized = Materialized::new(&challenge, 10, None);
        assert_eq!(materialized.message, wire::to_value(&challenge));
        assert_eq!(materialized.uri, None);
    }

    #[test]
    fn uris_by_message_type() {
        let goodbye = Message::Goodbye {
            details: Dict::new(),
            reason: Uri::new("wamp.close.normal"),
        };
        assert_eq!(uri_of(&goodbye), Some("wamp.close.normal"));
        let invocation = Message::Invocation {
            request: id(1),
            registration: id(2),
            details: Dict::new(),
            payload: Payload::default(),
        };
        assert_eq!(uri_of(&invocation), None);
        let result = Message::Result {
            request: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        };
        assert_eq!(uri_of(&result), None);
    }

    #[test]
    fn records_stay_small() {
        // The ring holds thousands of them and every message writes one: a record is a few
        // scalars, with anything larger behind a pointer.
        assert!(
            std::mem::size_of::<Record>() <= 72,
            "{}",
            std::mem::size_of::<Record>()
        );
    }
}
