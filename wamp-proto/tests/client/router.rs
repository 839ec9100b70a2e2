//! The scripted router: helpers to build router messages and to drain a session.

use wamp_proto::client::{ClientConfig, ClientSession, Event};
use wamp_proto::{Dict, Id, Message, MessageType, Payload, Uri, Value};

pub(crate) fn id(n: u64) -> Id {
    Id::new(n).unwrap()
}

pub(crate) fn uri(text: &str) -> Uri {
    Uri::new(text)
}

pub(crate) fn dict<const N: usize>(entries: [(&str, Value); N]) -> Dict {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

pub(crate) fn args<const N: usize>(values: [Value; N]) -> Payload {
    Payload::args(values.into())
}

/// `{"<feature>": true, ...}` under `{"features": ...}`.
fn role(features: &[&str]) -> Value {
    let features: Dict = features
        .iter()
        .map(|f| ((*f).to_owned(), Value::Bool(true)))
        .collect();
    Value::Dict(dict([("features", Value::Dict(features))]))
}

/// `WELCOME.Details` of a router with a broker and a dealer announcing `dealer_features`.
pub(crate) fn welcome_details(dealer_features: &[&str]) -> Dict {
    dict([
        ("agent", Value::from("scripted-router")),
        ("authid", Value::from("anon-1")),
        ("authrole", Value::from("anonymous")),
        ("authmethod", Value::from("anonymous")),
        (
            "roles",
            Value::Dict(dict([
                ("broker", role(&["publisher_exclusion"])),
                ("dealer", role(dealer_features)),
            ])),
        ),
    ])
}

pub(crate) const SESSION: u64 = 9_129_137_332;

pub(crate) const FULL_DEALER: &[&str] = &[
    "call_canceling",
    "progressive_call_results",
    "progressive_call_invocations",
];

/// A session that sent HELLO and got WELCOME from a router whose dealer announces
/// `dealer_features`; both queues drained.
pub(crate) fn joined_with(config: ClientConfig, dealer_features: &[&str]) -> ClientSession {
    let mut session = ClientSession::new(config);
    assert!(matches!(sent(&mut session)[..], [Message::Hello { .. }]));
    session
        .handle_message(Message::Welcome {
            session: id(SESSION),
            details: welcome_details(dealer_features),
        })
        .unwrap();
    assert!(matches!(events(&mut session)[..], [Event::Joined(_)]));
    session
}

/// A session joined to `realm1` with every role, on a router with a full dealer.
pub(crate) fn joined() -> ClientSession {
    joined_with(ClientConfig::new("realm1").unwrap(), FULL_DEALER)
}

/// Everything the session queued for the router.
pub(crate) fn sent(session: &mut ClientSession) -> Vec<Message> {
    std::iter::from_fn(|| session.poll_transmit()).collect()
}

/// Everything the session queued for the application.
pub(crate) fn events(session: &mut ClientSession) -> Vec<Event> {
    std::iter::from_fn(|| session.poll_event()).collect()
}

/// The one message the session queued.
pub(crate) fn sent_one(session: &mut ClientSession) -> Message {
    let mut sent = sent(session);
    assert_eq!(sent.len(), 1, "{sent:?}");
    sent.remove(0)
}

/// The one event the session queued.
pub(crate) fn event_one(session: &mut ClientSession) -> Event {
    let mut events = events(session);
    assert_eq!(events.len(), 1, "{events:?}");
    events.remove(0)
}

/// Feeds a message that must be accepted.
pub(crate) fn feed(session: &mut ClientSession, message: Message) {
    session.handle_message(message).unwrap();
}

/// The router's ERROR for a request.
pub(crate) fn error(request_type: MessageType, request: Id, error: &str) -> Message {
    Message::Error {
        request_type,
        request,
        details: Dict::new(),
        error: uri(error),
        payload: Payload::default(),
    }
}

/// Registers `procedure` and feeds REGISTERED with `registration`.
pub(crate) fn register(session: &mut ClientSession, procedure: &str, registration: u64) {
    let request = session
        .register(uri(procedure), Default::default())
        .unwrap();
    sent(session);
    feed(
        session,
        Message::Registered {
            request,
            registration: id(registration),
        },
    );
    events(session);
}

/// Subscribes to `topic` and feeds SUBSCRIBED with `subscription`.
pub(crate) fn subscribe(session: &mut ClientSession, topic: &str, subscription: u64) {
    let request = session.subscribe(uri(topic), Default::default()).unwrap();
    sent(session);
    feed(
        session,
        Message::Subscribed {
            request,
            subscription: id(subscription),
        },
    );
    events(session);
}
